//! `keelctl set selector`: replace a service's selector.

use super::patch::{Operation, Patcher};
use super::Selection;
use crate::commands::create_generators::common::ObjectFlags;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use keelson_apimachinery::selector::{LabelSelector, Operator};
use serde_json::{json, Map, Value};

/// Flags of `set selector (-f FILENAME | TYPE NAME) EXPRESSIONS [--resource-version=version]`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("identifying the resource.")))]
pub struct Args {
    /// Resources, then the selector expression.
    args: Vec<String>,
    /// `-f`, `-R`, `--all`, `--local`.
    #[command(flatten)]
    selection: Selection,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// If non-empty, the selectors update will only succeed if this is the current resource-version for the object. Only valid when specifying a single resource.
    #[arg(long, default_value = "")]
    resource_version: String,
    /// Shared output, dry-run and field manager flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// A `metav1.LabelSelector` in kubectl's two parts.
#[derive(Debug, PartialEq)]
struct MetaSelector {
    match_labels: Map<String, Value>,
    /// `{key operator values}` in the order given.
    match_expressions: Vec<(String, &'static str, Vec<String>)>,
}

/// Runs `set selector`.
pub async fn run(f: &mut Factory, a: Args) -> CmdResult {
    let dry_run = a.flags.dry_run()?;
    let (resources, selector) = match a.args.split_last() {
        None => (Vec::new(), None),
        Some((last, rest)) => (rest.to_vec(), Some(parse(last).map_err(CmdError::new)?)),
    };
    let mut patcher = Patcher::new(
        f,
        &a.flags,
        dry_run,
        a.selection.local,
        Operation {
            verb: "selector updated",
            failure: "",
            patch_unchanged: true,
            name_errors: false,
        },
    )?;
    let Some(selector) = selector else {
        return Err(CmdError::new("one selector is required"));
    };
    a.selection
        .check_local(&resources, crate::printers::DryRun::None)?;
    let mut infos = a.selection.visit(f, resources, a.selector.clone()).await?;
    if !a.resource_version.is_empty() {
        // Cleared from the starting object so the patch always carries it.
        for info in &mut infos {
            if let Some(meta) = info
                .object
                .as_mut()
                .and_then(|o| o.get_mut("metadata"))
                .and_then(Value::as_object_mut)
            {
                meta.remove("resourceVersion");
            }
        }
    }
    patcher
        .run(infos, |info, obj, _| {
            if !a.resource_version.is_empty() {
                if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("resourceVersion".into(), json!(a.resource_version));
                }
            }
            let gvk = &info.mapping.gvk;
            if gvk.kind != "Service" || !gvk.group.is_empty() {
                return Err("setting a selector is only supported for Services".into());
            }
            if !selector.match_expressions.is_empty() {
                return Err(format!(
                    "match expression {} not supported on this object",
                    go_expressions(&selector.match_expressions)
                ));
            }
            let spec = obj
                .as_object_mut()
                .map(|o| o.entry("spec").or_insert_with(|| json!({})));
            if let Some(Value::Object(spec)) = spec {
                spec.insert(
                    "selector".into(),
                    Value::Object(selector.match_labels.clone()),
                );
            }
            Ok(())
        })
        .await
}

/// metav1's `ParseToLabelSelector`.
fn parse(text: &str) -> Result<MetaSelector, String> {
    let parsed: LabelSelector =
        text.parse()
            .map_err(|e: keelson_apimachinery::selector::SelectorError| {
                format!(
                    "couldn't parse the selector string \"{text}\": {}",
                    e.message
                )
            })?;
    let mut out = MetaSelector {
        match_labels: Map::new(),
        match_expressions: Vec::new(),
    };
    for req in parsed.requirements() {
        let op = match req.operator() {
            Operator::Equals | Operator::DoubleEquals => {
                let value = req.values().first().cloned().unwrap_or_default();
                out.match_labels.insert(req.key().to_string(), json!(value));
                continue;
            }
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::GreaterThan | Operator::LessThan => {
                return Err(format!(
                    "\"{}\" isn't supported in label selectors",
                    req.operator().as_str()
                ))
            }
            Operator::NotEquals => {
                return Err(format!(
                    "\"{}\" is not a valid label selector operator",
                    req.operator().as_str()
                ))
            }
        };
        let mut values = req.values().to_vec();
        values.sort();
        out.match_expressions
            .push((req.key().to_string(), op, values));
    }
    Ok(out)
}

/// Go's `%v` of `[]LabelSelectorRequirement`: `[{app In [a b]}]`.
fn go_expressions(exprs: &[(String, &'static str, Vec<String>)]) -> String {
    let items: Vec<String> = exprs
        .iter()
        .map(|(k, op, v)| format!("{{{k} {op} [{}]}}", v.join(" ")))
        .collect();
    format!("[{}]", items.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_split_into_labels_and_expressions() {
        let s = parse("app=web,tier==fe").unwrap();
        assert_eq!(
            Value::Object(s.match_labels),
            json!({"app": "web", "tier": "fe"})
        );
        let s = parse("app in (b,a),!x").unwrap();
        assert_eq!(
            go_expressions(&s.match_expressions),
            "[{app In [a b]} {x DoesNotExist []}]"
        );
        assert_eq!(
            parse("a!=b").unwrap_err(),
            "\"!=\" is not a valid label selector operator"
        );
        assert!(parse("a=b,,")
            .unwrap_err()
            .starts_with("couldn't parse the selector string \"a=b,,\": "));
    }
}
