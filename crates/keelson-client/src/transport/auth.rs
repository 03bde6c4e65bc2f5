//! Per-request credentials: bearer token (static or from a file), basic auth,
//! or an exec plugin's token and certificate; plus impersonation headers.

use super::tls::{certified_key, ClientCertSlot};
use crate::config::{Config, ExecRunner};
use crate::error::{Error, Result};
use base64::Engine;
use http::{HeaderMap, HeaderValue};
use serde_json::json;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// client-go's `CachedFileTokenSource` re-reads the token file once a minute.
const TOKEN_FILE_PERIOD: Duration = Duration::from_secs(60);

struct TokenFile {
    path: PathBuf,
    cached: Mutex<Option<(String, Instant)>>,
}

impl TokenFile {
    fn token(&self) -> Result<String> {
        let mut cached = self
            .cached
            .lock()
            .map_err(|_| Error::Config("token cache poisoned".into()))?;
        if let Some((token, at)) = cached.as_ref() {
            if at.elapsed() < TOKEN_FILE_PERIOD {
                return Ok(token.clone());
            }
        }
        let token = std::fs::read_to_string(&self.path)
            .map_err(|e| Error::Config(format!("failed to read token file {:?}: {e}", self.path)))?
            .trim()
            .to_string();
        *cached = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    fn invalidate(&self) {
        if let Ok(mut c) = self.cached.lock() {
            *c = None;
        }
    }
}

/// Adds credentials to requests.
pub(crate) struct Authenticator {
    token: Option<String>,
    token_file: Option<TokenFile>,
    basic: Option<HeaderValue>,
    exec: Option<ExecRunner>,
    impersonation: Vec<(&'static str, HeaderValue)>,
    cert_slot: Arc<ClientCertSlot>,
}

fn header_value(v: &str, what: &str) -> Result<HeaderValue> {
    let mut h = HeaderValue::from_str(v)
        .map_err(|_| Error::Config(format!("invalid characters in {what}")))?;
    h.set_sensitive(true);
    Ok(h)
}

impl Authenticator {
    pub(crate) fn new(config: &Config, cert_slot: Arc<ClientCertSlot>) -> Result<Authenticator> {
        let auth = &config.auth;
        let basic = match (&auth.username, &auth.password) {
            (None, None) => None,
            (u, p) => {
                let raw = format!(
                    "{}:{}",
                    u.as_deref().unwrap_or(""),
                    p.as_deref().unwrap_or("")
                );
                let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                Some(header_value(
                    &format!("Basic {enc}"),
                    "basic auth credentials",
                )?)
            }
        };
        let exec = auth.exec.clone().map(|exec| {
            use base64::engine::general_purpose::STANDARD;
            let mut cluster = json!({ "server": config.cluster_url.to_string() });
            if let Some(name) = &config.tls.server_name {
                cluster["tls-server-name"] = json!(name);
            }
            if config.tls.insecure {
                cluster["insecure-skip-tls-verify"] = json!(true);
            }
            if let Some(ca) = &config.tls.ca_pem {
                cluster["certificate-authority-data"] = json!(STANDARD.encode(ca));
            }
            if let Some(proxy) = &config.proxy_url {
                cluster["proxy-url"] = json!(proxy);
            }
            ExecRunner::new(exec, Some(cluster))
        });
        let mut impersonation = Vec::new();
        if let Some(u) = &config.impersonate.user {
            impersonation.push(("impersonate-user", header_value(u, "--as")?));
        }
        if let Some(u) = &config.impersonate.uid {
            impersonation.push(("impersonate-uid", header_value(u, "--as-uid")?));
        }
        for g in &config.impersonate.groups {
            impersonation.push(("impersonate-group", header_value(g, "--as-group")?));
        }
        Ok(Authenticator {
            token: auth.token.clone(),
            token_file: auth.token_file.clone().map(|path| TokenFile {
                path,
                cached: Mutex::new(None),
            }),
            basic,
            exec,
            impersonation,
            cert_slot,
        })
    }

    /// Adds `Authorization` (unless the caller set one) and impersonation headers.
    pub(crate) async fn apply(&self, headers: &mut HeaderMap) -> Result<()> {
        for (name, value) in &self.impersonation {
            headers.append(*name, value.clone());
        }
        if headers.contains_key(http::header::AUTHORIZATION) {
            return Ok(());
        }
        if let Some(value) = self.authorization().await? {
            headers.insert(http::header::AUTHORIZATION, value);
        }
        Ok(())
    }

    async fn authorization(&self) -> Result<Option<HeaderValue>> {
        if let Some(file) = &self.token_file {
            match file.token() {
                Ok(t) if !t.is_empty() => {
                    return Ok(Some(header_value(&format!("Bearer {t}"), "token")?))
                }
                // A token file that cannot be read falls back to the token read at start.
                _ if self.token.is_some() => {}
                Ok(_) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        if let Some(t) = &self.token {
            return Ok(Some(header_value(&format!("Bearer {t}"), "token")?));
        }
        if let Some(b) = &self.basic {
            return Ok(Some(b.clone()));
        }
        if let Some(exec) = &self.exec {
            let cred = exec.credential().await?;
            if let (Some(cert), Some(key)) = (&cred.client_certificate_data, &cred.client_key_data)
            {
                self.cert_slot.set(
                    certified_key(cert.as_bytes(), key.as_bytes())
                        .map_err(|e| Error::Exec(e.to_string()))?,
                );
            }
            if let Some(t) = cred.token.as_deref().filter(|t| !t.is_empty()) {
                return Ok(Some(header_value(
                    &format!("Bearer {t}"),
                    "exec plugin token",
                )?));
            }
        }
        Ok(None)
    }

    /// The server answered 401: the next request fetches fresh credentials.
    pub(crate) async fn unauthorized(&self) {
        if let Some(f) = &self.token_file {
            f.invalidate();
        }
        if let Some(e) = &self.exec {
            e.invalidate().await;
        }
    }
}
