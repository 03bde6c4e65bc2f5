//! Pruning: unknown fields are dropped, as the typed decoder drops what its
//! Go struct has no field for (and as CRD pruning does).

use super::shape::{Node, Shape};
use serde_json::Value;

/// Removes every field `root` does not declare, at any depth. Returns how
/// many were removed.
pub fn prune(obj: &mut Value, root: Node<'_>) -> usize {
    prune_value(obj, root, true)
}

fn prune_value(value: &mut Value, node: Node<'_>, root: bool) -> usize {
    match (node.shape(), value) {
        (Shape::Struct(st), Value::Object(map)) => {
            let mut removed = 0;
            // `retain` keeps the order and visits each field once, without
            // copying the keys first.
            map.retain(|key, v| {
                let implicit = (st.embedded || root)
                    && matches!(key.as_str(), "apiVersion" | "kind" | "metadata");
                match st.properties.get(key) {
                    Some(schema) => {
                        removed += prune_value(v, Node::of(schema), false);
                        true
                    }
                    None if implicit => {
                        if key == "metadata" {
                            if let Some(meta) =
                                Node::definition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                            {
                                removed += prune_value(v, meta, false);
                            }
                        }
                        true
                    }
                    None if st.preserve_unknown => true,
                    None => {
                        removed += 1;
                        false
                    }
                }
            });
            removed
        }
        (Shape::Map(values), Value::Object(map)) => {
            let values = Node::of(values);
            map.values_mut()
                .map(|v| prune_value(v, values, false))
                .sum()
        }
        (Shape::List(items), Value::Array(elems)) => {
            let items = Node::of(items);
            elems.iter_mut().map(|v| prune_value(v, items, false)).sum()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_unknown_fields_at_any_depth_keeping_order() {
        let mut obj = json!({
            "apiVersion": "v1", "kind": "Pod", "bogus": 1,
            "metadata": {"name": "p", "nope": true, "labels": {"keep": "me"}},
            "spec": {"containers": [{"name": "c", "image": "i", "typo": 1, "ports": [{"containerPort": 80, "x": 1}]}]}
        });
        let pod = Node::definition("io.k8s.api.core.v1.Pod").unwrap();
        assert_eq!(prune(&mut obj, pod), 4);
        assert_eq!(
            obj,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "labels": {"keep": "me"}},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}]}]}
            })
        );
        let keys: Vec<&String> = obj.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
    }

    #[test]
    fn preserves_what_the_schema_preserves() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}}}});
        let mut obj = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a", "junk": 1}, "spec": {"a": "1", "b": 2}, "c": 3});
        assert_eq!(prune(&mut obj, Node::of(&schema)), 2);
        assert_eq!(
            obj,
            json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"}, "spec": {"a": "1", "b": 2}})
        );
    }
}
