//! `apply --prune`: after every object was applied, delete the objects
//! that earlier applies made (they carry the last-applied annotation) but
//! the files no longer hold, as kubectl's `pruner` does. Only the kinds in
//! the allowlist are looked at, in the namespaces the apply touched.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::OutputFlags;
use crate::resource::{last_applied, Helper};
use keelson_client::restmapper::{GroupKind, RestMapping, Scope};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// kubectl's warning when the default allowlist meets a namespace (which it
/// always has: the kubeconfig's or `default`).
const CLUSTER_SCOPED_DEPRECATION: &str = "Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used with the --namespace flag in a future release. To preserve the current behaviour, list the resources you want to target explicitly in the --prune-allowlist flag.";

/// How many of [`DEFAULT_ALLOWLIST`]'s kinds, from the start, are namespaced.
const DEFAULT_NAMESPACED: usize = 14;

/// kubectl's default prune set (group, version, kind), the namespaced kinds
/// first.
const DEFAULT_ALLOWLIST: [(&str, &str, &str); 16] = [
    ("", "v1", "ConfigMap"),
    ("", "v1", "Endpoints"),
    ("", "v1", "PersistentVolumeClaim"),
    ("", "v1", "Pod"),
    ("", "v1", "ReplicationController"),
    ("", "v1", "Secret"),
    ("", "v1", "Service"),
    ("batch", "v1", "Job"),
    ("batch", "v1", "CronJob"),
    ("networking.k8s.io", "v1", "Ingress"),
    ("apps", "v1", "DaemonSet"),
    ("apps", "v1", "Deployment"),
    ("apps", "v1", "ReplicaSet"),
    ("apps", "v1", "StatefulSet"),
    ("", "v1", "Namespace"),
    ("", "v1", "PersistentVolume"),
];

/// One `--prune-allowlist` entry, `group/version/kind` (`core` for the
/// legacy group), split as kubectl's `ParseResources` splits it.
pub fn parse_allowlist_entry(entry: &str) -> Result<(String, String, String), String> {
    let parts: Vec<&str> = entry.split('/').collect();
    let [group, version, kind] = parts.as_slice() else {
        return Err(format!(
            "invalid GroupVersionKind format: {entry}, please follow <group/version/kind>"
        ));
    };
    let group = if *group == "core" { "" } else { group };
    Ok((group.to_string(), version.to_string(), kind.to_string()))
}

/// The kinds `--prune` looks at: the allowlist's, each mapped now so a bad
/// entry fails before anything is applied; `None` for kubectl's default set,
/// mapped only when pruning starts.
pub async fn allowlist(f: &mut Factory, entries: &[String]) -> CmdResult<Option<Vec<RestMapping>>> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut mappings = Vec::new();
    for entry in entries {
        let (group, version, kind) = parse_allowlist_entry(entry).map_err(CmdError::new)?;
        let mapping = f
            .rest_mapper()?
            .rest_mapping(&GroupKind::new(group, kind), &[version.as_str()])
            .await
            .map_err(|e| CmdError::new(e.to_string()))?;
        mappings.push(mapping);
    }
    Ok(Some(mappings))
}

/// What the apply left for the pruner: where it went and what it touched.
#[derive(Debug, Default)]
pub struct Visited {
    /// Namespaces of the applied objects, and an explicit `-n`.
    pub namespaces: BTreeSet<String>,
    /// uids of the applied objects: never pruned.
    pub uids: BTreeSet<String>,
}

impl Visited {
    /// Records an applied object (kubectl's `MarkObjectVisited`).
    pub fn object(&mut self, obj: &Value) {
        let uid = keelson_apimachinery::meta::meta_str(obj, "uid");
        if !uid.is_empty() {
            self.uids.insert(uid.to_string());
        }
    }
}

/// Deletes what is to be pruned and prints a `pruned` line (or the object,
/// for `-o`) for each.
pub struct Pruner<'a> {
    /// Writes carry the apply's dry-run; deletes are skipped under `--dry-run=client`.
    pub helper: &'a Helper,
    /// `-l`, the selector the list requests carry.
    pub selector: Option<&'a str>,
    /// `--cascade` as the API's `propagationPolicy`.
    pub propagation_policy: &'a str,
    /// `--grace-period`; negative leaves the object's own.
    pub grace_period: i64,
    /// `--dry-run`.
    pub dry_run: DryRun,
    /// `-o`, `--show-managed-fields`: how each pruned object is printed.
    pub output: &'a OutputFlags,
    /// `--show-managed-fields`.
    pub show_managed_fields: bool,
}

impl Pruner<'_> {
    /// kubectl's `pruneAll`: every namespaced kind in every visited
    /// namespace, then the cluster-scoped kinds.
    pub async fn prune_all(
        &self,
        f: &mut Factory,
        allowlist: Option<Vec<RestMapping>>,
        visited: &Visited,
    ) -> CmdResult {
        let mappings = match allowlist {
            Some(m) => m,
            None => {
                klog_warning(CLUSTER_SCOPED_DEPRECATION);
                default_mappings(f).await?
            }
        };
        let (namespaced, cluster): (Vec<_>, Vec<_>) = mappings
            .into_iter()
            .partition(|m| m.scope == Scope::Namespace);
        for ns in &visited.namespaces {
            for mapping in &namespaced {
                self.prune(ns, mapping, visited).await.map_err(|e| {
                    CmdError::new(format!(
                        "error pruning namespaced object {}: {e}",
                        gvk_text(mapping)
                    ))
                })?;
            }
        }
        for mapping in &cluster {
            self.prune("", mapping, visited).await.map_err(|e| {
                CmdError::new(format!(
                    "error pruning nonNamespaced object {}: {e}",
                    gvk_text(mapping)
                ))
            })?;
        }
        Ok(())
    }

    /// Prunes the objects of one kind in one namespace.
    async fn prune(
        &self,
        namespace: &str,
        mapping: &RestMapping,
        visited: &Visited,
    ) -> Result<(), String> {
        self.prune_listed(namespace, mapping, self.selector, true, visited)
            .await
    }

    /// Prunes the members of an ApplySet (`selector` is its `part-of`
    /// label) of one kind in one namespace; they need no annotation.
    pub async fn prune_members(
        &self,
        namespace: &str,
        mapping: &RestMapping,
        selector: &str,
        visited: &Visited,
    ) -> Result<(), String> {
        self.prune_listed(namespace, mapping, Some(selector), false, visited)
            .await
    }

    async fn prune_listed(
        &self,
        namespace: &str,
        mapping: &RestMapping,
        selector: Option<&str>,
        need_annotation: bool,
        visited: &Visited,
    ) -> Result<(), String> {
        let list = self
            .helper
            .list(mapping, namespace, selector, None)
            .await
            .map_err(|e| e.to_string())?;
        let items = list
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for mut obj in items {
            if need_annotation && last_applied::original_configuration(&obj).is_none() {
                continue;
            }
            if visited
                .uids
                .contains(keelson_apimachinery::meta::meta_str(&obj, "uid"))
            {
                continue;
            }
            // Items of a list carry no kind on the wire; kubectl's dynamic
            // client fills them in from the list.
            if let Some(o) = obj.as_object_mut() {
                o.entry("apiVersion")
                    .or_insert_with(|| Value::String(mapping.gvk.api_version()));
                o.entry("kind")
                    .or_insert_with(|| Value::String(mapping.gvk.kind.clone()));
            }
            if self.dry_run != DryRun::Client {
                self.delete(namespace, mapping, &obj).await?;
            }
            // A fresh printer per object, as kubectl asks for one each time:
            // YAML documents get no `---` between them.
            let mut printer = self
                .output
                .printer(self.dry_run, self.show_managed_fields)
                .map_err(|e| e.message)?;
            printer.print(&obj, "pruned").map_err(|e| e.message)?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        namespace: &str,
        mapping: &RestMapping,
        obj: &Value,
    ) -> Result<(), String> {
        let mut options = json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": self.propagation_policy,
        });
        if self.grace_period >= 0 {
            options["gracePeriodSeconds"] = json!(self.grace_period);
        }
        let name = keelson_apimachinery::meta::name(obj).to_string();
        let req = self
            .helper
            .collection(self.helper.client().delete(), mapping, namespace)
            .name(name);
        let req = if self.dry_run == DryRun::Server {
            req.param("dryRun", "All")
        } else {
            req
        };
        req.body(&options)
            .json()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The default allowlist as the server maps it; a kind it does not serve
/// fails the prune, as in kubectl.
async fn default_mappings(f: &mut Factory) -> CmdResult<Vec<RestMapping>> {
    let mapper = f.rest_mapper()?;
    let mut out = Vec::new();
    for (i, (group, version, kind)) in DEFAULT_ALLOWLIST.into_iter().enumerate() {
        match mapper
            .rest_mapping(&GroupKind::new(group, kind), &[version])
            .await
        {
            Ok(m) => out.push(m),
            Err(e) => {
                let namespaced = i < DEFAULT_NAMESPACED;
                return Err(CmdError::new(format!(
                    "error retrieving RESTMappings to prune: invalid resource {group}/{version}, Kind={kind}, Namespaced={namespaced}: {e}"
                )));
            }
        }
    }
    Ok(out)
}

/// The warning as kubectl's klog writes it, naming the line of kubectl's
/// prune.go that logs it (`resource::options::klog_warning` names
/// helpers.go, where kubectl's other warnings come from).
pub(super) fn klog_warning(text: &str) {
    eprintln!(
        "W{} {:>7} prune.go:71] {text}",
        chrono::Local::now().format("%m%d %H:%M:%S%.6f"),
        std::process::id()
    );
}

/// Go's `schema.GroupVersionKind` `%v`: `apps/v1, Kind=Deployment`.
fn gvk_text(mapping: &RestMapping) -> String {
    let gvk = &mapping.gvk;
    format!("{}/{}, Kind={}", gvk.group, gvk.version, gvk.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_entries_parse_like_kubectl() {
        assert_eq!(
            parse_allowlist_entry("core/v1/ConfigMap").unwrap(),
            ("".into(), "v1".into(), "ConfigMap".into())
        );
        assert_eq!(
            parse_allowlist_entry("apps/v1/Deployment").unwrap(),
            ("apps".into(), "v1".into(), "Deployment".into())
        );
        assert_eq!(
            parse_allowlist_entry("v1/Secret").unwrap_err(),
            "invalid GroupVersionKind format: v1/Secret, please follow <group/version/kind>"
        );
        assert!(parse_allowlist_entry("a/b/c/d").is_err());
    }

    #[test]
    fn only_applied_objects_are_remembered() {
        let mut visited = Visited::default();
        visited.object(&json!({"metadata": {"uid": "u1"}}));
        visited.object(&json!({"metadata": {"name": "dry-run-create"}}));
        assert_eq!(visited.uids.iter().collect::<Vec<_>>(), ["u1"]);
    }
}
