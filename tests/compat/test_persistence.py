"""SQLite storage: data, credentials and revisions survive SIGTERM/SIGINT and a restart.

This module runs its own server (not the shared in-memory one) so it can stop
and restart it over the same data directory.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Iterator

import pytest

from harness.fixtures import make_kubectl
from harness.kubectl import Kubectl
from harness.server import KeelsonServer, ServerError, free_port
from manifests import APP_STACK, configmap

pytestmark = pytest.mark.persistence

BUILTIN_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"]


@pytest.fixture(scope="module")
def sqlite_server(keelson_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeelsonServer]:
    """A SQLite-backed server of this module's own."""
    base = tmp_path_factory.mktemp("sqlite-server")
    srv = KeelsonServer(keelson_bin, base / "data", free_port(), in_memory=False)
    failure = None
    try:
        srv.start()
    except ServerError as err:
        failure = str(err)
    if failure:
        pytest.fail(failure, pytrace=False)
    yield srv
    if srv.proc is not None and srv.proc.poll() is None:
        srv.stop()


@pytest.fixture
def saved_kubeconfig(sqlite_server: KeelsonServer, tmp_path: Path) -> Path:
    """A copy of the kubeconfig from the first start, as a user would keep it.

    Using the copy after a restart proves the server kept its CA and token.
    """
    dest = tmp_path / "saved-kubeconfig"
    shutil.copyfile(sqlite_server.kubeconfig, dest)
    return dest


@pytest.fixture
def k(kubectl_bin: Path, saved_kubeconfig: Path, kube_home: Path) -> Kubectl:
    """kubectl on the saved kubeconfig."""
    return make_kubectl(kubectl_bin, saved_kubeconfig, kube_home)


def restart(srv: KeelsonServer, sig: int) -> None:
    """Stop with `sig`, check a clean exit and a single stdout line, start again."""
    rc = srv.stop(sig)
    assert rc == 0, f"keelson server exited {rc} on {signal.Signals(sig).name}\n{srv.describe_output()}"
    assert srv.stdout_lines == [srv.expected_ready_line], "the server prints exactly one line on stdout"
    kubeconfig_before = srv.kubeconfig.read_text(encoding="utf-8")
    failure = None
    try:
        srv.start()
    except ServerError as err:
        failure = f"restart after {signal.Signals(sig).name} failed: {err}"
    if failure:
        pytest.fail(failure, pytrace=False)
    assert srv.kubeconfig.read_text(encoding="utf-8") == kubeconfig_before, (
        "restarting must not rewrite the kubeconfig"
    )


def test_data_survives_restart(sqlite_server: KeelsonServer, k: Kubectl):
    ns = "persist"
    assert k("create", "namespace", ns).out == f"namespace/{ns} created\n"
    k("create", "-n", ns, "-f", "-", input=APP_STACK)
    k("create", "-n", ns, "-f", "-", input=configmap("doomed"))
    k("create", "-n", ns, "-f", "-", input=configmap("held", finalizers=["example.com/hold"]))
    k("delete", "-n", ns, "configmap", "held", "--wait=false")
    before = k.json("get", "-n", ns, "configmap", "app-config")
    deploy_before = k.json("get", "-n", ns, "deployment", "web")

    restart(sqlite_server, signal.SIGTERM)

    after = k.json("get", "-n", ns, "configmap", "app-config")
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["metadata"]["creationTimestamp"] == before["metadata"]["creationTimestamp"]
    assert after["data"] == {"mode": "production"}
    assert k.json("get", "-n", ns, "deployment", "web")["spec"] == deploy_before["spec"]
    assert k("get", "-n", ns, "secret", "app-secret", "-o", "jsonpath={.data.password}").out == "czNjcjN0"
    held = k.json("get", "-n", ns, "configmap", "held")
    assert held["metadata"]["deletionTimestamp"], "a pending deletion survives the restart"

    # Built-in objects are created once, not again on every start.
    names = k("get", "namespaces", "-o", "name").out.split()
    assert sorted(n for n in names if n != f"namespace/{ns}") == [
        f"namespace/{n}" for n in BUILTIN_NAMESPACES
    ]
    assert f"namespace/{ns}" in names
    assert k("get", "services", "-n", "default", "-o", "name").out == "service/kubernetes\n"

    # Revisions keep counting up from where they were.
    k("create", "-n", ns, "configmap", "later", "--from-literal=k=v")
    later_rv = int(k("get", "-n", ns, "configmap", "later", "-o", "jsonpath={.metadata.resourceVersion}").out)
    assert later_rv > int(held["metadata"]["resourceVersion"])

    assert k("delete", "-n", ns, "configmap", "doomed").rc == 0
    restart(sqlite_server, signal.SIGINT)

    rc, out, err = k("get", "-n", ns, "configmap", "doomed", check=False)
    assert (rc, err) == (1, 'Error from server (NotFound): configmaps "doomed" not found\n')
    assert k("get", "-n", ns, "configmap", "later", "-o", "jsonpath={.data.k}").out == "v"
