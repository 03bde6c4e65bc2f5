//! Name, label and object-metadata validation with kube-apiserver's messages.
//!
//! The string checks mirror `k8s.io/apimachinery/pkg/api/validate/content`
//! (what `pkg/util/validation` delegates to in Kubernetes 1.37); each returns
//! the list of problems, empty when the value is valid. The metadata checks
//! mirror `k8s.io/apimachinery/pkg/api/validation` and return
//! [`StatusCause`]s ready for [`ApiError::invalid`](crate::status::ApiError::invalid).

use crate::status::StatusCause;
use serde_json::{Map, Value};

/// Longest DNS-1123 label (RFC 1123).
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Longest DNS-1123 subdomain (RFC 1123).
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Longest label value, and longest name part of a qualified name.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// Largest total size of an object's annotations, keys plus values, in bytes.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
/// The detail kube-apiserver gives for a change to an immutable field.
pub const FIELD_IMMUTABLE: &str = "field is immutable";

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `must be no more than N bytes`.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} bytes")
}

/// A regex failure explained the way Kubernetes does, examples included.
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    // The doubled space after each comma is Kubernetes' own.
    let shown: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        shown.join(" or ")
    )
}

/// `must be non-empty`.
pub fn empty_error() -> &'static str {
    "must be non-empty"
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// The name-part rule of label keys, which label values share.
fn matches_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A lowercase RFC 1123 label (namespace names, Service names).
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // Length is already reported, so only the dots remain.
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// A lowercase RFC 1123 subdomain (most object names).
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// A qualified name: label and annotation keys, finalizers
/// (`[prefix/]name`, prefix a DNS subdomain, name at most 63 bytes).
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let name = match value.split_once('/') {
        None => value,
        Some((_, suffix)) if suffix.contains('/') => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
        Some((prefix, suffix)) => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {}", empty_error()));
            } else {
                errs.extend(
                    is_dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            suffix
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {}", empty_error()));
    } else if name.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(LABEL_VALUE_MAX_LENGTH)
        ));
    }
    if !matches_label_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_ERR,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// A label value: empty, or at most 63 bytes of `[-A-Za-z0-9_.]` starting
/// and ending with an alphanumeric.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_label_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// A name that is safe as one URL path segment: not `.` or `..`, no `/` or `%`.
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    for illegal in [".", ".."] {
        if name == illegal {
            return vec![format!("may not be '{illegal}'")];
        }
    }
    is_valid_path_segment_prefix(name)
}

/// A prefix of a path-segment name (a `generateName`): no `/` or `%`.
pub fn is_valid_path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|c| name.contains(*c))
        .map(|c| format!("may not contain '{c}'"))
        .collect()
}

/// Go's `strconv.Quote`, which kube-apiserver uses to show a bad string value.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Approximates Go's `strconv.IsPrint`: graphic characters and the ASCII space.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c,
            '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e000}'..='\u{f8ff}'))
}

/// Go's `%#v` of a `[]string`, as in `[]string{"a", "b"}`.
pub fn go_string_slice(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// A `FieldValueInvalid` cause whose bad value is already rendered as Go shows it.
pub fn invalid_cause(field: &str, shown_value: &str, detail: &str) -> StatusCause {
    let message = if detail.is_empty() {
        format!("Invalid value: {shown_value}")
    } else {
        format!("Invalid value: {shown_value}: {detail}")
    };
    StatusCause::new("FieldValueInvalid", message, field)
}

/// A `FieldValueInvalid` cause for a string value.
pub fn invalid_string_cause(field: &str, value: &str, detail: &str) -> StatusCause {
    invalid_cause(field, &go_quote(value), detail)
}

/// A `FieldValueTooLong` cause: `Too long: must have at most N bytes`.
pub fn too_long_cause(field: &str, max_bytes: usize) -> StatusCause {
    StatusCause::new(
        "FieldValueTooLong",
        format!("Too long: must have at most {max_bytes} bytes"),
        field,
    )
}

/// Which rule an object's `metadata.name` must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCheck {
    /// A DNS-1123 subdomain: most kinds.
    Dns1123Subdomain,
    /// A DNS-1123 label: Namespaces, Services.
    Dns1123Label,
    /// Only safe as a URL path segment (e.g. RBAC roles).
    PathSegment,
}

impl NameCheck {
    /// Problems with `name`; `prefix` marks a `generateName`, which may end in `-`.
    pub fn check(self, name: &str, prefix: bool) -> Vec<String> {
        match self {
            NameCheck::Dns1123Subdomain if prefix => {
                is_dns1123_subdomain(&mask_trailing_dash(name))
            }
            NameCheck::Dns1123Subdomain => is_dns1123_subdomain(name),
            NameCheck::Dns1123Label if prefix => is_dns1123_label(&mask_trailing_dash(name)),
            NameCheck::Dns1123Label => is_dns1123_label(name),
            NameCheck::PathSegment if prefix => is_valid_path_segment_prefix(name),
            NameCheck::PathSegment => is_valid_path_segment_name(name),
        }
    }
}

/// Kubernetes replaces the last two characters of a `-`-terminated prefix
/// with `a` before checking it (`name[:len(name)-2] + "a"`).
fn mask_trailing_dash(name: &str) -> String {
    match name.strip_suffix('-') {
        Some(_) if name.len() >= 2 => {
            let mut cut = name.len() - 2;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}a", &name[..cut])
        }
        Some(_) => "a".to_string(),
        None => name.to_string(),
    }
}

fn str_field<'a>(meta: &'a Value, key: &str) -> &'a str {
    meta.get(key).and_then(Value::as_str).unwrap_or("")
}

fn string_map<'a>(meta: &'a Value, key: &str) -> Vec<(&'a str, &'a str)> {
    meta.get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

fn string_list<'a>(meta: &'a Value, key: &str) -> Vec<&'a str> {
    meta.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Checks label keys and values; `field` is the path to report, e.g. `metadata.labels`.
pub fn validate_labels(labels: &Map<String, Value>, field: &str) -> Vec<StatusCause> {
    let mut causes = Vec::new();
    for (k, v) in labels {
        for msg in is_qualified_name(k) {
            causes.push(invalid_string_cause(field, k, &msg));
        }
        let value = v.as_str().unwrap_or("");
        for msg in is_valid_label_value(value) {
            causes.push(invalid_string_cause(field, value, &msg));
        }
    }
    causes
}

/// Checks annotation keys (qualified names, case-insensitive) and their total size.
pub fn validate_annotations(annotations: &Map<String, Value>, field: &str) -> Vec<StatusCause> {
    let mut causes = Vec::new();
    let mut total = 0usize;
    for (k, v) in annotations {
        for msg in is_qualified_name(&k.to_lowercase()) {
            causes.push(invalid_string_cause(field, k, &msg));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        causes.push(too_long_cause(field, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    causes
}

fn validate_labels_and_annotations(meta: &Value, causes: &mut Vec<StatusCause>) {
    if let Some(labels) = meta.get("labels").and_then(Value::as_object) {
        causes.extend(validate_labels(labels, "metadata.labels"));
    }
    if let Some(annotations) = meta.get("annotations").and_then(Value::as_object) {
        causes.extend(validate_annotations(annotations, "metadata.annotations"));
    }
}

/// Go's `%#v` of an owner reference; the pointer fields cannot show Go's
/// addresses, so a set pointer shows its value instead.
fn go_owner_reference(r: &Value) -> String {
    let ptr = |key: &str| match r.get(key).and_then(Value::as_bool) {
        Some(b) => format!("(*bool)({b})"),
        None => "(*bool)(nil)".to_string(),
    };
    format!(
        "v1.OwnerReference{{APIVersion:{}, Kind:{}, Name:{}, UID:{}, Controller:{}, BlockOwnerDeletion:{}}}",
        go_quote(str_field(r, "apiVersion")),
        go_quote(str_field(r, "kind")),
        go_quote(str_field(r, "name")),
        go_quote(str_field(r, "uid")),
        ptr("controller"),
        ptr("blockOwnerDeletion"),
    )
}

/// The version part of an `apiVersion`, empty when Kubernetes cannot parse one.
fn api_version_version(api_version: &str) -> &str {
    match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [v] => v,
        [_, v] => v,
        _ => "",
    }
}

fn validate_owner_references(meta: &Value, causes: &mut Vec<StatusCause>) {
    const FIELD: &str = "metadata.ownerReferences";
    let Some(refs) = meta.get("ownerReferences").and_then(Value::as_array) else {
        return;
    };
    let mut first_controller: Option<String> = None;
    for r in refs {
        let api_version = str_field(r, "apiVersion");
        let version = api_version_version(api_version);
        // Kubernetes reports these on the list's path, without an index.
        if version.is_empty() {
            causes.push(invalid_string_cause(
                &format!("{FIELD}.apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        for key in ["kind", "name", "uid"] {
            if str_field(r, key).is_empty() {
                causes.push(invalid_string_cause(
                    &format!("{FIELD}.{key}"),
                    "",
                    "must not be empty",
                ));
            }
        }
        if api_version == "v1" && str_field(r, "kind") == "Event" {
            causes.push(invalid_cause(
                FIELD,
                &go_owner_reference(r),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if r.get("controller").and_then(Value::as_bool) == Some(true) {
            let current = format!("{}/{}", str_field(r, "kind"), str_field(r, "name"));
            match &first_controller {
                Some(first) => {
                    let all: Vec<String> = refs.iter().map(go_owner_reference).collect();
                    causes.push(invalid_cause(
                        FIELD,
                        &format!("[]v1.OwnerReference{{{}}}", all.join(", ")),
                        &format!("Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"),
                    ));
                }
                None => first_controller = Some(current),
            }
        }
    }
}

fn validate_finalizers(meta: &Value, causes: &mut Vec<StatusCause>) {
    const FIELD: &str = "metadata.finalizers";
    let finalizers = string_list(meta, "finalizers");
    for f in &finalizers {
        for msg in is_qualified_name(f) {
            causes.push(invalid_string_cause(FIELD, f, &msg));
        }
    }
    if finalizers.contains(&"orphan") && finalizers.contains(&"foregroundDeletion") {
        causes.push(invalid_cause(
            FIELD,
            &go_string_slice(&finalizers),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
}

/// Validates `metadata` of an object being created, as kube-apiserver's
/// `ValidateObjectMeta` does: name or generateName, name format, namespace by
/// scope, generation, labels, annotations, owner references and finalizers.
/// `managedFields` is not checked here.
pub fn validate_object_meta(
    meta: &Value,
    namespaced: bool,
    name_check: NameCheck,
) -> Vec<StatusCause> {
    let mut causes = Vec::new();
    let generate_name = str_field(meta, "generateName");
    if !generate_name.is_empty() {
        for msg in name_check.check(generate_name, true) {
            causes.push(invalid_string_cause(
                "metadata.generateName",
                generate_name,
                &msg,
            ));
        }
    }
    let name = str_field(meta, "name");
    if name.is_empty() {
        causes.push(StatusCause::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in name_check.check(name, false) {
            causes.push(invalid_string_cause("metadata.name", name, &msg));
        }
    }
    let namespace = str_field(meta, "namespace");
    if namespaced {
        if namespace.is_empty() {
            causes.push(StatusCause::required("metadata.namespace", ""));
        } else {
            for msg in is_dns1123_label(namespace) {
                causes.push(invalid_string_cause("metadata.namespace", namespace, &msg));
            }
        }
    } else if !namespace.is_empty() {
        causes.push(StatusCause::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    if let Some(generation) = meta.get("generation").and_then(Value::as_i64) {
        if generation < 0 {
            causes.push(invalid_cause(
                "metadata.generation",
                &generation.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
    validate_labels_and_annotations(meta, &mut causes);
    validate_owner_references(meta, &mut causes);
    validate_finalizers(meta, &mut causes);
    causes
}

/// Go's `time.Time.String()` for an RFC 3339 timestamp as the API stores it
/// (`2024-01-02T03:04:05Z` → `2024-01-02 03:04:05 +0000 UTC`); the zero time
/// when absent, as a Go `metav1.Time` would show it.
fn go_time(ts: Option<&str>) -> String {
    let Some(ts) = ts.filter(|t| !t.is_empty()) else {
        return "0001-01-01 00:00:00 +0000 UTC".to_string();
    };
    match ts.strip_suffix('Z').and_then(|t| t.split_once('T')) {
        Some((date, time)) => format!("{date} {time} +0000 UTC"),
        None => ts.to_string(),
    }
}

fn as_time(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn immutable(causes: &mut Vec<StatusCause>, field: &str, changed: bool, shown_new: String) {
    if changed {
        causes.push(invalid_cause(field, &shown_new, FIELD_IMMUTABLE));
    }
}

/// Validates `metadata` on update, as `ValidateObjectMetaUpdate` does: no new
/// finalizers while deleting, resourceVersion present, generation not going
/// down, name/namespace/uid/creationTimestamp/deletionTimestamp/
/// deletionGracePeriodSeconds unchanged (`field is immutable`), then labels,
/// annotations and owner references of the new object.
pub fn validate_object_meta_update(new: &Value, old: &Value) -> Vec<StatusCause> {
    let mut causes = Vec::new();
    if old.get("deletionTimestamp").is_some_and(|t| !t.is_null()) {
        let old_finalizers = string_list(old, "finalizers");
        let mut extra: Vec<&str> = string_list(new, "finalizers")
            .into_iter()
            .filter(|f| !old_finalizers.contains(f))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            causes.push(StatusCause::forbidden(
                "metadata.finalizers",
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers {}",
                    go_string_slice(&extra)
                ),
            ));
        }
    }
    if str_field(new, "resourceVersion").is_empty() {
        causes.push(invalid_string_cause(
            "metadata.resourceVersion",
            "",
            "must be specified for an update",
        ));
    }
    let new_generation = new.get("generation").and_then(Value::as_i64).unwrap_or(0);
    let old_generation = old.get("generation").and_then(Value::as_i64).unwrap_or(0);
    if new_generation < old_generation {
        causes.push(invalid_cause(
            "metadata.generation",
            &new_generation.to_string(),
            "must not be decremented",
        ));
    }
    for key in ["name", "namespace", "uid"] {
        let (n, o) = (str_field(new, key), str_field(old, key));
        immutable(&mut causes, &format!("metadata.{key}"), n != o, go_quote(n));
    }
    let (n, o) = (new.get("creationTimestamp"), old.get("creationTimestamp"));
    immutable(
        &mut causes,
        "metadata.creationTimestamp",
        as_time(n) != as_time(o),
        go_time(as_time(n)),
    );
    let (n, o) = (
        as_time(new.get("deletionTimestamp")),
        as_time(old.get("deletionTimestamp")),
    );
    immutable(
        &mut causes,
        "metadata.deletionTimestamp",
        n != o,
        n.map_or("null".to_string(), |t| go_time(Some(t))),
    );
    let grace = |m: &Value| m.get("deletionGracePeriodSeconds").and_then(Value::as_i64);
    let (n, o) = (grace(new), grace(old));
    immutable(
        &mut causes,
        "metadata.deletionGracePeriodSeconds",
        n != o,
        n.map_or("null".to_string(), |g| g.to_string()),
    );
    validate_labels_and_annotations(new, &mut causes);
    validate_owner_references(new, &mut causes);
    causes
}

/// The labels of an object's metadata as string pairs, for callers that match selectors.
pub fn metadata_labels(meta: &Value) -> Vec<(&str, &str)> {
    string_map(meta, "labels")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ApiError;
    use serde_json::json;

    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    #[test]
    fn dns1123_subdomain() {
        assert!(is_dns1123_subdomain("web-1.example.com").is_empty());
        assert_eq!(
            is_dns1123_subdomain("Bad_Name"),
            vec![SUBDOMAIN_MSG.to_string()]
        );
        assert_eq!(is_dns1123_subdomain(""), vec![SUBDOMAIN_MSG.to_string()]);
        assert_eq!(is_dns1123_subdomain("a..b").len(), 1);
        let long = "a".repeat(254);
        assert_eq!(
            is_dns1123_subdomain(&long),
            vec!["must be no more than 253 bytes".to_string()]
        );
    }

    #[test]
    fn dns1123_label() {
        assert!(is_dns1123_label("kube-system").is_empty());
        assert_eq!(
            is_dns1123_label("a.b"),
            vec!["must not contain dots".to_string()]
        );
        assert_eq!(
            is_dns1123_label("-a"),
            vec!["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_string()]
        );
        assert_eq!(
            is_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 bytes".to_string()]
        );
    }

    #[test]
    fn qualified_names() {
        assert!(is_qualified_name("app.kubernetes.io/name").is_empty());
        assert!(is_qualified_name("MyName").is_empty());
        assert_eq!(
            is_qualified_name("app:monolith"),
            vec!["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string()]
        );
        assert_eq!(
            is_qualified_name("a/b/c"),
            vec!["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string()]
        );
        assert_eq!(
            is_qualified_name("/b"),
            vec!["prefix part must be non-empty".to_string()]
        );
        let errs = is_qualified_name("a/");
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0], "name part must be non-empty");
        assert!(is_qualified_name("app_kubernetes.io/x")[0]
            .starts_with("prefix part a lowercase RFC 1123 subdomain"));
        assert_eq!(
            is_qualified_name(&"a".repeat(64)),
            vec!["name part must be no more than 63 bytes".to_string()]
        );
    }

    #[test]
    fn label_values() {
        assert!(is_valid_label_value("").is_empty());
        assert!(is_valid_label_value("v1.2_3-x").is_empty());
        assert_eq!(
            is_valid_label_value("-x"),
            vec!["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string()]
        );
        assert_eq!(
            is_valid_label_value(&"z".repeat(64)),
            vec!["must be no more than 63 bytes".to_string()]
        );
    }

    #[test]
    fn path_segments() {
        assert!(is_valid_path_segment_name("system:admin").is_empty());
        assert_eq!(
            is_valid_path_segment_name(".."),
            vec!["may not be '..'".to_string()]
        );
        assert_eq!(
            is_valid_path_segment_name("a/b%c"),
            vec![
                "may not contain '/'".to_string(),
                "may not contain '%'".to_string()
            ]
        );
    }

    #[test]
    fn go_quote_matches_strconv() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("tab\there\n"), r#""tab\there\n""#);
        assert_eq!(go_quote("\u{1}"), r#""\x01""#);
        assert_eq!(go_quote("héllo"), "\"héllo\"");
        assert_eq!(go_quote("\u{feff}"), r#""\ufeff""#);
    }

    #[test]
    fn object_meta_requires_a_name() {
        let causes = validate_object_meta(
            &json!({"namespace": "default"}),
            true,
            NameCheck::Dns1123Subdomain,
        );
        assert_eq!(
            causes,
            vec![StatusCause::required(
                "metadata.name",
                "name or generateName is required"
            )]
        );
        let e = ApiError::invalid("ConfigMap", "", "", causes);
        assert_eq!(e.message, "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required");
    }

    #[test]
    fn object_meta_reports_bad_name_and_namespace_scope() {
        let causes = validate_object_meta(
            &json!({"name": "Bad_Name", "namespace": "default"}),
            false,
            NameCheck::Dns1123Subdomain,
        );
        assert_eq!(causes.len(), 2);
        assert_eq!(causes[0].field, "metadata.name");
        assert_eq!(
            causes[0].message,
            format!("Invalid value: \"Bad_Name\": {SUBDOMAIN_MSG}")
        );
        assert_eq!(causes[1].message, "Forbidden: not allowed on this type");
        assert_eq!(causes[1].field, "metadata.namespace");
        let missing_ns =
            validate_object_meta(&json!({"name": "ok"}), true, NameCheck::Dns1123Subdomain);
        assert_eq!(
            missing_ns,
            vec![StatusCause::required("metadata.namespace", "")]
        );
        assert_eq!(missing_ns[0].message, "Required value");
    }

    #[test]
    fn object_meta_checks_generate_name_with_trailing_dash() {
        let ok = validate_object_meta(
            &json!({"generateName": "web-", "namespace": "d"}),
            true,
            NameCheck::Dns1123Subdomain,
        );
        assert_eq!(ok.len(), 1, "only the missing name: {ok:?}");
        let bad = validate_object_meta(
            &json!({"generateName": "Web_", "name": "x", "namespace": "d"}),
            true,
            NameCheck::Dns1123Label,
        );
        assert_eq!(bad[0].field, "metadata.generateName");
        assert!(bad[0]
            .message
            .starts_with("Invalid value: \"Web_\": a lowercase RFC 1123 label"));
    }

    #[test]
    fn object_meta_labels_and_annotations() {
        let meta = json!({
            "name": "x",
            "labels": {"good": "v", "bad key": "v", "k": "-bad"},
            "annotations": {"Example.com/Key": "fine", "a": "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT)},
        });
        let causes = validate_object_meta(&meta, false, NameCheck::Dns1123Subdomain);
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["metadata.labels", "metadata.labels", "metadata.annotations"]
        );
        assert!(causes[0]
            .message
            .starts_with("Invalid value: \"bad key\": name part must consist"));
        assert!(causes[1]
            .message
            .starts_with("Invalid value: \"-bad\": a valid label must be"));
        assert_eq!(causes[2].reason, "FieldValueTooLong");
        assert_eq!(
            causes[2].message,
            "Too long: must have at most 262144 bytes"
        );
    }

    #[test]
    fn object_meta_owner_references_and_finalizers() {
        let meta = json!({
            "name": "x",
            "generation": -1,
            "ownerReferences": [
                {"apiVersion": "", "kind": "Event", "name": "", "uid": "u1", "controller": true},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u2", "controller": true}
            ],
            "finalizers": ["orphan", "foregroundDeletion", "bad/fin/alizer"],
        });
        let causes = validate_object_meta(&meta, false, NameCheck::Dns1123Subdomain);
        let shown: Vec<String> = causes.iter().map(StatusCause::display).collect();
        assert_eq!(
            shown[0],
            "metadata.generation: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(
            shown[1],
            "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty"
        );
        assert_eq!(
            shown[2],
            "metadata.ownerReferences.name: Invalid value: \"\": must not be empty"
        );
        assert!(shown[3].contains("Only one reference can have Controller set to true. Found \"true\" in references for Event/ and ReplicaSet/rs"));
        assert!(shown[4].starts_with(
            "metadata.finalizers: Invalid value: \"bad/fin/alizer\": a valid label key"
        ));
        assert_eq!(
            shown[5],
            "metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\", \"bad/fin/alizer\"}: finalizer orphan and foregroundDeletion cannot be both set"
        );
    }

    #[test]
    fn update_rejects_immutable_changes() {
        let old = json!({"name": "a", "namespace": "ns", "uid": "1", "resourceVersion": "5", "creationTimestamp": "2024-01-02T03:04:05Z", "generation": 3});
        let new = json!({"name": "b", "namespace": "ns", "uid": "2", "resourceVersion": "5", "creationTimestamp": "2024-01-02T03:04:06Z", "generation": 2});
        let shown: Vec<String> = validate_object_meta_update(&new, &old)
            .iter()
            .map(StatusCause::display)
            .collect();
        assert_eq!(
            shown,
            vec![
                "metadata.generation: Invalid value: 2: must not be decremented",
                "metadata.name: Invalid value: \"b\": field is immutable",
                "metadata.uid: Invalid value: \"2\": field is immutable",
                "metadata.creationTimestamp: Invalid value: 2024-01-02 03:04:06 +0000 UTC: field is immutable",
            ]
        );
        assert!(validate_object_meta_update(&old, &old).is_empty());
    }

    #[test]
    fn update_requires_resource_version_and_blocks_new_finalizers_while_deleting() {
        let old =
            json!({"name": "a", "deletionTimestamp": "2024-01-02T03:04:05Z", "finalizers": ["x"]});
        let new = json!({"name": "a", "deletionTimestamp": "2024-01-02T03:04:05Z", "finalizers": ["x", "y"]});
        let shown: Vec<String> = validate_object_meta_update(&new, &old)
            .iter()
            .map(StatusCause::display)
            .collect();
        assert_eq!(
            shown,
            vec![
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"y\"}",
                "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
            ]
        );
    }
}
