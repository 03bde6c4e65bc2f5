"""keelctl apply against kubectl apply: client-side three-way patches (create,
unchanged, configured, fields and list items dropped from the file), the
objects they leave behind, server-side apply and its conflicts, dry runs,
-o output, and kubectl's errors for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.parity import assert_same, normalise

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    app: web
data:
  color: blue
  size: large
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: main
        image: nginx:1.25
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox
"""

# The file after an edit: one container dropped, the other's image changed,
# a label changed and a data key removed.
DEPLOYMENT_EDITED = DEPLOYMENT.replace("nginx:1.25", "nginx:1.27").split("      - name: sidecar")[0]
CONFIGMAP_EDITED = CONFIGMAP.replace("app: web", "app: api").replace("  size: large\n", "")


def norm(text: str) -> str:
    """kubectl names itself in apply's warnings; keelctl does the same."""
    return normalise(text.replace("keelctl", "kubectl"))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def reset(kubectl, *setup: tuple[str, ...]):
    """A function that empties the namespace of what these tests create, then
    runs `setup` commands, so both binaries start from the same state."""

    def run() -> None:
        kubectl("delete", "deployments,configmaps", "--all", "--wait=true", check=False)
        for args in setup:
            kubectl(*args)

    return run


def live(kubectl, *what: str) -> dict:
    """The object as the server has it, minus what differs run to run."""
    obj = json.loads(kubectl("get", *what, "-o", "json").out)
    meta = obj["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
        meta.pop(key, None)
    obj.pop("status", None)
    return obj


def test_apply_creates_then_reports_unchanged(kubectl, keelctl, tmp_path):
    cm = write(tmp_path, "cm.yaml", CONFIGMAP)
    dep = write(tmp_path, "dep.yaml", DEPLOYMENT)
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, "apply", "-f", cm, "-f", dep, between=fresh)
    want = keelctl("get", "configmap", "settings", "-o", "json").out
    annotation = json.loads(want)["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(annotation)["metadata"] == {
        "annotations": {},
        "labels": {"app": "web"},
        "name": "settings",
        "namespace": json.loads(want)["metadata"]["namespace"],
    }
    assert annotation.endswith("}\n")
    # Applying the same files again changes nothing.
    assert_same(kubectl, keelctl, "apply", "-f", cm, "-f", dep)


def test_apply_three_way_patch_matches_kubectls_result(kubectl, keelctl, tmp_path):
    cm, dep = write(tmp_path, "cm.yaml", CONFIGMAP), write(tmp_path, "dep.yaml", DEPLOYMENT)
    cm2 = write(tmp_path, "cm2.yaml", CONFIGMAP_EDITED)
    dep2 = write(tmp_path, "dep2.yaml", DEPLOYMENT_EDITED)
    # Another writer's label must survive: it is not in the last-applied configuration.
    fresh = reset(kubectl, ("apply", "-f", cm, "-f", dep), ("label", "configmap", "settings", "owner=ops"))
    fresh()
    assert_same(kubectl, keelctl, "apply", "-f", cm2, "-f", dep2, between=fresh, norm=norm)
    fresh()
    kubectl("apply", "-f", cm2, "-f", dep2)
    want_cm, want_dep = live(kubectl, "configmap", "settings"), live(kubectl, "deployment", "web")
    fresh()
    rc, out, err = keelctl("apply", "-f", cm2, "-f", dep2)
    assert out == "configmap/settings configured\ndeployment.apps/web configured\n"
    got_cm, got_dep = live(kubectl, "configmap", "settings"), live(kubectl, "deployment", "web")
    assert got_cm == want_cm
    assert got_cm["metadata"]["labels"] == {"app": "api", "owner": "ops"}
    assert got_cm["data"] == {"color": "blue"}
    assert got_dep["spec"] == want_dep["spec"]
    assert [c["name"] for c in got_dep["spec"]["template"]["spec"]["containers"]] == ["main"]
    assert got_dep["metadata"]["annotations"] == want_dep["metadata"]["annotations"]


def test_apply_warns_about_objects_created_imperatively(kubectl, keelctl, tmp_path):
    cm = write(tmp_path, "cm.yaml", CONFIGMAP)
    fresh = reset(kubectl, ("create", "-f", cm))
    fresh()
    want, got = assert_same(kubectl, keelctl, "apply", "-f", cm, between=fresh, norm=norm)
    assert "is missing the kubectl.kubernetes.io/last-applied-configuration annotation" in got.err


@pytest.mark.parametrize(
    "extra",
    [
        ("--dry-run=client",),
        ("--dry-run=server",),
        ("-o", "name"),
        ("-o", "yaml"),
        ("-o", "json"),
        ("--dry-run=server", "-o", "yaml"),
        ("-o", "wide"),
        ("--dry-run=bogus",),
        ("--validate=bogus",),
    ],
    ids=" ".join,
)
def test_apply_output_and_dry_runs(kubectl, keelctl, tmp_path, extra):
    cm = write(tmp_path, "cm.yaml", CONFIGMAP)
    cm2 = write(tmp_path, "cm2.yaml", CONFIGMAP_EDITED)
    dep = write(tmp_path, "dep.yaml", DEPLOYMENT)
    fresh = reset(kubectl, ("apply", "-f", cm))
    fresh()
    assert_same(kubectl, keelctl, "apply", "-f", cm2, "-f", dep, *extra, between=fresh)


def test_server_side_apply_and_conflicts(kubectl, keelctl, tmp_path):
    cm = write(tmp_path, "cm.yaml", CONFIGMAP)
    cm2 = write(tmp_path, "cm2.yaml", CONFIGMAP.replace("blue", "red"))
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, "apply", "--server-side", "-f", cm, between=fresh)
    other = reset(kubectl, ("apply", "--server-side", "--field-manager=other", "-f", cm))
    other()
    want, got = assert_same(kubectl, keelctl, "apply", "--server-side", "-f", cm2, between=other)
    assert got.rc == 1 and "--force-conflicts" in got.err
    other()
    assert_same(kubectl, keelctl, "apply", "--server-side", "--force-conflicts", "-f", cm2, between=other)
    managers = [m["manager"] for m in json.loads(kubectl("get", "cm", "settings", "-o", "json", "--show-managed-fields").out)["metadata"]["managedFields"]]
    assert "kubectl" in managers


@pytest.mark.parametrize(
    "files, extra",
    [
        (("unknown.yaml",), ()),
        (("noversion.yaml",), ()),
        (("bad.yaml",), ()),
        (("unknown.yaml", "noversion.yaml", "cm.yaml"), ()),
        (("missing.yaml",), ()),
        (("empty.yaml",), ()),
        (("cm.yaml",), ("--force-conflicts",)),
        (("cm.yaml",), ("--server-side", "--dry-run=client")),
        ((), ()),
    ],
    ids=lambda v: " ".join(v) or "none",
)
def test_apply_errors(kubectl, keelctl, tmp_path, files, extra):
    write(tmp_path, "cm.yaml", CONFIGMAP)
    write(tmp_path, "unknown.yaml", "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n")
    write(tmp_path, "noversion.yaml", "kind: ConfigMap\nmetadata:\n  name: n\n")
    write(tmp_path, "bad.yaml", "data: [\n")
    write(tmp_path, "empty.yaml", "")
    args = [a for f in files for a in ("-f", str(tmp_path / f))]
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, "apply", *args, *extra, between=fresh)


def test_apply_reads_stdin_and_directories(kubectl, keelctl, tmp_path):
    d = tmp_path / "manifests"
    (d / "nested").mkdir(parents=True)
    write(d, "a.yaml", CONFIGMAP)
    write(d / "nested", "b.yml", CONFIGMAP.replace("settings", "other"))
    write(d, "notes.txt", "not a manifest")
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, "apply", "-f", str(d), between=fresh)
    fresh()
    assert_same(kubectl, keelctl, "apply", "-R", "-f", str(d), between=fresh)
    fresh()
    want, got = assert_same(kubectl, keelctl, "apply", "-f", "-", input=DEPLOYMENT, between=fresh)
    assert got.out == "deployment.apps/web created\n"


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: front
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
"""

# Ports are merged by `port`: one dropped, one changed, one added.
SERVICE_EDITED = """\
apiVersion: v1
kind: Service
metadata:
  name: front
spec:
  selector:
    app: web
  ports:
  - name: https
    port: 443
    targetPort: 8443
  - name: metrics
    port: 9090
"""


def test_apply_merges_service_ports_by_key(kubectl, keelctl, tmp_path):
    svc, svc2 = write(tmp_path, "svc.yaml", SERVICE), write(tmp_path, "svc2.yaml", SERVICE_EDITED)

    def fresh() -> None:
        kubectl("delete", "service", "front", "--ignore-not-found")
        kubectl("apply", "-f", svc)

    fresh()
    assert_same(kubectl, keelctl, "apply", "-f", svc, between=fresh)
    fresh()
    kubectl("apply", "-f", svc2)
    want = live(kubectl, "service", "front")["spec"]["ports"]
    fresh()
    assert keelctl("apply", "-f", svc2).out == "service/front configured\n"
    got = live(kubectl, "service", "front")["spec"]["ports"]
    assert got == want
    assert [(p["port"], p["targetPort"]) for p in got] == [(443, 8443), (9090, 9090)]
