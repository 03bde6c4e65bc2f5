//! `keelctl scale`: sets `spec.replicas` through the `scale` subresource,
//! with kubectl's preconditions (`--current-replicas`, `--resource-version`).

use crate::commands::create_generators::common::{
    print_object_as_is, require_flags, DryRun, ObjectFlags, Output,
};
use crate::commands::expose::{visit_error, NO_RESOURCES};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Builder, Helper, Info, VisitError};
use keelson_client::PatchType;
use serde_json::{json, Value};

/// kubectl's field manager for `scale`.
pub const FIELD_MANAGER: &str = "kubectl-scale";

/// Flags of `keelctl scale`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// The new desired number of replicas. Required.
    #[arg(long, allow_negative_numbers = true)]
    replicas: Option<i32>,
    /// Precondition for current size. Requires that the current size of the resource match this value in order to scale.
    #[arg(long = "current-replicas", default_value_t = -1, allow_negative_numbers = true)]
    current_replicas: i32,
    /// Precondition for resource version. Requires that the current resource version match this value in order to scale.
    #[arg(long = "resource-version", default_value = "")]
    resource_version: String,
    /// Filename, directory, or URL to files identifying the resource to set a new size.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Select all resources in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// Shared output and dry-run flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    require_flags(&[("replicas", args.replicas.is_some())])?;
    let replicas = args.replicas.unwrap_or(-1);
    if replicas < 0 {
        return Err(CmdError::new(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    let dry_run = args.flags.dry_run()?;
    let output = args.flags.output()?;
    if args.args.is_empty() && args.filenames.is_empty() {
        return Err(CmdError::new(NO_RESOURCES));
    }
    let builder = Builder {
        filenames: args.filenames.clone(),
        recursive: args.recursive,
        args: args.args.clone(),
        label_selector: args.selector.clone(),
        all: args.all,
        require_object: true,
        latest: true,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let helper = Helper::for_writes(
        f.client()?,
        dry_run,
        args.flags
            .field_manager
            .clone()
            .unwrap_or_else(|| FIELD_MANAGER.into()),
    );
    for item in std::mem::take(&mut visited.items) {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        if dry_run != DryRun::Client {
            if let Err(e) = scale_one(&helper, &info, &args, replicas).await {
                errors.objects.push(e);
                continue;
            }
        }
        let mut object = info.object_or_empty();
        if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("replicas".into(), json!(replicas));
        }
        if output == Output::Success {
            println!(
                "{}/{} scaled{}",
                info.kind_with_group(),
                info.name,
                dry_run.suffix()
            );
        } else if let Err(e) = print_object_as_is(
            &object,
            &output,
            "scaled",
            dry_run,
            args.flags.show_managed_fields,
        ) {
            errors.objects.push(visit_error(e));
        }
    }
    errors.into_result()
}

/// kubectl's `ScaleSimple`: with preconditions, read the scale, check it and
/// write it back (conflicts surface as errors); without, one merge patch.
async fn scale_one(
    helper: &Helper,
    info: &Info,
    args: &Args,
    replicas: i32,
) -> Result<(), VisitError> {
    let preconditions = args.current_replicas >= 0 || !args.resource_version.is_empty();
    if !preconditions {
        let body = format!("{{\"spec\":{{\"replicas\":{replicas}}}}}");
        helper
            .patch(info, PatchType::Merge, body.as_bytes(), Some("scale"), None)
            .await
            .map_err(VisitError::client)?;
        return Ok(());
    }
    let mut scale = get_scale(helper, info).await?;
    check_preconditions(&scale, args.current_replicas, &args.resource_version)
        .map_err(VisitError::plain)?;
    if let Some(spec) = scale.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("replicas".into(), json!(replicas));
    } else if let Some(o) = scale.as_object_mut() {
        o.insert("spec".into(), json!({ "replicas": replicas }));
    }
    let mut req = helper
        .client()
        .put()
        .abs_path(scale_path(info))
        .body(&scale);
    if helper.server_dry_run {
        req = req.param("dryRun", "All");
    }
    if let Some(m) = &helper.field_manager {
        req = req.param("fieldManager", m);
    }
    req.json().await.map_err(VisitError::client)?;
    Ok(())
}

/// The info's `scale` subresource path.
fn scale_path(info: &Info) -> String {
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
    format!("{base}{ns}/{}/{}/scale", gvr.resource, info.name)
}

async fn get_scale(helper: &Helper, info: &Info) -> Result<Value, VisitError> {
    helper
        .client()
        .get()
        .abs_path(scale_path(info))
        .json()
        .await
        .map_err(VisitError::client)
}

/// kubectl's `ScalePrecondition.validate`.
pub fn check_preconditions(
    scale: &Value,
    current: i32,
    resource_version: &str,
) -> Result<(), String> {
    if current >= 0 {
        let actual = scale
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if actual != i64::from(current) {
            return Err(format!("Expected replicas to be {current}, was {actual}"));
        }
    }
    if !resource_version.is_empty() {
        let actual = scale
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        if actual != resource_version {
            return Err(format!(
                "Expected resource version to be {resource_version}, was {actual}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_read_like_kubectl() {
        let scale = json!({"metadata": {"resourceVersion": "17"}, "spec": {"replicas": 2}});
        assert_eq!(
            check_preconditions(&scale, 1, ""),
            Err("Expected replicas to be 1, was 2".into())
        );
        assert_eq!(
            check_preconditions(&scale, -1, "1"),
            Err("Expected resource version to be 1, was 17".into())
        );
        assert_eq!(check_preconditions(&scale, 2, "17"), Ok(()));
    }
}
