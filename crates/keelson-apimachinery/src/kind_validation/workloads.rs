//! Workloads: Deployments, ReplicaSets, StatefulSets, DaemonSets,
//! ReplicationControllers, Jobs and CronJobs (`pkg/apis/apps/validation`,
//! `pkg/apis/batch/validation`).

use super::go_syntax;
use super::pod::validate_template;
use super::Errs;
use crate::selector::LabelSelector;
use crate::validation::FIELD_IMMUTABLE;
use serde_json::Value;

const SELECTOR_MISMATCH: &str = "`selector` does not match template `labels`";

fn spec(obj: &Value) -> &Value {
    static EMPTY: Value = Value::Null;
    obj.get("spec").unwrap_or(&EMPTY)
}

/// The selector checks every workload shares: required, not empty, valid,
/// matching the template's labels.
fn selector_and_template(spec: &Value, errs: &mut Errs, kind_word: &str) {
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => errs.required("spec.selector", ""),
        Some(sel) => {
            let empty = sel
                .get("matchLabels")
                .and_then(Value::as_object)
                .is_none_or(|m| m.is_empty())
                && sel
                    .get("matchExpressions")
                    .and_then(Value::as_array)
                    .is_none_or(|a| a.is_empty());
            if empty {
                errs.invalid(
                    "spec.selector",
                    &go_syntax::label_selector(sel),
                    &format!("empty selector is invalid for {kind_word}"),
                );
            }
            match LabelSelector::from_meta_label_selector(sel) {
                Err(_) => errs.invalid(
                    "spec.selector",
                    &go_syntax::label_selector(sel),
                    "invalid label selector",
                ),
                Ok(selector) if !empty => {
                    let labels = spec.pointer("/template/metadata/labels");
                    let set = crate::meta::labels(
                        &serde_json::json!({"metadata": {"labels": labels.cloned().unwrap_or(Value::Null)}}),
                    );
                    if spec.get("template").is_some() && !selector.matches(&set) {
                        errs.invalid(
                            "spec.template.metadata.labels",
                            &go_syntax::string_map(labels),
                            SELECTOR_MISMATCH,
                        );
                    }
                }
                Ok(_) => {}
            }
        }
    }
}

fn replicas(spec: &Value, errs: &mut Errs) {
    errs.non_negative(spec, "replicas", "spec.replicas");
    errs.non_negative(spec, "minReadySeconds", "spec.minReadySeconds");
    errs.non_negative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
}

/// Pods of a replicated workload restart always and have no deadline.
fn always_restart(spec: &Value, errs: &mut Errs) {
    validate_template(spec.get("template"), "spec.template", errs);
    let policy = spec
        .pointer("/template/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !policy.is_empty() && policy != "Always" {
        errs.not_supported("spec.template.spec.restartPolicy", policy, &["Always"]);
    }
    if let Some(d) = spec
        .pointer("/template/spec/activeDeadlineSeconds")
        .filter(|d| !d.is_null())
    {
        errs.invalid(
            "spec.template.spec.activeDeadlineSeconds",
            &d.to_string(),
            "activeDeadlineSeconds in ReplicaSet is not Supported",
        );
    }
}

fn percent_or_int_errors(v: Option<&Value>, path: &str, errs: &mut Errs) -> Option<f64> {
    match v? {
        Value::Number(n) => {
            let i = n.as_i64().unwrap_or(0);
            if i < 0 {
                errs.invalid(path, &i.to_string(), "must be greater than or equal to 0");
            }
            Some(i as f64)
        }
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if p > 100 => {
                errs.invalid(
                    path,
                    &crate::validation::go_quote(s),
                    "must not be greater than 100%",
                );
                Some(p as f64)
            }
            Some(p) if p < 0 => {
                errs.invalid(
                    path,
                    &crate::validation::go_quote(s),
                    "must be greater than or equal to 0",
                );
                Some(p as f64)
            }
            Some(p) => Some(p as f64),
            None => {
                errs.invalid(path, &crate::validation::go_quote(s), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
                None
            }
        },
        _ => None,
    }
}

/// A Deployment.
pub(crate) fn deployment(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    replicas(spec, errs);
    selector_and_template(spec, errs, "deployment");
    always_restart(spec, errs);
    if let Some(strategy) = spec.get("strategy") {
        match strategy.get("type").and_then(Value::as_str).unwrap_or("") {
            "Recreate" => {
                if strategy.get("rollingUpdate").is_some_and(|r| !r.is_null()) {
                    errs.forbidden(
                        "spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'",
                    );
                }
            }
            "RollingUpdate" => {
                let unavailable = percent_or_int_errors(
                    strategy.pointer("/rollingUpdate/maxUnavailable"),
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    errs,
                );
                let surge = percent_or_int_errors(
                    strategy.pointer("/rollingUpdate/maxSurge"),
                    "spec.strategy.rollingUpdate.maxSurge",
                    errs,
                );
                if unavailable == Some(0.0) && surge == Some(0.0) {
                    let shown = match strategy.pointer("/rollingUpdate/maxUnavailable") {
                        Some(Value::String(s)) => format!(
                            "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
                            crate::validation::go_quote(s)
                        ),
                        _ => "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}".to_string(),
                    };
                    errs.invalid(
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        &shown,
                        "may not be 0 when `maxSurge` is 0",
                    );
                }
            }
            other => {
                errs.not_supported("spec.strategy.type", other, &["Recreate", "RollingUpdate"])
            }
        }
    }
    if let (Some(deadline), min_ready) = (
        spec.get("progressDeadlineSeconds").and_then(Value::as_i64),
        spec.get("minReadySeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    ) {
        if deadline <= min_ready {
            errs.invalid(
                "spec.progressDeadlineSeconds",
                &deadline.to_string(),
                "must be greater than minReadySeconds",
            );
        }
    }
}

/// A ReplicaSet.
pub(crate) fn replica_set(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    replicas(spec, errs);
    selector_and_template(spec, errs, "deployment");
    always_restart(spec, errs);
}

/// A ReplicationController (its selector is a plain map, defaulted from the template).
pub(crate) fn replication_controller(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    errs.non_negative(spec, "replicas", "spec.replicas");
    let selector = spec.get("selector").and_then(Value::as_object);
    match selector {
        Some(sel) if !sel.is_empty() => {
            let labels = spec
                .pointer("/template/metadata/labels")
                .and_then(Value::as_object);
            let matches = sel
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            if spec.get("template").is_some() && !matches {
                errs.invalid(
                    "spec.template.metadata.labels",
                    &go_syntax::string_map(spec.pointer("/template/metadata/labels")),
                    "`selector` does not match template `labels`",
                );
            }
        }
        _ => errs.required("spec.selector", ""),
    }
    always_restart(spec, errs);
}

/// A StatefulSet.
pub(crate) fn stateful_set(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    replicas(spec, errs);
    match spec
        .get("podManagementPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "" => errs.required("spec.podManagementPolicy", ""),
        "OrderedReady" | "Parallel" => {}
        other => errs.invalid(
            "spec.podManagementPolicy",
            &crate::validation::go_quote(other),
            "must be 'OrderedReady' or 'Parallel'",
        ),
    }
    if let Some(strategy) = spec.get("updateStrategy") {
        errs.one_of(
            strategy,
            "type",
            "spec.updateStrategy.type",
            &["OnDelete", "RollingUpdate"],
        );
    }
    selector_and_template(spec, errs, "statefulset");
    always_restart(spec, errs);
}

/// A DaemonSet.
pub(crate) fn daemon_set(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    errs.non_negative(spec, "minReadySeconds", "spec.minReadySeconds");
    errs.non_negative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
    selector_and_template(spec, errs, "daemonset");
    always_restart(spec, errs);
    if let Some(strategy) = spec.get("updateStrategy") {
        errs.one_of(
            strategy,
            "type",
            "spec.updateStrategy.type",
            &["OnDelete", "RollingUpdate"],
        );
    }
}

/// `spec.selector` may not change (apps/v1).
pub(crate) fn selector_immutable(new: &Value, old: &Value, errs: &mut Errs) {
    let n = new.pointer("/spec/selector");
    if n != old.pointer("/spec/selector") {
        let shown = n
            .filter(|s| !s.is_null())
            .map_or("null".to_string(), go_syntax::label_selector);
        errs.invalid("spec.selector", &shown, FIELD_IMMUTABLE);
    }
}

/// Only replicas, ordinals, template, update strategy, claim retention and
/// minReadySeconds of a StatefulSet may change.
pub(crate) fn stateful_set_update(new: &Value, old: &Value, errs: &mut Errs) {
    let strip = |v: &Value| {
        let mut s = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(m) = s.as_object_mut() {
            for mutable in [
                "replicas",
                "ordinals",
                "template",
                "updateStrategy",
                "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds",
            ] {
                m.shift_remove(mutable);
            }
        }
        s
    };
    if strip(new) != strip(old) {
        errs.forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        );
    }
}

fn job_template(spec: &Value, template_path: &str, errs: &mut Errs) {
    validate_template(spec.get("template"), template_path, errs);
    let policy = spec
        .pointer("/template/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("");
    if policy != "OnFailure" && policy != "Never" {
        errs.not_supported(
            &format!("{template_path}.spec.restartPolicy"),
            policy,
            &["OnFailure", "Never"],
        );
    }
}

/// A Job. Its selector is generated on create unless `manualSelector` is set.
pub(crate) fn job(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    for field in ["parallelism", "completions", "backoffLimit"] {
        errs.non_negative(spec, field, &format!("spec.{field}"));
    }
    if let Some(d) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64) {
        if d <= 0 {
            errs.invalid(
                "spec.activeDeadlineSeconds",
                &d.to_string(),
                "must be greater than or equal to 1",
            );
        }
    }
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if manual || spec.get("selector").is_some_and(|s| !s.is_null()) {
        selector_and_template(spec, errs, "job");
    }
    errs.one_of(
        spec,
        "completionMode",
        "spec.completionMode",
        &["NonIndexed", "Indexed"],
    );
    job_template(spec, "spec.template", errs);
}

/// A Job's selector, completions, mode and (unless suspended) template may not change.
pub(crate) fn job_update(new: &Value, old: &Value, errs: &mut Errs) {
    selector_immutable(new, old, errs);
    for field in ["completionMode", "completions"] {
        let (n, o) = (
            new.pointer(&format!("/spec/{field}")),
            old.pointer(&format!("/spec/{field}")),
        );
        if n != o {
            errs.invalid(
                &format!("spec.{field}"),
                &go_syntax::scalar(n),
                FIELD_IMMUTABLE,
            );
        }
    }
    let suspended = old.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
    if !suspended && new.pointer("/spec/template") != old.pointer("/spec/template") {
        errs.invalid(
            "spec.template",
            "core.PodTemplateSpec{...}",
            FIELD_IMMUTABLE,
        );
    }
}

/// A CronJob.
pub(crate) fn cron_job(obj: &Value, errs: &mut Errs) {
    let spec = spec(obj);
    if spec
        .get("schedule")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        errs.required("spec.schedule", "");
    }
    errs.one_of(
        spec,
        "concurrencyPolicy",
        "spec.concurrencyPolicy",
        &["Allow", "Forbid", "Replace"],
    );
    for field in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        errs.non_negative(spec, field, &format!("spec.{field}"));
    }
    match spec.pointer("/jobTemplate/spec") {
        Some(job_spec) => job_template(job_spec, "spec.jobTemplate.spec.template", errs),
        None => errs.required("spec.jobTemplate.spec.template", ""),
    }
}
