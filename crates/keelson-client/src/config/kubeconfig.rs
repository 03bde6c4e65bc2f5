//! The kubeconfig file format (`clientcmd/api/v1`), as kubectl reads and writes it.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A kubeconfig file: clusters, users, contexts and the current context.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    /// `apiVersion`, `v1` in every file kubectl writes.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    /// `kind`, `Config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `preferences`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Value>,
    /// `clusters`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub clusters: Vec<NamedCluster>,
    /// `users`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub users: Vec<NamedAuthInfo>,
    /// `contexts`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub contexts: Vec<NamedContext>,
    /// `current-context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    /// `extensions`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// A cluster with its name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedCluster {
    /// The name contexts refer to.
    pub name: String,
    /// The cluster.
    #[serde(default)]
    pub cluster: Cluster,
}

/// How to reach and trust an API server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// `server`: `https://host:port`, optionally with a path prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// `tls-server-name`: the name checked against the serving certificate instead of the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_tls_verify: Option<bool>,
    /// `certificate-authority`: a PEM file (relative paths resolved against the kubeconfig's directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
    /// `certificate-authority-data`: base64 of PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority_data: Option<String>,
    /// `proxy-url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_compression: Option<bool>,
    /// `extensions`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// A user with its name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedAuthInfo {
    /// The name contexts refer to.
    pub name: String,
    /// The credentials.
    #[serde(default)]
    pub user: AuthInfo,
}

/// Credentials (`clientcmdapi.AuthInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// `client-certificate`: a PEM file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// `client-certificate-data`: base64 of PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_data: Option<String>,
    /// `client-key`: a PEM file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// `client-key-data`: base64 of PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_data: Option<String>,
    /// `token`: a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `tokenFile`: a file holding the bearer token, re-read as it changes.
    #[serde(rename = "tokenFile", default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// `as`: the user to impersonate.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub impersonate: Option<String>,
    /// `as-uid`.
    #[serde(rename = "as-uid", default, skip_serializing_if = "Option::is_none")]
    pub impersonate_uid: Option<String>,
    /// `as-groups`.
    #[serde(rename = "as-groups", default, skip_serializing_if = "Option::is_none")]
    pub impersonate_groups: Option<Vec<String>>,
    /// `username` for basic auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `password` for basic auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `exec`: a credential plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecConfig>,
    /// `auth-provider`: the removed in-tree providers, kept only to be reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<Value>,
    /// `extensions`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// An exec credential plugin (`client.authentication.k8s.io`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// The command to run; a relative path with a separator resolves against the kubeconfig's directory.
    pub command: String,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Extra environment for the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<ExecEnvVar>>,
    /// `client.authentication.k8s.io/v1` (or `v1beta1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Printed when the command is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_hint: Option<String>,
    /// Whether `KUBERNETES_EXEC_INFO` carries the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provide_cluster_info: Option<bool>,
    /// `Never`, `IfAvailable` or `Always`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive_mode: Option<String>,
}

/// One environment variable for an exec plugin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecEnvVar {
    /// Name.
    pub name: String,
    /// Value.
    #[serde(default)]
    pub value: String,
}

/// A context with its name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedContext {
    /// The name `current-context` and `--context` refer to.
    pub name: String,
    /// The context.
    #[serde(default)]
    pub context: Context,
}

/// A cluster, a user and a default namespace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// User name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Default namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `extensions`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl Kubeconfig {
    /// Reads one kubeconfig file; relative paths in it resolve against its directory.
    pub fn read_from(path: impl AsRef<Path>) -> Result<Kubeconfig> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "error loading config file \"{}\": {e}",
                path.display()
            ))
        })?;
        let mut config = Kubeconfig::from_yaml(&text).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!(
                "error loading config file \"{}\": {m}",
                path.display()
            )),
            other => other,
        })?;
        if let Some(dir) = path.parent() {
            config.resolve_relative_paths(dir);
        }
        Ok(config)
    }

    /// Parses kubeconfig YAML (or JSON). An empty document is an empty config.
    pub fn from_yaml(text: &str) -> Result<Kubeconfig> {
        if text.trim().is_empty() {
            return Ok(Kubeconfig::default());
        }
        serde_norway::from_str::<Option<Kubeconfig>>(text)
            .map(Option::unwrap_or_default)
            .map_err(|e| Error::Config(format!("yaml: {e}")))
    }

    /// The YAML kubectl would write for this config.
    pub fn to_yaml(&self) -> Result<String> {
        serde_norway::to_string(self).map_err(|e| Error::Config(e.to_string()))
    }

    /// Makes every file reference absolute against `dir` (client-go's `ResolveLocalPaths`).
    pub fn resolve_relative_paths(&mut self, dir: &Path) {
        let resolve = |p: &mut Option<String>| {
            if let Some(s) = p {
                if !s.is_empty() && Path::new(s.as_str()).is_relative() {
                    *s = dir.join(s.as_str()).to_string_lossy().into_owned();
                }
            }
        };
        for c in &mut self.clusters {
            resolve(&mut c.cluster.certificate_authority);
        }
        for u in &mut self.users {
            resolve(&mut u.user.client_certificate);
            resolve(&mut u.user.client_key);
            resolve(&mut u.user.token_file);
            if let Some(exec) = &mut u.user.exec {
                // A bare command name is looked up on PATH, only a path is resolved.
                if exec.command.contains(std::path::MAIN_SEPARATOR)
                    && Path::new(&exec.command).is_relative()
                {
                    exec.command = dir.join(&exec.command).to_string_lossy().into_owned();
                }
            }
        }
    }

    /// Merges configs by kubectl's rules: for clusters, users and contexts the
    /// first config to name a key wins (entries are never combined); the first
    /// non-empty `current-context` and `preferences` win.
    pub fn merge(configs: impl IntoIterator<Item = Kubeconfig>) -> Kubeconfig {
        let mut out = Kubeconfig::default();
        for c in configs {
            if out.api_version.is_none() {
                out.api_version = c.api_version;
            }
            if out.kind.is_none() {
                out.kind = c.kind;
            }
            if out.preferences.is_none() {
                out.preferences = c.preferences;
            }
            if out.current_context.as_deref().unwrap_or("").is_empty() {
                if let Some(cc) = c.current_context.filter(|s| !s.is_empty()) {
                    out.current_context = Some(cc);
                }
            }
            if out.extensions.is_none() {
                out.extensions = c.extensions;
            }
            for cl in c.clusters {
                if !out.clusters.iter().any(|x| x.name == cl.name) {
                    out.clusters.push(cl);
                }
            }
            for u in c.users {
                if !out.users.iter().any(|x| x.name == u.name) {
                    out.users.push(u);
                }
            }
            for ctx in c.contexts {
                if !out.contexts.iter().any(|x| x.name == ctx.name) {
                    out.contexts.push(ctx);
                }
            }
        }
        out
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.cluster)
    }

    /// The user named `name`.
    pub fn auth_info(&self, name: &str) -> Option<&AuthInfo> {
        self.users.iter().find(|u| u.name == name).map(|u| &u.user)
    }

    /// The context named `name`.
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.context)
    }

    /// True when nothing is configured (kubectl then tries in-cluster config).
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
            && self.users.is_empty()
            && self.contexts.is_empty()
            && self.current_context.as_deref().unwrap_or("").is_empty()
    }
}

/// Where kubectl looks for kubeconfig files (`clientcmd.ClientConfigLoadingRules`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadingRules {
    /// `--kubeconfig`: only this file is read, and it must exist.
    pub explicit_path: Option<PathBuf>,
    /// Files merged in order when there is no explicit path (`KUBECONFIG`, or `~/.kube/config`).
    pub precedence: Vec<PathBuf>,
}

impl LoadingRules {
    /// kubectl's defaults: `KUBECONFIG` split on the path-list separator (duplicates
    /// dropped), else `$HOME/.kube/config`.
    pub fn from_env() -> LoadingRules {
        LoadingRules::from_kubeconfig_var(std::env::var_os("KUBECONFIG").as_deref())
    }

    /// The rules for a given value of `KUBECONFIG` (`None`: unset).
    pub fn from_kubeconfig_var(value: Option<&std::ffi::OsStr>) -> LoadingRules {
        let precedence = match value {
            Some(list) if !list.is_empty() => {
                let mut out: Vec<PathBuf> = Vec::new();
                for p in std::env::split_paths(&list) {
                    if !p.as_os_str().is_empty() && !out.contains(&p) {
                        out.push(p);
                    }
                }
                out
            }
            _ => default_kubeconfig_path().into_iter().collect(),
        };
        LoadingRules {
            explicit_path: None,
            precedence,
        }
    }

    /// Sets `--kubeconfig`.
    pub fn with_explicit_path(mut self, path: impl Into<PathBuf>) -> LoadingRules {
        self.explicit_path = Some(path.into());
        self
    }

    /// Reads and merges the files. Missing files in the precedence list are
    /// skipped; a missing explicit file is an error, as in kubectl.
    pub fn load(&self) -> Result<Kubeconfig> {
        if let Some(path) = &self.explicit_path {
            if !path.exists() {
                return Err(Error::Config(format!(
                    "stat {}: no such file or directory",
                    path.display()
                )));
            }
            return Kubeconfig::read_from(path);
        }
        let mut configs = Vec::new();
        for path in &self.precedence {
            if path.is_file() {
                configs.push(Kubeconfig::read_from(path)?);
            }
        }
        Ok(Kubeconfig::merge(configs))
    }

    /// The file `kubectl config` commands write to: the explicit path, else the
    /// first existing file of the precedence list, else the last one.
    pub fn destination(&self) -> Option<PathBuf> {
        if let Some(p) = &self.explicit_path {
            return Some(p.clone());
        }
        self.precedence
            .iter()
            .find(|p| p.exists())
            .or_else(|| self.precedence.last())
            .cloned()
    }
}

/// `$HOME/.kube/config`.
pub fn default_kubeconfig_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config"))
}
