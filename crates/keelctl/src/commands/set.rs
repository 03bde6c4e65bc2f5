//! `keelctl set image`: new container images in a pod template, sent as
//! the strategic merge patch kubectl computes.

use crate::commands::create_generators::common::{print_object, DryRun, ObjectFlags};
use crate::commands::expose::visit_error;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Builder, Helper, VisitError};
use keelson_client::PatchType;
use serde_json::{json, Map, Value};

/// kubectl's field manager for `set`.
pub const FIELD_MANAGER: &str = "kubectl-set";

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
    /// Update the image of a pod template.
    Image(ImageArgs),
}

/// Flags of `set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ...`.
#[derive(Debug, clap::Args)]
pub struct ImageArgs {
    /// Resources, then CONTAINER=IMAGE pairs.
    args: Vec<String>,
    /// Filename, directory, or URL to files identifying the resource to get from a server.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Select all resources, in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        SetCommand::Image(a) => set_image(f, a).await,
    }
}

/// `CONTAINER=IMAGE` pairs apart from resource arguments, in order.
fn split_args(args: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut resources = Vec::new();
    let mut images = Vec::new();
    for a in args {
        match a.split_once('=') {
            Some((c, i)) => images.push((c.to_string(), i.to_string())),
            None => resources.push(a.clone()),
        }
    }
    (resources, images)
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

async fn set_image(f: &mut Factory, a: ImageArgs) -> CmdResult {
    let dry_run = a.flags.dry_run()?;
    let output = a.flags.output()?;
    let (resources, images) = split_args(&a.args);
    if resources.is_empty() && a.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::expose::NO_RESOURCES));
    }
    if images.is_empty() {
        return Err(CmdError::new("at least one image update is required"));
    }
    let builder = Builder {
        filenames: a.filenames.clone(),
        recursive: a.recursive,
        args: resources,
        label_selector: a.selector.clone(),
        all: a.all,
        require_object: true,
        latest: true,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let helper = Helper::for_writes(
        f.client()?,
        dry_run,
        a.flags
            .field_manager
            .clone()
            .unwrap_or_else(|| FIELD_MANAGER.into()),
    );
    for item in std::mem::take(&mut visited.items) {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        let object = info.object_or_empty();
        let kind = info.mapping.gvk.kind.clone();
        let Some(ptr) = pod_spec_pointer(&kind) else {
            // kubectl names the resource and the Go type it got.
            errors.objects.push(VisitError::plain(format!(
                "{}/{} the object is not a pod or does not have a pod template: *{}.{}",
                info.resource_with_group(),
                info.name,
                info.mapping.gvk.version,
                kind
            )));
            continue;
        };
        let (modified, patch) = match update_images(&object, ptr, &images) {
            Ok(r) => r,
            Err(msg) => {
                errors.objects.push(VisitError::plain(msg));
                continue;
            }
        };
        let Some(patch) = patch else {
            continue;
        };
        let result = if dry_run == DryRun::Client {
            print_object(
                &modified,
                &output,
                "image updated",
                dry_run,
                a.flags.show_managed_fields,
            )
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
                Ok(actual) => print_object(
                    &actual,
                    &output,
                    "image updated",
                    dry_run,
                    a.flags.show_managed_fields,
                ),
                Err(e) => {
                    let text = VisitError::client(e).text();
                    errors.objects.push(VisitError::plain(format!(
                        "failed to patch image update to pod template: {text}"
                    )));
                    continue;
                }
            }
        };
        if let Err(e) = result {
            errors.objects.push(visit_error(e));
        }
    }
    errors.into_result()
}

/// Sets the images in the pod spec at `ptr`; returns the modified object
/// and the strategic merge patch (`None` when nothing changed), or
/// kubectl's message for a container that does not exist.
pub fn update_images(
    object: &Value,
    ptr: &str,
    images: &[(String, String)],
) -> Result<(Value, Option<Value>), String> {
    let mut modified = object.clone();
    let Some(spec) = modified.pointer_mut(ptr) else {
        return Err(format!("unable to find container named {:?}", images[0].0));
    };
    let mut changed: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for field in ["initContainers", "containers"] {
        let mut patch_items = Vec::new();
        if let Some(list) = spec.get_mut(field).and_then(Value::as_array_mut) {
            for c in list.iter_mut() {
                let name = c
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let new = images
                    .iter()
                    .find(|(n, _)| n == &name)
                    .or_else(|| images.iter().find(|(n, _)| n == "*"));
                if let Some((_, image)) = new {
                    if c.get("image").and_then(Value::as_str) != Some(image.as_str()) {
                        c["image"] = json!(image);
                        patch_items.push(json!({ "image": image, "name": name }));
                    }
                }
            }
        }
        if !patch_items.is_empty() {
            changed.push((field, patch_items));
        }
    }
    for (name, _) in images {
        if name == "*" {
            continue;
        }
        let found = ["initContainers", "containers"].iter().any(|field| {
            spec.get(*field).and_then(Value::as_array).is_some_and(|l| {
                l.iter()
                    .any(|c| c.get("name").and_then(Value::as_str) == Some(name))
            })
        });
        if !found {
            return Err(format!("unable to find container named {name:?}"));
        }
    }
    if changed.is_empty() {
        return Ok((modified, None));
    }
    // kubectl's computed patch: the order directive, then the changed items, keys sorted.
    let mut inner = Map::new();
    for (field, _) in &changed {
        let order: Vec<Value> = spec
            .get(*field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| json!({ "name": c.get("name").cloned().unwrap_or(Value::Null) }))
            .collect();
        inner.insert(format!("$setElementOrder/{field}"), Value::Array(order));
    }
    for (field, items) in changed {
        inner.insert(field.to_string(), Value::Array(items));
    }
    let mut patch = Value::Object(inner);
    for segment in ptr.trim_start_matches('/').split('/').rev() {
        patch = json!({ segment: patch });
    }
    Ok((modified, Some(patch)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy() -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1"}, {"name": "side", "image": "busybox"}
        ]}}}})
    }

    #[test]
    fn patch_like_kubectl() {
        let (m, p) = update_images(
            &deploy(),
            "/spec/template/spec",
            &[("nginx".into(), "nginx:2".into())],
        )
        .unwrap();
        assert_eq!(
            m.pointer("/spec/template/spec/containers/0/image"),
            Some(&json!("nginx:2"))
        );
        assert_eq!(
            p.unwrap().to_string(),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"side"}],"containers":[{"image":"nginx:2","name":"nginx"}]}}}}"#
        );
    }

    #[test]
    fn star_unknown_and_unchanged() {
        let (_, p) = update_images(
            &deploy(),
            "/spec/template/spec",
            &[("*".into(), "x".into())],
        )
        .unwrap();
        assert_eq!(
            p.unwrap()
                .pointer("/spec/template/spec/containers")
                .map(|c| c.as_array().map(Vec::len)),
            Some(Some(2))
        );
        let e = update_images(
            &deploy(),
            "/spec/template/spec",
            &[("foo".into(), "x".into())],
        )
        .unwrap_err();
        assert_eq!(e, "unable to find container named \"foo\"");
        let (_, none) = update_images(
            &deploy(),
            "/spec/template/spec",
            &[("nginx".into(), "nginx:1".into())],
        )
        .unwrap();
        assert!(none.is_none());
    }
}
