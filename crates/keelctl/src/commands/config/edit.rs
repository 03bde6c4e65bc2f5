//! The `config` subcommands that change files: set-cluster,
//! set-credentials, set-context, use-context, rename-context, delete-*.
//! kubectl's own flags of these commands (`--server`, `--cluster`,
//! `--token`, ...) are keelctl's global flags, read from the factory.

use super::file::{save, ConfigFiles};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use base64::Engine;
use keelson_client::config::{ExecConfig, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};
use std::path::Path;

/// One of a kubeconfig's named lists.
#[derive(Debug, Clone, Copy)]
pub enum Section {
    /// `clusters`.
    Clusters,
    /// `users`.
    Users,
    /// `contexts`.
    Contexts,
}

impl Section {
    fn noun(self) -> &'static str {
        match self {
            Section::Clusters => "cluster",
            Section::Users => "user",
            Section::Contexts => "context",
        }
    }

    /// The names in this section of `c`.
    pub fn names(self, c: &Kubeconfig) -> Vec<String> {
        match self {
            Section::Clusters => c.clusters.iter().map(|e| e.name.clone()).collect(),
            Section::Users => c.users.iter().map(|e| e.name.clone()).collect(),
            Section::Contexts => c.contexts.iter().map(|e| e.name.clone()).collect(),
        }
    }

    fn has(self, c: &Kubeconfig, name: &str) -> bool {
        self.names(c).iter().any(|n| n == name)
    }

    fn remove(self, c: &mut Kubeconfig, name: &str) {
        match self {
            Section::Clusters => c.clusters.retain(|e| e.name != name),
            Section::Users => c.users.retain(|e| e.name != name),
            Section::Contexts => c.contexts.retain(|e| e.name != name),
        }
    }
}

/// A subcommand taking one name.
#[derive(Debug, clap::Args)]
pub struct NameArg {
    /// The name.
    pub name: String,
}

/// `rename-context OLD NEW`.
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// The context to rename.
    old: String,
    /// Its new name.
    new: String,
}

/// `set-context [NAME | --current]`.
#[derive(Debug, clap::Args)]
pub struct SetContextArgs {
    /// The context to create or modify.
    name: Option<String>,
    /// Modify the current context.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    current: bool,
}

/// `set-cluster NAME`.
#[derive(Debug, clap::Args)]
pub struct SetClusterArgs {
    /// The cluster to create or modify.
    name: String,
    /// Embed the certificate authority data instead of referring to the file.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    embed_certs: Option<bool>,
    /// The URL of a proxy for requests to this cluster.
    #[arg(long)]
    proxy_url: Option<String>,
}

/// `set-credentials NAME`.
#[derive(Debug, clap::Args)]
pub struct SetCredentialsArgs {
    /// The user to create or modify.
    name: String,
    /// Embed the client certificate and key data instead of referring to the files.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    embed_certs: Option<bool>,
    /// The command of an exec credential plugin.
    #[arg(long)]
    exec_command: Option<String>,
    /// The API version of the exec credential plugin.
    #[arg(long)]
    exec_api_version: Option<String>,
    /// An argument of the exec credential plugin (repeatable).
    #[arg(long)]
    exec_arg: Vec<String>,
    /// An environment variable `NAME=VALUE` for the plugin (repeatable).
    #[arg(long)]
    exec_env: Vec<String>,
}

fn absolute(path: &str) -> String {
    let p = Path::new(path);
    if p.is_absolute() || path.is_empty() {
        return path.to_string();
    }
    std::env::current_dir()
        .map(|d| d.join(p).to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

fn read_base64(path: &str) -> CmdResult<String> {
    let data =
        std::fs::read(path).map_err(|e| CmdError::new(format!("could not read {path}: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

fn print(line: &str) -> CmdResult {
    crate::printers::write_out(&mut std::io::stdout(), &format!("{line}\n"))
}

/// `config set-context`.
pub fn set_context(f: &mut Factory, args: SetContextArgs) -> CmdResult {
    let mut files = ConfigFiles::load(f)?;
    let merged = f.raw_kubeconfig()?;
    let name = match (&args.name, args.current) {
        (Some(n), false) if !n.is_empty() => n.clone(),
        (_, true) => match merged.current_context.clone().filter(|c| !c.is_empty()) {
            Some(c) => c,
            None => return Err(CmdError::new("no current context is set")),
        },
        _ => {
            return Err(CmdError::new(
                "you must specify a non-empty context name or --current",
            ))
        }
    };
    let exists = merged.context(&name).is_some();
    let flags = f.flags.clone();
    let (path, config) = files.file_for(|c| Section::Contexts.has(c, &name));
    if !config.contexts.iter().any(|c| c.name == name) {
        config.contexts.push(NamedContext {
            name: name.clone(),
            ..Default::default()
        });
    }
    if let Some(entry) = config.contexts.iter_mut().find(|c| c.name == name) {
        if let Some(c) = &flags.cluster {
            entry.context.cluster = Some(c.clone()).filter(|c| !c.is_empty());
        }
        if let Some(u) = &flags.user {
            entry.context.user = Some(u.clone()).filter(|u| !u.is_empty());
        }
        if let Some(n) = &flags.namespace {
            entry.context.namespace = Some(n.clone()).filter(|n| !n.is_empty());
        }
    }
    save(path, config)?;
    print(&format!(
        "Context {name:?} {}.",
        if exists { "modified" } else { "created" }
    ))
}

/// `config set-cluster`.
pub fn set_cluster(f: &mut Factory, args: SetClusterArgs) -> CmdResult {
    let mut files = ConfigFiles::load(f)?;
    let flags = f.flags.clone();
    let name = args.name;
    let (path, config) = files.file_for(|c| Section::Clusters.has(c, &name));
    if !config.clusters.iter().any(|c| c.name == name) {
        config.clusters.push(NamedCluster {
            name: name.clone(),
            ..Default::default()
        });
    }
    if let Some(entry) = config.clusters.iter_mut().find(|c| c.name == name) {
        let c = &mut entry.cluster;
        if let Some(server) = &flags.server {
            c.server = Some(server.clone());
        }
        if let Some(tls) = &flags.tls_server_name {
            c.tls_server_name = Some(tls.clone()).filter(|t| !t.is_empty());
        }
        if let Some(url) = &args.proxy_url {
            c.proxy_url = Some(url.clone()).filter(|u| !u.is_empty());
        }
        if let Some(insecure) = flags.insecure_skip_tls_verify {
            c.insecure_skip_tls_verify = Some(insecure).filter(|i| *i);
            // Insecure mode has no use for a certificate authority.
            if insecure {
                c.certificate_authority = None;
                c.certificate_authority_data = None;
            }
        }
        if let Some(ca) = &flags.certificate_authority {
            let ca = ca.to_string_lossy().into_owned();
            if args.embed_certs.unwrap_or(false) {
                c.certificate_authority_data = Some(read_base64(&ca)?);
                c.certificate_authority = None;
            } else {
                let abs = absolute(&ca);
                if !abs.is_empty() {
                    c.certificate_authority_data = None;
                }
                c.certificate_authority = Some(abs).filter(|a| !a.is_empty());
            }
            c.insecure_skip_tls_verify = None;
        }
    }
    save(path, config)?;
    print(&format!("Cluster {name:?} set."))
}

/// `config set-credentials`.
pub fn set_credentials(f: &mut Factory, args: SetCredentialsArgs) -> CmdResult {
    let mut files = ConfigFiles::load(f)?;
    let flags = f.flags.clone();
    let name = args.name.clone();
    let (path, config) = files.file_for(|c| Section::Users.has(c, &name));
    if !config.users.iter().any(|u| u.name == name) {
        config.users.push(NamedAuthInfo {
            name: name.clone(),
            ..Default::default()
        });
    }
    let embed = args.embed_certs.unwrap_or(false);
    if let Some(entry) = config.users.iter_mut().find(|u| u.name == name) {
        let u = &mut entry.user;
        if let Some(cert) = &flags.client_certificate {
            let cert = cert.to_string_lossy().into_owned();
            if embed {
                u.client_certificate_data = Some(read_base64(&cert)?);
                u.client_certificate = None;
            } else {
                let abs = absolute(&cert);
                if !abs.is_empty() {
                    u.client_certificate_data = None;
                }
                u.client_certificate = Some(abs).filter(|a| !a.is_empty());
            }
        }
        if let Some(key) = &flags.client_key {
            let key = key.to_string_lossy().into_owned();
            if embed {
                u.client_key_data = Some(read_base64(&key)?);
                u.client_key = None;
            } else {
                let abs = absolute(&key);
                if !abs.is_empty() {
                    u.client_key_data = None;
                }
                u.client_key = Some(abs).filter(|a| !a.is_empty());
            }
        }
        let mut set_token = false;
        let mut set_basic = false;
        if let Some(t) = &flags.token {
            u.token = Some(t.clone()).filter(|t| !t.is_empty());
            set_token = u.token.is_some();
        }
        if let Some(n) = &flags.username {
            u.username = Some(n.clone()).filter(|n| !n.is_empty());
            set_basic |= u.username.is_some();
        }
        if let Some(p) = &flags.password {
            u.password = Some(p.clone()).filter(|p| !p.is_empty());
            set_basic |= u.password.is_some();
        }
        // One kind of credential at a time, as kubectl keeps it.
        if set_token || set_basic {
            if !set_token {
                u.token = None;
            }
            if !set_basic {
                u.username = None;
                u.password = None;
            }
        }
        if let Some(command) = &args.exec_command {
            let exec = u.exec.get_or_insert_with(ExecConfig::default);
            exec.command = command.clone();
        }
        if args.exec_api_version.is_some() || !args.exec_arg.is_empty() || !args.exec_env.is_empty()
        {
            let exec = u.exec.get_or_insert_with(ExecConfig::default);
            if let Some(v) = &args.exec_api_version {
                exec.api_version = Some(v.clone());
            }
            if !args.exec_arg.is_empty() {
                exec.args = Some(args.exec_arg.clone());
            }
            for pair in &args.exec_env {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(CmdError::new(format!(
                        "error: exec-env must be of the form name=value: {pair}"
                    )));
                };
                let env = exec.env.get_or_insert_with(Vec::new);
                env.retain(|e| e.name != k);
                env.push(keelson_client::config::ExecEnvVar {
                    name: k.into(),
                    value: v.into(),
                });
            }
        }
    }
    save(path, config)?;
    print(&format!("User {name:?} set."))
}

/// `config use-context`.
pub fn use_context(f: &mut Factory, name: &str) -> CmdResult {
    let merged = f.raw_kubeconfig()?;
    if merged.context(name).is_none() {
        return Err(CmdError::new(format!(
            "no context exists with the name: {name:?}"
        )));
    }
    let mut files = ConfigFiles::load(f)?;
    let (path, config) = files.file_for(|c| {
        c.current_context
            .as_deref()
            .is_some_and(|cc| !cc.is_empty())
    });
    config.current_context = Some(name.to_string());
    save(path, config)?;
    print(&format!("Switched to context {name:?}."))
}

/// `config rename-context`.
pub fn rename_context(f: &mut Factory, args: RenameArgs) -> CmdResult {
    let merged = f.raw_kubeconfig()?;
    let mut files = ConfigFiles::load(f)?;
    let dest = files.destination.display().to_string();
    if merged.context(&args.old).is_none() {
        return Err(CmdError::new(format!(
            "cannot rename the context {:?}, it's not in {dest}",
            args.old
        )));
    }
    if merged.context(&args.new).is_some() {
        return Err(CmdError::new(format!(
            "cannot rename the context {:?}, the context {:?} already exists in {dest}",
            args.old, args.new
        )));
    }
    for (path, config) in files.files_with(|c| {
        Section::Contexts.has(c, &args.old)
            || c.current_context.as_deref() == Some(args.old.as_str())
    }) {
        for ctx in config.contexts.iter_mut().filter(|c| c.name == args.old) {
            ctx.name = args.new.clone();
        }
        if config.current_context.as_deref() == Some(args.old.as_str()) {
            config.current_context = Some(args.new.clone());
        }
        save(path, config)?;
    }
    print(&format!(
        "Context {:?} renamed to {:?}.",
        args.old, args.new
    ))
}

/// `config delete-cluster|delete-context|delete-user`.
pub fn delete(f: &mut Factory, section: Section, name: &str) -> CmdResult {
    let merged = f.raw_kubeconfig()?;
    let mut files = ConfigFiles::load(f)?;
    let dest = files.destination.display().to_string();
    if !section.has(&merged, name) {
        return Err(CmdError::new(format!(
            "cannot delete {} {name}, not in {dest}",
            section.noun()
        )));
    }
    if matches!(section, Section::Contexts) && merged.current_context.as_deref() == Some(name) {
        eprintln!("warning: this removed your active context, use \"kubectl config use-context\" to select a different one");
    }
    for (path, config) in files.files_with(|c| section.has(c, name)) {
        section.remove(config, name);
        save(path, config)?;
    }
    print(&format!("deleted {} {name} from {dest}", section.noun()))
}
