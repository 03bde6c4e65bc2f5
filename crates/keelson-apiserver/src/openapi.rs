//! OpenAPI documents: `/openapi/v2` (Swagger 2.0, JSON) and `/openapi/v3`
//! (a root listing one OpenAPI 3.0 document per group version).
//!
//! kubectl reads `/openapi/v3` before `create`, `apply`, `replace` and
//! `edit`. For each object it finds the PATCH operation whose
//! `x-kubernetes-group-version-kind` is the object's kind; when that
//! operation takes the `fieldValidation` query parameter, kubectl leaves
//! field validation to the server (and never fetches `/openapi/v2`); when it
//! accepts `application/strategic-merge-patch+json`, client-side `apply`
//! computes its patch from `components.schemas` (the schema carrying the
//! kind in `x-kubernetes-group-version-kind`, its `x-kubernetes-patch-*`
//! extensions, references resolved through `#/components/schemas/`).
//!
//! Documents are built from the served resources and the embedded 1.37
//! definitions on first request (about 0.1 s for all of them in a release
//! build), then cached: [`OpenApi::new`] is cheap. Build a new `OpenApi`
//! when the set of served resources changes.

mod params;
mod routes;

use bytes::Bytes;
use keelson_apimachinery::resources::{builtin, ResourceInfo};
use keelson_apimachinery::schema;
use routes::{RequestBody, Route, Schema};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha512};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

const TITLE: &str = "Kubernetes";
const VERSION: &str = "unversioned";
const V2_REF: &str = "#/definitions/";
const V3_REF: &str = "#/components/schemas/";

/// The OpenAPI documents of one server.
pub struct OpenApi {
    resources: Vec<ResourceInfo>,
    v2: OnceLock<Bytes>,
    v3: OnceLock<Arc<V3>>,
}

struct V3 {
    root: Bytes,
    documents: HashMap<String, (Bytes, String)>,
}

/// Documents of the built-in resources alone, shared by every server of
/// the process: test suites start many servers and build them once.
static BUILTIN_V2: OnceLock<Bytes> = OnceLock::new();
static BUILTIN_V3: OnceLock<Arc<V3>> = OnceLock::new();

impl OpenApi {
    /// Documents for `resources`; nothing is built until first asked for.
    pub fn new(resources: Vec<ResourceInfo>) -> Self {
        OpenApi {
            resources,
            v2: OnceLock::new(),
            v3: OnceLock::new(),
        }
    }

    /// The Swagger 2.0 document of every served resource, as JSON.
    pub fn v2(&self) -> Bytes {
        self.v2
            .get_or_init(|| {
                let build = || to_bytes(&v2_document(&self.resources));
                if self.serves_builtins_only() {
                    BUILTIN_V2.get_or_init(build).clone()
                } else {
                    build()
                }
            })
            .clone()
    }

    /// `/openapi/v3`: `{"paths": {"apis/apps/v1": {"serverRelativeURL":
    /// "/openapi/v3/apis/apps/v1?hash=<HASH>"}, ...}}`.
    pub fn v3_root(&self) -> Bytes {
        self.v3().root.clone()
    }

    /// The OpenAPI 3.0 document of one group version (`api/v1`,
    /// `apis/apps/v1`) and its hash, which is also its ETag.
    pub fn v3_document(&self, gv_path: &str) -> Option<(Bytes, String)> {
        self.v3().documents.get(gv_path.trim_matches('/')).cloned()
    }

    fn serves_builtins_only(&self) -> bool {
        self.resources == builtin()
    }

    fn v3(&self) -> &V3 {
        self.v3.get_or_init(|| {
            if self.serves_builtins_only() {
                BUILTIN_V3
                    .get_or_init(|| Arc::new(v3_documents(&self.resources)))
                    .clone()
            } else {
                Arc::new(v3_documents(&self.resources))
            }
        })
    }
}

/// Every group version's v3 document, and the root listing them.
fn v3_documents(resources: &[ResourceInfo]) -> V3 {
    let mut documents = HashMap::new();
    let mut paths = BTreeMap::new();
    for (group, version) in group_versions(resources) {
        let served: Vec<&ResourceInfo> = resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
            .collect();
        let bytes = to_bytes(&v3_document(&group, &version, &served));
        let hash = hash(&bytes);
        let gv_path = routes::prefix(&group, &version)
            .trim_start_matches('/')
            .to_string();
        paths.insert(
            gv_path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{gv_path}?hash={hash}")}),
        );
        documents.insert(gv_path, (bytes, hash));
    }
    let root = to_bytes(&json!({ "paths": paths }));
    V3 { root, documents }
}

/// Hash of a document as kube-openapi computes it: upper-case hex SHA-512.
pub fn hash(document: &[u8]) -> String {
    Sha512::digest(document)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn to_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

fn group_versions(resources: &[ResourceInfo]) -> Vec<(String, String)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for r in resources {
        let gv = (r.group.clone(), r.version.clone());
        if !seen.contains(&gv) {
            seen.push(gv);
        }
    }
    seen
}

/// Definition name of a built-in group/version/kind, from the
/// `x-kubernetes-group-version-kind` of the embedded definitions.
fn builtin_definition(group: &str, version: &str, kind: &str) -> Option<String> {
    static INDEX: OnceLock<HashMap<(String, String, String), String>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = HashMap::new();
        for (name, def) in schema::definitions() {
            let Some(Value::Array(gvks)) = def.get("x-kubernetes-group-version-kind") else {
                continue;
            };
            // Options kinds (DeleteOptions, ...) name every group; only
            // single-GVK definitions identify a kind.
            if gvks.len() != 1 {
                continue;
            }
            let field = |k: &str| {
                gvks[0]
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            index.insert(
                (field("group"), field("version"), field("kind")),
                name.clone(),
            );
        }
        index
    });
    index
        .get(&(group.to_string(), version.to_string(), kind.to_string()))
        .cloned()
}

fn all_routes(resources: &[&ResourceInfo]) -> Vec<Route> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in resources {
        if seen.insert((r.group.clone(), r.version.clone())) {
            out.push(routes::group_version_root(&r.group, &r.version));
        }
        out.extend(routes::resource_routes(r, &builtin_definition));
    }
    out
}

/// The schemas of every definition the routes name, and of everything they
/// reference, in OpenAPI v2 form. Resources whose definition is not
/// embedded (custom resources) get an open object schema with their GVK.
fn schemas_for(resources: &[&ResourceInfo], routes: &[Route]) -> BTreeMap<String, Value> {
    let mut wanted: Vec<String> = Vec::new();
    for route in routes {
        for op in &route.ops {
            let bodies = op.body.iter().map(|b| &b.schema);
            let responses = op.responses.iter().filter_map(|(_, _, s)| s.as_ref());
            for s in bodies.chain(responses) {
                if let Schema::Definition(name) = s {
                    wanted.push(name.clone());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for r in resources {
        if schema::definition(&r.definition).is_none() {
            let gvk = |kind: &str| json!([{"group": r.group, "kind": kind, "version": r.version}]);
            out.insert(
                r.definition.clone(),
                json!({
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    "x-kubernetes-group-version-kind": gvk(&r.kind),
                }),
            );
            if !r.list_kind.is_empty() {
                out.insert(
                    routes::list_definition(&r.definition),
                    json!({
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "items": {"type": "array", "items": {"$ref": format!("{V2_REF}{}", r.definition)}},
                            "kind": {"type": "string"},
                            "metadata": {"$ref": format!("{V2_REF}io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")},
                        },
                        "required": ["items"],
                        "x-kubernetes-group-version-kind": gvk(&r.list_kind),
                    }),
                );
                wanted.push("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta".into());
            }
        }
    }
    while let Some(name) = wanted.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(def) = schema::definition(&name) else {
            continue;
        };
        collect_refs(def, &mut wanted);
        out.insert(name, def.clone());
    }
    out
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Some(name) = r.strip_prefix(V2_REF) {
                    into.push(name.to_string());
                }
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

fn gvk_value(gvk: &(String, String, String)) -> Value {
    json!({"group": gvk.0, "kind": gvk.2, "version": gvk.1})
}

/// One parameter, whatever the document version.
struct ParamDoc<'a> {
    name: &'a str,
    path: bool,
    ty: &'a str,
    description: &'a str,
}

impl<'a> From<&'a params::Param> for ParamDoc<'a> {
    fn from(p: &'a params::Param) -> Self {
        ParamDoc {
            name: p.name,
            path: p.location == params::In::Path,
            ty: p.ty,
            description: p.description,
        }
    }
}

impl ParamDoc<'_> {
    fn v2(&self) -> Value {
        let mut m = Map::new();
        m.insert("description".into(), self.description.into());
        m.insert("in".into(), if self.path { "path" } else { "query" }.into());
        m.insert("name".into(), self.name.into());
        if self.path {
            m.insert("required".into(), true.into());
        }
        m.insert("type".into(), self.ty.into());
        m.insert("uniqueItems".into(), true.into());
        Value::Object(m)
    }

    fn v3(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), self.name.into());
        m.insert("in".into(), if self.path { "path" } else { "query" }.into());
        m.insert("description".into(), self.description.into());
        if self.path {
            m.insert("required".into(), true.into());
        }
        m.insert(
            "schema".into(),
            json!({"type": self.ty, "uniqueItems": true}),
        );
        Value::Object(m)
    }
}

/// Path-level parameters of a route, sorted by name, `{name}` included.
fn path_params(route: &Route, v3: bool) -> Vec<Value> {
    let name_description = route
        .name_of
        .as_ref()
        .map(|kind| format!("name of the {kind}"));
    let mut docs: Vec<ParamDoc> = route.params.iter().map(ParamDoc::from).collect();
    if let Some(description) = &name_description {
        docs.push(ParamDoc {
            name: "name",
            path: true,
            ty: "string",
            description,
        });
    }
    docs.sort_by_key(|p| p.name);
    docs.iter()
        .map(|p| if v3 { p.v3() } else { p.v2() })
        .collect()
}

fn schema_ref(s: &Schema, prefix: &str) -> Value {
    match s {
        Schema::Definition(name) => json!({"$ref": format!("{prefix}{name}")}),
        Schema::String => json!({"type": "string"}),
    }
}

fn v2_document(resources: &[ResourceInfo]) -> Value {
    let resources: Vec<&ResourceInfo> = resources.iter().collect();
    let routes = all_routes(&resources);
    let mut paths = BTreeMap::new();
    for route in &routes {
        let mut item = Map::new();
        for op in &route.ops {
            let mut o = Map::new();
            let consumes: &[&str] = op.body.as_ref().map(|b| b.consumes).unwrap_or(routes::ANY);
            o.insert("consumes".into(), json!(consumes));
            o.insert("description".into(), op.description.clone().into());
            o.insert("operationId".into(), op.id.clone().into());
            let mut ps: Vec<Value> = Vec::new();
            if let Some(RequestBody {
                schema, required, ..
            }) = &op.body
            {
                let mut b =
                    json!({"in": "body", "name": "body", "schema": schema_ref(schema, V2_REF)});
                if *required {
                    b["required"] = true.into();
                }
                ps.push(b);
            }
            ps.extend(op.params.iter().map(|p| ParamDoc::from(p).v2()));
            if !ps.is_empty() {
                o.insert("parameters".into(), ps.into());
            }
            o.insert("produces".into(), json!(op.produces));
            let mut responses = Map::new();
            for (code, description, schema) in &op.responses {
                let mut r = json!({"description": description});
                if let Some(s) = schema {
                    r["schema"] = schema_ref(s, V2_REF);
                }
                responses.insert(code.to_string(), r);
            }
            o.insert("responses".into(), responses.into());
            o.insert("schemes".into(), json!(["https"]));
            o.insert("tags".into(), json!([route.tag]));
            if !op.action.is_empty() {
                o.insert("x-kubernetes-action".into(), op.action.into());
                o.insert("x-kubernetes-group-version-kind".into(), gvk_value(&op.gvk));
            }
            item.insert(op.method.into(), o.into());
        }
        let ps = path_params(route, false);
        if !ps.is_empty() {
            item.insert("parameters".into(), ps.into());
        }
        paths.insert(route.path.clone(), Value::Object(item));
    }
    json!({
        "swagger": "2.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": paths,
        "definitions": schemas_for(&resources, &routes),
        "securityDefinitions": {
            "BearerToken": {"description": "Bearer Token authentication", "in": "header", "name": "authorization", "type": "apiKey"}
        },
        "security": [{"BearerToken": []}],
    })
}

fn v3_document(group: &str, version: &str, resources: &[&ResourceInfo]) -> Value {
    let routes: Vec<Route> = all_routes(resources)
        .into_iter()
        .filter(|r| r.path.starts_with(&routes::prefix(group, version)))
        .collect();
    let mut paths = BTreeMap::new();
    for route in &routes {
        let mut item = Map::new();
        for op in &route.ops {
            let mut o = Map::new();
            o.insert("tags".into(), json!([route.tag]));
            o.insert("description".into(), op.description.clone().into());
            o.insert("operationId".into(), op.id.clone().into());
            // Operation-level parameters stay inline: kubectl looks for
            // `fieldValidation` by name among them, without resolving refs.
            if !op.params.is_empty() {
                let ps: Vec<Value> = op.params.iter().map(|p| ParamDoc::from(p).v3()).collect();
                o.insert("parameters".into(), ps.into());
            }
            if let Some(body) = &op.body {
                let content: Map<String, Value> = body
                    .consumes
                    .iter()
                    .map(|mt| {
                        (
                            mt.to_string(),
                            json!({"schema": schema_ref(&body.schema, V3_REF)}),
                        )
                    })
                    .collect();
                let mut b = json!({"content": content});
                if body.required {
                    b["required"] = true.into();
                }
                o.insert("requestBody".into(), b);
            }
            let mut responses = Map::new();
            for (code, description, schema) in &op.responses {
                let mut r = json!({"description": description});
                if let Some(s) = schema {
                    let content: Map<String, Value> = op
                        .produces
                        .iter()
                        .map(|mt| (mt.to_string(), json!({"schema": schema_ref(s, V3_REF)})))
                        .collect();
                    r["content"] = content.into();
                }
                responses.insert(code.to_string(), r);
            }
            o.insert("responses".into(), responses.into());
            if !op.action.is_empty() {
                o.insert("x-kubernetes-action".into(), op.action.into());
                o.insert("x-kubernetes-group-version-kind".into(), gvk_value(&op.gvk));
            }
            item.insert(op.method.into(), o.into());
        }
        let ps = path_params(route, true);
        if !ps.is_empty() {
            item.insert("parameters".into(), ps.into());
        }
        paths.insert(route.path.clone(), Value::Object(item));
    }
    let schemas: BTreeMap<String, Value> = schemas_for(resources, &routes)
        .into_iter()
        .map(|(name, s)| {
            let v3 = v3_component(&name, &s);
            (name, v3)
        })
        .collect();
    json!({
        "openapi": "3.0.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "BearerToken": {"type": "apiKey", "description": "Bearer Token authentication", "name": "authorization", "in": "header"}
            },
        },
    })
}

/// Types that OpenAPI v2 can only call strings and v3 spells as a `oneOf`
/// (kube-openapi's `OpenAPIV3OneOfTypes`).
const V3_ONE_OF: &[(&str, &[&str])] = &[
    (
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        &["integer", "string"],
    ),
    (
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
        &["string", "number"],
    ),
];

/// A component schema of a v3 document.
fn v3_component(name: &str, schema: &Value) -> Value {
    let mut v3 = to_v3_schema(schema);
    if let (Some((_, types)), Value::Object(map)) =
        (V3_ONE_OF.iter().find(|(n, _)| *n == name), &mut v3)
    {
        map.remove("type");
        let one_of: Vec<Value> = types.iter().map(|t| json!({"type": t})).collect();
        map.insert("oneOf".into(), one_of.into());
    }
    v3
}

/// A v2 schema in OpenAPI 3.0 form: references point into
/// `#/components/schemas/`, and a reference with sibling keywords is wrapped
/// in `allOf` (OpenAPI 3.0 ignores siblings of `$ref`), as kube-openapi does.
fn to_v3_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut reference = None;
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        reference = Some(r.replacen(V2_REF, V3_REF, 1));
                    }
                    ("properties", Value::Object(props)) => {
                        let props: Map<String, Value> = props
                            .iter()
                            .map(|(name, s)| (name.clone(), to_v3_schema(s)))
                            .collect();
                        out.insert(k.clone(), props.into());
                    }
                    _ => {
                        out.insert(k.clone(), to_v3_schema(v));
                    }
                }
            }
            match reference {
                Some(r) if out.is_empty() => json!({"$ref": r}),
                Some(r) => {
                    let mut wrapped = Map::new();
                    wrapped.insert("allOf".into(), json!([{"$ref": r}]));
                    wrapped.extend(out);
                    wrapped.into()
                }
                None => out.into(),
            }
        }
        Value::Array(items) => items.iter().map(to_v3_schema).collect::<Vec<_>>().into(),
        other => other.clone(),
    }
}
