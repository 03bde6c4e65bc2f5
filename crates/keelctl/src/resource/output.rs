//! What a mutating command prints for each object (kubectl's
//! `PrintFlags` with an operation): the success line, `-o name`, or the
//! object in the format `-o` asked for, YAML documents separated by `---`.

use crate::error::{CmdError, CmdResult};
use crate::printers::{self, DryRun, OutputFormat};
use serde_json::Value;
use std::io::Write;

/// The formats a mutating command accepts after `-o`.
const MUTATION_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml";

/// Prints objects after a mutation.
#[derive(Debug)]
pub struct MutationPrinter {
    format: OutputFormat,
    dry_run: DryRun,
    show_managed_fields: bool,
    printed: usize,
}

impl MutationPrinter {
    /// Parses `-o` for a mutating command (no tables or custom columns).
    pub fn new(
        output: Option<&str>,
        dry_run: DryRun,
        show_managed_fields: bool,
    ) -> CmdResult<MutationPrinter> {
        MutationPrinter::with_template(output, None, dry_run, show_managed_fields)
    }

    /// [`MutationPrinter::new`] with kubectl's `--template` flag.
    pub fn with_template(
        output: Option<&str>,
        template: Option<&str>,
        dry_run: DryRun,
        show_managed_fields: bool,
    ) -> CmdResult<MutationPrinter> {
        let format =
            OutputFormat::parse_with_template(output, template).map_err(|e| restrict(output, e))?;
        if matches!(format, OutputFormat::Wide | OutputFormat::CustomColumns(_)) {
            return Err(unmatched(output.unwrap_or_default()));
        }
        Ok(MutationPrinter {
            format,
            dry_run,
            show_managed_fields,
            printed: 0,
        })
    }

    /// `--allow-missing-template-keys` for jsonpath and go-template output.
    pub fn allow_missing_keys(mut self, allow: bool) -> MutationPrinter {
        self.format = self.format.allow_missing_keys(allow);
        self
    }

    /// Whether `-o` asked for the object itself (json, yaml, jsonpath),
    /// not a line about it.
    pub fn prints_object(&self) -> bool {
        !matches!(self.format, OutputFormat::Default | OutputFormat::Name)
    }

    /// Prints `obj` after `operation` (`created`, `configured`): the
    /// success line without `-o`, `kind/name` with `-o name`, else the object.
    pub fn print(&mut self, obj: &Value, operation: &str) -> CmdResult {
        let mut stdout = std::io::stdout().lock();
        let text = match &self.format {
            OutputFormat::Default => {
                format!("{}\n", printers::success_line(obj, operation, self.dry_run))
            }
            OutputFormat::Name => format!("{}\n", printers::resource_name(obj)),
            format => {
                let mut obj = obj.clone();
                // Only kubectl's JSON and YAML printers drop managedFields.
                if !self.show_managed_fields && format.hides_managed_fields() {
                    printers::strip_managed_fields(&mut obj);
                }
                let body = printers::render(&obj, format, true)?;
                if matches!(format, OutputFormat::Yaml) && self.printed > 0 {
                    format!("---\n{body}")
                } else {
                    body
                }
            }
        };
        self.printed += 1;
        printers::write_out(&mut stdout, &text)?;
        stdout.flush().map_err(|e| CmdError::new(e.to_string()))
    }
}

impl MutationPrinter {
    /// Prints several objects as one `v1` `List` (`apply -o json|yaml`).
    /// JSON (and a go-template's error report) keeps the order kubectl's
    /// unstructured list encoder writes (`kind`, `apiVersion`, `metadata`,
    /// `items`), items' keys sorted.
    pub fn print_list(&mut self, items: Vec<Value>) -> CmdResult {
        if !matches!(
            self.format,
            OutputFormat::Json | OutputFormat::GoTemplate(_)
        ) {
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items});
            return self.print(&list, "");
        }
        let items: Vec<Value> = items
            .into_iter()
            .map(|mut obj| {
                if !self.show_managed_fields && self.format.hides_managed_fields() {
                    printers::strip_managed_fields(&mut obj);
                }
                printers::sort_keys(&obj)
            })
            .collect();
        let mut list = serde_json::Map::new();
        list.insert("kind".into(), Value::String("List".into()));
        list.insert("apiVersion".into(), Value::String("v1".into()));
        list.insert("metadata".into(), Value::Object(Default::default()));
        list.insert("items".into(), Value::Array(items));
        let list = Value::Object(list);
        let text = match &self.format {
            // The template's error report shows the list in that order too.
            OutputFormat::GoTemplate(t) => printers::render_go_template(t, &list, true)?,
            _ => keelson_apimachinery::codec::to_json_pretty(&list),
        };
        let mut stdout = std::io::stdout().lock();
        printers::write_out(&mut stdout, &text)
    }
}

fn unmatched(output: &str) -> CmdError {
    CmdError::new(format!(
        "unable to match a printer suitable for the output format {output:?}, allowed formats are: {MUTATION_FORMATS}"
    ))
}

/// Rewrites the generic "unknown format" error with the list a mutating
/// command offers.
fn restrict(output: Option<&str>, e: CmdError) -> CmdError {
    if e.message.contains("unable to match a printer suitable") {
        unmatched(output.unwrap_or_default())
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_not_offered() {
        let e = MutationPrinter::new(Some("wide"), DryRun::None, false).unwrap_err();
        assert_eq!(e.message, format!("error: unable to match a printer suitable for the output format \"wide\", allowed formats are: {MUTATION_FORMATS}"));
        assert!(MutationPrinter::new(Some("yaml"), DryRun::None, false)
            .unwrap()
            .prints_object());
        assert!(!MutationPrinter::new(Some("name"), DryRun::None, false)
            .unwrap()
            .prints_object());
    }
}
