"""Namespace lifecycle as kube-apiserver runs it.

Deleting a namespace only marks it Terminating (deletionTimestamp set,
status.phase Terminating, spec.finalizers still ["kubernetes"]); the namespace
controller empties it and removes it later. The assertions accept both states
so they stay right whether or not a namespace controller runs.
"""

from __future__ import annotations

import json
import re

import pytest

from harness.fixtures import namespace_name
from manifests import configmap


@pytest.fixture
def fresh_name(api, request):
    """A namespace name the test creates itself with kubectl; removed afterwards."""
    name = namespace_name(request.node.name + "-own")
    yield name
    api.delete_namespace(name)


def test_create_namespace(kubectl, fresh_name):
    assert kubectl("create", "namespace", fresh_name).out == f"namespace/{fresh_name} created\n"
    ns = kubectl.json("get", "namespace", fresh_name)
    assert ns["status"]["phase"] == "Active"
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == fresh_name

    lines = kubectl("get", "namespace", fresh_name).out.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE"]
    assert re.fullmatch(rf"{fresh_name}\s+Active\s+\d+s", lines[1]), lines

    rc, out, err = kubectl("create", "namespace", fresh_name, check=False)
    assert (rc, out) == (1, "")
    assert err == f'Error from server (AlreadyExists): namespaces "{fresh_name}" already exists\n'


def test_delete_namespace_terminates_it(kubectl, fresh_name):
    kubectl("create", "namespace", fresh_name)
    kubectl("create", "-n", fresh_name, "-f", "-", input=configmap("inside"))

    assert kubectl("delete", "namespace", fresh_name, "--wait=false").out == (
        f'namespace "{fresh_name}" deleted\n'
    )

    rc, out, err = kubectl("get", "namespace", fresh_name, "-o", "json", check=False)
    if rc == 0:
        ns = json.loads(out)
        assert ns["status"]["phase"] == "Terminating"
        assert ns["metadata"]["deletionTimestamp"]
        lines = kubectl("get", "namespace", fresh_name).out.splitlines()
        assert re.fullmatch(rf"{fresh_name}\s+Terminating\s+\d+s", lines[1]), lines
    else:
        assert err == f'Error from server (NotFound): namespaces "{fresh_name}" not found\n'

    rc, out, err = kubectl("create", "-n", fresh_name, "-f", "-", input=configmap("late"), check=False)
    assert (rc, out) == (1, "")
    assert err in (
        f'Error from server (Forbidden): error when creating "STDIN": configmaps "late" is forbidden: '
        f"unable to create new content in namespace {fresh_name} because it is being terminated\n",
        f'Error from server (NotFound): error when creating "STDIN": namespaces "{fresh_name}" not found\n',
    )


def test_default_namespace_cannot_be_deleted(kubectl):
    rc, out, err = kubectl("delete", "namespace", "default", "--wait=false", check=False)
    assert (rc, out) == (1, "")
    assert (
        err
        == 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted\n'
    )
    assert kubectl("get", "namespace", "default", "-o", "jsonpath={.status.phase}").out == "Active"
