//! Validation of built-in kinds beyond their schemas, with kube-apiserver's
//! field paths and messages (`pkg/apis/*/validation`): what users hit every
//! day — pods without containers, selectors that do not match their
//! template, immutable fields changed on update.
//!
//! ```
//! use serde_json::json;
//! use keelson_apimachinery::kind_validation::validate_create;
//! let deploy = json!({"spec": {"selector": {"matchLabels": {"app": "a"}},
//!     "template": {"metadata": {"labels": {"app": "b"}},
//!         "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
//!                  "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Always",
//!                                  "terminationMessagePolicy": "File"}]}}}});
//! let causes = validate_create("apps", "Deployment", &deploy);
//! assert_eq!(causes[0].field, "spec.template.metadata.labels");
//! assert_eq!(causes[0].message,
//!     r#"Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`"#);
//! ```

mod core;
pub mod go_syntax;
mod pod;
mod workloads;

use crate::status::StatusCause;
use crate::validation::go_quote;
use serde_json::Value;

/// Problems with a new object of a built-in kind (after defaulting).
pub fn validate_create(group: &str, kind: &str, obj: &Value) -> Vec<StatusCause> {
    let mut errs = Errs::default();
    match (group, kind) {
        ("", "Pod") => pod::validate_pod(obj, &mut errs),
        ("", "PodTemplate") => pod::validate_template(obj.get("template"), "template", &mut errs),
        ("", "ReplicationController") => workloads::replication_controller(obj, &mut errs),
        ("", "Service") => core::service(obj, &mut errs),
        ("apps", "Deployment") => workloads::deployment(obj, &mut errs),
        ("apps", "ReplicaSet") => workloads::replica_set(obj, &mut errs),
        ("apps", "StatefulSet") => workloads::stateful_set(obj, &mut errs),
        ("apps", "DaemonSet") => workloads::daemon_set(obj, &mut errs),
        ("batch", "Job") => workloads::job(obj, &mut errs),
        ("batch", "CronJob") => workloads::cron_job(obj, &mut errs),
        _ => {}
    }
    errs.0
}

/// Problems with an update of a built-in kind: the new object's own
/// problems, then fields that may not change.
pub fn validate_update(group: &str, kind: &str, new: &Value, old: &Value) -> Vec<StatusCause> {
    let mut causes = validate_create(group, kind, new);
    let mut errs = Errs::default();
    match (group, kind) {
        ("", "Pod") => pod::validate_pod_update(new, old, &mut errs),
        ("", "Service") => core::service_update(new, old, &mut errs),
        ("", "ConfigMap") => core::immutable_data(new, old, &["data", "binaryData"], &mut errs),
        ("", "Secret") => {
            core::immutable_data(new, old, &["data"], &mut errs);
            core::secret_type(new, old, &mut errs);
        }
        ("", "PersistentVolumeClaim") => core::claim_update(new, old, &mut errs),
        ("", "ReplicationController") => {}
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => {
            workloads::selector_immutable(new, old, &mut errs)
        }
        ("apps", "StatefulSet") => workloads::stateful_set_update(new, old, &mut errs),
        ("batch", "Job") => workloads::job_update(new, old, &mut errs),
        _ => {}
    }
    causes.extend(errs.0);
    causes
}

/// Causes being collected, built as `k8s.io/apimachinery/pkg/util/validation/field` does.
#[derive(Debug, Default)]
pub(crate) struct Errs(pub Vec<StatusCause>);

impl Errs {
    pub(crate) fn required(&mut self, field: &str, detail: &str) {
        self.0.push(StatusCause::required(field, detail));
    }

    pub(crate) fn invalid(&mut self, field: &str, shown: &str, detail: &str) {
        self.0
            .push(crate::validation::invalid_cause(field, shown, detail));
    }

    pub(crate) fn forbidden(&mut self, field: &str, detail: &str) {
        self.0.push(StatusCause::forbidden(field, detail));
    }

    pub(crate) fn not_supported(&mut self, field: &str, value: &str, supported: &[&str]) {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        self.0.push(StatusCause::new(
            "FieldValueNotSupported",
            format!(
                "Unsupported value: {}: supported values: {}",
                go_quote(value),
                list.join(", ")
            ),
            field,
        ));
    }

    pub(crate) fn duplicate(&mut self, field: &str, shown: &str) {
        self.0.push(StatusCause::new(
            "FieldValueDuplicate",
            format!("Duplicate value: {shown}"),
            field,
        ));
    }

    pub(crate) fn not_found(&mut self, field: &str, shown: &str) {
        self.0.push(StatusCause::new(
            "FieldValueNotFound",
            format!("Not found: {shown}"),
            field,
        ));
    }

    /// An enum-like string field: absent or empty is `Required`, else it must be one of `supported`.
    pub(crate) fn one_of(&mut self, obj: &Value, key: &str, path: &str, supported: &[&str]) {
        match obj.get(key).and_then(Value::as_str).unwrap_or("") {
            "" => self.required(path, ""),
            v if supported.contains(&v) => {}
            v => self.not_supported(path, v, supported),
        }
    }

    /// A number that must not be negative (`must be greater than or equal to 0`).
    pub(crate) fn non_negative(&mut self, obj: &Value, key: &str, path: &str) {
        if let Some(n) = obj.get(key).and_then(Value::as_i64) {
            if n < 0 {
                self.invalid(path, &n.to_string(), "must be greater than or equal to 0");
            }
        }
    }
}

/// `a.b` field paths.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests;
