//! `keelctl auth can-i` (SelfSubjectAccessReview, `--list` with
//! SelfSubjectRulesReview) and `keelctl auth whoami` (SelfSubjectReview).

use crate::commands::create_generators::common::sorted;
use crate::commands::describe::core::compact_rules;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::tabwriter::TabWriter;
use keelson_apimachinery::codec;
use keelson_apimachinery::gvk::GroupVersionResource;
use serde_json::{json, Value};

/// Flags of `keelctl auth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The auth subcommand.
    #[command(subcommand)]
    command: AuthCommand,
}

/// `auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
    /// Check whether an action is allowed.
    CanI(CanIArgs),
    /// Experimental: Check self subject attributes.
    Whoami(WhoamiArgs),
}

/// Flags of `auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]`.
#[derive(Debug, clap::Args)]
pub struct CanIArgs {
    /// VERB and TYPE[/NAME] or a non-resource URL.
    args: Vec<String>,
    /// If true, check the specified action in all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    all_namespaces: bool,
    /// If true, prints all allowed actions.
    #[arg(long)]
    list: bool,
    /// If true, print headers (default) with --list.
    #[arg(long = "no-headers")]
    no_headers: bool,
    /// If true, suppress output and just return the exit code.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// SubResource such as pod/log or deployment/scale.
    #[arg(long, default_value = "")]
    subresource: String,
}

/// Flags of `auth whoami`.
#[derive(Debug, clap::Args)]
pub struct WhoamiArgs {
    /// Output format: json or yaml (default: a table).
    #[arg(short = 'o', long = "output")]
    output: Option<String>,
}

const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

/// Resource kinds kubectl knows are not served by discovery but valid in RBAC.
const NON_STANDARD_RESOURCES: &[&str] = &["users", "groups", "userextras", "uids"];

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        AuthCommand::CanI(a) => can_i(f, a).await,
        AuthCommand::Whoami(a) => whoami(f, a).await,
    }
}

/// kubectl's warning printer: `Warning: <message>` and the message's own newline.
fn warn(message: &str) {
    eprintln!("Warning: {message}\n");
}

async fn can_i(f: &mut Factory, a: CanIArgs) -> CmdResult {
    let (ns, _) = f.namespace()?;
    let namespace = if a.all_namespaces { String::new() } else { ns };
    if a.list {
        if a.quiet || a.all_namespaces || !a.subresource.is_empty() {
            return Err(CmdError::new(
                "list option can't be specified with neither quiet, all-namespaces nor subresource options",
            ));
        }
        return list_rules(f, &namespace, a.no_headers).await;
    }
    if a.no_headers {
        return Err(CmdError::new(
            "--no-headers cannot be set without --list specified",
        ));
    }
    let [verb, target] = a.args.as_slice() else {
        return Err(CmdError::new(
            "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'keelctl auth can-i -h' for help and examples.",
        ));
    };
    let verb = verb.to_lowercase();
    let mut attrs = serde_json::Map::new();
    if target.starts_with('/') {
        if !a.subresource.is_empty() {
            return Err(CmdError::new(
                "--subresource can not be used with NonResourceURL",
            ));
        }
        if !NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            warn(&format!("verb '{verb}' is not a known verb"));
        }
        attrs.insert(
            "nonResourceAttributes".into(),
            json!({ "path": target, "verb": verb }),
        );
    } else {
        let (resource_arg, name) = match target.split_once('/') {
            Some((r, n)) => (r, n),
            None => (target.as_str(), ""),
        };
        let (gvr, namespaced) = resource_for(f, resource_arg).await?;
        if !a.all_namespaces && namespaced == Some(false) {
            if gvr.group.is_empty() {
                warn(&format!(
                    "resource '{}' is not namespace scoped",
                    gvr.resource
                ));
            } else {
                warn(&format!(
                    "resource '{}' is not namespace scoped in group '{}'",
                    gvr.resource, gvr.group
                ));
            }
        }
        if !RESOURCE_VERBS.contains(&verb.as_str()) {
            warn(&format!("verb '{verb}' is not a known verb"));
        }
        let mut ra = serde_json::Map::new();
        for (k, v) in [
            ("namespace", namespace.as_str()),
            ("verb", verb.as_str()),
            ("group", gvr.group.as_str()),
            ("version", gvr.version.as_str()),
            ("resource", gvr.resource.as_str()),
            ("subresource", a.subresource.as_str()),
            ("name", name),
        ] {
            if !v.is_empty() {
                ra.insert(k.into(), json!(v));
            }
        }
        attrs.insert("resourceAttributes".into(), Value::Object(ra));
    }
    let review = json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": attrs,
    });
    let client = f.client()?;
    let resp = client
        .post()
        .abs_path("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .body(&review)
        .json()
        .await?;
    let status = resp.get("status").cloned().unwrap_or(Value::Null);
    let allowed = status
        .get("allowed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !a.quiet {
        println!("{}", answer(&status));
    }
    if allowed {
        Ok(())
    } else {
        Err(CmdError {
            message: String::new(),
            code: 1,
        })
    }
}

/// `yes`, or `no` with the reason and evaluation error kubectl appends.
pub fn answer(status: &Value) -> String {
    if status
        .get("allowed")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return "yes".into();
    }
    let mut s = "no".to_string();
    for field in ["reason", "evaluationError"] {
        if let Some(v) = status
            .get(field)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            s.push_str(&format!(" - {v}"));
        }
    }
    s
}

/// kubectl's `resourceFor`: discovery's resource, or the argument as given
/// with a warning when the server does not serve it.
async fn resource_for(
    f: &mut Factory,
    arg: &str,
) -> CmdResult<(GroupVersionResource, Option<bool>)> {
    if arg == "*" {
        return Ok((
            GroupVersionResource {
                group: String::new(),
                version: String::new(),
                resource: "*".into(),
            },
            None,
        ));
    }
    let lower = arg.to_lowercase();
    // schema.ParseResourceArg: `resource.version.group` or `resource.group`.
    let parts: Vec<&str> = lower.splitn(3, '.').collect();
    let (resource, group) = match parts.as_slice() {
        [r] => (r.to_string(), String::new()),
        [r, g] => (r.to_string(), g.to_string()),
        [r, v, g] => {
            let full = GroupVersionResource {
                group: g.to_string(),
                version: v.to_string(),
                resource: r.to_string(),
            };
            if let Ok(gvr) = f.rest_mapper()?.resource_for(&full).await {
                let namespaced = scope_of(f, &gvr).await;
                return Ok((gvr, namespaced));
            }
            (r.to_string(), format!("{v}.{g}"))
        }
        _ => (lower.clone(), String::new()),
    };
    let partial = GroupVersionResource {
        group: group.clone(),
        version: String::new(),
        resource: resource.clone(),
    };
    match f.rest_mapper()?.resource_for(&partial).await {
        Ok(gvr) => {
            let namespaced = scope_of(f, &gvr).await;
            Ok((gvr, namespaced))
        }
        Err(_) => {
            let gr = if group.is_empty() {
                resource.clone()
            } else {
                format!("{resource}.{group}")
            };
            if !NON_STANDARD_RESOURCES.contains(&gr.as_str()) {
                if group.is_empty() {
                    warn(&format!(
                        "the server doesn't have a resource type '{resource}'"
                    ));
                } else {
                    warn(&format!(
                        "the server doesn't have a resource type '{resource}' in group '{group}'"
                    ));
                }
            }
            Ok((
                GroupVersionResource {
                    group: String::new(),
                    version: String::new(),
                    resource: arg.to_string(),
                },
                None,
            ))
        }
    }
}

/// Whether the resource is namespaced, from its REST mapping.
async fn scope_of(f: &mut Factory, gvr: &GroupVersionResource) -> Option<bool> {
    let arg = if gvr.group.is_empty() {
        gvr.resource.clone()
    } else {
        format!("{}.{}", gvr.resource, gvr.group)
    };
    let mapping = f.rest_mapper().ok()?.mapping_for(&arg).await.ok()?;
    Some(mapping.scope == keelson_client::restmapper::Scope::Namespace)
}

async fn list_rules(f: &mut Factory, namespace: &str, no_headers: bool) -> CmdResult {
    let review = json!({
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": { "namespace": namespace },
    });
    let client = f.client()?;
    let resp = client
        .post()
        .abs_path("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .body(&review)
        .json()
        .await?;
    let status = resp.get("status").cloned().unwrap_or(Value::Null);
    if status.get("incomplete").and_then(Value::as_bool) == Some(true) {
        eprintln!(
            "warning: the list may be incomplete: {}",
            status
                .get("evaluationError")
                .and_then(Value::as_str)
                .unwrap_or("")
        );
    }
    print!("{}", rules_table(&status, no_headers));
    Ok(())
}

/// The `--list` table: rules broken down, compacted and sorted as kubectl does.
pub fn rules_table(status: &Value, no_headers: bool) -> String {
    let mut rules: Vec<Value> = status
        .get("resourceRules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    rules.extend(
        status
            .get("nonResourceRules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    );
    let compact = compact_rules(Some(&Value::Array(rules)));
    let mut w = TabWriter::new();
    if !no_headers {
        w.write_str("Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    }
    for r in compact {
        let resource = match r.resources.first() {
            None => String::new(),
            Some(res) => {
                let (base, sub) = match res.split_once('/') {
                    Some((b, s)) => (b.to_string(), Some(s.to_string())),
                    None => (res.clone(), None),
                };
                let mut c = base;
                if let Some(g) = r.groups.first().filter(|g| !g.is_empty()) {
                    c = format!("{c}.{g}");
                }
                if let Some(s) = sub {
                    c = format!("{c}/{s}");
                }
                c
            }
        };
        w.write_str(&format!(
            "{resource}\t[{}]\t[{}]\t[{}]\n",
            r.urls.join(" "),
            r.names.join(" "),
            r.verbs.join(" ")
        ));
    }
    w.flush()
}

async fn whoami(f: &mut Factory, a: WhoamiArgs) -> CmdResult {
    let format = a.output.as_deref().unwrap_or("");
    if !matches!(format, "" | "json" | "yaml") {
        return Err(CmdError::new(format!(
            "unable to match a printer suitable for the output format \"{format}\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml"
        )));
    }
    let review = json!({ "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {} });
    let client = f.client()?;
    let resp = client
        .post()
        .abs_path("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .body(&review)
        .json()
        .await?;
    let ui = resp
        .pointer("/status/userInfo")
        .cloned()
        .unwrap_or(json!({}));
    match format {
        "json" => print!("{}", codec::to_json_pretty(&typed_review(&ui))),
        "yaml" => print!("{}", codec::to_yaml(&sorted(typed_review(&ui)))),
        _ => print!("{}", whoami_table(&ui)),
    }
    Ok(())
}

/// The review as kubectl's typed encoding orders it.
fn typed_review(ui: &Value) -> Value {
    let mut user = serde_json::Map::new();
    for field in ["username", "uid", "groups", "extra"] {
        if let Some(v) = ui.get(field).filter(|v| !v.is_null()) {
            user.insert(field.into(), v.clone());
        }
    }
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {},
        "status": { "userInfo": user },
    })
}

/// The `ATTRIBUTE  VALUE` table.
pub fn whoami_table(ui: &Value) -> String {
    let mut w = TabWriter::new();
    w.write_str("ATTRIBUTE\tVALUE\n");
    let text = |v: &Value| crate::printers::gofmt::sprint(v);
    if let Some(u) = ui
        .get("username")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        w.write_str(&format!("Username\t{u}\n"));
    }
    if let Some(u) = ui
        .get("uid")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        w.write_str(&format!("UID\t{u}\n"));
    }
    if let Some(g) = ui
        .get("groups")
        .filter(|g| g.as_array().is_some_and(|a| !a.is_empty()))
    {
        w.write_str(&format!("Groups\t{}\n", text(g)));
    }
    if let Some(extra) = ui.get("extra").and_then(Value::as_object) {
        let mut keys: Vec<&String> = extra.keys().collect();
        keys.sort();
        for k in keys {
            w.write_str(&format!("Extra: {k}\t{}\n", text(&extra[k.as_str()])));
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(answer(&json!({"allowed": true})), "yes");
        assert_eq!(answer(&json!({"allowed": false})), "no");
        assert_eq!(
            answer(&json!({"allowed": false, "reason": "RBAC: denied"})),
            "no - RBAC: denied"
        );
    }

    #[test]
    fn tables_match_kubectl() {
        let ui = json!({"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]});
        assert_eq!(
            whoami_table(&ui),
            "ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [system:masters system:authenticated]\n"
        );
        let status = json!({"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]});
        assert_eq!(
            rules_table(&status, false),
            "Resources   Non-Resource URLs   Resource Names   Verbs\n*.*         []                  []               [*]\n            [*]                 []               [*]\n"
        );
    }
}
