//! JSON Patch (RFC 6902) and JSON merge patch (RFC 7386) as kube-apiserver
//! applies them: with `gopkg.in/evanphx/json-patch.v4`, whose behaviour
//! differs from the RFCs in places clients rely on (a `replace` of a missing
//! object key adds it, negative array indices count from the end, a merge
//! patch drops nulls inside objects it adds). Malformed patch bodies are 400
//! BadRequest; a patch that does not apply is 422 Invalid.

use crate::codec::{go_json_kind as json_kind, to_json};
use crate::status::ApiError;
use serde_json::{Map, Value};

/// kube-apiserver refuses JSON patches with more operations than this.
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// What kube-apiserver answers for a JSON patch that does not apply: the
/// library's reason is not passed on.
fn not_applicable() -> ApiError {
    ApiError::new(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    )
}

/// Parses a patch body as Go's `json.Unmarshal` would, with its messages.
fn parse_body(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice::<Value>(body)
        .map_err(|e| crate::codec::go_syntax_error(body).unwrap_or_else(|| e.to_string()))
}

/// One operation, with Go's view of missing and mistyped members.
struct Operation<'a> {
    fields: Option<&'a Map<String, Value>>,
}

impl<'a> Operation<'a> {
    fn kind(&self) -> &'a str {
        self.fields
            .and_then(|f| f.get("op"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
    }

    fn string(&self, key: &str) -> Option<&'a str> {
        self.fields.and_then(|f| f.get(key)).and_then(Value::as_str)
    }

    /// `None` when absent; `Some(Null)` for an explicit null.
    fn value(&self) -> Option<&'a Value> {
        self.fields.and_then(|f| f.get("value"))
    }
}

/// RFC 6901 unescaping of one path segment.
fn decode_key(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

/// Go's `strconv.Atoi` then the library's negative-index rule for an array
/// of `len` elements; `None` when out of range.
fn array_index(key: &str, len: usize) -> Option<usize> {
    let idx: i64 = key.parse().ok()?;
    let len = i64::try_from(len).ok()?;
    let idx = if idx < 0 {
        idx.checked_add(len).filter(|i| *i >= 0)?
    } else {
        idx
    };
    (idx < len).then(|| usize::try_from(idx).ok()).flatten()
}

/// The container holding the last segment of `path`, and that segment; `None`
/// when a step is missing, null or not a container (the library's `findObject`).
fn find_parent<'v>(doc: &'v mut Value, path: &str) -> Option<(&'v mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let mut current = doc;
    for part in &split[1..split.len() - 1] {
        let next = match current {
            Value::Object(m) => m.get_mut(&decode_key(part))?,
            Value::Array(a) => {
                let i = array_index(part, a.len())?;
                &mut a[i]
            }
            _ => return None,
        };
        if !matches!(next, Value::Object(_) | Value::Array(_)) {
            return None;
        }
        current = next;
    }
    Some((current, decode_key(split[split.len() - 1])))
}

/// `get`: for objects a missing key is not an error (it reads as null).
fn get(container: &Value, key: &str) -> Result<Value, ()> {
    match container {
        Value::Object(m) => Ok(m.get(key).cloned().unwrap_or(Value::Null)),
        Value::Array(a) => array_index(key, a.len()).map(|i| a[i].clone()).ok_or(()),
        _ => Err(()),
    }
}

fn add(container: &mut Value, key: &str, value: Value) -> Result<(), ()> {
    match container {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(a) if key == "-" => {
            a.push(value);
            Ok(())
        }
        Value::Array(a) => {
            // Inserting may land one past the end.
            let i = array_index(key, a.len() + 1).ok_or(())?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(()),
    }
}

fn remove(container: &mut Value, key: &str) -> Result<Value, ()> {
    match container {
        Value::Object(m) => m.shift_remove(key).ok_or(()),
        Value::Array(a) => array_index(key, a.len()).map(|i| a.remove(i)).ok_or(()),
        _ => Err(()),
    }
}

/// The library's `test` equality: structural, scalars compared as JSON text.
fn equal(doc: &Value, expected: &Value) -> bool {
    match (doc, expected) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| equal(v, w))
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (a, b) => to_json(a) == to_json(b),
    }
}

fn apply_operation(doc: &mut Value, op: &Operation<'_>) -> Result<(), ()> {
    let path = op.string("path");
    match op.kind() {
        "add" => {
            let (parent, key) = find_parent(doc, path.ok_or(())?).ok_or(())?;
            add(parent, &key, op.value().cloned().unwrap_or(Value::Null))
        }
        "remove" => {
            let (parent, key) = find_parent(doc, path.ok_or(())?).ok_or(())?;
            remove(parent, &key).map(drop)
        }
        "replace" => {
            let path = path.ok_or(())?;
            if path.is_empty() {
                return match op.value() {
                    Some(v @ (Value::Object(_) | Value::Array(_))) => {
                        *doc = v.clone();
                        Ok(())
                    }
                    _ => Err(()),
                };
            }
            let (parent, key) = find_parent(doc, path).ok_or(())?;
            get(parent, &key)?;
            let value = op.value().cloned().unwrap_or(Value::Null);
            match parent {
                Value::Object(m) => {
                    m.insert(key, value);
                }
                Value::Array(a) => {
                    let i = array_index(&key, a.len()).ok_or(())?;
                    a[i] = value;
                }
                _ => return Err(()),
            }
            Ok(())
        }
        "move" => {
            let (from_parent, from_key) =
                find_parent(doc, op.string("from").ok_or(())?).ok_or(())?;
            let value = get(from_parent, &from_key)?;
            remove(from_parent, &from_key)?;
            let (parent, key) = find_parent(doc, path.ok_or(())?).ok_or(())?;
            add(parent, &key, value)
        }
        "copy" => {
            let (from_parent, from_key) =
                find_parent(doc, op.string("from").ok_or(())?).ok_or(())?;
            let value = get(from_parent, &from_key)?;
            let (parent, key) = find_parent(doc, path.ok_or(())?).ok_or(())?;
            add(parent, &key, value)
        }
        "test" => {
            let path = path.ok_or(())?;
            let expected = op.value().ok_or(())?;
            if path.is_empty() {
                return if equal(doc, expected) {
                    Ok(())
                } else {
                    Err(())
                };
            }
            let (parent, key) = find_parent(doc, path).ok_or(())?;
            let actual = get(parent, &key)?;
            // A missing member and a null one are the same to the library.
            let same = match (&actual, expected) {
                (Value::Null, Value::Null) => true,
                (Value::Null, _) => false,
                (a, e) => equal(a, e),
            };
            if same {
                Ok(())
            } else {
                Err(())
            }
        }
        _ => Err(()),
    }
}

/// Applies an RFC 6902 JSON Patch (`application/json-patch+json`) as
/// kube-apiserver does. A body that is not JSON or not a list of operations is
/// 400 with Go's decoder message (e.g. `invalid character 'x' looking for
/// beginning of value`); more than 10000 operations is 413; an operation that
/// fails (`test` mismatch, missing path, unknown `op`) is 422 Invalid `the
/// server rejected our request due to an error in our request`.
// ApiError is the crate's Status error type; callers expect it unboxed.
#[allow(clippy::result_large_err)]
pub fn apply_json_patch(target: &Value, patch: &[u8]) -> Result<Value, ApiError> {
    let body = parse_body(patch).map_err(ApiError::bad_request)?;
    let ops: Vec<Operation<'_>> = match &body {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(m) => Ok(Operation { fields: Some(m) }),
                Value::Null => Ok(Operation { fields: None }),
                other => Err(ApiError::bad_request(format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                    json_kind(other)
                ))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(ApiError::bad_request(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                json_kind(other)
            )))
        }
    };
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!(
                "Request entity too large: The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
                ops.len()
            ),
        ));
    }
    if !matches!(target, Value::Object(_) | Value::Array(_)) {
        return Err(not_applicable());
    }
    let mut doc = target.clone();
    for op in &ops {
        apply_operation(&mut doc, op).map_err(|()| not_applicable())?;
    }
    Ok(doc)
}

fn bad_merge_patch() -> ApiError {
    ApiError::bad_request("Invalid JSON Patch")
}

/// Removes null members of objects, at any depth; nulls in arrays stay.
fn prune_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(prune_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}

fn merge_docs(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, mut v) in patch {
        if v.is_null() {
            doc.shift_remove(&k);
            continue;
        }
        match doc.get_mut(&k).filter(|slot| !slot.is_null()) {
            // Into an object: objects merge, anything else replaces as is.
            Some(slot) if slot.is_object() => match (slot, v) {
                (Value::Object(cur), Value::Object(p)) => merge_docs(cur, p),
                (slot, other) => *slot = other,
            },
            // Into a scalar or array: the patch value replaces it, nulls pruned.
            Some(slot) => {
                prune_nulls(&mut v);
                *slot = v;
            }
            None => {
                prune_nulls(&mut v);
                doc.insert(k, v);
            }
        }
    }
}

/// Applies an RFC 7386 merge patch (`application/merge-patch+json`) as
/// kube-apiserver does. A body that is not JSON, or is null, a string, a
/// number or a boolean, is 400 `Invalid JSON Patch`. An array patch replaces
/// the whole document (the caller then finds it is not an object).
#[allow(clippy::result_large_err)]
pub fn apply_merge_patch(target: &Value, patch: &[u8]) -> Result<Value, ApiError> {
    let patch = serde_json::from_slice::<Value>(patch).map_err(|_| bad_merge_patch())?;
    match (target, patch) {
        (Value::Null, _) => Err(ApiError::internal("Invalid JSON Document")),
        (_, Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
            Err(bad_merge_patch())
        }
        (Value::Object(doc), Value::Object(p)) => {
            let mut doc = doc.clone();
            merge_docs(&mut doc, p);
            Ok(Value::Object(doc))
        }
        (_, mut whole) => {
            prune_nulls(&mut whole);
            Ok(whole)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"replicas": 1, "ports": [80, 443], "x": null}})
    }

    #[allow(clippy::result_large_err)]
    fn jp(target: &Value, patch: Value) -> Result<Value, ApiError> {
        apply_json_patch(target, patch.to_string().as_bytes())
    }

    #[test]
    fn json_patch_operations() {
        let out = jp(
            &doc(),
            json!([
                {"op": "test", "path": "/metadata/name", "value": "web"},
                {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "remove", "path": "/metadata/labels/app"},
                {"op": "add", "path": "/spec/ports/-", "value": 8080},
                {"op": "add", "path": "/spec/ports/0", "value": 22},
                {"op": "copy", "from": "/spec/replicas", "path": "/spec/copied"},
                {"op": "move", "from": "/spec/copied", "path": "/metadata/moved"},
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"metadata": {"name": "web", "labels": {"tier": "front"}, "moved": 3},
                   "spec": {"replicas": 3, "ports": [22, 80, 443, 8080], "x": null}})
        );
    }

    #[test]
    fn json_patch_follows_evanphx_v4_quirks() {
        let out = jp(
            &doc(),
            json!([{"op": "replace", "path": "/spec/new", "value": 1}]),
        )
        .unwrap();
        assert_eq!(
            out["spec"]["new"],
            json!(1),
            "replace of a missing object key adds it"
        );
        let out = jp(&doc(), json!([{"op": "remove", "path": "/spec/ports/-1"}])).unwrap();
        assert_eq!(
            out["spec"]["ports"],
            json!([80]),
            "negative indices count from the end"
        );
        let out = jp(
            &doc(),
            json!([{"op": "test", "path": "/spec/missing", "value": null}]),
        )
        .unwrap();
        assert_eq!(out, doc(), "a missing member tests equal to null");
        let out = jp(&doc(), json!([{"op": "add", "path": "/spec/empty"}])).unwrap();
        assert_eq!(
            out["spec"]["empty"],
            Value::Null,
            "add without a value adds null"
        );
        let out = jp(
            &json!({"a/b": {"~c": 1}}),
            json!([{"op": "replace", "path": "/a~1b/~0c", "value": 2}]),
        )
        .unwrap();
        assert_eq!(out, json!({"a/b": {"~c": 2}}));
        let out = jp(
            &doc(),
            json!([{"op": "replace", "path": "", "value": {"fresh": true}}]),
        )
        .unwrap();
        assert_eq!(out, json!({"fresh": true}));
        assert_eq!(
            jp(&doc(), Value::Null).unwrap(),
            doc(),
            "a null patch has no operations"
        );
    }

    #[test]
    fn json_patch_that_does_not_apply_is_422() {
        for patch in [
            json!([{"op": "test", "path": "/metadata/name", "value": "other"}]),
            json!([{"op": "remove", "path": "/metadata/missing"}]),
            json!([{"op": "add", "path": "/missing/child", "value": 1}]),
            json!([{"op": "replace", "path": "/spec/ports/5", "value": 1}]),
            json!([{"op": "move", "from": "/nope", "path": "/x"}]),
            json!([{"op": "frobnicate", "path": "/x"}]),
            json!([{"path": "/x"}]),
            json!([{"op": "add", "value": 1}]),
            json!([{"op": "test", "path": "/spec/replicas", "value": 1.5}]),
        ] {
            let e = jp(&doc(), patch.clone()).unwrap_err();
            assert_eq!((e.code, e.reason.as_str()), (422, "Invalid"), "{patch}");
            assert_eq!(
                e.message,
                "the server rejected our request due to an error in our request"
            );
        }
    }

    #[test]
    fn malformed_json_patch_bodies_are_400() {
        let e = apply_json_patch(&doc(), b"[{\"op\": ").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (400, "unexpected end of JSON input")
        );
        let e = apply_json_patch(&doc(), b"op: add").unwrap_err();
        assert_eq!(
            e.message,
            "invalid character 'o' looking for beginning of value"
        );
        let e = apply_json_patch(&doc(), br#"{"op": "add"}"#).unwrap_err();
        assert_eq!(
            e.message,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        let e = apply_json_patch(&doc(), b"[1]").unwrap_err();
        assert_eq!(
            e.message,
            "json: cannot unmarshal number into Go value of type jsonpatch.Operation"
        );
        let many = Value::Array(vec![
            json!({"op": "test", "path": "/spec/replicas", "value": 1});
            10_001
        ]);
        let e = jp(&doc(), many).unwrap_err();
        assert_eq!(e.code, 413);
        assert_eq!(e.message, "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
    }

    #[test]
    fn merge_patch() {
        let out = apply_merge_patch(
            &doc(),
            br#"{"metadata": {"labels": {"app": null, "tier": "front"}}, "spec": {"replicas": 2, "ports": [1], "new": {"a": null, "b": 1, "list": [null, {"c": null}]}}}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"metadata": {"name": "web", "labels": {"tier": "front"}},
                   "spec": {"replicas": 2, "ports": [1], "x": null, "new": {"b": 1, "list": [null, {}]}}})
        );
        let replaced = apply_merge_patch(&json!({"a": {"b": 1}}), br#"{"a": 5}"#).unwrap();
        assert_eq!(replaced, json!({"a": 5}));
        let into_scalar =
            apply_merge_patch(&json!({"a": 1}), br#"{"a": {"b": null, "c": 2}}"#).unwrap();
        assert_eq!(into_scalar, json!({"a": {"c": 2}}));
        let whole = apply_merge_patch(&doc(), b"[1, null]").unwrap();
        assert_eq!(whole, json!([1, null]));
    }

    #[test]
    fn malformed_merge_patches_are_400() {
        for body in [&b"{"[..], b"null", b"\"x\"", b"42", b"true", b""] {
            let e = apply_merge_patch(&doc(), body).unwrap_err();
            assert_eq!(
                (e.code, e.reason.as_str(), e.message.as_str()),
                (400, "BadRequest", "Invalid JSON Patch")
            );
        }
    }
}
