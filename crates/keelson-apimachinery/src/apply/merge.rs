//! Merging an apply configuration into an object, and comparing two objects
//! field by field (structured-merge-diff's `Merge` and `Compare`).
//!
//! Scalars, atomic lists and atomic maps are leaves: the configuration's
//! value replaces the object's. Maps merge key by key; associative lists
//! merge item by item (by key or by value), keeping the object's order for
//! items the configuration does not mention and the configuration's order
//! for the items it does.

use super::fields::{atom_for, list_item_element};
use super::fieldset::Set;
use super::path::PathElement;
use super::typeref::{Atom, ListKind, TypeRef};
use super::value;
use serde_json::{Map, Value};

/// What changed between two objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Fields only the new object has (and maps or lists it created).
    pub added: Set,
    /// Leaves whose value changed.
    pub modified: Set,
    /// Fields only the old object has.
    pub removed: Set,
}

impl Comparison {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.modified.is_empty() && self.removed.is_empty()
    }

    /// The comparison without the given fields and everything below them.
    pub fn excluding(&self, fields: &Set) -> Comparison {
        Comparison {
            added: self.added.recursive_difference(fields),
            modified: self.modified.recursive_difference(fields),
            removed: self.removed.recursive_difference(fields),
        }
    }
}

/// How a node is walked: as a leaf, or through its items.
enum Shape<'a, 's> {
    Leaf,
    List(
        Option<&'a Vec<Value>>,
        Option<&'a Vec<Value>>,
        ListKind<'s>,
        TypeRef<'s>,
    ),
    Map(
        Option<&'a Map<String, Value>>,
        Option<&'a Map<String, Value>>,
        super::typeref::MapType<'s>,
    ),
}

fn shape<'a, 's>(lhs: Option<&'a Value>, rhs: Option<&'a Value>, tr: TypeRef<'s>) -> Shape<'a, 's> {
    match atom_for(tr, rhs.or(lhs)) {
        Atom::List { element, kind } => {
            if kind == ListKind::Atomic {
                return Shape::Leaf;
            }
            let l = lhs.and_then(Value::as_array);
            let r = rhs.and_then(Value::as_array);
            if l.is_none_or(|l| l.is_empty()) && r.is_none_or(|r| r.is_empty()) {
                // Empty and null lists stay leaves, keeping them apart.
                return Shape::Leaf;
            }
            Shape::List(l, r, kind, element)
        }
        Atom::Map(m) => {
            if m.atomic {
                return Shape::Leaf;
            }
            let l = lhs.and_then(Value::as_object);
            let r = rhs.and_then(Value::as_object);
            if l.is_none_or(|l| l.is_empty()) && r.is_none_or(|r| r.is_empty()) {
                return Shape::Leaf;
            }
            Shape::Map(l, r, m)
        }
        _ => Shape::Leaf,
    }
}

/// A list's items by step, in order, first occurrence of each step only.
/// Items whose step cannot be computed (bad stored data) keep a step of
/// their own so that they survive.
fn index_items<'a>(
    items: Option<&'a Vec<Value>>,
    kind: &ListKind<'_>,
    element: TypeRef<'_>,
    fallback_base: usize,
) -> Vec<(PathElement, &'a Value)> {
    let mut out: Vec<(PathElement, &'a Value)> = Vec::new();
    for (i, item) in items.into_iter().flatten().enumerate() {
        let pe =
            list_item_element(kind, element, item).unwrap_or(PathElement::Index(fallback_base + i));
        if out.iter().any(|(seen, _)| *seen == pe) {
            continue;
        }
        out.push((pe, item));
    }
    out
}

fn find<'a>(items: &[(PathElement, &'a Value)], pe: &PathElement) -> Option<&'a Value> {
    items.iter().find(|(p, _)| p == pe).map(|(_, v)| *v)
}

/// Calls `f` for every key of either map: the left's in order, then those
/// only the right has. Maps built from one another keep their key order, so
/// the right's entries are found by walking along before looking them up.
fn zip_maps<'a>(
    l: Option<&'a Map<String, Value>>,
    r: Option<&'a Map<String, Value>>,
    mut f: impl FnMut(&'a String, Option<&'a Value>, Option<&'a Value>),
) {
    let mut matched = 0;
    let mut along = r.map(|r| r.iter().peekable());
    for (k, lv) in l.into_iter().flatten() {
        let next_in_order = along
            .as_mut()
            .and_then(|it| it.next_if(|(rk, _)| *rk == k).map(|(_, v)| v));
        let rv = next_in_order.or_else(|| r.and_then(|r| r.get(k)));
        if rv.is_some() {
            matched += 1;
        }
        f(k, Some(lv), rv);
    }
    let Some(r) = r else {
        return;
    };
    if matched == r.len() {
        return;
    }
    for (k, rv) in r {
        if !l.is_some_and(|l| l.contains_key(k)) {
            f(k, None, Some(rv));
        }
    }
}

const RHS_FALLBACK: usize = usize::MAX / 2;

/// Merges `rhs` (a configuration) into `lhs` (an object); `None` when both
/// are absent.
pub fn merge(lhs: Option<&Value>, rhs: Option<&Value>, tr: TypeRef<'_>) -> Option<Value> {
    // Merging with nothing is the value itself.
    match (lhs, rhs) {
        (Some(v), None) | (None, Some(v)) => return Some(v.clone()),
        _ => {}
    }
    match shape(lhs, rhs, tr) {
        Shape::Leaf => rhs.or(lhs).cloned(),
        Shape::Map(l, r, m) => {
            let mut out = Map::with_capacity(l.map_or(0, Map::len).max(r.map_or(0, Map::len)));
            zip_maps(l, r, |k, lv, rv| {
                let child = m.child(k).unwrap_or_else(TypeRef::deduced);
                if let Some(v) = merge(lv, rv, child) {
                    out.insert(k.clone(), v);
                }
            });
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Shape::List(l, r, kind, element) => {
            let lhs_items = index_items(l, &kind, element, 0);
            let rhs_items = index_items(r, &kind, element, RHS_FALLBACK);
            let out = merge_list_items(&lhs_items, &rhs_items, element);
            (!out.is_empty()).then_some(Value::Array(out))
        }
    }
}

/// The list order structured-merge-diff produces: items only the object has
/// stay where they were; items the configuration names come in its order.
fn merge_list_items(
    lhs: &[(PathElement, &Value)],
    rhs: &[(PathElement, &Value)],
    element: TypeRef<'_>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let mut shared: std::collections::VecDeque<&PathElement> = rhs
        .iter()
        .map(|(pe, _)| pe)
        .filter(|pe| find(lhs, pe).is_some())
        .collect();
    let mut next_shared = shared.pop_front();
    let mut merged_rhs: Vec<&PathElement> = Vec::new();
    let (mut li, mut ri) = (0, 0);
    while li < lhs.len() || ri < rhs.len() {
        if li < lhs.len() && ri < rhs.len() {
            let pe = &lhs[li].0;
            if *pe == rhs[ri].0 {
                merged_rhs.push(pe);
                out.extend(merge(Some(lhs[li].1), Some(rhs[ri].1), element));
                li += 1;
                ri += 1;
                next_shared = shared.pop_front();
                continue;
            }
            if find(rhs, pe).is_some() && next_shared.is_some_and(|n| n != pe) {
                // Shared with the configuration, but not its turn yet.
                li += 1;
                continue;
            }
        }
        if li < lhs.len() {
            let pe = &lhs[li].0;
            if find(rhs, pe).is_none() {
                out.extend(merge(Some(lhs[li].1), None, element));
                li += 1;
                continue;
            }
            if merged_rhs.contains(&pe) {
                li += 1;
                continue;
            }
        }
        if ri < rhs.len() {
            let pe = &rhs[ri].0;
            merged_rhs.push(pe);
            out.extend(merge(find(lhs, pe), Some(rhs[ri].1), element));
            ri += 1;
            if next_shared.is_some_and(|n| n == pe) {
                next_shared = shared.pop_front();
            }
        }
    }
    out
}

/// Compares two objects (`None` for an absent one).
pub fn compare(lhs: Option<&Value>, rhs: Option<&Value>, tr: TypeRef<'_>) -> Comparison {
    // The root itself is never a member: nobody owns the whole object.
    compare_node(lhs, rhs, tr).0
}

/// What happened to a node itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Same,
    Added,
    Modified,
    Removed,
}

impl Comparison {
    /// Records a child step's own change and the changes below it.
    fn absorb(&mut self, pe: impl FnOnce() -> PathElement, (below, mark): (Comparison, Mark)) {
        if mark == Mark::Same && below.is_empty() {
            return;
        }
        let pe = pe();
        match mark {
            Mark::Added => {
                self.added.members.insert(pe.clone());
            }
            Mark::Modified => {
                self.modified.members.insert(pe.clone());
            }
            Mark::Removed => {
                self.removed.members.insert(pe.clone());
            }
            Mark::Same => {}
        }
        for (mine, theirs) in [
            (&mut self.added, below.added),
            (&mut self.modified, below.modified),
            (&mut self.removed, below.removed),
        ] {
            if !theirs.is_empty() {
                mine.children.insert(pe.clone(), theirs);
            }
        }
    }
}

/// The changes below a node, relative to it, and the node's own change.
fn compare_node(lhs: Option<&Value>, rhs: Option<&Value>, tr: TypeRef<'_>) -> (Comparison, Mark) {
    let mut c = Comparison::default();
    // Most of an updated object is as it was: equal subtrees are passed by
    // a plain comparison instead of a walk through their schema.
    if let (Some(l), Some(r)) = (lhs, rhs) {
        if value::equal(l, r) {
            return (c, Mark::Same);
        }
    }
    match shape(lhs, rhs, tr) {
        Shape::Leaf => {
            let mark = match (lhs, rhs) {
                (None, Some(_)) => Mark::Added,
                (Some(_), None) => Mark::Removed,
                (Some(l), Some(r)) if !value::equal(l, r) => Mark::Modified,
                _ => Mark::Same,
            };
            return (c, mark);
        }
        Shape::Map(l, r, m) => {
            zip_maps(l, r, |k, lv, rv| {
                let child = m.child(k).unwrap_or_else(TypeRef::deduced);
                c.absorb(|| PathElement::field(k), compare_node(lv, rv, child));
            });
        }
        Shape::List(l, r, kind, element) => {
            let lhs_items = index_items(l, &kind, element, 0);
            let rhs_items = index_items(r, &kind, element, 0);
            for (pe, lv) in &lhs_items {
                let found = compare_node(Some(lv), find(&rhs_items, pe), element);
                c.absorb(|| pe.clone(), found);
            }
            for (pe, rv) in &rhs_items {
                if find(&lhs_items, pe).is_some() {
                    continue;
                }
                c.absorb(|| pe.clone(), compare_node(None, Some(rv), element));
            }
        }
    }
    // A map or list that appears or disappears as a whole is itself added
    // or removed, not only its contents.
    let mark = match (lhs, rhs) {
        (None, Some(_)) => Mark::Added,
        (Some(_), None) => Mark::Removed,
        _ => Mark::Same,
    };
    (c, mark)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::typeref::for_kind;
    use serde_json::json;

    fn deployment() -> TypeRef<'static> {
        for_kind("apps", "v1", "Deployment")
    }

    fn containers(obj: &Value) -> Vec<&str> {
        obj.pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| c["name"].as_str().unwrap()).collect())
            .unwrap_or_default()
    }

    fn with_containers(names: &[&str]) -> Value {
        let list: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "image": format!("{n}:1")}))
            .collect();
        json!({"spec": {"template": {"spec": {"containers": list}}}})
    }

    #[test]
    fn list_maps_merge_by_key_and_keep_order() {
        let live = with_containers(&["a", "b", "c"]);
        let config = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "c", "image": "c:2"},
            {"name": "d", "image": "d:1"}
        ]}}}});
        let merged = merge(Some(&live), Some(&config), deployment()).unwrap();
        assert_eq!(containers(&merged), vec!["a", "b", "c", "d"]);
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][2]["image"],
            "c:2"
        );

        // The configuration's order wins among the items it names.
        let config = with_containers(&["c", "a"]);
        let merged = merge(Some(&live), Some(&config), deployment()).unwrap();
        assert_eq!(containers(&merged), vec!["b", "c", "a"]);
    }

    #[test]
    fn atomic_values_are_replaced_and_maps_merged() {
        let live = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"selector": {"matchLabels": {"a": "1"}}}});
        let config = json!({"metadata": {"labels": {"b": "2"}}, "spec": {"selector": {"matchLabels": {"b": "2"}}}});
        let merged = merge(Some(&live), Some(&config), deployment()).unwrap();
        assert_eq!(merged["metadata"]["labels"], json!({"a": "1", "b": "2"}));
        assert_eq!(
            merged["spec"]["selector"],
            json!({"matchLabels": {"b": "2"}})
        );
    }

    #[test]
    fn sets_merge_by_value() {
        let live = json!({"metadata": {"finalizers": ["a", "b"]}});
        let config = json!({"metadata": {"finalizers": ["c", "a"]}});
        let merged = merge(Some(&live), Some(&config), deployment()).unwrap();
        assert_eq!(merged["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }

    #[test]
    fn compare_finds_added_modified_removed() {
        let old =
            json!({"spec": {"replicas": 1, "paused": true}, "metadata": {"labels": {"a": "1"}}});
        let new = json!({"spec": {"replicas": 2, "minReadySeconds": 5}, "metadata": {"labels": {"a": "1"}, "annotations": {"x": "y"}}});
        let c = compare(Some(&old), Some(&new), deployment());
        assert_eq!(
            c.modified.to_fields_v1(),
            json!({"f:spec": {"f:replicas": {}}})
        );
        assert_eq!(
            c.added.to_fields_v1(),
            json!({"f:metadata": {"f:annotations": {".": {}, "f:x": {}}}, "f:spec": {"f:minReadySeconds": {}}})
        );
        assert_eq!(
            c.removed.to_fields_v1(),
            json!({"f:spec": {"f:paused": {}}})
        );
        assert!(compare(Some(&old), Some(&old.clone()), deployment()).is_empty());
        // 1 and 1.0 are the same number.
        assert!(compare(
            Some(&json!({"spec": {"replicas": 1}})),
            Some(&json!({"spec": {"replicas": 1.0}})),
            deployment()
        )
        .is_empty());
    }

    #[test]
    fn new_list_items_are_added_whole() {
        let old = with_containers(&["a"]);
        let new = with_containers(&["a", "b"]);
        let c = compare(Some(&old), Some(&new), deployment());
        assert_eq!(
            c.added.to_fields_v1(),
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"b\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}})
        );
    }
}
