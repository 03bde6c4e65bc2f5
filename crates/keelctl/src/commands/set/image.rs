//! `keelctl set image`: new container images in a pod template.

use super::patch::{Operation, Patcher};
use super::{pod_spec_mut, Selection};
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::VisitError;
use serde_json::{json, Value};

/// Flags of `set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ...`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files identifying the resource to get from a server.")))]
pub struct Args {
    /// Resources, then CONTAINER=IMAGE pairs.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
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

/// Runs `set image`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    let (resources, images) = split_args(&a.args);
    let dry_run = a.flags.dry_run()?;
    super::check_all_and_selector(a.selection.all, a.selector.as_deref())?;
    a.selection.check_local(&resources, dry_run)?;
    if resources.is_empty() && a.selection.files.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::expose::NO_RESOURCES));
    }
    if images.is_empty() {
        return Err(CmdError::new("at least one image update is required"));
    }
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        a.selection.local,
        Operation {
            verb: "image updated",
            failure: "failed to patch image update to pod template: ",
            patch_unchanged: false,
            name_errors: true,
        },
    )?;
    let infos = a.selection.visit(f, resources, a.selector.clone()).await?;
    patcher
        .run(infos, |info, obj, errors| {
            let spec = pod_spec_mut(info, obj)?;
            for name in update_images(spec, &images) {
                errors.objects.push(VisitError::plain(format!(
                    "error: unable to find container named {name:?}"
                )));
            }
            Ok(())
        })
        .await
}

/// Sets the images of the containers (init, regular and ephemeral) of
/// `pod_spec` named in `images` (`*` for every container); returns the
/// names that match no container.
pub fn update_images<'a>(pod_spec: &mut Value, images: &'a [(String, String)]) -> Vec<&'a str> {
    let mut missing = Vec::new();
    for (name, image) in images {
        let mut found = false;
        for field in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(list) = pod_spec.get_mut(field).and_then(Value::as_array_mut) else {
                continue;
            };
            for c in list.iter_mut() {
                if name == "*" || c.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                    c["image"] = json!(image);
                    found = true;
                }
            }
        }
        if !found {
            missing.push(name.as_str());
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Value {
        json!({"containers": [
            {"name": "nginx", "image": "nginx:1"}, {"name": "side", "image": "busybox"}
        ]})
    }

    #[test]
    fn named_and_star_updates() {
        let mut s = spec();
        let images = [("nginx".to_string(), "nginx:2".to_string())];
        assert!(update_images(&mut s, &images).is_empty());
        assert_eq!(s.pointer("/containers/0/image"), Some(&json!("nginx:2")));
        assert_eq!(s.pointer("/containers/1/image"), Some(&json!("busybox")));
        let star = [("*".to_string(), "x".to_string())];
        update_images(&mut s, &star);
        assert_eq!(s.pointer("/containers/1/image"), Some(&json!("x")));
    }

    #[test]
    fn unknown_containers_are_named() {
        let mut s = spec();
        let images = [
            ("foo".to_string(), "x".to_string()),
            ("nginx".to_string(), "nginx:3".to_string()),
        ];
        assert_eq!(update_images(&mut s, &images), vec!["foo"]);
        assert_eq!(s.pointer("/containers/0/image"), Some(&json!("nginx:3")));
    }
}
