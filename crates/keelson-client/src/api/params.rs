//! Options of the typed verbs: `ListOptions`, `CreateOptions`/`UpdateOptions`,
//! `PatchOptions` and `DeleteOptions`, as query parameters or bodies.

use crate::rest::{PatchType, Request};
use serde::Serialize;
use serde_json::{json, Value};

/// `metav1.ListOptions`, for list, watch and delete-collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    /// `labelSelector`, e.g. `app=web,tier!=db`.
    pub label_selector: Option<String>,
    /// `fieldSelector`, e.g. `metadata.name=x`.
    pub field_selector: Option<String>,
    /// `limit`: page size; the answer's `metadata.continue` fetches the next page.
    pub limit: Option<u32>,
    /// `continue`: the token of the previous page.
    pub continue_token: Option<String>,
    /// `resourceVersion`: `""` latest, `"0"` any (cache), or a version.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`: `Exact` or `NotOlderThan`.
    pub resource_version_match: Option<String>,
    /// `timeoutSeconds`: the server ends the list or watch after this long.
    pub timeout_seconds: Option<u32>,
    /// `allowWatchBookmarks` (watch only).
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (watch only): the current objects first, then a bookmark.
    pub send_initial_events: Option<bool>,
}

impl ListParams {
    /// `labelSelector`.
    pub fn labels(mut self, selector: &str) -> ListParams {
        self.label_selector = Some(selector.to_string());
        self
    }

    /// `fieldSelector`.
    pub fn fields(mut self, selector: &str) -> ListParams {
        self.field_selector = Some(selector.to_string());
        self
    }

    /// `limit`.
    pub fn limit(mut self, limit: u32) -> ListParams {
        self.limit = Some(limit);
        self
    }

    /// `continue`.
    pub fn continue_token(mut self, token: &str) -> ListParams {
        self.continue_token = Some(token.to_string());
        self
    }

    /// `resourceVersion`.
    pub fn at(mut self, resource_version: &str) -> ListParams {
        self.resource_version = Some(resource_version.to_string());
        self
    }

    /// `allowWatchBookmarks=true`.
    pub fn bookmarks(mut self) -> ListParams {
        self.allow_watch_bookmarks = true;
        self
    }

    /// `timeoutSeconds`.
    pub fn timeout(mut self, seconds: u32) -> ListParams {
        self.timeout_seconds = Some(seconds);
        self
    }

    pub(crate) fn apply(&self, mut r: Request, watch: bool) -> Request {
        let set = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(s) = set(&self.label_selector) {
            r = r.param("labelSelector", s);
        }
        if let Some(s) = set(&self.field_selector) {
            r = r.param("fieldSelector", s);
        }
        if !watch {
            if let Some(l) = self.limit.filter(|l| *l > 0) {
                r = r.param("limit", l.to_string());
            }
            if let Some(c) = set(&self.continue_token) {
                r = r.param("continue", c);
            }
        }
        if let Some(v) = &self.resource_version {
            r = r.param("resourceVersion", v.clone());
        }
        if let Some(m) = set(&self.resource_version_match) {
            r = r.param("resourceVersionMatch", m);
        }
        if let Some(t) = self.timeout_seconds {
            r = r.param("timeoutSeconds", t.to_string());
        }
        if watch {
            r = r.param("watch", "true");
            if self.allow_watch_bookmarks {
                r = r.param("allowWatchBookmarks", "true");
            }
            if let Some(s) = self.send_initial_events {
                r = r.param("sendInitialEvents", s.to_string());
            }
        }
        r
    }
}

/// `metav1.CreateOptions` / `UpdateOptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostParams {
    /// `dryRun=All`: validate and answer, store nothing.
    pub dry_run: bool,
    /// `fieldManager`.
    pub field_manager: Option<String>,
    /// `fieldValidation`: `Strict`, `Warn` or `Ignore`.
    pub field_validation: Option<String>,
}

impl PostParams {
    pub(crate) fn apply(&self, mut r: Request) -> Request {
        if self.dry_run {
            r = r.param("dryRun", "All");
        }
        if let Some(m) = self.field_manager.as_deref().filter(|m| !m.is_empty()) {
            r = r.param("fieldManager", m);
        }
        if let Some(v) = self.field_validation.as_deref().filter(|v| !v.is_empty()) {
            r = r.param("fieldValidation", v);
        }
        r
    }
}

/// `metav1.PatchOptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatchParams {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldManager` (required by the server for apply patches).
    pub field_manager: Option<String>,
    /// `force=true`: take over conflicting fields (apply patches only).
    pub force: bool,
    /// `fieldValidation`: `Strict`, `Warn` or `Ignore`.
    pub field_validation: Option<String>,
}

impl PatchParams {
    /// Server-side apply as `manager`.
    pub fn apply(manager: &str) -> PatchParams {
        PatchParams {
            field_manager: Some(manager.to_string()),
            ..Default::default()
        }
    }

    /// `force=true`.
    pub fn force(mut self) -> PatchParams {
        self.force = true;
        self
    }

    pub(crate) fn apply_to(&self, mut r: Request) -> Request {
        if self.dry_run {
            r = r.param("dryRun", "All");
        }
        if let Some(m) = self.field_manager.as_deref().filter(|m| !m.is_empty()) {
            r = r.param("fieldManager", m);
        }
        if self.force {
            r = r.param("force", "true");
        }
        if let Some(v) = self.field_validation.as_deref().filter(|v| !v.is_empty()) {
            r = r.param("fieldValidation", v);
        }
        r
    }
}

/// A patch body and its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch<T: Serialize> {
    /// RFC 6902 JSON Patch: a list of operations.
    Json(Value),
    /// RFC 7386 merge patch.
    Merge(T),
    /// Strategic merge patch (built-in kinds only).
    Strategic(T),
    /// Server-side apply: the fields this manager owns.
    Apply(T),
}

impl<T: Serialize> Patch<T> {
    /// The patch type.
    pub fn patch_type(&self) -> PatchType {
        match self {
            Patch::Json(_) => PatchType::Json,
            Patch::Merge(_) => PatchType::Merge,
            Patch::Strategic(_) => PatchType::StrategicMerge,
            Patch::Apply(_) => PatchType::Apply,
        }
    }

    pub(crate) fn body(&self, r: Request) -> Request {
        match self {
            Patch::Json(v) => r.body(v),
            Patch::Merge(t) | Patch::Strategic(t) | Patch::Apply(t) => r.body(t),
        }
    }
}

/// `propagationPolicy` of a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropagationPolicy {
    /// Dependents are left behind.
    Orphan,
    /// The object goes now, the garbage collector removes dependents after.
    Background,
    /// The object stays (with a `foregroundDeletion` finalizer) until its dependents are gone.
    Foreground,
}

impl PropagationPolicy {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Orphan => "Orphan",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
        }
    }
}

/// `metav1.Preconditions`: delete only this very object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// `uid`.
    pub uid: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
}

/// `metav1.DeleteOptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeleteParams {
    /// `dryRun: [All]`.
    pub dry_run: bool,
    /// `gracePeriodSeconds` (0: at once).
    pub grace_period_seconds: Option<u32>,
    /// `propagationPolicy`.
    pub propagation_policy: Option<PropagationPolicy>,
    /// `preconditions`.
    pub preconditions: Option<Preconditions>,
}

impl DeleteParams {
    /// `propagationPolicy: Background`.
    pub fn background() -> DeleteParams {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..Default::default()
        }
    }

    /// `propagationPolicy: Foreground`.
    pub fn foreground() -> DeleteParams {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Foreground),
            ..Default::default()
        }
    }

    /// `propagationPolicy: Orphan`.
    pub fn orphan() -> DeleteParams {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Orphan),
            ..Default::default()
        }
    }

    /// `gracePeriodSeconds`.
    pub fn grace_period(mut self, seconds: u32) -> DeleteParams {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// The `DeleteOptions` body client-go sends.
    pub fn to_body(&self) -> Value {
        let mut body = json!({"kind": "DeleteOptions", "apiVersion": "v1"});
        if self.dry_run {
            body["dryRun"] = json!(["All"]);
        }
        if let Some(g) = self.grace_period_seconds {
            body["gracePeriodSeconds"] = json!(g);
        }
        if let Some(p) = self.propagation_policy {
            body["propagationPolicy"] = json!(p.as_str());
        }
        if let Some(pre) = &self.preconditions {
            let mut p = json!({});
            if let Some(u) = &pre.uid {
                p["uid"] = json!(u);
            }
            if let Some(rv) = &pre.resource_version {
                p["resourceVersion"] = json!(rv);
            }
            body["preconditions"] = p;
        }
        body
    }
}
