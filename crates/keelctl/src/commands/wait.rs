//! `keelctl wait --for=delete|create|condition=X[=v]|jsonpath={..}[=v]`:
//! each object is checked, then watched until the condition holds or the
//! shared deadline passes.

use crate::commands::create_generators::common::{print_object_as_is, DryRun, Output};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::jsonpath::JsonPath;
use crate::resource::{Builder, Info, VisitError};
use futures::StreamExt;
use keelson_client::{RestClient, WatchEvent};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Flags of `keelctl wait`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TYPE NAME or TYPE/NAME.
    args: Vec<String>,
    /// Identifying the resource.
    #[arg(short = 'f', long = "filename")]
    filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]].
    #[arg(long = "for")]
    for_: Vec<String>,
    /// The length of time to wait before giving up. Zero means check once and don't wait, negative means wait for a week.
    #[arg(long, default_value = "30s", allow_hyphen_values = true)]
    timeout: String,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Selector (field query) to filter on.
    #[arg(long = "field-selector")]
    field_selector: Option<String>,
    /// Select all resources in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// If present, list the requested object(s) across all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    all_namespaces: bool,
    /// Output format: name (default prints `condition met` lines).
    #[arg(short = 'o', long = "output")]
    output: Option<String>,
}

/// What to wait for.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The object is gone.
    Delete,
    /// The object exists.
    Create,
    /// `status.conditions[type=name].status == value` (case-insensitive).
    Status {
        /// Condition type.
        name: String,
        /// Wanted status.
        value: String,
    },
    /// The JSONPath yields `value` (or anything, without one).
    JsonPath {
        /// The expression as given (braces added when missing).
        expr: String,
        /// The wanted value.
        value: Option<String>,
    },
}

/// kubectl's `conditionFuncFor`.
pub fn parse_condition(text: &str) -> Result<Condition, String> {
    let lower = text.to_lowercase();
    if lower == "delete" {
        return Ok(Condition::Delete);
    }
    if lower == "create" {
        return Ok(Condition::Create);
    }
    if lower.starts_with("condition=") {
        let rest = &text["condition=".len()..];
        let (name, value) = match rest.split_once('=') {
            Some((n, v)) => (n, v),
            None => (rest, "true"),
        };
        return Ok(Condition::Status {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    if lower.starts_with("jsonpath=") {
        let rest = &text["jsonpath=".len()..];
        // The value follows the expression's closing brace.
        let (expr, value) = match rest.rfind("}=") {
            Some(i) => (&rest[..=i], Some(rest[i + 2..].to_string())),
            None => match (rest.starts_with('{'), rest.split_once('=')) {
                (false, Some((e, v))) => (e, Some(v.to_string())),
                _ => (rest, None),
            },
        };
        if expr.is_empty() {
            return Err("jsonpath expression cannot be empty".into());
        }
        let expr = if expr.starts_with('{') {
            expr.to_string()
        } else {
            // kubectl's RelaxedJSONPathExpression: `.a.b` or `a.b` → `{.a.b}`.
            format!("{{.{}}}", expr.trim_start_matches('.'))
        };
        return Ok(Condition::JsonPath { expr, value });
    }
    Err(format!("unrecognized condition: {text:?}"))
}

/// Whether `obj` meets a status or JSONPath condition.
pub fn is_met(cond: &Condition, obj: &Value) -> Result<bool, String> {
    match cond {
        Condition::Status { name, value } => {
            let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
            Ok(obj
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| {
                    let t = c.get("type").and_then(Value::as_str).unwrap_or("");
                    let s = c.get("status").and_then(Value::as_str).unwrap_or("");
                    let observed = c.get("observedGeneration").and_then(Value::as_i64);
                    // A condition about an older generation does not count.
                    let current = match (observed, generation) {
                        (Some(o), Some(g)) => o == g,
                        _ => true,
                    };
                    t.eq_ignore_ascii_case(name) && s.eq_ignore_ascii_case(value) && current
                }))
        }
        Condition::JsonPath { expr, value } => {
            let path = JsonPath::parse(expr).map_err(|e| format!("unrecognized condition: {e}"))?;
            let results = path.find_results(obj)?;
            let values: Vec<&Value> = results.iter().flatten().map(|c| c.as_ref()).collect();
            match value {
                None => Ok(!values.is_empty()),
                Some(want) => {
                    if values.len() > 1 {
                        return Err("given jsonpath expression matches more than one value".into());
                    }
                    Ok(values.first().is_some_and(|v| match v {
                        Value::Object(_) | Value::Array(_) => false,
                        other => crate::printers::gofmt::sprint(other) == *want,
                    }))
                }
            }
        }
        Condition::Delete | Condition::Create => Ok(false),
    }
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let cond = match args.for_.as_slice() {
        [one] => parse_condition(one).map_err(CmdError::new)?,
        [] => return Err(CmdError::new("unrecognized condition: []")),
        many => return Err(CmdError::new(format!("unrecognized condition: {many:?}"))),
    };
    let timeout = parse_timeout(&args.timeout)?;
    let output = match args.output.as_deref() {
        None | Some("") => Output::Success,
        Some("name") => Output::Name,
        Some("json") => Output::Json,
        Some("yaml") => Output::Yaml,
        Some(other) => {
            return Err(CmdError::new(format!(
                "unable to match a printer suitable for the output format \"{other}\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml"
            )))
        }
    };
    if args.args.is_empty() && args.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::expose::NO_RESOURCES));
    }
    let builder = Builder {
        filenames: args.filenames.clone(),
        recursive: args.recursive,
        args: args.args.clone(),
        label_selector: args.selector.clone(),
        field_selector: args.field_selector.clone(),
        all: args.all,
        all_namespaces: args.all_namespaces,
        require_object: false,
        ..Default::default()
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let client = f.client()?;
    let deadline = Instant::now() + timeout;
    for item in std::mem::take(&mut visited.items) {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        match wait_one(&client, &info, &cond, deadline, timeout.is_zero()).await {
            Ok(Some(obj)) => {
                if let Err(e) =
                    print_object_as_is(&obj, &output, "condition met", DryRun::None, false)
                {
                    errors.objects.push(VisitError::plain(e.message));
                }
            }
            Ok(None) => {}
            Err(e) => errors.objects.push(e),
        }
    }
    errors.into_result()
}

/// `--timeout`: zero checks once, negative means a week.
fn parse_timeout(text: &str) -> CmdResult<Duration> {
    let invalid = || {
        CmdError::new(format!(
            "invalid argument {text:?} for \"--timeout\" flag: time: invalid duration {text:?}"
        ))
    };
    if let Some(rest) = text.strip_prefix('-') {
        crate::flags::parse_duration(rest).ok_or_else(invalid)?;
        return Ok(Duration::from_secs(7 * 24 * 3600));
    }
    crate::flags::parse_duration(text).ok_or_else(invalid)
}

fn collection_path(info: &Info) -> String {
    let gvr = &info.mapping.gvr;
    let base = if gvr.group.is_empty() {
        format!("/api/{}", gvr.version)
    } else {
        format!("/apis/{}/{}", gvr.group, gvr.version)
    };
    let ns = if info.namespaced() && !info.namespace.is_empty() {
        format!("/namespaces/{}", info.namespace)
    } else {
        String::new()
    };
    format!("{base}{ns}/{}", gvr.resource)
}

fn timed_out(info: &Info) -> VisitError {
    VisitError::plain(format!(
        "timed out waiting for the condition on {}/{}",
        info.mapping.gvr.resource, info.name
    ))
}

/// Waits for one object; `Ok(Some(obj))` when the condition was met on
/// `obj`, `Ok(None)` when there is nothing to report (deleting what never existed).
async fn wait_one(
    client: &RestClient,
    info: &Info,
    cond: &Condition,
    deadline: Instant,
    once: bool,
) -> Result<Option<Value>, VisitError> {
    // kubectl's deadline is shared: once it has passed, later objects are not even looked at.
    if !once && Instant::now() >= deadline {
        return Err(timed_out(info));
    }
    let collection = collection_path(info);
    let current = client
        .get()
        .abs_path(format!("{collection}/{}", info.name))
        .json()
        .await;
    let (mut rv, start) = match current {
        Ok(obj) => {
            let rv = obj
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match cond {
                Condition::Create => return Ok(Some(obj)),
                Condition::Delete => {}
                _ => {
                    if is_met(cond, &obj).map_err(VisitError::plain)? {
                        return Ok(Some(obj));
                    }
                }
            }
            (rv, Some(obj))
        }
        Err(e) if e.is_not_found() => match cond {
            Condition::Delete => return Ok(None),
            Condition::Create => (String::new(), None),
            _ => return Err(VisitError::client(e)),
        },
        Err(e) => return Err(VisitError::client(e)),
    };
    if once {
        return Err(VisitError::plain(format!(
            "condition not met for {}/{}",
            info.mapping.gvr.resource, info.name
        )));
    }
    let uid = start
        .as_ref()
        .and_then(|o| o.pointer("/metadata/uid"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(timed_out(info));
    }
    let watch = async {
        loop {
            let mut req = client
                .get()
                .abs_path(&collection)
                .param("fieldSelector", format!("metadata.name={}", info.name))
                .param("allowWatchBookmarks", "true");
            if !rv.is_empty() {
                req = req.param("resourceVersion", &rv);
            }
            let mut stream = req.watch::<Value>().await.map_err(VisitError::client)?;
            while let Some(ev) = stream.next().await {
                match ev.map_err(VisitError::client)? {
                    WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                        rv = o
                            .pointer("/metadata/resourceVersion")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        let same = uid.as_deref().is_none_or(|u| {
                            o.pointer("/metadata/uid").and_then(Value::as_str) == Some(u)
                        });
                        match cond {
                            Condition::Create => return Ok(Some(o)),
                            // A new object with the old name means the old one is gone.
                            Condition::Delete if !same => return Ok(start.clone()),
                            Condition::Delete => {}
                            _ => {
                                if is_met(cond, &o).map_err(VisitError::plain)? {
                                    return Ok(Some(o));
                                }
                            }
                        }
                    }
                    WatchEvent::Deleted(o) => {
                        if *cond == Condition::Delete {
                            return Ok(Some(o));
                        }
                    }
                    WatchEvent::Bookmark(b) => rv = b.resource_version,
                    WatchEvent::Error(e) => return Err(VisitError::api(e)),
                }
            }
        }
    };
    match tokio::time::timeout(remaining, watch).await {
        Ok(r) => r,
        Err(_) => Err(timed_out(info)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_parse_like_kubectl() {
        assert_eq!(parse_condition("delete"), Ok(Condition::Delete));
        assert_eq!(
            parse_condition("condition=Available"),
            Ok(Condition::Status {
                name: "Available".into(),
                value: "true".into()
            })
        );
        assert_eq!(
            parse_condition("jsonpath={.status.phase}=Running"),
            Ok(Condition::JsonPath {
                expr: "{.status.phase}".into(),
                value: Some("Running".into())
            })
        );
        assert_eq!(
            parse_condition("jsonpath=.spec.replicas"),
            Ok(Condition::JsonPath {
                expr: "{.spec.replicas}".into(),
                value: None
            })
        );
        assert_eq!(
            parse_condition("foo"),
            Err("unrecognized condition: \"foo\"".into())
        );
    }

    #[test]
    fn conditions_are_checked() {
        let d = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"conditions": [{"type": "Available", "status": "True", "observedGeneration": 2}]}});
        let c = parse_condition("condition=available").unwrap();
        assert_eq!(is_met(&c, &d), Ok(true));
        let c = parse_condition("condition=Available=false").unwrap();
        assert_eq!(is_met(&c, &d), Ok(false));
        let c = parse_condition("jsonpath={.spec.replicas}=2").unwrap();
        assert_eq!(is_met(&c, &d), Ok(true));
        let stale = json!({"metadata": {"generation": 3}, "status": {"conditions": [{"type": "Available", "status": "True", "observedGeneration": 2}]}});
        let c = parse_condition("condition=Available").unwrap();
        assert_eq!(is_met(&c, &stale), Ok(false));
    }
}
