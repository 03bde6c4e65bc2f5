"""Server-side printing: the tables `kubectl get` shows come from the server's
meta.k8s.io Table, column by column as kube-apiserver 1.37 prints them."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import yaml

from manifests import APP_STACK

AGE = r"\d+s"


def parse_table(out: str, headers: list[str]) -> list[dict[str, str]]:
    """Rows of kubectl's table output by column, checking the header is exactly
    `headers` and that every column starts where its header does."""
    lines = out.rstrip("\n").split("\n")
    head = lines[0]
    assert head.split() == " ".join(headers).split(), head
    starts, pos = [], 0
    for h in headers:
        i = head.index(h, pos)
        assert i == 0 or head[i - 3 : i] == "   ", f"columns are separated by 3 spaces: {head!r}"
        starts.append(i)
        pos = i + len(h)
    rows = []
    for line in lines[1:]:
        cells = [line[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(headers, cells)))
    return rows


def by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["NAME"]: r for r in rows}


def ago(minutes: int) -> str:
    t = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name: str, **spec: object) -> str:
    body = {"containers": [{"name": "app", "image": "busybox"}], **spec}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": body})


def set_status(kubectl, kind: str, name: str, status: dict) -> None:
    kubectl("patch", kind, name, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}))


def running(name: str = "app", ready: bool = True, restarts: int = 0, **extra: object) -> dict:
    return {"name": name, "image": "busybox", "imageID": "", "ready": ready, "restartCount": restarts,
            "started": True, "state": {"running": {"startedAt": ago(30)}}, **extra}


def test_pod_table_and_wide_columns(kubectl):
    kubectl("create", "-f", "-", input=pod("web-0", nodeName="node-1",
                                            readinessGates=[{"conditionType": "example.com/lb"}]))
    restarted = running(restarts=5, lastState={"terminated": {"exitCode": 1, "finishedAt": ago(5)}})
    set_status(kubectl, "pod", "web-0", {
        "phase": "Running", "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "example.com/lb", "status": "True"}],
        "containerStatuses": [restarted],
    })

    [row] = parse_table(kubectl("get", "pods").out, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
    assert (row["NAME"], row["READY"], row["STATUS"]) == ("web-0", "1/1", "Running")
    assert re.fullmatch(r"5 \(5m(\d+s)? ago\)", row["RESTARTS"]), row
    assert re.fullmatch(AGE, row["AGE"]), row

    wide = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    [row] = parse_table(kubectl("get", "pods", "-o", "wide").out, wide)
    assert (row["IP"], row["NODE"], row["NOMINATED NODE"], row["READINESS GATES"]) == (
        "10.244.1.7", "node-1", "<none>", "1/1")


def test_pod_status_column_follows_kube_reason_logic(kubectl):
    docs = [
        pod("crashing"),
        pod("done", restartPolicy="Never"),
        pod("initializing", initContainers=[{"name": "setup", "image": "busybox"}]),
        pod("pending"),
        pod("leaving"),
    ]
    kubectl("create", "-f", "-", input="---\n".join(docs))
    set_status(kubectl, "pod", "crashing", {"phase": "Running", "containerStatuses": [
        {"name": "app", "image": "busybox", "imageID": "", "ready": False, "restartCount": 3,
         "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}}]})
    set_status(kubectl, "pod", "done", {"phase": "Succeeded", "containerStatuses": [
        {"name": "app", "image": "busybox", "imageID": "", "ready": False, "restartCount": 0,
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]})
    set_status(kubectl, "pod", "initializing", {"phase": "Pending", "initContainerStatuses": [
        {"name": "setup", "image": "busybox", "imageID": "", "ready": False, "restartCount": 0,
         "state": {"running": {"startedAt": ago(1)}}}]})
    kubectl("patch", "pod", "leaving", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')
    kubectl("delete", "pod", "leaving", "--wait=false")
    try:
        rows = by_name(parse_table(kubectl("get", "pods").out, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]))
        assert {n: (r["READY"], r["STATUS"], r["RESTARTS"]) for n, r in rows.items()} == {
            "crashing": ("0/1", "CrashLoopBackOff", "3"),
            "done": ("0/1", "Completed", "0"),
            "initializing": ("0/1", "Init:0/1", "0"),
            "pending": ("0/1", "Pending", "0"),
            "leaving": ("0/1", "Terminating", "0"),
        }
    finally:
        kubectl("patch", "pod", "leaving", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')


def test_workload_and_service_tables(kubectl):
    kubectl("create", "-f", "-", input=APP_STACK)

    deploy_wide = ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    [row] = parse_table(kubectl("get", "deployment", "web", "-o", "wide").out, deploy_wide)
    assert re.fullmatch(r"\d/2", row["READY"]), row
    assert (row["CONTAINERS"], row["IMAGES"], row["SELECTOR"]) == ("web", "nginx:1.27", "app=web")

    svc_wide = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    [row] = parse_table(kubectl("get", "service", "web", "-o", "wide").out, svc_wide)
    assert (row["TYPE"], row["EXTERNAL-IP"], row["PORT(S)"], row["SELECTOR"]) == (
        "ClusterIP", "<none>", "80/TCP", "app=web")
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", row["CLUSTER-IP"]), row

    nodeport = yaml.safe_dump({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"}, "spec": {
        "type": "NodePort", "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "nodePort": 30080}, {"name": "https", "port": 443, "nodePort": 30443}]}})
    kubectl("create", "-f", "-", input=nodeport)
    [row] = parse_table(kubectl("get", "service", "np").out, svc_wide[:6])
    assert (row["TYPE"], row["PORT(S)"]) == ("NodePort", "80:30080/TCP,443:30443/TCP")


def test_batch_tables(kubectl):
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"}, "spec": {"completions": 2,
           "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}}
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {
        "schedule": "0 3 * * *", "jobTemplate": {"spec": job["spec"]}}}
    kubectl("create", "-f", "-", input=yaml.safe_dump(job) + "---\n" + yaml.safe_dump(cron))
    set_status(kubectl, "job", "pi", {"startTime": ago(3), "active": 1, "succeeded": 1})

    [row] = parse_table(kubectl("get", "jobs").out, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"])
    assert (row["NAME"], row["STATUS"], row["COMPLETIONS"]) == ("pi", "Running", "1/2")
    assert re.fullmatch(r"3m\d*s?", row["DURATION"]), row

    headers = ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    [row] = parse_table(kubectl("get", "cronjobs").out, headers)
    assert [row[h] for h in headers[:6]] == ["nightly", "0 3 * * *", "<none>", "False", "0", "<none>"]


def test_kinds_without_a_printer_show_created_at(kubectl):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "read"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
               "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
                            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]}
    kubectl("create", "-f", "-", input=yaml.safe_dump(role) + "---\n" + yaml.safe_dump(binding))

    [row] = parse_table(kubectl("get", "roles").out, ["NAME", "CREATED AT"])
    assert row["NAME"] == "reader"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["CREATED AT"]), row

    headers = ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    [row] = parse_table(kubectl("get", "rolebindings", "-o", "wide").out, headers)
    assert (row["ROLE"], row["USERS"], row["GROUPS"], row["SERVICEACCOUNTS"]) == (
        "Role/reader", "alice", "", "tools/ci")


def test_event_table(kubectl, ns):
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-0.1"},
             "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": ns},
             "reason": "Scheduled", "message": f"Successfully assigned {ns}/web-0 to node-1", "type": "Normal",
             "source": {"component": "default-scheduler"},
             "firstTimestamp": ago(30), "lastTimestamp": ago(12), "count": 4}
    kubectl("create", "-f", "-", input=yaml.safe_dump(event))

    [row] = parse_table(kubectl("get", "events").out, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
    # Between 10 minutes and 3 hours, ages are whole minutes.
    assert row == {"LAST SEEN": "12m", "TYPE": "Normal", "REASON": "Scheduled", "OBJECT": "pod/web-0",
                   "MESSAGE": f"Successfully assigned {ns}/web-0 to node-1"}
    wide = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
    [row] = parse_table(kubectl("get", "events", "-o", "wide").out, wide)
    assert (row["SOURCE"], row["FIRST SEEN"], row["COUNT"], row["NAME"]) == ("default-scheduler", "30m", "4", "web-0.1")


def test_storage_tables(kubectl, ns):
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                      "resources": {"requests": {"storage": "1Gi"}}}}
    kubectl("create", "-f", "-", input=yaml.safe_dump(claim))
    headers = ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    [row] = parse_table(kubectl("get", "pvc").out, headers)
    assert [row[h] for h in headers[:7]] == ["data", "Pending", "", "", "", "fast", "<unset>"]

    pv_name = f"pv-{ns}"
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv_name},
          "spec": {"capacity": {"storage": "1024Mi"}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "fast", "hostPath": {"path": "/tmp"},
                   "claimRef": {"namespace": ns, "name": "data"}}}
    kubectl("create", "-f", "-", input=yaml.safe_dump(pv))
    try:
        headers = ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                   "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
        [row] = parse_table(kubectl("get", "pv", pv_name).out, headers)
        assert (row["CAPACITY"], row["ACCESS MODES"], row["RECLAIM POLICY"], row["CLAIM"], row["STORAGECLASS"]) == (
            "1Gi", "RWO,ROX", "Retain", f"{ns}/data", "fast")
    finally:
        kubectl("delete", "pv", pv_name)


def test_config_and_secret_tables(kubectl):
    kubectl("create", "configmap", "settings", "--from-literal=a=1", "--from-literal=b=2")
    kubectl("create", "secret", "generic", "creds", "--from-literal=token=t")
    kubectl("create", "secret", "docker-registry", "pull", "--docker-server=r.example.com",
            "--docker-username=u", "--docker-password=p")

    [row] = parse_table(kubectl("get", "configmap", "settings").out, ["NAME", "DATA", "AGE"])
    assert row["DATA"] == "2"
    rows = by_name(parse_table(kubectl("get", "secrets").out, ["NAME", "TYPE", "DATA", "AGE"]))
    assert {n: (r["TYPE"], r["DATA"]) for n, r in rows.items()} == {
        "creds": ("Opaque", "1"),
        "pull": ("kubernetes.io/dockerconfigjson", "1"),
    }
