//! Client configuration: kubeconfig files, kubectl's flag overrides, in-cluster
//! service accounts, and the resolved [`Config`] a [`RestClient`](crate::RestClient) is built from
//! (client-go's `tools/clientcmd` and `rest.Config`).
//!
//! ```no_run
//! # fn demo() -> keelson_client::Result<()> {
//! use keelson_client::config::{Config, ConfigOverrides, LoadingRules};
//! let overrides = ConfigOverrides { namespace: Some("kube-system".into()), ..Default::default() };
//! let config = Config::load(&LoadingRules::from_env(), &overrides)?;
//! assert_eq!(config.namespace, "kube-system");
//! # Ok(()) }
//! ```

mod exec;
mod incluster;
mod kubeconfig;
mod overrides;
#[cfg(test)]
mod tests;

pub use exec::{ExecCredential, ExecCredentialStatus, ExecRunner};
pub use incluster::{incluster_config, SERVICE_ACCOUNT_DIR};
pub use kubeconfig::{
    default_kubeconfig_path, AuthInfo, Cluster, Context, ExecConfig, ExecEnvVar, Kubeconfig,
    LoadingRules, NamedAuthInfo, NamedCluster, NamedContext,
};
pub use overrides::ConfigOverrides;

use crate::error::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

/// client-go's `rest.DefaultQPS`: what a client that sets nothing is allowed.
pub const DEFAULT_QPS: f32 = 5.0;
/// client-go's `rest.DefaultBurst`.
pub const DEFAULT_BURST: u32 = 10;
/// kubectl's QPS for its discovery client (`WithDiscoveryQPS(50.0)`).
pub const DISCOVERY_QPS: f32 = 50.0;
/// kubectl's burst for its discovery client (`WithDiscoveryBurst(300)`).
pub const DISCOVERY_BURST: u32 = 300;

/// The server kubectl falls back to when nothing names one.
pub const DEFAULT_SERVER: &str = "http://localhost:8080";

/// A resolved client configuration (client-go's `rest.Config`).
#[derive(Debug, Clone)]
pub struct Config {
    /// The server URL; a path in it prefixes every request (`https://host/k8s/clusters/c-1`).
    pub cluster_url: http::Uri,
    /// The namespace requests default to (context's, `-n`, or `default`).
    pub namespace: String,
    /// Whether `-n` chose the namespace (kubectl's "explicit namespace").
    pub namespace_explicit: bool,
    /// The context in use, if any.
    pub context: Option<String>,
    /// The cluster name in use, if any.
    pub cluster: Option<String>,
    /// The user name in use, if any.
    pub user: Option<String>,
    /// TLS settings.
    pub tls: TlsConfig,
    /// How requests authenticate.
    pub auth: AuthConfig,
    /// `Impersonate-*` headers.
    pub impersonate: Impersonation,
    /// `proxy-url`: kept from the kubeconfig; requests go through it with HTTP CONNECT.
    pub proxy_url: Option<String>,
    /// `--request-timeout`: the limit for one whole request (None: no limit).
    pub timeout: Option<Duration>,
    /// Client-side rate limit, requests per second (0 or less: unlimited).
    pub qps: f32,
    /// Client-side rate limit burst.
    pub burst: u32,
    /// `User-Agent`.
    pub user_agent: String,
    /// kubectl's `-v` level: 6 logs method, URL, status and latency; 7 request
    /// headers; 8 response headers and bodies (truncated); 9 whole bodies and curl.
    pub verbosity: u8,
}

/// TLS settings of a [`Config`].
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// Root certificates (PEM) to trust instead of none.
    pub ca_pem: Option<Vec<u8>>,
    /// Skip server certificate verification.
    pub insecure: bool,
    /// The name to verify the server certificate against (and send as SNI).
    pub server_name: Option<String>,
    /// Client certificate chain (PEM).
    pub client_cert_pem: Option<Vec<u8>>,
    /// Client private key (PEM).
    pub client_key_pem: Option<Vec<u8>>,
}

/// How a [`Config`] authenticates, besides client certificates.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// A static bearer token.
    pub token: Option<String>,
    /// A file with the bearer token, re-read every minute (service accounts rotate it).
    pub token_file: Option<PathBuf>,
    /// Basic auth user name.
    pub username: Option<String>,
    /// Basic auth password.
    pub password: Option<String>,
    /// An exec credential plugin and the cluster it may be told about.
    pub exec: Option<ExecConfig>,
}

// Secrets stay out of `{:?}` output (logs, panics); only their presence shows.
fn secret<T>(v: &Option<T>) -> &'static str {
    if v.is_some() {
        "<set>"
    } else {
        "<none>"
    }
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_pem", &self.ca_pem.as_ref().map(|c| c.len()))
            .field("insecure", &self.insecure)
            .field("server_name", &self.server_name)
            .field(
                "client_cert_pem",
                &self.client_cert_pem.as_ref().map(|c| c.len()),
            )
            .field("client_key_pem", &secret(&self.client_key_pem))
            .finish()
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("token", &secret(&self.token))
            .field("token_file", &self.token_file)
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("exec", &self.exec.as_ref().map(|e| &e.command))
            .finish()
    }
}

/// `Impersonate-User`, `Impersonate-Uid` and `Impersonate-Group` headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impersonation {
    /// `--as`.
    pub user: Option<String>,
    /// `--as-uid`.
    pub uid: Option<String>,
    /// `--as-group`.
    pub groups: Vec<String>,
}

impl Config {
    /// A configuration for `server` with nothing else set (no TLS trust, no credentials).
    pub fn new(server: &str) -> Result<Config> {
        Ok(Config {
            cluster_url: server_url(server, false)?,
            namespace: "default".into(),
            namespace_explicit: false,
            context: None,
            cluster: None,
            user: None,
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            impersonate: Impersonation::default(),
            proxy_url: None,
            timeout: None,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
            user_agent: default_user_agent(),
            verbosity: 0,
        })
    }

    /// What kubectl does: load the kubeconfig files named by `rules`, apply the
    /// overrides; if nothing is configured at all, use the in-cluster service
    /// account when running in a pod, else `http://localhost:8080`.
    pub fn load(rules: &LoadingRules, overrides: &ConfigOverrides) -> Result<Config> {
        let kubeconfig = rules.load()?;
        if kubeconfig.is_empty() && rules.explicit_path.is_none() && overrides.server.is_none() {
            if let Some(result) = incluster::try_default(overrides) {
                return result;
            }
        }
        Config::from_kubeconfig(&kubeconfig, overrides)
    }

    /// [`Config::load`] with `KUBECONFIG` / `~/.kube/config` and no overrides.
    pub fn infer() -> Result<Config> {
        Config::load(&LoadingRules::from_env(), &ConfigOverrides::default())
    }

    /// Resolves a (merged) kubeconfig with the overrides, as kubectl's
    /// `DirectClientConfig` does.
    pub fn from_kubeconfig(kubeconfig: &Kubeconfig, overrides: &ConfigOverrides) -> Result<Config> {
        overrides::resolve(kubeconfig, overrides)
    }

    /// The server as `host:port`, for messages and cache paths.
    pub fn host_port(&self) -> String {
        let authority = self
            .cluster_url
            .authority()
            .map(|a| a.as_str())
            .unwrap_or("");
        authority.to_string()
    }
}

/// client-go's `DefaultServerURL`: a host without a scheme gets `https` when TLS
/// is configured, else `http`.
pub(crate) fn server_url(server: &str, has_tls: bool) -> Result<http::Uri> {
    let server = if server.is_empty() {
        "localhost"
    } else {
        server
    };
    let with_scheme = if server.contains("://") {
        server.to_string()
    } else if has_tls {
        format!("https://{server}")
    } else {
        format!("http://{server}")
    };
    let uri: http::Uri = with_scheme.parse().map_err(|e| {
        Error::Config(format!(
            "host must be a URL or a host:port pair: \"{server}\": {e}"
        ))
    })?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => {
            return Err(Error::Config(format!(
                "host must be a URL or a host:port pair: \"{server}\""
            )))
        }
    }
    if uri.host().is_none() {
        return Err(Error::Config(format!(
            "host must be a URL or a host:port pair: \"{server}\""
        )));
    }
    Ok(uri)
}

/// `keelson-client/<version> (<os>/<arch>)`, the shape of client-go's user agent.
pub fn default_user_agent() -> String {
    format!(
        "keelson-client/v{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        go_arch()
    )
}

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}
