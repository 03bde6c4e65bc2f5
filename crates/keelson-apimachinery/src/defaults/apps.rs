//! apps/v1 defaults (`pkg/apis/apps/v1/defaults.go`), plus the pod
//! template defaults under each workload.

use super::core::{persistent_volume_claim, pod_template};
use super::{absent, child, each, zero};
use serde_json::{json, Value};

fn template(spec: &mut Value) {
    if let Some(t) = child(spec, "template") {
        pod_template(t);
    }
}

/// `SetDefaults_Deployment`.
pub fn deployment(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    absent(spec, "replicas", json!(1));
    if let Some(map) = spec.as_object_mut() {
        let strategy = super::ensure(map, "strategy");
        zero(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
            if let Some(s) = strategy.as_object_mut() {
                let rolling = super::ensure(s, "rollingUpdate");
                absent(rolling, "maxUnavailable", json!("25%"));
                absent(rolling, "maxSurge", json!("25%"));
            }
        }
    }
    absent(spec, "revisionHistoryLimit", json!(10));
    absent(spec, "progressDeadlineSeconds", json!(600));
    template(spec);
}

/// `SetDefaults_ReplicaSet`.
pub fn replica_set(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    absent(spec, "replicas", json!(1));
    template(spec);
}

/// `SetDefaults_StatefulSet`.
pub fn stateful_set(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    zero(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(map) = spec.as_object_mut() {
        let strategy = super::ensure(map, "updateStrategy");
        let untyped = strategy
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty();
        if untyped {
            zero(strategy, "type", json!("RollingUpdate"));
            absent(strategy, "rollingUpdate", json!({}));
        }
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
            if let Some(rolling) = child(strategy, "rollingUpdate") {
                absent(rolling, "partition", json!(0));
            }
        }
        let retention = super::ensure(map, "persistentVolumeClaimRetentionPolicy");
        zero(retention, "whenDeleted", json!("Retain"));
        zero(retention, "whenScaled", json!("Retain"));
    }
    absent(spec, "replicas", json!(1));
    absent(spec, "revisionHistoryLimit", json!(10));
    for claim in each(spec, "volumeClaimTemplates") {
        persistent_volume_claim(claim);
        if let Some(m) = claim.as_object_mut() {
            let status = super::ensure(m, "status");
            zero(status, "phase", json!("Pending"));
        }
    }
    template(spec);
}

/// `SetDefaults_DaemonSet`.
pub fn daemon_set(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    if let Some(map) = spec.as_object_mut() {
        let strategy = super::ensure(map, "updateStrategy");
        zero(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
            if let Some(s) = strategy.as_object_mut() {
                let rolling = super::ensure(s, "rollingUpdate");
                absent(rolling, "maxUnavailable", json!(1));
                absent(rolling, "maxSurge", json!(0));
            }
        }
    }
    absent(spec, "revisionHistoryLimit", json!(10));
    template(spec);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}});
        deployment(&mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Always");
        assert!(
            pod.get("enableServiceLinks").is_none(),
            "a template is not a pod"
        );
        let mut recreate = json!({"spec": {"strategy": {"type": "Recreate"}}});
        deployment(&mut recreate);
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn stateful_set_defaults() {
        let mut s =
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}});
        stateful_set(&mut s);
        assert_eq!(s["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            s["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            s["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(
            s["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"],
            "Filesystem"
        );
        assert_eq!(
            s["spec"]["volumeClaimTemplates"][0]["status"]["phase"],
            "Pending"
        );
    }

    #[test]
    fn daemon_set_defaults() {
        let mut d = json!({"spec": {}});
        daemon_set(&mut d);
        assert_eq!(
            d["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
    }
}
