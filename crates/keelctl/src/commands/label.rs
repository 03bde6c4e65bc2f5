//! `keelctl label` (and, through [`update_metadata`], `keelctl annotate`):
//! add, change or remove labels on objects with a JSON merge patch.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::object::metadata_mut;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::threeway::create_merge_patch;
use crate::resource::{Builder, Helper, Info, VisitError};
use keelson_apimachinery::codec::to_json;
use keelson_client::PatchType;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Flags of `keelctl label` (and `annotate`).
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files identifying the resource to update")))]
pub struct Args {
    /// `TYPE NAME KEY_1=VAL_1 ... KEY_N=VAL_N` or `TYPE/NAME KEY-`.
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// If true, allow labels to be overwritten, otherwise reject updates that overwrite existing labels.
    #[arg(long)]
    overwrite: bool,
    /// If true, display the labels for a given resource.
    #[arg(long)]
    list: bool,
    /// If true, will not contact api-server but run locally.
    #[arg(long)]
    local: bool,
    /// Select all resources, in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// If true, check the specified action in all namespaces.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Selector (field query) to filter on.
    #[arg(long)]
    field_selector: Option<String>,
    /// If non-empty, the update will only succeed if this is the current resource-version for the object.
    #[arg(long)]
    resource_version: Option<String>,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// Name of the manager used to track field ownership.
    #[arg(long)]
    field_manager: Option<String>,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

/// Which metadata map a command edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// `metadata.labels` (`keelctl label`).
    Labels,
    /// `metadata.annotations` (`keelctl annotate`).
    Annotations,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::Labels => "labels",
            Field::Annotations => "annotations",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Field::Labels => "label",
            Field::Annotations => "annotation",
        }
    }

    fn field_manager(self) -> &'static str {
        match self {
            Field::Labels => "kubectl-label",
            Field::Annotations => "kubectl-annotate",
        }
    }
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    update_metadata(f, args, Field::Labels).await
}

/// cmdutil's `GetResourcesAndPairs`: resource arguments, then `k=v` / `k-` pairs.
fn split_pairs(args: &[String], field: Field) -> CmdResult<(Vec<String>, Vec<String>)> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in args {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        match (pairs.is_empty(), pair) {
            (_, true) => pairs.push(s.clone()),
            (true, false) => resources.push(s.clone()),
            (false, false) => {
                return Err(CmdError::new(format!(
                    "all resources must be specified before {} changes: {s}",
                    field.singular()
                )))
            }
        }
    }
    Ok((resources, pairs))
}

type Updates = (BTreeMap<String, String>, Vec<String>);

/// kubectl's `parseLabels`.
fn parse_labels(pairs: &[String]) -> CmdResult<Updates> {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    for spec in pairs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            if parts.len() != 2 {
                return Err(CmdError::new(format!("invalid label spec: {spec}")));
            }
            if let Some(problem) = label_value_problem(parts[1]) {
                return Err(CmdError::new(format!(
                    "invalid label value: {spec:?}: {problem}"
                )));
            }
            set.insert(parts[0].to_string(), parts[1].to_string());
        } else if let Some(key) = spec.strip_suffix('-') {
            remove.push(key.to_string());
        } else {
            return Err(CmdError::new(format!("unknown label spec: {spec}")));
        }
    }
    if remove.iter().any(|r| set.contains_key(r)) {
        return Err(CmdError::new(
            "can not both modify and remove a label in the same command",
        ));
    }
    Ok((set, remove))
}

/// apimachinery's `IsValidLabelValue`.
fn label_value_problem(value: &str) -> Option<String> {
    let mut problems = Vec::new();
    if value.len() > 63 {
        problems.push("must be no more than 63 characters".to_string());
    }
    let bytes = value.as_bytes();
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let valid = value.is_empty()
        || (alnum(bytes[0])
            && alnum(bytes[bytes.len() - 1])
            && bytes
                .iter()
                .all(|&b| alnum(b) || b == b'-' || b == b'_' || b == b'.'));
    if !valid {
        problems.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string());
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// kubectl's `parseAnnotations` and `validateAnnotations`.
fn parse_annotations(pairs: &[String]) -> CmdResult<Updates> {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    let mut invalid = Vec::new();
    for spec in pairs {
        if let Some((k, v)) = spec.split_once('=') {
            set.insert(k.to_string(), v.to_string());
        } else if let Some(key) = spec.strip_suffix('-') {
            remove.push(key.to_string());
        } else {
            invalid.push(spec.clone());
        }
    }
    if !invalid.is_empty() {
        return Err(CmdError::new(format!(
            "invalid annotation format: {}",
            invalid.join(", ")
        )));
    }
    let both: Vec<&String> = remove.iter().filter(|r| set.contains_key(*r)).collect();
    if !both.is_empty() {
        let names: Vec<&str> = both.iter().map(|s| s.as_str()).collect();
        return Err(CmdError::new(format!(
            "can not both modify and remove the following annotation(s) in the same command: {}",
            names.join(", ")
        )));
    }
    Ok((set, remove))
}

/// What one run changes.
struct Update {
    field: Field,
    set: BTreeMap<String, String>,
    remove: Vec<String>,
    overwrite: bool,
    resource_version: Option<String>,
    /// `--local`: objects from files are used as read.
    local: bool,
}

impl Update {
    /// kubectl's `labelFunc` / `updateAnnotations`: refuses to change a
    /// value without `--overwrite`, then sets and removes keys.
    fn apply(&self, obj: &mut Value) -> Result<(), VisitError> {
        let current = current_map(obj, self.field);
        if !self.overwrite {
            match self.field {
                Field::Labels => {
                    let clashes: Vec<VisitError> = self
                        .set
                        .iter()
                        .filter_map(|(k, v)| match current.get(k) {
                            Some(old) if old != v => Some(VisitError::plain(format!(
                                "'{k}' already has a value ({old}), and --overwrite is false"
                            ))),
                            _ => None,
                        })
                        .collect();
                    if let Some(e) = VisitError::aggregate(clashes) {
                        return Err(e);
                    }
                }
                Field::Annotations => {
                    // The change-cause annotation may always be overwritten.
                    let clashes: Vec<String> = self
                        .set
                        .iter()
                        .filter(|(k, _)| k.as_str() != "kubernetes.io/change-cause")
                        .filter_map(|(k, v)| match current.get(k) {
                            Some(old) if old != v => {
                                Some(format!("'{k}' already has a value ({old})"))
                            }
                            _ => None,
                        })
                        .collect();
                    if !clashes.is_empty() {
                        return Err(VisitError::plain(format!(
                            "--overwrite is false but found the following declared annotation(s): {}",
                            clashes.join("; ")
                        )));
                    }
                }
            }
        }
        let mut map = current;
        for (k, v) in &self.set {
            map.insert(k.clone(), v.clone());
        }
        for k in &self.remove {
            map.remove(k);
        }
        let meta = metadata_mut(obj);
        let values: Map<String, Value> = map
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        meta.insert(self.field.key().into(), Value::Object(values));
        if let Some(rv) = &self.resource_version {
            meta.insert("resourceVersion".into(), Value::String(rv.clone()));
        }
        Ok(())
    }
}

fn current_map(obj: &Value, field: Field) -> BTreeMap<String, String> {
    obj.pointer(&format!("/metadata/{}", field.key()))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `label` and `annotate`: the shared run.
pub(crate) async fn update_metadata(f: &mut Factory, args: Args, field: Field) -> CmdResult {
    let (resources, pairs) = split_pairs(&args.args, field)?;
    let (set, remove) = match field {
        Field::Labels => parse_labels(&pairs)?,
        Field::Annotations => parse_annotations(&pairs)?,
    };
    let dry_run = args.output.dry_run()?;
    let selector = args.selector.as_deref().is_some_and(|s| !s.is_empty());
    let field_selector = args
        .field_selector
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    if args.all && selector {
        return Err(CmdError::new(
            "cannot set --all and --selector at the same time",
        ));
    }
    if args.all && field_selector {
        return Err(CmdError::new(
            "cannot set --all and --field-selector at the same time",
        ));
    }
    if args.local {
        if dry_run == DryRun::Server {
            return Err(CmdError::new(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
            ));
        }
        if !resources.is_empty() {
            return Err(CmdError::new("can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set"));
        }
        if args.files.filenames.is_empty() {
            return Err(CmdError::new(
                "one or more files must be specified as -f pod.yaml or --filename=pod.json",
            ));
        }
    } else if resources.is_empty() && args.files.filenames.is_empty() {
        return Err(CmdError::new(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if set.is_empty() && remove.is_empty() && !args.list {
        return Err(CmdError::new(format!(
            "at least one {} update is required",
            field.singular()
        )));
    }
    args.output.printer(dry_run, args.show_managed_fields)?;
    let builder = Builder {
        args: if args.local { Vec::new() } else { resources },
        label_selector: args.selector.filter(|_| !args.local),
        field_selector: args.field_selector.filter(|_| !args.local),
        all: args.all,
        all_namespaces: args.all_namespaces,
        require_object: true,
        local: args.local,
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let helper = Helper::for_writes(
        f.client()?,
        dry_run,
        args.field_manager
            .unwrap_or_else(|| field.field_manager().to_string()),
    );
    let update = Update {
        field,
        set,
        remove,
        overwrite: args.overwrite,
        resource_version: args.resource_version,
        local: args.local,
    };
    let offline = dry_run == DryRun::Client || args.local || args.list;
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        match update_one(&helper, &info, &update, offline).await {
            Ok((obj, operation)) => {
                if args.list {
                    list(&obj, field);
                } else {
                    // kubectl builds a printer per object: no `---` between YAML documents.
                    let mut printer = args.output.printer(dry_run, args.show_managed_fields)?;
                    printer.print(&obj, &operation)?;
                }
            }
            Err(e) => errors.objects.push(e),
        }
    }
    errors.into_result()
}

async fn update_one(
    helper: &Helper,
    info: &Info,
    update: &Update,
    offline: bool,
) -> Result<(Value, String), VisitError> {
    // Objects from files are read again just before the change (cli-runtime's
    // `Latest`), so a file naming an object twice sees the first change.
    let mut obj = if !info.source.is_empty() && !update.local {
        helper.get(info).await.map_err(VisitError::client)?
    } else {
        info.object_or_empty()
    };
    if update.resource_version.is_some() {
        // Cleared from the starting point so the patch always carries it.
        metadata_mut(&mut obj).remove("resourceVersion");
    }
    let old = obj.clone();
    if !offline && update.field == Field::Labels {
        let current = current_map(&obj, update.field);
        for key in update.remove.iter().filter(|k| !current.contains_key(*k)) {
            println!("label {key:?} not found.");
        }
    }
    update.apply(&mut obj)?;
    let operation = operation(update, &old, &obj);
    if offline {
        return Ok((obj, operation));
    }
    let patch = to_json(&crate::printers::sort_keys(&create_merge_patch(&old, &obj)));
    let out = helper
        .patch(info, PatchType::Merge, patch.as_bytes(), None, None)
        .await
        .map_err(VisitError::client)?;
    Ok((out, operation))
}

/// `labeled`, `not labeled`, `unlabeled` (kubectl's `updateDataChangeMsg`);
/// `annotated` always.
fn operation(update: &Update, old: &Value, new: &Value) -> String {
    if update.field == Field::Annotations {
        return "annotated".into();
    }
    let (old, new) = (to_json(old), to_json(new));
    if old == new {
        "not labeled".into()
    } else if !update.overwrite && new.len() < old.len() {
        "unlabeled".into()
    } else {
        "labeled".into()
    }
}

/// `--list`: one `key=value` line each, keys sorted.
fn list(obj: &Value, field: Field) {
    for (k, v) in current_map(obj, field) {
        println!("{k}={v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pairs_follow_resources() {
        let (r, p) = split_pairs(&strings(&["pods", "web", "a=b", "c-"]), Field::Labels).unwrap();
        assert_eq!((r, p), (strings(&["pods", "web"]), strings(&["a=b", "c-"])));
        let e = split_pairs(&strings(&["pods", "a=b", "web"]), Field::Labels).unwrap_err();
        assert_eq!(
            e.message,
            "error: all resources must be specified before label changes: web"
        );
    }

    #[test]
    fn label_specs_are_checked() {
        assert_eq!(
            parse_labels(&strings(&["a=b=c"])).unwrap_err().message,
            "error: invalid label spec: a=b=c"
        );
        assert!(parse_labels(&strings(&["a=-x"]))
            .unwrap_err()
            .message
            .starts_with("error: invalid label value: \"a=-x\": a valid label"));
        assert_eq!(
            parse_labels(&strings(&["a=b", "a-"])).unwrap_err().message,
            "error: can not both modify and remove a label in the same command"
        );
        assert_eq!(
            parse_annotations(&strings(&["a=b=c"])).unwrap().0["a"],
            "b=c"
        );
    }

    #[test]
    fn overwrites_need_the_flag() {
        let update = Update {
            field: Field::Labels,
            set: [("app".to_string(), "new".to_string())].into(),
            remove: vec![],
            overwrite: false,
            resource_version: None,
            local: false,
        };
        let mut obj = json!({"metadata": {"labels": {"app": "old"}}});
        let e = update.apply(&mut obj).unwrap_err();
        assert_eq!(
            e.text(),
            "'app' already has a value (old), and --overwrite is false"
        );
        let mut fresh = json!({"metadata": {"name": "x"}});
        let old = fresh.clone();
        update.apply(&mut fresh).unwrap();
        assert_eq!(operation(&update, &old, &fresh), "labeled");
        assert_eq!(
            to_json(&create_merge_patch(&old, &fresh)),
            r#"{"metadata":{"labels":{"app":"new"}}}"#
        );
    }
}
