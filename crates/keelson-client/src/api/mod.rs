//! `Api<K>`: typed verbs over `k8s-openapi` types (client-go's ClientSet).
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use k8s_openapi::api::core::v1::Pod;
//! use keelson_client::api::{Api, ListParams};
//! use keelson_client::RestClient;
//!
//! let client = RestClient::try_default()?;
//! let pods: Api<Pod> = Api::namespaced(client, "default");
//! for pod in pods.list(&ListParams::default().labels("app=web")).await?.items {
//!     println!("{}", pod.metadata.name.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

mod params;
pub(crate) mod verbs;

pub use params::{
    DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions, PropagationPolicy,
};

use crate::error::{Error, Result};
use crate::object::ObjectList;
use crate::rest::{Request, RestClient, WatchStream};
use http::Method;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use k8s_openapi::{NamespaceResourceScope, Resource};
use keelson_apimachinery::gvk::GroupVersion;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;

/// What a delete answers: the object when it is not gone yet (finalizers, a
/// grace period, foreground deletion), else the server's success `Status`.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteOutcome<T> {
    /// Still there, marked for deletion.
    Pending(T),
    /// Gone.
    Deleted(Box<Status>),
}

impl<T> DeleteOutcome<T> {
    /// The object, when it is still there.
    pub fn pending(self) -> Option<T> {
        match self {
            DeleteOutcome::Pending(t) => Some(t),
            DeleteOutcome::Deleted(_) => None,
        }
    }
}

/// Typed access to one resource, in one namespace or across all of them.
pub struct Api<K> {
    client: RestClient,
    namespace: Option<String>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            namespace: self.namespace.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for Api<K>
where
    K: Resource,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("resource", &K::URL_PATH_SEGMENT)
            .field("api_version", &K::API_VERSION)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Resource> Api<K> {
    fn with(client: RestClient, namespace: Option<String>) -> Api<K> {
        let gv = GroupVersion::new(K::GROUP, K::VERSION);
        Api {
            client: client.for_group_version(&gv),
            namespace,
            _kind: PhantomData,
        }
    }

    /// Objects in `namespace` (empty: all namespaces, as in client-go).
    pub fn namespaced(client: RestClient, namespace: &str) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        Api::with(
            client,
            Some(namespace.to_string()).filter(|ns| !ns.is_empty()),
        )
    }

    /// Objects in the client's default namespace (the context's, or `-n`).
    pub fn default_namespaced(client: RestClient) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        let ns = client.default_namespace().to_string();
        Api::namespaced(client, &ns)
    }

    /// Cluster-scoped objects, or namespaced ones across all namespaces.
    pub fn all(client: RestClient) -> Api<K> {
        Api::with(client, None)
    }

    /// The namespace this Api is bound to, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The underlying client (bound to `K`'s group version).
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    fn request(&self, method: Method) -> Request {
        self.client
            .verb(method)
            .namespace_if(self.namespace.as_deref())
            .resource(K::URL_PATH_SEGMENT)
    }
}

impl<K> Api<K>
where
    K: Resource + Serialize + DeserializeOwned + Send + 'static,
{
    /// `GET` one object.
    pub async fn get(&self, name: &str) -> Result<K> {
        verbs::get(self.request(Method::GET), name, "").await
    }

    /// `GET` one object; `None` when it does not exist.
    pub async fn get_opt(&self, name: &str) -> Result<Option<K>> {
        match self.get(name).await {
            Ok(k) => Ok(Some(k)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `LIST` (one page when `limit` is set; follow `metadata.continue` for the next).
    pub async fn list(&self, lp: &ListParams) -> Result<ObjectList<K>> {
        lp.apply(self.request(Method::GET), false).into().await
    }

    /// `WATCH`: events from `lp.resource_version` on (or the current state first when unset).
    pub async fn watch(&self, lp: &ListParams) -> Result<WatchStream<K>> {
        lp.apply(self.request(Method::GET), true).watch().await
    }

    /// `POST` a new object.
    pub async fn create(&self, pp: &PostParams, object: &K) -> Result<K> {
        pp.apply(self.request(Method::POST))
            .body(object)
            .into()
            .await
    }

    /// `PUT` a whole object (its `resourceVersion`, if set, must be current, or 409 Conflict).
    pub async fn replace(&self, name: &str, pp: &PostParams, object: &K) -> Result<K> {
        verbs::replace(self.request(Method::PUT), name, "", pp, object).await
    }

    /// `PATCH` an object.
    pub async fn patch<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K> {
        verbs::patch(self.request(Method::PATCH), name, "", pp, patch).await
    }

    /// `DELETE` an object.
    pub async fn delete(&self, name: &str, dp: &DeleteParams) -> Result<DeleteOutcome<K>> {
        verbs::delete(self.request(Method::DELETE), name, dp).await
    }

    /// `DELETE` every object `lp` selects; the answer lists what was deleted.
    pub async fn delete_collection(
        &self,
        dp: &DeleteParams,
        lp: &ListParams,
    ) -> Result<DeleteOutcome<ObjectList<K>>> {
        verbs::delete_collection(self.request(Method::DELETE), dp, lp).await
    }

    /// `GET` the `status` subresource.
    pub async fn get_status(&self, name: &str) -> Result<K> {
        verbs::get(self.request(Method::GET), name, "status").await
    }

    /// `PUT` the `status` subresource (changes outside status are ignored by the server).
    pub async fn replace_status(&self, name: &str, pp: &PostParams, object: &K) -> Result<K> {
        verbs::replace(self.request(Method::PUT), name, "status", pp, object).await
    }

    /// `PATCH` the `status` subresource.
    pub async fn patch_status<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K> {
        verbs::patch(self.request(Method::PATCH), name, "status", pp, patch).await
    }

    /// `GET` the `scale` subresource (`autoscaling/v1` `Scale`).
    pub async fn get_scale(&self, name: &str) -> Result<Scale> {
        verbs::get(self.request(Method::GET), name, "scale").await
    }

    /// `PUT` the `scale` subresource.
    pub async fn replace_scale(&self, name: &str, pp: &PostParams, scale: &Scale) -> Result<Scale> {
        verbs::replace(self.request(Method::PUT), name, "scale", pp, scale).await
    }

    /// `PATCH` the `scale` subresource.
    pub async fn patch_scale<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Scale> {
        verbs::patch(self.request(Method::PATCH), name, "scale", pp, patch).await
    }
}

pub(crate) fn delete_outcome<T: DeserializeOwned>(body: &[u8]) -> Result<DeleteOutcome<T>> {
    let v: serde_json::Value = crate::rest::decode_json(body)?;
    if v.get("kind").and_then(|k| k.as_str()) == Some("Status") {
        let status: Status = serde_json::from_value(v)
            .map_err(|e| Error::Decode(format!("decoding Status: {e}")))?;
        return Ok(DeleteOutcome::Deleted(Box::new(status)));
    }
    serde_json::from_value(v)
        .map(DeleteOutcome::Pending)
        .map_err(|e| Error::Decode(format!("decoding deleted object: {e}")))
}
