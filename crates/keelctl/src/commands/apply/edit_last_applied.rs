//! `keelctl apply edit-last-applied`: edit's editor loop over the objects'
//! last-applied configurations (kubectl's `ApplyEditMode`); what is saved
//! goes back into the annotation and nowhere else.

use super::set_last_applied::annotation_patch;
use crate::commands::edit;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::FilenameFlags;
use crate::resource::{last_applied, Helper, Info, MutationPrinter};
use keelson_client::PatchType;
use serde_json::Value;

/// The editor's header in this mode, in place of edit's.
pub(crate) const EDIT_HEADER: &str =
    "# Please edit the 'last-applied-configuration' annotations below.
# Lines beginning with a '#' will be ignored, and an empty file will abort the edit.
#
";

/// Flags of `keelctl apply edit-last-applied`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files to use to edit the resource")))]
pub struct Args {
    /// `TYPE NAME` or `TYPE/NAME`.
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Output format: yaml (default) or json.
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// Defaults to the line ending native to your platform.
    #[arg(long)]
    windows_line_endings: bool,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long, default_value = "strict", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    validate: String,
    /// Name of the manager used to track field ownership.
    #[arg(long, default_value = super::CLIENT_SIDE_MANAGER)]
    field_manager: String,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

/// Runs the command through edit's loop.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let edit_args = edit::Args::for_last_applied(
        args.args,
        args.files,
        args.output,
        args.windows_line_endings,
        args.validate,
        args.field_manager,
        args.show_managed_fields,
    );
    edit::run_mode(f, edit_args, edit::EditMode::ApplyLastApplied).await
}

/// The objects as their last-applied configurations say them; objects
/// without the annotation are left out, and none at all is an error.
pub(crate) fn last_applied_infos(infos: Vec<Info>) -> CmdResult<Vec<Info>> {
    let mut out = Vec::new();
    for mut info in infos {
        let Some(text) = info
            .object
            .as_ref()
            .and_then(last_applied::original_configuration)
        else {
            continue;
        };
        let object: Value = keelson_apimachinery::codec::decode_documents(text.as_bytes())
            .map_err(|e| CmdError::new(e.message))?
            .into_iter()
            .next()
            .unwrap_or(Value::Null);
        info.object = Some(object);
        out.push(info);
    }
    if out.is_empty() {
        return Err(CmdError::new("no last-applied-configuration annotation found on resources, to create the annotation, use command `kubectl apply set-last-applied --create-annotation`"));
    }
    Ok(out)
}

/// kubectl's `visitToApplyEditPatch`: each saved object against the one
/// shown (matched by uid, which configurations rarely carry, so usually
/// the first), `skipped` when unchanged, else its annotation patched to
/// it; the first failure ends the edit.
pub(crate) async fn patch_last_applied(
    helper: &Helper,
    namespace: &str,
    originals: &[Info],
    updated: Vec<Value>,
    output: Option<&str>,
    show_managed_fields: bool,
) -> CmdResult {
    for edited in updated {
        let uid = keelson_apimachinery::meta::meta_str(&edited, "uid");
        let Some(original) = originals.iter().find(|i| {
            i.object
                .as_ref()
                .map(|o| keelson_apimachinery::meta::meta_str(o, "uid"))
                .unwrap_or_default()
                == uid
        }) else {
            return Err(CmdError::new(format!(
                "no original object found for {}",
                keelson_apimachinery::codec::to_json(&edited)
            )));
        };
        let mut printer = MutationPrinter::new(output, DryRun::None, show_managed_fields)?;
        if crate::resource::threeway::deep_equal(&original.object_or_empty(), &edited) {
            printer.print(&edited, "skipped")?;
            continue;
        }
        // The patch goes to the command's namespace, as kubectl sends it.
        let mut target = original.clone();
        target.name = keelson_apimachinery::meta::name(&edited).to_string();
        if target.namespaced() {
            target.namespace = namespace.to_string();
        }
        let patch = annotation_patch(&last_applied::encode(&edited));
        helper
            .patch(&target, PatchType::Merge, patch.as_bytes(), None, None)
            .await
            .map_err(|e| CmdError::raw(crate::error::standard_error_message(&e)))?;
        printer.print(&edited, "edited")?;
    }
    Ok(())
}
