//! The core group (v1) apart from pods and events: services, endpoints,
//! configmaps, secrets, service accounts, namespaces, nodes, persistent
//! volumes and claims, replication controllers, pod templates, quotas.

use super::{
    container_cells, count, format_labels, int, integer, list, name, no_conditions, quantity,
    string, text, Doc, Now, Printer, AGE, CONTAINERS_DOC, IMAGES_DOC, NAME,
};
use serde_json::Value;
use std::collections::BTreeSet;

const SERVICE_SPEC: &str = "io.k8s.api.core.v1.ServiceSpec";
const NODE_INFO: &str = "io.k8s.api.core.v1.NodeSystemInfo";
const PV_SPEC: &str = "io.k8s.api.core.v1.PersistentVolumeSpec";
const PVC_SPEC: &str = "io.k8s.api.core.v1.PersistentVolumeClaimSpec";
const PVC_STATUS: &str = "io.k8s.api.core.v1.PersistentVolumeClaimStatus";
const RC_SPEC: &str = "io.k8s.api.core.v1.ReplicationControllerSpec";
const RC_STATUS: &str = "io.k8s.api.core.v1.ReplicationControllerStatus";

/// The printer of a core kind other than Pod.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "Service" => &SERVICE,
        "Endpoints" => &ENDPOINTS,
        "ConfigMap" => &CONFIG_MAP,
        "Secret" => &SECRET,
        "ServiceAccount" => &SERVICE_ACCOUNT,
        "Namespace" => &NAMESPACE,
        "Node" => &NODE,
        "PersistentVolume" => &PERSISTENT_VOLUME,
        "PersistentVolumeClaim" => &PERSISTENT_VOLUME_CLAIM,
        "ReplicationController" => &REPLICATION_CONTROLLER,
        "PodTemplate" => &POD_TEMPLATE,
        "ResourceQuota" => &RESOURCE_QUOTA,
        "ComponentStatus" => &COMPONENT_STATUS,
        "Event" => return super::events::printer("", kind),
        _ => return None,
    })
}

/// `<none>` for an empty string.
fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.into()
    }
}

static SERVICE: Printer = Printer {
    columns: &[
        NAME,
        string("Type", Doc::Field(SERVICE_SPEC, "type")),
        string("Cluster-IP", Doc::Field(SERVICE_SPEC, "clusterIP")),
        string("External-IP", Doc::Field(SERVICE_SPEC, "externalIPs")),
        string("Port(s)", Doc::Field(SERVICE_SPEC, "ports")),
        AGE,
        string("Selector", Doc::Field(SERVICE_SPEC, "selector")).wide(),
    ],
    cells: service_cells,
    conditions: no_conditions,
    reads: &[],
};

/// `makePortString`: `80/TCP,443:30443/TCP`.
pub(crate) fn service_ports(ports: &Value) -> String {
    let pieces: Vec<String> = list(ports)
        .iter()
        .map(|p| {
            let protocol = text(&p["protocol"]);
            match int(&p["nodePort"]) {
                n if n > 0 => format!("{}:{n}/{protocol}", int(&p["port"])),
                _ => format!("{}/{protocol}", int(&p["port"])),
            }
        })
        .collect();
    pieces.join(",")
}

/// Load-balancer ingress points: IPs or host names, sorted and de-duplicated
/// (the server prints wide, so they are never clipped).
pub(crate) fn load_balancer_ingress(status: &Value) -> String {
    let points: BTreeSet<&str> = list(&status["ingress"])
        .iter()
        .filter_map(|i| match (text(&i["ip"]), text(&i["hostname"])) {
            ("", "") => None,
            ("", host) => Some(host),
            (ip, _) => Some(ip),
        })
        .collect();
    points.into_iter().collect::<Vec<_>>().join(",")
}

/// `getServiceExternalIP`.
fn service_external_ip(svc: &Value) -> String {
    let spec = &svc["spec"];
    let external: Vec<&str> = list(&spec["externalIPs"]).iter().map(text).collect();
    match text(&spec["type"]) {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let lb = load_balancer_ingress(&svc["status"]["loadBalancer"]);
            if !external.is_empty() {
                let mut all: Vec<&str> = lb.split(',').filter(|s| !s.is_empty()).collect();
                all.extend(external);
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => text(&spec["externalName"]).into(),
        _ => "<unknown>".into(),
    }
}

fn service_cells(svc: &Value, now: &Now) -> Vec<Value> {
    let spec = &svc["spec"];
    let cluster_ip = list(&spec["clusterIPs"])
        .first()
        .map(text)
        .unwrap_or("<none>");
    let ports = service_ports(&spec["ports"]);
    vec![
        name(svc),
        Value::from(text(&spec["type"])),
        Value::from(cluster_ip),
        Value::from(service_external_ip(svc)),
        Value::from(or_none(&ports)),
        Value::from(now.age(svc)),
        Value::from(format_labels(&spec["selector"])),
    ]
}

static ENDPOINTS: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Endpoints",
            Doc::Field("io.k8s.api.core.v1.Endpoints", "subsets"),
        ),
        AGE,
    ],
    cells: |o, now| {
        vec![
            name(o),
            Value::from(format_endpoints(o)),
            Value::from(now.age(o)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

/// Go's `net.JoinHostPort`: IPv6 addresses in brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `formatEndpoints`: the first three `ip:port`, then `+ N more...`.
fn format_endpoints(ep: &Value) -> String {
    let subsets = list(&ep["subsets"]);
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut shown = Vec::new();
    let mut total = 0;
    for ss in subsets {
        let addresses = list(&ss["addresses"]);
        let ports = list(&ss["ports"]);
        if ports.is_empty() {
            // Headless services may have no ports.
            total += addresses.len();
            shown.extend(addresses.iter().map(|a| text(&a["ip"]).to_string()));
            continue;
        }
        for port in ports {
            total += addresses.len();
            shown.extend(
                addresses
                    .iter()
                    .map(|a| join_host_port(text(&a["ip"]), int(&port["port"]))),
            );
        }
    }
    let more = shown.len() > MAX;
    shown.truncate(MAX);
    let joined = shown.join(",");
    if more {
        format!("{joined} + {} more...", total - MAX)
    } else {
        joined
    }
}

static CONFIG_MAP: Printer = Printer {
    columns: &[
        NAME,
        string("Data", Doc::Field("io.k8s.api.core.v1.ConfigMap", "data")),
        AGE,
    ],
    cells: |o, now| {
        vec![
            name(o),
            Value::from(count(&o["data"]) + count(&o["binaryData"])),
            Value::from(now.age(o)),
        ]
    },
    conditions: no_conditions,
    reads: &[
        "metadata.name",
        "metadata.creationTimestamp",
        "data",
        "binaryData",
    ],
};

static SECRET: Printer = Printer {
    columns: &[
        NAME,
        string("Type", Doc::Field("io.k8s.api.core.v1.Secret", "type")),
        string("Data", Doc::Field("io.k8s.api.core.v1.Secret", "data")),
        AGE,
    ],
    cells: |o, now| {
        vec![
            name(o),
            Value::from(text(&o["type"])),
            Value::from(count(&o["data"])),
            Value::from(now.age(o)),
        ]
    },
    conditions: no_conditions,
    reads: &[
        "metadata.name",
        "metadata.creationTimestamp",
        "type",
        "data",
    ],
};

static SERVICE_ACCOUNT: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Secrets",
            Doc::Field("io.k8s.api.core.v1.ServiceAccount", "secrets"),
        ),
        AGE,
    ],
    cells: |o, now| {
        vec![
            name(o),
            Value::from(count(&o["secrets"])),
            Value::from(now.age(o)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static NAMESPACE: Printer = Printer {
    columns: &[
        NAME,
        string("Status", Doc::Text("The status of the namespace")),
        AGE,
    ],
    cells: |o, now| {
        vec![
            name(o),
            Value::from(text(&o["status"]["phase"])),
            Value::from(now.age(o)),
        ]
    },
    conditions: no_conditions,
    reads: &[
        "metadata.name",
        "metadata.creationTimestamp",
        "status.phase",
    ],
};

static NODE: Printer = Printer {
    columns: &[
        NAME,
        string("Status", Doc::Text("The status of the node")),
        string("Roles", Doc::Text("The roles of the node")),
        AGE,
        string("Version", Doc::Field(NODE_INFO, "kubeletVersion")),
        string(
            "Internal-IP",
            Doc::Field("io.k8s.api.core.v1.NodeStatus", "addresses"),
        )
        .wide(),
        string(
            "External-IP",
            Doc::Field("io.k8s.api.core.v1.NodeStatus", "addresses"),
        )
        .wide(),
        string("OS-Image", Doc::Field(NODE_INFO, "osImage")).wide(),
        string("Kernel-Version", Doc::Field(NODE_INFO, "kernelVersion")).wide(),
        string(
            "Container-Runtime",
            Doc::Field(NODE_INFO, "containerRuntimeVersion"),
        )
        .wide(),
    ],
    cells: node_cells,
    conditions: no_conditions,
    reads: &[],
};

/// Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role=<role>` labels.
fn node_roles(node: &Value) -> String {
    let roles: BTreeSet<&str> = node["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role),
            Some(_) => None,
            None if k == "kubernetes.io/role" && !text(v).is_empty() => Some(text(v)),
            None => None,
        })
        .collect();
    or_none(&roles.into_iter().collect::<Vec<_>>().join(","))
}

fn node_cells(node: &Value, now: &Now) -> Vec<Value> {
    let status = &node["status"];
    let mut states = match super::condition(&status["conditions"], "Ready") {
        Some(c) if c["status"] == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if node["spec"]["unschedulable"] == true {
        states.push("SchedulingDisabled");
    }
    let address = |type_: &str| {
        list(&status["addresses"])
            .iter()
            .find(|a| a["type"] == type_)
            .map(|a| text(&a["address"]).to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = &status["nodeInfo"];
    let or_unknown = |v: &Value| match text(v) {
        "" => "<unknown>".to_string(),
        s => s.to_string(),
    };
    vec![
        name(node),
        Value::from(states.join(",")),
        Value::from(node_roles(node)),
        Value::from(now.age(node)),
        Value::from(text(&info["kubeletVersion"])),
        Value::from(address("InternalIP")),
        Value::from(address("ExternalIP")),
        Value::from(or_unknown(&info["osImage"])),
        Value::from(or_unknown(&info["kernelVersion"])),
        Value::from(or_unknown(&info["containerRuntimeVersion"])),
    ]
}

/// `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` in that order.
fn access_modes(modes: &Value) -> String {
    let modes: Vec<&str> = list(modes).iter().map(text).collect();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.contains(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a volume or claim: the beta annotation wins.
fn storage_class(obj: &Value) -> String {
    match obj["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"].as_str() {
        Some(class) => class.to_string(),
        None => text(&obj["spec"]["storageClassName"]).to_string(),
    }
}

fn unset_or(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| "<unset>".into())
}

fn phase_or_terminating(obj: &Value) -> String {
    if obj["metadata"]["deletionTimestamp"].is_null() {
        text(&obj["status"]["phase"]).to_string()
    } else {
        "Terminating".to_string()
    }
}

static PERSISTENT_VOLUME: Printer = Printer {
    columns: &[
        NAME,
        string("Capacity", Doc::Field(PV_SPEC, "capacity")),
        string("Access Modes", Doc::Field(PV_SPEC, "accessModes")),
        string(
            "Reclaim Policy",
            Doc::Field(PV_SPEC, "persistentVolumeReclaimPolicy"),
        ),
        string(
            "Status",
            Doc::Field("io.k8s.api.core.v1.PersistentVolumeStatus", "phase"),
        ),
        string("Claim", Doc::Field(PV_SPEC, "claimRef")),
        string("StorageClass", Doc::Text("StorageClass of the pv")),
        string(
            "VolumeAttributesClass",
            Doc::Text("VolumeAttributesClass of the pv"),
        ),
        string(
            "Reason",
            Doc::Field("io.k8s.api.core.v1.PersistentVolumeStatus", "reason"),
        ),
        AGE,
        string("VolumeMode", Doc::Field(PV_SPEC, "volumeMode")).wide(),
    ],
    cells: |pv, now| {
        let spec = &pv["spec"];
        let claim = match spec["claimRef"].is_object() {
            true => format!(
                "{}/{}",
                text(&spec["claimRef"]["namespace"]),
                text(&spec["claimRef"]["name"])
            ),
            false => String::new(),
        };
        vec![
            name(pv),
            Value::from(quantity(&spec["capacity"]["storage"], "0")),
            Value::from(access_modes(&spec["accessModes"])),
            Value::from(text(&spec["persistentVolumeReclaimPolicy"])),
            Value::from(phase_or_terminating(pv)),
            Value::from(claim),
            Value::from(storage_class(pv)),
            Value::from(unset_or(&spec["volumeAttributesClassName"])),
            Value::from(text(&pv["status"]["reason"])),
            Value::from(now.age(pv)),
            Value::from(unset_or(&spec["volumeMode"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static PERSISTENT_VOLUME_CLAIM: Printer = Printer {
    columns: &[
        NAME,
        string("Status", Doc::Field(PVC_STATUS, "phase")),
        string("Volume", Doc::Field(PVC_SPEC, "volumeName")),
        string("Capacity", Doc::Field(PVC_STATUS, "capacity")),
        string("Access Modes", Doc::Field(PVC_STATUS, "accessModes")),
        string("StorageClass", Doc::Text("StorageClass of the pvc")),
        string(
            "VolumeAttributesClass",
            Doc::Text("VolumeAttributesClass of the pvc"),
        ),
        AGE,
        string("VolumeMode", Doc::Field(PVC_SPEC, "volumeMode")).wide(),
    ],
    cells: |pvc, now| {
        let spec = &pvc["spec"];
        let volume = text(&spec["volumeName"]);
        // Capacity and modes are the bound volume's, so only shown once bound.
        let (capacity, modes) = if volume.is_empty() {
            (String::new(), String::new())
        } else {
            (
                quantity(&pvc["status"]["capacity"]["storage"], "0"),
                access_modes(&pvc["status"]["accessModes"]),
            )
        };
        vec![
            name(pvc),
            Value::from(phase_or_terminating(pvc)),
            Value::from(volume),
            Value::from(capacity),
            Value::from(modes),
            Value::from(storage_class(pvc)),
            Value::from(unset_or(&spec["volumeAttributesClassName"])),
            Value::from(now.age(pvc)),
            Value::from(unset_or(&spec["volumeMode"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

/// Desired replicas: a missing `spec.replicas` is defaulted to 1.
pub(crate) fn desired_replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

static REPLICATION_CONTROLLER: Printer = Printer {
    columns: &[
        NAME,
        integer("Desired", Doc::Field(RC_SPEC, "replicas")),
        integer("Current", Doc::Field(RC_STATUS, "replicas")),
        integer("Ready", Doc::Field(RC_STATUS, "readyReplicas")),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string("Selector", Doc::Field(RC_SPEC, "selector")).wide(),
    ],
    cells: |rc, now| {
        let (names, images) = container_cells(&rc["spec"]["template"]["spec"]["containers"]);
        vec![
            name(rc),
            Value::from(desired_replicas(rc)),
            Value::from(int(&rc["status"]["replicas"])),
            Value::from(int(&rc["status"]["readyReplicas"])),
            Value::from(now.age(rc)),
            names,
            images,
            Value::from(format_labels(&rc["spec"]["selector"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static POD_TEMPLATE: Printer = Printer {
    columns: &[
        NAME,
        string("Containers", CONTAINERS_DOC),
        string("Images", IMAGES_DOC),
        string("Pod Labels", Doc::Text("The labels for the pod template.")),
    ],
    cells: |pt, _| {
        let (names, images) = container_cells(&pt["template"]["spec"]["containers"]);
        vec![
            name(pt),
            names,
            images,
            Value::from(format_labels(&pt["template"]["metadata"]["labels"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static RESOURCE_QUOTA: Printer = Printer {
    columns: &[
        NAME,
        string("Request", Doc::Text("Request represents a minimum amount of cpu/memory that a container may consume.")),
        string("Limit", Doc::Text("Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.")),
        AGE,
    ],
    cells: |rq, now| {
        let status = &rq["status"];
        let mut requests = Vec::new();
        let mut limits = Vec::new();
        let mut resources: Vec<&String> = status["hard"].as_object().into_iter().flat_map(|m| m.keys()).collect();
        resources.sort();
        for r in resources {
            let entry = format!(
                "{r}: {}/{}",
                quantity(&status["used"][r.as_str()], "0"),
                quantity(&status["hard"][r.as_str()], "0")
            );
            let is_limit = r.split_once('.').is_some_and(|(head, _)| head == "limits");
            if is_limit { limits.push(entry) } else { requests.push(entry) }
        }
        vec![name(rq), Value::from(requests.join(", ")), Value::from(limits.join(", ")), Value::from(now.age(rq))]
    },
    conditions: no_conditions,
    reads: &[],
};

static COMPONENT_STATUS: Printer = Printer {
    columns: &[
        NAME,
        string("Status", Doc::Text("Status of the component conditions")),
        string("Message", Doc::Text("Message of the component conditions")),
        string("Error", Doc::Text("Error of the component conditions")),
    ],
    cells: |cs, _| {
        let (status, message, error) = match super::condition(&cs["conditions"], "Healthy") {
            Some(c) => (
                if c["status"] == "True" {
                    "Healthy"
                } else {
                    "Unhealthy"
                },
                text(&c["message"]),
                text(&c["error"]),
            ),
            None => ("Unknown", "", ""),
        };
        vec![
            name(cs),
            Value::from(status),
            Value::from(message),
            Value::from(error),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    fn meta(name: &str) -> serde_json::Value {
        json!({"name": name, "creationTimestamp": "2024-05-01T11:59:15Z"})
    }

    #[test]
    fn service_ports_and_addresses() {
        let r = row(
            "",
            "Service",
            json!({"metadata": meta("web"), "spec": {"type": "NodePort",
            "clusterIPs": ["10.96.0.10"], "selector": {"app": "web", "tier": "fe"},
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 30443, "protocol": "TCP"}]}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
                "SELECTOR*"
            ]
        );
        assert_eq!(cell(&r, "TYPE"), "NodePort");
        assert_eq!(cell(&r, "CLUSTER-IP"), "10.96.0.10");
        assert_eq!(cell(&r, "EXTERNAL-IP"), "<none>");
        assert_eq!(cell(&r, "PORT(S)"), "80/TCP,443:30443/TCP");
        assert_eq!(cell(&r, "AGE"), "45s");
        assert_eq!(cell(&r, "SELECTOR*"), "app=web,tier=fe");
    }

    #[test]
    fn service_external_ips() {
        let lb = |status: serde_json::Value, external: serde_json::Value| {
            let r = row(
                "",
                "Service",
                json!({"metadata": meta("lb"), "spec": {"type": "LoadBalancer",
                "clusterIPs": ["10.96.0.11"], "externalIPs": external, "ports": []}, "status": {"loadBalancer": status}}),
            );
            (cell(&r, "EXTERNAL-IP").clone(), cell(&r, "PORT(S)").clone())
        };
        assert_eq!(
            lb(json!({}), json!(null)),
            (json!("<pending>"), json!("<none>"))
        );
        assert_eq!(
            lb(
                json!({"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}),
                json!(null)
            )
            .0,
            "203.0.113.9,lb.example.com"
        );
        assert_eq!(
            lb(
                json!({"ingress": [{"ip": "203.0.113.9"}]}),
                json!(["198.51.100.1"])
            )
            .0,
            "203.0.113.9,198.51.100.1"
        );
        let r = row(
            "",
            "Service",
            json!({"metadata": meta("ext"), "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
        );
        assert_eq!(cell(&r, "EXTERNAL-IP"), "db.example.com");
        assert_eq!(cell(&r, "CLUSTER-IP"), "<none>");
        assert_eq!(cell(&r, "SELECTOR*"), "<none>");
    }

    #[test]
    fn endpoints_show_three_then_more() {
        let addresses: Vec<_> = (1..=4)
            .map(|i| json!({"ip": format!("10.0.0.{i}")}))
            .collect();
        let r = row(
            "",
            "Endpoints",
            json!({"metadata": meta("web"), "subsets": [
            {"addresses": addresses, "ports": [{"port": 8080}]}]}),
        );
        assert_eq!(
            cell(&r, "ENDPOINTS"),
            "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more..."
        );
        let r = row(
            "",
            "Endpoints",
            json!({"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]}),
        );
        assert_eq!(cell(&r, "ENDPOINTS"), "[fd00::1]:80");
        let r = row("", "Endpoints", json!({"metadata": meta("none")}));
        assert_eq!(cell(&r, "ENDPOINTS"), "<none>");
    }

    #[test]
    fn configmaps_secrets_accounts_namespaces() {
        let r = row(
            "",
            "ConfigMap",
            json!({"metadata": meta("c"), "data": {"a": "1"}, "binaryData": {"b": "AA=="}}),
        );
        assert_eq!(cell(&r, "DATA"), 2);
        let r = row(
            "",
            "Secret",
            json!({"metadata": meta("s"), "type": "Opaque", "data": {"a": "MQ=="}}),
        );
        assert_eq!(
            (cell(&r, "TYPE"), cell(&r, "DATA")),
            (&json!("Opaque"), &json!(1))
        );
        let r = row("", "ServiceAccount", json!({"metadata": meta("default")}));
        assert_eq!(cell(&r, "SECRETS"), 0);
        let r = row(
            "",
            "Namespace",
            json!({"metadata": meta("dev"), "status": {"phase": "Terminating"}}),
        );
        assert_eq!(cell(&r, "STATUS"), "Terminating");
    }

    #[test]
    fn nodes() {
        let r = row(
            "",
            "Node",
            json!({"metadata": {"name": "n1", "creationTimestamp": "2024-04-29T07:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "", "kubernetes.io/role": "worker"}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": "n1"}],
                "nodeInfo": {"kubeletVersion": "v1.37.0", "osImage": "Debian GNU/Linux 12 (bookworm)"}}}),
        );
        assert_eq!(cell(&r, "STATUS"), "Ready,SchedulingDisabled");
        assert_eq!(cell(&r, "ROLES"), "control-plane,worker");
        assert_eq!(cell(&r, "AGE"), "2d5h");
        assert_eq!(cell(&r, "VERSION"), "v1.37.0");
        assert_eq!(cell(&r, "INTERNAL-IP*"), "192.168.1.10");
        assert_eq!(cell(&r, "EXTERNAL-IP*"), "<none>");
        assert_eq!(cell(&r, "OS-IMAGE*"), "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(cell(&r, "KERNEL-VERSION*"), "<unknown>");
        let r = row(
            "",
            "Node",
            json!({"metadata": {"name": "n2"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}),
        );
        assert_eq!(
            (cell(&r, "STATUS"), cell(&r, "ROLES")),
            (&json!("NotReady"), &json!("<none>"))
        );
        let r = row("", "Node", json!({"metadata": {"name": "n3"}}));
        assert_eq!(cell(&r, "STATUS"), "Unknown");
    }

    #[test]
    fn volumes_and_claims() {
        let r = row(
            "",
            "PersistentVolume",
            json!({"metadata": meta("pv1"), "spec": {
            "capacity": {"storage": "1024Mi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "fast",
            "claimRef": {"namespace": "db", "name": "data"}, "volumeMode": "Filesystem"},
            "status": {"phase": "Bound"}}),
        );
        assert_eq!(cell(&r, "CAPACITY"), "1Gi");
        assert_eq!(cell(&r, "ACCESS MODES"), "RWO,RWX");
        assert_eq!(cell(&r, "RECLAIM POLICY"), "Retain");
        assert_eq!(cell(&r, "STATUS"), "Bound");
        assert_eq!(cell(&r, "CLAIM"), "db/data");
        assert_eq!(cell(&r, "STORAGECLASS"), "fast");
        assert_eq!(cell(&r, "VOLUMEATTRIBUTESCLASS"), "<unset>");
        assert_eq!(cell(&r, "REASON"), "");
        assert_eq!(cell(&r, "VOLUMEMODE*"), "Filesystem");

        let pending = row(
            "",
            "PersistentVolumeClaim",
            json!({"metadata": meta("data"),
            "spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "5Gi"}}}, "status": {"phase": "Pending"}}),
        );
        assert_eq!(cell(&pending, "STATUS"), "Pending");
        assert_eq!(cell(&pending, "CAPACITY"), "");
        assert_eq!(cell(&pending, "VOLUMEMODE*"), "<unset>");
        let bound = row(
            "",
            "PersistentVolumeClaim",
            json!({"metadata": {"name": "data",
                "annotations": {"volume.beta.kubernetes.io/storage-class": "slow"}},
            "spec": {"volumeName": "pv1", "storageClassName": "fast"},
            "status": {"phase": "Bound", "capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"]}}),
        );
        assert_eq!(cell(&bound, "CAPACITY"), "5Gi");
        assert_eq!(cell(&bound, "ACCESS MODES"), "RWO");
        assert_eq!(cell(&bound, "STORAGECLASS"), "slow");
    }

    #[test]
    fn replication_controllers_templates_quotas() {
        let r = row(
            "",
            "ReplicationController",
            json!({"metadata": meta("rc"), "spec": {"replicas": 3, "selector": {"app": "rc"},
            "template": {"spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}}},
            "status": {"replicas": 3, "readyReplicas": 2}}),
        );
        assert_eq!(
            (cell(&r, "DESIRED"), cell(&r, "CURRENT"), cell(&r, "READY")),
            (&json!(3), &json!(3), &json!(2))
        );
        assert_eq!(
            (cell(&r, "CONTAINERS*"), cell(&r, "IMAGES*")),
            (&json!("a,b"), &json!("nginx,busybox"))
        );
        assert_eq!(cell(&r, "SELECTOR*"), "app=rc");

        let r = row(
            "",
            "PodTemplate",
            json!({"metadata": meta("t"), "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "img"}]}}}),
        );
        assert_eq!(cell(&r, "POD LABELS"), "a=b");

        let r = row(
            "",
            "ResourceQuota",
            json!({"metadata": meta("q"), "status": {
            "hard": {"pods": "10", "limits.memory": "2Gi", "requests.cpu": "1"},
            "used": {"pods": "2", "requests.cpu": "500m"}}}),
        );
        assert_eq!(cell(&r, "REQUEST"), "pods: 2/10, requests.cpu: 500m/1");
        assert_eq!(cell(&r, "LIMIT"), "limits.memory: 0/2Gi");
    }
}
