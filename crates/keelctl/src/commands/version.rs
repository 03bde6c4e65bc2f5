//! `keelctl version`: client and server versions as kubectl prints them.
//!
//! keelctl reports itself in kubectl's `version.Info` shape: `major`/`minor`
//! are the Kubernetes release it follows (1.37), `gitVersion` is
//! `v1.37.0-keelctl.<crate version>`, `compiler` is `rustc`, and fields a
//! Rust build does not know (`gitCommit`, `buildDate`) keep Go's defaults
//! for an unstamped build. keelctl has no kustomize, so no kustomize version.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::{self, sort_keys};
use keelson_apimachinery::codec;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The Kubernetes minor release keelctl follows.
const KUBE_MAJOR: &str = "1";
const KUBE_MINOR: &str = "37";

/// Flags of `keelctl version`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// If true, shows client version only (no server required).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    client: bool,
    /// One of 'yaml' or 'json'.
    #[arg(short = 'o', long)]
    output: Option<String>,
}

/// keelctl's own `version.Info`, fields in kubectl's order.
pub fn client_version() -> Value {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    json!({
        "major": KUBE_MAJOR,
        "minor": KUBE_MINOR,
        "gitVersion": format!("v{KUBE_MAJOR}.{KUBE_MINOR}.0-keelctl.{}", env!("CARGO_PKG_VERSION")),
        "gitCommit": "$Format:%H$",
        "gitTreeState": "",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "n/a (keelctl, Rust)",
        "compiler": "rustc",
        "platform": format!("{}/{arch}", std::env::consts::OS),
    })
}

/// `version.Info` keys in Go's struct order, for the server's answer.
const INFO_KEYS: [&str; 13] = [
    "major",
    "minor",
    "emulationMajor",
    "emulationMinor",
    "minCompatibilityMajor",
    "minCompatibilityMinor",
    "gitVersion",
    "gitCommit",
    "gitTreeState",
    "buildDate",
    "goVersion",
    "compiler",
    "platform",
];

fn in_go_order(info: &Value) -> Value {
    let mut m = Map::new();
    for key in INFO_KEYS {
        match info.get(key) {
            Some(Value::String(s)) if s.is_empty() && key.starts_with("emulation") => {}
            Some(Value::String(s)) if s.is_empty() && key.starts_with("minCompat") => {}
            Some(v) => {
                m.insert(key.to_string(), v.clone());
            }
            None => {}
        }
    }
    Value::Object(m)
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let output = args.output.clone().unwrap_or_default();
    if !matches!(output.as_str(), "" | "yaml" | "json") {
        return Err(CmdError::new("--output must be 'yaml' or 'json'"));
    }
    let client = client_version();
    let mut server = None;
    let mut server_err = None;
    if !args.client {
        match f.client()?.get().abs_path("/version").json().await {
            Ok(v) => server = Some(in_go_order(&v)),
            Err(e) => server_err = Some(CmdError::from(e)),
        }
    }
    let mut all = Map::new();
    all.insert("clientVersion".into(), client.clone());
    if let Some(s) = &server {
        all.insert("serverVersion".into(), s.clone());
    }
    let all = Value::Object(all);
    let text = match output.as_str() {
        "json" => format!("{}\n", pretty_json(&all)),
        "yaml" => format!("{}\n", codec::to_yaml(&sort_keys(&all))),
        _ => {
            let mut t = format!("Client Version: {}\n", str_of(&client, "gitVersion"));
            if let Some(s) = &server {
                t.push_str(&format!("Server Version: {}\n", str_of(s, "gitVersion")));
            }
            t
        }
    };
    printers::write_out(&mut std::io::stdout(), &text)?;
    if let Some(s) = &server {
        if let Some(warning) = skew_warning(s) {
            eprintln!("{warning}");
        }
    }
    match server_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// `json.MarshalIndent(v, "", "  ")`.
fn pretty_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// kubectl's warning when client and server are more than one minor apart.
fn skew_warning(server: &Value) -> Option<String> {
    let major: i64 = str_of(server, "major").trim_end_matches('+').parse().ok()?;
    let minor: i64 = str_of(server, "minor").trim_end_matches('+').parse().ok()?;
    let client_minor: i64 = KUBE_MINOR.parse().ok()?;
    let client_major: i64 = KUBE_MAJOR.parse().ok()?;
    if major != client_major || (minor - client_minor).abs() <= 1 {
        return None;
    }
    Some(format!(
        "WARNING: version difference between client ({client_major}.{client_minor}) and server ({major}.{minor}) exceeds the supported minor version skew of +/-1"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_version_has_kubectls_shape() {
        let v = client_version();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys[..3], ["major", "minor", "gitVersion"]);
        assert!(str_of(&v, "gitVersion").starts_with("v1.37.0-keelctl."));
    }

    #[test]
    fn skew_beyond_one_minor_warns() {
        assert_eq!(skew_warning(&json!({"major": "1", "minor": "36"})), None);
        assert_eq!(
            skew_warning(&json!({"major": "1", "minor": "34+"})).unwrap(),
            "WARNING: version difference between client (1.37) and server (1.34) exceeds the supported minor version skew of +/-1"
        );
    }
}
