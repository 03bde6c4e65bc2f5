//! `metadata.managedFields`: who owns which fields, decoded and encoded as
//! kube-apiserver does.
//!
//! Entries are identified by manager, operation, subresource, and (for
//! updates only) API version; an applier keeps one entry whatever version it
//! applies with. The identifier is the JSON of those fields, as Go writes
//! it (`{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1"}`),
//! and sorts as kube-apiserver sorts managers in conflict messages.

use super::fieldset::Set;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// `operation` of an entry.
pub const APPLY: &str = "Apply";
/// `operation` of an entry.
pub const UPDATE: &str = "Update";

/// The fields one manager owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedSet {
    /// The fields.
    pub set: Set,
    /// The API version the fields were written with.
    pub api_version: String,
    /// Owned by applying (rather than updating).
    pub applied: bool,
}

/// Every manager's fields and last write time, keyed by manager identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Managed {
    /// The fields per manager.
    pub fields: BTreeMap<String, VersionedSet>,
    /// The time of each manager's last change (RFC 3339), when known.
    pub times: BTreeMap<String, String>,
}

/// The parts of an entry that identify its manager.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManagerId {
    /// `manager`.
    pub manager: String,
    /// `operation`: `Apply` or `Update`.
    pub operation: String,
    /// `apiVersion` (empty for appliers).
    pub api_version: String,
    /// `subresource`.
    pub subresource: String,
}

impl ManagerId {
    /// The identifier of a manager updating (or, with `APPLY`, applying).
    pub fn new(manager: &str, operation: &str, api_version: &str, subresource: &str) -> Self {
        ManagerId {
            manager: manager.to_string(),
            operation: operation.to_string(),
            api_version: if operation == APPLY {
                String::new()
            } else {
                api_version.to_string()
            },
            subresource: subresource.to_string(),
        }
    }

    /// The identifier string.
    pub fn encode(&self) -> String {
        let mut m = Map::new();
        for (k, v) in [
            ("manager", &self.manager),
            ("operation", &self.operation),
            ("apiVersion", &self.api_version),
            ("subresource", &self.subresource),
        ] {
            if !v.is_empty() {
                m.insert(k.into(), json!(v));
            }
        }
        crate::codec::to_json(&Value::Object(m))
    }

    /// Reads an identifier string back.
    pub fn decode(id: &str) -> ManagerId {
        let v: Value = serde_json::from_str(id).unwrap_or(Value::Null);
        let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        ManagerId {
            manager: field("manager"),
            operation: field("operation"),
            api_version: field("apiVersion"),
            subresource: field("subresource"),
        }
    }

    /// How kube-apiserver names the manager in a conflict:
    /// `"kubectl" with subresource "scale" using apps/v1`.
    pub fn describe(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut out = quote(&self.manager);
        if !self.subresource.is_empty() {
            out = format!("{out} with subresource {}", quote(&self.subresource));
        }
        if self.operation == UPDATE {
            out = format!("{out} using {}", self.api_version);
        }
        out
    }
}

/// Whether a client's `managedFields` ask for them to be cleared: `[]` or
/// `[{}]`.
pub fn is_reset(entries: Option<&Value>) -> bool {
    match entries {
        Some(Value::Array(a)) if a.is_empty() => true,
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_object().is_some_and(Map::is_empty),
        _ => false,
    }
}

impl Managed {
    /// Whether no manager owns anything.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Decodes `metadata.managedFields` (absent or `null` is empty). Errors
    /// are kube-apiserver's.
    pub fn decode(entries: Option<&Value>) -> Result<Managed, String> {
        let mut out = Managed::default();
        let list = match entries {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Array(list)) => list,
            Some(_) => return Err("managedFields must be a list".into()),
        };
        for (i, entry) in list.iter().enumerate() {
            let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
            let operation = field("operation");
            if operation != APPLY && operation != UPDATE {
                return Err("operation must be `Apply` or `Update`".into());
            }
            let api_version = field("apiVersion");
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match field("fieldsType") {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {} in managed fields entry {i}",
                        serde_json::to_string(other).unwrap_or_default()
                    ))
                }
            }
            let set = match entry.get("fieldsV1") {
                None | Some(Value::Null) => Set::new(),
                Some(v) => Set::from_fields_v1(v).map_err(|e| {
                    format!("error decoding versioned set from managed fields entry {i}: {e}")
                })?,
            };
            let id = ManagerId::new(
                field("manager"),
                operation,
                api_version,
                field("subresource"),
            );
            let key = id.encode();
            out.fields.insert(
                key.clone(),
                VersionedSet {
                    set,
                    api_version: api_version.to_string(),
                    applied: operation == APPLY,
                },
            );
            match entry.get("time").and_then(Value::as_str) {
                Some(t) => out.times.insert(key, t.to_string()),
                None => out.times.remove(&key),
            };
        }
        Ok(out)
    }

    /// The `metadata.managedFields` list, sorted as kube-apiserver sorts it:
    /// appliers first, then by time, manager, API version and subresource.
    pub fn encode(&self) -> Vec<Value> {
        let mut entries: Vec<(ManagerId, Option<&String>, &VersionedSet)> = self
            .fields
            .iter()
            .map(|(key, vs)| {
                let mut id = ManagerId::decode(key);
                id.api_version = vs.api_version.clone();
                if vs.applied {
                    id.operation = APPLY.into();
                }
                (id, self.times.get(key), vs)
            })
            .collect();
        entries.sort_by(|(a, at, _), (b, bt, _)| {
            a.operation
                .cmp(&b.operation)
                .then_with(|| at.map(|t| time_key(t)).cmp(&bt.map(|t| time_key(t))))
                .then_with(|| a.manager.cmp(&b.manager))
                .then_with(|| a.api_version.cmp(&b.api_version))
                .then_with(|| a.subresource.cmp(&b.subresource))
        });
        entries
            .into_iter()
            .map(|(id, time, vs)| {
                let mut e = Map::new();
                if !id.manager.is_empty() {
                    e.insert("manager".into(), json!(id.manager));
                }
                e.insert("operation".into(), json!(id.operation));
                e.insert("apiVersion".into(), json!(id.api_version));
                if let Some(t) = time {
                    e.insert("time".into(), json!(t));
                }
                e.insert("fieldsType".into(), json!("FieldsV1"));
                e.insert("fieldsV1".into(), vs.set.to_fields_v1());
                if !id.subresource.is_empty() {
                    e.insert("subresource".into(), json!(id.subresource));
                }
                Value::Object(e)
            })
            .collect()
    }
}

/// Sort key of a timestamp: kube-apiserver compares whole seconds, and
/// RFC 3339 UTC seconds sort as text.
fn time_key(t: &str) -> String {
    t.get(..19).unwrap_or(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts_like_kube_apiserver() {
        let entries = json!([
            {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1", "time": "2026-01-01T00:00:09Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:paused": {}}}},
            {"manager": "kubectl", "operation": "Update", "apiVersion": "apps/v1", "time": "2026-01-01T00:00:05Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}, "subresource": "scale"},
            {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "2026-01-01T00:00:10Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}}
        ]);
        let managed = Managed::decode(Some(&entries)).unwrap();
        assert_eq!(managed.fields.len(), 3);
        let encoded = Value::Array(managed.encode());
        assert_eq!(encoded[0]["operation"], "Apply");
        assert_eq!(encoded[1]["subresource"], "scale");
        assert_eq!(encoded[2]["manager"], "kubectl-edit");
        assert_eq!(Managed::decode(Some(&encoded)).unwrap(), managed);
    }

    #[test]
    fn identifiers_and_descriptions() {
        let update = ManagerId::new("kubectl", UPDATE, "apps/v1", "scale");
        assert_eq!(
            update.encode(),
            r#"{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1","subresource":"scale"}"#
        );
        assert_eq!(
            update.describe(),
            r#""kubectl" with subresource "scale" using apps/v1"#
        );
        let apply = ManagerId::new("mgr", APPLY, "apps/v1", "");
        assert_eq!(apply.encode(), r#"{"manager":"mgr","operation":"Apply"}"#);
        assert_eq!(ManagerId::decode(&apply.encode()).describe(), r#""mgr""#);
    }

    #[test]
    fn invalid_entries_are_refused_and_resets_recognised() {
        let bad = |e: Value| Managed::decode(Some(&json!([e]))).unwrap_err();
        assert_eq!(
            bad(json!({"operation": "Patch", "apiVersion": "v1"})),
            "operation must be `Apply` or `Update`"
        );
        assert_eq!(
            bad(json!({"operation": "Update"})),
            "apiVersion must not be empty"
        );
        assert_eq!(
            bad(json!({"operation": "Update", "apiVersion": "v1"})),
            "missing fieldsType in managed fields entry 0"
        );
        assert!(is_reset(Some(&json!([]))));
        assert!(is_reset(Some(&json!([{}]))));
        assert!(!is_reset(None));
        assert!(!is_reset(Some(&json!([{"manager": "x"}]))));
    }
}
