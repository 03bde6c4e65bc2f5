"""YAML documents the scenarios feed to `kubectl create/replace/delete -f -`."""

from __future__ import annotations

import yaml


def configmap(name: str, data: dict[str, str] | None = None, **metadata: object) -> str:
    """A ConfigMap as YAML; extra keyword arguments go into metadata."""
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **metadata},
        "data": data if data is not None else {"k": "v"},
    }
    return yaml.safe_dump(obj, sort_keys=False)


# base64("s3cr3t")
SECRET_PASSWORD_B64 = "czNjcjN0"

APP_STACK = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  labels:
    app: web
data:
  mode: production
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
type: Opaque
data:
  password: {SECRET_PASSWORD_B64}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
"""
