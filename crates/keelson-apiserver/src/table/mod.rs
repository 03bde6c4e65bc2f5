//! Server-side printing: `meta.k8s.io` Tables, as kube-apiserver builds them
//! with `pkg/printers/internalversion` (what `kubectl get` shows).
//!
//! Each kind family has its printers in a submodule: column definitions
//! (name, type, format, priority, description) and a cell function. The server
//! always prints the wide columns (priority 1); kubectl hides them unless
//! `-o wide`. Kinds kube-apiserver has no printer for use its default table
//! convertor (NAME, CREATED AT); any other kind gets NAME and AGE, the columns
//! of a custom resource without `additionalPrinterColumns`.

mod admissionregistration;
mod apps;
mod autoscaling;
mod batch;
mod cluster;
mod core;
mod events;
mod networking;
mod partial;
mod pod;
mod projection;
mod rbac;
mod storage;
mod time;

pub use partial::{is_a_list, not_a_list, partial_object_metadata, partial_object_metadata_list};
pub use projection::ProjectionCache;
pub use time::{age, human_duration, Now};

use crate::watch_cache::CachedObject;
use keelson_apimachinery::quantity::Quantity;
use keelson_apimachinery::resources::ResourceInfo;
use serde_json::{json, Value};

/// Which object a Table row carries (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the query parameter; the error is kube-apiserver's 400 message.
    pub fn parse(v: Option<&str>) -> Result<Self, String> {
        match v {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(o) => Err(format!("Unable to find resource: includeObject: Unsupported value: \"{o}\": supported values: \"Metadata\", \"None\", \"Object\"")),
        }
    }
}

/// The `meta.k8s.io` version a Table or PartialObjectMetadata is asked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaVersion {
    /// `meta.k8s.io/v1`.
    V1,
    /// `meta.k8s.io/v1beta1`.
    V1beta1,
}

impl MetaVersion {
    /// The `apiVersion` string.
    pub fn api_version(self) -> &'static str {
        match self {
            MetaVersion::V1 => "meta.k8s.io/v1",
            MetaVersion::V1beta1 => "meta.k8s.io/v1beta1",
        }
    }
}

/// Where a column's description comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Doc {
    /// Fixed text.
    Text(&'static str),
    /// A field's description in the 1.37 definitions (kube uses the Go
    /// types' `SwaggerDoc()`, generated from the same comments).
    Field(&'static str, &'static str),
}

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

impl Doc {
    fn text(self) -> &'static str {
        match self {
            Doc::Text(t) => t,
            Doc::Field(definition, field) => keelson_apimachinery::schema::definition(definition)
                .and_then(|d| d["properties"][field]["description"].as_str())
                .unwrap_or(""),
        }
    }
}

/// A `TableColumnDefinition`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    name: &'static str,
    ty: &'static str,
    format: &'static str,
    priority: u8,
    doc: Doc,
}

impl Column {
    /// A column of the given type.
    pub(crate) const fn new(name: &'static str, ty: &'static str, doc: Doc) -> Self {
        Column {
            name,
            ty,
            format: "",
            priority: 0,
            doc,
        }
    }

    /// The same column, shown only by `-o wide` (priority 1).
    pub(crate) const fn wide(self) -> Self {
        Column {
            priority: 1,
            ..self
        }
    }

    /// The same column with the `name` format (the object's identifier).
    pub(crate) const fn named(self) -> Self {
        Column {
            format: "name",
            ..self
        }
    }

    fn definition(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.ty,
            "format": self.format,
            "description": self.doc.text(),
            "priority": self.priority,
        })
    }
}

/// A `string` column.
pub(crate) const fn string(name: &'static str, doc: Doc) -> Column {
    Column::new(name, "string", doc)
}

/// An `integer` column.
pub(crate) const fn integer(name: &'static str, doc: Doc) -> Column {
    Column::new(name, "integer", doc)
}

/// A `boolean` column.
pub(crate) const fn boolean(name: &'static str, doc: Doc) -> Column {
    Column::new(name, "boolean", doc)
}

/// The NAME column every printer starts with.
pub(crate) const NAME: Column = Column {
    name: "Name",
    ty: "string",
    format: "name",
    priority: 0,
    doc: Doc::Field(OBJECT_META, "name"),
};

/// What a printer of NAME and AGE alone reads.
pub(crate) const NAME_AGE_READS: &[&str] = &["metadata.name", "metadata.creationTimestamp"];

/// What a workload printer reads: replicas, selector, the template's
/// containers and the status.
pub(crate) const WORKLOAD_READS: &[&str] = &[
    "metadata.name",
    "metadata.creationTimestamp",
    "spec.replicas",
    "spec.selector",
    "spec.template.spec.containers.name",
    "spec.template.spec.containers.image",
    "status",
];

/// The AGE column.
pub(crate) const AGE: Column = string("Age", Doc::Field(OBJECT_META, "creationTimestamp"));

/// Description shared by the CONTAINERS columns.
pub(crate) const CONTAINERS_DOC: Doc = Doc::Text("Names of each container in the template.");
/// Description shared by the IMAGES columns.
pub(crate) const IMAGES_DOC: Doc =
    Doc::Text("Images referenced by each container in the template.");

/// How one kind prints.
pub(crate) struct Printer {
    /// Column definitions, in cell order.
    pub columns: &'static [Column],
    /// The cells of one object's row.
    pub cells: fn(&Value, &Now) -> Vec<Value>,
    /// Row conditions (`Completed` for finished pods).
    pub conditions: fn(&Value) -> Option<Value>,
    /// The fields `cells` and `conditions` read (dotted paths, lists
    /// transparent); empty: all of them. Rows decode nothing else, and the
    /// printer tests check each list against the whole object.
    pub reads: &'static [&'static str],
}

/// No row conditions.
pub(crate) fn no_conditions(_: &Value) -> Option<Value> {
    None
}

/// kube-apiserver's `rest.DefaultTableConvertor`, used by built-in kinds
/// without a printer (roles, cluster roles, CRDs, limit ranges, ...).
static DEFAULT_CONVERTOR: Printer = Printer {
    columns: &[
        NAME,
        Column::new(
            "Created At",
            "date",
            Doc::Field(OBJECT_META, "creationTimestamp"),
        ),
    ],
    cells: |o, _| {
        vec![
            name(o),
            Value::from(time::rfc3339(&o["metadata"]["creationTimestamp"])),
        ]
    },
    conditions: no_conditions,
    reads: NAME_AGE_READS,
};

/// NAME and AGE: a custom resource's default columns.
static NAME_AGE: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Age", "date", Doc::Field(OBJECT_META, "creationTimestamp")),
    ],
    cells: |o, now| vec![name(o), Value::from(now.age(o))],
    conditions: no_conditions,
    reads: NAME_AGE_READS,
};

/// The printer of a resource's kind.
fn printer(resource: &ResourceInfo) -> &'static Printer {
    let kind = resource.kind.as_str();
    let found = match resource.group.as_str() {
        "" => core::printer(kind).or_else(|| pod::printer(kind)),
        "events.k8s.io" => events::printer("events.k8s.io", kind),
        "apps" => apps::printer(kind),
        "batch" => batch::printer(kind),
        "networking.k8s.io" | "discovery.k8s.io" => networking::printer(kind),
        "rbac.authorization.k8s.io" => rbac::printer(kind),
        "storage.k8s.io" => storage::printer(kind),
        "admissionregistration.k8s.io" => admissionregistration::printer(kind),
        group => cluster::printer(group, kind),
    };
    found.unwrap_or_else(|| {
        if has_default_convertor(&resource.group, kind) {
            &DEFAULT_CONVERTOR
        } else {
            &NAME_AGE
        }
    })
}

/// Built-in kinds kube-apiserver serves without a printer.
fn has_default_convertor(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "LimitRange" | "Binding")
            | ("rbac.authorization.k8s.io", "Role" | "ClusterRole")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("authentication.k8s.io", _)
            | ("authorization.k8s.io", _)
            | ("certificates.k8s.io", "PodCertificateRequest")
            | ("resource.k8s.io", "DeviceTaintRule")
    )
}

/// Appends a JSON value (serializing a `Value` into memory cannot fail).
fn put(out: &mut Vec<u8>, v: &Value) {
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// Appends the row's `object` as `includeObject` asks, from the stored
/// bytes rather than from a re-serialized copy.
fn put_row_object(
    out: &mut Vec<u8>,
    json: &[u8],
    row: &projection::Row,
    include: IncludeObject,
    version: MetaVersion,
) {
    match include {
        IncludeObject::None => out.extend_from_slice(b"null"),
        IncludeObject::Object if row.object.is_null() => out.extend_from_slice(b"null"),
        IncludeObject::Object => out.extend_from_slice(json),
        IncludeObject::Metadata => {
            out.extend_from_slice(b"{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"");
            out.extend_from_slice(version.api_version().as_bytes());
            out.extend_from_slice(b"\",\"metadata\":");
            match row.metadata {
                Some(m) => out.extend_from_slice(m),
                None => out.extend_from_slice(b"{}"),
            }
            out.push(b'}');
        }
    }
}

/// A Table of objects of one resource in `meta.k8s.io/v1`; `list_meta`
/// becomes the Table's metadata.
pub fn table(
    resource: &ResourceInfo,
    objects: &[Value],
    list_meta: Value,
    include: IncludeObject,
) -> Value {
    table_in(resource, objects, list_meta, include, MetaVersion::V1, true)
}

/// A Table in the given `meta.k8s.io` version; without `headers` the column
/// definitions are null (kube-apiserver sends them with a watch's first
/// event only).
pub fn table_in(
    resource: &ResourceInfo,
    objects: &[Value],
    list_meta: Value,
    include: IncludeObject,
    version: MetaVersion,
    headers: bool,
) -> Value {
    let encoded: Vec<Vec<u8>> = objects
        .iter()
        .map(|o| serde_json::to_vec(o).unwrap_or_default())
        .collect();
    let rows: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
    let json = table_json(resource, &rows, &list_meta, include, version, headers);
    serde_json::from_slice(&json).unwrap_or(Value::Null)
}

/// An object a Table row is printed from: its JSON, and where the watch
/// cache keeps its projection, if anywhere.
pub trait RowSource: Sync {
    /// The object's JSON.
    fn json(&self) -> &[u8];
    /// The cache of its projection, for objects that outlive the request.
    fn projection_cache(&self) -> Option<&ProjectionCache> {
        None
    }
}

impl RowSource for &[u8] {
    fn json(&self) -> &[u8] {
        self
    }
}

impl RowSource for std::sync::Arc<CachedObject> {
    fn json(&self) -> &[u8] {
        &self.json
    }

    fn projection_cache(&self) -> Option<&ProjectionCache> {
        Some(&self.table_projection)
    }
}

/// [`table_in`] serialized, from the objects' JSON: each object is decoded
/// only as far as its printer reads (once per cached object, see
/// [`ProjectionCache`]), and the row's object is copied from the input
/// bytes, which keeps a LIST of thousands of objects cheap.
pub fn table_json<S: RowSource>(
    resource: &ResourceInfo,
    objects: &[S],
    list_meta: &Value,
    include: IncludeObject,
    version: MetaVersion,
    headers: bool,
) -> Vec<u8> {
    let printer = printer(resource);
    let rows = RowWriter {
        printer,
        mask: projection::Mask::for_reads(printer.reads),
        now: Now::new(),
        include,
        version,
    };
    let mut out = Vec::with_capacity(1024 + rows.capacity_for(objects));
    out.extend_from_slice(b"{\"kind\":\"Table\",\"apiVersion\":\"");
    out.extend_from_slice(version.api_version().as_bytes());
    out.extend_from_slice(b"\",\"metadata\":");
    put(&mut out, list_meta);
    out.extend_from_slice(b",\"columnDefinitions\":");
    if headers {
        let columns = Value::Array(printer.columns.iter().map(Column::definition).collect());
        put(&mut out, &columns);
    } else {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b",\"rows\":[");
    if resource.group == "flowcontrol.apiserver.k8s.io" && resource.kind == "FlowSchema" {
        let mut projected: Vec<(&[u8], projection::Row)> =
            objects.iter().map(|o| (o.json(), rows.row(o))).collect();
        cluster::sort_flow_schemas(&mut projected, |r| &r.1.object);
        for (i, (json, row)) in projected.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            rows.write(&mut out, json, row);
        }
    } else {
        rows.render_parallel(objects, &mut out);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Tables with at least this many rows are rendered on several threads: a
/// LIST of thousands of pods is CPU-bound, and the response only starts once
/// the whole Table is built.
const PARALLEL_ROWS: usize = 2_000;

/// Renders Table rows of one printer at one instant.
struct RowWriter {
    printer: &'static Printer,
    mask: projection::Mask,
    now: Now,
    include: IncludeObject,
    version: MetaVersion,
}

impl RowWriter {
    /// Bytes the rows of `objects` take, about: a row copies its object's
    /// metadata (most of a stored object) or the whole object, so sizing
    /// the buffer from the inputs saves growing a Table of tens of MiB by
    /// doubling, which was a tenth of a 10,000-pod LIST.
    fn capacity_for<S: RowSource>(&self, objects: &[S]) -> usize {
        const CELLS: usize = 256;
        match self.include {
            IncludeObject::None => objects.len() * CELLS,
            _ => objects.iter().map(|o| o.json().len() + CELLS).sum(),
        }
    }

    /// The inputs of one object's row.
    fn row<'a, S: RowSource>(&self, source: &'a S) -> projection::Row<'a> {
        let json = source.json();
        match source.projection_cache() {
            Some(cache) => cache.row(json, self.printer as *const Printer as usize, &self.mask),
            None => projection::project(json, &self.mask).into(),
        }
    }

    /// One row: cells, conditions, object.
    fn write(&self, out: &mut Vec<u8>, json: &[u8], row: &projection::Row) {
        out.extend_from_slice(b"{\"cells\":");
        put(
            out,
            &Value::Array((self.printer.cells)(&row.object, &self.now)),
        );
        if let Some(c) = (self.printer.conditions)(&row.object) {
            out.extend_from_slice(b",\"conditions\":");
            put(out, &c);
        }
        out.extend_from_slice(b",\"object\":");
        put_row_object(out, json, row, self.include, self.version);
        out.push(b'}');
    }

    /// Comma-separated rows of `objects`, decoding one at a time.
    fn render<S: RowSource>(&self, objects: &[S], out: &mut Vec<u8>) {
        for (i, source) in objects.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write(out, source.json(), &self.row(source));
        }
    }

    /// [`RowWriter::render`], split over the machine's cores for long tables.
    fn render_parallel<S: RowSource>(&self, objects: &[S], out: &mut Vec<u8>) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        if threads < 2 || objects.len() < PARALLEL_ROWS {
            return self.render(objects, out);
        }
        let chunk = objects.len().div_ceil(threads);
        let mut chunks = objects.chunks(chunk);
        let first = chunks.next().unwrap_or(&[]);
        std::thread::scope(|scope| {
            let others: Vec<_> = chunks
                .map(|c| {
                    scope.spawn(move || {
                        let mut buf = Vec::with_capacity(self.capacity_for(c));
                        self.render(c, &mut buf);
                        buf
                    })
                })
                .collect();
            self.render(first, out);
            for handle in others {
                // A printer panic stays a panic, as on one thread.
                let part = handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                out.push(b',');
                out.extend_from_slice(&part);
            }
        });
    }
}

// Accessors on JSON objects that read a missing field as Go reads a zero value.

/// A string field, `""` when absent.
pub(crate) fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// `Quantity.String()` of a quantity field as Go's JSON decoder reads it
/// (a trimmed string, or a number); `missing` when absent, and the text as
/// written when it does not parse, which Go could not have decoded.
pub(crate) fn quantity(v: &Value, missing: &str) -> String {
    let written = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return missing.to_string(),
    };
    Quantity::parse(written.trim()).map_or(written, |q| q.to_string())
}

/// An integer field, 0 when absent.
pub(crate) fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A list field, empty when absent.
pub(crate) fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The number of entries of a map or list field.
pub(crate) fn count(v: &Value) -> i64 {
    match v {
        Value::Object(m) => m.len() as i64,
        Value::Array(a) => a.len() as i64,
        _ => 0,
    }
}

/// The NAME cell.
pub(crate) fn name(obj: &Value) -> Value {
    Value::from(text(&obj["metadata"]["name"]))
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub(crate) fn format_labels(map: &Value) -> String {
    let mut pairs: Vec<String> = map
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", text(v))).collect())
        .unwrap_or_default();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs.sort();
    pairs.join(",")
}

/// A `metav1.LabelSelector` as `selector.String()`; `Err` when invalid.
pub(crate) fn selector_string(selector: &Value) -> Result<String, ()> {
    keelson_apimachinery::selector::LabelSelector::from_meta_label_selector(selector)
        .map(|s| s.to_string())
        .map_err(|_| ())
}

/// `metav1.FormatLabelSelector`: `<none>` for an empty selector, `<error>`
/// for an invalid one.
pub(crate) fn format_label_selector(selector: &Value) -> String {
    match selector_string(selector) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(()) => "<error>".to_string(),
    }
}

/// `layoutContainerCells`: container names and images, comma-separated.
pub(crate) fn container_cells(containers: &Value) -> (Value, Value) {
    let containers = list(containers);
    let names: Vec<&str> = containers.iter().map(|c| text(&c["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(&c["image"])).collect();
    (Value::from(names.join(",")), Value::from(images.join(",")))
}

/// The value of a condition of `type_` in a `conditions` list.
pub(crate) fn condition<'a>(conditions: &'a Value, type_: &str) -> Option<&'a Value> {
    list(conditions)
        .iter()
        .find(|c| c["type"].as_str() == Some(type_))
}

/// `list + N more...` after `max` entries, as kube's printers abbreviate.
pub(crate) fn list_with_more(items: &[String], total: usize, max: usize, empty: &str) -> String {
    let shown = items.join(",");
    if total > max {
        format!("{shown} + {} more...", total - max)
    } else if shown.is_empty() {
        empty.to_string()
    } else {
        shown
    }
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::{cells_of, resource};
    use super::*;

    #[test]
    fn include_object_values() {
        assert_eq!(IncludeObject::parse(None).unwrap(), IncludeObject::Metadata);
        assert_eq!(
            IncludeObject::parse(Some("None")).unwrap(),
            IncludeObject::None
        );
        assert_eq!(
            IncludeObject::parse(Some("all")).unwrap_err(),
            "Unable to find resource: includeObject: Unsupported value: \"all\": supported values: \"Metadata\", \"None\", \"Object\""
        );
    }

    #[test]
    fn rows_carry_partial_metadata_by_default() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns", "resourceVersion": "7"}, "data": {"k": "v"}});
        let t = table(
            &resource("", "ConfigMap"),
            std::slice::from_ref(&cm),
            json!({"resourceVersion": "7"}),
            IncludeObject::Metadata,
        );
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(t["metadata"]["resourceVersion"], "7");
        let obj = &t["rows"][0]["object"];
        assert_eq!(obj["kind"], "PartialObjectMetadata");
        assert_eq!(obj["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(obj["metadata"]["name"], "a");
        assert!(obj.get("data").is_none());

        let t = table(
            &resource("", "ConfigMap"),
            std::slice::from_ref(&cm),
            json!({}),
            IncludeObject::Object,
        );
        assert_eq!(t["rows"][0]["object"], cm);
        let t = table(
            &resource("", "ConfigMap"),
            &[cm],
            json!({}),
            IncludeObject::None,
        );
        assert_eq!(t["rows"][0]["object"], Value::Null);
    }

    #[test]
    fn serialized_tables_keep_kube_field_order_and_row_conditions() {
        let pod = json!({"metadata": {"name": "done"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded"}});
        let raw = serde_json::to_vec(&pod).unwrap();
        let json = table_json(
            &resource("", "Pod"),
            &[raw.as_slice()],
            &json!({"resourceVersion": "3"}),
            IncludeObject::None,
            MetaVersion::V1,
            true,
        );
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with(r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"3"},"columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"#), "{text}");
        assert!(text.contains(r#""rows":[{"cells":["done","0/1","Succeeded","0","<unknown>","<none>","<none>","<none>","<none>"],"conditions":[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}],"object":null}]}"#), "{text}");
    }

    #[test]
    fn cached_objects_print_the_same_rows_from_their_kept_projection() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "ns", "labels": {"app": "web"}, "resourceVersion": "7",
                         "creationTimestamp": "2024-05-01T11:00:00Z",
                         "managedFields": [{"manager": "m", "operation": "Update"}]},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "n1"},
            "status": {"phase": "Running", "podIP": "10.0.0.1",
                       "containerStatuses": [{"name": "c", "ready": true, "restartCount": 2,
                                              "state": {"running": {}}}]}});
        let extractor: crate::watch_cache::FieldExtractor =
            std::sync::Arc::new(|_: &Value| Default::default());
        let cached = vec![std::sync::Arc::new(CachedObject::from_value(
            "/registry/pods/ns/web",
            &pod,
            7,
            &extractor,
        ))];
        let raw = serde_json::to_vec(&pod).unwrap();
        let pods = resource("", "Pod");
        for include in [
            IncludeObject::None,
            IncludeObject::Metadata,
            IncludeObject::Object,
        ] {
            let table = |objects: &dyn Fn() -> Vec<u8>| {
                let t: Value = serde_json::from_slice(&objects()).unwrap();
                // Ages move with the clock; everything else must match.
                let mut row = t["rows"][0].clone();
                row["cells"][4] = Value::Null;
                row
            };
            let meta = json!({});
            let from_bytes = table(&|| {
                table_json(
                    &pods,
                    &[raw.as_slice()],
                    &meta,
                    include,
                    MetaVersion::V1,
                    true,
                )
            });
            let first =
                table(&|| table_json(&pods, &cached, &meta, include, MetaVersion::V1, true));
            let again =
                table(&|| table_json(&pods, &cached, &meta, include, MetaVersion::V1, true));
            assert_eq!(first, from_bytes, "{include:?}");
            assert_eq!(again, from_bytes, "{include:?}");
        }
        let row = &serde_json::from_slice::<Value>(&table_json(
            &pods,
            &cached,
            &json!({}),
            IncludeObject::Metadata,
            MetaVersion::V1,
            true,
        ))
        .unwrap()["rows"][0];
        assert_eq!(row["cells"][1], "1/1");
        assert_eq!(row["cells"][3], "2");
        assert_eq!(row["object"]["metadata"]["labels"]["app"], "web");
        assert_eq!(row["object"]["metadata"]["resourceVersion"], "7");
        // Another printer (here ConfigMap's) over the same cached object
        // decodes afresh instead of using the pod projection.
        let other = serde_json::from_slice::<Value>(&table_json(
            &resource("", "ConfigMap"),
            &cached,
            &json!({}),
            IncludeObject::None,
            MetaVersion::V1,
            true,
        ))
        .unwrap();
        assert_eq!(other["rows"][0]["cells"][0], "web");
        assert_eq!(other["rows"][0]["cells"][1], 0);
    }

    #[test]
    fn long_tables_render_on_several_threads_in_order() {
        let objects: Vec<Vec<u8>> = (0..PARALLEL_ROWS + 501)
            .map(|i| {
                serde_json::to_vec(
                    &json!({"metadata": {"name": format!("cm-{i:05}")}, "data": {"k": "v"}}),
                )
                .unwrap()
            })
            .collect();
        let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
        let r = resource("", "ConfigMap");
        let t: Value = serde_json::from_slice(&table_json(
            &r,
            &refs,
            &json!({}),
            IncludeObject::Metadata,
            MetaVersion::V1,
            true,
        ))
        .unwrap();
        let rows = t["rows"].as_array().unwrap();
        assert_eq!(rows.len(), refs.len());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row["cells"][0], format!("cm-{i:05}"));
            assert_eq!(row["cells"][1], 1);
            assert_eq!(row["object"]["metadata"]["name"], format!("cm-{i:05}"));
        }
    }

    #[test]
    fn v1beta1_tables_and_headerless_tables() {
        let cm = json!({"metadata": {"name": "a"}});
        let t = table_in(
            &resource("", "ConfigMap"),
            &[cm],
            json!({}),
            IncludeObject::Metadata,
            MetaVersion::V1beta1,
            false,
        );
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(t["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(t["columnDefinitions"], Value::Null);
    }

    #[test]
    fn column_definitions_carry_kube_descriptions() {
        let t = table(
            &resource("", "ConfigMap"),
            &[],
            json!({}),
            IncludeObject::None,
        );
        let cols = t["columnDefinitions"].as_array().unwrap();
        assert_eq!(cols[0]["name"], "Name");
        assert_eq!(cols[0]["format"], "name");
        assert!(cols[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("Name must be unique within a namespace."));
        assert_eq!(cols[1]["name"], "Data");
        assert!(cols[1]["description"]
            .as_str()
            .unwrap()
            .starts_with("Data contains the configuration data."));
        assert_eq!(t["rows"], json!([]));
    }

    #[test]
    fn every_column_of_every_built_in_kind_has_a_description() {
        for r in keelson_apimachinery::resources::builtin() {
            for c in printer(r).columns {
                assert!(
                    !c.doc.text().is_empty(),
                    "{}/{} column {}: no description for {:?}",
                    r.group,
                    r.kind,
                    c.name,
                    c.doc
                );
            }
        }
    }

    #[test]
    fn kinds_without_printers() {
        let role = json!({"metadata": {"name": "r", "creationTimestamp": "2024-05-01T10:00:00Z"}});
        let t = table(
            &resource("rbac.authorization.k8s.io", "Role"),
            std::slice::from_ref(&role),
            json!({}),
            IncludeObject::None,
        );
        let names: Vec<_> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(names, ["Name", "Created At"]);
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
        assert_eq!(t["rows"][0]["cells"], json!(["r", "2024-05-01T10:00:00Z"]));

        // A custom resource without printer columns: NAME and AGE.
        let widget = resource("example.com", "Widget");
        assert_eq!(cells_of(&widget, &role), [json!("r"), json!("120m")]);
        let t = table(&widget, &[], json!({}), IncludeObject::None);
        assert_eq!(t["columnDefinitions"][1]["name"], "Age");
    }

    #[test]
    fn label_helpers() {
        assert_eq!(format_labels(&json!({"b": "2", "a": "1"})), "a=1,b=2");
        assert_eq!(format_labels(&Value::Null), "<none>");
        assert_eq!(
            format_label_selector(&json!({"matchLabels": {"app": "web"}})),
            "app=web"
        );
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(
            format_label_selector(
                &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]})
            ),
            "tier in (a,b)"
        );
        assert_eq!(
            format_label_selector(&json!({"matchExpressions": [{"key": "x", "operator": "Bad"}]})),
            "<error>"
        );
        assert_eq!(
            list_with_more(&["a".into(), "b".into()], 5, 2, "<unset>"),
            "a,b + 3 more..."
        );
        assert_eq!(list_with_more(&[], 0, 3, "<unset>"), "<unset>");
    }
}
