//! Field paths: one [`PathElement`] per step into an object, as
//! structured-merge-diff names them. A step is a field of a map, an entry of
//! an associative list found by its keys (`[name="c"]`), a value of a set
//! (`[="a"]`), or a plain index (`[0]`).
//!
//! In `FieldsV1` (`metadata.managedFields[].fieldsV1`) each step is a JSON
//! object key: `f:name`, `k:{"name":"c"}`, `v:"a"`, `i:0`.

use super::value;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone)]
pub enum PathElement {
    /// A field of a map (`.spec`).
    Field(String),
    /// An entry of an associative list, by its key fields sorted by name
    /// (`[containerPort=80,protocol="TCP"]`).
    Key(Vec<(String, Value)>),
    /// A member of a set-like list (`[="a"]`).
    Value(Value),
    /// A position in a list (`[0]`).
    Index(usize),
}

/// A path from the object's root.
pub type Path = Vec<PathElement>;

impl PathElement {
    /// A field step.
    pub fn field(name: &str) -> Self {
        PathElement::Field(name.to_string())
    }

    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    /// The `FieldsV1` key of this step.
    pub fn to_fields_v1_key(&self) -> String {
        match self {
            PathElement::Field(name) => {
                let mut key = String::with_capacity(name.len() + 2);
                key.push_str("f:");
                key.push_str(name);
                key
            }
            PathElement::Key(fields) => {
                let map: Map<String, Value> = fields.iter().cloned().collect();
                format!("k:{}", crate::codec::to_json(&Value::Object(map)))
            }
            PathElement::Value(v) => format!("v:{}", crate::codec::to_json(v)),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `FieldsV1` key; `Ok(None)` for a prefix this version does not
    /// know, which structured-merge-diff skips rather than refuses.
    pub fn from_fields_v1_key(key: &str) -> Result<Option<Self>, String> {
        let Some((prefix, rest)) = key.split_once(':') else {
            return Ok(None);
        };
        let parse_json = || {
            serde_json::from_str::<Value>(rest).map_err(|e| format!("parsing JSON: {e}: {rest:?}"))
        };
        Ok(Some(match prefix {
            "f" => PathElement::Field(rest.to_string()),
            "k" => match parse_json()? {
                Value::Object(m) => {
                    if m.is_empty() {
                        return Err(format!("empty key: {key:?}"));
                    }
                    let mut fields: Vec<(String, Value)> = m.into_iter().collect();
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    PathElement::Key(fields)
                }
                _ => return Err(format!("expected key value pairs: {key:?}")),
            },
            "v" => PathElement::Value(parse_json()?),
            "i" => PathElement::Index(
                rest.parse()
                    .map_err(|_| format!("invalid index: {key:?}"))?,
            ),
            _ => return Ok(None),
        }))
    }
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => {
                for ((an, av), (bn, bv)) in a.iter().zip(b) {
                    let c = an.cmp(bn).then_with(|| value::compare(av, bv));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (PathElement::Value(a), PathElement::Value(b)) => value::compare(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value::to_path_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={}]", value::to_path_string(v)),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path as structured-merge-diff prints it: `.spec.containers[name="c"].image`.
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_v1_keys_round_trip() {
        for key in [
            "f:metadata",
            r#"k:{"name":"c"}"#,
            r#"k:{"containerPort":80,"protocol":"TCP"}"#,
            r#"v:"finalizer.example.com""#,
            "v:5",
            "i:3",
        ] {
            let pe = PathElement::from_fields_v1_key(key).unwrap().unwrap();
            assert_eq!(pe.to_fields_v1_key(), key);
        }
        assert_eq!(PathElement::from_fields_v1_key("z:what").unwrap(), None);
        assert!(PathElement::from_fields_v1_key("k:[1]").is_err());
    }

    #[test]
    fn prints_like_structured_merge_diff() {
        let path = vec![
            PathElement::field("spec"),
            PathElement::field("containers"),
            PathElement::Key(vec![("name".into(), json!("c"))]),
            PathElement::field("ports"),
            PathElement::Key(vec![
                ("containerPort".into(), json!(80)),
                ("protocol".into(), json!("TCP")),
            ]),
        ];
        assert_eq!(
            path_string(&path),
            r#".spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]"#
        );
        assert_eq!(PathElement::Value(json!("a")).to_string(), r#"[="a"]"#);
    }

    #[test]
    fn fields_sort_before_keys_and_keys_by_value() {
        let k = |n: i64| PathElement::Key(vec![("port".into(), json!(n))]);
        assert!(PathElement::field("z") < k(1));
        assert!(k(80) < k(443));
    }
}
