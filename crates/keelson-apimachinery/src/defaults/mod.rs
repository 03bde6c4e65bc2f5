//! Defaulting of built-in kinds, as kube-apiserver's `SetDefaults_*`
//! functions (`pkg/apis/*/v1/defaults.go`) fill in what a client left out.
//!
//! Go tells "unset" apart by type: a nil pointer, an empty string, a zero
//! number in a non-pointer field. The helpers here mirror that on JSON:
//! [`absent`] for pointer fields, [`zero`] for value fields.
//!
//! ```
//! use serde_json::json;
//! let mut deploy = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
//! keelson_apimachinery::defaults::apply("apps", "Deployment", &mut deploy);
//! assert_eq!(deploy["spec"]["replicas"], 1);
//! assert_eq!(deploy["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always");
//! ```

mod apps;
mod batch;
mod core;
mod other;

use serde_json::{Map, Value};

pub use core::image_pull_policy;

/// Fills in the defaults of a built-in `kind` of `group` (core is `""`).
/// Kinds without defaults are left alone.
pub fn apply(group: &str, kind: &str, obj: &mut Value) {
    match (group, kind) {
        ("", "Pod") => core::pod(obj),
        ("", "PodTemplate") => {
            if let Some(t) = child(obj, "template") {
                core::pod_template(t);
            }
        }
        ("", "ReplicationController") => core::replication_controller(obj),
        ("", "Service") => core::service(obj),
        ("", "Secret") => core::secret(obj),
        ("", "Node") => core::node(obj),
        ("", "PersistentVolumeClaim") => core::persistent_volume_claim(obj),
        ("", "PersistentVolume") => core::persistent_volume(obj),
        ("", "Endpoints") => core::endpoints(obj),
        ("", "LimitRange") => core::limit_range(obj),
        ("apps", "Deployment") => apps::deployment(obj),
        ("apps", "ReplicaSet") => apps::replica_set(obj),
        ("apps", "StatefulSet") => apps::stateful_set(obj),
        ("apps", "DaemonSet") => apps::daemon_set(obj),
        ("batch", "Job") => batch::job(obj),
        ("batch", "CronJob") => batch::cron_job(obj),
        ("networking.k8s.io", "NetworkPolicy") => other::network_policy(obj),
        ("storage.k8s.io", "StorageClass") => other::storage_class(obj),
        ("scheduling.k8s.io", "PriorityClass") => other::priority_class(obj),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            other::role_binding(obj)
        }
        ("discovery.k8s.io", "EndpointSlice") => other::endpoint_slice(obj),
        ("autoscaling", "HorizontalPodAutoscaler") => other::horizontal_pod_autoscaler(obj),
        _ => {}
    }
}

/// The object under `key`, if there is one.
pub(crate) fn child<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.get_mut(key).filter(|c| c.is_object())
}

/// The object under `key`, created when absent or null (a Go struct value
/// or a pointer the defaulter allocates).
pub(crate) fn ensure<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Value {
    let slot = map.entry(key.to_string()).or_insert(Value::Null);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot
}

/// Sets a pointer field that is absent (or null).
pub(crate) fn absent(v: &mut Value, key: &str, default: Value) {
    if let Some(map) = v.as_object_mut() {
        if map.get(key).is_none_or(Value::is_null) {
            map.insert(key.to_string(), default);
        }
    }
}

/// Sets a value field that holds its Go zero value (`""`, `0`, absent).
pub(crate) fn zero(v: &mut Value, key: &str, default: Value) {
    if let Some(map) = v.as_object_mut() {
        let is_zero = match map.get(key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Number(n)) => n.as_f64() == Some(0.0),
            Some(_) => false,
        };
        if is_zero {
            map.insert(key.to_string(), default);
        }
    }
}

/// Each object of the array under `key`.
pub(crate) fn each<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter(|item| item.is_object())
}
