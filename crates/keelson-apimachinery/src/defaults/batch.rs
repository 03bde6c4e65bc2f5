//! batch/v1 defaults (`pkg/apis/batch/v1/defaults.go`).

use super::core::pod_template;
use super::{absent, child, each, zero};
use serde_json::{json, Value};

/// `SetDefaults_Job`.
pub fn job(obj: &mut Value) {
    let template_labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
    if unset(spec.get("completions")) && unset(spec.get("parallelism")) {
        absent(spec, "completions", json!(1));
    }
    absent(spec, "parallelism", json!(1));
    let per_index = !unset(spec.get("backoffLimitPerIndex"));
    absent(
        spec,
        "backoffLimit",
        json!(if per_index { i32::MAX } else { 6 }),
    );
    absent(spec, "completionMode", json!("NonIndexed"));
    absent(spec, "suspend", json!(false));
    let has_failure_policy = !unset(spec.get("podFailurePolicy"));
    if let Some(policy) = child(spec, "podFailurePolicy") {
        for rule in each(policy, "rules") {
            for pattern in each(rule, "onPodConditions") {
                zero(pattern, "status", json!("True"));
            }
        }
    }
    absent(
        spec,
        "podReplacementPolicy",
        json!(if has_failure_policy {
            "Failed"
        } else {
            "TerminatingOrFailed"
        }),
    );
    absent(spec, "manualSelector", json!(false));
    if let Some(t) = child(spec, "template") {
        pod_template(t);
    }
    if let Some(labels) = template_labels {
        let empty = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .is_none_or(|m| m.is_empty());
        if empty {
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("labels".into(), labels);
            }
        }
    }
}

/// `SetDefaults_CronJob` (the job template gets pod template defaults only).
pub fn cron_job(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    zero(spec, "concurrencyPolicy", json!("Allow"));
    absent(spec, "suspend", json!(false));
    absent(spec, "successfulJobsHistoryLimit", json!(3));
    absent(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) = spec
        .pointer_mut("/jobTemplate/spec")
        .filter(|s| s.is_object())
    {
        if let Some(t) = child(job_spec, "template") {
            pod_template(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_defaults() {
        let mut j = json!({"metadata": {"name": "j"}, "spec": {"template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}});
        job(&mut j);
        let spec = &j["spec"];
        assert_eq!(
            (spec["completions"].clone(), spec["parallelism"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(spec["backoffLimit"], 6);
        assert_eq!(spec["completionMode"], "NonIndexed");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(spec["manualSelector"], false);
        assert_eq!(j["metadata"]["labels"], json!({"a": "b"}));
        assert_eq!(
            spec["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );

        let mut parallel = json!({"spec": {"parallelism": 3}});
        job(&mut parallel);
        assert!(parallel["spec"].get("completions").is_none());
    }

    #[test]
    fn cron_job_defaults() {
        let mut c = json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {}}}}}});
        cron_job(&mut c);
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(c["spec"]["suspend"], false);
        assert_eq!(c["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(c["spec"]["failedJobsHistoryLimit"], 1);
        assert!(c["spec"]["jobTemplate"]["spec"]
            .get("backoffLimit")
            .is_none());
        assert_eq!(
            c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            "ClusterFirst"
        );
    }
}
