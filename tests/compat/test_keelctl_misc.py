"""keelctl's read-only and config commands against kubectl's: api-resources,
api-versions, version, explain, cluster-info, config and completion."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from harness.parity import assert_same


@pytest.mark.parametrize(
    "args",
    [
        ("api-versions",),
        ("api-resources",),
        ("api-resources", "-o", "wide"),
        ("api-resources", "-o", "name"),
        ("api-resources", "-o", "json"),
        ("api-resources", "-o", "yaml"),
        ("api-resources", "-o", "kyaml"),
        ("api-resources", "--api-group=apps"),
        ("api-resources", "--api-group", ""),
        ("api-resources", "--namespaced=false", "--verbs=create,list", "--sort-by=kind"),
        ("api-resources", "--categories=all", "--no-headers"),
        ("api-resources", "--sort-by=name", "--cached"),
        ("api-resources", "--sort-by=foo"),
        ("api-resources", "-o", "foo"),
        ("version", "-o", "foo"),
    ],
    ids=" ".join,
)
def test_discovery_commands(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


def test_version_reports_server_and_keelctl(kubectl, keelctl):
    want = kubectl("version", "-o", "json").out
    got = keelctl("version", "-o", "json").out
    want_json, got_json = json.loads(want), json.loads(got)
    assert got_json["serverVersion"] == want_json["serverVersion"]
    client = got_json["clientVersion"]
    assert list(client)[:3] == ["major", "minor", "gitVersion"]
    assert (client["major"], client["minor"]) == ("1", "37")
    assert client["gitVersion"].startswith("v1.37.0-keelctl.")
    text = keelctl("version").out.splitlines()
    assert text[0] == f"Client Version: {client['gitVersion']}"
    assert text[1] == f"Server Version: {want_json['serverVersion']['gitVersion']}"
    assert yaml.safe_load(keelctl("version", "--client", "-o", "yaml").out) == {"clientVersion": client}


@pytest.mark.parametrize(
    "args",
    [
        ("explain", "pods"),
        ("explain", "pods.spec.containers.ports"),
        ("explain", "pods.metadata.labels"),
        ("explain", "pods.spec.restartPolicy"),
        ("explain", "pods.nope"),
        ("explain", "nope"),
        ("explain",),
        ("explain", "deploy.spec", "--recursive"),
        ("explain", "deploy.spec.strategy", "-R", "--max-depth=1"),
        ("explain", "deploy", "--api-version=apps/v1"),
        ("explain", "deploy", "--api-version=v9"),
        ("explain", "deployments.apps.spec.paused"),
        ("explain", "Pod.metadata.name"),
        ("explain", "svc"),
        ("explain", "crd.spec"),
        ("explain", "cm.data"),
        ("explain", "jobs.spec.template.spec.volumes.hostPath"),
        ("explain", "pods", "-o", "foo"),
        ("explain", "events.events.k8s.io"),
        ("explain", "horizontalpodautoscalers.autoscaling.spec"),
        ("explain", "pods.spec."),
    ],
    ids=" ".join,
)
def test_explain(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


def test_cluster_info(kubectl, keelctl, ns):
    assert_same(kubectl, keelctl, "cluster-info")
    kubectl("create", "service", "clusterip", "dash", "--tcp=443:8443")
    kubectl("label", "service", "dash", "kubernetes.io/cluster-service=true", "kubernetes.io/name=Dashboard")
    want, _ = assert_same(kubectl, keelctl, "cluster-info", "-n", ns)
    assert f"Dashboard is running at " in want.out and f"/namespaces/{ns}/services/https:dash:" in want.out


def _on_a_terminal(tool, *args):
    """What a tool writes when its stdout is a terminal (a pty), raw bytes."""
    import os
    import pty
    import subprocess

    leader, follower = pty.openpty()
    env = dict(tool.env, TERM="xterm-256color")
    proc = subprocess.Popen(tool.argv(args), stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the pty closes when the tool exits
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(timeout=30) == 0
    return out


def test_cluster_info_on_a_terminal(kubectl, keelctl):
    # kubectl 1.37 writes no colour codes, even to a terminal.
    want = _on_a_terminal(kubectl, "cluster-info")
    assert b"\x1b[" not in want
    assert _on_a_terminal(keelctl, "cluster-info") == want


@pytest.fixture
def config_pair(kubectl, keelctl, tmp_path):
    """Separate copies of the kubeconfig for kubectl and keelctl, and a runner
    that runs the same config commands on each and returns both outputs and files."""

    def run(*commands: tuple[str, ...]):
        results = []
        for who, runner in (("kubectl", kubectl), ("keelctl", keelctl)):
            path = tmp_path / f"{who}.kubeconfig"
            shutil.copy(kubectl.kubeconfig, path)
            out = []
            for args in commands:
                r = runner("--kubeconfig", str(path), *args, check=False)
                out.append((r.rc, r.out.replace(str(path), "<file>"), r.err.replace(str(path), "<file>")))
            results.append((out, path.read_text()))
        return results

    return run


CONFIG_SCENARIOS = [
    [("config", "view"), ("config", "view", "--raw"), ("config", "view", "-o", "json")],
    [("config", "view", "--minify", "--flatten"), ("config", "view", "-o", "jsonpath={.users[0].name}")],
    [("config", "view", "-o", "kyaml"), ("config", "view", "-o", "name")],
    [("config", "current-context"), ("config", "get-contexts"), ("config", "get-clusters"), ("config", "get-users")],
    [
        ("config", "set-context", "dev", "--namespace=x", "--cluster=other", "--user=bob"),
        ("config", "set-credentials", "bob", "--username=bob", "--password=pw", "--client-certificate=/abs/c.pem"),
        ("config", "set-cluster", "other", "--server=https://1.2.3.4", "--insecure-skip-tls-verify=true"),
        ("config", "view"),
        ("config", "use-context", "dev"),
        ("config", "get-contexts"),
        ("config", "get-contexts", "dev", "-o", "name"),
        ("config", "current-context"),
    ],
    [
        ("config", "use-context", "nope"),
        ("config", "get-contexts", "nope"),
        ("config", "get-contexts", "-o", "wide"),
        ("config", "set-context"),
        ("config", "set-context", "--current", "--namespace=y"),
        ("config", "rename-context", "nope", "x"),
    ],
    [
        ("config", "set-context", "spare", "--user=admin"),
        ("config", "rename-context", "spare", "second"),
        ("config", "delete-context", "second"),
        ("config", "delete-context", "nope"),
        ("config", "delete-cluster", "nope"),
        ("config", "view", "-o", "json"),
    ],
    [
        ("config", "set-credentials", "tok", "--token=abc"),
        ("config", "set-credentials", "tok", "--username=u"),
        (
            "config", "set-credentials", "ex", "--exec-command=/bin/cred",
            "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=a", "--exec-arg=b", "--exec-env=K=V",
        ),
        ("config", "view", "--raw"),
    ],
    [
        ("config", "set", "clusters.keelson.server", "https://9.9.9.9"),
        ("config", "set", "clusters.new.insecure-skip-tls-verify", "true"),
        ("config", "set", "contexts.keelson.namespace", "prod"),
        ("config", "set", "users.admin.client-key-data", "aGVsbG8="),
        ("config", "set", "users.admin.client-certificate-data", "hello", "--set-raw-bytes"),
        ("config", "set", "current-context", "elsewhere"),
        ("config", "set", "foo", "bar"),
        ("config", "set", "clusters.keelson.insecure-skip-tls-verify", "maybe"),
        ("config", "set", "clusters.keelson.certificate-authority-data", "%%%"),
        ("config", "unset", "users.admin.token"),
        ("config", "unset", "contexts.keelson.namespace"),
        ("config", "unset", "clusters.keelson.server.x"),
        ("config", "unset", "clusters.new"),
        ("config", "view", "--raw"),
    ],
]


@pytest.mark.parametrize("commands", CONFIG_SCENARIOS, ids=lambda c: " | ".join(" ".join(a[1:]) for a in c))
def test_config(config_pair, commands):
    (want_out, want_file), (got_out, got_file) = config_pair(*commands)
    for args, want, got in zip(commands, want_out, got_out):
        assert got == want, f"`{' '.join(args)}` differs"
    assert got_file == want_file


def test_config_delete_current_context_warns(config_pair):
    (want_out, want_file), (got_out, got_file) = config_pair(("config", "delete-context", "keelson"), ("config", "view", "--minify"))
    assert got_out == want_out
    assert got_file == want_file


@pytest.mark.parametrize("args", [("completion",), ("completion", "tcsh"), ("completion", "bash", "zsh")], ids=" ".join)
def test_completion_errors(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


def test_completion_bash_script_works(keelctl):
    script = keelctl("completion", "bash").out
    probe = (
        script
        + "\nCOMP_WORDS=(keelctl api-); COMP_CWORD=1; COMP_LINE='keelctl api-'; COMP_POINT=${#COMP_LINE}"
        + "\n_keelctl keelctl api- keelctl; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    result = subprocess.run(["bash"], input=probe, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"api-resources", "api-versions"}


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_completion_other_shells(keelctl, shell):
    script = keelctl("completion", shell).out
    assert "keelctl" in script and "api-resources" in script


def test_verbose_traces_requests(keelctl, ns):
    r = keelctl("get", "configmaps", "-v=6")
    assert f'"Response" verb="GET" url="' in r.err
    assert f"/api/v1/namespaces/{ns}/configmaps?limit=500\" status=\"200 OK\"" in r.err
    assert keelctl("get", "configmaps").err == "No resources found in " + ns + " namespace.\n"


@pytest.mark.parametrize(
    "args",
    [
        ("get", "cm", "--foo"),
        ("get", "cm", "-Z"),
        ("get", "cm", "-o"),
        ("get", "cm", "--output"),
        ("get", "cm", "--chunk-size=abc"),
        ("get", "cm", "-A=maybe"),
        ("config", "view", "--foo"),
        ("config", "nope"),
        ("config", "view", "x"),
        ("api-resources", "extra"),
        # Optional-value flags (pflag's NoOptDefVal) take a value only after
        # '=': the next word is an argument, here the resource type.
        ("get", "--show-labels", "cm"),
        ("get", "--ignore-not-found", "cm", "nope"),
        ("api-resources", "--no-headers", "false"),
    ],
    ids=" ".join,
)
def test_usage_errors_read_like_kubectl(kubectl, keelctl, args):
    assert_same(kubectl, keelctl, *args)


@pytest.mark.parametrize(
    "args",
    [
        ("get", "cm", "-s", "https://127.0.0.1:1"),
        ("get", "--raw", "/api", "-s", "https://127.0.0.1:1"),
        ("get", "cm", "--context=nope"),
        ("get", "cm", "--request-timeout=abc"),
        ("get", "cm", "--token=bad", "--insecure-skip-tls-verify"),
        ("get", "--raw", "/api", "--token=bad", "--insecure-skip-tls-verify"),
        ("api-resources", "--token=bad", "--insecure-skip-tls-verify"),
    ],
    ids=" ".join,
)
def test_connection_and_config_errors(kubectl, keelctl, args):
    # kubectl's discovery cache also logs klog lines (memcache.go) with times and pids; those are left out.
    want, got = kubectl(*args, check=False), keelctl(*args, check=False)
    strip = lambda err: "".join(l for l in err.splitlines(True) if "memcache.go" not in l)
    assert (got.rc, got.out, got.err) == (want.rc, want.out, strip(want.err))
