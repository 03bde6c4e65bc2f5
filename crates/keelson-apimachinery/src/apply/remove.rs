//! Removing fields from an object by field set, and the helpers pruning
//! needs (structured-merge-diff's `RemoveItems` and
//! `EnsureNamedFieldsAreMembers`), plus the empty object of a kind.

use super::fields::{atom_for, list_item_element};
use super::fieldset::Set;
use super::path::PathElement;
use super::typeref::{Atom, TypeRef};
use serde_json::{Map, Value};

/// `value` without the fields in `set` (a member goes with everything below
/// it). `None` when nothing is left of a map or list that lost entries.
pub fn remove_items(value: &Value, set: &Set, tr: TypeRef<'_>) -> Option<Value> {
    match atom_for(tr, Some(value)) {
        Atom::Scalar(_) | Atom::Deduced => Some(value.clone()),
        Atom::List { element, kind } => {
            let items = value.as_array()?;
            if items.is_empty() || kind == super::typeref::ListKind::Atomic {
                // Reached only with fields set below an atomic list, which
                // cannot be owned separately: it goes as a whole.
                return None;
            }
            let mut out = Vec::new();
            for item in items {
                let Ok(pe) = list_item_element(&kind, element, item) else {
                    out.push(item.clone());
                    continue;
                };
                if set.members.contains(&pe) {
                    continue;
                }
                match set.with_prefix(&pe) {
                    Some(sub) => out.extend(remove_items(item, sub, element)),
                    None => out.push(item.clone()),
                }
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        Atom::Map(m) => {
            let fields = value.as_object()?;
            if fields.is_empty() || m.atomic {
                return None;
            }
            let mut out = Map::new();
            // A key whose value emptied out is still an entry (Go keeps the
            // zero value): the map stays, possibly as `{}`.
            let mut kept = 0;
            for (k, v) in fields {
                let pe = PathElement::Field(k.clone());
                // A struct held by value is never absent in Go: removed, it
                // is empty.
                let by_value = m.is_declared(k) && VALUE_STRUCT_FIELDS.contains(&k.as_str());
                let zero = || by_value.then(|| Value::Object(Map::new()));
                let v = if set.members.contains(&pe) {
                    zero()
                } else {
                    kept += 1;
                    let child = m.child(k).unwrap_or_else(TypeRef::deduced);
                    match set.with_prefix(&pe) {
                        Some(sub) => remove_items(v, sub, child).or_else(zero),
                        None => Some(v.clone()),
                    }
                };
                if let Some(v) = v {
                    out.insert(k.clone(), v);
                }
            }
            (kept > 0).then_some(Value::Object(out))
        }
    }
}

/// `set` plus every struct field on the way to its members: a set holding
/// `.spec.replicas` also holds `.spec` (but a map key's parent map is not
/// added).
pub fn ensure_named_fields_are_members(set: &Set, tr: TypeRef<'_>) -> Set {
    let atom = tr.resolve();
    let mut out = Set {
        members: set.members.clone(),
        children: Default::default(),
    };
    for (pe, child) in &set.children {
        let child_type = match (&atom, pe) {
            (Atom::Map(m), PathElement::Field(name)) => {
                if m.is_declared(name) {
                    out.members.insert(pe.clone());
                }
                m.child(name).unwrap_or_else(TypeRef::deduced)
            }
            (Atom::List { element, .. }, PathElement::Key(_)) => *element,
            _ => TypeRef::deduced(),
        };
        out.children.insert(
            pe.clone(),
            ensure_named_fields_are_members(child, child_type),
        );
    }
    out
}

/// Struct fields Kubernetes' Go types hold by value, so that an empty object
/// of the kind already has them (`{}`), while pointer fields and maps are
/// absent. This decides which maps an update adds "as a whole".
const VALUE_STRUCT_FIELDS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "template",
    "strategy",
    "updateStrategy",
    "jobTemplate",
    "roleRef",
];

/// Lists Kubernetes' Go types serialize even when empty (no `omitempty`),
/// as `null`.
const ALWAYS_SERIALIZED_LISTS: &[&str] = &["containers"];

/// The object a new, empty Go value of the type serializes to, as far as
/// maps and lists go: struct fields held by value are present and empty,
/// lists without `omitempty` are `null`.
pub fn empty_object(tr: TypeRef<'_>) -> Value {
    let mut out = Map::new();
    if let Atom::Map(m) = tr.resolve() {
        for (name, child) in m.fields() {
            match child.resolve() {
                Atom::Map(cm)
                    if VALUE_STRUCT_FIELDS.contains(&name.as_str())
                        && !cm.atomic
                        && cm.fields().next().is_some() =>
                {
                    out.insert(name.clone(), empty_object(child));
                }
                Atom::List { .. } if ALWAYS_SERIALIZED_LISTS.contains(&name.as_str()) => {
                    out.insert(name.clone(), Value::Null);
                }
                _ => {}
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::typeref::for_kind;
    use serde_json::json;

    fn set(v: Value) -> Set {
        Set::from_fields_v1(&v).unwrap()
    }

    #[test]
    fn removes_fields_items_and_emptied_maps() {
        let d = for_kind("apps", "v1", "Deployment");
        let obj = json!({
            "metadata": {"name": "x", "labels": {"app": "x"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "a", "image": "a"}, {"name": "b", "image": "b"}
            ]}}}
        });
        let out = remove_items(
            &obj,
            &set(json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"a\"}": {},
                    "k:{\"name\":\"b\"}": {"f:image": {}}
                }}}}
            })),
            d,
        )
        .unwrap();
        assert_eq!(
            out,
            json!({
                "metadata": {"name": "x"},
                "spec": {"template": {"spec": {"containers": [{"name": "b"}]}}}
            })
        );
    }

    #[test]
    fn named_fields_become_members() {
        let d = for_kind("apps", "v1", "Deployment");
        let s =
            set(json!({"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}}}));
        assert_eq!(
            ensure_named_fields_are_members(&s, d).to_fields_v1(),
            json!({
                "f:metadata": {".": {}, "f:labels": {".": {}, "f:app": {}}},
                "f:spec": {".": {}, "f:replicas": {}}
            })
        );
    }

    #[test]
    fn empty_objects_hold_value_structs() {
        assert_eq!(
            empty_object(for_kind("apps", "v1", "Deployment")),
            json!({
                "metadata": {},
                "spec": {"strategy": {}, "template": {"metadata": {}, "spec": {"containers": null}}},
                "status": {}
            })
        );
        assert_eq!(
            empty_object(for_kind("", "v1", "ConfigMap")),
            json!({"metadata": {}})
        );
    }
}
