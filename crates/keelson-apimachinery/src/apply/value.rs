//! Order, equality and printing of JSON values as structured-merge-diff sees
//! them: numbers compare numerically whatever their JSON spelling, and values
//! of different types sort numbers < strings < booleans < lists < maps < null.

use serde_json::{Map, Value};
use std::cmp::Ordering;

fn rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    }
}

fn number_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Ordering {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(0.0);
            let y = b.as_f64().unwrap_or(0.0);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn sorted_entries(m: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// A total order over JSON values.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (l, r) in x.iter().zip(y) {
                let c = compare(l, r);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let (l, r) = (sorted_entries(x), sorted_entries(y));
            for ((lk, lv), (rk, rv)) in l.iter().zip(&r) {
                let c = lk.cmp(rk).then_with(|| compare(lv, rv));
                if c != Ordering::Equal {
                    return c;
                }
            }
            l.len().cmp(&r.len())
        }
        (Value::Null, Value::Null) => Ordering::Equal,
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Deep equality with numbers compared by value (`1` equals `1.0`).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(l, r)| equal(l, r))
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return false;
            }
            // Copies keep their key order: then values compare pairwise,
            // without looking keys up.
            if x.keys().zip(y.keys()).all(|(kx, ky)| kx == ky) {
                return x.values().zip(y.values()).all(|(vx, vy)| equal(vx, vy));
            }
            x.iter()
                .all(|(k, v)| y.get(k).is_some_and(|other| equal(v, other)))
        }
        _ => a == b,
    }
}

/// A value as structured-merge-diff prints it in a field path: strings
/// quoted, numbers and booleans bare, `null` for null.
pub fn to_path_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(to_path_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            sorted_entries(m)
                .iter()
                .map(|(k, v)| format!("{k}={}", to_path_string(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_sort_before_strings_and_compare_by_value() {
        assert_eq!(compare(&json!(80), &json!(443)), Ordering::Less);
        assert_eq!(compare(&json!(2), &json!("1")), Ordering::Less);
        assert_eq!(compare(&json!("a"), &json!(true)), Ordering::Less);
        assert_eq!(compare(&json!(null), &json!({})), Ordering::Greater);
        assert!(equal(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn path_strings_quote_strings_only() {
        assert_eq!(to_path_string(&json!("c")), "\"c\"");
        assert_eq!(to_path_string(&json!(80)), "80");
        assert_eq!(to_path_string(&json!(true)), "true");
    }
}
