//! `keelctl set serviceaccount` (`sa`): the service account of a pod template.

use super::patch::{Operation, Patcher};
use super::{pod_spec_mut, Selection};
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::json;

/// Flags of `set serviceaccount (-f FILENAME | TYPE NAME) SERVICE_ACCOUNT`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files identifying the resource to get from a server.")))]
pub struct Args {
    /// Resources, then the service account name.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs `set serviceaccount`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    let dry_run = a.flags.dry_run()?;
    if a.selection.local && dry_run == crate::printers::DryRun::Server {
        return Err(CmdError::new(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
        ));
    }
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        a.selection.local,
        Operation {
            verb: "serviceaccount updated",
            failure: "failed to patch ServiceAccountName ",
            // kubectl patches (and reports) even an unchanged object.
            patch_unchanged: true,
            name_errors: true,
        },
    )?;
    let Some((account, resources)) = a.args.split_last() else {
        return Err(CmdError::new("serviceaccount is required"));
    };
    let infos = a.selection.visit(f, resources.to_vec(), None).await?;
    patcher
        .run(infos, |info, obj, _| {
            let spec = pod_spec_mut(info, obj)?;
            spec["serviceAccountName"] = json!(account);
            Ok(())
        })
        .await
}
