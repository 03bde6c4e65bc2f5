//! Order of merged lists (strategicpatch's `normalizeElementOrder` and the
//! `$setElementOrder` design): items named in the patch keep the patch's
//! order, items only the server has keep the live order, and the two are
//! interleaved by the live order where both are known.
//!
//! The sorts run Go's `sort.SliceStable` algorithm with strategicpatch's
//! comparator, which is not a strict order when an item is missing from the
//! order list; reproducing the algorithm keeps those cases identical too.

use super::merge::Kind;
use super::{bad_arg_type, no_merge_key, StrategicMergeError};
use serde_json::Value;

type Result<T> = std::result::Result<T, StrategicMergeError>;

/// A list reduced to what ordering compares: each map's merge-key value
/// (`None` when missing, which matches another missing key as Go's nil
/// interfaces do), or the value itself for primitives. Cheap to keep while
/// the items themselves move into the merged list.
pub(super) type OrderKeys = Vec<Option<Value>>;

fn key_of<'a>(item: &'a Value, merge_key: &str, kind: Kind) -> Option<&'a Value> {
    if kind == Kind::Map {
        item.as_object().and_then(|m| m.get(merge_key))
    } else {
        Some(item)
    }
}

/// The order keys of `list`.
pub(super) fn order_keys(list: &[Value], merge_key: &str, kind: Kind) -> OrderKeys {
    list.iter()
        .map(|v| key_of(v, merge_key, kind).cloned())
        .collect()
}

/// Position of `item` in an order.
fn index(order: &[Option<Value>], item: &Value, merge_key: &str, kind: Kind) -> Option<usize> {
    let key = key_of(item, merge_key, kind);
    order.iter().position(|k| k.as_ref() == key)
}

/// Every item is a map carrying the merge key.
pub(super) fn validate_merge_key(merge_key: &str, list: &[Value]) -> Result<()> {
    for item in list {
        match item {
            Value::Object(m) if m.contains_key(merge_key) => {}
            Value::Object(m) => return Err(no_merge_key(m, merge_key)),
            other => return Err(bad_arg_type("map[string]interface {}", other)),
        }
    }
    Ok(())
}

/// Whether a list item is `$patch: delete`.
pub(super) fn is_delete_directive(item: &Value) -> bool {
    item.get(super::DIRECTIVE_MARKER).and_then(Value::as_str) == Some(super::DELETE_DIRECTIVE)
}

/// Splits the items to keep from the `$patch: delete` ones.
fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    if let Some(bad) = list.iter().find(|v| !v.is_object()) {
        return Err(bad_arg_type("map[string]interface {}", bad));
    }
    Ok(list.into_iter().partition(|v| !is_delete_directive(v)))
}

/// Finds the map in `list` whose `key` is `value`.
pub(super) fn find_map(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(StrategicMergeError::Internal(format!(
                "value for key {i} is not a map"
            )));
        };
        if m.get(key) == Some(value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Splits maps into those whose merge key appears in `by` and the others.
pub(super) fn partition_maps(
    merged: Vec<Value>,
    by: &[Option<Value>],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut in_patch = Vec::with_capacity(merged.len());
    let mut server_only = Vec::new();
    for v in merged {
        let found = match &v {
            Value::Object(m) => match m.get(merge_key) {
                Some(k) => by.iter().any(|b| b.as_ref() == Some(k)),
                None => return Err(no_merge_key(m, merge_key)),
            },
            other => return Err(bad_arg_type("map[string]interface {}", other)),
        };
        if found {
            in_patch.push(v);
        } else {
            server_only.push(v);
        }
    }
    Ok((in_patch, server_only))
}

/// Splits primitives into those present in `by` and the others.
pub(super) fn partition_primitives(
    merged: Vec<Value>,
    by: &[Option<Value>],
) -> (Vec<Value>, Vec<Value>) {
    merged
        .into_iter()
        .partition(|v| by.iter().any(|b| b.as_ref() == Some(v)))
}

/// Sorts `patch` by `patch_order` and `server_only` by `server_order`, then
/// interleaves them. The callers have checked the orders' merge keys.
pub(super) fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Option<Value>],
    server_order: &[Option<Value>],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted_slices(
        server_only,
        patch,
        server_order,
        merge_key,
        kind,
    ))
}

/// Sorts `to_sort` by the positions of its items in `order`; `$patch:
/// delete` items go last.
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Option<Value>],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let (to_sort, to_delete) = if kind == Kind::Map {
        validate_merge_key(merge_key, &to_sort)?;
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    let mut keyed: Vec<(Option<usize>, Value)> = to_sort
        .into_iter()
        .map(|v| (index(order, &v, merge_key, kind), v))
        .collect();
    let already_sorted = keyed
        .windows(2)
        .all(|w| matches!((w[0].0, w[1].0), (Some(a), Some(b)) if a <= b));
    if keyed.len() > 1 && !already_sorted {
        go_stable_sort(&mut keyed, |a, b| match (a.0, b.0) {
            (Some(i), Some(j)) => i < j,
            _ => true,
        });
    }
    let mut out: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
    out.extend(to_delete);
    Ok(out)
}

/// Inserts the server-only items (`left`) among the patch items (`right`):
/// a left item goes first only when both are in the live list and it comes
/// earlier there.
fn merge_sorted_slices(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Option<Value>],
    merge_key: &str,
    kind: Kind,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (
                    index(server_order, l, merge_key, kind),
                    index(server_order, r, merge_key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

/// Go's `sort.Stable`: insertion sort on blocks of 20, then SymMerge.
pub(super) fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i.saturating_sub(1) {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(data, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

fn rotate<T>(data: &mut [T], a: usize, m: usize, b: usize) {
    let (mut i, mut j) = (m - a, b - m);
    while i != j {
        if i > j {
            swap_range(data, m - i, m, j);
            i -= j;
        } else {
            swap_range(data, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(data, m - i, m, i);
}

fn swap_range<T>(data: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        data.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_stable_sort_sorts_long_inputs_stably() {
        // Pairs (key, original position): equal keys keep their order.
        let mut data: Vec<(u32, usize)> = (0..137).map(|i| ((i * 7919 % 13) as u32, i)).collect();
        go_stable_sort(&mut data, |a, b| a.0 < b.0);
        for w in data.windows(2) {
            assert!(
                w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1),
                "{w:?}"
            );
        }
    }

    #[test]
    fn go_stable_sort_with_an_unknown_item_does_not_panic() {
        let mut data: Vec<Option<usize>> = vec![Some(3), None, Some(1), Some(2), None, Some(0)];
        go_stable_sort(&mut data, |a, b| match (a, b) {
            (Some(i), Some(j)) => i < j,
            _ => true,
        });
        assert_eq!(data.len(), 6);
    }
}
