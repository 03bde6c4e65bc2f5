//! `Info`: one object a command acts on (cli-runtime's `resource.Info`).

use keelson_client::restmapper::{RestMapping, Scope};
use serde_json::Value;

/// One object: where it came from, how to reach it, and its content when
/// it was read from a source or fetched.
#[derive(Debug, Clone)]
pub struct Info {
    /// The file, URL or `STDIN` it was read from; empty for objects named by
    /// resource arguments.
    pub source: String,
    /// Its resource and kind.
    pub mapping: RestMapping,
    /// Its namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// Its name (may be empty for objects with `generateName`).
    pub name: String,
    /// The object, when known.
    pub object: Option<Value>,
}

impl Info {
    /// Whether the resource lives in namespaces.
    pub fn namespaced(&self) -> bool {
        self.mapping.scope == Scope::Namespace
    }

    /// kubectl's resource-with-group name of the kind (`deployment.apps`,
    /// `configmap`): the lower-case kind and, outside the core group, the group.
    pub fn kind_with_group(&self) -> String {
        let kind = self.mapping.gvk.kind.to_lowercase();
        if self.mapping.gvk.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.mapping.gvk.group)
        }
    }

    /// kubectl's resource-with-group name of the resource (`deployments.apps`, `pods`).
    pub fn resource_with_group(&self) -> String {
        let r = &self.mapping.gvr.resource;
        if self.mapping.gvr.group.is_empty() {
            r.clone()
        } else {
            format!("{r}.{}", self.mapping.gvr.group)
        }
    }

    /// The object, or an empty one when it was never read.
    pub fn object_or_empty(&self) -> Value {
        self.object
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default()))
    }

    /// Keeps the object's `metadata.namespace` in step with [`Info::namespace`]
    /// (cli-runtime's `UpdateObjectNamespace`).
    pub fn sync_object_namespace(&mut self) {
        let Some(Value::Object(obj)) = &mut self.object else {
            return;
        };
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        let Some(meta) = meta.as_object_mut() else {
            return;
        };
        if self.namespace.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace".into(), Value::String(self.namespace.clone()));
        }
    }
}
