"""kubectl apply --server-side: create, re-apply, dropped fields, conflicts, --force-conflicts, managedFields."""

from __future__ import annotations

import yaml

from manifests import configmap


def deployment(replicas: int | None = 2, name: str = "web", labels: bool = True) -> str:
    """A Deployment as YAML; replicas=None leaves the field out."""
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = {"app": name}
    spec: dict = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": "nginx:1.27", "ports": [{"containerPort": 8080}]}]},
        },
    }
    if replicas is not None:
        spec = {"replicas": replicas, **spec}
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}, sort_keys=False)


def ssa(kubectl, doc: str, *flags: str, check: bool = True):
    """`kubectl apply --server-side -f -` with the document on stdin."""
    return kubectl("apply", "--server-side", *flags, "-f", "-", input=doc, check=check)


def managed(kubectl, *target: str) -> dict[tuple[str, str, str], dict]:
    """The object's managedFields as {(manager, operation, subresource): fieldsV1}."""
    meta = kubectl.json("get", *target, "--show-managed-fields")["metadata"]
    return {(e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"] for e in meta.get("managedFields", [])}


CONFLICT_HELP = "Please review the fields above--they currently have other managers. Here"


def test_server_side_apply_creates_then_reapplies(kubectl):
    assert ssa(kubectl, deployment()) == (0, "deployment.apps/web serverside-applied\n", "")
    first = kubectl.json("get", "deployment", "web")
    assert "managedFields" not in first["metadata"], "kubectl hides managedFields unless asked"
    assert first["spec"]["replicas"] == 2
    assert first["spec"]["strategy"]["type"] == "RollingUpdate", "defaults apply to applied objects"

    assert managed(kubectl, "deployment", "web") == {
        ("kubectl", "Apply", ""): {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:containers": {
                            'k:{"name":"web"}': {
                                ".": {},
                                "f:image": {},
                                "f:name": {},
                                "f:ports": {'k:{"containerPort":8080,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}},
                            }
                        }
                    }
                },
            },
        }
    }

    # The same configuration again: kubectl reports it, the object stays as it was.
    assert ssa(kubectl, deployment()) == (0, "deployment.apps/web serverside-applied\n", "")
    again = kubectl.json("get", "deployment", "web")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert again["metadata"]["generation"] == 1


def test_show_managed_fields_in_yaml(kubectl):
    ssa(kubectl, configmap("settings", data={"mode": "fast"}))
    plain = kubectl("get", "configmap", "settings", "-o", "yaml").out
    assert "managedFields" not in plain
    shown = yaml.safe_load(kubectl("get", "configmap", "settings", "-o", "yaml", "--show-managed-fields").out)
    [entry] = shown["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl"
    assert entry["operation"] == "Apply"
    assert entry["apiVersion"] == "v1"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {"f:data": {"f:mode": {}}}
    assert set(entry) == {"manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"}


def test_field_dropped_from_the_configuration_is_removed(kubectl):
    ssa(kubectl, configmap("cfg", data={"a": "1", "b": "2"}))
    kubectl("label", "configmap", "cfg", "team=x")
    ssa(kubectl, configmap("cfg", data={"a": "1"}))
    cm = kubectl.json("get", "configmap", "cfg")
    assert cm["data"] == {"a": "1"}
    assert cm["metadata"]["labels"] == {"team": "x"}, "fields of other managers stay"

    # A field another manager also owns stays when one applier drops it.
    ssa(kubectl, configmap("cfg", data={"a": "1", "c": "3"}), "--field-manager=other")
    ssa(kubectl, configmap("cfg", data={"a": "1"}), "--field-manager=other")
    assert kubectl.json("get", "configmap", "cfg")["data"] == {"a": "1"}, "c was only other's"
    entries = managed(kubectl, "configmap", "cfg")
    assert entries[("kubectl", "Apply", "")] == {"f:data": {"f:a": {}}}
    assert entries[("other", "Apply", "")] == {"f:data": {"f:a": {}}}
    assert entries[("kubectl-label", "Update", "")] == {"f:metadata": {"f:labels": {".": {}, "f:team": {}}}}


def test_dropping_replicas_returns_them_to_the_default(kubectl):
    ssa(kubectl, deployment(replicas=3))
    ssa(kubectl, deployment(replicas=None, labels=False))
    deploy = kubectl.json("get", "deployment", "web")
    assert deploy["spec"]["replicas"] == 1
    assert "labels" not in deploy["metadata"]


def test_conflict_with_kubectl_scale_and_force_conflicts(kubectl):
    ssa(kubectl, deployment(replicas=2))
    assert kubectl("scale", "deployment", "web", "--replicas=5").out == "deployment.apps/web scaled\n"
    assert managed(kubectl, "deployment", "web")[("kubectl", "Update", "scale")] == {"f:spec": {"f:replicas": {}}}

    rc, out, err = ssa(kubectl, deployment(replicas=2), check=False)
    assert (rc, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == (
        'error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas'
    )
    assert lines[1] == CONFLICT_HELP
    assert kubectl.json("get", "deployment", "web")["spec"]["replicas"] == 5

    assert ssa(kubectl, deployment(replicas=2), "--force-conflicts").out == "deployment.apps/web serverside-applied\n"
    assert kubectl.json("get", "deployment", "web")["spec"]["replicas"] == 2
    entries = managed(kubectl, "deployment", "web")
    assert ("kubectl", "Update", "scale") not in entries, "the scaler lost its only field"
    assert "f:replicas" in entries[("kubectl", "Apply", "")]["f:spec"]


def test_conflict_with_client_side_apply(kubectl):
    assert kubectl("apply", "-f", "-", input=deployment(replicas=2)).out == "deployment.apps/web created\n"
    entries = managed(kubectl, "deployment", "web")
    assert list(entries) == [("kubectl-client-side-apply", "Update", "")]
    csa = entries[("kubectl-client-side-apply", "Update", "")]
    assert csa["f:metadata"]["f:annotations"] == {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}
    # Defaults set on create count as the creator's, as on a real cluster.
    assert "f:progressDeadlineSeconds" in csa["f:spec"]

    rc, out, err = ssa(kubectl, deployment(replicas=3), "--field-manager=ci", check=False)
    assert rc == 1
    assert err.splitlines()[0] == (
        'error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )
    # Same value: shared ownership, no conflict.
    assert ssa(kubectl, deployment(replicas=2), "--field-manager=ci").rc == 0
    assert ssa(kubectl, deployment(replicas=3), "--field-manager=ci", "--force-conflicts").rc == 0
    assert kubectl.json("get", "deployment", "web")["spec"]["replicas"] == 3


def test_server_side_apply_takes_over_from_client_side_apply(kubectl):
    kubectl("apply", "-f", "-", input=configmap("cfg", data={"a": "1"}))
    assert ssa(kubectl, configmap("cfg", data={"a": "2"})).out == "configmap/cfg serverside-applied\n"
    assert kubectl.json("get", "configmap", "cfg")["data"] == {"a": "2"}


def test_server_side_dry_run_and_typos(kubectl):
    assert ssa(kubectl, configmap("dry"), "--dry-run=server").out == "configmap/dry serverside-applied (server dry run)\n"
    rc, out, err = kubectl("get", "configmap", "dry", check=False)
    assert (rc, err) == (1, 'Error from server (NotFound): configmaps "dry" not found\n')

    rc, out, err = ssa(kubectl, deployment().replace("replicas:", "replica:"), check=False)
    assert (rc, out) == (1, "")
    assert err.startswith("Error from server: failed to create typed patch object (")
    assert err.endswith("; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema\n")
