"""`keelctl -o go-template` against kubectl's: Go text/template over the
object (fields, ranges over lists and maps, printf, conditionals, missing
keys, variables, named templates, trim markers), kubectl's `exists` and
`base64decode`, template files and `--template`, and kubectl's parse and
execution errors (the debugging report on stdout, the error on stderr, exit
code 1), for `get` and for commands that print what they changed."""

from __future__ import annotations

import pytest

from harness.parity import assert_same

OBJECTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: alpha
  labels: {app: web, tier: front}
data: {mode: production, level: "3", banner: "<b>&hi</b>"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: beta
data: {mode: test}
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data: {password: czNjcjN0, broken: "bm90IGJhc2U2NA=="}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}
      - {name: sidecar, image: busybox}
"""


@pytest.fixture
def objects(kubectl):
    kubectl("create", "-f", "-", input=OBJECTS)


TEMPLATES = [
    # Fields, numbers (int64 from JSON), missing keys.
    ("cm", "alpha", "{{.metadata.name}} {{.data.mode}} {{.nope}} {{.metadata.nope.deeper}}"),
    ("deploy", "web", "{{.spec.replicas}} {{.metadata.generation}} {{printf \"%d|%v|%T|%5.1f\" .spec.replicas .spec.replicas .spec.replicas 2.25}}"),
    # Ranges over lists and maps (maps in key order), with and without variables.
    ("cm", None, "{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}"),
    ("cm", "alpha", "{{range $k, $v := .data}}{{$k}}={{$v}};{{end}}|{{range .metadata.labels}}{{.}},{{end}}"),
    ("deploy", "web", "{{range $i, $c := .spec.template.spec.containers}}{{$i}}:{{$c.name}}={{$c.image}} {{end}}"),
    ("cm", "alpha", "{{range .nope}}x{{else}}empty{{end}} {{range 3}}{{.}}{{end}}"),
    ("cm", "alpha", "{{.metadata.labels}} {{.data}}"),
    # Conditionals, with, comparisons, logic.
    ("cm", "alpha", "{{if eq .data.mode \"test\"}}t{{else if eq .data.mode \"production\"}}p{{else}}o{{end}}"),
    ("cm", "alpha", "{{with .metadata.labels}}{{.app}}{{end}} {{with .nope}}x{{else}}none{{end}}"),
    ("deploy", "web", "{{if gt .spec.replicas 1}}many{{end}} {{lt 1 2}} {{ne .kind \"Pod\"}} {{and 1 0}} {{or 0 \"x\"}} {{not .nope}}"),
    # Functions: index, slice, len, print*, escapers.
    ("deploy", "web", "{{len .spec.template.spec.containers}} {{(index .spec.template.spec.containers 1).name}} {{index .metadata.labels \"app\"}} {{slice .metadata.name 1}}"),
    ("cm", "alpha", "{{print 1 2 \"a\" \"b\" 3}} {{println .data.mode 4}}{{html .data.banner}} {{js .data.banner}} {{urlquery .data.banner}}"),
    ("cm", "alpha", "{{printf \"%q %x %-8s| %08.3f %+d %c %U %e %g %t %%\" .data.mode .data.level .data.mode 3.14159 5 65 66 1500.0 0.000012 true}}"),
    ("cm", "alpha", "{{printf \"%d %s\" .data}} {{printf \"%d\" 1 2}} {{printf \"%s\" .nope}}"),
    # kubectl's exists and base64decode.
    ("secret", "creds", "{{.data.password | base64decode}} {{base64decode .data.broken}} {{exists . \"data\" \"password\"}} {{exists . \"data\" \"nope\"}}"),
    # Variables, named templates, trim markers and comments.
    ("cm", "alpha", "{{$n := .metadata.name}}{{range .data}}{{$n}} {{end}}{{$n = \"x\"}}{{$n}}"),
    ("cm", "alpha", "{{define \"row\"}}[{{.}}]{{end}}{{template \"row\" .data.mode}}{{block \"b\" .kind}}<{{.}}>{{end}}"),
    ("cm", "alpha", "a  {{- /* a comment */ -}}  b {{- .data.level -}}\n\n c"),
    # Execution errors: partial output and kubectl's report.
    ("cm", "alpha", "{{.data.mode}} {{index .data.mode 40}}"),
    ("cm", "alpha", "{{.data.mode.deeper}}"),
    ("secret", "creds", "{{.data.password | base64decode}}{{.data.password | len | printf \"%d\" | base64decode}}"),
    ("cm", "alpha", "{{len .nope}}"),
    ("cm", "alpha", "{{lt .data.level 5}}"),
    ("cm", "alpha", "{{template \"missing\"}}"),
    ("cm", None, "{{range .items}}{{.metadata.name}} {{.data.mode.x}}{{end}}"),
    # Parse errors.
    ("cm", "alpha", "{{.metadata.name"),
    ("cm", "alpha", "{{.metadata.name}"),
    ("cm", "alpha", "{{if .data}}open"),
    ("cm", "alpha", "{{nosuchfunc .}}"),
    ("cm", "alpha", "{{end}}"),
    ("cm", "alpha", "{{$undefined}}"),
    ("cm", "alpha", "{{\"unterminated}}"),
    ("cm", "alpha", "line one\n{{.a | 1}}"),
]


@pytest.mark.parametrize("kind,name,template", TEMPLATES)
def test_go_template(kubectl, keelctl, objects, kind, name, template):
    target = [kind, name] if name else [kind]
    assert_same(kubectl, keelctl, "get", *target, "-o", f"go-template={template}")


@pytest.mark.parametrize(
    "flags",
    [
        ["-o", "template={{.kind}}/{{.metadata.name}}"],
        ["--template", "{{.kind}}/{{.metadata.name}}"],
        ["-o", "go-template", "--template", "{{.metadata.name}}"],
        ["-o", "jsonpath", "--template", "{.metadata.name}"],
        ["-o", "go-template"],
        ["-o", "go-template="],
        ["-o", "go-template=x", "--template", "y"],
        ["-o", "go-template={{.nope}}", "--allow-missing-template-keys=false"],
        ["-o", "go-template={{.metadata.nope.deeper}}", "--allow-missing-template-keys=false"],
    ],
)
def test_template_flags(kubectl, keelctl, objects, flags):
    assert_same(kubectl, keelctl, "get", "cm", "alpha", *flags)


def test_template_files(kubectl, keelctl, objects, tmp_path):
    tmpl = tmp_path / "row.tmpl"
    tmpl.write_text('{{range .items}}{{.metadata.name}}\t{{len .data}}\n{{end}}')
    bad = tmp_path / "bad.tmpl"
    bad.write_text("{{range .items}}\n{{.metadata.name}\n{{end}}")
    unclosed = tmp_path / "unclosed.tmpl"
    unclosed.write_text("{{range .items}}{{ .metadata.name\n  | printf \"%s\n}}{{end}}")
    for flags in (
        ["-o", f"go-template-file={tmpl}"],
        ["-o", f"templatefile={tmpl}"],
        ["-o", "go-template-file", "--template", str(tmpl)],
        ["-o", f"go-template-file={bad}"],
        ["-o", f"go-template-file={unclosed}"],
        ["-o", f"go-template-file={tmp_path / 'missing.tmpl'}"],
        ["-o", "go-template-file="],
    ):
        assert_same(kubectl, keelctl, "get", "cm", *flags)


def test_mutations_print_through_the_template(kubectl, keelctl, objects):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gamma\ndata: {k: v}\n"
    tmpl = "go-template={{.kind}} {{.metadata.name}} {{.data.k}}"
    assert_same(kubectl, keelctl, "create", "-f", "-", "--dry-run=client", "-o", tmpl, input=manifest)
    assert_same(kubectl, keelctl, "apply", "-f", "-", "--dry-run=server", "-o", tmpl, input=manifest)
    assert_same(kubectl, keelctl, "create", "-f", "-", "--dry-run=client", "--template", "{{.metadata.name}}", input=manifest)
    assert_same(kubectl, keelctl, "label", "cm", "alpha", "x=y", "--dry-run=client", "-o", "go-template={{.metadata.labels.x}}")
    # Objects kubectl builds itself keep their field order in the error report.
    assert_same(kubectl, keelctl, "create", "configmap", "delta", "--from-literal=k=v", "--dry-run=client", "-o", "go-template={{.data.k}}")
    assert_same(kubectl, keelctl, "create", "configmap", "delta", "--from-literal=k=v", "--dry-run=client", "-o", "go-template={{index .data 1}}")
    assert_same(kubectl, keelctl, "create", "deployment", "d", "--image=nginx", "--dry-run=client", "--template", "{{.spec.replicas}} {{(index .spec.template.spec.containers 0).image}}")
    assert_same(kubectl, keelctl, "set", "env", "deploy/web", "A=B", "--dry-run=client", "--template", "{{.kind}} {{len .spec.template.spec.containers}}")
    for command in (["create", "-f", "-"], ["create", "configmap", "delta", "--from-literal=k=v"]):
        assert_same(
            kubectl, keelctl, *command, "--dry-run=client", "-o", "go-template={{.nope}}",
            "--allow-missing-template-keys=false", input=manifest,
        )


@pytest.mark.parametrize(
    "flags",
    [
        ["-o", "go-template={{.metadata.name}}{{\"\\t\"}}{{len .data}}{{\"\\n\"}}"],
        ["--output-watch-events", "-o", "go-template={{.type}} {{.object.metadata.name}}{{\"\\n\"}}"],
        # A failure while watching: the report goes through kubectl's tabwriter.
        ["-o", "go-template={{.metadata.name}} {{index .metadata.name 4}}{{\"\\n\"}}"],
    ],
)
def test_watch_prints_each_object_through_the_template(kubectl, keelctl, objects, flags):
    assert_same(kubectl, keelctl, "get", "cm", "-w", *flags, "--request-timeout=1")


def test_template_failure_joins_the_fetch_errors(kubectl, keelctl, objects):
    # kubectl aggregates "not found" with the printer's error: one a line, no prefix.
    template = "go-template={{range .items}}{{index .metadata.name 4}}{{end}}"
    assert_same(kubectl, keelctl, "get", "cm", "alpha", "beta", "missing", "-o", template)
    assert_same(kubectl, keelctl, "get", "cm", "alpha", "missing", "-o", "jsonpath={.items[3]}")


def test_mutation_templates_see_managed_fields(kubectl, keelctl, objects):
    # Only the JSON and YAML printers drop managedFields; templates see them.
    two = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two-a}\ndata: {k: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two-b}\ndata: {k: b}\n"
    )
    fields = "go-template={{range .items}}{{range .metadata.managedFields}}{{.manager}} {{.operation}};{{end}}{{end}}"
    assert_same(kubectl, keelctl, "apply", "-f", "-", "--dry-run=server", "-o", fields, input=two)
    # apply prints several objects as one List, in the list encoder's key order.
    failing = "go-template={{range .items}}{{index .metadata.name 5}}{{end}}"
    assert_same(kubectl, keelctl, "apply", "-f", "-", "--dry-run=server", "-o", failing, input=two)
    one = "go-template={{range .metadata.managedFields}}{{.manager}}{{end}}"
    assert_same(kubectl, keelctl, "create", "configmap", "zeta", "--from-literal=a=b", "--dry-run=server", "-o", one)
