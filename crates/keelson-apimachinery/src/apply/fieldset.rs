//! Sets of field paths (structured-merge-diff's `fieldpath.Set`) and their
//! `FieldsV1` encoding.
//!
//! A set is a tree: `members` are the steps that are themselves in the set,
//! `children` the steps below which more members lie. A step may be both
//! (a list entry someone owns as a whole and field by field), which
//! `FieldsV1` writes as `".": {}` inside the step's object:
//!
//! ```
//! use keelson_apimachinery::apply::fieldset::Set;
//! let fields = serde_json::json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}}}});
//! let set = Set::from_fields_v1(&fields).unwrap();
//! assert_eq!(set.to_fields_v1(), fields);
//! assert_eq!(set.paths().len(), 2); // .metadata.labels and .metadata.labels.app
//! ```

use super::path::{Path, PathElement};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A set of field paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set {
    /// Steps that are members of the set.
    pub members: BTreeSet<PathElement>,
    /// Steps with members below them; never empty sets.
    pub children: BTreeMap<PathElement, Set>,
}

impl Set {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of the given paths.
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a [PathElement]>) -> Self {
        let mut s = Set::new();
        for p in paths {
            s.insert(p);
        }
        s
    }

    /// Whether nothing is in the set.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(Set::is_empty)
    }

    /// Adds a path (not its parents). The empty path (the whole object) is
    /// never owned, so it is ignored.
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Whether a path is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// The paths below a step, without the step.
    pub fn with_prefix(&self, pe: &PathElement) -> Option<&Set> {
        self.children.get(pe)
    }

    /// Paths in either set.
    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.union_in_place(other);
        out
    }

    /// Adds every path of `other`.
    pub fn union_in_place(&mut self, other: &Set) {
        self.members.extend(other.members.iter().cloned());
        for (pe, child) in &other.children {
            match self.children.get_mut(pe) {
                Some(mine) => mine.union_in_place(child),
                None => {
                    self.children.insert(pe.clone(), child.clone());
                }
            }
        }
    }

    /// Paths in both sets.
    pub fn intersection(&self, other: &Set) -> Set {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| {
                let both = child.intersection(other.children.get(pe)?);
                (!both.is_empty()).then(|| (pe.clone(), both))
            })
            .collect();
        Set { members, children }
    }

    /// Paths of `self` not in `other`. A member of `other` does not remove
    /// the paths below it (see [`Set::recursive_difference`]).
    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| match other.children.get(pe) {
                None => Some((pe.clone(), child.clone())),
                Some(theirs) => {
                    let rest = child.difference(theirs);
                    (!rest.is_empty()).then(|| (pe.clone(), rest))
                }
            })
            .collect();
        Set { members, children }
    }

    /// [`Set::difference`] in place: removes the paths of `other` from
    /// `self` without copying what stays (the common case when a manager
    /// loses a few fields of a large set).
    pub fn subtract(&mut self, other: &Set) {
        if !other.members.is_empty() {
            self.members.retain(|pe| !other.members.contains(pe));
        }
        for (pe, theirs) in &other.children {
            if let Some(mine) = self.children.get_mut(pe) {
                mine.subtract(theirs);
                if mine.is_empty() {
                    self.children.remove(pe);
                }
            }
        }
    }

    /// Paths of `self` neither in `other` nor below a member of `other`.
    pub fn recursive_difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter(|(pe, _)| !other.members.contains(pe))
            .filter_map(|(pe, child)| match other.children.get(pe) {
                None => Some((pe.clone(), child.clone())),
                Some(theirs) => {
                    let rest = child.recursive_difference(theirs);
                    (!rest.is_empty()).then(|| (pe.clone(), rest))
                }
            })
            .collect();
        Set { members, children }
    }

    /// [`Set::recursive_difference`] in place: no copy of what stays.
    pub fn recursive_subtract(&mut self, other: &Set) {
        self.members.retain(|m| !other.members.contains(m));
        self.children.retain(|pe, child| {
            if other.members.contains(pe) {
                return false;
            }
            match other.children.get(pe) {
                Some(theirs) => {
                    child.recursive_subtract(theirs);
                    !child.is_empty()
                }
                None => true,
            }
        });
    }

    /// Every member path, in structured-merge-diff's order: at each level the
    /// members first, then the paths below each child step.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(p);
        }
        for (pe, child) in &self.children {
            prefix.push(pe.clone());
            child.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// The `FieldsV1` JSON of the set.
    pub fn to_fields_v1(&self) -> Value {
        Value::Object(self.fields_v1_map(false))
    }

    fn fields_v1_map(&self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::with_capacity(self.members.len() + self.children.len() + 1);
        if include_self {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        let mut steps: Vec<(&PathElement, Option<&Set>)> = self
            .members
            .iter()
            .filter(|m| !self.children.contains_key(m))
            .map(|m| (m, None))
            .chain(self.children.iter().map(|(pe, c)| (pe, Some(c))))
            .collect();
        steps.sort_by(|a, b| a.0.cmp(b.0));
        for (pe, child) in steps {
            let value = match child {
                Some(set) => set.fields_v1_map(self.members.contains(pe)),
                None => Map::new(),
            };
            out.insert(pe.to_fields_v1_key(), Value::Object(value));
        }
        out
    }

    /// Whether `FieldsV1` JSON has `path` as a member, as
    /// [`Set::from_fields_v1`] followed by [`Set::has`] would say, read in
    /// place: a step's key holds `{}` (a leaf) or has a `.` entry.
    pub fn fields_v1_has(fields: &Value, path: &[PathElement]) -> bool {
        let Some((last, parents)) = path.split_last() else {
            return false;
        };
        let mut node = fields;
        for pe in parents {
            match node.get(pe.to_fields_v1_key()) {
                Some(child) => node = child,
                None => return false,
            }
        }
        match node.get(last.to_fields_v1_key()) {
            Some(Value::Object(m)) => m.is_empty() || m.contains_key("."),
            _ => false,
        }
    }

    /// Reads `FieldsV1` JSON. Keys with a prefix this version does not know
    /// are skipped, as kube-apiserver does.
    pub fn from_fields_v1(fields: &Value) -> Result<Set, String> {
        let Value::Object(map) = fields else {
            return Err(format!(
                "expected an object, got {}",
                crate::codec::go_json_kind(fields)
            ));
        };
        Ok(Self::read_v1(map)?.0.unwrap_or_default())
    }

    /// Returns the children found and whether the node itself is a member.
    fn read_v1(map: &Map<String, Value>) -> Result<(Option<Set>, bool), String> {
        let mut children: Option<Set> = None;
        let mut is_member = false;
        for (key, value) in map {
            if key == "." {
                is_member = true;
                continue;
            }
            let Some(pe) = PathElement::from_fields_v1_key(key)? else {
                continue;
            };
            let Value::Object(sub) = value else {
                return Err(format!("expected an object under {key:?}"));
            };
            let (grandchildren, child_is_member) = Self::read_v1(sub)?;
            let node = children.get_or_insert_with(Set::new);
            if child_is_member {
                node.members.insert(pe.clone());
            }
            if let Some(g) = grandchildren {
                if !g.is_empty() {
                    node.children.insert(pe, g);
                }
            }
        }
        if children.is_none() {
            is_member = true;
        }
        Ok((children, is_member))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(v: Value) -> Set {
        Set::from_fields_v1(&v).unwrap()
    }

    fn p(fields: &[&str]) -> Path {
        fields.iter().map(|f| PathElement::field(f)).collect()
    }

    #[test]
    fn kube_fields_v1_round_trips() {
        let doc = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:containers": {
                    "k:{\"name\":\"c\"}": {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}
                        }
                    }
                },
                "f:finalizers": {"v:\"a\"": {}}
            }
        });
        let s = set(doc.clone());
        assert_eq!(s.to_fields_v1(), doc);
        assert!(s.has(&p(&["metadata", "labels"])));
        assert!(!s.has(&p(&["metadata"])));
        let strings: Vec<String> = s
            .paths()
            .iter()
            .map(|x| super::super::path::path_string(x))
            .collect();
        assert_eq!(
            strings,
            vec![
                ".metadata.labels",
                ".metadata.labels.app",
                ".spec.containers[name=\"c\"]",
                ".spec.containers[name=\"c\"].image",
                ".spec.containers[name=\"c\"].name",
                ".spec.containers[name=\"c\"].ports[containerPort=80,protocol=\"TCP\"]",
                ".spec.containers[name=\"c\"].ports[containerPort=80,protocol=\"TCP\"].containerPort",
                ".spec.finalizers[=\"a\"]",
            ]
        );
    }

    #[test]
    fn membership_read_in_place_agrees_with_the_decoded_set() {
        let doc = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}}},
                "f:template": {"f:spec": {"f:x": {}}},
                "f:finalizers": {"v:\"a\"": {}}
            }
        });
        let decoded = set(doc.clone());
        let mut probes = decoded.paths();
        probes.extend([
            p(&["metadata"]),
            p(&["spec", "template"]),
            p(&["spec", "template", "spec"]),
            p(&["spec", "template", "spec", "y"]),
            p(&["nothing", "here"]),
            vec![],
        ]);
        for path in &probes {
            assert_eq!(
                Set::fields_v1_has(&doc, path),
                decoded.has(path),
                "{}",
                super::super::path::path_string(path)
            );
        }
        assert!(decoded.paths().iter().all(|x| Set::fields_v1_has(&doc, x)));
    }

    #[test]
    fn recursive_subtract_in_place_is_the_recursive_difference() {
        let a = set(json!({
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:x": {}, "f:y": {}}}},
            "f:status": {"f:phase": {}, "f:conditions": {".": {}, "k:{\"type\":\"Ready\"}": {}}},
            "f:data": {".": {}, "f:a": {}}
        }));
        for b in [
            json!({"f:status": {}}),
            json!({"f:spec": {"f:template": {"f:spec": {"f:x": {}}}}}),
            json!({"f:spec": {"f:template": {"f:spec": {"f:x": {}, "f:y": {}}}}, "f:data": {}}),
            json!({"f:nothing": {}}),
        ] {
            let b = set(b);
            let mut in_place = a.clone();
            in_place.recursive_subtract(&b);
            assert_eq!(in_place, a.recursive_difference(&b));
        }
    }

    #[test]
    fn unknown_prefixes_are_skipped_and_bad_keys_refused() {
        assert_eq!(
            set(json!({"x:new": {}, "f:a": {}})),
            set(json!({"f:a": {}}))
        );
        assert!(Set::from_fields_v1(&json!({"k:nope": {}})).is_err());
        assert!(Set::from_fields_v1(&json!([1])).is_err());
    }

    #[test]
    fn set_operations() {
        let a = set(json!({"f:spec": {"f:replicas": {}, "f:paused": {}}, "f:data": {"f:x": {}}}));
        let b = set(json!({"f:spec": {"f:replicas": {}}, "f:data": {}}));
        assert_eq!(
            a.union(&b),
            set(
                json!({"f:spec": {"f:replicas": {}, "f:paused": {}}, "f:data": {".": {}, "f:x": {}}})
            )
        );
        assert_eq!(
            a.intersection(&b),
            set(json!({"f:spec": {"f:replicas": {}}}))
        );
        // A member of the other set does not take the paths below it away...
        assert_eq!(
            a.difference(&b),
            set(json!({"f:spec": {"f:paused": {}}, "f:data": {"f:x": {}}}))
        );
        // ...unless the difference is recursive.
        assert_eq!(
            a.recursive_difference(&b),
            set(json!({"f:spec": {"f:paused": {}}}))
        );
        assert!(a.difference(&a).is_empty());
        let mut in_place = a.clone();
        in_place.subtract(&b);
        assert_eq!(in_place, a.difference(&b));
        in_place.subtract(&a);
        assert!(in_place.is_empty());
        assert!(Set::new().is_empty());
    }
}
