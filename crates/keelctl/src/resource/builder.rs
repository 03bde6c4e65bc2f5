//! The `Builder`: from `-f` sources or resource arguments to the objects a
//! command acts on (cli-runtime's `resource.Builder` and its visitors).
//!
//! Reading continues past errors as kubectl's `ContinueOnError` does: a
//! source that fails to decode or validate stops at that document, an
//! object that fails to map is skipped, and the command still acts on
//! everything else; [`VisitErrors`] reports the failures afterwards.

use super::decode::{documents, is_list, missing_kind};
use super::errors::{VisitError, VisitErrors};
use super::helper::Helper;
use super::info::Info;
use super::source::{expand, Source};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use keelson_apimachinery::gvk::GroupVersion;
use keelson_apimachinery::selector::LabelSelector;
use keelson_client::restmapper::{GroupKind, MappingError, RestMapping};
use serde_json::Value;

/// What to visit and how.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    /// `-f` values: files, directories, `-`, URLs.
    pub filenames: Vec<String>,
    /// `-R`: walk directories recursively.
    pub recursive: bool,
    /// Resource arguments (`pods x`, `pods/x`, `deploy,svc`).
    pub args: Vec<String>,
    /// `-l`.
    pub label_selector: Option<String>,
    /// `--field-selector`.
    pub field_selector: Option<String>,
    /// `--all`: every object of the resources named.
    pub all: bool,
    /// `-A`: every namespace.
    pub all_namespaces: bool,
    /// Client-side schema check of each document (`--validate` not `ignore`).
    pub validate: bool,
    /// Fetch objects named by arguments (cli-runtime's `RequireObject`).
    pub require_object: bool,
    /// Re-read objects from files from the server (cli-runtime's `Latest`).
    pub latest: bool,
    /// `--local`: objects from files keep the namespace they were written
    /// with (none is defaulted or enforced).
    pub local: bool,
    /// Accept and yield nothing when there is no input (commands check themselves).
    pub allow_empty: bool,
}

/// One visited object, or the failure of its checks (a namespace mismatch,
/// a fetch that failed), in visiting order.
// Items are built once and moved into the command; boxing the common
// variant would only add an allocation per object.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Item {
    /// An object to act on.
    Info(Info),
    /// Its checks failed; kubectl reports it with the command's own failures.
    Failed(VisitError),
}

impl Item {
    /// The object to act on; a failed item goes to `errors` instead, in
    /// visiting order, so kubectl's report lists it among the command's own.
    pub fn accept(self, errors: &mut VisitErrors) -> Option<Info> {
        match self {
            Item::Info(info) => Some(info),
            Item::Failed(e) => {
                errors.objects.push(e);
                None
            }
        }
    }
}

/// Everything visited.
#[derive(Debug, Default)]
pub struct Visited {
    /// Objects, in order.
    pub items: Vec<Item>,
    /// Failures that stopped reading a source or mapping an object.
    pub source_errors: Vec<VisitError>,
}

impl Visited {
    /// An error collection seeded with the source failures, for the command
    /// to add its own to.
    pub fn take_errors(&mut self) -> VisitErrors {
        VisitErrors {
            objects: Vec::new(),
            sources: std::mem::take(&mut self.source_errors),
        }
    }
}

impl Builder {
    /// Checks the combination of inputs as kubectl's builder does.
    fn check(&self) -> CmdResult {
        let selector = self
            .label_selector
            .as_deref()
            .is_some_and(|s| !s.is_empty());
        if !self.filenames.is_empty() && !self.args.is_empty() {
            return Err(CmdError::new(
                "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well",
            ));
        }
        let field_selector = self
            .field_selector
            .as_deref()
            .is_some_and(|s| !s.is_empty());
        if self.all && (selector || field_selector) {
            return Err(CmdError::new(
                "setting 'all' parameter but found a non empty selector. ",
            ));
        }
        Ok(())
    }

    /// Visits every input; fails early (as kubectl's builder does before
    /// visiting) on bad arguments, missing paths and unknown resource types.
    pub async fn visit(&self, f: &mut Factory) -> CmdResult<Visited> {
        self.check()?;
        let (namespace, explicit) = f.namespace()?;
        let mut visited = Visited::default();
        if !self.filenames.is_empty() {
            let sources = expand(&self.filenames, self.recursive)?;
            self.visit_sources(f, &sources, &namespace, explicit, &mut visited)
                .await?;
        } else if !self.args.is_empty() {
            self.visit_args(f, &namespace, &mut visited).await?;
        } else if !self.allow_empty {
            return Err(CmdError::new(
                "you must provide one or more resources by argument or filename",
            ));
        }
        Ok(visited)
    }

    async fn visit_sources(
        &self,
        f: &mut Factory,
        sources: &[Source],
        namespace: &str,
        enforce: bool,
        visited: &mut Visited,
    ) -> CmdResult {
        let config = f.config()?.clone();
        let selector = match self.label_selector.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<LabelSelector>()
                    .map_err(|e| CmdError::new(e.to_string()))?,
            ),
            None => None,
        };
        let helper = Helper::new(f.client()?);
        for source in sources {
            let name = source.name();
            let data = match source.read(&config).await {
                Ok(d) => d,
                Err(e) => {
                    visited.source_errors.push(e);
                    continue;
                }
            };
            let docs = documents(&data, &name, self.validate);
            for doc in docs.objects {
                let objects = if is_list(&doc) {
                    doc.get("items")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    vec![doc]
                };
                for object in objects {
                    let mut info = match self.info_for_object(f, object, &name).await {
                        Ok(i) => i,
                        Err(e) => {
                            visited.source_errors.push(e);
                            continue;
                        }
                    };
                    if let Some(sel) = &selector {
                        let labels = keelson_apimachinery::meta::labels(&info.object_or_empty());
                        if !sel.matches(&labels) {
                            continue;
                        }
                    }
                    if self.latest {
                        default_namespace(&mut info, namespace);
                        match helper.get(&info).await {
                            Ok(obj) => info.object = Some(obj),
                            Err(e) => {
                                visited.source_errors.push(VisitError::client(e));
                                continue;
                            }
                        }
                    }
                    if self.local {
                        visited.items.push(Item::Info(info));
                    } else {
                        visited
                            .items
                            .push(check_namespace(info, namespace, enforce));
                    }
                }
            }
            if let Some(e) = docs.error {
                visited.source_errors.push(e);
            }
        }
        Ok(())
    }

    /// Maps one decoded object (cli-runtime's `infoForData`).
    async fn info_for_object(
        &self,
        f: &mut Factory,
        object: Value,
        source: &str,
    ) -> Result<Info, VisitError> {
        if let Some(msg) = missing_kind(&object) {
            return Err(VisitError::plain(format!(
                "unable to decode {source:?}: {msg}"
            )));
        }
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let gv = GroupVersion::parse_api_version(api_version);
        let name = keelson_apimachinery::meta::name(&object).to_string();
        let namespace = keelson_apimachinery::meta::namespace(&object).to_string();
        let mapper = f
            .rest_mapper()
            .map_err(|e| VisitError::plain(strip_error(&e.message)))?;
        let mapping = mapper
            .rest_mapping(
                &GroupKind::new(gv.group.clone(), kind),
                &[gv.version.as_str()],
            )
            .await
            .map_err(|e| mapping_error(&e, &name, &namespace, source))?;
        Ok(Info {
            source: source.to_string(),
            mapping,
            namespace,
            name,
            object: Some(object),
        })
    }

    async fn visit_args(
        &self,
        f: &mut Factory,
        namespace: &str,
        visited: &mut Visited,
    ) -> CmdResult {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let targets = f
            .rest_mapper()?
            .resolve_args(&args)
            .await
            .map_err(|e| CmdError::new(e.kubectl_message()))?;
        let selecting = self.all || self.label_selector.is_some() || self.field_selector.is_some();
        let named = targets.iter().any(|t| t.name.is_some());
        if named && selecting && !self.all {
            return Err(CmdError::new(
                "name cannot be provided when a selector is specified",
            ));
        }
        let helper = Helper::new(f.client()?);
        for target in targets {
            let ns = scope_namespace(&target.mapping, namespace, self.all_namespaces);
            match target.name {
                Some(name) => {
                    let mut info = Info {
                        source: String::new(),
                        mapping: target.mapping,
                        namespace: ns,
                        name,
                        object: None,
                    };
                    if self.require_object {
                        match helper.get(&info).await {
                            Ok(obj) => info.object = Some(obj),
                            Err(e) => {
                                visited.items.push(Item::Failed(VisitError::client(e)));
                                continue;
                            }
                        }
                    }
                    visited.items.push(Item::Info(info));
                }
                None if selecting => {
                    let list = helper
                        .list(
                            &target.mapping,
                            &ns,
                            self.label_selector.as_deref(),
                            self.field_selector.as_deref(),
                        )
                        .await;
                    match list {
                        Ok(list) => push_list_items(&target.mapping, &list, visited),
                        Err(e) => visited.source_errors.push(VisitError::client(e)),
                    }
                }
                None => {
                    return Err(CmdError::new(
                        "resource(s) were provided, but no name was specified",
                    ))
                }
            }
        }
        Ok(())
    }
}

fn push_list_items(mapping: &RestMapping, list: &Value, visited: &mut Visited) {
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let api_version = mapping.gvk.api_version();
    for mut object in items {
        // Items of a list carry no kind on the wire; the list's mapping gives it.
        if let Some(obj) = object.as_object_mut() {
            obj.entry("apiVersion")
                .or_insert_with(|| Value::String(api_version.clone()));
            obj.entry("kind")
                .or_insert_with(|| Value::String(mapping.gvk.kind.clone()));
        }
        visited.items.push(Item::Info(Info {
            source: String::new(),
            mapping: mapping.clone(),
            namespace: keelson_apimachinery::meta::namespace(&object).to_string(),
            name: keelson_apimachinery::meta::name(&object).to_string(),
            object: Some(object),
        }));
    }
}

/// The namespace a request for `mapping` goes to: none for cluster-scoped
/// resources and for `-A`.
fn scope_namespace(mapping: &RestMapping, namespace: &str, all_namespaces: bool) -> String {
    if mapping.scope != keelson_client::restmapper::Scope::Namespace || all_namespaces {
        String::new()
    } else {
        namespace.to_string()
    }
}

fn default_namespace(info: &mut Info, namespace: &str) {
    if !info.namespaced() {
        info.namespace.clear();
    } else if info.namespace.is_empty() {
        info.namespace = namespace.to_string();
    }
    info.sync_object_namespace();
}

/// cli-runtime's `SetNamespace`, `RequireNamespace` (with an explicit `-n`)
/// and `FilterNamespace` helpers.
fn check_namespace(mut info: Info, namespace: &str, enforce: bool) -> Item {
    if !info.namespaced() {
        info.namespace.clear();
        info.sync_object_namespace();
        return Item::Info(info);
    }
    if enforce && !info.namespace.is_empty() && info.namespace != namespace {
        return Item::Failed(VisitError::plain(format!(
            "the namespace from the provided object {:?} does not match the namespace {:?}. You must pass '--namespace={}' to perform this operation.",
            info.namespace, namespace, info.namespace
        )));
    }
    default_namespace(&mut info, namespace);
    Item::Info(info)
}

/// cli-runtime's wording for an object whose kind does not map.
fn mapping_error(e: &MappingError, name: &str, namespace: &str, source: &str) -> VisitError {
    if matches!(e, MappingError::NoKindMatch { .. }) {
        return VisitError::plain(format!(
            "resource mapping not found for name: {name:?} namespace: {namespace:?} from {source:?}: {e}\nensure CRDs are installed first"
        ));
    }
    VisitError::plain(format!("unable to recognize {source:?}: {e}"))
}

fn strip_error(message: &str) -> String {
    message
        .strip_prefix("error: ")
        .unwrap_or(message)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::gvk::{GroupVersionKind, GroupVersionResource};
    use keelson_client::restmapper::Scope;
    use serde_json::json;

    fn configmap(ns: &str) -> Info {
        Info {
            source: "x.yaml".into(),
            mapping: RestMapping {
                gvr: GroupVersionResource::new("", "v1", "configmaps"),
                gvk: GroupVersionKind::new("", "v1", "ConfigMap"),
                scope: Scope::Namespace,
            },
            namespace: ns.into(),
            name: "a".into(),
            object: Some(json!({"metadata": {"name": "a"}})),
        }
    }

    #[test]
    fn an_explicit_namespace_must_match_the_object() {
        let Item::Failed(e) = check_namespace(configmap("a"), "b", true) else {
            panic!("accepted")
        };
        assert_eq!(
            e.text(),
            "the namespace from the provided object \"a\" does not match the namespace \"b\". You must pass '--namespace=a' to perform this operation."
        );
        let Item::Info(info) = check_namespace(configmap("a"), "b", false) else {
            panic!("rejected")
        };
        assert_eq!(info.namespace, "a");
        let Item::Info(info) = check_namespace(configmap(""), "b", true) else {
            panic!("rejected")
        };
        assert_eq!(info.object.unwrap()["metadata"]["namespace"], "b");
    }

    #[test]
    fn unmapped_kinds_read_like_kubectl() {
        let e = MappingError::NoKindMatch {
            group_kind: GroupKind::new("", "Foo"),
            searched_versions: vec!["v1".into()],
        };
        assert_eq!(
            mapping_error(&e, "c", "", "unk.yaml").text(),
            "resource mapping not found for name: \"c\" namespace: \"\" from \"unk.yaml\": no matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first"
        );
    }
}
