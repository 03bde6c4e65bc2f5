"""create and get: multi-document files, output formats, selectors, paging, errors."""

from __future__ import annotations

import base64
import json
import re

import pytest
import yaml

from manifests import APP_STACK, SECRET_PASSWORD_B64, configmap

RFC1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def create_labelled_configmaps(kubectl, specs: dict[str, dict[str, str]]) -> None:
    """Create one ConfigMap per name with the given labels."""
    docs = "---\n".join(configmap(name, labels=labels) for name, labels in specs.items())
    out = kubectl("create", "-f", "-", input=docs).out
    assert out == "".join(f"configmap/{name} created\n" for name in specs)


def test_create_multi_document_file(kubectl):
    rc, out, err = kubectl("create", "-f", "-", input=APP_STACK)
    assert (rc, err) == (0, "")
    assert out == (
        "configmap/app-config created\n"
        "secret/app-secret created\n"
        "service/web created\n"
        "deployment.apps/web created\n"
    )
    assert kubectl("get", "configmap", "app-config", "-o", "jsonpath={.data.mode}").out == "production"
    assert kubectl("get", "secret", "app-secret", "-o", "jsonpath={.data.password}").out == (
        SECRET_PASSWORD_B64
    )
    assert kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}").out == "2"


def test_created_objects_get_server_side_defaults(kubectl):
    kubectl("create", "-f", "-", input=APP_STACK)

    cm = kubectl.json("get", "configmap", "app-config")
    meta = cm["metadata"]
    assert (cm["apiVersion"], cm["kind"]) == ("v1", "ConfigMap")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", meta["uid"])
    assert re.fullmatch(r"\d+", meta["resourceVersion"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert "generation" not in meta, "only kinds whose strategy tracks spec changes get a generation"

    svc = kubectl.json("get", "service", "web")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["sessionAffinity"] == "None"
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", svc["spec"]["clusterIP"])
    assert svc["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 8080}

    deploy = kubectl.json("get", "deployment", "web")
    assert deploy["metadata"]["generation"] == 1
    assert deploy["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deploy["spec"]["revisionHistoryLimit"] == 10
    assert deploy["spec"]["progressDeadlineSeconds"] == 600
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert deploy["spec"]["template"]["spec"]["restartPolicy"] == "Always"


def test_get_tables_printed_by_server(kubectl):
    kubectl("create", "-f", "-", input=APP_STACK)

    lines = kubectl("get", "configmap", "app-config").out.splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert re.fullmatch(r"app-config\s+1\s+\d+s", lines[1]), lines

    lines = kubectl("get", "secret", "app-secret").out.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert re.fullmatch(r"app-secret\s+Opaque\s+1\s+\d+s", lines[1]), lines

    lines = kubectl("get", "service", "web").out.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert re.fullmatch(r"web\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80/TCP\s+\d+s", lines[1]), lines

    lines = kubectl("get", "deployment", "web").out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split()[0] == "web"
    assert re.fullmatch(r"\d+/2", lines[1].split()[1]), lines


def test_create_secret_string_data_is_encoded(kubectl):
    doc = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "plain"},
            "stringData": {"token": "hello"},
        }
    )
    assert kubectl("create", "-f", "-", input=doc).out == "secret/plain created\n"
    secret = kubectl.json("get", "secret", "plain")
    assert secret["data"] == {"token": base64.b64encode(b"hello").decode()}
    assert "stringData" not in secret
    assert secret["type"] == "Opaque"


def test_create_records_managed_fields(kubectl):
    kubectl("create", "-f", "-", input=configmap("owned", data={"a": "1"}))
    # kubectl hides managedFields unless asked; kube-apiserver always records them.
    assert "managedFields" not in kubectl.json("get", "configmap", "owned")["metadata"]
    meta = kubectl.json("get", "configmap", "owned", "--show-managed-fields")["metadata"]
    [entry] = meta["managedFields"]
    assert entry["manager"] == "kubectl-create"
    assert entry["operation"] == "Update"
    assert entry["apiVersion"] == "v1"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}


def test_create_imperative_configmap(kubectl):
    assert kubectl("create", "configmap", "lit", "--from-literal=a=1", "--from-literal=b=2").out == (
        "configmap/lit created\n"
    )
    assert kubectl.json("get", "configmap", "lit")["data"] == {"a": "1", "b": "2"}


def test_get_output_formats(kubectl, ns):
    create_labelled_configmaps(kubectl, {n: {"set": "fmt"} for n in ("a", "b", "c")})

    single = kubectl.json("get", "configmap", "b")
    assert single["kind"] == "ConfigMap"
    assert single["metadata"]["name"] == "b"
    assert single["metadata"]["namespace"] == ns

    as_list = kubectl.json("get", "configmaps", "-l", "set=fmt")
    assert (as_list["apiVersion"], as_list["kind"]) == ("v1", "List")
    assert [i["metadata"]["name"] for i in as_list["items"]] == ["a", "b", "c"]
    assert all(i["kind"] == "ConfigMap" for i in as_list["items"])

    doc = yaml.safe_load(kubectl("get", "configmap", "a", "-o", "yaml").out)
    assert doc["kind"] == "ConfigMap"
    assert doc["data"] == {"k": "v"}
    assert doc["metadata"]["labels"] == {"set": "fmt"}

    assert kubectl("get", "configmaps", "-l", "set=fmt", "-o", "name").out == (
        "configmap/a\nconfigmap/b\nconfigmap/c\n"
    )
    assert kubectl("get", "cm", "-l", "set=fmt", "-o", "jsonpath={.items[*].metadata.name}").out == ("a b c")


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("env=prod", ["a"]),
        ("env==prod", ["a"]),
        ("env!=prod", ["b", "c", "d"]),
        ("env in (dev,staging)", ["b", "c"]),
        ("env notin (prod)", ["b", "c", "d"]),
        ("env", ["a", "b", "c"]),
        ("!env", ["d"]),
        ("env=prod,tier=web", ["a"]),
        ("tier in (web,db),env", ["a"]),
    ],
)
def test_get_label_selector(kubectl, selector, expected):
    create_labelled_configmaps(
        kubectl,
        {
            "a": {"set": "sel", "env": "prod", "tier": "web"},
            "b": {"set": "sel", "env": "dev"},
            "c": {"set": "sel", "env": "staging"},
            "d": {"set": "sel", "tier": "db"},
        },
    )
    out = kubectl("get", "configmaps", "-l", f"set=sel,{selector}", "-o", "name").out
    assert out == "".join(f"configmap/{n}\n" for n in expected)


def test_get_label_selector_matching_nothing(kubectl, ns):
    rc, out, err = kubectl("get", "configmaps", "-l", "env=none")
    assert (rc, out) == (0, "")
    assert err == f"No resources found in {ns} namespace.\n"


def test_get_field_selector(kubectl, ns):
    create_labelled_configmaps(kubectl, {n: {"set": "fs"} for n in ("a", "b", "c")})
    assert kubectl("get", "cm", "--field-selector", "metadata.name=b", "-o", "name").out == ("configmap/b\n")
    assert kubectl("get", "cm", "-l", "set=fs", "--field-selector", "metadata.name!=b", "-o", "name").out == (
        "configmap/a\nconfigmap/c\n"
    )
    assert kubectl(
        "get", "cm", "-l", "set=fs", "--field-selector", f"metadata.namespace={ns}", "-o", "name"
    ).out == ("configmap/a\nconfigmap/b\nconfigmap/c\n")


def test_get_unsupported_field_selector(kubectl):
    rc, out, err = kubectl("get", "cm", "--field-selector", "data.k=v", check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match '
        'label selector "", field selector "data.k=v": "data.k" is not a known field selector: '
        'only "metadata.name", "metadata.namespace"\n'
    )


def test_get_all_namespaces(kubectl, api, ns):
    # "u-..." sorts after "t-..." whichever way names are compared, so the
    # expected order (kube-apiserver lists in storage-key order) is unambiguous.
    other = "u" + ns[1:]
    api.create_namespace(other)
    try:
        kubectl("create", "-f", "-", input=configmap("one", labels={"mark": ns}))
        kubectl("create", "-n", other, "-f", "-", input=configmap("two", labels={"mark": ns}))

        lines = kubectl("get", "configmaps", "-A", "-l", f"mark={ns}").out.splitlines()
        assert lines[0].split() == ["NAMESPACE", "NAME", "DATA", "AGE"]
        assert [line.split()[:3] for line in lines[1:]] == [[ns, "one", "1"], [other, "two", "1"]]

        items = kubectl.json("get", "configmaps", "--all-namespaces", "-l", f"mark={ns}")["items"]
        assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items] == [
            (ns, "one"),
            (other, "two"),
        ]
    finally:
        api.delete_namespace(other)


def test_get_in_chunks(kubectl):
    names = [f"chunk-{i}" for i in range(5)]
    create_labelled_configmaps(kubectl, {n: {"set": "chunk"} for n in names})

    rc, out, err = kubectl("get", "configmaps", "-l", "set=chunk", "--chunk-size=2", "-v=6")
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert [line.split()[0] for line in lines[1:]] == names, "one header, then every object once"

    # -v=6 logs every request URL: 5 objects in pages of 2 means 3 list calls,
    # the 2nd and 3rd carrying the continue token of the previous page.
    urls = list(dict.fromkeys(re.findall(r'(?:url="|GET )(https://\S+?/configmaps\?[^"\s]*)', err)))
    assert len(urls) == 3, "expected 3 paged list requests, saw:\n" + "\n".join(urls)
    assert all("limit=2" in u for u in urls)
    assert "continue=" not in urls[0]
    assert all("continue=" in u for u in urls[1:])

    assert kubectl("get", "configmaps", "-l", "set=chunk", "--chunk-size=2", "-o", "name").out == (
        "".join(f"configmap/{n}\n" for n in names)
    )


def test_get_missing_object(kubectl):
    rc, out, err = kubectl("get", "configmap", "nope", check=False)
    assert (rc, out) == (1, "")
    assert err == 'Error from server (NotFound): configmaps "nope" not found\n'
    assert kubectl("get", "configmap", "nope", "--ignore-not-found") == (0, "", "")


def test_get_empty_namespace(kubectl, ns):
    rc, out, err = kubectl("get", "deployments")
    assert (rc, out) == (0, "")
    assert err == f"No resources found in {ns} namespace.\n"


def test_create_existing_object_fails(kubectl):
    kubectl("create", "-f", "-", input=configmap("dup"))
    rc, out, err = kubectl("create", "-f", "-", input=configmap("dup"), check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'Error from server (AlreadyExists): error when creating "STDIN": configmaps "dup" already exists\n'
    )


def test_create_in_missing_namespace(kubectl):
    rc, out, err = kubectl("create", "-f", "-", input=configmap("x", namespace="nope"), check=False)
    assert (rc, out) == (1, "")
    assert err == 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found\n'

    rc, out, err = kubectl("create", "configmap", "x", "-n", "nope", check=False)
    assert (rc, out) == (1, "")
    assert err == 'error: failed to create configmap: namespaces "nope" not found\n'


def test_create_invalid_name(kubectl):
    rc, out, err = kubectl("create", "-f", "-", input=configmap("Bad_Name"), check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        + RFC1123_SUBDOMAIN_MSG
        + "\n"
    )


def test_create_unknown_field_is_rejected(kubectl):
    # kubectl's default --validate=strict asks the server for strict field validation.
    doc = json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict"}, "spec": {"x": 1}}
    )
    rc, out, err = kubectl("create", "-f", "-", input=doc, check=False)
    assert (rc, out) == (1, "")
    assert err == (
        'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" '
        'cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"\n'
    )
    assert kubectl("get", "configmap", "strict", check=False).rc == 1
