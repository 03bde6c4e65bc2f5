//! Schema-driven admission of written objects: strict decoding (type errors,
//! unknown and duplicate fields, per `fieldValidation`), pruning, defaulting,
//! the built-in admission plugins, Service address allocation and each
//! kind's validation. One place the create, update and patch handlers call.

use crate::registry::ResourceEntry;
use keelson_apimachinery::codec::ContentType;
use keelson_apimachinery::gofmt;
use keelson_apimachinery::kind_validation;
use keelson_apimachinery::status::{ApiError, ApiResult};
use keelson_apimachinery::structural::{self, Checks, Node, Raw};
use keelson_apimachinery::validation::go_quote;
use keelson_apimachinery::{defaults, meta};
use serde_json::{json, Value};

/// The `fieldValidation` directive of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    /// Drop unknown fields silently.
    Ignore,
    /// Drop unknown fields and tell the client in `Warning` headers (the server default).
    Warn,
    /// Refuse unknown and duplicate fields with 400.
    Strict,
}

impl FieldValidation {
    /// Reads the query parameter (absent means `Warn`, as kube-apiserver).
    pub fn from_query(value: Option<&str>) -> ApiResult<Self> {
        match value {
            None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation {other} is not a valid value. Valid values are: Ignore, Warn, Strict"
            ))),
        }
    }
}

/// What admission needs to know about the request beyond the object.
#[derive(Debug, Clone)]
pub struct Request {
    /// The subresource written (`status`, `scale`, ...), empty for the object itself.
    pub subresource: String,
    /// The body's media type (for patches: the patch type).
    pub content_type: ContentType,
    /// `dryRun=All`: nothing is reserved.
    pub dry_run: bool,
}

impl Request {
    /// The request facts of a handler's context.
    pub fn of(ctx: &crate::endpoints::Ctx) -> Request {
        Request {
            subresource: ctx.info.subresource.clone(),
            content_type: ctx.content_type(),
            dry_run: ctx.dry_run().unwrap_or(false),
        }
    }
}

/// What the handler knows about a write being admitted.
pub struct Write<'a> {
    /// The registry (e.g. to see which ClusterIPs are taken).
    pub registry: &'a crate::registry::Registry,
    /// The resource written.
    pub entry: &'a ResourceEntry,
    /// The stored object for updates and patches.
    pub old: Option<&'a Value>,
    /// The request body as sent (object or patch), for duplicate-field checks.
    pub raw_body: &'a [u8],
    /// Whether `raw_body` is the object itself (create/update) rather than a patch.
    pub body_is_object: bool,
    /// The directive.
    pub mode: FieldValidation,
    /// The request.
    pub request: Request,
}

/// Admits `obj`: may change it (pruning, defaults, allocated addresses) and
/// returns warnings for the client; refuses it with the Status
/// kube-apiserver would send.
pub fn admit(write: &Write<'_>, obj: &mut Value) -> ApiResult<Vec<String>> {
    if matches!(write.request.subresource.as_str(), "scale" | "finalize") {
        return Ok(Vec::new());
    }
    let info = kind_info(write.entry, obj);
    let Some(root) = Node::definition(&info.definition) else {
        return Ok(Vec::new());
    };
    let mut warnings = Vec::new();
    let may_hold_unknown_fields = if write.body_is_object {
        strict_object(write, &info, root, obj, &mut warnings)?;
        true
    } else {
        strict_patch(write, root, obj, &mut warnings)?
    };
    if may_hold_unknown_fields {
        structural::prune(obj, root);
    }
    defaults::apply(&info.group, &info.kind, obj);
    if write.request.subresource == "status" {
        return Ok(warnings);
    }
    if write.old.is_none() && info.group.is_empty() && info.kind == "Pod" {
        crate::pod_admission::admit_pod(write.registry, obj)?;
    }
    let mut causes = Vec::new();
    if info.group.is_empty() && info.kind == "Service" {
        let key = write.entry.key(meta::namespace(obj), meta::name(obj));
        if let Err(c) = write.registry.services.allocate(
            write.registry,
            obj,
            write.old,
            &key,
            write.request.dry_run,
        )? {
            causes = c;
        }
    }
    if causes.is_empty() {
        causes = match write.old {
            None => kind_validation::validate_create(&info.group, &info.kind, obj),
            Some(old) => kind_validation::validate_update(&info.group, &info.kind, obj, old),
        };
    }
    if !causes.is_empty() {
        return Err(crate::registry::invalid(
            write.entry,
            meta::name(obj),
            causes,
        ));
    }
    Ok(warnings)
}

/// Gives a Job created without `manualSelector` its generated selector and
/// the matching template labels (`batch.kubernetes.io/controller-uid`),
/// once its uid is known.
pub fn generate_job_selector(job: &mut Value) {
    if job.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let uid = meta::meta_str(job, "uid").to_string();
    let name = meta::name(job).to_string();
    if uid.is_empty() || !job.get("spec").is_some_and(Value::is_object) {
        return;
    }
    job["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
    let template = &mut job["spec"]["template"];
    if !template.is_object() {
        return;
    }
    if !template["metadata"].is_object() {
        template["metadata"] = json!({});
    }
    if !template["metadata"]["labels"].is_object() {
        template["metadata"]["labels"] = json!({});
    }
    let labels = &mut template["metadata"]["labels"];
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        labels[k] = json!(v);
    }
}

/// The kind being written, in the version the body names when it is
/// another served version of the same group.
fn kind_info(entry: &ResourceEntry, obj: &Value) -> keelson_apimachinery::resources::ResourceInfo {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let version = api_version.rsplit('/').next().unwrap_or("");
    if version != entry.info.version {
        if let Some(other) = keelson_apimachinery::resources::builtin().iter().find(|r| {
            r.group == entry.info.group && r.kind == entry.info.kind && r.version == version
        }) {
            return other.clone();
        }
    }
    entry.info.clone()
}

fn checks(mode: FieldValidation) -> Checks {
    let on = mode != FieldValidation::Ignore;
    Checks {
        unknown: on,
        duplicates: on,
    }
}

/// Create and update bodies: kube-apiserver's decoder errors, 400 with
/// `<Kind> in version "<v>" cannot be handled as a <Kind>: ...`.
fn strict_object(
    write: &Write<'_>,
    info: &keelson_apimachinery::resources::ResourceInfo,
    root: Node<'_>,
    obj: &Value,
    warnings: &mut Vec<String>,
) -> ApiResult<()> {
    let body = write.raw_body;
    if body.starts_with(keelson_apimachinery::protobuf::MAGIC) {
        return Ok(());
    }
    let yaml = write.request.content_type == ContentType::Yaml;
    let (raw, mut strict) = if yaml {
        let dups = if write.mode == FieldValidation::Ignore {
            Vec::new()
        } else {
            structural::yaml_duplicate_keys(body)
        };
        (Raw::from_value_sorted(obj), dups)
    } else {
        let raw = Raw::parse_json(body).unwrap_or_else(|| Raw::from_value_sorted(obj));
        (raw, Vec::new())
    };
    let decoded = structural::decode(&raw, root, checks(write.mode));
    let cannot_handle = |detail: String| {
        ApiError::bad_request(format!(
            "{} in version {} cannot be handled as a {}: {detail}",
            info.kind,
            go_quote(&info.version),
            info.kind
        ))
    };
    if let Some(e) = decoded.type_error {
        return Err(cannot_handle(e));
    }
    match write.mode {
        FieldValidation::Ignore => {}
        FieldValidation::Warn => {
            warnings.append(&mut strict);
            warnings.extend(decoded.strict);
        }
        FieldValidation::Strict => {
            let mut errors = Vec::new();
            if !strict.is_empty() {
                errors.push(format!(
                    "yaml: unmarshal errors:\n  {}",
                    strict.join("\n  ")
                ));
            }
            errors.extend(decoded.strict);
            if !errors.is_empty() {
                return Err(cannot_handle(format!(
                    "strict decoding error: {}",
                    errors.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// The JSON patch document's own schema (`[]jsonPatchOp`).
fn json_patch_schema() -> Value {
    json!({"type": "array", "items": {"type": "object", "properties": {
        "op": {"type": "string"}, "path": {"type": "string"}, "from": {"type": "string"}, "value": {}
    }}})
}

/// Patches: duplicates in the patch, unknown fields in the patched object
/// (in Go map order), refused as kube-apiserver's patch handler does.
/// Returns whether the patched object may hold fields to prune.
fn strict_patch(
    write: &Write<'_>,
    root: Node<'_>,
    obj: &Value,
    warnings: &mut Vec<String>,
) -> ApiResult<bool> {
    let ct = &write.request.content_type;
    let on = write.mode != FieldValidation::Ignore;
    if *ct == ContentType::ApplyPatch {
        let dups = if on {
            structural::yaml_duplicate_keys(write.raw_body)
        } else {
            Vec::new()
        };
        if dups.is_empty() {
            return Ok(true);
        }
        if write.mode == FieldValidation::Strict {
            return Err(ApiError::bad_request(format!(
                "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  {}",
                dups.join("\n  ")
            )));
        }
        warnings.extend(dups);
        return Ok(true);
    }
    let mut strict = Vec::new();
    let raw_patch = Raw::parse_json(write.raw_body);
    if on {
        if let Some(raw) = &raw_patch {
            if *ct == ContentType::JsonPatch {
                let schema = json_patch_schema();
                strict.extend(
                    structural::decode(raw, Node::of(&schema), Checks::ALL)
                        .strict
                        .into_iter()
                        .map(|e| format!("json patch {e}")),
                );
            } else {
                strict.extend(structural::duplicate_keys(raw));
            }
        }
    }
    // A strategic merge patch that only sets declared fields to values of
    // their types cannot make the (already valid) object invalid: the walk
    // over the whole patched object is only needed to word what it finds.
    let patch_is_clean = *ct == ContentType::StrategicMergePatch
        && raw_patch
            .as_ref()
            .is_some_and(|p| structural::patch_conforms(p, root));
    let decoded = if patch_is_clean {
        structural::Decoded::default()
    } else {
        structural::decode(
            &Raw::from_value_sorted(obj),
            root,
            Checks {
                unknown: on,
                duplicates: false,
            },
        )
    };
    // The value kube-apiserver shows: the patched object for JSON and merge
    // patches, the patch itself (Go's %+v of a map) for strategic ones.
    let shown = || {
        if *ct == ContentType::StrategicMergePatch {
            let patch: Value = serde_json::from_slice(write.raw_body).unwrap_or(Value::Null);
            go_quote(&gofmt::value(&patch))
        } else {
            go_quote(&serde_json::to_string(obj).unwrap_or_default())
        }
    };
    let refuse = |detail: String| {
        ApiError::invalid(
            "",
            "",
            "",
            vec![keelson_apimachinery::validation::invalid_cause(
                "patch",
                &shown(),
                &detail,
            )],
        )
    };
    if let Some(e) = decoded.type_error {
        return Err(refuse(e));
    }
    strict.extend(decoded.strict);
    match write.mode {
        FieldValidation::Ignore => {}
        FieldValidation::Warn => warnings.extend(strict),
        FieldValidation::Strict if !strict.is_empty() => {
            return Err(refuse(format!(
                "strict decoding error: {}",
                strict.join(", ")
            )));
        }
        FieldValidation::Strict => {}
    }
    Ok(!patch_is_clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_selector_is_generated_from_the_uid() {
        let mut job = json!({"metadata": {"name": "pi", "uid": "u-1"},
            "spec": {"template": {"metadata": {"labels": {"x": "y"}}, "spec": {}}}});
        generate_job_selector(&mut job);
        assert_eq!(
            job["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"],
            json!({"x": "y", "batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
                "controller-uid": "u-1", "job-name": "pi"})
        );
        let mut manual =
            json!({"metadata": {"name": "m", "uid": "u"}, "spec": {"manualSelector": true}});
        generate_job_selector(&mut manual);
        assert!(manual["spec"].get("selector").is_none());
    }
}
