"""keelctl describe against kubectl 1.37 for the kinds beyond the common
ones (StatefulSet, DaemonSet, ReplicationController, HPA, PV, PVC,
StorageClass, Endpoints, EndpointSlice, LimitRange, NetworkPolicy,
IngressClass), and rollout history for DaemonSets and StatefulSets from
ControllerRevisions: the same text, byte for byte."""

from __future__ import annotations

import datetime
import re

import pytest

from harness.api import ApiError
from harness.parity import assert_same, normalise

# Cluster-scoped objects the scenarios make carry the namespace in their
# names; they are removed afterwards so other scenarios see the cluster as before.
CLUSTER_SCOPED = (
    "/apis/storage.k8s.io/v1/storageclasses",
    "/api/v1/persistentvolumes",
    "/apis/networking.k8s.io/v1/ingressclasses",
    "/apis/networking.k8s.io/v1/servicecidrs",
    "/apis/storage.k8s.io/v1/volumeattributesclasses",
    "/apis/storage.k8s.io/v1/csinodes",
    "/api/v1/nodes",
    "/apis/certificates.k8s.io/v1/certificatesigningrequests",
    "/apis/apiregistration.k8s.io/v1/apiservices",
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
    "/api/v1/namespaces/default/events",
)


@pytest.fixture(autouse=True)
def _drop_cluster_scoped(api, ns):
    yield
    for path in CLUSTER_SCOPED:
        try:
            items = api.request("GET", path).get("items") or []
        except ApiError:
            continue
        for item in items:
            if ns in item["metadata"]["name"]:
                api.request("DELETE", f"{path}/{item['metadata']['name']}")
    for ip in api.request("GET", "/apis/networking.k8s.io/v1/ipaddresses").get("items") or []:
        if (ip.get("spec", {}).get("parentRef") or {}).get("namespace") == ns:
            api.request("DELETE", f"/apis/networking.k8s.io/v1/ipaddresses/{ip['metadata']['name']}")


def norm(text: str) -> str:
    """RFC 1123 and Go `time.String()` timestamps change between runs."""
    text = normalise(text)
    text = re.sub(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", "<rfc1123>", text)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \w+", "<gotime>", text)


WORKLOADS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, labels: {app: db}, annotations: {note: hi}}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: postgres, ports: [{containerPort: 5432}]}]
  volumeClaimTemplates:
  - metadata: {name: data, labels: {tier: "y"}}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db2}
spec:
  selector: {matchLabels: {app: db2}}
  podManagementPolicy: Parallel
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: 2}}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}
  template:
    metadata: {labels: {app: db2}}
    spec:
      containers: [{name: c, image: postgres}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db3}
spec:
  selector: {matchLabels: {app: db3}}
  updateStrategy: {type: OnDelete}
  template:
    metadata: {labels: {app: db3}}
    spec:
      containers: [{name: c, image: postgres}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      tolerations: [{operator: Exists}]
      containers: [{name: a, image: busybox, env: [{name: A, value: "1"}]}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  replicas: 3
  selector: {app: rc, tier: web}
  template:
    metadata: {labels: {app: rc, tier: web}}
    spec:
      containers: [{name: a, image: nginx}]
"""


@pytest.fixture
def workloads(kubectl, ns):
    kubectl("apply", "-f", "-", input=WORKLOADS)
    return ns


def owned_pod(api, ns, owner_path, kind, name, labels, phase):
    """A pod a controller would have made, with the given phase."""
    owner = api.request("GET", owner_path)
    api.request("POST", f"/api/v1/namespaces/{ns}/pods", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels, "ownerReferences": [{
            "apiVersion": owner["apiVersion"], "kind": kind, "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True}]},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    })
    pod = api.request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")
    pod["status"] = {"phase": phase}
    api.request("PUT", f"/api/v1/namespaces/{ns}/pods/{name}/status", pod)


@pytest.mark.parametrize(
    "args",
    [
        ("describe", "statefulset", "db"),
        ("describe", "sts", "db2"),
        ("describe", "sts/db3"),
        ("describe", "statefulsets"),
        ("describe", "sts", "d"),
        ("describe", "daemonset", "agent"),
        ("describe", "ds", "agent", "--show-events=false"),
        ("describe", "replicationcontroller", "rc"),
        ("describe", "rc/rc", "ds/agent"),
    ],
    ids=lambda a: " ".join(a[1:]),
)
def test_workload_describers(kubectl, keelctl, workloads, args):
    assert_same(kubectl, keelctl, *args, norm=norm)


def test_pods_status_counts_owned_pods(kubectl, keelctl, workloads, api, ns):
    apps = f"/apis/apps/v1/namespaces/{ns}"
    owned_pod(api, ns, f"{apps}/statefulsets/db", "StatefulSet", "db-0", {"app": "db"}, "Running")
    owned_pod(api, ns, f"{apps}/statefulsets/db", "StatefulSet", "db-1", {"app": "db"}, "Pending")
    owned_pod(api, ns, f"{apps}/daemonsets/agent", "DaemonSet", "agent-x", {"app": "agent"}, "Failed")
    owned_pod(api, ns, f"/api/v1/namespaces/{ns}/replicationcontrollers/rc", "ReplicationController",
              "rc-1", {"app": "rc", "tier": "web"}, "Succeeded")
    # Matches the selector but nobody owns it: not counted.
    kubectl("run", "stray", "--image=x", "--labels=app=db")
    for kind, name in (("sts", "db"), ("ds", "agent"), ("rc", "rc")):
        want, got = assert_same(kubectl, keelctl, "describe", kind, name, norm=norm)
    assert "1 Running / 1 Waiting / 0 Succeeded / 0 Failed" in keelctl("describe", "sts", "db").out
    assert "0 Running / 0 Waiting / 1 Succeeded / 0 Failed" in got.out


def test_statefulset_events(kubectl, keelctl, workloads, api, ns):
    uid = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/statefulsets/db")["metadata"]["uid"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    api.request("POST", f"/api/v1/namespaces/{ns}/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "db.1", "namespace": ns},
        "involvedObject": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                           "namespace": ns, "uid": uid},
        "reason": "SuccessfulCreate", "message": "create Pod db-0 in StatefulSet db successful",
        "type": "Normal", "count": 1, "firstTimestamp": now, "lastTimestamp": now,
        "source": {"component": "statefulset-controller"},
    })
    want, got = assert_same(kubectl, keelctl, "describe", "sts", "db", norm=norm)
    assert "SuccessfulCreate" in got.out


HPAS = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
  - type: Pods
    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "1k"}}
  - type: Object
    object:
      metric: {name: requests}
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}
      target: {type: Value, value: "10"}
  - type: External
    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "30"}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 60}}
  behavior:
    scaleUp:
      policies: [{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}]
      selectPolicy: Min
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{type: Percent, value: 10, periodSeconds: 60}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: plain}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  maxReplicas: 3
"""


def test_hpa(kubectl, keelctl, api, ns):
    kubectl("apply", "-f", "-", input=HPAS)
    assert_same(kubectl, keelctl, "describe", "hpa", "hpa", norm=norm)
    assert_same(kubectl, keelctl, "describe", "hpa", "plain", norm=norm)
    # What the autoscaler would have written.
    path = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/hpa"
    hpa = api.request("GET", path)
    hpa["status"] = {
        "currentReplicas": 2, "desiredReplicas": 3,
        "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 70, "averageValue": "140m"}}},
            {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "50Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "500"}}},
        ],
        "conditions": [
            {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
             "message": "recommended size matches current size", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
             "message": "the HPA was able to successfully calculate a replica count", "lastTransitionTime": "2026-01-01T00:00:00Z"},
        ],
    }
    api.request("PUT", f"{path}/status", hpa)
    want, got = assert_same(kubectl, keelctl, "describe", "hpa", "hpa", norm=norm)
    assert "70% (140m) / 50%" in got.out
    assert_same(kubectl, keelctl, "describe", "horizontalpodautoscalers", norm=norm)


@pytest.fixture
def storage(kubectl, ns):
    """Cluster-scoped storage objects carry the namespace in their names."""
    kubectl("apply", "-f", "-", input=f"""
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: {ns}-fast, annotations: {{storageclass.kubernetes.io/is-default-class: "false"}}}}
provisioner: example.com/p
parameters: {{type: ssd, zone: a}}
reclaimPolicy: Retain
allowVolumeExpansion: true
mountOptions: [debug, noatime]
volumeBindingMode: WaitForFirstConsumer
allowedTopologies:
- matchLabelExpressions: [{{key: zone, values: [a, b]}}, {{key: rack, values: [r1]}}]
- matchLabelExpressions: [{{key: zone, values: [c]}}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: {ns}-plain}}
provisioner: example.com/q
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-host, labels: {{kind: host}}}}
spec:
  capacity: {{storage: 5Gi}}
  accessModes: [ReadWriteMany, ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: {ns}-fast
  hostPath: {{path: /data, type: DirectoryOrCreate}}
  claimRef: {{namespace: {ns}, name: bound}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-local}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOncePod]
  local: {{path: /mnt/disk}}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {{key: kubernetes.io/hostname, operator: In, values: [n1, n2]}}
        - {{key: disk, operator: Exists}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-nfs}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadOnlyMany]
  nfs: {{server: nfs.example.com, path: /exports, readOnly: true}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-csi}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  volumeMode: Block
  csi: {{driver: csi.example.com, volumeHandle: vol-1, fsType: ext4, volumeAttributes: {{b: "2", a: "1"}}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: claim, annotations: {{owner: me}}}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
  storageClassName: {ns}-fast
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: bound}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
  volumeName: {ns}-host
  dataSource: {{kind: PersistentVolumeClaim, name: claim}}
---
apiVersion: v1
kind: Pod
metadata: {{name: user-b}}
spec:
  containers: [{{name: c, image: x}}]
  volumes: [{{name: d, persistentVolumeClaim: {{claimName: claim}}}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: user-a}}
spec:
  containers: [{{name: c, image: x}}]
  volumes: [{{name: d, persistentVolumeClaim: {{claimName: claim, readOnly: true}}}}]
""")
    return ns


def test_storage_describers(kubectl, keelctl, storage, api):
    ns = storage
    # The claim as the binder would leave it.
    path = f"/api/v1/namespaces/{ns}/persistentvolumeclaims/bound"
    pvc = api.request("GET", path)
    pvc["status"] = {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"},
                     "conditions": [{"type": "Resizing", "status": "True",
                                     "lastTransitionTime": "2026-01-01T00:00:00Z", "message": "resizing"}]}
    api.request("PUT", f"{path}/status", pvc)
    for args in (
        ("describe", "storageclass", f"{ns}-fast"),
        ("describe", "sc", f"{ns}-plain"),
        ("describe", "pv", f"{ns}-host"),
        ("describe", "pv", f"{ns}-local"),
        ("describe", "pv", f"{ns}-nfs"),
        ("describe", "pv", f"{ns}-csi"),
        ("describe", "pvc", "claim"),
        ("describe", "pvc", "bound"),
        ("describe", "pvc"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)


NETWORK = """
apiVersion: v1
kind: Endpoints
metadata: {name: ep, labels: {app: web}}
subsets:
- addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]
  notReadyAddresses: [{ip: 10.0.0.3}]
  ports: [{name: http, port: 80, protocol: TCP}, {port: 53, protocol: UDP}]
- addresses: [{ip: 10.0.1.1}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: empty}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: eps, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}, {port: 443}]
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: true}
  hostname: h1
  nodeName: n1
  targetRef: {kind: Pod, name: p1}
  zone: z1
- addresses: [10.0.0.2]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: bare}
addressType: IPv6
endpoints: []
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {role: fe}}
    - namespaceSelector: {matchLabels: {team: a}}
      podSelector: {matchExpressions: [{key: tier, operator: In, values: [b, a]}]}
    - namespaceSelector: {}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}
    ports: [{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {port: http}]
  - {}
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    max: {cpu: "2"}
    min: {cpu: 100m}
    default: {cpu: 500m}
    defaultRequest: {cpu: 200m}
    maxLimitRequestRatio: {cpu: "4"}
  - type: PersistentVolumeClaim
    max: {storage: 2Gi}
"""


def test_network_and_limit_describers(kubectl, keelctl, ns):
    kubectl("apply", "-f", "-", input=NETWORK)
    kubectl("apply", "-f", "-", input=f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: {ns}-nginx, labels: {{a: b}}}}
spec:
  controller: k8s.io/ingress-nginx
  parameters: {{apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb, scope: Namespace, namespace: {ns}}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: {ns}-bare}}
spec:
  controller: example.com/c
  parameters: {{kind: ConfigMap, name: cfg}}
""")
    for args in (
        ("describe", "endpoints", "ep"),
        ("describe", "endpoints", "empty"),
        ("describe", "endpointslice", "eps"),
        ("describe", "endpointslice", "bare"),
        ("describe", "networkpolicy", "np"),
        ("describe", "netpol", "deny"),
        ("describe", "netpol", "egress-only"),
        ("describe", "limitrange", "limits"),
        ("describe", "limits"),
        ("describe", "namespace", ns),
        ("describe", "ingressclass", f"{ns}-nginx"),
        ("describe", "ingressclass", f"{ns}-bare"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)


def test_lease_stays_generic(kubectl, keelctl, ns):
    kubectl("apply", "-f", "-", input="""
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader}
spec: {holderIdentity: me, leaseDurationSeconds: 15}
""")
    assert_same(kubectl, keelctl, "describe", "lease", "leader", norm=norm)


def controller_revision(api, ns, owner_kind, owner, name, revision, labels, image, cause=None):
    """A ControllerRevision as the DaemonSet/StatefulSet controller writes it."""
    meta = {"name": name, "labels": labels, "ownerReferences": [{
        "apiVersion": "apps/v1", "kind": owner_kind, "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": True}]}
    if cause:
        meta["annotations"] = {"kubernetes.io/change-cause": cause}
    template = {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": image}]}, "$patch": "replace"}
    api.request("POST", f"/apis/apps/v1/namespaces/{ns}/controllerrevisions", {
        "apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": meta,
        "revision": revision, "data": {"spec": {"template": template}},
    })


def test_rollout_history_from_controller_revisions(kubectl, keelctl, workloads, api, ns):
    # No revisions yet.
    for args in (
        ("rollout", "history", "ds/agent"),
        ("rollout", "history", "sts/db"),
        ("rollout", "history", "sts/db", "--revision=2"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)
    apps = f"/apis/apps/v1/namespaces/{ns}"
    ds = api.request("GET", f"{apps}/daemonsets/agent")
    sts = api.request("GET", f"{apps}/statefulsets/db")
    controller_revision(api, ns, "DaemonSet", ds, "agent-1", 1, {"app": "agent"}, "busybox:1")
    controller_revision(api, ns, "DaemonSet", ds, "agent-2", 2, {"app": "agent"}, "busybox:2",
                        cause="kubectl set image ds/agent a=busybox:2")
    controller_revision(api, ns, "StatefulSet", sts, "db-1", 1, {"app": "db"}, "postgres:15")
    controller_revision(api, ns, "StatefulSet", sts, "db-3", 3, {"app": "db"}, "postgres:16",
                        cause="kubectl set image sts/db c=postgres:16")
    # Selected but owned by someone else: not history.
    controller_revision(api, ns, "StatefulSet", api.request("GET", f"{apps}/statefulsets/db2"),
                        "db2-7", 7, {"app": "db"}, "other")
    for args in (
        ("rollout", "history", "ds/agent"),
        ("rollout", "history", "daemonset", "agent", "--revision=1"),
        ("rollout", "history", "ds/agent", "--revision=2"),
        ("rollout", "history", "ds/agent", "--revision=5"),
        ("rollout", "history", "sts/db"),
        ("rollout", "history", "sts/db", "--revision=3"),
        ("rollout", "history", "sts/db", "--revision=7"),
        ("rollout", "history", "sts/db", "ds/agent"),
        ("rollout", "history", "rc/rc"),
        ("rollout", "history", "rc/rc", "ds/agent"),
        ("rollout", "history", "ds/agent", "--revision=5", "sts/db"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)
    got = keelctl("rollout", "history", "ds/agent", "--revision=1").out
    assert "busybox:1" in got and "busybox:2" not in got


def test_volume_sources(kubectl, keelctl, ns):
    """Pod volumes and PV sources share kubectl's printers; an ephemeral
    volume prints its claim template one level deeper."""
    kubectl("apply", "-f", "-", input=f"""
apiVersion: v1
kind: Pod
metadata: {{name: vols}}
spec:
  containers: [{{name: c, image: x}}]
  volumes:
  - {{name: nfs, nfs: {{server: s, path: /p}}}}
  - {{name: git, gitRepo: {{repository: "https://x/y.git", revision: abc}}}}
  - name: dapi
    downwardAPI:
      items:
      - {{path: labels, fieldRef: {{fieldPath: metadata.labels}}}}
      - {{path: cpu, resourceFieldRef: {{containerName: c, resource: limits.cpu}}}}
  - {{name: csi, csi: {{driver: d.example.com, volumeAttributes: {{size: "1"}}}}}}
  - {{name: img, image: {{reference: "busybox:1"}}}}
  - {{name: fc, fc: {{targetWWNs: [a, b], lun: 2}}}}
  - {{name: gce, gcePersistentDisk: {{pdName: disk}}}}
  - {{name: iscsi, iscsi: {{targetPortal: "1.2.3.4:3260", iqn: "iqn.x", lun: 0, portals: [a, b]}}}}
  - name: eph
    ephemeral:
      volumeClaimTemplate:
        metadata: {{labels: {{a: b, c: d}}}}
        spec: {{accessModes: [ReadWriteOnce], storageClassName: fast, resources: {{requests: {{storage: 1Gi}}}}}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-aws}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  awsElasticBlockStore: {{volumeID: vol-1, fsType: ext4}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {ns}-az}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  azureFile: {{secretName: s, shareName: sh}}
""")
    assert_same(kubectl, keelctl, "describe", "pod", "vols", norm=norm)
    assert_same(kubectl, keelctl, "describe", "pv", f"{ns}-aws", norm=norm)
    assert_same(kubectl, keelctl, "describe", "pv", f"{ns}-az", norm=norm)


def test_service_fields_and_event_field_paths(kubectl, keelctl, api, ns):
    kubectl("apply", "-f", "-", input="""
apiVersion: v1
kind: Service
metadata: {name: s1}
spec:
  selector: {app: x}
  trafficDistribution: PreferClose
  ports: [{name: h, port: 80, appProtocol: http}, {name: g, port: 81}]
""")
    assert_same(kubectl, keelctl, "describe", "svc", "s1", norm=norm)
    kubectl("run", "p1", "--image=x")
    uid = api.request("GET", f"/api/v1/namespaces/{ns}/pods/p1")["metadata"]["uid"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    api.request("POST", f"/api/v1/namespaces/{ns}/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "p1.1", "namespace": ns},
        "involvedObject": {"kind": "Pod", "name": "p1", "namespace": ns, "uid": uid,
                           "fieldPath": "spec.containers{p1}"},
        "reason": "Pulled", "message": "Successfully pulled image", "type": "Normal", "count": 1,
        "firstTimestamp": now, "lastTimestamp": now, "reportingComponent": "kubelet",
    })
    want, got = assert_same(kubectl, keelctl, "describe", "pod", "p1", norm=norm)
    assert "spec.containers{p1}: Successfully pulled image" in got.out


def test_service_cidr_ip_address_vac_csinode(kubectl, keelctl, api, ns):
    octet = sum(ns.encode()) % 250 + 1
    ip = f"10.251.{octet}.{len(ns) % 250 + 1}"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: {{name: {ns}-cidr, labels: {{a: b}}}}
spec: {{cidrs: [10.{octet}.0.0/16, "fd00:{octet}::/112"]}}
---
apiVersion: networking.k8s.io/v1
kind: IPAddress
metadata: {{name: {ip}}}
spec: {{parentRef: {{group: "", resource: services, namespace: {ns}, name: svc}}}}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttributesClass
metadata: {{name: {ns}-vac}}
driverName: d.example.com
parameters: {{iops: "100", tier: gold}}
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {{name: {ns}-node}}
spec:
  drivers:
  - {{name: d.example.com, nodeID: n1, topologyKeys: [zone, rack], allocatable: {{count: 3}}}}
  - {{name: e.example.com, nodeID: n1}}
""")
    path = f"/apis/networking.k8s.io/v1/servicecidrs/{ns}-cidr"
    cidr = api.request("GET", path)
    cidr["status"] = {"conditions": [{"type": "Ready", "status": "True", "reason": "Ok", "message": "ready",
                                      "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    api.request("PUT", f"{path}/status", cidr)
    for args in (
        ("describe", "servicecidr", f"{ns}-cidr"),
        ("describe", "ipaddress", ip),
        ("describe", "volumeattributesclass", f"{ns}-vac"),
        ("describe", "csinode", f"{ns}-node"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)


def test_node_lease_and_events(kubectl, keelctl, api, ns):
    node = f"{ns}-node"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: v1
kind: Node
metadata: {{name: {node}, labels: {{node-role.kubernetes.io/worker: ""}}}}
spec: {{podCIDR: 10.0.0.0/24, podCIDRs: [10.0.0.0/24], taints: [{{key: k, value: v, effect: NoSchedule}}]}}
""")
    assert_same(kubectl, keelctl, "describe", "node", node, norm=norm)
    kubectl("apply", "-f", "-", input=f"""
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {{name: {node}, namespace: kube-node-lease}}
spec: {{holderIdentity: {node}, renewTime: "2026-11-22T19:00:00.000000Z"}}
""")
    # The kubelet reports under the node's name, controllers under its uid.
    uid = api.request("GET", f"/api/v1/nodes/{node}")["metadata"]["uid"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, who, reason in ((uid, "node-controller", "RegisteredNode"), (node, "kubelet", "Starting")):
        api.request("POST", "/api/v1/namespaces/default/events", {
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": f"{node}.{reason.lower()}", "namespace": "default"},
            "involvedObject": {"kind": "Node", "name": node, "uid": name},
            "reason": reason, "message": reason, "type": "Normal", "count": 1,
            "firstTimestamp": now, "lastTimestamp": now, "source": {"component": who},
        })
    want, got = assert_same(kubectl, keelctl, "describe", "node", node, norm=norm)
    assert "RegisteredNode" in got.out and "Starting" in got.out


def test_pod_details(kubectl, keelctl, ns):
    """Topology spread constraints, resolved env values, localhost seccomp
    profiles, in pods and in pod templates."""
    kubectl("apply", "-f", "-", input="""
apiVersion: v1
kind: Pod
metadata: {name: tsc, labels: {app: x, tier: front}, annotations: {note: 'a "quoted" b'}}
spec:
  containers:
  - name: c
    image: x
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}
    env:
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: LABELS, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    - {name: NOTES, valueFrom: {fieldRef: {fieldPath: metadata.annotations}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
    - {name: MEMMI, valueFrom: {resourceFieldRef: {resource: requests.memory, divisor: 1Mi}}}
    resources: {limits: {cpu: 500m}, requests: {memory: 64Mi}}
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: x}}}
  - {maxSkew: 2, topologyKey: host, whenUnsatisfiable: ScheduleAnyway}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tscd}
spec:
  selector: {matchLabels: {app: t}}
  template:
    metadata: {labels: {app: t}}
    spec:
      containers:
      - name: c
        image: x
        env: [{name: CPU, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}]
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}
""")
    assert_same(kubectl, keelctl, "describe", "pod", "tsc", norm=norm)
    assert_same(kubectl, keelctl, "describe", "deploy", "tscd", norm=norm)


def test_certificate_signing_request(kubectl, keelctl, ns, tmp_path):
    """The request's subject and alternative names come from the PKCS#10 DER."""
    import base64
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a certificate request")
    key = tmp_path / "key.pem"
    csr = tmp_path / "req.pem"
    subprocess.run(
        [openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(csr),
         "-subj", "/C=NL/ST=Holland/L=Delft/O=keelson/O=system:nodes/OU=dev/CN=system:node:n1/serialNumber=42",
         "-addext", "subjectAltName=DNS:n1.example.com,DNS:n1,IP:10.0.0.1,IP:fd00::1,email:a@b.c,URI:spiffe://x/y"],
        check=True, capture_output=True)
    request = base64.b64encode(csr.read_bytes()).decode()
    name = f"{ns}-csr"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {{name: {name}, labels: {{a: b}}}}
spec:
  request: {request}
  signerName: example.com/signer
  expirationSeconds: 86400
  usages: [client auth]
""")
    want, got = assert_same(kubectl, keelctl, "describe", "csr", name, norm=norm)
    assert "system:node:n1" in got.out and "fd00::1" in got.out


def test_pod_with_status_and_probes(kubectl, keelctl, api, ns):
    kubectl("apply", "-f", "-", input="""
apiVersion: v1
kind: Pod
metadata: {name: st}
spec:
  nodeName: n1
  readinessGates: [{conditionType: example.com/ready}]
  initContainers: [{name: init, image: busybox}]
  containers:
  - name: c
    image: x
    ports: [{containerPort: 80, hostPort: 8080, name: http}, {containerPort: 81}]
    livenessProbe: {httpGet: {path: /h, port: 80}, periodSeconds: 5}
    readinessProbe: {exec: {command: [cat, /tmp/x]}}
    startupProbe: {tcpSocket: {port: http}}
    envFrom: [{configMapRef: {name: cm}}, {prefix: P_, secretRef: {name: s, optional: true}}]
    volumeMounts: [{name: v, mountPath: /b, subPath: x}, {name: v, mountPath: /a, readOnly: true}]
  volumes: [{name: v, emptyDir: {sizeLimit: 1Gi, medium: Memory}}]
""")
    path = f"/api/v1/namespaces/{ns}/pods/st"
    pod = api.request("GET", path)
    pod["status"] = {
        "phase": "Running", "hostIP": "192.168.0.1", "podIP": "10.1.0.5",
        "podIPs": [{"ip": "10.1.0.5"}, {"ip": "fd00::5"}], "startTime": "2026-11-22T19:00:00Z",
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "example.com/ready", "status": "False"}],
        "initContainerStatuses": [{"name": "init", "ready": False, "restartCount": 0, "image": "busybox",
                                   "imageID": "docker://sha", "containerID": "containerd://abc",
                                   "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                                            "startedAt": "2026-11-22T19:00:01Z",
                                                            "finishedAt": "2026-11-22T19:00:02Z"}}}],
        "containerStatuses": [{"name": "c", "ready": True, "restartCount": 2, "image": "x", "imageID": "sha256:1",
                               "containerID": "containerd://def",
                               "state": {"running": {"startedAt": "2026-11-22T19:00:03Z"}},
                               "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "OOMKilled",
                                                            "message": "oom", "startedAt": "2026-11-22T18:00:00Z",
                                                            "finishedAt": "2026-11-22T18:59:00Z"}}}],
    }
    api.request("PUT", f"{path}/status", pod)
    want, got = assert_same(kubectl, keelctl, "describe", "pod", "st", norm=norm)
    assert "successThreshold=1 failureThreshold=3" in got.out


def test_generic_labels_join_capital_runs(kubectl, keelctl, ns):
    """kubectl 1.37's smartLabelFor: `insecureSkipTLSVerify` is `Insecure Skip TLSVerify`."""
    name = f"v1.{ns}.example.com"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {{name: {name}}}
spec: {{group: {ns}.example.com, version: v1, insecureSkipTLSVerify: true, groupPriorityMinimum: 100,
        versionPriority: 10, service: {{name: s, namespace: default, port: 443}}}}
""")
    want, got = assert_same(kubectl, keelctl, "describe", "apiservice", name, norm=norm)
    assert "Insecure Skip TLSVerify:" in got.out


def test_hpa_value_metrics(kubectl, keelctl, api, ns):
    kubectl("apply", "-f", "-", input="""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h2}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: External
    external: {metric: {name: q}, target: {type: Value, value: "30"}}
  - type: Object
    object:
      metric: {name: r}
      describedObject: {apiVersion: v1, kind: Service, name: s}
      target: {type: AverageValue, averageValue: "5"}
  - type: ContainerResource
    containerResource: {name: memory, container: app, target: {type: AverageValue, averageValue: 100Mi}}
  behavior:
    scaleUp: {stabilizationWindowSeconds: 0}
""")
    assert_same(kubectl, keelctl, "describe", "hpa", "h2", norm=norm)
    path = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/h2"
    hpa = api.request("GET", path)
    hpa["status"] = {"currentReplicas": 1, "desiredReplicas": 1, "currentMetrics": [
        {"type": "External", "external": {"metric": {"name": "q"}, "current": {"value": "12"}}},
        {"type": "Object", "object": {"metric": {"name": "r"}, "describedObject": {"kind": "Service", "name": "s"},
                                      "current": {"averageValue": "3"}}},
        {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
                                                            "current": {"averageValue": "50Mi"}}},
    ]}
    api.request("PUT", f"{path}/status", hpa)
    want, got = assert_same(kubectl, keelctl, "describe", "hpa", "h2", norm=norm)
    assert "50Mi / 100Mi" in got.out


def test_node_resource_accounting(kubectl, keelctl, api, ns):
    """Requests and limits of the node's pods (containers summed, init
    containers and sidecars folded in as kubelet does) against allocatable."""
    node = f"{ns}-busy"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: v1
kind: Node
metadata: {{name: {node}}}
""")
    body = api.request("GET", f"/api/v1/nodes/{node}")
    body["status"] = {
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi",
                     "hugepages-2Mi": "0", "example.com/gpu": "2"},
        "allocatable": {"cpu": "3800m", "memory": "7Gi", "pods": "110", "ephemeral-storage": "90Gi",
                        "hugepages-2Mi": "0", "example.com/gpu": "2"},
    }
    api.request("PUT", f"/api/v1/nodes/{node}/status", body)
    kubectl("apply", "-f", "-", input=f"""
apiVersion: v1
kind: Pod
metadata: {{name: w1}}
spec:
  nodeName: {node}
  initContainers:
  - {{name: side, image: x, restartPolicy: Always, resources: {{requests: {{cpu: 50m, memory: 32Mi}}}}}}
  - {{name: init, image: x, resources: {{requests: {{cpu: "1", memory: 10Mi}}, limits: {{cpu: "2"}}}}}}
  containers:
  - {{name: a, image: x, resources: {{requests: {{cpu: 100m, memory: 64Mi, example.com/gpu: "1"}},
                                     limits: {{cpu: 500m, memory: 128Mi, example.com/gpu: "1"}}}}}}
  - {{name: b, image: x, resources: {{requests: {{cpu: "0.25", memory: 1G, ephemeral-storage: 1Gi}}}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: w2}}
spec:
  nodeName: {node}
  containers:
  - {{name: a, image: x, resources: {{requests: {{cpu: 200m, memory: 1Gi}}}}}}
""")
    want, got = assert_same(kubectl, keelctl, "describe", "node", node, norm=norm)
    assert "1050m (27%)" in got.out
    # Without allocatable resources kubectl divides by zero: Go's int64(NaN).
    bare = f"{ns}-bare"
    kubectl("apply", "-f", "-", input=f"""
apiVersion: v1
kind: Node
metadata: {{name: {bare}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: w3}}
spec:
  nodeName: {bare}
  containers: [{{name: a, image: x}}]
""")
    want, got = assert_same(kubectl, keelctl, "describe", "node", bare, norm=norm)
    assert "(-9223372036854775808%)" in got.out
