//! Describers for the pod controllers without a rollout of their own
//! ReplicaSets: StatefulSet, DaemonSet, ReplicationController.

use super::events::{finish, Events};
use super::pods::describe_pod_template;
use super::storage::claim_class;
use super::workloads::{conditions_section, PodCounts};
use super::writer::{
    creation_timestamp, format_labels, go_list, int_at, labels_annotations,
    labels_multiline_indent, name_namespace, selector_string, str_at, text, PrefixWriter, L0, L1,
};
use serde_json::Value;

/// `LabelSelectorAsSelector(spec.selector).String()`.
fn spec_selector(obj: &Value) -> String {
    obj.pointer("/spec/selector")
        .map(selector_string)
        .unwrap_or_default()
}

fn pods_status(w: &mut PrefixWriter, pods: &PodCounts) {
    w.write(L0, &format!("Pods Status:\t{}\n", pods.line()));
}

/// kubectl's `describeStatefulSet`.
pub fn describe_stateful_set(sts: &Value, pods: &PodCounts, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, sts, true);
    creation_timestamp(&mut w, sts);
    w.write(L0, &format!("Selector:\t{}\n", spec_selector(sts)));
    labels_annotations(&mut w, sts);
    let service = str_at(sts, "/spec/serviceName");
    if !service.is_empty() {
        w.write(L0, &format!("Service Name:\t{service}\n"));
    }
    let policy = str_at(sts, "/spec/podManagementPolicy");
    if !policy.is_empty() {
        w.write(L0, &format!("Pod Management Policy:\t{policy}\n"));
    }
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            int_at(sts, "/spec/replicas"),
            int_at(sts, "/status/replicas")
        ),
    );
    w.write(
        L0,
        &format!(
            "Update Strategy:\t{}\n",
            str_at(sts, "/spec/updateStrategy/type")
        ),
    );
    if let Some(partition) = sts.pointer("/spec/updateStrategy/rollingUpdate/partition") {
        w.write(L1, &format!("Partition:\t{}\n", text(partition)));
        if let Some(mu) = sts.pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable") {
            w.write(L1, &format!("MaxUnavailable:\t{}\n", text(mu)));
        }
    }
    if let Some(policy) = sts.pointer("/spec/persistentVolumeClaimRetentionPolicy") {
        w.write(L0, "Persistent Volume Claim Retention Policy:\n");
        w.write(
            L1,
            &format!("WhenDeleted:\t{}\n", str_at(policy, "/whenDeleted")),
        );
        w.write(
            L1,
            &format!("WhenScaled:\t{}\n", str_at(policy, "/whenScaled")),
        );
    }
    pods_status(&mut w, pods);
    describe_pod_template(&mut w, sts.pointer("/spec/template"));
    volume_claim_templates(&mut w, sts.pointer("/spec/volumeClaimTemplates"));
    finish(w, events)
}

/// `describeVolumeClaimTemplates`.
fn volume_claim_templates(w: &mut PrefixWriter, templates: Option<&Value>) {
    let list = templates
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty());
    let Some(list) = list else {
        w.write(L0, "Volume Claims:\t<none>\n");
        return;
    };
    w.write(L0, "Volume Claims:\n");
    for pvc in list {
        w.write(L1, &format!("Name:\t{}\n", str_at(pvc, "/metadata/name")));
        w.write(L1, &format!("StorageClass:\t{}\n", claim_class(pvc)));
        labels_multiline_indent(w, "  ", "Labels", "\t", pvc.pointer("/metadata/labels"));
        labels_multiline_indent(
            w,
            "  ",
            "Annotations",
            "\t",
            pvc.pointer("/metadata/annotations"),
        );
        let capacity = pvc
            .pointer("/spec/resources/requests/storage")
            .map(text)
            .unwrap_or_else(|| "<default>".into());
        w.write(L1, &format!("Capacity:\t{capacity}\n"));
        w.write(
            L1,
            &format!(
                "Access Modes:\t{}\n",
                go_list(pvc.pointer("/spec/accessModes"))
            ),
        );
    }
}

/// kubectl's `describeDaemonSet`.
pub fn describe_daemon_set(ds: &Value, pods: &PodCounts, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, ds, true);
    w.write(L0, &format!("Selector:\t{}\n", spec_selector(ds)));
    w.write(
        L0,
        &format!(
            "Node-Selector:\t{}\n",
            format_labels(ds.pointer("/spec/template/spec/nodeSelector"))
        ),
    );
    labels_annotations(&mut w, ds);
    for (title, field) in [
        (
            "Desired Number of Nodes Scheduled",
            "desiredNumberScheduled",
        ),
        (
            "Current Number of Nodes Scheduled",
            "currentNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Up-to-date Pods",
            "updatedNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Available Pods",
            "numberAvailable",
        ),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ] {
        w.write(
            L0,
            &format!("{title}: {}\n", int_at(ds, &format!("/status/{field}"))),
        );
    }
    pods_status(&mut w, pods);
    describe_pod_template(&mut w, ds.pointer("/spec/template"));
    finish(w, events)
}

/// The label selector of a ReplicationController (a plain map) as a query string.
pub fn rc_selector(rc: &Value) -> String {
    match rc.pointer("/spec/selector") {
        Some(m) => selector_string(&serde_json::json!({ "matchLabels": m })),
        None => String::new(),
    }
}

/// kubectl's `describeReplicationController`.
pub fn describe_replication_controller(
    rc: &Value,
    pods: &PodCounts,
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, rc, true);
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            format_labels(rc.pointer("/spec/selector"))
        ),
    );
    labels_annotations(&mut w, rc);
    w.write(
        L0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int_at(rc, "/status/replicas"),
            int_at(rc, "/spec/replicas")
        ),
    );
    pods_status(&mut w, pods);
    describe_pod_template(&mut w, rc.pointer("/spec/template"));
    conditions_section(&mut w, rc);
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn daemon_set_counts_are_not_aligned() {
        let ds = json!({"metadata": {"name": "a", "namespace": "n"},
            "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {"spec": {"containers": []}}},
            "status": {"desiredNumberScheduled": 2}});
        let out = describe_daemon_set(&ds, &PodCounts::default(), None);
        assert!(
            out.contains(
                "\nDesired Number of Nodes Scheduled: 2\nCurrent Number of Nodes Scheduled: 0\n"
            ),
            "{out}"
        );
        assert!(out.starts_with("Name:           a\nNamespace:      n\nSelector:       app=a\nNode-Selector:  <none>\n"), "{out}");
    }

    #[test]
    fn claim_templates_print_go_lists() {
        let mut w = PrefixWriter::default();
        let t = json!([{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]);
        volume_claim_templates(&mut w, Some(&t));
        assert_eq!(
            w.finish(),
            "Volume Claims:\n  Name:          data\n  StorageClass:  \n  Labels:        <none>\n  Annotations:   <none>\n  Capacity:      <default>\n  Access Modes:  [ReadWriteOnce]\n"
        );
    }

    #[test]
    fn rc_selector_is_sorted() {
        let rc = json!({"spec": {"selector": {"b": "2", "a": "1"}}});
        assert_eq!(rc_selector(&rc), "a=1,b=2");
    }
}
