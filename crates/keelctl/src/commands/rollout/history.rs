//! Deployment revisions from their ReplicaSets (`deployment.kubernetes.io/revision`):
//! kubectl's history viewer and the rollback it computes for `undo`.

use crate::commands::describe::pods::describe_pod_template;
use crate::commands::describe::workloads::{equal_ignore_hash, without_hash};
use crate::commands::describe::writer::{PrefixWriter, TabWriter};
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

/// The ReplicaSets among `all` that `deployment` controls.
pub fn owned(deployment: &Value, all: &[Value]) -> Vec<Value> {
    let uid = deployment
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
