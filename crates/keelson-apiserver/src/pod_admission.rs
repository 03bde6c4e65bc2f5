//! The admission plugins every kube-apiserver runs on new pods:
//! ServiceAccount (the account and its token volume), DefaultTolerationSeconds
//! and Priority.

use crate::registry::Registry;
use keelson_apimachinery::status::{ApiError, ApiResult};
use rand::Rng;
use serde_json::{json, Value};

/// Where the ServiceAccount plugin mounts the token.
pub const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Runs the plugins on a pod being created.
pub fn admit_pod(registry: &Registry, pod: &mut Value) -> ApiResult<()> {
    let name = keelson_apimachinery::meta::name(pod).to_string();
    let Some(spec) = pod.get_mut("spec").filter(|s| s.is_object()) else {
        return Ok(());
    };
    service_account(spec);
    default_toleration_seconds(spec);
    priority(registry, spec, &name)
}

/// The ServiceAccount plugin: the `default` account, and a projected token
/// volume mounted into every container unless automounting is off.
fn service_account(spec: &mut Value) {
    let Some(map) = spec.as_object_mut() else {
        return;
    };
    if map
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        map.insert("serviceAccountName".into(), json!("default"));
        map.insert("serviceAccount".into(), json!("default"));
    }
    if map
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        == Some(false)
    {
        return;
    }
    let mounted = ["containers", "initContainers"].iter().any(|f| {
        map.get(*f)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| {
                c["volumeMounts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|m| m["mountPath"] == TOKEN_MOUNT_PATH)
            })
    });
    if mounted {
        return;
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let volume_name = format!("kube-api-access-{suffix}");
    let volume = json!({
        "name": volume_name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace",
                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ],
            "defaultMode": 420
        }
    });
    let volumes = map.entry("volumes").or_insert_with(|| json!([]));
    if let Some(v) = volumes.as_array_mut() {
        v.push(volume);
    } else {
        *volumes = json!([volume]);
    }
    for field in ["containers", "initContainers"] {
        for c in map
            .get_mut(field)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(cm) = c.as_object_mut() else {
                continue;
            };
            let mounts = cm.entry("volumeMounts").or_insert_with(|| json!([]));
            let mount =
                json!({"name": volume_name, "readOnly": true, "mountPath": TOKEN_MOUNT_PATH});
            match mounts.as_array_mut() {
                Some(m) => m.push(mount),
                None => *mounts = json!([mount]),
            }
        }
    }
}

/// DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300s.
fn default_toleration_seconds(spec: &mut Value) {
    let Some(map) = spec.as_object_mut() else {
        return;
    };
    let tolerations = map.entry("tolerations").or_insert_with(|| json!([]));
    if !tolerations.is_array() {
        *tolerations = json!([]);
    }
    let Some(list) = tolerations.as_array_mut() else {
        return;
    };
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = list.iter().any(|t| {
            let effect = t["effect"].as_str().unwrap_or("");
            let any_key = t["key"].as_str().unwrap_or("").is_empty() && t["operator"] == "Exists";
            (t["key"] == key || any_key) && (effect.is_empty() || effect == "NoExecute")
        });
        if !tolerated {
            list.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
}

/// The Priority plugin: the class's value and preemption policy, 0 without a class.
fn priority(registry: &Registry, spec: &mut Value, pod_name: &str) -> ApiResult<()> {
    let class_name = spec["priorityClassName"].as_str().unwrap_or("").to_string();
    let (value, policy) = match class_name.as_str() {
        "" => (0, "PreemptLowerPriority".to_string()),
        "system-node-critical" => (2_000_001_000, "PreemptLowerPriority".to_string()),
        "system-cluster-critical" => (2_000_000_000, "PreemptLowerPriority".to_string()),
        name => {
            let class = registry
                .entry("scheduling.k8s.io", "v1", "priorityclasses")
                .and_then(|e| {
                    registry
                        .cache(&e)
                        .ok()
                        .and_then(|c| c.get(&e.key("", name)))
                });
            let Some(class) = class.map(|c| c.value()) else {
                return Err(ApiError::new(
                    403,
                    "Forbidden",
                    format!("pods \"{pod_name}\" is forbidden: no PriorityClass with name {name} was found"),
                ));
            };
            (
                class["value"].as_i64().unwrap_or(0),
                class["preemptionPolicy"]
                    .as_str()
                    .unwrap_or("PreemptLowerPriority")
                    .to_string(),
            )
        }
    };
    if let Some(map) = spec.as_object_mut() {
        map.entry("priority").or_insert(json!(value));
        map.entry("preemptionPolicy").or_insert(json!(policy));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_volume_and_tolerations() {
        let mut spec = json!({"containers": [{"name": "c", "image": "i"}]});
        service_account(&mut spec);
        default_toleration_seconds(&mut spec);
        assert_eq!(spec["serviceAccountName"], "default");
        let volume = spec["volumes"][0]["name"].as_str().unwrap();
        assert!(volume.starts_with("kube-api-access-") && volume.len() == 21);
        assert_eq!(
            spec["containers"][0]["volumeMounts"][0]["mountPath"],
            TOKEN_MOUNT_PATH
        );
        assert_eq!(spec["tolerations"].as_array().unwrap().len(), 2);
        // Idempotent for a pod that already has them.
        service_account(&mut spec);
        default_toleration_seconds(&mut spec);
        assert_eq!(spec["volumes"].as_array().unwrap().len(), 1);
        assert_eq!(spec["tolerations"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn no_token_when_automount_is_off() {
        let mut spec =
            json!({"automountServiceAccountToken": false, "containers": [{"name": "c"}]});
        service_account(&mut spec);
        assert!(spec.get("volumes").is_none());
    }
}
