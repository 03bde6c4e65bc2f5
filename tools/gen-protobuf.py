#!/usr/bin/env python3
"""Generate the protobuf field table that decodes Kubernetes protobuf bodies.

Writes crates/keelson-apimachinery/src/protobuf/table.json.gz: for every proto
message of the built-in APIs, its fields (tag -> JSON name, wire kind,
cardinality, message type), the JSON shape of the few messages that Kubernetes
encodes specially in JSON (Time, Quantity, IntOrString, ...), and the
apiVersion/kind -> message index that `decode_protobuf_object` starts from.

Sources:
  * k8s-pb 0.9.0 (crates.io, `src/**/mod.rs`): prost code generated from the
    upstream `generated.proto` files. Gives messages, field tags and wire
    types. Its field names are prost's snake_case of the proto names, which
    are the Go JSON names.
  * The embedded 1.37 OpenAPI definitions (`schemas.json.gz`, written by
    tools/gen-resources.py): the exact JSON name of each field (matched
    against the snake_case name ignoring case and underscores), the fields
    listed as `required`, and each kind's `x-kubernetes-group-version-kind`.
  * The FACTS below: what neither source carries (Go pointer-ness of scalar
    fields, see ZERO VALUES).

ZERO VALUES. Kubernetes' Go protobuf marshaller (go-to-protobuf, gogo) writes
every non-pointer scalar field, even when it holds its zero value, and a
pointer field only when it is set. Go's JSON encoder omits zero values of
fields tagged `omitempty`. So a zero on the wire is either "unset" (non-pointer
field: JSON omits it) or "explicitly zero" (pointer field such as
`spec.replicas: 0`: JSON keeps it). The proto files do not say which. Rule:
  * empty strings and empty `bytes` are omitted (nearly all string fields are
    non-pointer), except the fields in POINTER_STRINGS, where "" means
    something different from unset;
  * zero ints and `false` are kept (Kubernetes API conventions make optional
    numbers and booleans pointers), except the non-pointer `omitempty` fields
    in NON_POINTER_SCALARS, which are omitted as kube-apiserver's JSON omits
    them;
  * a field listed as `required` in OpenAPI (a Go field without `omitempty`)
    keeps its zero value;
  * values inside maps and lists are always kept.
NON_POINTER_SCALARS was read off real kubectl 1.37 request bodies (every
generator command: zeros kubectl did not ask for are non-pointer fields) and
the Go types of the same structs.

Usage: tools/gen-protobuf.py [--k8s-pb DIR] [--schemas FILE] [--out FILE] [--report]
       tools/gen-protobuf.py --capture tests/compat/.venv/bin/kubectl
         (re-records the test fixtures under src/protobuf/testdata/)
Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_K8S_PB = os.path.expanduser("~/.cargo/registry/src/*/k8s-pb-0.9.0")
APIMACHINERY_SRC = os.path.join(REPO, "crates", "keelson-apimachinery", "src")
DEFAULT_SCHEMAS = os.path.join(APIMACHINERY_SRC, "schemas.json.gz")
DEFAULT_OUT = os.path.join(APIMACHINERY_SRC, "protobuf", "table.json.gz")

META = "k8s.io.apimachinery.pkg.apis.meta.v1"

# ---------------------------------------------------------------------------
# FACTS

# Messages whose JSON form is not an object of their fields (their Go types
# have custom MarshalJSON). The decoder implements each shape.
SHAPES = {
    f"{META}.Time": "time",
    f"{META}.MicroTime": "microtime",
    f"{META}.Duration": "duration",
    f"{META}.FieldsV1": "rawjson",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawjson",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intorstring",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": "rawjson",
    # {schema=1, jSONSchemas=2}: the schema object, or the array of schemas.
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": "schemaorarray",
    # {allows=1, schema=2}: the schema object, else the boolean.
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": "schemaorbool",
    # {schema=1, property=2}: the schema object, or the array of strings.
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": "schemaorstringarray",
}
# Go slice types (`type ExtraValue []string`) become a message with one
# repeated `items` field; their JSON is the bare array. Detected generically
# (no OpenAPI definition, one field `items` repeated), listed here only to
# check the detection.
EXPECTED_LIST_WRAPPERS = {
    f"{META}.Verbs",
    "k8s.io.api.authentication.v1.ExtraValue",
    "k8s.io.api.authorization.v1.ExtraValue",
    "k8s.io.api.certificates.v1.ExtraValue",
}

# String fields that are Go `*string`, where "" is a value distinct from
# unset (PVC `storageClassName: ""` = no dynamic provisioning).
POINTER_STRINGS = {
    "k8s.io.api.core.v1.PersistentVolumeClaimSpec": {"storageClassName", "volumeAttributesClassName"},
}

# Non-pointer `omitempty` int/bool fields (Go zero = unset): a zero on the
# wire is omitted, as kube-apiserver's JSON omits it.
NON_POINTER_SCALARS = {
    f"{META}.ObjectMeta": {"generation"},
    "k8s.io.api.core.v1.PodSpec": {"hostNetwork", "hostPID", "hostIPC"},
    "k8s.io.api.core.v1.Container": {"stdin", "stdinOnce", "tty"},
    "k8s.io.api.core.v1.EphemeralContainerCommon": {"stdin", "stdinOnce", "tty"},
    "k8s.io.api.core.v1.ContainerPort": {"hostPort"},
    "k8s.io.api.core.v1.ServicePort": {"nodePort"},
    "k8s.io.api.core.v1.ServiceSpec": {"healthCheckNodePort", "publishNotReadyAddresses"},
    "k8s.io.api.core.v1.Probe": {
        "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
        "successThreshold", "failureThreshold",
    },
    "k8s.io.api.core.v1.VolumeMount": {"readOnly"},
    "k8s.io.api.apps.v1.DeploymentSpec": {"minReadySeconds", "paused"},
    "k8s.io.api.apps.v1.DeploymentStatus": {
        "observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
        "availableReplicas", "unavailableReplicas",
    },
    "k8s.io.api.apps.v1.ReplicaSetSpec": {"minReadySeconds"},
    "k8s.io.api.apps.v1.ReplicaSetStatus": {
        "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
        "observedGeneration",
    },
    "k8s.io.api.apps.v1.StatefulSetSpec": {"minReadySeconds"},
    "k8s.io.api.apps.v1.StatefulSetStatus": {
        "observedGeneration", "readyReplicas", "currentReplicas",
        "updatedReplicas", "availableReplicas",
    },
    "k8s.io.api.apps.v1.DaemonSetSpec": {"minReadySeconds"},
    "k8s.io.api.apps.v1.DaemonSetStatus": {
        "observedGeneration", "updatedNumberScheduled", "numberAvailable",
        "numberUnavailable",
    },
    "k8s.io.api.batch.v1.JobStatus": {"active", "succeeded", "failed"},
    "k8s.io.api.core.v1.ReplicationControllerSpec": {"minReadySeconds"},
    "k8s.io.api.core.v1.ReplicationControllerStatus": {
        "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
        "observedGeneration",
    },
    "k8s.io.api.policy.v1.PodDisruptionBudgetStatus": {"observedGeneration"},
    "k8s.io.api.networking.v1.ServiceBackendPort": {"number"},
    "k8s.io.api.scheduling.v1.PriorityClass": {"globalDefault"},
    "k8s.io.api.core.v1.NodeSpec": {"unschedulable"},
    "k8s.io.api.core.v1.ContainerImage": {"sizeBytes"},
    "k8s.io.api.core.v1.ContainerStateTerminated": {"signal"},
    "k8s.io.api.core.v1.Event": {"count"},
    "k8s.io.api.events.v1.Event": {"deprecatedCount"},
    "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus": {"currentReplicas"},
    "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIServiceSpec": {"insecureSkipTLSVerify"},
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec": {
        "preserveUnknownFields",
    },
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion": {
        "deprecated",
    },
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps": {
        "exclusiveMaximum", "exclusiveMinimum", "uniqueItems", "nullable",
        "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
    },
    "k8s.io.api.authorization.v1.SubjectAccessReviewStatus": {"denied"},
}

# ---------------------------------------------------------------------------
# k8s-pb parsing

PROST_ATTR = re.compile(r"#\[prost\((.*?)\)\]\s*pub\s+(?:r#)?(\w+)\s*:\s*", re.S)
STRUCT = re.compile(r"pub struct (\w+) \{(\}|\n.*?\n\})", re.S)


def module_path(k8s_pb: str, file: str) -> list[str]:
    rel = os.path.relpath(os.path.dirname(file), os.path.join(k8s_pb, "src"))
    return rel.split(os.sep)


def package_of(path: list[str]) -> str:
    return "k8s.io." + ".".join(path)


def field_type(text: str, start: int) -> str:
    """The Rust type starting at `start`, up to the `,` that ends the field."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c == "," and depth == 0:
            break
    # rustfmt leaves a trailing comma in generics split over lines.
    return re.sub(r"\s+", "", text[start:i]).replace(",>", ">")


def resolve(rust_path: str, path: list[str]) -> str:
    """`super::super::apimachinery::...::ObjectMeta` seen from module `path`."""
    parts = rust_path.split("::")
    base = list(path)
    while parts and parts[0] == "super":
        parts.pop(0)
        base.pop()
    return package_of(base + parts[:-1]) + "." + parts[-1]


def message_type(rust_type: str, path: list[str]) -> str:
    """The message a field's Rust type names (innermost generic argument)."""
    inner = rust_type
    for wrapper in ("::core::option::Option<", "::prost::alloc::vec::Vec<",
                    "::prost::alloc::boxed::Box<"):
        while inner.startswith(wrapper):
            inner = inner[len(wrapper):-1]
    if inner.startswith("::prost::alloc::collections::BTreeMap<"):
        inner = inner[len("::prost::alloc::collections::BTreeMap<"):-1].split(",", 1)[1]
    return resolve(inner, path)


def parse_k8s_pb(k8s_pb: str) -> dict[str, list[dict]]:
    messages: dict[str, list[dict]] = {}
    for file in sorted(glob.glob(os.path.join(k8s_pb, "src", "**", "mod.rs"), recursive=True)):
        text = open(file, encoding="utf-8").read()
        text = re.sub(r"^\s*///.*\n", "", text, flags=re.M)
        path = module_path(k8s_pb, file)
        for struct in STRUCT.finditer(text):
            name, body = struct.group(1), struct.group(2)
            fields = []
            for m in PROST_ATTR.finditer(body):
                attr, rust_name = m.group(1), m.group(2)
                rtype = field_type(body, m.end())
                tag = int(re.search(r'tag = "(\d+)"', attr).group(1))
                if attr.startswith("btree_map"):
                    value = re.match(r'btree_map = "string, (\w+)"', attr).group(1)
                    kind, card = value, "map"
                else:
                    kind = attr.split(",")[0].split("=")[0].strip()
                    card = "repeated" if ", repeated" in attr else "one"
                if kind in ("enumeration", "oneof", "float", "uint32", "uint64",
                            "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
                            "sfixed64"):
                    sys.exit(f"{file}: {name}.{rust_name}: unhandled prost type {kind}")
                field = {"tag": tag, "rust": rust_name, "kind": kind, "card": card}
                if kind == "message":
                    field["type"] = message_type(rtype, path)
                fields.append(field)
            messages[package_of(path) + "." + name] = fields
    return messages


# ---------------------------------------------------------------------------
# OpenAPI matching


def openapi_name(proto_name: str) -> str:
    rest = proto_name.removeprefix("k8s.io.")
    rest = rest.replace("apiextensions_apiserver", "apiextensions-apiserver")
    rest = rest.replace("kube_aggregator", "kube-aggregator")
    return "io.k8s." + rest


def squash(name: str) -> str:
    """`x_kubernetes_list_type`, `x-kubernetes-list-type`, `$ref`, `podIP`: compare letters only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def lower_camel(snake: str) -> str:
    head, *tail = snake.split("_")
    return head + "".join(t[:1].upper() + t[1:] for t in tail)


KEEP_ZERO = 1
INLINE = 2


def build(k8s_pb: str, schemas_file: str) -> tuple[dict, dict]:
    definitions = json.load(gzip.open(schemas_file))
    by_lower = {n.lower(): n for n in definitions}
    parsed = parse_k8s_pb(k8s_pb)

    # prost renames `AWSElasticBlockStoreVolumeSource` to `Aws...`: take the
    # OpenAPI spelling of each message name where there is one.
    canonical = {}
    for proto in parsed:
        definition = by_lower.get(openapi_name(proto).lower())
        package = proto.rsplit(".", 1)[0]
        canonical[proto] = package + "." + definition.rsplit(".", 1)[1] if definition else proto
    parsed = {
        canonical[name]: [dict(f, type=canonical.get(f["type"], f["type"])) if "type" in f else f
                          for f in fields]
        for name, fields in parsed.items()
    }

    def props_of(name: str) -> dict | None:
        definition = definitions.get(openapi_name(name))
        return None if definition is None else definition.get("properties", {})

    # JSON names: the OpenAPI property that matches. A message with no 1.37
    # definition (older versions, embedded-only structs such as VolumeSource)
    # takes the spelling the definitions use most for that name (`podIP`,
    # `scaleIO`), else lowerCamel.
    vocabulary: dict[str, dict[str, int]] = {}
    for definition in definitions.values():
        for p in definition.get("properties", {}):
            spellings = vocabulary.setdefault(squash(p), {})
            spellings[p] = spellings.get(p, 0) + 1
    common = {k: max(v, key=lambda p: (v[p], p)) for k, v in vocabulary.items()}
    json_names = {}
    for name, fields in parsed.items():
        props = props_of(name)
        by_squash = common if props is None else {squash(p): p for p in props}
        json_names[name] = {f["tag"]: by_squash.get(squash(f["rust"])) for f in fields}

    # Go embedded structs (`json:",inline"`) are one proto field holding the
    # embedded message; their JSON is the embedded fields, merged into the
    # parent. Seen where a field matches no property of the parent but most
    # of its message's fields do; a message with no 1.37 definition (older
    # versions) inlines what its namesake in another version inlines.
    inline = set()
    for name, fields in parsed.items():
        props = props_of(name)
        if props is None or name in SHAPES:
            continue
        for f in fields:
            if json_names[name][f["tag"]] is None and f["kind"] == "message" and f["card"] == "one":
                sub = {n or lower_camel(r["rust"])
                       for r, n in zip(parsed.get(f["type"], []),
                                       json_names.get(f["type"], {}).values())}
                if sub and 2 * len(sub & set(props)) >= len(sub):
                    inline.add((name, f["rust"]))
    inline_by_short = {(n.rsplit(".", 1)[1], rust) for n, rust in inline}
    for name, fields in parsed.items():
        if props_of(name) is None:
            for f in fields:
                if (name.rsplit(".", 1)[1], f["rust"]) in inline_by_short:
                    inline.add((name, f["rust"]))

    stats = {"messages": 0, "fields": 0, "matched": 0, "fallback": [], "no_definition": [],
             "list_wrappers": [], "inline": sorted(f"{n}.{r}" for n, r in inline),
             "openapi_only": []}
    messages = {}
    for name, fields in parsed.items():
        definition = definitions.get(openapi_name(name))
        props = props_of(name) or {}
        required = set((definition or {}).get("required", []))
        stats["messages"] += 1
        if definition is None and name not in SHAPES:
            stats["no_definition"].append(name)
        entry = {}
        if name in SHAPES:
            entry["shape"] = SHAPES[name]
        elif (definition is None and len(fields) == 1 and fields[0]["rust"] == "items"
              and fields[0]["card"] == "repeated"):
            entry["shape"] = "list"
            stats["list_wrappers"].append(name)
        out_fields = []
        seen_json = set()
        for f in fields:
            stats["fields"] += 1
            json_name = json_names[name][f["tag"]]
            flags = INLINE if (name, f["rust"]) in inline else 0
            if json_name is not None:
                stats["matched"] += 1
            else:
                json_name = lower_camel(f["rust"])
                if definition is not None and name not in SHAPES and not flags:
                    stats["fallback"].append(f"{name}.{json_name}")
            seen_json.add(json_name)
            if f["card"] == "one" and f["kind"] in ("string", "bytes"):
                if json_name in required or json_name in POINTER_STRINGS.get(name, ()):
                    flags |= KEEP_ZERO
            elif f["card"] == "one" and f["kind"] in ("int32", "int64", "bool", "double"):
                if json_name in required or json_name not in NON_POINTER_SCALARS.get(name, ()):
                    flags |= KEEP_ZERO
            row = [f["tag"], json_name, f["kind"], f["card"], flags]
            if "type" in f:
                row.append(f["type"])
            out_fields.append(row)
        entry["fields"] = sorted(out_fields)
        messages[name] = entry

    # 1.37 properties no proto field carries (inlined fields count as carried).
    def carried(name: str) -> set[str]:
        out = set()
        for row in messages[name]["fields"]:
            out |= carried(row[5]) if row[4] & INLINE and row[5] in messages else {row[1]}
        return out

    for name, entry in messages.items():
        props = props_of(name)
        if props is not None and "shape" not in entry:
            have = carried(name)
            for p in props:
                if p not in have and p not in ("apiVersion", "kind"):
                    stats["openapi_only"].append(f"{openapi_name(name)}.{p}")

    for name, entry in messages.items():
        for row in entry["fields"]:
            if len(row) > 5 and row[5] not in messages:
                sys.exit(f"{name}.{row[1]}: message type {row[5]} not found")

    # Check the FACTS against what was parsed, so a renamed field fails here.
    for table in (POINTER_STRINGS, NON_POINTER_SCALARS):
        for msg, names in table.items():
            known = {row[1] for row in messages.get(msg, {}).get("fields", [])}
            missing = set(names) - known
            if missing:
                sys.exit(f"FACTS name unknown fields of {msg}: {sorted(missing)}")
    for msg in list(SHAPES) + sorted(EXPECTED_LIST_WRAPPERS):
        if msg not in messages:
            sys.exit(f"FACTS name unknown message {msg}")
    if not EXPECTED_LIST_WRAPPERS <= set(stats["list_wrappers"]):
        sys.exit(f"list wrappers not detected: {EXPECTED_LIST_WRAPPERS - set(stats['list_wrappers'])}")

    # apiVersion/kind -> message, from the kinds' x-kubernetes-group-version-kind.
    proto_by_openapi = {openapi_name(m): m for m in messages}
    kinds = {}
    missing_kinds = []
    for dname, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            key = f"{api_version}/{gvk['kind']}"
            if dname in proto_by_openapi:
                kinds[key] = proto_by_openapi[dname]
            else:
                missing_kinds.append(key)
    # Options objects (DeleteOptions, ...) are also registered as meta.k8s.io/v1,
    # which clients may name instead of the group version they talk to.
    for key, message in list(kinds.items()):
        if message.startswith(META + ".") and key.startswith("v1/"):
            kinds["meta.k8s.io/" + key] = message
    stats["missing_kinds"] = sorted(set(missing_kinds))
    stats["missing_definitions"] = sorted(d for d in definitions if d not in proto_by_openapi)
    table = {"kinds": dict(sorted(kinds.items())), "messages": dict(sorted(messages.items()))}
    return table, stats

# ---------------------------------------------------------------------------
# Fixtures: what the real kubectl sends.

# name -> kubectl arguments. Each runs twice: against a local listener that
# saves the protobuf POST body (`<name>.pb`), and with --dry-run=client -o json,
# which prints the same object through Go's JSON encoding (`<name>.json`).
CAPTURES = {
    "configmap": ["create", "configmap", "app-config", "--from-literal=mode=prod", "--from-literal=empty="],
    "namespace": ["create", "namespace", "team-a"],
    "deployment": ["create", "deployment", "web", "--image=nginx:1.27", "--port=8080", "--replicas=3"],
    "deployment-zero": ["create", "deployment", "idle", "--image=busybox", "--replicas=0"],
    "secret": ["create", "secret", "generic", "creds", "--from-literal=user=admin", "--from-literal=pass=s3cr3t"],
    "secret-docker": ["create", "secret", "docker-registry", "reg", "--docker-server=r.example",
                      "--docker-username=u", "--docker-password=p"],
    "service": ["create", "service", "nodeport", "web", "--tcp=80:8080"],
    "service-clusterip": ["create", "service", "clusterip", "api", "--tcp=443:https"],
    "job": ["create", "job", "once", "--image=busybox", "--", "echo", "hi"],
    "cronjob": ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
    "serviceaccount": ["create", "serviceaccount", "robot"],
    "role": ["create", "role", "reader", "--verb=get,list", "--resource=pods"],
    "rolebinding": ["create", "rolebinding", "rb", "--role=reader", "--user=alice", "--group=devs"],
    "quota": ["create", "quota", "q", "--hard=pods=10,cpu=2,memory=1Gi"],
    "pdb": ["create", "pdb", "p", "--selector=app=web", "--min-available=50%"],
    "priorityclass": ["create", "priorityclass", "high", "--value=1000", "--description=important"],
    "ingress": ["create", "ingress", "ing", "--rule=foo.com/bar=svc1:8080"],
    "ingress-named-port": ["create", "ingress", "ing", "--rule=foo.com/static/*=files:http",
                           "--default-backend=fallback:80"],
    "token": ["create", "token", "robot", "--duration=1h", "--audience=api"],
    "can-i": ["auth", "can-i", "list", "pods", "--subresource=log"],
}
# Commands that do not take --dry-run: their .json is not written.
NO_DRY_RUN = {"token", "can-i"}


def read_fields(data: bytes) -> dict[int, bytes]:
    """The length-delimited fields of a message (enough for runtime.Unknown)."""
    fields, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        if key & 7 == 2:
            n, i = read_varint(data, i)
            fields[key >> 3] = data[i:i + n]
            i += n
        elif key & 7 == 0:
            _, i = read_varint(data, i)
        else:
            raise ValueError(f"unexpected wire type {key & 7}")
    return fields


def read_varint(data: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def type_meta(body: bytes) -> dict[str, str]:
    meta = read_fields(read_fields(body[4:])[1])
    return {"apiVersion": meta[1].decode(), "kind": meta[2].decode()}


def with_flags(kubectl: str, args: list[str], flags: list[str]) -> list[str]:
    """kubectl's own flags go before `--`, after which come the container's arguments."""
    split = args.index("--") if "--" in args else len(args)
    return [kubectl, *args[:split], *flags, *args[split:]]


def capture(kubectl: str, out: str) -> None:
    """Runs CAPTURES against a throwaway plain-HTTP listener on 127.0.0.1."""
    import http.server
    import subprocess
    import tempfile
    import threading

    bodies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def reply(self, code: int, obj: dict) -> None:
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            # Just enough discovery for kubectl to build its client.
            if self.path.split("?")[0] == "/api":
                return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
            if self.path.split("?")[0] == "/api/v1":
                return self.reply(200, {
                    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
                    "resources": [{"name": "pods", "singularName": "pod", "namespaced": True,
                                   "kind": "Pod", "verbs": ["create", "get", "list"]}]})
            if self.path.split("?")[0] == "/apis":
                return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
            self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "NotFound", "code": 404})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Type") != "application/vnd.kubernetes.protobuf":
                print(f"kubectl sent {self.headers.get('Content-Type')} to {self.path}, not protobuf", file=sys.stderr)
                return self.reply(415, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 415})
            bodies.append(body)
            # Echo the type back, or client-go will not accept the answer.
            self.reply(201, dict(type_meta(body), metadata={"name": "captured"}))

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(kubeconfig, "w") as f:
            json.dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "c",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "default"}}],
            }, f)
        env = dict(os.environ, KUBECONFIG=kubeconfig, HOME=tmp)
        for name, args in CAPTURES.items():
            bodies.clear()
            extra = [] if args[0] != "create" or name in NO_DRY_RUN else ["--validate=false"]
            run = subprocess.run(with_flags(kubectl, args, extra), env=env,
                                 capture_output=True, text=True)
            # `auth can-i` exits 1 on the listener's empty answer ("no"): the body is what counts.
            if len(bodies) != 1:
                sys.exit(f"{name}: kubectl {' '.join(args)}: {run.stderr.strip()} ({len(bodies)} bodies)")
            with open(os.path.join(out, f"{name}.pb"), "wb") as f:
                f.write(bodies[0])
            if name not in NO_DRY_RUN:
                dry = subprocess.run(with_flags(kubectl, args, ["--dry-run=client", "-o", "json"]), env=env,
                                     capture_output=True, text=True, check=True)
                with open(os.path.join(out, f"{name}.json"), "w") as f:
                    f.write(dry.stdout)
            print(f"{name}: {len(bodies[0])} bytes")
    server.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--k8s-pb", default=DEFAULT_K8S_PB)
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--report", action="store_true", help="print the 1.37 gaps in detail")
    ap.add_argument("--capture", metavar="KUBECTL",
                    help="instead: record real kubectl request bodies as test fixtures")
    args = ap.parse_args()
    if args.capture:
        capture(args.capture, os.path.join(os.path.dirname(args.out), "testdata"))
        return
    matches = glob.glob(args.k8s_pb)
    if len(matches) != 1:
        sys.exit(f"k8s-pb source not found at {args.k8s_pb} (cargo fetch a crate that depends on k8s-pb 0.9.0, or pass --k8s-pb)")
    table, stats = build(matches[0], args.schemas)
    data = json.dumps(table, separators=(",", ":"), sort_keys=False).encode()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        # mtime=0: the same input gives the same bytes.
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(table['kinds'])} kinds, {stats['messages']} messages, "
          f"{stats['fields']} fields ({stats['matched']} JSON names from OpenAPI, "
          f"{len(stats['fallback'])} lowerCamel fallbacks), {len(data)} bytes JSON")
    print(f"list wrappers: {', '.join(stats['list_wrappers'])}")
    print(f"1.37 kinds without a proto message in k8s-pb: {len(stats['missing_kinds'])}")
    print(f"1.37 definitions without a proto message: {len(stats['missing_definitions'])}")
    print(f"1.37 fields without a proto field (dropped when decoding): {len(stats['openapi_only'])}")
    if args.report:
        for key in ("fallback", "inline", "no_definition", "missing_kinds", "missing_definitions", "openapi_only"):
            print(f"\n== {key}")
            for item in stats[key]:
                print("  " + item)


if __name__ == "__main__":
    main()
