//! `keelctl set env`: add, update, remove or list the environment variables
//! of the containers in pod templates, from arguments, stdin, or the keys
//! of a config map or secret (`--from`).

use super::patch::{Operation, Patcher};
use super::{pod_spec_mut, select_containers, Selection};
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Info, VisitError};
use keelson_apimachinery::quantity::Quantity;
use keelson_apimachinery::validation::go_quote;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Flags of `set env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files the resource to update the env")))]
pub struct Args {
    /// Resources, then KEY=VALUE and KEY- arguments.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// The names of containers in the selected pod templates to change - may use wildcards.
    #[arg(short = 'c', long, default_value = "*")]
    containers: String,
    /// The name of a resource from which to inject environment variables.
    #[arg(long, default_value = "")]
    from: String,
    /// Prefix to append to variable names.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Specify a key-value pair for an environment variable to set into each container.
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
    /// Comma-separated list of keys to import from specified resource.
    #[arg(long, value_delimiter = ',')]
    keys: Vec<String>,
    /// If true, display the environment and any changes in the standard format.
    #[arg(long)]
    list: bool,
    /// If true, show secret or configmap references when listing variables.
    #[arg(long)]
    resolve: bool,
    /// If true, allow environment to be overwritten, otherwise reject updates that overwrite existing environment.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    overwrite: bool,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// The changes to make: variables to set (in order) and names to remove.
#[derive(Debug, Default, PartialEq)]
struct Changes {
    env: Vec<Value>,
    remove: Vec<String>,
}

/// Runs `set env`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    super::check_all_and_selector(a.selection.all, a.selector.as_deref())?;
    let Some((resources, env_args)) = split_environment(&a.args) else {
        return Err(CmdError::new(format!(
            "all resources must be specified before environment changes: {}",
            a.args.join(" ")
        )));
    };
    let dry_run = a.flags.dry_run()?;
    let local = a.selection.local;
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        local,
        Operation {
            verb: "env updated",
            failure: "failed to patch env update to pod template: ",
            patch_unchanged: false,
            name_errors: true,
        },
    )?;
    if local && dry_run == crate::printers::DryRun::Server {
        return Err(CmdError::new(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
        ));
    }
    if a.selection.files.filenames.is_empty() && resources.is_empty() {
        return Err(CmdError::new(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if a.list && a.flags.output.as_deref().is_some_and(|o| !o.is_empty()) {
        return Err(CmdError::new(
            "--list and --output may not be specified together",
        ));
    }
    if !a.keys.is_empty() && a.from.is_empty() {
        return Err(CmdError::new(
            "when specifying --keys, a configmap or secret must be provided with --from",
        ));
    }
    let specs: Vec<String> = a.env.iter().chain(&env_args).cloned().collect();
    let mut changes = parse_env(&specs, &mut std::io::stdin().lock()).map_err(CmdError::new)?;
    if !a.from.is_empty() {
        let sources = a
            .selection
            .visit(f, vec![a.from.clone()], a.selector.clone())
            .await?;
        for info in &sources {
            changes.env.extend(env_from(info, &a.keys)?);
        }
    }
    if !a.prefix.is_empty() {
        for e in &mut changes.env {
            let name = e["name"].as_str().unwrap_or_default();
            e["name"] = json!(format!("{}{name}", a.prefix));
        }
    }
    let infos = a.selection.visit(f, resources, a.selector.clone()).await?;
    let update = Update {
        changes: &changes,
        containers: &a.containers,
        overwrite: a.overwrite,
    };
    if a.list {
        let namespace = f.namespace()?.0;
        let mut resolver = a.resolve.then(|| Resolver::new(f, namespace)).transpose()?;
        for info in &infos {
            let mut obj = info.object_or_empty();
            // kubectl prints what it can and drops the errors when listing.
            if let Ok(listed) = update.apply(info, &mut obj) {
                list(&obj, &listed, resolver.as_mut()).await;
            }
        }
        return Ok(());
    }
    patcher
        .run(infos, |info, obj, _| update.apply(info, obj).map(|_| ()))
        .await
}

/// kubectl's `SplitEnvironmentFromResources`: resources first, then
/// `KEY=VALUE` and `KEY-` arguments; `None` when a resource follows them.
fn split_environment(args: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let mut resources = Vec::new();
    let mut env = Vec::new();
    for a in args {
        let is_env = a.get(1..).is_some_and(|rest| rest.contains('=')) || a.ends_with('-');
        match (env.is_empty(), is_env) {
            (_, true) => env.push(a.clone()),
            (true, false) => resources.push(a.clone()),
            (false, false) => return None,
        }
    }
    Some((resources, env))
}

/// apimachinery's `IsEnvVarName`, as kubectl words its failure.
fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || "-._".contains(c))
        && chars.all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    if valid {
        return Ok(());
    }
    Err(format!(
        "{} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        go_quote(name)
    ))
}

/// An `EnvVar` as Go encodes it (an empty value is omitted).
fn env_var(name: &str, value: &str) -> Value {
    if value.is_empty() {
        json!({ "name": name })
    } else {
        json!({ "name": name, "value": value })
    }
}

/// kubectl's `ParseEnv`: `KEY=VALUE`, `KEY-`, and `-` for `KEY=VALUE`
/// lines on `stdin` (after `#` comments are cut).
fn parse_env(specs: &[String], stdin: &mut impl std::io::BufRead) -> Result<Changes, String> {
    let mut changes = Changes::default();
    let mut set = Vec::new();
    for spec in specs {
        if spec == "-" {
            let mut text = String::new();
            stdin.read_to_string(&mut text).map_err(|e| e.to_string())?;
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or_default();
                if let Some((k, v)) = line.split_once('=') {
                    changes.env.push(env_var(k, v));
                }
            }
        } else if let Some((k, v)) = spec.split_once('=') {
            check_env_name(k)?;
            set.push(k.to_string());
            changes.env.push(env_var(k, v));
        } else if let Some(name) = spec.strip_suffix('-') {
            changes.remove.push(name.to_string());
        } else {
            return Err(format!("unknown environment variable: {spec}"));
        }
    }
    if changes.remove.iter().any(|r| set.contains(r)) {
        return Err(
            "can not both modify and remove the same environment variable in the same command"
                .into(),
        );
    }
    Ok(changes)
}

/// kubectl's `keyToEnvName`: upper case, anything but letters, digits and
/// `_` replaced with `_`.
fn key_to_env_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables `--from` brings: one reference per key of a config map or
/// secret (`--keys` picks some), in key order.
fn env_from(info: &Info, keys: &[String]) -> CmdResult<Vec<Value>> {
    let reference = match info.mapping.gvk.kind.as_str() {
        "Secret" if info.mapping.gvk.group.is_empty() => "secretKeyRef",
        "ConfigMap" if info.mapping.gvk.group.is_empty() => "configMapKeyRef",
        _ => return Err(CmdError::new("unsupported resource specified in --from")),
    };
    let obj = info.object_or_empty();
    let data: BTreeMap<&str, &Value> = obj
        .get("data")
        .and_then(Value::as_object)
        .map(|d| d.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for key in data.keys() {
        if !keys.is_empty() && !keys.iter().any(|k| k == key) {
            continue;
        }
        let name = key_to_env_name(key);
        if name != *key {
            eprintln!("Warning: key {key} transferred to {name}");
        }
        out.push(json!({
            "name": name,
            "valueFrom": { reference: { "key": key, "name": info.name } }
        }));
    }
    Ok(out)
}

/// One `set env` change applied to pod templates.
struct Update<'a> {
    changes: &'a Changes,
    containers: &'a str,
    overwrite: bool,
}

impl Update<'_> {
    /// Updates the selected containers (regular, then init) of `obj`;
    /// returns them as updated, for `--list`.
    fn apply(&self, info: &Info, obj: &mut Value) -> Result<Vec<Value>, String> {
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or(&info.mapping.gvk.kind)
            .to_string();
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or(&info.name)
            .to_string();
        let spec = pod_spec_mut(info, obj)?;
        let containers =
            select_containers(spec, &["containers", "initContainers"], self.containers);
        if containers.is_empty() {
            eprintln!(
                "Warning: {kind}/{name} does not have any containers matching {}",
                go_quote(self.containers)
            );
            return Ok(Vec::new());
        }
        let mut listed = Vec::new();
        for c in containers {
            let existing: Vec<Value> = c
                .get("env")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !self.overwrite {
                no_overwrites(&existing, &self.changes.env)?;
            }
            let env = update_env(&existing, &self.changes.env, &self.changes.remove);
            if let Some(map) = c.as_object_mut() {
                if env.is_empty() {
                    map.remove("env");
                } else {
                    map.insert("env".into(), Value::Array(env.clone()));
                }
            }
            listed.push(c.clone());
        }
        Ok(listed)
    }
}

fn env_name(e: &Value) -> &str {
    e.get("name").and_then(Value::as_str).unwrap_or_default()
}

fn env_value(e: &Value) -> &str {
    e.get("value").and_then(Value::as_str).unwrap_or_default()
}

/// kubectl's `validateNoOverwrites`.
fn no_overwrites(existing: &[Value], env: &[Value]) -> Result<(), String> {
    for e in env {
        if let Some(current) = existing.iter().find(|c| env_name(c) == env_name(e)) {
            if env_value(current) != env_value(e) {
                return Err(format!(
                    "'{}' already has a value ({}), and --overwrite is false",
                    env_name(current),
                    env_value(current)
                ));
            }
        }
    }
    Ok(())
}

/// kubectl's `updateEnv`: existing variables in place (replaced or
/// removed), new ones appended in order.
fn update_env(existing: &[Value], env: &[Value], remove: &[String]) -> Vec<Value> {
    let mut covered: Vec<&str> = remove.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for e in existing {
        let name = env_name(e);
        if covered.contains(&name) {
            continue;
        }
        match env.iter().find(|n| env_name(n) == name) {
            Some(newer) => {
                covered.push(name);
                out.push(newer.clone());
            }
            None => out.push(e.clone()),
        }
    }
    for e in env {
        if covered.contains(&env_name(e)) {
            continue;
        }
        covered.push(env_name(e));
        out.push(e.clone());
    }
    out
}

/// Prints `--list` blocks: `# Deployment web, container nginx`, then the
/// variables (references as comments unless `--resolve` can look them up).
async fn list(obj: &Value, listed: &[Value], mut resolver: Option<&mut Resolver>) {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    for c in listed {
        let container = c.get("name").and_then(Value::as_str).unwrap_or_default();
        let env = c
            .get("env")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        println!("# {kind} {name}, container {container}");
        let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in &env {
            let Some(from) = e.get("valueFrom") else {
                println!("{}={}", env_name(e), env_value(e));
                continue;
            };
            if let Some(r) = resolver.as_deref_mut() {
                match r.value(from, obj, c).await {
                    Ok(v) => {
                        println!("{}={v}", env_name(e));
                        continue;
                    }
                    Err(err) => failures.entry(err).or_default().push(env_name(e).into()),
                }
            }
            println!("# {} from {}", env_name(e), reference_text(from));
        }
        let mut lines: Vec<String> = failures
            .into_iter()
            .map(|(err, mut vars)| {
                vars.sort();
                format!("error retrieving reference for {}: {err}", vars.join(", "))
            })
            .collect();
        lines.sort();
        for l in lines {
            eprintln!("{l}");
        }
    }
}

/// kubectl's `GetEnvVarRefString`.
fn reference_text(from: &Value) -> String {
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if let Some(r) = from.get("configMapKeyRef") {
        return format!("configmap {}, key {}", s(r, "name"), s(r, "key"));
    }
    if let Some(r) = from.get("secretKeyRef") {
        return format!("secret {}, key {}", s(r, "name"), s(r, "key"));
    }
    if let Some(r) = from.get("fieldRef") {
        return format!("field path {}", s(r, "fieldPath"));
    }
    if let Some(r) = from.get("resourceFieldRef") {
        let container = s(r, "containerName");
        let prefix = if container.is_empty() {
            String::new()
        } else {
            format!("{container}/")
        };
        return format!("resource field {prefix}{}", s(r, "resource"));
    }
    "invalid valueFrom".into()
}

/// Looks up referenced values for `--resolve` (kubectl's `ResourceStore`),
/// config maps and secrets fetched once each from the command's namespace.
struct Resolver {
    client: keelson_client::RestClient,
    namespace: String,
    fetched: HashMap<(String, String), Result<Value, String>>,
}

impl Resolver {
    fn new(f: &mut Factory, namespace: String) -> CmdResult<Resolver> {
        Ok(Resolver {
            client: f.client()?,
            namespace,
            fetched: HashMap::new(),
        })
    }

    async fn fetch(&mut self, resource: &str, name: &str) -> Result<Value, String> {
        let key = (resource.to_string(), name.to_string());
        if let Some(r) = self.fetched.get(&key) {
            return r.clone();
        }
        let path = format!("/api/v1/namespaces/{}/{resource}/{name}", self.namespace);
        let result = self
            .client
            .get()
            .abs_path(path)
            .json()
            .await
            .map_err(|e| VisitError::client(e).text());
        self.fetched.insert(key, result.clone());
        result
    }

    /// kubectl's `GetEnvVarRefValue`: config map, secret, field and
    /// container resource references (`container` is the one listed).
    async fn value(
        &mut self,
        from: &Value,
        obj: &Value,
        container: &Value,
    ) -> Result<String, String> {
        let s = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if let Some(r) = from.get("secretKeyRef") {
            let (name, key) = (s(r, "name"), s(r, "key"));
            let secret = self.fetch("secrets", &name).await?;
            let data = secret
                .pointer("/data")
                .and_then(|d| d.get(&key))
                .and_then(Value::as_str);
            return match data {
                Some(b64) => {
                    use base64::Engine;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|e| e.to_string())?;
                    Ok(String::from_utf8_lossy(&bytes).into_owned())
                }
                None => Err(format!("key {key} not found in secret {name}")),
            };
        }
        if let Some(r) = from.get("configMapKeyRef") {
            let (name, key) = (s(r, "name"), s(r, "key"));
            let cm = self.fetch("configmaps", &name).await?;
            return match cm
                .pointer("/data")
                .and_then(|d| d.get(&key))
                .and_then(Value::as_str)
            {
                Some(v) => Ok(v.to_string()),
                None => Err(format!("key {key} not found in config map {name}")),
            };
        }
        if let Some(r) = from.get("fieldRef") {
            return field_path_value(obj, &s(r, "fieldPath"));
        }
        if let Some(r) = from.get("resourceFieldRef") {
            return resource_field_value(r, container);
        }
        Err("invalid valueFrom".into())
    }
}

/// kubectl's `extractContainerResourceValue`: the container's limit or
/// request in units of the divisor (default 1), rounded up.
fn resource_field_value(selector: &Value, container: &Value) -> Result<String, String> {
    let resource = selector
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let divisor = match selector.get("divisor").and_then(Value::as_str) {
        Some(d) if Quantity::parse(d).is_ok_and(|q| !q.is_zero()) => d,
        _ => "1",
    };
    let Some((list, name)) = resource.split_once('.') else {
        return Err(format!("Unsupported container resource : {resource}"));
    };
    let cpu = name == "cpu";
    let supported =
        matches!(name, "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-");
    if !matches!(list, "limits" | "requests") || !supported {
        return Err(format!("Unsupported container resource : {resource}"));
    }
    let amount = container
        .get("resources")
        .and_then(|r| r.get(list))
        .and_then(|l| l.get(name))
        .and_then(Value::as_str)
        .unwrap_or("0");
    // CPU divides milli-units, the rest whole units; each rounded up first.
    let whole = |q: &str| match Quantity::parse(q) {
        Ok(q) if cpu => Ok(q.milli_value()),
        Ok(q) => Ok(q.value()),
        Err(e) => Err(e.to_string()),
    };
    let (value, divisor) = (whole(amount)?, whole(divisor)?);
    if divisor == 0 {
        return Err(format!("Unsupported container resource : {resource}"));
    }
    Ok(((value + divisor - 1).div_euclid(divisor)).to_string())
}

/// kubectl's `extractFieldPathAsString` on the object's metadata.
fn field_path_value(obj: &Value, path: &str) -> Result<String, String> {
    let meta = obj
        .get("metadata")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let get = |k: &str| {
        meta.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let map = |k: &str| -> BTreeMap<String, String> {
        meta.get(k)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some((base, sub)) = path
        .strip_suffix("']")
        .and_then(|p| p.split_once("['"))
        .filter(|(b, _)| !b.is_empty())
    {
        return match base {
            "metadata.annotations" => Ok(map("annotations").get(sub).cloned().unwrap_or_default()),
            "metadata.labels" => Ok(map("labels").get(sub).cloned().unwrap_or_default()),
            _ => Err(format!(
                "fieldPath {} does not support subscript",
                go_quote(path)
            )),
        };
    }
    match path {
        "metadata.annotations" | "metadata.labels" => {
            let m = map(path.trim_start_matches("metadata."));
            let lines: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}={}", go_quote(v)))
                .collect();
            Ok(lines.join("\n"))
        }
        "metadata.name" => Ok(get("name")),
        "metadata.namespace" => Ok(get("namespace")),
        "metadata.uid" => Ok(get("uid")),
        _ => Err(format!("unsupported fieldPath: {path}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resources_come_before_environment() {
        assert_eq!(
            split_environment(&strings(&["deploy/web", "A=1", "B-"])),
            Some((strings(&["deploy/web"]), strings(&["A=1", "B-"])))
        );
        assert_eq!(
            split_environment(&strings(&["deploy/web", "A=1", "deploy/x"])),
            None
        );
        // `=x` is not an assignment: the name before `=` is empty.
        assert_eq!(
            split_environment(&strings(&["=x"])),
            Some((strings(&["=x"]), vec![]))
        );
    }

    #[test]
    fn parsing_like_kubectl() {
        let mut stdin = "S1=a # comment\nnot a var\nS2=b\n".as_bytes();
        let c = parse_env(&strings(&["A=1", "B=", "C-", "-"]), &mut stdin).unwrap();
        assert_eq!(
            c.env,
            vec![
                json!({"name": "A", "value": "1"}),
                json!({"name": "B"}),
                json!({"name": "S1", "value": "a "}),
                json!({"name": "S2", "value": "b"}),
            ]
        );
        assert_eq!(c.remove, strings(&["C"]));
        let mut none = "".as_bytes();
        assert_eq!(
            parse_env(&strings(&["A=1", "A-"]), &mut none).unwrap_err(),
            "can not both modify and remove the same environment variable in the same command"
        );
        assert_eq!(
            parse_env(&strings(&["foo"]), &mut none).unwrap_err(),
            "unknown environment variable: foo"
        );
        assert!(parse_env(&strings(&["1A=x"]), &mut none)
            .unwrap_err()
            .starts_with("\"1A\" is not a valid key name"));
        assert!(parse_env(&strings(&["A-B.c=x"]), &mut none).is_ok());
    }

    #[test]
    fn updates_keep_order_and_remove() {
        let existing = vec![env_var("A", "1"), env_var("B", "2"), env_var("C", "3")];
        let out = update_env(
            &existing,
            &[env_var("B", "9"), env_var("D", "4")],
            &strings(&["A"]),
        );
        assert_eq!(
            out,
            vec![env_var("B", "9"), env_var("C", "3"), env_var("D", "4")]
        );
        assert_eq!(
            no_overwrites(&existing, &[env_var("A", "2")]).unwrap_err(),
            "'A' already has a value (1), and --overwrite is false"
        );
        assert!(no_overwrites(&existing, &[env_var("A", "1")]).is_ok());
    }

    #[test]
    fn env_names_from_keys() {
        assert_eq!(key_to_env_name("a.b-c_d"), "A_B_C_D");
        assert_eq!(
            reference_text(&json!({"configMapKeyRef": {"name": "cm", "key": "k"}})),
            "configmap cm, key k"
        );
        assert_eq!(
            reference_text(
                &json!({"resourceFieldRef": {"containerName": "c", "resource": "limits.cpu"}})
            ),
            "resource field c/limits.cpu"
        );
    }

    #[test]
    fn resource_fields() {
        let c = json!({"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}});
        let sel = |r: &str, d: Option<&str>| match d {
            Some(d) => json!({"resource": r, "divisor": d}),
            None => json!({"resource": r}),
        };
        assert_eq!(
            resource_field_value(&sel("limits.cpu", None), &c).unwrap(),
            "1"
        );
        assert_eq!(
            resource_field_value(&sel("limits.cpu", Some("1m")), &c).unwrap(),
            "500"
        );
        assert_eq!(
            resource_field_value(&sel("limits.memory", Some("1Mi")), &c).unwrap(),
            "1024"
        );
        assert_eq!(
            resource_field_value(&sel("requests.cpu", None), &c).unwrap(),
            "0"
        );
        assert_eq!(
            resource_field_value(&sel("limits.gpu", None), &c).unwrap_err(),
            "Unsupported container resource : limits.gpu"
        );
    }

    #[test]
    fn field_paths() {
        let obj = json!({"metadata": {"name": "web", "labels": {"b": "2", "a": "1"}}});
        assert_eq!(field_path_value(&obj, "metadata.name").unwrap(), "web");
        assert_eq!(field_path_value(&obj, "metadata.labels['a']").unwrap(), "1");
        assert_eq!(
            field_path_value(&obj, "metadata.labels").unwrap(),
            "a=\"1\"\nb=\"2\""
        );
        assert_eq!(
            field_path_value(&obj, "spec.x").unwrap_err(),
            "unsupported fieldPath: spec.x"
        );
    }
}
