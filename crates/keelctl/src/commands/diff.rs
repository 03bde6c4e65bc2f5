//! `keelctl diff`: what `apply` would change, as the live objects and the
//! server's dry-run results written to two directories and compared with
//! `diff -u -N` (or `$KUBECTL_EXTERNAL_DIFF`).

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::options::FilenameFlags;
use crate::resource::threeway::{builtin_schema, three_way_json_merge, three_way_strategic};
use crate::resource::{check_err, last_applied, Builder, Helper, Info, Item, VisitError};
use keelson_client::PatchType;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Flags of `keelctl diff`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files contains the configuration to diff")))]
pub struct Args {
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// If true, apply runs in the server instead of the client.
    #[arg(long)]
    server_side: bool,
    /// If true, server-side apply will force the changes against conflicts.
    #[arg(long)]
    force_conflicts: bool,
    /// Name of the manager used to track field ownership.
    #[arg(long)]
    field_manager: Option<String>,
    /// If true, include managed fields in the diff.
    #[arg(long)]
    show_managed_fields: bool,
}

/// A failure of `diff` itself: kubectl exits with the usual code plus one,
/// keeping 1 for "there are differences".
fn diff_error(e: CmdError) -> CmdError {
    CmdError {
        message: e.message,
        code: e.code + 1,
    }
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    run_diff(f, args).await.map_err(|e| {
        if e.code == 1 && e.message.is_empty() {
            e
        } else {
            diff_error(e)
        }
    })
}

async fn run_diff(f: &mut Factory, args: Args) -> CmdResult {
    if args.files.filenames.is_empty() {
        return Err(CmdError::new("must specify one of -f and -k"));
    }
    let builder = Builder {
        label_selector: args.selector,
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    // kubectl's diff does not continue past an error.
    if let Some(e) = visited.source_errors.first() {
        return Err(check_err(e));
    }
    let mut helper = Helper::new(f.client()?);
    helper.server_dry_run = true;
    let manager = if args.server_side {
        "kubectl"
    } else {
        "kubectl-client-side-apply"
    };
    helper.field_manager = Some(args.field_manager.unwrap_or_else(|| manager.to_string()));
    let live_dir = TempDir::new("LIVE-").map_err(|e| CmdError::new(e.to_string()))?;
    let merged_dir = TempDir::new("MERGED-").map_err(|e| CmdError::new(e.to_string()))?;
    for item in std::mem::take(&mut visited.items) {
        let info = match item {
            Item::Info(info) => info,
            Item::Failed(e) => return Err(check_err(&e)),
        };
        let live = match helper.get(&info).await {
            Ok(live) => Some(live),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(check_err(&VisitError::client(e))),
        };
        let merged = merged(
            &helper,
            &info,
            live.as_ref(),
            args.server_side,
            args.force_conflicts,
        )
        .await
        .map_err(|e| check_err(&e))?;
        let (mut from, mut to) = (live, Some(merged));
        if !args.show_managed_fields {
            for obj in [&mut from, &mut to].into_iter().flatten() {
                crate::printers::strip_managed_fields(obj);
            }
        }
        if info.mapping.gvk.version == "v1" && info.mapping.gvk.kind == "Secret" {
            mask_secret_data(from.as_mut(), to.as_mut());
        }
        let name = file_name(&info);
        write_yaml(&live_dir.0.join(&name), from.as_ref())?;
        write_yaml(&merged_dir.0.join(&name), to.as_ref())?;
    }
    run_program(&live_dir.0, &merged_dir.0)
}

/// What the object would be after `apply`: the server's dry run of the
/// create, the three-way patch, or the server-side apply.
async fn merged(
    helper: &Helper,
    info: &Info,
    live: Option<&Value>,
    server_side: bool,
    force: bool,
) -> Result<Value, VisitError> {
    let local = info.object_or_empty();
    if server_side {
        let body = last_applied::encode(&local);
        return helper
            .patch(info, PatchType::Apply, body.as_bytes(), None, Some(force))
            .await
            .map_err(VisitError::client);
    }
    let Some(live) = live else {
        let mut obj = local;
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
        return helper.create(info, &obj).await.map_err(VisitError::client);
    };
    let modified: Value =
        serde_json::from_str(&last_applied::modified_configuration(&local, false))
            .map_err(|e| VisitError::plain(e.to_string()))?;
    let original: Value = match last_applied::original_configuration(live) {
        Some(text) if !text.is_empty() => {
            serde_json::from_str(text).map_err(|e| VisitError::plain(e.to_string()))?
        }
        _ => Value::Object(Map::new()),
    };
    let gvk = &info.mapping.gvk;
    let empty = Map::new();
    let (patch_type, mut patch) = match builtin_schema(&gvk.group, &gvk.version, &gvk.kind) {
        Some(schema) => {
            let p = three_way_strategic(
                original.as_object().unwrap_or(&empty),
                modified.as_object().unwrap_or(&empty),
                live.as_object().unwrap_or(&empty),
                schema,
            )
            .map_err(VisitError::plain)?;
            (PatchType::StrategicMerge, Value::Object(p))
        }
        None => (
            PatchType::Merge,
            three_way_json_merge(&original, &modified, live),
        ),
    };
    if patch.as_object().is_some_and(Map::is_empty) {
        return Ok(live.clone());
    }
    // The dry run is guarded by the live resourceVersion (kubectl's patcher without --force).
    if let (Some(rv), Some(p)) = (
        live.pointer("/metadata/resourceVersion").cloned(),
        patch.as_object_mut(),
    ) {
        let meta = p
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("resourceVersion".into(), rv);
        }
    }
    let body = keelson_apimachinery::codec::to_json(&crate::printers::sort_keys(&patch));
    helper
        .patch(info, patch_type, body.as_bytes(), None, None)
        .await
        .map_err(|e| VisitError::client(e).with_source("patching", &info.source))
}

/// `[group.]version.Kind.namespace.name`.
fn file_name(info: &Info) -> String {
    let gvk = &info.mapping.gvk;
    let group = if gvk.group.is_empty() {
        String::new()
    } else {
        format!("{}.", gvk.group)
    };
    format!(
        "{group}{}.{}.{}.{}",
        gvk.version, gvk.kind, info.namespace, info.name
    )
}

fn write_yaml(path: &Path, obj: Option<&Value>) -> CmdResult {
    let text = obj
        .map(|o| keelson_apimachinery::codec::to_yaml(&crate::printers::sort_keys(o)))
        .unwrap_or_default();
    std::fs::write(path, text).map_err(|e| CmdError::new(e.to_string()))
}

/// kubectl's `Masker`: secret values never reach the diff; a changed key
/// reads `*** (before)` / `*** (after)`.
fn mask_secret_data(from: Option<&mut Value>, to: Option<&mut Value>) {
    let data = |v: &Option<&mut Value>| -> Map<String, Value> {
        v.as_ref()
            .and_then(|o| o.get("data"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old, new) = (data(&from), data(&to));
    let mask = |s: &str| Value::String(s.to_string());
    let mut masked_old = Map::new();
    let mut masked_new = Map::new();
    for (k, v) in &old {
        match new.get(k) {
            Some(n) if n != v => {
                masked_old.insert(k.clone(), mask("*** (before)"));
                masked_new.insert(k.clone(), mask("*** (after)"));
            }
            Some(_) => {
                masked_old.insert(k.clone(), mask("***"));
                masked_new.insert(k.clone(), mask("***"));
            }
            None => {
                masked_old.insert(k.clone(), mask("***"));
            }
        }
    }
    for k in new.keys().filter(|k| !old.contains_key(*k)) {
        masked_new.insert(k.clone(), mask("***"));
    }
    for (obj, masked) in [(from, masked_old), (to, masked_new)] {
        if let Some(Value::Object(o)) = obj {
            if o.contains_key("data") {
                o.insert("data".into(), Value::Object(masked));
            }
        }
    }
}

/// Runs `diff -u -N LIVE MERGED` or `$KUBECTL_EXTERNAL_DIFF LIVE MERGED
/// [flags]` (only flags made of letters, digits, `-` and `=` are passed on).
fn run_program(from: &Path, to: &Path) -> CmdResult {
    let (program, args) = match std::env::var("KUBECTL_EXTERNAL_DIFF")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(env) => {
            let mut parts = env.split(' ');
            let program = parts.next().unwrap_or_default().to_string();
            let mut args = vec![from.display().to_string(), to.display().to_string()];
            args.extend(
                parts
                    .filter(|a| {
                        !a.is_empty()
                            && a.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '=')
                    })
                    .map(str::to_string),
            );
            (program, args)
        }
        None => (
            "diff".to_string(),
            vec![
                "-u".into(),
                "-N".into(),
                from.display().to_string(),
                to.display().to_string(),
            ],
        ),
    };
    let status = std::process::Command::new(&program)
        .args(&args)
        .status()
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "executable file not found in $PATH".to_string()
            } else {
                e.to_string()
            };
            CmdError::new(format!("failed to run {program:?}: {why}"))
        })?;
    match status.code() {
        Some(0) => Ok(()),
        // Differences found: exit 1 without a message.
        Some(1) => Err(CmdError {
            message: String::new(),
            code: 1,
        }),
        Some(n) => Err(CmdError::new(format!(
            "failed to run {program:?}: exit status {n}"
        ))),
        None => Err(CmdError::new(format!(
            "failed to run {program:?}: signal: killed"
        ))),
    }
}

/// A directory like Go's `os.MkdirTemp("", prefix)`, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> std::io::Result<TempDir> {
        let mut seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default()
            ^ (u64::from(std::process::id()) << 32);
        for _ in 0..100 {
            // xorshift: Go names temporary directories with a random uint32.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let path = std::env::temp_dir().join(format!("{prefix}{}", seed as u32));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("cannot create a temporary directory"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_like_kubectl() {
        let mut from = json!({"data": {"k": "YQ==", "j": "Yg==", "gone": "eA=="}});
        let mut to = json!({"data": {"k": "Yw==", "j": "Yg==", "new": "eQ=="}});
        mask_secret_data(Some(&mut from), Some(&mut to));
        assert_eq!(
            from["data"],
            json!({"k": "*** (before)", "j": "***", "gone": "***"})
        );
        assert_eq!(
            to["data"],
            json!({"k": "*** (after)", "j": "***", "new": "***"})
        );
    }
}
