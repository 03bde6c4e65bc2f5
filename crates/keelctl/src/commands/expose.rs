//! `keelctl expose`: a Service in front of a pod, service, replication
//! controller, deployment or replica set, its selector, ports and labels
//! taken from the object unless flags give them.

use crate::commands::create_generators::common::{
    create_and_print_as, kinds, metadata, new_object, string_map, CreateRequest, ObjectFlags,
};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Builder, VisitError};
use serde_json::{json, Map, Value};

/// kubectl's field manager for `expose`.
pub const FIELD_MANAGER: &str = "kubectl-expose";

/// kubectl's message when a command that needs objects got none.
pub const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'";

/// Flags of `keelctl expose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// Filename, directory, or URL to files identifying the resource to expose a service.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// The port that the service should serve on. Copied from the resource being exposed, if unspecified.
    #[arg(long, default_value = "")]
    port: String,
    /// The network protocol for the service to be created. Default is 'TCP'.
    #[arg(long, default_value = "")]
    protocol: String,
    /// Name or number for the port on the container that the service should direct traffic to.
    #[arg(long = "target-port", default_value = "")]
    target_port: String,
    /// The name for the newly created object.
    #[arg(long, default_value = "")]
    name: String,
    /// Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName.
    #[arg(long = "type", default_value = "")]
    service_type: String,
    /// A label selector to use for this service. Only equality-based selector requirements are supported.
    #[arg(long, default_value = "")]
    selector: String,
    /// Labels to apply to the service created by this call.
    #[arg(short = 'l', long, default_value = "")]
    labels: String,
    /// Additional external IP address (not managed by Kubernetes) to accept for the service.
    #[arg(long = "external-ip", default_value = "")]
    external_ip: String,
    /// IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used.
    #[arg(long = "load-balancer-ip", default_value = "")]
    load_balancer_ip: String,
    /// If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'.
    #[arg(long = "session-affinity", default_value = "")]
    session_affinity: String,
    /// ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service.
    #[arg(long = "cluster-ip", default_value = "")]
    cluster_ip: String,
    /// Shared object flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if args.args.is_empty() && args.filenames.is_empty() {
        return Err(CmdError::new(NO_RESOURCES));
    }
    args.flags.dry_run()?;
    args.flags.output()?;
    let builder = Builder {
        filenames: args.filenames.clone(),
        recursive: args.recursive,
        args: args.args.clone(),
        require_object: true,
        latest: true,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    for item in std::mem::take(&mut visited.items) {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        let object = info.object_or_empty();
        let result = match build(&args, &object) {
            Ok(svc) => {
                let req = CreateRequest {
                    target: kinds::SERVICE,
                    object: svc,
                    flags: &args.flags,
                    default_manager: FIELD_MANAGER,
                };
                create_and_print_as(f, req, "exposed").await.map(drop)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            errors.objects.push(visit_error(e));
        }
    }
    errors.into_result()
}

/// A command failure as one of the errors kubectl collects while visiting.
pub fn visit_error(e: CmdError) -> VisitError {
    match e.message.strip_prefix("error: ") {
        Some(text) => VisitError::plain(text),
        None => VisitError::plain(e.message.clone()).with_standard(e.message),
    }
}

/// The kinds kubectl can expose (`CanBeExposed`).
fn check_exposable(object: &Value) -> CmdResult<(String, String)> {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or("")
        .to_string();
    let ok = match group.as_str() {
        "" => matches!(kind.as_str(), "Pod" | "Service" | "ReplicationController"),
        "apps" | "extensions" => matches!(kind.as_str(), "Deployment" | "ReplicaSet"),
        _ => false,
    };
    if !ok {
        let gk = if group.is_empty() {
            kind.clone()
        } else {
            format!("{kind}.{group}")
        };
        return Err(CmdError::new(format!("cannot expose a {gk}")));
    }
    Ok((group, kind))
}

/// kubectl's `MapBasedSelectorForObject`.
fn selector_for(kind: &str, object: &Value) -> Result<Map<String, Value>, String> {
    let no_selectors =
        |what: &str| format!("invalid {what}: no selectors, therefore cannot be exposed");
    let map_at = |ptr: &str| {
        object
            .pointer(ptr)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    match kind {
        "Pod" => {
            let labels = map_at("/metadata/labels");
            if labels.is_empty() {
                return Err("the pod has no labels and cannot be exposed".into());
            }
            Ok(labels)
        }
        "Service" => {
            let s = map_at("/spec/selector");
            if s.is_empty() {
                return Err(no_selectors("service"));
            }
            Ok(s)
        }
        "ReplicationController" => {
            let s = map_at("/spec/selector");
            if s.is_empty() {
                return Err(no_selectors("replication controller"));
            }
            Ok(s)
        }
        _ => {
            let what = if kind == "Deployment" {
                "deployment"
            } else {
                "replicaset"
            };
            let labels = map_at("/spec/selector/matchLabels");
            let exprs = object
                .pointer("/spec/selector/matchExpressions")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if labels.is_empty() {
                return Err(no_selectors(what));
            }
            if exprs {
                return Err(format!(
                    "couldn't convert expressions - \"{}\" to map-based selector format",
                    keelson_apimachinery::codec::to_json(
                        object.pointer("/spec/selector").unwrap_or(&Value::Null)
                    )
                ));
            }
            Ok(labels)
        }
    }
}

/// kubectl's `PortsForObject`/`ProtocolsForObject`: (port, protocol) pairs.
fn ports_for(kind: &str, object: &Value) -> Vec<(i64, String)> {
    let from_containers = |containers: Option<&Value>| -> Vec<(i64, String)> {
        let mut out = Vec::new();
        for c in containers.and_then(Value::as_array).into_iter().flatten() {
            for p in c
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = p.get("containerPort").and_then(Value::as_i64) {
                    let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    out.push((n, proto.to_string()));
                }
            }
        }
        out
    };
    match kind {
        "Pod" => from_containers(object.pointer("/spec/containers")),
        "Service" => object
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let n = p.get("port").and_then(Value::as_i64)?;
                let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                Some((n, proto.to_string()))
            })
            .collect(),
        _ => from_containers(object.pointer("/spec/template/spec/containers")),
    }
}

fn parse_map(text: &str, what: &str) -> CmdResult<Map<String, Value>> {
    let mut pairs = Vec::new();
    for kv in text.split(',') {
        match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => pairs.push((k.to_string(), v.to_string())),
            _ => return Err(CmdError::new(format!("invalid {what}: {kv:?}"))),
        }
    }
    match string_map(pairs.iter().map(|(k, v)| (k, v))) {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

/// The Service for one exposed object.
fn build(args: &Args, object: &Value) -> CmdResult<Map<String, Value>> {
    let (_, kind) = check_exposable(object)?;
    let selector = if args.selector.is_empty() {
        selector_for(&kind, object).map_err(|e| {
            CmdError::new(format!(
                "couldn't retrieve selectors via --selector flag or introspection: {e}"
            ))
        })?
    } else {
        parse_map(&args.selector, "selector")?
    };
    let introspected = ports_for(&kind, object);
    let ports: Vec<(i64, String)> = if args.port.is_empty() {
        if introspected.is_empty() {
            return Err(CmdError::new(
                "couldn't find port via --port flag or introspection",
            ));
        }
        introspected
            .iter()
            .map(|(n, p)| {
                (
                    *n,
                    if args.protocol.is_empty() {
                        p.clone()
                    } else {
                        args.protocol.clone()
                    },
                )
            })
            .collect()
    } else {
        let mut out = Vec::new();
        for p in args.port.split(',') {
            let n: i64 = p.parse().map_err(|_| {
                CmdError::new(format!("strconv.Atoi: parsing {p:?}: invalid syntax"))
            })?;
            let proto = if !args.protocol.is_empty() {
                args.protocol.clone()
            } else {
                introspected
                    .iter()
                    .find(|(m, _)| *m == n)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_else(|| "TCP".into())
            };
            out.push((n, proto));
        }
        out
    };
    let labels = if args.labels.is_empty() {
        object
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    } else {
        parse_map(&args.labels, "labels")?
    };
    let name = if args.name.is_empty() {
        object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    } else {
        args.name.clone()
    };
    let many = ports.len() > 1;
    let service_ports: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, (n, proto))| {
            let mut p = Map::new();
            if many {
                p.insert("name".into(), json!(format!("port-{}", i + 1)));
            }
            p.insert("protocol".into(), json!(proto));
            p.insert("port".into(), json!(n));
            let target = if args.target_port.is_empty() {
                json!(n)
            } else {
                crate::commands::create_generators::common::int_or_string(&args.target_port)
            };
            p.insert("targetPort".into(), target);
            Value::Object(p)
        })
        .collect();
    let mut svc = new_object(&kinds::SERVICE, &name);
    if !labels.is_empty() {
        metadata(&mut svc).insert("labels".into(), Value::Object(sorted_map(labels)));
    }
    let mut spec = Map::new();
    spec.insert("ports".into(), Value::Array(service_ports));
    spec.insert("selector".into(), Value::Object(sorted_map(selector)));
    if !args.cluster_ip.is_empty() {
        spec.insert("clusterIP".into(), json!(args.cluster_ip));
    }
    if !args.service_type.is_empty() {
        spec.insert("type".into(), json!(args.service_type));
    }
    if !args.external_ip.is_empty() {
        spec.insert("externalIPs".into(), json!([args.external_ip]));
    }
    if !args.session_affinity.is_empty() {
        spec.insert("sessionAffinity".into(), json!(args.session_affinity));
    }
    if !args.load_balancer_ip.is_empty() {
        spec.insert("loadBalancerIP".into(), json!(args.load_balancer_ip));
    }
    svc.insert("spec".into(), Value::Object(spec));
    svc.insert("status".into(), json!({ "loadBalancer": {} }));
    Ok(svc)
}

fn sorted_map(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_from_objects() {
        let pod = json!({"kind": "Pod", "metadata": {"labels": {"run": "p"}}});
        assert_eq!(selector_for("Pod", &pod).unwrap()["run"], json!("p"));
        let bare = json!({"kind": "Pod", "metadata": {}});
        assert_eq!(
            selector_for("Pod", &bare).unwrap_err(),
            "the pod has no labels and cannot be exposed"
        );
        let d = json!({"spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}}});
        assert_eq!(
            selector_for("Deployment", &d).unwrap_err(),
            "invalid deployment: no selectors, therefore cannot be exposed"
        );
    }

    #[test]
    fn unexposable_kinds() {
        let cm = json!({"kind": "ConfigMap", "apiVersion": "v1"});
        assert_eq!(
            check_exposable(&cm).unwrap_err().message,
            "error: cannot expose a ConfigMap"
        );
        let sts = json!({"kind": "StatefulSet", "apiVersion": "apps/v1"});
        assert_eq!(
            check_exposable(&sts).unwrap_err().message,
            "error: cannot expose a StatefulSet.apps"
        );
    }

    #[test]
    fn ports_from_pod_templates() {
        let d = json!({"spec": {"template": {"spec": {"containers": [
            {"ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]}
        ]}}}});
        assert_eq!(
            ports_for("Deployment", &d),
            vec![(80, "TCP".to_string()), (53, "UDP".to_string())]
        );
    }
}
