//! `metadata.managedFields` on every write, and server-side apply: the
//! request side of [`keelson_apimachinery::apply`].
//!
//! A [`Tracker`] is made per write request. It checks the write options as
//! kube-apiserver does (`fieldManager` of at most 128 printable bytes,
//! required for apply; `force` only for apply), names the manager (the
//! `fieldManager` parameter, else the User-Agent up to its first `/`, so
//! `kubectl/v1.37.1 (linux/amd64) ...` is `kubectl`), and records the write
//! in the object's managed fields.

use crate::endpoints::Ctx;
use crate::registry::{now_rfc3339, Change, ResourceEntry};
use keelson_apimachinery::apply::field_manager::{keep_timestamps_if_unchanged, FieldManager};
use keelson_apimachinery::apply::fieldset::Set;
use keelson_apimachinery::apply::path::PathElement;
use keelson_apimachinery::apply::typeref::TypeRef;
use keelson_apimachinery::apply::updater::ResetFields;
use keelson_apimachinery::codec::{self, ContentType};
use keelson_apimachinery::schema;
use keelson_apimachinery::status::{ApiError, ApiResult, StatusCause};
use serde_json::{json, Value};

/// Longest `fieldManager` kube-apiserver accepts, in bytes.
pub const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// The manager kube-apiserver derives from a User-Agent: what precedes the
/// first `/`, printable characters only, cut at 128 bytes.
pub fn prefix_from_user_agent(user_agent: &str) -> String {
    let head = user_agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in head.chars().filter(|c| is_print(*c)) {
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// Go's `unicode.IsPrint`, near enough: graphic characters and the ASCII space.
fn is_print(c: char) -> bool {
    c == ' ' || !(c.is_control() || c.is_whitespace())
}

/// Records one write's changes in the object's managed fields.
pub struct Tracker {
    field_manager: FieldManager<'static>,
    manager: String,
    force: bool,
}

fn options_error(kind: &str, causes: Vec<StatusCause>) -> ApiError {
    let mut e = ApiError::invalid(kind, "meta.k8s.io", "", causes);
    e.name = None;
    e
}

/// The field manager of a resource endpoint.
pub fn field_manager(entry: &ResourceEntry, subresource: &str) -> FieldManager<'static> {
    let schema = schema::definition(&entry.info.definition)
        .map(TypeRef::from_schema)
        .unwrap_or_else(TypeRef::deduced);
    let status = || Set::from_paths([[PathElement::field("status")].as_slice()]);
    let reset = match subresource {
        "status" => ResetFields::AllBut(status()),
        _ if entry.strategy.status_subresource => ResetFields::Paths(status()),
        _ => ResetFields::None,
    };
    FieldManager {
        schema,
        api_version: entry.info.api_version(),
        kind: entry.info.kind.clone(),
        subresource: subresource.to_string(),
        reset,
    }
}

impl Tracker {
    /// The tracker of a create, update or patch request, after checking its
    /// `fieldManager` and `force` options as kube-apiserver does.
    pub fn for_request(ctx: &Ctx) -> ApiResult<Tracker> {
        let apply = ctx.info.verb == "patch" && ctx.content_type() == ContentType::ApplyPatch;
        let options = match ctx.info.verb.as_str() {
            "create" => "CreateOptions",
            "update" => "UpdateOptions",
            _ => "PatchOptions",
        };
        let param = ctx.param("fieldManager").unwrap_or("");
        let force = match ctx.param("force") {
            None => None,
            // Go's strconv.ParseBool.
            Some("1" | "t" | "T" | "TRUE" | "true" | "True") => Some(true),
            Some("0" | "f" | "F" | "FALSE" | "false" | "False") => Some(false),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "strconv.ParseBool: parsing {}: invalid syntax",
                    serde_json::to_string(other).unwrap_or_default()
                )))
            }
        };
        let mut causes = Vec::new();
        if options == "PatchOptions" {
            if !apply && force.is_some() {
                causes.push(StatusCause::forbidden(
                    "force",
                    "may not be specified for non-apply patch",
                ));
            }
            if apply && param.is_empty() {
                causes.push(StatusCause::required(
                    "fieldManager",
                    "is required for apply patch",
                ));
            }
        }
        if param.len() > FIELD_MANAGER_MAX_LENGTH {
            causes.push(StatusCause::new(
                "FieldValueTooLong",
                format!("Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes"),
                "fieldManager",
            ));
        }
        if param.chars().any(char::is_control) {
            causes.push(StatusCause::invalid(
                "fieldManager",
                &json!(param),
                "may not contain control characters",
            ));
        }
        if !causes.is_empty() {
            return Err(options_error(options, causes));
        }
        let manager = if param.is_empty() {
            let agent = ctx
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            prefix_from_user_agent(agent)
        } else {
            param.to_string()
        };
        Ok(Tracker {
            field_manager: field_manager(&ctx.entry, &ctx.info.subresource),
            manager,
            force: force.unwrap_or(false),
        })
    }

    /// The manager's name.
    pub fn manager(&self) -> &str {
        &self.manager
    }

    /// Records a create: `obj` (admitted, before the server's own fields)
    /// gets an `Update` entry for the manager, after any valid entries the
    /// client sent.
    pub fn record_create(&self, obj: &mut Value) {
        let sent = sent(obj, &Value::Null);
        let empty = self.field_manager.empty_object();
        self.field_manager
            .update(&empty, obj, sent.as_ref(), &self.manager, &now_rfc3339());
    }

    /// Records an update or a non-apply patch of `current`. `sent` is what
    /// [`sent`] read from the client's object before the kind's strategy
    /// normalized it. The last use of `current`'s managed fields: entries
    /// that carry over unchanged are moved into the new object, leaving
    /// `current` without them.
    pub fn record_update(
        &self,
        current: &mut Value,
        sent: Option<Value>,
        change: Change,
    ) -> Change {
        match change {
            Change::Write(mut new) => {
                let taken = self.field_manager.update_taking(
                    current,
                    &mut new,
                    sent.as_ref(),
                    &self.manager,
                    &now_rfc3339(),
                );
                // Carried-over entries already keep every time that is not
                // the update's own, and that one changes only with the object.
                if !taken {
                    keep_timestamps_if_unchanged(current, &mut new);
                }
                Change::Write(new)
            }
            Change::Unchanged => Change::Unchanged,
        }
    }

    /// Applies `config` to `current` (`None`: the object does not exist and
    /// is being created). Returns the merged object with its managed fields.
    pub fn apply(&self, current: Option<&Value>, config: &Value) -> ApiResult<Value> {
        let empty = json!({});
        let live = current.unwrap_or(&empty);
        let config = if self.field_manager.subresource == "scale" {
            self.scale_config(live, config)?
        } else {
            config.clone()
        };
        let mut obj =
            self.field_manager
                .apply(live, &config, &self.manager, self.force, &now_rfc3339())?;
        keep_timestamps_if_unchanged(live, &mut obj);
        Ok(obj)
    }

    /// A Scale applied to /scale, as the parent object's configuration
    /// (only `spec.replicas` carries over).
    fn scale_config(&self, live: &Value, config: &Value) -> ApiResult<Value> {
        let field = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or("");
        if field("apiVersion") != "autoscaling/v1" || field("kind") != "Scale" {
            let (group, version) = field("apiVersion")
                .split_once('/')
                .unwrap_or(("", field("apiVersion")));
            return Err(ApiError::bad_request(format!(
                "invalid object type: {group}/{version}, Kind={}",
                field("kind")
            )));
        }
        let mut parent = json!({
            "apiVersion": self.field_manager.api_version,
            "kind": self.field_manager.kind,
            "metadata": {"name": live.pointer("/metadata/name").cloned().unwrap_or(Value::Null)},
        });
        if let Some(r) = config.pointer("/spec/replicas") {
            parent["spec"] = json!({ "replicas": r });
        }
        Ok(parent)
    }
}

/// The `managedFields` a client put in its object, if any and if they
/// differ from the stored ones. The same entries would decode to what the
/// stored object holds anyway, and a patch that leaves them alone (nearly
/// every patch) is spared a copy of every manager's field set.
pub fn sent(obj: &Value, current: &Value) -> Option<Value> {
    let sent = obj.get("metadata")?.get("managedFields")?;
    let stored = current.get("metadata").and_then(|m| m.get("managedFields"));
    (stored != Some(sent)).then(|| sent.clone())
}

/// Reads an apply configuration (YAML or JSON), with kube-apiserver's
/// `error decoding YAML: ...` answer when it is not an object.
pub fn decode_apply_config(body: &[u8]) -> ApiResult<Value> {
    codec::decode_object(body, &ContentType::ApplyPatch).map(Value::Object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_from_user_agent() {
        assert_eq!(
            prefix_from_user_agent("kubectl/v1.37.1 (linux/amd64) kubernetes/abcdef"),
            "kubectl"
        );
        assert_eq!(prefix_from_user_agent("kube-rs"), "kube-rs");
        assert_eq!(prefix_from_user_agent("a\tb/1"), "ab");
        assert_eq!(prefix_from_user_agent(&"x".repeat(200)).len(), 128);
        assert_eq!(prefix_from_user_agent(""), "");
    }
}
