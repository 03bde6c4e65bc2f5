"""label, annotate, patch and replace, including optimistic-concurrency conflicts."""

from __future__ import annotations

import json

CONFLICT = (
    'Operation cannot be fulfilled on configmaps "{name}": the object has been modified; '
    "please apply your changes to the latest version and try again"
)


def test_label_add_overwrite_remove(kubectl):
    kubectl("create", "configmap", "l", "--from-literal=k=v")

    assert kubectl("label", "configmap", "l", "app=web").out == "configmap/l labeled\n"
    assert kubectl("get", "configmap", "l", "-o", "jsonpath={.metadata.labels.app}").out == "web"

    rc, out, err = kubectl("label", "configmap", "l", "app=api", check=False)
    assert (rc, out) == (1, "")
    assert err == "error: 'app' already has a value (web), and --overwrite is false\n"

    assert kubectl("label", "configmap", "l", "app=api", "--overwrite").out == "configmap/l labeled\n"
    assert kubectl("get", "configmap", "l", "-o", "jsonpath={.metadata.labels.app}").out == "api"

    assert kubectl("label", "configmap", "l", "app-").out == "configmap/l unlabeled\n"
    # kube-apiserver omits an empty label map (omitempty), so -o yaml shows no labels key.
    assert "labels" not in kubectl.json("get", "configmap", "l")["metadata"]


def test_label_with_stale_resource_version_conflicts(kubectl):
    kubectl("create", "configmap", "rv", "--from-literal=k=v")
    old_rv = kubectl("get", "configmap", "rv", "-o", "jsonpath={.metadata.resourceVersion}").out
    kubectl("label", "configmap", "rv", "step=1")

    rc, out, err = kubectl(
        "label", "configmap", "rv", "step=2", "--overwrite", f"--resource-version={old_rv}", check=False
    )
    assert (rc, out) == (1, "")
    assert err == "Error from server (Conflict): " + CONFLICT.format(name="rv") + "\n"
    assert kubectl("get", "configmap", "rv", "-o", "jsonpath={.metadata.labels.step}").out == "1"


def test_annotate(kubectl):
    kubectl("create", "configmap", "a", "--from-literal=k=v")

    assert kubectl("annotate", "configmap", "a", "note=hello world").out == "configmap/a annotated\n"
    assert kubectl("get", "configmap", "a", "-o", "jsonpath={.metadata.annotations.note}").out == (
        "hello world"
    )

    rc, out, err = kubectl("annotate", "configmap", "a", "note=other", check=False)
    assert (rc, out) == (1, "")
    assert err == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (hello world)\n"
    )

    assert kubectl("annotate", "configmap", "a", "note=other", "--overwrite").out == (
        "configmap/a annotated\n"
    )
    assert kubectl("annotate", "configmap", "a", "note-").out == "configmap/a annotated\n"
    assert "annotations" not in kubectl.json("get", "configmap", "a")["metadata"]


def test_patch_merge(kubectl):
    kubectl("create", "configmap", "p", "--from-literal=k=v", "--from-literal=gone=x")

    out = kubectl(
        "patch", "configmap", "p", "--type", "merge", "-p", '{"data":{"k":"v2","new":"n","gone":null}}'
    ).out
    assert out == "configmap/p patched\n"
    assert kubectl.json("get", "configmap", "p")["data"] == {"k": "v2", "new": "n"}

    # Same content again: the server writes nothing, kubectl notices.
    out = kubectl("patch", "configmap", "p", "--type", "merge", "-p", '{"data":{"k":"v2"}}').out
    assert out == "configmap/p patched (no change)\n"


def test_patch_json(kubectl):
    kubectl("create", "configmap", "j", "--from-literal=k=v")
    ops = [
        {"op": "replace", "path": "/data/k", "value": "v3"},
        {"op": "add", "path": "/data/added", "value": "y"},
        {"op": "add", "path": "/metadata/labels", "value": {"via": "json-patch"}},
    ]
    out = kubectl("patch", "configmap", "j", "--type", "json", "-p", json.dumps(ops)).out
    assert out == "configmap/j patched\n"
    cm = kubectl.json("get", "configmap", "j")
    assert cm["data"] == {"k": "v3", "added": "y"}
    assert cm["metadata"]["labels"] == {"via": "json-patch"}


def test_patch_strategic_merges_containers_by_name(kubectl):
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "s"},
        "spec": {
            "selector": {"matchLabels": {"app": "s"}},
            "template": {
                "metadata": {"labels": {"app": "s"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                        {"name": "sidecar", "image": "busybox:1.36"},
                    ]
                },
            },
        },
    }
    kubectl("create", "-f", "-", input=json.dumps(deployment))

    # The default patch type for built-in kinds is strategic merge: the list
    # of containers merges by name instead of being replaced.
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}
    assert kubectl("patch", "deployment", "s", "-p", json.dumps(patch)).out == "deployment.apps/s patched\n"
    got = kubectl.json("get", "deployment", "s")
    containers = {c["name"]: c for c in got["spec"]["template"]["spec"]["containers"]}
    assert set(containers) == {"web", "sidecar"}
    assert containers["web"]["image"] == "nginx:1.28"
    assert containers["web"]["ports"][0]["containerPort"] == 80
    assert containers["sidecar"]["image"] == "busybox:1.36"
    assert got["metadata"]["generation"] == 2


def test_patch_missing_object(kubectl):
    rc, out, err = kubectl(
        "patch", "configmap", "nope", "--type", "merge", "-p", '{"data":{"k":"v"}}', check=False
    )
    assert (rc, out) == (1, "")
    assert err == 'Error from server (NotFound): configmaps "nope" not found\n'


def test_replace(kubectl):
    kubectl("create", "configmap", "r", "--from-literal=k=v")
    obj = kubectl.json("get", "configmap", "r")
    old_rv = int(obj["metadata"]["resourceVersion"])

    obj["data"] = {"k": "replaced"}
    assert kubectl("replace", "-f", "-", input=json.dumps(obj)).out == "configmap/r replaced\n"
    got = kubectl.json("get", "configmap", "r")
    assert got["data"] == {"k": "replaced"}
    assert got["metadata"]["uid"] == obj["metadata"]["uid"]
    assert int(got["metadata"]["resourceVersion"]) > old_rv


def test_replace_with_stale_resource_version_conflicts(kubectl):
    kubectl("create", "configmap", "stale", "--from-literal=k=v")
    stale = kubectl.json("get", "configmap", "stale")
    kubectl("patch", "configmap", "stale", "--type", "merge", "-p", '{"data":{"k":"newer"}}')

    stale["data"] = {"k": "lost update"}
    rc, out, err = kubectl("replace", "-f", "-", input=json.dumps(stale), check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'Error from server (Conflict): error when replacing "STDIN": ' + CONFLICT.format(name="stale") + "\n"
    )
    assert kubectl.json("get", "configmap", "stale")["data"] == {"k": "newer"}


def test_replace_missing_object(kubectl, ns):
    doc = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ghost"}, "data": {}})
    rc, out, err = kubectl("replace", "-f", "-", input=doc, check=False)
    assert (rc, out) == (1, "")
    assert err == 'Error from server (NotFound): error when replacing "STDIN": configmaps "ghost" not found\n'
