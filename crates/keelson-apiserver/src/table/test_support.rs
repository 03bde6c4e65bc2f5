//! Helpers for the printers' unit tests: resources by kind, cells at a fixed instant.

use super::projection::{project, Mask};
use super::{printer, time::parse_time, Now};
use keelson_apimachinery::resources::{builtin, ResourceInfo};
use serde_json::{json, Value};

/// The instant tests print at: 2024-05-01T12:00:00Z.
pub fn now() -> Now {
    Now::at(parse_time(&json!("2024-05-01T12:00:00Z")).expect("valid time"))
}

/// The built-in resource of a kind, or a custom one for an unknown kind.
pub fn resource(group: &str, kind: &str) -> ResourceInfo {
    if let Some(r) = builtin()
        .iter()
        .find(|r| r.group == group && r.kind == kind)
    {
        return r.clone();
    }
    serde_json::from_value(json!({
        "group": group, "version": "v1", "kind": kind,
        "plural": format!("{}s", kind.to_lowercase()), "singular": kind.to_lowercase(),
        "namespaced": true, "listKind": format!("{kind}List"), "verbs": ["get", "list"],
        "definition": "",
    }))
    .expect("resource info")
}

/// The cells of one object's row, printed at [`now`]. Also checks that the
/// printer's `reads` cover what it read: the row decoded through them must
/// print the same cells and conditions as the whole object.
pub fn cells_of(resource: &ResourceInfo, obj: &Value) -> Vec<Value> {
    let p = printer(resource);
    let cells = (p.cells)(obj, &now());
    let json = serde_json::to_vec(obj).expect("serializable");
    let row = project(&json, &Mask::for_reads(p.reads));
    assert_eq!(
        (p.cells)(&row.object, &now()),
        cells,
        "the {} printer reads more than its `reads` name, in {obj}",
        resource.kind
    );
    assert_eq!((p.conditions)(&row.object), (p.conditions)(obj));
    cells
}

/// Column names, upper-cased as kubectl shows them; wide ones marked `*`.
pub fn headers_of(resource: &ResourceInfo) -> Vec<String> {
    printer(resource)
        .columns
        .iter()
        .map(|c| {
            let mut h = c.name.to_uppercase();
            if c.priority > 0 {
                h.push('*');
            }
            h
        })
        .collect()
}

/// An object's row cells together with its headers, for readable asserts.
pub fn row(group: &str, kind: &str, obj: Value) -> Vec<(String, Value)> {
    let r = resource(group, kind);
    headers_of(&r).into_iter().zip(cells_of(&r, &obj)).collect()
}

/// The cell under a header in a [`row`].
pub fn cell<'a>(row: &'a [(String, Value)], header: &str) -> &'a Value {
    &row.iter()
        .find(|(h, _)| h == header)
        .unwrap_or_else(|| panic!("no column {header} in {row:?}"))
        .1
}
