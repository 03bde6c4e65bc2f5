//! The piece every `set` subcommand shares (kubectl's `CalculatePatches`
//! and the loop after it): mutate each object, compute the strategic merge
//! patch from before to after, then print the mutated object (`--local`,
//! `--dry-run=client`) or send the patch and print the server's answer.

use crate::commands::create_generators::common::ObjectFlags;
use crate::error::CmdResult;
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::threeway::{builtin_schema, create_merge_patch, two_way_strategic};
use crate::resource::{Helper, Info, MutationPrinter, VisitError, VisitErrors};
use keelson_client::PatchType;
use serde_json::{Map, Value};

/// How one `set` subcommand words and decides things.
pub struct Operation {
    /// The success verb: `env updated`.
    pub verb: &'static str,
    /// What precedes the server's error when a patch fails
    /// (`failed to patch env update to pod template: `); empty to report
    /// the server's error as it is.
    pub failure: &'static str,
    /// Whether objects the mutation left unchanged are still patched and
    /// printed (`set serviceaccount`, `set selector`) rather than skipped.
    pub patch_unchanged: bool,
    /// Whether a mutation's error is reported as `error: <resource>/<name>
    /// <message>` (most commands) or as the message alone (`set selector`).
    pub name_errors: bool,
}

/// Sends or prints the mutated objects of one `set` run.
pub struct Patcher {
    helper: Helper,
    printer: MutationPrinter,
    offline: bool,
    operation: Operation,
}

impl Patcher {
    /// A patcher for `flags` (`-o`, `--field-manager`) and the parsed
    /// `--dry-run`; `local` keeps everything off the server.
    pub fn new(
        f: &mut Factory,
        flags: &ObjectFlags,
        dry_run: DryRun,
        local: bool,
        operation: Operation,
    ) -> CmdResult<Patcher> {
        let printer = MutationPrinter::with_template(
            flags.output.as_deref(),
            flags.template.as_deref(),
            dry_run,
            flags.show_managed_fields,
        )?
        .allow_missing_keys(flags.allow_missing_template_keys.unwrap_or(true));
        let manager = flags
            .field_manager
            .clone()
            .unwrap_or_else(|| super::FIELD_MANAGER.into());
        Ok(Patcher {
            helper: Helper::for_writes(f.client()?, dry_run, manager),
            printer,
            offline: local || dry_run == DryRun::Client,
            operation,
        })
    }

    /// Mutates every object with `mutate`, then prints or patches each in
    /// turn; failures are reported together at the end.
    /// `mutate` may also add errors of its own to the report (before the
    /// failures of any patch, as kubectl collects them).
    pub async fn run<F>(&mut self, infos: Vec<Info>, mut mutate: F) -> CmdResult
    where
        F: FnMut(&Info, &mut Value, &mut VisitErrors) -> Result<(), String>,
    {
        let mut errors = VisitErrors::default();
        let mut patches = Vec::with_capacity(infos.len());
        for info in infos {
            let before = info.object_or_empty();
            let mut after = before.clone();
            let result = mutate(&info, &mut after, &mut errors)
                .map(|()| strategic_patch(&info, &before, &after));
            patches.push((info, after, result));
        }
        for (info, after, result) in patches {
            let patch = match result {
                Ok(patch) => patch,
                Err(msg) => {
                    errors.objects.push(self.mutation_error(&info, msg));
                    continue;
                }
            };
            let unchanged = patch.as_object().is_some_and(Map::is_empty);
            if unchanged && !self.operation.patch_unchanged {
                continue;
            }
            if self.offline {
                self.printer.print(&typed(after), self.operation.verb)?;
                continue;
            }
            let body = keelson_apimachinery::codec::to_json(&patch);
            match self
                .helper
                .patch(
                    &info,
                    PatchType::StrategicMerge,
                    body.as_bytes(),
                    None,
                    None,
                )
                .await
            {
                Ok(actual) => self.printer.print(&typed(actual), self.operation.verb)?,
                Err(e) => errors.objects.push(self.patch_error(e)),
            }
        }
        errors.into_result()
    }

    fn mutation_error(&self, info: &Info, msg: String) -> VisitError {
        if self.operation.name_errors {
            VisitError::plain(format!("error: {} {msg}\n", object_name(info)))
        } else {
            VisitError::plain(msg)
        }
    }

    fn patch_error(&self, e: keelson_client::Error) -> VisitError {
        let e = VisitError::client(e);
        if self.operation.failure.is_empty() {
            e
        } else {
            VisitError::plain(format!("{}{}", self.operation.failure, e.text()))
        }
    }
}

/// The object as kubectl's typed encoding prints it: kubectl decodes
/// `set`'s objects into Go structs, whose struct-valued fields are never
/// omitted: an empty `status` prints as `status: {}` (a service's with
/// `loadBalancer: {}`), a template's missing `metadata` as `metadata: {}`,
/// a container's missing `resources` as `resources: {}`.
fn typed(mut obj: Value) -> Value {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let pod_spec = super::pod_spec_pointer(&kind);
    let Some(map) = obj.as_object_mut() else {
        return obj;
    };
    if pod_spec.is_some() || kind == "Service" {
        let status = map
            .entry("status")
            .or_insert_with(|| Value::Object(Map::new()));
        if let (true, Some(status)) = (kind == "Service", status.as_object_mut()) {
            status
                .entry("loadBalancer")
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    // The templates holding the pod spec (`/spec/template`, and a cron
    // job's `/spec/jobTemplate`) are `metadata` + `spec` structs.
    let templates = match kind.as_str() {
        "CronJob" => &["/spec/jobTemplate", "/spec/jobTemplate/spec/template"][..],
        "Pod" => &[][..],
        _ if pod_spec.is_some() => &["/spec/template"][..],
        _ => &[][..],
    };
    for t in templates {
        if let Some(Value::Object(t)) = obj.pointer_mut(t) {
            t.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    if let Some(spec) = pod_spec.and_then(|p| obj.pointer_mut(p)) {
        for field in ["initContainers", "containers", "ephemeralContainers"] {
            let containers = spec.get_mut(field).and_then(Value::as_array_mut);
            for c in containers.into_iter().flatten() {
                if let Some(c) = c.as_object_mut() {
                    c.entry("resources")
                        .or_insert_with(|| Value::Object(Map::new()));
                }
            }
        }
    }
    obj
}

/// cli-runtime's `Info.ObjectName`: `deployments/web`.
pub fn object_name(info: &Info) -> String {
    format!("{}/{}", info.mapping.gvr.resource, info.name)
}

/// strategicpatch's `CreateTwoWayMergePatch` from `before` to `after`, keys
/// sorted as Go marshals it; an empty object when nothing changed. Kinds
/// without a built-in schema get a JSON merge patch.
pub fn strategic_patch(info: &Info, before: &Value, after: &Value) -> Value {
    let gvk = &info.mapping.gvk;
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let patch = builtin_schema(&gvk.group, &gvk.version, &gvk.kind)
        .and_then(|schema| two_way_strategic(b, a, schema).ok())
        .map(Value::Object)
        .unwrap_or_else(|| create_merge_patch(before, after));
    crate::printers::sort_keys(&patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::gvk::{GroupVersionKind, GroupVersionResource};
    use keelson_client::restmapper::{RestMapping, Scope};
    use serde_json::json;

    fn deployment() -> Info {
        Info {
            source: String::new(),
            mapping: RestMapping {
                gvr: GroupVersionResource::new("apps", "v1", "deployments"),
                gvk: GroupVersionKind::new("apps", "v1", "Deployment"),
                scope: Scope::Namespace,
            },
            namespace: "default".into(),
            name: "web".into(),
            object: None,
        }
    }

    fn web(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": image}, {"name": "side", "image": "busybox"}
        ]}}}})
    }

    #[test]
    fn patches_are_kubectls_two_way_strategic_merge() {
        let info = deployment();
        let patch = strategic_patch(&info, &web("nginx:1"), &web("nginx:2"));
        assert_eq!(
            keelson_apimachinery::codec::to_json(&patch),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"side"}],"containers":[{"image":"nginx:2","name":"nginx"}]}}}}"#
        );
        assert_eq!(strategic_patch(&info, &web("x"), &web("x")), json!({}));
        assert_eq!(object_name(&info), "deployments/web");
    }

    #[test]
    fn typed_printing_fills_go_structs() {
        let printed = typed(web("x"));
        assert_eq!(printed["status"], json!({}));
        assert_eq!(printed.pointer("/spec/template/metadata"), Some(&json!({})));
        assert_eq!(
            printed.pointer("/spec/template/spec/containers/1/resources"),
            Some(&json!({}))
        );
        let svc = typed(json!({"kind": "Service", "spec": {}}));
        assert_eq!(svc["status"], json!({"loadBalancer": {}}));
        let cm = typed(json!({"kind": "ConfigMap", "data": {}}));
        assert!(cm.get("status").is_none());
    }
}
