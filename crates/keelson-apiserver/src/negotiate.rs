//! Content negotiation: which representation a client accepts, and response
//! building for JSON, YAML and Status errors.

use crate::table::MetaVersion;
use bytes::Bytes;
use http::{header, HeaderMap, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use keelson_apimachinery::status::ApiError;
use serde_json::Value;
use std::convert::Infallible;

/// The body type of every response.
pub type Body = BoxBody<Bytes, Infallible>;

/// What representation the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// Plain JSON objects.
    Json,
    /// YAML.
    Yaml,
    /// A `meta.k8s.io` Table (`as=Table`).
    Table(MetaVersion),
    /// `as=PartialObjectMetadata`: one object, or each watch event's object,
    /// reduced to its metadata.
    PartialObjectMetadata(MetaVersion),
    /// `as=PartialObjectMetadataList`: a list reduced to its items' metadata.
    PartialObjectMetadataList(MetaVersion),
}

impl Representation {
    /// Whether the response is a `meta.k8s.io` transformation of the
    /// objects (a Table or their metadata) rather than the objects.
    pub fn is_transform(self) -> bool {
        !matches!(self, Representation::Json | Representation::Yaml)
    }
}

/// The `meta.k8s.io` version of an `as=` media type parameter set, when it
/// names one kube-apiserver serves the transformed kinds in.
fn meta_version(r: &MediaRange) -> Option<MetaVersion> {
    if r.param("g") != Some("meta.k8s.io") {
        return None;
    }
    match r.param("v") {
        Some("v1") => Some(MetaVersion::V1),
        Some("v1beta1") => Some(MetaVersion::V1beta1),
        _ => None,
    }
}

/// One entry of an `Accept` header.
#[derive(Debug, Clone, Default)]
pub struct MediaRange {
    /// `type/subtype`, lower-cased.
    pub mime: String,
    /// Parameters (`as`, `g`, `v`, ...).
    pub params: Vec<(String, String)>,
}

impl MediaRange {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses an `Accept` header into its media ranges, in the order given.
pub fn parse_accept(value: &str) -> Vec<MediaRange> {
    value
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let mime = it.next()?.trim().to_ascii_lowercase();
            if mime.is_empty() {
                return None;
            }
            let params = it
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((
                        k.trim().to_ascii_lowercase(),
                        v.trim().trim_matches('"').to_string(),
                    ))
                })
                .collect();
            Some(MediaRange { mime, params })
        })
        .collect()
}

/// The media ranges of a request (`*/*` when there is no Accept header).
pub fn accepts(headers: &HeaderMap) -> Vec<MediaRange> {
    match headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
        Some(v) if !v.trim().is_empty() => parse_accept(v),
        _ => vec![MediaRange {
            mime: "*/*".into(),
            params: vec![],
        }],
    }
}

/// Picks the representation for an object response, or 406.
pub fn negotiate_object(headers: &HeaderMap) -> Result<Representation, ApiError> {
    for r in accepts(headers) {
        match r.mime.as_str() {
            "application/json" => match (r.param("as"), meta_version(&r)) {
                (None, _) => return Ok(Representation::Json),
                (Some("Table"), Some(v)) => return Ok(Representation::Table(v)),
                (Some("PartialObjectMetadata"), Some(v)) => {
                    return Ok(Representation::PartialObjectMetadata(v))
                }
                (Some("PartialObjectMetadataList"), Some(v)) => {
                    return Ok(Representation::PartialObjectMetadataList(v))
                }
                _ => continue,
            },
            "application/yaml" if r.param("as").is_none() => return Ok(Representation::Yaml),
            "*/*" | "application/*" => return Ok(Representation::Json),
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable(&[
        "application/json",
        "application/yaml",
    ]))
}

/// A response with a body and content type.
pub fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()).boxed());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// A JSON (or YAML, when that is the representation) response of a value.
pub fn respond_value(status: u16, rep: Representation, value: &Value) -> Response<Body> {
    match rep {
        Representation::Yaml => respond(
            status,
            "application/yaml",
            keelson_apimachinery::codec::to_yaml(value),
        ),
        _ => respond(
            status,
            "application/json",
            serde_json::to_vec(value).unwrap_or_default(),
        ),
    }
}

/// A response of already-serialized JSON, converted to YAML when asked.
pub fn respond_json_bytes(status: u16, rep: Representation, json: Bytes) -> Response<Body> {
    match rep {
        Representation::Yaml => match serde_json::from_slice::<Value>(&json) {
            Ok(v) => respond_value(status, rep, &v),
            Err(_) => respond(status, "application/json", json),
        },
        _ => respond(status, "application/json", json),
    }
}

/// The `Status` response of an error.
pub fn respond_error(err: &ApiError) -> Response<Body> {
    let mut resp = respond(
        err.code,
        "application/json",
        serde_json::to_vec(&err.to_status()).unwrap_or_default(),
    );
    if let Some(secs) = err.retry_after_seconds {
        if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_accept_prefers_table() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            negotiate_object(&h).unwrap(),
            Representation::Table(MetaVersion::V1)
        );
    }

    fn negotiate(accept: &str) -> Result<Representation, ApiError> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, accept.parse().unwrap());
        negotiate_object(&h)
    }

    #[test]
    fn metadata_only_representations() {
        assert_eq!(
            negotiate("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1").unwrap(),
            Representation::PartialObjectMetadata(MetaVersion::V1)
        );
        assert_eq!(
            negotiate("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json").unwrap(),
            Representation::PartialObjectMetadataList(MetaVersion::V1beta1)
        );
        assert_eq!(
            negotiate("application/json;as=Table;g=meta.k8s.io;v=v1beta1").unwrap(),
            Representation::Table(MetaVersion::V1beta1)
        );
    }

    #[test]
    fn unknown_transforms_fall_through() {
        // A version or group kube-apiserver has no Table in is skipped, then refused.
        assert_eq!(
            negotiate("application/json;as=Table;g=meta.k8s.io;v=v2, application/json").unwrap(),
            Representation::Json
        );
        assert_eq!(
            negotiate("application/json;as=Table;g=example.com;v=v1")
                .unwrap_err()
                .code,
            406
        );
        assert_eq!(
            negotiate("application/json;as=Deployment;g=apps;v=v1")
                .unwrap_err()
                .code,
            406
        );
    }

    #[test]
    fn protobuf_only_is_not_acceptable() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            "application/vnd.kubernetes.protobuf".parse().unwrap(),
        );
        assert_eq!(negotiate_object(&h).unwrap_err().code, 406);
        h.insert(
            header::ACCEPT,
            "application/vnd.kubernetes.protobuf, application/json"
                .parse()
                .unwrap(),
        );
        assert_eq!(negotiate_object(&h).unwrap(), Representation::Json);
    }
}
