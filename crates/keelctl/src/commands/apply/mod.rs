//! `keelctl apply`: client-side apply (a three-way patch against the
//! last-applied configuration), `--prune`, and server-side apply
//! (`--server-side`), as kubectl's `ApplyOptions` runs them; and the
//! `view-`, `set-` and `edit-last-applied` subcommands.

mod applyset;
mod edit_last_applied;
mod prune;
mod set_last_applied;
mod view_last_applied;

pub(crate) use edit_last_applied::{last_applied_infos, patch_last_applied, EDIT_HEADER};

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::threeway::{builtin_schema, three_way_json_merge, three_way_strategic};
use crate::resource::{
    last_applied, options, report, Builder, Helper, Info, MutationPrinter, VisitError,
};
use keelson_client::PatchType;
use serde_json::{json, Map, Value};

/// Field manager of client-side apply.
const CLIENT_SIDE_MANAGER: &str = "kubectl-client-side-apply";
/// Field manager of server-side apply when `--field-manager` is not given.
const SERVER_SIDE_MANAGER: &str = "kubectl";
/// kubectl's retries of a patch that hit a conflict.
const MAX_PATCH_RETRY: usize = 5;

/// kubectl's advice after a server-side apply conflict.
const CONFLICT_ADVICE: &str =
    "Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts";

/// Flags of `keelctl apply`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("The files that contain the configurations to apply")))]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    /// `view-last-applied`, `set-last-applied`, `edit-last-applied`.
    #[command(subcommand)]
    command: Option<Subcommand>,
    /// Words that name no subcommand, which kubectl rejects.
    #[arg(hide = true)]
    unexpected: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long, default_value = "strict", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    validate: String,
    /// If true, apply runs in the server instead of the client.
    #[arg(long)]
    server_side: bool,
    /// If true, server-side apply will force the changes against conflicts.
    #[arg(long)]
    force_conflicts: bool,
    /// Name of the manager used to track field ownership.
    #[arg(long)]
    field_manager: Option<String>,
    /// If true, immediately remove resources from API and bypass graceful deletion (delete and re-create on conflict).
    #[arg(long)]
    force: bool,
    /// Automatically resolve conflicts between the modified and live configuration by using values from the modified configuration.
    #[arg(long, default_value = "true", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    overwrite: bool,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
    /// Automatically delete resource objects, that do not appear in the configs and are created by either apply or create --save-config. Should be used with either -l or --all.
    #[arg(long)]
    prune: bool,
    /// Select all resources in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// Overwrite the default allowlist with <group/version/kind> for --prune.
    #[arg(long)]
    prune_allowlist: Vec<String>,
    /// Must be "background", "orphan", or "foreground" (how pruned objects' dependents are deleted).
    #[arg(long, default_value = "background", num_args = 0..=1, require_equals = true, default_missing_value = "background")]
    cascade: String,
    /// Period of time in seconds given to pruned resources to terminate gracefully (-1: the object's default).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    grace_period: i64,
    /// The length of time to wait before giving up on a delete. Accepted as kubectl accepts it; its apply does not use it.
    #[arg(long, default_value = "0s")]
    timeout: String,
    /// The parent of the ApplySet to prune with, [RESOURCE][.GROUP]/NAME (alpha; needs KUBECTL_APPLYSET=true).
    #[arg(long, hide = true)]
    applyset: Option<String>,
    /// If true, wait for resources to be gone before returning. Accepted as kubectl accepts it; its apply does not use it.
    #[arg(long, default_value = "false", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    wait: bool,
}

/// The subcommands of `keelctl apply`.
// The variants are kubectl's subcommand names, which share their suffix.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, clap::Subcommand)]
enum Subcommand {
    /// Edit latest last-applied-configuration annotations of a resource/object.
    EditLastApplied(edit_last_applied::Args),
    /// Set the last-applied-configuration annotation on a live object to match the contents of a file.
    SetLastApplied(set_last_applied::Args),
    /// View the latest last-applied-configuration annotations of a resource/object.
    ViewLastApplied(view_last_applied::Args),
}

struct Applier {
    helper: Helper,
    dry_run: DryRun,
    server_side: bool,
    force_conflicts: bool,
    force: bool,
    /// Print each object's line as it goes (no `-o` other than `name`).
    printer: MutationPrinter,
    /// Objects kept for the final `-o yaml|json` print.
    objects: Vec<Value>,
    /// What `--prune` must leave alone and where it looks.
    visited: prune::Visited,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        Some(Subcommand::ViewLastApplied(a)) => return view_last_applied::run(f, a).await,
        Some(Subcommand::SetLastApplied(a)) => return set_last_applied::run(f, a).await,
        Some(Subcommand::EditLastApplied(a)) => return edit_last_applied::run(f, a).await,
        None => {}
    }
    if !args.unexpected.is_empty() {
        return Err(CmdError::new(format!(
            "Unexpected args: [{}]\nSee 'kubectl apply -h' for help and examples",
            args.unexpected.join(" ")
        )));
    }
    let dry_run = args.output.dry_run()?;
    let propagation_policy = crate::commands::delete::propagation_policy(&args.cascade)?;
    if args.files.filenames.is_empty() {
        return Err(CmdError::new("must specify one of -f and -k"));
    }
    let directive = options::validation_directive(&args.validate)?;
    let allowlist = if args.prune {
        prune::allowlist(f, &args.prune_allowlist).await?
    } else {
        None
    };
    let mut applyset = match args.applyset.as_deref() {
        Some(_) if !applyset::enabled() => return Err(applyset::disabled_error()),
        Some(reference) => Some(applyset::ApplySet::parse(f, reference).await?),
        None => None,
    };
    check_flags(&args, dry_run)?;
    if let Some(set) = &applyset {
        set.validate(&Helper::new(f.client()?)).await?;
        applyset::check_flags(
            args.all,
            args.selector.as_deref().is_some_and(|s| !s.is_empty()),
            !args.prune_allowlist.is_empty(),
        )?;
    }
    let printer = args.output.printer(dry_run, args.show_managed_fields)?;
    let selector = args.selector.clone().filter(|s| !s.is_empty());
    let builder = Builder {
        label_selector: selector.clone(),
        validate: directive != "Ignore",
        ..Builder::from(args.files.clone())
    };
    let mut visited = builder.visit(f).await?;
    let visit_errors = visited.take_errors();
    let mut helper = Helper::new(f.client()?);
    helper.server_dry_run = dry_run == DryRun::Server;
    helper.field_validation = Some(directive.to_string());
    let default_manager = if args.server_side {
        SERVER_SIDE_MANAGER
    } else {
        CLIENT_SIDE_MANAGER
    };
    helper.field_manager = Some(
        args.field_manager
            .unwrap_or_else(|| default_manager.to_string()),
    );
    let mut errors = Vec::new();
    let mut infos = Vec::new();
    let mut item_errors = visit_errors;
    for item in visited.items {
        infos.extend(item.accept(&mut item_errors));
    }
    if let Some(e) = item_errors.into_error() {
        errors.push(e);
    }
    if infos.is_empty() && errors.is_empty() {
        return Err(CmdError::new("no objects passed to apply"));
    }
    if let Some(set) = &mut applyset {
        set.add_labels(&mut infos)?;
        set.before_apply(f, &helper, &infos, dry_run).await?;
    }
    let mut seen = prune::Visited::default();
    let (namespace, explicit) = f.namespace()?;
    if explicit {
        seen.namespaces.insert(namespace);
    }
    let mut applier = Applier {
        helper,
        dry_run,
        server_side: args.server_side,
        force_conflicts: args.force_conflicts,
        force: args.force,
        printer,
        objects: Vec::new(),
        visited: seen,
    };
    for info in infos {
        if info.namespaced() {
            applier.visited.namespaces.insert(info.namespace.clone());
        }
        if let Err(e) = applier.apply_one(info).await {
            errors.push(e);
        }
    }
    report(errors)?;
    let (helper, seen) = applier.print_objects()?;
    if !args.prune {
        return Ok(());
    }
    let pruner = prune::Pruner {
        helper: &helper,
        selector: selector.as_deref(),
        propagation_policy,
        grace_period: args.grace_period,
        dry_run,
        output: &args.output,
        show_managed_fields: args.show_managed_fields,
    };
    match &applyset {
        Some(set) => set.prune(&helper, &pruner, &seen, dry_run).await,
        None => pruner.prune_all(f, allowlist, &seen).await,
    }
}

/// kubectl's `ApplyOptions.Validate`: flag combinations that cannot work.
fn check_flags(args: &Args, dry_run: DryRun) -> CmdResult {
    if args.force_conflicts && !args.server_side {
        return Err(CmdError::new(
            "--force-conflicts only works with --server-side",
        ));
    }
    if args.server_side && dry_run == DryRun::Client {
        return Err(CmdError::new("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)"));
    }
    if args.server_side && args.force {
        return Err(CmdError::new("--force cannot be used with --server-side"));
    }
    if dry_run == DryRun::Server && args.force {
        return Err(CmdError::new(
            "--dry-run=server cannot be used with --force",
        ));
    }
    let selector = args.selector.as_deref().is_some_and(|s| !s.is_empty());
    if args.all && selector {
        return Err(CmdError::new(
            "cannot set --all and --selector at the same time",
        ));
    }
    if args.applyset.is_some() {
        // The parent's own checks and the flags it excludes follow, in run.
        if !args.prune {
            return Err(CmdError::new("--applyset requires --prune"));
        }
        return Ok(());
    }
    if args.prune && !args.all && !selector {
        return Err(CmdError::new("all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector"));
    }
    if args.prune && args.server_side {
        return Err(CmdError::new(
            "--prune is in alpha and doesn't currently work on objects created by server-side apply",
        ));
    }
    Ok(())
}

impl Applier {
    async fn apply_one(&mut self, mut info: Info) -> Result<(), VisitError> {
        if self.server_side {
            return self.server_side_apply(info).await;
        }
        let file_object = info.object_or_empty();
        let modified = last_applied::modified_configuration(&file_object, true);
        let live = match self.helper.get(&info).await {
            Ok(live) => live,
            Err(e) if e.is_not_found() => return self.create(info, file_object).await,
            Err(e) => {
                let verb = format!(
                    "retrieving current configuration of:\n{}\nfrom server for:",
                    info_string(&info)
                );
                return Err(VisitError::client(e).with_source(&verb, &info.source));
            }
        };
        info.object = Some(live.clone());
        if self.dry_run == DryRun::Client {
            // Nothing is sent, but the patch still tells unchanged from configured.
            let unchanged =
                compute_patch(&info, &live, &modified).is_ok_and(|(_, patch)| patch == "{}");
            if unchanged && !self.printer.prints_object() {
                return self.print(&live, "unchanged");
            }
            return self.print(&live, "configured");
        }
        if last_applied::original_configuration(&live).is_none() {
            eprintln!(
                "Warning: resource {}/{} is missing the {} annotation which is required by keelctl apply. keelctl apply should only be used on resources created declaratively by either keelctl create --save-config or keelctl apply. The missing annotation will be patched automatically.",
                info.mapping.gvr.resource,
                info.name,
                last_applied::ANNOTATION
            );
        }
        let (patch, patched) = self
            .patch(&info, live, &modified)
            .await
            .map_err(|(patch, e)| {
                let verb = format!(
                    "applying patch:\n{patch}\nto:\n{}\nfor:",
                    info_string(&info)
                );
                e.with_source(&verb, &info.source)
            })?;
        if patch == "{}" && !self.printer.prints_object() {
            return self.print(&patched, "unchanged");
        }
        self.print(&patched, "configured")
    }

    async fn create(&mut self, info: Info, mut object: Value) -> Result<(), VisitError> {
        last_applied::set_annotation(&mut object);
        if self.dry_run != DryRun::Client {
            if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
            }
            object = self
                .helper
                .create(&info, &object)
                .await
                .map_err(|e| VisitError::client(e).with_source("creating", &info.source))?;
        }
        self.print(&object, "created")
    }

    /// The patcher: computes and sends the three-way patch, refetching and
    /// retrying on conflicts; with `--force`, deletes and re-creates.
    async fn patch(
        &self,
        info: &Info,
        mut live: Value,
        modified: &str,
    ) -> Result<(String, Value), (String, VisitError)> {
        let mut attempt = 0;
        loop {
            let patch = compute_patch(info, &live, modified)
                .map_err(|e| (String::new(), VisitError::plain(e)))?;
            let (patch_type, body) = patch;
            if body == "{}" {
                return Ok((body, live));
            }
            match self
                .helper
                .patch(info, patch_type, body.as_bytes(), None, None)
                .await
            {
                Ok(obj) => return Ok((body, obj)),
                Err(e) if e.is_conflict() && attempt < MAX_PATCH_RETRY => {
                    attempt += 1;
                    if attempt > 3 {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    live = self
                        .helper
                        .get(info)
                        .await
                        .map_err(|e| (body.clone(), VisitError::client(e)))?;
                }
                Err(e) if (e.is_conflict() || e.is_invalid()) && self.force => {
                    return self
                        .delete_and_create(info, modified)
                        .await
                        .map(|o| (body.clone(), o))
                        .map_err(|e| (body, e));
                }
                Err(e) => {
                    return Err((
                        body,
                        VisitError::client(e).with_source("patching", &info.source),
                    ))
                }
            }
        }
    }

    async fn delete_and_create(&self, info: &Info, modified: &str) -> Result<Value, VisitError> {
        let options = json!({"kind": "DeleteOptions", "apiVersion": "v1"});
        if let Err(e) = self.helper.delete(info, &options).await {
            if !e.is_not_found() {
                return Err(VisitError::client(e));
            }
        }
        let object: Value =
            serde_json::from_str(modified).map_err(|e| VisitError::plain(e.to_string()))?;
        let mut pause = std::time::Duration::from_millis(100);
        for _ in 0..20 {
            match self.helper.create(info, &object).await {
                Err(e) if e.is_already_exists() => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(1));
                }
                other => return other.map_err(VisitError::client),
            }
        }
        Err(VisitError::plain(format!(
            "timed out waiting for {} {:?} to be deleted",
            info.mapping.gvr.resource, info.name
        )))
    }

    async fn server_side_apply(&mut self, info: Info) -> Result<(), VisitError> {
        let object = info.object_or_empty();
        let body = last_applied::encode(&object);
        match self
            .helper
            .patch(
                &info,
                PatchType::Apply,
                body.as_bytes(),
                None,
                Some(self.force_conflicts),
            )
            .await
        {
            Ok(obj) => self.print(&obj, "serverside-applied"),
            Err(e) if e.is_conflict() => Err(VisitError::plain(format!(
                "{}\n{CONFLICT_ADVICE}",
                VisitError::client(e).text()
            ))),
            Err(e) => Err(VisitError::client(e)),
        }
    }

    fn print(&mut self, obj: &Value, operation: &str) -> Result<(), VisitError> {
        self.visited.object(obj);
        if self.printer.prints_object() {
            self.objects.push(obj.clone());
            return Ok(());
        }
        self.printer
            .print(obj, operation)
            .map_err(|e| VisitError::plain(e.message))
    }

    /// `-o json|yaml|...`: every object once all are applied, several as a
    /// `List`; hands back what pruning needs.
    fn print_objects(mut self) -> CmdResult<(Helper, prune::Visited)> {
        match self.objects.len() {
            0 => {}
            1 => {
                let obj = self.objects.remove(0);
                self.printer.print(&obj, "")?;
            }
            _ => {
                let objects = std::mem::take(&mut self.objects);
                self.printer.print_list(objects)?;
            }
        }
        Ok((self.helper, self.visited))
    }
}

/// cli-runtime's `Info.String()`.
fn info_string(info: &Info) -> String {
    let gvr = &info.mapping.gvr;
    let gvk = &info.mapping.gvk;
    format!(
        "Resource: \"{}/{}, Resource={}\", GroupVersionKind: \"{}/{}, Kind={}\"\nName: {:?}, Namespace: {:?}",
        gvr.group, gvr.version, gvr.resource, gvk.group, gvk.version, gvk.kind, info.name, info.namespace
    )
}

/// The patch for `live`: strategic for built-in kinds, JSON merge otherwise;
/// `{}` when nothing changes.
fn compute_patch(info: &Info, live: &Value, modified: &str) -> Result<(PatchType, String), String> {
    let modified: Value = serde_json::from_str(modified).map_err(|e| e.to_string())?;
    let original: Value = match last_applied::original_configuration(live) {
        Some(text) if !text.is_empty() => serde_json::from_str(text).map_err(|e| e.to_string())?,
        _ => Value::Object(Map::new()),
    };
    let gvk = &info.mapping.gvk;
    let (patch_type, patch) = match builtin_schema(&gvk.group, &gvk.version, &gvk.kind) {
        Some(schema) => {
            let empty = Map::new();
            let p = three_way_strategic(
                original.as_object().unwrap_or(&empty),
                modified.as_object().unwrap_or(&empty),
                live.as_object().unwrap_or(&empty),
                schema,
            )?;
            (PatchType::StrategicMerge, Value::Object(p))
        }
        None => (
            PatchType::Merge,
            three_way_json_merge(&original, &modified, live),
        ),
    };
    Ok((
        patch_type,
        keelson_apimachinery::codec::to_json(&crate::printers::sort_keys(&patch)),
    ))
}
