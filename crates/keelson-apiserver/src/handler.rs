//! The request chain: request info → authentication → routing (health,
//! version, metrics, discovery, OpenAPI, resources) → Status on failure.

use crate::discovery;
use crate::endpoints::{self, Ctx};
use crate::metrics::Metrics;
use crate::negotiate::{
    accepts, negotiate_object, respond, respond_error, respond_value, Body, Representation,
};
use crate::openapi::OpenApi;
use crate::registry::Registry;
use crate::request_info::{self, RequestInfo};
use http::{header, Method, Request, Response};
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The Kubernetes version this server speaks.
pub const KUBERNETES_VERSION: (&str, &str) = ("1", "37");
/// `gitVersion` reported by `/version`.
pub const GIT_VERSION: &str = "v1.37.0";

/// Shared state of the request chain.
pub struct ApiState {
    /// The registry.
    pub registry: Arc<Registry>,
    /// OpenAPI documents.
    pub openapi: OpenApi,
    /// Metrics.
    pub metrics: Metrics,
    /// Bearer token that authenticates the admin.
    pub admin_token: String,
    /// URL clients reach the server at (for `/api`'s serverAddressByClientCIDRs).
    pub server_address: String,
    /// Flipped to true on shutdown.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

const AGGREGATED_DISCOVERY: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn wants_aggregated_discovery(req: &Request<hyper::body::Incoming>) -> bool {
    // The first acceptable entry decides: kubectl lists aggregated v2 before plain JSON.
    for r in accepts(req.headers()) {
        if r.mime == "application/json"
            && r.param("g") == Some("apidiscovery.k8s.io")
            && r.param("v") == Some("v2")
            && r.param("as") == Some("APIGroupDiscoveryList")
        {
            return true;
        }
        if (r.mime == "application/json" && r.param("as").is_none()) || r.mime == "*/*" {
            return false;
        }
    }
    false
}

fn authenticated(state: &ApiState, req: &Request<hyper::body::Incoming>) -> bool {
    let Some(v) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    match v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
    {
        Some(t) => constant_time_eq(t.trim().as_bytes(), state.admin_token.as_bytes()),
        None => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/livez" | "/readyz" | "/version")
        || path.starts_with("/healthz/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    q.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Serves one request.
pub async fn handle(state: Arc<ApiState>, req: Request<hyper::body::Incoming>) -> Response<Body> {
    let start = Instant::now();
    let query = parse_query(req.uri().query());
    let watch_param = matches!(
        query.get("watch").map(String::as_str),
        Some("true") | Some("1")
    );
    let info = request_info::parse(req.method(), req.uri().path(), watch_param);
    let kind = if matches!(*req.method(), Method::GET | Method::HEAD) {
        "readOnly"
    } else {
        "mutating"
    };
    let long_running = info.verb == "watch";
    let gauge = state.metrics.inflight.with_label_values(&[kind]);
    if !long_running {
        gauge.inc();
    }
    let dry_run = if query.contains_key("dryRun") {
        "All"
    } else {
        ""
    };
    let resp = match route(&state, req, info.clone(), query).await {
        Ok(r) => r,
        Err(e) => respond_error(&e),
    };
    if !long_running {
        gauge.dec();
    }
    if info.is_resource_request {
        let scope = if !info.name.is_empty() {
            "resource"
        } else if !info.namespace.is_empty() {
            "namespace"
        } else {
            "cluster"
        };
        // kube-apiserver reports HTTP-ish verbs: POST, PUT, PATCH, DELETE, GET, LIST, WATCH.
        let verb = match info.verb.as_str() {
            "create" => "POST".to_string(),
            "update" => "PUT".to_string(),
            "deletecollection" => "DELETE".to_string(),
            v => v.to_uppercase(),
        };
        let labels = [
            verb.as_str(),
            dry_run,
            &info.group,
            &info.version,
            &info.resource,
            &info.subresource,
            scope,
            "apiserver",
        ];
        let code = resp.status().as_u16().to_string();
        let mut with_code = labels.to_vec();
        with_code.push(&code);
        state.metrics.requests.with_label_values(&with_code).inc();
        if !long_running {
            state
                .metrics
                .request_duration
                .with_label_values(&labels)
                .observe(start.elapsed().as_secs_f64());
        }
    }
    resp
}

async fn route(
    state: &Arc<ApiState>,
    req: Request<hyper::body::Incoming>,
    info: RequestInfo,
    query: HashMap<String, String>,
) -> ApiResult<Response<Body>> {
    let path = req.uri().path().to_string();
    if !is_public(&path) && !authenticated(state, &req) {
        return Err(ApiError::unauthorized());
    }
    if info.is_resource_request {
        return resource(state, req, info, query).await;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ));
    }
    let parts: Vec<&str> = info.parts.iter().map(String::as_str).collect();
    let res = &state.registry.resources;
    let aggregated = wants_aggregated_discovery(&req);
    match parts.as_slice() {
        ["healthz"] | ["livez"] | ["readyz"] => Ok(respond(200, "text/plain; charset=utf-8", "ok")),
        ["healthz" | "livez" | "readyz", _] => Ok(respond(200, "text/plain; charset=utf-8", "ok")),
        ["version"] => Ok(respond_value(200, Representation::Json, &version_info())),
        ["metrics"] => {
            refresh_gauges(state);
            Ok(respond(
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                state.metrics.render(),
            ))
        }
        ["openapi", "v2"] => {
            let ranges = accepts(req.headers());
            let json_ok = ranges.iter().any(|r| {
                matches!(
                    r.mime.as_str(),
                    "application/json" | "*/*" | "application/*"
                )
            });
            if !json_ok
                && ranges.iter().any(|r| {
                    r.mime == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
                        || r.mime == "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
                })
            {
                // kubectl asks for the protobuf v2 document for `kind: List` files and
                // kinds without PATCH. An empty message is a valid (empty) document:
                // kubectl then skips client-side checks and the server validates
                // (fieldValidation=Strict). Encoding the full document is future work.
                return Ok(respond(
                    200,
                    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                    bytes::Bytes::new(),
                ));
            }
            if !json_ok {
                return Err(ApiError::not_acceptable(&["application/json"]));
            }
            Ok(respond(200, "application/json", state.openapi.v2()))
        }
        ["openapi", "v3"] => Ok(respond(200, "application/json", state.openapi.v3_root())),
        ["openapi", "v3", rest @ ..] => {
            let gv = rest.join("/");
            match state.openapi.v3_document(&gv) {
                Some((_, hash))
                    if query
                        .get("hash")
                        .is_some_and(|h| !h.is_empty() && *h != hash) =>
                {
                    // A stale hash: send the client to the current document, as kube-apiserver does.
                    let mut r = respond(301, "text/plain; charset=utf-8", bytes::Bytes::new());
                    if let Ok(v) =
                        header::HeaderValue::from_str(&format!("/openapi/v3/{gv}?hash={hash}"))
                    {
                        r.headers_mut().insert(header::LOCATION, v);
                    }
                    Ok(r)
                }
                Some((doc, hash)) => {
                    let mut r = respond(200, "application/json", doc);
                    if let Ok(v) = header::HeaderValue::from_str(&format!("\"{hash}\"")) {
                        r.headers_mut().insert(header::ETAG, v);
                    }
                    if query.contains_key("hash") {
                        r.headers_mut().insert(
                            header::CACHE_CONTROL,
                            header::HeaderValue::from_static("public, immutable"),
                        );
                        r.headers_mut().insert(
                            header::EXPIRES,
                            header::HeaderValue::from_static("Thu, 01 Jan 2099 00:00:00 GMT"),
                        );
                    }
                    Ok(r)
                }
                None => Err(ApiError::not_found_path()),
            }
        }
        ["api"] if aggregated => Ok(respond(
            200,
            AGGREGATED_DISCOVERY,
            serde_json::to_vec(&discovery::aggregated_discovery(res, true)).unwrap_or_default(),
        )),
        ["apis"] if aggregated => Ok(respond(
            200,
            AGGREGATED_DISCOVERY,
            serde_json::to_vec(&discovery::aggregated_discovery(res, false)).unwrap_or_default(),
        )),
        ["api"] => Ok(respond_value(
            200,
            Representation::Json,
            &discovery::api_versions(&state.server_address),
        )),
        ["apis"] => Ok(respond_value(
            200,
            Representation::Json,
            &discovery::api_group_list(res),
        )),
        ["api", version] => discovery::api_resource_list(res, "", version)
            .map(|v| respond_value(200, Representation::Json, &v))
            .ok_or_else(ApiError::not_found_path),
        ["apis", group] => discovery::api_group(res, group)
            .map(|v| respond_value(200, Representation::Json, &v))
            .ok_or_else(ApiError::not_found_path),
        ["apis", group, version] => discovery::api_resource_list(res, group, version)
            .map(|v| respond_value(200, Representation::Json, &v))
            .ok_or_else(ApiError::not_found_path),
        [] => Ok(respond_value(200, Representation::Json, &root_paths(state))),
        _ => Err(ApiError::not_found_path()),
    }
}

async fn resource(
    state: &Arc<ApiState>,
    req: Request<hyper::body::Incoming>,
    info: RequestInfo,
    query: HashMap<String, String>,
) -> ApiResult<Response<Body>> {
    let Some(entry) = state
        .registry
        .entry(&info.group, &info.version, &info.resource)
    else {
        return Err(ApiError::not_found_path());
    };
    if !entry.info.namespaced && !info.namespace.is_empty() {
        return Err(ApiError::not_found_path());
    }
    if entry.info.namespaced
        && info.namespace.is_empty()
        && !matches!(info.verb.as_str(), "list" | "watch")
    {
        return Err(ApiError::not_found_path());
    }
    let (parts, body) = req.into_parts();
    let rep = negotiate_object(&parts.headers)?;
    let ctx = Ctx {
        registry: state.registry.clone(),
        info,
        entry,
        query,
        headers: parts.headers,
        rep,
        body: Some(body),
        shutdown: state.shutdown.clone(),
        warnings: Vec::new(),
        admin_token: state.admin_token.clone(),
    };
    endpoints::serve(ctx).await
}

fn version_info() -> Value {
    json!({
        "major": KUBERNETES_VERSION.0,
        "minor": KUBERNETES_VERSION.1,
        "emulationMajor": KUBERNETES_VERSION.0,
        "emulationMinor": KUBERNETES_VERSION.1,
        "minCompatibilityMajor": KUBERNETES_VERSION.0,
        "minCompatibilityMinor": "36",
        "gitVersion": GIT_VERSION,
        "gitCommit": "keelson",
        "gitTreeState": "clean",
        "buildDate": "2026-11-01T00:00:00Z",
        "goVersion": "n/a (keelson, Rust)",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a }),
    })
}

fn root_paths(state: &ApiState) -> Value {
    let mut paths: Vec<String> = vec!["/api".into(), "/api/v1".into(), "/apis".into()];
    let mut seen = std::collections::BTreeSet::new();
    for r in &state.registry.resources {
        if !r.group.is_empty() && seen.insert((r.group.clone(), r.version.clone())) {
            paths.push(format!("/apis/{}", r.group));
            paths.push(format!("/apis/{}/{}", r.group, r.version));
        }
    }
    paths.extend(
        [
            "/healthz",
            "/livez",
            "/metrics",
            "/openapi/v2",
            "/openapi/v3",
            "/readyz",
            "/version",
        ]
        .map(String::from),
    );
    paths.sort();
    paths.dedup();
    json!({"paths": paths})
}

fn refresh_gauges(state: &ApiState) {
    let by_prefix: HashMap<String, (String, String)> = state
        .registry
        .resources
        .iter()
        .map(|r| {
            (
                crate::registry::storage_prefix(r),
                (r.group.clone(), r.plural.clone()),
            )
        })
        .collect();
    for (prefix, n) in state.registry.caches.counts() {
        if let Some((g, r)) = by_prefix.get(&prefix) {
            let name = if g.is_empty() {
                r.clone()
            } else {
                format!("{r}.{g}")
            };
            state
                .metrics
                .objects
                .with_label_values(&[&name])
                .set(n as i64);
        }
    }
    for (prefix, n) in state.registry.caches.watcher_counts() {
        if let Some((g, r)) = by_prefix.get(&prefix) {
            state
                .metrics
                .watchers
                .with_label_values(&[g, r])
                .set(n as i64);
        }
    }
}
