//! A source's bytes → objects, as cli-runtime's `StreamVisitor` reads them:
//! a JSON stream or YAML documents, empty documents skipped, each checked
//! for `apiVersion` and `kind` unless validation is off.

use super::errors::VisitError;
use keelson_apimachinery::codec::{decode_documents, to_json};
use serde_json::{Map, Value};

/// kubectl's advice after a client-side validation failure.
const STOP_VALIDATE: &str =
    "if you choose to ignore these errors, turn validation off with --validate=false";

/// The documents of one source, in order, and the error that stopped
/// reading it, if one did (objects before a bad document are still used).
#[derive(Debug, Default)]
pub struct Documents {
    /// The objects read.
    pub objects: Vec<Value>,
    /// Why reading stopped early.
    pub error: Option<VisitError>,
}

/// Reads `data` from `source`. With `validate`, each document must be an
/// object with string `apiVersion` and `kind` (kubectl's schema check),
/// else reading stops with `error validating "x.yaml": error validating
/// data: kind not set; ...`.
pub fn documents(data: &[u8], source: &str, validate: bool) -> Documents {
    let mut out = Documents::default();
    let looks_json = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let chunks = if looks_json {
        vec![data.to_vec()]
    } else {
        yaml_documents(data)
    };
    for chunk in chunks {
        let values = match decode_documents(&chunk) {
            Ok(v) => v,
            Err(e) => {
                out.error = Some(VisitError::plain(format!(
                    "error parsing {source}: {}",
                    e.message
                )));
                return out;
            }
        };
        for value in values {
            if validate {
                if let Err(problems) = object_kind_problems(&value) {
                    out.error = Some(VisitError::plain(format!(
                        "error validating {source:?}: error validating data: {problems}; {STOP_VALIDATE}"
                    )));
                    return out;
                }
            }
            out.objects.push(value);
        }
    }
    out
}

/// Splits a YAML stream at `---` lines (kubectl's `YAMLReader`); a line
/// that only starts with `---` stays, for the decoder to reject.
fn yaml_documents(data: &[u8]) -> Vec<Vec<u8>> {
    let mut docs = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"---") {
            let rest = String::from_utf8_lossy(rest);
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                docs.push(std::mem::take(&mut current));
                continue;
            }
        }
        current.extend_from_slice(line);
    }
    docs.push(current);
    docs.retain(|d| d.iter().any(|b| !b.is_ascii_whitespace()));
    docs
}

/// kubectl's `getObjectKind` check, its errors joined as an aggregate.
pub fn object_kind_problems(value: &Value) -> Result<(), String> {
    let Some(fields) = value.as_object() else {
        return Err("invalid object to validate".to_string());
    };
    let mut problems = Vec::new();
    match fields.get("apiVersion") {
        None | Some(Value::Null) => problems.push("apiVersion not set".to_string()),
        Some(Value::String(v)) => {
            if let Err(e) = parse_group_version(v) {
                problems.push(e);
            }
        }
        Some(_) => problems.push("apiVersion isn't string type".to_string()),
    }
    match fields.get("kind") {
        None | Some(Value::Null) => problems.push("kind not set".to_string()),
        Some(Value::String(_)) => {}
        Some(_) => problems.push("kind isn't string type".to_string()),
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        _ => Err(format!("[{}]", problems.join(", "))),
    }
}

/// apimachinery's `ParseGroupVersion`: at most one slash.
fn parse_group_version(v: &str) -> Result<(), String> {
    if v.matches('/').count() > 1 {
        return Err(format!("unexpected GroupVersion string: {v}"));
    }
    Ok(())
}

/// Whether an object is a list to flatten (`v1/List`, `PodList`, ...):
/// apimachinery's `IsListType`, an `items` array.
pub fn is_list(value: &Value) -> bool {
    value.get("items").is_some_and(Value::is_array)
        && value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
}

/// The unstructured decoder's complaint about an object without a kind:
/// `Object 'Kind' is missing in '{...}'` (keys sorted, as Go marshals maps).
pub fn missing_kind(value: &Value) -> Option<String> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if !kind.is_empty() {
        return None;
    }
    Some(format!(
        "Object 'Kind' is missing in '{}'",
        to_json(&sorted(value))
    ))
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_streams_skip_empty_documents_and_keep_order() {
        let data = b"apiVersion: v1\nkind: A\n---\n---\n# c\n---\napiVersion: v1\nkind: B\n";
        let docs = documents(data, "x.yaml", true);
        assert!(docs.error.is_none());
        let kinds: Vec<&str> = docs
            .objects
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["A", "B"]);
    }

    #[test]
    fn objects_before_a_bad_document_survive() {
        let data = b"apiVersion: v1\nkind: A\n---\nfoo: [\n";
        let docs = documents(data, "bad.yaml", true);
        assert_eq!(docs.objects.len(), 1);
        assert_eq!(
            docs.error.unwrap().text(),
            "error parsing bad.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content"
        );
    }

    #[test]
    fn validation_names_what_is_missing() {
        let docs = documents(b"metadata: {}\n", "n.yaml", true);
        assert_eq!(
            docs.error.unwrap().text(),
            format!("error validating \"n.yaml\": error validating data: [apiVersion not set, kind not set]; {STOP_VALIDATE}")
        );
        let docs = documents(b"[1, 2]\n", "a.json", true);
        assert!(docs
            .error
            .unwrap()
            .text()
            .contains("invalid object to validate"));
        assert_eq!(
            documents(b"metadata: {}\n", "n.yaml", false).objects.len(),
            1
        );
    }

    #[test]
    fn json_streams_and_lists() {
        let docs = documents(b"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[]}\n{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}", "s", true);
        assert_eq!(docs.objects.len(), 2);
        assert!(is_list(&docs.objects[0]));
        assert!(!is_list(&docs.objects[1]));
        assert_eq!(
            missing_kind(&json!({"metadata": {"name": "c"}, "apiVersion": "v1"})).unwrap(),
            "Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c\"}}'"
        );
    }
}
