//! `keelctl explain`: a resource's documentation from the server's
//! OpenAPI v3 document, in kubectl's plaintext layout (kubectl's
//! `explain/v2` template: KIND/VERSION header, FIELD line, DESCRIPTION
//! wrapped at 80 columns, FIELDS with types and `-required-`).

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers;
use keelson_apimachinery::gvk::GroupVersionResource;
use keelson_client::restmapper::MappingError;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Flags of `keelctl explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// RESOURCE[.FIELD...], e.g. `pods.spec.containers`.
    resource: Option<String>,
    /// Get different explanations for particular API version (API group/version).
    #[arg(long)]
    api_version: Option<String>,
    /// Print the fields of fields.
    #[arg(short = 'R', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    recursive: bool,
    /// Maximum recursion depth with --recursive (0: no limit).
    #[arg(long, default_value_t = 0)]
    max_depth: usize,
    /// Format in which to render the schema (plaintext).
    #[arg(short = 'o', long, default_value = "plaintext")]
    output: String,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let Some(input) = args.resource.clone() else {
        return Err(CmdError::new(
            "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.",
        ));
    };
    if args.output != "plaintext" {
        return Err(CmdError::new(format!(
            "unrecognized format: {}",
            args.output
        )));
    }
    let (mut gvr, fields) = split_resource(f, &input).await?;
    if let Some(api_version) = &args.api_version {
        match api_version.split_once('/') {
            Some((g, v)) => (gvr.group, gvr.version) = (g.to_string(), v.to_string()),
            None => (gvr.group, gvr.version) = (String::new(), api_version.clone()),
        }
    }
    let client = f.client()?;
    let index = client.get().abs_path("/openapi/v3").json().await?;
    let gv_path = if gvr.group.is_empty() {
        format!("api/{}", gvr.version)
    } else {
        format!("apis/{}/{}", gvr.group, gvr.version)
    };
    let gvr_text = format!("{}/{}, Resource={}", gvr.group, gvr.version, gvr.resource);
    let Some(url) = index.pointer(&format!(
        "/paths/{}/serverRelativeURL",
        gv_path.replace('/', "~1")
    )) else {
        return Err(CmdError::new(format!(
            "couldn't find resource for {gvr_text:?}"
        )));
    };
    let url = url.as_str().unwrap_or_default().to_string();
    let document = client.get().request_uri(&url).json().await?;
    let max_depth = if args.recursive { args.max_depth } else { 0 };
    let explainer = Explainer {
        doc: &document,
        recursive: args.recursive,
        max_depth,
    };
    let (text, error) = explainer.render(&gvr, &fields);
    // kubectl's template streams: what was rendered before a failure is printed.
    printers::write_out(&mut std::io::stdout(), &text)?;
    match error {
        Some(e) => Err(CmdError::raw(e)),
        None => Ok(()),
    }
}

/// kubectl's `SplitAndParseResourceRequestWithMatchingPrefix`: the
/// resources the first dotted part names, in priority order; the first
/// whose `resource[.group]` starts the input wins and the rest is the field
/// path; else the first resource with the remaining parts as the path.
async fn split_resource(
    f: &mut Factory,
    input: &str,
) -> CmdResult<(GroupVersionResource, Vec<String>)> {
    let input = input.trim_end_matches('.');
    let parts: Vec<&str> = input.split('.').collect();
    let mapper = f.rest_mapper()?;
    let first = GroupVersionResource::new("", "", parts[0]);
    let mut gvrs = {
        let m = mapper
            .mapper()
            .await
            .map_err(crate::commands::get::mapping_error)?;
        m.resources_for(&m.expand_shortcut(&first))
    };
    if gvrs.is_empty() {
        // Let the refreshing mapper look again (or word the failure).
        match mapper.resource_for(&first).await {
            Ok(gvr) => gvrs.push(gvr),
            Err(MappingError::NoResourceMatch(_) | MappingError::UnknownResourceType(_)) => {
                return Err(CmdError::raw(format!(
                    "the server doesn't have a resource type {:?}",
                    parts[0]
                )));
            }
            Err(e) => return Err(crate::commands::get::mapping_error(e)),
        }
    }
    for gvr in &gvrs {
        let group_resource = if gvr.group.is_empty() {
            gvr.resource.clone()
        } else {
            format!("{}.{}", gvr.resource, gvr.group)
        };
        if let Some(suffix) = input.strip_prefix(group_resource.as_str()) {
            let fields = if suffix.is_empty() {
                Vec::new()
            } else {
                suffix.split('.').skip(1).map(str::to_string).collect()
            };
            return Ok((gvr.clone(), fields));
        }
    }
    let fields = parts[1..].iter().map(|s| s.to_string()).collect();
    Ok((gvrs[0].clone(), fields))
}

/// The plaintext template over one OpenAPI v3 document.
struct Explainer<'d> {
    doc: &'d Value,
    recursive: bool,
    max_depth: usize,
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// `additionalProperties` holding a schema (not `true`/`false`).
fn additional(schema: &Value) -> Option<&Value> {
    schema.get("additionalProperties").filter(|a| a.is_object())
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

impl<'d> Explainer<'d> {
    /// The template's `resolveRef`: `#/components/schemas/X` in the document.
    fn resolve(&self, reference: &str) -> Option<&'d Value> {
        let fragment = reference.strip_prefix('#')?;
        let mut cur = self.doc;
        for k in fragment.split('/').filter(|k| !k.is_empty()) {
            cur = cur.get(k).filter(|v| v.is_object())?;
        }
        Some(cur)
    }

    fn resolved<'s>(&self, schema: &'s Value) -> &'s Value
    where
        'd: 's,
    {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
            .unwrap_or(schema)
    }

    /// The text, and the error that stopped it early if any.
    fn render(&self, gvr: &GroupVersionResource, fields: &[String]) -> (String, Option<String>) {
        let prefix = if gvr.group.is_empty() {
            "/api".to_string()
        } else {
            format!("/apis/{}", gvr.group)
        };
        let (v, r) = (&gvr.version, &gvr.resource);
        let searches = [
            format!("{prefix}/{v}/{r}"),
            format!("{prefix}/{v}/{r}/{{name}}"),
            format!("{prefix}/{v}/namespaces/{{namespace}}/{r}"),
            format!("{prefix}/{v}/namespaces/{{namespace}}/{r}/{{name}}"),
        ];
        let paths = self.doc.get("paths");
        let gvk = searches.iter().find_map(|p| {
            let element = paths?.get(p)?;
            ["get", "post", "put", "patch", "delete"]
                .iter()
                .find_map(|m| {
                    element
                        .get(*m)?
                        .get("x-kubernetes-group-version-kind")
                        .filter(|g| g.is_object())
                })
        });
        let Some(gvk) = gvk else {
            let e = format!(
                "error: GVR ({}/{}, Resource={}) not found in OpenAPI schema",
                gvr.group, v, r
            );
            return (String::new(), Some(e));
        };
        let mut out = String::new();
        if !str_of(gvk, "group").is_empty() {
            out.push_str(&format!("GROUP:      {}\n", str_of(gvk, "group")));
        }
        out.push_str(&format!(
            "KIND:       {}\nVERSION:    {}\n\n",
            str_of(gvk, "kind"),
            str_of(gvk, "version")
        ));
        let schemas = self
            .doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let mut names: Vec<&String> = schemas.map(|s| s.keys().collect()).unwrap_or_default();
        names.sort();
        let found = names.into_iter().find_map(|name| {
            let schema = &schemas?[name];
            let gvks = schema.get("x-kubernetes-group-version-kind")?.as_array()?;
            gvks.contains(gvk).then_some(schema)
        });
        let Some(schema) = found else {
            let e = format!(
                "error: GVK map[group:{} kind:{} version:{}] not found in OpenAPI schema",
                str_of(gvk, "group"),
                str_of(gvk, "kind"),
                str_of(gvk, "version")
            );
            return (out, Some(e));
        };
        let body = self.output(schema, &HashSet::new(), fields);
        if body.is_empty() {
            let last = fields.last().map(String::as_str).unwrap_or_default();
            return (out, Some(format!("error: field {last:?} does not exist")));
        }
        out.push_str(&body);
        out.push('\n');
        (out, None)
    }

    /// The template's `output`: follow the field path, then print the schema.
    fn output(&self, schema: &Value, history: &HashSet<String>, path: &[String]) -> String {
        let reference = str_of(schema, "$ref");
        let mut next = history.clone();
        next.insert(reference.to_string());
        let resolved = self.resolved(schema);
        if path.is_empty() {
            let mut out = String::from("DESCRIPTION:\n");
            let description = self.description(resolved);
            let description = if description.is_empty() {
                "<empty>".to_string()
            } else {
                description
            };
            out.push_str(&indent(4, &wrap(76, &description)));
            out.push('\n');
            let fields = self.field_list(resolved, 1, &HashSet::new());
            if !fields.is_empty() {
                out.push_str("FIELDS:\n");
                out.push_str(&fields);
            }
            return out;
        }
        if !reference.is_empty() && history.contains(reference) {
            return String::new();
        }
        if let Some(sub) = properties(resolved).and_then(|p| p.get(&path[0])) {
            let mut out = String::new();
            if path.len() == 1 {
                out.push_str(&format!(
                    "FIELD: {} <{}>\n\n\n",
                    path[0],
                    self.type_guess(sub)
                ));
            }
            out.push_str(&self.output(sub, &HashSet::new(), &path[1..]));
            return out;
        }
        if let Some(items) = resolved.get("items") {
            return self.output(items, &next, path);
        }
        if let Some(add) = additional(resolved) {
            return self.output(add, &next, path);
        }
        for sub in resolved
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let out = self.output(sub, &next, path);
            if !out.is_empty() {
                return out;
            }
        }
        String::new()
    }

    /// The template's `description`: the schema's own and its parts'.
    fn description(&self, schema: &Value) -> String {
        let s = self.resolved(schema);
        let mut out = String::new();
        if let Some(d) = s
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
        {
            out.push_str(d);
            out.push('\n');
        }
        for sub in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push_str(&self.description(sub));
        }
        if let Some(items) = s.get("items") {
            out.push_str(&self.description(items));
        }
        if let Some(add) = additional(s) {
            out.push_str(&self.description(add));
        }
        out
    }

    /// The template's `fieldList`, cycles cut by the `$ref`s seen.
    fn field_list(&self, schema: &Value, level: usize, history: &HashSet<String>) -> String {
        let reference = str_of(schema, "$ref");
        if !reference.is_empty() && history.contains(reference) {
            return String::new();
        }
        if self.max_depth > 0 && level > self.max_depth {
            return String::new();
        }
        let mut next = history.clone();
        next.insert(reference.to_string());
        let resolved = self.resolved(schema);
        let mut out = String::new();
        if let Some(props) = properties(resolved) {
            let mut names: Vec<&String> = props.keys().collect();
            names.sort();
            for name in names {
                out.push_str(&self.field_detail(name, resolved, level));
                if self.recursive {
                    out.push_str(&self.field_list(&props[name], level + 1, &next));
                }
            }
        }
        for sub in resolved
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push_str(&self.field_list(sub, level, &next));
        }
        if let Some(items) = resolved.get("items") {
            out.push_str(&self.field_list(items, level, &next));
        }
        if let Some(add) = additional(resolved) {
            out.push_str(&self.field_list(add, level, &next));
        }
        out
    }

    /// The template's `fieldDetail`: `name\t<type> -required-` and, unless
    /// recursive, the wrapped description.
    fn field_detail(&self, name: &str, parent: &Value, level: usize) -> String {
        let pad = level * 2;
        let field = &parent["properties"][name];
        let required = parent
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)));
        let mut out = format!("{}{name}\t<{}>", " ".repeat(pad), self.type_guess(field));
        if required {
            out.push_str(" -required-");
        }
        out.push('\n');
        if !self.recursive {
            let description = str_of(field, "description");
            let description = if description.is_empty() {
                "<no description>"
            } else {
                description
            };
            out.push_str(&indent(pad + 2, &wrap(78 - pad, description)));
            out.push_str("\n\n");
        }
        out
    }

    /// The template's `typeGuess`: `string`, `[]Container`, `map[string]string`, `Object`.
    fn type_guess(&self, schema: &Value) -> String {
        if let Some(items) = schema.get("items") {
            return format!("[]{}", self.type_guess(items));
        }
        if let Some(add) = additional(schema) {
            return format!("map[string]{}", self.type_guess(add));
        }
        if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            if properties(schema).is_none() {
                return self.type_guess(only);
            }
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target_type = self.resolve(reference).map(|r| str_of(r, "type"));
            return match target_type {
                None | Some("") | Some("object") => {
                    let name = reference.rsplit('/').next().unwrap_or_default();
                    let short = name.rsplit('.').next().unwrap_or_default();
                    if short.is_empty() {
                        "Object".into()
                    } else {
                        short.into()
                    }
                }
                Some(t) => t.into(),
            };
        }
        match str_of(schema, "type") {
            "object" | "" => "Object".into(),
            t => t.into(),
        }
    }
}

/// The template's `indent`: `n` spaces before the text and after every newline.
fn indent(n: usize, text: &str) -> String {
    let pad = " ".repeat(n);
    format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
}

/// mitchellh/go-wordwrap's `WrapString`: breaks at whitespace so lines stay
/// within `limit` where words allow; longer words stand alone.
pub fn wrap(limit: usize, s: &str) -> String {
    let mut buf = String::with_capacity(s.len());
    let mut current = 0usize;
    let (mut word, mut space) = (String::new(), String::new());
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in s.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= limit {
                    buf.push_str(&space);
                }
            } else {
                buf.push_str(&space);
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            space.clear();
            space_len = 0;
            buf.push('\n');
            current = 0;
        } else if c.is_whitespace() && c != '\u{a0}' {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                buf.push_str(&space);
                buf.push_str(&word);
                space.clear();
                word.clear();
                space_len = 0;
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + space_len + word_len > limit && word_len < limit {
                buf.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= limit {
            buf.push_str(&space);
        }
    } else {
        buf.push_str(&space);
        buf.push_str(&word);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wraps_like_go_wordwrap() {
        assert_eq!(wrap(10, "aaa bbb ccc ddd"), "aaa bbb\nccc ddd");
        assert_eq!(wrap(5, "averyverylongword x"), "averyverylongword\nx");
        assert_eq!(wrap(76, "one\ntwo\n"), "one\ntwo\n");
        assert_eq!(indent(4, "a\nb\n"), "    a\n    b\n    ");
    }

    fn doc() -> Value {
        json!({
            "paths": {"/api/v1/namespaces/{namespace}/widgets": {"get": {
                "x-kubernetes-group-version-kind": {"group": "", "kind": "Widget", "version": "v1"}}}},
            "components": {"schemas": {
                "io.example.Widget": {
                    "description": "A widget.",
                    "required": ["spec"],
                    "properties": {
                        "spec": {"description": "The spec.", "allOf": [{"$ref": "#/components/schemas/io.example.Spec"}]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}}
                    },
                    "x-kubernetes-group-version-kind": [{"group": "", "kind": "Widget", "version": "v1"}]
                },
                "io.example.Spec": {"description": "Spec of a widget.", "type": "object",
                    "properties": {"size": {"type": "integer", "description": "How big."}}}
            }}
        })
    }

    #[test]
    fn renders_kubectls_plaintext() {
        let d = doc();
        let e = Explainer {
            doc: &d,
            recursive: false,
            max_depth: 0,
        };
        let gvr = GroupVersionResource::new("", "v1", "widgets");
        assert_eq!(
            e.render(&gvr, &[]).0,
            "KIND:       Widget\nVERSION:    v1\n\nDESCRIPTION:\n    A widget.\n    \nFIELDS:\n  \
             labels\t<map[string]string>\n    <no description>\n\n  \
             spec\t<Spec> -required-\n    The spec.\n\n  \
             tags\t<[]string>\n    <no description>\n\n\n"
        );
        assert_eq!(
            e.render(&gvr, &["spec".into()]).0,
            "KIND:       Widget\nVERSION:    v1\n\nFIELD: spec <Spec>\n\n\nDESCRIPTION:\n    The spec.\n    Spec of a widget.\n    \nFIELDS:\n  size\t<integer>\n    How big.\n\n\n"
        );
        assert_eq!(
            e.render(&gvr, &["nope".into()]),
            (
                "KIND:       Widget\nVERSION:    v1\n\n".into(),
                Some("error: field \"nope\" does not exist".into())
            )
        );
        let r = Explainer {
            doc: &d,
            recursive: true,
            max_depth: 0,
        };
        assert!(r
            .render(&gvr, &[])
            .0
            .contains("  spec\t<Spec> -required-\n    size\t<integer>\n"));
    }
}
