//! The set of fields an object sets (structured-merge-diff's `ToFieldSet`),
//! with the validation kube-apiserver applies to an apply configuration.
//!
//! Every scalar is a member; so is every atomic list or map as a whole,
//! every entry of an associative list, every key of a map that is not a
//! declared struct field, and every field set to `null` or `{}`. Struct
//! fields holding fields of their own are not members: they are implied.

use super::fieldset::Set;
use super::path::{path_string, Path, PathElement};
use super::typeref::{Atom, ListKind, Scalar, TypeRef};
use serde_json::{Map, Value};

/// How strictly to read an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Every type error and unknown field is reported (an apply configuration).
    Strict,
    /// Unknown fields are read as deduced types, type errors ignored (stored objects).
    Lenient,
}

/// The fields `value` sets, given its type. In [`Strictness::Strict`] mode,
/// errors are reported as kube-apiserver words them
/// (`.spec.foo: field not declared in schema`).
pub fn to_field_set(
    value: &Value,
    tr: TypeRef<'_>,
    strictness: Strictness,
) -> Result<Set, Vec<String>> {
    let mut walker = Walker {
        errors: Vec::new(),
        strict: strictness == Strictness::Strict,
        path: Vec::new(),
    };
    // The root itself is never a member: nobody owns the whole object.
    let (set, _) = walker.walk(value, tr);
    if walker.errors.is_empty() {
        Ok(set)
    } else {
        Err(walker.errors)
    }
}

/// The step of a list item: its key fields (with schema defaults for keys it
/// leaves out) in a list map, its value in a set.
pub fn list_item_element(
    kind: &ListKind<'_>,
    element: TypeRef<'_>,
    item: &Value,
) -> Result<PathElement, String> {
    match kind {
        ListKind::Map(keys) => {
            let fields = match item {
                Value::Object(m) => m,
                Value::Null => {
                    return Err("associative list with keys may not have a null element".into())
                }
                _ => return Err("associative list with keys may not have non-map elements".into()),
            };
            let mut key = Vec::with_capacity(keys.len());
            for k in keys {
                match fields.get(*k).or_else(|| element.field_default(k)) {
                    Some(v) => key.push((k.to_string(), v.clone())),
                    None => {
                        return Err(format!(
                            "associative list with keys has an element that omits key field {} (and doesn't have default value)",
                            serde_json::to_string(k).unwrap_or_default()
                        ))
                    }
                }
            }
            key.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(PathElement::Key(key))
        }
        ListKind::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => Err("not supported: associative list with lists as elements".into()),
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            v => Ok(PathElement::Value(v.clone())),
        },
        ListKind::Atomic => Err("invalid atom".into()),
    }
}

/// The atom to walk a value with: a deduced type takes the value's shape.
pub(crate) fn atom_for<'s>(tr: TypeRef<'s>, value: Option<&Value>) -> Atom<'s> {
    match tr.resolve() {
        Atom::Deduced => match value {
            Some(Value::Object(_)) => Atom::Map(super::typeref::deduced_map_type()),
            Some(Value::Array(_)) => Atom::List {
                element: TypeRef::deduced(),
                kind: ListKind::Atomic,
            },
            _ => Atom::Scalar(Scalar::Untyped),
        },
        atom => atom,
    }
}

struct Walker {
    errors: Vec<String>,
    strict: bool,
    /// The current path, kept in strict mode only (for messages).
    path: Path,
}

/// A node's set of descendants and whether the node itself is a member.
type Found = (Set, bool);

impl Walker {
    fn error(&mut self, message: String) {
        if !self.strict {
            return;
        }
        if self.path.is_empty() {
            self.errors.push(message);
        } else {
            self.errors
                .push(format!("{}: {message}", path_string(&self.path)));
        }
    }

    fn enter(&mut self, pe: impl FnOnce() -> PathElement) {
        if self.strict {
            self.path.push(pe());
        }
    }

    fn leave(&mut self) {
        if self.strict {
            self.path.pop();
        }
    }

    fn walk(&mut self, value: &Value, tr: TypeRef<'_>) -> Found {
        match atom_for(tr, Some(value)) {
            Atom::Scalar(kind) => {
                if let Some(message) = scalar_error(kind, value) {
                    self.error(message);
                }
                (Set::new(), true)
            }
            Atom::List { element, kind } => {
                let items = match value {
                    Value::Array(items) => Some(items),
                    Value::Null => None,
                    other => {
                        self.error(format!("expected list, got {}", go_value(other)));
                        None
                    }
                };
                if kind == ListKind::Atomic {
                    // Items are still checked (with their positions as steps).
                    if self.strict {
                        for (i, item) in items.into_iter().flatten().enumerate() {
                            self.enter(|| PathElement::Index(i));
                            self.walk(item, element);
                            self.leave();
                        }
                    }
                    return (Set::new(), true);
                }
                match items {
                    Some(items) => (self.walk_list(items, &kind, element), false),
                    None => (Set::new(), false),
                }
            }
            Atom::Map(m) => {
                let fields = match value {
                    Value::Object(fields) => Some(fields),
                    Value::Null => None,
                    other => {
                        self.error(format!("expected map, got {}", go_value(other)));
                        None
                    }
                };
                if m.atomic {
                    if let (true, Some(fields)) = (self.strict, fields) {
                        self.walk_map(fields, &m);
                    }
                    return (Set::new(), true);
                }
                match fields {
                    Some(fields) => (self.walk_map(fields, &m), false),
                    None => (Set::new(), false),
                }
            }
            Atom::Deduced => (Set::new(), true),
        }
    }

    fn walk_list(&mut self, items: &[Value], kind: &ListKind<'_>, element: TypeRef<'_>) -> Set {
        let mut set = Set::new();
        for (i, item) in items.iter().enumerate() {
            let pe = match list_item_element(kind, element, item) {
                Ok(pe) => pe,
                Err(e) => {
                    self.error(format!("element {i}: {e}"));
                    return set;
                }
            };
            if set.members.contains(&pe) {
                self.error(format!("duplicate entries for key {pe}"));
            }
            self.enter(|| pe.clone());
            let (below, _) = self.walk(item, element);
            self.leave();
            if !below.is_empty() {
                set.children.insert(pe.clone(), below);
            }
            set.members.insert(pe);
        }
        set
    }

    fn walk_map(&mut self, fields: &Map<String, Value>, m: &super::typeref::MapType<'_>) -> Set {
        let mut set = Set::new();
        for (key, val) in fields {
            let declared = m.is_declared(key);
            let child = match m.child(key) {
                Some(t) => t,
                None if self.strict => {
                    self.path.push(PathElement::field(key));
                    self.error("field not declared in schema".to_string());
                    self.path.pop();
                    // kube-apiserver stops reading a map at its first unknown field.
                    return set;
                }
                None => TypeRef::deduced(),
            };
            self.enter(|| PathElement::field(key));
            let (below, is_member) = self.walk(val, child);
            self.leave();
            let empty_map = matches!(val, Value::Object(o) if o.is_empty());
            let pe = PathElement::field(key);
            if is_member || val.is_null() || empty_map || !declared {
                set.members.insert(pe.clone());
            }
            if !below.is_empty() {
                set.children.insert(pe, below);
            }
        }
        set
    }
}

/// Go's `%v` of a structured-merge-diff value (`&{...}`).
fn go_value(v: &Value) -> String {
    format!("&{{{}}}", go_plain(v))
}

fn go_plain(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_plain).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_plain(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        other => other.to_string(),
    }
}

/// Go's `%T` of an unstructured value.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `%#v` of a structured-merge-diff value.
fn go_value_sharp(v: &Value) -> String {
    fn inner(v: &Value) -> String {
        match v {
            Value::Null => "interface {}(nil)".into(),
            Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
            Value::Array(items) => format!(
                "[]interface {{}}{{{}}}",
                items.iter().map(inner).collect::<Vec<_>>().join(", ")
            ),
            Value::Object(m) => format!(
                "map[string]interface {{}}{{{}}}",
                m.iter()
                    .map(|(k, v)| format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap_or_default(),
                        inner(v)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        }
    }
    format!("&value.valueUnstructured{{Value:{}}}", inner(v))
}

fn scalar_error(kind: Scalar, v: &Value) -> Option<String> {
    let ok = matches!(
        (kind, v),
        (_, Value::Null)
            | (Scalar::Numeric, Value::Number(_))
            | (Scalar::String, Value::String(_))
            | (Scalar::Boolean, Value::Bool(_))
            | (
                Scalar::Untyped,
                Value::Number(_) | Value::String(_) | Value::Bool(_)
            )
    );
    if ok {
        return None;
    }
    Some(match kind {
        Scalar::Numeric => format!("expected numeric (int or float), got {}", go_type(v)),
        Scalar::String => format!("expected string, got {}", go_value_sharp(v)),
        Scalar::Boolean => format!("expected boolean, got {}", go_value(v)),
        Scalar::Untyped => format!("expected any scalar, got {}", go_value(v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::typeref::for_kind;
    use serde_json::json;

    fn fields(kind: (&str, &str, &str), obj: Value) -> Result<Value, Vec<String>> {
        to_field_set(&obj, for_kind(kind.0, kind.1, kind.2), Strictness::Strict)
            .map(|s| s.to_fields_v1())
    }

    #[test]
    fn deployment_config_fields() {
        let obj = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "c",
                        "image": "nginx",
                        "ports": [{"containerPort": 80}],
                        "resources": {}
                    }]}
                }
            }
        });
        assert_eq!(
            fields(("apps", "v1", "Deployment"), obj).unwrap(),
            json!({
                "f:apiVersion": {},
                "f:kind": {},
                "f:metadata": {"f:labels": {"f:app": {}}, "f:name": {}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {"f:app": {}}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {
                            ".": {},
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}},
                            "f:resources": {}
                        }}}
                    }
                }
            })
        );
    }

    #[test]
    fn configmap_data_keys_are_members() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1"}});
        assert_eq!(
            fields(("", "v1", "ConfigMap"), obj).unwrap()["f:data"],
            json!({"f:a": {}})
        );
    }

    #[test]
    fn errors_as_kube_apiserver_words_them() {
        let d = ("apps", "v1", "Deployment");
        assert_eq!(
            fields(d, json!({"spec": {"replicas": "two", "bogus": 1}})).unwrap_err(),
            vec![
                ".spec.replicas: expected numeric (int or float), got string",
                ".spec.bogus: field not declared in schema",
            ]
        );
        assert_eq!(
            fields(d, json!({"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}})).unwrap_err(),
            vec![".spec.template.spec.containers: duplicate entries for key [name=\"a\"]"]
        );
        assert_eq!(
            fields(d, json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})).unwrap_err(),
            vec![".spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)"]
        );
        assert_eq!(
            fields(("", "v1", "ConfigMap"), json!({"data": {"a": 1}})).unwrap_err(),
            vec![".data.a: expected string, got &value.valueUnstructured{Value:1}"]
        );
        assert_eq!(
            fields(
                ("", "v1", "ConfigMap"),
                json!({"metadata": {"labels": "x"}})
            )
            .unwrap_err(),
            vec![".metadata.labels: expected map, got &{x}"]
        );
    }

    #[test]
    fn lenient_reads_unknown_fields_as_deduced() {
        let obj = json!({"spec": {"bogus": {"x": 1}}});
        let set = to_field_set(
            &obj,
            for_kind("apps", "v1", "Deployment"),
            Strictness::Lenient,
        )
        .unwrap();
        assert_eq!(
            set.to_fields_v1(),
            json!({"f:spec": {"f:bogus": {".": {}, "f:x": {}}}})
        );
    }
}
