//! kubectl's command-line overrides and the resolution of a kubeconfig into a
//! [`Config`] (client-go's `DirectClientConfig`).

use super::{
    default_user_agent, server_url, AuthConfig, AuthInfo, Cluster, Config, Impersonation,
    Kubeconfig, TlsConfig, DEFAULT_BURST, DEFAULT_QPS, DEFAULT_SERVER,
};
use crate::error::{Error, Result};
use base64::Engine;
use std::path::PathBuf;
use std::time::Duration;

/// Values from kubectl's global flags; each one set wins over the kubeconfig.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigOverrides {
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `-n` / `--namespace`.
    pub namespace: Option<String>,
    /// `--server` / `-s`.
    pub server: Option<String>,
    /// `--tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: Option<bool>,
    /// `--certificate-authority`.
    pub certificate_authority: Option<PathBuf>,
    /// `--client-certificate`.
    pub client_certificate: Option<PathBuf>,
    /// `--client-key`.
    pub client_key: Option<PathBuf>,
    /// `--token`.
    pub token: Option<String>,
    /// `--username`.
    pub username: Option<String>,
    /// `--password`.
    pub password: Option<String>,
    /// `--as`.
    pub impersonate: Option<String>,
    /// `--as-uid`.
    pub impersonate_uid: Option<String>,
    /// `--as-group`.
    pub impersonate_groups: Vec<String>,
    /// `--request-timeout` (zero: no limit).
    pub request_timeout: Option<Duration>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

pub(super) fn resolve(kc: &Kubeconfig, o: &ConfigOverrides) -> Result<Config> {
    let mut problems: Vec<String> = Vec::new();

    let context_name = non_empty(&o.context)
        .or(non_empty(&kc.current_context))
        .map(str::to_string);
    let context = match &context_name {
        Some(name) => match kc.context(name) {
            Some(c) => c.clone(),
            None => {
                problems.push(format!(
                    "context was not found for specified context: {name}"
                ));
                Default::default()
            }
        },
        None => Default::default(),
    };
    let cluster_name = non_empty(&o.cluster)
        .or(non_empty(&context.cluster))
        .map(str::to_string);
    let user_name = non_empty(&o.user)
        .or(non_empty(&context.user))
        .map(str::to_string);

    let mut cluster = Cluster::default();
    if let Some(name) = &cluster_name {
        match kc.cluster(name) {
            Some(c) => cluster = c.clone(),
            None => problems.push(format!("cluster \"{name}\" does not exist")),
        }
    }
    let mut user = AuthInfo::default();
    if let Some(name) = &user_name {
        match kc.auth_info(name) {
            Some(u) => user = u.clone(),
            None => problems.push(format!("auth info \"{name}\" does not exist")),
        }
    }

    apply_cluster_overrides(&mut cluster, o);
    apply_user_overrides(&mut user, o);

    let display_cluster = cluster_name.clone().unwrap_or_default();
    let display_user = user_name.clone().unwrap_or_default();
    let tls = match tls_config(&cluster, &user, &display_cluster, &display_user) {
        Ok(t) => t,
        Err(mut e) => {
            problems.append(&mut e);
            TlsConfig::default()
        }
    };
    let auth = match auth_config(&user, &display_user) {
        Ok(a) => a,
        Err(mut e) => {
            problems.append(&mut e);
            AuthConfig::default()
        }
    };
    if !problems.is_empty() {
        return Err(Error::Config(invalid_configuration(&problems)));
    }

    let has_tls = tls.ca_pem.is_some() || tls.insecure || tls.client_cert_pem.is_some();
    let kubernetes_master = std::env::var("KUBERNETES_MASTER")
        .ok()
        .filter(|s| !s.is_empty());
    let server = cluster
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .or(kubernetes_master)
        .unwrap_or_else(|| DEFAULT_SERVER.to_string());
    let cluster_url = server_url(&server, has_tls)?;

    let (namespace, namespace_explicit) = match non_empty(&o.namespace) {
        Some(ns) => (ns.to_string(), true),
        None => (
            non_empty(&context.namespace)
                .unwrap_or("default")
                .to_string(),
            false,
        ),
    };

    let mut impersonate = Impersonation {
        user: user.impersonate.clone().filter(|s| !s.is_empty()),
        uid: user.impersonate_uid.clone().filter(|s| !s.is_empty()),
        groups: user.impersonate_groups.clone().unwrap_or_default(),
    };
    if o.impersonate.is_some() {
        impersonate.user = o.impersonate.clone();
    }
    if o.impersonate_uid.is_some() {
        impersonate.uid = o.impersonate_uid.clone();
    }
    if !o.impersonate_groups.is_empty() {
        impersonate.groups = o.impersonate_groups.clone();
    }

    Ok(Config {
        cluster_url,
        namespace,
        namespace_explicit,
        context: context_name,
        cluster: cluster_name,
        user: user_name,
        tls,
        auth,
        impersonate,
        proxy_url: cluster.proxy_url.clone().filter(|s| !s.is_empty()),
        timeout: o.request_timeout.filter(|d| !d.is_zero()),
        qps: DEFAULT_QPS,
        burst: DEFAULT_BURST,
        user_agent: default_user_agent(),
        verbosity: 0,
    })
}

/// client-go's `errConfigurationInvalid` text; kubectl prints the same list
/// after `Error in configuration: `.
fn invalid_configuration(problems: &[String]) -> String {
    if problems.len() == 1 {
        format!("invalid configuration: {}", problems[0])
    } else {
        format!("invalid configuration: [{}]", problems.join(", "))
    }
}

fn apply_cluster_overrides(cluster: &mut Cluster, o: &ConfigOverrides) {
    if let Some(server) = non_empty(&o.server) {
        cluster.server = Some(server.to_string());
        // A different server makes the kubeconfig's name for the old one wrong.
        if o.tls_server_name.is_none() {
            cluster.tls_server_name = None;
        }
    }
    if let Some(name) = &o.tls_server_name {
        cluster.tls_server_name = Some(name.clone());
    }
    if let Some(ca) = &o.certificate_authority {
        cluster.certificate_authority = Some(ca.to_string_lossy().into_owned());
        cluster.certificate_authority_data = None;
    }
    if let Some(insecure) = o.insecure_skip_tls_verify {
        cluster.insecure_skip_tls_verify = Some(insecure);
        // `--insecure-skip-tls-verify` without a CA flag drops the kubeconfig's CA,
        // which could not be combined with it.
        if insecure && o.certificate_authority.is_none() {
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
    }
}

fn apply_user_overrides(user: &mut AuthInfo, o: &ConfigOverrides) {
    if let Some(cert) = &o.client_certificate {
        user.client_certificate = Some(cert.to_string_lossy().into_owned());
        user.client_certificate_data = None;
    }
    if let Some(key) = &o.client_key {
        user.client_key = Some(key.to_string_lossy().into_owned());
        user.client_key_data = None;
    }
    if let Some(token) = non_empty(&o.token) {
        user.token = Some(token.to_string());
        user.token_file = None;
    }
    if let Some(u) = &o.username {
        user.username = Some(u.clone());
    }
    if let Some(p) = &o.password {
        user.password = Some(p.clone());
    }
}

fn decode_data(data: &str, what: &str, owner: &str) -> std::result::Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("unable to decode {what} for {owner}: {e}"))
}

fn read_file(path: &str, what: &str, owner: &str) -> std::result::Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("unable to read {what} {path} for {owner} due to {e}"))
}

fn tls_config(
    cluster: &Cluster,
    user: &AuthInfo,
    cluster_name: &str,
    user_name: &str,
) -> std::result::Result<TlsConfig, Vec<String>> {
    let mut problems = Vec::new();
    let mut tls = TlsConfig {
        insecure: cluster.insecure_skip_tls_verify.unwrap_or(false),
        server_name: cluster.tls_server_name.clone().filter(|s| !s.is_empty()),
        ..Default::default()
    };
    // The inline data wins over the file, as in client-go.
    if let Some(data) = non_empty(&cluster.certificate_authority_data) {
        match decode_data(data, "certificate-authority-data", cluster_name) {
            Ok(v) => tls.ca_pem = Some(v),
            Err(e) => problems.push(e),
        }
    } else if let Some(path) = non_empty(&cluster.certificate_authority) {
        match read_file(path, "certificate-authority", cluster_name) {
            Ok(v) => tls.ca_pem = Some(v),
            Err(e) => problems.push(e),
        }
    }
    if tls.insecure && tls.ca_pem.is_some() {
        problems.push(
            "specifying a root certificates file with the insecure flag is not allowed".into(),
        );
    }
    if let Some(data) = non_empty(&user.client_certificate_data) {
        match decode_data(data, "client-cert-data", user_name) {
            Ok(v) => tls.client_cert_pem = Some(v),
            Err(e) => problems.push(e),
        }
    } else if let Some(path) = non_empty(&user.client_certificate) {
        match read_file(path, "client-cert", user_name) {
            Ok(v) => tls.client_cert_pem = Some(v),
            Err(e) => problems.push(e),
        }
    }
    if let Some(data) = non_empty(&user.client_key_data) {
        match decode_data(data, "client-key-data", user_name) {
            Ok(v) => tls.client_key_pem = Some(v),
            Err(e) => problems.push(e),
        }
    } else if let Some(path) = non_empty(&user.client_key) {
        match read_file(path, "client-key", user_name) {
            Ok(v) => tls.client_key_pem = Some(v),
            Err(e) => problems.push(e),
        }
    }
    match (tls.client_cert_pem.is_some(), tls.client_key_pem.is_some()) {
        (true, false) => problems.push(format!(
            "client-key-data or client-key must be specified for {user_name} to use the clientCert authentication method."
        )),
        (false, true) => problems.push(format!(
            "client-cert-data or client-cert must be specified for {user_name} to use the clientCert authentication method."
        )),
        _ => {}
    }
    if problems.is_empty() {
        Ok(tls)
    } else {
        Err(problems)
    }
}

fn auth_config(user: &AuthInfo, user_name: &str) -> std::result::Result<AuthConfig, Vec<String>> {
    let mut problems = Vec::new();
    let mut auth = AuthConfig::default();
    if let Some(token) = non_empty(&user.token) {
        auth.token = Some(token.to_string());
    } else if let Some(path) = non_empty(&user.token_file) {
        auth.token_file = Some(PathBuf::from(path));
    }
    let has_basic = non_empty(&user.username).is_some() || non_empty(&user.password).is_some();
    if has_basic {
        auth.username = user.username.clone();
        auth.password = user.password.clone();
    }
    if auth.token.is_some() && has_basic {
        problems.push(format!(
            "more than one authentication method found for {user_name}; found [token basicAuth], only one is allowed"
        ));
    }
    if let Some(exec) = &user.exec {
        if exec.command.is_empty() {
            problems.push(format!(
                "command must be specified for {user_name} to use exec authentication plugin"
            ));
        }
        if exec.api_version.as_deref().unwrap_or("").is_empty() {
            problems.push(format!(
                "apiVersion must be specified for {user_name} to use exec authentication plugin"
            ));
        }
        for var in exec.env.iter().flatten() {
            if var.name.is_empty() {
                problems.push(format!(
                    "env variable name must be specified for {user_name} to use exec authentication plugin"
                ));
            }
        }
        match exec.interactive_mode.as_deref() {
            None | Some("") | Some("Never") | Some("IfAvailable") | Some("Always") => {}
            Some(other) => problems.push(format!(
                "invalid interactiveMode for {user_name}: \"{other}\""
            )),
        }
        auth.exec = Some(exec.clone());
    }
    if user.auth_provider.is_some() && user.exec.is_none() {
        problems.push(format!(
            "the auth-provider of user {user_name} is no longer supported: use an exec credential plugin"
        ));
    }
    if problems.is_empty() {
        Ok(auth)
    } else {
        Err(problems)
    }
}
