//! `create configmap` and `create secret generic|tls|docker-registry`: kinds
//! whose content comes from literals, files and env files.

use super::common::{kinds, new_object, CreateRequest, ObjectFlags};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Sources of key/value content shared by configmap and secret generic.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DataSources {
    /// Key file can be specified using its file path, in which case file basename will be used as
    /// the key, or optionally with a key and file path, in which case the given key will be used.
    #[arg(long = "from-file")]
    pub from_file: Vec<String>,
    /// Specify a key and literal value to insert (i.e. mykey=somevalue).
    #[arg(long = "from-literal")]
    pub from_literal: Vec<String>,
    /// Specify the path to a file to read lines of key=val pairs.
    #[arg(long = "from-env-file")]
    pub from_env_file: Vec<String>,
}

/// What the sources produced: text values and (for configmaps) binary ones.
#[derive(Debug, Default, PartialEq)]
pub struct Content {
    /// Keys → UTF-8 values.
    pub data: BTreeMap<String, String>,
    /// Keys → raw bytes that are not UTF-8.
    pub binary: BTreeMap<String, Vec<u8>>,
}

/// Which kind receives the content; decides key validation and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A ConfigMap: non-UTF-8 files go to `binaryData`.
    ConfigMap,
    /// A Secret: everything is bytes.
    Secret,
}

impl Holder {
    fn kind(self) -> &'static str {
        match self {
            Holder::ConfigMap => "ConfigMap",
            Holder::Secret => "Secret",
        }
    }
}

const KEY_HELP: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' \
(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const ENV_HELP: &str =
    "a valid environment variable name must consist of alphabetic characters, digits, \
'_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or \
'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

fn is_config_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && key != "."
        && key != ".."
        && !key.starts_with("..")
}

fn is_env_name(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || matches!(c, '-' | '_' | '.') => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Content {
    fn add(&mut self, holder: Holder, name: &str, key: &str, value: Vec<u8>) -> CmdResult {
        if !is_config_key(key) {
            return Err(CmdError::new(format!(
                "{key:?} is not a valid key name for a {}: {KEY_HELP}",
                holder.kind()
            )));
        }
        if self.data.contains_key(key) || self.binary.contains_key(key) {
            let field = match holder {
                Holder::ConfigMap => "Data",
                Holder::Secret => "data",
            };
            return Err(CmdError::new(format!(
                "cannot add key {key:?}, another key by that name already exists in {field} for {} {name:?}",
                holder.kind()
            )));
        }
        match (holder, String::from_utf8(value)) {
            (Holder::ConfigMap, Ok(text)) => {
                self.data.insert(key.to_string(), text);
            }
            (Holder::ConfigMap, Err(e)) => {
                self.binary.insert(key.to_string(), e.into_bytes());
            }
            (Holder::Secret, Ok(text)) => {
                self.binary.insert(key.to_string(), text.into_bytes());
            }
            (Holder::Secret, Err(e)) => {
                self.binary.insert(key.to_string(), e.into_bytes());
            }
        }
        Ok(())
    }
}

/// Reads every source in kubectl's order: files, literals, env files.
pub fn collect(sources: &DataSources, holder: Holder, name: &str) -> CmdResult<Content> {
    if !sources.from_env_file.is_empty()
        && (!sources.from_file.is_empty() || !sources.from_literal.is_empty())
    {
        return Err(CmdError::new(
            "from-env-file cannot be combined with from-file or from-literal",
        ));
    }
    let mut content = Content::default();
    for source in &sources.from_file {
        add_file_source(&mut content, holder, name, source)?;
    }
    for literal in &sources.from_literal {
        let Some((key, value)) = literal.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(CmdError::new(format!(
                "invalid literal source {literal}, expected key=value"
            )));
        };
        content.add(holder, name, key, value.as_bytes().to_vec())?;
    }
    for path in &sources.from_env_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CmdError::new(format!("error reading {path}: {}", io_text(&e))))?;
        for (key, value) in parse_env_file(&text)? {
            content.add(holder, name, &key, value.into_bytes())?;
        }
    }
    Ok(content)
}

/// Go's wording for an IO error, without Rust's `(os error N)`.
pub fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => {
            let mut t = s[..i].to_string();
            if let Some(first) = t.get_mut(0..1) {
                first.make_ascii_lowercase();
            }
            t
        }
        None => s,
    }
}

fn add_file_source(content: &mut Content, holder: Holder, name: &str, source: &str) -> CmdResult {
    let (key, path) = match source.split_once('=') {
        Some((k, p)) if !k.is_empty() && !p.is_empty() => (Some(k), p),
        Some(_) => {
            return Err(CmdError::new(format!(
                "key names or file paths cannot be empty: {source:?}"
            )))
        }
        None => (None, source),
    };
    let meta = std::fs::metadata(path)
        .map_err(|e| CmdError::new(format!("error reading {path}: {}", io_text(&e))))?;
    if meta.is_dir() {
        if key.is_some() {
            return Err(CmdError::new(
                "cannot give a key name for a directory path.",
            ));
        }
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| CmdError::new(format!("error listing files in {path}: {}", io_text(&e))))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let p = entry.path();
            if !p.is_file() {
                continue;
            }
            let key = entry.file_name().to_string_lossy().into_owned();
            let bytes = read(&p)?;
            content.add(holder, name, &key, bytes)?;
        }
        return Ok(());
    }
    let key = key.map(str::to_string).unwrap_or_else(|| {
        Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let bytes = read(Path::new(path))?;
    content.add(holder, name, &key, bytes)
}

fn read(p: &Path) -> CmdResult<Vec<u8>> {
    std::fs::read(p)
        .map_err(|e| CmdError::new(format!("error reading {}: {}", p.display(), io_text(&e))))
}

/// kubectl's env file format: `KEY=value` lines, `#` comments and blank
/// lines skipped, a bare `KEY` taken from the environment when set.
pub fn parse_env_file(text: &str) -> CmdResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = if i == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (line.to_string(), None),
        };
        if !is_env_name(&key) {
            return Err(CmdError::new(format!(
                "{key:?} is not a valid key name: {ENV_HELP}"
            )));
        }
        match value.or_else(|| std::env::var(&key).ok()) {
            Some(v) => out.push((key, v)),
            None => continue,
        }
    }
    Ok(out)
}

/// Standard base64 with padding, as Go's `[]byte` fields encode in JSON.
pub fn b64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Flags of `create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1]`.
#[derive(Debug, clap::Args)]
pub struct ConfigMapArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Content sources.
    #[command(flatten)]
    pub sources: DataSources,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create configmap`.
pub async fn configmap(f: &mut Factory, a: ConfigMapArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create configmap")?;
    let content = collect(&a.sources, Holder::ConfigMap, &name)?;
    let obj = build_configmap(&name, &content);
    let req = CreateRequest {
        target: kinds::CONFIGMAP,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// A ConfigMap with `data` and `binaryData` as kubectl fills them.
pub fn build_configmap(name: &str, content: &Content) -> Map<String, Value> {
    let mut obj = new_object(&kinds::CONFIGMAP, name);
    if !content.data.is_empty() {
        obj.insert("data".into(), json!(content.data));
    }
    if !content.binary.is_empty() {
        let bin: BTreeMap<&String, String> =
            content.binary.iter().map(|(k, v)| (k, b64(v))).collect();
        obj.insert("binaryData".into(), json!(bin));
    }
    obj
}

/// Flags of `create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1]`.
#[derive(Debug, clap::Args)]
pub struct GenericArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Content sources.
    #[command(flatten)]
    pub sources: DataSources,
    /// The type of secret to create.
    #[arg(long = "type", default_value = "")]
    pub secret_type: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create secret generic`.
pub async fn secret_generic(f: &mut Factory, a: GenericArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create secret generic")?;
    let content = collect(&a.sources, Holder::Secret, &name)?;
    let obj = build_secret(&name, &content.binary, &a.secret_type);
    let req = CreateRequest {
        target: kinds::SECRET,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// A Secret with base64 `data` and an optional `type`.
pub fn build_secret(
    name: &str,
    data: &BTreeMap<String, Vec<u8>>,
    secret_type: &str,
) -> Map<String, Value> {
    let mut obj = new_object(&kinds::SECRET, name);
    if !data.is_empty() {
        let enc: BTreeMap<&String, String> = data.iter().map(|(k, v)| (k, b64(v))).collect();
        obj.insert("data".into(), json!(enc));
    }
    if !secret_type.is_empty() {
        obj.insert("type".into(), json!(secret_type));
    }
    obj
}

/// Flags of `create secret tls NAME --cert=path/to/cert/file --key=path/to/key/file`.
#[derive(Debug, clap::Args)]
pub struct TlsArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Path to PEM encoded public key certificate.
    #[arg(long, default_value = "")]
    pub cert: String,
    /// Path to private key associated with given certificate.
    #[arg(long, default_value = "")]
    pub key: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create secret tls`.
pub async fn secret_tls(f: &mut Factory, a: TlsArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create secret tls")?;
    if a.cert.is_empty() || a.key.is_empty() {
        return Err(CmdError::new("key and cert must be specified"));
    }
    let read_file = |p: &str| {
        std::fs::read(p)
            .map_err(|e| CmdError::new(format!("Cannot read file {p}, open {p}: {}", io_text(&e))))
    };
    let cert = read_file(&a.cert)?;
    let key = read_file(&a.key)?;
    // tls.X509KeyPair's first checks: both inputs must hold PEM blocks.
    if !contains_pem(&cert) {
        return Err(CmdError::new(
            "tls: failed to find any PEM data in certificate input",
        ));
    }
    if !contains_pem(&key) {
        return Err(CmdError::new(
            "tls: failed to find any PEM data in key input",
        ));
    }
    let mut data = BTreeMap::new();
    data.insert("tls.crt".to_string(), cert);
    data.insert("tls.key".to_string(), key);
    let obj = build_secret(&name, &data, "kubernetes.io/tls");
    let req = CreateRequest {
        target: kinds::SECRET,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

fn contains_pem(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.contains("-----BEGIN ") && text.contains("-----END ")
}

/// Flags of `create secret docker-registry NAME --docker-username=user --docker-password=password --docker-email=email [--docker-server=string]`.
#[derive(Debug, clap::Args)]
pub struct DockerRegistryArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Server location for Docker registry.
    #[arg(long = "docker-server", default_value = "https://index.docker.io/v1/")]
    pub docker_server: String,
    /// Username for Docker registry authentication.
    #[arg(long = "docker-username", default_value = "")]
    pub docker_username: String,
    /// Password for Docker registry authentication.
    #[arg(long = "docker-password", default_value = "")]
    pub docker_password: String,
    /// Email for Docker registry.
    #[arg(long = "docker-email", default_value = "")]
    pub docker_email: String,
    /// Key files can be specified using their file path.
    #[arg(long = "from-file")]
    pub from_file: Vec<String>,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create secret docker-registry`.
pub async fn secret_docker(f: &mut Factory, a: DockerRegistryArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create secret docker-registry")?;
    let mut data = BTreeMap::new();
    if a.from_file.is_empty() {
        if a.docker_username.is_empty()
            || a.docker_password.is_empty()
            || a.docker_server.is_empty()
        {
            return Err(CmdError::new(
                "either --from-file or the combination of --docker-username, --docker-password and --docker-server is required",
            ));
        }
        data.insert(
            ".dockerconfigjson".to_string(),
            docker_config_json(
                &a.docker_server,
                &a.docker_username,
                &a.docker_password,
                &a.docker_email,
            )
            .into_bytes(),
        );
    } else {
        let sources = DataSources {
            from_file: a.from_file.clone(),
            ..Default::default()
        };
        data = collect(&sources, Holder::Secret, &name)?.binary;
    }
    let obj = build_secret(&name, &data, "kubernetes.io/dockerconfigjson");
    let req = CreateRequest {
        target: kinds::SECRET,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// The `.dockerconfigjson` document kubectl writes (`email` omitted when empty).
pub fn docker_config_json(server: &str, user: &str, password: &str, email: &str) -> String {
    let mut entry = Map::new();
    entry.insert("username".into(), json!(user));
    entry.insert("password".into(), json!(password));
    if !email.is_empty() {
        entry.insert("email".into(), json!(email));
    }
    entry.insert(
        "auth".into(),
        json!(b64(format!("{user}:{password}").as_bytes())),
    );
    let mut auths = Map::new();
    auths.insert(server.to_string(), Value::Object(entry));
    keelson_apimachinery::codec::to_json(&json!({ "auths": auths }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_go() {
        assert_eq!(b64(b""), "");
        assert_eq!(b64(b"1"), "MQ==");
        assert_eq!(b64(b"u:p"), "dTpw");
        assert_eq!(b64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn docker_config_matches_kubectl() {
        let j = docker_config_json("srv", "u", "p", "e");
        assert_eq!(
            b64(j.as_bytes()),
            "eyJhdXRocyI6eyJzcnYiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiZW1haWwiOiJlIiwiYXV0aCI6ImRUcHcifX19"
        );
    }

    #[test]
    fn literals_and_duplicates() {
        let s = DataSources {
            from_literal: vec!["a==b".into(), "b=2".into()],
            ..Default::default()
        };
        let c = collect(&s, Holder::ConfigMap, "c").unwrap();
        assert_eq!(c.data.get("a").map(String::as_str), Some("=b"));
        let dup = DataSources {
            from_literal: vec!["a=1".into(), "a=2".into()],
            ..Default::default()
        };
        assert_eq!(
            collect(&dup, Holder::ConfigMap, "c").unwrap_err().message,
            "error: cannot add key \"a\", another key by that name already exists in Data for ConfigMap \"c\""
        );
        let bad = DataSources {
            from_literal: vec!["a".into()],
            ..Default::default()
        };
        assert_eq!(
            collect(&bad, Holder::ConfigMap, "c").unwrap_err().message,
            "error: invalid literal source a, expected key=value"
        );
    }

    #[test]
    fn env_files() {
        let pairs = parse_env_file("a=1\n#c\n\nB=2\n").unwrap();
        assert_eq!(
            pairs,
            vec![("a".into(), "1".into()), ("B".into(), "2".into())]
        );
        let err = parse_env_file("bad line\n").unwrap_err().message;
        assert!(
            err.starts_with("error: \"bad line\" is not a valid key name: a valid environment"),
            "{err}"
        );
    }

    #[test]
    fn binary_files_go_to_binary_data() {
        let mut c = Content::default();
        c.add(Holder::ConfigMap, "c", "bin", vec![0xff, 0xfe])
            .unwrap();
        let cm = build_configmap("c", &c);
        assert_eq!(Value::Object(cm)["binaryData"]["bin"], json!("//4="));
    }
}
