//! `create service clusterip|nodeport|loadbalancer|externalname`.

use super::common::{kinds, metadata, new_object, CreateRequest, ObjectFlags};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::{json, Map, Value};

/// Flags of every `create service <type> NAME`.
#[derive(Debug, clap::Args)]
pub struct ServiceArgs {
    /// NAME.
    pub args: Vec<String>,
    /// Port pairs can be specified as '<port>:<targetPort>'.
    #[arg(long, value_delimiter = ',')]
    pub tcp: Vec<String>,
    /// Assign your own ClusterIP or set to 'None' for a 'headless' service (no loadbalancing).
    #[arg(long = "clusterip", default_value = "")]
    pub cluster_ip: String,
    /// Port used to expose the service on each node in a cluster.
    #[arg(long = "node-port", default_value_t = 0)]
    pub node_port: i32,
    /// External name of service.
    #[arg(long = "external-name", default_value = "")]
    pub external_name: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// The Service types `create service` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    /// `ClusterIP`.
    ClusterIp,
    /// `NodePort`.
    NodePort,
    /// `LoadBalancer`.
    LoadBalancer,
    /// `ExternalName`.
    ExternalName,
}

impl ServiceType {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }

    fn command(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "create service clusterip",
            ServiceType::NodePort => "create service nodeport",
            ServiceType::LoadBalancer => "create service loadbalancer",
            ServiceType::ExternalName => "create service externalname",
        }
    }
}

/// Runs `create service <type>`.
pub async fn service(f: &mut Factory, a: ServiceArgs, ty: ServiceType, manager: &str) -> CmdResult {
    let name = super::common::name_required(&a.args, ty.command())?;
    if ty == ServiceType::ExternalName && a.external_name.is_empty() {
        return Err(CmdError::new("required flag(s) \"external-name\" not set"));
    }
    let obj = build_service(
        &name,
        ty,
        &a.tcp,
        &a.cluster_ip,
        a.node_port,
        &a.external_name,
    )?;
    let req = CreateRequest {
        target: kinds::SERVICE,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `ServiceOptions.createService` after its `Validate`.
pub fn build_service(
    name: &str,
    ty: ServiceType,
    tcp: &[String],
    cluster_ip: &str,
    node_port: i32,
    external_name: &str,
) -> CmdResult<Map<String, Value>> {
    if cluster_ip == "None" && ty != ServiceType::ClusterIp {
        return Err(CmdError::new(
            "ClusterIP=None can only be used with ClusterIP service type",
        ));
    }
    if cluster_ip != "None" && tcp.is_empty() && ty != ServiceType::ExternalName {
        return Err(CmdError::new(
            "at least one tcp port specifier must be provided",
        ));
    }
    if ty == ServiceType::ExternalName && !is_dns1123_subdomain(external_name) {
        return Err(CmdError::new(format!(
            "invalid service external name {external_name}"
        )));
    }
    let mut ports = Vec::new();
    for spec in tcp {
        let (port, target) = parse_ports(spec)?;
        let mut p = Map::new();
        p.insert("name".into(), json!(spec.replace(':', "-")));
        p.insert("protocol".into(), json!("TCP"));
        p.insert("port".into(), json!(port));
        p.insert("targetPort".into(), target);
        if node_port != 0 {
            p.insert("nodePort".into(), json!(node_port));
        }
        ports.push(Value::Object(p));
    }
    let mut obj = new_object(&kinds::SERVICE, name);
    metadata(&mut obj).insert("labels".into(), json!({ "app": name }));
    let mut spec = Map::new();
    if !ports.is_empty() {
        spec.insert("ports".into(), Value::Array(ports));
    }
    spec.insert("selector".into(), json!({ "app": name }));
    if !cluster_ip.is_empty() {
        spec.insert("clusterIP".into(), json!(cluster_ip));
    }
    spec.insert("type".into(), json!(ty.as_str()));
    if !external_name.is_empty() {
        spec.insert("externalName".into(), json!(external_name));
    }
    obj.insert("spec".into(), Value::Object(spec));
    obj.insert("status".into(), json!({ "loadBalancer": {} }));
    Ok(obj)
}

/// `port[:targetPort]` as kubectl's `parsePorts` reads it.
pub fn parse_ports(spec: &str) -> CmdResult<(u16, Value)> {
    let (port_text, target_text) = match spec.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (spec, None),
    };
    let port: u16 = port_text.parse().map_err(|_| {
        CmdError::new(format!(
            "strconv.ParseUint: parsing {port_text:?}: {}",
            parse_uint_reason(port_text)
        ))
    })?;
    let target = match target_text {
        None => json!(port),
        Some(t) => {
            let v = super::common::int_or_string(t);
            if let Some(n) = v.as_i64() {
                if !(1..=65535).contains(&n) {
                    return Err(CmdError::new("must be between 1 and 65535, inclusive"));
                }
            }
            v
        }
    };
    Ok((port, target))
}

/// Go's `strconv` error text: out-of-range numbers differ from non-numbers.
fn parse_uint_reason(text: &str) -> &'static str {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        "value out of range"
    } else {
        "invalid syntax"
    }
}

/// apimachinery's `IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::codec::to_json;

    #[test]
    fn load_balancer_matches_kubectl() {
        let tcp = vec!["80:8080".to_string(), "443".to_string()];
        let s = build_service("lb", ServiceType::LoadBalancer, &tcp, "", 0, "").unwrap();
        assert_eq!(
            to_json(&Value::Object(s)),
            r#"{"kind":"Service","apiVersion":"v1","metadata":{"name":"lb","labels":{"app":"lb"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080},{"name":"443","protocol":"TCP","port":443,"targetPort":443}],"selector":{"app":"lb"},"type":"LoadBalancer"},"status":{"loadBalancer":{}}}"#
        );
    }

    #[test]
    fn headless_and_errors() {
        let s = build_service("h", ServiceType::ClusterIp, &[], "None", 0, "").unwrap();
        assert_eq!(Value::Object(s)["spec"]["clusterIP"], json!("None"));
        let e = build_service("s", ServiceType::ClusterIp, &[], "", 0, "").unwrap_err();
        assert_eq!(
            e.message,
            "error: at least one tcp port specifier must be provided"
        );
        let e = build_service("s", ServiceType::ClusterIp, &["abc".into()], "", 0, "").unwrap_err();
        assert_eq!(
            e.message,
            "error: strconv.ParseUint: parsing \"abc\": invalid syntax"
        );
    }
}
