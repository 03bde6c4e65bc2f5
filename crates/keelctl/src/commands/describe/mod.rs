//! `keelctl describe`: kubectl's describers for the common kinds and its
//! generic describer for everything else, names matched as prefixes when
//! no object has the exact name.

pub mod apps;
pub mod autoscaling;
pub mod certificates;
pub mod core;
pub mod events;
pub mod generic;
pub mod limits;
pub mod network;
pub mod node_resources;
pub mod pods;
pub mod storage;
pub mod volumes;
pub mod workloads;
pub mod writer;

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::{Builder, Info, VisitError};
use events::{search_events, EventTarget, Events};
use keelson_client::RestClient;
use serde_json::Value;

/// Flags of `keelctl describe`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TYPE [NAME_PREFIX] or TYPE/NAME.
    args: Vec<String>,
    /// Filename, directory, or URL to files containing the resource to describe.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Recursively process the directory used in -f.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// If present, list the requested object(s) across all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    all_namespaces: bool,
    /// If true, display events related to the described object.
    #[arg(long = "show-events", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    show_events: bool,
    /// Return large lists in chunks rather than all at once.
    #[arg(long = "chunk-size", default_value_t = 500)]
    chunk_size: i64,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if args.args.is_empty() && args.filenames.is_empty() {
        return Err(CmdError::new(
            "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
        ));
    }
    let builder = Builder {
        filenames: args.filenames.clone(),
        recursive: args.recursive,
        args: args.args.clone(),
        label_selector: args.selector.clone(),
        all: args.selector.is_none(),
        all_namespaces: args.all_namespaces,
        require_object: false,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let client = f.client()?;
    let mut first = true;
    let mut described = 0;
    let items = std::mem::take(&mut visited.items);
    // kubectl shows events only when it describes a single object.
    let show_events = args.show_events && items.len() == 1;
    for item in items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        described += 1;
        match describe_info(&client, &info, show_events).await {
            Ok(text) => {
                if first {
                    print!("{text}");
                    first = false;
                } else {
                    print!("\n\n{text}");
                }
            }
            Err(e) if is_not_found(&e) && info.object.is_none() => {
                // kubectl's DescribeMatchingResources: the name as a prefix.
                match describe_prefix(&client, &info).await {
                    Ok(Some(text)) => print!("{text}"),
                    Ok(None) => push_unique(&mut errors.objects, e),
                    Err(e2) => push_unique(&mut errors.objects, e2),
                }
            }
            Err(e) => push_unique(&mut errors.objects, e),
        }
    }
    if described == 0 && errors.is_empty() {
        let (ns, _) = f.namespace()?;
        if args.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {ns} namespace.");
        }
    }
    errors.into_result()
}

fn push_unique(errs: &mut Vec<VisitError>, e: VisitError) {
    if !errs.iter().any(|x| x.text() == e.text()) {
        errs.push(e);
    }
}

fn is_not_found(e: &VisitError) -> bool {
    e.status().is_some_and(|s| s.code == 404)
}

/// The object's path from its mapping.
fn object_path(info: &Info, name: &str) -> String {
    let gvr = &info.mapping.gvr;
    let base = if gvr.group.is_empty() {
        format!("/api/{}", gvr.version)
    } else {
        format!("/apis/{}/{}", gvr.group, gvr.version)
    };
    if info.namespaced() {
        format!(
            "{base}/namespaces/{}/{}/{name}",
            info.namespace, gvr.resource
        )
    } else {
        format!("{base}/{}/{name}", gvr.resource)
    }
}

fn collection_path(info: &Info) -> String {
    let p = object_path(info, "");
    p.trim_end_matches('/').to_string()
}

async fn get_json(client: &RestClient, path: &str) -> Result<Value, VisitError> {
    client
        .get()
        .abs_path(path)
        .json()
        .await
        .map_err(VisitError::client)
}

async fn list_items(
    client: &RestClient,
    path: &str,
    label_selector: Option<&str>,
) -> Result<Vec<Value>, VisitError> {
    let mut out = Vec::new();
    let mut cont = String::new();
    loop {
        let mut req = client.get().abs_path(path).param("limit", "500");
        if let Some(s) = label_selector.filter(|s| !s.is_empty()) {
            req = req.param("labelSelector", s);
        }
        if !cont.is_empty() {
            req = req.param("continue", &cont);
        }
        let list = req.json().await.map_err(VisitError::client)?;
        out.extend(
            list.get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        cont = writer::str_at(&list, "/metadata/continue").to_string();
        if cont.is_empty() {
            return Ok(out);
        }
    }
}

/// Lists the info's resource and describes every object whose name starts
/// with the asked name; `None` when none does.
async fn describe_prefix(client: &RestClient, info: &Info) -> Result<Option<String>, VisitError> {
    let items = list_items(client, &collection_path(info), None).await?;
    let mut out = String::new();
    let mut found = false;
    for obj in items {
        let name = writer::str_at(&obj, "/metadata/name").to_string();
        if !name.starts_with(&info.name) {
            continue;
        }
        found = true;
        let mut one = info.clone();
        one.name = name;
        one.object = None;
        // kubectl's prefix path shows no events.
        out.push_str(&describe_info(client, &one, false).await?);
        out.push('\n');
    }
    Ok(found.then_some(out))
}

/// Describes one object with the describer for its kind.
async fn describe_info(
    client: &RestClient,
    info: &Info,
    show_events: bool,
) -> Result<String, VisitError> {
    let obj = get_json(client, &object_path(info, &info.name)).await?;
    let group = info.mapping.gvk.group.as_str();
    let kind = info.mapping.gvk.kind.as_str();
    let ns = writer::str_at(&obj, "/metadata/namespace").to_string();
    let name = writer::str_at(&obj, "/metadata/name").to_string();
    let uid = writer::str_at(&obj, "/metadata/uid").to_string();
    let events = if show_events && shows_events(group, kind) {
        let (ev_kind, ev_uid) = match (group, kind) {
            ("", "Pod") => (None, uid.as_str()),
            _ => (Some(kind), uid.as_str()),
        };
        let target = EventTarget {
            namespace: &ns,
            name: &name,
            kind: ev_kind,
            uid: ev_uid,
        };
        let mut found = search_events(client, &target).await;
        if (group, kind) == ("", "Node") {
            // Controllers report node events under its uid, the kubelet under its name.
            let by_name = EventTarget {
                uid: name.as_str(),
                ..target
            };
            if let (Some(all), Some(more)) = (found.as_mut(), search_events(client, &by_name).await)
            {
                all.extend(more);
            }
        }
        found
    } else {
        None
    };
    let ev: Option<&Events> = events.as_ref();
    let text = match (group, kind) {
        ("", "Pod") => pods::describe_pod(&obj, ev),
        ("apps", "Deployment") => {
            let selector = obj
                .pointer("/spec/selector")
                .map(writer::selector_string)
                .unwrap_or_default();
            let rs_path = format!("/apis/apps/v1/namespaces/{ns}/replicasets");
            let rs = list_items(client, &rs_path, Some(&selector))
                .await
                .ok()
                .map(|all| workloads::split_replica_sets(&obj, &all));
            workloads::describe_deployment(&obj, rs, ev)
        }
        ("apps", "ReplicaSet") => {
            let selector = obj
                .pointer("/spec/selector")
                .map(writer::selector_string)
                .unwrap_or_default();
            let pods = list_items(
                client,
                &format!("/api/v1/namespaces/{ns}/pods"),
                Some(&selector),
            )
            .await?;
            workloads::describe_replica_set(&obj, &workloads::PodCounts::of(&pods, &uid), ev)
        }
        ("apps", "StatefulSet" | "DaemonSet") | ("", "ReplicationController") => {
            let selector = if kind == "ReplicationController" {
                apps::rc_selector(&obj)
            } else {
                obj.pointer("/spec/selector")
                    .map(writer::selector_string)
                    .unwrap_or_default()
            };
            let pods = list_items(
                client,
                &format!("/api/v1/namespaces/{ns}/pods"),
                Some(&selector),
            )
            .await?;
            let counts = workloads::PodCounts::of(&pods, &uid);
            match kind {
                "StatefulSet" => apps::describe_stateful_set(&obj, &counts, ev),
                "DaemonSet" => apps::describe_daemon_set(&obj, &counts, ev),
                _ => apps::describe_replication_controller(&obj, &counts, ev),
            }
        }
        ("autoscaling", "HorizontalPodAutoscaler") => autoscaling::describe_hpa(&obj, ev),
        ("", "PersistentVolume") => storage::describe_persistent_volume(&obj, ev),
        ("", "PersistentVolumeClaim") => {
            let pods = list_items(client, &format!("/api/v1/namespaces/{ns}/pods"), None).await?;
            let used_by = storage::pods_for_claim(&obj, &pods);
            storage::describe_persistent_volume_claim(&obj, &used_by, ev)
        }
        ("storage.k8s.io", "StorageClass") => storage::describe_storage_class(&obj, ev),
        ("", "Endpoints") => network::describe_endpoints(&obj, ev),
        ("discovery.k8s.io", "EndpointSlice") => network::describe_endpoint_slice(&obj, ev),
        ("networking.k8s.io", "NetworkPolicy") => network::describe_network_policy(&obj),
        ("networking.k8s.io", "IngressClass") => network::describe_ingress_class(&obj, ev),
        ("", "LimitRange") => limits::describe_limit_range(&obj),
        ("networking.k8s.io", "ServiceCIDR") => network::describe_service_cidr(&obj, ev),
        ("networking.k8s.io", "IPAddress") => network::describe_ip_address(&obj, ev),
        ("storage.k8s.io", "VolumeAttributesClass") => {
            storage::describe_volume_attributes_class(&obj, ev)
        }
        ("storage.k8s.io", "CSINode") => storage::describe_csi_node(&obj, ev),
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            certificates::describe_csr(&obj, ev).map_err(VisitError::plain)?
        }
        ("batch", "Job") => workloads::describe_job(&obj, ev),
        ("batch", "CronJob") => workloads::describe_cronjob(&obj, ev),
        ("", "Service") => {
            let selector = format!("kubernetes.io/service-name={name}");
            let slices = list_items(
                client,
                &format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"),
                Some(&selector),
            )
            .await
            .unwrap_or_default();
            core::describe_service(&obj, &slices, ev)
        }
        ("", "Namespace") => {
            let quotas =
                optional_list(client, &format!("/api/v1/namespaces/{name}/resourcequotas")).await?;
            let limits =
                optional_list(client, &format!("/api/v1/namespaces/{name}/limitranges")).await?;
            core::describe_namespace(&obj, quotas.as_deref(), limits.as_deref())
        }
        ("", "ResourceQuota") => core::describe_quota(&obj),
        ("networking.k8s.io", "Ingress") => {
            let backends = ingress_backends(client, &obj, &ns).await;
            let render = |b: &Value| {
                backends
                    .iter()
                    .find(|(k, _)| k == b)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            core::describe_ingress(&obj, &render, ev)
        }
        ("", "ConfigMap") => core::describe_configmap(&obj, ev),
        ("", "Secret") => core::describe_secret(&obj),
        ("", "ServiceAccount") => {
            let (tokens, missing) = service_account_secrets(client, &obj, &ns).await;
            core::describe_service_account(&obj, &tokens, &missing, ev)
        }
        ("", "Node") => {
            let selector =
                format!("spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed");
            let pods = client
                .get()
                .abs_path("/api/v1/pods")
                .param("fieldSelector", &selector)
                .json()
                .await
                .ok()
                .map(|l| {
                    l.get("items")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                });
            let lease = get_json(
                client,
                &format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}"),
            )
            .await
            .map_err(|e| e.text());
            let lease = lease.as_ref().map_err(String::as_str);
            core::describe_node(&obj, pods.as_deref(), lease, ev)
        }
        ("policy", "PodDisruptionBudget") => core::describe_pdb(&obj, ev),
        ("scheduling.k8s.io", "PriorityClass") => core::describe_priority_class(&obj, ev),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            core::describe_binding(&obj)
        }
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => core::describe_role(&obj),
        _ => generic::describe_generic(&obj, ev),
    };
    Ok(text)
}

/// Whether kubectl's describer for the kind looks up events at all (some
/// never print an events section, so the lookup would be wasted).
fn shows_events(group: &str, kind: &str) -> bool {
    !matches!(
        (group, kind),
        ("", "LimitRange" | "ResourceQuota" | "Secret" | "Namespace")
            | ("networking.k8s.io", "NetworkPolicy")
            | ("rbac.authorization.k8s.io", _)
    )
}

/// Every backend of an Ingress rendered as kubectl's `describeBackendV1`:
/// `svc:80 (10.0.0.1:8080)`, or the error that stopped the lookup.
async fn ingress_backends(client: &RestClient, ing: &Value, ns: &str) -> Vec<(Value, String)> {
    let mut all: Vec<Value> = ing
        .pointer("/spec/defaultBackend")
        .cloned()
        .into_iter()
        .collect();
    for rule in ing
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for p in rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            all.push(p.get("backend").cloned().unwrap_or(Value::Null));
        }
    }
    let mut out = Vec::new();
    for b in all {
        let text = if let Some(svc) = b.get("service") {
            let sb = core::service_backend_text(svc);
            let name = writer::str_at(svc, "/name");
            let selector = format!("kubernetes.io/service-name={name}");
            let slices = list_items(
                client,
                &format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"),
                Some(&selector),
            )
            .await;
            let service =
                get_json(client, &format!("/api/v1/namespaces/{ns}/services/{name}")).await;
            match (slices, service) {
                (Err(e), _) | (_, Err(e)) => format!("{sb} (<error: {}>)", e.text()),
                (Ok(slices), Ok(service)) => {
                    let number = writer::int_at(svc, "/port/number");
                    let port_name = writer::str_at(svc, "/port/name");
                    let mut sp_name = String::new();
                    for sp in service
                        .pointer("/spec/ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let n = writer::str_at(sp, "/name");
                        if (number != 0 && number == writer::int_at(sp, "/port"))
                            || (!port_name.is_empty() && port_name == n)
                        {
                            sp_name = n.to_string();
                        }
                    }
                    format!("{sb} ({})", core::format_endpoint_slices(&slices, &sp_name))
                }
            }
        } else if let Some(r) = b.get("resource") {
            let group = r
                .get("apiGroup")
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            format!(
                "APIGroup: {group}, Kind: {}, Name: {}",
                writer::str_at(r, "/kind"),
                writer::str_at(r, "/name")
            )
        } else {
            String::new()
        };
        out.push((b, text));
    }
    out
}

/// A list the server may not serve (404 means "no such resource": omit the section).
async fn optional_list(client: &RestClient, path: &str) -> Result<Option<Vec<Value>>, VisitError> {
    match list_items(client, path, None).await {
        Ok(items) => Ok(Some(items)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Token secrets of a service account and the referenced secrets that do not exist.
async fn service_account_secrets(
    client: &RestClient,
    sa: &Value,
    ns: &str,
) -> (Vec<String>, Vec<String>) {
    let Ok(secrets) = list_items(client, &format!("/api/v1/namespaces/{ns}/secrets"), None).await
    else {
        return (Vec::new(), Vec::new());
    };
    let name = writer::str_at(sa, "/metadata/name");
    let uid = writer::str_at(sa, "/metadata/uid");
    let mut tokens = Vec::new();
    let mut existing = Vec::new();
    for s in &secrets {
        if writer::str_at(s, "/type") == "kubernetes.io/service-account-token"
            && writer::str_at(
                s,
                "/metadata/annotations/kubernetes.io~1service-account.name",
            ) == name
            && writer::str_at(
                s,
                "/metadata/annotations/kubernetes.io~1service-account.uid",
            ) == uid
        {
            tokens.push(writer::str_at(s, "/metadata/name").to_string());
        }
        existing.push(writer::str_at(s, "/metadata/name").to_string());
    }
    let mut missing = Vec::new();
    for field in ["secrets", "imagePullSecrets"] {
        for r in sa
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let n = writer::str_at(r, "/name").to_string();
            if !existing.contains(&n) {
                missing.push(n);
            }
        }
    }
    (tokens, missing)
}

/// Standard base64 decoding, lenient about padding and whitespace.
pub fn b64_decode(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(b64_decode("eHl6"), b"xyz");
        assert_eq!(b64_decode("MQ=="), b"1");
    }
}
