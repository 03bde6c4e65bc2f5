//! Per-kind behaviour the generic registry asks about: name rules, status
//! handling, generation, selectable fields, what a delete returns. Kinds are
//! data; this is the small part of them a schema cannot express.

use keelson_apimachinery::meta;
use keelson_apimachinery::resources::ResourceInfo;
use keelson_apimachinery::validation::NameCheck;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The per-kind strategy.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Name format.
    pub name_rule: NameCheck,
    /// The kind has a `status` subresource: the main endpoint ignores status.
    pub status_subresource: bool,
    /// `metadata.generation` tracks changes outside metadata and status.
    pub tracks_generation: bool,
    /// A delete answers with the object (else with a Success Status).
    pub return_deleted_object: bool,
    /// Fields a field selector may name beyond `metadata.name`/`metadata.namespace`.
    pub selectable_fields: &'static [&'static str],
    resource: String,
}

/// Field selector fields kube-apiserver supports per resource (its `GetAttrs`).
fn selectable_fields(resource: &str) -> &'static [&'static str] {
    match resource {
        "pods" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "regarding.kind",
            "regarding.namespace",
            "regarding.name",
            "regarding.uid",
            "regarding.apiVersion",
            "regarding.resourceVersion",
            "regarding.fieldPath",
            "reportingController",
            "deprecatedSource",
        ],
        "secrets" => &["type"],
        "namespaces" => &["status.phase"],
        "nodes" => &["spec.unschedulable"],
        "replicationcontrollers" | "replicasets" => &["status.replicas"],
        "jobs" => &["status.successful"],
        "certificatesigningrequests" => &["spec.signerName"],
        "services" => &["spec.clusterIP", "spec.type"],
        "persistentvolumeclaims" => &["spec.volumeName"],
        "resourceslices" => &["spec.nodeName", "spec.driver"],
        _ => &[],
    }
}

impl Strategy {
    /// The strategy of a built-in resource.
    pub fn for_resource(info: &ResourceInfo) -> Strategy {
        let r = info.plural.as_str();
        let status_subresource = info.subresource("status").is_some();
        let name_rule = match r {
            "namespaces" | "services" => NameCheck::Dns1123Label,
            "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => {
                NameCheck::PathSegment
            }
            _ => NameCheck::Dns1123Subdomain,
        };
        Strategy {
            name_rule,
            status_subresource,
            // Kinds with a status whose strategy never sets metadata.generation.
            tracks_generation: status_subresource
                && !matches!(
                    r,
                    "namespaces"
                        | "nodes"
                        | "persistentvolumes"
                        | "persistentvolumeclaims"
                        | "certificatesigningrequests"
                        | "services"
                        | "resourcequotas"
                ),
            return_deleted_object: matches!(
                r,
                "pods"
                    | "namespaces"
                    | "services"
                    | "nodes"
                    | "persistentvolumes"
                    | "persistentvolumeclaims"
                    | "customresourcedefinitions"
            ),
            selectable_fields: selectable_fields(r),
            resource: r.to_string(),
        }
    }

    /// Every field selector field and its value for `obj`.
    pub fn fields(&self, obj: &Value) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        out.insert("metadata.name".to_string(), meta::name(obj).to_string());
        out.insert(
            "metadata.namespace".to_string(),
            meta::namespace(obj).to_string(),
        );
        for f in self.selectable_fields {
            let v = if *f == "source" && self.resource == "events" {
                meta::field_string(obj, "source.component")
            } else if *f == "deprecatedSource" {
                meta::field_string(obj, "deprecatedSource.component")
            } else {
                meta::field_string(obj, f)
            };
            out.insert((*f).to_string(), v);
        }
        out
    }

    /// Status a new object starts with. The main endpoint sets no status,
    /// except for Nodes: a kubelet registers its node with its status.
    pub fn initial_status(&self, obj: &Value) -> Option<Value> {
        match self.resource.as_str() {
            "nodes" => obj.get("status").filter(|s| s.is_object()).cloned(),
            "pods" => Some(pod_initial_status(obj)),
            "namespaces" => Some(json!({"phase": "Active"})),
            "persistentvolumeclaims" | "persistentvolumes" => Some(json!({"phase": "Pending"})),
            _ => None,
        }
    }

    /// Kind-specific changes on create beyond status (e.g. namespace finalizers).
    pub fn prepare_for_create(&self, obj: &mut Value) {
        if self.resource == "jobs" {
            crate::admission::generate_job_selector(obj);
            // kube-apiserver defaults the Job again when it decodes it from
            // storage: the generated template labels become the Job's labels.
            keelson_apimachinery::defaults::apply("batch", "Job", obj);
        }
        if self.resource == "namespaces" {
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
        }
        self.normalize(obj);
    }

    /// Kind-specific changes on every write through the main endpoint.
    pub fn prepare_for_update(&self, obj: &mut Value) {
        self.normalize(obj);
    }

    /// What the v1 conversion does to a Secret: `stringData` is write-only,
    /// merged into `data` (base64) over existing keys; `type` defaults to Opaque.
    fn normalize(&self, obj: &mut Value) {
        drop_empty_metadata(obj);
        if self.resource == "nodes" {
            node_pod_cidrs(obj);
            return;
        }
        if self.resource == "namespaces" {
            // The namespace defaulting kube-apiserver applies on every write.
            let name = meta::name(obj).to_string();
            let meta = meta::metadata_mut(obj);
            let labels = meta.entry("labels").or_insert_with(|| json!({}));
            if let Some(l) = labels.as_object_mut() {
                l.insert("kubernetes.io/metadata.name".into(), json!(name));
            }
            return;
        }
        if self.resource != "secrets" {
            return;
        }
        use base64::Engine;
        let Some(map) = obj.as_object_mut() else {
            return;
        };
        if let Some(Value::Object(string_data)) = map.remove("stringData") {
            let data = map.entry("data").or_insert_with(|| json!({}));
            if !data.is_object() {
                *data = json!({});
            }
            if let Some(d) = data.as_object_mut() {
                for (k, v) in string_data {
                    let text = v.as_str().unwrap_or_default().to_string();
                    d.insert(
                        k,
                        json!(base64::engine::general_purpose::STANDARD.encode(text)),
                    );
                }
            }
        }
        if map
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            map.insert("type".into(), json!("Opaque"));
        }
    }
}

/// What the v1 Node conversion does to `spec.podCIDR`/`spec.podCIDRs`:
/// the singular field wins when they disagree, the list is filled from it,
/// and the singular field mirrors the list's first entry.
fn node_pod_cidrs(node: &mut Value) {
    let Some(spec) = node.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let single = spec
        .get("podCIDR")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let first = spec
        .get("podCIDRs")
        .and_then(Value::as_array)
        .and_then(|l| l.first())
        .and_then(Value::as_str)
        .map(str::to_string);
    match first {
        Some(first) if single.is_empty() => {
            spec.insert("podCIDR".into(), json!(first));
        }
        Some(first) if first == single => {}
        _ if !single.is_empty() => {
            spec.insert("podCIDRs".into(), json!([single]));
        }
        _ => {}
    }
}

/// Empty and null metadata fields vanish, as Go's `omitempty` drops them.
fn drop_empty_metadata(obj: &mut Value) {
    let meta = meta::metadata_mut(obj);
    meta.retain(|_, v| match v {
        Value::Null => false,
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    });
}

/// A new pod's status: Pending with its QoS class, and a gated pod says
/// why it is not scheduled (kube-apiserver's `applySchedulingGatedCondition`).
fn pod_initial_status(pod: &Value) -> Value {
    let mut status = json!({"phase": "Pending", "qosClass": pod_qos_class(pod)});
    let gated = pod
        .pointer("/spec/schedulingGates")
        .and_then(Value::as_array)
        .is_some_and(|g| !g.is_empty());
    if gated {
        status["conditions"] = json!([{
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": null,
            "lastTransitionTime": crate::registry::now_rfc3339(),
            "reason": "SchedulingGated",
            "message": "Scheduling is blocked due to non-empty scheduling gates",
        }]);
    }
    status
}

/// The QoS class kube-apiserver records for a new pod.
fn pod_qos_class(pod: &Value) -> &'static str {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        if req.is_some_and(|m| !m.is_empty()) || lim.is_some_and(|m| !m.is_empty()) {
            any = true;
        }
        let full = |m: Option<&serde_json::Map<String, Value>>| {
            m.is_some_and(|m| m.contains_key("cpu") && m.contains_key("memory"))
        };
        let limits_eq_requests = match (req, lim) {
            (Some(r), Some(l)) => r.iter().all(|(k, v)| l.get(k) == Some(v)),
            (None, Some(_)) => true,
            _ => false,
        };
        if !full(lim) || !limits_eq_requests {
            guaranteed = false;
        }
    }
    if guaranteed {
        "Guaranteed"
    } else if any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gated_pods_start_with_a_scheduling_gated_condition() {
        let pod = json!({"spec": {"schedulingGates": [{"name": "example.com/hold"}],
                                  "containers": [{"name": "c", "image": "i"}]}});
        let status = pod_initial_status(&pod);
        assert_eq!(status["phase"], "Pending");
        let [condition] = status["conditions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        else {
            panic!("one condition expected: {status}");
        };
        assert_eq!(
            (
                &condition["type"],
                &condition["status"],
                &condition["reason"]
            ),
            (
                &json!("PodScheduled"),
                &json!("False"),
                &json!("SchedulingGated")
            )
        );
        assert!(condition["lastProbeTime"].is_null());

        let ungated = json!({"spec": {"containers": [{"name": "c", "image": "i"}]}});
        assert_eq!(
            pod_initial_status(&ungated),
            json!({"phase": "Pending", "qosClass": "BestEffort"})
        );
    }

    #[test]
    fn node_pod_cidrs_follow_the_v1_conversion() {
        let cases = [
            (
                json!({"podCIDR": "10.0.1.0/24"}),
                json!({"podCIDR": "10.0.1.0/24", "podCIDRs": ["10.0.1.0/24"]}),
            ),
            (
                json!({"podCIDRs": ["10.0.1.0/24", "fd00::/64"]}),
                json!({"podCIDR": "10.0.1.0/24", "podCIDRs": ["10.0.1.0/24", "fd00::/64"]}),
            ),
            (
                json!({"podCIDR": "10.0.2.0/24", "podCIDRs": ["10.0.1.0/24", "fd00::/64"]}),
                json!({"podCIDR": "10.0.2.0/24", "podCIDRs": ["10.0.2.0/24"]}),
            ),
            (
                json!({"unschedulable": true}),
                json!({"unschedulable": true}),
            ),
        ];
        for (spec, want) in cases {
            let mut node = json!({"spec": spec});
            node_pod_cidrs(&mut node);
            assert_eq!(node["spec"], want);
        }
    }
}
