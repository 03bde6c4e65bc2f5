//! The human-readable printer over the server's `meta.k8s.io/v1` Table
//! (cli-runtime's `HumanReadablePrinter`): upper-cased headers, wide-only
//! columns, NAMESPACE, label columns, the `kind/` name prefix, watch event
//! columns, all aligned by kubectl's tabwriter.

use super::gofmt;
use super::tabwriter::TabWriter;
use serde_json::Value;

/// The `Accept` header kubectl sends for human-readable output.
pub const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// What decorates the server's table (kubectl's `PrintOptions`).
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-o wide`: show columns with priority > 0.
    pub wide: bool,
    /// `-A` on a namespaced resource: a leading NAMESPACE column.
    pub with_namespace: bool,
    /// `--show-labels`: a trailing LABELS column.
    pub show_labels: bool,
    /// `-L key`: one column per label key.
    pub label_columns: Vec<String>,
    /// `--show-kind` or several types printed: prefix names with `kind[.group]/`.
    pub kind_prefix: Option<String>,
}

/// Prints tables one after the other into one tabwriter; headers are
/// printed again only when the columns change (as during a watch).
#[derive(Debug, Default)]
pub struct TablePrinter {
    options: TableOptions,
    last_columns: Vec<Value>,
    printed_headers: bool,
    writer: TabWriter,
}

impl TablePrinter {
    /// A printer with these options.
    pub fn new(options: TableOptions) -> TablePrinter {
        TablePrinter {
            options,
            ..TablePrinter::default()
        }
    }

    /// Buffers `table` (a Table object); `event_type` adds kubectl's EVENT
    /// column for `--output-watch-events`. Returns the number of rows.
    pub fn print_table(&mut self, table: &Value, event_type: Option<&str>) -> usize {
        if table.get("kind").and_then(Value::as_str) != Some("Table") {
            // A server that answered without a Table: kubectl's default
            // NAME/AGE printer for any object or list.
            let fallback = default_table(table);
            return self.print_table(&fallback, event_type);
        }
        let mut columns: Vec<Value> = table
            .get("columnDefinitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let rows: &[Value] = table
            .get("rows")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut no_headers = self.options.no_headers;
        if self.printed_headers && (columns.is_empty() || columns == self.last_columns) {
            no_headers = true;
        }
        if columns.is_empty() {
            columns = self.last_columns.clone();
        } else if columns != self.last_columns {
            self.last_columns = columns.clone();
            self.printed_headers = false;
        }
        if !rows.is_empty() {
            self.printed_headers = true;
        }
        let table = self.decorate(&columns, rows, event_type);
        if !no_headers && !table.rows.is_empty() {
            let header: Vec<String> = table
                .columns
                .iter()
                .map(|c| c.name.to_uppercase())
                .collect();
            self.writer.write_str(&header.join("\t"));
            self.writer.write_str("\n");
        }
        for row in &table.rows {
            self.writer.write_str(&row.join("\t"));
            self.writer.write_str("\n");
        }
        table.rows.len()
    }

    /// The aligned text of everything buffered.
    pub fn flush(&mut self) -> String {
        self.writer.flush()
    }

    /// The visible columns and the text of each row's visible cells.
    fn decorate(&self, columns: &[Value], rows: &[Value], event_type: Option<&str>) -> Decorated {
        let o = &self.options;
        let visible: Vec<usize> = (0..columns.len())
            .filter(|&i| {
                o.wide
                    || columns[i]
                        .get("priority")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        == 0
            })
            .collect();
        let name_column = o.kind_prefix.as_ref().and_then(|_| {
            columns.iter().position(|c| {
                c.get("format").and_then(Value::as_str) == Some("name")
                    && c.get("type").and_then(Value::as_str) == Some("string")
            })
        });
        let mut out_columns = Vec::new();
        if event_type.is_some() {
            out_columns.push(Column {
                name: "Event".into(),
            });
        }
        if o.with_namespace {
            out_columns.push(Column {
                name: "Namespace".into(),
            });
        }
        for &i in &visible {
            let name = columns[i]
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out_columns.push(Column {
                name: name.to_string(),
            });
        }
        for label in &o.label_columns {
            let short = label.rsplit('/').next().unwrap_or(label);
            out_columns.push(Column {
                name: short.to_string(),
            });
        }
        if o.show_labels {
            out_columns.push(Column {
                name: "Labels".into(),
            });
        }
        let mut out_rows = Vec::new();
        for row in rows {
            let cells = row
                .get("cells")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let metadata = row.pointer("/object/metadata");
            let mut text = Vec::new();
            if let Some(event) = event_type {
                text.push(format_event_type(event));
            }
            if o.with_namespace {
                let ns = metadata
                    .and_then(|m| m.get("namespace"))
                    .and_then(Value::as_str);
                text.push(ns.unwrap_or_default().to_string());
            }
            for &i in &visible {
                let mut cell = cells.get(i).map(cell_text).unwrap_or_default();
                if Some(i) == name_column {
                    if let Some(prefix) = &o.kind_prefix {
                        cell = format!("{prefix}/{cell}");
                    }
                }
                text.push(cell);
            }
            let labels = metadata
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object);
            for key in &o.label_columns {
                let value = labels.and_then(|l| l.get(key)).and_then(Value::as_str);
                text.push(value.unwrap_or_default().to_string());
            }
            if o.show_labels {
                text.push(format_labels(labels));
            }
            out_rows.push(text);
        }
        Decorated {
            columns: out_columns,
            rows: out_rows,
        }
    }
}

struct Column {
    name: String,
}

struct Decorated {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// kubectl's `printObjectMeta` as a Table: NAME and AGE for an object or
/// each item of a list.
pub fn default_table(obj: &Value) -> Value {
    let items: Vec<&Value> = match obj.get("items").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![obj],
    };
    let rows: Vec<Value> = items
        .into_iter()
        .map(|item| {
            let name = item
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let created = item
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str);
            serde_json::json!({"cells": [name, super::age(created)], "object": item})
        })
        .collect();
    serde_json::json!({
        "kind": "Table",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0}
        ],
        "rows": rows
    })
}

/// kubectl's padded watch event names.
fn format_event_type(event: &str) -> String {
    match event {
        "ADDED" => "ADDED   ".into(),
        "MODIFIED" => "MODIFIED".into(),
        "DELETED" => "DELETED ".into(),
        "ERROR" => "ERROR   ".into(),
        other => other.into(),
    }
}

/// A cell as `fmt.Sprint` shows it, cut at the first line break (`...`
/// marks the cut) and with terminal escapes made visible.
pub fn cell_text(cell: &Value) -> String {
    let text = match cell {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => gofmt::sprint(other),
    };
    let (text, cut) = match text.find(['\n', '\r', '\u{c}']) {
        Some(i) => (&text[..i], true),
        None => (text.as_str(), false),
    };
    let mut out = escape_terminal(text);
    if cut {
        out.push_str("...");
    }
    out
}

/// cli-runtime's `EscapeTerminal`: ESC and other C0 controls shown as `^[`-style.
pub fn escape_terminal(text: &str) -> String {
    if !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}') {
        return text.to_string();
    }
    text.replace('\u{1b}', "^[").replace('\u{7}', "^G")
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub fn format_labels(labels: Option<&serde_json::Map<String, Value>>) -> String {
    let Some(labels) = labels.filter(|l| !l.is_empty()) else {
        return "<none>".into();
    };
    let mut pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    pairs.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods_table() -> Value {
        json!({
            "kind": "Table",
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Ready", "type": "string", "format": "", "priority": 0},
                {"name": "Restarts", "type": "integer", "format": "", "priority": 0},
                {"name": "IP", "type": "string", "format": "", "priority": 1}
            ],
            "rows": [
                {"cells": ["web-0", "1/1", 0, "10.0.0.1"],
                 "object": {"metadata": {"name": "web-0", "namespace": "prod", "labels": {"b": "2", "a": "1"}}}},
                {"cells": ["db", "0/1", 12, "<none>"],
                 "object": {"metadata": {"name": "db", "namespace": "dev"}}}
            ]
        })
    }

    #[test]
    fn default_columns_and_wide() {
        let mut p = TablePrinter::new(TableOptions::default());
        p.print_table(&pods_table(), None);
        assert_eq!(
            p.flush(),
            "NAME    READY   RESTARTS\nweb-0   1/1     0\ndb      0/1     12\n"
        );
        let mut p = TablePrinter::new(TableOptions {
            wide: true,
            ..Default::default()
        });
        p.print_table(&pods_table(), None);
        assert_eq!(
            p.flush(),
            "NAME    READY   RESTARTS   IP\nweb-0   1/1     0          10.0.0.1\ndb      0/1     12         <none>\n"
        );
    }

    #[test]
    fn namespace_labels_and_kind_prefix() {
        let options = TableOptions {
            with_namespace: true,
            show_labels: true,
            label_columns: vec!["example.com/a".into()],
            kind_prefix: Some("pod".into()),
            no_headers: false,
            wide: false,
        };
        let mut p = TablePrinter::new(options);
        p.print_table(&pods_table(), None);
        assert_eq!(
            p.flush(),
            "NAMESPACE   NAME        READY   RESTARTS   A     LABELS\n\
             prod        pod/web-0   1/1     0                a=1,b=2\n\
             dev         pod/db      0/1     12               <none>\n"
        );
    }

    #[test]
    fn watch_tables_print_headers_once() {
        let mut p = TablePrinter::new(TableOptions::default());
        p.print_table(&pods_table(), Some("ADDED"));
        let mut next = pods_table();
        next["columnDefinitions"] = json!([]);
        next["rows"] = json!([next["rows"][1].clone()]);
        p.print_table(&next, Some("DELETED"));
        assert_eq!(
            p.flush(),
            "EVENT      NAME    READY   RESTARTS\nADDED      web-0   1/1     0\nADDED      db      0/1     12\nDELETED    db      0/1     12\n"
        );
    }

    #[test]
    fn objects_without_a_table_print_name_and_age() {
        let mut p = TablePrinter::new(TableOptions::default());
        let list = json!({"kind": "WidgetList", "items": [{"metadata": {"name": "w1"}}]});
        assert_eq!(p.print_table(&list, None), 1);
        assert_eq!(p.flush(), "NAME   AGE\nw1     <unknown>\n");
    }

    #[test]
    fn cells_are_cut_at_line_breaks() {
        assert_eq!(cell_text(&json!("a\nb")), "a...");
        assert_eq!(cell_text(&json!(null)), "");
        assert_eq!(cell_text(&json!(["x", 1])), "[x 1]");
    }
}
