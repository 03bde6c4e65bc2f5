//! Pods and pod templates (`ValidatePodSpec`, `ValidatePodUpdate`).

use super::{join, Errs};
use crate::validation::{go_quote, is_dns1123_label};
use serde_json::Value;
use std::collections::HashSet;

const RESTART_POLICIES: &[&str] = &["Always", "OnFailure", "Never"];
const DNS_POLICIES: &[&str] = &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const MESSAGE_POLICIES: &[&str] = &["File", "FallbackToLogsOnError"];

/// A Pod.
pub(crate) fn validate_pod(pod: &Value, errs: &mut Errs) {
    match pod.get("spec") {
        Some(spec) if spec.is_object() => validate_pod_spec(spec, "spec", errs),
        _ => errs.required("spec.containers", ""),
    }
}

/// A `PodTemplateSpec` at `path` (labels, then the spec).
pub(crate) fn validate_template(template: Option<&Value>, path: &str, errs: &mut Errs) {
    let Some(template) = template.filter(|t| t.is_object()) else {
        errs.required(path, "");
        return;
    };
    if let Some(labels) = template
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
    {
        errs.0.extend(crate::validation::validate_labels(
            labels,
            &join(path, "metadata.labels"),
        ));
    }
    match template.get("spec") {
        Some(spec) if spec.is_object() => validate_pod_spec(spec, &join(path, "spec"), errs),
        _ => errs.required(&join(path, "spec.containers"), ""),
    }
}

/// `ValidatePodSpec`: containers, volumes and the pod-level enums.
pub(crate) fn validate_pod_spec(spec: &Value, path: &str, errs: &mut Errs) {
    let volumes = validate_volumes(spec, path, errs);
    match spec.get("containers").and_then(Value::as_array) {
        Some(c) if !c.is_empty() => {}
        _ => errs.required(&join(path, "containers"), ""),
    }
    let mut names = HashSet::new();
    for field in ["initContainers", "containers"] {
        for (i, c) in spec
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            validate_container(
                c,
                &format!("{}[{i}]", join(path, field)),
                &mut names,
                &volumes,
                errs,
            );
        }
    }
    errs.one_of(
        spec,
        "restartPolicy",
        &join(path, "restartPolicy"),
        RESTART_POLICIES,
    );
    errs.one_of(spec, "dnsPolicy", &join(path, "dnsPolicy"), DNS_POLICIES);
    errs.non_negative(
        spec,
        "terminationGracePeriodSeconds",
        &join(path, "terminationGracePeriodSeconds"),
    );
    if let Some(n) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64) {
        if n <= 0 {
            errs.invalid(
                &join(path, "activeDeadlineSeconds"),
                &n.to_string(),
                "must be greater than or equal to 1",
            );
        }
    }
    if let Some(selector) = spec.get("nodeSelector").and_then(Value::as_object) {
        errs.0.extend(crate::validation::validate_labels(
            selector,
            &join(path, "nodeSelector"),
        ));
    }
}

fn validate_volumes(spec: &Value, path: &str, errs: &mut Errs) -> HashSet<String> {
    let mut names = HashSet::new();
    for (i, v) in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{}[{i}]", join(path, "volumes"));
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            errs.required(&format!("{at}.name"), "");
            continue;
        }
        for msg in is_dns1123_label(name) {
            errs.invalid(&format!("{at}.name"), &go_quote(name), &msg);
        }
        if !names.insert(name.to_string()) {
            errs.duplicate(&format!("{at}.name"), &go_quote(name));
        }
    }
    names
}

fn validate_container(
    c: &Value,
    path: &str,
    names: &mut HashSet<String>,
    volumes: &HashSet<String>,
    errs: &mut Errs,
) {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        errs.required(&format!("{path}.name"), "");
    } else {
        for msg in is_dns1123_label(name) {
            errs.invalid(&format!("{path}.name"), &go_quote(name), &msg);
        }
        if !names.insert(name.to_string()) {
            errs.duplicate(&format!("{path}.name"), &go_quote(name));
        }
    }
    if c.get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        errs.required(&format!("{path}.image"), "");
    }
    let mut port_names = HashSet::new();
    for (i, p) in c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{path}.ports[{i}]");
        if let Some(name) = p
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        {
            for msg in port_name_errors(name) {
                errs.invalid(&format!("{at}.name"), &go_quote(name), &msg);
            }
            if !port_names.insert(name.to_string()) {
                errs.duplicate(&format!("{at}.name"), &go_quote(name));
            }
        }
        match p.get("containerPort").and_then(Value::as_i64).unwrap_or(0) {
            0 => errs.required(&format!("{at}.containerPort"), ""),
            n if !(1..=65535).contains(&n) => errs.invalid(
                &format!("{at}.containerPort"),
                &n.to_string(),
                "must be between 1 and 65535, inclusive",
            ),
            _ => {}
        }
        if let Some(n) = p
            .get("hostPort")
            .and_then(Value::as_i64)
            .filter(|n| *n != 0)
        {
            if !(1..=65535).contains(&n) {
                errs.invalid(
                    &format!("{at}.hostPort"),
                    &n.to_string(),
                    "must be between 1 and 65535, inclusive",
                );
            }
        }
        errs.one_of(p, "protocol", &format!("{at}.protocol"), PROTOCOLS);
    }
    for (i, e) in c
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if e.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            errs.required(&format!("{path}.env[{i}].name"), "");
        }
    }
    for (i, m) in c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{path}.volumeMounts[{i}]");
        let name = m.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            errs.required(&format!("{at}.name"), "");
        } else if !volumes.contains(name) {
            errs.not_found(&format!("{at}.name"), &go_quote(name));
        }
        if m.get("mountPath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            errs.required(&format!("{at}.mountPath"), "");
        }
    }
    errs.one_of(
        c,
        "imagePullPolicy",
        &format!("{path}.imagePullPolicy"),
        PULL_POLICIES,
    );
    errs.one_of(
        c,
        "terminationMessagePolicy",
        &format!("{path}.terminationMessagePolicy"),
        MESSAGE_POLICIES,
    );
}

/// `IsValidPortName` (an IANA service name).
pub(crate) fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// `ValidatePodUpdate`: only images, deadlines, new tolerations, gates being
/// removed and (once) the node may change.
pub(crate) fn validate_pod_update(new: &Value, old: &Value, errs: &mut Errs) {
    let (Some(mut n), Some(mut o)) = (new.get("spec").cloned(), old.get("spec").cloned()) else {
        return;
    };
    for spec in [&mut n, &mut o] {
        for field in ["containers", "initContainers"] {
            if let Some(cs) = spec.get_mut(field).and_then(Value::as_array_mut) {
                for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                    c.shift_remove("image");
                }
            }
        }
        if let Some(m) = spec.as_object_mut() {
            for mutable in [
                "activeDeadlineSeconds",
                "tolerations",
                "terminationGracePeriodSeconds",
                "schedulingGates",
            ] {
                m.shift_remove(mutable);
            }
        }
    }
    // Binding a pod sets its node once.
    if o.get("nodeName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        for spec in [&mut n, &mut o] {
            if let Some(m) = spec.as_object_mut() {
                m.shift_remove("nodeName");
            }
        }
    }
    if n != o {
        errs.forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        );
    }
}
