//! Client-side apply's patches: apimachinery's `CreateThreeWayMergePatch`
//! (strategic, for built-in kinds, merge keys from the embedded 1.37
//! schemas) and jsonmergepatch's `CreateThreeWayJSONMergePatch` (every
//! other kind).
//!
//! Both combine the deletions from `original` (the last-applied
//! configuration) to `modified` (the new file) with the additions and
//! changes from `current` (the live object) to `modified`, so fields other
//! writers set survive and fields the user dropped from the file go.

use keelson_apimachinery::strategic::{PatchMeta, PatchSchema};
use serde_json::{Map, Value};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// Why no patch could be computed (strategicpatch's errors).
pub type PatchError = String;

/// The schema of a built-in kind, when the embedded definitions know it.
pub fn builtin_schema(group: &str, version: &str, kind: &str) -> Option<PatchSchema<'static>> {
    let info = keelson_apimachinery::resources::builtin()
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)?;
    PatchSchema::new(
        keelson_apimachinery::schema::undocumented_definitions(),
        &info.definition,
    )
}

#[derive(Clone, Copy, Default)]
struct DiffOptions {
    set_element_order: bool,
    ignore_changes_and_additions: bool,
    ignore_deletions: bool,
    build_retain_keys: bool,
}

/// `CreateThreeWayMergePatch(original, modified, current, schema, overwrite=true)`.
pub fn three_way_strategic(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    current: &Map<String, Value>,
    schema: PatchSchema,
) -> Result<Map<String, Value>, PatchError> {
    let delta = diff_maps(
        current,
        modified,
        schema,
        DiffOptions {
            ignore_deletions: true,
            set_element_order: true,
            ..Default::default()
        },
    )?;
    let deletions = diff_maps(
        original,
        modified,
        schema,
        DiffOptions {
            ignore_changes_and_additions: true,
            set_element_order: true,
            ..Default::default()
        },
    )?;
    Ok(merge_patches(deletions, delta, schema))
}

/// `CreateTwoWayMergePatch(original, modified, schema)`: the strategic
/// merge patch that turns `original` into `modified` (`kubectl edit`).
pub fn two_way_strategic(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: PatchSchema,
) -> Result<Map<String, Value>, PatchError> {
    diff_maps(
        original,
        modified,
        schema,
        DiffOptions {
            set_element_order: true,
            ..Default::default()
        },
    )
}

/// `diffMaps`: the patch from `original` to `modified`.
fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: PatchSchema,
    opts: DiffOptions,
) -> Result<Map<String, Value>, PatchError> {
    let mut patch = Map::new();
    let mut retain_keys: Vec<String> = Vec::new();
    for (key, modified_value) in modified {
        if opts.build_retain_keys && !modified_value.is_null() {
            retain_keys.push(key.clone());
        }
        let Some(original_value) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            if original_value != modified_value {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        match (original_value, modified_value) {
            (Value::Object(o), Value::Object(m)) => {
                let (sub, meta) = schema.field(key);
                let (retain, strategy) = strategies(&meta)?;
                if strategy == "replace" {
                    if !opts.ignore_changes_and_additions {
                        patch.insert(key.clone(), modified_value.clone());
                    }
                } else {
                    let child = diff_maps(
                        o,
                        m,
                        sub,
                        DiffOptions {
                            build_retain_keys: retain,
                            ..opts
                        },
                    )?;
                    if !child.is_empty() {
                        patch.insert(key.clone(), Value::Object(child));
                    }
                }
            }
            (Value::Array(o), Value::Array(m)) => {
                let (items, meta) = schema.items(key);
                let (retain, strategy) = strategies(&meta)?;
                if strategy == "merge" {
                    let opts = DiffOptions {
                        build_retain_keys: retain,
                        ..opts
                    };
                    let (add, delete, order) = diff_lists(o, m, items, &meta.merge_key, opts)?;
                    if !add.is_empty() {
                        patch.insert(key.clone(), Value::Array(add));
                    }
                    if !delete.is_empty() {
                        patch.insert(
                            format!("{DELETE_FROM_PRIMITIVE_LIST}/{key}"),
                            Value::Array(delete),
                        );
                    }
                    if !order.is_empty() {
                        patch.insert(format!("{SET_ELEMENT_ORDER}/{key}"), Value::Array(order));
                    }
                } else if !opts.ignore_changes_and_additions
                    && !deep_equal(original_value, modified_value)
                {
                    patch.insert(key.clone(), modified_value.clone());
                }
            }
            (o, m) => {
                if !opts.ignore_changes_and_additions && (!same_type(o, m) || !deep_equal(o, m)) {
                    patch.insert(key.clone(), m.clone());
                }
            }
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let extra_in_original = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain_keys.is_empty() && (!patch.is_empty() || extra_in_original) {
        retain_keys.sort();
        patch.insert(
            RETAIN_KEYS.into(),
            Value::Array(retain_keys.into_iter().map(Value::String).collect()),
        );
    }
    Ok(patch)
}

fn strategies(meta: &PatchMeta) -> Result<(bool, String), PatchError> {
    meta.retain_keys_and_strategy()
        .map(|(r, s)| (r, s.to_string()))
        .map_err(|e| e.to_string())
}

/// `diffLists`: additions and changes, deletions of scalars, and the
/// `$setElementOrder` list.
#[allow(clippy::type_complexity)]
fn diff_lists(
    original: &[Value],
    modified: &[Value],
    items: PatchSchema,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>, Vec<Value>), PatchError> {
    if original.is_empty() {
        if modified.is_empty() || opts.ignore_changes_and_additions {
            return Ok((vec![], vec![], vec![]));
        }
        return Ok((modified.to_vec(), vec![], vec![]));
    }
    let first = original.first().or(modified.first());
    match first {
        Some(Value::Object(_)) => {
            let (patch, deletions) =
                diff_lists_of_maps(original, modified, items, merge_key, opts)?;
            let mut patch = order_by(patch, modified, Some(merge_key));
            let order_same = original.len() == modified.len()
                && original
                    .iter()
                    .zip(modified)
                    .all(|(o, m)| same_key(o, m, merge_key));
            patch.extend(deletions);
            let wanted = opts.set_element_order
                && ((!opts.ignore_changes_and_additions && (!patch.is_empty() || !order_same))
                    || (!opts.ignore_deletions && !patch.is_empty()));
            let order = if wanted {
                modified
                    .iter()
                    .map(|v| {
                        let mut m = Map::new();
                        m.insert(
                            merge_key.to_string(),
                            key_value(v, merge_key).cloned().unwrap_or(Value::Null),
                        );
                        Value::Object(m)
                    })
                    .collect()
            } else {
                vec![]
            };
            Ok((patch, vec![], order))
        }
        Some(Value::Array(_)) => Err("lists of lists are not supported".into()),
        _ => {
            let (add, delete) = diff_lists_of_scalars(original, modified, opts);
            let add = order_by(add, modified, None);
            let wanted = opts.set_element_order
                && ((!opts.ignore_deletions && !delete.is_empty())
                    || (!opts.ignore_changes_and_additions
                        && !deep_equal_lists(original, modified)));
            let order = if wanted { modified.to_vec() } else { vec![] };
            Ok((add, delete, order))
        }
    }
}

/// Whether two list items have equal merge key values (Go compares the
/// decoded values, so `80` and `80.0` are the same port).
fn same_key(a: &Value, b: &Value, merge_key: &str) -> bool {
    match (key_value(a, merge_key), key_value(b, merge_key)) {
        (Some(x), Some(y)) => deep_equal(x, y),
        _ => false,
    }
}

fn key_value<'a>(v: &'a Value, merge_key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|m| m.get(merge_key))
}

/// Go's `fmt.Sprintf("%v", v)` for the scalars lists and merge keys hold.
fn go_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A list item and its merge key value as Go's `%v` prints it.
type Keyed = (String, Map<String, Value>);

/// `diffListsOfMaps`: both lists sorted by merge key and walked together.
fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    items: PatchSchema,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let sorted = |list: &[Value]| -> Result<Vec<Keyed>, PatchError> {
        let mut out = Vec::new();
        for v in list {
            let m = v
                .as_object()
                .ok_or_else(|| format!("expected a map, but received a {}", type_name(v)))?;
            let k = m.get(merge_key).ok_or_else(|| {
                format!(
                    "map: {} does not contain declared merge key: {merge_key}",
                    Value::Object(m.clone())
                )
            })?;
            out.push((go_string(k), m.clone()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    };
    let (o, m) = (sorted(original)?, sorted(modified)?);
    let (mut i, mut j) = (0, 0);
    let mut patch = Vec::new();
    let mut deletions = Vec::new();
    while i < o.len() || j < m.len() {
        let ord = match (o.get(i), m.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Less,
        };
        match ord {
            std::cmp::Ordering::Equal => {
                let mut child = diff_maps(&o[i].1, &m[j].1, items, opts)?;
                if !child.is_empty() {
                    child.insert(merge_key.to_string(), m[j].1[merge_key].clone());
                    patch.push(Value::Object(child));
                }
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Greater => {
                if !opts.ignore_changes_and_additions {
                    patch.push(Value::Object(m[j].1.clone()));
                }
                j += 1;
            }
            std::cmp::Ordering::Less => {
                if !opts.ignore_deletions {
                    let mut d = Map::new();
                    d.insert(DIRECTIVE.into(), Value::String("delete".into()));
                    d.insert(merge_key.to_string(), o[i].1[merge_key].clone());
                    deletions.push(Value::Object(d));
                }
                i += 1;
            }
        }
    }
    Ok((patch, deletions))
}

/// `diffListsOfScalars`: additions and (deduplicated) deletions.
fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let sort = |l: &[Value]| {
        let mut v: Vec<(String, Value)> = l.iter().map(|x| (go_string(x), x.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (o, m) = (sort(original), sort(modified));
    let (mut i, mut j) = (0, 0);
    let mut add = Vec::new();
    let mut delete: Vec<Value> = Vec::new();
    while i < o.len() || j < m.len() {
        let ord = match (o.get(i), m.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Less,
        };
        match ord {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Greater => {
                if !opts.ignore_changes_and_additions {
                    add.push(m[j].1.clone());
                }
                j += 1;
            }
            std::cmp::Ordering::Less => {
                if !opts.ignore_deletions && !delete.contains(&o[i].1) {
                    delete.push(o[i].1.clone());
                }
                i += 1;
            }
        }
    }
    (add, delete)
}

/// `normalizeSliceOrder`: items in the order of `order` (by merge key for
/// maps), delete directives last.
fn order_by(list: Vec<Value>, order: &[Value], merge_key: Option<&str>) -> Vec<Value> {
    let position = |v: &Value| -> Option<usize> {
        match merge_key {
            Some(k) => {
                key_value(v, k)?;
                order.iter().position(|o| same_key(o, v, k))
            }
            None => order.iter().position(|o| o == v),
        }
    };
    let (mut keep, deletes): (Vec<Value>, Vec<Value>) = list
        .into_iter()
        .partition(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some("delete"));
    keep.sort_by_key(|v| position(v).unwrap_or(usize::MAX));
    keep.extend(deletes);
    keep
}

/// `mergeMap(deletions, delta, MergeOptions{})` for the two halves of a
/// three-way patch: delta's additions and changes go into the deletions
/// patch; lists with a merge key combine item by item, changes in the
/// `$setElementOrder` order and delete directives after them.
fn merge_patches(
    mut deletions: Map<String, Value>,
    delta: Map<String, Value>,
    schema: PatchSchema,
) -> Map<String, Value> {
    for (key, value) in delta {
        if key.starts_with(SET_ELEMENT_ORDER) || key == RETAIN_KEYS {
            deletions.entry(key).or_insert(value);
            continue;
        }
        let merged = match (deletions.remove(&key), value) {
            (Some(Value::Object(d)), Value::Object(p)) => {
                let (sub, meta) = schema.field(&key);
                if meta.strategy().unwrap_or_default() == "replace" {
                    Value::Object(p)
                } else {
                    Value::Object(merge_patches(d, p, sub))
                }
            }
            (Some(Value::Array(d)), Value::Array(p)) => {
                let (items, meta) = schema.items(&key);
                let merge =
                    meta.strategy().unwrap_or_default() == "merge" && !meta.merge_key.is_empty();
                if merge && d.iter().chain(&p).all(Value::is_object) {
                    let order = deletions
                        .get(&format!("{SET_ELEMENT_ORDER}/{key}"))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    Value::Array(merge_item_lists(d, p, items, &meta.merge_key, &order))
                } else {
                    Value::Array(p)
                }
            }
            (_, v) => v,
        };
        deletions.insert(key, merged);
    }
    deletions
}

fn merge_item_lists(
    deletions: Vec<Value>,
    delta: Vec<Value>,
    items: PatchSchema,
    merge_key: &str,
    order: &[Value],
) -> Vec<Value> {
    let mut out = deletions;
    for item in delta {
        let kv = key_value(&item, merge_key).cloned();
        let existing = out.iter().position(|o| {
            kv.as_ref()
                .is_some_and(|kv| key_value(o, merge_key).is_some_and(|ov| deep_equal(ov, kv)))
                && o.get(DIRECTIVE).is_none()
        });
        match (existing, item) {
            (Some(i), Value::Object(p)) => {
                let d = match out.remove(i) {
                    Value::Object(d) => d,
                    _ => Map::new(),
                };
                out.insert(i, Value::Object(merge_patches(d, p, items)));
            }
            (_, item) => out.push(item),
        }
    }
    if order.is_empty() {
        return order_by(out, &[], Some(merge_key));
    }
    order_by(out, order, Some(merge_key))
}

/// `CreateThreeWayJSONMergePatch`: deletions from `original` (nulls only)
/// merged with additions and changes from `current` (no nulls).
pub fn three_way_json_merge(original: &Value, modified: &Value, current: &Value) -> Value {
    let add_and_change = keep_nulls(create_merge_patch(current, modified), false);
    let deletions = keep_nulls(create_merge_patch(original, modified), true);
    apply_merge(deletions, add_and_change)
}

/// RFC 7386 `CreateMergePatch(a, b)`.
pub fn create_merge_patch(a: &Value, b: &Value) -> Value {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return b.clone();
    };
    let mut patch = Map::new();
    for (k, bv) in b {
        match a.get(k) {
            None => {
                patch.insert(k.clone(), bv.clone());
            }
            Some(av) if av.is_object() && bv.is_object() => {
                let sub = create_merge_patch(av, bv);
                if sub.as_object().is_some_and(|m| !m.is_empty()) {
                    patch.insert(k.clone(), sub);
                }
            }
            Some(av) => {
                if !deep_equal(av, bv) {
                    patch.insert(k.clone(), bv.clone());
                }
            }
        }
    }
    for k in a.keys() {
        if !b.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    Value::Object(patch)
}

/// jsonmergepatch's `keepOrDeleteNullInObj`.
fn keep_nulls(patch: Value, keep: bool) -> Value {
    let Value::Object(m) = patch else {
        return patch;
    };
    let mut out = Map::new();
    for (k, v) in m {
        match v {
            Value::Null if keep => {
                out.insert(k, Value::Null);
            }
            Value::Null => {}
            Value::Object(_) => {
                let sub = keep_nulls(v, keep);
                if sub.as_object().is_some_and(|s| !s.is_empty()) {
                    out.insert(k, sub);
                }
            }
            other if !keep => {
                out.insert(k, other);
            }
            _ => {}
        }
    }
    Value::Object(out)
}

/// RFC 7386 merge of `patch` into `doc`.
fn apply_merge(doc: Value, patch: Value) -> Value {
    let Value::Object(p) = patch else {
        return patch;
    };
    let mut d = match doc {
        Value::Object(d) => d,
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            d.remove(&k);
            continue;
        }
        let merged = match d.remove(&k) {
            Some(existing) if v.is_object() => apply_merge(existing, v),
            _ => v,
        };
        d.insert(k, merged);
    }
    Value::Object(d)
}

/// Go's `reflect.DeepEqual` on decoded JSON: numbers compare as float64.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => deep_equal_lists(x, y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

fn deep_equal_lists(x: &[Value], y: &[Value]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_equal(a, b))
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::codec::to_json;
    use serde_json::json;

    fn smp(kind_group: (&str, &str, &str), o: Value, m: Value, c: Value) -> String {
        let schema = builtin_schema(kind_group.0, kind_group.1, kind_group.2).unwrap();
        let p = three_way_strategic(
            o.as_object().unwrap(),
            m.as_object().unwrap(),
            c.as_object().unwrap(),
            schema,
        )
        .unwrap();
        to_json(&crate::printers::sort_keys(&Value::Object(p)))
    }

    fn deploy(containers: Value) -> Value {
        json!({"spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn dropped_containers_are_deleted_by_merge_key() {
        let o = deploy(json!([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]));
        let m = deploy(json!([{"name": "a", "image": "x2"}]));
        let c = deploy(
            json!([{"name": "a", "image": "x", "imagePullPolicy": "Always"}, {"name": "b", "image": "y"}]),
        );
        assert_eq!(
            smp(("apps", "v1", "Deployment"), o, m, c),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"image":"x2","name":"a"},{"$patch":"delete","name":"b"}]}}}}"#
        );
    }

    #[test]
    fn removed_fields_become_nulls_and_server_fields_stay() {
        let o = json!({"data": {"a": "1", "b": "2"}, "metadata": {"labels": {"x": "y"}}});
        let m = json!({"data": {"a": "1"}, "metadata": {}});
        let c = json!({"data": {"a": "1", "b": "2", "c": "3"}, "metadata": {"labels": {"x": "y"}, "uid": "u"}});
        assert_eq!(
            smp(("", "v1", "ConfigMap"), o, m, c),
            r#"{"data":{"b":null},"metadata":{"labels":null}}"#
        );
    }

    #[test]
    fn nothing_changed_is_an_empty_patch() {
        let o = json!({"data": {"a": "1"}, "spec": {"ports": [{"port": 80}]}});
        let c = json!({"data": {"a": "1"}, "spec": {"ports": [{"port": 80.0, "protocol": "TCP"}]}, "status": {}});
        assert_eq!(smp(("", "v1", "Service"), o.clone(), o, c), "{}");
    }

    #[test]
    fn primitive_merge_lists_use_parallel_deletions() {
        let o = json!({"metadata": {"finalizers": ["a", "b"]}});
        let m = json!({"metadata": {"finalizers": ["a", "c"]}});
        let c = o.clone();
        assert_eq!(
            smp(("", "v1", "ConfigMap"), o, m, c),
            r#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}}"#
        );
    }

    #[test]
    fn json_merge_patch_for_custom_kinds() {
        let o = json!({"spec": {"a": 1, "b": [1]}});
        let m = json!({"spec": {"a": 2}});
        let c = json!({"spec": {"a": 1, "b": [1], "x": true}});
        assert_eq!(
            to_json(&crate::printers::sort_keys(&three_way_json_merge(
                &o, &m, &c
            ))),
            r#"{"spec":{"a":2,"b":null}}"#
        );
    }
}
