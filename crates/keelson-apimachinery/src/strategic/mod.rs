//! Strategic merge patch (`application/strategic-merge-patch+json`) as
//! kube-apiserver applies it (k8s.io/apimachinery/pkg/util/strategicpatch).
//!
//! A strategic merge patch is a JSON merge patch whose lists can merge: the
//! schema of the patched kind says, per field, whether a list merges
//! (`x-kubernetes-patch-strategy: merge`, items matched by
//! `x-kubernetes-patch-merge-key`), is replaced, or clears the keys a patch
//! does not retain (`retainKeys`). Directives in the patch refine it:
//!
//! - `$patch: replace` in a map replaces the map, in a list item the list;
//!   `$patch: delete` deletes the map, or the list item with that merge key;
//! - `$setElementOrder/<field>` orders the merged list;
//! - `$deleteFromPrimitiveList/<field>` removes values from a list of scalars;
//! - `$retainKeys` lists the keys of a map that survive;
//! - `null` deletes a key.
//!
//! The merge runs on the server's JSON with patch metadata from the
//! embedded 1.37 definitions ([`crate::schema`]); kubectl's client-side apply
//! relies on it (its three-way patches carry nulls, `$patch: delete` items and
//! `$setElementOrder` lists).
//!
//! ```
//! use keelson_apimachinery::strategic::{apply_strategic_merge_patch, PatchSchema};
//! use serde_json::json;
//! let schema = PatchSchema::new(keelson_apimachinery::schema::definitions(), "io.k8s.api.core.v1.Pod").unwrap();
//! let pod = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
//! let patch = br#"{"spec": {"containers": [{"name": "b", "image": "z"}]}}"#;
//! let out = apply_strategic_merge_patch(&pod, patch, schema).unwrap();
//! assert_eq!(out["spec"]["containers"], json!([{"name": "a", "image": "x"}, {"name": "b", "image": "z"}]));
//! ```

mod merge;
mod meta;
mod order;
#[cfg(test)]
mod tests;

pub use meta::{PatchMeta, PatchSchema};

use crate::gofmt;
use crate::status::ApiError;
use serde_json::{Map, Value};

const DIRECTIVE_MARKER: &str = "$patch";
const DELETE_DIRECTIVE: &str = "delete";
const REPLACE_DIRECTIVE: &str = "replace";
const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

// mergepatch's sentinel errors, whose text kube-apiserver returns as is.
const ERR_NO_LIST_OF_LISTS: &str = "lists of lists are not supported";
const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST: &str =
    "invalid patch format of setElementOrder list";

/// Why a strategic merge patch does not apply, sorted by the answer
/// kube-apiserver gives (`interpretStrategicMergePatchError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategicMergeError {
    /// A malformed directive (`$retainKeys`, `$setElementOrder`,
    /// `$deleteFromPrimitiveList`): 400 BadRequest.
    #[error("{0}")]
    BadRequest(String),
    /// A list of lists: 422 Invalid with the generic message.
    #[error("{0}")]
    Unprocessable(String),
    /// Anything else (a missing merge key, an unknown `$patch`): passed on as
    /// a 500 whose message is the error, without a reason.
    #[error("{0}")]
    Internal(String),
}

impl From<StrategicMergeError> for ApiError {
    fn from(e: StrategicMergeError) -> Self {
        match e {
            StrategicMergeError::BadRequest(m) => ApiError::bad_request(m),
            StrategicMergeError::Unprocessable(_) => ApiError::new(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request",
            ),
            StrategicMergeError::Internal(m) => ApiError::new(500, "", m),
        }
    }
}

fn no_merge_key(m: &Map<String, Value>, key: &str) -> StrategicMergeError {
    StrategicMergeError::Internal(format!(
        "map: {} does not contain declared merge key: {key}",
        gofmt::map(m)
    ))
}

fn bad_arg_type(expected: &str, actual: &Value) -> StrategicMergeError {
    StrategicMergeError::Internal(format!(
        "expected a {expected}, but received a {}",
        gofmt::type_name(actual)
    ))
}

fn bad_patch_type(directive: &Value, m: &Map<String, Value>) -> StrategicMergeError {
    StrategicMergeError::Internal(format!(
        "unknown patch type: {} in map: {}",
        gofmt::string(directive),
        gofmt::map(m)
    ))
}

/// Merges a decoded strategic merge `patch` into `original` (an object)
/// with the patch metadata of `schema` (`StrategicMergeMapPatch`).
///
/// The result is what kube-apiserver stores: nulls and directives the patch
/// left inside replaced values are dropped, as its conversion to a typed
/// object drops them.
pub fn strategic_merge(
    original: &Value,
    patch: Map<String, Value>,
    schema: PatchSchema,
) -> Result<Value, StrategicMergeError> {
    let original = original.as_object().cloned().unwrap_or_default();
    merge_into(original, patch, schema)
}

fn merge_into(
    original: Map<String, Value>,
    patch: Map<String, Value>,
    schema: PatchSchema,
) -> Result<Value, StrategicMergeError> {
    let mut merged = Value::Object(merge::merge_map(original, patch, schema)?);
    drop_nulls_and_directives(&mut merged);
    Ok(merged)
}

/// [`apply_strategic_merge_patch`] for a server: `metadata.managedFields`
/// are left out of the result unless the patch sets them. kube-apiserver's
/// field manager takes an object without managed fields as keeping the
/// stored ones, so nothing is lost, and a patch is spared copying every
/// manager's field set (often the larger part of an object).
#[allow(clippy::result_large_err)]
pub fn apply_strategic_merge_patch_leaving_managed_fields(
    original: &Value,
    patch: &[u8],
    schema: PatchSchema,
) -> Result<Value, ApiError> {
    let Some(patch) = decode_patch(patch)? else {
        return Ok(Value::Object(without_managed_fields(original)));
    };
    let sets_managed_fields = patch
        .get("metadata")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key("managedFields"));
    if sets_managed_fields {
        return Ok(strategic_merge(original, patch, schema)?);
    }
    Ok(merge_into(without_managed_fields(original), patch, schema)?)
}

/// A copy of an object's fields but `metadata.managedFields`.
fn without_managed_fields(obj: &Value) -> Map<String, Value> {
    let Some(fields) = obj.as_object() else {
        return Map::new();
    };
    fields
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("metadata", Value::Object(meta)) => Value::Object(
                    meta.iter()
                        .filter(|(k, _)| k.as_str() != "managedFields")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

/// Applies a strategic merge patch body to `original` as kube-apiserver's
/// PATCH handler does: a body that is not JSON is 400 `invalid JSON patch`,
/// JSON that is not an object is 400 with Go's unmarshalling message, a
/// `null` patch changes nothing, and merge failures answer as
/// [`StrategicMergeError`] says.
#[allow(clippy::result_large_err)]
pub fn apply_strategic_merge_patch(
    original: &Value,
    patch: &[u8],
    schema: PatchSchema,
) -> Result<Value, ApiError> {
    match decode_patch(patch)? {
        Some(patch) => Ok(strategic_merge(original, patch, schema)?),
        None => Ok(original.clone()),
    }
}

/// The patch body as a map; `None` for `null`, which changes nothing.
#[allow(clippy::result_large_err)]
fn decode_patch(patch: &[u8]) -> Result<Option<Map<String, Value>>, ApiError> {
    let patch: Value =
        serde_json::from_slice(patch).map_err(|_| ApiError::bad_request("invalid JSON patch"))?;
    match patch {
        Value::Object(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        other => {
            let found = match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Bool(_) => "bool",
                _ => "number",
            };
            Err(ApiError::bad_request(format!(
                "json: cannot unmarshal {found} into Go value of type map[string]interface {{}}"
            )))
        }
    }
}

fn is_directive_key(k: &str) -> bool {
    let parallel = |prefix: &str| k.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'));
    k.starts_with('$')
        && (k == DIRECTIVE_MARKER
            || k == RETAIN_KEYS_DIRECTIVE
            || parallel(SET_ELEMENT_ORDER_PREFIX)
            || parallel(DELETE_FROM_PRIMITIVE_LIST_PREFIX))
}

fn drop_nulls_and_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.iter().any(|(k, v)| v.is_null() || is_directive_key(k)) {
                m.retain(|k, v| !v.is_null() && !is_directive_key(k));
            }
            m.values_mut().for_each(drop_nulls_and_directives);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls_and_directives),
        _ => {}
    }
}
