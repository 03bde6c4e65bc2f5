//! A strategic merge patch checked against the schema on its own.
//!
//! Strict decoding of a patched object walks the whole object. The object a
//! patch applies to was decoded when it was written, so anything the walk can
//! report came in with the patch: when every field the patch sets is declared
//! and holds a value of the declared type, the walk would find nothing and
//! can be skipped. Only a patch that fails this check pays for the full walk,
//! which words the errors as kube-apiserver does.

use super::scalars::{check_base64, check_quantity, check_rfc3339};
use super::shape::{Node, Scalar, Shape};
use super::Raw;
use serde_json::Number;

/// Whether `patch` (a strategic merge patch, parsed as sent) only sets
/// declared fields to values of their types. Directive keys (`$patch`,
/// `$setElementOrder/...`, `$retainKeys`, `$deleteFromPrimitiveList/...`)
/// and nulls (deletions) are not fields and pass.
pub fn patch_conforms(patch: &Raw, root: Node<'_>) -> bool {
    conforms(patch, root, true)
}

fn conforms(raw: &Raw, node: Node<'_>, root: bool) -> bool {
    if matches!(raw, Raw::Null) {
        return true;
    }
    match node.shape() {
        Shape::Any => true,
        Shape::Struct(st) => match raw {
            Raw::Object(entries) => entries.iter().all(|(key, value)| {
                if key.starts_with('$') {
                    return true;
                }
                if let Some(schema) = st.properties.get(key) {
                    return conforms(value, Node::of(schema), false);
                }
                match key.as_str() {
                    "apiVersion" | "kind" if st.embedded || root => {
                        matches!(value, Raw::String(_) | Raw::Null)
                    }
                    "metadata" if st.embedded || root => {
                        Node::definition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                            .is_some_and(|meta| conforms(value, meta, false))
                    }
                    _ => st.preserve_unknown,
                }
            }),
            _ => false,
        },
        Shape::Map(values) => match raw {
            Raw::Object(entries) => {
                let values = Node::of(values);
                entries
                    .iter()
                    .all(|(key, value)| key.starts_with('$') || conforms(value, values, false))
            }
            _ => false,
        },
        Shape::List(items) => match raw {
            Raw::Array(elems) => {
                let items = Node::of(items);
                elems.iter().all(|v| conforms(v, items, false))
            }
            _ => false,
        },
        Shape::Scalar(s) => scalar_conforms(raw, s),
    }
}

fn scalar_conforms(raw: &Raw, s: Scalar) -> bool {
    let fits = |n: &Number, min: i64, max: i64| n.as_i64().is_some_and(|i| i >= min && i <= max);
    match (s, raw) {
        (Scalar::String, Raw::String(_)) | (Scalar::Bool, Raw::Bool(_)) => true,
        (Scalar::Float, Raw::Number(_)) => true,
        (Scalar::Int32 | Scalar::IntOrString, Raw::Number(n)) => {
            fits(n, i32::MIN as i64, i32::MAX as i64)
        }
        (Scalar::Int64, Raw::Number(n)) => fits(n, i64::MIN, i64::MAX),
        (Scalar::IntOrString, Raw::String(_)) => true,
        (Scalar::Quantity, Raw::String(q)) => check_quantity(q).is_ok(),
        (Scalar::Time, Raw::String(t)) => check_rfc3339(t).is_ok(),
        (Scalar::Bytes, Raw::String(b)) => check_base64(b).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(patch: &str) -> bool {
        let deployment = Node::definition("io.k8s.api.apps.v1.Deployment").unwrap();
        patch_conforms(&Raw::parse_json(patch.as_bytes()).unwrap(), deployment)
    }

    #[test]
    fn declared_fields_of_the_right_type_conform() {
        assert!(check(
            r#"{"metadata": {"labels": {"a": "b"}, "annotations": null},
                "spec": {"replicas": 3, "template": {"spec": {
                    "$setElementOrder/containers": [{"name": "web"}],
                    "containers": [{"name": "web", "image": "nginx:1.27",
                        "resources": {"limits": {"cpu": "500m"}},
                        "ports": [{"containerPort": 80, "$patch": "delete"}]}]}}}}"#
        ));
        assert!(check(r#"{"apiVersion": "apps/v1", "kind": "Deployment"}"#));
    }

    #[test]
    fn unknown_fields_and_wrong_types_do_not() {
        assert!(!check(r#"{"spec": {"replica": 3}}"#));
        assert!(!check(r#"{"spec": {"replicas": "3"}}"#));
        assert!(!check(r#"{"spec": {"replicas": 3000000000}}"#));
        assert!(!check(r#"{"metadata": {"labels": ["a"]}}"#));
        assert!(!check(
            r#"{"spec": {"template": {"spec": {"containers": [{"name": "w", "resources": {"limits": {"cpu": "lots"}}}]}}}}"#
        ));
        assert!(!check(
            r#"{"metadata": {"creationTimestamp": "yesterday"}}"#
        ));
    }
}
