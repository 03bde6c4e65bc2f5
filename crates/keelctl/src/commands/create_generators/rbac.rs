//! `create role|clusterrole|rolebinding|clusterrolebinding`.

use super::common::{kinds, new_object, CreateRequest, ObjectFlags, Target};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use keelson_apimachinery::gvk::GroupVersionResource;
use serde_json::{json, Map, Value};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// kubectl's `validResourceVerbs`.
const RESOURCE_VERBS: &[&str] = &[
    "*",
    "get",
    "delete",
    "list",
    "create",
    "update",
    "patch",
    "watch",
    "proxy",
    "deletecollection",
    "use",
    "bind",
    "escalate",
    "impersonate",
];

/// kubectl's `validNonResourceVerbs`.
const NON_RESOURCE_VERBS: &[&str] = &[
    "*", "get", "post", "put", "delete", "patch", "head", "options",
];

/// Verbs only meaningful on certain resources (kubectl's `specialVerbs`): (verb, group, resource).
const SPECIAL_VERBS: &[(&str, &str, &str)] = &[
    ("use", "policy", "podsecuritypolicies"),
    ("use", "extensions", "podsecuritypolicies"),
    ("bind", RBAC_GROUP, "roles"),
    ("bind", RBAC_GROUP, "clusterroles"),
    ("escalate", RBAC_GROUP, "roles"),
    ("escalate", RBAC_GROUP, "clusterroles"),
    ("impersonate", "", "users"),
    ("impersonate", "", "serviceaccounts"),
    ("impersonate", "", "groups"),
    ("impersonate", "authentication.k8s.io", "userextras"),
    ("impersonate", "authentication.k8s.io", "uids"),
];

/// Flags of `create role` (and the resource part of `create clusterrole`).
#[derive(Debug, clap::Args)]
pub struct RoleArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Verb that applies to the resources contained in the rule.
    #[arg(long = "verb", value_delimiter = ',')]
    pub verbs: Vec<String>,
    /// Resource that the rule applies to.
    #[arg(long = "resource", value_delimiter = ',')]
    pub resources: Vec<String>,
    /// Resource in the white list that the rule applies to, repeat this flag for multiple items.
    #[arg(long = "resource-name")]
    pub resource_names: Vec<String>,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Flags of `create clusterrole`.
#[derive(Debug, clap::Args)]
pub struct ClusterRoleArgs {
    /// Role flags.
    #[command(flatten)]
    pub role: RoleArgs,
    /// A partial url that user should have access to.
    #[arg(long = "non-resource-url", value_delimiter = ',')]
    pub non_resource_urls: Vec<String>,
    /// An aggregation label selector for combining ClusterRoles.
    #[arg(long = "aggregation-rule", default_value = "")]
    pub aggregation_rule: String,
}

/// One `--resource` value: `resource[.group][/subresource]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceOption {
    /// Resource (maybe a short name, resolved later).
    pub resource: String,
    /// Group.
    pub group: String,
    /// Subresource.
    pub subresource: String,
}

/// kubectl's resource parsing: a lone `*` replaces every other resource.
pub fn parse_resources(values: &[String]) -> Vec<ResourceOption> {
    let mut out = Vec::new();
    for r in values {
        let (main, sub) = match r.split_once('/') {
            Some((m, s)) => (m, s.to_string()),
            None => (r.as_str(), String::new()),
        };
        let (resource, group) = match main.split_once('.') {
            Some((res, g)) => (res.to_string(), g.to_string()),
            None => (main.to_string(), String::new()),
        };
        let whole_star = resource == "*" && !main.contains('.') && !r.contains('/');
        let opt = ResourceOption {
            resource,
            group,
            subresource: sub,
        };
        if whole_star {
            return vec![opt];
        }
        out.push(opt);
    }
    out
}

/// `*` among the verbs means only `*`.
fn normalize_verbs(verbs: &[String]) -> Vec<String> {
    if verbs.iter().any(|v| v == "*") {
        vec!["*".to_string()]
    } else {
        verbs.to_vec()
    }
}

/// Resolves resources through discovery as kubectl does: a known resource
/// takes its full name and group; an unknown one stays as written.
async fn resolve(
    f: &mut Factory,
    r: &ResourceOption,
) -> CmdResult<Result<(String, String), String>> {
    let partial = GroupVersionResource {
        group: r.group.clone(),
        version: String::new(),
        resource: r.resource.clone(),
    };
    match f.rest_mapper()?.resource_for(&partial).await {
        Ok(gvr) => Ok(Ok((gvr.group, gvr.resource))),
        Err(e) if e.is_no_match() => Ok(Err(e.kubectl_message())),
        Err(e) => Err(CmdError::new(e.kubectl_message())),
    }
}

/// kubectl's `CreateRoleOptions.Validate` for the resource rules, then the
/// rules, one per API group in sorted group order.
async fn resource_rules(
    f: &mut Factory,
    verbs: &[String],
    resources: &[ResourceOption],
    names: &[String],
) -> CmdResult<Vec<Value>> {
    for v in verbs {
        if !RESOURCE_VERBS.contains(&v.as_str()) {
            eprintln!("Warning: '{v}' is not a standard resource verb");
        }
    }
    let mut resolved = Vec::new();
    for r in resources {
        if r.resource.is_empty() {
            return Err(CmdError::new(
                "resource must be specified if apiGroup/subresource specified",
            ));
        }
        if r.resource == "*" {
            resolved.push((r.group.clone(), r.resource.clone(), r.subresource.clone()));
            continue;
        }
        let found = resolve(f, r).await?;
        let (group, resource) = match &found {
            Ok((g, res)) => (g.clone(), res.clone()),
            Err(_) => (r.group.clone(), r.resource.clone()),
        };
        let mut special = false;
        for v in verbs {
            let allowed: Vec<_> = SPECIAL_VERBS.iter().filter(|(sv, _, _)| sv == v).collect();
            if allowed.is_empty() {
                continue;
            }
            if !allowed
                .iter()
                .any(|(_, g, res)| *g == group && *res == resource)
            {
                return Err(CmdError::new(format!(
                    "can not perform '{v}' on '{resource}' in group '{group}'"
                )));
            }
            special = true;
        }
        if let Err(msg) = found {
            if !special {
                return Err(CmdError::raw(msg));
            }
        }
        resolved.push((group, resource, r.subresource.clone()));
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (group, resource, sub) in resolved {
        let full = if sub.is_empty() {
            resource
        } else {
            format!("{resource}/{sub}")
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => {
                if !list.contains(&full) {
                    list.push(full);
                }
            }
            None => groups.push((group, vec![full])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(groups
        .into_iter()
        .map(|(group, res)| {
            let mut rule = Map::new();
            rule.insert("verbs".into(), json!(verbs));
            rule.insert("apiGroups".into(), json!([group]));
            rule.insert("resources".into(), json!(res));
            if !names.is_empty() {
                rule.insert("resourceNames".into(), json!(names));
            }
            Value::Object(rule)
        })
        .collect())
}

/// Runs `create role`.
pub async fn role(f: &mut Factory, a: RoleArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create role")?;
    let verbs = normalize_verbs(&a.verbs);
    if verbs.is_empty() {
        return Err(CmdError::new("at least one verb must be specified"));
    }
    let resources = parse_resources(&a.resources);
    if resources.is_empty() {
        return Err(CmdError::new("at least one resource must be specified"));
    }
    let rules = resource_rules(f, &verbs, &resources, &a.resource_names).await?;
    let mut obj = new_object(&kinds::ROLE, &name);
    obj.insert("rules".into(), Value::Array(rules));
    let req = CreateRequest {
        target: kinds::ROLE,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Runs `create clusterrole`.
pub async fn clusterrole(f: &mut Factory, a: ClusterRoleArgs, manager: &str) -> CmdResult {
    let r = &a.role;
    let name = super::common::name_required(&r.args, "create clusterrole")?;
    let verbs = normalize_verbs(&r.verbs);
    let mut obj = new_object(&kinds::CLUSTERROLE, &name);
    if !a.aggregation_rule.is_empty() {
        if !verbs.is_empty()
            || !r.resources.is_empty()
            || !r.resource_names.is_empty()
            || !a.non_resource_urls.is_empty()
        {
            return Err(CmdError::new(
                "aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames",
            ));
        }
        let selector = super::policy::label_selector(&a.aggregation_rule)?;
        obj.insert("rules".into(), Value::Null);
        obj.insert(
            "aggregationRule".into(),
            json!({ "clusterRoleSelectors": [selector] }),
        );
    } else {
        if verbs.is_empty() {
            return Err(CmdError::new("at least one verb must be specified"));
        }
        if r.resources.is_empty() && a.non_resource_urls.is_empty() {
            return Err(CmdError::new(
                "one of resource or nonResourceURL must be specified",
            ));
        }
        for url in &a.non_resource_urls {
            if !url.starts_with('/') {
                return Err(CmdError::new("nonResourceURL should start with /"));
            }
            if url[..url.len() - 1].contains('*') {
                return Err(CmdError::new(
                    "nonResourceURL only supports wildcard matches when '*' is at the end",
                ));
            }
        }
        if !a.non_resource_urls.is_empty() {
            for v in &verbs {
                if !NON_RESOURCE_VERBS.contains(&v.as_str()) {
                    return Err(CmdError::new(format!(
                        "invalid verb: '{v}' for nonResourceURL"
                    )));
                }
            }
        }
        let resources = parse_resources(&r.resources);
        let mut rules = if resources.is_empty() {
            Vec::new()
        } else {
            resource_rules(f, &verbs, &resources, &r.resource_names).await?
        };
        if !a.non_resource_urls.is_empty() {
            rules.push(json!({ "verbs": verbs, "nonResourceURLs": a.non_resource_urls }));
        }
        obj.insert("rules".into(), Value::Array(rules));
    }
    let req = CreateRequest {
        target: kinds::CLUSTERROLE,
        object: obj,
        flags: &r.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Flags of `create rolebinding` and `create clusterrolebinding`.
#[derive(Debug, clap::Args)]
pub struct BindingArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Role this RoleBinding should reference.
    #[arg(long, default_value = "")]
    pub role: String,
    /// ClusterRole this binding should reference.
    #[arg(long, default_value = "")]
    pub clusterrole: String,
    /// Groups to bind to the role.
    #[arg(long = "group")]
    pub groups: Vec<String>,
    /// Service accounts to bind to the role, in the format <namespace>:<name>.
    #[arg(long = "serviceaccount")]
    pub service_accounts: Vec<String>,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create rolebinding` (`cluster` false) or `create clusterrolebinding`.
pub async fn binding(f: &mut Factory, a: BindingArgs, cluster: bool, manager: &str) -> CmdResult {
    let (target, command): (Target, &str) = if cluster {
        (kinds::CLUSTERROLEBINDING, "create clusterrolebinding")
    } else {
        (kinds::ROLEBINDING, "create rolebinding")
    };
    let name = super::common::name_required(&a.args, command)?;
    let role_ref = if cluster {
        if a.clusterrole.is_empty() {
            return Err(CmdError::new("required flag(s) \"clusterrole\" not set"));
        }
        json!({ "apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": a.clusterrole })
    } else {
        match (a.role.is_empty(), a.clusterrole.is_empty()) {
            (false, true) => json!({ "apiGroup": RBAC_GROUP, "kind": "Role", "name": a.role }),
            (true, false) => {
                json!({ "apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": a.clusterrole })
            }
            _ => {
                return Err(CmdError::new(
                    "exactly one of clusterrole or role must be specified",
                ))
            }
        }
    };
    // `--user` is also kubectl's global kubeconfig-user flag; here (as in
    // kubectl, where the local flag shadows it) it names the subject, so it
    // must not select the kubeconfig user.
    let users: Vec<String> = f.flags.user.take().into_iter().collect();
    let subjects = build_subjects(&users, &a.groups, &a.service_accounts)?;
    let mut obj = new_object(&target, &name);
    obj.insert("subjects".into(), Value::Array(subjects));
    obj.insert("roleRef".into(), role_ref);
    let req = CreateRequest {
        target,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Users, then groups, then service accounts, as kubectl orders them.
pub fn build_subjects(
    users: &[String],
    groups: &[String],
    sas: &[String],
) -> CmdResult<Vec<Value>> {
    let mut out = Vec::new();
    for u in users {
        out.push(json!({ "kind": "User", "apiGroup": RBAC_GROUP, "name": u }));
    }
    for g in groups {
        out.push(json!({ "kind": "Group", "apiGroup": RBAC_GROUP, "name": g }));
    }
    for sa in sas {
        match sa.split_once(':') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains(':') => {
                out.push(json!({ "kind": "ServiceAccount", "name": name, "namespace": ns }));
            }
            _ => return Err(CmdError::new("serviceaccount must be <namespace>:<name>")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_parse_like_kubectl() {
        let r = parse_resources(&["deployments.apps/scale".into(), "pods".into()]);
        assert_eq!(
            r[0],
            ResourceOption {
                resource: "deployments".into(),
                group: "apps".into(),
                subresource: "scale".into()
            }
        );
        assert_eq!(r[1].resource, "pods");
        let star = parse_resources(&["pods".into(), "*".into(), "svc".into()]);
        assert_eq!(star.len(), 1);
        assert_eq!(star[0].resource, "*");
    }

    #[test]
    fn subjects_in_kubectl_order() {
        let s = build_subjects(&["u".into()], &["g".into()], &["ns:sa".into()]).unwrap();
        assert_eq!(
            keelson_apimachinery::codec::to_json(&Value::Array(s)),
            r#"[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"u"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"g"},{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]"#
        );
        let e = build_subjects(&[], &[], &["bad".into()]).unwrap_err();
        assert_eq!(
            e.message,
            "error: serviceaccount must be <namespace>:<name>"
        );
    }
}
