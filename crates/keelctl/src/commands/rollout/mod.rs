//! `keelctl rollout status|history|undo|restart|pause|resume`.

pub mod history;
pub mod status;

use crate::commands::create_generators::common::{print_object_as_is, DryRun, ObjectFlags, Output};
use crate::commands::expose::visit_error;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Builder, Helper, Info, Item, VisitError};
use futures::StreamExt;
use keelson_client::{PatchType, RestClient, WatchEvent};
use serde_json::{json, Value};
use std::time::Duration;

/// kubectl's field manager for `rollout`.
pub const FIELD_MANAGER: &str = "kubectl-rollout";

/// Flags of `keelctl rollout`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rollout subcommand.
    #[command(subcommand)]
    command: RolloutCommand,
}

/// Selection flags every rollout subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// Filename, directory, or URL to files identifying the resource.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
}

/// `rollout` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RolloutCommand {
    /// Show the status of the rollout.
    Status {
        /// What to watch.
        #[command(flatten)]
        sel: Selection,
        /// Watch the status of the rollout until it's done.
        #[arg(short = 'w', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
        watch: bool,
        /// Pin to a specific revision for showing its status. Defaults to 0 (last revision).
        #[arg(long, default_value_t = 0)]
        revision: i64,
        /// The length of time to wait before ending watch, zero means never.
        #[arg(long, default_value = "0s")]
        timeout: String,
    },
    /// View rollout history.
    History {
        /// Whose history.
        #[command(flatten)]
        sel: Selection,
        /// See the details, including podTemplate of the revision specified.
        #[arg(long, default_value_t = 0)]
        revision: i64,
    },
    /// Undo a previous rollout.
    Undo {
        /// What to roll back.
        #[command(flatten)]
        sel: Selection,
        /// The revision to rollback to. Default to 0 (last revision).
        #[arg(long = "to-revision", default_value_t = 0)]
        to_revision: i64,
        /// Output and dry-run flags.
        #[command(flatten)]
        flags: ObjectFlags,
    },
    /// Restart a resource.
    Restart {
        /// What to restart.
        #[command(flatten)]
        sel: Selection,
        /// Output and dry-run flags.
        #[command(flatten)]
        flags: ObjectFlags,
    },
    /// Mark the provided resource as paused.
    Pause {
        /// What to pause.
        #[command(flatten)]
        sel: Selection,
        /// Output and field manager flags.
        #[command(flatten)]
        flags: ObjectFlags,
    },
    /// Resume a paused resource.
    Resume {
        /// What to resume.
        #[command(flatten)]
        sel: Selection,
        /// Output and field manager flags.
        #[command(flatten)]
        flags: ObjectFlags,
    },
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        RolloutCommand::Status {
            sel,
            watch,
            revision,
            timeout,
        } => {
            let timeout = crate::flags::parse_duration(&timeout).ok_or_else(|| {
                CmdError::new(format!("invalid argument {timeout:?} for \"--timeout\" flag: time: invalid duration {timeout:?}"))
            })?;
            rollout_status(f, sel, watch, revision, timeout).await
        }
        RolloutCommand::History { sel, revision } => rollout_history(f, sel, revision).await,
        RolloutCommand::Undo {
            sel,
            to_revision,
            flags,
        } => rollout_undo(f, sel, to_revision, flags).await,
        RolloutCommand::Restart { sel, flags } => patch_each(f, sel, flags, Action::Restart).await,
        RolloutCommand::Pause { sel, flags } => patch_each(f, sel, flags, Action::Pause).await,
        RolloutCommand::Resume { sel, flags } => patch_each(f, sel, flags, Action::Resume).await,
    }
}

/// Visits the selected objects, fetched.
async fn visit(
    f: &mut Factory,
    sel: &Selection,
) -> CmdResult<(Vec<Info>, crate::resource::VisitErrors)> {
    if sel.args.is_empty() && sel.filenames.is_empty() {
        return Err(CmdError::new("required resource not specified"));
    }
    let builder = Builder {
        filenames: sel.filenames.clone(),
        recursive: sel.recursive,
        args: sel.args.clone(),
        label_selector: sel.selector.clone(),
        all: sel.selector.is_none(),
        require_object: true,
        latest: true,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut infos = Vec::new();
    for item in std::mem::take(&mut visited.items) {
        match item {
            Item::Info(i) => infos.push(i),
            Item::Failed(e) => errors.objects.push(e),
        }
    }
    Ok((infos, errors))
}

fn object_path(info: &Info) -> String {
    let gvr = &info.mapping.gvr;
    let base = if gvr.group.is_empty() {
        format!("/api/{}", gvr.version)
    } else {
        format!("/apis/{}/{}", gvr.group, gvr.version)
    };
    let ns = if info.namespaced() {
        format!("/namespaces/{}", info.namespace)
    } else {
        String::new()
    };
    format!("{base}{ns}/{}", gvr.resource)
}

async fn rollout_status(
    f: &mut Factory,
    sel: Selection,
    watch: bool,
    revision: i64,
    timeout: Duration,
) -> CmdResult {
    let (infos, errors) = visit(f, &sel).await?;
    errors.into_result()?;
    let client = f.client()?;
    // A collection is watched one object after the other, as kubectl does.
    for info in &infos {
        let Some(viewer) = status::viewer(&info.mapping.gvk.group, &info.mapping.gvk.kind) else {
            return Err(CmdError::new(format!(
                "no status viewer has been implemented for {}",
                info.mapping.gvk.kind
            )));
        };
        let wait = watch_status(&client, info, viewer, watch, revision);
        if timeout.is_zero() {
            wait.await?;
            continue;
        }
        match tokio::time::timeout(timeout, wait).await {
            Ok(r) => r?,
            Err(_) => return Err(CmdError::new("timed out waiting for the condition")),
        }
    }
    Ok(())
}

/// Prints the status on the first look and on every change until done
/// (kubectl's `UntilWithSync` over a field-selected watch).
async fn watch_status(
    client: &RestClient,
    info: &Info,
    viewer: fn(&Value, i64) -> status::Status,
    watch: bool,
    revision: i64,
) -> CmdResult {
    let collection = object_path(info);
    let obj = client
        .get()
        .abs_path(format!("{collection}/{}", info.name))
        .json()
        .await?;
    let (msg, done) = viewer(&obj, revision).map_err(CmdError::new)?;
    print!("{msg}");
    if done || !watch {
        return Ok(());
    }
    let mut rv = obj
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    loop {
        let mut stream = client
            .get()
            .abs_path(&collection)
            .param("fieldSelector", format!("metadata.name={}", info.name))
            .param("resourceVersion", &rv)
            .param("allowWatchBookmarks", "true")
            .watch::<Value>()
            .await?;
        while let Some(ev) = stream.next().await {
            match ev? {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                    rv = o
                        .pointer("/metadata/resourceVersion")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let (msg, done) = viewer(&o, revision).map_err(CmdError::new)?;
                    print!("{msg}");
                    if done {
                        return Ok(());
                    }
                }
                WatchEvent::Deleted(_) => {
                    return Err(CmdError::new(format!(
                        "object has been deleted: {}/{}",
                        info.mapping.gvk.kind.to_lowercase(),
                        info.name
                    )))
                }
                WatchEvent::Bookmark(b) => rv = b.resource_version,
                WatchEvent::Error(e) => return Err(CmdError::from(keelson_client::Error::Api(e))),
            }
        }
    }
}

/// The ReplicaSets a Deployment controls.
async fn replica_sets(client: &RestClient, deployment: &Value) -> CmdResult<Vec<Value>> {
    let ns = deployment
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let selector = deployment
        .pointer("/spec/selector")
        .map(crate::commands::describe::writer::selector_string)
        .unwrap_or_default();
    let list = client
        .get()
        .abs_path(format!("/apis/apps/v1/namespaces/{ns}/replicasets"))
        .param("labelSelector", selector)
        .json()
        .await?;
    let all = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(history::owned(deployment, &all))
}

fn require_deployment(info: &Info, what: &str) -> CmdResult {
    let gvk = &info.mapping.gvk;
    if gvk.kind == "Deployment" && matches!(gvk.group.as_str(), "apps" | "extensions") {
        return Ok(());
    }
    let gk = if gvk.group.is_empty() {
        gvk.kind.clone()
    } else {
        format!("{}.{}", gvk.kind, gvk.group)
    };
    Err(CmdError::new(format!(
        "no {what} has been implemented for {gk:?}"
    )))
}

async fn rollout_history(f: &mut Factory, sel: Selection, revision: i64) -> CmdResult {
    let (infos, mut errors) = visit(f, &sel).await?;
    let client = f.client()?;
    for info in infos {
        let object = info.object_or_empty();
        let gvk = &info.mapping.gvk;
        // kubectl reports kinds without a viewer and goes on with the rest.
        let view = if let Some(msg) = history::no_viewer(&gvk.group, &gvk.kind) {
            Err(msg)
        } else if let Some(owner) = history::RevisionOwner::of(&gvk.group, &gvk.kind) {
            let all = history::list_controller_revisions(&client, &object).await?;
            let revisions = history::controlled_revisions(&object, &all);
            history::view_revisions(owner, &object, &revisions, revision)
        } else {
            let rss = replica_sets(&client, &object).await?;
            history::view_deployment(&history::history(&rss), revision)
        };
        let header = format!("{}/{}", info.kind_with_group(), info.name);
        match view {
            Ok(text) if revision > 0 => println!("{header} with revision #{revision}\n{text}"),
            Ok(text) => println!("{header} \n{text}"),
            Err(msg) => errors.objects.push(VisitError::plain(msg)),
        }
    }
    errors.into_result()
}

async fn rollout_undo(
    f: &mut Factory,
    sel: Selection,
    to_revision: i64,
    flags: ObjectFlags,
) -> CmdResult {
    let dry_run = flags.dry_run()?;
    let output = flags.output()?;
    let (infos, mut errors) = visit(f, &sel).await?;
    let client = f.client()?;
    let helper = Helper::for_writes(
        client.clone(),
        dry_run,
        flags
            .field_manager
            .clone()
            .unwrap_or_else(|| FIELD_MANAGER.into()),
    );
    for info in infos {
        require_deployment(&info, "rollbacker")?;
        let object = info.object_or_empty();
        let rss = replica_sets(&client, &object).await?;
        let result = match history::rollback(&object, &rss, to_revision) {
            Err(msg) => Err(VisitError::plain(msg)),
            Ok(history::Rollback::Skip(rev)) => {
                println!(
                    "{}/{} skipped rollback (current template already matches revision {rev}){}",
                    info.kind_with_group(),
                    info.name,
                    dry_run.suffix()
                );
                Ok(())
            }
            Ok(history::Rollback::Patch(patch)) => {
                if dry_run == DryRun::Client {
                    print_result(&object, &output, "rolled back", dry_run, &flags)
                } else {
                    match helper
                        .patch(
                            &info,
                            PatchType::Json,
                            patch.to_string().as_bytes(),
                            None,
                            None,
                        )
                        .await
                    {
                        Ok(actual) => {
                            print_result(&actual, &output, "rolled back", dry_run, &flags)
                        }
                        Err(e) => Err(VisitError::client(e)),
                    }
                }
            }
        };
        if let Err(e) = result {
            errors.objects.push(e);
        }
    }
    errors.into_result()
}

fn print_result(
    obj: &Value,
    output: &Output,
    verb: &str,
    dry_run: DryRun,
    flags: &ObjectFlags,
) -> Result<(), VisitError> {
    print_object_as_is(obj, output, verb, dry_run, flags.show_managed_fields).map_err(visit_error)
}

/// The patching subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Restart,
    Pause,
    Resume,
}

/// `time.Now().Format(time.RFC3339)`: local time, `Z` for a zero offset.
fn now_rfc3339() -> String {
    let now = chrono::Local::now();
    if now.offset().local_minus_utc() == 0 {
        now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        now.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// The patch for one object, or kubectl's refusal.
fn action_patch(action: Action, info: &Info, obj: &Value) -> Result<Value, String> {
    let gvk = &info.mapping.gvk;
    let apps = matches!(gvk.group.as_str(), "apps" | "extensions");
    let is_deploy = apps && gvk.kind == "Deployment";
    let id = format!("{} {:?}", info.resource_with_group(), info.name);
    let paused = obj
        .pointer("/spec/paused")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match action {
        Action::Pause | Action::Resume if !is_deploy => {
            let verb = if action == Action::Pause {
                "pausing"
            } else {
                "resuming"
            };
            Err(format!("{id} {verb} is not supported"))
        }
        Action::Pause if paused => Err(format!("{id} is already paused")),
        Action::Resume if !paused => Err(format!("{id} is not paused")),
        Action::Pause => Ok(json!({ "spec": { "paused": true } })),
        Action::Resume => Ok(json!({ "spec": { "paused": null } })),
        Action::Restart => {
            if !(apps
                && matches!(
                    gvk.kind.as_str(),
                    "Deployment" | "DaemonSet" | "StatefulSet"
                ))
            {
                return Err(format!("{id} restarting is not supported"));
            }
            if is_deploy && paused {
                return Err(format!(
                    "{id} can't restart paused deployment (run rollout resume first)"
                ));
            }
            Ok(
                json!({ "spec": { "template": { "metadata": { "annotations": {
                "kubectl.kubernetes.io/restartedAt": now_rfc3339()
            } } } } }),
            )
        }
    }
}

async fn patch_each(
    f: &mut Factory,
    sel: Selection,
    flags: ObjectFlags,
    action: Action,
) -> CmdResult {
    let dry_run = flags.dry_run()?;
    let output = flags.output()?;
    let (infos, mut errors) = visit(f, &sel).await?;
    let helper = Helper::for_writes(
        f.client()?,
        dry_run,
        flags
            .field_manager
            .clone()
            .unwrap_or_else(|| FIELD_MANAGER.into()),
    );
    let verb = match action {
        Action::Restart => "restarted",
        Action::Pause => "paused",
        Action::Resume => "resumed",
    };
    for info in infos {
        let obj = info.object_or_empty();
        let patch = match action_patch(action, &info, &obj) {
            Ok(p) => p,
            Err(msg) => {
                errors.objects.push(VisitError::plain(msg));
                continue;
            }
        };
        let result = if dry_run == DryRun::Client {
            print_result(&obj, &output, verb, dry_run, &flags)
        } else {
            match helper
                .patch(
                    &info,
                    PatchType::StrategicMerge,
                    patch.to_string().as_bytes(),
                    None,
                    None,
                )
                .await
            {
                Ok(actual) => print_result(&actual, &output, verb, dry_run, &flags),
                Err(e) => Err(VisitError::client(e)),
            }
        };
        if let Err(e) = result {
            errors.objects.push(e);
        }
    }
    errors.into_result()
}
