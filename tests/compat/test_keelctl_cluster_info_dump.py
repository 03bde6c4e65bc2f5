"""keelctl cluster-info dump against kubectl's: the typed lists it prints
(Go field order, zero values kubectl writes), pod log sections, the
--output-directory tree, -A, --namespaces, output formats and flag errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.parity import assert_same, normalise

WORKLOADS = """\
apiVersion: v1
kind: Event
metadata: {name: ev1}
involvedObject: {kind: Pod, name: solo}
reason: Tested
message: "hello <b> & co"
type: Normal
count: 2
source: {component: tester}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1, labels: {tier: back}}
spec:
  replicas: 0
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec:
      containers:
      - name: c
        image: busybox
        env: [{name: B, value: "2"}, {name: A, value: "1"}]
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds1}
spec:
  selector: {matchLabels: {app: ds1}}
  template:
    metadata: {labels: {app: ds1}}
    spec:
      nodeSelector: {zone: b, disk: ssd}
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 0
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo, annotations: {z: "1", a: "2"}}
spec:
  initContainers: [{name: setup, image: busybox}]
  containers: [{name: main, image: busybox}, {name: side, image: busybox}]
"""


RICH_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: rich
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: x, uid: 11111111-2222-3333-4444-555555555555, controller: true, blockOwnerDeletion: true}]
  finalizers: [a.b/c]
spec:
  hostname: h
  subdomain: s
  dnsConfig: {nameservers: [1.1.1.1], options: [{name: ndots, value: "2"}], searches: [a]}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: k, operator: In, values: [v]}]}]
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        podAffinityTerm: {topologyKey: zone, labelSelector: {matchLabels: {a: b}}}
  securityContext: {runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {a: b}}}]
  hostAliases: [{ip: 1.2.3.4, hostnames: [foo]}]
  imagePullSecrets: [{name: reg}]
  readinessGates: [{conditionType: x}]
  volumes:
  - {name: e, emptyDir: {sizeLimit: 1Gi, medium: Memory}}
  - {name: s, secret: {secretName: sec, defaultMode: 256, items: [{key: k, path: p, mode: 256}]}}
  - {name: pvc, persistentVolumeClaim: {claimName: c, readOnly: true}}
  - {name: hp, hostPath: {path: /tmp, type: Directory}}
  containers:
  - name: c
    image: busybox
    command: [sh]
    args: [-c, sleep 1]
    workingDir: /w
    ports: [{containerPort: 80, protocol: TCP, name: http, hostPort: 8080}]
    envFrom: [{prefix: P_, configMapRef: {name: cm, optional: true}}, {secretRef: {name: s}}]
    env:
    - {name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: B, valueFrom: {secretKeyRef: {name: s, key: k, optional: false}}}
    - {name: C, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
    - {name: D, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
    resources: {limits: {memory: 1Gi, cpu: "1"}, requests: {cpu: 100m}}
    livenessProbe: {httpGet: {path: /h, port: 80, scheme: HTTP, httpHeaders: [{name: X, value: "y"}]}, initialDelaySeconds: 3, periodSeconds: 5}
    readinessProbe: {exec: {command: ["true"]}, failureThreshold: 2}
    startupProbe: {tcpSocket: {port: 80}, timeoutSeconds: 2}
    lifecycle: {preStop: {exec: {command: [x]}}, postStart: {httpGet: {port: 1, path: /}}}
    securityContext: {privileged: false, capabilities: {drop: [ALL], add: [NET_ADMIN]}, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsUser: 5}
    volumeMounts: [{name: e, mountPath: /e, subPath: x, mountPropagation: None}]
    stdin: true
    tty: true
"""

LOAD_BALANCER = """\
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {a: b}
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 100}}
  ports: [{port: 80, targetPort: http, nodePort: 32123, name: web, appProtocol: http}]
"""


@pytest.fixture
def populated(kubectl, ns):
    """A namespace with a deployment, a service, pods, an event and the
    other kinds the dump lists."""
    kubectl("create", "deployment", "web", "--image=nginx", "--replicas=2")
    kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
    kubectl("create", "-f", "-", input=WORKLOADS)
    return ns


def test_stdout_dump_of_a_namespace(kubectl, keelctl, populated):
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", populated)
    out = want.out
    # The lists come in kubectl's order, typed, and every container's log
    # section is there, init containers first.
    kinds = [line.strip() for line in out.splitlines() if line.startswith('    "kind": ')]
    assert kinds == [
        f'"kind": "{k}List",'
        for k in ("Node", "Event", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "Pod")
    ]
    starts = [line for line in out.splitlines() if line.startswith("==== START logs")]
    assert f"==== START logs for container setup of pod {populated}/solo ====" == starts[0]
    assert f"==== START logs for container side of pod {populated}/solo ====" == starts[2]
    assert '"loadBalancer": {}' in out and '"reportingComponent": ""' in out


def test_nested_fields_in_go_order(kubectl, keelctl, ns):
    # Probes, env sources, security contexts, affinity, DNS config, spread
    # constraints and volume sources each have their own struct order.
    kubectl("create", "-f", "-", input=RICH_POD)
    kubectl("create", "-f", "-", input=LOAD_BALANCER)
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", ns)
    assert '"prefix": "P_",\n' in want.out
    assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", ns, "-o", "yaml")


def test_default_namespaces_and_namespace_flag(kubectl, keelctl, populated):
    # Without --namespaces: kube-system, then the current namespace.
    assert_same(kubectl, keelctl, "cluster-info", "dump")
    assert_same(kubectl, keelctl, "cluster-info", "dump", "-n", populated)
    # `--namespaces=` is an empty list to pflag, so the default pair again.
    assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces=")


def test_several_namespaces(kubectl, keelctl, api, populated):
    other = f"{populated}-b"
    api.create_namespace(other)
    try:
        kubectl("create", "configmap", "x", "-n", other, "--from-literal=a=b")
        kubectl("create", "deployment", "d2", "-n", other, "--image=busybox", "--replicas=0")
        assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", f"{populated},{other}")
        assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", populated, "--namespaces", other)
    finally:
        api.delete_namespace(other)


@pytest.fixture(scope="module")
def own_server(keelson_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server of this module's own: `dump -A` prints every namespace, and
    on the shared server that is whatever every earlier test left behind."""
    from harness.server import KeelsonServer, free_port

    srv = KeelsonServer(keelson_bin, tmp_path_factory.mktemp("dump-server") / "data", free_port(), in_memory=True)
    srv.start()
    yield srv
    srv.stop()


def test_all_namespaces(kubectl_bin, keelctl_bin, own_server, kube_home):
    from harness.fixtures import make_kubectl

    kubectl = make_kubectl(kubectl_bin, own_server.kubeconfig, kube_home / "own-kubectl")
    keelctl = make_kubectl(keelctl_bin, own_server.kubeconfig, kube_home / "own-keelctl")
    kubectl("create", "namespace", "dumped")
    kubectl("create", "deployment", "web", "--image=nginx", "-n", "dumped")
    kubectl("create", "-f", "-", "-n", "dumped", input=WORKLOADS)
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", "-A")
    assert '"namespace": "dumped"' in want.out and '"namespace": "default"' in want.out
    assert_same(kubectl, keelctl, "cluster-info", "dump", "--all-namespaces", "--namespaces", "nope")


@pytest.mark.parametrize(
    "args",
    [
        ("-o", "yaml"),
        ("-o", "kyaml"),
        ("-o", "json", "--show-managed-fields"),
        ("-o", "yaml", "--show-managed-fields"),
        ("-o", "jsonpath={.kind}{'\\n'}"),
        ("-o", "go-template", "--template", "{{.kind}} {{len .items}}\n"),
        ("-o", "name"),
        ("--template", "{{.kind}}\n"),
        ("-o", "yaml", "--template", "{{.kind}}"),
        ("-o", "go-template={{.nope}}", "--allow-missing-template-keys=false"),
    ],
)
def test_output_formats(kubectl, keelctl, populated, args):
    assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", populated, *args)


def test_node_list(kubectl, keelctl, api, ns):
    name = f"{ns}-node"
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"zone": "a"}},
        "spec": {"podCIDR": "10.0.0.0/24", "taints": [{"key": "k", "effect": "NoSchedule", "value": "v"}]},
    }
    kubectl("create", "-f", "-", input=json.dumps(node))
    try:
        want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", ns)
        assert f'"name": "{name}"' in want.out and '"nodeInfo": {' in want.out
    finally:
        kubectl("delete", "node", name, check=False)


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "fmt,ext",
    [
        (("-o", "json"), "json"),
        (("-o", "yaml"), "yaml"),
        (("-o", "jsonpath={.kind}"), "txt"),
        # Files are named after -o, whose default is json, whatever prints them.
        (("--template", "{{.kind}}"), "json"),
    ],
)
def test_output_directory(kubectl, keelctl, populated, tmp_path, fmt, ext):
    dirs = {}
    for name, tool in (("kubectl", kubectl), ("keelctl", keelctl)):
        d = tmp_path / name
        result = tool("cluster-info", "dump", "--namespaces", populated, *fmt, f"--output-directory={d}")
        assert result.out == f"Cluster info dumped to {d}\n"
        assert result.err == ""
        dirs[name] = d
    want, got = dirs["kubectl"], dirs["keelctl"]
    assert _tree(got) == _tree(want)
    assert f"{populated}/solo/logs.txt" in _tree(want)
    assert f"{populated}/events.{ext}" in _tree(want) and f"nodes.{ext}" in _tree(want)
    for rel in _tree(want):
        if (want / rel).is_file():
            assert normalise((got / rel).read_text()) == normalise((want / rel).read_text()), rel


def test_output_directory_dash_means_stdout(kubectl, keelctl, populated):
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", "--namespaces", populated, "--output-directory=-")
    assert "Cluster info dumped" not in want.out


def test_output_directory_overwrites_files(kubectl, keelctl, populated, tmp_path):
    # A second dump into the same directory replaces each file, as os.Create does.
    d = tmp_path / "again"
    (d / populated).mkdir(parents=True)
    (d / populated / "services.json").write_text("x" * 100000)
    keelctl("cluster-info", "dump", "--namespaces", populated, f"--output-directory={d}")
    kubectl("cluster-info", "dump", "--namespaces", populated, f"--output-directory={tmp_path / 'k'}")
    got = (d / populated / "services.json").read_text()
    assert normalise(got) == normalise((tmp_path / "k" / populated / "services.json").read_text())


@pytest.mark.parametrize(
    "args",
    [
        ("-o", "wide"),
        ("-o", "custom-columns=N:.metadata.name"),
        ("-o", "bogus"),
        ("--pod-running-timeout=0",),
        ("--pod-running-timeout=-5s",),
        ("--pod-running-timeout=soon",),
        ("--bogus",),
        ("--output-directory=/proc/no/such/dir",),
    ],
)
def test_errors(kubectl, keelctl, args):
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "dump", *args)
    assert want.rc == 1


def test_stray_arguments_are_ignored(kubectl, keelctl, ns):
    assert_same(kubectl, keelctl, "cluster-info", "dump", "extra", "--namespaces", ns)
    assert_same(kubectl, keelctl, "cluster-info", "extra")
