//! The mapping itself, built once from a discovery answer: client-go's
//! discovery `PriorityRESTMapper`, kubectl's shortcut expander and
//! category expander, and cli-runtime's `mappingFor`.

use super::args::{parse_resource_args, split_resource_argument, ResourceArgs};
use super::{GroupKind, MappingError, RestMapping, Scope};
use crate::discovery::ServerResources;
use keelson_apimachinery::gvk::{GroupResource, GroupVersionKind, GroupVersionResource};
use std::collections::HashMap;

/// One resource in one group version, as discovery served it.
#[derive(Debug, Clone)]
struct Entry {
    group: String,
    version: String,
    plural: String,
    singular: String,
    kind: String,
    scope: Scope,
}

impl Entry {
    fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }

    fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    fn mapping(&self) -> RestMapping {
        RestMapping {
            gvr: self.gvr(),
            gvk: self.gvk(),
            scope: self.scope,
        }
    }

    fn matches(&self, partial: &GroupVersionResource) -> bool {
        (partial.group.is_empty() || partial.group == self.group)
            && (partial.version.is_empty() || partial.version == self.version)
            && (partial.resource == self.plural || partial.resource == self.singular)
    }
}

/// A short name and the resource it stands for.
#[derive(Debug, Clone)]
struct Shortcut {
    short: GroupResource,
    long: GroupResource,
}

/// One resource argument resolved: the mapping, and the object name when
/// one was given (`pods/web`, `get deploy web`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTarget {
    /// Where the resource lives.
    pub mapping: RestMapping,
    /// The object's name; `None` for every object of the resource.
    pub name: Option<String>,
}

/// Kinds ↔ resources for one server, from a [`ServerResources`] answer.
///
/// Resources of earlier groups win over later ones (the core group first,
/// then discovery order), and within a group the preferred version wins,
/// as client-go's discovery mapper ranks them.
#[derive(Debug, Clone, Default)]
pub struct RestMapper {
    /// In priority order: group by group, preferred version first.
    entries: Vec<Entry>,
    shortcuts: Vec<Shortcut>,
    categories: HashMap<String, Vec<GroupResource>>,
}

impl RestMapper {
    /// The mapper for what `found` lists (subresources left out).
    pub fn new(found: &ServerResources) -> RestMapper {
        let lists: HashMap<&str, _> = found
            .resources
            .iter()
            .map(|l| (l.group_version.as_str(), l))
            .collect();
        let mut mapper = RestMapper::default();
        for group in &found.groups {
            let preferred = group.preferred_version.as_ref().map(|v| v.version.as_str());
            let mut versions: Vec<_> = group.versions.iter().collect();
            // Stable: the preferred version first, the rest in discovery order.
            versions.sort_by_key(|v| Some(v.version.as_str()) != preferred);
            for v in versions {
                let Some(list) = lists.get(v.group_version.as_str()) else {
                    continue;
                };
                for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
                    let singular = if r.singular_name.is_empty() {
                        r.kind.to_lowercase()
                    } else {
                        r.singular_name.to_lowercase()
                    };
                    let long = GroupResource::new(&group.name, &r.name);
                    for short in r.short_names.iter().flatten() {
                        mapper.shortcuts.push(Shortcut {
                            short: GroupResource::new(&group.name, short),
                            long: long.clone(),
                        });
                    }
                    for category in r.categories.iter().flatten() {
                        let members = mapper.categories.entry(category.clone()).or_default();
                        if !members.contains(&long) {
                            members.push(long.clone());
                        }
                    }
                    mapper.entries.push(Entry {
                        group: group.name.clone(),
                        version: v.version.clone(),
                        plural: r.name.to_lowercase(),
                        singular,
                        kind: r.kind.clone(),
                        scope: if r.namespaced {
                            Scope::Namespace
                        } else {
                            Scope::Root
                        },
                    });
                }
            }
        }
        mapper
    }

    /// kubectl's shortcut expander: a short name (`deploy`, `deploy.apps`,
    /// or with a group prefix, `hpa.autoscal`) becomes the resource it
    /// stands for; a real resource name is left alone. Short names match
    /// case-sensitively, as kubectl's do.
    pub fn expand_shortcut(&self, resource: &GroupVersionResource) -> GroupVersionResource {
        let group_ok = |g: &str| resource.group.is_empty() || resource.group == g;
        if self.is_resource_name(resource) {
            return resource.clone();
        }
        let exact = self
            .shortcuts
            .iter()
            .find(|s| group_ok(&s.short.group) && s.short.resource == resource.resource);
        let prefixed = || {
            self.shortcuts.iter().find(|s| {
                !resource.group.is_empty()
                    && s.short.group.starts_with(&resource.group)
                    && s.short.resource == resource.resource
            })
        };
        match exact.or_else(prefixed) {
            Some(s) => GroupVersionResource::new(&s.long.group, "", &s.long.resource),
            None => resource.clone(),
        }
    }

    /// kubectl's warnings for a short name that more than one resource
    /// claims (`short name "cert" could also match lower priority resource
    /// certificates.example.com`), for the argument `arg` as
    /// [`RestMapper::mapping_for`] reads it; kubectl prints each after `Warning: `.
    pub fn shortcut_warnings(&self, arg: &str) -> Vec<String> {
        let (full, group_resource) = parse_resource_arg(arg);
        let partials = full
            .into_iter()
            .chain(std::iter::once(GroupVersionResource::new(
                &group_resource.group,
                "",
                &group_resource.resource,
            )));
        let mut out: Vec<String> = Vec::new();
        for partial in partials {
            let group_ok = |g: &str| partial.group.is_empty() || partial.group == g;
            if self.is_resource_name(&partial) {
                continue;
            }
            let mut claimed = self
                .shortcuts
                .iter()
                .filter(|s| group_ok(&s.short.group) && s.short.resource == partial.resource)
                .map(|s| &s.long);
            let Some(winner) = claimed.next() else {
                continue;
            };
            for other in claimed.filter(|l| *l != winner) {
                let text = format!(
                    "short name {:?} could also match lower priority resource {other}",
                    partial.resource
                );
                if !out.contains(&text) {
                    out.push(text);
                }
            }
        }
        out
    }

    /// Whether `resource` is a resource's own name (plural or singular),
    /// which no short name overrides.
    fn is_resource_name(&self, resource: &GroupVersionResource) -> bool {
        self.entries.iter().any(|e| {
            (resource.group.is_empty() || resource.group == e.group)
                && (resource.resource == e.plural || resource.resource == e.singular)
        })
    }

    /// The resources `partial` may name (empty group or version: any), in
    /// priority order, short names not expanded.
    pub fn resources_for(&self, partial: &GroupVersionResource) -> Vec<GroupVersionResource> {
        self.matching(partial).map(Entry::gvr).collect()
    }

    fn matching<'a>(&'a self, partial: &GroupVersionResource) -> impl Iterator<Item = &'a Entry> {
        let partial = coerce(partial);
        self.entries.iter().filter(move |e| e.matches(&partial))
    }

    /// The one entry `partial` names, by client-go's priority: the first
    /// group version with a match wins unless it holds several.
    fn best(&self, partial: &GroupVersionResource) -> Result<&Entry, Vec<&Entry>> {
        let expanded = self.expand_shortcut(partial);
        let all: Vec<&Entry> = self.matching(&expanded).collect();
        let Some(first) = all.first() else {
            return Err(all);
        };
        let top: Vec<&Entry> = all
            .iter()
            .filter(|e| e.group == first.group && e.version == first.version)
            .copied()
            .collect();
        match top.as_slice() {
            [one] => Ok(one),
            _ => Err(all),
        }
    }

    /// The resource `partial` names (`deploy`, `deployment`, `Pods`, a
    /// version or group narrowing it), fully specified.
    pub fn resource_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionResource, MappingError> {
        match self.best(partial) {
            Ok(e) => Ok(e.gvr()),
            Err(all) if all.is_empty() => {
                Err(MappingError::NoResourceMatch(self.expand_shortcut(partial)))
            }
            Err(all) => Err(MappingError::AmbiguousResource {
                partial: self.expand_shortcut(partial),
                resources: all.iter().map(|e| e.gvr()).collect(),
                kinds: Vec::new(),
            }),
        }
    }

    /// The kind `partial` serves (client-go's `KindFor`).
    pub fn kind_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionKind, MappingError> {
        match self.best(partial) {
            Ok(e) => Ok(e.gvk()),
            Err(all) if all.is_empty() => {
                Err(MappingError::NoResourceMatch(self.expand_shortcut(partial)))
            }
            Err(all) => Err(MappingError::AmbiguousResource {
                partial: self.expand_shortcut(partial),
                resources: Vec::new(),
                kinds: all.iter().map(|e| e.gvk()).collect(),
            }),
        }
    }

    /// The mapping of `group_kind` (group matched exactly, kind
    /// case-sensitively) in the first of `versions` that serves it, or in
    /// the group's preferred version when `versions` is empty.
    pub fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, MappingError> {
        // An empty version asks for none in particular, as in apimachinery.
        let versions: Vec<&str> = versions.iter().copied().filter(|v| !v.is_empty()).collect();
        let of_kind = |e: &&Entry| e.group == group_kind.group && e.kind == group_kind.kind;
        let found = if versions.is_empty() {
            self.entries.iter().find(of_kind)
        } else {
            versions.iter().find_map(|v| {
                self.entries
                    .iter()
                    .filter(of_kind)
                    .find(|e| e.version == *v)
            })
        };
        match found {
            Some(e) => Ok(e.mapping()),
            None => Err(MappingError::NoKindMatch {
                group_kind: group_kind.clone(),
                searched_versions: versions.iter().map(|v| v.to_string()).collect(),
            }),
        }
    }

    /// The resources in `category` (`all` → pods, services, deployments, ...),
    /// in discovery order; `None` when no resource names it.
    pub fn category(&self, category: &str) -> Option<&[GroupResource]> {
        self.categories.get(category).map(Vec::as_slice)
    }

    /// cli-runtime's `ReplaceAliases`: each comma-separated item that is a
    /// category becomes its resources (`all` → `pods,services,...,deployments.apps,...`).
    pub fn expand_categories(&self, arg: &str) -> String {
        arg.split(',')
            .map(|item| match self.category(item) {
                Some(members) => members
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                None => item.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// One resource or kind argument as kubectl reads it (cli-runtime's
    /// `mappingFor`): `deploy`, `deployments`, `deployment`, `Deployment`,
    /// `deployments.apps`, `deployments.v1.apps`, `deploy.apps`,
    /// `Deployment.v1.apps`. Nothing found is kubectl's
    /// `the server doesn't have a resource type "foo"`.
    pub fn mapping_for(&self, arg: &str) -> Result<RestMapping, MappingError> {
        let (full_gvr, group_resource) = parse_resource_arg(arg);
        let mut gvk = full_gvr.and_then(|gvr| self.kind_for(&gvr).ok());
        if gvk.is_none() {
            let gvr =
                GroupVersionResource::new(&group_resource.group, "", &group_resource.resource);
            // kubectl ignores ambiguity here and falls through to kinds.
            gvk = self.kind_for(&gvr).ok();
        }
        if let Some(gvk) = gvk {
            return self.rest_mapping(&GroupKind::new(gvk.group, gvk.kind), &[&gvk.version]);
        }
        let (full_gvk, group_kind) = parse_kind_arg(arg);
        let version = full_gvk
            .as_ref()
            .map(|k| k.version.clone())
            .unwrap_or_default();
        let full_gk = full_gvk
            .map(|k| GroupKind::new(k.group, k.kind))
            .unwrap_or_else(|| group_kind.clone());
        if let Ok(m) = self.rest_mapping(&full_gk, &[&version]) {
            return Ok(m);
        }
        match self.rest_mapping(&group_kind, &[]) {
            Ok(m) => Ok(m),
            Err(e) if e.is_no_match() => {
                Err(MappingError::UnknownResourceType(group_resource.resource))
            }
            Err(e) => Err(e),
        }
    }

    /// kubectl's resource arguments (`get deploy web`, `get pods/a svc/b`,
    /// `get pods,services`, `get all`), each resolved to its mapping and
    /// name; several names with one type give one target per name.
    pub fn resolve_args(&self, args: &[&str]) -> Result<Vec<ResourceTarget>, MappingError> {
        let mut out = Vec::new();
        match parse_resource_args(args)? {
            ResourceArgs::Empty => {}
            ResourceArgs::Tuples(tuples) => {
                for (resource, name) in tuples {
                    out.push(ResourceTarget {
                        mapping: self.mapping_for(&resource)?,
                        name: Some(name),
                    });
                }
            }
            ResourceArgs::Types { types, names } => {
                let expanded = self.expand_categories(&types.join(","));
                for t in split_resource_argument(&expanded) {
                    let mapping = self.mapping_for(&t)?;
                    if names.is_empty() {
                        out.push(ResourceTarget {
                            mapping,
                            name: None,
                        });
                        continue;
                    }
                    for name in &names {
                        out.push(ResourceTarget {
                            mapping: mapping.clone(),
                            name: Some(name.clone()),
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

/// apimachinery's `coerceResourceForMatching`: resources match lowercased.
fn coerce(partial: &GroupVersionResource) -> GroupVersionResource {
    let version = if partial.version == "*" {
        ""
    } else {
        &partial.version
    };
    GroupVersionResource::new(&partial.group, version, partial.resource.to_lowercase())
}

/// apimachinery's `ParseResourceArg`: `resource.version.group` when there
/// are two dots or more, and always `resource.group` split at the first dot.
fn parse_resource_arg(arg: &str) -> (Option<GroupVersionResource>, GroupResource) {
    let full = split3(arg).map(|(r, v, g)| GroupVersionResource::new(g, v, r));
    let gr = match arg.split_once('.') {
        Some((r, g)) => GroupResource::new(g, r),
        None => GroupResource::new("", arg),
    };
    (full, gr)
}

/// apimachinery's `ParseKindArg`: `Kind.version.group`, and `Kind.group`.
fn parse_kind_arg(arg: &str) -> (Option<GroupVersionKind>, GroupKind) {
    let full = split3(arg).map(|(k, v, g)| GroupVersionKind::new(g, v, k));
    let gk = match arg.split_once('.') {
        Some((k, g)) => GroupKind::new(g, k),
        None => GroupKind::new("", arg),
    };
    (full, gk)
}

fn split3(arg: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arg.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c)) => Some((a, b, c)),
        _ => None,
    }
}
