//! networking.k8s.io and discovery.k8s.io: ingresses, ingress classes,
//! network policies, endpoint slices, service CIDRs, IP addresses.

use super::core::load_balancer_ingress;
use super::{
    format_label_selector, list, list_with_more, name, no_conditions, string, text, Doc, Now,
    Printer, AGE, NAME,
};
use serde_json::Value;

const ENDPOINT_SLICE: &str = "io.k8s.api.discovery.v1.EndpointSlice";

/// The printer of a networking or discovery kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "Ingress" => &INGRESS,
        "IngressClass" => &INGRESS_CLASS,
        "NetworkPolicy" => &NETWORK_POLICY,
        "EndpointSlice" => &ENDPOINT_SLICE_PRINTER,
        "ServiceCIDR" => &SERVICE_CIDR,
        "IPAddress" => &IP_ADDRESS,
        _ => return None,
    })
}

static INGRESS: Printer = Printer {
    columns: &[
        NAME,
        string("Class", Doc::Text("The name of the IngressClass resource that should be used for additional configuration")),
        string("Hosts", Doc::Text("Hosts that incoming requests are matched against before the ingress rule")),
        string("Address", Doc::Text("Address is a list containing ingress points for the load-balancer")),
        string("Ports", Doc::Text("Ports of TLS configurations that open")),
        AGE,
    ],
    cells: ingress_cells,
    conditions: no_conditions,
    reads: &[],
};

/// `formatHosts`: the first three rule hosts, `*` when none.
fn ingress_hosts(rules: &Value) -> String {
    const MAX: usize = 3;
    let rules = list(rules);
    let mut hosts: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
        }
        let host = text(&rule["host"]);
        if !more && !host.is_empty() {
            hosts.push(host);
        }
    }
    if hosts.is_empty() {
        return "*".into();
    }
    let shown = hosts.join(",");
    if more {
        format!("{shown} + {} more...", rules.len() - MAX)
    } else {
        shown
    }
}

fn ingress_cells(ing: &Value, now: &Now) -> Vec<Value> {
    let spec = &ing["spec"];
    let ports = if list(&spec["tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        name(ing),
        Value::from(spec["ingressClassName"].as_str().unwrap_or("<none>")),
        Value::from(ingress_hosts(&spec["rules"])),
        Value::from(load_balancer_ingress(&ing["status"]["loadBalancer"])),
        Value::from(ports),
        Value::from(now.age(ing)),
    ]
}

static INGRESS_CLASS: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Controller",
            Doc::Text("Controller that is responsible for handling this class"),
        ),
        string(
            "Parameters",
            Doc::Text("A reference to a resource with additional parameters"),
        ),
        AGE,
    ],
    cells: |ic, now| {
        let p = &ic["spec"]["parameters"];
        let parameters = if p.is_object() {
            let kind = match p["apiGroup"].as_str() {
                Some(group) => format!("{}.{group}", text(&p["kind"])),
                None => text(&p["kind"]).to_string(),
            };
            format!("{kind}/{}", text(&p["name"]))
        } else {
            "<none>".into()
        };
        vec![
            name(ic),
            Value::from(text(&ic["spec"]["controller"])),
            Value::from(parameters),
            Value::from(now.age(ic)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static NETWORK_POLICY: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Pod-Selector",
            Doc::Field("io.k8s.api.networking.v1.NetworkPolicySpec", "podSelector"),
        ),
        AGE,
    ],
    cells: |np, now| {
        // An absent podSelector is the empty selector (all pods), not nil.
        let selector = match &np["spec"]["podSelector"] {
            Value::Null => serde_json::json!({}),
            s => s.clone(),
        };
        vec![
            name(np),
            Value::from(format_label_selector(&selector)),
            Value::from(now.age(np)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static ENDPOINT_SLICE_PRINTER: Printer = Printer {
    columns: &[
        NAME,
        string("AddressType", Doc::Field(ENDPOINT_SLICE, "addressType")),
        string("Ports", Doc::Field(ENDPOINT_SLICE, "ports")),
        string("Endpoints", Doc::Field(ENDPOINT_SLICE, "endpoints")),
        AGE,
    ],
    cells: endpoint_slice_cells,
    conditions: no_conditions,
    reads: &[],
};

fn endpoint_slice_cells(es: &Value, now: &Now) -> Vec<Value> {
    const MAX: usize = 3;
    let ports = list(&es["ports"]);
    let shown_ports: Vec<String> = ports
        .iter()
        .take(MAX)
        .map(|p| match (p["port"].as_i64(), p["name"].as_str()) {
            (Some(port), _) => port.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => "*".to_string(),
        })
        .collect();
    let addresses: Vec<&str> = list(&es["endpoints"])
        .iter()
        .flat_map(|e| list(&e["addresses"]).iter().map(text))
        .collect();
    let shown_addresses: Vec<String> = addresses.iter().take(MAX).map(|a| a.to_string()).collect();
    vec![
        name(es),
        Value::from(text(&es["addressType"])),
        Value::from(list_with_more(&shown_ports, ports.len(), MAX, "<unset>")),
        Value::from(list_with_more(
            &shown_addresses,
            addresses.len(),
            MAX,
            "<unset>",
        )),
        Value::from(now.age(es)),
    ]
}

static SERVICE_CIDR: Printer = Printer {
    columns: &[
        NAME,
        string(
            "CIDRs",
            Doc::Field("io.k8s.api.networking.v1.ServiceCIDRSpec", "cidrs"),
        ),
        AGE,
    ],
    cells: |sc, now| {
        let cidrs: Vec<&str> = list(&sc["spec"]["cidrs"]).iter().map(text).collect();
        vec![
            name(sc),
            Value::from(cidrs.join(",")),
            Value::from(now.age(sc)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static IP_ADDRESS: Printer = Printer {
    columns: &[
        NAME,
        string(
            "ParentRef",
            Doc::Field("io.k8s.api.networking.v1.IPAddressSpec", "parentRef"),
        ),
    ],
    cells: |ip, _| {
        let p = &ip["spec"]["parentRef"];
        let parent = if p.is_object() {
            let resource = match text(&p["group"]) {
                "" => text(&p["resource"]).to_string(),
                group => format!("{}.{group}", text(&p["resource"])),
            };
            let mut s = resource.to_lowercase();
            if let Some(ns) = p["namespace"].as_str().filter(|ns| !ns.is_empty()) {
                s = format!("{s}/{ns}");
            }
            format!("{s}/{}", text(&p["name"]))
        } else {
            "<none>".into()
        };
        vec![name(ip), Value::from(parent)]
    },
    conditions: no_conditions,
    reads: &[],
};

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn ingresses() {
        let r = row(
            "networking.k8s.io",
            "Ingress",
            json!({"metadata": {"name": "web"},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {}, {"host": "d.example.com"}, {"host": "e.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.5"}]}}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
        );
        assert_eq!(cell(&r, "CLASS"), "nginx");
        assert_eq!(
            cell(&r, "HOSTS"),
            "a.example.com,b.example.com,d.example.com + 2 more..."
        );
        assert_eq!(cell(&r, "ADDRESS"), "203.0.113.5");
        assert_eq!(cell(&r, "PORTS"), "80, 443");
        let bare = row(
            "networking.k8s.io",
            "Ingress",
            json!({"metadata": {"name": "x"}, "spec": {}}),
        );
        assert_eq!(
            (
                cell(&bare, "CLASS"),
                cell(&bare, "HOSTS"),
                cell(&bare, "ADDRESS"),
                cell(&bare, "PORTS")
            ),
            (&json!("<none>"), &json!("*"), &json!(""), &json!("80"))
        );
    }

    #[test]
    fn endpoint_slices() {
        let r = row(
            "discovery.k8s.io",
            "EndpointSlice",
            json!({"metadata": {"name": "web-abc"}, "addressType": "IPv4",
            "ports": [{"port": 80, "name": "http"}, {"name": "metrics"}, {}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3"]}, {"addresses": ["10.0.0.4"]}]}),
        );
        assert_eq!(cell(&r, "ADDRESSTYPE"), "IPv4");
        assert_eq!(cell(&r, "PORTS"), "80,metrics,*");
        assert_eq!(
            cell(&r, "ENDPOINTS"),
            "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..."
        );
        let empty = row(
            "discovery.k8s.io",
            "EndpointSlice",
            json!({"metadata": {"name": "e"}, "addressType": "IPv6"}),
        );
        assert_eq!(
            (cell(&empty, "PORTS"), cell(&empty, "ENDPOINTS")),
            (&json!("<unset>"), &json!("<unset>"))
        );
    }

    #[test]
    fn classes_policies_cidrs_addresses() {
        let r = row(
            "networking.k8s.io",
            "IngressClass",
            json!({"metadata": {"name": "nginx"},
            "spec": {"controller": "k8s.io/ingress-nginx", "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "p"}}}),
        );
        assert_eq!(
            cell(&r, "PARAMETERS"),
            "IngressParameters.k8s.example.com/p"
        );
        let r = row(
            "networking.k8s.io",
            "NetworkPolicy",
            json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}}),
        );
        assert_eq!(cell(&r, "POD-SELECTOR"), "<none>");
        let r = row(
            "networking.k8s.io",
            "ServiceCIDR",
            json!({"metadata": {"name": "kubernetes"}, "spec": {"cidrs": ["10.96.0.0/12", "fd00::/108"]}}),
        );
        assert_eq!(cell(&r, "CIDRS"), "10.96.0.0/12,fd00::/108");
        let r = row(
            "networking.k8s.io",
            "IPAddress",
            json!({"metadata": {"name": "10.96.0.1"},
            "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}}}),
        );
        assert_eq!(cell(&r, "PARENTREF"), "services/default/kubernetes");
    }
}
