//! `keelctl set`: changes to specific fields of existing objects (images,
//! environment, resources, selectors, service accounts, role binding
//! subjects). Each subcommand mutates its objects and sends the strategic
//! merge patch from before to after, as kubectl's `set` commands do
//! ([`patch::Patcher`]).

mod env;
mod image;
mod patch;
mod resources;
mod selector;
mod serviceaccount;
mod subject;

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::options::FilenameFlags;
use crate::resource::{Builder, Info};
use serde_json::Value;

/// kubectl's field manager for `set`.
pub const FIELD_MANAGER: &str = "kubectl-set";

/// cli-runtime's `LocalResourceError`: resource arguments with `--local`.
const LOCAL_RESOURCE_ERROR: &str = "you must specify resources by --filename when --local is set.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'";

/// Flags of `keelctl set`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to set.
    #[command(subcommand)]
    command: SetCommand,
}

/// `set` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SetCommand {
    /// Update environment variables on a pod template.
    Env(env::Args),
    /// Update the image of a pod template.
    Image(image::Args),
    /// Update resource requests/limits on objects with pod templates.
    Resources(resources::Args),
    /// Set the selector on a resource.
    Selector(selector::Args),
    /// Update the service account of a resource.
    #[command(visible_alias = "sa")]
    Serviceaccount(serviceaccount::Args),
    /// Update the user, group, or service account in a role binding or cluster role binding.
    Subject(subject::Args),
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        SetCommand::Image(a) => image::run(f, a).await,
        SetCommand::Env(a) => env::run(f, a).await,
        SetCommand::Resources(a) => resources::run(f, a).await,
        SetCommand::Selector(a) => selector::run(f, a).await,
        SetCommand::Serviceaccount(a) => serviceaccount::run(f, a).await,
        SetCommand::Subject(a) => subject::run(f, a).await,
    }
}

/// `-f`, `-R`, `--all` and `--local`: which objects a `set` subcommand
/// changes, besides its resource arguments and `-l`.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// `-f` and `-R`.
    #[command(flatten)]
    pub files: FilenameFlags,
    /// Select all resources, in the namespace of the specified resource types.
    #[arg(long)]
    pub all: bool,
    /// If true, set will NOT contact api-server but run locally.
    #[arg(long)]
    pub local: bool,
}

impl Selection {
    /// kubectl's builder for a `set` command: the files, and unless
    /// `--local`, the resource arguments and `-l`, each object read from
    /// the server (`Latest`). Like kubectl's `Infos()`, any failure to
    /// read or find an object fails the command before anything changes.
    pub async fn visit(
        &self,
        f: &mut Factory,
        args: Vec<String>,
        label_selector: Option<String>,
    ) -> CmdResult<Vec<Info>> {
        if self.files.filenames.is_empty() && (self.local || args.is_empty()) {
            return Err(CmdError::new(crate::commands::expose::NO_RESOURCES));
        }
        let builder = Builder {
            filenames: self.files.filenames.clone(),
            recursive: self.files.recursive,
            args: if self.local { Vec::new() } else { args },
            label_selector: label_selector.filter(|_| !self.local),
            all: self.all && !self.local,
            require_object: true,
            latest: !self.local,
            local: self.local,
            ..Default::default()
        };
        let mut visited = builder.visit(f).await?;
        let mut errors = visited.take_errors();
        let infos = std::mem::take(&mut visited.items)
            .into_iter()
            .filter_map(|item| item.accept(&mut errors))
            .collect();
        errors.into_result()?;
        Ok(infos)
    }

    /// The checks `resources`, `subject` and `serviceaccount` make before
    /// visiting: no resource arguments and no server dry run with `--local`.
    pub fn check_local(&self, args: &[String], dry_run: crate::printers::DryRun) -> CmdResult {
        if self.local && dry_run == crate::printers::DryRun::Server {
            return Err(CmdError::new(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
            ));
        }
        if self.local && !args.is_empty() {
            return Err(CmdError::new(LOCAL_RESOURCE_ERROR));
        }
        Ok(())
    }
}

/// kubectl's `--all` and `-l` together.
pub fn check_all_and_selector(all: bool, selector: Option<&str>) -> CmdResult {
    if all && selector.is_some_and(|s| !s.is_empty()) {
        return Err(CmdError::new(
            "cannot set --all and --selector at the same time",
        ));
    }
    Ok(())
}

/// Where the pod spec sits in an object of `kind`.
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "DaemonSet"
        | "StatefulSet"
        | "Job" => Some("/spec/template/spec"),
        _ => None,
    }
}

/// The pod spec of `object` (polymorphichelpers' `UpdatePodSpecForObject`),
/// created when the object has none yet; kubectl's error for kinds
/// without a pod template.
pub fn pod_spec_mut<'a>(info: &Info, object: &'a mut Value) -> Result<&'a mut Value, String> {
    let kind = &info.mapping.gvk.kind;
    let Some(ptr) = pod_spec_pointer(kind) else {
        return Err(format!(
            "the object is not a pod or does not have a pod template: *{}.{kind}",
            info.mapping.gvk.version
        ));
    };
    let mut at = object;
    for segment in ptr.trim_start_matches('/').split('/') {
        if !at.is_object() {
            *at = Value::Object(Default::default());
        }
        let Value::Object(map) = at else {
            unreachable!("made an object above")
        };
        at = map
            .entry(segment)
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if !at.is_object() {
        *at = Value::Object(Default::default());
    }
    Ok(at)
}

/// The containers of a pod spec in the list fields `fields` (in that
/// order: `containers`, `initContainers`) whose names match `spec`
/// (kubectl's `selectContainers`).
pub fn select_containers<'a>(
    pod_spec: &'a mut Value,
    fields: &[&str],
    spec: &str,
) -> Vec<&'a mut Value> {
    let mut buckets: Vec<Vec<&'a mut Value>> = fields.iter().map(|_| Vec::new()).collect();
    let Some(map) = pod_spec.as_object_mut() else {
        return Vec::new();
    };
    for (key, list) in map.iter_mut() {
        let Some(i) = fields.iter().position(|f| f == key) else {
            continue;
        };
        let Some(list) = list.as_array_mut() else {
            continue;
        };
        buckets[i].extend(
            list.iter_mut().filter(|c| {
                select_string(c.get("name").and_then(Value::as_str).unwrap_or(""), spec)
            }),
        );
    }
    buckets.into_iter().flatten().collect()
}

/// kubectl's `selectString`: whether `s` matches `spec`, where `*` is a
/// non-greedy wildcard. The quirks of kubectl's matcher are kept (it
/// compares an index into the rest of the string with the position in the
/// whole), so the same containers are chosen.
pub fn select_string(s: &str, spec: &str) -> bool {
    if spec == "*" {
        return true;
    }
    if !spec.contains('*') {
        return s == spec;
    }
    let parts: Vec<&str> = spec.split('*').collect();
    let mut pos: i64 = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let rest = s.get(pos as usize..).unwrap_or("");
        let next = rest.find(part).map(|n| n as i64).unwrap_or(-1);
        if next < pos
            || (i == 0 && pos != 0)
            || (i == parts.len() - 1 && s.len() as i64 != part.len() as i64 + next)
        {
            return false;
        }
        pos = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_kubectl() {
        assert!(select_string("nginx", "*"));
        assert!(select_string("nginx", "nginx"));
        assert!(!select_string("nginx", "ngin"));
        assert!(select_string("nginx", "ngi*"));
        assert!(select_string("nginx", "*inx"));
        assert!(!select_string("nginx", "busy*"));
    }

    #[test]
    fn pod_specs_by_kind() {
        assert_eq!(pod_spec_pointer("Pod"), Some("/spec"));
        assert_eq!(
            pod_spec_pointer("CronJob"),
            Some("/spec/jobTemplate/spec/template/spec")
        );
        assert_eq!(pod_spec_pointer("Service"), None);
    }
}
