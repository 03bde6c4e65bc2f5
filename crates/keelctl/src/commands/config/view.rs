//! `config view`: the merged kubeconfig, secrets shortened unless `--raw`,
//! optionally cut to the current context (`--minify`) or made
//! self-contained (`--flatten`).

use super::file::ordered;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::{self, OutputFormat};
use base64::Engine;
use keelson_apimachinery::codec::to_json_pretty;
use keelson_client::config::Kubeconfig;

/// `config view` flags.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// Remove all information not used by the current-context from the output.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    minify: bool,
    /// Display raw byte data and sensitive data.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    raw: bool,
    /// Flatten the resulting kubeconfig file into self-contained output.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    flatten: bool,
    /// Output format (yaml by default; json, jsonpath=..., ...).
    #[arg(short = 'o', long, default_value = "yaml")]
    output: String,
}

/// Runs `config view`.
pub fn run(f: &mut Factory, args: ViewArgs) -> CmdResult {
    let format = OutputFormat::parse(Some(&args.output))?;
    let mut config = f.raw_kubeconfig()?;
    if let Some(ctx) = &f.flags.context {
        config.current_context = Some(ctx.clone());
    }
    if args.minify {
        config = minify(&config)?;
    }
    if args.flatten {
        flatten(&mut config)?;
    } else if !args.raw {
        shorten(&mut config);
    }
    let value = ordered(&config)?;
    let mut stdout = std::io::stdout();
    match format {
        // A typed object: kubectl's JSON and KYAML printers keep the struct's field order.
        OutputFormat::Json => printers::write_out(&mut stdout, &to_json_pretty(&value)),
        OutputFormat::Kyaml => printers::write_out(&mut stdout, &printers::kyaml::to_kyaml(&value)),
        other => printers::print_object(&value, &other, &mut stdout),
    }
}

/// client-go's `MinifyConfig`: only the current context, its cluster and user.
fn minify(config: &Kubeconfig) -> CmdResult<Kubeconfig> {
    let current = config.current_context.clone().unwrap_or_default();
    if current.is_empty() {
        return Err(CmdError::new(
            "current-context must exist in order to minify",
        ));
    }
    let ctx = config
        .contexts
        .iter()
        .find(|c| c.name == current)
        .ok_or_else(|| CmdError::new(format!("cannot locate context {current}")))?;
    let cluster_name = ctx.context.cluster.clone().unwrap_or_default();
    let user_name = ctx.context.user.clone().unwrap_or_default();
    let cluster = config
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .ok_or_else(|| CmdError::new(format!("cannot locate cluster {cluster_name}")))?;
    let user = config
        .users
        .iter()
        .find(|u| u.name == user_name)
        .ok_or_else(|| CmdError::new(format!("cannot locate user {user_name}")))?;
    Ok(Kubeconfig {
        clusters: vec![cluster.clone()],
        users: vec![user.clone()],
        contexts: vec![ctx.clone()],
        current_context: Some(current),
        ..config.clone()
    })
}

fn file_base64(path: &str) -> CmdResult<String> {
    let data = std::fs::read(path).map_err(|e| CmdError::new(format!("open {path}: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

/// client-go's `FlattenConfig`: referenced files inlined as data.
fn flatten(config: &mut Kubeconfig) -> CmdResult {
    for c in &mut config.clusters {
        if let Some(path) = c
            .cluster
            .certificate_authority
            .take()
            .filter(|p| !p.is_empty())
        {
            c.cluster.certificate_authority_data = Some(file_base64(&path)?);
        }
    }
    for u in &mut config.users {
        if let Some(path) = u.user.client_certificate.take().filter(|p| !p.is_empty()) {
            u.user.client_certificate_data = Some(file_base64(&path)?);
        }
        if let Some(path) = u.user.client_key.take().filter(|p| !p.is_empty()) {
            u.user.client_key_data = Some(file_base64(&path)?);
        }
    }
    Ok(())
}

/// client-go's `ShortenConfig` plus the redaction kubectl applies to secrets.
fn shorten(config: &mut Kubeconfig) {
    const OMITTED: &str = "DATA+OMITTED";
    const REDACTED: &str = "REDACTED";
    let set = |field: &mut Option<String>, to: &str| {
        if field.as_deref().is_some_and(|v| !v.is_empty()) {
            *field = Some(to.to_string());
        }
    };
    for c in &mut config.clusters {
        set(&mut c.cluster.certificate_authority_data, OMITTED);
    }
    for u in &mut config.users {
        set(&mut u.user.client_certificate_data, OMITTED);
        set(&mut u.user.client_key_data, REDACTED);
        set(&mut u.user.token, REDACTED);
        set(&mut u.user.password, REDACTED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_client::config::{NamedAuthInfo, NamedContext};

    #[test]
    fn empty_config_prints_nulls() {
        let v = ordered(&Kubeconfig::default()).unwrap();
        assert_eq!(
            keelson_apimachinery::codec::to_yaml(&printers::sort_keys(&v)),
            "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\nusers: null\n"
        );
    }

    #[test]
    fn secrets_are_shortened_and_minify_needs_a_context() {
        let mut c = Kubeconfig::default();
        c.users.push(NamedAuthInfo {
            name: "u".into(),
            ..Default::default()
        });
        c.users[0].user.token = Some("t".into());
        c.users[0].user.client_certificate_data = Some("x".into());
        shorten(&mut c);
        assert_eq!(c.users[0].user.token.as_deref(), Some("REDACTED"));
        assert_eq!(
            c.users[0].user.client_certificate_data.as_deref(),
            Some("DATA+OMITTED")
        );
        assert_eq!(
            minify(&c).unwrap_err().message,
            "error: current-context must exist in order to minify"
        );
        c.contexts.push(NamedContext {
            name: "x".into(),
            ..Default::default()
        });
        c.current_context = Some("y".into());
        assert_eq!(
            minify(&c).unwrap_err().message,
            "error: cannot locate context y"
        );
    }
}
