//! kubectl's go-template printer (`-o go-template=`, `go-template-file=`,
//! `template=`, `templatefile=`, `--template`): Go's text/template, written
//! here in Rust, run over the object as kubectl hands it over (JSON decoded
//! into `map[string]interface{}`, integers as `int64`), with kubectl's
//! extra `exists` and `base64decode` functions and its error reports.
//!
//! [`GoTemplate::parse`] checks the template when `-o` is parsed;
//! [`GoTemplate::render`] runs it on one object (a list is one object too).

mod exec;
mod funcs;
mod lexer;
mod node;
mod parser;
mod value;

use crate::printers::{gofmt, jsonpath::sort_keys};
use serde_json::Value;

/// A parsed go-template and how it treats missing keys.
#[derive(Debug, Clone)]
pub struct GoTemplate {
    raw: String,
    tree: parser::Tree,
    missing_key_error: bool,
}

impl PartialEq for GoTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw && self.missing_key_error == other.missing_key_error
    }
}

/// A failed execution: what kubectl prints on stdout (the output so far
/// and its debugging report) and the error it then exits with.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError {
    /// Text for stdout.
    pub stdout: String,
    /// The error, without kubectl's `error: ` prefix.
    pub message: String,
}

impl GoTemplate {
    /// Parses a template; the error is text/template's
    /// (`template: output:1: unexpected EOF`).
    pub fn parse(text: &str) -> Result<GoTemplate, String> {
        Ok(GoTemplate {
            raw: text.to_string(),
            tree: parser::parse(text)?,
            missing_key_error: false,
        })
    }

    /// `--allow-missing-template-keys`: when false, a missing key is an
    /// error instead of `<no value>`.
    pub fn allow_missing_keys(mut self, allow: bool) -> GoTemplate {
        self.missing_key_error = !allow;
        self
    }

    /// Runs the template on `obj`, an unstructured object: its debugging
    /// report shows the raw JSON with sorted keys, as Go marshals a map.
    pub fn render(&self, obj: &Value) -> Result<String, RenderError> {
        self.execute(obj, true)
    }

    /// Runs the template on a typed object (one kubectl builds itself, as
    /// `create configmap`): the raw JSON in the report keeps its field order.
    pub fn render_typed(&self, obj: &Value) -> Result<String, RenderError> {
        self.execute(obj, false)
    }

    fn execute(&self, obj: &Value, sort_raw: bool) -> Result<String, RenderError> {
        let mut out = String::new();
        match exec::execute(&self.tree, obj, self.missing_key_error, &mut out) {
            Ok(()) => Ok(out),
            Err(err) => {
                let raw = if sort_raw {
                    go_json(&sort_keys(obj))
                } else {
                    go_json(obj)
                };
                out.push_str(&format!(
                    "Error executing template: {err}. Printing more information for debugging the template:\n\
                     \ttemplate was:\n\t\t{}\n\
                     \traw data was:\n\t\t{}\n\
                     \tobject given to template engine was:\n\t\t{}\n\n",
                    self.raw,
                    raw,
                    gofmt::sprint(obj)
                ));
                Err(RenderError {
                    stdout: out,
                    message: format!(
                        "error executing template {}: {err}",
                        gofmt::quote(&self.raw)
                    ),
                })
            }
        }
    }
}

/// `json.Marshal`'s compact output, which escapes `<`, `>`, `&` and the
/// line and paragraph separators.
fn go_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn render_reports_like_kubectl() {
        let t = GoTemplate::parse("{{.a}} {{index .a 5}}").unwrap();
        let e = t.render(&json!({"a": "<x>"})).unwrap_err();
        assert_eq!(e.message, "error executing template \"{{.a}} {{index .a 5}}\": template: output:1:9: executing \"output\" at <index .a 5>: error calling index: index out of range: 5");
        assert_eq!(
            e.stdout,
            "<x> Error executing template: template: output:1:9: executing \"output\" at <index .a 5>: error calling index: index out of range: 5. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{{.a}} {{index .a 5}}\n\traw data was:\n\t\t{\"a\":\"\\u003cx\\u003e\"}\n\tobject given to template engine was:\n\t\tmap[a:<x>]\n\n"
        );
        assert_eq!(t.render(&json!({"a": "xyzabc"})).unwrap(), "xyzabc 99");
    }
}
