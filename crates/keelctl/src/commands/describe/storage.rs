//! Describers for storage: PersistentVolume, PersistentVolumeClaim,
//! StorageClass, VolumeAttributesClass, CSINode, and kubectl's storage
//! helpers (class, access modes).

use super::events::{finish, Events};
use super::writer::{
    bool_ptr, conditions_table, creation_timestamp, format_labels, go_list, header,
    labels_annotations, name_namespace, str_at, text, PrefixWriter, L0, L1, L2, L3, L4,
};
use serde_json::Value;

const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// `storageutil.GetPersistentVolumeClaimClass`: the beta annotation wins over the field.
pub fn claim_class(pvc: &Value) -> String {
    annotation(pvc, BETA_CLASS)
        .unwrap_or_else(|| str_at(pvc, "/spec/storageClassName"))
        .to_string()
}

/// `storageutil.GetPersistentVolumeClass`.
pub fn volume_class(pv: &Value) -> String {
    claim_class(pv)
}

/// `storageutil.GetAccessModesAsString`: `RWO,ROX,RWX,RWOP`, in that order, once each.
pub fn access_modes(modes: Option<&Value>) -> String {
    let has = |m: &str| {
        modes
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(m)))
    };
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| has(m))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// `Status:` of a PV or PVC: its phase, or how long it has been terminating.
fn status_line(w: &mut PrefixWriter, obj: &Value) {
    match obj
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str)
    {
        Some(ts) => w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                crate::printers::age(Some(ts))
            ),
        ),
        None => w.write(L0, &format!("Status:\t{}\n", str_at(obj, "/status/phase"))),
    }
}

/// A `Quantity` as `String()` prints it; the zero quantity is `0`.
fn quantity(v: Option<&Value>) -> String {
    v.map(text).unwrap_or_else(|| "0".into())
}

/// kubectl's `describePersistentVolume`.
pub fn describe_persistent_volume(pv: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, pv, false);
    w.write(
        L0,
        &format!(
            "Finalizers:\t{}\n",
            go_list(pv.pointer("/metadata/finalizers"))
        ),
    );
    w.write(L0, &format!("StorageClass:\t{}\n", volume_class(pv)));
    status_line(&mut w, pv);
    match pv.pointer("/spec/claimRef") {
        Some(c) => w.write(
            L0,
            &format!(
                "Claim:\t{}/{}\n",
                str_at(c, "/namespace"),
                str_at(c, "/name")
            ),
        ),
        None => w.write(L0, "Claim:\t\n"),
    }
    w.write(
        L0,
        &format!(
            "Reclaim Policy:\t{}\n",
            str_at(pv, "/spec/persistentVolumeReclaimPolicy")
        ),
    );
    w.write(
        L0,
        &format!(
            "Access Modes:\t{}\n",
            access_modes(pv.pointer("/spec/accessModes"))
        ),
    );
    if let Some(mode) = pv.pointer("/spec/volumeMode") {
        w.write(L0, &format!("VolumeMode:\t{}\n", text(mode)));
    }
    w.write(
        L0,
        &format!(
            "Capacity:\t{}\n",
            quantity(pv.pointer("/spec/capacity/storage"))
        ),
    );
    node_affinity(&mut w, pv.pointer("/spec/nodeAffinity"));
    w.write(
        L0,
        &format!("Message:\t{}\n", str_at(pv, "/status/message")),
    );
    w.write(L0, "Source:\n");
    super::volumes::pv_source(&mut w, pv.get("spec").unwrap_or(&Value::Null));
    finish(w, events)
}

/// `printVolumeNodeAffinity`.
fn node_affinity(w: &mut PrefixWriter, affinity: Option<&Value>) {
    w.write(L0, "Node Affinity:\t");
    let Some(required) = affinity.and_then(|a| a.get("required")) else {
        w.line("<none>");
        return;
    };
    w.line("");
    w.write(L1, "Required Terms:\t");
    let terms = required
        .get("nodeSelectorTerms")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty());
    let Some(terms) = terms else {
        w.line("<none>");
        return;
    };
    w.line("");
    requirement_terms(w, L2, terms, "matchExpressions", |r| {
        str_at(r, "/operator").to_lowercase()
    });
}

/// Numbered selector terms, each with its requirements one a line
/// (`printVolumeNodeAffinity`'s node selector terms and
/// `printAllowedTopologies`' label requirements share the layout).
fn requirement_terms(
    w: &mut PrefixWriter,
    level: usize,
    terms: &[Value],
    requirements: &str,
    operator: impl Fn(&Value) -> String,
) {
    for (i, term) in terms.iter().enumerate() {
        w.write(level, &format!("Term {i}:\t"));
        let reqs = term
            .get(requirements)
            .and_then(Value::as_array)
            .filter(|r| !r.is_empty());
        let Some(reqs) = reqs else {
            w.line("<none>");
            continue;
        };
        for (j, r) in reqs.iter().enumerate() {
            if j != 0 {
                w.write(level, "\t");
            }
            let line = requirement(str_at(r, "/key"), &operator(r), r.get("values"));
            w.write(L0, &format!("{line}\n"));
        }
    }
}

/// `key op [v1, v2]`, as kubectl prints node and topology selector requirements.
fn requirement(key: &str, op: &str, values: Option<&Value>) -> String {
    let values: Vec<String> = values
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    if values.is_empty() {
        format!("{key} {op}")
    } else {
        format!("{key} {op} [{}]", values.join(", "))
    }
}

/// `printPersistentVolumeClaim`: a whole claim, or (`full` false) the
/// claim template of an ephemeral volume, which has no name, status or finalizers.
pub fn print_claim(w: &mut PrefixWriter, pvc: &Value, full: bool) {
    if full {
        name_namespace(w, pvc, true);
    }
    w.write(L0, &format!("StorageClass:\t{}\n", claim_class(pvc)));
    if full {
        status_line(w, pvc);
    }
    let volume = str_at(pvc, "/spec/volumeName");
    w.write(L0, &format!("Volume:\t{volume}\n"));
    labels_annotations(w, pvc);
    if full {
        w.write(
            L0,
            &format!(
                "Finalizers:\t{}\n",
                go_list(pvc.pointer("/metadata/finalizers"))
            ),
        );
    }
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(pvc.pointer("/status/capacity/storage")),
            access_modes(pvc.pointer("/status/accessModes")),
        )
    };
    w.write(L0, &format!("Capacity:\t{capacity}\n"));
    w.write(L0, &format!("Access Modes:\t{modes}\n"));
    if let Some(mode) = pvc.pointer("/spec/volumeMode") {
        w.write(L0, &format!("VolumeMode:\t{}\n", text(mode)));
    }
    if let Some(ds) = pvc.pointer("/spec/dataSource") {
        w.write(L0, "DataSource:\n");
        if let Some(g) = ds.get("apiGroup") {
            w.write(L1, &format!("APIGroup:\t{}\n", text(g)));
        }
        w.write(L1, &format!("Kind:\t{}\n", str_at(ds, "/kind")));
        w.write(L1, &format!("Name:\t{}\n", str_at(ds, "/name")));
    }
}

/// kubectl's `describePersistentVolumeClaim`; `used_by` names the pods
/// that mount the claim or own it.
pub fn describe_persistent_volume_claim(
    pvc: &Value,
    used_by: &[String],
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    print_claim(&mut w, pvc, true);
    w.write(L0, "Used By:\t");
    if used_by.is_empty() {
        w.line("<none>");
    } else {
        let mut names = used_by.to_vec();
        names.sort();
        for (i, n) in names.iter().enumerate() {
            if i != 0 {
                w.write(L0, "\t");
            }
            w.write(L0, &format!("{n}\n"));
        }
    }
    if let Some(conds) = pvc
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
    {
        conditions_table(
            &mut w,
            conds,
            &[
                ("Type", "----", "type", true),
                ("Status", "------", "status", true),
                ("LastProbeTime", "-----------------", "lastProbeTime", true),
                (
                    "LastTransitionTime",
                    "------------------",
                    "lastTransitionTime",
                    true,
                ),
                ("Reason", "------", "reason", true),
                ("Message", "-------", "message", false),
            ],
        );
    }
    finish(w, events)
}

/// `getPodsForPVC`: pods mounting the claim (once per volume), then pods
/// owning it that are not listed yet.
pub fn pods_for_claim(pvc: &Value, pods: &[Value]) -> Vec<String> {
    let claim = str_at(pvc, "/metadata/name");
    let mut out: Vec<(String, String)> = Vec::new();
    for p in pods {
        for v in p
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("persistentVolumeClaim").is_some()
                && str_at(v, "/persistentVolumeClaim/claimName") == claim
            {
                out.push((
                    str_at(p, "/metadata/uid").to_string(),
                    str_at(p, "/metadata/name").to_string(),
                ));
            }
        }
    }
    for r in pvc
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| str_at(r, "/kind") == "Pod")
    {
        let uid = str_at(r, "/uid");
        let Some(p) = pods.iter().find(|p| str_at(p, "/metadata/uid") == uid) else {
            continue;
        };
        if !out.iter().any(|(u, _)| u == uid) {
            out.push((uid.to_string(), str_at(p, "/metadata/name").to_string()));
        }
    }
    out.into_iter().map(|(_, n)| n).collect()
}

/// `storageutil.IsDefaultAnnotationText`.
fn is_default_class(sc: &Value) -> &'static str {
    let yes = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| annotation(sc, k) == Some("true"));
    if yes {
        "Yes"
    } else {
        "No"
    }
}

/// kubectl's `describeStorageClass`.
pub fn describe_storage_class(sc: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, sc, false);
    w.write(L0, &format!("IsDefaultClass:\t{}\n", is_default_class(sc)));
    w.write(
        L0,
        &format!(
            "Annotations:\t{}\n",
            format_labels(sc.pointer("/metadata/annotations"))
        ),
    );
    w.write(
        L0,
        &format!("Provisioner:\t{}\n", str_at(sc, "/provisioner")),
    );
    w.write(
        L0,
        &format!("Parameters:\t{}\n", format_labels(sc.get("parameters"))),
    );
    w.write(
        L0,
        &format!(
            "AllowVolumeExpansion:\t{}\n",
            bool_ptr(sc.get("allowVolumeExpansion"))
        ),
    );
    match sc
        .get("mountOptions")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
    {
        None => w.write(L0, "MountOptions:\t<none>\n"),
        Some(opts) => {
            w.write(L0, "MountOptions:\n");
            for o in opts {
                w.write(L1, &format!("{}\n", text(o)));
            }
        }
    }
    if let Some(p) = sc.get("reclaimPolicy") {
        w.write(L0, &format!("ReclaimPolicy:\t{}\n", text(p)));
    }
    if let Some(m) = sc.get("volumeBindingMode") {
        w.write(L0, &format!("VolumeBindingMode:\t{}\n", text(m)));
    }
    if let Some(topologies) = sc.get("allowedTopologies").and_then(Value::as_array) {
        w.write(L0, "AllowedTopologies:\t");
        if topologies.is_empty() {
            w.line("<none>");
        } else {
            w.line("");
            requirement_terms(&mut w, L1, topologies, "matchLabelExpressions", |_| {
                "in".to_string()
            });
        }
    }
    finish(w, events)
}

/// kubectl's `describeVolumeAttributesClass`.
pub fn describe_volume_attributes_class(vac: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, vac, false);
    w.write(
        L0,
        &format!(
            "Annotations:\t{}\n",
            format_labels(vac.pointer("/metadata/annotations"))
        ),
    );
    w.write(
        L0,
        &format!("DriverName:\t{}\n", str_at(vac, "/driverName")),
    );
    w.write(
        L0,
        &format!("Parameters:\t{}\n", format_labels(vac.get("parameters"))),
    );
    finish(w, events)
}

/// kubectl's `describeCSINode`.
pub fn describe_csi_node(csi: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, csi, false);
    creation_timestamp(&mut w, csi);
    w.write(L0, "Spec:\n");
    if let Some(drivers) = csi.pointer("/spec/drivers").and_then(Value::as_array) {
        w.write(L1, "Drivers:\n");
        for d in drivers {
            w.write(L2, &format!("{}:\n", str_at(d, "/name")));
            w.write(L3, &format!("Node ID:\t{}\n", str_at(d, "/nodeID")));
            if let Some(count) = d.pointer("/allocatable/count") {
                w.write(L3, "Allocatables:\n");
                w.write(L4, &format!("Count:\t{}\n", text(count)));
            }
            if d.get("topologyKeys").is_some() {
                w.write(
                    L3,
                    &format!("Topology Keys:\t{}\n", go_list(d.get("topologyKeys"))),
                );
            }
        }
    }
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn access_modes_in_kubectl_order() {
        let m = json!(["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"]);
        assert_eq!(access_modes(Some(&m)), "RWO,RWX");
        assert_eq!(access_modes(None), "");
    }

    #[test]
    fn beta_class_annotation_wins() {
        let pvc = json!({"metadata": {"annotations": {BETA_CLASS: "old"}}, "spec": {"storageClassName": "new"}});
        assert_eq!(claim_class(&pvc), "old");
    }

    #[test]
    fn claim_users_mount_or_own_it() {
        let pvc =
            json!({"metadata": {"name": "c", "ownerReferences": [{"kind": "Pod", "uid": "2"}]}});
        let pods = vec![
            json!({"metadata": {"name": "a", "uid": "1"}, "spec": {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "c"}}]}}),
            json!({"metadata": {"name": "b", "uid": "2"}, "spec": {}}),
            json!({"metadata": {"name": "x", "uid": "3"}, "spec": {}}),
        ];
        assert_eq!(pods_for_claim(&pvc, &pods), vec!["a", "b"]);
    }

    #[test]
    fn node_affinity_terms() {
        let mut w = PrefixWriter::default();
        let a = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}, {"key": "x", "operator": "Exists"}]}]}});
        node_affinity(&mut w, Some(&a));
        assert_eq!(
            w.finish(),
            "Node Affinity:     \n  Required Terms:  \n    Term 0:        zone in [a, b]\n                   x exists\n"
        );
    }
}
