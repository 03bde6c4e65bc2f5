//! `DynamicApi`: client-go's dynamic client — any resource, custom ones
//! included, by `GroupVersionResource`, on [`DynamicObject`]s.
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use keelson_apimachinery::gvk::GroupVersionResource;
//! use keelson_client::api::ListParams;
//! use keelson_client::dynamic::DynamicApi;
//! use keelson_client::RestClient;
//!
//! let client = RestClient::try_default()?;
//! let pods = DynamicApi::new(client, GroupVersionResource::new("", "v1", "pods"), true)
//!     .namespace("default");
//! for pod in pods.list(&ListParams::default()).await?.items {
//!     println!("{}", pod.name());
//! }
//! # Ok(()) }
//! ```

use crate::api::{verbs, DeleteOutcome, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use crate::error::Result;
use crate::object::{DynamicObject, ObjectList};
use crate::rest::{Request, RestClient, WatchStream};
use http::Method;
use keelson_apimachinery::gvk::{GroupVersion, GroupVersionResource};
use serde::Serialize;

/// Untyped access to one resource, in one namespace or across all of them
/// (client-go's `dynamic.NamespaceableResourceInterface`).
#[derive(Clone)]
pub struct DynamicApi {
    client: RestClient,
    gvr: GroupVersionResource,
    namespaced: bool,
    namespace: Option<String>,
}

impl std::fmt::Debug for DynamicApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicApi")
            .field("gvr", &self.gvr)
            .field("namespaced", &self.namespaced)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl DynamicApi {
    /// The resource `gvr`; `namespaced` says whether its objects live in
    /// namespaces (discovery's `namespaced` field). Unbound to a namespace it
    /// reaches cluster-scoped objects, or namespaced ones across all namespaces.
    pub fn new(client: RestClient, gvr: GroupVersionResource, namespaced: bool) -> DynamicApi {
        let gv = GroupVersion::new(gvr.group.clone(), gvr.version.clone());
        DynamicApi {
            client: client.for_group_version(&gv),
            gvr,
            namespaced,
            namespace: None,
        }
    }

    /// Binds to `namespace` (empty: all namespaces). Ignored for a
    /// cluster-scoped resource, as kubectl ignores `-n` for one.
    pub fn namespace(mut self, namespace: &str) -> DynamicApi {
        self.namespace = Some(namespace.to_string()).filter(|ns| self.namespaced && !ns.is_empty());
        self
    }

    /// The resource this client reaches.
    pub fn gvr(&self) -> &GroupVersionResource {
        &self.gvr
    }

    /// Whether the resource is namespaced.
    pub fn is_namespaced(&self) -> bool {
        self.namespaced
    }

    /// The namespace this client is bound to, if any.
    pub fn bound_namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    fn request(&self, method: Method) -> Request {
        self.client
            .verb(method)
            .namespace_if(self.namespace.as_deref())
            .resource(self.gvr.resource.clone())
    }

    /// `GET` one object.
    pub async fn get(&self, name: &str) -> Result<DynamicObject> {
        self.get_subresource(name, "").await
    }

    /// `GET` one object's subresource (`status`, `scale`); `""` for the object.
    pub async fn get_subresource(&self, name: &str, subresource: &str) -> Result<DynamicObject> {
        verbs::get(self.request(Method::GET), name, subresource).await
    }

    /// `LIST` (one page when `limit` is set; follow `metadata.continue` for the next).
    pub async fn list(&self, lp: &ListParams) -> Result<ObjectList<DynamicObject>> {
        lp.apply(self.request(Method::GET), false).into().await
    }

    /// `WATCH`: events from `lp.resource_version` on (or the current state first when unset).
    pub async fn watch(&self, lp: &ListParams) -> Result<WatchStream<DynamicObject>> {
        lp.apply(self.request(Method::GET), true).watch().await
    }

    /// `POST` a new object. Unbound clients of a namespaced resource take
    /// the namespace from `metadata.namespace`, as kubectl's resource helper does.
    pub async fn create(&self, pp: &PostParams, object: &DynamicObject) -> Result<DynamicObject> {
        let r = match (&self.namespace, object.namespace()) {
            (None, Some(ns)) if self.namespaced => self
                .client
                .post()
                .namespace(ns)
                .resource(self.gvr.resource.clone()),
            _ => self.request(Method::POST),
        };
        pp.apply(r).body(object).into().await
    }

    /// `PUT` a whole object (its `resourceVersion`, if set, must be current, or 409 Conflict).
    pub async fn replace(
        &self,
        name: &str,
        pp: &PostParams,
        object: &DynamicObject,
    ) -> Result<DynamicObject> {
        verbs::replace(self.request(Method::PUT), name, "", pp, object).await
    }

    /// `PATCH` an object.
    pub async fn patch<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<DynamicObject> {
        verbs::patch(self.request(Method::PATCH), name, "", pp, patch).await
    }

    /// `DELETE` an object.
    pub async fn delete(
        &self,
        name: &str,
        dp: &DeleteParams,
    ) -> Result<DeleteOutcome<DynamicObject>> {
        verbs::delete(self.request(Method::DELETE), name, dp).await
    }

    /// `DELETE` every object `lp` selects; the answer lists what was deleted.
    pub async fn delete_collection(
        &self,
        dp: &DeleteParams,
        lp: &ListParams,
    ) -> Result<DeleteOutcome<ObjectList<DynamicObject>>> {
        verbs::delete_collection(self.request(Method::DELETE), dp, lp).await
    }
}
