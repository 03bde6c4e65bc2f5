"""Admission as kubectl sees it: field validation modes, server-side defaults, Service addresses, validation."""

from __future__ import annotations

import json
import re

import yaml

TYPO = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "typo"}, "spec": {"x": 1}})


def test_validate_false_prunes_silently(kubectl):
    rc, out, err = kubectl("create", "-f", "-", "--validate=false", input=TYPO, check=False)
    assert (rc, out, err) == (0, "configmap/typo created\n", "")
    assert "spec" not in kubectl.json("get", "configmap", "typo")


def test_validate_warn_prints_the_warning(kubectl):
    rc, out, err = kubectl("create", "-f", "-", "--validate=warn", input=TYPO, check=False)
    assert (rc, out) == (0, "configmap/typo created\n")
    assert err == 'Warning: unknown field "spec"\n'


def test_wrong_type_is_rejected_by_the_decoder(kubectl):
    doc = yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": "two",
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        }
    )
    rc, out, err = kubectl("create", "-f", "-", input=doc, check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
        "handled as a Deployment: json: cannot unmarshal string into Go struct field "
        "DeploymentSpec.spec.replicas of type int32\n"
    )


def test_selector_must_match_template_labels(kubectl):
    doc = yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "bad"},
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "b"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        }
    )
    rc, out, err = kubectl("create", "-f", "-", input=doc, check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"b"}: `selector` does not match template `labels`\n'
    )


def test_node_port_services_get_addresses(kubectl):
    doc = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "np"},
            "spec": {"type": "NodePort", "selector": {"app": "np"}, "ports": [{"port": 80}]},
        }
    )
    kubectl("create", "-f", "-", input=doc)
    svc = kubectl.json("get", "service", "np")
    spec = svc["spec"]
    assert re.fullmatch(r"10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+", spec["clusterIP"])
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")
    port = spec["ports"][0]
    assert 30000 <= port["nodePort"] <= 32767
    assert (port["protocol"], port["targetPort"]) == ("TCP", 80)
    assert spec["externalTrafficPolicy"] == "Cluster"
