//! The review kinds: create-only questions answered on the spot, never
//! stored (SelfSubjectAccessReview, SelfSubjectRulesReview,
//! SelfSubjectReview, SubjectAccessReview, LocalSubjectAccessReview, TokenReview).
//!
//! There is one identity (the admin) and no authorization yet: every access
//! question is answered "allowed", as for a `system:masters` member.

use super::Ctx;
use crate::negotiate::Body;
use http::Response;
use keelson_apimachinery::meta;
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::{json, Value};

/// The admin's user name, as `kubectl auth whoami` shows it.
pub const ADMIN_USER: &str = "kubernetes-admin";
/// The admin's groups.
pub const ADMIN_GROUPS: &[&str] = &["system:masters", "system:authenticated"];

/// Whether `resource` (in `group`) is answered here rather than stored.
pub fn is_review(group: &str, resource: &str) -> bool {
    matches!(
        (group, resource),
        ("authorization.k8s.io", "selfsubjectaccessreviews")
            | ("authorization.k8s.io", "selfsubjectrulesreviews")
            | ("authorization.k8s.io", "subjectaccessreviews")
            | ("authorization.k8s.io", "localsubjectaccessreviews")
            | ("authentication.k8s.io", "selfsubjectreviews")
            | ("authentication.k8s.io", "tokenreviews")
    )
}

fn user_info() -> Value {
    json!({"username": ADMIN_USER, "groups": ADMIN_GROUPS})
}

/// CREATE of a review: the request with its `status` filled in.
pub async fn create(mut ctx: Ctx, admin_token: &str) -> ApiResult<Response<Body>> {
    let mut obj = ctx.read_object().await?;
    super::create::check_type(&ctx.entry, &mut obj)?;
    let resource = ctx.entry.info.plural.as_str();
    if resource == "localsubjectaccessreviews" {
        let ns = obj
            .pointer("/spec/resourceAttributes/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if ns != ctx.info.namespace {
            return Err(ApiError::invalid(
                &ctx.entry.info.kind,
                &ctx.entry.info.group,
                "",
                vec![keelson_apimachinery::status::StatusCause::invalid(
                    "spec.resourceAttributes.namespace",
                    &json!(ns),
                    &format!("must match metadata.namespace: {:?}", ctx.info.namespace),
                )],
            ));
        }
    }
    let status = match resource {
        "selfsubjectaccessreviews" | "subjectaccessreviews" | "localsubjectaccessreviews" => {
            if obj.pointer("/spec/resourceAttributes").is_none()
                && obj.pointer("/spec/nonResourceAttributes").is_none()
            {
                return Err(ApiError::invalid(
                    &ctx.entry.info.kind,
                    &ctx.entry.info.group,
                    "",
                    vec![keelson_apimachinery::status::StatusCause::required(
                        "spec.resourceAttributes",
                        "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    )],
                ));
            }
            json!({"allowed": true, "reason": "keelson grants the admin every request"})
        }
        "selfsubjectrulesreviews" => json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        }),
        "selfsubjectreviews" => json!({"userInfo": user_info()}),
        "tokenreviews" => {
            let token = obj
                .pointer("/spec/token")
                .and_then(Value::as_str)
                .unwrap_or("");
            if token == admin_token {
                json!({"authenticated": true, "user": user_info(), "audiences": obj.pointer("/spec/audiences").cloned().unwrap_or(json!([]))})
            } else {
                json!({"authenticated": false, "user": {}, "error": "invalid bearer token"})
            }
        }
        _ => return Err(ApiError::method_not_supported(&ctx.entry.gr, "create")),
    };
    obj["status"] = status;
    if meta::metadata(&obj).is_none() {
        obj["metadata"] = json!({});
    }
    meta::set_meta(&mut obj, "creationTimestamp", Some(Value::Null));
    ctx.respond_object(201, &obj)
}
