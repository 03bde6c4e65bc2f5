"""keelctl's object-making commands against kubectl 1.37: the `create`
generators, `run`, `expose` and `scale`.

Generators are compared byte for byte on client dry runs (the object kubectl
would send) and on their error messages; mutating commands run kubectl on one
object and keelctl on another, then compare what the server stored.
"""

from __future__ import annotations

import json
import re

import pytest

from harness.parity import assert_same, normalise

DRY = "--dry-run=client"


def same_but_binary_name(text: str) -> str:
    """Usage hints name the binary ('See 'kubectl create -h''); keelctl names itself."""
    return normalise(text).replace("'keelctl ", "'kubectl ")


GENERATOR_CASES = [
    ("create", "deployment", "web", "--image=nginx", "--port=80", "--replicas=3", DRY, "-o", "yaml"),
    ("create", "deployment", "d2", "--image=a", "--image=b:1.0", DRY, "-o", "json"),
    ("create", "deployment", "d3", "--image=busybox", DRY, "-o", "json", "--", "sleep", "1"),
    ("create", "namespace", "foo", DRY, "-o", "yaml", "--save-config"),
    ("create", "configmap", "cm", "--from-literal=a=1", "--from-literal=b=2", DRY, "-o", "json"),
    ("create", "secret", "generic", "s", "--from-literal=a=1", "--type=Opaque", DRY, "-o", "yaml"),
    ("create", "secret", "docker-registry", "d", "--docker-server=srv", "--docker-username=u",
     "--docker-password=p", "--docker-email=e", DRY, "-o", "json"),
    ("create", "service", "clusterip", "svc", "--tcp=80:8080", DRY, "-o", "yaml"),
    ("create", "service", "clusterip", "headless", "--clusterip=None", DRY, "-o", "json"),
    ("create", "service", "nodeport", "np", "--tcp=80", "--node-port=30080", DRY, "-o", "json"),
    ("create", "service", "loadbalancer", "lb", "--tcp=80:8080,443", DRY, "-o", "yaml"),
    ("create", "service", "externalname", "en", "--external-name=example.com", "--tcp=80", DRY, "-o", "json"),
    ("create", "job", "j", "--image=busybox", DRY, "-o", "json", "--", "echo", "hi"),
    ("create", "cronjob", "cj", "--image=busybox", "--schedule=*/1 * * * *", "--restart=Never", DRY, "-o", "yaml"),
    ("create", "role", "r", "--verb=get,list", "--resource=pods,deployments.apps", "--resource-name=a", DRY, "-o", "yaml"),
    ("create", "role", "r2", "--verb=get", "--resource=po,deploy,pods/log", DRY, "-o", "json"),
    ("create", "rolebinding", "rb", "--role=r", "--user=u", "--group=g", "--serviceaccount=ns:sa", DRY, "-o", "yaml"),
    ("create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/logs/*", DRY, "-o", "json"),
    ("create", "clusterrole", "agg", "--aggregation-rule=a=b", DRY, "-o", "yaml"),
    ("create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=u", DRY, "-o", "json"),
    ("create", "serviceaccount", "sa", DRY, "-o", "yaml"),
    ("create", "quota", "q", "--hard=cpu=1,pods=2", "--scopes=BestEffort", DRY, "-o", "json"),
    ("create", "priorityclass", "pc", "--value=10", "--description=d", "--global-default", DRY, "-o", "yaml"),
    ("create", "poddisruptionbudget", "pdb", "--selector=app=x,tier in (a,b)", "--min-available=1", DRY, "-o", "json"),
    ("create", "pdb", "p2", "--selector=app=x", "--max-unavailable=50%", DRY, "-o", "yaml"),
    ("create", "ingress", "ing", "--rule=foo.com/bar*=svc:8080,tls=sec", "--rule=foo.com/x=s2:http",
     "--class=nginx", "--default-backend=def:80", "--annotation=a=b", DRY, "-o", "yaml"),
    ("create", "deployment", "web", "--image=nginx", DRY),
    ("create", "deployment", "web", "--image=nginx", "--dry-run=server", "-o", "name"),
]


@pytest.mark.parametrize("args", GENERATOR_CASES, ids=lambda a: " ".join(a[1:4]))
def test_generator_objects_match_kubectl(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


GENERATOR_ERRORS = [
    ("create", "namespace"),
    ("create", "deployment", "x"),
    ("create", "cronjob", "c"),
    ("create", "deployment", "d", "--image=a", "--image=b", DRY, "--", "sleep", "1"),
    ("create", "configmap", "c", "--from-literal=a", DRY),
    ("create", "configmap", "c", "--from-literal=a=1", "--from-literal=a=2", DRY),
    ("create", "configmap", "c", "--from-literal=a b=1", DRY),
    ("create", "service", "clusterip", "s", DRY),
    ("create", "service", "clusterip", "s", "--tcp=abc", DRY),
    ("create", "role", "r", "--verb=get", DRY),
    ("create", "role", "r", "--verb=use", "--resource=pods", DRY),
    ("create", "rolebinding", "rb", DRY),
    ("create", "rolebinding", "rb", "--role=r", "--serviceaccount=bad", DRY),
    ("create", "clusterrole", "cr", "--verb=get", "--non-resource-url=x", DRY),
    ("create", "quota", "q", "--hard=foo", DRY),
    ("create", "pdb", "p", DRY),
    ("create", "pdb", "p", "--selector=a=b", "--min-available=1", "--max-unavailable=1", DRY),
    ("create", "ingress", "i", DRY),
    ("create", "ingress", "i", "--rule=bad", DRY),
    ("create", "job", "j", DRY),
    ("create", "namespace", "x", "--dry-run=bogus"),
    ("create", "namespace", "x", DRY, "-o", "bogus"),
]


@pytest.mark.parametrize("args", GENERATOR_ERRORS, ids=lambda a: " ".join(a[1:]))
def test_generator_errors_match_kubectl(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args, norm=same_but_binary_name)


def test_generators_create_on_the_server(kubectl, keelctl, ns):
    """What keelctl stores equals what kubectl stores (fields set by the
    server aside), and the success lines match."""
    for tool, name in ((kubectl, "k"), (keelctl, "c")):
        r = tool("create", "deployment", f"web-{name}", "--image=nginx", "--port=80")
        assert r.out == f"deployment.apps/web-{name} created\n"
        r = tool("create", "configmap", f"cm-{name}", "--from-literal=a=1", "--save-config")
        assert r.out == f"configmap/cm-{name} created\n"
    for kind, base in (("deployment", "web"), ("configmap", "cm")):
        want = json.loads(kubectl("get", kind, f"{base}-k", "-o", "json").out)
        got = json.loads(kubectl("get", kind, f"{base}-c", "-o", "json").out)
        for obj, suffix in ((want, "k"), (got, "c")):
            meta = obj["metadata"]
            for volatile in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
                meta.pop(volatile, None)
            ann = meta.get("annotations", {})
            if "kubectl.kubernetes.io/last-applied-configuration" in ann:
                ann["kubectl.kubernetes.io/last-applied-configuration"] = ann[
                    "kubectl.kubernetes.io/last-applied-configuration"
                ].replace(f"-{suffix}", "-X")
            text = json.dumps(obj, sort_keys=True).replace(f"{base}-{suffix}", f"{base}-X")
            obj.clear()
            obj.update(json.loads(text))
        assert got == want
    managers = [m["manager"] for m in json.loads(kubectl("get", "cm", "cm-c", "-o", "json",
                                                         "--show-managed-fields").out)["metadata"]["managedFields"]]
    assert managers == ["kubectl-create"]


RUN_CASES = [
    ("run", "web", "--image=nginx", "--port=80", "--env=A=1", "--env=B=2", "--labels=x=y,z=w",
     "--restart=Never", DRY, "-o", "yaml", "--command", "--", "sh", "-c", "echo hi"),
    ("run", "web", "--image=nginx", "--expose", "--port=80", DRY, "-o", "json"),
    ("run", "web", "--image=nginx", "--expose", "--port=80", DRY),
    ("run", "web", "--image=x", DRY, "--annotations=a=b", "--image-pull-policy=IfNotPresent", "--privileged", "-o", "yaml"),
    ("run", "web", "--image=x", DRY, "-o", "json", "--", "a", "b"),
    ("run", "web", "--image=x", '--overrides={"spec":{"hostNetwork":true}}', DRY, "-o", "json"),
    ("run", "--image=x"),
    ("run", "web"),
    ("run", "web", "--image=x", "--port=abc", DRY),
    ("run", "web", "--image=x", "--restart=Bad", DRY),
    ("run", "web", "--image=x", "--env=BAD", DRY),
    ("run", "web", "--image=x", "--expose", DRY),
]


@pytest.mark.parametrize("args", RUN_CASES, ids=lambda a: " ".join(a[1:4]))
def test_run_matches_kubectl(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


def test_run_expose_creates_pod_and_service(kubectl, keelctl):
    """kubectl 1.37's run makes a Pod (no --replicas, no Deployment) and,
    with --expose, a Service selecting it; the YAML printer separates them."""
    want = kubectl("run", "pk", "--image=nginx", "--port=80", "--expose", "-o", "yaml").out
    got = keelctl("run", "pc", "--image=nginx", "--port=80", "--expose", "-o", "yaml").out

    def scrub(text: str, name: str) -> str:
        text = normalise(text).replace(name, "NAME")
        text = re.sub(r"kube-api-access-\w+", "kube-api-access-X", text)
        return re.sub(r"\d+\.\d+\.\d+\.\d+", "IP", text)

    assert scrub(got, "pc") == scrub(want, "pk")
    assert "\n---\n" in got
    r = keelctl("run", "web", "--image=x", "--replicas=2", check=False)
    assert r.rc != 0


def test_expose_matches_kubectl(kubectl, keelctl):
    kubectl("create", "deployment", "web", "--image=nginx", "--port=80")
    kubectl("create", "deployment", "noport", "--image=nginx")
    kubectl("run", "p", "--image=x", "--port=80")
    kubectl("create", "configmap", "cm", "--from-literal=a=b")
    kubectl("create", "service", "clusterip", "s1", "--tcp=80:8080,443:8443")
    for args in (
        ("expose", "deploy", "web", DRY, "-o", "json"),
        ("expose", "deploy/web", "--port=8080", "--target-port=80", "--name=w2", "--type=NodePort",
         "--protocol=UDP", DRY, "-o", "yaml"),
        ("expose", "deploy", "web", DRY),
        ("expose", "deploy", "web", "--port=80,443", DRY, "-o", "json"),
        ("expose", "deploy", "noport", DRY),
        ("expose", "cm", "cm", "--port=80"),
        ("expose", "deploy", "nope"),
        ("expose",),
        ("expose", "pod", "p", "--selector=x=y,z=w", "-l", "q=r", "--external-ip=1.2.3.4",
         "--session-affinity=ClientIP", "--cluster-ip=None", DRY, "-o", "json"),
        ("expose", "svc", "s1", "--name=s2", DRY, "-o", "json"),
        ("expose", "pod", "p", "--port=80", "--target-port=http", "-o", "json", DRY),
    ):
        assert_same(kubectl, keelctl, *args)
    assert keelctl("expose", "deploy", "web", "--name=web-svc").out == "service/web-svc exposed\n"
    svc = json.loads(kubectl("get", "svc", "web-svc", "-o", "json").out)
    assert svc["spec"]["selector"] == {"app": "web"}
    assert svc["spec"]["ports"][0]["targetPort"] == 80


def test_scale_matches_kubectl(kubectl, keelctl):
    kubectl("create", "deployment", "web", "--image=nginx")
    kubectl("create", "deployment", "api", "--image=nginx")
    kubectl("run", "p", "--image=x")
    for args in (
        ("scale", "deploy", "web"),
        ("scale", "deploy", "web", "--replicas=-1"),
        ("scale", "--replicas=1"),
        ("scale", "deploy", "nope", "--replicas=2"),
        ("scale", "pod", "p", "--replicas=2"),
        ("scale", "deploy", "--replicas=2"),
        ("scale", "deploy", "web", "--replicas=3", "--current-replicas=7"),
        ("scale", "deploy", "web", "--replicas=4", "--resource-version=1"),
        ("scale", "deploy", "web", "--replicas=9", DRY),
        ("scale", "deploy", "web", "--replicas=9", "--dry-run=server"),
    ):
        assert_same(kubectl, keelctl, *args)

    def replicas(name: str) -> int:
        return json.loads(kubectl("get", "deploy", name, "-o", "json").out)["spec"]["replicas"]

    assert replicas("web") == 1
    assert keelctl("scale", "deploy/web", "deploy/api", "--replicas=2").out == (
        "deployment.apps/web scaled\ndeployment.apps/api scaled\n"
    )
    assert (replicas("web"), replicas("api")) == (2, 2)
    assert keelctl("scale", "deploy", "web", "--replicas=5", "--current-replicas=2").rc == 0
    assert replicas("web") == 5
    assert keelctl("scale", "deploy", "-l", "app=api", "--replicas=0", "-o", "name").out == "deployment.apps/api\n"
    assert replicas("api") == 0
    assert keelctl("scale", "deploy", "--all", "--replicas=1").out == (
        "deployment.apps/api scaled\ndeployment.apps/web scaled\n"
    )


def test_set_image_matches_kubectl(kubectl, keelctl):
    kubectl("create", "deployment", "a", "--image=nginx:1")
    kubectl("create", "deployment", "b", "--image=nginx:1")
    kubectl("create", "configmap", "cm", "--from-literal=a=b")
    for args in (
        ("set", "image", "deploy/a", "nginx=nginx:2", DRY, "-o", "yaml"),
        ("set", "image", "deploy/a", "*=nginx:3", "--dry-run=server"),
        ("set", "image", "deploy", "a", "foo=x"),
        ("set", "image", "cm/cm", "a=b"),
        ("set", "image", "deploy/a"),
        ("set", "image"),
    ):
        assert_same(kubectl, keelctl, *args)
    assert kubectl("set", "image", "deploy/a", "nginx=nginx:2").out == "deployment.apps/a image updated\n"
    assert keelctl("set", "image", "deploy/b", "nginx=nginx:2").out == "deployment.apps/b image updated\n"
    # Nothing to change: kubectl and keelctl print nothing.
    assert keelctl("set", "image", "deploy/b", "nginx=nginx:2").out == ""
    for name in ("a", "b"):
        obj = json.loads(kubectl("get", "deploy", name, "-o", "json", "--show-managed-fields").out)
        assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
        assert [m["manager"] for m in obj["metadata"]["managedFields"]] == ["kubectl-create", "kubectl-set"]


def replica_set(api, ns: str, deploy: dict, revision: int, image: str, cause: str = "") -> None:
    """A ReplicaSet as the deployment controller would leave it (the server runs no controllers)."""
    name = deploy["metadata"]["name"]
    labels = {"app": name, "pod-template-hash": f"h{revision}"}
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    if cause:
        annotations["kubernetes.io/change-cause"] = cause
    api.request("POST", f"/apis/apps/v1/namespaces/{ns}/replicasets", {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"{name}-{revision}", "labels": labels, "annotations": annotations,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                          "uid": deploy["metadata"]["uid"], "controller": True}]},
        "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "nginx", "image": image}]}}},
    })


def test_rollout_history_and_undo(kubectl, keelctl, api, ns):
    for name in ("hk", "hc"):
        kubectl("create", "deployment", name, "--image=nginx:2")
        deploy = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")
        replica_set(api, ns, deploy, 1, "nginx:1")
        replica_set(api, ns, deploy, 2, "nginx:2", cause="set image")
    for args in (
        ("rollout", "history", "deploy/hk"),
        ("rollout", "history", "deploy/hk", "--revision=1"),
        ("rollout", "history", "deploy/hk", "--revision=7"),
        ("rollout", "history", "rs/hk-1"),
        ("rollout", "undo", "deploy/hk", "--to-revision=9"),
        ("rollout", "undo", "deploy/hk", "--to-revision=2"),
        ("rollout", "undo", "deploy/hk", "--dry-run=server"),
        ("rollout", "status"),
    ):
        assert_same(kubectl, keelctl, *args)
    kubectl("create", "deployment", "lonely", "--image=nginx")
    assert_same(kubectl, keelctl, "rollout", "history", "deploy/lonely")
    assert_same(kubectl, keelctl, "rollout", "undo", "deploy/lonely")
    assert kubectl("rollout", "undo", "deploy/hk").out == "deployment.apps/hk rolled back\n"
    assert keelctl("rollout", "undo", "deploy/hc").out == "deployment.apps/hc rolled back\n"

    def template(name: str) -> dict:
        t = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")["spec"]["template"]
        return json.loads(json.dumps(t).replace(f'"{name}"', '"NAME"'))

    assert template("hc") == template("hk")
    assert template("hc")["spec"]["containers"][0]["image"] == "nginx:1"


def test_rollout_pause_resume_restart(kubectl, keelctl, api, ns):
    kubectl("create", "deployment", "pk", "--image=nginx")
    kubectl("create", "deployment", "pc", "--image=nginx")
    kubectl("run", "p", "--image=x")
    for action in ("pause", "pause", "restart", "resume", "resume"):
        want = kubectl("rollout", action, "deploy/pk", check=False)
        got = keelctl("rollout", action, "deploy/pc", check=False)
        assert (got.rc, got.out.replace("pc", "pk"), got.err.replace("pc", "pk")) == (want.rc, want.out, want.err)
    assert_same(kubectl, keelctl, "rollout", "pause", "pod/p")
    assert keelctl("rollout", "restart", "deploy/pc").out == "deployment.apps/pc restarted\n"
    annotations = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/pc")["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", annotations["kubectl.kubernetes.io/restartedAt"])


def test_rollout_status_follows_status_writes(kubectl, keelctl, api, ns):
    """rollout status prints kubectl's messages as the status subresource changes."""
    import threading
    import time

    kubectl("create", "deployment", "st", "--image=nginx", "--replicas=2")
    assert_same(kubectl, keelctl, "rollout", "status", "deploy/st", "--watch=false")
    assert_same(kubectl, keelctl, "rollout", "status", "deploy/st", "--timeout=1s")
    assert_same(kubectl, keelctl, "rollout", "status", "pod/nope")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/st/status"
    steps = [
        {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 1},
        {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 2},
        {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1},
        {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
    ]

    def writer():
        for st in steps:
            time.sleep(0.7)
            obj = api.request("GET", path)
            obj["status"] = st
            api.request("PUT", path, obj)

    t = threading.Thread(target=writer)
    t.start()
    got = keelctl("rollout", "status", "deploy/st", "--timeout=30s")
    t.join()
    assert got.out == (
        "Waiting for deployment spec update to be observed...\n"
        'Waiting for deployment "st" rollout to finish: 1 out of 2 new replicas have been updated...\n'
        'Waiting for deployment "st" rollout to finish: 1 old replicas are pending termination...\n'
        'Waiting for deployment "st" rollout to finish: 1 of 2 updated replicas are available...\n'
        'deployment "st" successfully rolled out\n'
    )
    assert_same(kubectl, keelctl, "rollout", "status", "deploy/st")


def test_wait_matches_kubectl(kubectl, keelctl, api, ns):
    kubectl("create", "deployment", "w", "--image=nginx", "--replicas=2")
    obj = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/w/status")
    obj["status"] = {"observedGeneration": 1, "conditions": [
        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
         "lastUpdateTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    api.request("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/w/status", obj)
    for args in (
        ("wait", "deploy/w", "--for=condition=Available"),
        ("wait", "deploy/w", "--for=condition=available=TRUE", "-o", "name"),
        ("wait", "deploy/w", "--for=condition=Available=false", "--timeout=1s"),
        ("wait", "deploy/w", "--for=condition=Progressing", "--timeout=0"),
        ("wait", "deploy/w", "--for=jsonpath={.spec.replicas}=2"),
        ("wait", "deploy/w", "--for=jsonpath={.spec.replicas}=3", "--timeout=1s"),
        ("wait", "deploy/w", "--for=jsonpath={.spec.replicas}"),
        ("wait", "deploy/w", "--for=create"),
        ("wait", "deploy/nope", "--for=delete"),
        ("wait", "deploy/nope", "--for=condition=Available", "--timeout=1s"),
        ("wait", "deploy/w"),
        ("wait", "deploy/w", "--for=foo"),
        ("wait", "--for=condition=x"),
        ("wait", "deploy", "-l", "app=w", "--for=condition=Available"),
    ):
        assert_same(kubectl, keelctl, *args)


def test_wait_for_delete_and_create_follow_the_watch(keelctl, kubectl):
    """`--for=delete` returns when the object goes, `--for=create` when it appears."""
    import threading
    import time

    kubectl("create", "configmap", "gone", "--from-literal=a=b")

    def later():
        time.sleep(1)
        kubectl("delete", "configmap", "gone")
        kubectl("create", "configmap", "born")

    t = threading.Thread(target=later)
    t.start()
    deleted = keelctl("wait", "cm/gone", "--for=delete", "--timeout=20s")
    created = keelctl("wait", "cm/born", "--for=create", "--timeout=20s")
    t.join()
    assert deleted.out == "configmap/gone condition met\n"
    assert created.out == "configmap/born condition met\n"


def test_proxy_forwards_with_credentials(keelctl_bin, kubectl, ns):
    """`proxy --port=0` serves the API without credentials on 127.0.0.1,
    passes errors through, streams watches, and filters foreign hosts."""
    import socket
    import subprocess
    import threading
    import time
    import urllib.error
    import urllib.request

    env = dict(kubectl.env)
    proc = subprocess.Popen([str(keelctl_bin), "proxy", "--port=0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(r"Starting to serve on (127\.0\.0\.1):(\d+)\n", line)
        assert m, line
        base = f"http://127.0.0.1:{m.group(2)}"
        with urllib.request.urlopen(f"{base}/api/v1/namespaces/{ns}") as r:
            assert r.status == 200
            assert json.loads(r.read())["metadata"]["name"] == ns
        try:
            urllib.request.urlopen(f"{base}/api/v1/namespaces/{ns}/configmaps/missing")
            raise AssertionError("expected 404")
        except urllib.error.HTTPError as e:
            assert e.code == 404
            assert json.loads(e.read())["reason"] == "NotFound"
        req = urllib.request.Request(f"{base}/api", headers={"Host": "evil.example.com"})
        try:
            urllib.request.urlopen(req)
            raise AssertionError("expected 403")
        except urllib.error.HTTPError as e:
            assert (e.code, e.read()) == (403, b"Forbidden\n")
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "via-proxy"}}).encode()
        req = urllib.request.Request(f"{base}/api/v1/namespaces/{ns}/configmaps", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req) as r:
            assert r.status == 201
        events = []

        def watch():
            url = f"{base}/api/v1/namespaces/{ns}/configmaps?watch=true&fieldSelector=metadata.name%3Dvia-proxy"
            with urllib.request.urlopen(url, timeout=20) as r:
                for raw in r:
                    events.append(json.loads(raw)["type"])
                    if events[-1] == "DELETED":
                        return

        t = threading.Thread(target=watch)
        t.start()
        time.sleep(1)
        kubectl("delete", "configmap", "via-proxy")
        t.join(timeout=20)
        assert events == ["ADDED", "DELETED"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
