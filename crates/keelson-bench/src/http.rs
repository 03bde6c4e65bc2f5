//! HTTPS transport to the server: TLS connections (HTTP/1.1 or HTTP/2 by
//! ALPN) and a [`Pool`] of them that load generators share.

use crate::error::{BenchError, Result};
use crate::kubeconfig::Target;
use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsConnector;

/// `User-Agent` of every request: `keelson-bench/<version>`.
const USER_AGENT: &str = concat!("keelson-bench/", env!("CARGO_PKG_VERSION"));

/// HTTP version spoken on every connection of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum Protocol {
    /// One request at a time per connection; the pool holds one connection
    /// per concurrent request.
    Http1,
    /// Requests multiplexed as streams over a few connections.
    Http2,
}

/// A complete response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// The whole body.
    pub body: Bytes,
}

/// A response whose body is still arriving (watch).
pub struct Streaming {
    /// Status code.
    pub status: StatusCode,
    /// The body, read frame by frame.
    pub body: Incoming,
    /// Keeps an HTTP/1.1 connection checked out while the body streams.
    _lease: Option<OwnedSemaphorePermit>,
}

/// Everything needed to open a connection to the server.
pub struct Endpoint {
    target: Target,
    protocol: Protocol,
    server_name: ServerName<'static>,
    tls: TlsConnector,
    authorization: HeaderValue,
    base: String,
}

impl Endpoint {
    /// Prepares TLS (the kubeconfig's CA as the only root) for `protocol`.
    pub fn new(target: &Target, protocol: Protocol) -> Result<Endpoint> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(&target.ca_pem) {
            let cert =
                cert.map_err(|e| BenchError::Tls(format!("certificate-authority-data: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| BenchError::Tls(e.to_string()))?;
            found += 1;
        }
        if found == 0 {
            return Err(BenchError::Tls(
                "certificate-authority-data holds no certificate".into(),
            ));
        }
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| BenchError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = match protocol {
            Protocol::Http1 => vec![b"http/1.1".to_vec()],
            Protocol::Http2 => vec![b"h2".to_vec()],
        };
        let server_name = ServerName::try_from(target.host.clone())
            .map_err(|e| BenchError::Tls(format!("server name {:?}: {e}", target.host)))?;
        let authorization = HeaderValue::from_str(&format!("Bearer {}", target.token))
            .map_err(|_| BenchError::Kubeconfig("token is not a valid header value".into()))?;
        let base = match target.addr {
            std::net::SocketAddr::V4(a) => format!("https://{}:{}", a.ip(), a.port()),
            std::net::SocketAddr::V6(a) => format!("https://[{}]:{}", a.ip(), a.port()),
        };
        Ok(Endpoint {
            target: target.clone(),
            protocol,
            server_name,
            tls: TlsConnector::from(Arc::new(config)),
            authorization,
            base,
        })
    }

    /// The server and credentials this endpoint was made from.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The HTTP version this endpoint negotiates.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    async fn tls_stream(&self) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.target.addr).await?;
        // Requests are small and latency-bound; Nagle would add up to 40 ms.
        tcp.set_nodelay(true)?;
        self.tls
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| BenchError::Tls(format!("handshake with {}: {e}", self.target.addr)))
    }

    async fn connect_h1(&self) -> Result<http1::SendRequest<Full<Bytes>>> {
        let io = TokioIo::new(self.tls_stream().await?);
        let (sender, conn) = http1::handshake(io).await?;
        tokio::spawn(async move {
            // Ends when the pool drops the sender or the server hangs up.
            let _ = conn.await;
        });
        Ok(sender)
    }

    async fn connect_h2(&self) -> Result<http2::SendRequest<Full<Bytes>>> {
        let io = TokioIo::new(self.tls_stream().await?);
        let (sender, conn) = http2::Builder::new(TokioExecutor::new())
            // Large windows so a 10 MiB LIST is not paced by WINDOW_UPDATE
            // round trips: the benchmark measures the server, not flow control.
            .initial_stream_window_size(16 << 20)
            .initial_connection_window_size(64 << 20)
            .max_frame_size(1 << 20)
            .handshake(io)
            .await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Builds a request for `path` (which starts with `/`).
    pub fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        media: &Media,
    ) -> Result<Request<Full<Bytes>>> {
        let uri: Uri = match self.protocol {
            // HTTP/2 carries scheme and authority as pseudo-headers.
            Protocol::Http2 => format!("{}{}", self.base, path).parse(),
            Protocol::Http1 => path.parse(),
        }
        .map_err(|e: http::uri::InvalidUri| BenchError::Http(format!("bad path {path:?}: {e}")))?;
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, self.authorization.clone())
            .header(header::ACCEPT, media.accept)
            // Names the bench as the manager of what it writes, as kubectl's
            // User-Agent does for kubectl.
            .header(header::USER_AGENT, USER_AGENT);
        if self.protocol == Protocol::Http1 {
            builder = builder.header(header::HOST, self.base.trim_start_matches("https://"));
        }
        let body = match body {
            Some(b) => {
                builder = builder.header(header::CONTENT_TYPE, media.content_type);
                Full::new(b)
            }
            None => Full::new(Bytes::new()),
        };
        Ok(builder.body(body)?)
    }
}

/// The media types of a request: what its body is, and what answer it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Media {
    /// `Content-Type` of the body (sent only with a body).
    pub content_type: &'static str,
    /// `Accept`.
    pub accept: &'static str,
}

impl Media {
    /// JSON both ways: what most scenarios send.
    pub const JSON: Media = Media {
        content_type: "application/json",
        accept: "application/json",
    };

    /// JSON answers for a body of `content_type` (a patch type).
    pub const fn sending(content_type: &'static str) -> Media {
        Media {
            content_type,
            accept: "application/json",
        }
    }

    /// A body-less request that asks for `accept`.
    pub const fn accepting(accept: &'static str) -> Media {
        Media {
            content_type: "application/json",
            accept,
        }
    }
}

/// Connections shared by many concurrent tasks.
pub struct Pool {
    endpoint: Arc<Endpoint>,
    kind: PoolKind,
}

enum PoolKind {
    /// Idle connections; the semaphore bounds how many exist at once.
    Http1 {
        idle: Mutex<Vec<http1::SendRequest<Full<Bytes>>>>,
        permits: Arc<Semaphore>,
    },
    /// Multiplexed connections used round-robin; a dead one is replaced.
    Http2 {
        conns: Vec<Mutex<http2::SendRequest<Full<Bytes>>>>,
        next: AtomicUsize,
    },
}

impl Pool {
    /// Opens `connections` connections up front, so handshakes stay out of
    /// the measured latencies. For HTTP/1.1 this is also the most requests
    /// in flight at once.
    pub async fn connect(endpoint: Arc<Endpoint>, connections: usize) -> Result<Pool> {
        let connections = connections.max(1);
        let kind = match endpoint.protocol {
            Protocol::Http1 => {
                let mut idle = Vec::with_capacity(connections);
                for _ in 0..connections {
                    idle.push(endpoint.connect_h1().await?);
                }
                PoolKind::Http1 {
                    idle: Mutex::new(idle),
                    permits: Arc::new(Semaphore::new(connections)),
                }
            }
            Protocol::Http2 => {
                let mut conns = Vec::with_capacity(connections);
                for _ in 0..connections {
                    conns.push(Mutex::new(endpoint.connect_h2().await?));
                }
                PoolKind::Http2 {
                    conns,
                    next: AtomicUsize::new(0),
                }
            }
        };
        Ok(Pool { endpoint, kind })
    }

    /// Sends one JSON request and reads the whole response.
    pub async fn send(&self, method: Method, path: &str, body: Option<Bytes>) -> Result<Reply> {
        self.send_as(method, path, body, &Media::JSON).await
    }

    /// Sends one request with the given media types and reads the whole response.
    pub async fn send_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        media: &Media,
    ) -> Result<Reply> {
        let req = self.endpoint.request(method, path, body, media)?;
        match &self.kind {
            PoolKind::Http1 { idle, permits } => {
                let _permit = permits.clone().acquire_owned().await.map_err(closed)?;
                let mut sender = self.h1_checkout(idle).await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                if !sender.is_closed() {
                    lock(idle).push(sender);
                }
                Ok(Reply { status, body })
            }
            PoolKind::Http2 { conns, next } => {
                let mut sender = self.h2_checkout(conns, next).await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                Ok(Reply { status, body })
            }
        }
    }

    /// Sends one request and returns as soon as the headers arrive; the body
    /// is read by the caller. An HTTP/1.1 connection used this way is not
    /// reused.
    pub async fn stream(&self, method: Method, path: &str) -> Result<Streaming> {
        let req = self.endpoint.request(method, path, None, &Media::JSON)?;
        match &self.kind {
            PoolKind::Http1 { idle, permits } => {
                let permit = permits.clone().acquire_owned().await.map_err(closed)?;
                let mut sender = self.h1_checkout(idle).await?;
                let resp = sender.send_request(req).await?;
                Ok(Streaming {
                    status: resp.status(),
                    body: resp.into_body(),
                    _lease: Some(permit),
                })
            }
            PoolKind::Http2 { conns, next } => {
                let mut sender = self.h2_checkout(conns, next).await?;
                let resp = sender.send_request(req).await?;
                Ok(Streaming {
                    status: resp.status(),
                    body: resp.into_body(),
                    _lease: None,
                })
            }
        }
    }

    /// An idle, ready HTTP/1.1 connection; the caller holds a permit.
    async fn h1_checkout(
        &self,
        idle: &Mutex<Vec<http1::SendRequest<Full<Bytes>>>>,
    ) -> Result<http1::SendRequest<Full<Bytes>>> {
        loop {
            // The guard must be gone before the await below.
            let popped = lock(idle).pop();
            let Some(mut sender) = popped else { break };
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let mut sender = self.endpoint.connect_h1().await?;
        sender.ready().await?;
        Ok(sender)
    }

    async fn h2_checkout(
        &self,
        conns: &[Mutex<http2::SendRequest<Full<Bytes>>>],
        next: &AtomicUsize,
    ) -> Result<http2::SendRequest<Full<Bytes>>> {
        let slot = &conns[next.fetch_add(1, Ordering::Relaxed) % conns.len()];
        let mut sender = lock(slot).clone();
        if sender.ready().await.is_err() {
            sender = self.endpoint.connect_h2().await?;
            *lock(slot) = sender.clone();
            sender.ready().await?;
        }
        Ok(sender)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a Vec of senders inconsistent.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn closed(_: tokio::sync::AcquireError) -> BenchError {
    BenchError::Http("connection pool closed".into())
}
