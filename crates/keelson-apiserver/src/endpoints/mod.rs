//! Resource endpoints, one module per verb (k8s.io/apiserver `endpoints/handlers`).

mod create;
mod delete;
mod get;
mod list;
pub mod review;
mod update;
mod watch;

use crate::negotiate::{respond, respond_json_bytes, respond_value, Body, Representation};
use crate::registry::{Registry, ResourceEntry};
use crate::request_info::RequestInfo;
use crate::table::{self, IncludeObject};
use bytes::Bytes;
use http::{HeaderMap, Response};
use http_body_util::BodyExt;
use keelson_apimachinery::codec::{self, ContentType};
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Largest request body kube-apiserver accepts (3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything a verb handler needs about one request.
pub struct Ctx {
    /// The registry.
    pub registry: Arc<Registry>,
    /// Parsed path.
    pub info: RequestInfo,
    /// The resource addressed.
    pub entry: Arc<ResourceEntry>,
    /// Query parameters (last value wins).
    pub query: HashMap<String, String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Negotiated response representation.
    pub rep: Representation,
    /// Read when the handler wants it.
    pub body: Option<hyper::body::Incoming>,
    /// Server shutdown signal, for long-running watches.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Warnings for the client (`Warning: 299 - "..."` headers).
    pub warnings: Vec<String>,
    /// The admin's bearer token (for TokenReview).
    pub admin_token: String,
}

impl Ctx {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// `dryRun=All`; any other value is refused as kube-apiserver does.
    pub fn dry_run(&self) -> ApiResult<bool> {
        match self.param("dryRun") {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "Invalid dry run value: \"{other}\": supported values: \"All\""
            ))),
        }
    }

    /// Reads the request body, refusing more than [`MAX_BODY_BYTES`].
    pub async fn read_body(&mut self) -> ApiResult<Bytes> {
        let Some(body) = self.body.take() else {
            return Ok(Bytes::new());
        };
        match http_body_util::Limited::new(body, MAX_BODY_BYTES)
            .collect()
            .await
        {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                Err(ApiError::too_large(MAX_BODY_BYTES))
            }
            Err(e) => Err(ApiError::bad_request(format!(
                "error reading request body: {e}"
            ))),
        }
    }

    /// The request's Content-Type.
    pub fn content_type(&self) -> ContentType {
        let raw = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        ContentType::parse(raw)
    }

    /// Reads and decodes an object body (JSON or YAML).
    pub async fn read_object(&mut self) -> ApiResult<Value> {
        Ok(self.read_object_raw().await?.0)
    }

    /// Reads and decodes an object body, also returning the bytes as sent.
    pub async fn read_object_raw(&mut self) -> ApiResult<(Value, Bytes)> {
        let ct = self.content_type();
        let bytes = self.read_body().await?;
        let obj = decode_body(&bytes, &ct, &self.entry.info.kind)?;
        Ok((obj, bytes))
    }

    /// `fieldValidation` of this write.
    pub fn field_validation(&self) -> ApiResult<crate::admission::FieldValidation> {
        crate::admission::FieldValidation::from_query(self.param("fieldValidation"))
    }

    /// Responds with one object in the negotiated representation, with any warnings.
    pub fn respond_object(&self, status: u16, obj: &Value) -> ApiResult<Response<Body>> {
        let resp = self.respond_object_plain(status, obj)?;
        Ok(self.with_warnings(resp))
    }

    /// As [`Ctx::respond_object`], sending `json` (the object already
    /// encoded) as it is when the client asked for plain JSON.
    pub fn respond_object_json(
        &self,
        status: u16,
        obj: &Value,
        json: Option<Bytes>,
    ) -> ApiResult<Response<Body>> {
        match json {
            Some(json) if self.rep == Representation::Json => {
                Ok(self.with_warnings(respond(status, "application/json", json)))
            }
            _ => self.respond_object(status, obj),
        }
    }

    fn with_warnings(&self, mut resp: Response<Body>) -> Response<Body> {
        for w in &self.warnings {
            let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
            if let Ok(v) = http::HeaderValue::from_str(&text) {
                resp.headers_mut().append(http::header::WARNING, v);
            }
        }
        resp
    }

    fn respond_object_plain(&self, status: u16, obj: &Value) -> ApiResult<Response<Body>> {
        match self.rep {
            Representation::Table(version) => {
                let include = IncludeObject::parse(self.param("includeObject"))
                    .map_err(ApiError::bad_request)?;
                let meta = serde_json::json!({"resourceVersion": obj.pointer("/metadata/resourceVersion").cloned().unwrap_or(Value::Null)});
                let json = serde_json::to_vec(obj).unwrap_or_default();
                let t = table::table_json(
                    &self.entry.info,
                    &[json.as_slice()],
                    &meta,
                    include,
                    version,
                    true,
                );
                Ok(respond(status, "application/json", t))
            }
            Representation::PartialObjectMetadata(version) => Ok(respond_value(
                status,
                Representation::Json,
                &table::partial_object_metadata(obj, version),
            )),
            Representation::PartialObjectMetadataList(_) => {
                Err(table::not_a_list(&self.entry.info))
            }
            _ => Ok(respond_value(status, self.rep, obj)),
        }
    }

    /// Responds with serialized JSON of one object.
    pub fn respond_bytes(&self, status: u16, json: Bytes) -> ApiResult<Response<Body>> {
        if self.rep.is_transform() {
            let v: Value =
                serde_json::from_slice(&json).map_err(|e| ApiError::internal(e.to_string()))?;
            return self.respond_object(status, &v);
        }
        Ok(respond_json_bytes(status, self.rep, json))
    }
}

/// Decodes an object body in any request format kube-apiserver takes for
/// built-in kinds: JSON, YAML, and Kubernetes protobuf (which client-go's
/// typed clients, and so `kubectl create <generator>`, send).
pub fn decode_body(bytes: &[u8], ct: &ContentType, kind: &str) -> ApiResult<Value> {
    match ct {
        ContentType::Json | ContentType::Yaml => {
            Ok(Value::Object(codec::decode_object_as(bytes, ct, kind)?))
        }
        ContentType::Protobuf => Ok(Value::Object(
            keelson_apimachinery::protobuf::decode_protobuf_object(bytes)?,
        )),
        other => Err(ApiError::unsupported_media_type(
            &other.to_string(),
            &[
                "application/json",
                "application/yaml",
                "application/vnd.kubernetes.protobuf",
            ],
        )),
    }
}

/// Dispatches a resource request to its verb handler.
pub async fn serve(ctx: Ctx) -> ApiResult<Response<Body>> {
    let verb = ctx.info.verb.clone();
    let sub = ctx.info.subresource.clone();
    let entry = ctx.entry.clone();
    if !sub.is_empty() {
        let Some(s) = entry.info.subresource(&sub) else {
            return Err(ApiError::not_found_path());
        };
        if !s.verbs.iter().any(|v| v == &verb) {
            return Err(ApiError::method_not_supported(&entry.gr, &verb));
        }
        return match (verb.as_str(), sub.as_str()) {
            // These GETs read the object (or its Scale); log, exec, attach,
            // portforward and proxy stream from a kubelet, which is not here.
            ("get", "status" | "scale" | "ephemeralcontainers" | "resize" | "approval") => {
                get::get(ctx).await
            }
            ("get", "log") if entry.info.plural == "pods" => get::pod_log(ctx).await,
            ("update", "status" | "scale" | "finalize") => update::update(ctx).await,
            ("patch", "status" | "scale") => update::patch(ctx).await,
            _ => Err(ApiError::new(
                501,
                "NotImplemented",
                format!(
                    "the subresource {}/{sub} is not implemented by this server yet",
                    entry.info.plural
                ),
            )),
        };
    }
    // PUT/PATCH on a collection and POST on an object have no route in kube-apiserver.
    let has_name = !ctx.info.name.is_empty();
    let routable = match verb.as_str() {
        "update" | "patch" => has_name,
        "create" => !has_name,
        _ => true,
    };
    if !routable || !entry.info.has_verb(&verb) {
        return Err(ApiError::method_not_supported(&entry.gr, &verb));
    }
    if verb == "create" && review::is_review(&entry.info.group, &entry.info.plural) {
        let token = ctx.admin_token.clone();
        return review::create(ctx, &token).await;
    }
    match verb.as_str() {
        "get" => get::get(ctx).await,
        "list" => list::list(ctx).await,
        "watch" => watch::watch(ctx).await,
        "create" => create::create(ctx).await,
        "update" => update::update(ctx).await,
        "patch" => update::patch(ctx).await,
        "delete" => delete::delete(ctx).await,
        "deletecollection" => delete::delete_collection(ctx).await,
        _ => Err(ApiError::method_not_supported(&entry.gr, &verb)),
    }
}
