//! core/v1 kinds other than pods: Services, ConfigMaps, Secrets, claims.

use super::{go_syntax, Errs};
use crate::validation::{go_quote, FIELD_IMMUTABLE};
use serde_json::Value;
use std::collections::HashSet;

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

/// `ValidateService` (the parts users meet).
pub(crate) fn service(obj: &Value, errs: &mut Errs) {
    let Some(spec) = obj.get("spec").filter(|s| s.is_object()) else {
        errs.required("spec.ports", "");
        return;
    };
    let service_type = spec.get("type").and_then(Value::as_str).unwrap_or("");
    if !SERVICE_TYPES.contains(&service_type) {
        errs.not_supported("spec.type", service_type, SERVICE_TYPES);
    }
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ports.is_empty() && !headless && service_type != "ExternalName" {
        errs.required("spec.ports", "");
    }
    if service_type == "ExternalName"
        && spec
            .get("externalName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
    {
        errs.required("spec.externalName", "");
    }
    let mut names = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let at = format!("spec.ports[{i}]");
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            if ports.len() > 1 {
                errs.required(&format!("{at}.name"), "");
            }
        } else {
            for msg in crate::validation::is_dns1123_label(name) {
                errs.invalid(&format!("{at}.name"), &go_quote(name), &msg);
            }
            if !names.insert(name.to_string()) {
                errs.duplicate(&format!("{at}.name"), &go_quote(name));
            }
        }
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            errs.invalid(
                &format!("{at}.port"),
                &port.to_string(),
                "must be between 1 and 65535, inclusive",
            );
        }
        errs.one_of(
            p,
            "protocol",
            &format!("{at}.protocol"),
            &["SCTP", "TCP", "UDP"],
        );
        match p.get("targetPort") {
            Some(Value::Number(n)) => {
                let t = n.as_i64().unwrap_or(0);
                if !(1..=65535).contains(&t) {
                    errs.invalid(
                        &format!("{at}.targetPort"),
                        &t.to_string(),
                        "must be between 1 and 65535, inclusive",
                    );
                }
            }
            Some(Value::String(s)) => {
                for msg in super::pod::port_name_errors(s) {
                    errs.invalid(&format!("{at}.targetPort"), &go_quote(s), &msg);
                }
            }
            _ => {}
        }
        let node_port = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
        if node_port != 0 && matches!(service_type, "ClusterIP" | "ExternalName") {
            errs.forbidden(
                &format!("{at}.nodePort"),
                &format!("may not be used when `type` is '{service_type}'"),
            );
        }
    }
    if service_type == "ClusterIP" || service_type == "ExternalName" {
        if let Some(p) = spec
            .get("externalTrafficPolicy")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        {
            errs.invalid(
                "spec.externalTrafficPolicy",
                &go_quote(p),
                "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
            );
        }
    }
}

/// A Service's cluster IPs may not change once set (except to or from ExternalName).
pub(crate) fn service_update(new: &Value, old: &Value, errs: &mut Errs) {
    let old_ip = old
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("");
    let new_ip = new
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("");
    let to_external = new.pointer("/spec/type").and_then(Value::as_str) == Some("ExternalName");
    if !old_ip.is_empty() && new_ip != old_ip && !to_external {
        errs.invalid(
            "spec.clusterIPs[0]",
            &go_syntax::strings(new.pointer("/spec/clusterIPs")),
            "may not change once set",
        );
    }
}

/// `immutable: true` ConfigMaps and Secrets keep their data and their flag.
pub(crate) fn immutable_data(new: &Value, old: &Value, fields: &[&str], errs: &mut Errs) {
    if old.get("immutable").and_then(Value::as_bool) != Some(true) {
        return;
    }
    const MSG: &str = "field is immutable when `immutable` is set";
    if new.get("immutable").and_then(Value::as_bool) != Some(true) {
        errs.forbidden("immutable", MSG);
    }
    for field in fields {
        let empty = |v: Option<&Value>| {
            v.is_none_or(|x| x.is_null() || x.as_object().is_some_and(|m| m.is_empty()))
        };
        let (n, o) = (new.get(*field), old.get(*field));
        if n != o && !(empty(n) && empty(o)) {
            errs.forbidden(field, MSG);
        }
    }
}

/// A Secret's type may not change.
pub(crate) fn secret_type(new: &Value, old: &Value, errs: &mut Errs) {
    let n = new.get("type").and_then(Value::as_str).unwrap_or("");
    if n != old.get("type").and_then(Value::as_str).unwrap_or("") {
        errs.invalid("type", &go_quote(n), FIELD_IMMUTABLE);
    }
}

/// A claim's spec is immutable but for its requested resources and
/// volume attributes class.
pub(crate) fn claim_update(new: &Value, old: &Value, errs: &mut Errs) {
    let strip = |v: &Value| {
        let mut s = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(m) = s.as_object_mut() {
            m.shift_remove("volumeAttributesClassName");
            // Binding fills the volume name in.
            if old
                .pointer("/spec/volumeName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                m.shift_remove("volumeName");
            }
            if let Some(r) = m.get_mut("resources").and_then(Value::as_object_mut) {
                r.shift_remove("requests");
            }
        }
        s
    };
    if strip(new) != strip(old) {
        errs.forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        );
    }
}
