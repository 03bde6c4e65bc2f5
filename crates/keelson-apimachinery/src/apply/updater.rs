//! Ownership bookkeeping (structured-merge-diff's `merge.Updater`): what an
//! update or an apply does to every manager's field set, when an apply
//! conflicts, and which fields an applier's new configuration drops.

use super::fields::{to_field_set, Strictness};
use super::fieldset::Set;
use super::managed::VersionedSet;
use super::merge::{compare, merge, Comparison};
use super::path::{path_string, Path};
use super::remove::{ensure_named_fields_are_members, remove_items};
use super::typeref::TypeRef;
use super::value;
use serde_json::Value;
use std::collections::BTreeMap;

/// Fields a write through one endpoint never changes (a strategy's "reset
/// fields"): nobody gains or loses ownership of them there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ResetFields {
    /// Everything counts.
    #[default]
    None,
    /// These fields and everything below them are ignored (`status` on the
    /// main endpoint of a kind with a status subresource).
    Paths(Set),
    /// Everything but these fields is ignored (the status subresource).
    AllBut(Set),
}

impl ResetFields {
    /// `set` without the ignored fields.
    pub fn filter(&self, set: &Set) -> Set {
        match self {
            ResetFields::None => set.clone(),
            ResetFields::Paths(p) => set.recursive_difference(p),
            ResetFields::AllBut(keep) => keep_below(set, keep),
        }
    }

    /// [`ResetFields::filter`] in place.
    pub fn filter_in_place(&self, set: &mut Set) {
        match self {
            ResetFields::None => {}
            ResetFields::Paths(p) => set.recursive_subtract(p),
            ResetFields::AllBut(keep) => *set = keep_below(set, keep),
        }
    }

    pub(super) fn filter_comparison(&self, mut c: Comparison) -> Comparison {
        for set in [&mut c.added, &mut c.modified, &mut c.removed] {
            self.filter_in_place(set);
        }
        c
    }
}

/// The paths of `set` at or below a member of `keep`.
fn keep_below(set: &Set, keep: &Set) -> Set {
    let mut out = Set::new();
    for pe in &set.members {
        if keep.members.contains(pe) {
            out.members.insert(pe.clone());
        }
    }
    for (pe, child) in &set.children {
        let sub = if keep.members.contains(pe) {
            child.clone()
        } else if let Some(k) = keep.children.get(pe) {
            keep_below(child, k)
        } else {
            continue;
        };
        if !sub.is_empty() {
            out.children.insert(pe.clone(), sub);
        }
    }
    out
}

/// Every manager's fields, by manager identifier.
pub type ManagedFields = BTreeMap<String, VersionedSet>;

/// One field an apply would take from another manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The other manager's identifier.
    pub manager: String,
    /// The field.
    pub path: Path,
}

impl Conflict {
    /// The field as kube-apiserver prints it (`.spec.replicas`).
    pub fn field(&self) -> String {
        path_string(&self.path)
    }
}

/// Merges, compares and prunes objects of one type.
#[derive(Debug, Clone)]
pub struct Updater<'s> {
    /// The objects' type.
    pub schema: TypeRef<'s>,
    /// Fields this endpoint ignores.
    pub reset: ResetFields,
}

impl<'s> Updater<'s> {
    fn field_set(&self, v: &Value) -> Set {
        to_field_set(v, self.schema, Strictness::Lenient).unwrap_or_default()
    }

    /// Changes between `old` and `new` taken away from every manager but
    /// `workflow`: removed fields always, changed fields when forced (or
    /// reported as conflicts otherwise).
    fn update_managers(
        &self,
        old: &Value,
        new: &Value,
        managers: &mut ManagedFields,
        workflow: &str,
        force: bool,
    ) -> Result<Comparison, Vec<Conflict>> {
        let comparison = self
            .reset
            .filter_comparison(compare(Some(old), Some(new), self.schema));
        let changed = comparison.modified.union(&comparison.added);
        let mut conflicts: Vec<(String, Set)> = Vec::new();
        for (manager, vs) in managers.iter() {
            if manager == workflow {
                continue;
            }
            let taken = vs.set.intersection(&changed);
            if !taken.is_empty() {
                conflicts.push((manager.clone(), taken));
            }
        }
        if !force && !conflicts.is_empty() {
            return Err(conflicts
                .into_iter()
                .flat_map(|(manager, set)| {
                    set.paths().into_iter().map(move |path| Conflict {
                        manager: manager.clone(),
                        path,
                    })
                })
                .collect());
        }
        for (manager, taken) in &conflicts {
            if let Some(vs) = managers.get_mut(manager) {
                vs.set.subtract(taken);
            }
        }
        if !comparison.removed.is_empty() {
            for (manager, vs) in managers.iter_mut() {
                if manager != workflow {
                    vs.set.subtract(&comparison.removed);
                }
            }
        }
        managers.retain(|_, vs| !vs.set.is_empty());
        Ok(comparison)
    }

    /// An update (create, update, non-apply patch) by `manager`: it gains
    /// what it changed, others lose it.
    pub fn update(
        &self,
        live: &Value,
        new: &Value,
        version: &str,
        managers: &mut ManagedFields,
        manager: &str,
    ) {
        let comparison = match self.update_managers(live, new, managers, manager, true) {
            Ok(c) => c,
            // Forced updates never conflict.
            Err(_) => return,
        };
        let mut set = managers
            .remove(manager)
            .map(|vs| vs.set)
            .unwrap_or_default();
        set.union_in_place(&comparison.modified);
        set.union_in_place(&comparison.added);
        if !comparison.removed.is_empty() {
            set.subtract(&comparison.removed);
        }
        self.reset.filter_in_place(&mut set);
        if !set.is_empty() {
            managers.insert(
                manager.to_string(),
                VersionedSet {
                    set,
                    api_version: version.to_string(),
                    applied: false,
                },
            );
        }
    }

    /// An apply of `config` (already validated) by `manager`. Returns the
    /// new object, or `None` when it equals `live`. On conflicts, `managers`
    /// is left half-updated: callers retry from their own copy.
    pub fn apply(
        &self,
        live: &Value,
        config: &Value,
        version: &str,
        managers: &mut ManagedFields,
        manager: &str,
        force: bool,
    ) -> Result<Option<Value>, Vec<Conflict>> {
        let set = self.field_set(config);
        self.apply_fields(live, config, set, version, managers, manager, force)
    }

    /// [`Updater::apply`] with the configuration's field set already known.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_fields(
        &self,
        live: &Value,
        config: &Value,
        config_set: Set,
        version: &str,
        managers: &mut ManagedFields,
        manager: &str,
        force: bool,
    ) -> Result<Option<Value>, Vec<Conflict>> {
        let merged = merge(Some(live), Some(config), self.schema)
            .unwrap_or_else(|| Value::Object(Default::default()));
        let set = match self.reset {
            ResetFields::None => config_set,
            _ => self.reset.filter(&config_set),
        };
        let last = managers.get(manager).map(|vs| self.reset.filter(&vs.set));
        // Nothing to prune when every field applied last time is applied again.
        let dropped = last.filter(|last| !last.difference(&set).is_empty());
        managers.insert(
            manager.to_string(),
            VersionedSet {
                set,
                api_version: version.to_string(),
                applied: true,
            },
        );
        let pruned = match &dropped {
            Some(last) => self.prune(&merged, managers, last),
            None => merged,
        };
        self.update_managers(live, &pruned, managers, manager, force)?;
        Ok((!value::equal(live, &pruned)).then_some(pruned))
    }

    /// Removes what the applier owned last time and no longer applies,
    /// unless another manager owns it.
    fn prune(&self, merged: &Value, managers: &ManagedFields, last: &Set) -> Value {
        let tr = self.schema;
        let empty = || Value::Object(Default::default());
        let ensure = |s: &Set| ensure_named_fields_are_members(s, tr);
        let last = ensure(last);
        let merged_set = ensure(&self.field_set(merged));
        let pruned = remove_items(merged, &last, tr).unwrap_or_else(empty);
        // Put back whatever anybody (the applier's new configuration
        // included) still owns.
        let mut owned = Set::new();
        for vs in managers.values() {
            owned.union_in_place(&vs.set);
        }
        let pruned_set = ensure(&self.field_set(&pruned));
        let gone = merged_set.difference(&pruned_set.union(&ensure(&owned)));
        let pruned = remove_items(merged, &gone, tr).unwrap_or_else(empty);
        // Only what the applier owned may go.
        let pruned_set = ensure(&self.field_set(&pruned));
        let gone = merged_set.difference(&pruned_set).intersection(&last);
        remove_items(merged, &gone, tr).unwrap_or_else(empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::managed::{ManagerId, APPLY, UPDATE};
    use crate::apply::typeref::for_kind;
    use serde_json::json;

    fn updater() -> Updater<'static> {
        Updater {
            schema: for_kind("apps", "v1", "Deployment"),
            reset: ResetFields::Paths(Set::from_fields_v1(&json!({"f:status": {}})).unwrap()),
        }
    }

    fn applier(name: &str) -> String {
        ManagerId::new(name, APPLY, "", "").encode()
    }

    fn fields(m: &ManagedFields, id: &str) -> Value {
        m.get(id)
            .map(|vs| vs.set.to_fields_v1())
            .unwrap_or(Value::Null)
    }

    #[test]
    fn update_takes_changed_fields_from_others() {
        let u = updater();
        let a = applier("a");
        let mut managers = ManagedFields::new();
        let live = json!({"spec": {"replicas": 1}});
        let config = json!({"spec": {"replicas": 1, "paused": false}});
        u.apply(&json!({}), &live, "apps/v1", &mut managers, &a, false)
            .unwrap();
        u.apply(&live, &config, "apps/v1", &mut managers, &a, false)
            .unwrap();
        let scaler = ManagerId::new("kubectl", UPDATE, "apps/v1", "scale").encode();
        let scaled = json!({"spec": {"replicas": 3, "paused": false}, "status": {"replicas": 3}});
        u.update(&config, &scaled, "apps/v1", &mut managers, &scaler);
        assert_eq!(fields(&managers, &a), json!({"f:spec": {"f:paused": {}}}));
        assert_eq!(
            fields(&managers, &scaler),
            json!({"f:spec": {"f:replicas": {}}})
        );
    }

    #[test]
    fn apply_conflicts_unless_forced() {
        let u = updater();
        let (a, b) = (applier("a"), applier("b"));
        let mut managers = ManagedFields::new();
        let live = u
            .apply(
                &json!({}),
                &json!({"spec": {"replicas": 1}}),
                "apps/v1",
                &mut managers,
                &a,
                false,
            )
            .unwrap()
            .unwrap();
        let err = u
            .apply(
                &live,
                &json!({"spec": {"replicas": 2}}),
                "apps/v1",
                &mut managers,
                &b,
                false,
            )
            .unwrap_err();
        assert_eq!(
            err,
            vec![Conflict {
                manager: a.clone(),
                path: vec![
                    crate::apply::path::PathElement::field("spec"),
                    crate::apply::path::PathElement::field("replicas")
                ]
            }]
        );
        assert_eq!(err[0].field(), ".spec.replicas");
        // Same value: shared ownership, no conflict.
        u.apply(
            &live,
            &json!({"spec": {"replicas": 1}}),
            "apps/v1",
            &mut managers,
            &b,
            false,
        )
        .unwrap();
        assert_eq!(fields(&managers, &a), fields(&managers, &b));
        let out = u
            .apply(
                &live,
                &json!({"spec": {"replicas": 2}}),
                "apps/v1",
                &mut managers,
                &b,
                true,
            )
            .unwrap()
            .unwrap();
        assert_eq!(out["spec"]["replicas"], 2);
        assert!(!managers.contains_key(&a));
    }

    #[test]
    fn dropped_fields_are_removed_unless_owned_elsewhere() {
        let u = updater();
        let (a, b) = (applier("a"), applier("b"));
        let mut managers = ManagedFields::new();
        let both = json!({"metadata": {"labels": {"x": "1", "y": "2"}}, "spec": {"replicas": 2}});
        let live = u
            .apply(&json!({}), &both, "apps/v1", &mut managers, &a, false)
            .unwrap()
            .unwrap();
        u.apply(
            &live,
            &json!({"metadata": {"labels": {"y": "2"}}}),
            "apps/v1",
            &mut managers,
            &b,
            false,
        )
        .unwrap();
        let out = u
            .apply(
                &live,
                &json!({"metadata": {"labels": {"x": "1"}}}),
                "apps/v1",
                &mut managers,
                &a,
                false,
            )
            .unwrap()
            .unwrap();
        // replicas only a owned: gone; label y is b's too: kept.
        assert_eq!(
            out,
            json!({"metadata": {"labels": {"x": "1", "y": "2"}}, "spec": {}})
        );
        assert_eq!(
            fields(&managers, &a),
            json!({"f:metadata": {"f:labels": {"f:x": {}}}})
        );
        // Applying the same again changes nothing.
        assert_eq!(
            u.apply(
                &out,
                &json!({"metadata": {"labels": {"x": "1"}}}),
                "apps/v1",
                &mut managers,
                &a,
                false
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn dropped_list_items_go() {
        let u = updater();
        let a = applier("a");
        let mut managers = ManagedFields::new();
        let two = json!({"spec": {"template": {"spec": {"containers": [{"name": "x", "image": "x"}, {"name": "y", "image": "y"}]}}}});
        let live = u
            .apply(&json!({}), &two, "apps/v1", &mut managers, &a, false)
            .unwrap()
            .unwrap();
        let one =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "y", "image": "y"}]}}}});
        let out = u
            .apply(&live, &one, "apps/v1", &mut managers, &a, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "y", "image": "y"}])
        );
    }

    #[test]
    fn status_is_ignored_on_the_main_endpoint() {
        let u = updater();
        let a = applier("a");
        let mut managers = ManagedFields::new();
        u.apply(
            &json!({}),
            &json!({"spec": {"paused": true}, "status": {"replicas": 3}}),
            "apps/v1",
            &mut managers,
            &a,
            false,
        )
        .unwrap();
        assert_eq!(fields(&managers, &a), json!({"f:spec": {"f:paused": {}}}));
        let status_only =
            ResetFields::AllBut(Set::from_fields_v1(&json!({"f:status": {}})).unwrap());
        assert_eq!(
            status_only
                .filter(
                    &Set::from_fields_v1(&json!({"f:spec": {"f:x": {}}, "f:status": {"f:y": {}}}))
                        .unwrap()
                )
                .to_fields_v1(),
            json!({"f:status": {"f:y": {}}})
        );
    }
}
