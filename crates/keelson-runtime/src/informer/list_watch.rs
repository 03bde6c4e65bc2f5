//! `ListWatch`: where a reflector lists and watches (client-go's
//! `ListerWatcher`): one resource, optionally one namespace and selectors,
//! as full objects or as `PartialObjectMetadata`.

use k8s_openapi::{NamespaceResourceScope, Resource};
use keelson_apimachinery::gvk::{GroupVersion, GroupVersionResource};
use keelson_client::api::ListParams;
use keelson_client::rest::WatchStream;
use keelson_client::{ObjectList, Request, RestClient, Result};
use serde::de::DeserializeOwned;
use std::any::TypeId;

/// `Accept` for metadata-only lists (client-go's metadata client asks the same).
const ACCEPT_METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
/// `Accept` for metadata-only watches: each event carries one object.
const ACCEPT_METADATA: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/// One resource to list and watch.
#[derive(Clone, Debug)]
pub struct ListWatch {
    client: RestClient,
    resource: String,
    namespace: Option<String>,
    label_selector: Option<String>,
    field_selector: Option<String>,
    metadata_only: bool,
}

impl ListWatch {
    /// The typed resource `K`; `namespace` (empty or `None`: all) only applies
    /// when `K` is namespaced.
    pub fn typed<K>(client: &RestClient, namespace: Option<&str>) -> ListWatch
    where
        K: Resource,
        K::Scope: 'static,
    {
        let namespaced = TypeId::of::<K::Scope>() == TypeId::of::<NamespaceResourceScope>();
        let gvr = GroupVersionResource::new(K::GROUP, K::VERSION, K::URL_PATH_SEGMENT);
        ListWatch::dynamic(client, &gvr, namespaced, namespace)
    }

    /// Any resource by group, version and plural name; `namespaced` as discovery says.
    pub fn dynamic(
        client: &RestClient,
        gvr: &GroupVersionResource,
        namespaced: bool,
        namespace: Option<&str>,
    ) -> ListWatch {
        let gv = GroupVersion::new(gvr.group.clone(), gvr.version.clone());
        ListWatch {
            client: client.for_group_version(&gv),
            resource: gvr.resource.clone(),
            namespace: namespace
                .filter(|ns| namespaced && !ns.is_empty())
                .map(str::to_string),
            label_selector: None,
            field_selector: None,
            metadata_only: false,
        }
    }

    /// The same resource, answered as `PartialObjectMetadata` (metadata-only informers).
    pub fn metadata_only(mut self) -> ListWatch {
        self.metadata_only = true;
        self
    }

    /// Only objects matching this `labelSelector`.
    pub fn labels(mut self, selector: &str) -> ListWatch {
        self.label_selector = Some(selector.to_string()).filter(|s| !s.is_empty());
        self
    }

    /// Only objects matching this `fieldSelector`.
    pub fn fields(mut self, selector: &str) -> ListWatch {
        self.field_selector = Some(selector.to_string()).filter(|s| !s.is_empty());
        self
    }

    /// The plural resource name.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// `<resource>.<version>.<group>`, the way client-go names a reflector.
    pub fn describe(&self) -> String {
        let gv = self.client.group_version();
        format!("{}.{}.{}", self.resource, gv.version, gv.group)
            .trim_end_matches('.')
            .to_string()
    }

    fn request(&self, opts: &ListParams, watch: bool) -> Request {
        let mut r = self
            .client
            .get()
            .namespace_if(self.namespace.as_deref())
            .resource(self.resource.clone());
        if self.metadata_only {
            r = r.header(
                "Accept",
                if watch {
                    ACCEPT_METADATA
                } else {
                    ACCEPT_METADATA_LIST
                },
            );
        }
        let labels = opts
            .label_selector
            .as_ref()
            .or(self.label_selector.as_ref());
        if let Some(s) = labels {
            r = r.param("labelSelector", s.clone());
        }
        let fields = opts
            .field_selector
            .as_ref()
            .or(self.field_selector.as_ref());
        if let Some(s) = fields {
            r = r.param("fieldSelector", s.clone());
        }
        if let Some(rv) = &opts.resource_version {
            r = r.param("resourceVersion", rv.clone());
        }
        if let Some(m) = opts
            .resource_version_match
            .as_ref()
            .filter(|m| !m.is_empty())
        {
            r = r.param("resourceVersionMatch", m.clone());
        }
        if let Some(t) = opts.timeout_seconds {
            r = r.param("timeoutSeconds", t.to_string());
        }
        if watch {
            r = r.param("watch", "true");
            if opts.allow_watch_bookmarks {
                r = r.param("allowWatchBookmarks", "true");
            }
            if let Some(s) = opts.send_initial_events {
                r = r.param("sendInitialEvents", s.to_string());
            }
        } else {
            if let Some(l) = opts.limit.filter(|l| *l > 0) {
                r = r.param("limit", l.to_string());
            }
            if let Some(c) = opts.continue_token.as_ref().filter(|c| !c.is_empty()) {
                r = r.param("continue", c.clone());
            }
        }
        r
    }

    /// One `LIST` call (one page when `opts.limit` is set).
    pub async fn list<T: DeserializeOwned>(&self, opts: &ListParams) -> Result<ObjectList<T>> {
        self.request(opts, false).into().await
    }

    /// A `WATCH`.
    pub async fn watch<T: DeserializeOwned + Send + 'static>(
        &self,
        opts: &ListParams,
    ) -> Result<WatchStream<T>> {
        let body = self.request(opts, true).stream().await?;
        Ok(super::watch_decode::typed_events(body))
    }
}
