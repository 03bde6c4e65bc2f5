"""keelctl apply --prune and the apply subcommands (view-last-applied,
set-last-applied, edit-last-applied) against kubectl: what is pruned and
what is kept, the lines and objects printed, dry runs, kubectl's warning
and errors, and the annotation each subcommand reads or writes."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from harness.parity import assert_same, normalise

# Three objects an earlier apply made, one made imperatively (no
# last-applied annotation), one in another kind outside the label.
MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: keep
  labels:
    app: web
data:
  k: v
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: gone
  labels:
    app: web
data:
  k: v
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  labels:
    app: web
stringData:
  k: v
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 0
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
        image: nginx
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  labels:
    app: db
data:
  k: v
"""

# What the next apply holds: only `keep`.
KEEP = MANIFEST.split("---\n")[0]

_KLOG = re.compile(r"^([WEI])\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ ", re.M)


def norm(text: str) -> str:
    """klog headers carry a time and a pid; keelctl names itself as kubectl."""
    return normalise(_KLOG.sub(r"\1<klog> ", text.replace("keelctl", "kubectl")))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def reset(kubectl, manifest: str):
    """Empties the namespace, applies `manifest` and creates one configmap
    without the annotation, so both binaries start from the same state."""

    def run() -> None:
        kubectl("delete", "deployments,configmaps,secrets", "--all", "--wait=true", check=False)
        kubectl("apply", "-f", manifest)
        kubectl("create", "configmap", "imperative", "--from-literal=k=v")
        kubectl("label", "configmap", "imperative", "app=web")

    return run


def names(kubectl, kinds: str = "deployments,configmaps,secrets") -> list[str]:
    out = kubectl("get", kinds, "-o", "name").out
    return sorted(line for line in out.splitlines() if "kube-root-ca" not in line)


@pytest.mark.parametrize(
    "extra",
    [
        ("-l", "app=web"),
        ("--all",),
        ("-l", "app=web", "--dry-run=client"),
        ("-l", "app=web", "--dry-run=server"),
        ("-l", "app=web", "-o", "name"),
        ("-l", "app=web", "-o", "yaml", "--prune-allowlist", "core/v1/ConfigMap"),
        ("-l", "app=web", "-o", "json", "--prune-allowlist", "core/v1/Secret", "--dry-run=client"),
        ("--all", "--prune-allowlist", "core/v1/Secret", "--prune-allowlist", "apps/v1/Deployment"),
        ("-l", "app=web", "--cascade=background", "--grace-period=0"),
        ("-l", "app=web", "--cascade=true", "--prune-allowlist", "core/v1/Secret"),
    ],
    ids=" ".join,
)
def test_prune_deletes_what_the_files_no_longer_hold(kubectl, keelctl, tmp_path, extra):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    keep = write(tmp_path, "keep.yaml", KEEP)
    fresh = reset(kubectl, manifest)
    fresh()
    want, got = assert_same(kubectl, keelctl, "apply", "-f", keep, "--prune", *extra, between=fresh, norm=norm)
    assert got.rc == 0
    fresh()
    kubectl("apply", "-f", keep, "--prune", *extra)
    left_by_kubectl = names(kubectl)
    fresh()
    keelctl("apply", "-f", keep, "--prune", *extra)
    assert names(kubectl) == left_by_kubectl
    # Never pruned: the object just applied, the one without the annotation.
    assert "configmap/keep" in left_by_kubectl and "configmap/imperative" in left_by_kubectl


def test_prune_lines_and_what_is_left(kubectl, keelctl, tmp_path):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    keep = write(tmp_path, "keep.yaml", KEEP)
    reset(kubectl, manifest)()
    rc, out, err = keelctl("apply", "-f", keep, "--prune", "-l", "app=web")
    assert out == (
        "configmap/keep unchanged\n"
        "configmap/gone pruned\n"
        "secret/token pruned\n"
        "deployment.apps/web pruned\n"
    )
    assert "prune.go:71] Deprecated: kubectl apply will no longer prune non-namespaced resources" in err
    assert names(kubectl) == ["configmap/imperative", "configmap/keep", "configmap/other"]


def test_prune_in_another_namespace_than_the_objects(kubectl, keelctl, tmp_path):
    """Namespaces visited are those of the applied objects: a namespace
    named by nothing applied is left alone."""
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    fresh = reset(kubectl, manifest)
    fresh()
    elsewhere = write(tmp_path, "elsewhere.yaml", KEEP.replace("name: keep", "name: keep\n  namespace: default"))
    assert_same(
        kubectl, keelctl, "apply", "-f", elsewhere, "--prune", "--all", "--dry-run=client",
        "--prune-allowlist", "core/v1/ConfigMap", norm=norm,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--prune",),
        ("--prune", "--all", "-l", "app=web"),
        ("--all", "-l", "app=web"),
        ("--prune", "--all", "--prune-allowlist", "v1/ConfigMap"),
        ("--prune", "--all", "--prune-allowlist", "core/v1/Gizmo"),
        ("--prune", "--all", "--server-side"),
        ("--prune", "--all", "--cascade=sideways"),
        ("--prune", "--all", "--force", "--dry-run=server"),
        ("--prune-whitelist", "core/v1/ConfigMap"),
        ("extra-arg",),
    ],
    ids=" ".join,
)
def test_prune_errors(kubectl, keelctl, tmp_path, args):
    keep = write(tmp_path, "keep.yaml", KEEP)
    want, got = assert_same(kubectl, keelctl, "apply", "-f", keep, *args, norm=norm)
    assert got.rc == 1


def test_prune_needs_files(kubectl, keelctl):
    want, got = assert_same(kubectl, keelctl, "apply", "--prune", "--all", norm=norm)
    assert got.err == "error: must specify one of -f and -k\n"


@pytest.mark.parametrize(
    "args",
    [
        ("configmap/keep",),
        ("configmap", "keep", "gone", "-o", "json"),
        ("configmaps", "-l", "app=web"),
        ("configmaps", "--all", "-o", "json"),
        ("deployment/web", "configmap/imperative", "secret/token"),
        ("-f", "MANIFEST"),
        ("configmap/keep", "-o", "wide"),
        ("configmap/missing",),
        (),
    ],
    ids=lambda a: " ".join(a) or "none",
)
def test_view_last_applied(kubectl, keelctl, tmp_path, args):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    reset(kubectl, manifest)()
    args = tuple(manifest if a == "MANIFEST" else a for a in args)
    assert_same(kubectl, keelctl, "apply", "view-last-applied", *args, norm=norm)


def test_view_last_applied_shows_the_annotation(kubectl, keelctl, tmp_path):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    reset(kubectl, manifest)()
    rc, out, err = keelctl("apply", "view-last-applied", "secret/token", "-o", "json")
    live = json.loads(kubectl("get", "secret", "token", "-o", "json").out)
    annotation = live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(out) == json.loads(annotation)
    assert out.startswith('{\n  "apiVersion": "v1",\n  "kind": "Secret",\n')


@pytest.mark.parametrize(
    "file, extra",
    [
        ("keep", ()),
        ("keep", ("-o", "yaml")),
        ("keep-changed", ()),
        ("keep-changed", ("--dry-run=client",)),
        ("keep-changed", ("--dry-run=server", "-o", "name")),
        ("imperative", ()),
        ("imperative", ("--create-annotation",)),
        ("imperative", ("--create-annotation", "--dry-run=server")),
        ("missing", ()),
        (None, ()),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_set_last_applied(kubectl, keelctl, tmp_path, file, extra):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    fresh = reset(kubectl, manifest)
    files = {
        "keep": write(tmp_path, "keep.yaml", KEEP),
        "keep-changed": write(tmp_path, "keep2.yaml", KEEP.replace("k: v", "k: changed")),
        "imperative": write(tmp_path, "imp.yaml", KEEP.replace("name: keep", "name: imperative")),
        "missing": write(tmp_path, "missing.yaml", KEEP.replace("name: keep", "name: missing")),
    }
    args = ("-f", files[file]) if file else ()
    fresh()
    assert_same(kubectl, keelctl, "apply", "set-last-applied", *args, *extra, between=fresh, norm=norm)


def test_set_last_applied_writes_the_file_as_the_annotation(kubectl, keelctl, tmp_path):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    changed = write(tmp_path, "keep2.yaml", KEEP.replace("k: v", "k: changed"))
    fresh = reset(kubectl, manifest)
    fresh()
    kubectl("apply", "set-last-applied", "-f", changed)
    want = json.loads(kubectl("get", "configmap", "keep", "-o", "json").out)
    fresh()
    rc, out, err = keelctl("apply", "set-last-applied", "-f", changed)
    assert out == "configmap/keep configured\n"
    got = json.loads(kubectl("get", "configmap", "keep", "-o", "json").out)
    key = "kubectl.kubernetes.io/last-applied-configuration"
    assert got["metadata"]["annotations"][key] == want["metadata"]["annotations"][key]
    assert '"k":"changed"' in got["metadata"]["annotations"][key]
    # Only the annotation changed.
    assert got["data"] == {"k": "v"}
    # Running it again finds nothing to do.
    assert keelctl("apply", "set-last-applied", "-f", changed).out == "set-last-applied keep: no changes required.\n"


def editor(tmp_path: Path, script: str) -> str:
    """An editor that keeps a copy of what it was shown, then runs `script`."""
    path = tmp_path / "editor.sh"
    path.write_text(f'#!/bin/sh\ncp "$1" "{tmp_path}/shown"\n{script}\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def edit_norm(text: str) -> str:
    return norm(re.sub(r"/(kube|keel)ctl-edit-\d+\.(yaml|json)", "/EDIT-FILE", text))


@pytest.mark.parametrize(
    "script, args",
    [
        ('sed -i -e "s/k: v/k: edited/" "$1"', ("configmap/keep",)),
        ('sed -i -e "s/\\"k\\": \\"v\\"/\\"k\\": \\"edited\\"/" "$1"', ("configmap/keep", "-o", "json")),
        ("true", ("configmap/keep",)),
        ('sed -i -e "s/k: v/k: edited/" "$1"', ("configmap/imperative",)),
        ('sed -i -e "s/replicas: 0/replicas: 2/" "$1"', ("deployment/web",)),
        ("true", ("configmap/missing",)),
    ],
    ids=["change", "json", "no-change", "no-annotation", "deployment", "missing"],
)
def test_edit_last_applied(kubectl, keelctl, tmp_path, script, args):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    fresh = reset(kubectl, manifest)
    fresh()
    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = editor(tmp_path, script)
    shown = tmp_path / "shown"
    want, got = assert_same(
        kubectl, keelctl, "apply", "edit-last-applied", *args, between=fresh, norm=edit_norm
    )
    if want.rc == 0:
        # Both showed the same buffer (the last run's copy is keelctl's).
        kubectl_shown = shown.read_text()
        fresh()
        kubectl("apply", "edit-last-applied", *args, check=False)
        assert shown.read_text() == kubectl_shown


def test_edit_last_applied_changes_only_the_annotation(kubectl, keelctl, tmp_path):
    manifest = write(tmp_path, "all.yaml", MANIFEST)
    reset(kubectl, manifest)()
    keelctl.env["KUBE_EDITOR"] = editor(tmp_path, 'sed -i -e "s/k: v/k: edited/" "$1"')
    rc, out, err = keelctl("apply", "edit-last-applied", "configmap/keep")
    assert out == "configmap/keep edited\n"
    assert (tmp_path / "shown").read_text().startswith(
        "# Please edit the 'last-applied-configuration' annotations below.\n"
    )
    live = json.loads(kubectl("get", "configmap", "keep", "-o", "json").out)
    assert live["data"] == {"k": "v"}
    annotation = json.loads(live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert annotation["data"] == {"k": "edited"}
    # The next apply of the unchanged file sees the edited configuration and
    # puts the file's value back.
    keep = write(tmp_path, "keep.yaml", KEEP)
    assert keelctl("apply", "-f", keep).out == "configmap/keep configured\n"


APPLYSET_MANIFEST = MANIFEST.split("---\n")
# The set's first apply: two configmaps and a secret; the next holds `keep` only.
SET_FIRST = "---\n".join(APPLYSET_MANIFEST[:3])


def applyset_reset(kubectl, ns: str, manifest: str):
    """Removes the set's parent and members, then applies `manifest` as the set."""

    def run() -> None:
        kubectl("delete", "configmaps,secrets", "--all", "--wait=true", check=False)
        kubectl.env["KUBECTL_APPLYSET"] = "true"
        kubectl("apply", "-n", ns, "-f", manifest, "--prune", "--applyset=myset")

    return run


@pytest.mark.parametrize(
    "extra",
    [(), ("--dry-run=client",), ("--dry-run=server",), ("-o", "name")],
    ids=lambda a: " ".join(a) or "plain",
)
def test_applyset_prunes_the_sets_members(kubectl, keelctl, tmp_path, ns, extra):
    first = write(tmp_path, "first.yaml", SET_FIRST)
    keep = write(tmp_path, "keep.yaml", KEEP)
    fresh = applyset_reset(kubectl, ns, first)
    fresh()
    for tool in (kubectl, keelctl):
        tool.env["KUBECTL_APPLYSET"] = "true"
    args = ("apply", "-n", ns, "-f", keep, "--prune", "--applyset=myset", *extra)
    # kubectl walks the set's kinds in Go map order: lines compare as a set.
    assert_same(kubectl, keelctl, *args, between=fresh, norm=lambda t: sorted(norm(t).splitlines()))
    fresh()
    kubectl(*args)
    want = names(kubectl), json.loads(kubectl("get", "secret", "myset", "-o", "json").out)
    fresh()
    keelctl(*args)
    got = names(kubectl), json.loads(kubectl("get", "secret", "myset", "-o", "json").out)
    assert got[0] == want[0]
    # The parent records the same set; only the tool's version differs.
    for parent in (want[1], got[1]):
        parent["metadata"]["annotations"].pop("applyset.kubernetes.io/tooling")
    assert got[1]["metadata"]["annotations"] == want[1]["metadata"]["annotations"]
    assert got[1]["metadata"]["labels"] == want[1]["metadata"]["labels"]


def test_applyset_members_are_labelled(kubectl, keelctl, tmp_path, ns):
    first = write(tmp_path, "first.yaml", SET_FIRST)
    keelctl.env["KUBECTL_APPLYSET"] = "true"
    keelctl("apply", "-n", ns, "-f", first, "--prune", "--applyset=myset")
    parent = json.loads(kubectl("get", "secret", "myset", "-o", "json").out)
    set_id = parent["metadata"]["labels"]["applyset.kubernetes.io/id"]
    assert re.fullmatch(r"applyset-[A-Za-z0-9_-]{43}-v1", set_id)
    assert parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"] == "ConfigMap,Secret"
    assert parent["metadata"]["annotations"]["applyset.kubernetes.io/tooling"].startswith("kubectl/")
    members = kubectl("get", "configmaps,secrets", "-l", f"applyset.kubernetes.io/part-of={set_id}", "-o", "name").out
    assert sorted(members.split()) == ["configmap/gone", "configmap/keep", "secret/token"]
    # kubectl takes over the set keelctl made: the ids agree.
    kubectl.env["KUBECTL_APPLYSET"] = "true"
    keep = write(tmp_path, "keep.yaml", KEEP)
    assert kubectl("apply", "-n", ns, "-f", keep, "--prune", "--applyset=myset").out == (
        "configmap/keep unchanged\nconfigmap/gone pruned\nsecret/token pruned\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--applyset=myset",),
        ("--prune", "--applyset=myset", "--all"),
        ("--prune", "--applyset=myset", "-l", "a=b"),
        ("--prune", "--applyset=myset", "--prune-allowlist", "core/v1/Secret"),
        ("--prune", "--applyset=configmaps/"),
        ("--prune", "--applyset=gizmos/x"),
        ("--prune", "--applyset=namespaces/x"),
        ("--prune", "--applyset=myset", "NO-NAMESPACE"),
        ("--prune", "--applyset=myset", "DISABLED"),
    ],
    ids=" ".join,
)
def test_applyset_errors(kubectl, keelctl, tmp_path, ns, args):
    keep = write(tmp_path, "keep.yaml", KEEP)
    enabled = "DISABLED" not in args
    for tool in (kubectl, keelctl):
        if enabled:
            tool.env["KUBECTL_APPLYSET"] = "true"
    namespace = () if "NO-NAMESPACE" in args else ("-n", ns)
    args = tuple(a for a in args if a not in ("DISABLED", "NO-NAMESPACE"))
    want, got = assert_same(kubectl, keelctl, "apply", *namespace, "-f", keep, *args, norm=norm)
    assert got.rc == 1
