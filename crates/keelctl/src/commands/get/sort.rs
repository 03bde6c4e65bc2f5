//! `--sort-by`: kubectl orders objects (or table rows, by their embedded
//! objects) by the first value a JSONPath finds, numbers numerically and
//! strings byte by byte.

use crate::printers::custom_columns::relaxed_jsonpath;
use crate::printers::jsonpath::JsonPath;
use serde_json::Value;
use std::cmp::Ordering;

/// A parsed `--sort-by` expression.
pub struct SortBy {
    template: String,
    path: JsonPath,
}

impl SortBy {
    /// Parses `--sort-by` (`.metadata.name`, `{.metadata.name}`, `metadata.name`).
    pub fn parse(expr: &str) -> Result<SortBy, String> {
        let template = relaxed_jsonpath(expr)?;
        let path = JsonPath::parse(&template)?;
        Ok(SortBy { template, path })
    }

    /// The sort key of `obj`: the first value found, `None` when none is.
    fn key(&self, obj: &Value) -> Option<Value> {
        let results = self.path.find_results(obj).ok()?;
        results.into_iter().flatten().next().map(|v| v.into_owned())
    }

    /// `items` sorted by the key that `object_of` finds in each, or
    /// kubectl's error when no item has the field at all.
    pub fn sort<T>(
        &self,
        items: Vec<T>,
        object_of: impl Fn(&T) -> Option<&Value>,
    ) -> Result<Vec<T>, String> {
        let mut keyed: Vec<(Option<Value>, T)> = items
            .into_iter()
            .map(|item| (object_of(&item).and_then(|o| self.key(o)), item))
            .collect();
        if !keyed.is_empty() && keyed.iter().all(|(k, _)| k.is_none()) {
            return Err(format!(
                "couldn't find any field with path {:?} in the list of objects",
                self.template
            ));
        }
        // kubectl sorts with Go's sort.Sort; its `less` calls an item without
        // the field smaller than anything, and equal keys keep whatever
        // order that algorithm leaves them in.
        super::gosort::sort(&mut keyed, |a, b| less(a.0.as_ref(), b.0.as_ref()));
        Ok(keyed.into_iter().map(|(_, item)| item).collect())
    }
}

/// kubectl's `Less` over two sort keys.
fn less(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, _) => true,
        (_, None) => false,
        (Some(a), Some(b)) => order(Some(a), Some(b)) == Ordering::Less,
    }
}

fn order(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            }
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (x, y) => x.to_string().cmp(&y.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_numbers_and_strings_as_kubectl() {
        let by = SortBy::parse(".n").unwrap();
        let items = vec![
            json!({"n": 10}),
            json!({"n": 2}),
            json!({}),
            json!({"n": 3}),
        ];
        let items = by.sort(items, |v| Some(v)).unwrap();
        assert_eq!(
            items,
            vec![
                json!({}),
                json!({"n": 2}),
                json!({"n": 3}),
                json!({"n": 10})
            ]
        );
        let by = SortBy::parse("{.s}").unwrap();
        let items = vec![
            json!({"s": "pod-10"}),
            json!({"s": "pod-2"}),
            json!({"s": "a"}),
        ];
        let items = by.sort(items, |v| Some(v)).unwrap();
        assert_eq!(
            items,
            vec![
                json!({"s": "a"}),
                json!({"s": "pod-10"}),
                json!({"s": "pod-2"})
            ]
        );
    }

    #[test]
    fn missing_fields_follow_kubectl() {
        let by = SortBy::parse(".n").unwrap();
        let none = vec![json!({"a": 1}), json!({"b": 2})];
        assert_eq!(
            by.sort(none, |v| Some(v)).unwrap_err(),
            "couldn't find any field with path \"{.n}\" in the list of objects"
        );
        // Items without the field end up first and reversed: Go's insertion
        // sort with kubectl's less.
        let missing = vec![json!({"x": 1}), json!({"n": 1}), json!({"x": 2})];
        assert_eq!(
            by.sort(missing, |v| Some(v)).unwrap(),
            vec![json!({"x": 2}), json!({"x": 1}), json!({"n": 1})]
        );
    }
}
