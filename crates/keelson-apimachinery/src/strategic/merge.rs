//! The merge itself: strategicpatch's `mergeMap` and `mergeSlice` with the
//! server's options (`MergeParallelList`, `IgnoreUnmatchedNulls`), over
//! `serde_json` values.

use super::meta::PatchSchema;
use super::order::{
    find_map, is_delete_directive, normalize_element_order, order_keys, partition_maps,
    partition_primitives, validate_merge_key, OrderKeys,
};
use super::{
    bad_arg_type, bad_patch_type, gofmt, no_merge_key, StrategicMergeError, DELETE_DIRECTIVE,
    DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, MERGE_DIRECTIVE, REPLACE_DIRECTIVE,
    RETAIN_KEYS_DIRECTIVE, SET_ELEMENT_ORDER_PREFIX,
};
use serde_json::{Map, Value};

type Result<T> = std::result::Result<T, StrategicMergeError>;
type Object = Map<String, Value>;

/// The dynamic type of a decoded value (Go's `reflect.TypeOf`): two values
/// merge only when their types match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Slice,
    Map,
}

pub(super) fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null => Kind::Nil,
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) if n.is_i64() => Kind::Int,
        Value::Number(_) => Kind::Float,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Slice,
        Value::Object(_) => Kind::Map,
    }
}

/// Merges `patch` into `original` (`mergeMap`).
pub(super) fn merge_map(
    mut original: Object,
    mut patch: Object,
    schema: PatchSchema,
) -> Result<Object> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        return match directive.as_str() {
            Some(REPLACE_DIRECTIVE) => {
                patch.shift_remove(DIRECTIVE_MARKER);
                Ok(patch)
            }
            Some(DELETE_DIRECTIVE) => Ok(Object::new()),
            _ => Err(bad_patch_type(directive, &patch)),
        };
    }
    apply_retain_keys_directive(&mut original, &mut patch)?;
    merge_set_element_order_lists(&mut original, &mut patch, schema)?;

    for (key, patch_value) in patch {
        let (key, is_delete_list) = match key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            Some(_) => {
                let field = extract_key(&key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?;
                (if field.is_empty() { key } else { field }, true)
            }
            None => (key, false),
        };
        // A null deletes the key; a null for a key the original lacks is dropped.
        if patch_value.is_null() {
            original.shift_remove(&key);
            continue;
        }
        let Some(slot) = original.get_mut(&key) else {
            if !is_delete_list {
                if let Some(v) = take_patch_value(patch_value) {
                    original.insert(key, v);
                }
            }
            continue;
        };
        if kind_of(slot) != kind_of(&patch_value) {
            if !is_delete_list {
                match take_patch_value(patch_value) {
                    Some(v) => *slot = v,
                    None => {
                        original.shift_remove(&key);
                    }
                }
            }
            continue;
        }
        match (std::mem::take(slot), patch_value) {
            (Value::Object(o), Value::Object(p)) => {
                let (sub, meta) = schema.field(&key);
                *slot = Value::Object(if meta.strategy()? == REPLACE_DIRECTIVE {
                    p
                } else {
                    merge_map(o, p, sub)?
                });
            }
            (Value::Array(o), Value::Array(p)) => {
                let (sub, meta) = schema.items(&key);
                let strategy = meta.strategy()?;
                *slot = Value::Array(merge_slice_handler(
                    o,
                    p,
                    sub,
                    strategy,
                    &meta.merge_key,
                    is_delete_list,
                )?);
            }
            (_, scalar) => *slot = scalar,
        }
    }
    Ok(original)
}

/// A patch value for a key whose original value it replaces outright:
/// nulls inside are discarded and directives removed; `None` when the value
/// itself is a directive.
fn take_patch_value(mut v: Value) -> Option<Value> {
    discard_null_values(&mut v);
    remove_directives(v)
}

fn discard_null_values(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(discard_null_values);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_null_values),
        _ => {}
    }
}

/// Drops every map carrying `$patch` (`removeDirectives`).
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) if m.contains_key(DIRECTIVE_MARKER) => None,
        Value::Object(m) => Some(Value::Object(
            m.into_iter()
                .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                .collect(),
        )),
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

/// The field name after `prefix/` in a parallel-list key.
fn extract_key(key: &str, prefix: &str) -> Result<String> {
    match key.split_once('/') {
        Some((p, field)) if p == prefix => Ok(field.to_string()),
        _ if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX => Err(StrategicMergeError::BadRequest(
            super::ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST.into(),
        )),
        _ => Err(StrategicMergeError::BadRequest(
            super::ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST.into(),
        )),
    }
}

/// `$retainKeys: [...]`: keys of the original not listed are cleared, and
/// every key the patch sets must be listed.
fn apply_retain_keys_directive(original: &mut Object, patch: &mut Object) -> Result<()> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(StrategicMergeError::BadRequest(
            super::ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS.into(),
        ));
    };
    let retained = |k: &str| retain.iter().any(|r| r.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !retained(k) {
            return Err(StrategicMergeError::BadRequest(
                super::ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS.into(),
            ));
        }
    }
    original.retain(|k, _| retained(k));
    Ok(())
}

fn as_list(v: Option<&Value>) -> Result<Option<&Vec<Value>>> {
    match v {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(bad_arg_type("[]interface {}", other)),
    }
}

fn take_list(m: &mut Object, key: &str) -> Vec<Value> {
    match m.get_mut(key) {
        Some(Value::Array(a)) => std::mem::take(a),
        _ => Vec::new(),
    }
}

/// `$setElementOrder/<field>` (`mergePatchIntoOriginal`): merges the patch
/// list of `<field>` now and orders the result as the directive says; both
/// leave the patch.
fn merge_set_element_order_lists(
    original: &mut Object,
    patch: &mut Object,
    schema: PatchSchema,
) -> Result<()> {
    let directives: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for directive in directives {
        let Some(order) = patch.shift_remove(&directive) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(bad_arg_type("[]interface {}", &order));
        };
        let field = extract_key(&directive, SET_ELEMENT_ORDER_PREFIX)?;
        // An empty live list is one kube-apiserver's typed objects omit.
        let live = as_list(original.get(&field))?.filter(|l| !l.is_empty());
        let patch_list = as_list(patch.get(&field))?;
        let (found_live, found_patch) = (live.is_some(), patch_list.is_some());
        let (sub, meta) = schema.items(&field);
        let strategy = meta.strategy()?;
        let merge_key = meta.merge_key.as_str();
        let no_items = Vec::new();
        let live = live.unwrap_or(&no_items);
        let patch_list = patch_list.unwrap_or(&no_items);
        validate_patch_with_set_order_list(patch_list, &order, merge_key)?;
        if !found_live && !found_patch {
            continue;
        }
        let kind = slice_element_type(live, patch_list);
        let key_kind = *kind.as_ref().unwrap_or(&Kind::Map);
        let mut live_order = order_keys(live, merge_key, key_kind);
        let merges = found_live && found_patch && strategy == MERGE_DIRECTIVE;
        let reused = if merges {
            let (order, reused) = live_order_after_merge(live_order, live, patch_list, merge_key);
            live_order = order;
            reused
        } else {
            None
        };

        let merged = match (found_live, found_patch) {
            (true, false) => take_list(original, &field),
            (false, _) => {
                let p = take_list(patch, &field);
                match remove_directives(Value::Array(p)) {
                    Some(Value::Array(p)) => p,
                    _ => Vec::new(),
                }
            }
            (true, true) => {
                let l = take_list(original, &field);
                let p = take_list(patch, &field);
                merge_slice_handler(l, p, sub, strategy, merge_key, false)?
            }
        };
        if let Some(len) = reused.filter(|len| *len == merged.len()) {
            let merged_order = order_keys(&merged, merge_key, key_kind);
            live_order[..len].clone_from_slice(&merged_order);
        }
        let order_keys_of_directive = if merge_key.is_empty() {
            order_keys(&order, merge_key, Kind::Nil)
        } else {
            validate_merge_key(merge_key, &order)?;
            order_keys(&order, merge_key, Kind::Map)
        };
        let (patch_items, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &order_keys_of_directive)
        } else {
            partition_maps(merged, &order_keys_of_directive, merge_key)?
        };
        let both = normalize_element_order(
            patch_items,
            server_only,
            &order_keys_of_directive,
            &live_order,
            merge_key,
            kind?,
        )?;
        original.insert(field.clone(), Value::Array(both));
        patch.shift_remove(&field);
    }
    Ok(())
}

/// The live list as strategicpatch sees it after merging a patch list into
/// it, as order keys. Go's `mergeSlice` edits the live list's backing array
/// in place: deleted items shift the rest left and new items fill the freed
/// tail; a merge that adds nothing writes its result over it
/// (`mergeSortedSlice` reuses the array for up to 16 items) — the returned
/// length says where that result goes once known. `$setElementOrder` then
/// orders server-only items by that array, so reproducing it keeps kubectl
/// apply's reorderings identical to kube-apiserver's.
fn live_order_after_merge(
    mut keys: OrderKeys,
    live: &[Value],
    patch: &[Value],
    merge_key: &str,
) -> (OrderKeys, Option<usize>) {
    const REUSED_ARRAY_MAX: usize = 16;
    let n = keys.len();
    let maps = live.iter().chain(patch).all(Value::is_object);
    if !maps || merge_key.is_empty() {
        // Primitives: only the write-back, when the patch adds nothing new.
        return (keys, (n <= REUSED_ARRAY_MAX).then_some(n));
    }
    let mut len = n;
    let mut replace = false;
    for item in patch {
        match item.get(DIRECTIVE_MARKER).and_then(Value::as_str) {
            Some(DELETE_DIRECTIVE) => {
                let Some(key) = item.get(merge_key) else {
                    continue;
                };
                while let Some(i) = keys[..len].iter().position(|k| k.as_ref() == Some(key)) {
                    // Go's append(s[:i], s[i+1:]...): the slot left behind
                    // keeps the old last item.
                    let last = keys[len - 1].clone();
                    keys[i..len].rotate_left(1);
                    keys[len - 1] = last;
                    len -= 1;
                }
            }
            Some(REPLACE_DIRECTIVE) => replace = true,
            _ => {}
        }
    }
    if replace {
        return (keys, None);
    }
    let mut appended = 0;
    for item in patch.iter().filter(|v| v.get(DIRECTIVE_MARKER).is_none()) {
        let key = item.get(merge_key);
        if key.is_some() && keys[..len].iter().any(|k| k.as_ref() == key) {
            continue;
        }
        if len < keys.len() {
            keys[len] = key.cloned();
        } else {
            keys.push(key.cloned());
        }
        len += 1;
        appended += 1;
    }
    keys.truncate(n);
    let reused = (appended == 0 && len <= REUSED_ARRAY_MAX).then_some(len);
    (keys, reused)
}

/// The patch list's items (deletions aside) must appear in the
/// `$setElementOrder` list, in the same relative order.
fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    if !merge_key.is_empty() {
        if let Some(bad) = patch_list.iter().find(|v| !v.is_object()) {
            return Err(bad_arg_type("map[string]interface {}", bad));
        }
    }
    let kept: Vec<&Value> = patch_list
        .iter()
        .filter(|v| merge_key.is_empty() || !is_delete_directive(v))
        .collect();
    let (mut p, mut o) = (0, 0);
    while p < kept.len() && o < order.len() {
        if kept[p].get(DIRECTIVE_MARKER).is_some() {
            p += 1;
            continue;
        }
        if merge_key_value_equal(kept[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < kept.len() && o >= order.len() {
        return Err(StrategicMergeError::Internal(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER_PREFIX} list:\n{}\n",
            gofmt::value(&Value::Array(patch_list.to_vec())),
            gofmt::value(&Value::Array(order.to_vec())),
        )));
    }
    Ok(())
}

fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    fn key<'v>(v: &'v Value, merge_key: &str) -> Result<&'v Value> {
        match v {
            Value::Object(m) => m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key)),
            other => Err(bad_arg_type("map[string]interface {}", other)),
        }
    }
    Ok(key(left, merge_key)? == key(right, merge_key)?)
}

/// The common element type of two lists (`sliceElementType`).
fn slice_element_type(a: &[Value], b: &[Value]) -> Result<Kind> {
    let mut kind = None;
    for v in a.iter().chain(b) {
        let k = kind_of(v);
        match kind {
            None if k == Kind::Slice => return Err(no_list_of_lists()),
            None => kind = Some(k),
            Some(prev) if prev != k => {
                return Err(StrategicMergeError::Internal(format!(
                    "list element types are not identical: {}",
                    gofmt::value(&Value::Array(vec![
                        Value::Array(a.to_vec()),
                        Value::Array(b.to_vec())
                    ]))
                )))
            }
            Some(_) => {}
        }
    }
    kind.ok_or_else(|| {
        StrategicMergeError::Internal("no elements in any of the given slices".into())
    })
}

fn no_list_of_lists() -> StrategicMergeError {
    StrategicMergeError::Unprocessable(super::ERR_NO_LIST_OF_LISTS.into())
}

/// Lists merge when the field's strategy is `merge` (or for a
/// `$deleteFromPrimitiveList`); otherwise the patch list replaces the original.
fn merge_slice_handler(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: PatchSchema,
    strategy: &str,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if strategy == MERGE_DIRECTIVE || is_delete_list {
        merge_slice(original, patch, schema, merge_key, is_delete_list)
    } else {
        Ok(patch)
    }
}

/// Merges two lists (`mergeSlice`): primitives are unioned (or removed for a
/// deletion list), maps are merged by their merge key, then ordered.
fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: PatchSchema,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = slice_element_type(&original, &patch)?;
    if kind != Kind::Map {
        if is_delete_list {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let server_order = order_keys(&original, merge_key, kind);
        let patch_order = order_keys(&patch, merge_key, kind);
        let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
        for v in original.into_iter().chain(patch) {
            if !merged.contains(&v) {
                merged.push(v);
            }
        }
        let (patch_items, server_only) = partition_primitives(merged, &patch_order);
        return normalize_element_order(
            patch_items,
            server_only,
            &patch_order,
            &server_order,
            merge_key,
            kind,
        );
    }
    if merge_key.is_empty() {
        return Err(StrategicMergeError::Internal(format!(
            "cannot merge lists without merge key for {}",
            schema.name()
        )));
    }
    let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key)?;
    validate_merge_key(merge_key, &original)?;
    let server_order = order_keys(&original, merge_key, kind);
    let patch_order = order_keys(&patch, merge_key, kind);
    let merged = merge_slice_without_special_elements(original, patch, merge_key, schema)?;
    let (patch_items, server_only) = partition_maps(merged, &patch_order, merge_key)?;
    normalize_element_order(
        patch_items,
        server_only,
        &patch_order,
        &server_order,
        merge_key,
        kind,
    )
}

/// Applies the `$patch` items of a list of maps: `delete` removes the items
/// with that merge key, `replace` makes the rest of the patch the whole list.
fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    if !patch.iter().any(|v| v.get(DIRECTIVE_MARKER).is_some()) {
        return Ok((original, patch));
    }
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    for v in patch {
        let Value::Object(item) = &v else {
            plain.push(v);
            continue;
        };
        let Some(directive) = item.get(DIRECTIVE_MARKER) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let Some(key_value) = item.get(merge_key) else {
                    return Err(no_merge_key(item, merge_key));
                };
                while let Some(i) = find_map(&original, merge_key, key_value)? {
                    original.remove(i);
                }
            }
            // Keep going: the other `$patch` items still leave the list.
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => {
                return Err(StrategicMergeError::Internal(
                    "merging lists cannot yet be specified in the patch".into(),
                ))
            }
            _ => return Err(bad_patch_type(directive, item)),
        }
    }
    Ok(if replace {
        (plain, Vec::new())
    } else {
        (original, plain)
    })
}

/// Merges each patch item into the original item with the same merge key,
/// or appends it.
fn merge_slice_without_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    schema: PatchSchema,
) -> Result<Vec<Value>> {
    for v in patch {
        let Value::Object(item) = v else {
            return Err(bad_arg_type("map[string]interface {}", &v));
        };
        let Some(key_value) = item.get(merge_key) else {
            return Err(no_merge_key(&item, merge_key));
        };
        let found = find_map(&original, merge_key, key_value)?;
        match found.and_then(|i| original[i].as_object_mut()) {
            Some(o) => {
                let merged = merge_map(std::mem::take(o), item, schema)?;
                *o = merged;
            }
            None => original.push(Value::Object(item)),
        }
    }
    Ok(original)
}
