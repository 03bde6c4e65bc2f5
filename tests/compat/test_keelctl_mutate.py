"""keelctl's object-changing commands against kubectl's: create -f, delete,
patch, replace, label, annotate, diff and edit. Each scenario resets the
namespace before each binary runs, so both start from the same objects."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from harness.parity import assert_same, normalise

CONFIGMAPS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: alpha
  labels:
    app: web
data:
  color: blue
---
# an empty document is skipped
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: beta
    labels:
      app: web
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: gamma
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
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def reset(kubectl, *setup: tuple[str, ...]):
    """Empties the namespace of configmaps, secrets and deployments, then runs `setup`."""

    def run() -> None:
        kubectl("delete", "deployments,configmaps,secrets", "--all", check=False)
        for args in setup:
            kubectl(*args)

    return run


@pytest.fixture
def files(tmp_path):
    """Manifests every scenario may name, by short name."""
    names = {
        "cms": write(tmp_path, "cms.yaml", CONFIGMAPS),
        "dep": write(tmp_path, "dep.yaml", DEPLOYMENT),
        "dep2": write(tmp_path, "dep2.yaml", DEPLOYMENT.replace("replicas: 1", "replicas: 3")),
        "unknown": write(tmp_path, "unknown.yaml", "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n"),
        "nokind": write(tmp_path, "nokind.yaml", "apiVersion: v1\nmetadata:\n  name: n\n"),
        "bad": write(tmp_path, "bad.yaml", "data: [\n"),
        "unknownfield": write(
            tmp_path, "uf.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: uf\nbogus: 1\n"
        ),
        "otherns": write(
            tmp_path, "otherns.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n  namespace: elsewhere\n"
        ),
        "empty": write(tmp_path, "empty.yaml", ""),
    }
    (tmp_path / "emptydir").mkdir()
    names["emptydir"] = str(tmp_path / "emptydir")
    names["missing"] = str(tmp_path / "missing.yaml")
    return names


def expand(files: dict[str, str], args: tuple[str, ...]) -> list[str]:
    """`@name` arguments become the manifest's path."""
    return [files[a[1:]] if a.startswith("@") else a for a in args]


@pytest.mark.parametrize(
    "args",
    [
        ("create", "-f", "@cms"),
        ("create", "-f", "@cms", "-f", "@dep", "-o", "name"),
        ("create", "-f", "@cms", "-o", "yaml", "--dry-run=client"),
        ("create", "-f", "@cms", "-o", "json"),
        ("create", "-f", "@cms", "--dry-run=server"),
        ("create", "-f", "@cms", "--save-config", "-o", "yaml"),
        ("create", "-f", "@cms", "-l", "app=web"),
        ("create", "-f", "@unknown"),
        ("create", "-f", "@nokind"),
        ("create", "-f", "@nokind", "--validate=false"),
        ("create", "-f", "@bad"),
        ("create", "-f", "@unknown", "-f", "@nokind", "-f", "@bad"),
        ("create", "-f", "@cms", "-f", "@unknown", "-f", "@nokind"),
        ("create", "-f", "@unknownfield"),
        ("create", "-f", "@unknownfield", "--validate=warn"),
        ("create", "-f", "@unknownfield", "--validate=ignore"),
        ("create", "-f", "@otherns", "-n", "default"),
        ("create", "-f", "@missing"),
        ("create", "-f", "@emptydir"),
        ("create", "-f", "@empty"),
        ("create",),
        ("create", "-f", "@cms", "--dry-run=bogus"),
        ("create", "-f", "@cms", "-o", "wide"),
    ],
    ids=" ".join,
)
def test_create_from_files(kubectl, keelctl, files, args):
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, *expand(files, args), between=fresh)


def test_create_twice_reports_every_conflict(kubectl, keelctl, files):
    fresh = reset(kubectl, ("create", "-f", files["cms"]))
    fresh()
    want, got = assert_same(kubectl, keelctl, "create", "-f", files["cms"], between=fresh)
    assert got.rc == 1 and got.err.count("AlreadyExists") == 3


def test_create_reads_stdin(kubectl, keelctl):
    fresh = reset(kubectl)
    fresh()
    assert_same(kubectl, keelctl, "create", "-f", "-", input=CONFIGMAPS, between=fresh)


@pytest.mark.parametrize(
    "args",
    [
        ("delete", "configmap", "alpha"),
        ("delete", "configmap", "alpha", "beta", "-o", "name"),
        ("delete", "configmap/alpha", "configmap/missing"),
        ("delete", "configmap", "missing", "--ignore-not-found"),
        ("delete", "configmaps", "-l", "app=web"),
        ("delete", "configmaps", "-l", "app=none"),
        ("delete", "configmaps", "--all", "--dry-run=client"),
        ("delete", "configmaps", "--all", "--dry-run=server"),
        ("delete", "-f", "@cms"),
        ("delete", "-f", "@cms", "-l", "app=web"),
        ("delete", "deployment", "web", "--cascade=background"),
        ("delete", "deployment", "web", "--cascade=bogus"),
        ("delete", "configmap", "alpha", "--force", "--grace-period=0"),
        ("delete", "configmap", "alpha", "--now", "--grace-period=5"),
        ("delete", "configmaps", "--all", "-l", "app=web"),
        ("delete", "configmaps"),
        ("delete",),
        ("delete", "gizmos", "x"),
        ("delete", "-f", "@cms", "configmap", "alpha"),
        ("delete", "configmap", "alpha", "-o", "yaml"),
        ("delete", "namespace", "kube-public", "--dry-run=client", "-n", "default"),
    ],
    ids=" ".join,
)
def test_delete(kubectl, keelctl, files, args):
    fresh = reset(kubectl, ("create", "-f", files["cms"], "-f", files["dep"]))
    fresh()
    assert_same(kubectl, keelctl, *expand(files, args), between=fresh)


@pytest.mark.parametrize(
    "args",
    [
        ("patch", "configmap", "alpha", "-p", '{"data":{"color":"red"}}'),
        ("patch", "configmap", "alpha", "-p", '{"data":{"color":"blue"}}'),
        ("patch", "configmap", "alpha", "--type=merge", "-p", "data:\n  size: xl\n"),
        ("patch", "configmap", "alpha", "--type=json", "-p", '[{"op":"remove","path":"/data/color"}]'),
        ("patch", "configmap", "alpha", "--type=json", "-p", '[{"op":"remove","path":"/data/none"}]'),
        ("patch", "configmap", "alpha", "beta", "-p", '{"data":{"k":"v"}}', "-o", "name"),
        ("patch", "deployment", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}}}'),
        ("patch", "configmap", "alpha", "-p", '{"data":{"k":"v"}}', "--dry-run=client", "-o", "yaml"),
        ("patch", "configmap", "alpha", "-p", '{"data":{"k":"v"}}', "--dry-run=server"),
        ("patch", "-f", "@cms", "-p", '{"metadata":{"labels":{"x":"y"}}}'),
        ("patch", "configmap", "missing", "-p", "{}"),
        ("patch", "configmap", "alpha"),
        ("patch", "configmap", "alpha", "-p", "{}", "--type=bogus"),
        ("patch", "configmap", "alpha", "-p", "[bad"),
        ("patch", "configmaps", "-p", "{}"),
    ],
    ids=" ".join,
)
def test_patch(kubectl, keelctl, files, args):
    fresh = reset(kubectl, ("create", "-f", files["cms"], "-f", files["dep"]))
    fresh()
    assert_same(kubectl, keelctl, *expand(files, args), between=fresh)


@pytest.mark.parametrize(
    "args",
    [
        ("replace", "-f", "@dep2"),
        ("replace", "-f", "@dep2", "-o", "name"),
        ("replace", "-f", "@dep2", "--dry-run=client"),
        ("replace", "-f", "@dep2", "--dry-run=server", "-o", "yaml"),
        ("replace", "-f", "@dep2", "--force"),
        ("replace", "-f", "@cms"),
        ("replace", "-f", "@empty"),
        ("replace",),
    ],
    ids=" ".join,
)
def test_replace(kubectl, keelctl, files, args):
    fresh = reset(kubectl, ("create", "-f", files["dep"]), ("create", "configmap", "alpha"))
    fresh()
    assert_same(kubectl, keelctl, *expand(files, args), between=fresh)


def test_replace_changes_the_object(kubectl, keelctl, files):
    fresh = reset(kubectl, ("create", "-f", files["dep"]))
    fresh()
    keelctl("replace", "-f", files["dep2"])
    assert json.loads(kubectl("get", "deployment", "web", "-o", "json").out)["spec"]["replicas"] == 3


@pytest.mark.parametrize(
    "args",
    [
        ("label", "configmap", "alpha", "tier=front"),
        ("label", "configmap", "alpha", "app=api"),
        ("label", "configmap", "alpha", "app=api", "--overwrite"),
        ("label", "configmap", "alpha", "app=web"),
        ("label", "configmap", "alpha", "app-"),
        ("label", "configmap", "alpha", "none-"),
        ("label", "configmap", "alpha", "a=1", "b=2", "-o", "name"),
        ("label", "configmaps", "--all", "tier=x"),
        ("label", "configmaps", "-l", "app=web", "tier=x"),
        ("label", "configmaps", "--all", "-l", "app=web", "tier=x"),
        ("label", "configmap", "alpha", "--list"),
        ("label", "configmap", "alpha", "x=1", "--dry-run=client"),
        ("label", "configmap", "alpha", "x=1", "--dry-run=server"),
        ("label", "configmap", "alpha", "x=1", "--resource-version=1"),
        ("label", "-f", "@cms", "x=1"),
        ("label", "-f", "@cms", "x=1", "--local", "-o", "yaml"),
        ("label", "configmap", "alpha"),
        ("label", "configmap", "x=1"),
        ("label", "configmap", "alpha", "a=b=c"),
        ("label", "configmap", "alpha", "a=-bad"),
        ("label", "configmap", "alpha", "a=b", "a-"),
        ("label", "configmap", "alpha", "a=b", "beta"),
        ("label", "configmap", "missing", "a=b"),
        ("annotate", "configmap", "alpha", "note=hello world"),
        ("annotate", "configmap", "alpha", "note=again"),
        ("annotate", "configmap", "alpha", "seen=yes", "--overwrite"),
        ("annotate", "configmap", "alpha", "seen-"),
        ("annotate", "configmap", "alpha", "--list"),
        ("annotate", "configmap", "alpha", "bogus"),
        ("annotate", "configmap", "alpha", "a=b", "a-"),
        ("annotate", "configmap", "alpha"),
    ],
    ids=" ".join,
)
def test_label_and_annotate(kubectl, keelctl, files, args):
    fresh = reset(
        kubectl,
        ("create", "-f", files["cms"]),
        ("annotate", "configmap", "alpha", "seen=no", "note=first"),
    )
    fresh()
    # --list prints in Go map order in kubectl: compare the lines as a set.
    norm = (lambda t: "\n".join(sorted(normalise(t).splitlines()))) if "--list" in args else normalise
    assert_same(kubectl, keelctl, *expand(files, args), between=fresh, norm=norm)


def diff_norm(text: str) -> str:
    """Temporary directory names and file times differ run to run."""
    text = re.sub(r"/(LIVE|MERGED)-\d+", r"/\1-N", text)
    text = re.sub(r"\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}", "", text)
    text = re.sub(r"generation: \d+", "generation: N", text)
    return normalise(text)


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "-f", "@dep2"),
        ("diff", "-f", "@dep"),
        ("diff", "-f", "@cms"),
        ("diff", "-f", "@dep2", "--server-side"),
        ("diff", "-f", "@unknown"),
        ("diff", "-f", "@missing"),
        ("diff",),
    ],
    ids=" ".join,
)
def test_diff(kubectl, keelctl, files, args):
    fresh = reset(kubectl, ("apply", "-f", files["dep"]))
    fresh()
    want, got = assert_same(kubectl, keelctl, *expand(files, args), between=fresh, norm=diff_norm)
    if args == ("diff", "-f", "@dep2"):
        assert got.rc == 1 and "-  replicas: 1\n+  replicas: 3\n" in got.out


def test_diff_masks_secrets(kubectl, keelctl, tmp_path):
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: YQ==\n  b: Yg==\n"
    changed = write(tmp_path, "s2.yaml", secret.replace("YQ==", "eA==") + "  c: Yw==\n")
    fresh = reset(kubectl, ("apply", "-f", write(tmp_path, "s.yaml", secret)))
    fresh()
    want, got = assert_same(kubectl, keelctl, "diff", "-f", changed, between=fresh, norm=diff_norm)
    assert "-  a: '*** (before)'\n+  a: '*** (after)'\n" in got.out
    assert "YQ==" not in got.out and "eA==" not in got.out


def editor(tmp_path: Path, name: str, script: str) -> str:
    """An editor: a shell script that edits the file it is given."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def edit_norm(text: str) -> str:
    return normalise(re.sub(r"/(kube|keel)ctl-edit-\d+\.(yaml|json)", "/EDIT-FILE", text))


@pytest.mark.parametrize(
    "script, args",
    [
        ('sed -i -e "s/color: blue/color: green/" "$1"', ()),
        ('sed -i -e "s/color: blue/color: green/" "$1"', ("--output-patch",)),
        ('sed -i -e "s/\\"color\\": \\"blue\\"/\\"color\\": \\"green\\"/" "$1"', ("-o", "json")),
        ("true", ()),
        ('sed -i -e "/^[a-z ]/d" "$1"', ()),
        ('sed -i -e "s/name: alpha/name: renamed/" "$1"', ()),
        ('sed -i -e "s/^data:$/data: [/" "$1"', ()),
        ("exit 3", ()),
    ],
    ids=["change", "output-patch", "json", "no-change", "emptied", "renamed", "syntax-error-once", "editor-fails"],
)
def test_edit(kubectl, keelctl, files, tmp_path, script, args):
    fresh = reset(kubectl, ("create", "-f", files["cms"]))
    fresh()
    env_editor = editor(tmp_path, "editor.sh", script)
    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = env_editor
    assert_same(kubectl, keelctl, "edit", "configmap", "alpha", *args, between=fresh, norm=edit_norm)


def test_edit_changes_the_object(kubectl, keelctl, files, tmp_path):
    fresh = reset(kubectl, ("create", "-f", files["cms"]))
    fresh()
    keelctl.env["KUBE_EDITOR"] = editor(tmp_path, "e.sh", 'sed -i -e "s/color: blue/color: green/" "$1"')
    rc, out, err = keelctl("edit", "configmap/alpha")
    assert out == "configmap/alpha edited\n"
    assert json.loads(kubectl("get", "configmap", "alpha", "-o", "json").out)["data"] == {"color": "green"}


def test_edit_several_objects_as_a_list(kubectl, keelctl, files, tmp_path):
    fresh = reset(kubectl, ("create", "-f", files["cms"]))
    fresh()
    script = 'grep -q "kind: List" "$1" && sed -i -e "s/color: blue/color: teal/" "$1"'
    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = editor(tmp_path, "e.sh", script)
    want, got = assert_same(kubectl, keelctl, "edit", "configmaps", "alpha", "beta", between=fresh, norm=edit_norm)
    assert got.out == "configmap/alpha edited\nconfigmap/beta skipped\n"


def test_aggregated_errors_end_in_a_newline_each(kubectl, keelctl):
    """kubectl's MultipleErrors ends every message with a newline, so a
    message that already ends in one (a jsonpath execution error) leaves a
    blank line after it, the last one included."""
    fresh = reset(
        kubectl,
        ("create", "deployment", "d1", "--image=nginx"),
        ("create", "deployment", "d2", "--image=nginx"),
    )
    fresh()
    args = ("deploy/d1", "deploy/d2", "-o", "jsonpath={.missing}", "--allow-missing-template-keys=false")
    # The object the jsonpath engine was given differs run to run.
    norm = lambda text: normalise(re.sub(r"map\[.*", "<object>", text))  # noqa: E731
    want, _ = assert_same(kubectl, keelctl, "rollout", "restart", *args, between=fresh, norm=norm)
    assert want.rc == 1
    assert want.err.count("missing is not found") == 2
    assert norm(want.err).endswith("<object>\n\n\n\n")
