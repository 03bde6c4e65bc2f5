//! autoscaling: horizontal pod autoscalers (REFERENCE, TARGETS, MINPODS,
//! MAXPODS, REPLICAS), in the v2 shape and the v1 one
//! (`targetCPUUtilizationPercentage`).

use super::{int, list, name, no_conditions, quantity, string, text, Doc, Now, Printer, AGE, NAME};
use serde_json::{json, Value};

const HPA_SPEC: &str = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec";

/// The HPA printer.
pub(super) static HORIZONTAL_POD_AUTOSCALER: Printer = Printer {
    columns: &[
        NAME,
        string("Reference", Doc::Field(HPA_SPEC, "scaleTargetRef")),
        string("Targets", Doc::Field(HPA_SPEC, "metrics")),
        string("MinPods", Doc::Field(HPA_SPEC, "minReplicas")),
        string("MaxPods", Doc::Field(HPA_SPEC, "maxReplicas")),
        string(
            "Replicas",
            Doc::Field(
                "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
                "currentReplicas",
            ),
        ),
        AGE,
    ],
    cells,
    conditions: no_conditions,
    reads: &[],
};

/// `Quantity.String()` of an optional quantity (`<nil>` as Go prints a nil pointer).
fn q(v: &Value) -> String {
    quantity(v, "<nil>")
}

/// Metric specs and statuses in the v2 shape; v1's CPU percentage becomes a
/// Resource metric as kube's conversion does.
fn metrics(hpa: &Value) -> (Vec<Value>, Vec<Value>) {
    let spec = &hpa["spec"];
    if spec.get("metrics").is_some() || spec.get("targetCPUUtilizationPercentage").is_none() {
        return (
            list(&spec["metrics"]).to_vec(),
            list(&hpa["status"]["currentMetrics"]).to_vec(),
        );
    }
    let specs = vec![json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}}})];
    let statuses = match &hpa["status"]["currentCPUUtilizationPercentage"] {
        Value::Null => vec![],
        current => vec![
            json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}),
        ],
    };
    (specs, statuses)
}

/// `formatHPAMetrics`: `cpu: 12%/80%, memory: <unknown>/1Gi + 1 more...`.
fn format_metrics(specs: &[Value], statuses: &[Value]) -> String {
    if specs.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 2;
    let unknown = || "<unknown>".to_string();
    let entries: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let status = statuses.get(i).unwrap_or(&Value::Null);
            let percent = |v: &Value| v.as_i64().map(|p| format!("{p}%"));
            match text(&spec["type"]) {
                "External" | "Object" => {
                    let field = if spec["type"] == "External" {
                        "external"
                    } else {
                        "object"
                    };
                    let (target, current) = (&spec[field]["target"], &status[field]["current"]);
                    if target["averageValue"].is_null() {
                        let cur = if status[field].is_object() {
                            q(&current["value"])
                        } else {
                            unknown()
                        };
                        format!("{cur}/{}", q(&target["value"]))
                    } else {
                        let cur = if current["averageValue"].is_null() {
                            unknown()
                        } else {
                            q(&current["averageValue"])
                        };
                        format!("{cur}/{} (avg)", q(&target["averageValue"]))
                    }
                }
                "Pods" => {
                    let cur = if status["pods"].is_object() {
                        q(&status["pods"]["current"]["averageValue"])
                    } else {
                        unknown()
                    };
                    format!("{cur}/{}", q(&spec["pods"]["target"]["averageValue"]))
                }
                "Resource" | "ContainerResource" => {
                    let field = if spec["type"] == "Resource" {
                        "resource"
                    } else {
                        "containerResource"
                    };
                    let (s, st) = (&spec[field], &status[field]);
                    let resource = text(&s["name"]);
                    if !s["target"]["averageValue"].is_null() {
                        let cur = if st.is_object() {
                            q(&st["current"]["averageValue"])
                        } else {
                            unknown()
                        };
                        format!("{resource}: {cur}/{}", q(&s["target"]["averageValue"]))
                    } else {
                        let cur =
                            percent(&st["current"]["averageUtilization"]).unwrap_or_else(unknown);
                        let target = percent(&s["target"]["averageUtilization"])
                            .unwrap_or_else(|| "<auto>".into());
                        format!("{resource}: {cur}/{target}")
                    }
                }
                _ => "<unknown type>".into(),
            }
        })
        .collect();
    let shown = entries[..entries.len().min(MAX)].join(", ");
    if entries.len() > MAX {
        format!("{shown} + {} more...", entries.len() - MAX)
    } else {
        shown
    }
}

fn cells(hpa: &Value, now: &Now) -> Vec<Value> {
    let spec = &hpa["spec"];
    let target = &spec["scaleTargetRef"];
    let (specs, statuses) = metrics(hpa);
    let min_pods = spec["minReplicas"]
        .as_i64()
        .map(|m| m.to_string())
        .unwrap_or_else(|| "<unset>".into());
    vec![
        name(hpa),
        Value::from(format!(
            "{}/{}",
            text(&target["kind"]),
            text(&target["name"])
        )),
        Value::from(format_metrics(&specs, &statuses)),
        Value::from(min_pods),
        Value::from(int(&spec["maxReplicas"])),
        Value::from(int(&hpa["status"]["currentReplicas"])),
        Value::from(now.age(hpa)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn v2_autoscalers() {
        let r = row(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v2", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 10,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
                    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1024Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}]},
            "status": {"currentReplicas": 3, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 12, "averageValue": "120m"}}}]}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "REFERENCE",
                "TARGETS",
                "MINPODS",
                "MAXPODS",
                "REPLICAS",
                "AGE"
            ]
        );
        assert_eq!(cell(&r, "REFERENCE"), "Deployment/web");
        assert_eq!(
            cell(&r, "TARGETS"),
            "cpu: 12%/80%, memory: <unknown>/1Gi + 1 more..."
        );
        assert_eq!(
            (
                cell(&r, "MINPODS"),
                cell(&r, "MAXPODS"),
                cell(&r, "REPLICAS")
            ),
            (&json!("2"), &json!(10), &json!(3))
        );
    }

    #[test]
    fn v1_autoscalers_and_no_metrics() {
        let r = row(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50},
            "status": {"currentReplicas": 1}}),
        );
        assert_eq!(cell(&r, "TARGETS"), "cpu: <unknown>/50%");
        assert_eq!(cell(&r, "MINPODS"), "<unset>");
        let r = row(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"metadata": {"name": "x"}, "spec": {"maxReplicas": 1}}),
        );
        assert_eq!(cell(&r, "TARGETS"), "<none>");
    }
}
