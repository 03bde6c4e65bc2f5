"""The everyday kubectl commands beyond get/apply: describe, cluster-info,
events, wait, edit and the `create <generator>` family, asserting on what
kubectl 1.37 prints against kube-apiserver 1.37 and its exit code.

describe is computed by kubectl from what the server returns: the object
with its server-side defaults and admission changes, and the objects kubectl
finds through field and label selectors (Events by involvedObject.*, pods by
spec.nodeName and status.phase, the node's Lease, a namespace's quotas and
limit ranges).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from harness.kubectl import Kubectl
from harness.parity import without_short_watch_warning

# time.RFC1123Z, as describe prints timestamps.
RFC1123Z = r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"
UID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# ---------------------------------------------------------------- helpers


def ago(minutes: float) -> str:
    """An RFC 3339 timestamp `minutes` in the past."""
    t = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def described(out: str) -> dict[str, str]:
    """The top-level `Key:  value` lines of describe output (first value line
    of each key; keys without a value map to "")."""
    fields: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"^([A-Za-z][^:]*):(?:\s+(.*))?$", line)
        if m and m.group(1) not in fields:
            fields[m.group(1)] = (m.group(2) or "").rstrip()
    return fields


def section(out: str, title: str) -> list[str]:
    """The indented lines under a top-level `title:` line of describe output."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title + ":"))
    body = []
    for line in lines[start + 1 :]:
        if line and not line[0].isspace():
            break
        body.append(line)
    return body


def event_rows(out: str) -> list[list[str]]:
    """The rows of describe's Events table, cells split on runs of 2+ spaces;
    [] for `Events:  <none>`."""
    lines = out.splitlines()
    [start] = [i for i, line in enumerate(lines) if line.startswith("Events:")]
    if re.fullmatch(r"Events:\s+<none>", lines[start]):
        return []
    assert lines[start] == "Events:", lines[start]
    assert lines[start + 1].split() == ["Type", "Reason", "Age", "From", "Message"], lines[start + 1]
    assert set(lines[start + 2].replace(" ", "")) == {"-"}, lines[start + 2]
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start + 3 :]]


def table(out: str) -> list[list[str]]:
    """kubectl's table output as rows of cells (cells split on 2+ spaces)."""
    return [re.split(r"\s{2,}", line.strip()) for line in out.rstrip("\n").split("\n")]


def event(
    name: str,
    involved: dict,
    reason: str,
    message: str,
    *,
    type_: str = "Normal",
    first: float = 5,
    last: float | None = None,
    count: int = 1,
    component: str = "default-scheduler",
) -> str:
    """A core/v1 Event as `kubectl create -f` takes it (times in minutes ago)."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": component},
            "firstTimestamp": ago(first),
            "lastTimestamp": ago(first if last is None else last),
            "count": count,
        }
    )


# No scheduler ever binds a gated pod: its status stays what the test writes.
GATED = {"schedulingGates": [{"name": "example.com/hold"}]}


def pod(name: str, **spec: object) -> str:
    """A one-container Pod as YAML; keyword arguments go into spec."""
    body = {"containers": [{"name": "app", "image": "busybox:1.36"}], **spec}
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": body}
    )


def set_status(kubectl, kind: str, name: str, status: dict, *extra: str) -> None:
    """Write status through the status subresource, as a kubelet or controller does."""
    kubectl("patch", kind, name, *extra, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}))


def uid_of(kubectl, *what: str) -> str:
    return kubectl("get", *what, "-o", "jsonpath={.metadata.uid}").out


def start(kubectl: Kubectl, *args: str) -> subprocess.Popen:
    """Start a kubectl that runs until something happens (e.g. `wait`)."""
    return subprocess.Popen(
        kubectl.argv(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kubectl.env,
    )


def finish(proc: subprocess.Popen, timeout: float = 30) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a kubectl started with `start`."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"kubectl did not finish within {timeout}s\nstdout: {out}\nstderr: {err}") from None
    return proc.returncode, out, err


def wait_until_watching(kubectl, proc: subprocess.Popen) -> None:
    """Give a `kubectl wait` time to read the object and start its watch."""
    # kubectl wait first GETs/LISTs the object, then watches from that
    # resourceVersion; anything written afterwards is seen either way, but a
    # still-starting process must not be mistaken for a finished one.
    try:
        proc.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        return
    out, err = proc.communicate()
    raise AssertionError(f"kubectl wait ended early ({proc.returncode}):\n{out}{err}")


def with_editor(kubectl: Kubectl, script: Path) -> Kubectl:
    """The same kubectl with KUBE_EDITOR set to `script`."""
    edited = copy.copy(kubectl)
    edited.env = {**kubectl.env, "KUBE_EDITOR": str(script)}
    return edited


def editor_script(tmp_path: Path, body: str) -> Path:
    """A shell script kubectl runs as its editor (`$1` is the file to edit).
    Every file it is given is kept as seen.N for the test to inspect."""
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\nset -e\n"
        f'dir="{tmp_path}"\n'
        'n=$(cat "$dir/runs" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$dir/runs"\n'
        'cp "$1" "$dir/seen.$n"\n' + body,
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def b64(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- describe


def test_describe_pod_shows_admission_defaults_status_and_its_own_events(kubectl, ns):
    spec = {
        "nodeName": "ghost-node",
        "containers": [
            {"name": "app", "image": "busybox:1.36", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}
        ],
    }
    kubectl("create", "-f", "-", input=pod("web-0", **spec))

    out = kubectl("describe", "pod", "web-0").out
    f = described(out)
    assert (f["Name"], f["Namespace"], f["Priority"], f["Service Account"]) == ("web-0", ns, "0", "default")
    assert (f["Node"], f["Labels"], f["Annotations"], f["Status"]) == ("ghost-node/", "app=web-0", "<none>", "Pending")
    assert f["QoS Class"] == "Burstable"
    # The DefaultTolerationSeconds and ServiceAccount admission plugins.
    assert section(out, "Tolerations") == ["                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s"]
    assert f["Tolerations"] == "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s"
    assert re.search(r"^  kube-api-access-[a-z0-9]{5}:\n    Type:\s+Projected", out, re.M), out
    assert re.search(r"^\s+TokenExpirationSeconds:\s+3607$", out, re.M), out
    assert "Start Time" not in f
    assert event_rows(out) == []

    set_status(kubectl, "pod", "web-0", {
        "phase": "Running",
        "hostIP": "192.168.0.10", "hostIPs": [{"ip": "192.168.0.10"}],
        "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
        "startTime": ago(6),
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": ago(5)}],
        "containerStatuses": [{
            "name": "app", "image": "busybox:1.36", "imageID": "", "ready": True, "restartCount": 0,
            "started": True, "state": {"running": {"startedAt": ago(5)}},
        }],
    })
    uid = uid_of(kubectl, "pod", "web-0")
    involved = {"apiVersion": "v1", "kind": "Pod", "name": "web-0", "namespace": ns, "uid": uid}
    kubectl("create", "-f", "-", input=event(
        "web-0.1", involved, "Scheduled", f"Successfully assigned {ns}/web-0 to ghost-node", first=5))
    kubectl("create", "-f", "-", input=event(
        "web-0.2", involved, "BackOff", "Back-off pulling image", type_="Warning", first=10.2, last=2, count=3,
        component="kubelet"))
    # Same name, another uid: an earlier pod of that name, not this one.
    stale = {**involved, "uid": "00000000-0000-0000-0000-000000000000"}
    kubectl("create", "-f", "-", input=event("web-0.3", stale, "Killing", "Stopping container app"))

    out = kubectl("describe", "pod", "web-0").out
    f = described(out)
    assert (f["Node"], f["Status"], f["IP"]) == ("ghost-node/192.168.0.10", "Running", "10.244.1.7")
    assert re.fullmatch(RFC1123Z, f["Start Time"]), f
    assert section(out, "IPs") == ["  IP:  10.244.1.7"]
    assert re.search(r"^    State:\s+Running\n      Started:\s+" + RFC1123Z + r"\n    Ready:\s+True\n"
                     r"    Restart Count:\s+0$", out, re.M), out
    assert re.search(r"^    Requests:\n      cpu:\s+100m\n      memory:\s+64Mi$", out, re.M), out
    rows = event_rows(out)
    assert len(rows) == 2, rows
    assert rows[0][:2] == ["Normal", "Scheduled"] and rows[0][3:] == [
        "default-scheduler", f"Successfully assigned {ns}/web-0 to ghost-node"]
    assert re.fullmatch(r"5m(\d+s)?", rows[0][2]), rows
    assert rows[1][:2] == ["Warning", "BackOff"] and rows[1][3:] == ["kubelet", "Back-off pulling image"]
    assert re.fullmatch(r"2m(\d+s)? \(x3 over 10m\)", rows[1][2]), rows


def test_describe_deployment_shows_defaults_and_events(kubectl, ns):
    assert kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2").out == (
        "deployment.apps/web created\n")
    uid = uid_of(kubectl, "deployment", "web")
    involved = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": ns, "uid": uid}
    kubectl("create", "-f", "-", input=event(
        "web.1", involved, "ScalingReplicaSet", "Scaled up replica set web-7d4b9c to 2",
        component="deployment-controller", first=3))

    out = kubectl("describe", "deployment", "web").out
    f = described(out)
    assert (f["Name"], f["Namespace"], f["Labels"], f["Annotations"], f["Selector"]) == (
        "web", ns, "app=web", "<none>", "app=web")
    assert re.fullmatch(RFC1123Z, f["CreationTimestamp"]), f
    assert re.fullmatch(r"2 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable", f["Replicas"])
    # StrategyType and RollingUpdateStrategy are the server's defaults.
    assert (f["StrategyType"], f["MinReadySeconds"], f["RollingUpdateStrategy"]) == (
        "RollingUpdate", "0", "25% max unavailable, 25% max surge")
    assert re.search(r"^Pod Template:\n  Labels:\s+app=web\n  Containers:\n   nginx:\n    Image:\s+nginx:1\.27$",
                     out, re.M), out
    rows = event_rows(out)
    assert ["Normal", "ScalingReplicaSet"] in [r[:2] for r in rows], rows
    [row] = [r for r in rows if r[1] == "ScalingReplicaSet"]
    assert row[3:] == ["deployment-controller", "Scaled up replica set web-7d4b9c to 2"]


def test_describe_deployment_finds_its_replica_sets(kubectl, ns):
    # Paused, so a deployment controller leaves the ReplicaSets to the test.
    deploy = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "paused": True, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
    }
    kubectl("create", "-f", "-", input=yaml.safe_dump(deploy))
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": True,
             "blockOwnerDeletion": True, "uid": uid_of(kubectl, "deployment", "web")}

    def replica_set(name: str, image: str, revision: str) -> str:
        labels = {"app": "web", "pod-template-hash": name.rsplit("-", 1)[1]}
        return yaml.safe_dump({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "labels": labels, "ownerReferences": [owner],
                         "annotations": {"deployment.kubernetes.io/revision": revision}},
            "spec": {"replicas": 0 if revision == "1" else 2, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}}},
        })

    # The new ReplicaSet is the one whose (defaulted) template equals the
    # Deployment's (defaulted) template but for the pod-template-hash label.
    kubectl("create", "-f", "-", input=replica_set("web-6b7f9d8c5", "nginx:1.26", "1"))
    kubectl("create", "-f", "-", input=replica_set("web-5d8f7c9b4", "nginx:1.27", "2"))
    set_status(kubectl, "replicaset", "web-5d8f7c9b4", {"replicas": 2})

    f = described(kubectl("describe", "deployment", "web").out)
    assert f["OldReplicaSets"] == "web-6b7f9d8c5 (0/0 replicas created)"
    assert f["NewReplicaSet"] == "web-5d8f7c9b4 (2/2 replicas created)"

    f = described(kubectl("describe", "replicaset", "web-5d8f7c9b4").out)
    assert (f["Controlled By"], f["Replicas"]) == ("Deployment/web", "2 current / 2 desired")
    assert f["Pods Status"] == "0 Running / 0 Waiting / 0 Succeeded / 0 Failed"


def test_describe_services(kubectl):
    assert kubectl("create", "service", "clusterip", "api", "--tcp=80:8080").out == "service/api created\n"
    assert kubectl("create", "service", "nodeport", "edge", "--tcp=443:8443").out == "service/edge created\n"
    ip = kubectl("get", "service", "api", "-o", "jsonpath={.spec.clusterIP}").out

    out = kubectl("describe", "service", "api").out
    f = described(out)
    assert (f["Name"], f["Labels"], f["Annotations"], f["Selector"], f["Type"]) == (
        "api", "app=api", "<none>", "app=api", "ClusterIP")
    assert (f["IP Family Policy"], f["IP Families"], f["IP"], f["IPs"]) == ("SingleStack", "IPv4", ip, ip)
    assert re.fullmatch(r"80-8080\s+80/TCP", f["Port"]) and f["TargetPort"] == "8080/TCP", f
    assert (f["Session Affinity"], f["Internal Traffic Policy"]) == ("None", "Cluster")
    assert "NodePort" not in f and "External Traffic Policy" not in f
    assert event_rows(out) == []

    node_port = kubectl("get", "service", "edge", "-o", "jsonpath={.spec.ports[0].nodePort}").out
    assert 30000 <= int(node_port) <= 32767
    f = described(kubectl("describe", "service", "edge").out)
    assert f["Type"] == "NodePort"
    assert re.fullmatch(rf"443-8443\s+{node_port}/TCP", f["NodePort"]), f
    assert f["External Traffic Policy"] == "Cluster"
    # Node ports are cluster-wide: give this one back for other tests' fixed ports.
    kubectl("delete", "service", "edge")


NODE_STATUS = {
    "conditions": [{
        "type": "Ready", "status": "True", "reason": "KubeletReady",
        "message": "kubelet is posting ready status",
        "lastHeartbeatTime": "2026-01-02T03:04:05Z", "lastTransitionTime": "2026-01-01T00:00:00Z",
    }],
    "addresses": [{"type": "InternalIP", "address": "192.168.0.12"}, {"type": "Hostname", "address": "worker"}],
    "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
    "nodeInfo": {
        "machineID": "m-1", "systemUUID": "s-1", "bootID": "b-1", "kernelVersion": "6.1.0",
        "osImage": "Debian GNU/Linux 12 (bookworm)", "operatingSystem": "linux", "architecture": "amd64",
        "containerRuntimeVersion": "containerd://2.0.0", "kubeletVersion": "v1.37.0", "kubeProxyVersion": "",
    },
}


def test_node_created_with_status_keeps_it_and_gets_node_defaults(kubectl, ns):
    name = f"node-{ns[-6:]}"
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": "10.244.3.0/24"}, "status": NODE_STATUS}
    try:
        assert kubectl("create", "-f", "-", input=yaml.safe_dump(node)).out == f"node/{name} created\n"
        got = kubectl.json("get", "node", name)
        # Nodes are the one kind whose create keeps the status the client sent.
        assert got["status"]["conditions"] == NODE_STATUS["conditions"]
        assert got["status"]["nodeInfo"]["kubeletVersion"] == "v1.37.0"
        # SetDefaults_NodeStatus: allocatable defaults to capacity.
        assert got["status"]["allocatable"] == NODE_STATUS["capacity"]
        # The v1 conversion fills podCIDRs from podCIDR.
        assert got["spec"] == {"podCIDR": "10.244.3.0/24", "podCIDRs": ["10.244.3.0/24"]}
        assert "generation" not in got["metadata"]
        rows = table(kubectl("get", "node", name).out)
        assert rows[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        assert (rows[1][0], rows[1][1], rows[1][2], rows[1][4]) == (name, "Ready", "<none>", "v1.37.0")

        # The main endpoint ignores status on update; the status subresource takes it.
        kubectl("label", "node", name, "zone=a")
        set_status(kubectl, "node", name, {"conditions": [{**NODE_STATUS["conditions"][0], "status": "False",
                                                            "reason": "KubeletNotReady"}]})
        rows = table(kubectl("get", "node", name).out)
        assert rows[1][1] == "NotReady", rows
    finally:
        kubectl("delete", "node", name, "--ignore-not-found")


def test_describe_node_with_lease_pods_and_events(kubectl, ns):
    name = f"node-{ns[-6:]}"
    node = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                              "node-role.kubernetes.io/control-plane": ""}},
        "spec": {"podCIDR": "10.244.3.0/24", "taints": [{"key": "dedicated", "value": "infra",
                                                         "effect": "NoSchedule"}]},
        "status": NODE_STATUS,
    }
    lease = {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                 "acquireTime": "2026-01-01T00:00:00.000000Z", "renewTime": "2026-01-02T03:04:05.123456Z"},
    }
    try:
        kubectl("create", "-f", "-", input=yaml.safe_dump(node))
        kubectl("create", "-f", "-", input=yaml.safe_dump(lease))
        requests = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
        busy = {"nodeName": name, "containers": [{"name": "app", "image": "busybox:1.36", "resources": requests}]}
        kubectl("create", "-f", "-", input=pod("busy", **busy))
        kubectl("create", "-f", "-", input=pod("done", nodeName=name, restartPolicy="Never"))
        set_status(kubectl, "pod", "done", {"phase": "Succeeded"})
        kubectl("create", "-f", "-", input=pod("elsewhere", nodeName="ghost-node"))
        # The kubelet's events name the node by name in involvedObject.uid.
        involved = {"kind": "Node", "name": name, "uid": name}
        kubectl("create", "-f", "-", input=event(f"{name}.1", involved, "NodeReady",
                                                 f"Node {name} status is now: NodeReady", component="kubelet"))

        out = kubectl("describe", "node", name).out
        f = described(out)
        assert (f["Name"], f["Roles"], f["Annotations"]) == (name, "control-plane", "<none>")
        assert section(out, "Labels") == ["                    node-role.kubernetes.io/control-plane="]
        assert f["Labels"] == f"kubernetes.io/hostname={name}"
        assert (f["Taints"], f["Unschedulable"]) == ("dedicated=infra:NoSchedule", "false")
        assert section(out, "Lease") == [
            f"  HolderIdentity:  {name}",
            "  AcquireTime:     Thu, 01 Jan 2026 00:00:00 +0000",
            "  RenewTime:       Fri, 02 Jan 2026 03:04:05 +0000",
        ]
        conditions = section(out, "Conditions")
        assert conditions[0].split() == ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime",
                                         "Reason", "Message"]
        assert re.split(r"\s{2,}", conditions[2].strip()) == [
            "Ready", "True", "Fri, 02 Jan 2026 03:04:05 +0000", "Thu, 01 Jan 2026 00:00:00 +0000",
            "KubeletReady", "kubelet is posting ready status"]
        assert [line.split() for line in section(out, "Addresses")] == [
            ["InternalIP:", "192.168.0.12"], ["Hostname:", "worker"]]
        for title in ("Capacity", "Allocatable"):
            assert [line.split() for line in section(out, title)] == [["cpu:", "4"], ["memory:", "8Gi"],
                                                                      ["pods:", "110"]]
        system = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in section(out, "System Info")}
        assert (system["Kubelet Version"], system["OS Image"], system["Architecture"]) == (
            "v1.37.0", "Debian GNU/Linux 12 (bookworm)", "amd64")
        assert (f["PodCIDR"], f["PodCIDRs"]) == ("10.244.3.0/24", "10.244.3.0/24")

        # Non-terminated pods: spec.nodeName=<node>,status.phase!=Succeeded,status.phase!=Failed.
        assert f["Non-terminated Pods"] == "(1 in total)"
        pods = section(out, "Non-terminated Pods")
        assert pods[0].split() == ["Namespace", "Name", "CPU", "Requests", "CPU", "Limits", "Memory", "Requests",
                                   "Memory", "Limits", "Age"]
        [row] = [re.split(r"\s{2,}", line.strip()) for line in pods[2:]]
        assert row[:6] == [ns, "busy", "100m (2%)", "0 (0%)", "128Mi (1%)", "256Mi (3%)"], row
        allocated = [re.split(r"\s{2,}", line.strip()) for line in section(out, "Allocated resources")[3:]]
        assert allocated == [["cpu", "100m (2%)", "0 (0%)"], ["memory", "128Mi (1%)", "256Mi (3%)"],
                             ["ephemeral-storage", "0 (0%)", "0 (0%)"]]
        rows = event_rows(out)
        assert [r[:2] + r[3:] for r in rows] == [["Normal", "NodeReady", "kubelet",
                                                   f"Node {name} status is now: NodeReady"]]
    finally:
        kubectl("delete", "lease", name, "-n", "kube-node-lease", "--ignore-not-found")
        kubectl("delete", "node", name, "--ignore-not-found")


def test_describe_node_without_lease_says_so(kubectl, ns):
    name = f"bare-{ns[-6:]}"
    try:
        kubectl("create", "-f", "-", input=yaml.safe_dump({"apiVersion": "v1", "kind": "Node",
                                                           "metadata": {"name": name}}))
        out = kubectl("describe", "node", name).out
        f = described(out)
        assert (f["Roles"], f["Labels"], f["Taints"], f["Unschedulable"]) == ("<none>", "<none>", "<none>", "false")
        assert f["Lease"] == f'Failed to get lease: leases.coordination.k8s.io "{name}" not found'
        assert f["Non-terminated Pods"] == "(0 in total)"
        assert event_rows(out) == []
    finally:
        kubectl("delete", "node", name, "--ignore-not-found")


def test_describe_namespace_with_limit_range_defaults(kubectl, ns):
    assert kubectl("describe", "namespace", ns).out == (
        f"Name:         {ns}\n"
        f"Labels:       kubernetes.io/metadata.name={ns}\n"
        "Annotations:  <none>\n"
        "Status:       Active\n"
        "\n"
        "No resource quota.\n"
        "\n"
        "No LimitRange resource.\n"
    )

    limits = {
        "apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}, "min": {"memory": "64Mi"}}]},
    }
    kubectl("create", "-f", "-", input=yaml.safe_dump(limits))
    out = kubectl("describe", "namespace", ns).out
    # SetDefaults_LimitRangeItem: default limit = max, default request = default limit.
    # (kubectl prints the resources in map order.)
    tail = out[out.index("Resource Limits\n"):].splitlines()
    assert tail[:3] == [
        "Resource Limits",
        " Type       Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio",
        " ----       --------  ---   ---  ---------------  -------------  -----------------------",
    ], out
    assert sorted(tail[3:]) == [
        " Container  cpu       -     1    1                1              -",
        " Container  memory    64Mi  1Gi  1Gi              1Gi            -",
    ], out


def test_describe_configmap_and_secret(kubectl, ns):
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "settings", "labels": {"app": "web", "tier": "db"},
                       "annotations": {"owner": "team-a"}},
          "data": {"mode": "production", "motd": "line one\nline two\n"},
          "binaryData": {"blob": b64(b"\x00\x01\x02")}}
    kubectl("create", "-f", "-", input=yaml.safe_dump(cm))
    assert kubectl("describe", "configmap", "settings").out == (
        "Name:         settings\n"
        f"Namespace:    {ns}\n"
        "Labels:       app=web\n"
        "              tier=db\n"
        "Annotations:  owner: team-a\n"
        "\n"
        "Data\n"
        "====\n"
        "mode:\n"
        "----\n"
        "production\n"
        "\n"
        "motd:\n"
        "----\n"
        "line one\n"
        "line two\n"
        "\n"
        "\n"
        "\n"
        "BinaryData\n"
        "====\n"
        "blob: 3 bytes\n"
        "\n"
        "Events:  <none>\n"
    )

    kubectl("create", "secret", "generic", "creds", "--from-literal=password=s3cr3t")
    assert kubectl("describe", "secret", "creds").out == (
        "Name:         creds\n"
        f"Namespace:    {ns}\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  6 bytes\n"
    )


def test_describe_missing_object(kubectl):
    rc, out, err = kubectl("describe", "configmap", "nope", check=False)
    assert (rc, out, err) == (1, "", 'Error from server (NotFound): configmaps "nope" not found\n')


# ------------------------------------------------------------ cluster-info


def test_cluster_info(kubectl, server, ns):
    url = f"https://127.0.0.1:{server.port}"
    name = f"dns-{ns[-6:]}"
    assert kubectl("cluster-info").out == (
        f"Kubernetes control plane is running at {url}\n"
        "\n"
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    )
    # Services labelled kubernetes.io/cluster-service=true in kube-system are listed.
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "kube-system",
                        "labels": {"kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}},
           "spec": {"selector": {"k8s-app": "kube-dns"}, "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}}
    try:
        kubectl("create", "-f", "-", input=yaml.safe_dump(svc))
        assert kubectl("cluster-info").out == (
            f"Kubernetes control plane is running at {url}\n"
            f"CoreDNS is running at {url}/api/v1/namespaces/kube-system/services/{name}:dns/proxy\n"
            "\n"
            "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
        )
    finally:
        kubectl("delete", "service", name, "-n", "kube-system", "--ignore-not-found")


def test_cluster_info_dump_of_a_namespace(kubectl, ns):
    kubectl("create", "configmap", "c", "--from-literal=k=v")
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    rc, out, err = kubectl("cluster-info", "dump", f"--namespaces={ns}", check=False)
    assert (rc, err) == (0, ""), err
    decoder, docs, rest = json.JSONDecoder(), [], out.strip()
    while rest:
        doc, end = decoder.raw_decode(rest)
        docs.append(doc)
        rest = rest[end:].strip()
    kinds = [d["kind"] for d in docs]
    assert kinds[0] == "NodeList"
    assert {"EventList", "ReplicationControllerList", "ServiceList", "DaemonSetList", "DeploymentList",
            "ReplicaSetList", "PodList"} <= set(kinds), kinds
    [deployments] = [d for d in docs if d["kind"] == "DeploymentList"]
    assert [d["metadata"]["name"] for d in deployments["items"]] == ["web"]


# ---------------------------------------------------------------- events


def test_kubectl_events_lists_filters_and_says_when_there_are_none(kubectl, ns):
    rc, out, err = kubectl("events", check=False)
    assert (rc, out, err) == (0, "", f"No events found in {ns} namespace.\n")

    # The events name pods that need not exist (no scheduler adds its own events).
    ref = lambda name: {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": ns,  # noqa: E731
                        "uid": f"00000000-0000-0000-0000-00000000000{name == 'b':d}"}
    kubectl("create", "-f", "-", input=event("a.1", ref("a"), "Scheduled", f"Successfully assigned {ns}/a to n1",
                                             first=7))
    kubectl("create", "-f", "-", input=event("b.1", ref("b"), "BackOff", "Back-off restarting failed container",
                                             type_="Warning", first=12, last=3, count=4, component="kubelet"))

    rows = table(kubectl("events").out)
    assert rows[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    # Oldest first, by last timestamp.
    assert [r[1:] for r in rows[1:]] == [
        ["Normal", "Scheduled", "Pod/a", f"Successfully assigned {ns}/a to n1"],
        ["Warning", "BackOff", "Pod/b", "Back-off restarting failed container"],
    ]
    assert re.fullmatch(r"7m(\d+s)?", rows[1][0]) and re.fullmatch(r"3m(\d+s)? \(x4 over 12m\)", rows[2][0]), rows

    rows = table(kubectl("events", "--for", "pod/b").out)
    assert [r[1:] for r in rows[1:]] == [["Warning", "BackOff", "Pod/b", "Back-off restarting failed container"]]

    rows = table(kubectl("events", "--types=Warning").out)
    assert [r[3] for r in rows[1:]] == ["Pod/b"]

    rc, out, err = kubectl("events", "--for", "pod/a", "--types=Warning", check=False)
    assert (rc, out, err) == (0, "", f"No events found in {ns} namespace.\n")

    rows = table(kubectl("events", "-A").out)
    assert rows[0] == ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert [r[4] for r in rows[1:] if r[0] == ns] == ["Pod/a", "Pod/b"]

    listed = kubectl.json("events", "--for", "pod/a")
    assert listed["kind"] == "EventList" and [e["metadata"]["name"] for e in listed["items"]] == ["a.1"]


def test_kubectl_events_for_unknown_kind(kubectl):
    rc, out, err = kubectl("events", "--for", "widget/x", check=False)
    assert (rc, out) == (1, "")
    assert err == 'the server doesn\'t have a resource type "widget"\n'


# ------------------------------------------------------------------- wait


def test_gated_pod_says_why_it_is_not_scheduled(kubectl):
    kubectl("create", "-f", "-", input=pod("p", **GATED))

    rows = table(kubectl("get", "pod", "p").out)
    assert rows[1][:4] == ["p", "0/1", "SchedulingGated", "0"], rows
    out = kubectl("describe", "pod", "p").out
    assert section(out, "Conditions")[:2] == ["  Type           Status", "  PodScheduled   False "]
    [condition] = kubectl.json("get", "pod", "p")["status"]["conditions"]
    assert {k: v for k, v in condition.items() if k != "lastTransitionTime"} == {
        "type": "PodScheduled", "status": "False", "lastProbeTime": None, "reason": "SchedulingGated",
        "message": "Scheduling is blocked due to non-empty scheduling gates"}
    assert kubectl("wait", "--for=condition=PodScheduled=false", "pod/p", "--timeout=5s").out == (
        "pod/p condition met\n")


def test_wait_for_condition_set_through_the_status_subresource(kubectl):
    kubectl("create", "-f", "-", input=pod("p", **GATED))
    waiter = start(kubectl, "wait", "--for=condition=Ready", "pod/p", "--timeout=30s")
    wait_until_watching(kubectl, waiter)
    set_status(kubectl, "pod", "p", {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
    assert finish(waiter) == (0, "pod/p condition met\n", "")

    # Already true: answers at once.
    assert kubectl("wait", "--for=condition=Ready", "pod/p", "--timeout=5s").out == "pod/p condition met\n"
    assert kubectl("wait", "--for=condition=Ready=true", "pod/p", "--timeout=5s").out == "pod/p condition met\n"


def test_wait_for_every_pod_of_a_label_selector(kubectl):
    kubectl("create", "-f", "-", input=pod("a", **GATED) + "---\n" + pod("b", **GATED))
    kubectl("label", "pod", "a", "b", "group=x")
    waiter = start(kubectl, "wait", "--for=condition=Ready", "pods", "-l", "group=x", "--timeout=30s")
    wait_until_watching(kubectl, waiter)
    ready = {"conditions": [{"type": "Ready", "status": "True"}]}
    set_status(kubectl, "pod", "a", ready)
    wait_until_watching(kubectl, waiter)
    set_status(kubectl, "pod", "b", ready)
    assert finish(waiter) == (0, "pod/a condition met\npod/b condition met\n", "")


def test_wait_for_jsonpath(kubectl):
    kubectl("create", "-f", "-", input=pod("p", **GATED))
    waiter = start(kubectl, "wait", "--for=jsonpath={.status.phase}=Running", "pod/p", "--timeout=30s")
    wait_until_watching(kubectl, waiter)
    set_status(kubectl, "pod", "p", {"phase": "Running"})
    assert finish(waiter) == (0, "pod/p condition met\n", "")

    assert kubectl("wait", "--for=jsonpath={.spec.containers[0].image}=busybox:1.36", "pod/p",
                   "--timeout=5s").out == "pod/p condition met\n"


def test_wait_for_delete_while_waiting(kubectl):
    kubectl("create", "configmap", "gone", "--from-literal=k=v")
    kubectl("create", "configmap", "held", "--from-literal=k=v")
    kubectl("patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')

    waiter = start(kubectl, "wait", "--for=delete", "configmap/gone", "configmap/held", "--timeout=30s")
    wait_until_watching(kubectl, waiter)
    kubectl("delete", "configmap", "gone")
    kubectl("delete", "configmap", "held", "--wait=false")
    # A pending deletion is not gone yet: kubectl still waits for the finalizer.
    wait_until_watching(kubectl, waiter)
    kubectl("patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    assert finish(waiter) == (0, "configmap/gone condition met\nconfigmap/held condition met\n", "")


def test_wait_for_create(kubectl):
    waiter = start(kubectl, "wait", "--for=create", "configmap/later", "--timeout=30s")
    wait_until_watching(kubectl, waiter)
    kubectl("create", "configmap", "later", "--from-literal=k=v")
    assert finish(waiter) == (0, "configmap/later condition met\n", "")


def test_wait_timeouts_and_missing_objects(kubectl):
    kubectl("create", "-f", "-", input=pod("p", **GATED))

    rc, out, err = kubectl("wait", "--for=condition=Ready", "pod/p", "--timeout=1s", check=False)
    assert (rc, out, err) == (1, "", "error: timed out waiting for the condition on pods/p\n")

    rc, out, err = kubectl("wait", "--for=jsonpath={.status.phase}=Running", "pod/p", "--timeout=1s", check=False)
    assert (rc, out, err) == (1, "", "error: timed out waiting for the condition on pods/p\n")

    rc, out, err = kubectl("wait", "--for=delete", "pod/p", "--timeout=1s", check=False)
    err = without_short_watch_warning(err)
    assert (rc, out, err) == (1, "", "error: timed out waiting for the condition on pods/p\n")

    rc, out, err = kubectl("wait", "--for=condition=Ready", "pod/missing", "--timeout=1s", check=False)
    assert (rc, out, err) == (1, "", 'Error from server (NotFound): pods "missing" not found\n')


# ------------------------------------------------------------------- edit


def test_edit_changes_a_field_through_a_patch(kubectl, tmp_path):
    kubectl("create", "configmap", "x", "--from-literal=mode=dev")
    script = editor_script(tmp_path, 'sed -i "s/mode: dev/mode: prod/" "$1"\n')

    rc, out, err = with_editor(kubectl, script)("edit", "configmap", "x")
    assert (rc, out, err) == (0, "configmap/x edited\n", "")
    seen = (tmp_path / "seen.1").read_text()
    assert seen.startswith(
        "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
        "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
        "# reopened with the relevant failures.\n#\n"
    )
    assert "managedFields" not in seen
    got = kubectl.json("get", "configmap", "x", "--show-managed-fields")
    assert got["data"] == {"mode": "prod"}
    edit = [m for m in got["metadata"]["managedFields"] if m["manager"] == "kubectl-edit"]
    assert [(m["operation"], m["fieldsV1"]) for m in edit] == [("Update", {"f:data": {"f:mode": {}}})]


def test_edit_without_changes_is_cancelled(kubectl, tmp_path):
    kubectl("create", "configmap", "x", "--from-literal=mode=dev")
    rv = kubectl("get", "configmap", "x", "-o", "jsonpath={.metadata.resourceVersion}").out
    script = editor_script(tmp_path, "")

    rc, out, err = with_editor(kubectl, script)("edit", "configmap", "x")
    assert (rc, out, err) == (0, "", "Edit cancelled, no changes made.\n")
    assert kubectl("get", "configmap", "x", "-o", "jsonpath={.metadata.resourceVersion}").out == rv


def test_edit_of_the_status_subresource(kubectl, tmp_path):
    kubectl("create", "-f", "-", input=pod("p", **GATED))
    script = editor_script(tmp_path, 'sed -i "s/phase: Pending/phase: Running/" "$1"\n')

    rc, out, err = with_editor(kubectl, script)("edit", "pod", "p", "--subresource=status")
    assert (rc, out, err) == (0, "pod/p edited\n", "")
    assert kubectl("get", "pod", "p", "-o", "jsonpath={.status.phase}").out == "Running"


def test_invalid_edit_reopens_the_editor_with_the_servers_causes(kubectl, tmp_path):
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    script = editor_script(tmp_path, (
        'if [ "$n" = 1 ]; then sed -i "s/replicas: 2/replicas: -1/" "$1"; '
        'else sed -i "s/replicas: -1/replicas: 3/" "$1"; fi\n'))

    rc, out, err = with_editor(kubectl, script)("edit", "deployment", "web")
    assert (rc, out, err) == (0, "deployment.apps/web edited\n", 'error: deployments.apps "web" is invalid\n')
    reopened = (tmp_path / "seen.2").read_text()
    assert reopened.startswith(
        "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
        "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
        "# reopened with the relevant failures.\n"
        "#\n"
        '# deployments.apps "web" was not valid:\n'
        "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
        "#\n"
    ), reopened
    assert "  replicas: -1\n" in reopened
    assert not (tmp_path / "seen.3").exists()
    assert kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}").out == "3"


def test_edit_that_stays_invalid_is_given_up(kubectl, tmp_path):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "frozen"}, "data": {"k": "v"},
          "immutable": True}
    kubectl("create", "-f", "-", input=yaml.safe_dump(cm))
    # First run changes the data, the second saves the file as it was reopened.
    script = editor_script(tmp_path, 'if [ "$n" = 1 ]; then sed -i "s/k: v/k: changed/" "$1"; fi\n')

    rc, out, err = with_editor(kubectl, script)("edit", "configmap", "frozen", check=False)
    assert (rc, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == 'error: configmaps "frozen" is invalid'
    assert re.fullmatch(r'A copy of your changes has been stored to "/tmp/kubectl-edit-\d+\.yaml"', lines[1]), err
    assert lines[2:] == ["error: Edit cancelled, no valid changes were saved."]
    reopened = (tmp_path / "seen.2").read_text()
    assert ('# configmaps "frozen" was not valid:\n'
            "# * data: Forbidden: field is immutable when `immutable` is set\n#\n") in reopened
    assert kubectl("get", "configmap", "frozen", "-o", "jsonpath={.data.k}").out == "v"


# ------------------------------------------------------ create <generator>


def openssl_key_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate and its key, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed: no way to make a certificate for `create secret tls`")
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=example.com",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_create_deployment(kubectl):
    assert kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=8080").out == (
        "deployment.apps/web created\n")
    got = kubectl.json("get", "deployment", "web")
    assert got["metadata"]["generation"] == 1 and got["metadata"]["labels"] == {"app": "web"}
    spec = got["spec"]
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (2, 10, 600)
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    template = spec["template"]["spec"]
    assert template == {
        "containers": [{
            "name": "nginx", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}], "resources": {},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        }],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "terminationGracePeriodSeconds": 30,
    }


def test_create_configmap_from_literal_and_file(kubectl, tmp_path):
    (tmp_path / "app.properties").write_text("color=blue\n")
    assert kubectl("create", "configmap", "cfg", "--from-literal=mode=prod",
                   f"--from-file={tmp_path / 'app.properties'}", f"--from-file=renamed={tmp_path / 'app.properties'}"
                   ).out == "configmap/cfg created\n"
    got = kubectl.json("get", "configmap", "cfg")
    assert got["data"] == {"mode": "prod", "app.properties": "color=blue\n", "renamed": "color=blue\n"}
    assert "generation" not in got["metadata"]

    rc, out, err = kubectl("create", "configmap", "cfg", "--from-literal=a=b", check=False)
    assert (rc, out, err) == (1, "", 'error: failed to create configmap: configmaps "cfg" already exists\n')


def test_create_secret_generic(kubectl):
    assert kubectl("create", "secret", "generic", "db", "--from-literal=user=admin",
                   "--from-literal=password=s3cr3t").out == "secret/db created\n"
    got = kubectl.json("get", "secret", "db")
    assert (got["type"], got["data"]) == ("Opaque", {"user": b64("admin"), "password": b64("s3cr3t")})


def test_create_secret_tls(kubectl, tmp_path):
    cert, key = openssl_key_pair(tmp_path)
    assert kubectl("create", "secret", "tls", "site", f"--cert={cert}", f"--key={key}").out == "secret/site created\n"
    got = kubectl.json("get", "secret", "site")
    assert got["type"] == "kubernetes.io/tls"
    assert got["data"] == {"tls.crt": b64(cert.read_bytes()), "tls.key": b64(key.read_bytes())}


def test_create_secret_docker_registry(kubectl):
    assert kubectl("create", "secret", "docker-registry", "pull", "--docker-server=registry.example.com",
                   "--docker-username=u", "--docker-password=p", "--docker-email=u@example.com").out == (
        "secret/pull created\n")
    got = kubectl.json("get", "secret", "pull")
    assert got["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(got["data"][".dockerconfigjson"]))
    assert config == {"auths": {"registry.example.com": {
        "username": "u", "password": "p", "email": "u@example.com", "auth": b64("u:p")}}}


def test_create_service_clusterip_and_nodeport(kubectl):
    assert kubectl("create", "service", "clusterip", "api", "--tcp=80:8080").out == "service/api created\n"
    got = kubectl.json("get", "service", "api")
    # Services have no metadata.generation in kube-apiserver.
    assert "generation" not in got["metadata"]
    spec = got["spec"]
    assert re.fullmatch(r"10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+", spec["clusterIP"]), spec
    assert spec == {
        "clusterIP": spec["clusterIP"], "clusterIPs": [spec["clusterIP"]], "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "ports": [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}],
        "selector": {"app": "api"}, "sessionAffinity": "None", "type": "ClusterIP",
    }

    assert kubectl("create", "service", "clusterip", "headless", "--clusterip=None").out == (
        "service/headless created\n")
    spec = kubectl.json("get", "service", "headless")["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"], spec["ipFamilies"]) == ("None", ["None"], ["IPv4"])

    # Node ports are cluster-wide: this one is released at the end for other tests.
    assert kubectl("create", "service", "nodeport", "edge", "--tcp=443:8443", "--node-port=31743").out == (
        "service/edge created\n")
    spec = kubectl.json("get", "service", "edge")["spec"]
    assert (spec["type"], spec["externalTrafficPolicy"]) == ("NodePort", "Cluster")
    assert spec["ports"] == [{"name": "443-8443", "nodePort": 31743, "port": 443, "protocol": "TCP",
                              "targetPort": 8443}]

    rc, out, err = kubectl("create", "service", "nodeport", "clash", "--tcp=80", "--node-port=31743", check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'error: failed to create NodePort service: Service "clash" is invalid: spec.ports[0].nodePort: '
        "Invalid value: 31743: provided port is already allocated\n"
    )
    kubectl("delete", "service", "edge")
    assert kubectl("create", "service", "nodeport", "clash", "--tcp=80", "--node-port=31743").out == (
        "service/clash created\n")
    kubectl("delete", "service", "clash")


def test_create_job_and_cronjob(kubectl):
    assert kubectl("create", "job", "once", "--image=busybox", "--", "echo", "hi").out == "job.batch/once created\n"
    got = kubectl.json("get", "job", "once")
    uid, spec = got["metadata"]["uid"], got["spec"]
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "once",
              "controller-uid": uid, "job-name": "once"}
    assert got["metadata"]["generation"] == 1
    # SetDefaults_Job copies the template's labels (the generated ones too) to the Job.
    assert got["metadata"]["labels"] == labels
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"] == labels
    assert {k: spec[k] for k in ("backoffLimit", "completionMode", "completions", "manualSelector", "parallelism",
                                 "podReplacementPolicy", "suspend")} == {
        "backoffLimit": 6, "completionMode": "NonIndexed", "completions": 1, "manualSelector": False,
        "parallelism": 1, "podReplacementPolicy": "TerminatingOrFailed", "suspend": False}
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Never"
    assert pod_spec["containers"][0]["command"] == ["echo", "hi"]
    assert pod_spec["containers"][0]["imagePullPolicy"] == "Always"

    assert kubectl("create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/5 * * * *", "--",
                   "date").out == "cronjob.batch/tick created\n"
    got = kubectl.json("get", "cronjob", "tick")
    spec = got["spec"]
    assert got["metadata"]["generation"] == 1
    assert {k: spec[k] for k in ("concurrencyPolicy", "failedJobsHistoryLimit", "schedule", "successfulJobsHistoryLimit",
                                 "suspend")} == {
        "concurrencyPolicy": "Allow", "failedJobsHistoryLimit": 1, "schedule": "*/5 * * * *",
        "successfulJobsHistoryLimit": 3, "suspend": False}
    job_pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert (job_pod["restartPolicy"], job_pod["containers"][0]["imagePullPolicy"]) == ("OnFailure", "IfNotPresent")

    assert kubectl("create", "job", "manual", "--from=cronjob/tick").out == "job.batch/manual created\n"
    got = kubectl.json("get", "job", "manual")
    assert got["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    [owner] = got["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("CronJob", "tick", True)


def test_create_role_and_rolebinding(kubectl, ns):
    assert kubectl("create", "role", "reader", "--verb=get,list,watch", "--resource=pods,deployments.apps",
                   "--resource-name=web").out == "role.rbac.authorization.k8s.io/reader created\n"
    got = kubectl.json("get", "role", "reader")
    assert got["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"],
         "verbs": ["get", "list", "watch"]},
    ]

    assert kubectl("create", "rolebinding", "read", "--role=reader", "--user=alice", "--group=devs",
                   f"--serviceaccount={ns}:default").out == "rolebinding.rbac.authorization.k8s.io/read created\n"
    got = kubectl.json("get", "rolebinding", "read")
    assert got["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert got["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"},
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"},
        {"kind": "ServiceAccount", "name": "default", "namespace": ns},
    ]


def test_create_clusterrole_and_clusterrolebinding(kubectl, ns):
    role, binding, aggregate = f"nodes-{ns[-6:]}", f"ops-{ns[-6:]}", f"agg-{ns[-6:]}"
    try:
        assert kubectl("create", "clusterrole", role, "--verb=get", "--resource=nodes",
                       "--non-resource-url=/healthz").out == f"clusterrole.rbac.authorization.k8s.io/{role} created\n"
        assert kubectl.json("get", "clusterrole", role)["rules"] == [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]},
            {"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
        ]
        assert kubectl("create", "clusterrole", aggregate, "--aggregation-rule=example.com/aggregate=true").out == (
            f"clusterrole.rbac.authorization.k8s.io/{aggregate} created\n")
        got = kubectl.json("get", "clusterrole", aggregate)
        assert got["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate": "true"}}]}

        assert kubectl("create", "clusterrolebinding", binding, f"--clusterrole={role}", "--group=ops").out == (
            f"clusterrolebinding.rbac.authorization.k8s.io/{binding} created\n")
        got = kubectl.json("get", "clusterrolebinding", binding)
        assert "namespace" not in got["metadata"]
        assert got["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}
        assert got["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "ops"}]
    finally:
        kubectl("delete", "clusterrolebinding", binding, "--ignore-not-found")
        kubectl("delete", "clusterrole", role, aggregate, "--ignore-not-found")


def test_create_serviceaccount_and_quota(kubectl):
    assert kubectl("create", "serviceaccount", "robot").out == "serviceaccount/robot created\n"
    got = kubectl.json("get", "serviceaccount", "robot")
    assert set(got) == {"apiVersion", "kind", "metadata"}

    assert kubectl("create", "quota", "compute", "--hard=cpu=2,memory=1Gi,pods=10",
                   "--scopes=NotTerminating").out == "resourcequota/compute created\n"
    got = kubectl.json("get", "resourcequota", "compute")
    assert got["spec"] == {"hard": {"cpu": "2", "memory": "1Gi", "pods": "10"}, "scopes": ["NotTerminating"]}
    # ResourceQuota has no metadata.generation in kube-apiserver.
    assert "generation" not in got["metadata"]


def test_create_priorityclass(kubectl, ns):
    high, low = f"high-{ns[-6:]}", f"low-{ns[-6:]}"
    try:
        assert kubectl("create", "priorityclass", high, "--value=1000", "--description=important",
                       "--preemption-policy=Never").out == f"priorityclass.scheduling.k8s.io/{high} created\n"
        got = kubectl.json("get", "priorityclass", high)
        assert (got["value"], got["description"], got["preemptionPolicy"]) == (1000, "important", "Never")
        assert "globalDefault" not in got

        assert kubectl("create", "priorityclass", low, "--value=10").out == (
            f"priorityclass.scheduling.k8s.io/{low} created\n")
        assert kubectl.json("get", "priorityclass", low)["preemptionPolicy"] == "PreemptLowerPriority"
    finally:
        kubectl("delete", "priorityclass", high, low, "--ignore-not-found")


def test_create_poddisruptionbudget(kubectl):
    assert kubectl("create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1").out == (
        "poddisruptionbudget.policy/web created\n")
    got = kubectl.json("get", "poddisruptionbudget", "web")
    assert got["metadata"]["generation"] == 1
    assert got["spec"] == {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}

    assert kubectl("create", "pdb", "api", "--selector=app=api", "--max-unavailable=50%").out == (
        "poddisruptionbudget.policy/api created\n")
    assert kubectl.json("get", "pdb", "api")["spec"]["maxUnavailable"] == "50%"


def test_create_ingress(kubectl):
    assert kubectl("create", "ingress", "site", "--class=nginx", "--rule=foo.com/bar=svc:8080,tls=site-tls",
                   "--rule=foo.com/static/*=files:http", "--default-backend=fallback:80",
                   "--annotation=example.com/owner=web").out == "ingress.networking.k8s.io/site created\n"
    got = kubectl.json("get", "ingress", "site")
    assert got["metadata"]["generation"] == 1
    assert got["metadata"]["annotations"] == {"example.com/owner": "web"}
    assert got["spec"] == {
        "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
        "ingressClassName": "nginx",
        "rules": [{"host": "foo.com", "http": {"paths": [
            {"backend": {"service": {"name": "svc", "port": {"number": 8080}}}, "path": "/bar",
             "pathType": "Exact"},
            {"backend": {"service": {"name": "files", "port": {"name": "http"}}}, "path": "/static/",
             "pathType": "Prefix"},
        ]}}],
        "tls": [{"hosts": ["foo.com"], "secretName": "site-tls"}],
    }
