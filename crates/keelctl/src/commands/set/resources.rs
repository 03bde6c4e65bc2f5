//! `keelctl set resources`: compute resource requests and limits of the
//! containers in a pod template.

use super::patch::{Operation, Patcher};
use super::{pod_spec_mut, select_containers, Selection};
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::VisitError;
use keelson_apimachinery::quantity::Quantity;
use serde_json::{Map, Value};

/// Flags of `set resources (-f FILENAME | TYPE NAME) ([--limits=LIMITS & --requests=REQUESTS]`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files identifying the resource to get from a server.")))]
pub struct Args {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// The names of containers in the selected pod templates to change, all containers are selected by default - may use wildcards.
    #[arg(short = 'c', long, default_value = "*")]
    containers: String,
    /// The resource requirement limits for this container. For example, 'cpu=100m,memory=256Mi'.
    #[arg(long, default_value = "")]
    limits: String,
    /// The resource requirement requests for this container. For example, 'cpu=100m,memory=256Mi'.
    #[arg(long, default_value = "")]
    requests: String,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs `set resources`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    let dry_run = a.flags.dry_run()?;
    a.selection
        .check_local(&a.args, crate::printers::DryRun::None)?;
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        a.selection.local,
        Operation {
            verb: "resource requirements updated",
            failure: "failed to patch resources update to pod template ",
            patch_unchanged: false,
            name_errors: true,
        },
    )?;
    // kubectl reads the objects before it validates the flags.
    super::check_all_and_selector(a.selection.all, a.selector.as_deref())?;
    let infos = a
        .selection
        .visit(f, a.args.clone(), a.selector.clone())
        .await?;
    a.selection.check_local(&[], dry_run)?;
    if a.limits.is_empty() && a.requests.is_empty() {
        return Err(CmdError::new(
            "you must specify an update to requests or limits (in the form of --requests/--limits)",
        ));
    }
    let limits = resource_list(&a.limits).map_err(CmdError::new)?;
    let requests = resource_list(&a.requests).map_err(CmdError::new)?;
    patcher
        .run(infos, |info, obj, errors| {
            let spec = pod_spec_mut(info, obj)?;
            let containers =
                select_containers(spec, &["containers", "initContainers"], &a.containers);
            if containers.is_empty() {
                errors.objects.push(VisitError::plain(format!(
                    "error: unable to find container named {}",
                    a.containers
                )));
            }
            for c in containers {
                set_requirements(c, "limits", &limits);
                set_requirements(c, "requests", &requests);
            }
            Ok(())
        })
        .await
}

/// Merges `list` into the container's `resources.<field>`.
fn set_requirements(container: &mut Value, field: &str, list: &Map<String, Value>) {
    if list.is_empty() {
        return;
    }
    let Some(c) = container.as_object_mut() else {
        return;
    };
    let resources = c
        .entry("resources")
        .or_insert_with(|| Value::Object(Map::new()));
    if !resources.is_object() {
        *resources = Value::Object(Map::new());
    }
    let Value::Object(resources) = resources else {
        return;
    };
    let target = resources
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (k, v) in list {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// kubectl's `populateResourceListV1`: `cpu=100m,memory=256Mi` as
/// canonical quantities.
fn resource_list(spec: &str) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    if spec.is_empty() {
        return Ok(out);
    }
    for statement in spec.split(',') {
        let parts: Vec<&str> = statement.split('=').collect();
        let [name, quantity] = parts.as_slice() else {
            return Err(format!(
                "invalid argument syntax {statement}, expected <resource>=<value>"
            ));
        };
        let q = Quantity::parse(quantity).map_err(|e| e.to_string())?;
        out.insert(name.to_string(), Value::String(q.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resource_lists_are_canonical() {
        let l = resource_list("cpu=0.5,memory=512Mi").unwrap();
        assert_eq!(Value::Object(l), json!({"cpu": "500m", "memory": "512Mi"}));
        assert_eq!(
            resource_list("cpu").unwrap_err(),
            "invalid argument syntax cpu, expected <resource>=<value>"
        );
        assert!(resource_list("").unwrap().is_empty());
    }

    #[test]
    fn requirements_merge_into_existing() {
        let mut c = json!({"name": "a", "resources": {"limits": {"cpu": "1"}}});
        let l = resource_list("memory=1Gi").unwrap();
        set_requirements(&mut c, "limits", &l);
        assert_eq!(
            c["resources"],
            json!({"limits": {"cpu": "1", "memory": "1Gi"}})
        );
    }
}
