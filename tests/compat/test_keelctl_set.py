"""keelctl set (image, env, resources, selector, serviceaccount, subject) and
create --edit against kubectl's. Every scenario resets the namespace before
each binary runs; mutating scenarios also compare the object each left
behind, so a wrong patch shows even when the printed lines agree."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from harness.parity import normalise

OBJECTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a.b: "1"
  key-two: "2"
  ABC: "3"
---
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
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: main
        image: nginx:1.25
        env:
        - name: EXISTING
          value: "1"
        - name: FROM_CM
          valueFrom:
            configMapKeyRef:
              name: settings
              key: ABC
      - name: side
        image: busybox
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: refs
  labels:
    tier: back
spec:
  selector:
    matchLabels:
      app: refs
  template:
    metadata:
      labels:
        app: refs
    spec:
      containers:
      - name: app
        image: nginx
        resources:
          limits:
            cpu: 500m
            memory: 1Gi
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: LABELS
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels
        - name: CPU_MILLI
          valueFrom:
            resourceFieldRef:
              resource: limits.cpu
              divisor: 1m
        - name: MEM
          valueFrom:
            resourceFieldRef:
              containerName: app
              resource: limits.memory
        - name: MISSING
          valueFrom:
            configMapKeyRef:
              name: nope
              key: k
        - name: MISSING_TOO
          valueFrom:
            configMapKeyRef:
              name: nope
              key: j
        - name: NO_KEY
          valueFrom:
            secretKeyRef:
              name: creds
              key: nokey
        - name: PASSWORD
          valueFrom:
            secretKeyRef:
              name: creds
              key: password
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: alice
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: task
            image: busybox
"""

KINDS = "deployments,services,rolebindings,cronjobs,configmaps,secrets"


@pytest.fixture
def objects(tmp_path: Path) -> str:
    path = tmp_path / "objects.yaml"
    path.write_text(OBJECTS)
    return str(path)


def reset(kubectl, objects: str):
    """Empties the namespace of what the scenarios touch, then creates the objects again."""

    def run() -> None:
        kubectl("delete", KINDS, "--all", "--wait=false", check=False)
        kubectl("create", "-f", objects)
        kubectl("create", "secret", "generic", "creds", "--from-literal=password=pw")

    return run


def state(kubectl, what: tuple[str, ...]) -> str:
    """The part of an object a scenario changes, as JSON: `(kind, name)`
    or `(kind, name, jsonpath)`."""
    kind, name, *path = what
    jsonpath = path[0] if path else "{.spec}{.subjects}{.data}"
    return kubectl("get", kind, name, "-o", f"jsonpath={jsonpath}", check=False).out


def norm(text: str) -> str:
    # Preserved edit files, service cluster IPs and klog headers (time,
    # pid) differ run to run.
    text = re.sub(r"/(kube|keel)ctl-edit-\d+\.(yaml|json)", "/EDIT-FILE", text)
    text = re.sub(r"(?m)^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ ", r"\1<klog> ", text)
    return normalise(re.sub(r"\b10\.\d+\.\d+\.\d+\b", "<ip>", text))


def same(kubectl, keelctl, fresh, *args: str, input: str | None = None, target=None):
    """Runs `args` with both binaries from the same starting state and
    asserts the same exit code, stdout, stderr and resulting object."""
    fresh()
    want = kubectl(*args, input=input, check=False)
    want_state = state(kubectl, target) if target else ""
    fresh()
    got = keelctl(*args, input=input, check=False)
    got_state = state(kubectl, target) if target else ""
    cmd = " ".join(args)
    assert norm(got.out) == norm(want.out), f"stdout of `{cmd}`\n--- kubectl ---\n{want.out}\n--- keelctl ---\n{got.out}\n{got.err}"
    assert norm(got.err) == norm(want.err), f"stderr of `{cmd}`\n--- kubectl ---\n{want.err}\n--- keelctl ---\n{got.err}"
    assert got.rc == want.rc, f"exit code of `{cmd}`: kubectl {want.rc}, keelctl {got.rc}"
    assert norm(got_state) == norm(want_state), f"object after `{cmd}`\n--- kubectl ---\n{want_state}\n--- keelctl ---\n{got_state}"
    return want, got


WEB = ("deployment", "web")


@pytest.mark.parametrize(
    "args",
    [
        ("deploy/web", "A=1", "B=2"),
        ("deploy/web", "EXISTING=1"),
        ("deploy/web", "EXISTING-", "-c", "main"),
        ("deploy/web", "-c", "si*", "A="),
        ("deploy/web", "-c", "nomatch", "X=1"),
        ("deploy/web", "EXISTING=2", "--overwrite=false"),
        ("deploy/web", "--from=configmap/settings", "--keys=a.b", "--prefix=P_"),
        ("deploy/web", "--from=secret/creds", "--keys=password", "-c", "main"),
        ("deploy/web", "--from=configmap/nope"),
        ("deploy/web", "--from=deployment/web"),
        ("deploy/web", "A=1", "--dry-run=client", "-o", "yaml"),
        ("deploy/web", "A=1", "--dry-run=server", "-o", "name"),
        ("deploy/web", "X=1", "deploy/other"),
        ("deploy/web", "A=1", "A-"),
        ("deploy/web", "-e", "1A=x"),
        ("deploy/web", "unknown"),
        ("deploy/web", "--keys=a"),
        ("deploy/web", "--list", "-o", "yaml"),
        ("deploy", "--all", "-l", "app=web", "X=1"),
        ("configmap/settings", "A=1"),
        ("deploy/web", "configmap/settings", "deploy/refs", "A=1", "-c", "main"),
        ("deploy/nope", "A=1"),
        ("A=1",),
        ("deploy/web",),
    ],
)
def test_set_env(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "env", *args, target=WEB)


@pytest.mark.parametrize(
    "args",
    [
        ("env", "deploy/web", "--dry-run", "Q=2"),
        ("env", "deploy/web", "--dry-run", "client"),
        ("env", "deploy/web", "--dry-run=server", "Q=2", "-o", "name"),
        ("image", "deploy/web", "--dry-run", "main=nginx:2"),
        ("resources", "deploy/web", "--dry-run", "-c", "main", "--limits=cpu=1"),
        # Bool flags (and --validate) take a value only after '=' too.
        ("env", "deploy/web", "--overwrite", "Q=2", "-o", "name"),
        ("image", "deploy/web", "--allow-missing-template-keys", "main=nginx:2", "-o", "name"),
    ],
)
def test_optional_values_follow_an_equals_sign(kubectl, keelctl, objects, args):
    """kubectl's --dry-run has NoOptDefVal "unchanged" (bare, it is the
    deprecated client dry run), bool flags "true": the next word stays an
    argument."""
    want, _ = same(kubectl, keelctl, reset(kubectl, objects), "set", *args, target=WEB)
    if args[2] == "--dry-run" and args[3] != "client":
        assert want.rc == 0 and "(dry run)" in want.out


@pytest.mark.parametrize(
    "args",
    [
        ("deploy/web", "--list"),
        ("deploy/web", "--list", "--resolve"),
        ("deploy/web", "--list", "-c", "main", "NEW=x", "EXISTING-"),
        ("deploy/web", "--list", "-c", "in*"),
    ],
)
def test_set_env_list(kubectl, keelctl, objects, args):
    want, _ = same(kubectl, keelctl, reset(kubectl, objects), "set", "env", *args, target=WEB)
    assert want.out.startswith("# Deployment web, container ")


@pytest.mark.parametrize("resolve", [(), ("--resolve",)])
def test_set_env_list_references(kubectl, keelctl, objects, resolve):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "env", "deploy/refs", "--list", *resolve)


def test_set_env_from_every_key(kubectl, keelctl, objects):
    # kubectl walks the keys in Go's random map order; keelctl in key order.
    # The same variables must arrive, with the same warnings.
    fresh = reset(kubectl, objects)
    results = []
    for tool in (kubectl, keelctl):
        fresh()
        rc, out, err = tool("set", "env", "deploy/web", "--from=configmap/settings", "-c", "side", check=False)
        env = kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[1].env[*].name}").out
        results.append((rc, out, sorted(err.splitlines()), sorted(env.split())))
    assert results[1] == results[0]
    assert results[0][3] == ["ABC", "A_B", "KEY_TWO"]


def test_set_env_from_stdin(kubectl, keelctl, objects):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "env", "deploy/web", "-c", "main", "-e", "-",
         "--dry-run=client", "-o", "yaml", input="S1=a # comment\nS2=b\n", target=WEB)


def test_set_env_local_file(kubectl, keelctl, objects, tmp_path):
    fresh = reset(kubectl, objects)
    fresh()
    live = tmp_path / "web.yaml"
    live.write_text(kubectl("get", "deploy", "web", "-o", "yaml").out)
    for args in (("Z=1", "-o", "yaml"), ("Z=1",), ("Z=1", "--dry-run=server")):
        same(kubectl, keelctl, fresh, "set", "env", "-f", str(live), "--local", *args, target=WEB)
    same(kubectl, keelctl, fresh, "set", "env", "deploy/web", "Z=1", "--local")


@pytest.mark.parametrize(
    "args",
    [
        ("deploy/web", "--limits=cpu=200m,memory=512Mi", "-c", "main"),
        ("deploy/web", "--requests=cpu=0.5,memory=1.5Gi"),
        ("deploy/web", "--limits=cpu=1", "--dry-run=server"),
        ("deploy/web", "--limits=cpu=2", "--dry-run=client", "-o", "yaml"),
        ("cronjob/cj", "--limits=cpu=1", "-o", "name"),
        ("deploy/web", "--limits=cpu=1", "-c", "zzz"),
        ("deploy/web", "--limits=cpu=abc"),
        ("deploy/web", "--limits=cpu"),
        ("deploy/web",),
        ("configmap/settings", "--limits=cpu=1"),
        ("deploy", "--all", "-l", "app=web", "--limits=cpu=1"),
        ("deploy/web", "--limits=cpu=1", "--local"),
    ],
)
def test_set_resources(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "resources", *args, target=WEB)


def test_set_resources_twice_is_quiet(kubectl, keelctl, objects):
    fresh = reset(kubectl, objects)

    def once_applied() -> None:
        fresh()
        kubectl("set", "resources", "deploy/web", "--limits=cpu=500m")

    _, got = same(kubectl, keelctl, once_applied, "set", "resources", "deploy/web", "--limits=cpu=0.5", target=WEB)
    assert got.out == ""


@pytest.mark.parametrize(
    "args",
    [
        ("svc/svc", "app=web,tier=fe"),
        ("svc/svc", "app=web"),
        ("svc/svc", "app=web", "--dry-run=client", "-o", "yaml"),
        ("svc", "svc", "app in (a)"),
        ("svc/svc", "!a"),
        ("svc/svc", "a=b,,"),
        ("svc/svc", "a!=b"),
        ("deploy/web", "app=x"),
        ("svc/svc", "a=b", "--resource-version=1"),
        ("svc/svc",),
        (),
        ("svc/nope", "a=b"),
        ("svc", "a=b"),
        ("svc/svc", "a=b", "--local"),
    ],
)
def test_set_selector(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "selector", *args, target=("service", "svc", "{.spec.selector}"))


@pytest.mark.parametrize(
    "args",
    [
        ("sa", "deploy/web", "robot"),
        ("serviceaccount", "deploy/web", "default"),
        ("sa", "cronjob/cj", "robot", "--dry-run=client", "-o", "yaml"),
        ("sa", "deploy/web", "robot", "--dry-run=server", "-o", "name"),
        ("sa", "configmap/settings", "robot"),
        ("sa", "deploy/web"),
        ("sa",),
        ("sa", "deploy/web", "x", "--local"),
        ("sa", "deploy/web", "cronjob/cj", "configmap/settings", "robot"),
    ],
)
def test_set_serviceaccount(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", *args, target=WEB)


@pytest.mark.parametrize(
    "args",
    [
        ("rolebinding", "rb", "--user=bob", "--group=devs", "--group=admins", "--serviceaccount=:robot",
         "--serviceaccount=other:sa2"),
        ("rolebinding/rb", "--user=alice"),
        ("rolebinding/rb", "--group=g", "--dry-run=client", "-o", "yaml"),
        ("rolebinding/rb", "--group=g", "--dry-run=server"),
        ("rolebinding/rb",),
        ("rolebinding/rb", "--serviceaccount=nocolon"),
        ("deploy/web", "--user=x"),
        ("rolebinding/rb", "--user=x", "--local"),
    ],
)
def test_set_subject(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "subject", *args, target=("rolebinding", "rb"))


def test_set_subject_cluster_binding_needs_namespace(kubectl, keelctl, objects, ns):
    name = f"{ns}-crb"
    kubectl("create", "clusterrolebinding", name, "--clusterrole=view", "--group=g1")
    try:
        fresh = reset(kubectl, objects)
        same(kubectl, keelctl, fresh, "set", "subject", "clusterrolebinding", name, "--serviceaccount=:x")
        same(kubectl, keelctl, fresh, "set", "subject", "clusterrolebinding", name, "--serviceaccount=ns1:x",
             "--dry-run=client", "-o", "yaml")
    finally:
        kubectl("delete", "clusterrolebinding", name, check=False)


@pytest.mark.parametrize(
    "args",
    [
        ("deploy/web", "main=nginx:2"),
        ("deploy/web", "main=nginx:1.25"),
        ("deploy/web", "main=nginx:2", "nosuch=x"),
        ("deploy/web", "*=busybox:2", "--dry-run=client", "-o", "yaml"),
        ("cronjob/cj", "task=busybox:2", "-o", "name"),
        ("rolebinding/rb", "x=y"),
        ("deploy/web",),
    ],
)
def test_set_image(kubectl, keelctl, objects, args):
    same(kubectl, keelctl, reset(kubectl, objects), "set", "image", *args, target=WEB)


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: edited
data:
  color: blue
"""


def editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize(
    "script, args, exists",
    [
        # The editor sees the object with its namespace, and its change is created.
        ('grep -q "namespace: " "$1" && sed -i -e "s/color: blue/color: green/" "$1"', (), False),
        ('sed -i -e "s/color: blue/color: green/" "$1"', ("-o", "yaml"), False),
        ('sed -i -e "s/color: blue/color: green/" "$1"', ("--windows-line-endings",), False),
        ("true", (), False),
        ('sed -i -e "s/color: blue/color: green/" "$1"', (), True),
        ("exit 3", (), False),
    ],
)
def test_create_edit(kubectl, keelctl, tmp_path, script, args, exists):
    path = tmp_path / "cm.yaml"
    path.write_text(CONFIGMAP)

    def fresh() -> None:
        kubectl("delete", "configmap", "edited", "--ignore-not-found")
        if exists:
            kubectl("create", "configmap", "edited", "--from-literal=color=red")

    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = editor(tmp_path, script)
    same(kubectl, keelctl, fresh, "create", "-f", str(path), "--edit", *args, target=("configmap", "edited"))
    data = kubectl("get", "configmap", "edited", "-o", "jsonpath={.data.color}", check=False).out
    if script.startswith(("grep", "sed")) and not exists:
        assert data == "green"


def test_create_edit_needs_files(kubectl, keelctl, tmp_path):
    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = editor(tmp_path, "true")
    same(kubectl, keelctl, lambda: None, "create", "--edit")


TWO_OBJECTS = CONFIGMAP + """---
apiVersion: v1
kind: Secret
metadata:
  name: edited
stringData:
  color: blue
"""


@pytest.mark.parametrize(
    "args, existing",
    [
        (("-o", "yaml"), ()),
        (("-o", "json"), ()),
        ((), (("configmap", "edited", "--from-literal=a=b"),)),
        ((), (("configmap", "edited", "--from-literal=a=b"), ("secret", "generic", "edited"))),
    ],
)
def test_create_edit_one_editor_per_object(kubectl, keelctl, tmp_path, args, existing):
    # Each object opens in an editor of its own, and a failure does not stop the next.
    path = tmp_path / "two.yaml"
    path.write_text(TWO_OBJECTS)

    def fresh() -> None:
        kubectl("delete", "configmap,secret", "edited", "--ignore-not-found")
        for what in existing:
            kubectl("create", *what)

    for tool in (kubectl, keelctl):
        tool.env["KUBE_EDITOR"] = editor(tmp_path, '! grep -q "kind: List" "$1" && sed -i -e "s/color: blue/color: green/" "$1"')
    same(kubectl, keelctl, fresh, "create", "-f", str(path), "--edit", *args,
         target=("configmap", "edited", "{.data}"))
