//! core/v1 defaults: pods and pod templates, containers, probes, volumes,
//! services, claims and volumes.

use super::{absent, child, each, ensure, zero};
use serde_json::{json, Value};

/// The pull policy for an image: `Always` for `:latest` or no tag (unless
/// pinned by digest), `IfNotPresent` otherwise.
pub fn image_pull_policy(image: &str) -> &'static str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let has_digest = without_digest.len() != image.len();
    // The tag follows the last ':' after the last '/' (a registry port is not a tag).
    let last_segment = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let tag = last_segment.rsplit_once(':').map(|(_, t)| t);
    match tag {
        Some("latest") => "Always",
        Some(_) => "IfNotPresent",
        None if has_digest => "IfNotPresent",
        None => "Always",
    }
}

/// `SetDefaults_Pod` and everything under its spec.
pub fn pod(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    pod_spec(spec);
    for field in ["containers", "initContainers"] {
        for c in each(spec, field) {
            let Some(res) = child(c, "resources") else {
                continue;
            };
            let Some(limits) = res.get("limits").and_then(Value::as_object).cloned() else {
                continue;
            };
            let Some(res_map) = res.as_object_mut() else {
                continue;
            };
            let requests = ensure(res_map, "requests");
            for (k, v) in limits {
                absent(requests, &k, v);
            }
        }
    }
    absent(spec, "enableServiceLinks", json!(true));
}

/// A pod template's spec (`PodTemplateSpec`).
pub fn pod_template(template: &mut Value) {
    if let Some(spec) = child(template, "spec") {
        pod_spec(spec);
    }
}

/// `SetDefaults_PodSpec` and the defaults of its containers and volumes.
pub fn pod_spec(spec: &mut Value) {
    zero(spec, "dnsPolicy", json!("ClusterFirst"));
    zero(spec, "restartPolicy", json!("Always"));
    let host_network = spec.get("hostNetwork").and_then(Value::as_bool) == Some(true);
    absent(spec, "securityContext", json!({}));
    absent(spec, "terminationGracePeriodSeconds", json!(30));
    zero(spec, "schedulerName", json!("default-scheduler"));
    // v1 conversion: the deprecated `serviceAccount` mirrors `serviceAccountName`.
    let deprecated = spec
        .get("serviceAccount")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !deprecated.is_empty() {
        zero(spec, "serviceAccountName", json!(deprecated));
    }
    if let Some(name) = spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        let name = name.to_string();
        if let Some(m) = spec.as_object_mut() {
            m.insert("serviceAccount".into(), json!(name));
        }
    }
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        for c in each(spec, field) {
            container(c, host_network && field != "ephemeralContainers");
        }
    }
    for v in each(spec, "volumes") {
        volume(v);
    }
}

fn container(c: &mut Value, host_network: bool) {
    if c.get("imagePullPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let policy = image_pull_policy(image);
        zero(c, "imagePullPolicy", json!(policy));
    }
    zero(c, "terminationMessagePath", json!("/dev/termination-log"));
    zero(c, "terminationMessagePolicy", json!("File"));
    for p in each(c, "ports") {
        zero(p, "protocol", json!("TCP"));
        if host_network {
            let container_port = p.get("containerPort").cloned().unwrap_or(json!(0));
            zero(p, "hostPort", container_port);
        }
    }
    for probe_field in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = child(c, probe_field) {
            probe(p);
        }
    }
    if let Some(lifecycle) = child(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(handler) = child(lifecycle, hook) {
                if let Some(h) = child(handler, "httpGet") {
                    http_get(h);
                }
            }
        }
    }
    for env in each(c, "env") {
        if let Some(from) = child(env, "valueFrom") {
            if let Some(field_ref) = child(from, "fieldRef") {
                zero(field_ref, "apiVersion", json!("v1"));
            }
        }
    }
}

fn probe(p: &mut Value) {
    zero(p, "timeoutSeconds", json!(1));
    zero(p, "periodSeconds", json!(10));
    zero(p, "successThreshold", json!(1));
    zero(p, "failureThreshold", json!(3));
    if let Some(h) = child(p, "httpGet") {
        http_get(h);
    }
    if let Some(g) = child(p, "grpc") {
        absent(g, "service", json!(""));
    }
}

fn http_get(h: &mut Value) {
    zero(h, "path", json!("/"));
    zero(h, "scheme", json!("HTTP"));
}

const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

fn volume(v: &mut Value) {
    let has_source = VOLUME_SOURCES
        .iter()
        .any(|s| v.get(*s).is_some_and(|x| !x.is_null()));
    if !has_source {
        if let Some(map) = v.as_object_mut() {
            map.insert("emptyDir".into(), json!({}));
        }
        return;
    }
    for mode_source in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = child(v, mode_source) {
            absent(s, "defaultMode", json!(420));
        }
    }
    if let Some(d) = child(v, "downwardAPI") {
        downward_items(d);
    }
    if let Some(p) = child(v, "projected") {
        for source in each(p, "sources") {
            if let Some(t) = child(source, "serviceAccountToken") {
                absent(t, "expirationSeconds", json!(3600));
            }
            if let Some(d) = child(source, "downwardAPI") {
                downward_items(d);
            }
        }
    }
    if let Some(h) = child(v, "hostPath") {
        absent(h, "type", json!(""));
    }
    if let Some(i) = child(v, "iscsi") {
        zero(i, "iscsiInterface", json!("default"));
    }
    if let Some(r) = child(v, "rbd") {
        rbd(r);
    }
    if let Some(a) = child(v, "azureDisk") {
        azure_disk(a);
    }
    if let Some(e) = child(v, "ephemeral") {
        if let Some(t) = child(e, "volumeClaimTemplate") {
            if let Some(spec) = child(t, "spec") {
                absent(spec, "volumeMode", json!("Filesystem"));
            }
        }
    }
}

fn downward_items(d: &mut Value) {
    for item in each(d, "items") {
        if let Some(f) = child(item, "fieldRef") {
            zero(f, "apiVersion", json!("v1"));
        }
    }
}

fn rbd(r: &mut Value) {
    zero(r, "pool", json!("rbd"));
    zero(r, "user", json!("admin"));
    zero(r, "keyring", json!("/etc/ceph/keyring"));
}

fn azure_disk(a: &mut Value) {
    absent(a, "cachingMode", json!("ReadWrite"));
    absent(a, "kind", json!("Shared"));
    absent(a, "fsType", json!("ext4"));
    absent(a, "readOnly", json!(false));
}

/// `SetDefaults_ReplicationController`: selector and labels from the
/// template's labels, one replica.
pub fn replication_controller(obj: &mut Value) {
    let template_labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    if let Some(labels) = template_labels {
        let selector_empty = obj
            .pointer("/spec/selector")
            .and_then(Value::as_object)
            .is_none_or(|m| m.is_empty());
        if selector_empty {
            if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("selector".into(), labels.clone());
            }
        }
        let labels_empty = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .is_none_or(|m| m.is_empty());
        if labels_empty {
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("labels".into(), labels);
            }
        }
    }
    if let Some(spec) = child(obj, "spec") {
        absent(spec, "replicas", json!(1));
        if let Some(t) = child(spec, "template") {
            pod_template(t);
        }
    }
}

/// `SetDefaults_Service` (the IP families and addresses are the allocator's).
pub fn service(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    zero(spec, "sessionAffinity", json!("None"));
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            if let Some(m) = spec.as_object_mut() {
                m.shift_remove("sessionAffinityConfig");
            }
        }
        Some("ClientIP") => {
            let has_timeout = spec
                .pointer("/sessionAffinityConfig/clientIP/timeoutSeconds")
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                if let Some(m) = spec.as_object_mut() {
                    m.insert(
                        "sessionAffinityConfig".into(),
                        json!({"clientIP": {"timeoutSeconds": 10800}}),
                    );
                }
            }
        }
        _ => {}
    }
    zero(spec, "type", json!("ClusterIP"));
    for port in each(spec, "ports") {
        zero(port, "protocol", json!("TCP"));
        let target_unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if target_unset {
            let p = port.get("port").cloned().unwrap_or(json!(0));
            if let Some(m) = port.as_object_mut() {
                m.insert("targetPort".into(), p);
            }
        }
    }
    let service_type = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if matches!(service_type.as_str(), "NodePort" | "LoadBalancer") {
        zero(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if service_type == "LoadBalancer" {
        absent(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if service_type != "ExternalName" {
        absent(spec, "internalTrafficPolicy", json!("Cluster"));
    }
}

/// `SetDefaults_Secret`.
pub fn secret(obj: &mut Value) {
    zero(obj, "type", json!("Opaque"));
}

/// `SetDefaults_PersistentVolumeClaim` (its status is the strategy's).
pub fn persistent_volume_claim(obj: &mut Value) {
    if let Some(spec) = child(obj, "spec") {
        absent(spec, "volumeMode", json!("Filesystem"));
    }
}

/// `SetDefaults_PersistentVolume`.
pub fn persistent_volume(obj: &mut Value) {
    if let Some(spec) = child(obj, "spec") {
        zero(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
        absent(spec, "volumeMode", json!("Filesystem"));
        if let Some(h) = child(spec, "hostPath") {
            absent(h, "type", json!(""));
        }
    }
}

/// `SetDefaults_NodeStatus`: allocatable is the capacity unless reported.
pub fn node(obj: &mut Value) {
    let Some(status) = child(obj, "status") else {
        return;
    };
    if let Some(capacity) = status.get("capacity").filter(|c| c.is_object()).cloned() {
        absent(status, "allocatable", capacity);
    }
}

/// `SetDefaults_Endpoints`: port protocols.
pub fn endpoints(obj: &mut Value) {
    for subset in each(obj, "subsets") {
        for port in each(subset, "ports") {
            zero(port, "protocol", json!("TCP"));
        }
    }
}

/// `SetDefaults_LimitRangeItem`: container defaults from max, requests from
/// defaults, then from min.
pub fn limit_range(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    for item in each(spec, "limits") {
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            continue;
        }
        let Some(map) = item.as_object_mut() else {
            continue;
        };
        let max = map
            .get("max")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let min = map
            .get("min")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let default = ensure(map, "default");
        for (k, v) in max {
            absent(default, &k, v);
        }
        let default = default.as_object().cloned().unwrap_or_default();
        let request = ensure(map, "defaultRequest");
        for (k, v) in default.into_iter().chain(min) {
            absent(request, &k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_by_tag() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("registry:5000/team/app"), "Always");
        assert_eq!(
            image_pull_policy("registry:5000/team/app:v2"),
            "IfNotPresent"
        );
        assert_eq!(image_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn pod_defaults() {
        let mut p = json!({"spec": {"containers": [{"name": "c", "image": "nginx:1.27",
            "ports": [{"containerPort": 80}],
            "resources": {"limits": {"cpu": "1"}},
            "livenessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "x"}}]}});
        pod(&mut p);
        assert_eq!(
            p,
            json!({"spec": {
                "containers": [{"name": "c", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}},
                    "livenessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                    "imagePullPolicy": "IfNotPresent",
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"}],
                "volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "x", "defaultMode": 420}}],
                "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler",
                "enableServiceLinks": true
            }})
        );
    }

    #[test]
    fn service_defaults() {
        let mut s = json!({"spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}], "type": "LoadBalancer"}});
        service(&mut s);
        assert_eq!(
            s,
            json!({"spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80},
                {"port": 443, "targetPort": "https", "protocol": "TCP"}],
                "type": "LoadBalancer", "sessionAffinity": "None", "externalTrafficPolicy": "Cluster",
                "allocateLoadBalancerNodePorts": true, "internalTrafficPolicy": "Cluster"}})
        );
    }

    #[test]
    fn replication_controller_takes_template_labels() {
        let mut rc = json!({"metadata": {"name": "x"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {}}}});
        replication_controller(&mut rc);
        assert_eq!(rc["spec"]["selector"], json!({"app": "a"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "a"}));
        assert_eq!(rc["spec"]["replicas"], 1);
        assert_eq!(rc["spec"]["template"]["spec"]["restartPolicy"], "Always");
    }

    #[test]
    fn node_allocatable_defaults_to_capacity() {
        let capacity = json!({"cpu": "4", "memory": "8Gi"});
        let mut n = json!({"status": {"capacity": capacity}});
        node(&mut n);
        assert_eq!(n["status"]["allocatable"], capacity);

        let reported = json!({"cpu": "3500m"});
        let mut n = json!({"status": {"capacity": capacity, "allocatable": reported}});
        node(&mut n);
        assert_eq!(n["status"]["allocatable"], reported);

        let mut bare = json!({"metadata": {"name": "n"}});
        node(&mut bare);
        assert_eq!(bare, json!({"metadata": {"name": "n"}}));
    }
}
