//! `keelctl replace`: replace objects by the content of files (`PUT`), or
//! delete and re-create them (`--force`).

use super::delete::deleted_line;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::{
    last_applied, options, Builder, Helper, Info, Item, MutationPrinter, VisitError,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Flags of `keelctl replace`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("The files that contain the configurations to replace")))]
pub struct Args {
    /// Resource arguments; kubectl accepts and ignores them without `-f`.
    #[arg(hide = true)]
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// If true, replace the resource by deleting and re-creating it.
    #[arg(long)]
    force: bool,
    /// Period of time in seconds given to the resource to terminate gracefully (with --force).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    grace_period: i64,
    /// Must be "background", "orphan", or "foreground" (with --force).
    #[arg(long, default_value = "background", num_args = 0..=1, require_equals = true, default_missing_value = "background")]
    cascade: String,
    /// The length of time to wait for the deletion (with --force; 0: five minutes).
    #[arg(long, default_value = "0s")]
    timeout: String,
    /// If true, the configuration of current object will be saved in its annotation.
    #[arg(long)]
    save_config: bool,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long, default_value = "strict", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    validate: String,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// If specified, replace will operate on the subresource of the requested object.
    #[arg(long)]
    subresource: Option<String>,
    /// Name of the manager used to track field ownership.
    #[arg(long, default_value = "kubectl-replace")]
    field_manager: String,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if args.files.filenames.is_empty() {
        return Err(CmdError::new("must specify one of -f and -k"));
    }
    let dry_run = args.output.dry_run()?;
    let directive = options::validation_directive(&args.validate)?;
    if args.force && dry_run != DryRun::None {
        return Err(CmdError::new(
            "--dry-run can not be used when --force is set",
        ));
    }
    let mut printer = args.output.printer(dry_run, args.show_managed_fields)?;
    let builder = Builder {
        validate: directive != "Ignore",
        ..Builder::from(args.files.clone())
    };
    let mut helper = Helper::for_writes(f.client()?, dry_run, args.field_manager.clone());
    helper.field_validation = Some(directive.to_string());
    if args.force {
        return force_replace(f, &builder, &helper, &args, &mut printer).await;
    }
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        let mut object = info.object_or_empty();
        if args.save_config {
            last_applied::set_annotation(&mut object);
        }
        if dry_run != DryRun::Client {
            match replace(&helper, &info, object, args.subresource.as_deref()).await {
                Ok(obj) => object = obj,
                Err(e) => {
                    errors
                        .objects
                        .push(VisitError::client(e).with_source("replacing", &info.source));
                    continue;
                }
            }
        }
        printer.print(&object, "replaced")?;
    }
    errors.into_result()
}

/// cli-runtime's `Helper.Replace` with overwrite: an object without a
/// resourceVersion takes the live one's.
async fn replace(
    helper: &Helper,
    info: &Info,
    mut object: Value,
    subresource: Option<&str>,
) -> keelson_client::Result<Value> {
    let rv = object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if rv.is_empty() {
        if let Ok(live) = helper.get(info).await {
            if let Some(live_rv) = live.pointer("/metadata/resourceVersion").cloned() {
                if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("resourceVersion".into(), live_rv);
                }
            }
        }
    }
    match subresource.filter(|s| !s.is_empty()) {
        Some(sub) => helper.replace_subresource(info, &object, sub).await,
        None => helper.replace(info, &object).await,
    }
}

/// `--force`: delete every object (NotFound ignored), wait until each is
/// gone, then create them again.
async fn force_replace(
    f: &mut Factory,
    builder: &Builder,
    helper: &Helper,
    args: &Args,
    printer: &mut MutationPrinter,
) -> CmdResult {
    let policy = match args.cascade.as_str() {
        "background" | "true" => "Background",
        "foreground" => "Foreground",
        "orphan" | "false" => "Orphan",
        other => {
            return Err(CmdError::new(format!(
                "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
            )))
        }
    };
    let mut options =
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy});
    if args.grace_period >= 0 {
        options["gracePeriodSeconds"] = json!(args.grace_period);
    }
    let timeout = match crate::flags::parse_duration(&args.timeout) {
        Some(d) if !d.is_zero() => d,
        _ => Duration::from_secs(300),
    };
    // Both passes read the sources; stdin can only be read once.
    let stdin_file = stash_stdin(&args.files.filenames)?;
    let mut builder = builder.clone();
    if let Some((path, _dir)) = &stdin_file {
        for name in builder.filenames.iter_mut().filter(|n| *n == "-") {
            *name = path.clone();
        }
    }
    let deleting = builder.visit(f).await?;
    let mut errors = Vec::new();
    let mut deleted: Vec<Info> = Vec::new();
    for item in deleting.items {
        let Item::Info(info) = item else { continue };
        match helper.delete(&info, &options).await {
            Ok(_) => {
                println!(
                    "{}",
                    deleted_line(&info, args.grace_period, DryRun::None, false)
                );
                deleted.push(info);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => errors.push(VisitError::client(e).with_source("deleting", &info.source)),
        }
    }
    crate::resource::report(errors)?;
    let deadline = Instant::now() + timeout;
    for info in &deleted {
        loop {
            match helper.get(info).await {
                Err(e) if e.is_not_found() => break,
                Err(e) => return Err(e.into()),
                Ok(_) if Instant::now() >= deadline => {
                    return Err(CmdError::new("timed out waiting for the condition"));
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
    let mut visited = builder.visit(f).await?;
    let mut errs = visited.take_errors();
    let mut count = 0;
    for item in visited.items {
        let Some(info) = item.accept(&mut errs) else {
            continue;
        };
        let mut object = info.object_or_empty();
        if args.save_config {
            last_applied::set_annotation(&mut object);
        }
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
        match helper.create(&info, &object).await {
            Ok(obj) => {
                count += 1;
                printer.print(&obj, "replaced")?;
            }
            Err(e) => errs.objects.push(VisitError::client(e)),
        }
    }
    errs.into_result()?;
    if count == 0 {
        return Err(CmdError::new("no objects passed to replace"));
    }
    Ok(())
}

/// Copies stdin to a temporary file when `-` is among the sources.
fn stash_stdin(filenames: &[String]) -> CmdResult<Option<(String, tempdir::TempDir)>> {
    if !filenames.iter().any(|n| n == "-") {
        return Ok(None);
    }
    let dir = tempdir::TempDir::new().map_err(|e| CmdError::new(e.to_string()))?;
    let path = dir.path().join("STDIN");
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)
        .map_err(|e| CmdError::new(e.to_string()))?;
    std::fs::write(&path, data).map_err(|e| CmdError::new(e.to_string()))?;
    Ok(Some((path.display().to_string(), dir)))
}

/// A directory removed when dropped.
mod tempdir {
    use std::path::{Path, PathBuf};

    /// A fresh directory under the system's temporary directory.
    pub struct TempDir(PathBuf);

    impl TempDir {
        /// Creates `kubectl_replace_<pid>_<nanos>`.
        pub fn new() -> std::io::Result<TempDir> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default();
            let path = std::env::temp_dir()
                .join(format!("kubectl_replace_{}_{nanos}", std::process::id()));
            std::fs::create_dir(&path)?;
            Ok(TempDir(path))
        }

        /// The directory.
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
