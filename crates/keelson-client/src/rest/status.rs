//! Turning a failed response into an [`ApiError`]: the server's `Status` when it
//! sent one, else client-go's `NewGenericServerResponse` wording for the code.

use keelson_apimachinery::status::{ApiError, StatusCause};
use serde_json::Value;

/// The `ApiError` of a `Status` object with `status: Failure`, or `None` if
/// `value` is not a failure Status.
pub fn api_error_from_status(value: &Value) -> Option<ApiError> {
    if value.get("kind").and_then(Value::as_str) != Some("Status") {
        return None;
    }
    if value.get("status").and_then(Value::as_str) == Some("Success") {
        return None;
    }
    let code = value.get("code").and_then(Value::as_u64).unwrap_or(0) as u16;
    let reason = value.get("reason").and_then(Value::as_str).unwrap_or("");
    let message = value.get("message").and_then(Value::as_str).unwrap_or("");
    let mut e = ApiError::new(code, reason, message);
    if let Some(d) = value.get("details") {
        let s = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
        e.name = s("name");
        e.group = s("group");
        e.kind = s("kind");
        e.retry_after_seconds = d
            .get("retryAfterSeconds")
            .and_then(Value::as_u64)
            .map(|v| v as u32);
        if let Some(causes) = d.get("causes").and_then(Value::as_array) {
            e.causes = causes
                .iter()
                .filter_map(|c| serde_json::from_value::<StatusCause>(c.clone()).ok())
                .collect();
        }
    }
    Some(e)
}

/// What the request was, for the message of a failure without a `Status`.
pub(crate) struct Target<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub name: &'a str,
}

/// The error for a failed response. A `Status` body wins; otherwise the code
/// decides the reason and message (client-go's `newUnstructuredResponseError`).
pub(crate) fn error_from_response(
    code: u16,
    content_type: Option<&str>,
    body: &[u8],
    retry_after: Option<u32>,
    target: &Target<'_>,
) -> ApiError {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(mut e) = api_error_from_status(&v) {
            if e.code == 0 {
                e.code = code;
            }
            if retry_after.is_some() {
                e.retry_after_seconds = retry_after;
            }
            return e;
        }
    }
    let text_body = match content_type {
        None => true,
        Some(ct) => ct.trim_start().to_ascii_lowercase().starts_with("text/"),
    };
    let server_message = if text_body {
        String::from_utf8_lossy(body).trim().to_string()
    } else {
        "unknown".to_string()
    };
    generic_server_response(code, target, &server_message, retry_after)
}

fn generic_server_response(
    code: u16,
    target: &Target<'_>,
    server_message: &str,
    retry_after: Option<u32>,
) -> ApiError {
    let (reason, mut message) = match code {
        409 if target.verb.eq_ignore_ascii_case("POST") => ("AlreadyExists", "the server reported a conflict".to_string()),
        409 => ("Conflict", "the server reported a conflict".to_string()),
        404 => ("NotFound", "the server could not find the requested resource".to_string()),
        400 => ("BadRequest", "the server rejected our request for an unknown reason".to_string()),
        401 => ("Unauthorized", "the server has asked for the client to provide credentials".to_string()),
        403 => ("Forbidden", server_message.to_string()),
        406 => (
            "NotAcceptable",
            if server_message.is_empty() || server_message == "unknown" {
                "the server was unable to respond with a content type that the client supports".to_string()
            } else {
                server_message.to_string()
            },
        ),
        415 => ("UnsupportedMediaType", server_message.to_string()),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".to_string(),
        ),
        422 => ("Invalid", "the server rejected our request due to an error in our request".to_string()),
        503 => ("ServiceUnavailable", "the server is currently unable to handle the request".to_string()),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be processing the request"
                .to_string(),
        ),
        429 => (
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later".to_string(),
        ),
        c if c >= 500 => (
            "InternalError",
            format!("an error on the server ({server_message:?}) has prevented the request from succeeding"),
        ),
        c => (
            "",
            format!("the server responded with the status code {c} but did not return more information"),
        ),
    };
    let resource = if target.resource.is_empty() {
        String::new()
    } else if target.group.is_empty() {
        target.resource.to_string()
    } else {
        format!("{}.{}", target.resource, target.group)
    };
    let verb = target.verb.to_ascii_lowercase();
    if !resource.is_empty() && !target.name.is_empty() {
        message = format!("{message} ({verb} {resource} {})", target.name);
    } else if !resource.is_empty() {
        message = format!("{message} ({verb} {resource})");
    }
    let mut e = ApiError::new(code, reason, message);
    if !target.name.is_empty() {
        e.name = Some(target.name.to_string());
    }
    if !target.group.is_empty() {
        e.group = Some(target.group.to_string());
    }
    if !target.resource.is_empty() {
        e.kind = Some(target.resource.to_string());
    }
    e.retry_after_seconds = retry_after;
    e.causes = vec![StatusCause::new(
        "UnexpectedServerResponse",
        server_message,
        "",
    )];
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_body_is_decoded_with_details() {
        let status = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "pods \"x\" not found", "reason": "NotFound",
            "details": {"name": "x", "kind": "pods"}, "code": 404
        });
        let body = serde_json::to_vec(&status).unwrap_or_default();
        let target = Target {
            verb: "GET",
            group: "",
            resource: "pods",
            name: "x",
        };
        let e = error_from_response(404, Some("application/json"), &body, None, &target);
        assert_eq!(e.reason, "NotFound");
        assert_eq!(e.message, "pods \"x\" not found");
        assert_eq!(e.name.as_deref(), Some("x"));
        assert_eq!(e.kind.as_deref(), Some("pods"));
    }

    #[test]
    fn bare_codes_get_client_go_messages() {
        let target = Target {
            verb: "GET",
            group: "apps",
            resource: "deployments",
            name: "web",
        };
        let e = error_from_response(
            404,
            Some("text/plain"),
            b"404 page not found",
            None,
            &target,
        );
        assert_eq!(e.reason, "NotFound");
        assert_eq!(
            e.message,
            "the server could not find the requested resource (get deployments.apps web)"
        );
        let e = error_from_response(
            502,
            Some("application/octet-stream"),
            b"\x00\x01",
            None,
            &target,
        );
        assert_eq!(e.reason, "InternalError");
        assert_eq!(
            e.message,
            "an error on the server (\"unknown\") has prevented the request from succeeding (get deployments.apps web)"
        );
        let post = Target {
            verb: "POST",
            group: "",
            resource: "pods",
            name: "",
        };
        let e = error_from_response(409, None, b"", None, &post);
        assert_eq!(e.reason, "AlreadyExists");
    }
}
