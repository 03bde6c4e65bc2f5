//! `keelctl cluster-info`: where the control plane and the cluster's
//! `kubernetes.io/cluster-service=true` services are served; and its
//! `dump` subcommand.

mod dump;
pub(crate) mod typed;

use crate::error::CmdResult;
use crate::factory::Factory;
use crate::printers;
use serde_json::Value;

/// Flags of `keelctl cluster-info` (the namespace is the global `-n`, `kube-system` by default).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `dump`.
    #[command(subcommand)]
    command: Option<Subcommand>,
    /// Arguments naming no subcommand, which kubectl ignores.
    #[arg(hide = true)]
    ignored: Vec<String>,
}

/// The subcommands of `keelctl cluster-info`.
#[derive(Debug, clap::Subcommand)]
enum Subcommand {
    /// Dump relevant information for debugging and diagnosis.
    Dump(dump::Args),
}

/// `<name> is running at <link>`. kubectl 1.37 prints it uncoloured, on
/// a terminal too (checked under a pty: no escape codes, whatever `TERM`).
fn service_line(name: &str, link: &str) -> String {
    format!("{name} is running at {link}\n")
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if let Some(Subcommand::Dump(dump)) = args.command {
        return dump::run(f, dump).await;
    }
    let namespace = f
        .flags
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "kube-system".into());
    let config = f.config()?.clone();
    let host = host_of(&config.cluster_url);
    let mut out = service_line("Kubernetes control plane", &host);
    let client = f.client()?;
    let services = client
        .get()
        .namespace(namespace.clone())
        .resource("services")
        .param("labelSelector", "kubernetes.io/cluster-service=true")
        .json()
        .await?;
    for svc in services
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let display = svc
            .pointer("/metadata/labels/kubernetes.io~1name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .or_else(|| svc.pointer("/metadata/name").and_then(Value::as_str))
            .unwrap_or_default();
        out.push_str(&service_line(display, &service_link(&host, svc)));
    }
    out.push_str(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    printers::write_out(&mut std::io::stdout(), &out)
}

/// The server URL as written in the kubeconfig (no trailing slash).
fn host_of(url: &http::Uri) -> String {
    let text = url.to_string();
    text.trim_end_matches('/').to_string()
}

/// A load balancer's `http://ip:port ` per port, else the API server's proxy path.
fn service_link(host: &str, svc: &Value) -> String {
    let ports = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ingress) = svc.pointer("/status/loadBalancer/ingress/0") {
        let ip = ingress
            .get("ip")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let ip = ip
            .or_else(|| ingress.get("hostname").and_then(Value::as_str))
            .unwrap_or_default();
        return ports
            .iter()
            .map(|p| {
                format!(
                    "http://{ip}:{} ",
                    p.get("port").and_then(Value::as_i64).unwrap_or(0)
                )
            })
            .collect();
    }
    let svc_name = svc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = svc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut name = svc_name.to_string();
    if let Some(port) = ports.first() {
        let port_name = port.get("name").and_then(Value::as_str).unwrap_or_default();
        let https = port_name == "https" || port.get("port").and_then(Value::as_i64) == Some(443);
        name = match (https, port_name.is_empty()) {
            (true, _) => format!("https:{svc_name}:{port_name}"),
            (false, false) => format!("{svc_name}:{port_name}"),
            (false, true) => svc_name.to_string(),
        };
    }
    format!("{host}/api/v1/namespaces/{ns}/services/{name}/proxy")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_and_lines() {
        let svc = json!({"metadata": {"name": "dns", "namespace": "kube-system"},
                         "spec": {"ports": [{"name": "dns", "port": 53}]}});
        assert_eq!(
            service_link("https://h:1", &svc),
            "https://h:1/api/v1/namespaces/kube-system/services/dns:dns/proxy"
        );
        let lb = json!({"spec": {"ports": [{"port": 80}, {"port": 81}]},
                        "status": {"loadBalancer": {"ingress": [{"hostname": "lb"}]}}});
        assert_eq!(service_link("x", &lb), "http://lb:80 http://lb:81 ");
        assert_eq!(service_line("a", "b"), "a is running at b\n");
    }
}
