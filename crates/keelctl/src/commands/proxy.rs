//! `keelctl proxy`: an HTTP server on localhost that forwards to the API
//! server with the kubeconfig's credentials, streaming responses (watches)
//! through, with kubectl's request filter and optional static files.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use keelson_client::RestClient;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

/// Flags of `keelctl proxy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port on which to run the proxy. Set to 0 to pick a random port.
    #[arg(short = 'p', long, default_value_t = 8001)]
    port: u16,
    /// The IP address on which to serve on.
    #[arg(long, default_value = "127.0.0.1")]
    address: String,
    /// Prefix to serve the proxied API under.
    #[arg(long = "api-prefix", default_value = "/")]
    api_prefix: String,
    /// Also serve static files from the given directory under the specified prefix.
    #[arg(short = 'w', long)]
    www: Option<PathBuf>,
    /// Prefix to serve static files under, if static file directory is specified.
    #[arg(short = 'P', long = "www-prefix", default_value = "/static/")]
    www_prefix: String,
    /// Regular expression for hosts that the proxy should accept.
    #[arg(
        long = "accept-hosts",
        default_value = r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"
    )]
    accept_hosts: String,
    /// Regular expression for paths that the proxy should accept.
    #[arg(long = "accept-paths", default_value = "^.*")]
    accept_paths: String,
    /// Regular expression for paths that the proxy should reject. Paths specified here will be rejected even accepted by --accept-paths.
    #[arg(
        long = "reject-paths",
        default_value = "^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach"
    )]
    reject_paths: String,
    /// Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH').
    #[arg(long = "reject-methods", default_value = "^$")]
    reject_methods: String,
    /// If true, disable request filtering in the proxy. This is dangerous, and can leave you vulnerable to XSRF attacks, when used with an accessible port.
    #[arg(long = "disable-filter")]
    disable_filter: bool,
}

/// A small regular-expression subset: `^`, `$`, `.`, `*` after an atom,
/// and backslash escapes; enough for kubectl's default filters and the
/// patterns users give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    atoms: Vec<(Atom, bool)>,
    anchored_start: bool,
    anchored_end: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Any,
    Char(char),
}

impl Pattern {
    /// Compiles one pattern.
    pub fn new(text: &str) -> Pattern {
        let mut chars = text.chars().peekable();
        let mut atoms = Vec::new();
        let anchored_start = chars.peek() == Some(&'^');
        if anchored_start {
            chars.next();
        }
        let mut anchored_end = false;
        while let Some(c) = chars.next() {
            let atom = match c {
                '$' if chars.peek().is_none() => {
                    anchored_end = true;
                    continue;
                }
                '.' => Atom::Any,
                '\\' => Atom::Char(chars.next().unwrap_or('\\')),
                c => Atom::Char(c),
            };
            let star = chars.peek() == Some(&'*');
            if star {
                chars.next();
            }
            atoms.push((atom, star));
        }
        Pattern {
            atoms,
            anchored_start,
            anchored_end,
        }
    }

    /// Whether the pattern matches somewhere in `s` (Go's `MatchString`).
    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if self.anchored_start {
            return self.match_at(&chars, 0, 0);
        }
        (0..=chars.len()).any(|i| self.match_at(&chars, i, 0))
    }

    fn match_at(&self, s: &[char], i: usize, a: usize) -> bool {
        if a == self.atoms.len() {
            return !self.anchored_end || i == s.len();
        }
        let (atom, star) = &self.atoms[a];
        let one = |j: usize| j < s.len() && (*atom == Atom::Any || *atom == Atom::Char(s[j]));
        if *star {
            let mut j = i;
            loop {
                if self.match_at(s, j, a + 1) {
                    return true;
                }
                if !one(j) {
                    return false;
                }
                j += 1;
            }
        }
        one(i) && self.match_at(s, i + 1, a + 1)
    }
}

/// kubectl's `FilterServer` rules: comma-separated pattern lists.
#[derive(Debug, Clone)]
pub struct Filter {
    accept_paths: Vec<Pattern>,
    reject_paths: Vec<Pattern>,
    accept_hosts: Vec<Pattern>,
    reject_methods: Vec<Pattern>,
}

fn patterns(text: &str) -> Vec<Pattern> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(Pattern::new)
        .collect()
}

impl Filter {
    /// Whether kubectl's filter lets the request through.
    pub fn accept(&self, method: &str, path: &str, host: &str) -> bool {
        let any = |list: &[Pattern], s: &str| list.iter().any(|p| p.matches(s));
        let host = host_only(host);
        any(&self.accept_paths, path)
            && !any(&self.reject_paths, path)
            && any(&self.accept_hosts, host)
            && !any(&self.reject_methods, method)
    }
}

/// The host of a `Host` header without its port (`[::1]:8001` → `[::1]`).
fn host_only(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(i) => &host[..=i],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

struct State {
    client: RestClient,
    api_prefix: String,
    www: Option<(PathBuf, String)>,
    filter: Option<Filter>,
}

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

fn full(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(text.to_string()))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Runs the command: serves until interrupted.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let client = f.client()?;
    let mut api_prefix = args.api_prefix.clone();
    if !api_prefix.ends_with('/') {
        api_prefix.push('/');
    }
    let filter = (!args.disable_filter).then(|| Filter {
        accept_paths: patterns(&args.accept_paths),
        reject_paths: patterns(&args.reject_paths),
        accept_hosts: patterns(&args.accept_hosts),
        reject_methods: patterns(&args.reject_methods),
    });
    if args.disable_filter {
        eprintln!("W{} proxy.go:177] Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious", chrono::Local::now().format("%m%d %H:%M:%S%.6f"));
    }
    let state = Arc::new(State {
        client,
        api_prefix,
        www: args.www.clone().map(|dir| (dir, args.www_prefix.clone())),
        filter,
    });
    let listener = tokio::net::TcpListener::bind((args.address.as_str(), args.port))
        .await
        .map_err(|e| {
            CmdError::new(format!(
                "listen tcp {}:{}: bind: {}",
                args.address,
                args.port,
                crate::commands::create_generators::config_data::io_text(&e)
            ))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| CmdError::new(e.to_string()))?;
    println!("Starting to serve on {local}");
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: accepting a connection: {e}");
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req).await) }
            });
            // A client that goes away mid-stream ends its connection only.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("")
        .to_string();
    if let Some((dir, prefix)) = &state.www {
        if let Some(rest) = path.strip_prefix(prefix.as_str()) {
            return static_file(dir, rest).await;
        }
    }
    let Some(rest) = path.strip_prefix(state.api_prefix.as_str()) else {
        return full(StatusCode::NOT_FOUND, "404 page not found\n");
    };
    let target_path = format!("/{rest}");
    if let Some(filter) = &state.filter {
        if !filter.accept(req.method().as_str(), &target_path, &host) {
            return full(StatusCode::FORBIDDEN, "Forbidden\n");
        }
    }
    match forward(state, req, &target_path).await {
        Ok(r) => r,
        Err(e) => full(StatusCode::BAD_GATEWAY, &format!("{e}\n")),
    }
}

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

async fn forward(
    state: &State,
    req: Request<Incoming>,
    path: &str,
) -> Result<Response<Body>, String> {
    let method = req.method().clone();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let headers: HeaderMap = req.headers().clone();
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let mut out = state
        .client
        .verb(method.clone())
        .request_uri(&format!("{path}{query}"));
    for name in [http::header::ACCEPT, http::header::CONTENT_TYPE] {
        if let Some(v) = headers.get(&name).and_then(|v| v.to_str().ok()) {
            out = out.header(name.as_str(), v);
        }
    }
    if !body.is_empty() || matches!(method, Method::POST | Method::PUT | Method::PATCH) {
        out = out.body_bytes(body);
    }
    let (status, resp_headers, stream) = out.stream_raw().await.map_err(|e| e.to_string())?;
    let frames = stream.map(|chunk| {
        chunk
            .map(Frame::data)
            .map_err(|e| std::io::Error::other(e.to_string()))
    });
    let mut resp = Response::new(BodyExt::boxed_unsync(StreamBody::new(frames)));
    *resp.status_mut() = status;
    for (name, value) in &resp_headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            resp.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(resp)
}

/// Serves one file under the `--www` directory (no directory escapes).
async fn static_file(dir: &std::path::Path, rest: &str) -> Response<Body> {
    if rest.split('/').any(|seg| seg == "..") {
        return full(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    let mut path = dir.join(rest.trim_start_matches('/'));
    if path.is_dir() {
        path = path.join("index.html");
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut r = Response::new(
                Full::new(Bytes::from(bytes))
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            );
            let ct = match path.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(ct),
            );
            r
        }
        Err(_) => full(StatusCode::NOT_FOUND, "404 page not found\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filters_like_kubectl() {
        let f = Filter {
            accept_paths: patterns("^.*"),
            reject_paths: patterns("^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach"),
            accept_hosts: patterns(r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"),
            reject_methods: patterns("^$"),
        };
        assert!(f.accept("GET", "/api/v1/namespaces", "127.0.0.1:8001"));
        assert!(f.accept("GET", "/api/v1/namespaces", "localhost"));
        assert!(f.accept("GET", "/api", "[::1]:8001"));
        assert!(!f.accept("GET", "/api/v1/namespaces", "evil.example.com"));
        assert!(!f.accept("POST", "/api/v1/namespaces/d/pods/p/exec", "localhost"));
        assert!(!f.accept("GET", "/api", "127.0.0.10"));
    }

    #[test]
    fn patterns_match_like_go() {
        assert!(Pattern::new("POST").matches("POST"));
        assert!(!Pattern::new("^$").matches("GET"));
        assert!(Pattern::new("^$").matches(""));
        assert!(Pattern::new("a.c").matches("xxabcxx"));
        assert!(!Pattern::new("^a.c$").matches("abcd"));
    }
}
