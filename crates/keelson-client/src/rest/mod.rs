//! `RestClient`: client-go's `rest.RESTClient` with its builder verbs.
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use keelson_client::RestClient;
//! let client = RestClient::try_default()?;
//! let pod: serde_json::Value = client
//!     .get()
//!     .namespace("default")
//!     .resource("pods")
//!     .name("web-0")
//!     .subresource("status")
//!     .into()
//!     .await?;
//! println!("{}", pod["status"]["phase"]);
//! # Ok(()) }
//! ```

mod ratelimit;
mod request;
mod status;
mod trace;
mod watch;

pub use ratelimit::TokenBucket;
pub use request::{Request, WatchStream};
pub use status::api_error_from_status;
pub use watch::{decode_event, Bookmark, WatchEvent};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::transport::Transport;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use keelson_apimachinery::gvk::GroupVersion;
use serde::de::DeserializeOwned;
use std::sync::{Arc, RwLock};

/// The content type of a PATCH body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 6902 JSON Patch: `application/json-patch+json`.
    Json,
    /// RFC 7386 merge patch: `application/merge-patch+json`.
    Merge,
    /// Strategic merge patch: `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// Server-side apply: `application/apply-patch+yaml`.
    Apply,
}

impl PatchType {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) transport: Transport,
    pub(crate) limiter: Option<TokenBucket>,
    pub(crate) tracer: trace::Tracer,
    /// The path of the server URL, without a trailing slash (`""` or `/k8s/clusters/c-1`).
    pub(crate) url_prefix: String,
    pub(crate) warning_handler: RwLock<Option<WarningHandler>>,
}

/// Receives the text of each `Warning` header the server sends (client-go's `WarningHandler`).
pub type WarningHandler = Arc<dyn Fn(&str) + Send + Sync>;

impl Inner {
    pub(crate) fn warn(&self, text: &str) {
        let handler = self.warning_handler.read().ok().and_then(|h| h.clone());
        match handler {
            Some(h) => h(text),
            None => tracing::warn!(target: "keelson_client::rest", "Warning: {text}"),
        }
    }
}

/// A client for one API server, bound to a group version (`/api/v1` unless
/// [`RestClient::for_group_version`] says otherwise). Cheap to clone; clones
/// share the connection pool, the rate limiter and cached credentials.
#[derive(Clone)]
pub struct RestClient {
    pub(crate) inner: Arc<Inner>,
    pub(crate) group_version: GroupVersion,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("server", &self.inner.config.cluster_url.to_string())
            .field("group_version", &self.group_version.api_version())
            .finish()
    }
}

impl RestClient {
    /// A client for `config` (TLS and credentials are prepared now, connections on first use).
    pub fn new(config: Config) -> Result<RestClient> {
        let transport = Transport::new(&config)?;
        let limiter = (config.qps > 0.0).then(|| TokenBucket::new(config.qps, config.burst));
        let url_prefix = config.cluster_url.path().trim_end_matches('/').to_string();
        Ok(RestClient {
            inner: Arc::new(Inner {
                tracer: trace::Tracer {
                    verbosity: config.verbosity,
                },
                config,
                transport,
                limiter,
                url_prefix,
                warning_handler: RwLock::new(None),
            }),
            group_version: GroupVersion::new("", "v1"),
        })
    }

    /// A client from [`Config::infer`]: `KUBECONFIG`, `~/.kube/config` or in-cluster.
    pub fn try_default() -> Result<RestClient> {
        RestClient::new(Config::infer()?)
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The namespace of the kubeconfig context (or `-n`), `default` if none.
    pub fn default_namespace(&self) -> &str {
        &self.inner.config.namespace
    }

    /// Sends the server's warnings to `handler` instead of `tracing` (kubectl
    /// prints them as `Warning: <text>` on stderr). Applies to every clone.
    pub fn set_warning_handler(&self, handler: impl Fn(&str) + Send + Sync + 'static) {
        if let Ok(mut h) = self.inner.warning_handler.write() {
            *h = Some(Arc::new(handler));
        }
    }

    /// The group version requests go to.
    pub fn group_version(&self) -> &GroupVersion {
        &self.group_version
    }

    /// The same client for another group version: `""`/`v1` is `/api/v1`,
    /// anything else `/apis/<group>/<version>`.
    pub fn for_group_version(&self, gv: &GroupVersion) -> RestClient {
        RestClient {
            inner: self.inner.clone(),
            group_version: gv.clone(),
        }
    }

    /// A request with any method.
    pub fn verb(&self, method: Method) -> Request {
        Request::new(self.clone(), method)
    }

    /// `GET`.
    pub fn get(&self) -> Request {
        self.verb(Method::GET)
    }

    /// `POST`.
    pub fn post(&self) -> Request {
        self.verb(Method::POST)
    }

    /// `PUT`.
    pub fn put(&self) -> Request {
        self.verb(Method::PUT)
    }

    /// `PATCH` with the given patch type (sets `Content-Type`).
    pub fn patch(&self, patch_type: PatchType) -> Request {
        self.verb(Method::PATCH)
            .content_type(patch_type.content_type())
    }

    /// `DELETE`.
    pub fn delete(&self) -> Request {
        self.verb(Method::DELETE)
    }
}

/// A successful response, body read.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code (2xx).
    pub status: StatusCode,
    /// The HTTP version spoken (HTTP/2 when the server offered it).
    pub version: http::Version,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// The body decoded from JSON into `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(&self.body)
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        decode_json(&self.body)
    }

    /// The texts of the server's `Warning: 299 - "..."` headers (kubectl prints
    /// each as `Warning: <text>`).
    pub fn warnings(&self) -> Vec<String> {
        warnings(&self.headers)
    }
}

pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(body).chars().take(200).collect();
        Error::Decode(format!(
            "decoding response body: {e} (body starts: {preview:?})"
        ))
    })
}

/// Parses RFC 7234 warning headers the way client-go does: `299 - "text"`.
pub(crate) fn warnings(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::WARNING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let mut parts = v.splitn(3, ' ');
            let code = parts.next()?;
            let _agent = parts.next()?;
            let text = parts.next()?.trim();
            if code != "299" {
                return None;
            }
            let text = text.strip_prefix('"')?;
            let end = text.rfind('"')?;
            Some(text[..end].replace("\\\"", "\"").replace("\\\\", "\\"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_headers_are_parsed() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::WARNING,
            http::HeaderValue::from_static("299 - \"unknown field \\\"spec.foo\\\"\""),
        );
        h.append(
            http::header::WARNING,
            http::HeaderValue::from_static("199 - \"ignored\""),
        );
        assert_eq!(warnings(&h), vec!["unknown field \"spec.foo\"".to_string()]);
    }
}
