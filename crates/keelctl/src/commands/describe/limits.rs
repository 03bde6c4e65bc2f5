//! LimitRange tables: the LimitRange describer and the summary the
//! Namespace describer prints.

use super::writer::{name_namespace, str_at, text, PrefixWriter, L0};
use serde_json::Value;

const COLUMNS: &str =
    "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n";
const RULES: &str =
    "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n";

/// `describeLimitRangeSpec`: one row per limit item and resource, `-` for
/// unset values. kubectl walks the resources of an item in Go map order
/// (random); here they are sorted.
pub fn limit_range_rows(w: &mut PrefixWriter, lr: &Value, prefix: &str) {
    for item in lr
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut names: Vec<&String> = [
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ]
        .iter()
        .filter_map(|f| item.get(*f).and_then(Value::as_object))
        .flat_map(|m| m.keys())
        .collect();
        names.sort();
        names.dedup();
        for k in names {
            let get = |f: &str| {
                item.get(f)
                    .and_then(|m| m.get(k.as_str()))
                    .map(text)
                    .unwrap_or_else(|| "-".into())
            };
            w.write(
                L0,
                &format!(
                    "{prefix}{}\t{k}\t{}\t{}\t{}\t{}\t{}\n",
                    str_at(item, "/type"),
                    get("min"),
                    get("max"),
                    get("defaultRequest"),
                    get("default"),
                    get("maxLimitRequestRatio")
                ),
            );
        }
    }
}

/// `DescribeLimitRanges`: every limit range of a namespace in one table.
pub fn limit_ranges_summary(w: &mut PrefixWriter, ranges: &[Value]) {
    if ranges.is_empty() {
        w.write(L0, "No LimitRange resource.\n");
        return;
    }
    w.write(L0, &format!("Resource Limits\n {COLUMNS}"));
    w.write(L0, &format!(" {RULES}"));
    for lr in ranges {
        limit_range_rows(w, lr, " ");
    }
}

/// kubectl's `describeLimitRange` (no events section).
pub fn describe_limit_range(lr: &Value) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, lr, true);
    w.write(L0, COLUMNS);
    w.write(L0, RULES);
    limit_range_rows(&mut w, lr, "");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_per_resource_with_dashes() {
        let lr = json!({"metadata": {"name": "l", "namespace": "n"},
            "spec": {"limits": [{"type": "PersistentVolumeClaim", "max": {"storage": "2Gi"}}]}});
        assert_eq!(
            describe_limit_range(&lr),
            "Name:                  l\nNamespace:             n\nType                   Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio\n----                   --------  ---  ---  ---------------  -------------  -----------------------\nPersistentVolumeClaim  storage   -    2Gi  -                -              -\n"
        );
    }
}
