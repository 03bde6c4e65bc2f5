//! `config set PROPERTY VALUE` and `config unset PROPERTY`: one field of
//! the kubeconfig by a dotted path (`clusters.NAME.server`,
//! `users.NAME.token`, `contexts.NAME.namespace`, `current-context`).

use super::file::{save, ConfigFiles};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use base64::Engine;
use keelson_client::config::{
    Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};

/// `config set` flags.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Dot-delimited property name (`clusters.my-cluster.server`).
    property: String,
    /// The new value.
    value: String,
    /// Write a `[]byte` value as given instead of base64-decoding it.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    set_raw_bytes: bool,
}

/// `config unset` flags.
#[derive(Debug, clap::Args)]
pub struct UnsetArgs {
    /// Dot-delimited property name.
    property: String,
}

/// What a property path names.
enum Target<'p> {
    CurrentContext,
    /// A whole named entry (`clusters.NAME`), or a field of one.
    Entry {
        section: &'p str,
        name: &'p str,
        field: Option<&'p str>,
    },
}

fn parse(path: &str) -> CmdResult<Target<'_>> {
    let parts: Vec<&str> = path.split('.').collect();
    let too_deep = || {
        CmdError::new(format!(
            "unable to parse one or more field values of {path}"
        ))
    };
    match parts.as_slice() {
        ["current-context"] => Ok(Target::CurrentContext),
        ["current-context", ..] => Err(too_deep()),
        [section @ ("clusters" | "users" | "contexts"), name] => Ok(Target::Entry {
            section,
            name,
            field: None,
        }),
        [section @ ("clusters" | "users" | "contexts"), name, field] => Ok(Target::Entry {
            section,
            name,
            field: Some(field),
        }),
        ["clusters" | "users" | "contexts", ..] => Err(too_deep()),
        [first, ..] => Err(CmdError::new(format!(
            "unable to parse {first} after [] at api.Config"
        ))),
        [] => Err(too_deep()),
    }
}

fn parse_bool(value: &str) -> CmdResult<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(CmdError::new(format!(
            "strconv.ParseBool: parsing {value:?}: invalid syntax"
        ))),
    }
}

/// A `[]byte` field's value as stored (base64): checked, or encoded with `--set-raw-bytes`.
fn bytes_value(value: &str, raw: bool) -> CmdResult<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    if raw {
        return Ok(engine.encode(value.as_bytes()));
    }
    match engine.decode(value) {
        Ok(_) => Ok(value.to_string()),
        Err(e) => {
            let at = match e {
                base64::DecodeError::InvalidByte(i, _)
                | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                _ => value.len(),
            };
            Err(CmdError::new(format!(
                "error decoding input value: illegal base64 data at input byte {at}"
            )))
        }
    }
}

fn set_string(slot: &mut Option<String>, value: Option<&str>) {
    *slot = value.map(str::to_string);
}

fn cluster_field(
    c: &mut Cluster,
    field: &str,
    value: Option<&str>,
    raw: bool,
    path: &str,
) -> CmdResult {
    match field {
        "server" => set_string(&mut c.server, value),
        "tls-server-name" => set_string(&mut c.tls_server_name, value),
        "certificate-authority" => set_string(&mut c.certificate_authority, value),
        "proxy-url" => set_string(&mut c.proxy_url, value),
        "certificate-authority-data" => {
            c.certificate_authority_data = value.map(|v| bytes_value(v, raw)).transpose()?
        }
        "insecure-skip-tls-verify" => {
            c.insecure_skip_tls_verify = value.map(parse_bool).transpose()?.filter(|b| *b)
        }
        "disable-compression" => {
            c.disable_compression = value.map(parse_bool).transpose()?.filter(|b| *b)
        }
        _ if value.is_none() => {}
        _ => {
            return Err(CmdError::new(format!(
                "unable to parse one or more field values of {path}"
            )))
        }
    }
    Ok(())
}

fn user_field(
    u: &mut NamedAuthInfo,
    field: &str,
    value: Option<&str>,
    raw: bool,
    path: &str,
) -> CmdResult {
    let u = &mut u.user;
    match field {
        "client-certificate" => set_string(&mut u.client_certificate, value),
        "client-key" => set_string(&mut u.client_key, value),
        "token" => set_string(&mut u.token, value),
        "tokenFile" => set_string(&mut u.token_file, value),
        "as" => set_string(&mut u.impersonate, value),
        "as-uid" => set_string(&mut u.impersonate_uid, value),
        "username" => set_string(&mut u.username, value),
        "password" => set_string(&mut u.password, value),
        "client-certificate-data" => {
            u.client_certificate_data = value.map(|v| bytes_value(v, raw)).transpose()?
        }
        "client-key-data" => u.client_key_data = value.map(|v| bytes_value(v, raw)).transpose()?,
        _ if value.is_none() => {}
        _ => {
            return Err(CmdError::new(format!(
                "unable to parse one or more field values of {path}"
            )))
        }
    }
    Ok(())
}

fn context_field(c: &mut Context, field: &str, value: Option<&str>, path: &str) -> CmdResult {
    match field {
        "cluster" => set_string(&mut c.cluster, value),
        "user" => set_string(&mut c.user, value),
        "namespace" => set_string(&mut c.namespace, value),
        _ if value.is_none() => {}
        _ => {
            return Err(CmdError::new(format!(
                "unable to parse one or more field values of {path}"
            )))
        }
    }
    Ok(())
}

fn has_entry(c: &Kubeconfig, section: &str, name: &str) -> bool {
    match section {
        "clusters" => c.clusters.iter().any(|e| e.name == name),
        "users" => c.users.iter().any(|e| e.name == name),
        _ => c.contexts.iter().any(|e| e.name == name),
    }
}

/// Applies one set (`Some(value)`) or unset (`None`) to `config`.
fn apply(
    config: &mut Kubeconfig,
    target: &Target<'_>,
    value: Option<&str>,
    raw: bool,
    path: &str,
) -> CmdResult {
    let Target::Entry {
        section,
        name,
        field,
    } = target
    else {
        config.current_context = value.map(str::to_string);
        return Ok(());
    };
    let (section, name) = (*section, *name);
    let Some(field) = field else {
        if value.is_some() {
            return Err(CmdError::new(format!("can't set a map to a value: {path}")));
        }
        match section {
            "clusters" => config.clusters.retain(|e| e.name != name),
            "users" => config.users.retain(|e| e.name != name),
            _ => config.contexts.retain(|e| e.name != name),
        }
        return Ok(());
    };
    match section {
        "clusters" => {
            if !config.clusters.iter().any(|e| e.name == name) {
                if value.is_none() {
                    return Ok(());
                }
                config.clusters.push(NamedCluster {
                    name: name.into(),
                    ..Default::default()
                });
            }
            let entry = config.clusters.iter_mut().find(|e| e.name == name);
            entry.map_or(Ok(()), |e| {
                cluster_field(&mut e.cluster, field, value, raw, path)
            })
        }
        "users" => {
            if !config.users.iter().any(|e| e.name == name) {
                if value.is_none() {
                    return Ok(());
                }
                config.users.push(NamedAuthInfo {
                    name: name.into(),
                    ..Default::default()
                });
            }
            let entry = config.users.iter_mut().find(|e| e.name == name);
            entry.map_or(Ok(()), |e| user_field(e, field, value, raw, path))
        }
        _ => {
            if !config.contexts.iter().any(|e| e.name == name) {
                if value.is_none() {
                    return Ok(());
                }
                config.contexts.push(NamedContext {
                    name: name.into(),
                    ..Default::default()
                });
            }
            let entry = config.contexts.iter_mut().find(|e| e.name == name);
            entry.map_or(Ok(()), |e| {
                context_field(&mut e.context, field, value, path)
            })
        }
    }
}

fn write(f: &mut Factory, path: &str, value: Option<&str>, raw: bool) -> CmdResult {
    let target = parse(path)?;
    let mut files = ConfigFiles::load(f)?;
    let (file, config) = match &target {
        Target::CurrentContext => files.file_for(|c| {
            c.current_context
                .as_deref()
                .is_some_and(|cc| !cc.is_empty())
        }),
        Target::Entry { section, name, .. } => files.file_for(|c| has_entry(c, section, name)),
    };
    apply(config, &target, value, raw, path)?;
    save(file, config)
}

/// `config set`.
pub fn set(f: &mut Factory, args: SetArgs) -> CmdResult {
    write(f, &args.property, Some(&args.value), args.set_raw_bytes)?;
    crate::printers::write_out(
        &mut std::io::stdout(),
        &format!("Property {:?} set.\n", args.property),
    )
}

/// `config unset`.
pub fn unset(f: &mut Factory, args: UnsetArgs) -> CmdResult {
    write(f, &args.property, None, false)?;
    crate::printers::write_out(
        &mut std::io::stdout(),
        &format!("Property {:?} unset.\n", args.property),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_unsets_fields() {
        let mut c = Kubeconfig::default();
        let set = |c: &mut Kubeconfig, p: &str, v: Option<&str>| {
            apply(c, &parse(p).unwrap(), v, false, p)
        };
        set(&mut c, "clusters.a.server", Some("https://x")).unwrap();
        set(&mut c, "clusters.a.insecure-skip-tls-verify", Some("true")).unwrap();
        set(&mut c, "contexts.a.namespace", Some("ns")).unwrap();
        set(&mut c, "current-context", Some("a")).unwrap();
        assert_eq!(c.cluster("a").unwrap().server.as_deref(), Some("https://x"));
        assert_eq!(c.cluster("a").unwrap().insecure_skip_tls_verify, Some(true));
        assert_eq!(c.context("a").unwrap().namespace.as_deref(), Some("ns"));
        set(&mut c, "contexts.a.namespace", None).unwrap();
        assert_eq!(c.context("a").unwrap().namespace, None);
        set(&mut c, "clusters.a", None).unwrap();
        assert!(c.clusters.is_empty());
        assert_eq!(
            set(&mut c, "clusters.a.insecure-skip-tls-verify", Some("maybe"))
                .unwrap_err()
                .message,
            "error: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        assert_eq!(
            set(&mut c, "users.u.client-key-data", Some("%%%"))
                .unwrap_err()
                .message,
            "error: error decoding input value: illegal base64 data at input byte 0"
        );
        assert_eq!(
            parse("foo").err().unwrap().message,
            "error: unable to parse foo after [] at api.Config"
        );
    }
}
