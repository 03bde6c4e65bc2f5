//! GET of one object, its status or its scale.

use super::Ctx;
use crate::negotiate::Body;
use crate::registry::Registry;
use http::Response;
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::{json, Value};

/// The `autoscaling/v1` Scale of a scalable object.
pub fn scale_of(obj: &Value) -> Value {
    let selector = obj
        .pointer("/spec/selector")
        .map(|s| match s {
            Value::Object(m)
                if m.contains_key("matchLabels") || m.contains_key("matchExpressions") =>
            {
                keelson_apimachinery::selector::LabelSelector::from_meta_label_selector(s)
                    .map(|sel| sel.to_string())
                    .unwrap_or_default()
            }
            // ReplicationControllers have a plain map selector.
            Value::Object(m) => {
                let mut pairs: Vec<String> = m
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                    .collect();
                pairs.sort();
                pairs.join(",")
            }
            _ => String::new(),
        })
        .unwrap_or_default();
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let mut scale_meta = serde_json::Map::new();
    for f in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(f) {
            scale_meta.insert(f.to_string(), v.clone());
        }
    }
    let mut status =
        json!({"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0))});
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": status,
    })
}

/// GET.
pub async fn get(ctx: Ctx) -> ApiResult<Response<Body>> {
    let entry = &ctx.entry;
    let obj = if ctx.param("resourceVersion") == Some("0") {
        // "any" revision: the cache as it is, no consistency wait.
        ctx.registry
            .cache(entry)?
            .get(&entry.key(&ctx.info.namespace, &ctx.info.name))
            .ok_or_else(|| ApiError::not_found(&entry.gr, &ctx.info.name))?
    } else {
        ctx.registry
            .get(entry, &ctx.info.namespace, &ctx.info.name)
            .await?
    };
    if ctx.info.subresource == "scale" {
        return ctx.respond_object(200, &scale_of(&obj.value()));
    }
    ctx.respond_bytes(200, Registry::bytes_of(&obj))
}
