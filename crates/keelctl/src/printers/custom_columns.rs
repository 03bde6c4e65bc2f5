//! `-o custom-columns=HEADER:.path,...` and `-o custom-columns-file=FILE`
//! (kubectl's `CustomColumnsPrinter`): one JSONPath per column, values
//! joined by commas, `<none>` when a path finds nothing.

use super::gofmt;
use super::jsonpath::JsonPath;
use super::table::escape_terminal;

/// One column: its header and the JSONPath that fills it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header, printed as given.
    pub header: String,
    /// The relaxed path turned into a template (`.metadata.name` → `{.metadata.name}`).
    pub template: String,
    path: JsonPath,
}

impl Column {
    /// The text of this column for `object`.
    pub fn value(&self, object: &serde_json::Value) -> Result<String, String> {
        let results = self.path.find_results(object)?;
        let mut values = Vec::new();
        if results.first().is_none_or(Vec::is_empty) {
            values.push("<none>".to_string());
        }
        for group in &results {
            for v in group {
                values.push(escape_terminal(&gofmt::sprint(v)));
            }
        }
        Ok(values.join(","))
    }
}

fn column(header: &str, path: &str) -> Result<Column, String> {
    let template = relaxed_jsonpath(path)?;
    let parsed = JsonPath::parse(&template)?;
    Ok(Column {
        header: header.to_string(),
        template,
        path: parsed,
    })
}

/// kubectl's `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`.
pub fn relaxed_jsonpath(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let inner = path
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path);
    let inner = inner.strip_prefix('.').unwrap_or(inner);
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".into());
    }
    Ok(format!("{{.{inner}}}"))
}

/// Parses `NAME:.metadata.name,IMAGE:.spec.containers[*].image`.
pub fn parse_spec(spec: &str) -> Result<Vec<Column>, String> {
    if spec.is_empty() {
        return Err("custom-columns format specified but no custom columns given".into());
    }
    let mut columns = Vec::new();
    for part in spec.split(',') {
        let Some((header, path)) = part.split_once(':') else {
            return Err(format!(
                "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
            ));
        };
        columns.push(column(header, path)?);
    }
    Ok(columns)
}

/// Parses a custom-columns file: a line of headers, then a line of paths,
/// separated by whitespace.
pub fn parse_file(text: &str) -> Result<Vec<Column>, String> {
    let mut lines = text.lines();
    let headers: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let specs: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if headers.len() != specs.len() {
        return Err(format!(
            "number of headers ({}) and field specifications ({}) don't match",
            headers.len(),
            specs.len()
        ));
    }
    headers
        .iter()
        .zip(&specs)
        .map(|(h, s)| column(h, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn specs_and_values() {
        let cols = parse_spec("NAME:.metadata.name,IMAGES:spec.c[*].image,X:{.missing}").unwrap();
        let obj =
            json!({"metadata": {"name": "p"}, "spec": {"c": [{"image": "a"}, {"image": "b"}]}});
        let values: Vec<String> = cols.iter().map(|c| c.value(&obj).unwrap()).collect();
        assert_eq!(values, ["p", "a,b", "<none>"]);
        assert_eq!(cols[1].template, "{.spec.c[*].image}");
    }

    #[test]
    fn bad_specs_are_kubectls_errors() {
        assert_eq!(
            parse_spec("NAME").unwrap_err(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            parse_spec("").unwrap_err(),
            "custom-columns format specified but no custom columns given"
        );
        assert_eq!(
            parse_file("A B\n.a\n").unwrap_err(),
            "number of headers (2) and field specifications (1) don't match"
        );
    }
}
