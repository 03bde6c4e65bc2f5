//! The JSON shape of the typed lists `cluster-info dump` prints. kubectl
//! decodes them into client-go structs and marshals those back, so keys
//! come out in Go's struct field order and some zero values are always
//! written (`"status": {}`, a Service's `"loadBalancer": {}`,
//! `"replicas": 0` of a ReplicaSet's status); Go maps come out sorted.
//!
//! Each struct is a list of field specs: `name`, `name:Type` (a struct),
//! `name:[Type]` (a list of structs), `name:raw` (kept as sent, as
//! `FieldsV1` is). A trailing `!` marks a field Go writes even when it is
//! unset: a struct as `{}` (with its own `!` fields), `str` as `""`,
//! `int` as `0`, `null` (a `metav1.Time` without `omitzero`) as `null`. Fields not named here keep their values, sorted after the
//! named ones; unnamed nested objects are treated as Go maps (sorted).

use serde_json::{Map, Value};

/// Struct name → field specs in Go's order.
const STRUCTS: &[(&str, &[&str])] = &[
    (
        "ListMeta",
        &[
            "selfLink",
            "resourceVersion",
            "continue",
            "remainingItemCount",
        ],
    ),
    (
        "ObjectMeta",
        &[
            "name",
            "generateName",
            "namespace",
            "selfLink",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "labels",
            "annotations",
            "ownerReferences:[OwnerReference]",
            "finalizers",
            "managedFields:[ManagedFieldsEntry]",
        ],
    ),
    (
        "OwnerReference",
        &[
            "apiVersion",
            "kind",
            "name",
            "uid",
            "controller",
            "blockOwnerDeletion",
        ],
    ),
    (
        "ManagedFieldsEntry",
        &[
            "manager",
            "operation",
            "apiVersion",
            "time",
            "fieldsType",
            "fieldsV1:raw",
            "subresource",
        ],
    ),
    (
        "LabelSelector",
        &["matchLabels", "matchExpressions:[LabelSelectorRequirement]"],
    ),
    ("LabelSelectorRequirement", &["key", "operator", "values"]),
    (
        "ObjectReference",
        &[
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        ],
    ),
    // core/v1 Node.
    (
        "Node",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:NodeSpec!",
            "status:NodeStatus!",
        ],
    ),
    (
        "NodeSpec",
        &[
            "podCIDR",
            "podCIDRs",
            "providerID",
            "unschedulable",
            "taints:[Taint]",
            "configSource",
            "externalID",
        ],
    ),
    ("Taint", &["key", "value", "effect", "timeAdded"]),
    (
        "NodeStatus",
        &[
            "capacity",
            "allocatable",
            "phase",
            "conditions:[NodeCondition]",
            "addresses:[NodeAddress]",
            "daemonEndpoints:NodeDaemonEndpoints!",
            "nodeInfo:NodeSystemInfo!",
            "images",
            "volumesInUse",
            "volumesAttached",
            "config",
            "runtimeHandlers",
            "features",
            "declaredFeatures",
        ],
    ),
    (
        "NodeCondition",
        &[
            "type",
            "status",
            "lastHeartbeatTime",
            "lastTransitionTime",
            "reason",
            "message",
        ],
    ),
    ("NodeAddress", &["type", "address"]),
    ("NodeDaemonEndpoints", &["kubeletEndpoint:DaemonEndpoint!"]),
    ("DaemonEndpoint", &["Port:int!"]),
    (
        "NodeSystemInfo",
        &[
            "machineID:str!",
            "systemUUID:str!",
            "bootID:str!",
            "kernelVersion:str!",
            "osImage:str!",
            "containerRuntimeVersion:str!",
            "kubeletVersion:str!",
            "kubeProxyVersion:str!",
            "operatingSystem:str!",
            "architecture:str!",
            "swap",
        ],
    ),
    // core/v1 Event.
    (
        "Event",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "involvedObject:ObjectReference!",
            "reason",
            "message",
            "source:EventSource!",
            "firstTimestamp:null!",
            "lastTimestamp:null!",
            "count",
            "type",
            "eventTime:null!",
            "series:EventSeries",
            "action",
            "related:ObjectReference",
            "reportingComponent:str!",
            "reportingInstance:str!",
        ],
    ),
    ("EventSource", &["component", "host"]),
    ("EventSeries", &["count", "lastObservedTime"]),
    // core/v1 ReplicationController.
    (
        "ReplicationController",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:ReplicationControllerSpec!",
            "status:ReplicationControllerStatus!",
        ],
    ),
    (
        "ReplicationControllerSpec",
        &[
            "replicas",
            "minReadySeconds",
            "selector",
            "template:PodTemplateSpec",
        ],
    ),
    (
        "ReplicationControllerStatus",
        &[
            "replicas:int!",
            "fullyLabeledReplicas",
            "readyReplicas",
            "availableReplicas",
            "observedGeneration",
            "conditions:[ReplicaSetCondition]",
        ],
    ),
    // core/v1 Service.
    (
        "Service",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:ServiceSpec!",
            "status:ServiceStatus!",
        ],
    ),
    (
        "ServiceSpec",
        &[
            "ports:[ServicePort]",
            "selector",
            "clusterIP",
            "clusterIPs",
            "type",
            "externalIPs",
            "sessionAffinity",
            "loadBalancerIP",
            "loadBalancerSourceRanges",
            "externalName",
            "externalTrafficPolicy",
            "healthCheckNodePort",
            "publishNotReadyAddresses",
            "sessionAffinityConfig",
            "ipFamilies",
            "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts",
            "loadBalancerClass",
            "internalTrafficPolicy",
            "trafficDistribution",
        ],
    ),
    (
        "ServicePort",
        &[
            "name",
            "protocol",
            "appProtocol",
            "port",
            "targetPort",
            "nodePort",
        ],
    ),
    (
        "ServiceStatus",
        &["loadBalancer:LoadBalancerStatus!", "conditions:[Condition]"],
    ),
    ("LoadBalancerStatus", &["ingress:[LoadBalancerIngress]"]),
    (
        "LoadBalancerIngress",
        &["ip", "hostname", "ipMode", "ports"],
    ),
    (
        "Condition",
        &[
            "type",
            "status",
            "observedGeneration",
            "lastTransitionTime",
            "reason:str!",
            "message:str!",
        ],
    ),
    // apps/v1 DaemonSet, Deployment, ReplicaSet.
    (
        "DaemonSet",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:DaemonSetSpec!",
            "status:DaemonSetStatus!",
        ],
    ),
    (
        "DaemonSetSpec",
        &[
            "selector:LabelSelector",
            "template:PodTemplateSpec!",
            "updateStrategy:DaemonSetUpdateStrategy!",
            "minReadySeconds",
            "revisionHistoryLimit",
        ],
    ),
    (
        "DaemonSetUpdateStrategy",
        &["type", "rollingUpdate:RollingUpdate"],
    ),
    (
        "RollingUpdate",
        &["partition", "maxUnavailable", "maxSurge"],
    ),
    (
        "DaemonSetStatus",
        &[
            "currentNumberScheduled:int!",
            "numberMisscheduled:int!",
            "desiredNumberScheduled:int!",
            "numberReady:int!",
            "observedGeneration",
            "updatedNumberScheduled",
            "numberAvailable",
            "numberUnavailable",
            "collisionCount",
            "conditions:[AppsCondition]",
        ],
    ),
    (
        "Deployment",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:DeploymentSpec!",
            "status:DeploymentStatus!",
        ],
    ),
    (
        "DeploymentSpec",
        &[
            "replicas",
            "selector:LabelSelector",
            "template:PodTemplateSpec!",
            "strategy:DeploymentStrategy!",
            "minReadySeconds",
            "revisionHistoryLimit",
            "paused",
            "progressDeadlineSeconds",
        ],
    ),
    (
        "DeploymentStrategy",
        &["type", "rollingUpdate:RollingUpdate"],
    ),
    (
        "DeploymentStatus",
        &[
            "observedGeneration",
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
            "terminatingReplicas",
            "conditions:[DeploymentCondition]",
            "collisionCount",
        ],
    ),
    (
        "DeploymentCondition",
        &[
            "type",
            "status",
            "lastUpdateTime",
            "lastTransitionTime",
            "reason",
            "message",
        ],
    ),
    (
        "AppsCondition",
        &["type", "status", "lastTransitionTime", "reason", "message"],
    ),
    (
        "ReplicaSet",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:ReplicaSetSpec!",
            "status:ReplicaSetStatus!",
        ],
    ),
    (
        "ReplicaSetSpec",
        &[
            "replicas",
            "minReadySeconds",
            "selector:LabelSelector",
            "template:PodTemplateSpec!",
        ],
    ),
    (
        "ReplicaSetStatus",
        &[
            "replicas:int!",
            "fullyLabeledReplicas",
            "readyReplicas",
            "availableReplicas",
            "terminatingReplicas",
            "observedGeneration",
            "conditions:[ReplicaSetCondition]",
        ],
    ),
    (
        "ReplicaSetCondition",
        &["type", "status", "lastTransitionTime", "reason", "message"],
    ),
    // core/v1 Pod.
    (
        "PodTemplateSpec",
        &["metadata:ObjectMeta!", "spec:PodSpec!"],
    ),
    (
        "Pod",
        &[
            "kind",
            "apiVersion",
            "metadata:ObjectMeta!",
            "spec:PodSpec!",
            "status:PodStatus!",
        ],
    ),
    (
        "PodSpec",
        &[
            "volumes:[Volume]",
            "initContainers:[Container]",
            "containers:[Container]",
            "ephemeralContainers:[Container]",
            "restartPolicy",
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "dnsPolicy",
            "nodeSelector",
            "serviceAccountName",
            "serviceAccount",
            "automountServiceAccountToken",
            "nodeName",
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "shareProcessNamespace",
            "securityContext:PodSecurityContext",
            "imagePullSecrets",
            "hostname",
            "subdomain",
            "affinity:Affinity",
            "schedulerName",
            "tolerations:[Toleration]",
            "hostAliases:[HostAlias]",
            "priorityClassName",
            "priority",
            "dnsConfig:PodDNSConfig",
            "readinessGates",
            "runtimeClassName",
            "enableServiceLinks",
            "preemptionPolicy",
            "overhead",
            "topologySpreadConstraints:[TopologySpreadConstraint]",
            "setHostnameAsFQDN",
            "os",
            "hostUsers",
            "schedulingGates",
            "resourceClaims",
            "resources:ResourceRequirements",
            "hostnameOverride",
        ],
    ),
    (
        "PodSecurityContext",
        &[
            "seLinuxOptions:SELinuxOptions",
            "windowsOptions",
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "supplementalGroups",
            "supplementalGroupsPolicy",
            "fsGroup",
            "sysctls",
            "fsGroupChangePolicy",
            "seccompProfile:SeccompProfile",
            "appArmorProfile:SeccompProfile",
            "seLinuxChangePolicy",
        ],
    ),
    (
        "Toleration",
        &["key", "operator", "value", "effect", "tolerationSeconds"],
    ),
    (
        "Container",
        &[
            "name",
            "image",
            "command",
            "args",
            "workingDir",
            "ports:[ContainerPort]",
            "envFrom:[EnvFromSource]",
            "env:[EnvVar]",
            "resources:ResourceRequirements!",
            "resizePolicy",
            "restartPolicy",
            "restartPolicyRules",
            "volumeMounts:[VolumeMount]",
            "volumeDevices",
            "livenessProbe:Probe",
            "readinessProbe:Probe",
            "startupProbe:Probe",
            "lifecycle:Lifecycle",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "imagePullPolicy",
            "securityContext:SecurityContext",
            "stdin",
            "stdinOnce",
            "tty",
        ],
    ),
    (
        "EnvFromSource",
        &["prefix", "configMapRef:EnvFromRef", "secretRef:EnvFromRef"],
    ),
    ("EnvFromRef", &["name", "optional"]),
    (
        "EnvVarSource",
        &[
            "fieldRef:FieldRef",
            "resourceFieldRef:ResourceFieldRef",
            "configMapKeyRef:KeySelector",
            "secretKeyRef:KeySelector",
            "fileKeyRef",
        ],
    ),
    ("KeySelector", &["name", "key", "optional"]),
    (
        "HTTPGetAction",
        &["path", "port", "host", "scheme", "httpHeaders"],
    ),
    ("TCPSocketAction", &["port", "host"]),
    (
        "Lifecycle",
        &[
            "postStart:LifecycleHandler",
            "preStop:LifecycleHandler",
            "stopSignal",
        ],
    ),
    (
        "LifecycleHandler",
        &[
            "exec",
            "httpGet:HTTPGetAction",
            "tcpSocket:TCPSocketAction",
            "sleep",
        ],
    ),
    (
        "SecurityContext",
        &[
            "capabilities:Capabilities",
            "privileged",
            "seLinuxOptions:SELinuxOptions",
            "windowsOptions",
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "readOnlyRootFilesystem",
            "allowPrivilegeEscalation",
            "procMount",
            "seccompProfile:SeccompProfile",
            "appArmorProfile:SeccompProfile",
        ],
    ),
    ("Capabilities", &["add", "drop"]),
    ("SELinuxOptions", &["user", "role", "type", "level"]),
    ("SeccompProfile", &["type", "localhostProfile"]),
    (
        "Affinity",
        &[
            "nodeAffinity:NodeAffinity",
            "podAffinity:PodAffinity",
            "podAntiAffinity:PodAffinity",
        ],
    ),
    (
        "NodeAffinity",
        &[
            "requiredDuringSchedulingIgnoredDuringExecution:NodeSelector",
            "preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm]",
        ],
    ),
    ("NodeSelector", &["nodeSelectorTerms:[NodeSelectorTerm]"]),
    (
        "NodeSelectorTerm",
        &[
            "matchExpressions:[LabelSelectorRequirement]",
            "matchFields:[LabelSelectorRequirement]",
        ],
    ),
    (
        "PreferredSchedulingTerm",
        &["weight", "preference:NodeSelectorTerm"],
    ),
    (
        "PodAffinity",
        &[
            "requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm]",
            "preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]",
        ],
    ),
    (
        "PodAffinityTerm",
        &[
            "labelSelector:LabelSelector",
            "namespaces",
            "topologyKey",
            "namespaceSelector:LabelSelector",
            "matchLabelKeys",
            "mismatchLabelKeys",
        ],
    ),
    (
        "WeightedPodAffinityTerm",
        &["weight", "podAffinityTerm:PodAffinityTerm"],
    ),
    ("HostAlias", &["ip", "hostnames"]),
    (
        "PodDNSConfig",
        &["nameservers", "searches", "options:[DNSConfigOption]"],
    ),
    ("DNSConfigOption", &["name", "value"]),
    (
        "TopologySpreadConstraint",
        &[
            "maxSkew",
            "topologyKey",
            "whenUnsatisfiable",
            "labelSelector:LabelSelector",
            "minDomains",
            "nodeAffinityPolicy",
            "nodeTaintsPolicy",
            "matchLabelKeys",
        ],
    ),
    (
        "ContainerPort",
        &["name", "hostPort", "containerPort", "protocol", "hostIP"],
    ),
    ("EnvVar", &["name", "value", "valueFrom:EnvVarSource"]),
    ("ResourceRequirements", &["limits", "requests", "claims"]),
    (
        "VolumeMount",
        &[
            "name",
            "readOnly",
            "recursiveReadOnly",
            "mountPath",
            "subPath",
            "mountPropagation",
            "subPathExpr",
        ],
    ),
    (
        "Probe",
        &[
            "exec",
            "httpGet:HTTPGetAction",
            "tcpSocket:TCPSocketAction",
            "grpc",
            "initialDelaySeconds",
            "timeoutSeconds",
            "periodSeconds",
            "successThreshold",
            "failureThreshold",
            "terminationGracePeriodSeconds",
        ],
    ),
    (
        "Volume",
        &[
            "name",
            "hostPath:HostPath",
            "emptyDir:EmptyDir",
            "gcePersistentDisk",
            "awsElasticBlockStore",
            "gitRepo",
            "secret:SecretVolume",
            "nfs",
            "iscsi",
            "glusterfs",
            "persistentVolumeClaim:ClaimSource",
            "rbd",
            "flexVolume",
            "cinder",
            "cephfs",
            "flocker",
            "downwardAPI:DownwardAPIVolume",
            "fc",
            "azureFile",
            "configMap:ConfigMapVolume",
            "vsphereVolume",
            "quobyte",
            "azureDisk",
            "photonPersistentDisk",
            "projected:Projected",
            "portworxVolume",
            "scaleIO",
            "storageos",
            "csi",
            "ephemeral",
            "image",
        ],
    ),
    ("HostPath", &["path", "type"]),
    ("EmptyDir", &["medium", "sizeLimit"]),
    (
        "SecretVolume",
        &["secretName", "items:[KeyToPath]", "defaultMode", "optional"],
    ),
    (
        "ConfigMapVolume",
        &["name", "items:[KeyToPath]", "defaultMode", "optional"],
    ),
    ("ClaimSource", &["claimName", "readOnly"]),
    ("KeyToPath", &["key", "path", "mode"]),
    (
        "DownwardAPIVolume",
        &["items:[DownwardAPIFile]", "defaultMode"],
    ),
    (
        "DownwardAPIFile",
        &[
            "path",
            "fieldRef:FieldRef",
            "resourceFieldRef:ResourceFieldRef",
            "mode",
        ],
    ),
    ("FieldRef", &["apiVersion", "fieldPath"]),
    (
        "ResourceFieldRef",
        &["containerName", "resource", "divisor"],
    ),
    ("Projected", &["sources:[VolumeProjection]", "defaultMode"]),
    (
        "VolumeProjection",
        &[
            "secret:SecretProjection",
            "downwardAPI:DownwardAPIProjection",
            "configMap:ConfigMapProjection",
            "serviceAccountToken:TokenProjection",
            "clusterTrustBundle",
            "podCertificate",
        ],
    ),
    (
        "SecretProjection",
        &["name", "items:[KeyToPath]", "optional"],
    ),
    (
        "ConfigMapProjection",
        &["name", "items:[KeyToPath]", "optional"],
    ),
    ("DownwardAPIProjection", &["items:[DownwardAPIFile]"]),
    (
        "TokenProjection",
        &["audience", "expirationSeconds", "path"],
    ),
    (
        "PodStatus",
        &[
            "observedGeneration",
            "phase",
            "conditions:[PodCondition]",
            "message",
            "reason",
            "nominatedNodeName",
            "hostIP",
            "hostIPs",
            "podIP",
            "podIPs",
            "startTime",
            "initContainerStatuses:[ContainerStatus]",
            "containerStatuses:[ContainerStatus]",
            "qosClass",
            "ephemeralContainerStatuses:[ContainerStatus]",
            "resize",
            "resourceClaimStatuses",
            "extendedResourceClaimStatus",
        ],
    ),
    (
        "PodCondition",
        &[
            "type",
            "observedGeneration",
            "status",
            "lastProbeTime",
            "lastTransitionTime",
            "reason",
            "message",
        ],
    ),
    (
        "ContainerStatus",
        &[
            "name",
            "state:ContainerState!",
            "lastState:ContainerState!",
            "ready",
            "restartCount",
            "image",
            "imageID",
            "containerID",
            "started",
            "allocatedResources",
            "resources",
            "volumeMounts:[VolumeMount]",
            "user",
            "allocatedResourcesStatus",
            "stopSignal",
        ],
    ),
    (
        "ContainerState",
        &[
            "waiting:StateWaiting",
            "running:StateRunning",
            "terminated:StateTerminated",
        ],
    ),
    ("StateWaiting", &["reason", "message"]),
    ("StateRunning", &["startedAt"]),
    (
        "StateTerminated",
        &[
            "exitCode",
            "signal",
            "reason",
            "message",
            "startedAt",
            "finishedAt",
            "containerID",
        ],
    ),
];

/// One parsed field spec.
struct Field<'a> {
    name: &'a str,
    shape: &'a str,
    list: bool,
    always: bool,
}

fn parse_field(spec: &str) -> Field<'_> {
    let (spec, always) = match spec.strip_suffix('!') {
        Some(s) => (s, true),
        None => (spec, false),
    };
    let (name, shape) = spec.split_once(':').unwrap_or((spec, ""));
    match shape.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(inner) => Field {
            name,
            shape: inner,
            list: true,
            always,
        },
        None => Field {
            name,
            shape,
            list: false,
            always,
        },
    }
}

fn fields_of(name: &str) -> Option<&'static [&'static str]> {
    STRUCTS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The JSON field names of Go struct `name`, in Go's order (none for a
/// struct this table does not know).
pub fn field_order(name: &str) -> impl Iterator<Item = &'static str> {
    fields_of(name)
        .unwrap_or_default()
        .iter()
        .map(|spec| parse_field(spec).name)
}

/// A typed list as kubectl prints it: `kind`, `apiVersion`, `metadata`,
/// `items`, each item shaped as the list's item kind.
pub fn typed_list(list: Value, kind: &str, api_version: &str) -> Value {
    let mut old = match list {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let item_kind = kind.strip_suffix("List").unwrap_or(kind);
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind.into()));
    out.insert("apiVersion".into(), Value::String(api_version.into()));
    out.insert(
        "metadata".into(),
        shape(
            old.remove("metadata")
                .unwrap_or_else(|| Value::Object(Map::new())),
            "ListMeta",
        ),
    );
    let items = match old.remove("items") {
        Some(Value::Array(items)) => items.into_iter().map(|i| shape(i, item_kind)).collect(),
        _ => Vec::new(),
    };
    out.insert("items".into(), Value::Array(items));
    Value::Object(out)
}

/// `value` in the key order and with the zero values of Go struct `name`.
fn shape(value: Value, name: &str) -> Value {
    let (mut old, fields) = match (value, fields_of(name)) {
        (Value::Object(m), Some(fields)) => (m, fields),
        (v, _) => return as_go_map(v),
    };
    let mut out = Map::new();
    for spec in fields {
        let f = parse_field(spec);
        match old.remove(f.name) {
            Some(v) => {
                out.insert(f.name.to_string(), shape_field(v, &f));
            }
            None if f.always => {
                out.insert(f.name.to_string(), zero(f.shape));
            }
            None => {}
        }
    }
    let mut rest: Vec<(String, Value)> = old.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest.into_iter().map(|(k, v)| (k, as_go_map(v))));
    Value::Object(out)
}

fn shape_field(v: Value, f: &Field) -> Value {
    match (f.shape, f.list, v) {
        ("raw", _, v) => v,
        ("" | "str" | "int" | "null", _, v) => as_go_map(v),
        (s, true, Value::Array(items)) => {
            Value::Array(items.into_iter().map(|i| shape(i, s)).collect())
        }
        (s, false, v @ Value::Object(_)) => shape(v, s),
        (_, _, v) => v,
    }
}

/// What Go writes for an unset non-omitempty field of this shape.
fn zero(shape: &str) -> Value {
    match shape {
        "str" => Value::String(String::new()),
        "int" => Value::from(0),
        "null" => Value::Null,
        s => self::shape(Value::Object(Map::new()), s),
    }
}

/// A value Go holds in a map: its keys sorted, at every level.
fn as_go_map(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, as_go_map(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(as_go_map).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_order_names_fields_without_their_shapes() {
        let container: Vec<&str> = field_order("Container").take(4).collect();
        assert_eq!(container, ["name", "image", "command", "args"]);
        assert!(field_order("PodSpec").any(|f| f == "securityContext"));
        assert_eq!(field_order("NoSuchStruct").count(), 0);
    }

    #[test]
    fn every_named_struct_exists() {
        for (name, fields) in STRUCTS {
            for spec in *fields {
                let f = parse_field(spec);
                if !matches!(f.shape, "" | "str" | "int" | "null" | "raw") {
                    assert!(
                        fields_of(f.shape).is_some(),
                        "{name}.{} names {}",
                        f.name,
                        f.shape
                    );
                }
            }
        }
    }

    #[test]
    fn service_list_in_go_order_with_zero_status() {
        let list = json!({"kind": "ServiceList", "apiVersion": "v1", "metadata": {"resourceVersion": "5"},
            "items": [{"apiVersion": "v1", "kind": "Service",
                "metadata": {"uid": "u", "name": "web", "labels": {"b": "1", "a": "2"}},
                "spec": {"type": "ClusterIP", "ports": [{"port": 80, "name": "http"}]}}]});
        let out = typed_list(list, "ServiceList", "v1");
        assert_eq!(
            serde_json::to_string(&out).unwrap_or_default(),
            r#"{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","uid":"u","labels":{"a":"2","b":"1"}},"spec":{"ports":[{"name":"http","port":80}],"type":"ClusterIP"},"status":{"loadBalancer":{}}}]}"#
                .replace(r#"{"apiVersion":"v1","kind":"Service""#, r#"{"kind":"Service","apiVersion":"v1""#)
        );
    }

    #[test]
    fn replica_set_status_writes_zero_replicas() {
        let out = typed_list(
            json!({"items": [{"metadata": {"name": "r"}}]}),
            "ReplicaSetList",
            "apps/v1",
        );
        assert_eq!(
            out.pointer("/items/0/status"),
            Some(&json!({"replicas": 0}))
        );
        assert_eq!(
            out.pointer("/items/0/spec/template"),
            Some(&json!({"metadata": {}, "spec": {}}))
        );
    }
}
