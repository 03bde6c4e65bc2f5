//! The pod describer and the pieces workload describers share with it:
//! containers, volumes, the pod template, QoS class.

use super::events::{finish, Events};
use super::writer::{
    annotations_multiline, int_at, labels_annotations, labels_multiline, name_namespace, rfc1123z,
    str_at, text, tolerations_multiline, PrefixWriter, L0, L1, L2, L3,
};
use keelson_apimachinery::quantity::Quantity;
use serde_json::Value;
use std::collections::BTreeMap;

/// kubectl's `describePod`.
pub fn describe_pod(pod: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    let spec = pod.get("spec").cloned().unwrap_or(Value::Null);
    let status = pod.get("status").cloned().unwrap_or(Value::Null);
    name_namespace(&mut w, pod, true);
    if let Some(p) = spec.get("priority").and_then(Value::as_i64) {
        w.write(L0, &format!("Priority:\t{p}\n"));
    }
    let pcn = str_at(&spec, "/priorityClassName");
    if !pcn.is_empty() {
        w.write(L0, &format!("Priority Class Name:\t{pcn}\n"));
    }
    let rcn = str_at(&spec, "/runtimeClassName");
    if !rcn.is_empty() {
        w.write(L0, &format!("Runtime Class Name:\t{rcn}\n"));
    }
    let sa = str_at(&spec, "/serviceAccountName");
    if !sa.is_empty() {
        w.write(L0, &format!("Service Account:\t{sa}\n"));
    }
    let node = str_at(&spec, "/nodeName");
    if node.is_empty() {
        w.write(L0, "Node:\t<none>\n");
    } else {
        w.write(
            L0,
            &format!("Node:\t{node}/{}\n", str_at(&status, "/hostIP")),
        );
    }
    let start = str_at(&status, "/startTime");
    if !start.is_empty() {
        w.write(L0, &format!("Start Time:\t{}\n", rfc1123z(start)));
    }
    labels_annotations(&mut w, pod);
    let phase = str_at(&status, "/phase");
    let deleting = pod
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str);
    match deleting {
        Some(ts) if phase != "Failed" && phase != "Succeeded" => {
            w.write(
                L0,
                &format!(
                    "Status:\tTerminating (lasts {})\n",
                    crate::printers::age(Some(ts))
                ),
            );
            w.write(
                L0,
                &format!(
                    "Termination Grace Period:\t{}s\n",
                    int_at(pod, "/metadata/deletionGracePeriodSeconds")
                ),
            );
        }
        _ => w.write(L0, &format!("Status:\t{phase}\n")),
    }
    for (field, label) in [("reason", "Reason"), ("message", "Message")] {
        let v = str_at(&status, &format!("/{field}"));
        if !v.is_empty() {
            w.write(L0, &format!("{label}:\t{v}\n"));
        }
    }
    if let Some(t) = spec
        .pointer("/securityContext/seccompProfile/type")
        .and_then(Value::as_str)
    {
        w.write(L0, &format!("SeccompProfile:\t{t}\n"));
        if t == "Localhost" {
            w.write(
                L0,
                &format!(
                    "LocalhostProfile:\t{}\n",
                    str_at(&spec, "/securityContext/seccompProfile/localhostProfile")
                ),
            );
        }
    }
    w.write(L0, &format!("IP:\t{}\n", str_at(&status, "/podIP")));
    match status
        .get("podIPs")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        None => w.write(L0, "IPs:\t<none>\n"),
        Some(ips) => {
            w.write(L0, "IPs:\n");
            for ip in ips {
                w.write(L1, &format!("IP:\t{}\n", str_at(ip, "/ip")));
            }
        }
    }
    if let Some(c) = controller_of(pod) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    let nominated = str_at(&status, "/nominatedNodeName");
    if !nominated.is_empty() {
        w.write(L0, &format!("NominatedNodeName:\t{nominated}\n"));
    }
    if let Some(res) = spec.get("resources") {
        w.write(L0, "Resources:\n");
        describe_resources(&mut w, res, L1);
    }
    if has_items(&spec, "initContainers") {
        describe_containers_of(
            &mut w,
            "Init Containers",
            &spec["initContainers"],
            status.get("initContainerStatuses"),
            "",
            Some(pod),
        );
    }
    describe_containers_of(
        &mut w,
        "Containers",
        spec.get("containers").unwrap_or(&Value::Null),
        status.get("containerStatuses"),
        "",
        Some(pod),
    );
    if has_items(&spec, "ephemeralContainers") {
        describe_containers_of(
            &mut w,
            "Ephemeral Containers",
            &spec["ephemeralContainers"],
            status.get("ephemeralContainerStatuses"),
            "",
            Some(pod),
        );
    }
    if has_items(&spec, "readinessGates") {
        w.write(L0, "Readiness Gates:\n  Type\tStatus\n");
        for g in spec["readinessGates"].as_array().into_iter().flatten() {
            let t = str_at(g, "/conditionType");
            let st = conditions(&status)
                .find(|c| str_at(c, "/type") == t)
                .map(|c| str_at(c, "/status").to_string());
            w.write(
                L1,
                &format!("{t} \t{} \n", st.unwrap_or_else(|| "<none>".into())),
            );
        }
    }
    if conditions(&status).next().is_some() {
        w.write(L0, "Conditions:\n  Type\tStatus\n");
        for c in conditions(&status) {
            w.write(
                L1,
                &format!("{} \t{} \n", str_at(c, "/type"), str_at(c, "/status")),
            );
        }
    }
    describe_volumes(&mut w, spec.get("volumes"), "");
    w.write(L0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    labels_multiline(&mut w, "Node-Selectors", spec.get("nodeSelector"));
    tolerations_multiline(&mut w, "", "Tolerations", spec.get("tolerations"));
    describe_topology_spread_constraints(&mut w, spec.get("topologySpreadConstraints"), "");
    finish(w, events)
}

fn conditions(status: &Value) -> impl Iterator<Item = &Value> {
    status
        .get("conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn has_items(v: &Value, field: &str) -> bool {
    v.get(field)
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// `printController`: `Kind/name` of the controlling owner.
pub fn controller_of(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .map(|r| format!("{}/{}", str_at(r, "/kind"), str_at(r, "/name")))
}

/// `describeResources`: limits then requests, names sorted.
fn describe_resources(w: &mut PrefixWriter, res: &Value, level: usize) {
    for (field, title) in [("limits", "Limits"), ("requests", "Requests")] {
        if let Some(m) = res
            .get(field)
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            w.write(level, &format!("{title}:\n"));
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            for (k, v) in sorted {
                w.write(level + 1, &format!("{k}:\t{}\n", text(v)));
            }
        }
    }
}

/// kubectl's `describeContainers` for a pod's own containers.
fn describe_containers(
    w: &mut PrefixWriter,
    label: &str,
    containers: &Value,
    statuses: Option<&Value>,
    space: &str,
) {
    describe_containers_of(w, label, containers, statuses, space, None);
}

/// kubectl's `describeContainers`; `pod` (when describing one, not a
/// template) resolves `fieldRef` environment values.
pub fn describe_containers_of(
    w: &mut PrefixWriter,
    label: &str,
    containers: &Value,
    statuses: Option<&Value>,
    space: &str,
    pod: Option<&Value>,
) {
    let list = containers.as_array().cloned().unwrap_or_default();
    let none = if list.is_empty() { " <none>" } else { "" };
    w.write(L0, &format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in &list {
        let name = str_at(c, "/name");
        let status = statuses
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|s| str_at(s, "/name") == name));
        w.write(L1, &format!("{name_indent}{name}:\n"));
        if let Some(s) = status {
            w.write(
                L2,
                &format!("Container ID:\t{}\n", str_at(s, "/containerID")),
            );
        }
        w.write(L2, &format!("Image:\t{}\n", str_at(c, "/image")));
        if let Some(s) = status {
            w.write(L2, &format!("Image ID:\t{}\n", str_at(s, "/imageID")));
        }
        let ports: Vec<&Value> = c
            .get("ports")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let fmt_ports = |field: &str| -> String {
            ports
                .iter()
                .map(|p| {
                    // `80/TCP (http)`: a named port shows its name.
                    let base = format!(
                        "{}/{}",
                        int_at(p, &format!("/{field}")),
                        str_at(p, "/protocol")
                    );
                    match str_at(p, "/name") {
                        "" => base,
                        n => format!("{base} ({n})"),
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let port_string = fmt_ports("containerPort");
        if port_string.contains(',') {
            w.write(L2, &format!("Ports:\t{port_string}\n"));
        } else {
            w.write(L2, &format!("Port:\t{}\n", or_none(&port_string)));
        }
        let host_string = fmt_ports("hostPort");
        if host_string.contains(',') {
            w.write(L2, &format!("Host Ports:\t{host_string}\n"));
        } else {
            w.write(L2, &format!("Host Port:\t{}\n", or_none(&host_string)));
        }
        if let Some(t) = c
            .pointer("/securityContext/seccompProfile/type")
            .and_then(Value::as_str)
        {
            w.write(L2, &format!("SeccompProfile:\t{t}\n"));
            if t == "Localhost" {
                w.write(
                    L3,
                    &format!(
                        "LocalhostProfile:\t{}\n",
                        str_at(c, "/securityContext/seccompProfile/localhostProfile")
                    ),
                );
            }
        }
        for (field, title) in [("command", "Command"), ("args", "Args")] {
            if let Some(items) = c
                .get(field)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            {
                w.write(L2, &format!("{title}:\n"));
                for item in items {
                    for s in text(item).split('\n') {
                        w.write(L3, &format!("{s}\n"));
                    }
                }
            }
        }
        if let Some(s) = status {
            describe_state(w, "State", s.get("state").unwrap_or(&Value::Null));
            if s.pointer("/lastState/terminated").is_some() {
                describe_state(w, "Last State", &s["lastState"]);
            }
            let ready = s.get("ready").and_then(Value::as_bool).unwrap_or(false);
            w.write(
                L2,
                &format!("Ready:\t{}\n", if ready { "True" } else { "False" }),
            );
            w.write(
                L2,
                &format!("Restart Count:\t{}\n", int_at(s, "/restartCount")),
            );
        }
        if let Some(res) = c.get("resources") {
            describe_resources(w, res, L2);
        }
        for (field, title) in [
            ("livenessProbe", "Liveness"),
            ("readinessProbe", "Readiness"),
            ("startupProbe", "Startup"),
        ] {
            if let Some(p) = c.get(field) {
                w.write(L2, &format!("{title}:\t{}\n", describe_probe(p)));
            }
        }
        describe_env_from(w, c);
        describe_env(w, c, pod);
        describe_mounts(w, c);
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "<none>"
    } else {
        s
    }
}

fn describe_state(w: &mut PrefixWriter, name: &str, state: &Value) {
    if let Some(r) = state.get("running") {
        w.write(L2, &format!("{name}:\tRunning\n"));
        w.write(
            L3,
            &format!("Started:\t{}\n", rfc1123z(str_at(r, "/startedAt"))),
        );
    } else if let Some(wt) = state.get("waiting") {
        w.write(L2, &format!("{name}:\tWaiting\n"));
        let reason = str_at(wt, "/reason");
        if !reason.is_empty() {
            w.write(L3, &format!("Reason:\t{reason}\n"));
        }
    } else if let Some(t) = state.get("terminated") {
        w.write(L2, &format!("{name}:\tTerminated\n"));
        for (f, title) in [("reason", "Reason"), ("message", "Message")] {
            let v = str_at(t, &format!("/{f}"));
            if !v.is_empty() {
                w.write(L3, &format!("{title}:\t{v}\n"));
            }
        }
        w.write(L3, &format!("Exit Code:\t{}\n", int_at(t, "/exitCode")));
        let sig = int_at(t, "/signal");
        if sig > 0 {
            w.write(L3, &format!("Signal:\t{sig}\n"));
        }
        w.write(
            L3,
            &format!("Started:\t{}\n", rfc1123z(str_at(t, "/startedAt"))),
        );
        w.write(
            L3,
            &format!("Finished:\t{}\n", rfc1123z(str_at(t, "/finishedAt"))),
        );
    } else {
        w.write(L2, &format!("{name}:\tWaiting\n"));
    }
}

/// `DescribeProbe`.
fn describe_probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s successThreshold={} failureThreshold={}",
        int_at(p, "/initialDelaySeconds"),
        int_at(p, "/timeoutSeconds"),
        int_at(p, "/periodSeconds"),
        int_at(p, "/successThreshold"),
        int_at(p, "/failureThreshold")
    );
    if let Some(e) = p.get("exec") {
        return format!(
            "exec {} {attrs}",
            text(e.get("command").unwrap_or(&Value::Array(vec![])))
        );
    }
    if let Some(h) = p.get("httpGet") {
        let scheme = str_at(h, "/scheme").to_lowercase();
        let port = h.get("port").map(text).unwrap_or_default();
        let host = str_at(h, "/host");
        let hostport = if port.is_empty() {
            host.to_string()
        } else {
            format!("{host}:{port}")
        };
        return format!(
            "http-get {scheme}://{hostport}{} {attrs}",
            str_at(h, "/path")
        );
    }
    if let Some(t) = p.get("tcpSocket") {
        let port = t.get("port").map(text).unwrap_or_default();
        return format!("tcp-socket {}:{port} {attrs}", str_at(t, "/host"));
    }
    if let Some(g) = p.get("grpc") {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            int_at(g, "/port"),
            str_at(g, "/service")
        );
    }
    format!("unknown {attrs}")
}

fn describe_env_from(w: &mut PrefixWriter, c: &Value) {
    let Some(list) = c
        .get("envFrom")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    else {
        return;
    };
    w.write(L2, "Environment Variables from:\n");
    for e in list {
        let (from, r) = if let Some(r) = e.get("configMapRef") {
            ("ConfigMap", r)
        } else if let Some(r) = e.get("secretRef") {
            ("Secret", r)
        } else {
            ("", &Value::Null)
        };
        let optional = r.get("optional").and_then(Value::as_bool).unwrap_or(false);
        let prefix = str_at(e, "/prefix");
        if prefix.is_empty() {
            w.write(
                L3,
                &format!("{}\t{from}\tOptional: {optional}\n", str_at(r, "/name")),
            );
        } else {
            w.write(
                L3,
                &format!(
                    "{}\t{from} with prefix '{prefix}'\tOptional: {optional}\n",
                    str_at(r, "/name")
                ),
            );
        }
    }
}

fn describe_env(w: &mut PrefixWriter, c: &Value, pod: Option<&Value>) {
    let list = c
        .get("env")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let none = if list.is_empty() { "\t<none>" } else { "" };
    w.write(L2, &format!("Environment:{none}\n"));
    for e in &list {
        let name = str_at(e, "/name");
        let Some(from) = e.get("valueFrom") else {
            for (i, s) in str_at(e, "/value").split('\n').enumerate() {
                if i == 0 {
                    w.write(L3, &format!("{name}:\t{s}\n"));
                } else {
                    w.write(L3, &format!("\t{s}\n"));
                }
            }
            continue;
        };
        if let Some(f) = from.get("fieldRef") {
            w.write(
                L3,
                &format!(
                    "{name}:\t{} ({}:{})\n",
                    pod.map(|p| field_path_value(p, str_at(f, "/fieldPath")))
                        .unwrap_or_default(),
                    str_at(f, "/apiVersion"),
                    str_at(f, "/fieldPath")
                ),
            );
        } else if let Some(r) = from.get("resourceFieldRef") {
            let resource = str_at(r, "/resource");
            let mut value = container_resource_value(c, resource, r.get("divisor"));
            if value == "0" && matches!(resource, "limits.cpu" | "limits.memory") {
                value = "node allocatable".into();
            }
            w.write(L3, &format!("{name}:\t{value} ({resource})\n"));
        } else if let Some(s) = from.get("secretKeyRef") {
            let optional = s.get("optional").and_then(Value::as_bool).unwrap_or(false);
            w.write(
                L3,
                &format!(
                    "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {optional}\n",
                    str_at(s, "/key"),
                    str_at(s, "/name")
                ),
            );
        } else if let Some(s) = from.get("configMapKeyRef") {
            let optional = s.get("optional").and_then(Value::as_bool).unwrap_or(false);
            w.write(
                L3,
                &format!(
                    "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {optional}\n",
                    str_at(s, "/key"),
                    str_at(s, "/name")
                ),
            );
        }
    }
}

/// kubectl's `ExtractContainerResourceValue`: the container's request or
/// limit over the divisor (1 when unset), rounded up; cpu counts in
/// millicores first (`MilliValue`), so 500m over 1 is 1.
fn container_resource_value(c: &Value, resource: &str, divisor: Option<&Value>) -> String {
    let Some((kind, name)) = resource.split_once('.') else {
        return String::new();
    };
    if !matches!(kind, "limits" | "requests")
        || !(matches!(name, "cpu" | "memory" | "ephemeral-storage")
            || name.starts_with("hugepages-"))
    {
        return String::new();
    }
    let quantity = |v: Option<&Value>| {
        v.and_then(|q| Quantity::parse(&text(q)).ok())
            .filter(|q| !q.is_zero())
    };
    let amount = quantity(c.pointer(&format!("/resources/{kind}/{name}")));
    // An unset or zero divisor is 1.
    let divisor = quantity(divisor);
    let (amount, divisor) = if name == "cpu" {
        (
            amount.map_or(0, |q| q.milli_value()),
            divisor.map_or(1000, |q| q.milli_value()),
        )
    } else {
        (
            amount.map_or(0, |q| q.value()),
            divisor.map_or(1, |q| q.value()),
        )
    };
    // math.Ceil of the float quotient.
    let ratio = (amount as f64 / divisor as f64).ceil();
    format!("{}", ratio as i64)
}

/// The value kubectl shows for a `fieldRef`: it converts the path with
/// client-go's scheme, which only knows the default field labels, so only
/// the name and namespace resolve; every other path shows empty.
fn field_path_value(pod: &Value, path: &str) -> String {
    match path {
        "metadata.name" => str_at(pod, "/metadata/name").to_string(),
        "metadata.namespace" => str_at(pod, "/metadata/namespace").to_string(),
        _ => String::new(),
    }
}

fn describe_mounts(w: &mut PrefixWriter, c: &Value) {
    let mut mounts: Vec<&Value> = c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let none = if mounts.is_empty() { "\t<none>" } else { "" };
    w.write(L2, &format!("Mounts:{none}\n"));
    mounts.sort_by(|a, b| str_at(a, "/mountPath").cmp(str_at(b, "/mountPath")));
    for m in mounts {
        let mut flags = vec![
            if m.get("readOnly").and_then(Value::as_bool).unwrap_or(false) {
                "ro".to_string()
            } else {
                "rw".to_string()
            },
        ];
        let sub = str_at(m, "/subPath");
        if !sub.is_empty() {
            flags.push(format!("path={sub:?}"));
        }
        w.write(
            L3,
            &format!(
                "{} from {} ({})\n",
                str_at(m, "/mountPath"),
                str_at(m, "/name"),
                flags.join(",")
            ),
        );
    }
    let mut devices: Vec<&Value> = c
        .get("volumeDevices")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if !devices.is_empty() {
        w.write(L2, &format!("Devices:{none}\n"));
        devices.sort_by(|a, b| str_at(a, "/devicePath").cmp(str_at(b, "/devicePath")));
        for d in devices {
            w.write(
                L3,
                &format!("{} from {}\n", str_at(d, "/devicePath"), str_at(d, "/name")),
            );
        }
    }
}

/// kubectl's `describeVolumes` for the common volume sources.
pub fn describe_volumes(w: &mut PrefixWriter, volumes: Option<&Value>, space: &str) {
    let list = volumes
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if list.is_empty() {
        w.write(L0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.write(L0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in &list {
        w.write(L1, &format!("{name_indent}{}:\n", str_at(v, "/name")));
        super::volumes::pod_volume_source(w, v);
    }
}

/// `describeTopologySpreadConstraints`: sorted by topology key, nothing when there are none.
fn describe_topology_spread_constraints(w: &mut PrefixWriter, tscs: Option<&Value>, space: &str) {
    let mut list: Vec<&Value> = tscs
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if list.is_empty() {
        return;
    }
    list.sort_by(|a, b| str_at(a, "/topologyKey").cmp(str_at(b, "/topologyKey")));
    w.write(L0, &format!("{space}Topology Spread Constraints:\t"));
    for (i, t) in list.iter().enumerate() {
        if i != 0 {
            w.write(L0, space);
            w.write(L0, "\t");
        }
        let mut line = format!(
            "{}:{} when max skew {} is exceeded",
            str_at(t, "/topologyKey"),
            str_at(t, "/whenUnsatisfiable"),
            int_at(t, "/maxSkew")
        );
        if let Some(sel) = t.get("labelSelector") {
            line.push_str(&format!(
                " for selector {}",
                super::writer::format_label_selector(Some(sel))
            ));
        }
        w.write(L0, &format!("{line}\n"));
    }
}

/// kubectl's `DescribePodTemplate`.
pub fn describe_pod_template(w: &mut PrefixWriter, template: Option<&Value>) {
    w.write(L0, "Pod Template:\n");
    let Some(t) = template else {
        w.write(L1, "<unset>");
        return;
    };
    super::writer::labels_multiline(w, "  Labels", t.pointer("/metadata/labels"));
    if t.pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty())
    {
        annotations_multiline(w, "  Annotations", t.pointer("/metadata/annotations"));
    }
    let spec = t.get("spec").cloned().unwrap_or(Value::Null);
    let sa = str_at(&spec, "/serviceAccountName");
    if !sa.is_empty() {
        w.write(L1, &format!("Service Account:\t{sa}\n"));
    }
    if has_items(&spec, "initContainers") {
        describe_containers(w, "Init Containers", &spec["initContainers"], None, "  ");
    }
    describe_containers(
        w,
        "Containers",
        spec.get("containers").unwrap_or(&Value::Null),
        None,
        "  ",
    );
    describe_volumes(w, spec.get("volumes"), "  ");
    describe_topology_spread_constraints(w, spec.get("topologySpreadConstraints"), "  ");
    let pcn = str_at(&spec, "/priorityClassName");
    if !pcn.is_empty() {
        w.write(L1, &format!("Priority Class Name:\t{pcn}\n"));
    }
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"));
    tolerations_multiline(w, "  ", "Tolerations", spec.get("tolerations"));
}

/// `qos.GetPodQOS` over cpu and memory.
pub fn qos_class(pod: &Value) -> &'static str {
    let mut requests: BTreeMap<String, String> = BTreeMap::new();
    let mut limits: BTreeMap<String, String> = BTreeMap::new();
    let mut guaranteed = true;
    let containers = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten();
    for c in containers {
        for (field, acc) in [("requests", &mut requests), ("limits", &mut limits)] {
            for name in ["cpu", "memory"] {
                if let Some(q) = c.pointer(&format!("/resources/{field}/{name}")).map(text) {
                    if q != "0" {
                        acc.insert(name.into(), q);
                    }
                }
            }
        }
        let has = |n: &str| c.pointer(&format!("/resources/limits/{n}")).is_some();
        if !(has("cpu") && has("memory")) {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed && requests.iter().all(|(k, v)| limits.get(k) == Some(v)) {
        return "Guaranteed";
    }
    "Burstable"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn qos_classes() {
        let be = json!({"spec": {"containers": [{"name": "a"}]}});
        assert_eq!(qos_class(&be), "BestEffort");
        let g = json!({"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"spec": {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}});
        assert_eq!(qos_class(&b), "Burstable");
    }

    #[test]
    fn env_values_resolved_like_kubectl() {
        let c = json!({"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}});
        assert_eq!(container_resource_value(&c, "limits.cpu", None), "1");
        assert_eq!(
            container_resource_value(&c, "limits.memory", Some(&json!("1Mi"))),
            "1024"
        );
        assert_eq!(container_resource_value(&c, "requests.cpu", None), "0");
        assert_eq!(container_resource_value(&c, "limits.foo", None), "");
        let pod = json!({"metadata": {"name": "p", "namespace": "n", "labels": {"b": "2"}}});
        assert_eq!(field_path_value(&pod, "metadata.name"), "p");
        assert_eq!(field_path_value(&pod, "metadata.namespace"), "n");
        assert_eq!(field_path_value(&pod, "metadata.labels"), "");
        assert_eq!(field_path_value(&pod, "spec.nodeName"), "");
    }

    #[test]
    fn container_section_matches_kubectl() {
        let mut w = PrefixWriter::default();
        let c = json!([{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]);
        describe_containers(&mut w, "Containers", &c, None, "  ");
        assert_eq!(
            w.finish(),
            "  Containers:\n   nginx:\n    Image:        nginx\n    Port:         80/TCP\n    Host Port:    0/TCP\n    Environment:  <none>\n    Mounts:       <none>\n"
        );
    }
}
