//! The kubeconfig files behind one command, read as written (relative
//! paths kept) and written back the way kubectl writes them.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::sort_keys;
use keelson_apimachinery::codec;
use keelson_client::config::Kubeconfig;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The files of the loading rules, in precedence order.
pub struct ConfigFiles {
    /// Each existing file and its content.
    files: Vec<(PathBuf, Kubeconfig)>,
    /// Where new entries go (kubectl's `GetDefaultFilename`).
    pub destination: PathBuf,
}

impl ConfigFiles {
    /// Reads every file the loading rules name.
    pub fn load(f: &Factory) -> CmdResult<ConfigFiles> {
        let rules = f.loading_rules();
        let paths: Vec<PathBuf> = match &rules.explicit_path {
            Some(p) => vec![p.clone()],
            None => rules.precedence.clone(),
        };
        let mut files = Vec::new();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                CmdError::new(format!(
                    "error loading config file \"{}\": {e}",
                    path.display()
                ))
            })?;
            let config = Kubeconfig::from_yaml(&text).map_err(|e| {
                CmdError::new(format!(
                    "error loading config file \"{}\": {e}",
                    path.display()
                ))
            })?;
            files.push((path, config));
        }
        let destination = rules.destination().ok_or_else(|| {
            CmdError::new("no kubeconfig file to write to (set KUBECONFIG or HOME)")
        })?;
        Ok(ConfigFiles { files, destination })
    }

    /// The first file for which `has` holds, else the destination file
    /// (read, or empty when it does not exist yet).
    pub fn file_for(&mut self, has: impl Fn(&Kubeconfig) -> bool) -> &mut (PathBuf, Kubeconfig) {
        let index = match self.files.iter().position(|(_, c)| has(c)) {
            Some(i) => i,
            None => match self.files.iter().position(|(p, _)| *p == self.destination) {
                Some(i) => i,
                None => {
                    self.files
                        .push((self.destination.clone(), Kubeconfig::default()));
                    self.files.len() - 1
                }
            },
        };
        &mut self.files[index]
    }

    /// Every file for which `has` holds.
    pub fn files_with(
        &mut self,
        has: impl Fn(&Kubeconfig) -> bool,
    ) -> Vec<&mut (PathBuf, Kubeconfig)> {
        self.files.iter_mut().filter(|(_, c)| has(c)).collect()
    }
}

/// Writes `config` to `path` as kubectl would (directories created, mode 0600).
pub fn save(path: &PathBuf, config: &Kubeconfig) -> CmdResult {
    let text = file_yaml(config)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CmdError::new(e.to_string()))?;
    }
    write_private(path, &text).map_err(|e| CmdError::new(format!("open {}: {e}", path.display())))
}

#[cfg(unix)]
fn write_private(path: &PathBuf, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &PathBuf, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The YAML kubectl writes: keys sorted, entries sorted by name, empty
/// preferences left out.
pub fn file_yaml(config: &Kubeconfig) -> CmdResult<String> {
    let mut v = ordered(config)?;
    if let Some(m) = v.as_object_mut() {
        if m.get("preferences")
            .is_some_and(|p| p.as_object().is_some_and(Map::is_empty))
        {
            m.shift_remove("preferences");
        }
    }
    Ok(codec::to_yaml(&sort_keys(&v)))
}

/// The config as JSON in the field order of kubectl's `v1.Config`, entries
/// sorted by name, empty lists as `null`.
pub fn ordered(config: &Kubeconfig) -> CmdResult<Value> {
    let v = serde_json::to_value(config).map_err(|e| CmdError::new(e.to_string()))?;
    let mut out = Map::new();
    out.insert("kind".into(), Value::String("Config".into()));
    out.insert("apiVersion".into(), Value::String("v1".into()));
    // kubectl leaves out preferences that set nothing.
    if let Some(p) = v
        .get("preferences")
        .filter(|p| p.as_object().is_none_or(|m| !m.is_empty()))
    {
        out.insert("preferences".into(), p.clone());
    }
    for key in ["clusters", "users", "contexts"] {
        let mut entries: Vec<Value> = v
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        entries.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        for entry in &mut entries {
            match key {
                "users" => auth_provider_before_exec(entry),
                "clusters" => with_required(entry, "cluster", &[("server", Value::from(""))]),
                _ => with_required(
                    entry,
                    "context",
                    &[("cluster", Value::from("")), ("user", Value::from(""))],
                ),
            }
        }
        let value = if entries.is_empty() {
            Value::Null
        } else {
            Value::Array(entries)
        };
        out.insert(key.into(), value);
    }
    let current = v
        .get("current-context")
        .cloned()
        .unwrap_or_else(|| Value::String(String::new()));
    out.insert("current-context".into(), current);
    if let Some(e) = v.get("extensions") {
        out.insert("extensions".into(), e.clone());
    }
    Ok(Value::Object(out))
}

fn name_of(entry: &Value) -> &str {
    entry
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Puts `fields` first in `entry[inner]`, with their defaults where unset:
/// the fields `v1.Config` always writes (no `omitempty`).
fn with_required(entry: &mut Value, inner: &str, fields: &[(&str, Value)]) {
    let Some(obj) = entry.get_mut(inner).and_then(Value::as_object_mut) else {
        return;
    };
    let mut out = Map::new();
    for (name, default) in fields {
        let v = obj.shift_remove(*name).unwrap_or_else(|| default.clone());
        out.insert((*name).to_string(), v);
    }
    out.extend(std::mem::take(obj));
    *obj = out;
}

/// `v1.AuthInfo` lists `auth-provider` before `exec`; `v1.ExecConfig`
/// always writes `provideClusterInfo`.
fn auth_provider_before_exec(user: &mut Value) {
    let Some(info) = user.get_mut("user").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(exec) = info.get_mut("exec").and_then(Value::as_object_mut) {
        if !exec.contains_key("provideClusterInfo") {
            let interactive = exec.shift_remove("interactiveMode");
            exec.insert("provideClusterInfo".into(), Value::Bool(false));
            if let Some(i) = interactive {
                exec.insert("interactiveMode".into(), i);
            }
        }
    }
    if let Some(exec) = info.shift_remove("exec") {
        let extensions = info.shift_remove("extensions");
        info.insert("exec".into(), exec);
        if let Some(e) = extensions {
            info.insert("extensions".into(), e);
        }
    }
}
