"""A minimal HTTPS client for the fixtures' own bookkeeping (test namespaces).

It reads the same kubeconfig kubectl uses, verifies the server against the CA
in it and authenticates with its token or client certificate, so fixtures do
not depend on the kubectl behaviour under test.
"""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml


class ApiError(Exception):
    """A non-2xx answer from the API server."""

    def __init__(self, method: str, path: str, status: int, body: str):
        super().__init__(f"{method} {path}: HTTP {status}: {body}")
        self.status = status
        self.body = body


def current_context(config: dict[str, Any]) -> tuple[dict, dict, dict]:
    """(context, cluster, user) entries of the kubeconfig's current context."""
    name = config.get("current-context")
    contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
    if name not in contexts:
        raise ValueError(f"kubeconfig current-context {name!r} not among {sorted(contexts)}")
    context = contexts[name]
    clusters = {c["name"]: c["cluster"] for c in config.get("clusters") or []}
    users = {u["name"]: u.get("user") or {} for u in config.get("users") or []}
    return context, clusters[context["cluster"]], users.get(context.get("user"), {})


class ApiClient:
    """JSON requests to the server named in a kubeconfig."""

    def __init__(self, kubeconfig: Path, timeout: float = 30.0):
        config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
        _, cluster, user = current_context(config)
        self.server = cluster["server"].rstrip("/")
        self.timeout = timeout
        self.ssl = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode("ascii")
        )
        self.headers = {"Accept": "application/json"}
        if user.get("token"):
            self.headers["Authorization"] = f"Bearer {user['token']}"
        if user.get("client-certificate-data"):
            self._load_client_cert(user)

    def _load_client_cert(self, user: dict[str, Any]) -> None:
        # ssl only loads key material from files.
        with tempfile.TemporaryDirectory() as tmp:
            cert = Path(tmp, "cert.pem")
            key = Path(tmp, "key.pem")
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            self.ssl.load_cert_chain(cert, key)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send one request; returns the decoded JSON body or raises ApiError."""
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.server + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise ApiError(method, path, err.code, err.read().decode("utf-8", "replace")) from None
        return json.loads(raw) if raw else None

    def create_namespace(self, name: str, labels: dict[str, str] | None = None) -> dict:
        """POST a Namespace."""
        meta: dict[str, Any] = {"name": name}
        if labels:
            meta["labels"] = labels
        return self.request(
            "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
        )

    def delete_namespace(self, name: str) -> None:
        """DELETE a Namespace; a namespace that is already gone is fine."""
        try:
            self.request("DELETE", f"/api/v1/namespaces/{name}")
        except ApiError as err:
            if err.status != 404:
                raise
