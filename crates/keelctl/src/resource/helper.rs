//! REST verbs on an [`Info`] (cli-runtime's `resource.Helper`): the request
//! path from the mapping, and the query parameters kubectl sends for dry
//! runs, field managers and field validation.

use super::info::Info;
use keelson_apimachinery::gvk::GroupVersion;
use keelson_client::restmapper::RestMapping;
use keelson_client::{PatchType, Request, RestClient};
use serde_json::Value;

/// Verbs on objects, with the options every mutating request carries.
#[derive(Clone)]
pub struct Helper {
    client: RestClient,
    /// `dryRun=All` on every mutating request (`--dry-run=server`).
    pub server_dry_run: bool,
    /// `fieldManager`, when set.
    pub field_manager: Option<String>,
    /// `fieldValidation` (`Strict`, `Warn`, `Ignore`), when set.
    pub field_validation: Option<String>,
}

impl Helper {
    /// A helper over `client` with no options. The server's warnings are
    /// printed by the handler the `Factory` gave the client (once each, and
    /// counted for `--warnings-as-errors`).
    pub fn new(client: RestClient) -> Helper {
        Helper {
            client,
            server_dry_run: false,
            field_manager: None,
            field_validation: None,
        }
    }

    /// A helper for a mutating command: `dryRun=All` under
    /// `--dry-run=server`, and the command's field manager.
    pub fn for_writes(
        client: RestClient,
        dry_run: crate::printers::DryRun,
        field_manager: impl Into<String>,
    ) -> Helper {
        let mut helper = Helper::new(client);
        helper.server_dry_run = dry_run == crate::printers::DryRun::Server;
        helper.field_manager = Some(field_manager.into());
        helper
    }

    /// The client requests go through.
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    /// A request on the collection of `mapping` in `namespace` (all when empty).
    pub fn collection(&self, req: Request, mapping: &RestMapping, namespace: &str) -> Request {
        let gv = GroupVersion::new(mapping.gvr.group.clone(), mapping.gvr.version.clone());
        req.group_version(&gv)
            .namespace_if(Some(namespace))
            .resource(mapping.gvr.resource.clone())
    }

    /// A request on the collection the info's object belongs to.
    fn on_collection(&self, req: Request, info: &Info) -> Request {
        let ns = if info.namespaced() {
            info.namespace.as_str()
        } else {
            ""
        };
        self.collection(req, &info.mapping, ns)
    }

    /// A request on the info's object.
    fn on_object(&self, req: Request, info: &Info) -> Request {
        self.on_collection(req, info).name(info.name.clone())
    }

    fn mutating(&self, mut req: Request, validate: bool) -> Request {
        if self.server_dry_run {
            req = req.param("dryRun", "All");
        }
        if let Some(m) = &self.field_manager {
            req = req.param("fieldManager", m);
        }
        if validate {
            if let Some(v) = &self.field_validation {
                req = req.param("fieldValidation", v);
            }
        }
        req
    }

    /// `GET` the object.
    pub async fn get(&self, info: &Info) -> keelson_client::Result<Value> {
        self.on_object(self.client.get(), info).json().await
    }

    /// `GET` the collection with label and field selectors.
    pub async fn list(
        &self,
        mapping: &RestMapping,
        namespace: &str,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> keelson_client::Result<Value> {
        let mut req = self.collection(self.client.get(), mapping, namespace);
        if let Some(s) = label_selector.filter(|s| !s.is_empty()) {
            req = req.param("labelSelector", s);
        }
        if let Some(s) = field_selector.filter(|s| !s.is_empty()) {
            req = req.param("fieldSelector", s);
        }
        req.json().await
    }

    /// `POST` `object` to the info's collection.
    pub async fn create(&self, info: &Info, object: &Value) -> keelson_client::Result<Value> {
        let req = self.on_collection(self.client.post(), info);
        self.mutating(req, true).body(object).json().await
    }

    /// `PUT` `object` over the info's object.
    pub async fn replace(&self, info: &Info, object: &Value) -> keelson_client::Result<Value> {
        let req = self.on_object(self.client.put(), info);
        self.mutating(req, true).body(object).json().await
    }

    /// `PUT` `object` over a subresource of the info's object (`status`, `scale`).
    pub async fn replace_subresource(
        &self,
        info: &Info,
        object: &Value,
        subresource: &str,
    ) -> keelson_client::Result<Value> {
        let req = self
            .on_object(self.client.put(), info)
            .subresource(subresource);
        self.mutating(req, true).body(object).json().await
    }

    /// `PATCH` the info's object (or its `subresource`) with `body`.
    pub async fn patch(
        &self,
        info: &Info,
        patch_type: PatchType,
        body: &[u8],
        subresource: Option<&str>,
        force: Option<bool>,
    ) -> keelson_client::Result<Value> {
        let mut req = self.on_object(self.client.patch(patch_type), info);
        if let Some(sub) = subresource.filter(|s| !s.is_empty()) {
            req = req.subresource(sub);
        }
        if let Some(force) = force {
            req = req.param("force", force.to_string());
        }
        self.mutating(req, true)
            .body_bytes(body.to_vec())
            .json()
            .await
    }

    /// `DELETE` the info's object with `options` (a `DeleteOptions` body).
    pub async fn delete(&self, info: &Info, options: &Value) -> keelson_client::Result<Value> {
        let req = self.on_object(self.client.delete(), info);
        self.mutating(req, false).body(options).json().await
    }
}
