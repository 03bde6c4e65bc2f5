//! Decoding `application/vnd.kubernetes.protobuf` request bodies into JSON.
//!
//! client-go's typed clientset (and so kubectl's `create configmap|secret|
//! namespace|deployment|service|job|cronjob|role|...`, `create token`,
//! `auth can-i`; not `run` or `apply`, which send JSON) sends built-in
//! objects as Kubernetes protobuf. Objects are JSON everywhere else in
//! Keelson, so a body is turned into exactly the JSON object Kubernetes' JSON
//! encoding gives the same object, and from then on handled like a JSON body.
//!
//! No generated code: a small wire-format reader walks the message guided by
//! an embedded table (`table.json.gz`, written by `tools/gen-protobuf.py`
//! from the k8s-pb crate's prost code and the 1.37 OpenAPI definitions) that
//! maps each message's field numbers to JSON names and types.
//!
//! ```
//! use keelson_apimachinery::protobuf::decode_protobuf_object;
//! // What `kubectl create namespace team-a` sends.
//! let body = b"k8s\x00\x0a\x0f\x0a\x02v1\x12\x09Namespace\x12\x1e\x0a\x16\x0a\x06team-a\x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12\x00\x1a\x02\x0a\x00\x1a\x00\x22\x00";
//! let ns = decode_protobuf_object(body).unwrap();
//! assert_eq!(
//!     serde_json::Value::Object(ns),
//!     serde_json::json!({
//!         "apiVersion": "v1", "kind": "Namespace",
//!         "metadata": {"name": "team-a"}, "spec": {}, "status": {}
//!     })
//! );
//! ```

mod decode;
mod format;
mod table;
mod wire;

#[cfg(test)]
mod tests;

use crate::status::ApiError;
use serde_json::{Map, Value};
use wire::{Fields, WireValue};

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The 4 bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Why a body could not be decoded (becomes a 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

/// A top-level body failure: malformed, or a kind the table does not know.
enum EnvelopeError {
    Malformed(Malformed),
    UnknownKind { api_version: String, kind: String },
}

impl From<Malformed> for EnvelopeError {
    fn from(m: Malformed) -> Self {
        EnvelopeError::Malformed(m)
    }
}

/// Decodes a `application/vnd.kubernetes.protobuf` body: the 4-byte magic
/// `k8s\0`, then a `runtime.Unknown` {typeMeta{apiVersion=1, kind=2}=1,
/// raw=2, contentEncoding=3, contentType=4} whose `raw` is the object's
/// message. The result is the object as Kubernetes' JSON encoding writes it,
/// `apiVersion` and `kind` first.
///
/// Errors: a malformed body is a 400 BadRequest naming what is wrong; a kind
/// with no protobuf message in the built-in table (custom resources, kinds
/// newer than the table) is a 415 UnsupportedMediaType, as kube-apiserver
/// answers for types that have no protobuf encoding.
// ApiError is the crate-wide error type; the size is the same everywhere.
#[allow(clippy::result_large_err)]
pub fn decode_protobuf_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match decode_envelope_inner(body, 0) {
        Ok(object) => Ok(object),
        Err(EnvelopeError::Malformed(Malformed(message))) => Err(ApiError::bad_request(format!(
            "unable to decode protobuf body: {message}"
        ))),
        Err(EnvelopeError::UnknownKind { .. }) => Err(ApiError::unsupported_media_type(
            MEDIA_TYPE,
            &["application/json", "application/yaml"],
        )),
    }
}

/// Whether the table can decode objects of `apiVersion`/`kind`.
pub fn supports_kind(api_version: &str, kind: &str) -> bool {
    table::table().kind(api_version, kind).is_some()
}

/// An embedded envelope (a `RawExtension` holding a protobuf object).
pub(crate) fn decode_envelope(body: &[u8], depth: usize) -> Result<Map<String, Value>, Malformed> {
    decode_envelope_inner(body, depth).map_err(|e| match e {
        EnvelopeError::Malformed(m) => m,
        EnvelopeError::UnknownKind { api_version, kind } => Malformed(format!(
            "embedded object {kind} in {api_version} has no protobuf encoding"
        )),
    })
}

fn decode_envelope_inner(body: &[u8], depth: usize) -> Result<Map<String, Value>, EnvelopeError> {
    let Some(envelope) = body.strip_prefix(MAGIC) else {
        // kube-apiserver's wording, Go's %v of the prefix bytes included.
        return Err(Malformed(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
                .to_string(),
        )
        .into());
    };
    let (mut api_version, mut kind) = (String::new(), String::new());
    let mut raw: &[u8] = &[];
    for field in Fields::new(envelope) {
        match field? {
            (1, WireValue::Bytes(type_meta)) => {
                for field in Fields::new(type_meta) {
                    match field? {
                        (1, WireValue::Bytes(b)) => {
                            api_version = String::from_utf8_lossy(b).into_owned()
                        }
                        (2, WireValue::Bytes(b)) => kind = String::from_utf8_lossy(b).into_owned(),
                        (tag @ (1 | 2), _) => {
                            return Err(
                                Malformed(format!("typeMeta field {tag} is not a string")).into()
                            )
                        }
                        _ => {}
                    }
                }
            }
            (2, WireValue::Bytes(b)) => raw = b,
            (3, WireValue::Bytes(encoding)) if !encoding.is_empty() => {
                return Err(Malformed(format!(
                    "unsupported contentEncoding {:?}",
                    String::from_utf8_lossy(encoding)
                ))
                .into());
            }
            // contentType: kube writes "" for the protobuf payload it carries.
            (3 | 4, WireValue::Bytes(_)) => {}
            (tag @ 1..=4, other) => {
                return Err(Malformed(format!(
                    "runtime.Unknown field {tag} has unexpected {} wire type",
                    other.wire_type_name()
                ))
                .into())
            }
            _ => {}
        }
    }
    if kind.is_empty() {
        return Err(Malformed("Object 'Kind' is missing in protobuf body".to_string()).into());
    }
    if api_version.is_empty() {
        return Err(
            Malformed("Object 'apiVersion' is missing in protobuf body".to_string()).into(),
        );
    }
    let table = table::table();
    let Some(message) = table.kind(&api_version, &kind) else {
        return Err(EnvelopeError::UnknownKind { api_version, kind });
    };
    let mut object = Map::new();
    object.insert("apiVersion".to_string(), Value::String(api_version));
    object.insert("kind".to_string(), Value::String(kind));
    if let Some(Value::Object(fields)) = decode::decode_message(table, message, raw, depth)? {
        object.extend(fields);
    }
    Ok(object)
}
