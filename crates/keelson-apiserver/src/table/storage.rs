//! storage.k8s.io: storage classes, volume attributes classes, CSI drivers,
//! CSI nodes, CSI storage capacities, volume attachments.

use super::{
    boolean, count, integer, list, name, no_conditions, quantity, string, text, Doc, Now, Printer,
    AGE, NAME,
};
use serde_json::Value;

const STORAGE_CLASS: &str = "io.k8s.api.storage.v1.StorageClass";
const CSI_DRIVER_SPEC: &str = "io.k8s.api.storage.v1.CSIDriverSpec";

/// The printer of a storage kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "StorageClass" => &STORAGE_CLASS_PRINTER,
        "VolumeAttributesClass" => &VOLUME_ATTRIBUTES_CLASS,
        "CSIDriver" => &CSI_DRIVER,
        "CSINode" => &CSI_NODE,
        "CSIStorageCapacity" => &CSI_STORAGE_CAPACITY,
        "VolumeAttachment" => &VOLUME_ATTACHMENT,
        _ => return None,
    })
}

/// `name (default)` for the default class.
fn class_name(obj: &Value, annotations: &[&str]) -> Value {
    let a = &obj["metadata"]["annotations"];
    let is_default = annotations.iter().any(|k| a[*k] == "true");
    let n = text(&obj["metadata"]["name"]);
    Value::from(if is_default {
        format!("{n} (default)")
    } else {
        n.to_string()
    })
}

static STORAGE_CLASS_PRINTER: Printer = Printer {
    columns: &[
        NAME,
        string("Provisioner", Doc::Field(STORAGE_CLASS, "provisioner")),
        string("ReclaimPolicy", Doc::Field(STORAGE_CLASS, "reclaimPolicy")),
        string(
            "VolumeBindingMode",
            Doc::Field(STORAGE_CLASS, "volumeBindingMode"),
        ),
        string(
            "AllowVolumeExpansion",
            Doc::Field(STORAGE_CLASS, "allowVolumeExpansion"),
        ),
        AGE,
    ],
    cells: |sc, now| {
        vec![
            class_name(
                sc,
                &[
                    "storageclass.kubernetes.io/is-default-class",
                    "storageclass.beta.kubernetes.io/is-default-class",
                ],
            ),
            Value::from(text(&sc["provisioner"])),
            Value::from(sc["reclaimPolicy"].as_str().unwrap_or("Delete")),
            Value::from(sc["volumeBindingMode"].as_str().unwrap_or("Immediate")),
            Value::from(sc["allowVolumeExpansion"].as_bool().unwrap_or(false)),
            Value::from(now.age(sc)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static VOLUME_ATTRIBUTES_CLASS: Printer = Printer {
    columns: &[
        NAME,
        string(
            "DriverName",
            Doc::Field("io.k8s.api.storage.v1.VolumeAttributesClass", "driverName"),
        ),
        AGE,
    ],
    cells: |vac, now| {
        vec![
            class_name(vac, &["storage.kubernetes.io/is-default-class"]),
            Value::from(text(&vac["driverName"])),
            Value::from(now.age(vac)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static CSI_DRIVER: Printer = Printer {
    columns: &[
        NAME,
        boolean(
            "AttachRequired",
            Doc::Field(CSI_DRIVER_SPEC, "attachRequired"),
        ),
        boolean(
            "PodInfoOnMount",
            Doc::Field(CSI_DRIVER_SPEC, "podInfoOnMount"),
        ),
        boolean(
            "StorageCapacity",
            Doc::Field(CSI_DRIVER_SPEC, "storageCapacity"),
        ),
        string(
            "TokenRequests",
            Doc::Field(CSI_DRIVER_SPEC, "tokenRequests"),
        ),
        boolean(
            "RequiresRepublish",
            Doc::Field(CSI_DRIVER_SPEC, "requiresRepublish"),
        ),
        string("Modes", Doc::Field(CSI_DRIVER_SPEC, "volumeLifecycleModes")),
        AGE,
    ],
    cells: |d, now| {
        let spec = &d["spec"];
        let token_requests = match spec["tokenRequests"].as_array() {
            Some(t) => t
                .iter()
                .map(|t| text(&t["audience"]))
                .collect::<Vec<_>>()
                .join(","),
            None => "<unset>".into(),
        };
        let modes: Vec<&str> = list(&spec["volumeLifecycleModes"])
            .iter()
            .map(text)
            .collect();
        vec![
            name(d),
            Value::from(spec["attachRequired"].as_bool().unwrap_or(true)),
            Value::from(spec["podInfoOnMount"].as_bool().unwrap_or(false)),
            Value::from(spec["storageCapacity"].as_bool().unwrap_or(false)),
            Value::from(token_requests),
            Value::from(spec["requiresRepublish"].as_bool().unwrap_or(false)),
            Value::from(if modes.is_empty() {
                "<none>".to_string()
            } else {
                modes.join(",")
            }),
            Value::from(now.age(d)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static CSI_NODE: Printer = Printer {
    columns: &[
        NAME,
        integer(
            "Drivers",
            Doc::Text("Drivers indicates the number of CSI drivers registered on the node"),
        ),
        AGE,
    ],
    cells: |n, now| {
        vec![
            name(n),
            Value::from(count(&n["spec"]["drivers"])),
            Value::from(now.age(n)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static CSI_STORAGE_CAPACITY: Printer = Printer {
    columns: &[
        NAME,
        string(
            "StorageClassName",
            Doc::Field(
                "io.k8s.api.storage.v1.CSIStorageCapacity",
                "storageClassName",
            ),
        ),
        string(
            "Capacity",
            Doc::Field("io.k8s.api.storage.v1.CSIStorageCapacity", "capacity"),
        ),
    ],
    cells: |c, _: &Now| {
        let capacity = quantity(&c["capacity"], "<unset>");
        vec![
            name(c),
            Value::from(text(&c["storageClassName"])),
            Value::from(capacity),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static VOLUME_ATTACHMENT: Printer = Printer {
    columns: &[
        NAME,
        super::Column::new(
            "Attacher",
            "string",
            Doc::Field("io.k8s.api.storage.v1.VolumeAttachmentSpec", "attacher"),
        )
        .named(),
        string(
            "PV",
            Doc::Field(
                "io.k8s.api.storage.v1.VolumeAttachmentSource",
                "persistentVolumeName",
            ),
        ),
        string(
            "Node",
            Doc::Field("io.k8s.api.storage.v1.VolumeAttachmentSpec", "nodeName"),
        ),
        boolean(
            "Attached",
            Doc::Field("io.k8s.api.storage.v1.VolumeAttachmentStatus", "attached"),
        ),
        AGE,
    ],
    cells: |va, now| {
        let spec = &va["spec"];
        vec![
            name(va),
            Value::from(text(&spec["attacher"])),
            Value::from(text(&spec["source"]["persistentVolumeName"])),
            Value::from(text(&spec["nodeName"])),
            Value::from(va["status"]["attached"].as_bool().unwrap_or(false)),
            Value::from(now.age(va)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn storage_classes() {
        let r = row(
            "storage.k8s.io",
            "StorageClass",
            json!({"metadata": {"name": "standard",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "rancher.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer"}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "PROVISIONER",
                "RECLAIMPOLICY",
                "VOLUMEBINDINGMODE",
                "ALLOWVOLUMEEXPANSION",
                "AGE"
            ]
        );
        assert_eq!(cell(&r, "NAME"), "standard (default)");
        assert_eq!(cell(&r, "RECLAIMPOLICY"), "Delete");
        assert_eq!(cell(&r, "VOLUMEBINDINGMODE"), "WaitForFirstConsumer");
        assert_eq!(cell(&r, "ALLOWVOLUMEEXPANSION"), false);
    }

    #[test]
    fn csi_objects() {
        let r = row(
            "storage.k8s.io",
            "CSIDriver",
            json!({"metadata": {"name": "d"}, "spec": {"tokenRequests": [{"audience": "vault"}]}}),
        );
        assert_eq!(
            (
                cell(&r, "ATTACHREQUIRED"),
                cell(&r, "TOKENREQUESTS"),
                cell(&r, "MODES")
            ),
            (&json!(true), &json!("vault"), &json!("<none>"))
        );
        let r = row(
            "storage.k8s.io",
            "CSIStorageCapacity",
            json!({"metadata": {"name": "c"}, "storageClassName": "fast", "capacity": "2048Mi"}),
        );
        assert_eq!(cell(&r, "CAPACITY"), "2Gi");
        let r = row(
            "storage.k8s.io",
            "VolumeAttachment",
            json!({"metadata": {"name": "va"},
            "spec": {"attacher": "csi.example.com", "nodeName": "n1", "source": {"persistentVolumeName": "pv1"}}, "status": {"attached": true}}),
        );
        assert_eq!(
            (cell(&r, "PV"), cell(&r, "ATTACHED")),
            (&json!("pv1"), &json!(true))
        );
    }
}
