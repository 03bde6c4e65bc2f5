//! Defaults of the smaller groups: networking, storage, scheduling, RBAC,
//! discovery and autoscaling.

use super::{absent, child, each, zero};
use serde_json::{json, Value};

/// `SetDefaults_NetworkPolicy`: ports TCP; policy types from the rules given.
pub fn network_policy(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    for direction in ["ingress", "egress"] {
        for rule in each(spec, direction) {
            for port in each(rule, "ports") {
                zero(port, "protocol", json!("TCP"));
            }
        }
    }
    let unset = spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty());
    if unset {
        let mut types = vec![json!("Ingress")];
        let has_egress = spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if has_egress {
            types.push(json!("Egress"));
        }
        if let Some(m) = spec.as_object_mut() {
            m.insert("policyTypes".into(), Value::Array(types));
        }
    }
}

/// `SetDefaults_StorageClass`.
pub fn storage_class(obj: &mut Value) {
    absent(obj, "reclaimPolicy", json!("Delete"));
    absent(obj, "volumeBindingMode", json!("Immediate"));
}

/// `SetDefaults_PriorityClass`.
pub fn priority_class(obj: &mut Value) {
    absent(obj, "preemptionPolicy", json!("PreemptLowerPriority"));
}

/// `SetDefaults_RoleBinding`/`ClusterRoleBinding` and `SetDefaults_Subject`.
pub fn role_binding(obj: &mut Value) {
    if let Some(role_ref) = child(obj, "roleRef") {
        zero(role_ref, "apiGroup", json!("rbac.authorization.k8s.io"));
    }
    for subject in each(obj, "subjects") {
        let kind = subject
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match kind.as_str() {
            "User" | "Group" => zero(subject, "apiGroup", json!("rbac.authorization.k8s.io")),
            _ => {}
        }
    }
}

/// `SetDefaults_EndpointPort`.
pub fn endpoint_slice(obj: &mut Value) {
    for port in each(obj, "ports") {
        absent(port, "name", json!(""));
        absent(port, "protocol", json!("TCP"));
    }
}

/// `SetDefaults_HorizontalPodAutoscaler` (autoscaling/v2): one replica at
/// least, 80% CPU when no metric is given.
pub fn horizontal_pod_autoscaler(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    absent(spec, "minReplicas", json!(1));
    let no_metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty());
    if no_metrics && spec.get("targetCPUUtilizationPercentage").is_none() {
        if let Some(m) = spec.as_object_mut() {
            m.insert(
                "metrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80}}}]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_policy_types() {
        let mut np = json!({"spec": {"egress": [{"ports": [{"port": 53}]}]}});
        network_policy(&mut np);
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn binding_subjects() {
        let mut rb = json!({"roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "s"}]});
        role_binding(&mut rb);
        assert_eq!(rb["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
        assert_eq!(rb["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
        assert!(rb["subjects"][1].get("apiGroup").is_none());
    }
}
