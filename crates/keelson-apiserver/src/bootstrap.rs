//! Objects every cluster has from its first start: the four system
//! namespaces and the `kubernetes` Service in `default`.

use crate::registry::{now_rfc3339, Registry};
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::{json, Value};

async fn ensure(registry: &Registry, plural: &str, obj: Value) -> ApiResult<()> {
    ensure_with(registry, plural, obj, |_, _| false).await
}

/// Creates `obj` if missing; if present, `reconcile(current, desired)` may
/// update the current object in place (returning true to write it).
async fn ensure_with(
    registry: &Registry,
    plural: &str,
    obj: Value,
    reconcile: impl Fn(&mut Value, &Value) -> bool,
) -> ApiResult<()> {
    let entry = registry
        .entry("", "v1", plural)
        .ok_or_else(|| ApiError::internal(format!("{plural} are not served")))?;
    let mut obj = obj;
    let m = &mut obj["metadata"];
    m["uid"] = json!(uuid::Uuid::new_v4().to_string());
    m["creationTimestamp"] = json!(now_rfc3339());
    let desired = obj.clone();
    match registry.create(&entry, obj, false).await {
        Ok(_) => Ok(()),
        Err(e) if e.reason == "AlreadyExists" => {
            let ns = desired
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let name = desired
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            registry
                .update_with(&entry, &ns, &name, false, |current| {
                    let mut current = current.clone();
                    Ok(if reconcile(&mut current, &desired) {
                        crate::registry::Change::Write(current)
                    } else {
                        crate::registry::Change::Unchanged
                    })
                })
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// Creates the default namespaces, and the `kubernetes` Service and Endpoints
/// pointing at this server's port (updated when the port changes).
pub async fn ensure_defaults(registry: &Registry, port: u16) -> ApiResult<()> {
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let obj = json!({
            "kind": "Namespace",
            "apiVersion": "v1",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        ensure(registry, "namespaces", obj).await?;
    }
    let cluster_ip = registry.services.cidr().first_address().to_string();
    let svc = json!({
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": port}],
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    });
    ensure_with(registry, "services", svc, |current, desired| {
        let want = &desired["spec"]["ports"];
        let changed = current["spec"]["ports"] != *want;
        current["spec"]["ports"] = want.clone();
        changed
    })
    .await?;
    let endpoints = json!({
        "kind": "Endpoints",
        "apiVersion": "v1",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{
            "addresses": [{"ip": "127.0.0.1"}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }],
    });
    ensure_with(registry, "endpoints", endpoints, |current, desired| {
        let changed = current["subsets"] != desired["subsets"];
        current["subsets"] = desired["subsets"].clone();
        changed
    })
    .await
}
