//! `keelctl apply set-last-applied`: sets the last-applied-configuration
//! annotation of live objects to the contents of files, as though
//! `apply -f` had run, without changing anything else in them.

use super::info_string;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::OutputFlags;
use crate::resource::{last_applied, Builder, Helper, Info, VisitError, VisitErrors};
use keelson_client::PatchType;
use serde_json::{json, Value};

/// Flags of `keelctl apply set-last-applied`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Filename, directory, or URL to files that contains the last-applied-configuration annotations.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// Will create 'last-applied-configuration' annotations if current objects doesn't have one.
    #[arg(long, default_value = "false", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    create_annotation: bool,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

/// An object whose annotation changes, and the patch that changes it.
struct Change {
    info: Info,
    patch: String,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let dry_run = args.output.dry_run()?;
    let mut printer = args.output.printer(dry_run, args.show_managed_fields)?;
    if args.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::delete::NOTHING_TO_DELETE));
    }
    let builder = Builder {
        filenames: args.filenames.clone(),
        ..Builder::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut helper = Helper::new(f.client()?);
    helper.server_dry_run = dry_run == DryRun::Server;
    // kubectl's Validate looks at every object before anything is patched,
    // and stops at the first that fails.
    let mut changes = Vec::new();
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            break;
        };
        match check(&helper, info, args.create_annotation).await {
            Ok(Some(change)) => changes.push(change),
            Ok(None) => {}
            Err(e) => {
                errors.objects.push(e);
                break;
            }
        }
    }
    first_error(errors)?;
    for change in changes {
        let live = change.info.object_or_empty();
        let obj = if dry_run == DryRun::Client {
            live
        } else {
            helper
                .patch(
                    &change.info,
                    PatchType::Merge,
                    change.patch.as_bytes(),
                    None,
                    None,
                )
                .await
                .map_err(|e| {
                    crate::error::CmdError::raw(crate::error::standard_error_message(&e))
                })?
        };
        printer.print(&obj, "configured")?;
    }
    Ok(())
}

/// kubectl reports only the first failure; a source failure comes after
/// the objects read before it.
fn first_error(errors: VisitErrors) -> CmdResult {
    let first = errors.objects.into_iter().chain(errors.sources).next();
    match first {
        Some(e) => VisitErrors {
            objects: vec![e],
            sources: Vec::new(),
        }
        .into_result(),
        None => Ok(()),
    }
}

/// The change one file object asks for; `None` (after kubectl's line
/// saying so) when the annotation already holds it.
async fn check(
    helper: &Helper,
    mut info: Info,
    create: bool,
) -> Result<Option<Change>, VisitError> {
    let file_object = info.object_or_empty();
    let applied = last_applied::encode(&file_object);
    let live = match helper.get(&info).await {
        Ok(live) => live,
        Err(e) if e.is_not_found() => return Err(VisitError::client(e)),
        Err(e) => {
            let verb = format!(
                "retrieving current configuration of:\n{}\nfrom server for:",
                info_string(&info)
            );
            return Err(VisitError::client(e).with_source(&verb, &info.source));
        }
    };
    let original = last_applied::original_configuration(&live).map(str::to_string);
    info.object = Some(live);
    let Some(original) = original else {
        if !create {
            return Err(VisitError::plain(format!(
                "no last-applied-configuration annotation found on resource: {}, to create the annotation, run the command with --create-annotation",
                info.name
            )));
        }
        return Ok(Some(Change {
            patch: annotation_patch(&applied),
            info,
        }));
    };
    if same_configuration(&original, &applied) {
        println!("set-last-applied {}: no changes required.", info.name);
        return Ok(None);
    }
    Ok(Some(Change {
        patch: annotation_patch(&applied),
        info,
    }))
}

/// kubectl's comparison through `StripComments`: both texts as data.
fn same_configuration(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The merge patch that sets the annotation to `applied` (editor's
/// `GetApplyPatch`: the object, then the object carrying itself as the
/// annotation, differ only there).
pub(super) fn annotation_patch(applied: &str) -> String {
    let patch = json!({"metadata": {"annotations": {last_applied::ANNOTATION: applied}}});
    keelson_apimachinery::codec::to_json(&patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_touches_only_the_annotation() {
        assert_eq!(
            annotation_patch("{\"kind\":\"ConfigMap\"}\n"),
            "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"kind\\\":\\\"ConfigMap\\\"}\\n\"}}}"
        );
    }

    #[test]
    fn configurations_compare_as_data() {
        assert!(same_configuration(
            "{\"a\":1,\"b\":{}}\n",
            "{\"b\":{},\"a\":1}"
        ));
        assert!(!same_configuration(
            "{\"metadata\":{\"annotations\":{}}}",
            "{\"metadata\":{}}"
        ));
    }
}
