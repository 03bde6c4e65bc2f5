//! Strict decoding of an object against its schema, as kube-apiserver's
//! typed decoder (`sigs.k8s.io/json.UnmarshalStrict` into the Go struct)
//! reports it: the first type error (`json: cannot unmarshal string into Go
//! struct field DeploymentSpec.spec.replicas of type int32`), then every
//! unknown and duplicate field in the order the decoder meets them
//! (`unknown field "spec.foo"`, `duplicate field "metadata.name"`).

use super::raw::Raw;
use super::scalars;
use super::shape::{Node, Scalar, Shape, Struct};
use serde_json::Number;
use std::collections::HashSet;

/// Most strict errors the decoder keeps.
const MAX_STRICT_ERRORS: usize = 100;

/// What decoding found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The decoder's failure, if the value does not fit the types at all.
    pub type_error: Option<String>,
    /// Unknown and duplicate fields (`unknown field "spec.foo"`), deduplicated.
    pub strict: Vec<String>,
}

/// How much to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Report unknown fields.
    pub unknown: bool,
    /// Report duplicate fields.
    pub duplicates: bool,
}

impl Checks {
    /// Unknown and duplicate fields both.
    pub const ALL: Checks = Checks {
        unknown: true,
        duplicates: true,
    };
}

/// Decodes `raw` against `root` (the kind's schema) strictly.
pub fn decode(raw: &Raw, root: Node<'_>, checks: Checks) -> Decoded {
    let mut d = Decoder {
        checks,
        out: Decoded::default(),
        seen: HashSet::new(),
        path: String::new(),
        field_stack: Vec::new(),
        go_struct: root.go_type(),
        hard: false,
    };
    d.value(raw, root, true);
    if d.out.type_error.is_some() {
        d.out.strict.clear();
    }
    d.out
}

/// Reports duplicate keys anywhere in a document decoded into
/// `map[string]interface{}` (merge and strategic merge patch bodies).
pub fn duplicate_keys(raw: &Raw) -> Vec<String> {
    decode(raw, Node::of(&serde_json::Value::Null), Checks::ALL).strict
}

struct Decoder {
    checks: Checks,
    out: Decoded,
    seen: HashSet<String>,
    /// The strict-error path: `spec.containers[0].name`.
    path: String,
    /// Struct field names from the root, as Go's type errors show them.
    field_stack: Vec<String>,
    /// The innermost Go struct type containing the current field.
    go_struct: String,
    /// A custom unmarshaler failed: decoding stopped.
    hard: bool,
}

impl Decoder {
    fn strict(&mut self, kind: &str) {
        let msg = format!("{kind} field {}", crate::validation::go_quote(&self.path));
        if self.out.strict.len() < MAX_STRICT_ERRORS && self.seen.insert(msg.clone()) {
            self.out.strict.push(msg);
        }
    }

    fn type_error(&mut self, value: &str, go_type: &str) {
        if self.out.type_error.is_some() {
            return;
        }
        self.out.type_error = Some(if self.field_stack.is_empty() {
            format!("json: cannot unmarshal {value} into Go value of type {go_type}")
        } else {
            format!(
                "json: cannot unmarshal {value} into Go struct field {}.{} of type {go_type}",
                self.go_struct,
                self.field_stack.join(".")
            )
        });
    }

    /// An error a type's own `UnmarshalJSON` returned: it ends decoding.
    fn hard_error(&mut self, message: String) {
        self.out.type_error = Some(message);
        self.hard = true;
    }

    fn push_key(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn value(&mut self, raw: &Raw, node: Node<'_>, root: bool) {
        if self.hard || matches!(raw, Raw::Null) {
            return;
        }
        match node.shape() {
            Shape::Any => {
                // interface{}: a map[string]interface{} still sees duplicates.
                if self.checks.duplicates {
                    self.any(raw);
                }
            }
            Shape::Struct(st) => match raw {
                Raw::Object(entries) => self.object(entries, st, node, root),
                other => self.type_error(other.go_kind(), &node.go_type()),
            },
            Shape::Map(values) => match raw {
                Raw::Object(entries) => {
                    let values = Node::of(values);
                    let mut keys = HashSet::new();
                    for (k, v) in entries {
                        let len = self.push_key(k);
                        if !keys.insert(k.as_str()) && self.checks.duplicates {
                            self.strict("duplicate");
                        }
                        self.value(v, values, false);
                        self.path.truncate(len);
                    }
                }
                other => self.type_error(other.go_kind(), &node.go_type()),
            },
            Shape::List(items) => match raw {
                Raw::Array(elems) => {
                    let items = Node::of(items);
                    for (i, v) in elems.iter().enumerate() {
                        let len = self.path.len();
                        self.path.push_str(&format!("[{i}]"));
                        self.value(v, items, false);
                        self.path.truncate(len);
                    }
                }
                other => self.type_error(other.go_kind(), &node.go_type()),
            },
            Shape::Scalar(s) => self.scalar(raw, s),
        }
    }

    fn any(&mut self, raw: &Raw) {
        match raw {
            Raw::Object(entries) => {
                let mut keys = HashSet::new();
                for (k, v) in entries {
                    let len = self.push_key(k);
                    if !keys.insert(k.as_str()) {
                        self.strict("duplicate");
                    }
                    self.any(v);
                    self.path.truncate(len);
                }
            }
            Raw::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = self.path.len();
                    self.path.push_str(&format!("[{i}]"));
                    self.any(v);
                    self.path.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, entries: &[(String, Raw)], st: Struct<'_>, node: Node<'_>, root: bool) {
        let mut seen_fields = HashSet::new();
        let struct_name = match node.definition {
            Some(_) => {
                let t = node.go_type();
                t.rsplit('.').next().unwrap_or(&t).to_string()
            }
            None => self.go_struct.clone(),
        };
        for (key, value) in entries {
            if self.hard {
                return;
            }
            let implicit = implicit_field(key, st, root);
            let field = st.properties.get(key).or(implicit.as_ref());
            let len = self.push_key(key);
            match field {
                Some(field_schema) => {
                    if !seen_fields.insert(key.as_str()) && self.checks.duplicates {
                        self.strict("duplicate");
                    }
                    let outer = std::mem::replace(&mut self.go_struct, struct_name.clone());
                    self.field_stack.push(key.clone());
                    self.value(value, Node::of(field_schema), false);
                    self.field_stack.pop();
                    if !self.hard {
                        self.go_struct = outer;
                    }
                }
                None if st.preserve_unknown => {
                    if self.checks.duplicates && !seen_fields.insert(key.as_str()) {
                        self.strict("duplicate");
                    }
                }
                None => {
                    if self.checks.unknown {
                        self.strict("unknown");
                    }
                }
            }
            self.path.truncate(len);
        }
    }

    fn scalar(&mut self, raw: &Raw, s: Scalar) {
        match (s, raw) {
            (Scalar::String, Raw::String(_))
            | (Scalar::Bool, Raw::Bool(_))
            | (Scalar::Float, Raw::Number(_)) => {}
            (Scalar::Int32, Raw::Number(n)) => {
                if !fits(n, i32::MIN as i64, i32::MAX as i64) {
                    self.type_error(&format!("number {n}"), "int32");
                }
            }
            (Scalar::Int64, Raw::Number(n)) => {
                if !fits(n, i64::MIN, i64::MAX) {
                    self.type_error(&format!("number {n}"), "int64");
                }
            }
            (Scalar::IntOrString, Raw::String(_)) => {}
            (Scalar::IntOrString, Raw::Number(n)) => {
                if !fits(n, i32::MIN as i64, i32::MAX as i64) {
                    self.type_error(&format!("number {n}"), "int32");
                    self.hard = true;
                }
            }
            (Scalar::IntOrString, other) => {
                self.type_error(other.go_kind(), "int32");
                self.hard = true;
            }
            (Scalar::Quantity, raw) => {
                let text = match raw {
                    Raw::String(s) => s.clone(),
                    Raw::Number(n) => n.to_string(),
                    Raw::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                if let Err(e) = scalars::check_quantity(&text) {
                    self.hard_error(e.to_string());
                }
            }
            (Scalar::Time, Raw::String(t)) => {
                if let Err(e) = scalars::check_rfc3339(t) {
                    self.hard_error(e);
                }
            }
            (Scalar::Time, other) => {
                self.type_error(other.go_kind(), "string");
                self.hard = true;
            }
            (Scalar::Bytes, Raw::String(text)) => {
                if let Err(e) = scalars::check_base64(text) {
                    if self.out.type_error.is_none() {
                        self.out.type_error = Some(e);
                    }
                }
            }
            (s, other) => self.type_error(other.go_kind(), s.go_type()),
        }
    }
}

/// `apiVersion`/`kind`/`metadata` of an embedded resource (or of a CRD's
/// root, whose schema need not declare them).
fn implicit_field(key: &str, st: Struct<'_>, root: bool) -> Option<serde_json::Value> {
    if !(st.embedded || root) {
        return None;
    }
    match key {
        "apiVersion" | "kind" => Some(serde_json::json!({"type": "string"})),
        "metadata" => Some(serde_json::json!({
            "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        })),
        _ => None,
    }
}

/// Whether a JSON number decodes into a Go integer of the given range.
fn fits(n: &Number, min: i64, max: i64) -> bool {
    match n.as_i64() {
        Some(i) => i >= min && i <= max,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Node<'static> {
        Node::definition("io.k8s.api.apps.v1.Deployment").unwrap()
    }

    fn decode_json(body: &str) -> Decoded {
        decode(
            &Raw::parse_json(body.as_bytes()).unwrap(),
            deployment(),
            Checks::ALL,
        )
    }

    // The body of kube-apiserver's own field validation integration test.
    const INVALID: &str = r#"{
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "x", "name": "y", "unknownMeta": "m", "labels": {"app": "nginx"}},
        "spec": {
            "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
            "paused": true, "paused": false,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{
                "name": "nginx", "image": "nginx:latest", "unknownNested": "val1",
                "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}
        }
    }"#;

    #[test]
    fn unknown_and_duplicate_fields_in_document_order() {
        let d = decode_json(INVALID);
        assert_eq!(d.type_error, None);
        assert_eq!(
            d.strict,
            [
                r#"duplicate field "metadata.name""#,
                r#"unknown field "metadata.unknownMeta""#,
                r#"unknown field "spec.unknown1""#,
                r#"unknown field "spec.unknownDupe""#,
                r#"duplicate field "spec.paused""#,
                r#"unknown field "spec.template.spec.containers[0].unknownNested""#,
                r#"duplicate field "spec.template.spec.containers[0].imagePullPolicy""#,
            ]
        );
    }

    #[test]
    fn type_errors_name_the_go_struct_field() {
        let d = decode_json(r#"{"spec": {"replicas": "2", "foo": 1}}"#);
        assert_eq!(
            d.type_error.as_deref(),
            Some("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")
        );
        assert!(d.strict.is_empty(), "a type error hides strict errors");
        let d = decode_json(r#"{"metadata": {"labels": {"v": 1}}}"#);
        assert_eq!(
            d.type_error.as_deref(),
            Some("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string")
        );
        let d = decode_json(r#"{"spec": {"template": {"spec": {"containers": {"name": "x"}}}}}"#);
        assert_eq!(
            d.type_error.as_deref(),
            Some("json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")
        );
        let d = decode_json(
            r#"{"spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": 80.5}]}]}}}}"#,
        );
        assert_eq!(
            d.type_error.as_deref(),
            Some("json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32")
        );
        let d = decode_json(r#"{"spec": "x"}"#);
        assert_eq!(
            d.type_error.as_deref(),
            Some("json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec")
        );
    }

    #[test]
    fn self_decoding_types() {
        let svc = Node::definition("io.k8s.api.core.v1.Service").unwrap();
        let raw =
            Raw::parse_json(br#"{"spec": {"ports": [{"port": 80, "targetPort": true}]}}"#).unwrap();
        assert_eq!(
            decode(&raw, svc, Checks::ALL).type_error.as_deref(),
            Some("json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32")
        );
        let pod = Node::definition("io.k8s.api.core.v1.Pod").unwrap();
        let raw = Raw::parse_json(
            br#"{"spec": {"containers": [{"resources": {"limits": {"cpu": "1x"}}}]}}"#,
        )
        .unwrap();
        assert_eq!(
            decode(&raw, pod, Checks::ALL).type_error.as_deref(),
            Some(scalars::QUANTITY_FORMAT_WRONG)
        );
        let secret = Node::definition("io.k8s.api.core.v1.Secret").unwrap();
        let raw = Raw::parse_json(br#"{"data": {"password": "hello"}}"#).unwrap();
        assert_eq!(
            decode(&raw, secret, Checks::ALL).type_error.as_deref(),
            Some("illegal base64 data at input byte 4")
        );
    }

    #[test]
    fn free_form_fields_accept_anything() {
        let cr = Node::definition("io.k8s.api.apps.v1.ControllerRevision").unwrap();
        let raw = Raw::parse_json(br#"{"data": {"anything": {"goes": [1, "x"]}}}"#).unwrap();
        assert_eq!(decode(&raw, cr, Checks::ALL), Decoded::default());
        // managedFields' fieldsV1 is free-form too.
        let raw =
            Raw::parse_json(br#"{"metadata": {"managedFields": [{"fieldsV1": {"f:data": {}}}]}}"#)
                .unwrap();
        assert_eq!(decode(&raw, deployment(), Checks::ALL), Decoded::default());
    }

    #[test]
    fn crd_schemas() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "size": {"type": "integer"},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "port": {"x-kubernetes-int-or-string": true}
                }}
            }
        });
        let raw = Raw::parse_json(
            br#"{"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a", "bogus": 1},
            "spec": {"size": 3, "extra": {"free": {"x": 1}}, "port": "http", "other": 1}}"#,
        )
        .unwrap();
        let d = decode(&raw, Node::of(&schema), Checks::ALL);
        assert_eq!(
            d.strict,
            [
                r#"unknown field "metadata.bogus""#,
                r#"unknown field "spec.other""#
            ]
        );
    }

    #[test]
    fn patch_bodies_are_maps() {
        let raw =
            Raw::parse_json(br#"{"spec": {"a": 1, "a": 2, "b": [{"c": 1, "c": 2}]}}"#).unwrap();
        assert_eq!(
            duplicate_keys(&raw),
            [
                r#"duplicate field "spec.a""#,
                r#"duplicate field "spec.b[0].c""#
            ]
        );
    }
}
