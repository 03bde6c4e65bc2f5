//! `create namespace|serviceaccount|quota|priorityclass|poddisruptionbudget|ingress`:
//! the small kinds.

use super::common::{kinds, metadata, new_object, CreateRequest, ObjectFlags};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::{json, Map, Value};

/// Flags of the generators that take only NAME (`namespace`, `serviceaccount`).
#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create namespace`.
pub async fn namespace(f: &mut Factory, a: NameArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create namespace")?;
    let mut obj = new_object(&kinds::NAMESPACE, &name);
    obj.insert("spec".into(), json!({}));
    obj.insert("status".into(), json!({}));
    let req = CreateRequest {
        target: kinds::NAMESPACE,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Runs `create serviceaccount`.
pub async fn serviceaccount(f: &mut Factory, a: NameArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create serviceaccount")?;
    let obj = new_object(&kinds::SERVICEACCOUNT, &name);
    let req = CreateRequest {
        target: kinds::SERVICEACCOUNT,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Flags of `create quota NAME [--hard=key1=value1,key2=value2] [--scopes=Scope1,Scope2]`.
#[derive(Debug, clap::Args)]
pub struct QuotaArgs {
    /// NAME.
    pub args: Vec<String>,
    /// A comma-delimited set of resource=quantity pairs that define a hard limit.
    #[arg(long, default_value = "")]
    pub hard: String,
    /// A comma-delimited set of quota scopes that must all match each object tracked by the quota.
    #[arg(long, default_value = "")]
    pub scopes: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create quota`.
pub async fn quota(f: &mut Factory, a: QuotaArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create quota")?;
    let obj = build_quota(&name, &a.hard, &a.scopes)?;
    let req = CreateRequest {
        target: kinds::QUOTA,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `createQuota`.
pub fn build_quota(name: &str, hard: &str, scopes: &str) -> CmdResult<Map<String, Value>> {
    let mut spec = Map::new();
    if !hard.is_empty() {
        let mut limits = Map::new();
        let mut pairs = Vec::new();
        for item in hard.split(',') {
            match item.split_once('=') {
                Some((k, v)) if !k.is_empty() => pairs.push((k.to_string(), v.to_string())),
                _ => {
                    return Err(CmdError::new(format!(
                        "Invalid argument syntax {item}, expected <resource>=<value>"
                    )))
                }
            }
        }
        pairs.sort();
        for (k, v) in pairs {
            limits.insert(k, json!(v));
        }
        spec.insert("hard".into(), Value::Object(limits));
    }
    if !scopes.is_empty() {
        let list: Vec<&str> = scopes.split(',').collect();
        spec.insert("scopes".into(), json!(list));
    }
    let mut obj = new_object(&kinds::QUOTA, name);
    obj.insert("spec".into(), Value::Object(spec));
    obj.insert("status".into(), json!({}));
    Ok(obj)
}

/// Flags of `create priorityclass NAME --value=VALUE --global-default=BOOL [--description=STRING]`.
#[derive(Debug, clap::Args)]
pub struct PriorityClassArgs {
    /// NAME.
    pub args: Vec<String>,
    /// the value of this priority class.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub value: i32,
    /// global-default specifies whether this PriorityClass should be considered as the default priority.
    #[arg(long = "global-default")]
    pub global_default: bool,
    /// description is an arbitrary string that usually provides guidelines on when this priority class should be used.
    #[arg(long, default_value = "")]
    pub description: String,
    /// preemption-policy is the policy for preempting pods with lower priority.
    #[arg(long = "preemption-policy", default_value = "PreemptLowerPriority")]
    pub preemption_policy: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create priorityclass`.
pub async fn priorityclass(f: &mut Factory, a: PriorityClassArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create priorityclass")?;
    let mut obj = new_object(&kinds::PRIORITYCLASS, &name);
    obj.insert("value".into(), json!(a.value));
    if a.global_default {
        obj.insert("globalDefault".into(), json!(true));
    }
    if !a.description.is_empty() {
        obj.insert("description".into(), json!(a.description));
    }
    obj.insert("preemptionPolicy".into(), json!(a.preemption_policy));
    let req = CreateRequest {
        target: kinds::PRIORITYCLASS,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// Flags of `create poddisruptionbudget NAME --selector=SELECTOR --min-available=N`.
#[derive(Debug, clap::Args)]
pub struct PdbArgs {
    /// NAME.
    pub args: Vec<String>,
    /// The minimum number or percentage of available pods this budget requires.
    #[arg(long = "min-available", default_value = "")]
    pub min_available: String,
    /// The maximum number or percentage of unavailable pods this budget requires.
    #[arg(long = "max-unavailable", default_value = "")]
    pub max_unavailable: String,
    /// A label selector to use for this budget.
    #[arg(long, default_value = "")]
    pub selector: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create poddisruptionbudget`.
pub async fn pdb(f: &mut Factory, a: PdbArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create poddisruptionbudget")?;
    let obj = build_pdb(&name, &a.selector, &a.min_available, &a.max_unavailable)?;
    let req = CreateRequest {
        target: kinds::PDB,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `PodDisruptionBudgetOpts` validation and object.
pub fn build_pdb(
    name: &str,
    selector: &str,
    min: &str,
    max: &str,
) -> CmdResult<Map<String, Value>> {
    if selector.is_empty() {
        return Err(CmdError::new("a selector must be specified"));
    }
    if min.is_empty() && max.is_empty() {
        return Err(CmdError::new(
            "one of min-available or max-unavailable must be specified",
        ));
    }
    if !min.is_empty() && !max.is_empty() {
        return Err(CmdError::new(
            "min-available and max-unavailable cannot be both specified",
        ));
    }
    let mut spec = Map::new();
    if !min.is_empty() {
        spec.insert("minAvailable".into(), super::common::int_or_string(min));
    }
    spec.insert("selector".into(), label_selector(selector)?);
    if !max.is_empty() {
        spec.insert("maxUnavailable".into(), super::common::int_or_string(max));
    }
    let mut obj = new_object(&kinds::PDB, name);
    obj.insert("spec".into(), Value::Object(spec));
    obj.insert(
        "status".into(),
        json!({ "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0 }),
    );
    Ok(obj)
}

/// `metav1.ParseToLabelSelector`: equality terms become `matchLabels`, the
/// rest `matchExpressions`.
pub fn label_selector(text: &str) -> CmdResult<Value> {
    let mut labels = Vec::new();
    let mut exprs = Vec::new();
    for term in split_terms(text) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let invalid = || CmdError::new(format!("couldn't parse the selector string \"{text}\""));
        if let Some((k, rest)) = split_set_op(term, " notin ") {
            exprs.push(json!({ "key": k, "operator": "NotIn", "values": parse_set(rest).ok_or_else(invalid)? }));
        } else if let Some((k, rest)) = split_set_op(term, " in ") {
            exprs.push(json!({ "key": k, "operator": "In", "values": parse_set(rest).ok_or_else(invalid)? }));
        } else if let Some((k, v)) = term.split_once("!=") {
            exprs.push(json!({ "key": k.trim(), "operator": "NotIn", "values": [v.trim()] }));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels.push((k.trim().to_string(), v.trim().to_string()));
        } else if let Some(k) = term.strip_prefix('!') {
            exprs.push(json!({ "key": k.trim(), "operator": "DoesNotExist" }));
        } else {
            exprs.push(json!({ "key": term, "operator": "Exists" }));
        }
    }
    let mut out = Map::new();
    if !labels.is_empty() {
        labels.sort();
        let m: Map<String, Value> = labels
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        out.insert("matchLabels".into(), Value::Object(m));
    }
    if !exprs.is_empty() {
        out.insert("matchExpressions".into(), Value::Array(exprs));
    }
    Ok(Value::Object(out))
}

fn split_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

fn split_set_op<'a>(term: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    term.split_once(op).map(|(k, rest)| (k.trim(), rest.trim()))
}

fn parse_set(rest: &str) -> Option<Vec<String>> {
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

/// Flags of `create ingress NAME --rule=host/path=service:port[,tls[=secret]]`.
#[derive(Debug, clap::Args)]
pub struct IngressArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Rule in format host/path=service:port[,tls=secretname].
    #[arg(long = "rule")]
    pub rules: Vec<String>,
    /// Ingress Class to be used.
    #[arg(long = "class", default_value = "")]
    pub class: String,
    /// Default service for backend, in format of svcname:port.
    #[arg(long = "default-backend", default_value = "")]
    pub default_backend: String,
    /// Annotation to insert in the ingress object, in the format annotation=value.
    #[arg(long = "annotation")]
    pub annotations: Vec<String>,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create ingress`.
pub async fn ingress(f: &mut Factory, a: IngressArgs, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, "create ingress")?;
    let obj = build_ingress(
        &name,
        &a.rules,
        &a.class,
        &a.default_backend,
        &a.annotations,
    )?;
    let req = CreateRequest {
        target: kinds::INGRESS,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// One parsed `--rule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressRule {
    /// Host, maybe empty.
    pub host: String,
    /// Path, starting with `/`, a trailing `*` removed.
    pub path: String,
    /// `Prefix` for a trailing `*`, else `Exact`.
    pub path_type: &'static str,
    /// Backend service.
    pub service: String,
    /// Port number or name.
    pub port: String,
    /// `Some` with `,tls`; the secret name may be empty.
    pub tls: Option<String>,
}

fn is_word(s: &str, extra: &[char]) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
}

/// kubectl's rule regex, by hand:
/// `^([\w*\-.]*)(/.*)=([\w\-]+):([\w\-]+)(,tls=?([\w\-]+)?)?$`.
pub fn parse_rule(rule: &str) -> Option<IngressRule> {
    let slash = rule.find('/')?;
    let host = &rule[..slash];
    if !is_word(host, &['*', '-', '.']) {
        return None;
    }
    let rest = &rule[slash..];
    // The path is greedy (`/.*`), so the backend is after the last '='
    // that still leaves a valid `svc:port[,tls...]` tail.
    for (eq, _) in rest
        .match_indices('=')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let path = &rest[..eq];
        let tail = &rest[eq + 1..];
        if let Some(parsed) = parse_backend_tail(tail) {
            let (svc, port, tls) = parsed;
            let (path, path_type) = match path.strip_suffix('*') {
                Some(p) => (p.to_string(), "Prefix"),
                None => (path.to_string(), "Exact"),
            };
            return Some(IngressRule {
                host: host.to_string(),
                path,
                path_type,
                service: svc,
                port,
                tls,
            });
        }
    }
    None
}

fn parse_backend_tail(tail: &str) -> Option<(String, String, Option<String>)> {
    let (backend, tls) = match tail.split_once(',') {
        Some((b, t)) => {
            let secret = t.strip_prefix("tls")?;
            let secret = secret.strip_prefix('=').unwrap_or(secret);
            if !is_word(secret, &['-']) {
                return None;
            }
            (b, Some(secret.to_string()))
        }
        None => (tail, None),
    };
    let (svc, port) = backend.split_once(':')?;
    if svc.is_empty() || port.is_empty() || !is_word(svc, &['-']) || !is_word(port, &['-']) {
        return None;
    }
    Some((svc.to_string(), port.to_string(), tls))
}

fn backend(service: &str, port: &str) -> Value {
    let port = match port.parse::<i32>() {
        Ok(n) => json!({ "number": n }),
        Err(_) => json!({ "name": port }),
    };
    json!({ "service": { "name": service, "port": port } })
}

/// kubectl's `createIngress`.
pub fn build_ingress(
    name: &str,
    rules: &[String],
    class: &str,
    default_backend: &str,
    annotations: &[String],
) -> CmdResult<Map<String, Value>> {
    let mut ann = Vec::new();
    for a in annotations {
        match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => ann.push((k.to_string(), v.to_string())),
            _ => {
                return Err(CmdError::new(format!(
                    "annotation {a} is invalid and should be in format key=[value]"
                )))
            }
        }
    }
    let mut parsed = Vec::new();
    for r in rules {
        parsed.push(parse_rule(r).ok_or_else(|| {
            CmdError::new(format!(
                "rule {r} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]"
            ))
        })?);
    }
    let default = if default_backend.is_empty() {
        None
    } else {
        match default_backend.split_once(':') {
            Some((s, p))
                if !s.is_empty() && !p.is_empty() && is_word(s, &['-']) && is_word(p, &['-']) =>
            {
                Some(backend(s, p))
            }
            _ => {
                return Err(CmdError::new(
                    "default-backend should be in format servicename:serviceport",
                ))
            }
        }
    };
    if parsed.is_empty() && default.is_none() {
        return Err(CmdError::new(
            "not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)",
        ));
    }
    let mut obj = new_object(&kinds::INGRESS, name);
    if !ann.is_empty() {
        ann.sort();
        let m: Map<String, Value> = ann
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        metadata(&mut obj).insert("annotations".into(), Value::Object(m));
    }
    let mut spec = Map::new();
    if !class.is_empty() {
        spec.insert("ingressClassName".into(), json!(class));
    }
    if let Some(d) = default {
        spec.insert("defaultBackend".into(), d);
    }
    let mut tls: Vec<(String, Vec<String>)> = Vec::new();
    let mut host_rules: Vec<(String, Vec<Value>)> = Vec::new();
    for r in &parsed {
        if let Some(secret) = &r.tls {
            match tls.iter_mut().find(|(s, _)| s == secret) {
                Some((_, hosts)) => {
                    if !r.host.is_empty() && !hosts.contains(&r.host) {
                        hosts.push(r.host.clone());
                    }
                }
                None => {
                    let hosts = if r.host.is_empty() {
                        vec![]
                    } else {
                        vec![r.host.clone()]
                    };
                    tls.push((secret.clone(), hosts));
                }
            }
        }
        let path = json!({ "path": r.path, "pathType": r.path_type, "backend": backend(&r.service, &r.port) });
        match host_rules.iter_mut().find(|(h, _)| *h == r.host) {
            Some((_, paths)) => paths.push(path),
            None => host_rules.push((r.host.clone(), vec![path])),
        }
    }
    if !tls.is_empty() {
        let list: Vec<Value> = tls
            .into_iter()
            .map(|(secret, hosts)| {
                let mut t = Map::new();
                if !hosts.is_empty() {
                    t.insert("hosts".into(), json!(hosts));
                }
                if !secret.is_empty() {
                    t.insert("secretName".into(), json!(secret));
                }
                Value::Object(t)
            })
            .collect();
        spec.insert("tls".into(), Value::Array(list));
    }
    if !host_rules.is_empty() {
        let list: Vec<Value> = host_rules
            .into_iter()
            .map(|(host, paths)| {
                let mut rule = Map::new();
                if !host.is_empty() {
                    rule.insert("host".into(), json!(host));
                }
                rule.insert("http".into(), json!({ "paths": paths }));
                Value::Object(rule)
            })
            .collect();
        spec.insert("rules".into(), Value::Array(list));
    }
    obj.insert("spec".into(), Value::Object(spec));
    obj.insert("status".into(), json!({ "loadBalancer": {} }));
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::codec::to_json;

    #[test]
    fn ingress_matches_kubectl() {
        let rules = vec!["foo.com/bar*=svc:8080,tls=sec".to_string()];
        let i = build_ingress("ing", &rules, "nginx", "def:80", &["a=b".into()]).unwrap();
        assert_eq!(
            to_json(&Value::Object(i)),
            r#"{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing","annotations":{"a":"b"}},"spec":{"ingressClassName":"nginx","defaultBackend":{"service":{"name":"def","port":{"number":80}}},"tls":[{"hosts":["foo.com"],"secretName":"sec"}],"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Prefix","backend":{"service":{"name":"svc","port":{"number":8080}}}}]}}]},"status":{"loadBalancer":{}}}"#
        );
    }

    #[test]
    fn ingress_rules_parse() {
        assert!(parse_rule("foo.com=s:80").is_none());
        assert!(parse_rule("bad").is_none());
        let r = parse_rule("/path=svc:http,tls").unwrap();
        assert_eq!(
            (r.host.as_str(), r.path.as_str(), r.port.as_str()),
            ("", "/path", "http")
        );
        assert_eq!(r.tls.as_deref(), Some(""));
    }

    #[test]
    fn selectors_split_equality_and_sets() {
        let s = label_selector("app=x,tier in (a, b),!old").unwrap();
        assert_eq!(
            to_json(&s),
            r#"{"matchLabels":{"app":"x"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]},{"key":"old","operator":"DoesNotExist"}]}"#
        );
    }

    #[test]
    fn pdb_matches_kubectl() {
        let p = build_pdb("p2", "app=x", "", "50%").unwrap();
        assert_eq!(
            to_json(&Value::Object(p)),
            r#"{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"p2"},"spec":{"selector":{"matchLabels":{"app":"x"}},"maxUnavailable":"50%"},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}"#
        );
        assert_eq!(
            build_pdb("p", "", "1", "").unwrap_err().message,
            "error: a selector must be specified"
        );
    }

    #[test]
    fn quota_errors() {
        assert_eq!(
            build_quota("q", "foo", "").unwrap_err().message,
            "error: Invalid argument syntax foo, expected <resource>=<value>"
        );
    }
}
