//! What every object-making command shares (kubectl's `CreateSubcommandOptions`):
//! the dry-run strategy, the printer flags, `--save-config`, the field
//! manager, and sending the built object to the server.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use keelson_apimachinery::codec;
use keelson_client::RestClient;
use serde_json::{Map, Value};

/// The annotation `--save-config` writes (kubectl's `LastAppliedConfigAnnotation`).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Output formats kubectl's printer flags accept, for its error message.
const ALLOWED_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,\
jsonpath-file,kyaml,name,template,templatefile,yaml";

/// kubectl's `--dry-run` strategies (the printers' type, shared by every command).
pub use crate::printers::DryRun;

/// Flags shared by `create <generator>`, `run`, `expose`: dry run, output,
/// `--save-config`, `--field-manager`, `--validate`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ObjectFlags {
    /// Must be "none", "server", or "client". If client strategy, only print
    /// the object that would be sent, without sending it.
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "unchanged")]
    pub dry_run: Option<String>,
    /// Output format: json, yaml, name.
    #[arg(short = 'o', long = "output")]
    pub output: Option<String>,
    /// Template string or path to template file to use when -o=go-template, -o=go-template-file.
    #[arg(long = "template")]
    pub template: Option<String>,
    /// If true, ignore any errors in templates when a field or map key is missing in the template.
    #[arg(long = "allow-missing-template-keys", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub allow_missing_template_keys: Option<bool>,
    /// If true, the configuration of current object will be saved in its annotation.
    #[arg(long = "save-config")]
    pub save_config: bool,
    /// Name of the manager used to track field ownership.
    #[arg(long = "field-manager")]
    pub field_manager: Option<String>,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long = "validate", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    pub validate: Option<String>,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long = "show-managed-fields")]
    pub show_managed_fields: bool,
}

impl ObjectFlags {
    /// kubectl's `GetDryRunStrategy`, including the deprecation warning for a bare `--dry-run`.
    pub fn dry_run(&self) -> CmdResult<DryRun> {
        match self.dry_run.as_deref() {
            None | Some("none") => Ok(DryRun::None),
            Some("client") => Ok(DryRun::Client),
            Some("server") => Ok(DryRun::Server),
            Some("unchanged") => {
                eprintln!(
                    "W{} --dry-run is deprecated and can be replaced with --dry-run=client.",
                    klog_time()
                );
                Ok(DryRun::Client)
            }
            Some(other) => Err(CmdError::new(format!(
                "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ))),
        }
    }

    /// The output format, checked before anything is sent (kubectl's `ToPrinter`).
    pub fn output(&self) -> CmdResult<Output> {
        let template = self.template.as_deref().filter(|t| !t.is_empty());
        match (self.output.as_deref(), template) {
            (None | Some(""), None) => Ok(Output::Success),
            (Some("json"), _) => Ok(Output::Json),
            (Some("yaml"), _) => Ok(Output::Yaml),
            (Some("name"), _) => Ok(Output::Name),
            (other, _) => {
                let unmatched = || {
                    CmdError::new(format!(
                        "unable to match a printer suitable for the output format \"{}\", allowed formats are: {ALLOWED_FORMATS}",
                        other.unwrap_or_default()
                    ))
                };
                match crate::printers::OutputFormat::parse_with_template(other, template) {
                    // Table formats do not apply to a single mutated object.
                    Ok(f)
                        if !f.is_table()
                            && !matches!(f, crate::printers::OutputFormat::CustomColumns(_)) =>
                    {
                        Ok(Output::Other(f.allow_missing_keys(
                            self.allow_missing_template_keys.unwrap_or(true),
                        )))
                    }
                    Err(e) if !e.message.contains("unable to match a printer suitable") => Err(e),
                    _ => Err(unmatched()),
                }
            }
        }
    }

    /// `fieldValidation` from `--validate` (kubectl's default is Strict).
    pub fn field_validation(&self) -> CmdResult<&'static str> {
        match self.validate.as_deref() {
            None | Some("strict") | Some("true") => Ok("Strict"),
            Some("warn") => Ok("Warn"),
            Some("ignore") | Some("false") => Ok("Ignore"),
            Some(other) => Err(CmdError::new(format!(
                "invalid - validate option \"{other}\"; must be one of: strict (or true), warn, ignore (or false)"
            ))),
        }
    }
}

/// How a finished object is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// `deployment.apps/web created`.
    Success,
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o name`.
    Name,
    /// `-o jsonpath=...`, `custom-columns=...`, `kyaml`: kubectl's other printers.
    Other(crate::printers::OutputFormat),
}

/// Where a built-in kind lives; the typed clients of kubectl know these statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// API group, empty for core.
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Plural resource.
    pub resource: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

impl Target {
    /// `apps/v1` or `v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection path, e.g. `/apis/apps/v1/namespaces/ns/deployments`.
    pub fn collection_path(&self, namespace: &str) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if self.namespaced {
            format!("{base}/namespaces/{namespace}/{}", self.resource)
        } else {
            format!("{base}/{}", self.resource)
        }
    }

    /// The object's path.
    pub fn object_path(&self, namespace: &str, name: &str) -> String {
        format!("{}/{name}", self.collection_path(namespace))
    }
}

/// Macro-free constructor for the targets used by the generators.
pub const fn target(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Target {
    Target {
        group,
        version,
        resource,
        kind,
        namespaced,
    }
}

/// The kinds the generators make.
pub mod kinds {
    use super::{target, Target};
    /// apps/v1 Deployment.
    pub const DEPLOYMENT: Target = target("apps", "v1", "deployments", "Deployment", true);
    /// v1 Namespace.
    pub const NAMESPACE: Target = target("", "v1", "namespaces", "Namespace", false);
    /// v1 ConfigMap.
    pub const CONFIGMAP: Target = target("", "v1", "configmaps", "ConfigMap", true);
    /// v1 Secret.
    pub const SECRET: Target = target("", "v1", "secrets", "Secret", true);
    /// v1 Service.
    pub const SERVICE: Target = target("", "v1", "services", "Service", true);
    /// v1 Pod.
    pub const POD: Target = target("", "v1", "pods", "Pod", true);
    /// batch/v1 Job.
    pub const JOB: Target = target("batch", "v1", "jobs", "Job", true);
    /// batch/v1 CronJob.
    pub const CRONJOB: Target = target("batch", "v1", "cronjobs", "CronJob", true);
    /// rbac Role.
    pub const ROLE: Target = target("rbac.authorization.k8s.io", "v1", "roles", "Role", true);
    /// rbac RoleBinding.
    pub const ROLEBINDING: Target = target(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    );
    /// rbac ClusterRole.
    pub const CLUSTERROLE: Target = target(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    );
    /// rbac ClusterRoleBinding.
    pub const CLUSTERROLEBINDING: Target = target(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    );
    /// v1 ServiceAccount.
    pub const SERVICEACCOUNT: Target = target("", "v1", "serviceaccounts", "ServiceAccount", true);
    /// v1 ResourceQuota.
    pub const QUOTA: Target = target("", "v1", "resourcequotas", "ResourceQuota", true);
    /// scheduling PriorityClass.
    pub const PRIORITYCLASS: Target = target(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
    );
    /// policy/v1 PodDisruptionBudget.
    pub const PDB: Target = target(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    );
    /// networking Ingress.
    pub const INGRESS: Target = target("networking.k8s.io", "v1", "ingresses", "Ingress", true);
}

/// Go's field order of `metav1.ObjectMeta`, which typed objects print in.
const META_ORDER: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Reorders `metadata` into Go's field order so `-o json` of a built object
/// matches kubectl's typed encoding.
pub fn order_metadata(meta: &mut Map<String, Value>) {
    let mut old = std::mem::take(meta);
    for key in META_ORDER {
        if let Some(v) = old.remove(*key) {
            meta.insert((*key).to_string(), v);
        }
    }
    meta.extend(old);
}

/// A new object `{kind, apiVersion, metadata: {name}}` in Go's field order.
pub fn new_object(t: &Target, name: &str) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("kind".into(), Value::String(t.kind.into()));
    obj.insert("apiVersion".into(), Value::String(t.api_version()));
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.into()));
    obj.insert("metadata".into(), Value::Object(meta));
    obj
}

/// Mutable access to `metadata`, created when missing.
pub fn metadata(obj: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().expect("made an object above")
}

/// One command's request to create an object: what, where, and how to report it.
pub struct CreateRequest<'a> {
    /// The kind's location.
    pub target: Target,
    /// The object.
    pub object: Map<String, Value>,
    /// The shared flags.
    pub flags: &'a ObjectFlags,
    /// kubectl's default field manager for the command (`kubectl-create`).
    pub default_manager: &'a str,
}

/// Sets `metadata.namespace` when `-n` was given (kubectl's `EnforceNamespace`),
/// adds `--save-config`'s annotation, then creates the object (or not, for a
/// client dry run) and prints it. Returns the object as the server answered.
pub async fn create_and_print(f: &mut Factory, req: CreateRequest<'_>) -> CmdResult<Value> {
    create_and_print_as(f, req, "created").await
}

/// [`create_and_print`] with another success verb (`exposed`).
pub async fn create_and_print_as(
    f: &mut Factory,
    req: CreateRequest<'_>,
    verb: &str,
) -> CmdResult<Value> {
    let dry_run = req.flags.dry_run()?;
    let output = req.flags.output()?;
    let (namespace, explicit) = f.namespace()?;
    let mut object = req.object;
    if req.target.namespaced && explicit {
        metadata(&mut object).insert("namespace".into(), Value::String(namespace.clone()));
        order_metadata(metadata(&mut object));
    }
    if req.flags.save_config {
        save_config(&mut object);
    }
    let object = Value::Object(object);
    let result = if dry_run == DryRun::Client {
        object
    } else {
        let client = f.client()?;
        send_create(
            &client,
            &req.target,
            &namespace,
            &object,
            req.flags,
            req.default_manager,
            dry_run,
        )
        .await?
    };
    print_object(
        &result,
        &output,
        verb,
        dry_run,
        req.flags.show_managed_fields,
    )?;
    Ok(result)
}

/// POSTs `object` to its collection with kubectl's create options.
pub async fn send_create(
    client: &RestClient,
    target: &Target,
    namespace: &str,
    object: &Value,
    flags: &ObjectFlags,
    default_manager: &str,
    dry_run: DryRun,
) -> CmdResult<Value> {
    let mut request = client
        .post()
        .abs_path(target.collection_path(namespace))
        .body(object);
    if dry_run == DryRun::Server {
        request = request.param("dryRun", "All");
    }
    let manager = flags.field_manager.as_deref().unwrap_or(default_manager);
    request = request
        .param("fieldManager", manager)
        .param("fieldValidation", flags.field_validation()?);
    Ok(request.json().await?)
}

/// kubectl's `CreateOrUpdateAnnotation`: the object as JSON (without the
/// annotation itself) plus a newline, stored in the last-applied annotation.
pub fn save_config(object: &mut Map<String, Value>) {
    let mut copy = object.clone();
    if let Some(Value::Object(ann)) = metadata(&mut copy).get_mut("annotations") {
        ann.remove(LAST_APPLIED);
        if ann.is_empty() {
            metadata(&mut copy).remove("annotations");
        }
    }
    let text = format!("{}\n", codec::to_json(&Value::Object(copy)));
    let meta = metadata(object);
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(a) = annotations {
        a.insert(LAST_APPLIED.into(), Value::String(text));
    }
    order_metadata(meta);
}

/// `deployment.apps/web`: kubectl's name printer (lower-case kind, group).
pub fn resource_name(object: &Value) -> String {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if group.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}.{group}/{name}")
    }
}

/// Prints `object` as kubectl does after a mutating command: the success
/// line (`deployment.apps/web created (dry run)`), or the object in the
/// asked format.
pub fn print_object(
    object: &Value,
    output: &Output,
    verb: &str,
    dry_run: DryRun,
    show_managed_fields: bool,
) -> CmdResult {
    let mut object = object.clone();
    typed_round_trip(&mut object);
    print_with(&object, output, verb, dry_run, show_managed_fields, false)
}

/// [`print_object`] for objects kubectl handles unstructured: no typed
/// round trip, and JSON keys sorted as Go encodes maps.
pub fn print_object_as_is(
    object: &Value,
    output: &Output,
    verb: &str,
    dry_run: DryRun,
    show_managed_fields: bool,
) -> CmdResult {
    print_with(object, output, verb, dry_run, show_managed_fields, true)
}

fn print_with(
    object: &Value,
    output: &Output,
    verb: &str,
    dry_run: DryRun,
    show_managed_fields: bool,
    unstructured: bool,
) -> CmdResult {
    let mut object = object.clone();
    // Only kubectl's JSON and YAML printers drop managedFields.
    let hides = match output {
        Output::Other(format) => format.hides_managed_fields(),
        _ => true,
    };
    if !show_managed_fields && hides {
        if let Some(Value::Object(meta)) = object.get_mut("metadata") {
            meta.remove("managedFields");
        }
    }
    let text = match output {
        Output::Success => format!("{} {verb}{}\n", resource_name(&object), dry_run.suffix()),
        Output::Name => format!("{}\n", resource_name(&object)),
        Output::Json if unstructured => codec::to_json_pretty(&sorted(object)),
        Output::Json => codec::to_json_pretty(&object),
        Output::Yaml => {
            // kubectl's YAML printer separates every object after the first.
            let first = YAML_PRINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
            let sep = if first { "" } else { "---\n" };
            format!("{sep}{}", codec::to_yaml(&sorted(object)))
        }
        Output::Other(crate::printers::OutputFormat::GoTemplate(t)) => {
            crate::printers::render_go_template(t, &object, !unstructured)?
        }
        Output::Other(format) => crate::printers::render(&object, format, true)?,
    };
    print!("{text}");
    Ok(())
}

/// How many objects went through the YAML printer in this process.
static YAML_PRINTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Fields kubectl prints for typed objects even when the server sent none:
/// Go encodes non-pointer structs such as `ServiceStatus.loadBalancer` as `{}`.
fn typed_round_trip(object: &mut Value) {
    /// Kinds whose Go type has a non-pointer `Status` struct.
    const WITH_STATUS: &[&str] = &[
        "Pod",
        "Service",
        "Namespace",
        "Node",
        "ReplicationController",
        "PersistentVolumeClaim",
        "ResourceQuota",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
        "Ingress",
    ];
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Value::Object(o) = object else {
        return;
    };
    if let Some(Value::Object(meta)) = o.get_mut("metadata") {
        order_metadata(meta);
    }
    if kind == "Deployment" {
        if let Some(Value::Object(spec)) = o.get_mut("spec") {
            reorder(spec, "DeploymentSpec");
        }
    }
    if let Some(ptr) = crate::commands::set::pod_spec_pointer(&kind) {
        let mut tmp = Value::Object(std::mem::take(o));
        if let Some(Value::Object(pod_spec)) = tmp.pointer_mut(ptr) {
            reorder(pod_spec, "PodSpec");
            for field in ["initContainers", "containers"] {
                if let Some(Value::Array(list)) = pod_spec.get_mut(field) {
                    for c in list.iter_mut().filter_map(Value::as_object_mut) {
                        reorder(c, "Container");
                    }
                }
            }
        }
        if let Value::Object(back) = tmp {
            *o = back;
        }
    }
    if WITH_STATUS.contains(&kind.as_str()) {
        let status = o
            .entry("status")
            .or_insert_with(|| Value::Object(Map::new()));
        if let (Value::Object(s), "Service" | "Ingress") = (status, kind.as_str()) {
            s.entry("loadBalancer")
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
}

/// Puts the fields of Go struct `go_struct` first, in Go's order; the rest
/// keep theirs.
fn reorder(map: &mut Map<String, Value>, go_struct: &str) {
    let mut old = std::mem::take(map);
    for key in crate::commands::cluster_info::typed::field_order(go_struct) {
        if let Some(v) = old.remove(key) {
            map.insert(key.to_string(), v);
        }
    }
    map.extend(old);
}

/// Keys sorted at every level, as `sigs.k8s.io/yaml` writes maps.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// klog's header time, `1122 16:38:14.778781`, for warnings kubectl logs through klog.
fn klog_time() -> String {
    let now = chrono::Local::now();
    format!(
        "{} {:>7} helpers.go:714]",
        now.format("%m%d %H:%M:%S%.6f"),
        std::process::id()
    )
}

/// kubectl's usage error for a missing or extra NAME.
pub fn name_required(args: &[String], command: &str) -> CmdResult<String> {
    match args {
        [name] => Ok(name.clone()),
        _ => Err(CmdError::new(format!(
            "exactly one NAME is required, got {}\nSee 'keelctl {command} -h' for help and examples",
            args.len()
        ))),
    }
}

/// cobra's check of required flags, run before anything else:
/// `required flag(s) "image", "schedule" not set`.
pub fn require_flags(flags: &[(&str, bool)]) -> CmdResult {
    let missing: Vec<String> = flags
        .iter()
        .filter(|(_, set)| !set)
        .map(|(name, _)| format!("{name:?}"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CmdError::new(format!(
            "required flag(s) {} not set",
            missing.join(", ")
        )))
    }
}

/// A `map[string]string` as JSON, keys sorted as Go encodes maps.
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let mut entries: Vec<(&String, &String)> = pairs.into_iter().collect();
    entries.sort();
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

/// `intstr.Parse`: an integer when the text is one, else the string.
pub fn int_or_string(text: &str) -> Value {
    match text.parse::<i32>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_names_follow_kubectl() {
        let d = json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web"}});
        assert_eq!(resource_name(&d), "deployment.apps/web");
        let n = json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "x"}});
        assert_eq!(resource_name(&n), "namespace/x");
    }

    #[test]
    fn save_config_matches_kubectl() {
        let mut o = new_object(&kinds::SERVICEACCOUNT, "sa1");
        metadata(&mut o).insert("namespace".into(), json!("kube-system"));
        save_config(&mut o);
        assert_eq!(
            codec::to_json(&Value::Object(o)),
            r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","namespace":"kube-system","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"ServiceAccount\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"sa1\",\"namespace\":\"kube-system\"}}\n"}}}"#
        );
    }

    #[test]
    fn dry_run_values() {
        let mut f = ObjectFlags {
            dry_run: Some("server".into()),
            ..Default::default()
        };
        assert_eq!(f.dry_run().unwrap(), DryRun::Server);
        f.dry_run = Some("bogus".into());
        assert_eq!(
            f.dry_run().unwrap_err().message,
            "error: Invalid dry-run value (bogus). Must be \"none\", \"server\", or \"client\"."
        );
    }

    #[test]
    fn int_or_string_parses_like_intstr() {
        assert_eq!(int_or_string("80"), json!(80));
        assert_eq!(int_or_string("50%"), json!("50%"));
        assert_eq!(int_or_string("http"), json!("http"));
    }
}
