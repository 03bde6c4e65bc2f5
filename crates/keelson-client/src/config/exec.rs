//! Exec credential plugins (`client.authentication.k8s.io/v1`): run the
//! command, read an `ExecCredential` from its stdout, cache it until it expires.

use super::ExecConfig;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::process::Stdio;

/// The `ExecCredential` a plugin prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredential {
    /// `client.authentication.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `ExecCredential`.
    #[serde(default)]
    pub kind: String,
    /// The credential itself.
    #[serde(default)]
    pub status: Option<ExecCredentialStatus>,
}

/// The credential part of an [`ExecCredential`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredentialStatus {
    /// RFC 3339 time after which the plugin must be run again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_timestamp: Option<String>,
    /// A bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A client certificate (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_data: Option<String>,
    /// Its private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_data: Option<String>,
}

impl ExecCredentialStatus {
    fn expired(&self) -> bool {
        match &self.expiration_timestamp {
            None => false,
            Some(ts) => match chrono::DateTime::parse_from_rfc3339(ts) {
                Ok(t) => chrono::Utc::now() >= t,
                // An unreadable expiry cannot be trusted to be in the future.
                Err(_) => true,
            },
        }
    }
}

/// Runs one exec plugin and caches its credential until `expirationTimestamp`
/// (or, without one, until the server answers 401 and [`ExecRunner::invalidate`] is called).
pub struct ExecRunner {
    config: ExecConfig,
    cluster: Option<Value>,
    cache: tokio::sync::Mutex<Option<ExecCredentialStatus>>,
}

impl std::fmt::Debug for ExecRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cached credential and the plugin's environment may hold secrets.
        f.debug_struct("ExecRunner")
            .field("command", &self.config.command)
            .finish()
    }
}

impl ExecRunner {
    /// A runner for `config`; `cluster` is the `ExecCredential.spec.cluster` object
    /// sent when the plugin sets `provideClusterInfo`.
    pub fn new(config: ExecConfig, cluster: Option<Value>) -> ExecRunner {
        ExecRunner {
            config,
            cluster,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// The cached credential, or a fresh one from the plugin.
    pub async fn credential(&self) -> Result<ExecCredentialStatus> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref() {
            if !c.expired() {
                return Ok(c.clone());
            }
        }
        let fresh = self.run().await?;
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forgets the cached credential (the server rejected it).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    fn api_version(&self) -> &str {
        self.config
            .api_version
            .as_deref()
            .unwrap_or("client.authentication.k8s.io/v1")
    }

    fn interactive(&self) -> bool {
        match self.config.interactive_mode.as_deref() {
            Some("Never") => false,
            _ => std::io::stdin().is_terminal(),
        }
    }

    async fn run(&self) -> Result<ExecCredentialStatus> {
        let interactive = self.interactive();
        if self.config.interactive_mode.as_deref() == Some("Always") && !interactive {
            return Err(Error::Exec(format!(
                "exec plugin cannot support interactive mode: standard input is not a terminal (command {})",
                self.config.command
            )));
        }
        let mut spec = json!({ "interactive": interactive });
        if self.config.provide_cluster_info == Some(true) {
            if let Some(cluster) = &self.cluster {
                spec["cluster"] = cluster.clone();
            }
        }
        let info = json!({
            "kind": "ExecCredential",
            "apiVersion": self.api_version(),
            "spec": spec,
        });
        let mut cmd = tokio::process::Command::new(&self.config.command);
        cmd.args(self.config.args.iter().flatten())
            .env("KUBERNETES_EXEC_INFO", info.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .stdin(if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        for var in self.config.env.iter().flatten() {
            cmd.env(&var.name, &var.value);
        }
        // ETXTBSY: the plugin file was just written and another thread's fork
        // still holds it open for writing; it clears in moments (Go's os/exec
        // users see the same race), so try a few times before giving up.
        let mut attempts = 0;
        let result = loop {
            match cmd.output().await {
                Err(e) if e.raw_os_error() == Some(26) && attempts < 5 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempts)).await;
                }
                other => break other,
            }
        };
        let output = result.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                let mut msg = format!("exec: executable {} not found", self.config.command);
                if let Some(hint) = self
                    .config
                    .install_hint
                    .as_deref()
                    .filter(|h| !h.is_empty())
                {
                    msg.push_str("\n\n");
                    msg.push_str(hint);
                }
                Error::Exec(msg)
            } else {
                Error::Exec(format!("exec: {e}"))
            }
        })?;
        if !output.status.success() {
            let code = output.status.code().unwrap_or(-1);
            return Err(Error::Exec(format!(
                "exec: executable {} failed with exit code {code}",
                self.config.command
            )));
        }
        self.parse(&output.stdout)
    }

    fn parse(&self, stdout: &[u8]) -> Result<ExecCredentialStatus> {
        let cred: ExecCredential = serde_json::from_slice(stdout)
            .map_err(|e| Error::Exec(format!("decoding stdout: {e}")))?;
        if cred.api_version != self.api_version() {
            return Err(Error::Exec(format!(
                "exec plugin is configured to use API version {}, plugin returned version {}",
                self.api_version(),
                cred.api_version
            )));
        }
        let status = cred
            .status
            .ok_or_else(|| Error::Exec("exec plugin didn't return a status field".into()))?;
        let has_cert = status
            .client_certificate_data
            .as_deref()
            .is_some_and(|s| !s.is_empty());
        let has_key = status
            .client_key_data
            .as_deref()
            .is_some_and(|s| !s.is_empty());
        if has_cert != has_key {
            return Err(Error::Exec(
                "exec plugin returned only certificate or private key, not both".into(),
            ));
        }
        if !has_cert && status.token.as_deref().unwrap_or("").is_empty() {
            return Err(Error::Exec(
                "exec plugin didn't return a token or cert/key pair".into(),
            ));
        }
        if let Some(ts) = &status.expiration_timestamp {
            chrono::DateTime::parse_from_rfc3339(ts).map_err(|e| {
                Error::Exec(format!(
                    "exec plugin returned an invalid expirationTimestamp {ts:?}: {e}"
                ))
            })?;
        }
        Ok(status)
    }
}
