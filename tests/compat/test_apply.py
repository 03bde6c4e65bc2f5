"""Client-side apply and strategic merge patch: kubectl computes three-way
patches from the last-applied-configuration annotation and the server merges
them with the kind's patch strategies (lists of containers, env and ports
merge by key; `$patch: delete` and `$setElementOrder` carry removals and order).
"""

from __future__ import annotations

import json

import yaml

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def deployment(
    name: str,
    labels: dict[str, str],
    containers: list[dict],
) -> str:
    """A Deployment manifest whose pods carry app=<name>."""
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": containers},
                },
            },
        },
        sort_keys=False,
    )


def web(env: list[dict] | None = None) -> dict:
    container = {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
    if env is not None:
        container["env"] = env
    return container


def sidecar() -> dict:
    return {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "3600"]}


# Names such as Y or N would read as booleans to kubectl's YAML decoder.
ENV = [{"name": "MODE", "value": "1"}, {"name": "LEVEL", "value": "2"}]


def containers_of(kubectl, name: str) -> list[dict]:
    return kubectl.json("get", "deployment", name)["spec"]["template"]["spec"]["containers"]


def test_apply_creates_then_reports_unchanged(kubectl):
    manifest = deployment("x", {"app": "x", "tier": "web"}, [web(ENV), sidecar()])

    assert kubectl("apply", "-f", "-", input=manifest).out == "deployment.apps/x created\n"
    got = kubectl.json("get", "deployment", "x")
    last_applied = json.loads(got["metadata"]["annotations"][LAST_APPLIED])
    assert last_applied["metadata"]["labels"] == {"app": "x", "tier": "web"}
    assert [c["name"] for c in got["spec"]["template"]["spec"]["containers"]] == ["web", "sidecar"]

    # Same file again: the three-way patch is empty, nothing is written.
    rv = got["metadata"]["resourceVersion"]
    assert kubectl("apply", "-f", "-", input=manifest).out == "deployment.apps/x unchanged\n"
    again = kubectl.json("get", "deployment", "x")
    assert again["metadata"]["resourceVersion"] == rv
    assert again["metadata"]["generation"] == 1


def test_apply_removes_what_the_file_dropped(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x", "tier": "web"}, [web(ENV), sidecar()]))

    # The label tier and the env var LEVEL leave the file: kubectl sends
    # "tier": null and {"$patch": "delete", "name": "LEVEL"}.
    trimmed = deployment("x", {"app": "x"}, [web([{"name": "MODE", "value": "1"}]), sidecar()])
    assert kubectl("apply", "-f", "-", input=trimmed).out == "deployment.apps/x configured\n"

    got = kubectl.json("get", "deployment", "x")
    assert got["metadata"]["labels"] == {"app": "x"}
    containers = got["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "sidecar"]
    assert containers[0]["env"] == [{"name": "MODE", "value": "1"}]
    assert containers[0]["ports"][0]["containerPort"] == 80
    assert containers[1]["command"] == ["sleep", "3600"]
    assert got["metadata"]["generation"] == 2
    assert json.loads(got["metadata"]["annotations"][LAST_APPLIED])["metadata"]["labels"] == {"app": "x"}

    assert kubectl("apply", "-f", "-", input=trimmed).out == "deployment.apps/x unchanged\n"


def test_apply_reorders_containers_and_env_as_the_file_says(kubectl):
    env = [{"name": "A", "value": "a"}, {"name": "B", "value": "b"}, {"name": "C", "value": "c"}]
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web(env), sidecar()]))

    reordered = deployment("x", {"app": "x"}, [sidecar(), web([env[2], env[0], env[1]])])
    assert kubectl("apply", "-f", "-", input=reordered).out == "deployment.apps/x configured\n"

    containers = containers_of(kubectl, "x")
    assert [c["name"] for c in containers] == ["sidecar", "web"]
    assert [e["name"] for e in containers[1]["env"]] == ["C", "A", "B"]
    assert kubectl("apply", "-f", "-", input=reordered).out == "deployment.apps/x unchanged\n"


def test_apply_adds_a_container_and_removes_another(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web(), sidecar()]))

    logger = {"name": "logger", "image": "fluent-bit:3"}
    changed = deployment("x", {"app": "x"}, [logger, web()])
    assert kubectl("apply", "-f", "-", input=changed).out == "deployment.apps/x configured\n"
    assert [c["name"] for c in containers_of(kubectl, "x")] == ["logger", "web"]


def test_apply_keeps_fields_set_by_others(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web(ENV), sidecar()]))
    # A change made outside the file (not in last-applied) survives the next apply.
    kubectl("label", "deployment", "x", "owner=ops")
    kubectl("set", "env", "deployment/x", "-c", "web", "EXTRA=3")

    trimmed = deployment("x", {"app": "x"}, [web([{"name": "MODE", "value": "1"}]), sidecar()])
    assert kubectl("apply", "-f", "-", input=trimmed).out == "deployment.apps/x configured\n"
    got = kubectl.json("get", "deployment", "x")
    assert got["metadata"]["labels"] == {"app": "x", "owner": "ops"}
    env = got["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "MODE", "value": "1"}, {"name": "EXTRA", "value": "3"}]


def test_patch_merges_containers_by_name(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web(ENV), sidecar()]))

    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "new"}]}}}}
    assert kubectl("patch", "deploy", "x", "-p", json.dumps(patch)).out == "deployment.apps/x patched\n"
    containers = containers_of(kubectl, "x")
    assert [(c["name"], c["image"]) for c in containers] == [("web", "nginx:1.27"), ("sidecar", "new")]
    assert containers[0]["env"] == ENV
    assert containers[1]["command"] == ["sleep", "3600"]

    # The same patch again changes nothing.
    rc, out, _ = kubectl("patch", "deploy", "x", "-p", json.dumps(patch))
    assert (rc, out) == (0, "deployment.apps/x patched (no change)\n")


def test_patch_directives(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web(ENV), sidecar()]))

    delete_sidecar = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    assert kubectl("patch", "deploy", "x", "-p", json.dumps(delete_sidecar)).out == "deployment.apps/x patched\n"
    assert [c["name"] for c in containers_of(kubectl, "x")] == ["web"]

    replace_env = {
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "Q", "value": "q"}, {"$patch": "replace"}]}
        ]}}}
    }
    kubectl("patch", "deploy", "x", "-p", json.dumps(replace_env))
    assert containers_of(kubectl, "x")[0]["env"] == [{"name": "Q", "value": "q"}]

    ordered = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "extra"}, {"name": "web"}],
        "containers": [{"name": "extra", "image": "busybox:1.36"}],
    }}}}
    kubectl("patch", "deploy", "x", "-p", json.dumps(ordered))
    assert [c["name"] for c in containers_of(kubectl, "x")] == ["extra", "web"]


def test_patch_without_merge_key_is_refused(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web()]))

    patch = {"spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}}
    rc, out, err = kubectl("patch", "deploy", "x", "-p", json.dumps(patch), check=False)
    assert (rc, out) == (1, "")
    assert err == "Error from server: map: map[image:nginx] does not contain declared merge key: name\n"

    patch = {"spec": {"strategy": {"$retainKeys": "type"}}}
    rc, out, err = kubectl("patch", "deploy", "x", "-p", json.dumps(patch), check=False)
    assert (rc, out) == (1, "")
    assert err == "Error from server (BadRequest): invalid patch format of retainKeys\n"


def test_patch_strategy_retain_keys(kubectl):
    kubectl("apply", "-f", "-", input=deployment("x", {"app": "x"}, [web()]))
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    kubectl("patch", "deploy", "x", "-p", json.dumps(patch))
    assert kubectl.json("get", "deployment", "x")["spec"]["strategy"] == {"type": "Recreate"}
