//! `keelctl set subject`: add users, groups and service accounts to role
//! bindings and cluster role bindings.

use super::patch::{Operation, Patcher};
use super::Selection;
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Flags of `set subject (-f FILENAME | TYPE NAME) [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname]`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files the resource to update the subjects")))]
pub struct Args {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Groups to bind to the role.
    #[arg(long = "group")]
    groups: Vec<String>,
    /// Service accounts to bind to the role.
    #[arg(long = "serviceaccount")]
    service_accounts: Vec<String>,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs `set subject`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    // `--user` is also the global kubeconfig-user flag; here (as in kubectl,
    // where the local flag shadows it) it names a subject, so it must not
    // select the kubeconfig user. Being the global flag, it takes one value.
    let users: Vec<String> = f.flags.user.take().into_iter().collect();
    let dry_run = a.flags.dry_run()?;
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        a.selection.local,
        Operation {
            verb: "subjects updated",
            failure: "failed to patch subjects to rolebinding: ",
            patch_unchanged: false,
            name_errors: true,
        },
    )?;
    let (namespace, _) = f.namespace()?;
    a.selection
        .check_local(&a.args, crate::printers::DryRun::None)?;
    super::check_all_and_selector(a.selection.all, a.selector.as_deref())?;
    let infos = a
        .selection
        .visit(f, a.args.clone(), a.selector.clone())
        .await?;
    a.selection.check_local(&[], dry_run)?;
    if users.is_empty() && a.groups.is_empty() && a.service_accounts.is_empty() {
        return Err(CmdError::new(
            "you must specify at least one value of user, group or serviceaccount",
        ));
    }
    let cluster_binding = infos
        .iter()
        .any(|i| i.mapping.gvk.kind == "ClusterRoleBinding" && i.mapping.gvk.group == RBAC_GROUP);
    for sa in &a.service_accounts {
        let tokens: Vec<&str> = sa.split(':').collect();
        if tokens.len() != 2 || tokens[1].is_empty() {
            return Err(CmdError::new("serviceaccount must be <namespace>:<name>"));
        }
        if cluster_binding && tokens[0].is_empty() {
            return Err(CmdError::new(
                "serviceaccount must be <namespace>:<name>, namespace must be specified",
            ));
        }
    }
    let subjects = subjects(&users, &a.groups, &a.service_accounts, &namespace);
    patcher
        .run(infos, |info, obj, _| {
            let gvk = &info.mapping.gvk;
            if gvk.group != RBAC_GROUP
                || !matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            {
                return Err(
                    "setting subjects is only supported for RoleBinding/ClusterRoleBinding".into(),
                );
            }
            add_subjects(obj, &subjects);
            Ok(())
        })
        .await
}

/// The subjects to bind: users, groups, then service accounts, each sorted
/// and without repeats; a service account without a namespace gets the
/// command's.
fn subjects(
    users: &[String],
    groups: &[String],
    accounts: &[String],
    namespace: &str,
) -> Vec<Value> {
    let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    let mut out = Vec::new();
    for u in sorted(users) {
        out.push(json!({"apiGroup": RBAC_GROUP, "kind": "User", "name": u}));
    }
    for g in sorted(groups) {
        out.push(json!({"apiGroup": RBAC_GROUP, "kind": "Group", "name": g}));
    }
    for sa in sorted(accounts) {
        let (ns, name) = sa.split_once(':').unwrap_or(("", sa.as_str()));
        let ns = if ns.is_empty() { namespace } else { ns };
        out.push(json!({"kind": "ServiceAccount", "name": name, "namespace": ns}));
    }
    out
}

/// Whether two subjects are the same (Go's struct equality; absent fields
/// are empty).
fn same_subject(a: &Value, b: &Value) -> bool {
    ["kind", "apiGroup", "name", "namespace"].iter().all(|k| {
        a.get(*k).and_then(Value::as_str).unwrap_or_default()
            == b.get(*k).and_then(Value::as_str).unwrap_or_default()
    })
}

/// kubectl's `addSubjects`: appends the subjects the binding lacks.
fn add_subjects(binding: &mut Value, targets: &[Value]) {
    let Some(obj) = binding.as_object_mut() else {
        return;
    };
    let existing: Vec<Value> = obj
        .get("subjects")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut updated = existing.clone();
    for t in targets {
        if !existing.iter().any(|e| same_subject(e, t)) {
            updated.push(t.clone());
        }
    }
    if !updated.is_empty() {
        obj.insert("subjects".into(), Value::Array(updated));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_sorted_and_defaulted() {
        let s = subjects(
            &["bob".into(), "alice".into(), "bob".into()],
            &["devs".into()],
            &[":sa".into(), "other:x".into()],
            "ns1",
        );
        let names: Vec<&str> = s.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["alice", "bob", "devs", "sa", "x"]);
        assert_eq!(s[3]["namespace"], "ns1");
    }

    #[test]
    fn only_missing_subjects_are_added() {
        let mut rb =
            json!({"subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": "alice"}]});
        let targets = subjects(&["alice".into(), "carol".into()], &[], &[], "ns");
        add_subjects(&mut rb, &targets);
        assert_eq!(rb["subjects"].as_array().map(Vec::len), Some(2));
        assert_eq!(rb["subjects"][1]["name"], "carol");
    }
}
