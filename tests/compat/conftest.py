"""Fixtures: one in-memory `keelson server` per session, one namespace per test.

- `server`   session-scoped KeelsonServer on a free port, in-memory storage,
             temp data dir; started before the first test, SIGTERMed after
             the last.
- `api`      HTTPS client on the server's kubeconfig (fixture bookkeeping only).
- `ns`       a fresh namespace per test, created through the API, deleted after.
- `kubectl`  the real kubectl 1.37 with a kubeconfig whose context defaults
             to `ns`; call it as kubectl(*args, input=None, check=True) ->
             (rc, out, err).
- `keelctl`  keelctl under test, same kubeconfig, HOME and calling convention
             as `kubectl` (its own discovery cache, so neither warms the other's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from harness.api import ApiClient
from harness.fixtures import (
    keelctl_binary,
    keelson_binary,
    kubeconfig_for_namespace,
    kubectl_binary,
    make_kubectl,
    namespace_name,
)
from harness.kubectl import Kubectl
from harness.server import ALL_SERVERS, KeelsonServer, ServerError, free_port


@pytest.fixture(scope="session")
def kubectl_bin() -> Path:
    """Path of the real kubectl 1.37 binary."""
    return kubectl_binary()


@pytest.fixture(scope="session")
def keelson_bin() -> Path:
    """Path of the keelson binary under test."""
    return keelson_binary()


@pytest.fixture(scope="session")
def server(keelson_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeelsonServer]:
    """The shared in-memory server."""
    base = tmp_path_factory.mktemp("session-server")
    srv = KeelsonServer(keelson_bin, base / "data", free_port(), in_memory=True)
    failure = None
    try:
        srv.start()
    except ServerError as err:
        failure = str(err)
    if failure:
        pytest.fail(failure, pytrace=False)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def api(server: KeelsonServer) -> ApiClient:
    """Fixture-side API client for the shared server."""
    return ApiClient(server.kubeconfig)


@pytest.fixture(scope="session")
def kube_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME and discovery cache for every kubectl the session runs."""
    return tmp_path_factory.mktemp("kube-home")


@pytest.fixture
def ns(api: ApiClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of this test's own."""
    name = namespace_name(request.node.name)
    api.create_namespace(name)
    yield name
    api.delete_namespace(name)


@pytest.fixture
def kubectl(kubectl_bin: Path, server: KeelsonServer, ns: str, kube_home: Path, tmp_path: Path) -> Kubectl:
    """kubectl acting in the test's namespace by default."""
    config = kubeconfig_for_namespace(server.kubeconfig, ns, tmp_path / "kubeconfig")
    return make_kubectl(kubectl_bin, config, kube_home)


@pytest.fixture(scope="session")
def keelctl_bin() -> Path:
    """Path of the keelctl binary under test."""
    return keelctl_binary()


@pytest.fixture
def keelctl(keelctl_bin: Path, kubectl: Kubectl, kube_home: Path) -> Kubectl:
    """keelctl acting in the test's namespace by default, configured as `kubectl` is."""
    return make_kubectl(keelctl_bin, kubectl.kubeconfig, kube_home / "keelctl")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """On failure, say where each server's log is (tmp_path keeps the last runs)."""
    if exitstatus == 0:
        return
    for srv in ALL_SERVERS:
        terminalreporter.write_line(f"keelson server log: {srv.log_path}")
