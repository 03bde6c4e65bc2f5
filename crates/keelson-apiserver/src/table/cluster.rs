//! The smaller API groups: coordination (leases), scheduling (priority
//! classes), node (runtime classes), autoscaling, policy (disruption
//! budgets), certificates, API priority and fairness, APIServices, dynamic
//! resource allocation and storage version migrations.

use super::{
    boolean, count, int, integer, list, name, no_conditions, string, text, Doc, Now, Printer, AGE,
    NAME,
};
use serde_json::Value;

/// The printer of a kind in one of the smaller groups.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    Some(match (group, kind) {
        ("coordination.k8s.io", "Lease") => &LEASE,
        ("scheduling.k8s.io", "PriorityClass") => &PRIORITY_CLASS,
        ("node.k8s.io", "RuntimeClass") => &RUNTIME_CLASS,
        ("autoscaling", "HorizontalPodAutoscaler") => {
            &super::autoscaling::HORIZONTAL_POD_AUTOSCALER
        }
        ("policy", "PodDisruptionBudget") => &POD_DISRUPTION_BUDGET,
        ("certificates.k8s.io", "CertificateSigningRequest") => &CERTIFICATE_SIGNING_REQUEST,
        ("certificates.k8s.io", "ClusterTrustBundle") => &CLUSTER_TRUST_BUNDLE,
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => &FLOW_SCHEMA,
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => &PRIORITY_LEVEL,
        ("apiregistration.k8s.io", "APIService") => &API_SERVICE,
        ("resource.k8s.io", "DeviceClass" | "ResourceClaimTemplate") => &NAME_AND_AGE,
        ("resource.k8s.io", "ResourceClaim") => &RESOURCE_CLAIM,
        ("resource.k8s.io", "ResourceSlice") => &RESOURCE_SLICE,
        ("storagemigration.k8s.io", "StorageVersionMigration") => &STORAGE_VERSION_MIGRATION,
        _ => return None,
    })
}

static LEASE: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Holder",
            Doc::Field("io.k8s.api.coordination.v1.LeaseSpec", "holderIdentity"),
        ),
        AGE,
    ],
    cells: |l, now| {
        vec![
            name(l),
            Value::from(text(&l["spec"]["holderIdentity"])),
            Value::from(now.age(l)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

const PRIORITY_CLASS_DEF: &str = "io.k8s.api.scheduling.v1.PriorityClass";

static PRIORITY_CLASS: Printer = Printer {
    columns: &[
        NAME,
        integer("Value", Doc::Field(PRIORITY_CLASS_DEF, "value")),
        boolean(
            "Global-Default",
            Doc::Field(PRIORITY_CLASS_DEF, "globalDefault"),
        ),
        AGE,
        string(
            "PreemptionPolicy",
            Doc::Field(PRIORITY_CLASS_DEF, "preemptionPolicy"),
        ),
    ],
    cells: |pc, now| {
        vec![
            name(pc),
            Value::from(int(&pc["value"])),
            Value::from(pc["globalDefault"].as_bool().unwrap_or(false)),
            Value::from(now.age(pc)),
            Value::from(text(&pc["preemptionPolicy"])),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static RUNTIME_CLASS: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Handler",
            Doc::Field("io.k8s.api.node.v1.RuntimeClass", "handler"),
        ),
        AGE,
    ],
    cells: |rc, now| {
        vec![
            name(rc),
            Value::from(text(&rc["handler"])),
            Value::from(now.age(rc)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

/// An IntOrString as Go's `String()`: `2` or `50%`; `N/A` when unset.
fn int_or_string(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "N/A".into(),
    }
}

static POD_DISRUPTION_BUDGET: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Min Available",
            Doc::Text("The minimum number of pods that must be available."),
        ),
        string(
            "Max Unavailable",
            Doc::Text("The maximum number of pods that may be unavailable."),
        ),
        integer(
            "Allowed Disruptions",
            Doc::Text("Calculated number of pods that may be disrupted at this time."),
        ),
        AGE,
    ],
    cells: |pdb, now| {
        vec![
            name(pdb),
            Value::from(int_or_string(&pdb["spec"]["minAvailable"])),
            Value::from(int_or_string(&pdb["spec"]["maxUnavailable"])),
            Value::from(int(&pdb["status"]["disruptionsAllowed"])),
            Value::from(now.age(pdb)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

const CSR_SPEC: &str = "io.k8s.api.certificates.v1.CertificateSigningRequestSpec";

static CERTIFICATE_SIGNING_REQUEST: Printer = Printer {
    columns: &[
        NAME,
        AGE,
        string("SignerName", Doc::Field(CSR_SPEC, "signerName")),
        string("Requestor", Doc::Field(CSR_SPEC, "request")),
        string(
            "RequestedDuration",
            Doc::Field(CSR_SPEC, "expirationSeconds"),
        ),
        string(
            "Condition",
            Doc::Field(
                "io.k8s.api.certificates.v1.CertificateSigningRequestStatus",
                "conditions",
            ),
        ),
    ],
    cells: csr_cells,
    conditions: no_conditions,
    reads: &[],
};

/// `Approved,Issued`, `Denied`, `Pending`...
fn csr_condition(csr: &Value) -> String {
    let has = |t: &str| {
        list(&csr["status"]["conditions"])
            .iter()
            .any(|c| c["type"] == t)
    };
    let mut status = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !text(&csr["status"]["certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

fn csr_cells(csr: &Value, now: &Now) -> Vec<Value> {
    let spec = &csr["spec"];
    let signer = match text(&spec["signerName"]) {
        "" => "<none>",
        s => s,
    };
    let duration = match spec["expirationSeconds"].as_i64() {
        Some(secs) => super::human_duration(secs),
        None => "<none>".into(),
    };
    vec![
        name(csr),
        Value::from(now.age(csr)),
        Value::from(signer),
        Value::from(text(&spec["username"])),
        Value::from(duration),
        Value::from(csr_condition(csr)),
    ]
}

static CLUSTER_TRUST_BUNDLE: Printer = Printer {
    columns: &[
        NAME,
        string(
            "SignerName",
            Doc::Field(
                "io.k8s.api.certificates.v1beta1.ClusterTrustBundleSpec",
                "signerName",
            ),
        ),
    ],
    cells: |b, _| {
        let signer = match text(&b["spec"]["signerName"]) {
            "" => "<none>",
            s => s,
        };
        vec![name(b), Value::from(signer)]
    },
    conditions: no_conditions,
    reads: &[],
};

const FLOW_SCHEMA_SPEC: &str = "io.k8s.api.flowcontrol.v1.FlowSchemaSpec";

static FLOW_SCHEMA: Printer = Printer {
    columns: &[
        NAME,
        string(
            "PriorityLevel",
            Doc::Field(
                "io.k8s.api.flowcontrol.v1.PriorityLevelConfigurationReference",
                "name",
            ),
        ),
        string(
            "MatchingPrecedence",
            Doc::Field(FLOW_SCHEMA_SPEC, "matchingPrecedence"),
        ),
        string(
            "DistinguisherMethod",
            Doc::Field(FLOW_SCHEMA_SPEC, "distinguisherMethod"),
        ),
        AGE,
        string(
            "MissingPL",
            Doc::Text("references a broken or non-existent PriorityLevelConfiguration"),
        ),
    ],
    cells: |fs, now| {
        let spec = &fs["spec"];
        let method = spec["distinguisherMethod"]["type"]
            .as_str()
            .unwrap_or("<none>");
        let missing = super::condition(&fs["status"]["conditions"], "Dangling")
            .map(|c| text(&c["status"]).to_string())
            .unwrap_or_else(|| "?".into());
        vec![
            name(fs),
            Value::from(text(&spec["priorityLevelConfiguration"]["name"])),
            Value::from(int(&spec["matchingPrecedence"])),
            Value::from(method),
            Value::from(now.age(fs)),
            Value::from(missing),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

/// Flow schemas list in the order the server matches them: by precedence, then name.
pub(super) fn sort_flow_schemas<T>(objects: &mut [T], object: impl Fn(&T) -> &Value) {
    objects.sort_by(|a, b| {
        let (a, b) = (object(a), object(b));
        int(&a["spec"]["matchingPrecedence"])
            .cmp(&int(&b["spec"]["matchingPrecedence"]))
            .then_with(|| text(&a["metadata"]["name"]).cmp(text(&b["metadata"]["name"])))
    });
}

const QUEUING: &str = "io.k8s.api.flowcontrol.v1.QueuingConfiguration";

static PRIORITY_LEVEL: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Type",
            Doc::Field(
                "io.k8s.api.flowcontrol.v1.PriorityLevelConfigurationSpec",
                "type",
            ),
        ),
        string(
            "NominalConcurrencyShares",
            Doc::Field(
                "io.k8s.api.flowcontrol.v1.LimitedPriorityLevelConfiguration",
                "nominalConcurrencyShares",
            ),
        ),
        string("Queues", Doc::Field(QUEUING, "queues")),
        string("HandSize", Doc::Field(QUEUING, "handSize")),
        string("QueueLengthLimit", Doc::Field(QUEUING, "queueLengthLimit")),
        AGE,
    ],
    cells: |pl, now| {
        let limited = &pl["spec"]["limited"];
        let queuing = &limited["limitResponse"]["queuing"];
        let or_none = |v: &Value, present: bool| {
            if present {
                Value::from(int(v))
            } else {
                Value::from("<none>")
            }
        };
        vec![
            name(pl),
            Value::from(text(&pl["spec"]["type"])),
            or_none(&limited["nominalConcurrencyShares"], limited.is_object()),
            or_none(&queuing["queues"], queuing.is_object()),
            or_none(&queuing["handSize"], queuing.is_object()),
            or_none(&queuing["queueLengthLimit"], queuing.is_object()),
            Value::from(now.age(pl)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static API_SERVICE: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Service",
            Doc::Text("The reference to the service that hosts this API endpoint."),
        ),
        string("Available", Doc::Text("Whether this service is available.")),
        AGE,
    ],
    cells: |a, now| {
        let svc = &a["spec"]["service"];
        let service = if svc.is_object() {
            format!("{}/{}", text(&svc["namespace"]), text(&svc["name"]))
        } else {
            "Local".into()
        };
        let available = match super::condition(&a["status"]["conditions"], "Available") {
            None => "Unknown".to_string(),
            Some(c) if c["status"] == "True" || text(&c["reason"]).is_empty() => {
                text(&c["status"]).to_string()
            }
            Some(c) => format!("{} ({})", text(&c["status"]), text(&c["reason"])),
        };
        vec![
            name(a),
            Value::from(service),
            Value::from(available),
            Value::from(now.age(a)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static NAME_AND_AGE: Printer = Printer {
    columns: &[NAME, AGE],
    cells: |o, now| vec![name(o), Value::from(now.age(o))],
    conditions: no_conditions,
    reads: &[],
};

static RESOURCE_CLAIM: Printer = Printer {
    columns: &[
        NAME,
        string(
            "State",
            Doc::Text("A summary of the current state (allocated, pending, reserved, etc.)."),
        ),
        AGE,
    ],
    cells: |c, now| {
        let deleted = !c["metadata"]["deletionTimestamp"].is_null();
        let mut states = Vec::new();
        if deleted {
            states.push("deleted");
        }
        if c["status"]["allocation"].is_null() {
            if !deleted {
                states.push("pending");
            }
        } else {
            states.push("allocated");
            if count(&c["status"]["reservedFor"]) > 0 {
                states.push("reserved");
            }
        }
        vec![
            name(c),
            Value::from(states.join(",")),
            Value::from(now.age(c)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

const RESOURCE_SLICE_SPEC: &str = "io.k8s.api.resource.v1.ResourceSliceSpec";

static RESOURCE_SLICE: Printer = Printer {
    columns: &[
        NAME,
        string("Node", Doc::Field(RESOURCE_SLICE_SPEC, "nodeName")),
        string("Driver", Doc::Field(RESOURCE_SLICE_SPEC, "driver")),
        string(
            "Pool",
            Doc::Field("io.k8s.api.resource.v1.ResourcePool", "name"),
        ),
        AGE,
    ],
    cells: |s, now| {
        let spec = &s["spec"];
        vec![
            name(s),
            Value::from(text(&spec["nodeName"])),
            Value::from(text(&spec["driver"])),
            Value::from(text(&spec["pool"]["name"])),
            Value::from(now.age(s)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static STORAGE_VERSION_MIGRATION: Printer = Printer {
    columns: &[
        super::Column::new(
            "Name",
            "string",
            Doc::Field("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "name"),
        ),
        string("Resource", Doc::Text("Fully qualified resource to migrate")),
    ],
    cells: |m, _| {
        let r = &m["spec"]["resource"];
        let gvr = format!(
            "{}.{}.{}",
            text(&r["resource"]),
            text(&r["version"]),
            text(&r["group"])
        );
        vec![name(m), Value::from(gvr)]
    },
    conditions: no_conditions,
    reads: &[],
};

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn leases_priority_classes_runtime_classes() {
        let r = row(
            "coordination.k8s.io",
            "Lease",
            json!({"metadata": {"name": "kube-scheduler"}, "spec": {"holderIdentity": "node-1_abc"}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            ["NAME", "HOLDER", "AGE"]
        );
        assert_eq!(cell(&r, "HOLDER"), "node-1_abc");
        let r = row(
            "scheduling.k8s.io",
            "PriorityClass",
            json!({"metadata": {"name": "system-cluster-critical"},
            "value": 2000000000, "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority"}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
        );
        assert_eq!(
            (cell(&r, "VALUE"), cell(&r, "GLOBAL-DEFAULT")),
            (&json!(2000000000), &json!(false))
        );
        assert_eq!(cell(&r, "PREEMPTIONPOLICY"), "PreemptLowerPriority");
        let r = row(
            "node.k8s.io",
            "RuntimeClass",
            json!({"metadata": {"name": "gvisor"}, "handler": "runsc"}),
        );
        assert_eq!(cell(&r, "HANDLER"), "runsc");
    }

    #[test]
    fn disruption_budgets_csrs_apiservices() {
        let r = row(
            "policy",
            "PodDisruptionBudget",
            json!({"metadata": {"name": "web"}, "spec": {"minAvailable": "50%"},
            "status": {"disruptionsAllowed": 1}}),
        );
        assert_eq!(
            (
                cell(&r, "MIN AVAILABLE"),
                cell(&r, "MAX UNAVAILABLE"),
                cell(&r, "ALLOWED DISRUPTIONS")
            ),
            (&json!("50%"), &json!("N/A"), &json!(1))
        );
        let r = row(
            "certificates.k8s.io",
            "CertificateSigningRequest",
            json!({"metadata": {"name": "csr-1"},
            "spec": {"signerName": "kubernetes.io/kube-apiserver-client", "username": "alice", "expirationSeconds": 86400},
            "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"}}),
        );
        assert_eq!(cell(&r, "REQUESTEDDURATION"), "24h");
        assert_eq!(cell(&r, "CONDITION"), "Approved,Issued");
        assert_eq!(cell(&r, "REQUESTOR"), "alice");
        let r = row(
            "apiregistration.k8s.io",
            "APIService",
            json!({"metadata": {"name": "v1.apps"},
            "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local"}]}}),
        );
        assert_eq!(
            (cell(&r, "SERVICE"), cell(&r, "AVAILABLE")),
            (&json!("Local"), &json!("True"))
        );
        let r = row(
            "apiregistration.k8s.io",
            "APIService",
            json!({"metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
            "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}}),
        );
        assert_eq!(
            (cell(&r, "SERVICE"), cell(&r, "AVAILABLE")),
            (
                &json!("kube-system/metrics-server"),
                &json!("False (MissingEndpoints)")
            )
        );
    }

    #[test]
    fn flow_schemas_sort_by_precedence() {
        let fs = |n: &str, p: i64| json!({"metadata": {"name": n}, "spec": {"matchingPrecedence": p, "priorityLevelConfiguration": {"name": "workload-low"}}});
        let (a, b, c) = (fs("b", 500), fs("a", 9000), fs("c", 500));
        let mut order = vec![&a, &b, &c];
        super::sort_flow_schemas(&mut order, |o| o);
        let names: Vec<_> = order
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["b", "c", "a"]);
        let r = row("flowcontrol.apiserver.k8s.io", "FlowSchema", a);
        assert_eq!(
            (
                cell(&r, "PRIORITYLEVEL"),
                cell(&r, "DISTINGUISHERMETHOD"),
                cell(&r, "MISSINGPL")
            ),
            (&json!("workload-low"), &json!("<none>"), &json!("?"))
        );
        let r = row(
            "flowcontrol.apiserver.k8s.io",
            "PriorityLevelConfiguration",
            json!({"metadata": {"name": "exempt"}, "spec": {"type": "Exempt"}}),
        );
        assert_eq!(
            (cell(&r, "TYPE"), cell(&r, "QUEUES")),
            (&json!("Exempt"), &json!("<none>"))
        );
    }
}
