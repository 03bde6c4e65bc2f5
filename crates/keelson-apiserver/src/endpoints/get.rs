//! GET of one object, its status or its scale.

use super::Ctx;
use crate::negotiate::{respond, Body};
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

/// GET of a pod's `log`. There are no kubelets, so no container has ever
/// run: a pod no node was assigned gets what kube-apiserver streams for
/// one (an empty log), after kube's checks of the `container` parameter.
/// A pod bound to a node would need that node's kubelet.
pub async fn pod_log(ctx: Ctx) -> ApiResult<Response<Body>> {
    let entry = &ctx.entry;
    let pod = ctx
        .registry
        .get(entry, &ctx.info.namespace, &ctx.info.name)
        .await?
        .value();
    let names = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    let (containers, init) = (names("containers"), names("initContainers"));
    let name = &ctx.info.name;
    match ctx.param("container").filter(|c| !c.is_empty()) {
        None if containers.len() > 1 => {
            let mut message = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                message.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            return Err(ApiError::bad_request(message));
        }
        Some(c) if !containers.iter().chain(&init).any(|n| n == c) => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {name}"
            )));
        }
        _ => {}
    }
    if pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty())
    {
        return Err(ApiError::new(
            501,
            "NotImplemented",
            "the subresource pods/log is not implemented by this server yet for pods bound to a node",
        ));
    }
    Ok(respond(200, "text/plain", Vec::new()))
}
