//! The HTTP transport: hyper-util's pooled client over rustls (HTTP/2 when the
//! server offers it by ALPN, HTTP/1.1 otherwise), with the credentials of a [`Config`].

mod auth;
mod connector;
mod tls;

pub(crate) use auth::Authenticator;

use crate::config::Config;
use crate::error::{Error, Result};
use bytes::Bytes;
use connector::Connector;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::sync::Arc;
use std::time::Duration;

/// Go's `net.Dialer` timeout in client-go's transport.
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Go's `http.Transport.IdleConnTimeout` in client-go's transport.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The pooled HTTP client.
pub(crate) type HttpClient = Client<Connector, Full<Bytes>>;

/// A client and the credentials it sends.
pub(crate) struct Transport {
    pub(crate) http: HttpClient,
    pub(crate) auth: Authenticator,
}

impl Transport {
    pub(crate) fn new(config: &Config) -> Result<Transport> {
        let slot = Arc::new(tls::ClientCertSlot::default());
        if let (Some(cert), Some(key)) = (&config.tls.client_cert_pem, &config.tls.client_key_pem) {
            slot.set(tls::certified_key(cert, key)?);
        }
        let tls_config = tls::client_config(&config.tls, slot.clone())?;
        let connector = Connector {
            tls: Arc::new(tls_config),
            server_name: config.tls.server_name.clone(),
            proxy: proxy_address(config.proxy_url.as_deref())?,
            connect_timeout: DIAL_TIMEOUT,
        };
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Ok(Transport {
            http,
            auth: Authenticator::new(config, slot)?,
        })
    }
}

/// `host:port` of an `http://` proxy URL. Other proxy kinds (https, socks5) are
/// refused rather than silently bypassed.
fn proxy_address(proxy_url: Option<&str>) -> Result<Option<String>> {
    let Some(url) = proxy_url.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|e| Error::Config(format!("invalid proxy-url {url:?}: {e}")))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(Error::Config(format!(
                "proxy-url {url:?}: the {other} scheme is not supported yet (only http CONNECT proxies)"
            )))
        }
        None => return Err(Error::Config(format!("invalid proxy-url {url:?}: no scheme"))),
    }
    let host = uri
        .host()
        .ok_or_else(|| Error::Config(format!("invalid proxy-url {url:?}: no host")))?;
    Ok(Some(format!("{host}:{}", uri.port_u16().unwrap_or(80))))
}
