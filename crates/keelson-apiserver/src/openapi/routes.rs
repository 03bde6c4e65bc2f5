//! The REST routes of a resource, as kube-apiserver's installer registers
//! them (apiserver `endpoints/installer.go`): which paths, which methods,
//! which `x-kubernetes-action`, which parameters, bodies and responses.

use super::params::{self, Param};
use keelson_apimachinery::resources::{ResourceInfo, Subresource};

/// Media types a JSON/YAML server produces.
pub const PRODUCES: &[&str] = &["application/json", "application/yaml"];
/// Media types of list and watch.
pub const PRODUCES_LIST: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/json;stream=watch",
];
/// Media types of `pods/log`.
pub const PRODUCES_LOG: &[&str] = &["text/plain", "application/json", "application/yaml"];
/// Media types of connect subresources (exec, attach, portforward, proxy).
pub const ANY: &[&str] = &["*/*"];
/// Patch types every built-in resource accepts. Strategic merge patch here
/// is what makes kubectl compute apply patches from OpenAPI v3.
pub const PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// Definition names the routes refer to besides the resources' own.
pub const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
/// Body of every delete.
pub const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
/// Body of every patch.
pub const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
/// Response of watches.
pub const WATCH_EVENT: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
/// Response of `GET /apis/<group>/<version>/`.
pub const API_RESOURCE_LIST: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList";

/// What a response or request body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// A definition, by name.
    Definition(String),
    /// Plain text.
    String,
}

/// The request body of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// Media types accepted.
    pub consumes: &'static [&'static str],
    /// What it contains.
    pub schema: Schema,
    /// Whether the body must be sent.
    pub required: bool,
}

/// One operation (method on a path).
#[derive(Debug, Clone)]
pub struct Operation {
    /// Lower-case HTTP method.
    pub method: &'static str,
    /// `operationId`, e.g. `listAppsV1NamespacedDeployment`.
    pub id: String,
    /// Human description.
    pub description: String,
    /// `x-kubernetes-action`.
    pub action: &'static str,
    /// `x-kubernetes-group-version-kind`.
    pub gvk: (String, String, String),
    /// Operation-level query parameters.
    pub params: Vec<Param>,
    /// Request body, if any.
    pub body: Option<RequestBody>,
    /// Media types produced.
    pub produces: &'static [&'static str],
    /// `(code, description, schema)` of each documented response.
    pub responses: Vec<(u16, &'static str, Option<Schema>)>,
}

/// A path with its path-level parameters and operations.
#[derive(Debug, Clone)]
pub struct Route {
    /// Absolute path, e.g. `/api/v1/namespaces/{namespace}/pods/{name}`.
    pub path: String,
    /// Parameters every operation of the path shares (path segments, `pretty`).
    pub params: Vec<Param>,
    /// The `{name}` parameter's kind, for its description.
    pub name_of: Option<String>,
    /// Operations.
    pub ops: Vec<Operation>,
    /// Tag of the group version, e.g. `apps_v1`.
    pub tag: String,
}

/// Name of the list schema of a resource whose definition is not embedded.
pub fn list_definition(definition: &str) -> String {
    format!("{definition}List")
}

/// `/api/v1` or `/apis/<group>/<version>`.
pub fn prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// Group name as operation IDs spell it: `rbac.authorization.k8s.io` →
/// `RbacAuthorization`, core → `Core`.
fn group_title(group: &str) -> String {
    if group.is_empty() {
        return "Core".into();
    }
    group
        .trim_end_matches(".k8s.io")
        .split('.')
        .map(title)
        .collect()
}

/// Tag of a group version: `apps_v1`, `rbacAuthorization_v1`, `core_v1`.
pub fn tag(group: &str, version: &str) -> String {
    let t = group_title(group);
    let mut chars = t.chars();
    let lower: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{lower}_{version}")
}

fn title(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "a"/"an"/"" before a kind, as kube's installer chooses it: plurals get none.
fn article(kind: &str) -> &'static str {
    if kind.ends_with('s') && !kind.ends_with("ss") {
        " "
    } else if kind.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        " an "
    } else {
        " a "
    }
}

/// The `GET <prefix>/` route listing a group version's resources.
pub fn group_version_root(group: &str, version: &str) -> Route {
    let gv = format!("{}{}", group_title(group), title(version));
    Route {
        path: format!("{}/", prefix(group, version)),
        params: vec![],
        name_of: None,
        tag: tag(group, version),
        ops: vec![Operation {
            method: "get",
            id: format!("get{gv}APIResources"),
            description: "get available resources".into(),
            action: "",
            gvk: (String::new(), String::new(), String::new()),
            params: vec![],
            body: None,
            produces: PRODUCES,
            responses: vec![
                (
                    200,
                    "OK",
                    Some(Schema::Definition(API_RESOURCE_LIST.into())),
                ),
                (401, "Unauthorized", None),
            ],
        }],
    }
}

struct Ctx<'a> {
    r: &'a ResourceInfo,
    gv: String,
    tag: String,
    gvk: (String, String, String),
    def: Schema,
    list_def: Schema,
    namespaced: &'static str,
}

impl Ctx<'_> {
    fn op(&self, method: &'static str, verb: &str, middle: &str, suffix: &str) -> Operation {
        Operation {
            method,
            id: format!(
                "{verb}{}{middle}{}{}{suffix}",
                self.gv, self.namespaced, self.r.kind
            ),
            description: String::new(),
            action: "",
            gvk: self.gvk.clone(),
            params: vec![],
            body: None,
            produces: PRODUCES,
            responses: vec![],
        }
    }
}

fn ok(schema: &Schema) -> (u16, &'static str, Option<Schema>) {
    (200, "OK", Some(schema.clone()))
}

const UNAUTHORIZED: (u16, &str, Option<Schema>) = (401, "Unauthorized", None);

fn write_params(patch: bool) -> Vec<Param> {
    if patch {
        vec![
            params::DRY_RUN,
            params::FIELD_MANAGER_PATCH,
            params::FIELD_VALIDATION,
            params::FORCE,
        ]
    } else {
        vec![
            params::DRY_RUN,
            params::FIELD_MANAGER,
            params::FIELD_VALIDATION,
        ]
    }
}

fn object_body(schema: &Schema) -> Option<RequestBody> {
    Some(RequestBody {
        consumes: ANY,
        schema: schema.clone(),
        required: true,
    })
}

fn patch_body() -> Option<RequestBody> {
    Some(RequestBody {
        consumes: PATCH_TYPES,
        schema: Schema::Definition(PATCH.into()),
        required: true,
    })
}

fn delete_body() -> Option<RequestBody> {
    Some(RequestBody {
        consumes: ANY,
        schema: Schema::Definition(DELETE_OPTIONS.into()),
        required: false,
    })
}

/// Every route of one resource and its subresources. `definition_of` maps a
/// subresource's group/version/kind to its definition name.
pub fn resource_routes(
    r: &ResourceInfo,
    definition_of: &dyn Fn(&str, &str, &str) -> Option<String>,
) -> Vec<Route> {
    let base = prefix(&r.group, &r.version);
    let ns_path = if r.namespaced {
        "/namespaces/{namespace}"
    } else {
        ""
    };
    let ns_params: Vec<Param> = if r.namespaced {
        vec![params::NAMESPACE]
    } else {
        vec![]
    };
    // Custom resources have no embedded list definition; theirs is named
    // after the resource's, as kube-apiserver names CRD list schemas.
    let list_def = Schema::Definition(
        definition_of(&r.group, &r.version, &r.list_kind)
            .unwrap_or_else(|| list_definition(&r.definition)),
    );
    let c = Ctx {
        r,
        gv: format!("{}{}", group_title(&r.group), title(&r.version)),
        tag: tag(&r.group, &r.version),
        gvk: (r.group.clone(), r.version.clone(), r.kind.clone()),
        def: Schema::Definition(r.definition.clone()),
        list_def,
        namespaced: if r.namespaced { "Namespaced" } else { "" },
    };
    let route = |path: String, mut params: Vec<Param>, named: bool, ops: Vec<Operation>| {
        params.sort_by_key(|p| p.name);
        Route {
            path,
            params,
            name_of: named.then(|| r.kind.clone()),
            ops,
            tag: c.tag.clone(),
        }
    };
    let with = |mut base: Vec<Param>, extra: &[Param]| {
        base.extend_from_slice(extra);
        base
    };
    let mut routes = Vec::new();
    let kind = &r.kind;

    // Collection: list, create, deletecollection.
    let mut ops = Vec::new();
    if r.has_verb("list") {
        let mut op = c.op("get", "list", "", "");
        op.description = format!("list or watch objects of kind {kind}");
        op.action = "list";
        op.params = params::LIST.to_vec();
        op.produces = PRODUCES_LIST;
        op.responses = vec![ok(&c.list_def), UNAUTHORIZED];
        ops.push(op);
    }
    if r.has_verb("create") {
        let mut op = c.op("post", "create", "", "");
        op.description = format!("create{}{kind}", article(kind));
        op.action = "post";
        op.params = write_params(false);
        op.body = object_body(&c.def);
        op.responses = vec![
            ok(&c.def),
            (201, "Created", Some(c.def.clone())),
            (202, "Accepted", Some(c.def.clone())),
            UNAUTHORIZED,
        ];
        ops.push(op);
    }
    if r.has_verb("deletecollection") {
        let mut op = c.op("delete", "delete", "Collection", "");
        op.description = format!("delete collection of {kind}");
        op.action = "deletecollection";
        op.params = with(params::DELETE.to_vec(), params::LIST);
        op.params
            .retain(|p| p.name != "watch" && p.name != "allowWatchBookmarks");
        op.params.sort_by_key(|p| p.name);
        op.body = delete_body();
        op.responses = vec![ok(&Schema::Definition(STATUS.into())), UNAUTHORIZED];
        ops.push(op);
    }
    let collection = format!("{base}{ns_path}/{}", r.plural);
    if !ops.is_empty() {
        routes.push(route(
            collection.clone(),
            with(ns_params.clone(), &[params::PRETTY]),
            false,
            ops,
        ));
    }

    // Item: read, replace, patch, delete.
    let item = format!("{collection}/{{name}}");
    let item_params = with(ns_params.clone(), &[params::PRETTY]);
    let mut ops = Vec::new();
    if r.has_verb("get") {
        let mut op = c.op("get", "read", "", "");
        op.description = format!("read the specified {kind}");
        op.action = "get";
        op.responses = vec![ok(&c.def), UNAUTHORIZED];
        ops.push(op);
    }
    if r.has_verb("update") {
        ops.push(replace_op(
            &c,
            "",
            format!("replace the specified {kind}"),
            &c.def,
        ));
    }
    if r.has_verb("patch") {
        ops.push(patch_op(
            &c,
            "",
            format!("partially update the specified {kind}"),
            &c.def,
        ));
    }
    if r.has_verb("delete") {
        let mut op = c.op("delete", "delete", "", "");
        op.description = format!("delete{}{kind}", article(kind));
        op.action = "delete";
        op.params = params::DELETE.to_vec();
        op.body = delete_body();
        let status = Schema::Definition(STATUS.into());
        op.responses = vec![ok(&status), (202, "Accepted", Some(status)), UNAUTHORIZED];
        ops.push(op);
    }
    if !ops.is_empty() {
        routes.push(route(item.clone(), item_params.clone(), true, ops));
    }

    // All namespaces: list, and the deprecated watch paths.
    if r.namespaced && r.has_verb("list") {
        let mut op = c.op("get", "list", "", "ForAllNamespaces");
        op.id = format!("list{}{kind}ForAllNamespaces", c.gv);
        op.description = format!("list or watch objects of kind {kind}");
        op.action = "list";
        op.produces = PRODUCES_LIST;
        op.responses = vec![ok(&c.list_def), UNAUTHORIZED];
        routes.push(route(
            format!("{base}/{}", r.plural),
            with(params::LIST.to_vec(), &[params::PRETTY]),
            false,
            vec![op],
        ));
    }
    if r.has_verb("watch") {
        let watch_event = Schema::Definition(WATCH_EVENT.into());
        let list_params = with(params::LIST.to_vec(), &[params::PRETTY]);
        let mut op = c.op("get", "watch", "", "List");
        op.description = format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead.");
        op.action = "watchlist";
        op.produces = PRODUCES_LIST;
        op.responses = vec![ok(&watch_event), UNAUTHORIZED];
        routes.push(route(
            format!("{base}/watch{ns_path}/{}", r.plural),
            with(list_params.clone(), &ns_params),
            false,
            vec![op],
        ));
        let mut op = c.op("get", "watch", "", "");
        op.description = format!("watch changes to an object of kind {kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.");
        op.action = "watch";
        op.produces = PRODUCES_LIST;
        op.responses = vec![ok(&watch_event), UNAUTHORIZED];
        routes.push(route(
            format!("{base}/watch{ns_path}/{}/{{name}}", r.plural),
            with(list_params.clone(), &ns_params),
            true,
            vec![op],
        ));
        if r.namespaced {
            let mut op = c.op("get", "watch", "", "ListForAllNamespaces");
            op.id = format!("watch{}{kind}ListForAllNamespaces", c.gv);
            op.description = format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead.");
            op.action = "watchlist";
            op.produces = PRODUCES_LIST;
            op.responses = vec![ok(&watch_event), UNAUTHORIZED];
            routes.push(route(
                format!("{base}/watch/{}", r.plural),
                list_params,
                false,
                vec![op],
            ));
        }
    }

    for s in &r.subresources {
        routes.extend(subresource_routes(
            &c,
            s,
            &item,
            &ns_params,
            definition_of,
            &route,
        ));
    }
    routes
}

fn replace_op(c: &Ctx, sub: &str, description: String, schema: &Schema) -> Operation {
    let mut op = c.op("put", "replace", "", sub);
    op.description = description;
    op.action = "put";
    op.params = write_params(false);
    op.body = object_body(schema);
    op.responses = vec![
        ok(schema),
        (201, "Created", Some(schema.clone())),
        UNAUTHORIZED,
    ];
    op
}

fn patch_op(c: &Ctx, sub: &str, description: String, schema: &Schema) -> Operation {
    let mut op = c.op("patch", "patch", "", sub);
    op.description = description;
    op.action = "patch";
    op.params = write_params(true);
    op.body = patch_body();
    op.responses = vec![
        ok(schema),
        (201, "Created", Some(schema.clone())),
        UNAUTHORIZED,
    ];
    op
}

fn subresource_routes(
    c: &Ctx,
    s: &Subresource,
    item: &str,
    ns_params: &[Param],
    definition_of: &dyn Fn(&str, &str, &str) -> Option<String>,
    route: &dyn Fn(String, Vec<Param>, bool, Vec<Operation>) -> Route,
) -> Vec<Route> {
    let kind = &c.r.kind;
    let sub = title(&s.name);
    let path = format!("{item}/{}", s.name);
    let gvk = (s.group.clone(), s.version.clone(), s.kind.clone());
    let mut base_params = ns_params.to_vec();

    // Connect subresources stream to a pod, node or service: every method
    // is its own "connect" operation, with the options kind as GVK.
    if s.kind.ends_with("Options") {
        let (methods, query): (&[&str], &[Param]) = match s.name.as_str() {
            "exec" => (&["get", "post"], params::POD_EXEC),
            "attach" => (&["get", "post"], params::POD_ATTACH),
            "portforward" => (&["get", "post"], params::POD_PORT_FORWARD),
            _ => (
                &["delete", "get", "head", "options", "patch", "post", "put"],
                params::PROXY,
            ),
        };
        let connect = |suffix: &str| -> Vec<Operation> {
            methods
                .iter()
                .map(|&m| {
                    let mut op = c.op(m, "connect", &title(m), &format!("{sub}{suffix}"));
                    op.description = format!(
                        "connect {} requests to {} of {kind}",
                        m.to_uppercase(),
                        s.name
                    );
                    op.action = "connect";
                    op.gvk = gvk.clone();
                    op.produces = ANY;
                    op.responses = vec![ok(&Schema::String), UNAUTHORIZED];
                    op
                })
                .collect()
        };
        base_params.extend_from_slice(query);
        let mut routes = vec![route(path.clone(), base_params.clone(), true, connect(""))];
        if s.name == "proxy" {
            let mut with_path = ns_params.to_vec();
            with_path.push(params::PATH);
            with_path.extend_from_slice(params::PROXY);
            routes.push(route(
                format!("{path}/{{path}}"),
                with_path,
                true,
                connect("WithPath"),
            ));
        }
        return routes;
    }

    let schema = definition_of(&s.group, &s.version, &s.kind)
        .map(Schema::Definition)
        .unwrap_or_else(|| c.def.clone());
    let mut ops = Vec::new();
    if s.name == "log" {
        let mut op = c.op("get", "read", "", &sub);
        op.description = format!("read log of the specified {kind}");
        op.action = "get";
        op.produces = PRODUCES_LOG;
        op.responses = vec![ok(&Schema::String), UNAUTHORIZED];
        base_params.extend_from_slice(params::POD_LOG);
        base_params.push(params::PRETTY);
        return vec![route(path, base_params, true, vec![op])];
    }
    if s.verbs.iter().any(|v| v == "get") {
        let mut op = c.op("get", "read", "", &sub);
        op.description = format!("read {} of the specified {kind}", s.name);
        op.action = "get";
        op.gvk = gvk.clone();
        op.responses = vec![ok(&schema), UNAUTHORIZED];
        ops.push(op);
    }
    if s.verbs.iter().any(|v| v == "create") {
        let mut op = c.op("post", "create", "", &sub);
        op.description = format!("create {} of{}{kind}", s.name, article(kind));
        op.action = "post";
        op.gvk = gvk.clone();
        op.params = write_params(false);
        op.body = object_body(&schema);
        op.responses = vec![
            ok(&schema),
            (201, "Created", Some(schema.clone())),
            (202, "Accepted", Some(schema.clone())),
            UNAUTHORIZED,
        ];
        ops.push(op);
    }
    if s.verbs.iter().any(|v| v == "update") {
        let mut op = replace_op(
            c,
            &sub,
            format!("replace {} of the specified {kind}", s.name),
            &schema,
        );
        op.gvk = gvk.clone();
        ops.push(op);
    }
    if s.verbs.iter().any(|v| v == "patch") {
        let mut op = patch_op(
            c,
            &sub,
            format!("partially update {} of the specified {kind}", s.name),
            &schema,
        );
        op.gvk = gvk.clone();
        ops.push(op);
    }
    base_params.push(params::PRETTY);
    vec![route(path, base_params, true, ops)]
}
