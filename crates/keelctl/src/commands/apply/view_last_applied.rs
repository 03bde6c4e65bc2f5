//! `keelctl apply view-last-applied`: prints the last-applied-configuration
//! annotation of objects named by arguments, selector or files, as YAML
//! (sorted keys) or as the annotation's JSON indented.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::options::FilenameFlags;
use crate::resource::{last_applied, Builder};
use keelson_apimachinery::codec::to_yaml;

/// Flags of `keelctl apply view-last-applied`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files that contains the last-applied-configuration annotations")))]
pub struct Args {
    /// `TYPE NAME`, `TYPE/NAME` or `TYPE` with `-l` or `--all`.
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Output format. Must be one of (yaml, json).
    #[arg(short = 'o', long, default_value = "yaml")]
    output: String,
    /// Select all resources in the namespace of the specified resource types.
    #[arg(long)]
    all: bool,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if args.args.is_empty() && args.files.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::delete::NOTHING_TO_DELETE));
    }
    let builder = Builder {
        args: args.args,
        label_selector: args.selector.filter(|s| !s.is_empty()),
        all: args.all,
        require_object: true,
        latest: true,
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut configurations = Vec::new();
    for item in visited.items {
        // kubectl's visitor stops at the first object that fails.
        let Some(info) = item.accept(&mut errors) else {
            break;
        };
        // An object without the annotation is passed over without a word:
        // kubectl's source decoration of a nil error is nil.
        if let Some(text) = info
            .object
            .as_ref()
            .and_then(last_applied::original_configuration)
        {
            configurations.push(text.to_string());
        }
    }
    errors.into_result()?;
    let mut out = String::new();
    for text in &configurations {
        out.push_str(&render(text, &args.output)?);
    }
    crate::printers::write_out(&mut std::io::stdout().lock(), &out)
}

/// One annotation in `output`: YAML (sigs.k8s.io/yaml's `JSONToYAML`) or
/// the JSON text indented as Go's `json.Indent` does it.
fn render(text: &str, output: &str) -> CmdResult<String> {
    match output {
        "json" => indent_json(text).map_err(CmdError::new),
        "yaml" => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| CmdError::new(e.to_string()))?;
            Ok(to_yaml(&crate::printers::sort_keys(&value)))
        }
        other => Err(CmdError::new(format!(
            "Unexpected -o output mode: {other}, the flag 'output' must be one of yaml|json\nSee 'kubectl apply view-last-applied -h' for help and examples"
        ))),
    }
}

/// Go's `json.Indent(dst, src, "", "  ")`: the text re-laid out, strings
/// and numbers byte for byte as they were (escapes kept), empty objects and
/// arrays kept as `{}` and `[]`, leading whitespace dropped and trailing
/// whitespace kept.
fn indent_json(src: &str) -> Result<String, String> {
    serde_json::from_str::<serde_json::Value>(src).map_err(|e| e.to_string())?;
    let body = src.trim_end_matches([' ', '\t', '\r', '\n']);
    let trailing = &src[body.len()..];
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    // Set after `{` or `[`: the newline is held back so an empty value stays `{}`.
    let mut opened = false;
    let mut chars = body.trim_start_matches([' ', '\t', '\r', '\n']).chars();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if opened && c != '}' && c != ']' {
            newline(&mut out, depth);
        }
        opened = false;
        match c {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for s in chars.by_ref() {
                    out.push(s);
                    if escaped {
                        escaped = false;
                    } else if s == '\\' {
                        escaped = true;
                    } else if s == '"' {
                        break;
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                depth += 1;
                opened = true;
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if !out.ends_with(['{', '[']) {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            other => out.push(other),
        }
    }
    out.push_str(trailing);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_like_gos_json_indent() {
        let text = "{\"apiVersion\":\"v1\",\"data\":{\"x\":\"\\u003c1, 2: []\\\"\"},\"items\":[1,2.50],\"metadata\":{\"annotations\":{},\"l\":[]}}\n";
        assert_eq!(
            indent_json(text).unwrap(),
            "{\n  \"apiVersion\": \"v1\",\n  \"data\": {\n    \"x\": \"\\u003c1, 2: []\\\"\"\n  },\n  \"items\": [\n    1,\n    2.50\n  ],\n  \"metadata\": {\n    \"annotations\": {},\n    \"l\": []\n  }\n}\n"
        );
        assert!(indent_json("{\"a\":").is_err());
    }

    #[test]
    fn yaml_has_sorted_keys_and_other_formats_are_refused() {
        let text =
            "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"annotations\":{}}}\n";
        assert_eq!(
            render(text, "yaml").unwrap(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations: {}\n"
        );
        assert_eq!(
            render(text, "wide").unwrap_err().message,
            "error: Unexpected -o output mode: wide, the flag 'output' must be one of yaml|json\nSee 'kubectl apply view-last-applied -h' for help and examples"
        );
    }
}
