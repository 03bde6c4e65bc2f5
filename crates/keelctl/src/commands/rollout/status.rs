//! `rollout status`: kubectl's status viewers for Deployments, DaemonSets
//! and StatefulSets, read from status fields (no controller needed).

use serde_json::Value;

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn i(v: &Value, p: &str) -> i64 {
    v.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

/// One look at an object: the message to print, whether the rollout is
/// done, or the error that ends it.
pub type Status = Result<(String, bool), String>;

/// The status viewer for a kind, `None` when kubectl has none.
pub fn viewer(group: &str, kind: &str) -> Option<fn(&Value, i64) -> Status> {
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => Some(deployment_status),
        ("apps" | "extensions", "DaemonSet") => Some(daemon_set_status),
        ("apps", "StatefulSet") => Some(stateful_set_status),
        _ => None,
    }
}

/// kubectl's `DeploymentStatusViewer.Status`.
pub fn deployment_status(d: &Value, revision: i64) -> Status {
    let name = s(d, "/metadata/name");
    if revision > 0 {
        let current = s(d, "/metadata/annotations/deployment.kubernetes.io~1revision")
            .parse::<i64>()
            .map_err(|_| format!("cannot get the revision of deployment {name:?}: strconv.ParseInt: parsing \"\": invalid syntax"))?;
        if revision != current {
            return Err(format!(
                "desired revision ({revision}) is different from the running revision ({current})"
            ));
        }
    }
    if i(d, "/metadata/generation") > i(d, "/status/observedGeneration") {
        return Ok((
            "Waiting for deployment spec update to be observed...\n".into(),
            false,
        ));
    }
    let progressing = d
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| s(c, "/type") == "Progressing");
    if progressing.is_some_and(|c| s(c, "/reason") == "ProgressDeadlineExceeded") {
        return Err(format!(
            "deployment {name:?} exceeded its progress deadline"
        ));
    }
    let (updated, replicas, available) = (
        i(d, "/status/updatedReplicas"),
        i(d, "/status/replicas"),
        i(d, "/status/availableReplicas"),
    );
    if let Some(want) = d.pointer("/spec/replicas").and_then(Value::as_i64) {
        if updated < want {
            return Ok((
                format!(
                    "Waiting for deployment {name:?} rollout to finish: {updated} out of {want} new replicas have been updated...\n"
                ),
                false,
            ));
        }
    }
    if replicas > updated {
        return Ok((
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...\n",
                replicas - updated
            ),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!(
                "Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available...\n"
            ),
            false,
        ));
    }
    Ok((
        format!("deployment {name:?} successfully rolled out\n"),
        true,
    ))
}

/// kubectl's `DaemonSetStatusViewer.Status`.
pub fn daemon_set_status(ds: &Value, _revision: i64) -> Status {
    let name = s(ds, "/metadata/name");
    if s(ds, "/spec/updateStrategy/type") != "RollingUpdate" {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    if i(ds, "/metadata/generation") > i(ds, "/status/observedGeneration") {
        return Ok((
            "Waiting for daemon set spec update to be observed...\n".into(),
            false,
        ));
    }
    let (updated, desired, available) = (
        i(ds, "/status/updatedNumberScheduled"),
        i(ds, "/status/desiredNumberScheduled"),
        i(ds, "/status/numberAvailable"),
    );
    if updated < desired {
        return Ok((
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated...\n"
            ),
            false,
        ));
    }
    if available < desired {
        return Ok((
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available...\n"
            ),
            false,
        ));
    }
    Ok((
        format!("daemon set {name:?} successfully rolled out\n"),
        true,
    ))
}

/// kubectl's `StatefulSetStatusViewer.Status`.
pub fn stateful_set_status(sts: &Value, _revision: i64) -> Status {
    if s(sts, "/spec/updateStrategy/type") != "RollingUpdate" {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let observed = i(sts, "/status/observedGeneration");
    if observed == 0 || i(sts, "/metadata/generation") > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    let replicas = sts.pointer("/spec/replicas").and_then(Value::as_i64);
    if let Some(want) = replicas {
        let ready = i(sts, "/status/readyReplicas");
        if ready < want {
            return Ok((
                format!("Waiting for {} pods to be ready...\n", want - ready),
                false,
            ));
        }
    }
    let updated = i(sts, "/status/updatedReplicas");
    if sts
        .pointer("/spec/updateStrategy/rollingUpdate")
        .is_some_and(Value::is_object)
    {
        if let (Some(want), Some(partition)) = (
            replicas,
            sts.pointer("/spec/updateStrategy/rollingUpdate/partition")
                .and_then(Value::as_i64),
        ) {
            if updated < want - partition {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                        want - partition
                    ),
                    false,
                ));
            }
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let (update_rev, current_rev) = (
        s(sts, "/status/updateRevision"),
        s(sts, "/status/currentRevision"),
    );
    if update_rev != current_rev {
        return Ok((
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}...\n"),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current_rev}...\n",
            i(sts, "/status/currentReplicas")
        ),
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(gen: i64, status: Value) -> Value {
        json!({"metadata": {"name": "web", "generation": gen}, "spec": {"replicas": 3}, "status": status})
    }

    #[test]
    fn deployment_progress_messages() {
        let d = deploy(2, json!({"observedGeneration": 1}));
        assert_eq!(
            deployment_status(&d, 0),
            Ok((
                "Waiting for deployment spec update to be observed...\n".into(),
                false
            ))
        );
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "updatedReplicas": 1, "replicas": 1}),
        );
        assert_eq!(
            deployment_status(&d, 0).unwrap().0,
            "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n"
        );
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "updatedReplicas": 3, "replicas": 4}),
        );
        assert_eq!(
            deployment_status(&d, 0).unwrap().0,
            "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n"
        );
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 2}),
        );
        assert_eq!(
            deployment_status(&d, 0).unwrap().0,
            "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n"
        );
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}),
        );
        assert_eq!(
            deployment_status(&d, 0),
            Ok(("deployment \"web\" successfully rolled out\n".into(), true))
        );
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "conditions": [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert_eq!(
            deployment_status(&d, 0),
            Err("deployment \"web\" exceeded its progress deadline".into())
        );
    }

    #[test]
    fn statefulset_and_daemonset() {
        let sts = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2, "updateStrategy": {"type": "RollingUpdate"}},
            "status": {"observedGeneration": 1, "readyReplicas": 1}});
        assert_eq!(
            stateful_set_status(&sts, 0).unwrap().0,
            "Waiting for 1 pods to be ready...\n"
        );
        let ds = json!({"metadata": {"name": "d", "generation": 1}, "spec": {"updateStrategy": {"type": "OnDelete"}}});
        assert!(daemon_set_status(&ds, 0).is_err());
    }
}
