//! In-cluster configuration: the pod's service account (client-go's `rest.InClusterConfig`).

use super::{server_url, Config, ConfigOverrides};
use crate::error::{Error, Result};
use std::path::Path;

/// Where the kubelet mounts the service account token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The config of a pod's service account: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
/// the token and CA under `dir` (normally [`SERVICE_ACCOUNT_DIR`]), the namespace
/// from `POD_NAMESPACE` or the mounted `namespace` file. The overrides apply on top.
pub fn incluster_config(dir: &Path, overrides: &ConfigOverrides) -> Result<Config> {
    let host = std::env::var("KUBERNETES_SERVICE_HOST").unwrap_or_default();
    let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_default();
    if host.is_empty() || port.is_empty() {
        return Err(Error::Config(
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
                .into(),
        ));
    }
    let token_path = dir.join("token");
    let token = std::fs::read_to_string(&token_path)
        .map_err(|e| Error::Config(format!("open {}: {e}", token_path.display())))?;
    // An IPv6 service host needs brackets in the URL.
    let host_port = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let server = overrides
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("https://{host_port}"));
    let mut config = Config::new(&server)?;
    config.cluster_url = server_url(&server, true)?;
    match &overrides.certificate_authority {
        Some(ca) => {
            config.tls.ca_pem = Some(
                std::fs::read(ca)
                    .map_err(|e| Error::Config(format!("open {}: {e}", ca.display())))?,
            );
        }
        None => {
            // client-go only logs an unreadable CA and goes on with the system roots;
            // with no roots of our own that would fail every handshake, so say so now.
            let ca_path = dir.join("ca.crt");
            config.tls.ca_pem = Some(
                std::fs::read(&ca_path)
                    .map_err(|e| Error::Config(format!("open {}: {e}", ca_path.display())))?,
            );
        }
    }
    if let Some(insecure) = overrides.insecure_skip_tls_verify {
        config.tls.insecure = insecure;
        if insecure && overrides.certificate_authority.is_none() {
            config.tls.ca_pem = None;
        }
    }
    config.tls.server_name = overrides.tls_server_name.clone();
    match overrides.token.clone().filter(|t| !t.is_empty()) {
        Some(t) => config.auth.token = Some(t),
        None => {
            config.auth.token = Some(token.trim().to_string());
            config.auth.token_file = Some(token_path);
        }
    }
    let namespace = overrides
        .namespace
        .clone()
        .filter(|s| !s.is_empty())
        .map(|ns| (ns, true))
        .or_else(|| {
            std::env::var("POD_NAMESPACE")
                .ok()
                .filter(|s| !s.is_empty())
                .map(|ns| (ns, false))
        })
        .or_else(|| {
            std::fs::read_to_string(dir.join("namespace"))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .map(|ns| (ns, false))
        })
        .unwrap_or_else(|| ("default".to_string(), false));
    config.namespace = namespace.0;
    config.namespace_explicit = namespace.1;
    config.timeout = overrides.request_timeout.filter(|d| !d.is_zero());
    Ok(config)
}

/// In-cluster config when the pod's environment has it, else `None`.
pub(super) fn try_default(overrides: &ConfigOverrides) -> Option<Result<Config>> {
    let dir = Path::new(SERVICE_ACCOUNT_DIR);
    let possible = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|h| !h.is_empty())
        && std::env::var_os("KUBERNETES_SERVICE_PORT").is_some_and(|p| !p.is_empty())
        && dir.join("token").is_file();
    possible.then(|| incluster_config(dir, overrides))
}
