//! apps/v1: deployments, replica sets, stateful sets, daemon sets,
//! controller revisions.

use super::core::desired_replicas;
use super::{
    container_cells, format_label_selector, format_labels, int, integer, name, no_conditions,
    selector_string, string, text, Doc, Now, Printer, AGE, CONTAINERS_DOC, IMAGES_DOC, NAME,
};
use serde_json::Value;

const DEPLOYMENT_STATUS: &str = "io.k8s.api.apps.v1.DeploymentStatus";
const REPLICA_SET_SPEC: &str = "io.k8s.api.apps.v1.ReplicaSetSpec";
const REPLICA_SET_STATUS: &str = "io.k8s.api.apps.v1.ReplicaSetStatus";
const DAEMON_SET_STATUS: &str = "io.k8s.api.apps.v1.DaemonSetStatus";

/// The printer of an apps kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "Deployment" => &DEPLOYMENT,
        "ReplicaSet" => &REPLICA_SET,
        "StatefulSet" => &STATEFUL_SET,
        "DaemonSet" => &DAEMON_SET,
        "ControllerRevision" => &CONTROLLER_REVISION,
        _ => return None,
    })
}

/// The wide CONTAINERS and IMAGES cells of a pod template.
fn template_containers(obj: &Value) -> (Value, Value) {
    container_cells(&obj["spec"]["template"]["spec"]["containers"])
}

/// `ready/desired`.
fn ready_of_desired(obj: &Value) -> Value {
    Value::from(format!(
        "{}/{}",
        int(&obj["status"]["readyReplicas"]),
        desired_replicas(obj)
    ))
}

static DEPLOYMENT: Printer = Printer {
    columns: &[
        NAME,
        string("Ready", Doc::Text("Number of the pod with ready state")),
        string(
            "Up-to-date",
            Doc::Field(DEPLOYMENT_STATUS, "updatedReplicas"),
        ),
        string(
            "Available",
            Doc::Field(DEPLOYMENT_STATUS, "availableReplicas"),
        ),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string(
            "Selector",
            Doc::Field("io.k8s.api.apps.v1.DeploymentSpec", "selector"),
        )
        .wide(),
    ],
    cells: |d, now| {
        let (names, images) = template_containers(d);
        // Deployments print the bare selector: "" when null, <invalid> when unparsable.
        let selector =
            selector_string(&d["spec"]["selector"]).unwrap_or_else(|()| "<invalid>".into());
        vec![
            name(d),
            ready_of_desired(d),
            Value::from(int(&d["status"]["updatedReplicas"])),
            Value::from(int(&d["status"]["availableReplicas"])),
            Value::from(now.age(d)),
            names,
            images,
            Value::from(selector),
        ]
    },
    conditions: no_conditions,
    reads: super::WORKLOAD_READS,
};

static REPLICA_SET: Printer = Printer {
    columns: &[
        NAME,
        integer("Desired", Doc::Field(REPLICA_SET_SPEC, "replicas")),
        integer("Current", Doc::Field(REPLICA_SET_STATUS, "replicas")),
        integer("Ready", Doc::Field(REPLICA_SET_STATUS, "readyReplicas")),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string("Selector", Doc::Field(REPLICA_SET_SPEC, "selector")).wide(),
    ],
    cells: |rs, now| {
        let (names, images) = template_containers(rs);
        vec![
            name(rs),
            Value::from(desired_replicas(rs)),
            Value::from(int(&rs["status"]["replicas"])),
            Value::from(int(&rs["status"]["readyReplicas"])),
            Value::from(now.age(rs)),
            names,
            images,
            Value::from(format_label_selector(&rs["spec"]["selector"])),
        ]
    },
    conditions: no_conditions,
    reads: super::WORKLOAD_READS,
};

static STATEFUL_SET: Printer = Printer {
    columns: &[
        NAME,
        string("Ready", Doc::Text("Number of the pod with ready state")),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
    ],
    cells: |ss, now| {
        let (names, images) = template_containers(ss);
        vec![
            name(ss),
            ready_of_desired(ss),
            Value::from(now.age(ss)),
            names,
            images,
        ]
    },
    conditions: no_conditions,
    reads: super::WORKLOAD_READS,
};

static DAEMON_SET: Printer = Printer {
    columns: &[
        NAME,
        integer(
            "Desired",
            Doc::Field(DAEMON_SET_STATUS, "desiredNumberScheduled"),
        ),
        integer(
            "Current",
            Doc::Field(DAEMON_SET_STATUS, "currentNumberScheduled"),
        ),
        integer("Ready", Doc::Field(DAEMON_SET_STATUS, "numberReady")),
        integer(
            "Up-to-date",
            Doc::Field(DAEMON_SET_STATUS, "updatedNumberScheduled"),
        ),
        integer(
            "Available",
            Doc::Field(DAEMON_SET_STATUS, "numberAvailable"),
        ),
        string(
            "Node Selector",
            Doc::Field("io.k8s.api.core.v1.PodSpec", "nodeSelector"),
        ),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string(
            "Selector",
            Doc::Field("io.k8s.api.apps.v1.DaemonSetSpec", "selector"),
        )
        .wide(),
    ],
    cells: |ds, now| {
        let status = &ds["status"];
        let (names, images) = template_containers(ds);
        vec![
            name(ds),
            Value::from(int(&status["desiredNumberScheduled"])),
            Value::from(int(&status["currentNumberScheduled"])),
            Value::from(int(&status["numberReady"])),
            Value::from(int(&status["updatedNumberScheduled"])),
            Value::from(int(&status["numberAvailable"])),
            Value::from(format_labels(
                &ds["spec"]["template"]["spec"]["nodeSelector"],
            )),
            Value::from(now.age(ds)),
            names,
            images,
            Value::from(format_label_selector(&ds["spec"]["selector"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

/// `kind.group/name` of the controlling owner (`statefulset.apps/web`).
fn controller_of(obj: &Value) -> String {
    let owner = super::list(&obj["metadata"]["ownerReferences"])
        .iter()
        .find(|o| o["controller"] == true);
    let Some(owner) = owner else {
        return "<none>".into();
    };
    let kind = text(&owner["kind"]);
    let group = text(&owner["apiVersion"])
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or("");
    let group_kind = match (kind, group) {
        ("", _) => return text(&owner["name"]).to_string(),
        (kind, "") => kind.to_string(),
        (kind, group) => format!("{kind}.{group}"),
    };
    format!("{}/{}", group_kind.to_lowercase(), text(&owner["name"]))
}

static CONTROLLER_REVISION: Printer = Printer {
    columns: &[
        NAME,
        string("Controller", Doc::Text("Controller of the object")),
        string(
            "Revision",
            Doc::Field("io.k8s.api.apps.v1.ControllerRevision", "revision"),
        ),
        AGE,
    ],
    cells: |cr, now: &Now| {
        vec![
            name(cr),
            Value::from(controller_of(cr)),
            Value::from(int(&cr["revision"])),
            Value::from(now.age(cr)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    fn template() -> serde_json::Value {
        json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}],
            "nodeSelector": {"disk": "ssd"}}})
    }

    #[test]
    fn deployments() {
        let r = row(
            "apps",
            "Deployment",
            json!({"metadata": {"name": "web", "creationTimestamp": "2024-05-01T09:00:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template()},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS*",
                "IMAGES*",
                "SELECTOR*"
            ]
        );
        assert_eq!(cell(&r, "READY"), "2/3");
        assert_eq!(cell(&r, "UP-TO-DATE"), 3);
        assert_eq!(cell(&r, "AVAILABLE"), 2);
        assert_eq!(cell(&r, "AGE"), "3h");
        assert_eq!(cell(&r, "CONTAINERS*"), "web,log");
        assert_eq!(cell(&r, "IMAGES*"), "nginx:1.27,busybox");
        assert_eq!(cell(&r, "SELECTOR*"), "app=web");
        let fresh = row(
            "apps",
            "Deployment",
            json!({"metadata": {"name": "new"}, "spec": {"replicas": 2}}),
        );
        assert_eq!(cell(&fresh, "READY"), "0/2");
        assert_eq!(cell(&fresh, "SELECTOR*"), "");
    }

    #[test]
    fn replica_sets_stateful_sets_daemon_sets() {
        let r = row(
            "apps",
            "ReplicaSet",
            json!({"metadata": {"name": "web-5d"}, "spec": {"replicas": 2,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d"}}, "template": template()},
            "status": {"replicas": 2, "readyReplicas": 1}}),
        );
        assert_eq!(
            (cell(&r, "DESIRED"), cell(&r, "CURRENT"), cell(&r, "READY")),
            (&json!(2), &json!(2), &json!(1))
        );
        assert_eq!(cell(&r, "SELECTOR*"), "app=web,pod-template-hash=5d");

        let r = row(
            "apps",
            "StatefulSet",
            json!({"metadata": {"name": "db"}, "spec": {"replicas": 3, "template": template()},
            "status": {"readyReplicas": 3}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            ["NAME", "READY", "AGE", "CONTAINERS*", "IMAGES*"]
        );
        assert_eq!(cell(&r, "READY"), "3/3");

        let r = row(
            "apps",
            "DaemonSet",
            json!({"metadata": {"name": "agent"}, "spec": {"template": template(),
            "selector": {"matchLabels": {"app": "agent"}}},
            "status": {"desiredNumberScheduled": 4, "currentNumberScheduled": 4, "numberReady": 3, "updatedNumberScheduled": 4, "numberAvailable": 3}}),
        );
        assert_eq!(cell(&r, "DESIRED"), 4);
        assert_eq!(cell(&r, "READY"), 3);
        assert_eq!(cell(&r, "NODE SELECTOR"), "disk=ssd");
    }

    #[test]
    fn controller_revisions() {
        let r = row(
            "apps",
            "ControllerRevision",
            json!({"metadata": {"name": "web-7c",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]},
            "revision": 2}),
        );
        assert_eq!(cell(&r, "CONTROLLER"), "statefulset.apps/web");
        assert_eq!(cell(&r, "REVISION"), 2);
    }
}
