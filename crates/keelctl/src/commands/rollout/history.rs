//! Rollout history: Deployment revisions from their ReplicaSets
//! (`deployment.kubernetes.io/revision`), with the rollback `undo` computes,
//! and DaemonSet/StatefulSet revisions from the ControllerRevisions they own.

use crate::commands::describe::pods::describe_pod_template;
use crate::commands::describe::workloads::{equal_ignore_hash, without_hash};
use crate::commands::describe::writer::{PrefixWriter, TabWriter};
use crate::error::{CmdError, CmdResult};
use keelson_client::RestClient;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The revision annotation on ReplicaSets and Deployments.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// The change-cause annotation shown by `rollout history`.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// Annotations a rollback keeps from the Deployment instead of the ReplicaSet.
const SKIP_ON_ROLLBACK: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// `deploymentutil.Revision`.
pub fn revision(obj: &Value) -> Option<i64> {
    annotation(obj, REVISION).and_then(|r| r.parse().ok())
}

/// The objects among `all` (ReplicaSets, ControllerRevisions) that `owner` controls.
pub fn owned(owner: &Value, all: &[Value]) -> Vec<Value> {
    let uid = owner
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    all.iter()
        .filter(|rs| {
            rs.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|r| {
                    r.get("controller").and_then(Value::as_bool) == Some(true)
                        && r.get("uid").and_then(Value::as_str) == Some(uid)
                })
        })
        .cloned()
        .collect()
}

/// Revision → pod template (with the change cause as a template annotation).
pub fn history(replica_sets: &[Value]) -> BTreeMap<i64, Value> {
    let mut out = BTreeMap::new();
    for rs in replica_sets {
        let Some(v) = revision(rs) else { continue };
        let mut template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        if let Some(cause) = annotation(rs, CHANGE_CAUSE).filter(|c| !c.is_empty()) {
            if let Some(meta) = template
                .as_object_mut()
                .map(|t| t.entry("metadata").or_insert(json!({})))
            {
                if let Some(m) = meta.as_object_mut() {
                    let ann = m.entry("annotations").or_insert(json!({}));
                    if let Some(a) = ann.as_object_mut() {
                        a.insert(CHANGE_CAUSE.into(), json!(cause));
                    }
                }
            }
        }
        out.insert(v, template);
    }
    out
}

/// The `REVISION  CHANGE-CAUSE` table, or kubectl's message without history.
pub fn history_table(history: &BTreeMap<i64, Value>) -> String {
    if history.is_empty() {
        return "No rollout history found.".into();
    }
    let mut w = TabWriter::default();
    w.write("REVISION\tCHANGE-CAUSE\n");
    for (r, t) in history {
        let cause = t
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(CHANGE_CAUSE))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .unwrap_or("<none>");
        w.write(&format!("{r}\t{cause}\n"));
    }
    w.finish()
}

/// One revision's pod template as kubectl's `printTemplate` writes it (tabs unaligned).
pub fn template_text(template: &Value) -> String {
    let mut w = PrefixWriter::raw();
    describe_pod_template(&mut w, Some(template));
    w.finish()
}

const NO_HISTORY: &str = "No rollout history found.";
const NO_REVISION: &str = "unable to find the specified revision";

/// kubectl's `DeploymentHistoryViewer`: the revisions table, or one
/// revision's pod template; `Err` is the message kubectl fails with.
pub fn view_deployment(history: &BTreeMap<i64, Value>, revision: i64) -> Result<String, String> {
    if history.is_empty() {
        return Ok(NO_HISTORY.into());
    }
    if revision > 0 {
        return history
            .get(&revision)
            .map(template_text)
            .ok_or_else(|| NO_REVISION.to_string());
    }
    Ok(history_table(history))
}

/// kubectl's `HistoryViewerFor` refusal for kinds without history
/// (anything but Deployments, DaemonSets and StatefulSets).
pub fn no_viewer(group: &str, kind: &str) -> Option<String> {
    let known = matches!(
        (group, kind),
        ("apps" | "extensions", "Deployment") | ("apps", "DaemonSet" | "StatefulSet")
    );
    if known {
        return None;
    }
    let gk = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    Some(format!("no history viewer has been implemented for {gk:?}"))
}

/// The controllers whose history lives in ControllerRevisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionOwner {
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// apps/v1 StatefulSet.
    StatefulSet,
}

impl RevisionOwner {
    /// The owner kind for a group and kind, when it keeps ControllerRevisions.
    pub fn of(group: &str, kind: &str) -> Option<RevisionOwner> {
        match (group, kind) {
            ("apps", "DaemonSet") => Some(RevisionOwner::DaemonSet),
            ("apps", "StatefulSet") => Some(RevisionOwner::StatefulSet),
            _ => None,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            RevisionOwner::DaemonSet => "DaemonSet",
            RevisionOwner::StatefulSet => "StatefulSet",
        }
    }
}

/// The ControllerRevisions in the owner's namespace its selector matches
/// (kubectl's `controlledHistory` lists by selector, then keeps the ones
/// the owner controls: see [`controlled_revisions`]).
pub async fn list_controller_revisions(
    client: &RestClient,
    owner: &Value,
) -> CmdResult<Vec<Value>> {
    let ns = owner
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let selector = owner
        .pointer("/spec/selector")
        .map(crate::commands::describe::writer::selector_string)
        .unwrap_or_default();
    let list = client
        .get()
        .abs_path(format!("/apis/apps/v1/namespaces/{ns}/controllerrevisions"))
        .param("labelSelector", selector)
        .json()
        .await
        .map_err(CmdError::from)?;
    Ok(list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// The revisions among `all` that `owner` controls, by revision number (a
/// later duplicate wins, as in kubectl's map).
pub fn controlled_revisions(owner: &Value, all: &[Value]) -> BTreeMap<i64, Value> {
    owned(owner, all)
        .into_iter()
        .map(|cr| {
            let r = cr.get("revision").and_then(Value::as_i64).unwrap_or(0);
            (r, cr)
        })
        .collect()
}

/// The owner as it was at a revision: the revision's data (a strategic
/// merge patch, usually `spec.template` with `$patch: replace`) applied to it.
pub fn apply_revision(kind: RevisionOwner, owner: &Value, cr: &Value) -> Result<Value, String> {
    let patch = cr
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let schema = crate::resource::threeway::builtin_schema("apps", "v1", kind.kind())
        .ok_or_else(|| format!("no schema for {}", kind.kind()))?;
    keelson_apimachinery::strategic::strategic_merge(owner, patch, schema)
        .map_err(|e| e.to_string())
}

/// kubectl's DaemonSet and StatefulSet history viewers over the owner's
/// controlled revisions; `Err` is the message kubectl fails with.
pub fn view_revisions(
    kind: RevisionOwner,
    owner: &Value,
    revisions: &BTreeMap<i64, Value>,
    revision: i64,
) -> Result<String, String> {
    if revisions.is_empty() {
        return Ok(NO_HISTORY.into());
    }
    if revision > 0 {
        let cr = revisions
            .get(&revision)
            .ok_or_else(|| NO_REVISION.to_string())?;
        let applied = apply_revision(kind, owner, cr).map_err(|e| match kind {
            RevisionOwner::DaemonSet => format!(
                "unable to parse history {}",
                cr.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ),
            RevisionOwner::StatefulSet => format!("error unmarshelling sts: {e}"),
        })?;
        let template = applied
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(json!({}));
        return Ok(template_text(&template));
    }
    let mut w = TabWriter::default();
    w.write("REVISION\tCHANGE-CAUSE\n");
    for (r, cr) in revisions {
        let cause = annotation(cr, CHANGE_CAUSE)
            .filter(|c| !c.is_empty())
            .unwrap_or("<none>");
        w.write(&format!("{r}\t{cause}\n"));
    }
    Ok(w.finish())
}

/// What `undo` does to a Deployment.
#[derive(Debug, PartialEq)]
pub enum Rollback {
    /// Apply this JSON patch.
    Patch(Value),
    /// The template already equals the asked revision's (0: the previous one).
    Skip(i64),
}

/// kubectl's `DeploymentRollbacker`: the ReplicaSet of `to_revision` (or the
/// previous one), then a JSON patch of the template and annotations.
pub fn rollback(
    deployment: &Value,
    replica_sets: &[Value],
    to_revision: i64,
) -> Result<Rollback, String> {
    let name = deployment
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut by_rev: Vec<(i64, &Value)> = replica_sets
        .iter()
        .filter_map(|rs| revision(rs).map(|v| (v, rs)))
        .collect();
    by_rev.sort_by_key(|(v, _)| *v);
    let rs = if to_revision == 0 {
        if replica_sets.len() <= 1 || by_rev.len() < 2 {
            return Err(format!("no rollout history found for deployment {name:?}"));
        }
        by_rev[by_rev.len() - 2].1
    } else {
        match by_rev.iter().find(|(v, _)| *v == to_revision) {
            Some(&(_, rs)) => rs,
            None => {
                return Err(format!(
                    "unable to find specified revision {to_revision} in history"
                ))
            }
        }
    };
    let mut template = without_hash(rs.pointer("/spec/template"));
    // kubectl sends the typed template: every container has `resources: {}`.
    for field in ["containers", "initContainers"] {
        if let Some(list) = template
            .pointer_mut(&format!("/spec/{field}"))
            .and_then(Value::as_array_mut)
        {
            for c in list.iter_mut().filter_map(Value::as_object_mut) {
                c.entry("resources").or_insert_with(|| json!({}));
            }
        }
    }
    if equal_ignore_hash(
        rs.pointer("/spec/template"),
        deployment.pointer("/spec/template"),
    ) {
        // kubectl names the revision as asked (0 for "the previous one").
        return Ok(Rollback::Skip(to_revision));
    }
    let mut annotations = Map::new();
    for k in SKIP_ON_ROLLBACK {
        if let Some(v) = annotation(deployment, k) {
            annotations.insert((*k).to_string(), json!(v));
        }
    }
    if let Some(a) = rs
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for (k, v) in a {
            if !SKIP_ON_ROLLBACK.contains(&k.as_str()) {
                annotations.insert(k.clone(), v.clone());
            }
        }
    }
    let sorted: BTreeMap<String, Value> = annotations.into_iter().collect();
    Ok(Rollback::Patch(json!([
        { "op": "replace", "path": "/spec/template", "value": template },
        { "op": "replace", "path": "/metadata/annotations", "value": sorted },
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(rev: &str, image: &str, cause: &str) -> Value {
        json!({"metadata": {"name": format!("web-{rev}"), "annotations": {REVISION: rev, CHANGE_CAUSE: cause},
            "ownerReferences": [{"controller": true, "uid": "u"}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": rev}},
                "spec": {"containers": [{"name": "c", "image": image}]}}}})
    }

    #[test]
    fn history_table_matches_kubectl() {
        let h = history(&[rs("2", "b", "set image"), rs("1", "a", "")]);
        assert_eq!(
            history_table(&h),
            "REVISION  CHANGE-CAUSE\n1         <none>\n2         set image\n"
        );
        assert_eq!(history_table(&BTreeMap::new()), "No rollout history found.");
    }

    fn revision(name: &str, rev: i64, image: &str, cause: Option<&str>) -> Value {
        let mut cr = json!({"metadata": {"name": name, "ownerReferences": [{"controller": true, "uid": "u"}]},
            "revision": rev,
            "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "c", "image": image}]}}}}});
        if let Some(c) = cause {
            cr["metadata"]["annotations"] = json!({CHANGE_CAUSE: c});
        }
        cr
    }

    #[test]
    fn only_rollout_kinds_have_history() {
        assert_eq!(no_viewer("apps", "DaemonSet"), None);
        assert_eq!(
            no_viewer("", "ReplicationController").unwrap(),
            "no history viewer has been implemented for \"ReplicationController\""
        );
        assert_eq!(
            no_viewer("batch", "Job").unwrap(),
            "no history viewer has been implemented for \"Job.batch\""
        );
    }

    #[test]
    fn controller_revision_tables() {
        let owner = json!({"metadata": {"uid": "u"}});
        let stranger = json!({"metadata": {"name": "x", "ownerReferences": [{"controller": true, "uid": "v"}]}, "revision": 9});
        let all = [
            revision("a-2", 2, "b", Some("set image")),
            revision("a-1", 1, "a", None),
            stranger,
        ];
        let revs = controlled_revisions(&owner, &all);
        assert_eq!(revs.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(
            view_revisions(RevisionOwner::DaemonSet, &owner, &revs, 0).unwrap(),
            "REVISION  CHANGE-CAUSE\n1         <none>\n2         set image\n"
        );
        assert_eq!(
            view_revisions(RevisionOwner::StatefulSet, &owner, &revs, 0).unwrap(),
            view_revisions(RevisionOwner::DaemonSet, &owner, &revs, 0).unwrap()
        );
        assert_eq!(
            view_revisions(RevisionOwner::StatefulSet, &owner, &BTreeMap::new(), 3).unwrap(),
            "No rollout history found."
        );
        assert_eq!(
            view_revisions(RevisionOwner::DaemonSet, &owner, &revs, 3).unwrap_err(),
            "unable to find the specified revision"
        );
    }

    #[test]
    fn revision_template_replaces_the_owners() {
        let owner = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"uid": "u"},
            "spec": {"template": {"metadata": {"labels": {"app": "a", "new": "x"}},
                "spec": {"containers": [{"name": "c", "image": "new"}, {"name": "d", "image": "d"}]}}}});
        let revs = controlled_revisions(&owner, &[revision("a-1", 1, "old", None)]);
        let text = view_revisions(RevisionOwner::DaemonSet, &owner, &revs, 1).unwrap();
        assert!(text.contains("Image:\told\n"), "{text}");
        assert!(!text.contains("new"), "{text}");
    }

    #[test]
    fn rollback_to_previous_and_skip() {
        let d = json!({"metadata": {"name": "web", "uid": "u", "annotations": {REVISION: "2"}},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "b"}]}}}});
        let all = [rs("1", "a", ""), rs("2", "b", "")];
        let Rollback::Patch(p) = rollback(&d, &all, 0).unwrap() else {
            panic!("expected a patch")
        };
        assert_eq!(p[0]["value"]["spec"]["containers"][0]["image"], json!("a"));
        assert_eq!(p[0]["value"]["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(p[1]["value"][REVISION], json!("2"));
        assert_eq!(rollback(&d, &all, 2).unwrap(), Rollback::Skip(2));
        assert_eq!(
            rollback(&d, &all, 7).unwrap_err(),
            "unable to find specified revision 7 in history"
        );
        assert_eq!(
            rollback(&d, &all[..1], 0).unwrap_err(),
            "no rollout history found for deployment \"web\""
        );
    }
}
