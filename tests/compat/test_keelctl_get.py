"""`keelctl get` against `kubectl get`: the same arguments on the same objects
must print the same stdout and stderr and exit alike (ages, uids,
timestamps and resourceVersions normalised)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from harness.parity import assert_same, normalise

OBJECTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: alpha
  labels: {app: web, tier: front}
data: {mode: production, level: "3"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: beta-10
  labels: {app: db}
data: {mode: test}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: beta-2
data: {note: "line one\\nline two"}
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  labels: {app: web}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27"}
"""


@pytest.fixture
def objects(kubectl):
    kubectl("create", "-f", "-", input=OBJECTS)


TABLES = [
    ("get", "configmaps"),
    ("get", "cm", "alpha"),
    ("get", "cm/alpha", "secret/creds"),
    ("get", "cm,secrets"),
    ("get", "cm,svc,deploy", "--no-headers"),
    ("get", "cm", "-o", "wide"),
    ("get", "cm", "--show-labels"),
    ("get", "cm", "-L", "app,tier"),
    ("get", "cm", "-L", "app", "-L", "tier", "--show-kind"),
    ("get", "cm", "-l", "app=web"),
    ("get", "cm", "-l", "app in (web,db)", "--sort-by", ".metadata.name"),
    ("get", "cm", "--field-selector", "metadata.name=beta-2"),
    ("get", "cm", "--sort-by", "{.metadata.name}"),
    ("get", "cm", "--chunk-size", "1"),
    ("get", "all"),
    ("get", "deploy", "web", "-o", "wide"),
    ("get", "namespaces", "kube-system"),
]

FORMATS = [
    ("get", "cm", "alpha", "-o", "yaml"),
    ("get", "cm", "alpha", "-o", "json"),
    ("get", "cm", "alpha", "-o", "yaml", "--show-managed-fields"),
    ("get", "cm", "-o", "kyaml"),
    ("get", "cm", "beta-2", "deploy/web", "-o", "kyaml"),
    ("get", "cm", "-o", "json"),
    ("get", "cm,secret", "-o", "yaml"),
    ("get", "cm", "-o", "name"),
    ("get", "cm,deploy,svc", "-o", "name"),
    ("get", "cm", "-o", "jsonpath={.items[*].metadata.name}"),
    ("get", "cm", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.data}{\"\\n\"}{end}"),
    ("get", "cm", "-o", "jsonpath={.items[?(@.metadata.labels.app==\"web\")].metadata.name}"),
    ("get", "cm", "-o", "jsonpath={.items[-1:].metadata.name} {..mode}"),
    ("get", "cm", "alpha", "-o", "jsonpath-as-json={.data}"),
    ("get", "cm", "alpha", "-o", "jsonpath={.metadata.labels}{.missing}"),
    ("get", "cm", "-o", "custom-columns=NAME:.metadata.name,MODE:.data.mode,LABELS:metadata.labels"),
    ("get", "cm", "-o", "custom-columns=NAME:.metadata.name", "--no-headers", "--sort-by=.metadata.name"),
    ("get", "cm", "--sort-by", ".metadata.name", "-o", "name"),
    ("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"),
    ("get", "deploy", "web", "--subresource=scale", "-o", "yaml"),
    ("get", "deploy", "web", "--subresource=status"),
    ("get", "deploy", "--subresource=scale"),
]

ERRORS = [
    ("get",),
    ("get", "foo"),
    ("get", "cm", "missing"),
    ("get", "cm", "alpha", "missing", "beta-2"),
    ("get", "cm", "missing", "-o", "yaml"),
    ("get", "cm", "missing", "other", "-o", "json"),
    ("get", "cm", "missing", "--ignore-not-found"),
    ("get", "cm", "missing", "other", "-o", "json", "--ignore-not-found"),
    ("get", "pods"),
    ("get", "pods", "-A", "-l", "nothing=here"),
    ("get", "pods", "-o", "name"),
    ("get", "pods", "-o", "custom-columns=N:.metadata.name"),
    ("get", "cm", "-o", "foo"),
    ("get", "cm", "-o", "jsonpath={.items[0].metadata.name"),
    ("get", "cm", "-o", "jsonpath={.items[9]}"),
    ("get", "cm", "-o", "custom-columns=NAME"),
    ("get", "cm", "cm/alpha"),
    ("get", "cm", "alpha", "-l", "app=web"),
    ("get", "cm", "alpha", "--field-selector", "metadata.name=beta-2"),
    ("get", "cm/alpha", "-A"),
    ("get", "cm", "-l", "bad selector"),
    ("get", "cm", "--field-selector", "foo=bar"),
    ("get", "cm", "--sort-by", ".metadata.nope"),
    ("get", "cm", "--sort-by", ".metadata.nope", "-o", "name"),
    ("get", "cm", "--sort-by", ".data.mode"),
    ("get", "cm", "--sort-by", ".data.mode", "-o", "name"),
    ("get", "cm", "--show-labels", "-o", "jsonpath={.kind}"),
]


@pytest.mark.parametrize("args", TABLES, ids=" ".join)
def test_tables(kubectl, keelctl, objects, args):
    assert_same(kubectl, keelctl, *args)


@pytest.mark.parametrize("args", FORMATS, ids=" ".join)
def test_output_formats(kubectl, keelctl, objects, args):
    assert_same(kubectl, keelctl, *args)


@pytest.mark.parametrize("args", ERRORS, ids=" ".join)
def test_errors(kubectl, keelctl, objects, args):
    assert_same(kubectl, keelctl, *args)


def test_all_namespaces_adds_namespace_column(kubectl, keelctl, objects, ns):
    # Other tests' namespaces come and go; compare only this namespace's rows.
    def mine(text: str) -> str:
        lines = text.splitlines()
        return "\n".join([lines[0]] + [l for l in lines[1:] if l.startswith(ns)]) if lines else ""

    want = kubectl("get", "cm,secrets", "-A", "-l", "app")
    got = keelctl("get", "cm,secrets", "-A", "-l", "app")
    assert normalise(mine(got.out)) == normalise(mine(want.out))
    assert ns in got.out


def test_raw(kubectl, keelctl, objects, ns):
    assert_same(kubectl, keelctl, "get", "--raw", f"/api/v1/namespaces/{ns}/configmaps/alpha")
    assert_same(kubectl, keelctl, "get", "--raw", "/nope")


def test_files_from_jsonpath_and_custom_columns(kubectl, keelctl, objects, tmp_path):
    template = tmp_path / "t.jsonpath"
    template.write_text("{range .items[*]}{.metadata.name}{'\\n'}{end}")
    columns = tmp_path / "cols"
    columns.write_text("NAME MODE\n.metadata.name .data.mode\n")
    assert_same(kubectl, keelctl, "get", "cm", "-o", f"jsonpath-file={template}")
    assert_same(kubectl, keelctl, "get", "cm", "-o", f"custom-columns-file={columns}")
    assert_same(kubectl, keelctl, "get", "cm", "-o", f"custom-columns-file={tmp_path / 'none'}")


def _watch(runner, *args: str, action, settle: float = 1.5) -> tuple[str, str]:
    """Start `get -w`, run `action`, give the events time to arrive, stop."""
    proc = subprocess.Popen(
        runner.argv(args), env=runner.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(settle)
    action()
    time.sleep(settle)
    proc.terminate()
    out, err = proc.communicate(timeout=10)
    return out, err


@pytest.mark.parametrize(
    "flags",
    [(), ("--output-watch-events",), ("--watch-only",), ("-o", "name"), ("-o", "name", "--output-watch-events")],
    ids=" ".join,
)
def test_watch_lists_then_streams_changes(kubectl, keelctl, objects, flags):
    def change(name: str):
        return lambda: kubectl("create", "configmap", name, "--from-literal=k=v")

    want_out, want_err = _watch(kubectl, "get", "cm", "-w", *flags, action=change("watch-a"))
    kubectl("delete", "configmap", "watch-a")
    got_out, got_err = _watch(keelctl, "get", "cm", "-w", *flags, action=change("watch-b"))
    got_out = got_out.replace("watch-b", "watch-a")
    assert normalise(got_out) == normalise(want_out)
    assert got_err == want_err


def test_watch_single_object_skips_the_synthetic_add(kubectl, keelctl, objects):
    def relabel(value: str):
        return lambda: kubectl("label", "cm", "alpha", f"x={value}", "--overwrite")

    want_out, _ = _watch(kubectl, "get", "cm", "alpha", "-w", action=relabel("1"))
    got_out, _ = _watch(keelctl, "get", "cm", "alpha", "-w", action=relabel("2"))
    assert normalise(got_out) == normalise(want_out)
    assert got_out.count("alpha") == 2


def test_watch_rejects_several_types(kubectl, keelctl, objects):
    assert_same(kubectl, keelctl, "get", "cm,secrets", "-w")


@pytest.mark.parametrize("fmt", ["wide", "json", "kyaml", "custom-columns=N:.metadata.name"])
def test_watch_ends_quietly_at_request_timeout(kubectl, keelctl, objects, fmt):
    assert_same(kubectl, keelctl, "get", "cm", "-w", "-o", fmt, "--request-timeout=1")


def test_sort_by_with_equal_keys_follows_go_sort(kubectl, keelctl):
    # More than 12 objects with repeated keys: the order of equals is what
    # Go's (unstable) sort.Sort leaves, which keelctl must reproduce.
    items = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "labels": {"i": str(i % 3)}}}
        for i in range(40)
    ]
    kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    assert_same(kubectl, keelctl, "get", "cm", "--sort-by=.metadata.labels.i", "-o", "name")
    assert_same(kubectl, keelctl, "get", "cm", "--sort-by=.metadata.labels.i", "-L", "i", "--no-headers")
