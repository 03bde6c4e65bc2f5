//! Pods: READY, STATUS (kube's reason logic: init containers, sidecars,
//! Completed/Running/NotReady, Terminating, NodeLost), RESTARTS with the time
//! of the last restart, and the wide IP, NODE, NOMINATED NODE, READINESS GATES.

use super::time::parse_time;
use super::{condition, int, list, name, string, text, Doc, Now, Printer, AGE, NAME};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const POD_SPEC: &str = "io.k8s.api.core.v1.PodSpec";
const POD_STATUS: &str = "io.k8s.api.core.v1.PodStatus";

static POD: Printer = Printer {
    columns: &[
        NAME,
        string("Ready", Doc::Text("The aggregate readiness state of this pod for accepting traffic.")),
        string("Status", Doc::Text("The aggregate status of the containers in this pod.")),
        string("Restarts", Doc::Text("The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.")),
        AGE,
        string("IP", Doc::Field(POD_STATUS, "podIP")).wide(),
        string("Node", Doc::Field(POD_SPEC, "nodeName")).wide(),
        string("Nominated Node", Doc::Field(POD_STATUS, "nominatedNodeName")).wide(),
        string("Readiness Gates", Doc::Field(POD_SPEC, "readinessGates")).wide(),
    ],
    cells,
    conditions,
    reads: &[
        "metadata.name",
        "metadata.creationTimestamp",
        "metadata.deletionTimestamp",
        "spec.containers.name",
        "spec.initContainers.name",
        "spec.initContainers.restartPolicy",
        "spec.nodeName",
        "spec.readinessGates",
        "status.phase",
        "status.reason",
        "status.conditions.type",
        "status.conditions.status",
        "status.conditions.reason",
        "status.initContainerStatuses.name",
        "status.initContainerStatuses.restartCount",
        "status.initContainerStatuses.lastState.terminated.finishedAt",
        "status.initContainerStatuses.state",
        "status.initContainerStatuses.started",
        "status.initContainerStatuses.ready",
        "status.containerStatuses.restartCount",
        "status.containerStatuses.lastState.terminated.finishedAt",
        "status.containerStatuses.state",
        "status.containerStatuses.ready",
        "status.podIPs.ip",
        "status.nominatedNodeName",
    ],
};

/// The pod printer (core group).
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    (kind == "Pod").then_some(&POD)
}

/// `Completed` rows for pods that finished, so clients can tell them apart.
fn conditions(pod: &Value) -> Option<Value> {
    let (reason, message) = match text(&pod["status"]["phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}]))
}

/// Restart counts and the latest restart, split like kube's printer: sidecar
/// (restartable init container) restarts always count, the others only once
/// the pod is past initialization.
#[derive(Default)]
struct Restarts {
    count: i64,
    last: Option<DateTime<Utc>>,
}

impl Restarts {
    fn add(&mut self, status: &Value) {
        self.count += int(&status["restartCount"]);
        if let Some(t) = parse_time(&status["lastState"]["terminated"]["finishedAt"]) {
            if self.last.is_none_or(|last| last < t) {
                self.last = Some(t);
            }
        }
    }
}

fn is_terminal(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Failed")
}

/// `Signal:9`/`ExitCode:1` for a terminated state without a reason.
fn exit_reason(terminated: &Value) -> String {
    match int(&terminated["signal"]) {
        0 => format!("ExitCode:{}", int(&terminated["exitCode"])),
        signal => format!("Signal:{signal}"),
    }
}

fn is_true(conditions: &Value, type_: &str) -> bool {
    condition(conditions, type_).is_some_and(|c| c["status"] == "True")
}

fn cells(pod: &Value, now: &Now) -> Vec<Value> {
    let spec = &pod["spec"];
    let status = &pod["status"];
    let init_specs = list(&spec["initContainers"]);
    let sidecars: Vec<&str> = init_specs
        .iter()
        .filter(|c| c["restartPolicy"] == "Always")
        .map(|c| text(&c["name"]))
        .collect();
    let total = list(&spec["containers"]).len() + sidecars.len();
    let mut ready = 0;

    let phase = text(&status["phase"]);
    let mut reason = match text(&status["reason"]) {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    let gated = list(&status["conditions"])
        .iter()
        .any(|c| c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated");
    if gated {
        reason = "SchedulingGated".to_string();
    }

    let mut all = Restarts::default();
    let mut sidecar_restarts = Restarts::default();
    let mut initializing = false;
    for (i, c) in list(&status["initContainerStatuses"]).iter().enumerate() {
        all.add(c);
        let is_sidecar = sidecars.contains(&text(&c["name"]));
        if is_sidecar {
            sidecar_restarts.add(c);
        }
        let terminated = &c["state"]["terminated"];
        let waiting_reason = text(&c["state"]["waiting"]["reason"]);
        if terminated.is_object() && int(&terminated["exitCode"]) == 0 {
            continue;
        } else if is_sidecar && c["started"] == true {
            if c["ready"] == true {
                ready += 1;
            }
            continue;
        } else if terminated.is_object() {
            reason = match text(&terminated["reason"]) {
                "" => format!("Init:{}", exit_reason(terminated)),
                r => format!("Init:{r}"),
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let mut restarts = all;
    if !initializing || is_true(&status["conditions"], "Initialized") {
        restarts = sidecar_restarts;
        let mut has_running = false;
        for c in list(&status["containerStatuses"]).iter().rev() {
            restarts.add(c);
            let state = &c["state"];
            let waiting_reason = text(&state["waiting"]["reason"]);
            let terminated = &state["terminated"];
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if terminated.is_object() {
                reason = match text(&terminated["reason"]) {
                    "" => exit_reason(terminated),
                    r => r.to_string(),
                };
            } else if c["ready"] == true && state["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        // A pod whose last container completed is still running while another runs.
        if reason == "Completed" && has_running {
            reason = if is_true(&status["conditions"], "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    if !pod["metadata"]["deletionTimestamp"].is_null() {
        if text(&status["reason"]) == "NodeLost" {
            reason = "Unknown".to_string();
        } else if !is_terminal(phase) {
            reason = "Terminating".to_string();
        }
    }

    let restarts_cell = match restarts.last {
        Some(t) if restarts.count != 0 => format!("{} ({} ago)", restarts.count, now.since_time(t)),
        _ => restarts.count.to_string(),
    };

    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let pod_ip = or_none(text(
        &list(&status["podIPs"]).first().unwrap_or(&Value::Null)["ip"],
    ));
    let gates = list(&spec["readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let passing = gates
            .iter()
            .filter(|g| is_true(&status["conditions"], text(&g["conditionType"])))
            .count();
        format!("{passing}/{}", gates.len())
    };
    vec![
        name(pod),
        Value::from(format!("{ready}/{total}")),
        Value::from(reason),
        Value::from(restarts_cell),
        Value::from(now.age(pod)),
        Value::from(pod_ip),
        Value::from(or_none(text(&spec["nodeName"]))),
        Value::from(or_none(text(&status["nominatedNodeName"]))),
        Value::from(readiness_gates),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::{json, Value};

    fn pod(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "p", "creationTimestamp": "2024-05-01T11:00:00Z"},
            "spec": spec, "status": status})
    }

    fn running(name: &str, restarts: i64) -> Value {
        json!({"name": name, "ready": true, "restartCount": restarts, "state": {"running": {"startedAt": "2024-05-01T11:00:00Z"}}})
    }

    fn two_containers() -> Value {
        json!({"containers": [{"name": "a"}, {"name": "b"}]})
    }

    #[test]
    fn running_pod() {
        let r = row(
            "",
            "Pod",
            pod(
                two_containers(),
                json!({"phase": "Running",
            "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}],
            "containerStatuses": [running("a", 0), running("b", 0)]}),
            ),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP*",
                "NODE*",
                "NOMINATED NODE*",
                "READINESS GATES*"
            ]
        );
        assert_eq!(cell(&r, "READY"), "2/2");
        assert_eq!(cell(&r, "STATUS"), "Running");
        assert_eq!(cell(&r, "RESTARTS"), "0");
        assert_eq!(cell(&r, "AGE"), "60m");
        assert_eq!(cell(&r, "IP*"), "10.0.0.5");
        assert_eq!(cell(&r, "NODE*"), "<none>");
        assert_eq!(cell(&r, "NOMINATED NODE*"), "<none>");
        assert_eq!(cell(&r, "READINESS GATES*"), "<none>");
    }

    #[test]
    fn restarts_show_when_the_last_one_was() {
        let mut b = running("b", 3);
        b["lastState"] =
            json!({"terminated": {"exitCode": 1, "finishedAt": "2024-05-01T11:55:00Z"}});
        let mut a = running("a", 2);
        a["lastState"] =
            json!({"terminated": {"exitCode": 1, "finishedAt": "2024-05-01T11:30:00Z"}});
        let r = row(
            "",
            "Pod",
            pod(
                two_containers(),
                json!({"phase": "Running", "containerStatuses": [a, b]}),
            ),
        );
        assert_eq!(cell(&r, "RESTARTS"), "5 (5m ago)");
    }

    #[test]
    fn waiting_and_terminated_reasons() {
        let waiting = json!({"name": "a", "ready": false, "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}});
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Running", "containerStatuses": [waiting]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "CrashLoopBackOff");
        assert_eq!(cell(&r, "READY"), "0/1");
        assert_eq!(cell(&r, "RESTARTS"), "4");

        let killed = json!({"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}});
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Failed", "containerStatuses": [killed]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Signal:9");
        let failed = json!({"name": "a", "state": {"terminated": {"exitCode": 2}}});
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Failed", "containerStatuses": [failed]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "ExitCode:2");
    }

    #[test]
    fn completed_pod_and_its_row_condition() {
        let done =
            json!({"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let p = pod(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Succeeded", "containerStatuses": [done]}),
        );
        let r = row("", "Pod", p.clone());
        assert_eq!(cell(&r, "STATUS"), "Completed");
        assert_eq!(cell(&r, "READY"), "0/1");
        assert_eq!(
            super::conditions(&p).unwrap(),
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
        );
    }

    #[test]
    fn completed_container_next_to_a_running_one() {
        let done =
            json!({"name": "b", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let status = |ready: &str| {
            json!({"phase": "Running", "containerStatuses": [running("a", 0), done.clone()],
            "conditions": [{"type": "Ready", "status": ready}]})
        };
        assert_eq!(
            cell(
                &row("", "Pod", pod(two_containers(), status("True"))),
                "STATUS"
            ),
            "Running"
        );
        assert_eq!(
            cell(
                &row("", "Pod", pod(two_containers(), status("False"))),
                "STATUS"
            ),
            "NotReady"
        );
    }

    #[test]
    fn init_containers() {
        let spec = json!({"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]});
        let done = json!({"name": "i1", "state": {"terminated": {"exitCode": 0}}});
        let running_init = json!({"name": "i2", "state": {"running": {}}});
        let r = row(
            "",
            "Pod",
            pod(
                spec.clone(),
                json!({"phase": "Pending", "initContainerStatuses": [done.clone(), running_init]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Init:1/2");

        let crashing = json!({"name": "i2", "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}});
        let r = row(
            "",
            "Pod",
            pod(
                spec.clone(),
                json!({"phase": "Pending", "initContainerStatuses": [done.clone(), crashing]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Init:CrashLoopBackOff");
        assert_eq!(cell(&r, "RESTARTS"), "3");

        let failed = json!({"name": "i2", "state": {"terminated": {"exitCode": 1}}});
        let r = row(
            "",
            "Pod",
            pod(
                spec.clone(),
                json!({"phase": "Pending", "initContainerStatuses": [done.clone(), failed]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Init:ExitCode:1");

        let oom = json!({"name": "i2", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}});
        let r = row(
            "",
            "Pod",
            pod(
                spec.clone(),
                json!({"phase": "Pending", "initContainerStatuses": [done.clone(), oom]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Init:OOMKilled");

        let initializing =
            json!({"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}});
        let r = row(
            "",
            "Pod",
            pod(
                spec,
                json!({"phase": "Pending", "initContainerStatuses": [done, initializing]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Init:1/2");
    }

    #[test]
    fn sidecars_count_as_containers() {
        let spec = json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "a"}]});
        let mut proxy = json!({"name": "proxy", "started": true, "ready": true, "restartCount": 1,
            "state": {"running": {}}});
        proxy["lastState"] = json!({"terminated": {"finishedAt": "2024-05-01T11:58:00Z"}});
        let r = row(
            "",
            "Pod",
            pod(
                spec,
                json!({"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [proxy], "containerStatuses": [running("a", 0)]}),
            ),
        );
        assert_eq!(cell(&r, "READY"), "2/2");
        assert_eq!(cell(&r, "STATUS"), "Running");
        assert_eq!(cell(&r, "RESTARTS"), "1 (2m ago)");
    }

    #[test]
    fn deleted_pods() {
        let mut p = pod(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Running", "containerStatuses": [running("a", 0)]}),
        );
        p["metadata"]["deletionTimestamp"] = json!("2024-05-01T11:59:00Z");
        assert_eq!(cell(&row("", "Pod", p.clone()), "STATUS"), "Terminating");
        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(cell(&row("", "Pod", p.clone()), "STATUS"), "Unknown");
        p["status"] = json!({"phase": "Succeeded"});
        assert_eq!(cell(&row("", "Pod", p), "STATUS"), "Succeeded");
    }

    #[test]
    fn pending_and_gated_pods() {
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Pending"}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Pending");
        assert_eq!(cell(&r, "READY"), "0/1");
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "SchedulingGated");
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Failed", "reason": "Evicted"}),
            ),
        );
        assert_eq!(cell(&r, "STATUS"), "Evicted");
    }

    #[test]
    fn wide_columns() {
        let r = row(
            "",
            "Pod",
            pod(
                json!({"containers": [{"name": "a"}], "nodeName": "node-1",
                "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]}),
                json!({"phase": "Running", "nominatedNodeName": "node-2",
                "conditions": [{"type": "example.com/lb", "status": "True"}, {"type": "example.com/dns", "status": "False"}]}),
            ),
        );
        assert_eq!(cell(&r, "NODE*"), "node-1");
        assert_eq!(cell(&r, "NOMINATED NODE*"), "node-2");
        assert_eq!(cell(&r, "READINESS GATES*"), "1/2");
        assert_eq!(cell(&r, "IP*"), "<none>");
    }
}
