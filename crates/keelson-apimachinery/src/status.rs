//! `metav1.Status` errors with kube-apiserver's reasons, codes and messages.

use crate::gvk::GroupResource;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One cause of an `Invalid` (or other) error: a field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCause {
    /// Machine-readable cause, e.g. `FieldValueInvalid`, `FieldValueRequired`.
    #[serde(rename = "reason", default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Field path, e.g. `metadata.name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

impl StatusCause {
    /// A cause with the given reason, message and field path.
    pub fn new(reason: &str, message: impl Into<String>, field: impl Into<String>) -> Self {
        Self {
            reason: reason.to_string(),
            message: message.into(),
            field: field.into(),
        }
    }

    /// `FieldValueInvalid`: `field: Invalid value: <value>: <detail>`.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Self {
        let shown = match value {
            Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        };
        Self::new(
            "FieldValueInvalid",
            format!("Invalid value: {shown}: {detail}"),
            field,
        )
    }

    /// `FieldValueRequired`: `field: Required value`.
    pub fn required(field: &str, detail: &str) -> Self {
        let msg = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        Self::new("FieldValueRequired", msg, field)
    }

    /// `FieldValueForbidden`: `field: Forbidden: <detail>`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self::new("FieldValueForbidden", format!("Forbidden: {detail}"), field)
    }

    /// The `field: message` form kube-apiserver joins into an Invalid message.
    pub fn display(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.field, self.message)
        }
    }
}

/// An API error: becomes a `Status` object with `status: Failure`.
///
/// Boxed so that `Result<T, ApiError>` stays one pointer wide on the happy
/// path; the fields are reached through `Deref` (`err.code`, `err.reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(Box<ApiErrorData>);

/// The contents of an [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorData {
    /// HTTP status code.
    pub code: u16,
    /// `StatusReason`, e.g. `NotFound`.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
    /// `details.name`.
    pub name: Option<String>,
    /// `details.group`.
    pub group: Option<String>,
    /// `details.kind` (kube-apiserver puts the resource here).
    pub kind: Option<String>,
    /// `details.causes`.
    pub causes: Vec<StatusCause>,
    /// `details.retryAfterSeconds`.
    pub retry_after_seconds: Option<u32>,
}

impl std::ops::Deref for ApiError {
    type Target = ApiErrorData;
    fn deref(&self) -> &ApiErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ApiErrorData {
        &mut self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.reason, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result with an [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A bare error with code, reason and message.
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self(Box::new(ApiErrorData {
            code,
            reason: reason.to_string(),
            message: message.into(),
            name: None,
            group: None,
            kind: None,
            causes: Vec::new(),
            retry_after_seconds: None,
        }))
    }

    fn with_resource(mut self, gr: &GroupResource, name: &str) -> Self {
        if !name.is_empty() {
            self.name = Some(name.to_string());
        }
        if !gr.group.is_empty() {
            self.group = Some(gr.group.clone());
        }
        self.kind = Some(gr.resource.clone());
        self
    }

    /// 404 `pods "x" not found`.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{gr} \"{name}\" not found")).with_resource(gr, name)
    }

    /// 404 for a URL that names no resource: `the server could not find the requested resource`.
    pub fn not_found_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 409 `pods "x" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{gr} \"{name}\" already exists"),
        )
        .with_resource(gr, name)
    }

    /// 409 Conflict: `Operation cannot be fulfilled on pods "x": <detail>`.
    pub fn conflict(gr: &GroupResource, name: &str, detail: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {gr} \"{name}\": {detail}"),
        )
        .with_resource(gr, name)
    }

    /// The Conflict for a stale resourceVersion.
    pub fn stale_conflict(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 Invalid: `Kind.group "name" is invalid: [causes]`.
    pub fn invalid(kind: &str, group: &str, name: &str, causes: Vec<StatusCause>) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let joined = match causes.len() {
            0 => String::new(),
            1 => causes[0].display(),
            _ => format!(
                "[{}]",
                causes
                    .iter()
                    .map(StatusCause::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{qualified} \"{name}\" is invalid: {joined}"),
        );
        e.name = Some(name.to_string());
        if !group.is_empty() {
            e.group = Some(group.to_string());
        }
        e.kind = Some(kind.to_string());
        e.causes = causes;
        e
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 403 Forbidden for a namespace that is being deleted.
    pub fn namespace_terminating(gr: &GroupResource, name: &str, namespace: &str) -> Self {
        let mut e = Self::new(
            403,
            "Forbidden",
            format!(
                "{gr} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated"
            ),
        )
        .with_resource(gr, name);
        e.causes = vec![StatusCause::new(
            "NamespaceTerminating",
            format!("namespace {namespace} is being terminated"),
            "metadata.namespace",
        )];
        e
    }

    /// 403 Forbidden: `pods "x" is forbidden: <reason>`.
    pub fn forbidden(gr: &GroupResource, name: &str, reason: &str) -> Self {
        Self::new(
            403,
            "Forbidden",
            format!("{gr} \"{name}\" is forbidden: {reason}"),
        )
        .with_resource(gr, name)
    }

    /// 404 for a write into a namespace that does not exist.
    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::not_found(&GroupResource::new("", "namespaces"), namespace)
    }

    /// 401 Unauthorized.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_supported(gr: &GroupResource, verb: &str) -> Self {
        let mut e = Self::new(
            405,
            "MethodNotAllowed",
            format!("{verb} is not supported on resources of kind \"{gr}\""),
        );
        e.kind = Some(gr.resource.clone());
        if !gr.group.is_empty() {
            e.group = Some(gr.group.clone());
        }
        e
    }

    /// 406 NotAcceptable.
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        Self::new(
            406,
            "NotAcceptable",
            format!(
                "only the following media types are accepted: {}",
                accepted.join(", ")
            ),
        )
    }

    /// 410 Expired: `too old resource version: <requested> (<current>)`.
    pub fn expired(requested: i64, oldest: i64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// 413 RequestEntityTooLarge.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    /// 415 UnsupportedMediaType.
    pub fn unsupported_media_type(content_type: &str, supported: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {} (got {content_type})",
                supported.join(", ")
            ),
        )
    }

    /// 504 Timeout (a server-side wait ran out).
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, "Timeout", message)
    }

    /// 500 InternalError. Only for server faults, never for client input.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
        )
    }

    /// 429 TooManyRequests.
    pub fn too_many_requests(retry_after: u32) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        );
        e.retry_after_seconds = Some(retry_after);
        e
    }

    /// The error as a `meta/v1` `Status` object.
    pub fn to_status(&self) -> Value {
        let mut details = serde_json::Map::new();
        if let Some(n) = &self.name {
            details.insert("name".into(), json!(n));
        }
        if let Some(g) = &self.group {
            details.insert("group".into(), json!(g));
        }
        if let Some(k) = &self.kind {
            details.insert("kind".into(), json!(k));
        }
        if !self.causes.is_empty() {
            details.insert(
                "causes".into(),
                serde_json::to_value(&self.causes).unwrap_or_default(),
            );
        }
        if let Some(r) = self.retry_after_seconds {
            details.insert("retryAfterSeconds".into(), json!(r));
        }
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if !details.is_empty() {
            status["details"] = Value::Object(details);
        }
        if self.reason.is_empty() {
            if let Some(o) = status.as_object_mut() {
                o.remove("reason");
            }
        }
        status
    }
}

/// A `Status` with `status: Success` (e.g. the answer to deleting a collection).
pub fn success_status(details: Option<Value>) -> Value {
    let mut s = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    });
    if let Some(d) = details {
        s["details"] = d;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_message_matches_kube_apiserver() {
        let e = ApiError::not_found(&GroupResource::new("apps", "deployments"), "web");
        let s = e.to_status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["group"], "apps");
        assert_eq!(s["details"]["kind"], "deployments");
    }

    #[test]
    fn invalid_joins_causes() {
        let e = ApiError::invalid(
            "ConfigMap",
            "",
            "Bad_Name",
            vec![StatusCause::invalid(
                "metadata.name",
                &json!("Bad_Name"),
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters",
            )],
        );
        assert!(e.message.starts_with(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ));
        assert_eq!(
            e.to_status()["details"]["causes"][0]["field"],
            "metadata.name"
        );
    }
}
