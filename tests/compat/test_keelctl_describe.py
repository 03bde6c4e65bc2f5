"""keelctl describe against kubectl 1.37: the same text, byte for byte,
for the common kinds, the generic describer, events, prefixes and errors."""

from __future__ import annotations

import datetime
import re

import pytest

from harness.parity import assert_same, normalise


def norm(text: str) -> str:
    """RFC 1123 timestamps and generated volume names change between runs."""
    import re

    text = normalise(text)
    text = re.sub(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", "<rfc1123>", text)
    return re.sub(r"kube-api-access-\w+", "kube-api-access-X", text)


@pytest.fixture
def objects(kubectl, ns):
    """A small namespace of everything the describers know."""
    kubectl("create", "deployment", "web", "--image=nginx", "--port=80")
    kubectl("create", "deployment", "api", "--image=busybox", "--", "sleep", "3600")
    kubectl("apply", "-f", "-", input="""
apiVersion: v1
kind: Pod
metadata: {name: multi, labels: {a: b}, annotations: {note: hello}}
spec:
  containers:
  - name: a
    image: x
    command: [sh, -c]
    args: ["echo hi"]
    ports: [{containerPort: 80, name: http}, {containerPort: 53, protocol: UDP}]
    env: [{name: A, value: "1"}, {name: S, valueFrom: {secretKeyRef: {name: s, key: k}}}]
    resources: {limits: {cpu: 100m, memory: 64Mi}}
    volumeMounts: [{name: cfg, mountPath: /etc/cfg, readOnly: true}]
  volumes:
  - name: cfg
    configMap: {name: cm}
  - name: scratch
    emptyDir: {}
  tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}]
""")
    kubectl("create", "service", "clusterip", "svc", "--tcp=80:8080,443:8443")
    kubectl("create", "service", "nodeport", "np", "--tcp=80")
    kubectl("create", "configmap", "cm", "--from-literal=b=2", "--from-literal=a=1")
    kubectl("create", "secret", "generic", "s", "--from-literal=k=xyz")
    kubectl("create", "serviceaccount", "robot")
    kubectl("create", "job", "once", "--image=busybox")
    kubectl("create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *")
    kubectl("create", "pdb", "budget", "--selector=app=web", "--min-available=1")
    kubectl("create", "role", "reader", "--verb=get,list", "--resource=pods,deployments.apps,pods/log")
    kubectl("create", "rolebinding", "readers", "--role=reader", "--user=u", "--serviceaccount=a:b")
    kubectl("create", "quota", "q", "--hard=pods=3")
    kubectl("create", "ingress", "ing", "--rule=foo.com/x=svc:80")
    return ns


@pytest.mark.parametrize(
    "args",
    [
        ("describe", "deployment", "web"),
        ("describe", "deploy/api"),
        ("describe", "pod", "multi"),
        ("describe", "service", "svc"),
        ("describe", "svc", "np"),
        ("describe", "configmap", "cm"),
        ("describe", "secret", "s"),
        ("describe", "serviceaccount", "robot"),
        ("describe", "job", "once"),
        ("describe", "cronjob", "tick"),
        ("describe", "pdb", "budget"),
        ("describe", "role", "reader"),
        ("describe", "rolebinding", "readers"),
        ("describe", "quota", "q"),
        ("describe", "ingress", "ing"),
        ("describe", "deployments"),
        ("describe", "deploy", "web", "api"),
        ("describe", "deploy", "-l", "app=web"),
        ("describe", "deploy", "we"),
        ("describe", "deploy", "web", "--show-events=false"),
        ("describe", "cm", "cm", "nope"),
        ("describe", "pod", "nope1", "nope2"),
        ("describe",),
        ("describe", "foo"),
        ("describe", "statefulsets"),
    ],
    ids=lambda a: " ".join(a[1:]) or "no-args",
)
def test_describe_matches_kubectl(kubectl, keelctl, objects, args):
    assert_same(kubectl, keelctl, *args, norm=norm)


def test_describe_namespace_and_cluster_scoped(kubectl, keelctl, objects):
    assert_same(kubectl, keelctl, "describe", "namespace", objects, norm=norm)
    kubectl("create", "clusterrole", f"{objects}-cr", "--verb=get", "--non-resource-url=/a,/b")
    assert_same(kubectl, keelctl, "describe", "clusterrole", f"{objects}-cr", norm=norm)


def test_events_section(kubectl, keelctl, objects, api, ns):
    """A core/v1 event about the deployment shows in its Events table,
    after a flush that starts new columns, as kubectl prints it."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    uid = api.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/web")["metadata"]["uid"]
    api.request("POST", f"/api/v1/namespaces/{ns}/events", {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web.1", "namespace": ns},
        "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                           "namespace": ns, "uid": uid},
        "reason": "ScalingReplicaSet", "message": "Scaled up replica set web-1 to 1 ",
        "type": "Normal", "count": 3, "firstTimestamp": now, "lastTimestamp": now,
        "source": {"component": "deployment-controller"},
    })
    want, got = assert_same(kubectl, keelctl, "describe", "deployment", "web", norm=norm)
    assert "ScalingReplicaSet" in got.out and "(x3 over" in got.out


def test_describe_generic_for_unknown_kinds(kubectl, keelctl, objects):
    kubectl("create", "priorityclass", f"{objects}-pc", "--value=5", "--description=d")
    assert_same(kubectl, keelctl, "describe", "priorityclass", f"{objects}-pc", norm=norm)
    assert_same(kubectl, keelctl, "describe", "endpointslices", norm=norm)
    assert_same(kubectl, keelctl, "describe", "leases", "-n", "kube-system", norm=norm)


def add_event(api, ns, name, kind, obj_name, reason, message, type_="Normal", count=1, minutes_ago=5):
    """A core/v1 event as a controller would write it."""
    then = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    api.request("POST", f"/api/v1/namespaces/{ns}/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"apiVersion": "apps/v1" if kind == "Deployment" else "v1",
                           "kind": kind, "name": obj_name, "namespace": ns},
        "reason": reason, "message": message, "type": type_, "count": count,
        "firstTimestamp": then, "lastTimestamp": then, "source": {"component": "test"},
    })


def test_events_match_kubectl(kubectl, keelctl, api, ns):
    # Ages of 10 minutes and more print as whole minutes ("12m"); younger
    # ones gain seconds ("9m1s") and would change the columns' widths
    # between the kubectl and the keelctl run.
    assert_same(kubectl, keelctl, "events", norm=norm)
    kubectl("create", "deployment", "web", "--image=nginx")
    add_event(api, ns, "web.1", "Deployment", "web", "ScalingReplicaSet", "Scaled up", count=3, minutes_ago=12)
    add_event(api, ns, "p.1", "Pod", "p", "BackOff", "Back-off restarting ", type_="Warning", minutes_ago=15)
    for args in (
        ("events",),
        ("events", "--types=Warning"),
        ("events", "--types=Foo"),
        ("events", "--for=deploy/web"),
        ("events", "--for=pod/p", "--no-headers"),
        ("events", "--for=nope/x"),
        ("events", "--for=deploy"),
    ):
        assert_same(kubectl, keelctl, *args, norm=norm)
    got = keelctl("events", "-A").out
    assert re.search(rf"^{ns}\s+\S+\s+Warning\s+BackOff\s+Pod/p\s+Back-off restarting$", got, re.M), got


def test_auth_matches_kubectl(kubectl, keelctl):
    for args in (
        ("auth", "can-i", "get", "pods"),
        ("auth", "can-i", "create", "deployments.apps"),
        ("auth", "can-i", "list", "pods/log"),
        ("auth", "can-i", "get", "pods", "--subresource=log", "-A"),
        ("auth", "can-i", "get", "/logs"),
        ("auth", "can-i", "get", "/logs", "--subresource=x"),
        ("auth", "can-i", "foo", "/logs"),
        ("auth", "can-i", "get", "foos"),
        ("auth", "can-i", "get", "foo.bar"),
        ("auth", "can-i", "frob", "pods"),
        ("auth", "can-i", "get", "namespaces"),
        ("auth", "can-i", "get", "pods", "-q"),
        ("auth", "can-i", "--list"),
        ("auth", "can-i", "--list", "-A"),
        ("auth", "can-i"),
        ("auth", "whoami"),
        ("auth", "whoami", "-o", "json"),
        ("auth", "whoami", "-o", "yaml"),
    ):
        assert_same(kubectl, keelctl, *args, norm=lambda t: norm(t).replace("'keelctl ", "'kubectl "))
