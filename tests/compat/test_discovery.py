"""Discovery and server identity: version, api-resources, api-versions, raw paths."""

from __future__ import annotations

import json
import re

# (name, shortnames, apiversion, namespaced, kind) as `kubectl api-resources`
# prints them against kube-apiserver 1.37.
BUILTIN_RESOURCES = [
    ("pods", "po", "v1", "true", "Pod"),
    ("services", "svc", "v1", "true", "Service"),
    ("configmaps", "cm", "v1", "true", "ConfigMap"),
    ("secrets", "", "v1", "true", "Secret"),
    ("serviceaccounts", "sa", "v1", "true", "ServiceAccount"),
    ("namespaces", "ns", "v1", "false", "Namespace"),
    ("nodes", "no", "v1", "false", "Node"),
    ("persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"),
    ("deployments", "deploy", "apps/v1", "true", "Deployment"),
    ("replicasets", "rs", "apps/v1", "true", "ReplicaSet"),
    ("statefulsets", "sts", "apps/v1", "true", "StatefulSet"),
    ("daemonsets", "ds", "apps/v1", "true", "DaemonSet"),
    ("jobs", "", "batch/v1", "true", "Job"),
    ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
]

CORE_GROUP_VERSIONS = [
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "networking.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
]

VERSION_RE = re.compile(r"^v1\.37\.\d+")


def parse_table(text: str) -> list[dict[str, str]]:
    """Rows of a kubectl table keyed by header, cut at the header's column offsets.

    Splitting on whitespace would misplace empty cells (e.g. SHORTNAMES).
    """
    lines = text.rstrip("\n").split("\n")
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = []
    for line in lines[1:]:
        cells = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            cells.append(line[start:end].strip())
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def test_version_reports_server_1_37(kubectl):
    rc, out, err = kubectl("version")
    lines = out.splitlines()
    assert lines[0] == "Client Version: v1.37.1"
    assert lines[1].startswith("Kustomize Version: v")
    assert lines[2].startswith("Server Version: ")
    assert VERSION_RE.match(lines[2].removeprefix("Server Version: ")), lines[2]
    # kubectl warns on stderr when the server is outside the supported skew.
    assert "WARNING" not in err, err

    server = kubectl.json("version")["serverVersion"]
    assert server["major"] == "1"
    assert server["minor"] == "37"
    assert VERSION_RE.match(server["gitVersion"])
    assert server["platform"]


def test_api_resources_lists_builtin_kinds(kubectl):
    out = kubectl("api-resources").out
    assert out.split("\n", 1)[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {(r["NAME"], r["APIVERSION"]): r for r in parse_table(out)}
    for name, short, version, namespaced, kind in BUILTIN_RESOURCES:
        row = rows.get((name, version))
        assert row is not None, f"{name} ({version}) missing from kubectl api-resources:\n{out}"
        assert row == {
            "NAME": name,
            "SHORTNAMES": short,
            "APIVERSION": version,
            "NAMESPACED": namespaced,
            "KIND": kind,
        }


def test_api_resources_filters(kubectl):
    apps = kubectl("api-resources", "--api-group=apps", "-o", "name").out.split()
    assert sorted(apps) == [
        "controllerrevisions.apps",
        "daemonsets.apps",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
    ]
    cluster_scoped = kubectl("api-resources", "--namespaced=false", "-o", "name").out.split()
    assert "namespaces" in cluster_scoped
    assert "nodes" in cluster_scoped
    assert "pods" not in cluster_scoped
    namespaced = kubectl("api-resources", "--namespaced=true", "-o", "name").out.split()
    assert "pods" in namespaced
    assert "deployments.apps" in namespaced
    assert "namespaces" not in namespaced


def test_api_versions(kubectl):
    lines = kubectl("api-versions").out.splitlines()
    for gv in CORE_GROUP_VERSIONS:
        assert gv in lines, f"{gv} missing from kubectl api-versions: {lines}"
    assert lines == sorted(set(lines)), "api-versions prints a sorted list without duplicates"


def test_raw_version(kubectl):
    info = json.loads(kubectl("get", "--raw", "/version").out)
    assert info["major"] == "1"
    assert info["minor"] == "37"
    assert VERSION_RE.match(info["gitVersion"]), info


def test_raw_core_and_group_discovery(kubectl):
    core = json.loads(kubectl("get", "--raw", "/api").out)
    assert core["kind"] == "APIVersions"
    assert core["versions"] == ["v1"]

    apps = json.loads(kubectl("get", "--raw", "/apis/apps/v1").out)
    assert apps["kind"] == "APIResourceList"
    assert apps["groupVersion"] == "apps/v1"
    deployments = next(r for r in apps["resources"] if r["name"] == "deployments")
    assert deployments["namespaced"] is True
    assert deployments["kind"] == "Deployment"
    assert deployments["shortNames"] == ["deploy"]
    assert set(deployments["verbs"]) >= {"create", "delete", "get", "list", "patch", "update", "watch"}
    assert "deployments/status" in {r["name"] for r in apps["resources"]}
    assert "deployments/scale" in {r["name"] for r in apps["resources"]}


def test_raw_health_endpoints(kubectl):
    for path in ("/healthz", "/livez", "/readyz"):
        assert kubectl("get", "--raw", path).out == "ok", path


def test_raw_get_missing_object(kubectl):
    rc, out, err = kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps/nope", check=False)
    assert rc == 1
    assert out == ""
    assert err == 'Error from server (NotFound): configmaps "nope" not found\n'


def test_builtin_namespaces_exist(kubectl):
    out = kubectl(
        "get",
        "namespaces",
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "-o",
        'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}',
    ).out
    assert out == ("default=Active\nkube-system=Active\nkube-public=Active\nkube-node-lease=Active\n")


def test_kubernetes_service_in_default(kubectl, server):
    assert kubectl("get", "service", "kubernetes", "-n", "default", "-o", "name").out == (
        "service/kubernetes\n"
    )
    svc = kubectl.json("get", "service", "kubernetes", "-n", "default")
    assert svc["spec"]["type"] == "ClusterIP"
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", svc["spec"]["clusterIP"])
    port = svc["spec"]["ports"][0]
    assert port["name"] == "https"
    assert port["port"] == 443
    assert port["protocol"] == "TCP"
    assert port["targetPort"] == server.port
