//! `keelctl patch`: update fields of objects with a strategic merge, JSON
//! merge or JSON patch, on the server or locally (`--local`,
//! `--dry-run=client`).

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::threeway::{builtin_schema, deep_equal};
use crate::resource::{Builder, Helper, Info, MutationPrinter, VisitError};
use keelson_apimachinery::codec::{decode_documents, to_json};
use keelson_client::PatchType;
use serde_json::Value;

/// Flags of `keelctl patch`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files identifying the resource to update")))]
pub struct Args {
    /// `TYPE NAME` or `TYPE/NAME`.
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// The patch to be applied to the resource JSON file.
    #[arg(short = 'p', long)]
    patch: Option<String>,
    /// A file containing a patch to be applied to the resource.
    #[arg(long)]
    patch_file: Option<String>,
    /// The type of patch being provided; one of [json merge strategic].
    #[arg(long = "type", default_value = "strategic")]
    patch_type: String,
    /// If specified, patch will operate on the subresource of the requested object.
    #[arg(long)]
    subresource: Option<String>,
    /// If true, patch will operate on the content of the file, not the server-side resource.
    #[arg(long)]
    local: bool,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// Name of the manager used to track field ownership.
    #[arg(long, default_value = "kubectl-patch")]
    field_manager: String,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

fn patch_type(name: &str) -> CmdResult<PatchType> {
    match name.to_lowercase().as_str() {
        "json" => Ok(PatchType::Json),
        "merge" => Ok(PatchType::Merge),
        "strategic" => Ok(PatchType::StrategicMerge),
        _ => Err(CmdError::new(format!(
            "--type must be one of [json merge strategic], not {name:?}"
        ))),
    }
}

/// The patch text as JSON (kubectl accepts YAML too).
fn patch_json(text: &str) -> CmdResult<Vec<u8>> {
    let docs = decode_documents(text.as_bytes()).map_err(|e| {
        let m = e
            .message
            .strip_prefix("error converting YAML to JSON: ")
            .unwrap_or(&e.message);
        CmdError::new(format!("unable to parse {text:?}: {m}"))
    })?;
    let value = docs.into_iter().next().unwrap_or(Value::Null);
    Ok(to_json(&value).into_bytes())
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let kind = patch_type(&args.patch_type)?;
    let text = match (&args.patch, &args.patch_file) {
        (Some(p), None) if !p.is_empty() => p.clone(),
        (None, Some(file)) => std::fs::read_to_string(file).map_err(|e| {
            CmdError::new(format!(
                "unable to read patch file: open {file}: {}",
                io_text(&e)
            ))
        })?,
        (Some(_), Some(_)) => {
            return Err(CmdError::new(
                "cannot specify --patch and --patch-file together",
            ))
        }
        _ => {
            return Err(CmdError::new(
                "must specify --patch or --patch-file containing the contents of the patch",
            ))
        }
    };
    let body = patch_json(&text)?;
    let dry_run = args.output.dry_run()?;
    if args.local && !args.args.is_empty() {
        return Err(CmdError::new("cannot specify --local and server resources"));
    }
    let mut printer = MutationPrinter::with_template(
        args.output.output.as_deref(),
        args.output.template.as_deref(),
        DryRun::None,
        args.show_managed_fields,
    )?
    .allow_missing_keys(args.output.allow_missing_template_keys);
    let builder = Builder {
        args: args.args,
        require_object: true,
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let helper = Helper::for_writes(f.client()?, dry_run, args.field_manager);
    let local = args.local || dry_run == DryRun::Client;
    let mut count = 0;
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        count += 1;
        let before = info.object_or_empty();
        let result = if local {
            patch_locally(&info, &before, kind, &body)
        } else {
            helper
                .patch(&info, kind, &body, args.subresource.as_deref(), None)
                .await
                .map_err(|e| unsupported(e, kind, &info))
        };
        match result {
            Ok(after) => {
                let operation = if deep_equal(&before, &after) {
                    "patched (no change)"
                } else {
                    "patched"
                };
                printer.print(&after, operation)?;
            }
            Err(e) => errors.objects.push(e),
        }
    }
    errors.into_result()?;
    if count == 0 {
        return Err(CmdError::new("no objects passed to patch"));
    }
    Ok(())
}

/// kubectl's hint when the server does not take this patch type.
fn unsupported(e: keelson_client::Error, kind: PatchType, info: &Info) -> VisitError {
    if e.reason() == Some("UnsupportedMediaType") {
        let gvk = &info.mapping.gvk;
        let text = e.to_string();
        return VisitError::plain(format!(
            "{} is not supported by {}/{}, Kind={}: {text}",
            kind.content_type(),
            gvk.group,
            gvk.version,
            gvk.kind
        ));
    }
    VisitError::client(e)
}

/// Applies the patch to the object in hand, as kubectl's `getPatchedJSON`.
fn patch_locally(
    info: &Info,
    obj: &Value,
    kind: PatchType,
    body: &[u8],
) -> Result<Value, VisitError> {
    let result = match kind {
        PatchType::Json => keelson_apimachinery::patch::apply_json_patch(obj, body),
        PatchType::Merge => keelson_apimachinery::patch::apply_merge_patch(obj, body),
        _ => {
            let gvk = &info.mapping.gvk;
            let Some(schema) = builtin_schema(&gvk.group, &gvk.version, &gvk.kind) else {
                return Err(VisitError::plain(format!(
                    "strategic merge patch is not supported for {}/{}, Kind={} locally, try --type merge",
                    gvk.group, gvk.version, gvk.kind
                )));
            };
            keelson_apimachinery::strategic::apply_strategic_merge_patch(obj, body, schema)
        }
    };
    result.map_err(|e| VisitError::plain(e.message.clone()))
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_parse_as_kubectl_reads_them() {
        assert_eq!(
            patch_json("data:\n  x: \"1\"\n").unwrap(),
            br#"{"data":{"x":"1"}}"#.to_vec()
        );
        assert_eq!(
            patch_json("[bad").unwrap_err().message,
            "error: unable to parse \"[bad\": yaml: line 1: did not find expected ',' or ']'"
        );
        assert_eq!(
            patch_type("foo").unwrap_err().message,
            "error: --type must be one of [json merge strategic], not \"foo\""
        );
    }
}
