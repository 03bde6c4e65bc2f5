//! Service ClusterIP and NodePort allocation (kube-apiserver's service
//! REST `allocateCreate`/`allocateUpdate`), with its messages.
//!
//! What is taken is derived from the Services in the watch cache, so a
//! deleted Service frees its addresses. Between an allocation and the write
//! showing up in the cache, the address sits in a short-lived "recently
//! allocated" set, under one lock, so two concurrent creates never get the
//! same address.

use crate::registry::Registry;
use crate::watch_cache::WatchCache;
use keelson_apimachinery::kind_validation::go_syntax;
use keelson_apimachinery::status::{ApiResult, StatusCause};
use keelson_apimachinery::validation::invalid_cause;
use parking_lot::Mutex;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use std::time::{Duration, Instant};

/// `--service-cluster-ip-range`'s default; its first address is the
/// `kubernetes` Service's.
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";

/// An IPv4 service CIDR (`--service-cluster-ip-range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCidr {
    base: Ipv4Addr,
    prefix: u8,
}

impl ServiceCidr {
    /// First address and number of addresses.
    fn range(&self) -> (u32, u32) {
        (u32::from(self.base), 1u32 << (32 - u32::from(self.prefix)))
    }

    /// The first usable address (the `kubernetes` Service's ClusterIP).
    pub fn first_address(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.base) + 1)
    }
}

impl Default for ServiceCidr {
    fn default() -> Self {
        DEFAULT_SERVICE_CIDR
            .parse()
            .expect("the default CIDR parses")
    }
}

impl std::str::FromStr for ServiceCidr {
    type Err = String;

    /// Parses `a.b.c.d/n`; the range must leave room for a few Services (n in 8..=28)
    /// and the address must be the network's first.
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, bits) = s
            .split_once('/')
            .ok_or_else(|| format!("invalid CIDR address: {s}"))?;
        let base: Ipv4Addr = ip
            .parse()
            .map_err(|_| format!("invalid CIDR address: {s}"))?;
        let prefix: u8 = bits
            .parse()
            .map_err(|_| format!("invalid CIDR address: {s}"))?;
        if !(8..=28).contains(&prefix) {
            return Err(format!(
                "service CIDR {s} must have a prefix between /8 and /28"
            ));
        }
        let mask = u32::MAX << (32 - u32::from(prefix));
        if u32::from(base) & !mask != 0 {
            return Err(format!("service CIDR {s} is not a network address"));
        }
        Ok(ServiceCidr { base, prefix })
    }
}

impl std::fmt::Display for ServiceCidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// Hands out Service ClusterIPs and NodePorts for one server.
#[derive(Default)]
pub struct ServiceAllocator {
    cidr: ServiceCidr,
    recent: Mutex<Recent>,
}

/// The NodePort range (`--service-node-port-range`'s default).
pub const NODE_PORTS: (u16, u16) = (30000, 32767);
/// How long an allocation is held before the cache must show it.
const RECENT_HOLD: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Recent {
    ips: HashMap<u32, (Instant, String)>,
    ports: HashMap<u16, (Instant, String)>,
}

fn needs_node_ports(spec: &Value) -> bool {
    match spec.get("type").and_then(Value::as_str) {
        Some("NodePort") => true,
        Some("LoadBalancer") => {
            spec.get("allocateLoadBalancerNodePorts")
                .and_then(Value::as_bool)
                != Some(false)
        }
        _ => false,
    }
}

/// What other Services hold.
struct Taken {
    ips: HashSet<u32>,
    ports: HashSet<u16>,
}

fn taken(cache: &WatchCache, recent: &mut Recent, key: &str) -> Taken {
    let mut t = Taken {
        ips: HashSet::new(),
        ports: HashSet::new(),
    };
    // What each cached Service holds, by key.
    let mut held: HashMap<String, (HashSet<u32>, HashSet<u16>)> = HashMap::new();
    for obj in cache.list("", |_| true) {
        let svc = obj.value();
        let spec = &svc["spec"];
        for ip in spec["clusterIPs"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(std::iter::once(&spec["clusterIP"]))
        {
            if let Some(a) = ip.as_str().and_then(|s| s.parse::<Ipv4Addr>().ok()) {
                t.ips.insert(u32::from(a));
            }
        }
        for p in spec["ports"].as_array().into_iter().flatten() {
            if let Some(n) = p["nodePort"].as_u64().filter(|n| *n > 0) {
                t.ports.insert(n as u16);
            }
        }
        if let Some(n) = spec["healthCheckNodePort"].as_u64().filter(|n| *n > 0) {
            t.ports.insert(n as u16);
        }
        held.insert(
            obj.key.clone(),
            (std::mem::take(&mut t.ips), std::mem::take(&mut t.ports)),
        );
    }
    for (k, (ips, ports)) in &held {
        if k != key {
            t.ips.extend(ips);
            t.ports.extend(ports);
        }
    }
    // Once the cache shows the Service written, it speaks for its addresses.
    let now = Instant::now();
    let fresh = |at: &Instant| now.duration_since(*at) < RECENT_HOLD;
    recent
        .ips
        .retain(|ip, (at, k)| fresh(at) && !held.get(k).is_some_and(|h| h.0.contains(ip)));
    recent
        .ports
        .retain(|p, (at, k)| fresh(at) && !held.get(k).is_some_and(|h| h.1.contains(p)));
    t.ips.extend(
        recent
            .ips
            .iter()
            .filter(|(_, (_, k))| k != key)
            .map(|(ip, _)| *ip),
    );
    t.ports.extend(
        recent
            .ports
            .iter()
            .filter(|(_, (_, k))| k != key)
            .map(|(p, _)| *p),
    );
    t
}

/// Picks a free value: randomly from the upper band first (kube-apiserver
/// keeps the lower band for static choices), then anywhere.
fn pick(lo: u32, hi: u32, band_start: u32, used: impl Fn(u32) -> bool) -> Option<u32> {
    let mut rng = rand::rng();
    for _ in 0..64 {
        let v = rng.random_range(band_start..=hi);
        if !used(v) {
            return Some(v);
        }
    }
    (band_start..=hi).chain(lo..band_start).find(|v| !used(*v))
}

impl ServiceAllocator {
    /// An allocator over `cidr`.
    pub fn new(cidr: ServiceCidr) -> Self {
        ServiceAllocator {
            cidr,
            recent: Mutex::default(),
        }
    }

    /// The service CIDR.
    pub fn cidr(&self) -> ServiceCidr {
        self.cidr
    }

    /// Allocates (or checks) the cluster IPs and node ports of a Service being
    /// written; `old` is the stored Service on update, `key` its storage key.
    pub fn allocate(
        &self,
        registry: &Registry,
        svc: &mut Value,
        old: Option<&Value>,
        key: &str,
        dry_run: bool,
    ) -> ApiResult<Result<(), Vec<StatusCause>>> {
        let Some(entry) = registry.entry("", "v1", "services") else {
            return Ok(Ok(()));
        };
        let cache = registry.cache(&entry)?;
        let mut recent = self.recent.lock();
        let taken = taken(cache, &mut recent, key);
        let old_spec = old.map(|o| o["spec"].clone()).unwrap_or(Value::Null);
        let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) else {
            return Ok(Ok(()));
        };
        let mut causes = Vec::new();
        let service_type = spec
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        if service_type == "ExternalName" {
            for f in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                if old_spec.get(f) == spec.get(f) {
                    spec.shift_remove(f);
                }
            }
            return Ok(Ok(()));
        }
        // An update keeps what was allocated unless the client set something else.
        let old_ip = old_spec["clusterIP"].as_str().unwrap_or("");
        let ip_unset = spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty();
        if ip_unset && !old_ip.is_empty() {
            spec.insert("clusterIP".into(), json!(old_ip));
            if spec
                .get("clusterIPs")
                .and_then(Value::as_array)
                .is_none_or(|a| a.is_empty())
            {
                spec.insert("clusterIPs".into(), old_spec["clusterIPs"].clone());
            }
        }
        if spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            if let Some(first) = spec.get("clusterIPs").and_then(|a| a.get(0)).cloned() {
                spec.insert("clusterIP".into(), first);
            }
        }
        let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
        let selectorless = spec
            .get("selector")
            .and_then(Value::as_object)
            .is_none_or(|m| m.is_empty());
        for (field, old_value) in [
            ("ipFamilyPolicy", &old_spec["ipFamilyPolicy"]),
            ("ipFamilies", &old_spec["ipFamilies"]),
        ] {
            let unset = spec
                .get(field)
                .is_none_or(|v| v.is_null() || v.as_array().is_some_and(|a| a.is_empty()));
            if unset {
                let value = if !old_value.is_null() {
                    old_value.clone()
                } else if field == "ipFamilies" {
                    json!(["IPv4"])
                } else if headless && selectorless {
                    json!("RequireDualStack")
                } else {
                    json!("SingleStack")
                };
                spec.insert(field.into(), value);
            }
        }
        let (base, size) = self.cidr.range();
        match spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
        {
            ip if ip == "None" => {
                spec.insert("clusterIPs".into(), json!(["None"]));
            }
            ip if ip.is_empty() => {
                let used = |v: u32| taken.ips.contains(&(base + v));
                let band = (size / 16).clamp(16, 256);
                match pick(1, size - 2, band, used) {
                    Some(offset) => {
                        let addr = Ipv4Addr::from(base + offset).to_string();
                        if !dry_run {
                            recent
                                .ips
                                .insert(base + offset, (Instant::now(), key.to_string()));
                        }
                        spec.insert("clusterIP".into(), json!(addr));
                        spec.insert("clusterIPs".into(), json!([addr]));
                    }
                    None => causes.push(invalid_cause(
                        "spec.clusterIPs",
                        "[]string(nil)",
                        "failed to allocate a serviceIP: range is full",
                    )),
                }
            }
            ip if ip == old_ip => {}
            ip => {
                if spec
                    .get("clusterIPs")
                    .and_then(Value::as_array)
                    .is_none_or(|a| a.is_empty())
                {
                    spec.insert("clusterIPs".into(), json!([ip]));
                }
                let shown = go_syntax::strings(spec.get("clusterIPs"));
                match ip.parse::<Ipv4Addr>() {
                    Err(_) => causes.push(invalid_cause(
                        "spec.clusterIPs[0]",
                        &keelson_apimachinery::validation::go_quote(&ip),
                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    )),
                    Ok(a) => {
                        let n = u32::from(a);
                        if n < base || n >= base + size {
                            causes.push(invalid_cause(
                            "spec.clusterIPs",
                            &shown,
                            &format!(
                                "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                                self.cidr
                            ),
                        ));
                        } else if taken.ips.contains(&n) {
                            causes.push(invalid_cause(
                                "spec.clusterIPs",
                                &shown,
                                &format!(
                                    "failed to allocate IP {ip}: provided IP is already allocated"
                                ),
                            ));
                        } else if !dry_run {
                            recent.ips.insert(n, (Instant::now(), key.to_string()));
                        }
                    }
                }
            }
        }
        allocate_node_ports(
            spec,
            &old_spec,
            &taken,
            &mut recent,
            key,
            dry_run,
            &mut causes,
        );
        Ok(if causes.is_empty() {
            Ok(())
        } else {
            Err(causes)
        })
    }
}

fn old_node_port(old_spec: &Value, port: &Value) -> Option<u64> {
    old_spec["ports"].as_array()?.iter().find_map(|p| {
        let same = p["port"] == port["port"]
            && p.get("protocol").unwrap_or(&json!("TCP"))
                == port.get("protocol").unwrap_or(&json!("TCP"));
        p["nodePort"].as_u64().filter(|n| same && *n > 0)
    })
}

#[allow(clippy::too_many_arguments)]
fn allocate_node_ports(
    spec: &mut serde_json::Map<String, Value>,
    old_spec: &Value,
    taken: &Taken,
    recent: &mut Recent,
    key: &str,
    dry_run: bool,
    causes: &mut Vec<StatusCause>,
) {
    let spec_value = Value::Object(spec.clone());
    let needs = needs_node_ports(&spec_value);
    let (lo, hi) = NODE_PORTS;
    let band_start = lo as u32 + ((hi - lo + 1) as u32 / 32).clamp(16, 128);
    let mut mine: HashSet<u16> = HashSet::new();
    let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) else {
        return;
    };
    for (i, port) in ports.iter_mut().enumerate() {
        let old = old_node_port(old_spec, port);
        let current = port["nodePort"].as_u64().unwrap_or(0);
        if !needs {
            // Switching away from NodePort drops ports the client only carried over.
            if current > 0 && Some(current) == old {
                if let Some(m) = port.as_object_mut() {
                    m.shift_remove("nodePort");
                }
            }
            continue;
        }
        if current == 0 {
            if let Some(o) = old {
                port["nodePort"] = json!(o);
                mine.insert(o as u16);
                continue;
            }
            let used = |v: u32| taken.ports.contains(&(v as u16)) || mine.contains(&(v as u16));
            match pick(lo as u32, hi as u32, band_start, used) {
                Some(p) => {
                    port["nodePort"] = json!(p);
                    mine.insert(p as u16);
                    if !dry_run {
                        recent
                            .ports
                            .insert(p as u16, (Instant::now(), key.to_string()));
                    }
                }
                None => causes.push(invalid_cause(
                    &format!("spec.ports[{i}].nodePort"),
                    "0",
                    "failed to allocate a nodePort: range is full",
                )),
            }
            continue;
        }
        if Some(current) == old {
            mine.insert(current as u16);
            continue;
        }
        let field = format!("spec.ports[{i}].nodePort");
        if current < lo as u64 || current > hi as u64 {
            causes.push(invalid_cause(
                &field,
                &current.to_string(),
                &format!("provided port is not in the valid range. The range of valid ports is {lo}-{hi}"),
            ));
        } else if taken.ports.contains(&(current as u16)) || mine.contains(&(current as u16)) {
            causes.push(invalid_cause(
                &field,
                &current.to_string(),
                "provided port is already allocated",
            ));
        } else {
            mine.insert(current as u16);
            if !dry_run {
                recent
                    .ports
                    .insert(current as u16, (Instant::now(), key.to_string()));
            }
        }
    }
    let local_lb = spec.get("type").and_then(Value::as_str) == Some("LoadBalancer")
        && spec.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local");
    if local_lb
        && spec
            .get("healthCheckNodePort")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            == 0
    {
        let keep = old_spec["healthCheckNodePort"].as_u64().filter(|p| *p > 0);
        let chosen = keep.map(|p| p as u32).or_else(|| {
            pick(lo as u32, hi as u32, band_start, |v| {
                taken.ports.contains(&(v as u16)) || mine.contains(&(v as u16))
            })
        });
        if let Some(p) = chosen {
            spec.insert("healthCheckNodePort".into(), json!(p));
            if !dry_run && keep.is_none() {
                recent
                    .ports
                    .insert(p as u16, (Instant::now(), key.to_string()));
            }
        }
    } else if !local_lb {
        if let Some(p) = spec.get("healthCheckNodePort").and_then(Value::as_u64) {
            if Some(p) == old_spec["healthCheckNodePort"].as_u64() {
                spec.shift_remove("healthCheckNodePort");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_free_values_in_the_upper_band_first() {
        let v = pick(1, 100, 50, |v| v != 77 && v != 10).unwrap();
        assert_eq!(v, 77);
        assert_eq!(pick(1, 100, 50, |v| v != 10), Some(10));
        assert_eq!(pick(1, 3, 2, |_| true), None);
    }

    #[test]
    fn node_port_needs() {
        assert!(needs_node_ports(&json!({"type": "NodePort"})));
        assert!(needs_node_ports(&json!({"type": "LoadBalancer"})));
        assert!(!needs_node_ports(
            &json!({"type": "LoadBalancer", "allocateLoadBalancerNodePorts": false})
        ));
        assert!(!needs_node_ports(&json!({"type": "ClusterIP"})));
    }
}
