//! Just enough kubeconfig reading to reach a server: the current context's
//! server URL, CA bundle and bearer token.

use crate::error::{BenchError, Result};
use base64::Engine;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// Where and how to reach the API server.
#[derive(Debug, Clone)]
pub struct Target {
    /// Loopback address and port of the server.
    pub addr: SocketAddr,
    /// Host as written in the URL, used for TLS server-name checking.
    pub host: String,
    /// PEM CA bundle that signs the serving certificate.
    pub ca_pem: Vec<u8>,
    /// Bearer token of the user.
    pub token: String,
}

#[derive(Deserialize)]
struct Config {
    #[serde(rename = "current-context", default)]
    current_context: String,
    #[serde(default)]
    clusters: Vec<Named<Cluster>>,
    #[serde(default)]
    contexts: Vec<Named<Context>>,
    #[serde(default)]
    users: Vec<Named<User>>,
}

#[derive(Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "context", alias = "user")]
    inner: T,
}

#[derive(Deserialize)]
struct Cluster {
    server: String,
    #[serde(rename = "certificate-authority-data", default)]
    ca_data: Option<String>,
}

#[derive(Deserialize)]
struct Context {
    cluster: String,
    user: String,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    token: Option<String>,
}

/// Reads the kubeconfig at `path`.
pub fn load(path: &Path) -> Result<Target> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BenchError::Kubeconfig(format!("cannot read {}: {e}", path.display())))?;
    parse(&text)
}

/// Parses kubeconfig text; only loopback servers are accepted because the
/// benchmark must never send load anywhere else.
pub fn parse(text: &str) -> Result<Target> {
    let config: Config =
        serde_norway::from_str(text).map_err(|e| BenchError::Kubeconfig(e.to_string()))?;
    let context = find(&config.contexts, &config.current_context, "context")?;
    let cluster = find(&config.clusters, &context.cluster, "cluster")?;
    let user = find(&config.users, &context.user, "user")?;
    let ca_b64 = cluster.ca_data.as_deref().ok_or_else(|| {
        BenchError::Kubeconfig(format!(
            "cluster {:?} has no certificate-authority-data",
            context.cluster
        ))
    })?;
    let ca_pem = base64::engine::general_purpose::STANDARD
        .decode(ca_b64.trim())
        .map_err(|e| BenchError::Kubeconfig(format!("certificate-authority-data: {e}")))?;
    let token = user
        .token
        .clone()
        .ok_or_else(|| BenchError::Kubeconfig(format!("user {:?} has no token", context.user)))?;
    let (host, addr) = loopback_addr(&cluster.server)?;
    Ok(Target {
        addr,
        host,
        ca_pem,
        token,
    })
}

fn find<'a, T>(items: &'a [Named<T>], name: &str, what: &str) -> Result<&'a T> {
    items
        .iter()
        .find(|n| n.name == name)
        .map(|n| &n.inner)
        .ok_or_else(|| BenchError::Kubeconfig(format!("no {what} named {name:?}")))
}

/// Splits `https://host:port` and resolves it to a loopback socket address.
fn loopback_addr(server: &str) -> Result<(String, SocketAddr)> {
    let rest = server.strip_prefix("https://").ok_or_else(|| {
        BenchError::Kubeconfig(format!("server {server:?} is not an https:// URL"))
    })?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let (bare, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| {
            BenchError::Kubeconfig(format!("server {server:?} has a bad address"))
        })?;
        (h, after.strip_prefix(':').unwrap_or("443"))
    } else {
        authority.rsplit_once(':').unwrap_or((authority, "443"))
    };
    let port: u16 = port
        .parse()
        .map_err(|_| BenchError::Kubeconfig(format!("server {server:?} has a bad port")))?;
    let ip = match bare {
        "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
        other => other.parse().map_err(|_| {
            BenchError::Kubeconfig(format!("server host {bare:?} is not a loopback address"))
        })?,
    };
    if !ip.is_loopback() {
        return Err(BenchError::Kubeconfig(format!(
            "server {server:?} is not on the loopback interface; keelson-bench only loads 127.0.0.1"
        )));
    }
    Ok((bare.to_string(), SocketAddr::new(ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(server: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: keelson\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\ncontexts:\n- name: keelson\n  context:\n    cluster: keelson\n    user: admin\n    namespace: default\ncurrent-context: keelson\nusers:\n- name: admin\n  user:\n    token: abc123\npreferences: {{}}\n",
            ca = base64::engine::general_purpose::STANDARD.encode("-----BEGIN CERTIFICATE-----\n")
        )
    }

    #[test]
    fn reads_the_current_context() {
        let t = parse(&config("https://127.0.0.1:6443")).expect("valid kubeconfig");
        assert_eq!(t.addr, "127.0.0.1:6443".parse().expect("addr"));
        assert_eq!(t.host, "127.0.0.1");
        assert_eq!(t.token, "abc123");
        assert!(t.ca_pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn localhost_and_ipv6_loopback_are_accepted() {
        let t = parse(&config("https://localhost:8443")).expect("localhost");
        assert_eq!(t.addr.port(), 8443);
        assert_eq!(t.host, "localhost");
        let t = parse(&config("https://[::1]:9443")).expect("ipv6 loopback");
        assert_eq!(t.addr, "[::1]:9443".parse().expect("addr"));
    }

    #[test]
    fn refuses_servers_off_the_loopback() {
        let err = parse(&config("https://10.0.0.1:6443")).expect_err("must refuse");
        assert!(err.to_string().contains("not on the loopback"), "{err}");
        let err = parse(&config("https://example.com:6443")).expect_err("must refuse");
        assert!(err.to_string().contains("not a loopback"), "{err}");
    }

    #[test]
    fn missing_context_is_reported() {
        let text = config("https://127.0.0.1:6443")
            .replace("current-context: keelson", "current-context: other");
        let err = parse(&text).expect_err("no such context");
        assert!(
            err.to_string().contains("no context named \"other\""),
            "{err}"
        );
    }
}
