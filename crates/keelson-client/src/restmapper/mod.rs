//! `RestMapper`: kinds ↔ resources from discovery (client-go's
//! `DeferredDiscoveryRESTMapper` with kubectl's shortcut and category
//! expanders), and kubectl's resource arguments (`deploy`,
//! `deployments.v1.apps`, `pods/name`, `pods,services`, `all`).
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use keelson_client::discovery::DiscoveryClient;
//! use keelson_client::restmapper::DiscoveryRestMapper;
//! use keelson_client::RestClient;
//!
//! let mut mapper = DiscoveryRestMapper::new(DiscoveryClient::new(RestClient::try_default()?));
//! match mapper.resolve_args(&["deploy", "web"]).await {
//!     Ok(targets) => {
//!         for t in targets {
//!             println!("{:?} {:?}", t.mapping.gvr, t.name);
//!         }
//!     }
//!     Err(e) => eprintln!("error: {}", e.kubectl_message()),
//! }
//! # Ok(()) }
//! ```

mod args;
mod deferred;
mod mapper;

pub use args::{parse_resource_args, ResourceArgs};
pub use deferred::DiscoveryRestMapper;
pub use mapper::{ResourceTarget, RestMapper};

use keelson_apimachinery::gvk::{GroupVersionKind, GroupVersionResource};

/// A kind in a group, version left open (`Deployment.apps`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    /// API group, empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
}

impl GroupKind {
    /// Builds a group kind.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> GroupKind {
        GroupKind {
            group: group.into(),
            kind: kind.into(),
        }
    }
}

/// Whether a resource's objects live in namespaces (apimachinery's `RESTScopeName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Objects live in a namespace (`namespace`).
    Namespace,
    /// Cluster-scoped objects (`root`).
    Root,
}

impl Scope {
    /// apimachinery's name for the scope: `namespace` or `root`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Namespace => "namespace",
            Scope::Root => "root",
        }
    }
}

/// How to reach one kind in one version (apimachinery's `RESTMapping`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestMapping {
    /// The resource in its version (plural name).
    pub gvr: GroupVersionResource,
    /// The kind served there.
    pub gvk: GroupVersionKind,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
}

/// Why a resource or kind could not be mapped; messages as apimachinery
/// words them (`no matches for kind "Foo" in group "bar"`).
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// No resource matched (`NoResourceMatchError`); holds the resource as
    /// asked, short names expanded and case kept, as kubectl prints it.
    #[error("no matches for {}", gvr_text(.0))]
    NoResourceMatch(GroupVersionResource),
    /// No kind matched in the versions searched (`NoKindMatchError`).
    #[error("{}", no_kind_text(.group_kind, .searched_versions))]
    NoKindMatch {
        /// The kind looked for.
        group_kind: GroupKind,
        /// The versions searched, none meaning every version.
        searched_versions: Vec<String>,
    },
    /// Several resources matched equally well (`AmbiguousResourceError`):
    /// `/, Resource=foo matches multiple resources [...]`, or `kinds` when
    /// a kind was asked for by resource.
    #[error("{}", ambiguous_text(.partial, .resources, .kinds))]
    AmbiguousResource {
        /// What was asked for.
        partial: GroupVersionResource,
        /// Every resource that matched.
        resources: Vec<GroupVersionResource>,
        /// Every kind that matched.
        kinds: Vec<GroupVersionKind>,
    },
    /// Several kinds matched equally well (`AmbiguousKindError`).
    #[error("{} matches multiple kinds [{}]", gvk_text(.partial), .matching.iter().map(gvk_text).collect::<Vec<_>>().join(" "))]
    AmbiguousKind {
        /// What was asked for.
        partial: GroupVersionKind,
        /// Every kind that matched.
        matching: Vec<GroupVersionKind>,
    },
    /// A resource argument named nothing the server serves, after the
    /// discovery cache was refreshed; kubectl prints it after `error: `.
    #[error("the server doesn't have a resource type {0:?}")]
    UnknownResourceType(String),
    /// Resource arguments kubectl rejects before asking the server.
    #[error("{0}")]
    InvalidArguments(String),
    /// Discovery itself failed.
    #[error("{0}")]
    Discovery(#[from] crate::Error),
}

impl MappingError {
    /// apimachinery's `IsNoMatchError`: nothing matched (as opposed to
    /// ambiguity or a failed discovery), so a fresher discovery may help.
    pub fn is_no_match(&self) -> bool {
        matches!(
            self,
            MappingError::NoResourceMatch(_) | MappingError::NoKindMatch { .. }
        )
    }
}

impl MappingError {
    /// The text kubectl prints after `error: ` (its `CheckErr`): a resource
    /// that matched nothing reads `the server doesn't have a resource type
    /// "foo" in group "bar"`; anything else as [`Display`](std::fmt::Display).
    pub fn kubectl_message(&self) -> String {
        let MappingError::NoResourceMatch(gvr) = self else {
            return self.to_string();
        };
        let base = format!("the server doesn't have a resource type {:?}", gvr.resource);
        match (gvr.group.is_empty(), gvr.version.is_empty()) {
            (false, false) => format!(
                "{base} in group {:?} and version {:?}",
                gvr.group, gvr.version
            ),
            (false, true) => format!("{base} in group {:?}", gvr.group),
            (true, false) => format!("{base} in version {:?}", gvr.version),
            (true, true) => base,
        }
    }
}

/// Go's `GroupVersionResource.String()`: `apps/v1, Resource=deployments`.
fn gvr_text(gvr: &GroupVersionResource) -> String {
    format!("{}/{}, Resource={}", gvr.group, gvr.version, gvr.resource)
}

/// Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`.
fn gvk_text(gvk: &GroupVersionKind) -> String {
    format!("{}/{}, Kind={}", gvk.group, gvk.version, gvk.kind)
}

fn no_kind_text(gk: &GroupKind, searched: &[String]) -> String {
    let mut versions: Vec<&String> = searched.iter().collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [] => format!("no matches for kind {:?} in group {:?}", gk.kind, gk.group),
        [v] => {
            let gv = if gk.group.is_empty() {
                v.to_string()
            } else {
                format!("{}/{v}", gk.group)
            };
            format!("no matches for kind {:?} in version {gv:?}", gk.kind)
        }
        many => {
            let quoted: Vec<String> = many.iter().map(|v| format!("{v:?}")).collect();
            format!(
                "no matches for kind {:?} in versions [{}]",
                gk.kind,
                quoted.join(" ")
            )
        }
    }
}

fn ambiguous_text(
    partial: &GroupVersionResource,
    resources: &[GroupVersionResource],
    kinds: &[GroupVersionKind],
) -> String {
    let resources: Vec<String> = resources.iter().map(gvr_text).collect();
    let kinds: Vec<String> = kinds.iter().map(gvk_text).collect();
    let partial = gvr_text(partial);
    match (resources.is_empty(), kinds.is_empty()) {
        (false, false) => format!(
            "{partial} matches multiple resources [{}] and kinds [{}]",
            resources.join(" "),
            kinds.join(" ")
        ),
        (true, false) => format!("{partial} matches multiple kinds [{}]", kinds.join(" ")),
        (false, true) => format!(
            "{partial} matches multiple resources [{}]",
            resources.join(" ")
        ),
        (true, true) => format!("{partial} matches multiple resources or kinds"),
    }
}

#[cfg(test)]
mod tests;
