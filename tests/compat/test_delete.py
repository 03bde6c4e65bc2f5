"""delete by name, by file, by label; finalizers holding a delete."""

from __future__ import annotations

import re

from manifests import APP_STACK, configmap


def test_delete_by_name(kubectl, ns):
    kubectl("create", "configmap", "d", "--from-literal=k=v")
    assert kubectl("delete", "configmap", "d") == (0, f'configmap "d" deleted from {ns} namespace\n', "")
    rc, out, err = kubectl("get", "configmap", "d", check=False)
    assert (rc, err) == (1, 'Error from server (NotFound): configmaps "d" not found\n')


def test_delete_missing_object(kubectl):
    rc, out, err = kubectl("delete", "configmap", "nope", check=False)
    assert (rc, out) == (1, "")
    assert err == 'Error from server (NotFound): configmaps "nope" not found\n'
    assert kubectl("delete", "configmap", "nope", "--ignore-not-found") == (0, "", "")


def test_delete_from_file(kubectl, ns):
    kubectl("create", "-f", "-", input=APP_STACK)
    rc, out, err = kubectl("delete", "-f", "-", input=APP_STACK)
    assert out == (
        f'configmap "app-config" deleted from {ns} namespace\n'
        f'secret "app-secret" deleted from {ns} namespace\n'
        f'service "web" deleted from {ns} namespace\n'
        f'deployment.apps "web" deleted from {ns} namespace\n'
    )
    for kind, name in [
        ("configmap", "app-config"),
        ("secret", "app-secret"),
        ("service", "web"),
        ("deployment", "web"),
    ]:
        assert kubectl("get", kind, name, check=False).rc == 1, f"{kind}/{name} still there"


def test_delete_by_label(kubectl, ns):
    docs = "---\n".join(
        [
            configmap("x1", labels={"grp": "del"}),
            configmap("x2", labels={"grp": "del"}),
            configmap("x3", labels={"grp": "del"}),
            configmap("keep", labels={"grp": "stay"}),
        ]
    )
    kubectl("create", "-f", "-", input=docs)
    out = kubectl("delete", "configmaps", "-l", "grp=del").out
    assert out == "".join(f'configmap "{n}" deleted from {ns} namespace\n' for n in ("x1", "x2", "x3"))
    assert kubectl("get", "configmaps", "-l", "grp", "-o", "name").out == "configmap/keep\n"


def test_delete_by_label_matching_nothing(kubectl):
    # Unlike `get`, `delete` reports this on stdout and without the namespace.
    assert kubectl("delete", "configmaps", "-l", "grp=none") == (0, "No resources found\n", "")


def test_finalizer_holds_delete_until_removed(kubectl, ns):
    kubectl("create", "-f", "-", input=configmap("fin", finalizers=["example.com/hold"]))

    assert kubectl("delete", "configmap", "fin", "--wait=false").out == (
        f'configmap "fin" deleted from {ns} namespace\n'
    )
    held = kubectl.json("get", "configmap", "fin")
    meta = held["metadata"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["deletionTimestamp"])
    assert meta["deletionGracePeriodSeconds"] == 0
    assert meta["finalizers"] == ["example.com/hold"]

    # A second delete while it is terminating succeeds and changes nothing.
    assert kubectl("delete", "configmap", "fin", "--wait=false").rc == 0
    assert (
        kubectl.json("get", "configmap", "fin")["metadata"]["deletionTimestamp"] == meta["deletionTimestamp"]
    )

    out = kubectl(
        "patch", "configmap", "fin", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}'
    ).out
    assert out == "configmap/fin patched\n"
    rc, out, err = kubectl("get", "configmap", "fin", check=False)
    assert (rc, err) == (1, 'Error from server (NotFound): configmaps "fin" not found\n')


def test_delete_waits_for_finalizers(kubectl, ns):
    # Without --wait=false kubectl watches until the object is gone; a
    # finalizer nobody removes makes it time out.
    kubectl("create", "-f", "-", input=configmap("slow", finalizers=["example.com/hold"]))
    rc, out, err = kubectl("delete", "configmap", "slow", "--timeout=3s", check=False)
    assert rc == 1
    assert out == f'configmap "slow" deleted from {ns} namespace\n'
    assert err == "error: timed out waiting for the condition on configmaps/slow\n"
    kubectl(
        "patch",
        "configmap",
        "slow",
        "--type",
        "json",
        "-p",
        '[{"op":"remove","path":"/metadata/finalizers"}]',
    )
    assert kubectl("get", "configmap", "slow", "--ignore-not-found").out == ""
