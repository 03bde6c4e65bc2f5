//! The HorizontalPodAutoscaler describer: kubectl's autoscaling/v2 form,
//! and its v1 form for objects read as autoscaling/v1.

use super::events::{finish, Events};
use super::writer::{
    conditions_table, creation_timestamp, header, int_at, str_at, text, PrefixWriter, L0, L1, L2,
    L3,
};
use serde_json::Value;

/// A `*Quantity` as its `String()` prints it, `<nil>` for a nil pointer.
fn quantity(v: Option<&Value>) -> String {
    v.filter(|v| !v.is_null())
        .map(text)
        .unwrap_or_else(|| "<nil>".into())
}

/// kubectl's HPA describer: v2 unless the object is autoscaling/v1.
pub fn describe_hpa(hpa: &Value, events: Option<&Events>) -> String {
    if str_at(hpa, "/apiVersion") == "autoscaling/v1" {
        describe_hpa_v1(hpa, events)
    } else {
        describe_hpa_v2(hpa, events)
    }
}

fn opening(w: &mut PrefixWriter, hpa: &Value) {
    header(w, hpa, true);
    creation_timestamp(w, hpa);
    w.write(
        L0,
        &format!(
            "Reference:\t{}/{}\n",
            str_at(hpa, "/spec/scaleTargetRef/kind"),
            str_at(hpa, "/spec/scaleTargetRef/name")
        ),
    );
}

fn replicas(w: &mut PrefixWriter, hpa: &Value) {
    let min = hpa
        .pointer("/spec/minReplicas")
        .map(text)
        .unwrap_or_else(|| "<unset>".into());
    w.write(L0, &format!("Min replicas:\t{min}\n"));
    w.write(
        L0,
        &format!("Max replicas:\t{}\n", int_at(hpa, "/spec/maxReplicas")),
    );
}

fn pods_line(w: &mut PrefixWriter, hpa: &Value) {
    w.write(
        L0,
        &format!("{} pods:\t", str_at(hpa, "/spec/scaleTargetRef/kind")),
    );
    w.write(
        L0,
        &format!(
            "{} current / {} desired\n",
            int_at(hpa, "/status/currentReplicas"),
            int_at(hpa, "/status/desiredReplicas")
        ),
    );
}

/// kubectl's `describeHorizontalPodAutoscalerV2`.
fn describe_hpa_v2(hpa: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    opening(&mut w, hpa);
    w.write(L0, "Metrics:\t( current / target )\n");
    let metrics = hpa
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, m) in metrics.iter().enumerate() {
        // kubectl pairs spec and status metrics by index.
        let current = hpa.pointer(&format!("/status/currentMetrics/{i}"));
        metric_line(&mut w, m, current);
    }
    replicas(&mut w, hpa);
    if let Some(b) = hpa.pointer("/spec/behavior") {
        w.write(L0, "Behavior:\n");
        direction_behavior(&mut w, "Scale Up", b.get("scaleUp"));
        direction_behavior(&mut w, "Scale Down", b.get("scaleDown"));
    }
    pods_line(&mut w, hpa);
    if let Some(conds) = hpa
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
    {
        conditions_table(
            &mut w,
            conds,
            &[
                ("Type", "----", "type", false),
                ("Status", "------", "status", false),
                ("Reason", "------", "reason", false),
                ("Message", "-------", "message", false),
            ],
        );
    }
    finish(w, events)
}

/// One metric of the `Metrics:` table.
fn metric_line(w: &mut PrefixWriter, m: &Value, status: Option<&Value>) {
    let current = |source: &str| status.and_then(|s| s.get(source)).filter(|v| !v.is_null());
    let unknown = || "<unknown>".to_string();
    match str_at(m, "/type") {
        "External" => {
            let name = str_at(m, "/external/metric/name");
            let cur = current("external");
            if m.pointer("/external/target/averageValue").is_some() {
                let c = cur
                    .and_then(|c| c.pointer("/current/averageValue"))
                    .map(text)
                    .unwrap_or_else(unknown);
                w.write(
                    L1,
                    &format!(
                        "{name:?} (target average value):\t{c} / {}\n",
                        quantity(m.pointer("/external/target/averageValue"))
                    ),
                );
            } else {
                let c = cur
                    .map(|c| quantity(c.pointer("/current/value")))
                    .unwrap_or_else(unknown);
                w.write(
                    L1,
                    &format!(
                        "{name:?} (target value):\t{c} / {}\n",
                        quantity(m.pointer("/external/target/value"))
                    ),
                );
            }
        }
        "Pods" => {
            let c = current("pods")
                .map(|c| quantity(c.pointer("/current/averageValue")))
                .unwrap_or_else(unknown);
            w.write(
                L1,
                &format!(
                    "{:?} on pods:\t{c} / {}\n",
                    str_at(m, "/pods/metric/name"),
                    quantity(m.pointer("/pods/target/averageValue"))
                ),
            );
        }
        "Object" => {
            w.write(
                L1,
                &format!(
                    "\"{}\" on {}/{} ",
                    str_at(m, "/object/metric/name"),
                    str_at(m, "/object/describedObject/kind"),
                    str_at(m, "/object/describedObject/name")
                ),
            );
            let cur = current("object");
            if str_at(m, "/object/target/type") == "AverageValue" {
                let c = cur
                    .map(|c| quantity(c.pointer("/current/averageValue")))
                    .unwrap_or_else(unknown);
                w.write(
                    L0,
                    &format!(
                        "(target average value):\t{c} / {}\n",
                        quantity(m.pointer("/object/target/averageValue"))
                    ),
                );
            } else {
                let c = cur
                    .map(|c| quantity(c.pointer("/current/value")))
                    .unwrap_or_else(unknown);
                w.write(
                    L0,
                    &format!(
                        "(target value):\t{c} / {}\n",
                        quantity(m.pointer("/object/target/value"))
                    ),
                );
            }
        }
        kind @ ("Resource" | "ContainerResource") => {
            let source = if kind == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let src = m.get(source).unwrap_or(&Value::Null);
            if kind == "Resource" {
                w.write(L1, &format!("resource {} on pods", str_at(src, "/name")));
            } else {
                w.write(
                    L1,
                    &format!(
                        "resource {} of container \"{}\" on pods",
                        str_at(src, "/name"),
                        str_at(src, "/container")
                    ),
                );
            }
            let cur = current(source);
            if let Some(target) = src.pointer("/target/averageValue") {
                let c = cur
                    .map(|c| quantity(c.pointer("/current/averageValue")))
                    .unwrap_or_else(unknown);
                w.write(L0, &format!(":\t{c} / {}\n", text(target)));
            } else {
                let c = cur
                    .and_then(|c| {
                        c.pointer("/current/averageUtilization").map(|u| {
                            format!(
                                "{}% ({})",
                                text(u),
                                quantity(c.pointer("/current/averageValue"))
                            )
                        })
                    })
                    .unwrap_or_else(unknown);
                let target = src
                    .pointer("/target/averageUtilization")
                    .map(|u| format!("{}%", text(u)))
                    .unwrap_or_else(|| "<auto>".into());
                w.write(
                    L1,
                    &format!("(as a percentage of request):\t{c} / {target}\n"),
                );
            }
        }
        other => w.write(L1, &format!("<unknown metric type {other:?}>\n")),
    }
}

/// `printDirectionBehavior`.
fn direction_behavior(w: &mut PrefixWriter, direction: &str, rules: Option<&Value>) {
    let Some(rules) = rules.filter(|r| !r.is_null()) else {
        return;
    };
    w.write(L1, &format!("{direction}:\n"));
    if let Some(s) = rules.get("stabilizationWindowSeconds") {
        w.write(L2, &format!("Stabilization Window: {} seconds\n", text(s)));
    }
    let policies = rules
        .get("policies")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty());
    if let Some(policies) = policies {
        let select = rules
            .get("selectPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Max");
        w.write(L2, &format!("Select Policy: {select}\n"));
        w.write(L2, "Policies:\n");
        for p in policies {
            w.write(
                L3,
                &format!(
                    "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                    str_at(p, "/type"),
                    int_at(p, "/value"),
                    int_at(p, "/periodSeconds")
                ),
            );
        }
    }
}

/// kubectl's `describeHorizontalPodAutoscalerV1`.
fn describe_hpa_v1(hpa: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    opening(&mut w, hpa);
    if let Some(t) = hpa.pointer("/spec/targetCPUUtilizationPercentage") {
        w.write(L0, &format!("Target CPU utilization:\t{}%\n", text(t)));
        let current = hpa
            .pointer("/status/currentCPUUtilizationPercentage")
            .map(text)
            .unwrap_or_else(|| "<unknown>".into());
        w.write(L0, &format!("Current CPU utilization:\t{current}%\n"));
    }
    replicas(&mut w, hpa);
    pods_line(&mut w, hpa);
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resource_utilization_metric() {
        let hpa = json!({"apiVersion": "autoscaling/v2", "metadata": {"name": "h", "namespace": "n"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
            "status": {"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 20, "averageValue": "10m"}}}]}});
        let out = describe_hpa(&hpa, None);
        assert!(
            out.contains(
                "  resource cpu on pods  (as a percentage of request):  20% (10m) / 50%\n"
            ),
            "{out}"
        );
        assert!(out.contains("Min replicas:"), "{out}");
        assert!(out.ends_with(" 0 current / 0 desired\n"), "{out}");
    }

    #[test]
    fn v1_target_cpu() {
        let hpa = json!({"apiVersion": "autoscaling/v1", "metadata": {"name": "h"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3, "targetCPUUtilizationPercentage": 80}});
        let out = describe_hpa(&hpa, None);
        assert!(
            out.contains("Target CPU utilization:   80%\nCurrent CPU utilization:  <unknown>%\n"),
            "{out}"
        );
    }
}
