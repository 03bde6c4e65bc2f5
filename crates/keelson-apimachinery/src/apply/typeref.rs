//! The shape of a type as server-side apply sees it, read from OpenAPI
//! schemas (the embedded 1.37 definitions, or a CRD's schema).
//!
//! A type is a scalar, a list (atomic, a set, or a map keyed by
//! `x-kubernetes-list-map-keys`), a map (a struct with declared fields, or a
//! map of one element type; atomic with `x-kubernetes-map-type: atomic`), or
//! *deduced*: unknown, so read from the value itself (maps merge field by
//! field, lists are atomic). Kubernetes' own conversion rules apply:
//! `Quantity`, `int-or-string` and formatted strings are untyped scalars,
//! `RawExtension` and schemaless objects are deduced maps, and a list
//! without `x-kubernetes-list-type` follows its patch strategy (`merge`
//! with a merge key is a list map) or else is atomic.

use crate::schema::{definitions, resolve_ref, DEFINITIONS_REF_PREFIX};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// List map keys defaulted to `TCP` by kube-apiserver's type converter (from
/// the types' `+default` markers, which the published OpenAPI v2 leaves out).
const PROTOCOL_KEY_DEFAULTS: &[(&str, &str)] = &[
    ("io.k8s.api.core.v1.ContainerPort", "protocol"),
    ("io.k8s.api.core.v1.ServicePort", "protocol"),
    ("io.k8s.api.core.v1.EndpointPort", "protocol"),
];

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const RAW_EXTENSION: &str = "io.k8s.apimachinery.pkg.runtime.RawExtension";

/// A reference to a type: a schema node, or nothing (deduced).
#[derive(Debug, Clone, Copy)]
pub struct TypeRef<'s> {
    node: Option<&'s Value>,
}

/// Scalar kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// Integers and floats.
    Numeric,
    /// Strings.
    String,
    /// Booleans.
    Boolean,
    /// Any scalar.
    Untyped,
}

/// How a list's items relate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind<'s> {
    /// Replaced as a whole.
    Atomic,
    /// A set of scalars, merged by value.
    Set,
    /// A map of items, merged by the named key fields.
    Map(Vec<&'s str>),
}

/// A map or struct.
#[derive(Debug, Clone, Copy)]
pub struct MapType<'s> {
    fields: Option<&'s Map<String, Value>>,
    element: Option<TypeRef<'s>>,
    /// Replaced as a whole.
    pub atomic: bool,
}

/// A resolved type.
#[derive(Debug, Clone)]
pub enum Atom<'s> {
    /// A scalar.
    Scalar(Scalar),
    /// A list.
    List {
        /// The items' type.
        element: TypeRef<'s>,
        /// How items relate.
        kind: ListKind<'s>,
    },
    /// A map or struct.
    Map(MapType<'s>),
    /// Unknown: read from the value.
    Deduced,
}

impl<'s> MapType<'s> {
    /// The type of a declared field.
    pub fn field(&self, name: &str) -> Option<TypeRef<'s>> {
        self.fields
            .and_then(|f| f.get(name))
            .map(TypeRef::from_schema)
    }

    /// Whether `name` is a declared field (a struct member).
    pub fn is_declared(&self, name: &str) -> bool {
        self.fields.is_some_and(|f| f.contains_key(name))
    }

    /// The type of any key: the declared field's, else the element type;
    /// `None` when the struct does not allow the key.
    pub fn child(&self, name: &str) -> Option<TypeRef<'s>> {
        self.field(name).or(self.element)
    }

    /// The declared fields.
    pub fn fields(&self) -> impl Iterator<Item = (&'s String, TypeRef<'s>)> {
        self.fields
            .into_iter()
            .flat_map(|f| f.iter().map(|(k, v)| (k, TypeRef::from_schema(v))))
    }
}

/// A key of a schema node. Nodes have a handful of keys: scanning them is
/// cheaper than hashing the key.
fn get<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    let map = node.as_object()?;
    if map.len() > 16 {
        return map.get(key);
    }
    map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

fn ext<'a>(nodes: &[&'a Value], key: &str) -> Option<&'a Value> {
    nodes.iter().find_map(|n| get(n, key))
}

fn ref_of(node: &Value) -> Option<&str> {
    get(node, "$ref").and_then(Value::as_str).or_else(|| {
        get(node, "allOf")?
            .as_array()?
            .iter()
            .find_map(|s| s.get("$ref")?.as_str())
    })
}

impl<'s> TypeRef<'s> {
    /// The deduced type.
    pub fn deduced() -> Self {
        TypeRef { node: None }
    }

    /// The type a schema node describes.
    pub fn from_schema(node: &'s Value) -> Self {
        TypeRef { node: Some(node) }
    }

    /// Resolves the reference.
    pub fn resolve(&self) -> Atom<'s> {
        let Some(node) = self.node else {
            return Atom::Deduced;
        };
        let mut target: &'s Value = node;
        let mut depth = 0;
        while let Some(r) = ref_of(target) {
            match r.strip_prefix(DEFINITIONS_REF_PREFIX) {
                Some(QUANTITY) => return Atom::Scalar(Scalar::Untyped),
                Some(RAW_EXTENSION) => return deduced_map(),
                _ => {}
            }
            match resolve_ref(r) {
                Some(t) if depth < 64 => target = t,
                _ => return Atom::Deduced,
            }
            depth += 1;
        }
        let nodes = [node, target];
        if ext(&nodes, "x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
            return Atom::Scalar(Scalar::Untyped);
        }
        let has = |k: &str| target.get(k).is_some();
        match get(target, "type").and_then(Value::as_str) {
            Some("array") => Atom::List {
                element: target
                    .get("items")
                    .map(TypeRef::from_schema)
                    .unwrap_or_else(TypeRef::deduced),
                kind: list_kind(&nodes),
            },
            Some("object") => map_type(target, &nodes),
            None if has("properties") || has("additionalProperties") => map_type(target, &nodes),
            Some("string") => match get(target, "format").and_then(Value::as_str) {
                None | Some("") | Some("byte") => Atom::Scalar(Scalar::String),
                Some(_) => Atom::Scalar(Scalar::Untyped),
            },
            Some("integer") | Some("number") => Atom::Scalar(Scalar::Numeric),
            Some("boolean") => Atom::Scalar(Scalar::Boolean),
            _ => Atom::Deduced,
        }
    }

    /// The `default` of a declared field of this (struct) type, used for
    /// list map keys an item leaves out (a port's `protocol`).
    pub fn field_default(&self, name: &str) -> Option<&'s Value> {
        let definition = self
            .node
            .and_then(ref_of)
            .and_then(|r| r.strip_prefix(DEFINITIONS_REF_PREFIX));
        if definition.is_some_and(|d| PROTOCOL_KEY_DEFAULTS.contains(&(d, name))) {
            static TCP: OnceLock<Value> = OnceLock::new();
            return Some(TCP.get_or_init(|| Value::String("TCP".into())));
        }
        match self.resolve() {
            Atom::Map(m) => {
                let field = m.fields?.get(name)?;
                get(field, "default").or_else(|| {
                    let r = ref_of(field)?;
                    get(resolve_ref(r)?, "default")
                })
            }
            _ => None,
        }
    }
}

/// A map of deduced values, merged key by key.
pub(crate) fn deduced_map_type<'s>() -> MapType<'s> {
    MapType {
        fields: None,
        element: Some(TypeRef::deduced()),
        atomic: false,
    }
}

fn deduced_map<'s>() -> Atom<'s> {
    Atom::Map(deduced_map_type())
}

fn map_type<'s>(target: &'s Value, nodes: &[&'s Value]) -> Atom<'s> {
    let fields = get(target, "properties").and_then(Value::as_object);
    let preserve =
        ext(nodes, "x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
    let element = match get(target, "additionalProperties") {
        Some(Value::Object(_)) => get(target, "additionalProperties").map(TypeRef::from_schema),
        Some(Value::Bool(true)) => Some(TypeRef::deduced()),
        // An object schema without fields is a map of anything, as
        // kube-openapi reads it; so are objects that keep unknown fields.
        _ if fields.is_none() || preserve => Some(TypeRef::deduced()),
        _ => None,
    };
    let atomic = ext(nodes, "x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic");
    Atom::Map(MapType {
        fields,
        element,
        atomic,
    })
}

fn list_kind<'s>(nodes: &[&'s Value]) -> ListKind<'s> {
    match ext(nodes, "x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => return ListKind::Set,
        Some("map") => {
            let keys = ext(nodes, "x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            return if keys.is_empty() {
                ListKind::Set
            } else {
                ListKind::Map(keys)
            };
        }
        Some(_) => return ListKind::Atomic,
        None => {}
    }
    let strategy = ext(nodes, "x-kubernetes-patch-strategy").and_then(Value::as_str);
    if matches!(strategy, Some("merge") | Some("merge,retainKeys")) {
        return match ext(nodes, "x-kubernetes-patch-merge-key").and_then(Value::as_str) {
            Some(key) => ListKind::Map(vec![key]),
            None => ListKind::Set,
        };
    }
    ListKind::Atomic
}

/// The type of a built-in kind, e.g. `("apps", "v1", "Deployment")`; the
/// deduced type for kinds without an embedded definition.
pub fn for_kind(group: &str, version: &str, kind: &str) -> TypeRef<'static> {
    type Index = HashMap<(String, String, String), &'static Value>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = Index::new();
        for (name, def) in definitions() {
            let Some(gvks) = def
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
            else {
                continue;
            };
            // Option kinds (DeleteOptions, WatchEvent) are listed under
            // every group; the kind's own definition is the one that counts.
            let shared = name.starts_with("io.k8s.apimachinery.pkg.apis.meta.v1.");
            for gvk in gvks {
                let field = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let key = (field("group"), field("version"), field("kind"));
                if shared && index.contains_key(&key) {
                    continue;
                }
                index.insert(key, def);
            }
        }
        index
    });
    index
        .get(&(group.to_string(), version.to_string(), kind.to_string()))
        .map(|d| TypeRef::from_schema(d))
        .unwrap_or_else(TypeRef::deduced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'s>(t: TypeRef<'s>, name: &str) -> TypeRef<'s> {
        match t.resolve() {
            Atom::Map(m) => m.child(name).unwrap(),
            other => panic!("not a map: {other:?}"),
        }
    }

    fn path(kind: (&str, &str, &str), fields: &[&str]) -> Atom<'static> {
        let mut t = for_kind(kind.0, kind.1, kind.2);
        for f in fields {
            t = field(t, f);
        }
        t.resolve()
    }

    const DEPLOYMENT: (&str, &str, &str) = ("apps", "v1", "Deployment");

    #[test]
    fn deployment_shapes() {
        assert!(matches!(
            path(DEPLOYMENT, &["spec", "replicas"]),
            Atom::Scalar(Scalar::Numeric)
        ));
        match path(DEPLOYMENT, &["spec", "selector"]) {
            Atom::Map(m) => assert!(m.atomic, "LabelSelector is atomic"),
            other => panic!("{other:?}"),
        }
        match path(DEPLOYMENT, &["spec", "template", "spec", "containers"]) {
            Atom::List { kind, .. } => assert_eq!(kind, ListKind::Map(vec!["name"])),
            other => panic!("{other:?}"),
        }
        match path(DEPLOYMENT, &["metadata", "finalizers"]) {
            Atom::List { kind, .. } => assert_eq!(kind, ListKind::Set),
            other => panic!("{other:?}"),
        }
        match path(DEPLOYMENT, &["metadata", "labels"]) {
            Atom::Map(m) => {
                assert!(!m.atomic);
                assert!(!m.is_declared("app"));
                assert!(matches!(
                    m.child("app").unwrap().resolve(),
                    Atom::Scalar(Scalar::String)
                ));
            }
            other => panic!("{other:?}"),
        }
        match path(DEPLOYMENT, &["spec"]) {
            Atom::Map(m) => assert!(m.child("nonsense").is_none()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kubernetes_conversion_rules() {
        let container = field(
            field(
                field(
                    field(for_kind("apps", "v1", "Deployment"), "spec"),
                    "template",
                ),
                "spec",
            ),
            "containers",
        );
        let Atom::List { element, .. } = container.resolve() else {
            panic!()
        };
        let Atom::List {
            element: port,
            kind,
        } = field(element, "ports").resolve()
        else {
            panic!()
        };
        assert_eq!(kind, ListKind::Map(vec!["containerPort", "protocol"]));
        assert_eq!(port.field_default("protocol"), Some(&Value::from("TCP")));
        let limits = field(field(element, "resources"), "limits");
        assert!(matches!(
            field(limits, "cpu").resolve(),
            Atom::Scalar(Scalar::Untyped)
        ));
        assert!(matches!(
            path(("", "v1", "Service"), &["spec", "ports"]),
            Atom::List {
                kind: ListKind::Map(_),
                ..
            }
        ));
        assert!(matches!(
            for_kind("example.com", "v1", "Widget").resolve(),
            Atom::Deduced
        ));
    }
}
