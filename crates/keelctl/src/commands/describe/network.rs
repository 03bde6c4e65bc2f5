//! Describers for networking kinds: Endpoints, EndpointSlice,
//! NetworkPolicy, IngressClass, ServiceCIDR, IPAddress.

use super::events::{finish, Events};
use super::writer::{
    conditions_table, format_label_selector, go_time, header, labels_annotations, name_namespace,
    str_at, text, PrefixWriter, L0, L1, L2, L3, TRANSITION_CONDITIONS,
};
use serde_json::Value;

fn items<'a>(v: &'a Value, field: &str) -> &'a [Value] {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

/// kubectl's `describeEndpoints`.
pub fn describe_endpoints(ep: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, ep, true);
    w.write(L0, "Subsets:\n");
    for subset in items(ep, "subsets") {
        let ips = |field: &str| {
            or_none(
                items(subset, field)
                    .iter()
                    .map(|a| str_at(a, "/ip"))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        };
        w.write(L1, &format!("Addresses:\t{}\n", ips("addresses")));
        w.write(
            L1,
            &format!("NotReadyAddresses:\t{}\n", ips("notReadyAddresses")),
        );
        let ports = items(subset, "ports");
        if !ports.is_empty() {
            w.write(L1, "Ports:\n");
            w.write(L2, "Name\tPort\tProtocol\n");
            w.write(L2, "----\t----\t--------\n");
            for p in ports {
                let name = match str_at(p, "/name") {
                    "" => "<unset>",
                    n => n,
                };
                w.write(
                    L2,
                    &format!(
                        "{name}\t{}\t{}\n",
                        p.get("port").map(text).unwrap_or_else(|| "0".into()),
                        str_at(p, "/protocol")
                    ),
                );
            }
        }
        w.write(L0, "\n");
    }
    finish(w, events)
}

/// A pointer field as kubectl prints it: the value, or `<unset>` when nil.
fn or_unset(v: Option<&Value>) -> String {
    v.filter(|v| !v.is_null())
        .map(text)
        .unwrap_or_else(|| "<unset>".into())
}

/// kubectl's `describeEndpointSliceV1`.
pub fn describe_endpoint_slice(eps: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, eps, true);
    w.write(
        L0,
        &format!("AddressType:\t{}\n", str_at(eps, "/addressType")),
    );
    let ports = items(eps, "ports");
    if ports.is_empty() {
        w.write(L0, "Ports: <unset>\n");
    } else {
        w.write(L0, "Ports:\n");
        w.write(L1, "Name\tPort\tProtocol\n");
        w.write(L1, "----\t----\t--------\n");
        for p in ports {
            let name = match str_at(p, "/name") {
                "" => "<unset>",
                n => n,
            };
            w.write(
                L1,
                &format!(
                    "{name}\t{}\t{}\n",
                    or_unset(p.get("port")),
                    str_at(p, "/protocol")
                ),
            );
        }
    }
    let endpoints = items(eps, "endpoints");
    if endpoints.is_empty() {
        w.write(L0, "Endpoints: <none>\n");
    } else {
        w.write(L0, "Endpoints:\n");
        for e in endpoints {
            let addrs: Vec<String> = items(e, "addresses").iter().map(text).collect();
            w.write(
                L1,
                &format!("- Addresses:\t{}\n", or_none(addrs.join(", "))),
            );
            w.write(L2, "Conditions:\n");
            w.write(
                L3,
                &format!("Ready:\t{}\n", or_unset(e.pointer("/conditions/ready"))),
            );
            w.write(L2, &format!("Hostname:\t{}\n", or_unset(e.get("hostname"))));
            if let Some(r) = e.get("targetRef") {
                w.write(
                    L2,
                    &format!(
                        "TargetRef:\t{}/{}\n",
                        str_at(r, "/kind"),
                        str_at(r, "/name")
                    ),
                );
            }
            w.write(L2, &format!("NodeName:\t{}\n", or_unset(e.get("nodeName"))));
            w.write(L2, &format!("Zone:\t{}\n", or_unset(e.get("zone"))));
        }
    }
    finish(w, events)
}

/// kubectl's `describeNetworkPolicy` (no events section).
pub fn describe_network_policy(np: &Value) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, np, true);
    w.write(
        L0,
        &format!(
            "Created on:\t{}\n",
            go_time(str_at(np, "/metadata/creationTimestamp"))
        ),
    );
    labels_annotations(&mut w, np);
    let spec = np.get("spec").unwrap_or(&Value::Null);
    w.write(L0, "Spec:\n");
    w.write(L1, "PodSelector: ");
    let sel = spec.get("podSelector").unwrap_or(&Value::Null);
    let empty = |f: &str| {
        sel.get(f).is_none_or(|v| match v {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => true,
        })
    };
    if empty("matchLabels") && empty("matchExpressions") {
        w.write(
            L2,
            "<none> (Allowing the specific traffic to all pods in this namespace)\n",
        );
    } else {
        w.write(L2, &format!("{}\n", format_label_selector(Some(sel))));
    }
    let types: Vec<String> = items(spec, "policyTypes").iter().map(text).collect();
    let indent = "    ";
    if types.iter().any(|t| t == "Ingress") {
        w.write(L1, "Allowing ingress traffic:\n");
        policy_rules(&mut w, items(spec, "ingress"), Direction::Ingress, indent);
    } else {
        w.write(L1, "Not affecting ingress traffic\n");
    }
    if types.iter().any(|t| t == "Egress") {
        w.write(L1, "Allowing egress traffic:\n");
        policy_rules(&mut w, items(spec, "egress"), Direction::Egress, indent);
    } else {
        w.write(L1, "Not affecting egress traffic\n");
    }
    let types = if spec.get("policyTypes").is_some() {
        types.join(", ")
    } else {
        String::new()
    };
    w.write(L1, &format!("Policy Types: {}\n", or_none(types)));
    w.finish()
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Ingress,
    Egress,
}

/// `printNetworkPolicySpecIngressFrom` and `printNetworkPolicySpecEgressTo`.
fn policy_rules(w: &mut PrefixWriter, rules: &[Value], dir: Direction, indent: &str) {
    let (peers_field, peer_title, isolated, unrestricted) = match dir {
        Direction::Ingress => (
            "from",
            "From",
            "<none> (Selected pods are isolated for ingress connectivity)",
            "From: <any> (traffic not restricted by source)",
        ),
        Direction::Egress => (
            "to",
            "To",
            "<none> (Selected pods are isolated for egress connectivity)",
            "To: <any> (traffic not restricted by destination)",
        ),
    };
    if rules.is_empty() {
        w.write(L0, &format!("{indent}{isolated}\n"));
        return;
    }
    for (i, rule) in rules.iter().enumerate() {
        let ports = items(rule, "ports");
        if ports.is_empty() {
            w.write(
                L0,
                &format!("{indent}To Port: <any> (traffic allowed to all ports)\n"),
            );
        }
        for p in ports {
            let proto = match str_at(p, "/protocol") {
                "" => "TCP",
                s => s,
            };
            // `%s` of a nil *IntOrString.
            let port = p.get("port").map(text).unwrap_or_else(|| "<nil>".into());
            match p.get("endPort") {
                None => w.write(L0, &format!("{indent}To Port: {port}/{proto}\n")),
                Some(end) => w.write(
                    L0,
                    &format!("{indent}To Port Range: {port}-{}/{proto}\n", text(end)),
                ),
            }
        }
        let peers = items(rule, peers_field);
        if peers.is_empty() {
            w.write(L0, &format!("{indent}{unrestricted}\n"));
        }
        for peer in peers {
            w.write(L0, &format!("{indent}{peer_title}:\n"));
            let pods = peer.get("podSelector");
            let namespaces = peer.get("namespaceSelector");
            if let (Some(p), Some(n)) = (pods, namespaces) {
                w.write(
                    L1,
                    &format!(
                        "{indent}NamespaceSelector: {}\n",
                        format_label_selector(Some(n))
                    ),
                );
                w.write(
                    L1,
                    &format!("{indent}PodSelector: {}\n", format_label_selector(Some(p))),
                );
            } else if let Some(p) = pods {
                w.write(
                    L1,
                    &format!("{indent}PodSelector: {}\n", format_label_selector(Some(p))),
                );
            } else if let Some(n) = namespaces {
                w.write(
                    L1,
                    &format!(
                        "{indent}NamespaceSelector: {}\n",
                        format_label_selector(Some(n))
                    ),
                );
            } else if let Some(b) = peer.get("ipBlock") {
                let except: Vec<String> = items(b, "except").iter().map(text).collect();
                w.write(L1, &format!("{indent}IPBlock:\n"));
                w.write(L2, &format!("{indent}CIDR: {}\n", str_at(b, "/cidr")));
                w.write(L2, &format!("{indent}Except: {}\n", except.join(", ")));
            }
        }
        if i != rules.len() - 1 {
            w.write(L0, &format!("{indent}----------\n"));
        }
    }
}

/// kubectl's `describeIngressClassV1`.
pub fn describe_ingress_class(ic: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, ic, false);
    w.write(
        L0,
        &format!("Controller:\t{}\n", str_at(ic, "/spec/controller")),
    );
    if let Some(p) = ic.pointer("/spec/parameters") {
        w.write(L0, "Parameters:\n");
        if let Some(g) = p.get("apiGroup") {
            w.write(L1, &format!("APIGroup:\t{}\n", text(g)));
        }
        w.write(L1, &format!("Kind:\t{}\n", str_at(p, "/kind")));
        w.write(L1, &format!("Name:\t{}\n", str_at(p, "/name")));
    }
    finish(w, events)
}

/// kubectl's ServiceCIDR describer (v1 and v1beta1 print alike).
pub fn describe_service_cidr(sc: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, sc, false);
    let cidrs: Vec<String> = sc
        .pointer("/spec/cidrs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    w.write(L0, &format!("CIDRs:\t{}\n", cidrs.join(", ")));
    let conds = sc.pointer("/status/conditions").and_then(Value::as_array);
    if let Some(conds) = conds.filter(|c| !c.is_empty()) {
        w.write(L0, "Status:\n");
        conditions_table(&mut w, conds, TRANSITION_CONDITIONS);
    }
    finish(w, events)
}

/// kubectl's IPAddress describer.
pub fn describe_ip_address(ip: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, ip, false);
    if let Some(p) = ip.pointer("/spec/parentRef") {
        w.write(L0, "Parent Reference:\n");
        for (title, field) in [
            ("Group", "group"),
            ("Resource", "resource"),
            ("Namespace", "namespace"),
            ("Name", "name"),
        ] {
            w.write(
                L1,
                &format!("{title}:\t{}\n", str_at(p, &format!("/{field}"))),
            );
        }
    }
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_policy_isolates() {
        let np = json!({"metadata": {"name": "p", "namespace": "n", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}});
        let out = describe_network_policy(&np);
        assert!(out.contains("  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)\n"), "{out}");
        assert!(out.contains("    <none> (Selected pods are isolated for ingress connectivity)\n  Not affecting egress traffic\n  Policy Types: Ingress\n"), "{out}");
    }

    #[test]
    fn slice_endpoint_fields_default_to_unset() {
        let eps = json!({"metadata": {"name": "s", "namespace": "n"}, "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.2"]}]});
        let out = describe_endpoint_slice(&eps, None);
        assert!(out.contains("Ports: <unset>\n"), "{out}");
        assert!(out.contains("  - Addresses:  10.0.0.2\n    Conditions:\n      Ready:   <unset>\n    Hostname:  <unset>\n"), "{out}");
    }
}
