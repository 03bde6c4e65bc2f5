//! One request: client-go's `rest.Request` builder, its URL rules, and
//! execution with rate limiting, `Retry-After` retries, timeouts and tracing.

use super::status::{api_error_from_status, error_from_response, Target};
use super::watch::{decode_event, json_frames, WatchEvent};
use super::{decode_json, warnings, Response, RestClient};
use crate::error::{Error, Result};
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, BodyStream, Full};
use hyper::body::Incoming;
use keelson_apimachinery::gvk::GroupVersion;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

/// client-go's `Request.maxRetries` default.
const DEFAULT_MAX_RETRIES: u32 = 10;

/// What Go's `url.PathEscape` escapes in a path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A stream of watch events.
pub type WatchStream<T> = BoxStream<'static, Result<WatchEvent<T>>>;

/// A request being built. Builder errors (an invalid name, a body that does
/// not serialize) are kept and returned by the terminal call, as client-go does.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: RestClient,
    method: Method,
    abs_path: Option<String>,
    group_version: GroupVersion,
    namespace: Option<String>,
    resource: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
    suffix: Vec<String>,
    params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    content_type: Option<String>,
    timeout: Option<Duration>,
    max_retries: u32,
    err: Option<Error>,
}

/// client-go's `IsValidPathSegmentName`.
fn path_segment_problems(s: &str) -> Vec<&'static str> {
    match s {
        "." => return vec!["may not be '.'"],
        ".." => return vec!["may not be '..'"],
        _ => {}
    }
    let mut out = Vec::new();
    if s.contains('/') {
        out.push("may not contain '/'");
    }
    if s.contains('%') {
        out.push("may not contain '%'");
    }
    out
}

fn problems_text(p: &[&str]) -> String {
    format!("[{}]", p.join(" "))
}

/// Go's `time.Duration.String()` for whole milliseconds and up (`30s`, `1m30s`, `500ms`).
pub(crate) fn go_duration(d: Duration) -> String {
    let total_ms = d.as_millis();
    if total_ms == 0 {
        return "0s".into();
    }
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let h = total_ms / 3_600_000;
    let m = (total_ms / 60_000) % 60;
    let s = (total_ms / 1000) % 60;
    let ms = total_ms % 1000;
    let secs = if ms == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{ms:03}").trim_end_matches('0'))
    };
    if h > 0 {
        format!("{h}h{m}m{secs}")
    } else if m > 0 {
        format!("{m}m{secs}")
    } else {
        secs
    }
}

/// Go's `url.Error` operation name: `Get`, `Post`, ...
fn go_op(method: &Method) -> String {
    let m = method.as_str();
    let mut out = m[..1].to_ascii_uppercase();
    out.push_str(&m[1..].to_ascii_lowercase());
    out
}

impl Request {
    pub(crate) fn new(client: RestClient, method: Method) -> Request {
        let group_version = client.group_version.clone();
        Request {
            client,
            method,
            abs_path: None,
            group_version,
            namespace: None,
            resource: None,
            name: None,
            subresource: None,
            suffix: Vec::new(),
            params: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            content_type: None,
            timeout: None,
            max_retries: DEFAULT_MAX_RETRIES,
            err: None,
        }
    }

    fn fail(mut self, e: String) -> Request {
        if self.err.is_none() {
            self.err = Some(Error::Request(e));
        }
        self
    }

    /// The namespace; an empty one means all namespaces (no `namespaces/` segment).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Request {
        let namespace = namespace.into();
        if let Some(prev) = &self.namespace {
            let msg = format!("namespace already set to {prev:?}, cannot change to {namespace:?}");
            return self.fail(msg);
        }
        let problems = path_segment_problems(&namespace);
        if !problems.is_empty() {
            let msg = format!(
                "invalid namespace {namespace:?}: {}",
                problems_text(&problems)
            );
            return self.fail(msg);
        }
        self.namespace = Some(namespace);
        self
    }

    /// The namespace, when there is one (cluster-scoped or all-namespace requests pass `None`).
    pub fn namespace_if(self, namespace: Option<&str>) -> Request {
        match namespace {
            Some(ns) if !ns.is_empty() => self.namespace(ns),
            _ => self,
        }
    }

    /// The resource (plural, lower case: `pods`).
    pub fn resource(mut self, resource: impl Into<String>) -> Request {
        let resource = resource.into();
        if let Some(prev) = &self.resource {
            let msg = format!("resource already set to {prev:?}, cannot change to {resource:?}");
            return self.fail(msg);
        }
        let problems = path_segment_problems(&resource);
        if !problems.is_empty() {
            let msg = format!(
                "invalid resource {resource:?}: {}",
                problems_text(&problems)
            );
            return self.fail(msg);
        }
        self.resource = Some(resource);
        self
    }

    /// The object's name.
    pub fn name(mut self, name: impl Into<String>) -> Request {
        let name = name.into();
        if name.is_empty() {
            return self.fail("resource name may not be empty".into());
        }
        if let Some(prev) = &self.name {
            let msg = format!("resource name already set to {prev:?}, cannot change to {name:?}");
            return self.fail(msg);
        }
        let problems = path_segment_problems(&name);
        if !problems.is_empty() {
            let msg = format!(
                "invalid resource name {name:?}: {}",
                problems_text(&problems)
            );
            return self.fail(msg);
        }
        self.name = Some(name);
        self
    }

    /// The subresource (`status`, `scale`, `log`, ...).
    pub fn subresource(mut self, subresource: impl Into<String>) -> Request {
        let subresource = subresource.into();
        if let Some(prev) = &self.subresource {
            let msg =
                format!("subresource already set to {prev:?}, cannot change to {subresource:?}");
            return self.fail(msg);
        }
        for part in subresource.split('/') {
            let problems = path_segment_problems(part);
            if !problems.is_empty() {
                let msg = format!("invalid subresource {part:?}: {}", problems_text(&problems));
                return self.fail(msg);
            }
        }
        self.subresource = Some(subresource);
        self
    }

    /// Path segments after name and subresource (client-go's `Suffix`).
    pub fn suffix(mut self, segments: &[&str]) -> Request {
        self.suffix.extend(segments.iter().map(|s| s.to_string()));
        self
    }

    /// Replaces the group-version prefix with an absolute path (`/version`,
    /// `/apis`, `/api/v1/nodes/n1/proxy/`); namespace, resource and name still append.
    pub fn abs_path(mut self, path: impl Into<String>) -> Request {
        self.abs_path = Some(path.into());
        self
    }

    /// A path with an optional query, as kubectl's `get --raw` takes it
    /// (client-go's `RequestURI`): the path becomes the absolute path, the
    /// query its parameters.
    pub fn request_uri(self, uri: &str) -> Request {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut r = self.abs_path(path);
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            r = r.param(k, v);
        }
        r
    }

    /// Sends this request to another group version than the client's.
    pub fn group_version(mut self, gv: &GroupVersion) -> Request {
        self.group_version = gv.clone();
        self
    }

    /// Adds a query parameter (repeats add values, as `url.Values.Add`).
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Request {
        self.params.push((key.into(), value.into()));
        self
    }

    /// Sets a header (replacing one of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Request {
        let parsed = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        );
        match parsed {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
                self
            }
            _ => self.fail(format!("invalid header {name}: {value:?}")),
        }
    }

    /// Sets `Content-Type`.
    pub fn content_type(mut self, content_type: &str) -> Request {
        self.content_type = Some(content_type.to_string());
        self
    }

    /// A JSON body (`Content-Type: application/json` unless set).
    pub fn body<T: Serialize + ?Sized>(mut self, body: &T) -> Request {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Bytes::from(bytes);
                self
            }
            Err(e) => self.fail(format!("encoding request body: {e}")),
        }
    }

    /// A body as bytes; set the content type with [`Request::content_type`].
    pub fn body_bytes(mut self, body: impl Into<Bytes>) -> Request {
        self.body = body.into();
        self
    }

    /// A limit for the whole request (retries included); also sent as the
    /// `timeout` parameter so the server gives up too.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// How often a `Retry-After` answer is retried (client-go: 10; 0 disables).
    pub fn max_retries(mut self, retries: u32) -> Request {
        self.max_retries = retries;
        self
    }

    fn path(&self) -> String {
        let inner = &self.client.inner;
        let mut p = inner.url_prefix.clone();
        match &self.abs_path {
            Some(abs) => {
                if !abs.starts_with('/') {
                    p.push('/');
                }
                p.push_str(abs);
            }
            None => {
                let gv = &self.group_version;
                if gv.group.is_empty() {
                    p.push_str("/api/");
                    p.push_str(&gv.version);
                } else {
                    p.push_str(&format!("/apis/{}/{}", gv.group, gv.version));
                }
            }
        }
        let trailing_slash = p.ends_with('/') && p.len() > 1;
        let mut segments: Vec<&str> = Vec::new();
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            segments.push("namespaces");
            segments.push(ns);
        }
        if let Some(r) = &self.resource {
            segments.push(r);
        }
        if let Some(n) = &self.name {
            segments.push(n);
        }
        if let Some(s) = &self.subresource {
            segments.extend(s.split('/'));
        }
        segments.extend(self.suffix.iter().map(String::as_str));
        if segments.is_empty() {
            return if p.is_empty() { "/".into() } else { p };
        }
        let mut p = p.trim_end_matches('/').to_string();
        for s in segments.iter().filter(|s| !s.is_empty()) {
            p.push('/');
            p.push_str(&utf8_percent_encode(s, SEGMENT).to_string());
        }
        if trailing_slash && self.suffix.last().is_some_and(|s| s.ends_with('/')) {
            p.push('/');
        }
        p
    }

    fn query(&self) -> String {
        let mut params = self.params.clone();
        if let Some(t) = self.timeout.filter(|t| !t.is_zero()) {
            params.retain(|(k, _)| k != "timeout");
            params.push(("timeout".into(), go_duration(t)));
        }
        // url.Values.Encode sorts by key; values of one key keep their order.
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            ser.append_pair(k, v);
        }
        ser.finish()
    }

    /// The full URL this request goes to.
    pub fn url(&self) -> String {
        let base = &self.client.inner.config.cluster_url;
        let scheme = base.scheme_str().unwrap_or("https");
        let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
        let query = self.query();
        if query.is_empty() {
            format!("{scheme}://{authority}{}", self.path())
        } else {
            format!("{scheme}://{authority}{}?{query}", self.path())
        }
    }

    fn prepare(mut self) -> Result<(RestClient, Prepared)> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        let url = self.url();
        let uri: http::Uri = url
            .parse()
            .map_err(|e| Error::Request(format!("invalid URL {url:?}: {e}")))?;
        let config = &self.client.inner.config;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json, */*"));
        if let Ok(ua) = HeaderValue::from_str(&config.user_agent) {
            headers.insert(USER_AGENT, ua);
        }
        if !self.body.is_empty() {
            let ct = self.content_type.as_deref().unwrap_or("application/json");
            let v = HeaderValue::from_str(ct)
                .map_err(|_| Error::Request(format!("invalid content type {ct:?}")))?;
            headers.insert(CONTENT_TYPE, v);
        }
        for (name, value) in self.headers.iter() {
            headers.insert(name.clone(), value.clone());
        }
        let timeout = match (self.timeout, config.timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let deadline = timeout.filter(|t| !t.is_zero()).map(|t| Instant::now() + t);
        let prepared = Prepared {
            method: self.method,
            url,
            uri,
            headers,
            body: self.body,
            deadline,
            max_retries: self.max_retries,
            group: self.group_version.group,
            resource: self.resource.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
        };
        Ok((self.client, prepared))
    }

    /// Sends the request and reads the body (client-go's `Do`). A non-2xx
    /// answer, or a 2xx `Status` with `status: Failure`, is an [`Error::Api`].
    pub async fn send(self) -> Result<Response> {
        let (client, p) = self.prepare()?;
        let deadline = p.deadline;
        let fut = async {
            let resp = roundtrip(&client, &p).await?;
            let (parts, body) = resp.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| p.transport_error(&e))?
                .to_bytes();
            client.inner.tracer.response_body(&bytes);
            report_warnings(&client, &parts.headers);
            p.check(parts.status, parts.version, parts.headers, bytes)
        };
        with_deadline(deadline, &p, fut).await
    }

    /// Sends the request and decodes the JSON body into `T` (client-go's `Do().Into()`).
    pub async fn into<T: DeserializeOwned>(self) -> Result<T> {
        self.send().await?.decode()
    }

    /// Sends the request; the body as JSON.
    pub async fn json(self) -> Result<serde_json::Value> {
        self.send().await?.json()
    }

    /// Sends the request; the body as a [`DynamicObject`](crate::DynamicObject).
    pub async fn dynamic(self) -> Result<crate::DynamicObject> {
        self.send().await?.decode()
    }

    /// Sends the request; the raw body (client-go's `DoRaw`).
    pub async fn bytes(self) -> Result<Bytes> {
        Ok(self.send().await?.body)
    }

    /// Sends the request and hands out the body as it arrives (client-go's
    /// `Stream`, e.g. for `pods/log?follow=true`). The timeout, if any, bounds the whole stream.
    pub async fn stream(self) -> Result<BoxStream<'static, Result<Bytes>>> {
        let (client, p) = self.prepare()?;
        let deadline = p.deadline;
        let resp = with_deadline(deadline, &p, roundtrip(&client, &p)).await?;
        let (parts, body) = resp.into_parts();
        report_warnings(&client, &parts.headers);
        if !(200..=206).contains(&parts.status.as_u16()) {
            let bytes = with_deadline(deadline, &p, async {
                Ok(body
                    .collect()
                    .await
                    .map_err(|e| p.transport_error(&e))?
                    .to_bytes())
            })
            .await?;
            client.inner.tracer.response_body(&bytes);
            return Err(p
                .check(parts.status, parts.version, parts.headers, bytes)
                .err()
                .unwrap_or_else(|| Error::Decode(format!("unexpected status {}", parts.status))));
        }
        Ok(body_stream(body, p))
    }

    /// Sends the request and hands out the status, headers and body as it
    /// arrives, whatever the status (for proxies such as `kubectl proxy`,
    /// which pass errors through untouched).
    pub async fn stream_raw(
        self,
    ) -> Result<(StatusCode, HeaderMap, BoxStream<'static, Result<Bytes>>)> {
        let (client, p) = self.prepare()?;
        let deadline = p.deadline;
        let resp = with_deadline(deadline, &p, roundtrip(&client, &p)).await?;
        let (parts, body) = resp.into_parts();
        Ok((parts.status, parts.headers, body_stream(body, p)))
    }

    /// Starts a watch (adds `watch=true` unless the caller set `watch`) and
    /// decodes its events into `T` as they arrive.
    pub async fn watch<T: DeserializeOwned + Send + 'static>(mut self) -> Result<WatchStream<T>> {
        if !self.params.iter().any(|(k, _)| k == "watch") {
            self.params.push(("watch".into(), "true".into()));
        }
        let frames = json_frames(self.stream().await?);
        Ok(frames
            .map(|frame| frame.and_then(decode_event::<T>))
            .boxed())
    }
}

/// A request ready to go out, possibly more than once.
struct Prepared {
    method: Method,
    url: String,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
    deadline: Option<Instant>,
    max_retries: u32,
    group: String,
    resource: String,
    name: String,
}

impl Prepared {
    fn target(&self) -> Target<'_> {
        Target {
            verb: self.method.as_str(),
            group: &self.group,
            resource: &self.resource,
            name: &self.name,
        }
    }

    fn timeout_error(&self) -> Error {
        Error::Timeout(format!(
            "{} \"{}\": context deadline exceeded",
            go_op(&self.method),
            self.url
        ))
    }

    fn transport_error(&self, e: &(dyn std::error::Error + 'static)) -> Error {
        Error::Transport(format!(
            "{} \"{}\": {}",
            go_op(&self.method),
            self.url,
            describe(e, &self.uri)
        ))
    }

    fn check(
        &self,
        status: StatusCode,
        version: http::Version,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Response> {
        let code = status.as_u16();
        if (200..=206).contains(&code) {
            // A 2xx Status saying Failure is still a failure (client-go's transformResponse).
            if body.starts_with(b"{") && body.windows(8).any(|w| w == b"\"Status\"") {
                if let Ok(v) = decode_json::<serde_json::Value>(&body) {
                    if let Some(e) = api_error_from_status(&v) {
                        return Err(Error::Api(e));
                    }
                }
            }
            return Ok(Response {
                status,
                version,
                headers,
                body,
            });
        }
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let retry_after = retry_after_seconds(&headers);
        Err(Error::Api(error_from_response(
            code,
            content_type,
            &body,
            retry_after,
            &self.target(),
        )))
    }
}

/// The text of an error chain, with Go's wording where kubectl users know it.
fn describe(e: &(dyn std::error::Error + 'static), uri: &http::Uri) -> String {
    let host = uri.authority().map(|a| a.as_str()).unwrap_or("");
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut texts: Vec<String> = Vec::new();
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return describe_tls(tls, uri);
            }
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    format!("dial tcp {host}: connect: connection refused")
                }
                std::io::ErrorKind::TimedOut => format!("dial tcp {host}: i/o timeout"),
                std::io::ErrorKind::ConnectionReset => "read: connection reset by peer".to_string(),
                std::io::ErrorKind::UnexpectedEof => "EOF".to_string(),
                _ => io.to_string(),
            };
        }
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return describe_tls(tls, uri);
        }
        let t = err.to_string();
        if !texts.iter().any(|x| x.contains(&t)) {
            texts.push(t);
        }
        cur = err.source();
    }
    texts.join(": ")
}

fn describe_tls(e: &rustls::Error, uri: &http::Uri) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "tls: failed to verify certificate: x509: certificate signed by unknown authority"
                .into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForNameContext {
            expected,
            presented,
        }) => {
            // Go lists the DNS names for a host name and the IP SANs for an address.
            let (want, is_ip) = match expected {
                rustls::pki_types::ServerName::DnsName(d) => (d.as_ref().to_string(), false),
                rustls::pki_types::ServerName::IpAddress(ip) => {
                    (std::net::IpAddr::from(*ip).to_string(), true)
                }
                other => (format!("{other:?}"), false),
            };
            // rustls renders the names as `DnsName("x")` and `IpAddress(1.2.3.4)`.
            let names: Vec<String> = presented
                .iter()
                .filter_map(|n| {
                    if let Some(d) = n
                        .strip_prefix("DnsName(\"")
                        .and_then(|d| d.strip_suffix("\")"))
                    {
                        (!is_ip).then(|| d.to_string())
                    } else {
                        let ip = n
                            .strip_prefix("IpAddress(")
                            .and_then(|d| d.strip_suffix(')'))
                            .unwrap_or(n);
                        let ip = ip.parse::<std::net::IpAddr>().ok()?;
                        is_ip.then(|| ip.to_string())
                    }
                })
                .collect();
            if names.is_empty() && is_ip {
                format!(
                    "tls: failed to verify certificate: x509: cannot validate certificate for {want} because it doesn't contain any IP SANs"
                )
            } else {
                format!(
                    "tls: failed to verify certificate: x509: certificate is valid for {}, not {want}",
                    names.join(", ")
                )
            }
        }
        rustls::Error::InvalidCertificate(C::NotValidForName) => format!(
            "tls: failed to verify certificate: x509: certificate is not valid for {}",
            uri.host().unwrap_or("")
        ),
        rustls::Error::InvalidCertificate(C::Expired)
        | rustls::Error::InvalidCertificate(C::ExpiredContext { .. }) => {
            "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
                .into()
        }
        other => format!("tls: {other}"),
    }
}

fn retry_after_seconds(headers: &HeaderMap) -> Option<u32> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// client-go's `checkWait`: 429 and every 5xx may be retried, but only when the
/// server says when (`Retry-After` in whole seconds).
fn check_wait(status: StatusCode, headers: &HeaderMap) -> Option<u32> {
    let code = status.as_u16();
    if code == 429 || code >= 500 {
        retry_after_seconds(headers)
    } else {
        None
    }
}

/// client-go retries a GET whose connection was reset or closed early.
fn retryable_transport_error(method: &Method, e: &hyper_util::client::legacy::Error) -> bool {
    if method != Method::GET {
        return false;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
            );
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

async fn with_deadline<T>(
    deadline: Option<Instant>,
    p: &Prepared,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match deadline {
        None => fut.await,
        Some(d) => tokio::time::timeout_at(d, fut)
            .await
            .unwrap_or_else(|_| Err(p.timeout_error())),
    }
}

fn report_warnings(client: &RestClient, headers: &HeaderMap) {
    for w in warnings(headers) {
        client.inner.warn(&w);
    }
}

async fn roundtrip(client: &RestClient, p: &Prepared) -> Result<http::Response<Incoming>> {
    let inner = &client.inner;
    let tracer = inner.tracer;
    let mut retries = 0u32;
    loop {
        if let Some(limiter) = &inner.limiter {
            let waited = limiter.acquire().await;
            tracer.throttled(&p.method, &p.url, waited);
        }
        let mut headers = p.headers.clone();
        inner.transport.auth.apply(&mut headers).await?;
        tracer.request(&p.method, &p.url, &headers, Some(&p.body));
        let mut req = http::Request::new(Full::new(p.body.clone()));
        *req.method_mut() = p.method.clone();
        *req.uri_mut() = p.uri.clone();
        *req.headers_mut() = headers;
        let started = std::time::Instant::now();
        match inner.transport.http.request(req).await {
            Ok(resp) => {
                tracer.response(
                    &p.method,
                    &p.url,
                    resp.status(),
                    resp.headers(),
                    started.elapsed(),
                );
                if resp.status() == StatusCode::UNAUTHORIZED {
                    inner.transport.auth.unauthorized().await;
                }
                if retries < p.max_retries {
                    if let Some(secs) = check_wait(resp.status(), resp.headers()) {
                        retries += 1;
                        let wait = Duration::from_secs(u64::from(secs));
                        let why = if resp.status() == StatusCode::TOO_MANY_REQUESTS {
                            "server-side throttling"
                        } else {
                            "server error"
                        };
                        tracer.retry(&p.method, &p.url, retries, wait, why);
                        // The body of an answer that is retried is not wanted.
                        drop(resp);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                }
                return Ok(resp);
            }
            Err(e) => {
                if retries < p.max_retries && retryable_transport_error(&p.method, &e) {
                    retries += 1;
                    let wait = Duration::from_secs(1);
                    tracer.retry(&p.method, &p.url, retries, wait, "retryable error");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(p.transport_error(&e));
            }
        }
    }
}

fn body_stream(body: Incoming, p: Prepared) -> BoxStream<'static, Result<Bytes>> {
    let frames = BodyStream::new(body);
    futures::stream::unfold((frames, p, false), |(mut frames, p, done)| async move {
        if done {
            return None;
        }
        loop {
            let next = match p.deadline {
                None => frames.next().await,
                Some(d) => match tokio::time::timeout_at(d, frames.next()).await {
                    Ok(n) => n,
                    Err(_) => {
                        let e = p.timeout_error();
                        return Some((Err(e), (frames, p, true)));
                    }
                },
            };
            match next {
                None => return None,
                Some(Err(e)) => {
                    let err = p.transport_error(&e);
                    return Some((Err(err), (frames, p, true)));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Some((Ok(data), (frames, p, false)));
                        }
                    }
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn client(server: &str) -> RestClient {
        let config = Config::new(server).unwrap_or_else(|e| panic!("config: {e}"));
        RestClient::new(config).unwrap_or_else(|e| panic!("client: {e}"))
    }

    #[test]
    fn url_follows_client_go() {
        let c = client("https://example.test:6443");
        let r = c
            .get()
            .namespace("ns1")
            .resource("pods")
            .name("web-0")
            .subresource("status");
        assert_eq!(
            r.url(),
            "https://example.test:6443/api/v1/namespaces/ns1/pods/web-0/status"
        );

        let apps = c.for_group_version(&GroupVersion::new("apps", "v1"));
        let r = apps
            .get()
            .resource("deployments")
            .param("labelSelector", "app=web,tier in (a b)")
            .param("limit", "500")
            .timeout(Duration::from_secs(90));
        assert_eq!(
            r.url(),
            "https://example.test:6443/apis/apps/v1/deployments?labelSelector=app%3Dweb%2Ctier+in+%28a+b%29&limit=500&timeout=1m30s"
        );
        assert_eq!(
            c.get().abs_path("/version").url(),
            "https://example.test:6443/version"
        );
        assert_eq!(
            c.get()
                .request_uri("/api/v1/pods?limit=1&fieldSelector=spec.nodeName%3Dn1")
                .url(),
            "https://example.test:6443/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=1"
        );
        // An empty namespace means all namespaces.
        assert_eq!(
            c.get().namespace("").resource("pods").url(),
            "https://example.test:6443/api/v1/pods"
        );
    }

    #[test]
    fn server_path_prefixes_every_request() {
        let c = client("https://rancher.test/k8s/clusters/c-1/");
        assert_eq!(
            c.get().resource("nodes").url(),
            "https://rancher.test/k8s/clusters/c-1/api/v1/nodes"
        );
    }

    #[tokio::test]
    async fn invalid_segments_fail_at_send() {
        let c = client("http://127.0.0.1:1");
        let err = c.get().namespace("a/b").resource("pods").send().await.err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("invalid namespace \"a/b\": [may not contain '/']".to_string())
        );
        let err = c.get().resource("pods").name("").send().await.err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("resource name may not be empty".to_string())
        );
    }

    #[tokio::test]
    async fn refused_connection_reads_like_go() {
        // Port 1 on loopback is closed on any test machine.
        let c = client("http://127.0.0.1:1");
        let err = c.get().abs_path("/version").send().await.err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("Get \"http://127.0.0.1:1/version\": dial tcp 127.0.0.1:1: connect: connection refused".to_string())
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(go_duration(Duration::from_secs(3661)), "1h1m1s");
    }
}
