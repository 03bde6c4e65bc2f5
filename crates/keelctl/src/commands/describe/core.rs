//! Describers for core and small kinds: Service, Namespace, ConfigMap,
//! Secret, ServiceAccount, Node, PodDisruptionBudget, PriorityClass,
//! (Cluster)RoleBinding.

use super::events::{finish, Events};
use super::writer::{
    annotations_multiline, conditions_table, creation_timestamp, format_label_selector,
    format_labels, header, int_at, labels_annotations, labels_multiline, name_namespace, rfc1123z,
    str_at, text, PrefixWriter, L0, L1, L2, TRANSITION_CONDITIONS,
};
use serde_json::Value;
use std::collections::BTreeMap;

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(text)
        .collect()
}

/// `formatEndpointSlices` for one service port name.
pub fn format_endpoint_slices(slices: &[Value], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for s in slices {
        let endpoints: Vec<&Value> = s
            .get("endpoints")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let ready = |e: &Value| {
            e.pointer("/conditions/ready")
                .and_then(Value::as_bool)
                .unwrap_or(true)
        };
        let first_addr = |e: &Value| {
            e.pointer("/addresses/0")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let ports = s
            .get("ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ports.is_empty() {
            for e in &endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(first_addr(e));
                }
                count += 1;
            }
            continue;
        }
        for p in &ports {
            if str_at(p, "/name") != port_name {
                continue;
            }
            for e in &endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    let addr = first_addr(e);
                    let host = if addr.contains(':') {
                        format!("[{addr}]")
                    } else {
                        addr
                    };
                    list.push(format!("{host}:{}", int_at(p, "/port")));
                }
                count += 1;
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

/// kubectl's `describeService`.
pub fn describe_service(svc: &Value, slices: &[Value], events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, svc, true);
    let spec = svc.get("spec").cloned().unwrap_or(Value::Null);
    w.write(
        L0,
        &format!("Selector:\t{}\n", format_labels(spec.get("selector"))),
    );
    w.write(L0, &format!("Type:\t{}\n", str_at(&spec, "/type")));
    if let Some(p) = spec.get("ipFamilyPolicy").and_then(Value::as_str) {
        w.write(L0, &format!("IP Family Policy:\t{p}\n"));
    }
    let fams = strings(spec.get("ipFamilies"));
    w.write(
        L0,
        &format!(
            "IP Families:\t{}\n",
            if fams.is_empty() {
                "<none>".into()
            } else {
                fams.join(",")
            }
        ),
    );
    w.write(L0, &format!("IP:\t{}\n", str_at(&spec, "/clusterIP")));
    let ips = strings(spec.get("clusterIPs"));
    w.write(
        L0,
        &format!(
            "IPs:\t{}\n",
            if ips.is_empty() {
                "<none>".into()
            } else {
                ips.join(",")
            }
        ),
    );
    let ext = strings(spec.get("externalIPs"));
    if !ext.is_empty() {
        w.write(L0, &format!("External IPs:\t{}\n", ext.join(",")));
    }
    let lbip = str_at(&spec, "/loadBalancerIP");
    if !lbip.is_empty() {
        w.write(L0, &format!("Desired LoadBalancer IP:\t{lbip}\n"));
    }
    let en = str_at(&spec, "/externalName");
    if !en.is_empty() {
        w.write(L0, &format!("External Name:\t{en}\n"));
    }
    let ingress: Vec<String> = svc
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| {
            let ip = str_at(i, "/ip");
            if ip.is_empty() {
                str_at(i, "/hostname").to_string()
            } else {
                match i.get("ipMode").and_then(Value::as_str) {
                    Some(m) => format!("{ip} ({m})"),
                    None => ip.to_string(),
                }
            }
        })
        .collect();
    if !ingress.is_empty() {
        w.write(
            L0,
            &format!("LoadBalancer Ingress:\t{}\n", ingress.join(", ")),
        );
    }
    for p in spec
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let raw_name = str_at(p, "/name");
        let name = if raw_name.is_empty() {
            "<unset>"
        } else {
            raw_name
        };
        let proto = str_at(p, "/protocol");
        w.write(
            L0,
            &format!("Port:\t{name}\t{}/{proto}\n", int_at(p, "/port")),
        );
        w.write(
            L0,
            &format!(
                "TargetPort:\t{}/{proto}\n",
                p.get("targetPort").map(text).unwrap_or_else(|| "0".into())
            ),
        );
        if let Some(ap) = p.get("appProtocol").and_then(Value::as_str) {
            w.write(L0, &format!("AppProtocol:\t{ap}\n"));
        }
        let np = int_at(p, "/nodePort");
        if np != 0 {
            w.write(L0, &format!("NodePort:\t{name}\t{np}/{proto}\n"));
        }
        w.write(
            L0,
            &format!("Endpoints:\t{}\n", format_endpoint_slices(slices, raw_name)),
        );
    }
    w.write(
        L0,
        &format!("Session Affinity:\t{}\n", str_at(&spec, "/sessionAffinity")),
    );
    let etp = str_at(&spec, "/externalTrafficPolicy");
    if !etp.is_empty() {
        w.write(L0, &format!("External Traffic Policy:\t{etp}\n"));
    }
    if let Some(itp) = spec.get("internalTrafficPolicy").and_then(Value::as_str) {
        w.write(L0, &format!("Internal Traffic Policy:\t{itp}\n"));
    }
    let hc = int_at(&spec, "/healthCheckNodePort");
    if hc != 0 {
        w.write(L0, &format!("HealthCheck NodePort:\t{hc}\n"));
    }
    let ranges = strings(spec.get("loadBalancerSourceRanges"));
    if !ranges.is_empty() {
        w.write(
            L0,
            &format!("LoadBalancer Source Ranges:\t{}\n", ranges.join(",")),
        );
    }
    if let Some(td) = spec.get("trafficDistribution").and_then(Value::as_str) {
        w.write(L0, &format!("Traffic Distribution:\t{td}\n"));
    }
    finish(w, events)
}

/// kubectl's `describeIngressV1`; `backend` renders one backend with its endpoints.
pub fn describe_ingress(
    ing: &Value,
    backend: &dyn Fn(&Value) -> String,
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    w.write(L0, &format!("Name:\t{}\n", str_at(ing, "/metadata/name")));
    labels_multiline(&mut w, "Labels", ing.pointer("/metadata/labels"));
    w.write(
        L0,
        &format!("Namespace:\t{}\n", str_at(ing, "/metadata/namespace")),
    );
    // A set in kubectl: sorted, each address once.
    let address: std::collections::BTreeSet<String> = ing
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| match str_at(i, "/ip") {
            "" => str_at(i, "/hostname").to_string(),
            ip => ip.to_string(),
        })
        .collect();
    let address: Vec<String> = address.into_iter().filter(|a| !a.is_empty()).collect();
    w.write(L0, &format!("Address:\t{}\n", address.join(",")));
    let class = ing
        .pointer("/spec/ingressClassName")
        .and_then(Value::as_str)
        .unwrap_or("<none>");
    w.write(L0, &format!("Ingress Class:\t{class}\n"));
    let default = match ing.pointer("/spec/defaultBackend") {
        Some(b) => backend(b),
        None => "<default>".to_string(),
    };
    w.write(L0, &format!("Default backend:\t{default}\n"));
    if let Some(tls) = ing
        .pointer("/spec/tls")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
    {
        w.write(L0, "TLS:\n");
        for t in tls {
            let hosts = strings(t.get("hosts")).join(",");
            match str_at(t, "/secretName") {
                "" => w.write(L1, &format!("SNI routes {hosts}\n")),
                s => w.write(L1, &format!("{s} terminates {hosts}\n")),
            }
        }
    }
    w.write(L0, "Rules:\n  Host\tPath\tBackends\n");
    w.write(L1, "----\t----\t--------\n");
    let mut count = 0;
    for rule in ing
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(http) = rule.get("http") else {
            continue;
        };
        count += 1;
        let host = match str_at(rule, "/host") {
            "" => "*",
            h => h,
        };
        w.write(L1, &format!("{host}\t\n"));
        for p in http
            .get("paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            w.write(
                L2,
                &format!(
                    "\t{} \t{}\n",
                    str_at(p, "/path"),
                    backend(p.get("backend").unwrap_or(&Value::Null))
                ),
            );
        }
    }
    if count == 0 {
        w.write(L1, &format!("*\t*\t{default}\n"));
    }
    annotations_multiline(&mut w, "Annotations", ing.pointer("/metadata/annotations"));
    finish(w, events)
}

/// `serviceBackendStringer`: `name:port`.
pub fn service_backend_text(svc: &Value) -> String {
    let port = match int_at(svc, "/port/number") {
        0 => str_at(svc, "/port/name").to_string(),
        n => n.to_string(),
    };
    format!("{}:{port}", str_at(svc, "/name"))
}

/// kubectl's `describeNamespace` with its quota and limit range summaries.
pub fn describe_namespace(
    ns: &Value,
    quotas: Option<&[Value]>,
    limits: Option<&[Value]>,
) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, ns, false);
    w.write(L0, &format!("Status:\t{}\n", str_at(ns, "/status/phase")));
    if let Some(conds) = ns
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
    {
        conditions_table(&mut w, conds, TRANSITION_CONDITIONS);
    }
    if let Some(q) = quotas {
        w.write(L0, "\n");
        if q.is_empty() {
            w.write(L0, "No resource quota.\n");
        } else {
            let mut q: Vec<&Value> = q.iter().collect();
            q.sort_by(|a, b| str_at(a, "/metadata/name").cmp(str_at(b, "/metadata/name")));
            w.write(L0, "Resource Quotas\n");
            for quota in q {
                w.write(L1, &format!("Name:\t{}\n", str_at(quota, "/metadata/name")));
                let mut scopes = strings(quota.pointer("/spec/scopes"));
                if !scopes.is_empty() {
                    scopes.sort();
                    w.write(L1, &format!("Scopes:\t{}\n", scopes.join(", ")));
                    for s in &scopes {
                        if let Some(help) = scope_help(s) {
                            w.write(L1, &format!("* {help}\n"));
                        }
                    }
                }
                w.write(L1, "Resource\tUsed\tHard\n");
                w.write(L1, "--------\t---\t---\n");
                let hard: BTreeMap<String, String> = quota
                    .pointer("/status/hard")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                    .unwrap_or_default();
                for (r, h) in hard {
                    let used = quota
                        .pointer(&format!(
                            "/status/used/{}",
                            r.replace('~', "~0").replace('/', "~1")
                        ))
                        .map(text)
                        .unwrap_or_else(|| "0".into());
                    w.write(L1, &format!("{r}\t{used}\t{h}\n"));
                }
            }
        }
    }
    if let Some(l) = limits {
        w.write(L0, "\n");
        super::limits::limit_ranges_summary(&mut w, l);
    }
    w.finish()
}

/// kubectl's `describeQuota`: used and hard per resource from the status.
pub fn describe_quota(q: &Value) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, q, true);
    let mut scopes = strings(q.pointer("/spec/scopes"));
    if !scopes.is_empty() {
        scopes.sort();
        w.write(L0, &format!("Scopes:\t{}\n", scopes.join(", ")));
        for s in &scopes {
            if let Some(help) = scope_help(s) {
                w.write(L0, &format!(" * {help}\n"));
            }
        }
    }
    w.write(L0, "Resource\tUsed\tHard\n");
    w.write(L0, "--------\t----\t----\n");
    let hard: BTreeMap<String, String> = q
        .pointer("/status/hard")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
        .unwrap_or_default();
    for (r, h) in hard {
        let used = q
            .pointer("/status/used")
            .and_then(|u| u.get(&r))
            .map(text)
            .unwrap_or_else(|| "0".into());
        w.write(L0, &format!("{r}\t{used}\t{h}\n"));
    }
    w.finish()
}

fn scope_help(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "Terminating" => "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
        "NotTerminating" => "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
        "BestEffort" => "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
        "NotBestEffort" => "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
        _ => return None,
    })
}

/// kubectl's ConfigMap describer (keys sorted: kubectl walks a Go map).
pub fn describe_configmap(cm: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, cm, true);
    w.write(L0, "\nData\n====\n");
    let data: BTreeMap<&String, &Value> = cm
        .get("data")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    for (k, v) in data {
        w.write(L0, &format!("{k}:\n----\n"));
        w.write(L0, &format!("{}\n", text(v)));
        w.write(L0, "\n");
    }
    w.write(L0, "\nBinaryData\n====\n");
    let bin: BTreeMap<&String, &Value> = cm
        .get("binaryData")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    for (k, v) in bin {
        w.write(
            L0,
            &format!("{k}: {} bytes\n", decoded_len(v.as_str().unwrap_or(""))),
        );
    }
    w.write(L0, "\n");
    finish(w, events)
}

/// Length of base64-decoded data without decoding it.
pub fn decoded_len(b64: &str) -> usize {
    let clean: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let pad = clean.iter().rev().take_while(|&&b| b == b'=').count();
    (clean.len() / 4) * 3 - pad.min(2)
}

/// kubectl's `describeSecret`: sizes, never values (except a service account token).
pub fn describe_secret(s: &Value) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, s, true);
    let ty = str_at(s, "/type");
    w.write(L0, &format!("\nType:\t{ty}\n"));
    w.write(L0, "\nData\n====\n");
    let data: BTreeMap<&String, &Value> = s
        .get("data")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    for (k, v) in data {
        let raw = v.as_str().unwrap_or("");
        if k == "token" && ty == "kubernetes.io/service-account-token" {
            let decoded = crate::commands::describe::b64_decode(raw);
            w.write(
                L0,
                &format!("{k}:\t{}\n", String::from_utf8_lossy(&decoded)),
            );
        } else {
            w.write(L0, &format!("{k}:\t{} bytes\n", decoded_len(raw)));
        }
    }
    w.finish()
}

/// kubectl's `describeServiceAccount`.
pub fn describe_service_account(
    sa: &Value,
    tokens: &[String],
    missing: &[String],
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, sa, true);
    let names = |field: &str| -> Vec<String> {
        sa.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| str_at(r, "/name").to_string())
            .collect()
    };
    let sections = [
        ("Image pull secrets:", names("imagePullSecrets")),
        ("Mountable secrets: ", names("secrets")),
        ("Tokens:            ", tokens.to_vec()),
    ];
    let empty = "                   ";
    for (i, (title, list)) in sections.into_iter().enumerate() {
        // Only the image pull secrets line prints when empty.
        if list.is_empty() && i > 0 {
            continue;
        }
        if list.is_empty() {
            w.write(L0, &format!("{title}\t<none>\n"));
            continue;
        }
        let mut prefix = title;
        for n in &list {
            if missing.contains(n) {
                w.write(L0, &format!("{prefix}\t{n} (not found)\n"));
            } else {
                w.write(L0, &format!("{prefix}\t{n}\n"));
            }
            prefix = empty;
        }
    }
    finish(w, events)
}

/// kubectl's `describePodDisruptionBudgetV1`.
pub fn describe_pdb(p: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, p, true);
    if let Some(m) = p.pointer("/spec/minAvailable") {
        w.write(L0, &format!("Min available:\t{}\n", text(m)));
    } else if let Some(m) = p.pointer("/spec/maxUnavailable") {
        w.write(L0, &format!("Max unavailable:\t{}\n", text(m)));
    }
    match p.pointer("/spec/selector") {
        Some(s) => w.write(
            L0,
            &format!("Selector:\t{}\n", format_label_selector(Some(s))),
        ),
        None => w.write(L0, "Selector:\t<unset>\n"),
    }
    w.write(L0, "Status:\n");
    w.write(
        L2,
        &format!(
            "Allowed disruptions:\t{}\n",
            int_at(p, "/status/disruptionsAllowed")
        ),
    );
    w.write(
        L2,
        &format!("Current:\t{}\n", int_at(p, "/status/currentHealthy")),
    );
    w.write(
        L2,
        &format!("Desired:\t{}\n", int_at(p, "/status/desiredHealthy")),
    );
    w.write(
        L2,
        &format!("Total:\t{}\n", int_at(p, "/status/expectedPods")),
    );
    finish(w, events)
}

/// kubectl's `describePriorityClass`.
pub fn describe_priority_class(pc: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    w.write(L0, &format!("Name:\t{}\n", str_at(pc, "/metadata/name")));
    w.write(L0, &format!("Value:\t{}\n", int_at(pc, "/value")));
    w.write(
        L0,
        &format!(
            "GlobalDefault:\t{}\n",
            pc.get("globalDefault")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    w.write(
        L0,
        &format!("PreemptionPolicy:\t{}\n", str_at(pc, "/preemptionPolicy")),
    );
    w.write(
        L0,
        &format!("Description:\t{}\n", str_at(pc, "/description")),
    );
    w.write(
        L0,
        &format!(
            "Annotations:\t{}\n",
            format_labels(pc.pointer("/metadata/annotations"))
        ),
    );
    finish(w, events)
}

/// kubectl's Role and ClusterRole describers: rules broken down to one
/// verb each, verbs merged back per resource, sorted as kubectl sorts them.
pub fn describe_role(role: &Value) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, role, false);
    w.write(L0, "PolicyRule:\n");
    w.write(L1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    w.write(L1, "---------\t-----------------\t--------------\t-----\n");
    for r in compact_rules(role.get("rules")) {
        w.write(
            L1,
            &format!(
                "{}\t[{}]\t[{}]\t[{}]\n",
                combine_resource_group(&r),
                r.urls.join(" "),
                r.names.join(" "),
                r.verbs.join(" ")
            ),
        );
    }
    w.finish()
}

/// kubectl's `CombineResourceGroup`: `deployments.apps`, `pods/log`.
fn combine_resource_group(r: &Rule) -> String {
    let Some(res) = r.resources.first() else {
        return String::new();
    };
    let (base, sub) = match res.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (res.as_str(), None),
    };
    let mut c = base.to_string();
    if let Some(g) = r.groups.first().filter(|g| !g.is_empty()) {
        c = format!("{c}.{g}");
    }
    if let Some(sub) = sub {
        c = format!("{c}/{sub}");
    }
    c
}

/// One policy rule in kubectl's broken-down form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Verbs.
    pub verbs: Vec<String>,
    /// API groups.
    pub groups: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
    /// Resource names.
    pub names: Vec<String>,
    /// Non-resource URLs.
    pub urls: Vec<String>,
}

impl Rule {
    /// The generated `PolicyRule.String()`, which kubectl sorts by.
    fn sort_key(&self) -> String {
        format!(
            "&PolicyRule{{Verbs:[{}],APIGroups:[{}],Resources:[{}],ResourceNames:[{}],NonResourceURLs:[{}],}}",
            self.verbs.join(" "),
            self.groups.join(" "),
            self.resources.join(" "),
            self.names.join(" "),
            self.urls.join(" ")
        )
    }
}

/// rbac's `BreakdownRule` then `CompactRules` (verbs merged per group,
/// resource and name; URL rules kept apart), sorted.
pub fn compact_rules(rules: Option<&Value>) -> Vec<Rule> {
    let list = |v: &Value, f: &str| -> Vec<String> {
        v.get(f)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(text)
            .collect()
    };
    let mut compact: Vec<Rule> = Vec::new();
    for rule in rules.and_then(Value::as_array).into_iter().flatten() {
        let verbs = list(rule, "verbs");
        let names = list(rule, "resourceNames");
        let name_sets: Vec<Vec<String>> = if names.is_empty() {
            vec![vec![]]
        } else {
            names.iter().map(|n| vec![n.clone()]).collect()
        };
        for g in list(rule, "apiGroups") {
            for r in list(rule, "resources") {
                for v in &verbs {
                    for n in &name_sets {
                        let same = |c: &&mut Rule| {
                            c.urls.is_empty()
                                && c.groups == [g.clone()]
                                && c.resources == [r.clone()]
                                && &c.names == n
                        };
                        match compact.iter_mut().find(same) {
                            Some(c) => c.verbs.push(v.clone()),
                            None => compact.push(Rule {
                                verbs: vec![v.clone()],
                                groups: vec![g.clone()],
                                resources: vec![r.clone()],
                                names: n.clone(),
                                urls: vec![],
                            }),
                        }
                    }
                }
            }
        }
        for u in list(rule, "nonResourceURLs") {
            for v in &verbs {
                compact.push(Rule {
                    verbs: vec![v.clone()],
                    groups: vec![],
                    resources: vec![],
                    names: vec![],
                    urls: vec![u.clone()],
                });
            }
        }
    }
    compact.sort_by_key(Rule::sort_key);
    compact
}

/// kubectl's RoleBinding and ClusterRoleBinding describers.
pub fn describe_binding(b: &Value) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, b, false);
    w.write(L0, "Role:\n");
    w.write(L1, &format!("Kind:\t{}\n", str_at(b, "/roleRef/kind")));
    w.write(L1, &format!("Name:\t{}\n", str_at(b, "/roleRef/name")));
    w.write(L0, "Subjects:\n");
    w.write(L1, "Kind\tName\tNamespace\n");
    w.write(L1, "----\t----\t---------\n");
    for s in b
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        w.write(
            L1,
            &format!(
                "{}\t{}\t{}\n",
                str_at(s, "/kind"),
                str_at(s, "/name"),
                str_at(s, "/namespace")
            ),
        );
    }
    w.finish()
}

/// kubectl's `describeNode` (pods summary from the node's non-terminated
/// pods; `lease` is its kube-node-lease Lease or why it could not be read).
pub fn describe_node(
    node: &Value,
    pods: Option<&[Value]>,
    lease: Result<&Value, &str>,
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    w.write(L0, &format!("Name:\t{}\n", str_at(node, "/metadata/name")));
    let mut roles: Vec<String> = Vec::new();
    for k in node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
            if !r.is_empty() {
                roles.push(r.to_string());
            }
        } else if k == "kubernetes.io/role" {
            roles.push(
                str_at(node, &format!("/metadata/labels/{}", k.replace('/', "~1"))).to_string(),
            );
        }
    }
    roles.sort();
    w.write(
        L0,
        &format!(
            "Roles:\t{}\n",
            if roles.is_empty() {
                "<none>".into()
            } else {
                roles.join(",")
            }
        ),
    );
    labels_annotations(&mut w, node);
    creation_timestamp(&mut w, node);
    w.write(L0, "Taints:\t");
    let mut taints: Vec<&Value> = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if taints.is_empty() {
        w.line("<none>");
    } else {
        taints.sort_by_key(|t| format!("{},{}", str_at(t, "/effect"), str_at(t, "/key")));
        for (i, t) in taints.iter().enumerate() {
            if i != 0 {
                w.write(L0, "\t");
            }
            let v = str_at(t, "/value");
            let kv = if v.is_empty() {
                str_at(t, "/key").to_string()
            } else {
                format!("{}={v}", str_at(t, "/key"))
            };
            w.write(L0, &format!("{kv}:{}\n", str_at(t, "/effect")));
        }
    }
    w.write(
        L0,
        &format!(
            "Unschedulable:\t{}\n",
            node.pointer("/spec/unschedulable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    match lease {
        Ok(l) => {
            w.write(L0, "Lease:\n");
            let ts = |f: &str| match l.pointer(&format!("/spec/{f}")).and_then(Value::as_str) {
                Some(t) => rfc1123z(t),
                None => "<unset>".into(),
            };
            let holder = l
                .pointer("/spec/holderIdentity")
                .and_then(Value::as_str)
                .unwrap_or("<unset>");
            w.write(L1, &format!("HolderIdentity:\t{holder}\n"));
            w.write(L1, &format!("AcquireTime:\t{}\n", ts("acquireTime")));
            w.write(L1, &format!("RenewTime:\t{}\n", ts("renewTime")));
        }
        Err(e) => w.write(L0, &format!("Lease:\tFailed to get lease: {e}\n")),
    }
    if let Some(conds) = node
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
    {
        conditions_table(
            &mut w,
            conds,
            &[
                ("Type", "----", "type", true),
                ("Status", "------", "status", true),
                (
                    "LastHeartbeatTime",
                    "-----------------",
                    "lastHeartbeatTime",
                    true,
                ),
                (
                    "LastTransitionTime",
                    "------------------",
                    "lastTransitionTime",
                    true,
                ),
                ("Reason", "------", "reason", true),
                ("Message", "-------", "message", false),
            ],
        );
    }
    w.write(L0, "Addresses:\n");
    for a in node
        .pointer("/status/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        w.write(
            L1,
            &format!("{}:\t{}\n", str_at(a, "/type"), str_at(a, "/address")),
        );
    }
    for (field, title) in [("capacity", "Capacity"), ("allocatable", "Allocatable")] {
        if let Some(m) = node
            .pointer(&format!("/status/{field}"))
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            w.write(L0, &format!("{title}:\n"));
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            for (k, v) in sorted {
                w.write(L0, &format!("  {k}:\t{}\n", text(v)));
            }
        }
    }
    let info = node
        .pointer("/status/nodeInfo")
        .cloned()
        .unwrap_or(Value::Null);
    w.write(L0, "System Info:\n");
    for (field, title) in [
        ("machineID", "Machine ID"),
        ("systemUUID", "System UUID"),
        ("bootID", "Boot ID"),
        ("kernelVersion", "Kernel Version"),
        ("osImage", "OS Image"),
        ("operatingSystem", "Operating System"),
        ("architecture", "Architecture"),
        ("containerRuntimeVersion", "Container Runtime Version"),
        ("kubeletVersion", "Kubelet Version"),
    ] {
        w.write(
            L0,
            &format!("  {title}:\t{}\n", str_at(&info, &format!("/{field}"))),
        );
    }
    let cidr = str_at(node, "/spec/podCIDR");
    if !cidr.is_empty() {
        w.write(L0, &format!("PodCIDR:\t{cidr}\n"));
        let cidrs = strings(node.pointer("/spec/podCIDRs"));
        w.write(L0, &format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    let provider = str_at(node, "/spec/providerID");
    if !provider.is_empty() {
        w.write(L0, &format!("ProviderID:\t{provider}\n"));
    }
    match pods {
        Some(pods) => super::node_resources::describe_node_resource(&mut w, node, pods),
        None => w.write(L0, "Pods:\tnot authorized\n"),
    }
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_lengths() {
        assert_eq!(decoded_len("eHl6"), 3);
        assert_eq!(decoded_len("MQ=="), 1);
        assert_eq!(decoded_len(""), 0);
    }

    #[test]
    fn secret_matches_kubectl() {
        let s = json!({"metadata": {"name": "sec1", "namespace": "default"}, "type": "Opaque", "data": {"a": "eHl6"}});
        assert_eq!(
            describe_secret(&s),
            "Name:         sec1\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\na:  3 bytes\n"
        );
    }

    #[test]
    fn endpoints_text() {
        assert_eq!(format_endpoint_slices(&[], "http"), "<none>");
        let s = json!({"ports": [{"name": "http", "port": 80}], "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"], "conditions": {"ready": false}}]});
        assert_eq!(format_endpoint_slices(&[s], "http"), "10.0.0.1:80");
    }
}
