//! kubectl's generic describer: any object as unstructured content, field
//! names turned into labels (`apiVersion` → `API Version`).

use super::events::{finish, Events};
use super::writer::{header, text, PrefixWriter, L0};
use serde_json::{Map, Value};

const SKIP: &[&str] = &[
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
];

/// kubectl's `genericDescriber.Describe`.
pub fn describe_generic(obj: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, obj, true);
    if let Some(m) = obj.as_object() {
        print_content(&mut w, L0, m, "");
    }
    finish(w, events)
}

/// `printUnstructuredContent`: fields sorted, maps and lists nested one level deeper.
fn print_content(w: &mut PrefixWriter, level: usize, content: &Map<String, Value>, prefix: &str) {
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let skip = format!("{prefix}.{field}");
        if SKIP.contains(&skip.as_str()) {
            continue;
        }
        match &content[field.as_str()] {
            Value::Object(m) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                print_content(w, level + 1, m, &skip);
            }
            Value::Array(items) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                for item in items {
                    match item {
                        Value::Object(m) => print_content(w, level + 1, m, &skip),
                        other => w.write(level + 1, &format!("{}\n", text(other))),
                    }
                }
            }
            other => w.write(
                level,
                &format!("{}:\t{}\n", smart_label(field), text(other)),
            ),
        }
    }
}

/// `smartLabelFor`: camel case split into words, a run of two or more
/// capitals joined to the capitalised word after it (`podCIDRs` is
/// `Pod CIDRs`, `insecureSkipTLSVerify` is `Insecure Skip TLSVerify`),
/// common acronyms upper-cased and lower-case words title-cased.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    const ACRONYMS: &[&str] = &["API", "URL", "UID", "GUID"];
    let parts = camel_split(field);
    let mut merged: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let part = &parts[i];
        let all_upper = part.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
        let next_capital = parts
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_uppercase);
        if part.len() >= 2 && all_upper && next_capital {
            merged.push(format!("{part}{}", parts[i + 1]));
            i += 2;
            continue;
        }
        merged.push(part.clone());
        i += 1;
    }
    merged
        .into_iter()
        .filter(|p| p != "_")
        .map(|p| {
            let upper = p.to_uppercase();
            if ACRONYMS.contains(&upper.as_str()) {
                upper
            } else if p.to_lowercase() == p {
                let mut cs = p.chars();
                match cs.next() {
                    Some(f) => f.to_uppercase().chain(cs).collect(),
                    None => p,
                }
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// fatih/camelcase's `Split`: runs of one character class, an upper-case
/// letter before lower-case ones moving to the next run.
pub fn camel_split(s: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = 0;
    for c in s.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some(r) if k == last => r.push(c),
            _ => runs.push(vec![c]),
        }
        last = k;
    }
    for i in 0..runs.len().saturating_sub(1) {
        if runs[i].first().is_some_and(|c| c.is_uppercase())
            && runs[i + 1].first().is_some_and(|c| c.is_lowercase())
        {
            if let Some(c) = runs[i].pop() {
                runs[i + 1].insert(0, c);
            }
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_from_field_names() {
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("clusterIP"), "Cluster IP");
        assert_eq!(smart_label("podCIDRs"), "Pod CIDRs");
        assert_eq!(
            smart_label("insecureSkipTLSVerify"),
            "Insecure Skip TLSVerify"
        );
        assert_eq!(smart_label("osbName"), "Osb Name");
        assert_eq!(smart_label("kind"), "Kind");
        assert_eq!(smart_label("foo_bar"), "foo_bar");
    }

    #[test]
    fn generic_output() {
        let obj = json!({"apiVersion": "v1", "kind": "X", "metadata": {"name": "a", "uid": "u"}, "spec": {"items": [1, 2], "on": true}});
        assert_eq!(
            describe_generic(&obj, None),
            "Name:         a\nNamespace:    \nLabels:       <none>\nAnnotations:  <none>\nAPI Version:  v1\nKind:         X\nMetadata:\n  UID:  u\nSpec:\n  Items:\n    1\n    2\n  On:  true\n"
        );
    }
}
