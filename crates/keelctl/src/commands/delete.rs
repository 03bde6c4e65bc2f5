//! `keelctl delete`: delete objects named by files, arguments or
//! selectors, then wait until they are gone (kubectl's `DeleteOptions`).

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::flags::parse_duration;
use crate::printers::DryRun;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::{Builder, Helper, Info, VisitError, VisitErrors};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Flags of `keelctl delete`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files containing the resource to delete")))]
#[command(mut_arg("output", |a| a.help("Output mode. Use \"-o name\" for shorter output (resource/name)")))]
pub struct Args {
    /// `TYPE [NAME...]` or `TYPE/NAME...`.
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Selector (field query) to filter on.
    #[arg(long)]
    field_selector: Option<String>,
    /// Delete all resources, in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// If present, list the requested object(s) across all namespaces.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Must be "background", "orphan", or "foreground".
    #[arg(long, default_value = "background", num_args = 0..=1, require_equals = true, default_missing_value = "background")]
    cascade: String,
    /// Period of time in seconds given to the resource to terminate gracefully (-1: the object's default).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    grace_period: i64,
    /// If true, immediately remove resources from API and bypass graceful deletion.
    #[arg(long)]
    force: bool,
    /// If true, resources are signaled for immediate shutdown (same as --grace-period=1).
    #[arg(long)]
    now: bool,
    /// If true, wait for resources to be gone before returning.
    #[arg(long, default_value = "true", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    wait: bool,
    /// The length of time to wait before giving up on a delete (0: a week).
    #[arg(long, default_value = "0s")]
    timeout: String,
    /// Treat "resource not found" as a successful delete.
    #[arg(long)]
    ignore_not_found: bool,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
}

/// kubectl's usage error when nothing names what to delete.
pub(crate) const NOTHING_TO_DELETE: &str =
    "You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'";

/// Parses `--cascade` (`true`/`false` still accepted with kubectl's warning).
pub(crate) fn propagation_policy(cascade: &str) -> CmdResult<&'static str> {
    match cascade {
        "background" => Ok("Background"),
        "foreground" => Ok("Foreground"),
        "orphan" => Ok("Orphan"),
        "true" => {
            eprintln!("warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.");
            Ok("Background")
        }
        "false" => {
            eprintln!("warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.");
            Ok("Orphan")
        }
        other => Err(CmdError::new(format!(
            "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
        ))),
    }
}

/// The grace period kubectl sends: `--now` is 1, `--force` without a
/// period is 0, and `--grace-period=0` without `--force` becomes 1.
fn grace_period(args: &Args) -> CmdResult<i64> {
    let mut grace = args.grace_period;
    if args.now {
        if grace != -1 {
            return Err(CmdError::new(
                "--now and --grace-period cannot be specified together",
            ));
        }
        grace = 1;
    }
    if grace == 0 && !args.force {
        grace = 1;
    }
    if args.force && grace < 0 {
        grace = 0;
    }
    Ok(grace)
}

/// kubectl's line for a deleted object.
pub(crate) fn deleted_line(info: &Info, grace: i64, dry_run: DryRun, name_only: bool) -> String {
    let kind = info.kind_with_group();
    if name_only {
        return format!("{kind}/{}", info.name);
    }
    let operation = if grace == 0 {
        "force deleted"
    } else {
        "deleted"
    };
    let scope = if info.namespaced() && !info.namespace.is_empty() {
        format!(" from {} namespace", info.namespace)
    } else {
        String::new()
    };
    format!(
        "{kind} {:?} {operation}{scope}{}",
        info.name,
        dry_run.suffix()
    )
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let name_only = match args.output.output.as_deref() {
        None | Some("") => false,
        Some("name") => true,
        Some(other) => {
            return Err(CmdError::new(format!(
                "unexpected -o output mode: {other}. We only support '-o name'"
            )))
        }
    };
    let dry_run = args.output.dry_run()?;
    let policy = propagation_policy(&args.cascade)?;
    let grace = grace_period(&args)?;
    let timeout = match parse_duration(&args.timeout) {
        Some(d) if !d.is_zero() => d,
        Some(_) => Duration::from_secs(168 * 3600),
        None => {
            return Err(CmdError::new(format!(
                "invalid argument {:?} for \"--timeout\" flag",
                args.timeout
            )))
        }
    };
    if args.files.filenames.is_empty() && args.args.is_empty() {
        return Err(CmdError::new(NOTHING_TO_DELETE));
    }
    if args.force {
        eprintln!("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    }
    let (_, explicit_namespace) = f.namespace()?;
    let builder = Builder {
        args: args.args,
        label_selector: args.selector,
        field_selector: args.field_selector,
        all: args.all,
        all_namespaces: args.all_namespaces,
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut helper = Helper::new(f.client()?);
    helper.server_dry_run = dry_run == DryRun::Server;
    let mut delete_options =
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy});
    if grace >= 0 {
        delete_options["gracePeriodSeconds"] = json!(grace);
    }
    let mut warn_cluster_scope = explicit_namespace && !args.all_namespaces;
    let mut found = 0;
    let mut deleted: Vec<(Info, String)> = Vec::new();
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        found += 1;
        if warn_cluster_scope && !info.namespaced() {
            eprintln!(
                "Warning: deleting cluster-scoped resources, not scoped to the provided namespace"
            );
            warn_cluster_scope = false;
        }
        if dry_run == DryRun::Client {
            println!("{}", deleted_line(&info, grace, dry_run, name_only));
            continue;
        }
        match helper.delete(&info, &delete_options).await {
            Ok(response) => {
                println!("{}", deleted_line(&info, grace, dry_run, name_only));
                let uid = response
                    .pointer("/details/uid")
                    .or_else(|| response.pointer("/metadata/uid"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                deleted.push((info, uid));
            }
            Err(e) => errors
                .objects
                .push(VisitError::client(e).with_source("deleting", &info.source)),
        }
    }
    if args.ignore_not_found {
        drop_not_found(&mut errors);
    }
    errors.into_result()?;
    if found == 0 {
        println!("No resources found");
        return Ok(());
    }
    if !args.wait || dry_run != DryRun::None {
        return Ok(());
    }
    wait_for_deletion(&helper, &deleted, timeout).await
}

/// `--ignore-not-found`: NotFound answers are not failures.
fn drop_not_found(errors: &mut VisitErrors) {
    let not_found = |e: &VisitError| e.status().is_some_and(|s| s.reason == "NotFound");
    errors.objects.retain(|e| !not_found(e));
    errors.sources.retain(|e| !not_found(e));
}

/// kubectl's `wait --for=delete`: each object is gone, or came back with
/// another uid.
async fn wait_for_deletion(
    helper: &Helper,
    deleted: &[(Info, String)],
    timeout: Duration,
) -> CmdResult {
    let deadline = Instant::now() + timeout;
    for (info, uid) in deleted {
        let mut pause = Duration::from_millis(50);
        loop {
            match helper.get(info).await {
                Err(e) if e.is_not_found() => break,
                Err(e) if matches!(e.reason(), Some("Forbidden" | "MethodNotAllowed")) => {
                    return Ok(())
                }
                Err(e) => return Err(e.into()),
                Ok(obj) => {
                    let live_uid = obj
                        .pointer("/metadata/uid")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if !uid.is_empty() && live_uid != uid {
                        break;
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(CmdError::new(format!(
                    "timed out waiting for the condition on {}/{}",
                    info.mapping.gvr.resource, info.name
                )));
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::gvk::{GroupVersionKind, GroupVersionResource};
    use keelson_client::restmapper::{RestMapping, Scope};

    fn info(group: &str, kind: &str, scope: Scope, ns: &str) -> Info {
        Info {
            source: String::new(),
            mapping: RestMapping {
                gvr: GroupVersionResource::new(group, "v1", format!("{}s", kind.to_lowercase())),
                gvk: GroupVersionKind::new(group, "v1", kind),
                scope,
            },
            namespace: ns.into(),
            name: "web".into(),
            object: None,
        }
    }

    #[test]
    fn deleted_lines_read_like_kubectl_1_37() {
        let d = info("apps", "Deployment", Scope::Namespace, "default");
        assert_eq!(
            deleted_line(&d, -1, DryRun::None, false),
            "deployment.apps \"web\" deleted from default namespace"
        );
        assert_eq!(
            deleted_line(&d, 0, DryRun::Client, false),
            "deployment.apps \"web\" force deleted from default namespace (dry run)"
        );
        assert_eq!(
            deleted_line(&d, 0, DryRun::Server, true),
            "deployment.apps/web"
        );
        let n = info("", "Namespace", Scope::Root, "");
        assert_eq!(
            deleted_line(&n, -1, DryRun::Server, false),
            "namespace \"web\" deleted (server dry run)"
        );
    }

    #[test]
    fn cascade_and_grace_flags() {
        assert_eq!(propagation_policy("orphan").unwrap(), "Orphan");
        assert_eq!(
            propagation_policy("foo").unwrap_err().message,
            "error: invalid cascade value (foo). Must be \"background\", \"foreground\", or \"orphan\""
        );
    }
}
