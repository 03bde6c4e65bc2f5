//! What a schema node says a value must look like: a Go struct, a map, a
//! list, a scalar of some Go type, or anything at all.
//!
//! Built-in schemas point at other definitions with `$ref`; a CRD's
//! `openAPIV3Schema` is self-contained. Both resolve through [`Node::of`].

use crate::schema;
use serde_json::{Map, Value};

/// A schema node with its `$ref` followed, and the definition it came from.
#[derive(Debug, Clone, Copy)]
pub struct Node<'s> {
    /// The schema itself (never a bare `$ref`).
    pub schema: &'s Value,
    /// The definition name when the node came from `$ref`, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub definition: Option<&'s str>,
}

impl<'s> Node<'s> {
    /// Resolves `schema` (following `$ref` into the embedded definitions).
    pub fn of(schema: &'s Value) -> Node<'s> {
        let mut node = Node {
            schema,
            definition: None,
        };
        // A chain of references is followed; a dangling one is "anything".
        for _ in 0..8 {
            let Some(reference) = node.schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let name = reference.trim_start_matches(schema::DEFINITIONS_REF_PREFIX);
            match schema::resolve_ref(reference) {
                Some(def) => {
                    node = Node {
                        schema: def,
                        definition: schema::definitions()
                            .get_key_value(name)
                            .map(|(k, _)| k.as_str()),
                    }
                }
                None => return Node::of(&Value::Null),
            }
        }
        node
    }

    /// The node of a named built-in definition.
    pub fn definition(name: &str) -> Option<Node<'static>> {
        let (name, schema) = schema::definitions().get_key_value(name)?;
        Some(Node {
            schema,
            definition: Some(name.as_str()),
        })
    }

    /// The shape of values this node accepts.
    pub fn shape(&self) -> Shape<'s> {
        shape_of(*self)
    }

    /// Whether this node is a Kubernetes object embedded in another
    /// (`x-kubernetes-embedded-resource`): `apiVersion`, `kind` and
    /// `metadata` are allowed without being declared.
    pub fn embedded_resource(&self) -> bool {
        flag(self.schema, "x-kubernetes-embedded-resource")
    }

    /// The Go type name kube-apiserver's decoder reports for a value of this
    /// node, e.g. `v1.PodSpec`, `[]v1.Container`, `map[string]string`, `int32`.
    pub fn go_type(&self) -> String {
        if let Some(def) = self.definition {
            return match special_type(def) {
                Some(Scalar::IntOrString) => "intstr.IntOrString".into(),
                Some(Scalar::Quantity) => "resource.Quantity".into(),
                _ => {
                    let mut parts = def.rsplit('.');
                    let name = parts.next().unwrap_or(def);
                    match parts.next() {
                        Some(pkg) => format!("{pkg}.{name}"),
                        None => name.to_string(),
                    }
                }
            };
        }
        match self.shape() {
            Shape::Struct(_) => "struct".into(),
            Shape::Map(values) => format!("map[string]{}", Node::of(values).go_type()),
            Shape::List(items) => format!("[]{}", Node::of(items).go_type()),
            Shape::Scalar(s) => s.go_type().into(),
            Shape::Any => "interface {}".into(),
        }
    }
}

/// A Go struct: named properties, the rest unknown (unless preserved).
#[derive(Debug, Clone, Copy)]
pub struct Struct<'s> {
    /// Declared fields.
    pub properties: &'s Map<String, Value>,
    /// `x-kubernetes-preserve-unknown-fields`: undeclared fields are kept.
    pub preserve_unknown: bool,
    /// `x-kubernetes-embedded-resource`.
    pub embedded: bool,
}

/// What a schema node accepts.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'s> {
    /// An object with declared fields.
    Struct(Struct<'s>),
    /// An object with arbitrary keys whose values follow the given schema.
    Map(&'s Value),
    /// An array whose items follow the given schema.
    List(&'s Value),
    /// A scalar.
    Scalar(Scalar),
    /// Anything (RawExtension, JSON, free-form objects, untyped nodes).
    Any,
}

/// Scalar types, as the Go decoder sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `string`.
    String,
    /// `[]byte`, base64 in JSON.
    Bytes,
    /// `int32`.
    Int32,
    /// `int64` (and untyped integers).
    Int64,
    /// `float64`.
    Float,
    /// `bool`.
    Bool,
    /// `intstr.IntOrString`.
    IntOrString,
    /// `resource.Quantity`.
    Quantity,
    /// `metav1.Time` / `metav1.MicroTime` (RFC 3339 strings).
    Time,
}

impl Scalar {
    /// The Go type name in decoder messages.
    pub fn go_type(self) -> &'static str {
        match self {
            Scalar::String | Scalar::Time => "string",
            Scalar::Bytes => "[]uint8",
            Scalar::Int32 | Scalar::IntOrString => "int32",
            Scalar::Int64 => "int64",
            Scalar::Float => "float64",
            Scalar::Bool => "bool",
            Scalar::Quantity => "resource.Quantity",
        }
    }
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// Definitions whose Go types decode themselves.
fn special_type(definition: &str) -> Option<Scalar> {
    match definition {
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => Some(Scalar::IntOrString),
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => Some(Scalar::Quantity),
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
        | "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime" => Some(Scalar::Time),
        _ => None,
    }
}

fn shape_of(node: Node<'_>) -> Shape<'_> {
    let schema = node.schema;
    if let Some(s) = node.definition.and_then(special_type) {
        return Shape::Scalar(s);
    }
    if flag(schema, "x-kubernetes-int-or-string")
        || schema.get("format").and_then(Value::as_str) == Some("int-or-string")
    {
        return Shape::Scalar(Scalar::IntOrString);
    }
    let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    let properties = schema.get("properties").and_then(Value::as_object);
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None => {
            if let Some(properties) = properties {
                return Shape::Struct(Struct {
                    properties,
                    preserve_unknown: preserve,
                    embedded: flag(schema, "x-kubernetes-embedded-resource"),
                });
            }
            if flag(schema, "x-kubernetes-embedded-resource") && !preserve {
                static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
                return Shape::Struct(Struct {
                    properties: EMPTY.get_or_init(Map::new),
                    preserve_unknown: false,
                    embedded: true,
                });
            }
            match schema.get("additionalProperties") {
                Some(v @ Value::Object(_)) if !preserve => Shape::Map(v),
                _ => Shape::Any,
            }
        }
        Some("array") => match schema.get("items") {
            Some(items @ Value::Object(_)) => Shape::List(items),
            _ => Shape::Any,
        },
        Some("string") => Shape::Scalar(match schema.get("format").and_then(Value::as_str) {
            Some("byte") => Scalar::Bytes,
            Some("date-time") if node.definition.is_some() => Scalar::Time,
            _ => Scalar::String,
        }),
        Some("integer") => Shape::Scalar(match schema.get("format").and_then(Value::as_str) {
            Some("int32") => Scalar::Int32,
            _ => Scalar::Int64,
        }),
        Some("number") => Shape::Scalar(Scalar::Float),
        Some("boolean") => Shape::Scalar(Scalar::Bool),
        Some(_) => Shape::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(def: &str, field: &str) -> Node<'static> {
        Node::of(&Node::definition(def).unwrap().schema["properties"][field])
    }

    #[test]
    fn go_types_as_the_decoder_names_them() {
        assert_eq!(
            prop("io.k8s.api.apps.v1.Deployment", "spec").go_type(),
            "v1.DeploymentSpec"
        );
        assert_eq!(
            prop("io.k8s.api.core.v1.PodSpec", "containers").go_type(),
            "[]v1.Container"
        );
        assert_eq!(
            prop("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels").go_type(),
            "map[string]string"
        );
        assert_eq!(
            prop("io.k8s.api.apps.v1.DeploymentSpec", "replicas").go_type(),
            "int32"
        );
        assert_eq!(
            prop("io.k8s.api.core.v1.Secret", "data").go_type(),
            "map[string][]uint8"
        );
    }

    #[test]
    fn special_types_decode_themselves() {
        assert!(matches!(
            prop("io.k8s.api.core.v1.ServicePort", "targetPort").shape(),
            Shape::Scalar(Scalar::IntOrString)
        ));
        assert!(matches!(
            prop(
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                "creationTimestamp"
            )
            .shape(),
            Shape::Scalar(Scalar::Time)
        ));
        // RawExtension: a free-form object.
        assert!(matches!(
            prop("io.k8s.api.apps.v1.ControllerRevision", "data").shape(),
            Shape::Any
        ));
    }

    #[test]
    fn crd_extensions() {
        let s = serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        assert!(matches!(Node::of(&s).shape(), Shape::Any));
        let s = serde_json::json!({"x-kubernetes-int-or-string": true});
        assert!(matches!(
            Node::of(&s).shape(),
            Shape::Scalar(Scalar::IntOrString)
        ));
        let s = serde_json::json!({"type": "object", "x-kubernetes-embedded-resource": true, "properties": {"spec": {}}});
        match Node::of(&s).shape() {
            Shape::Struct(st) => assert!(st.embedded),
            other => panic!("{other:?}"),
        }
    }
}
