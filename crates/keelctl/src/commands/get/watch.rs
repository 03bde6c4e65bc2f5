//! `get -w` / `--watch-only`: print the current state, then every change
//! as it arrives (kubectl's `GetOptions.watch`).

use super::{page_items, Get};
use crate::error::{standard_error_message, CmdError, CmdResult};
use crate::printers::table::{TablePrinter, TABLE_ACCEPT};
use crate::printers::tabwriter::TabWriter;
use crate::printers::{self, OutputFormat};
use futures::StreamExt;
use keelson_client::restmapper::ResourceTarget;
use keelson_client::WatchEvent;
use serde_json::{json, Value};
use std::io::Write;

/// Where watch output goes: a table kept aligned across events, or one
/// rendering per object.
enum Sink {
    Table(TablePrinter),
    Objects {
        printed_any: bool,
        writer: TabWriter,
    },
}

impl Sink {
    fn print(&mut self, g: &Get, obj: &Value, event: &str) -> CmdResult {
        let events = g.args.output_watch_events;
        let text = match self {
            Sink::Table(p) => {
                p.print_table(obj, events.then_some(event));
                p.flush()
            }
            Sink::Objects {
                printed_any,
                writer,
            } => {
                let mut obj = obj.clone();
                if g.format.hides_managed_fields() && !g.args.show_managed_fields {
                    printers::strip_managed_fields(&mut obj);
                }
                // The name printer prints the object inside a WatchEvent.
                if events && g.format != OutputFormat::Name {
                    obj = json!({"type": event, "object": obj});
                }
                let headers = !*printed_any && !g.args.no_headers;
                *printed_any = true;
                // kubectl writes every format through its tabwriter while watching.
                let rendered = match &g.format {
                    // A failing template's output and report go through the
                    // tabwriter too, before the wrapped error.
                    OutputFormat::GoTemplate(t) => t.render(&obj).map_err(|e| {
                        writer.write_str(&e.stdout);
                        let _ = printers::write_out(&mut std::io::stdout(), &writer.flush());
                        CmdError::new(format!(
                            "unable to output the provided object: {}",
                            e.message
                        ))
                    }),
                    format => printers::render(&obj, format, headers),
                };
                writer.write_str(&rendered?);
                writer.flush()
            }
        };
        let mut stdout = std::io::stdout();
        printers::write_out(&mut stdout, &text)
    }
}

/// Runs the watch until the server ends it.
pub(super) async fn run(g: &mut Get, targets: &[ResourceTarget]) -> CmdResult {
    let Some(target) = targets.first() else {
        return Err(CmdError::new("you may only specify a single resource type"));
    };
    if targets.iter().any(|t| t.mapping != target.mapping) {
        return Err(CmdError::new("you may only specify a single resource type"));
    }
    let table = g.format.is_table();
    let mut sink = if table {
        Sink::Table(TablePrinter::new(
            g.table_options(&target.mapping, g.args.show_kind),
        ))
    } else {
        Sink::Objects {
            printed_any: false,
            writer: TabWriter::new(),
        }
    };
    let pages = g.fetch(target, table).await;
    if let Some(err) = g.errors.first() {
        return Err(CmdError::raw(err.clone()));
    }
    // A list's resourceVersion starts the watch right after it; a single
    // object is watched from "0", whose synthetic ADDED event is skipped.
    let is_list = target.name.is_none();
    let rv = match (is_list, pages.last()) {
        (true, Some(page)) => page
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_string(),
        _ => "0".to_string(),
    };
    if !g.args.watch_only {
        for page in &pages {
            if table {
                sink.print(g, page, "ADDED")?;
            } else {
                for item in page_items(page.clone()) {
                    sink.print(g, &item, "ADDED")?;
                }
            }
        }
    }
    let mut output_objects = is_list;
    let list_target = ResourceTarget {
        mapping: target.mapping.clone(),
        name: None,
    };
    let mut req = g.request(&list_target).param("resourceVersion", rv);
    if let Some(name) = &target.name {
        req = req.param("fieldSelector", format!("metadata.name={name}"));
    }
    if table {
        req = req.header("Accept", TABLE_ACCEPT);
    }
    let mut events = req.watch::<Value>().await?;
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(e) => e,
            // A watch cut by --request-timeout or the connection ends quietly, as in kubectl.
            Err(e) if e.api().is_none() => break,
            Err(e) => return Err(e.into()),
        };
        let (kind, obj) = match event {
            WatchEvent::Added(o) => ("ADDED", o),
            WatchEvent::Modified(o) => ("MODIFIED", o),
            WatchEvent::Deleted(o) => ("DELETED", o),
            WatchEvent::Bookmark(_) => continue,
            WatchEvent::Error(status) => {
                let err = keelson_client::Error::Api(status);
                return Err(CmdError::raw(standard_error_message(&err)));
            }
        };
        if output_objects {
            sink.print(g, &obj, kind)?;
        }
        output_objects = true;
    }
    std::io::stdout().flush().ok();
    Ok(())
}
