//! kubectl's output printers, shared by every command.
//!
//! How to use them:
//!
//! - Parse `-o`/`--output` once: [`OutputFormat::parse`]`(args.output.as_deref())`
//!   (`None` is the human-readable default). Its errors are kubectl's
//!   (`unable to match a printer suitable for the output format "foo", ...`).
//!   With kubectl's `--template` flag use
//!   [`OutputFormat::parse_with_template`] instead.
//! - Print what the server returned with [`print_object`]`(&obj, &format, &mut stdout)`:
//!   json, yaml, kyaml, name, jsonpath, jsonpath-as-json, go-template, custom-columns (a
//!   `kind: List` object prints every item where kubectl does). For the
//!   human-readable formats it prints kubectl's default `NAME AGE` table;
//!   `get` prints the server's Table through [`table::TablePrinter`] instead.
//! - After a mutation without `-o`, print kubectl's success line with
//!   [`success_line`]`(&obj, "created", DryRun::None)` → `deployment.apps/web created`
//!   (`(dry run)` / `(server dry run)` appended as kubectl does).
//! - [`resource_name`] gives `kind[.group]/name` alone (`-o name`).
//! - `-o json|yaml` hide `metadata.managedFields` unless `--show-managed-fields`:
//!   call [`strip_managed_fields`] first.

pub mod custom_columns;
pub mod gofmt;
pub mod gotemplate;
pub mod jsonpath;
pub mod kyaml;
pub mod table;
pub mod tabwriter;

use crate::error::{CmdError, CmdResult};
pub use jsonpath::sort_keys;
use jsonpath::JsonPath;
use keelson_apimachinery::codec;
use serde_json::Value;
use std::io::Write;

/// The formats kubectl lists when `-o` names none of them.
const ALLOWED_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,wide,yaml";

/// What `-o` asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormat {
    /// No `-o`: the server's table.
    Default,
    /// `-o wide`: the table with its priority columns.
    Wide,
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o kyaml`: KYAML, kubectl's flow-style YAML.
    Kyaml,
    /// `-o name`: `kind.group/name`.
    Name,
    /// `-o jsonpath=...`, `jsonpath-file=...`, `jsonpath-as-json=...`.
    JsonPath {
        /// The template as given (kubectl quotes it in errors).
        template: String,
        /// The parsed template.
        path: JsonPath,
        /// `jsonpath-as-json`.
        as_json: bool,
    },
    /// `-o custom-columns=...` or `custom-columns-file=...`.
    CustomColumns(Vec<custom_columns::Column>),
    /// `-o go-template=...`, `go-template-file=...`, `template=...`, `templatefile=...`.
    GoTemplate(gotemplate::GoTemplate),
}

impl OutputFormat {
    /// Parses `-o` (`None` when not given).
    pub fn parse(output: Option<&str>) -> CmdResult<OutputFormat> {
        let Some(output) = output.filter(|o| !o.is_empty()) else {
            return Ok(OutputFormat::Default);
        };
        let (name, arg) = match output.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (output, None),
        };
        match (name, arg) {
            ("wide", None) => Ok(OutputFormat::Wide),
            ("json", None) => Ok(OutputFormat::Json),
            ("yaml", None) => Ok(OutputFormat::Yaml),
            ("kyaml", None) => Ok(OutputFormat::Kyaml),
            ("name", None) => Ok(OutputFormat::Name),
            ("jsonpath" | "jsonpath-as-json", arg) => {
                jsonpath_format(arg.unwrap_or_default(), name == "jsonpath-as-json")
            }
            ("jsonpath-file", arg) => {
                let file = arg.unwrap_or_default();
                if file.is_empty() {
                    return Err(CmdError::new("template format specified but no template file given"));
                }
                let text = std::fs::read_to_string(file)
                    .map_err(|e| CmdError::new(format!("error reading --template {file}, {}\n", go_io_error(file, &e))))?;
                jsonpath_format(&text, false)
            }
            ("go-template" | "template", arg) => go_template_format(arg.unwrap_or_default()),
            ("go-template-file" | "templatefile", arg) => {
                go_template_format(&read_template_file(arg.unwrap_or_default())?)
            }
            ("custom-columns", arg) => custom_columns::parse_spec(arg.unwrap_or_default())
                .map(OutputFormat::CustomColumns)
                .map_err(CmdError::new),
            ("custom-columns-file", arg) => {
                let file = arg.unwrap_or_default();
                let text = std::fs::read_to_string(file).map_err(|e| {
                    CmdError::new(format!("error reading template {file}, {}\n", go_io_error(file, &e)))
                })?;
                custom_columns::parse_file(&text).map(OutputFormat::CustomColumns).map_err(CmdError::new)
            }
            _ => Err(CmdError::new(format!(
                "unable to match a printer suitable for the output format {:?}, allowed formats are: {ALLOWED_FORMATS}",
                output
            ))),
        }
    }

    /// Parses `-o` together with kubectl's `--template`: a template given
    /// alone means go-template; with `-o go-template[-file]`, `template[file]`
    /// or `jsonpath[-file|-as-json]` it is that format's template (or file).
    pub fn parse_with_template(
        output: Option<&str>,
        template: Option<&str>,
    ) -> CmdResult<OutputFormat> {
        let Some(template) = template.filter(|t| !t.is_empty()) else {
            return OutputFormat::parse(output);
        };
        let output = output.filter(|o| !o.is_empty()).unwrap_or("go-template");
        match output {
            "go-template" | "template" => go_template_format(template),
            "go-template-file" | "templatefile" => go_template_format(&read_template_file(template)?),
            "jsonpath" | "jsonpath-as-json" => jsonpath_format(template, output == "jsonpath-as-json"),
            "jsonpath-file" => OutputFormat::parse(Some(&format!("jsonpath-file={template}"))),
            // The template printers take their text from --template only.
            o if o.split_once('=').is_some_and(|(name, _)| {
                matches!(
                    name,
                    "go-template" | "template" | "go-template-file" | "templatefile"
                        | "jsonpath" | "jsonpath-as-json" | "jsonpath-file"
                )
            }) =>
            {
                Err(CmdError::new(format!(
                    "unable to match a printer suitable for the output format {o:?}, allowed formats are: {ALLOWED_FORMATS}"
                )))
            }
            o => OutputFormat::parse(Some(o)),
        }
    }

    /// `--allow-missing-template-keys` for the template formats (jsonpath,
    /// go-template); other formats are unchanged.
    pub fn allow_missing_keys(self, allow: bool) -> OutputFormat {
        match self {
            OutputFormat::JsonPath {
                template,
                path,
                as_json,
            } => OutputFormat::JsonPath {
                template,
                path: path.allow_missing_keys(allow),
                as_json,
            },
            OutputFormat::GoTemplate(t) => OutputFormat::GoTemplate(t.allow_missing_keys(allow)),
            other => other,
        }
    }

    /// Whether this is the server-side table (default or wide).
    pub fn is_table(&self) -> bool {
        matches!(self, OutputFormat::Default | OutputFormat::Wide)
    }

    /// Whether kubectl strips `managedFields` for this format.
    pub fn hides_managed_fields(&self) -> bool {
        matches!(
            self,
            OutputFormat::Json | OutputFormat::Yaml | OutputFormat::Kyaml
        )
    }
}

/// Go's `*fs.PathError` text for a failed open.
fn go_io_error(path: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("open {path}: {what}")
}

/// A go-template file's text (kubectl's `--template` read error).
fn read_template_file(file: &str) -> CmdResult<String> {
    if file.is_empty() {
        return Err(CmdError::new(
            "template format specified but no template given",
        ));
    }
    std::fs::read_to_string(file).map_err(|e| {
        CmdError::new(format!(
            "error reading --template {file}, {}\n",
            go_io_error(file, &e)
        ))
    })
}

fn go_template_format(template: &str) -> CmdResult<OutputFormat> {
    if template.is_empty() {
        return Err(CmdError::new(
            "template format specified but no template given",
        ));
    }
    gotemplate::GoTemplate::parse(template)
        .map(OutputFormat::GoTemplate)
        .map_err(|e| CmdError::new(format!("error parsing template {template}, {e}\n")))
}

fn jsonpath_format(template: &str, as_json: bool) -> CmdResult<OutputFormat> {
    if template.is_empty() {
        return Err(CmdError::new(
            "template format specified but no template given",
        ));
    }
    let path = JsonPath::parse(template)
        .map_err(|e| CmdError::new(format!("error parsing jsonpath {template}, {e}\n")))?;
    Ok(OutputFormat::JsonPath {
        template: template.to_string(),
        path,
        as_json,
    })
}

/// Whether `obj` is a list whose items kubectl prints one by one.
pub fn is_list(obj: &Value) -> bool {
    obj.get("items").is_some_and(Value::is_array)
        && obj
            .get("kind")
            .and_then(Value::as_str)
            .is_none_or(|k| k.ends_with("List"))
}

fn items(obj: &Value) -> Vec<&Value> {
    if is_list(obj) {
        obj["items"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    } else {
        vec![obj]
    }
}

/// Prints `obj` (an object or a `kind: List`) in `format` to `out`.
pub fn print_object(obj: &Value, format: &OutputFormat, out: &mut impl Write) -> CmdResult {
    let text = render(obj, format, true)?;
    write_out(out, &text)
}

/// Writes text, reporting a closed pipe as kubectl does (silently failing).
pub fn write_out(out: &mut impl Write, text: &str) -> CmdResult {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CmdError::new(e.to_string()))
}

/// The text of `obj` in `format`; `headers` controls custom-columns and
/// table headers (off for the later objects of a stream). A go-template
/// that fails writes what it printed and its debugging report to stdout
/// right away, as kubectl's printer does, before the error is returned.
pub fn render(obj: &Value, format: &OutputFormat, headers: bool) -> CmdResult<String> {
    match format {
        OutputFormat::GoTemplate(t) => render_go_template(t, obj, false),
        OutputFormat::Json => Ok(codec::to_json_pretty(&sort_keys(obj))),
        OutputFormat::Yaml => Ok(codec::to_yaml(&sort_keys(obj))),
        OutputFormat::Kyaml => Ok(kyaml::to_kyaml(&sort_keys(obj))),
        OutputFormat::Name => {
            let mut s = String::new();
            for item in items(obj) {
                s.push_str(&name_line(item)?);
                s.push('\n');
            }
            Ok(s)
        }
        OutputFormat::JsonPath {
            template,
            path,
            as_json,
        } => path
            .execute(obj, *as_json)
            .map_err(|e| jsonpath_error(template, &e, obj)),
        OutputFormat::CustomColumns(columns) => {
            let mut w = tabwriter::TabWriter::new();
            if headers {
                let h: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
                w.write_str(&h.join("\t"));
                w.write_str("\n");
            }
            for item in items(obj) {
                let mut cells = Vec::new();
                for c in columns {
                    cells.push(c.value(item).map_err(CmdError::new)?);
                }
                w.write_str(&cells.join("\t"));
                w.write_str("\n");
            }
            Ok(w.flush())
        }
        OutputFormat::Default | OutputFormat::Wide => {
            let mut w = tabwriter::TabWriter::new();
            if headers {
                w.write_str("NAME\tAGE\n");
            }
            for item in items(obj) {
                let name = item
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let created = item
                    .pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str);
                w.write_str(&format!("{name}\t{}\n", age(created)));
            }
            Ok(w.flush())
        }
    }
}

/// A go-template's text for `obj` (`typed`: an object kubectl built, whose
/// field order its report keeps). On failure what was printed and the
/// debugging report go to stdout now, as kubectl's printer writes them.
pub fn render_go_template(
    t: &gotemplate::GoTemplate,
    obj: &Value,
    typed: bool,
) -> CmdResult<String> {
    let result = if typed {
        t.render_typed(obj)
    } else {
        t.render(obj)
    };
    result.map_err(|e| {
        let mut stdout = std::io::stdout();
        // A closed stdout leaves the error itself to report.
        let _ = write_out(&mut stdout, &e.stdout);
        CmdError::new(e.message)
    })
}

/// kubectl's message when a template fails on an object.
pub fn jsonpath_error(template: &str, err: &str, obj: &Value) -> CmdError {
    let details = format!(
        "Error executing template: {err}. Printing more information for debugging the template:\n\
         \ttemplate was:\n\t\t{template}\n\
         \tobject given to jsonpath engine was:\n\t\t{}\n\n",
        gofmt::sprint_go_syntax(obj)
    );
    CmdError::new(format!(
        "error executing jsonpath {}: {details}\n",
        gofmt::quote(template)
    ))
}

/// The age column of a timestamp (`<unknown>` without one), as kubectl's
/// `HumanDuration`.
pub fn age(timestamp: Option<&str>) -> String {
    let Some(t) = timestamp.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) else {
        return "<unknown>".into();
    };
    let elapsed = chrono::Utc::now().signed_duration_since(t);
    human_duration(elapsed.num_seconds())
}

/// apimachinery's `duration.HumanDuration` for whole seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    if s < 60 * 2 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        let rem = s % 60;
        return if rem == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rem}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let rem = minutes % 60;
        return if rem == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rem}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rem = hours % 24;
        let days = hours / 24;
        return if rem == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{rem}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = hours / 24;
        let rem = days % 365;
        return if rem == 0 {
            format!("{}y", days / 365)
        } else {
            format!("{}y{rem}d", days / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `kind[.group]` as kubectl prints it before a name: the kind lowercased,
/// the group from `apiVersion` when it is not the core group.
pub fn kind_group(obj: &Value) -> String {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match api_version.split_once('/') {
        Some((group, _)) if !group.is_empty() => format!("{kind}.{group}"),
        _ => kind,
    }
}

/// `kind[.group]/name` (`-o name`).
pub fn resource_name(obj: &Value) -> String {
    // kubectl says `<unknown>` for a nameless object.
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or("<unknown>");
    format!("{}/{name}", kind_group(obj))
}

fn name_line(obj: &Value) -> CmdResult<String> {
    if obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .is_empty()
    {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Err(CmdError::new(format!(
            "missing kind for resource with name {name}"
        )));
    }
    Ok(resource_name(obj))
}

/// Which dry run a mutation was (kubectl's `--dry-run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DryRun {
    /// A real change.
    #[default]
    None,
    /// `--dry-run=client`: nothing sent.
    Client,
    /// `--dry-run=server`: sent with `dryRun=All`.
    Server,
}

impl DryRun {
    /// kubectl's suffix after the verb.
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// kubectl's line after a mutation: `deployment.apps/web created (dry run)`.
pub fn success_line(obj: &Value, verb: &str, dry_run: DryRun) -> String {
    format!("{} {verb}{}", resource_name(obj), dry_run.suffix())
}

/// Drops `metadata.managedFields` from an object or every list item.
pub fn strip_managed_fields(obj: &mut Value) {
    if let Some(items) = obj.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            strip_managed_fields(item);
        }
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("managedFields");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "managedFields": [{}]}})
    }

    #[test]
    fn success_lines_and_names() {
        assert_eq!(
            success_line(&deploy(), "created", DryRun::None),
            "deployment.apps/web created"
        );
        let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "nginx"}});
        assert_eq!(
            success_line(&pod, "configured", DryRun::Server),
            "pod/nginx configured (server dry run)"
        );
        assert_eq!(
            success_line(&pod, "deleted", DryRun::Client),
            "pod/nginx deleted (dry run)"
        );
        let list = json!({"kind": "List", "items": [pod, deploy()]});
        assert_eq!(
            render(&list, &OutputFormat::Name, true).unwrap(),
            "pod/nginx\ndeployment.apps/web\n"
        );
    }

    #[test]
    fn output_flags_parse_like_kubectl() {
        assert_eq!(OutputFormat::parse(None).unwrap(), OutputFormat::Default);
        assert_eq!(
            OutputFormat::parse(Some("yaml")).unwrap(),
            OutputFormat::Yaml
        );
        let e = OutputFormat::parse(Some("foo")).unwrap_err();
        assert!(e.message.starts_with("error: unable to match a printer suitable for the output format \"foo\", allowed formats are: custom-columns,"));
        let e = OutputFormat::parse(Some("jsonpath={.x")).unwrap_err();
        assert_eq!(
            e.message,
            "error: error parsing jsonpath {.x, unclosed action\n"
        );
        let e = OutputFormat::parse(Some("jsonpath")).unwrap_err();
        assert_eq!(
            e.message,
            "error: template format specified but no template given"
        );
    }

    #[test]
    fn json_and_yaml_sort_keys() {
        let mut d = deploy();
        strip_managed_fields(&mut d);
        assert_eq!(
            render(&d, &OutputFormat::Json, true).unwrap(),
            "{\n    \"apiVersion\": \"apps/v1\",\n    \"kind\": \"Deployment\",\n    \"metadata\": {\n        \"name\": \"web\"\n    }\n}\n"
        );
        assert_eq!(
            render(&d, &OutputFormat::Yaml, true).unwrap(),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        );
    }

    #[test]
    fn jsonpath_errors_show_the_object() {
        let f = OutputFormat::parse(Some("jsonpath={.a[2]}")).unwrap();
        let e = render(&json!({"a": [1]}), &f, true).unwrap_err();
        assert_eq!(
            e.message,
            "error: error executing jsonpath \"{.a[2]}\": Error executing template: array index out of bounds: index 2, length 1. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.a[2]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"a\":[]interface {}{1}}\n\n\n"
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3600 * 5 + 60), "5h1m");
        assert_eq!(human_duration(3600 * 24 * 3), "3d");
    }
}
