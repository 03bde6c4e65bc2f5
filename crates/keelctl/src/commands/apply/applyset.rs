//! `apply --prune --applyset=[RESOURCE[.GROUP]/]NAME` (alpha, enabled by
//! `KUBECTL_APPLYSET=true`): the ApplySet specification of KEP 3659. A
//! parent object (a Secret by default) records which kinds and namespaces
//! the set spans; every member carries the set's `part-of` label, and
//! pruning deletes the labelled objects this apply no longer holds.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::{Helper, Info};
use base64::Engine;
use keelson_apimachinery::gvk::GroupVersionResource;
use keelson_client::restmapper::{GroupKind, RestMapping, Scope};
use keelson_client::PatchType;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The parent's tooling annotation: `<tool>/<version>`.
const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// The parent's list of the kinds its members have (`Kind.group`).
const GKS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// The parent's list of member namespaces other than its own.
const NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";
/// The parent's id label.
const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// The members' label, valued with the parent's id.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// The label a CRD needs for its custom resources to be parents.
const PARENT_CRD_LABEL: &str = "applyset.kubernetes.io/is-parent-type";
/// The tool name kubectl writes, kept so kubectl and keelctl manage the
/// same sets.
const TOOL: &str = "kubectl";

/// Whether `KUBECTL_APPLYSET` enables the feature (kubectl's feature gate).
pub fn enabled() -> bool {
    std::env::var("KUBECTL_APPLYSET").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The error kubectl gives for `--applyset` while the feature is off: its
/// flag is not registered then.
pub fn disabled_error() -> CmdError {
    CmdError::raw("error: unknown flag: --applyset\nSee 'kubectl apply --help' for usage.")
}

/// The parent object and what the set held and will hold.
pub struct ApplySet {
    mapping: RestMapping,
    name: String,
    namespace: String,
    current_kinds: BTreeMap<String, RestMapping>,
    current_namespaces: BTreeSet<String>,
    updated_kinds: BTreeMap<String, RestMapping>,
    updated_namespaces: BTreeSet<String>,
}

impl ApplySet {
    /// Parses `--applyset` (kubectl's `ParseApplySetParentRef`); the parent
    /// lives in the namespace given with `-n`, if any.
    pub async fn parse(f: &mut Factory, reference: &str) -> CmdResult<ApplySet> {
        let invalid =
            |e: String| CmdError::new(format!("invalid parent reference {reference:?}: {e}"));
        let (gvr, name) = match reference.split_once('/') {
            Some((resource, name)) => {
                let (resource, group) = resource.split_once('.').unwrap_or((resource, ""));
                (GroupVersionResource::new(group, "", resource), name)
            }
            None => (GroupVersionResource::new("", "v1", "secrets"), reference),
        };
        if name.is_empty() {
            return Err(invalid("name cannot be blank".into()));
        }
        let mapper = f.rest_mapper()?;
        let gvk = mapper
            .kind_for(&gvr)
            .await
            .map_err(|e| invalid(e.to_string()))?;
        let mapping = mapper
            .rest_mapping(&GroupKind::new(gvk.group.clone(), gvk.kind.clone()), &[])
            .await
            .map_err(|e| invalid(e.to_string()))?;
        let (namespace, explicit) = f.namespace()?;
        let namespace = if mapping.scope == Scope::Namespace && explicit {
            namespace
        } else {
            String::new()
        };
        Ok(ApplySet {
            mapping,
            name: name.to_string(),
            namespace,
            current_kinds: BTreeMap::new(),
            current_namespaces: BTreeSet::new(),
            updated_kinds: BTreeMap::new(),
            updated_namespaces: BTreeSet::new(),
        })
    }

    /// The set's id: `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`.
    pub fn id(&self) -> String {
        let gvk = &self.mapping.gvk;
        let text = format!(
            "{}.{}.{}.{}",
            self.name, self.namespace, gvk.kind, gvk.group
        );
        let hash = Sha256::digest(text.as_bytes());
        format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash)
        )
    }

    fn builtin_parent(&self) -> bool {
        let gvr = &self.mapping.gvr;
        gvr.group.is_empty()
            && gvr.version == "v1"
            && (gvr.resource == "secrets" || gvr.resource == "configmaps")
    }

    /// kubectl's `ApplySet.Validate`: a namespaced parent needs `-n`, and a
    /// parent that is not a Secret or ConfigMap must be a custom resource
    /// whose CRD allows it.
    pub async fn validate(&self, helper: &Helper) -> CmdResult {
        let mut errors = Vec::new();
        if self.mapping.scope == Scope::Namespace && self.namespace.is_empty() {
            errors.push("namespace is required to use namespace-scoped ApplySet".to_string());
        }
        if !self.builtin_parent() {
            let gvr = &self.mapping.gvr;
            let crd_name = format!("{}.{}", gvr.resource, gvr.group);
            let crds = helper
                .client()
                .get()
                .group_version(&keelson_apimachinery::gvk::GroupVersion::new(
                    "apiextensions.k8s.io",
                    "v1",
                ))
                .resource("customresourcedefinitions")
                .param("labelSelector", PARENT_CRD_LABEL)
                .json()
                .await;
            match crds {
                Err(e) => errors.push(format!(
                    "identifying allowed custom resource parent types: {e}"
                )),
                Ok(list) => {
                    let permitted =
                        list.get("items")
                            .and_then(Value::as_array)
                            .is_some_and(|items| {
                                items
                                    .iter()
                                    .any(|i| keelson_apimachinery::meta::name(i) == crd_name)
                            });
                    if !permitted {
                        errors.push(format!(
                            "resource \"{}/{}, Resource={}\" is not permitted as an ApplySet parent",
                            gvr.group, gvr.version, gvr.resource
                        ));
                    }
                }
            }
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(CmdError::new(errors.remove(0))),
            _ => Err(CmdError::new(format!("[{}]", errors.join(", ")))),
        }
    }

    /// Labels each object as a member (kubectl's `AddLabels`).
    pub fn add_labels(&self, infos: &mut [Info]) -> CmdResult {
        let id = self.id();
        for info in infos {
            let mut obj = info.object_or_empty();
            let labels = crate::resource::object::child_map_mut(
                crate::resource::object::metadata_mut(&mut obj),
                "labels",
            );
            if labels.contains_key(PART_OF_LABEL) {
                return Err(CmdError::new(format!(
                    "ApplySet label {PART_OF_LABEL:?} already set in input data"
                )));
            }
            labels.insert(PART_OF_LABEL.into(), Value::String(id.clone()));
            info.object = Some(obj);
        }
        Ok(())
    }

    /// kubectl's `BeforeApply`: reads the parent (none yet is fine for a
    /// Secret or ConfigMap), then widens it to cover what is about to be
    /// applied, so an interrupted apply leaks nothing.
    pub async fn before_apply(
        &mut self,
        f: &mut Factory,
        helper: &Helper,
        infos: &[Info],
        dry_run: DryRun,
    ) -> CmdResult {
        self.fetch_parent(f, helper).await?;
        for info in infos {
            let gvk = &info.mapping.gvk;
            self.updated_kinds
                .entry(group_kind_text(&gvk.kind, &gvk.group))
                .or_insert_with(|| info.mapping.clone());
            if info.namespaced() && !info.namespace.is_empty() {
                self.updated_namespaces.insert(info.namespace.clone());
            }
        }
        let kinds: BTreeSet<&String> = self
            .current_kinds
            .keys()
            .chain(self.updated_kinds.keys())
            .collect();
        let namespaces: BTreeSet<&String> = self
            .current_namespaces
            .iter()
            .chain(&self.updated_namespaces)
            .collect();
        self.update_parent(helper, kinds, namespaces, dry_run).await
    }

    async fn fetch_parent(&mut self, f: &mut Factory, helper: &Helper) -> CmdResult {
        let parent_info = self.parent_info();
        let parent = match helper.get(&parent_info).await {
            Ok(p) => p,
            Err(e) if e.is_not_found() => {
                if !self.builtin_parent() {
                    return Err(CmdError::new(
                        "custom resource ApplySet parents cannot be created automatically",
                    ));
                }
                return Ok(());
            }
            Err(e) => {
                return Err(CmdError::new(format!(
                    "failed to fetch ApplySet parent object {:?}: {e}",
                    self.reference()
                )))
            }
        };
        let labels = keelson_apimachinery::meta::labels(&parent);
        let annotations = keelson_apimachinery::meta::annotations(&parent);
        let reference = self.reference();
        let Some(tooling) = annotations.get(TOOLING_ANNOTATION) else {
            return Err(CmdError::new(format!(
                "ApplySet parent object {reference:?} already exists and is missing required annotation {TOOLING_ANNOTATION:?}"
            )));
        };
        let managed_by = tooling
            .rsplit_once('/')
            .map_or(tooling.as_str(), |(name, _)| name);
        if managed_by != TOOL {
            return Err(CmdError::new(format!(
                "ApplySet parent object {reference:?} already exists and is managed by tooling {managed_by:?} instead of {TOOL:?}"
            )));
        }
        let id = self.id();
        match labels.get(ID_LABEL) {
            None => {
                return Err(CmdError::new(format!(
                    "ApplySet parent object {reference:?} exists and does not have required label {ID_LABEL}"
                )))
            }
            Some(got) if *got != id => {
                return Err(CmdError::new(format!(
                    "ApplySet parent object {reference:?} exists and has incorrect value for label {ID_LABEL:?} (got: {got}, want: {id})"
                )))
            }
            Some(_) => {}
        }
        let Some(kinds) = annotations.get(GKS_ANNOTATION) else {
            return Err(CmdError::new(format!(
                "parsing ApplySet annotation on {reference:?}: kubectl requires the {GKS_ANNOTATION:?} annotation to be set on all ApplySet parent objects"
            )));
        };
        let mapper = f.rest_mapper()?;
        for gk in kinds.split(',').filter(|s| !s.is_empty()) {
            let (kind, group) = gk.split_once('.').unwrap_or((gk, ""));
            let mapping = mapper
                .rest_mapping(&GroupKind::new(group, kind), &[])
                .await
                .map_err(|e| {
                    CmdError::new(format!(
                        "parsing ApplySet annotation on {reference:?}: could not find mapping for kind in {GKS_ANNOTATION:?} annotation: {e}"
                    ))
                })?;
            self.current_kinds.insert(gk.to_string(), mapping);
        }
        if let Some(namespaces) = annotations.get(NAMESPACES_ANNOTATION) {
            self.current_namespaces.extend(
                namespaces
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
        if self.mapping.scope == Scope::Namespace {
            self.current_namespaces.insert(self.namespace.clone());
        }
        Ok(())
    }

    /// Deletes the members this apply did not touch, in every namespace and
    /// kind the parent recorded, then narrows the parent to this apply's set.
    pub async fn prune(
        &self,
        helper: &Helper,
        pruner: &super::prune::Pruner<'_>,
        visited: &super::prune::Visited,
        dry_run: DryRun,
    ) -> CmdResult {
        let selector = format!("{PART_OF_LABEL}={}", self.id());
        for mapping in self.current_kinds.values() {
            let namespaces: Vec<&str> = if mapping.scope == Scope::Namespace {
                self.current_namespaces.iter().map(String::as_str).collect()
            } else {
                vec![""]
            };
            for ns in namespaces {
                pruner
                    .prune_members(ns, mapping, &selector, visited)
                    .await
                    .map_err(CmdError::new)?;
            }
        }
        let kinds: BTreeSet<&String> = self.updated_kinds.keys().collect();
        let namespaces: BTreeSet<&String> = self.updated_namespaces.iter().collect();
        self.update_parent(helper, kinds, namespaces, dry_run)
            .await
            .map_err(|e| {
                let text = e
                    .message
                    .strip_prefix("error: ")
                    .unwrap_or(&e.message)
                    .to_string();
                CmdError::new(format!(
                    "apply and prune succeeded, but ApplySet update failed: {text}"
                ))
            })
    }

    /// Server-side applies the parent's labels and annotations (field
    /// manager `kubectl-applyset`), forcing once on a conflict.
    async fn update_parent(
        &self,
        helper: &Helper,
        kinds: BTreeSet<&String>,
        namespaces: BTreeSet<&String>,
        dry_run: DryRun,
    ) -> CmdResult {
        if dry_run == DryRun::Client {
            return Ok(());
        }
        let others: Vec<&str> = namespaces
            .into_iter()
            .map(String::as_str)
            .filter(|ns| *ns != self.namespace)
            .collect();
        let kinds: Vec<&str> = kinds.into_iter().map(String::as_str).collect();
        let mut meta = json!({
            "name": self.name,
            "annotations": {
                TOOLING_ANNOTATION: format!("{TOOL}/v1.37.0-keelctl.{}", env!("CARGO_PKG_VERSION")),
                GKS_ANNOTATION: kinds.join(","),
                NAMESPACES_ANNOTATION: others.join(","),
            },
            "labels": {ID_LABEL: self.id()},
        });
        if !self.namespace.is_empty() {
            meta["namespace"] = json!(self.namespace);
        }
        let patch = json!({
            "kind": self.mapping.gvk.kind,
            "apiVersion": self.mapping.gvk.api_version(),
            "metadata": meta,
        });
        let body = keelson_apimachinery::codec::to_json(&patch);
        let mut parent_helper = helper.clone();
        parent_helper.field_manager = Some(format!("{TOOL}-applyset"));
        let info = self.parent_info();
        let first = parent_helper
            .patch(&info, PatchType::Apply, body.as_bytes(), None, Some(false))
            .await;
        let result = match first {
            Err(e) if e.is_conflict() => {
                super::prune::klog_warning(&format!(
                    "WARNING: failed to update ApplySet: {e}\nApplySet field manager {TOOL}-applyset should own these fields. Retrying with conflicts forced."
                ));
                parent_helper
                    .patch(&info, PatchType::Apply, body.as_bytes(), None, Some(true))
                    .await
            }
            other => other,
        };
        result
            .map(|_| ())
            .map_err(|e| CmdError::new(format!("failed to update ApplySet: {e}")))
    }

    fn parent_info(&self) -> Info {
        Info {
            source: String::new(),
            mapping: self.mapping.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            object: None,
        }
    }

    /// `resource.group/name`, as `--applyset` takes it.
    fn reference(&self) -> String {
        format!(
            "{}.{}/{}",
            self.mapping.gvr.resource, self.mapping.gvr.group, self.name
        )
    }
}

/// apimachinery's `GroupKind.String()`: `Deployment.apps`, `ConfigMap`.
fn group_kind_text(kind: &str, group: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    }
}

/// The flags kubectl's `Validate` refuses next to `--applyset`.
pub fn check_flags(all: bool, selector: bool, allowlist: bool) -> CmdResult {
    let message = if all {
        "--all is incompatible with --applyset"
    } else if selector {
        "--selector is incompatible with --applyset"
    } else if allowlist {
        "--prune-allowlist is incompatible with --applyset"
    } else {
        return Ok(());
    };
    Err(CmdError::new(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::gvk::GroupVersionKind;

    #[test]
    fn the_id_is_kubectls() {
        let set = ApplySet {
            mapping: RestMapping {
                gvr: GroupVersionResource::new("", "v1", "secrets"),
                gvk: GroupVersionKind::new("", "v1", "Secret"),
                scope: Scope::Namespace,
            },
            name: "myset".into(),
            namespace: "as1".into(),
            current_kinds: BTreeMap::new(),
            current_namespaces: BTreeSet::new(),
            updated_kinds: BTreeMap::new(),
            updated_namespaces: BTreeSet::new(),
        };
        // The id kubectl 1.37 gave this parent.
        assert_eq!(
            set.id(),
            "applyset-0Zqv7eVfPCxmh0VRYPZn6st-Gcl54_RDjPu4HYU8Ls4-v1"
        );
        assert_eq!(set.reference(), "secrets./myset");
    }

    #[test]
    fn flag_checks_read_like_kubectl() {
        assert!(check_flags(false, false, false).is_ok());
        assert_eq!(
            check_flags(false, true, true).unwrap_err().message,
            "error: --selector is incompatible with --applyset"
        );
        assert_eq!(group_kind_text("Deployment", "apps"), "Deployment.apps");
    }
}
