//! Volume sources as kubectl's describers print them: pod volumes
//! (`describeVolumes`) and PersistentVolume sources share most printers.

use super::storage::print_claim;
use super::writer::{int_at, str_at, text, PrefixWriter, L1, L2, L3};
use serde_json::Value;

fn flag(v: &Value, p: &str) -> bool {
    v.pointer(p).and_then(Value::as_bool).unwrap_or(false)
}

/// An int field as Go's `%v` prints its zero value too.
fn int(v: &Value, p: &str) -> i64 {
    int_at(v, p)
}

/// The printers kubectl uses for both pod volumes and PV sources; false
/// when the source is none of them.
fn shared_source(w: &mut PrefixWriter, v: &Value) -> bool {
    if let Some(h) = v.get("hostPath") {
        let t = h.get("type").and_then(Value::as_str).unwrap_or("<none>");
        w.write(
            L2,
            &format!(
                "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{t}\n",
                str_at(h, "/path")
            ),
        );
    } else if let Some(g) = v.get("gcePersistentDisk") {
        w.write(
            L2,
            &format!(
                "Type:\tGCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)\n    PDName:\t{}\n    FSType:\t{}\n    Partition:\t{}\n    ReadOnly:\t{}\n",
                str_at(g, "/pdName"),
                str_at(g, "/fsType"),
                int(g, "/partition"),
                flag(g, "/readOnly")
            ),
        );
    } else if let Some(a) = v.get("awsElasticBlockStore") {
        w.write(
            L2,
            &format!(
                "Type:\tAWSElasticBlockStore (a Persistent Disk resource in AWS)\n    VolumeID:\t{}\n    FSType:\t{}\n    Partition:\t{}\n    ReadOnly:\t{}\n",
                str_at(a, "/volumeID"),
                str_at(a, "/fsType"),
                int(a, "/partition"),
                flag(a, "/readOnly")
            ),
        );
    } else if let Some(n) = v.get("nfs") {
        w.write(
            L2,
            &format!(
                "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                str_at(n, "/server"),
                str_at(n, "/path"),
                flag(n, "/readOnly")
            ),
        );
    } else if let Some(q) = v.get("quobyte") {
        w.write(
            L2,
            &format!(
                "Type:\tQuobyte (a Quobyte mount on the host that shares a pod's lifetime)\n    Registry:\t{}\n    Volume:\t{}\n    ReadOnly:\t{}\n",
                str_at(q, "/registry"),
                str_at(q, "/volume"),
                flag(q, "/readOnly")
            ),
        );
    } else if let Some(s) = v.get("vsphereVolume") {
        w.write(
            L2,
            &format!(
                "Type:\tvSphereVolume (a Persistent Disk resource in vSphere)\n    VolumePath:\t{}\n    FSType:\t{}\n    StoragePolicyName:\t{}\n",
                str_at(s, "/volumePath"),
                str_at(s, "/fsType"),
                str_at(s, "/storagePolicyName")
            ),
        );
    } else if let Some(p) = v.get("photonPersistentDisk") {
        w.write(
            L2,
            &format!(
                "Type:\tPhotonPersistentDisk (a Persistent Disk resource in photon platform)\n    PdID:\t{}\n    FSType:\t{}\n",
                str_at(p, "/pdID"),
                str_at(p, "/fsType")
            ),
        );
    } else if let Some(p) = v.get("portworxVolume") {
        w.write(
            L2,
            &format!(
                "Type:\tPortworxVolume (a Portworx Volume resource)\n    VolumeID:\t{}\n",
                str_at(p, "/volumeID")
            ),
        );
    } else if let Some(f) = v.get("fc") {
        let wwns: Vec<String> = f
            .get("targetWWNs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let lun = f.get("lun").map(text).unwrap_or_else(|| "<none>".into());
        w.write(
            L2,
            &format!(
                "Type:\tFC (a Fibre Channel disk)\n    TargetWWNs:\t{}\n    LUN:\t{lun}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
                wwns.join(", "),
                str_at(f, "/fsType"),
                flag(f, "/readOnly")
            ),
        );
    } else if let Some(f) = v.get("flocker") {
        w.write(
            L2,
            &format!(
                "Type:\tFlocker (a Flocker volume mounted by the Flocker agent)\n    DatasetName:\t{}\n    DatasetUUID:\t{}\n",
                str_at(f, "/datasetName"),
                str_at(f, "/datasetUUID")
            ),
        );
    } else if let Some(i) = v.get("iscsi") {
        iscsi(w, i);
    } else {
        return false;
    }
    true
}

/// `printISCSIVolumeSource` and its PV twin; the secret reference prints
/// as the generated `String()` of the pointer (`nil` when unset).
fn iscsi(w: &mut PrefixWriter, i: &Value) {
    let secret = match i.get("secretRef") {
        None => "nil".to_string(),
        Some(r) if r.get("namespace").is_some() => format!(
            "&SecretReference{{Name:{},Namespace:{},}}",
            str_at(r, "/name"),
            str_at(r, "/namespace")
        ),
        Some(r) => format!("&LocalObjectReference{{Name:{},}}", str_at(r, "/name")),
    };
    let initiator = i
        .get("initiatorName")
        .map(text)
        .unwrap_or_else(|| "<none>".into());
    w.write(
        L2,
        &format!(
            "Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod)\n    TargetPortal:\t{}\n    IQN:\t{}\n    Lun:\t{}\n    ISCSIInterface\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n    Portals:\t{}\n    DiscoveryCHAPAuth:\t{}\n    SessionCHAPAuth:\t{}\n    SecretRef:\t{secret}\n    InitiatorName:\t{initiator}\n",
            str_at(i, "/targetPortal"),
            str_at(i, "/iqn"),
            int(i, "/lun"),
            str_at(i, "/iscsiInterface"),
            str_at(i, "/fsType"),
            flag(i, "/readOnly"),
            super::writer::go_list(i.get("portals")),
            flag(i, "/chapAuthDiscovery"),
            flag(i, "/chapAuthSession"),
        ),
    );
}

/// One pod volume's source (`describeVolumes`' switch), `<unknown>` for
/// the sources not printed here.
pub fn pod_volume_source(w: &mut PrefixWriter, v: &Value) {
    if shared_source(w, v) {
        return;
    }
    if let Some(p) = v.get("projected") {
        w.write(
            L2,
            "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
        );
        for s in p
            .get("sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(sec) = s.get("secret") {
                w.write(
                    L2,
                    &format!(
                        "SecretName:\t{}\n    Optional:\t{}\n",
                        str_at(sec, "/name"),
                        flag(sec, "/optional")
                    ),
                );
            } else if s.get("downwardAPI").is_some() {
                w.write(L2, "DownwardAPI:\ttrue\n");
            } else if let Some(cm) = s.get("configMap") {
                w.write(
                    L2,
                    &format!(
                        "ConfigMapName:\t{}\n    Optional:\t{}\n",
                        str_at(cm, "/name"),
                        flag(cm, "/optional")
                    ),
                );
            } else if let Some(t) = s.get("serviceAccountToken") {
                w.write(
                    L2,
                    &format!(
                        "TokenExpirationSeconds:\t{}\n",
                        int_at(t, "/expirationSeconds")
                    ),
                );
            }
        }
    } else if let Some(s) = v.get("secret") {
        w.write(
            L2,
            &format!(
                "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                str_at(s, "/secretName"),
                flag(s, "/optional")
            ),
        );
    } else if let Some(cm) = v.get("configMap") {
        w.write(
            L2,
            &format!(
                "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                str_at(cm, "/name"),
                flag(cm, "/optional")
            ),
        );
    } else if let Some(e) = v.get("emptyDir") {
        let limit = e
            .get("sizeLimit")
            .map(text)
            .filter(|s| !s.is_empty() && s != "0")
            .unwrap_or_else(|| "<unset>".into());
        w.write(
            L2,
            &format!(
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n",
                str_at(e, "/medium")
            ),
        );
    } else if let Some(c) = v.get("persistentVolumeClaim") {
        w.write(
            L2,
            &format!(
                "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                str_at(c, "/claimName"),
                flag(c, "/readOnly")
            ),
        );
    } else if let Some(g) = v.get("gitRepo") {
        w.write(
            L2,
            &format!(
                "Type:\tGitRepo (a volume that is pulled from git when the pod is created)\n    Repository:\t{}\n    Revision:\t{}\n",
                str_at(g, "/repository"),
                str_at(g, "/revision")
            ),
        );
    } else if let Some(d) = v.get("downwardAPI") {
        w.write(
            L2,
            "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
        );
        for item in d
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let path = str_at(item, "/path");
            if let Some(f) = item.get("fieldRef") {
                w.write(L3, &format!("{} -> {path}\n", str_at(f, "/fieldPath")));
            }
            if let Some(r) = item.get("resourceFieldRef") {
                w.write(L3, &format!("{} -> {path}\n", str_at(r, "/resource")));
            }
        }
    } else if let Some(e) = v.get("ephemeral") {
        w.write(
            L2,
            "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n",
        );
        if let Some(t) = e.get("volumeClaimTemplate") {
            let claim = serde_json::json!({
                "metadata": t.get("metadata").cloned().unwrap_or(Value::Null),
                "spec": t.get("spec").cloned().unwrap_or(Value::Null),
            });
            w.nested(L2, |w| print_claim(w, &claim, false));
        }
    } else if let Some(c) = v.get("csi") {
        w.write(
            L2,
            &format!(
                "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
                str_at(c, "/driver"),
                str_at(c, "/fsType"),
                flag(c, "/readOnly")
            ),
        );
        csi_attributes(w, c.get("volumeAttributes"));
    } else if let Some(i) = v.get("image") {
        w.write(
            L2,
            &format!(
                "Type:\tImage (a container image or OCI artifact)\n    Reference:\t{}\n    PullPolicy:\t{}\n",
                str_at(i, "/reference"),
                str_at(i, "/pullPolicy")
            ),
        );
    } else {
        w.write(L1, "<unknown>\n");
    }
}

/// A PersistentVolume's `Source:` section (`describePersistentVolume`'s
/// switch), `<unknown>` for the sources not printed here.
pub fn pv_source(w: &mut PrefixWriter, spec: &Value) {
    if shared_source(w, spec) {
        return;
    }
    if let Some(l) = spec.get("local") {
        w.write(
            L2,
            &format!(
                "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
                str_at(l, "/path")
            ),
        );
    } else if let Some(c) = spec.get("csi") {
        w.write(
            L2,
            &format!(
                "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    VolumeHandle:\t{}\n    ReadOnly:\t{}\n",
                str_at(c, "/driver"),
                str_at(c, "/fsType"),
                str_at(c, "/volumeHandle"),
                flag(c, "/readOnly")
            ),
        );
        csi_attributes(w, c.get("volumeAttributes"));
    } else if let Some(a) = spec.get("azureFile") {
        w.write(
            L2,
            &format!(
                "Type:\tAzureFile (an Azure File Service mount on the host and bind mount to the pod)\n    SecretName:\t{}\n    SecretNamespace:\t{}\n    ShareName:\t{}\n    ReadOnly:\t{}\n",
                str_at(a, "/secretName"),
                str_at(a, "/secretNamespace"),
                str_at(a, "/shareName"),
                flag(a, "/readOnly")
            ),
        );
    } else {
        w.write(L1, "<unknown>\n");
    }
}

const MAX_ATTRIBUTE_LEN: usize = 140;

/// `printCSIPersistentVolumeAttributesMultiline`.
fn csi_attributes(w: &mut PrefixWriter, attrs: Option<&Value>) {
    w.write(L2, "VolumeAttributes:\t");
    let Some(map) = attrs.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        w.line("<none>");
        return;
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (i, k) in keys.iter().enumerate() {
        if i != 0 {
            w.write(L2, "\t");
        }
        let line = format!("{k}={}", text(&map[k.as_str()]));
        if line.len() > MAX_ATTRIBUTE_LEN {
            let mut cut = MAX_ATTRIBUTE_LEN;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            w.write(L2, &format!("{}...\n", &line[..cut]));
        } else {
            w.write(L2, &format!("{line}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn downward_api_items() {
        let mut w = PrefixWriter::default();
        let v = json!({"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}});
        pod_volume_source(&mut w, &v);
        assert_eq!(
            w.finish(),
            "    Type:  DownwardAPI (a volume populated by information about the pod)\n    Items:\n      metadata.labels -> labels\n"
        );
    }

    #[test]
    fn unknown_sources_say_so() {
        let mut w = PrefixWriter::default();
        pv_source(&mut w, &json!({"glusterfs": {}}));
        assert_eq!(w.finish(), "  <unknown>\n");
    }
}
