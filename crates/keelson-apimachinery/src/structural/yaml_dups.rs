//! Duplicate keys in a YAML document, as go-yaml's strict mode reports them
//! (`line 5: key "name" already set in map`).
//!
//! A line scanner over block mappings and sequences, which is how people
//! write manifests; keys inside flow collections (`{a: 1, a: 2}`) and in
//! block scalars are not looked at.

use crate::validation::go_quote;
use std::collections::HashSet;

/// Each duplicate key of the first document, in order: `line N: key "k" already set in map`.
pub fn duplicate_keys(yaml: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(yaml);
    // Open block mappings, innermost last: (column of their keys, keys seen).
    let mut maps: Vec<(usize, HashSet<String>)> = Vec::new();
    let mut out = Vec::new();
    // A block scalar (`|`, `>`) swallows lines indented deeper than its key.
    let mut block_scalar_indent: Option<usize> = None;
    let mut started = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(limit) = block_scalar_indent {
            if indent > limit {
                continue;
            }
            block_scalar_indent = None;
        }
        if indent == 0 && (trimmed.starts_with("---") || trimmed.starts_with("...")) {
            if started {
                break;
            }
            continue;
        }
        started = true;
        // Sequence items: `- ` opens a new item whose content starts further right.
        let mut column = indent;
        let mut content = trimmed;
        while let Some(rest) = content
            .strip_prefix('-')
            .filter(|r| r.is_empty() || r.starts_with(' '))
        {
            maps.retain(|(c, _)| *c <= column);
            let spaces = rest.len() - rest.trim_start_matches(' ').len();
            column += 1 + spaces;
            content = rest.trim_start_matches(' ');
            // A fresh item: a mapping at the item's column starts anew.
            maps.retain(|(c, _)| *c < column);
        }
        let Some(key) = mapping_key(content) else {
            continue;
        };
        maps.retain(|(c, _)| *c <= column);
        match maps.last_mut() {
            Some((c, keys)) if *c == column => {
                if !keys.insert(key.clone()) {
                    out.push(format!(
                        "line {}: key {} already set in map",
                        index + 1,
                        go_quote(&key)
                    ));
                }
            }
            _ => maps.push((column, HashSet::from([key.clone()]))),
        }
        let after = content[content.find(':').unwrap_or(0) + 1..].trim();
        if after.starts_with('|') || after.starts_with('>') {
            block_scalar_indent = Some(column);
        }
    }
    out
}

/// The key of a `key: value` (or `key:`) line, unquoted.
fn mapping_key(content: &str) -> Option<String> {
    let (key, rest) = if let Some(quote @ ('"' | '\'')) = content.chars().next() {
        let end = content[1..].find(quote)? + 1;
        (content[1..end].to_string(), &content[end + 1..])
    } else {
        if content.starts_with(['{', '[', '&', '*', '!', '|', '>', '?']) {
            return None;
        }
        let colon = content
            .char_indices()
            .find(|&(i, c)| c == ':' && content[i + 1..].chars().next().is_none_or(|n| n == ' '))?
            .0;
        if content[..colon].contains(" #") {
            return None;
        }
        (content[..colon].trim_end().to_string(), &content[colon..])
    };
    let rest = rest.trim_start();
    let after = rest.strip_prefix(':')?;
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_apiserver_test_body() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  name: y\n  unknownMeta: a\n  labels:\n    app: nginx\nspec:\n  unknown1: val1\n  unknownDupe: valDupe\n  unknownDupe: valDupe2\n  paused: true\n  paused: false\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:latest\n        unknownNested: val1\n        imagePullPolicy: Always\n        imagePullPolicy: Never";
        assert_eq!(
            duplicate_keys(yaml.as_bytes()),
            [
                r#"line 5: key "name" already set in map"#,
                r#"line 12: key "unknownDupe" already set in map"#,
                r#"line 14: key "paused" already set in map"#,
                r#"line 28: key "imagePullPolicy" already set in map"#,
            ]
        );
    }

    #[test]
    fn sibling_mappings_are_separate() {
        let yaml = "a:\n  x: 1\nb:\n  x: 2\nlist:\n- name: a\n  v: 1\n- name: b\n  v: 2\n-   name: c\n    name: d\n";
        assert_eq!(
            duplicate_keys(yaml.as_bytes()),
            [r#"line 11: key "name" already set in map"#]
        );
    }

    #[test]
    fn block_scalars_and_quotes() {
        let yaml = "data:\n  script: |\n    a: 1\n    a: 2\n  \"q\": 1\n  q: 2\n";
        assert_eq!(
            duplicate_keys(yaml.as_bytes()),
            [r#"line 6: key "q" already set in map"#]
        );
    }

    #[test]
    fn first_document_only() {
        assert!(duplicate_keys(b"a: 1\n---\na: 2\n").is_empty());
    }
}
