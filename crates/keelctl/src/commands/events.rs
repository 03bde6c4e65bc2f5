//! `keelctl events`: core/v1 events as kubectl's event printer shows them
//! (`LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`), oldest first, optionally
//! for one object, filtered by type, and followed with `-w`.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::tabwriter::TabWriter;
use crate::printers::{age, table::escape_terminal};
use futures::StreamExt;
use keelson_client::WatchEvent;
use serde_json::Value;

/// Flags of `keelctl events`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// If present, list the requested object(s) across all namespaces.
    #[arg(short = 'A', long = "all-namespaces")]
    all_namespaces: bool,
    /// Filter events to only those pertaining to the specified resource.
    #[arg(long = "for", default_value = "")]
    for_: String,
    /// Output only events of given types.
    #[arg(long = "types", value_delimiter = ',')]
    types: Vec<String>,
    /// After listing the requested events, watch for more events.
    #[arg(short = 'w', long)]
    watch: bool,
    /// When using the default output format, don't print headers.
    #[arg(long = "no-headers")]
    no_headers: bool,
    /// Return large lists in chunks rather than all at once.
    #[arg(long = "chunk-size", default_value_t = 500)]
    chunk_size: u32,
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// The time kubectl sorts events by: series, last timestamp, event time.
fn event_time(e: &Value) -> String {
    let series = s(e, "/series/lastObservedTime");
    if !series.is_empty() {
        return series.to_string();
    }
    let last = s(e, "/lastTimestamp");
    if !last.is_empty() {
        return last.to_string();
    }
    s(e, "/eventTime").to_string()
}

/// kubectl's `getInterval`: `5m`, or `1s (x3 over 44m)` for repeated events.
pub fn interval(e: &Value) -> String {
    let first = match e
        .get("eventTime")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        Some(t) => age(Some(t)),
        None => age(e.get("firstTimestamp").and_then(Value::as_str)),
    };
    let count = e.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = e.get("series").filter(|v| v.is_object()) {
        let n = series.get("count").and_then(Value::as_i64).unwrap_or(0);
        return format!(
            "{} (x{n} over {first})",
            age(series.get("lastObservedTime").and_then(Value::as_str))
        );
    }
    if count > 1 {
        return format!(
            "{} (x{count} over {first})",
            age(e.get("lastTimestamp").and_then(Value::as_str))
        );
    }
    first
}

/// One row of the event table.
pub fn row(e: &Value, all_namespaces: bool) -> String {
    let mut line = String::new();
    if all_namespaces {
        line.push_str(&format!("{}\t", s(e, "/metadata/namespace")));
    }
    line.push_str(&format!(
        "{}\t{}\t{}\t{}/{}\t{}\n",
        interval(e),
        escape_terminal(s(e, "/type")),
        escape_terminal(s(e, "/reason")),
        escape_terminal(s(e, "/involvedObject/kind")),
        escape_terminal(s(e, "/involvedObject/name")),
        escape_terminal(s(e, "/message").trim())
    ));
    line
}

fn header(all_namespaces: bool) -> String {
    let ns = if all_namespaces { "NAMESPACE\t" } else { "" };
    format!("{ns}LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n")
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    for t in &args.types {
        if !t.eq_ignore_ascii_case("normal") && !t.eq_ignore_ascii_case("warning") {
            return Err(CmdError::new("valid --types are Normal or Warning"));
        }
    }
    let mut selector = String::new();
    if !args.for_.is_empty() {
        let Some((kind, name)) = args.for_.split_once('/') else {
            return Err(CmdError::new("--for must be in resource/name form"));
        };
        let mapping = f
            .rest_mapper()?
            .mapping_for(kind)
            .await
            .map_err(|e| CmdError::raw(e.kubectl_message()))?;
        // kubectl's order: kind, apiVersion, name.
        let api_version = if mapping.gvk.group.is_empty() {
            mapping.gvk.version.clone()
        } else {
            format!("{}/{}", mapping.gvk.group, mapping.gvk.version)
        };
        selector = format!(
            "involvedObject.kind={},involvedObject.apiVersion={api_version},involvedObject.name={name}",
            mapping.gvk.kind
        );
    }
    let (ns, _) = f.namespace()?;
    let path = if args.all_namespaces {
        "/api/v1/events".to_string()
    } else {
        format!("/api/v1/namespaces/{ns}/events")
    };
    let client = f.client()?;
    let mut items = Vec::new();
    let mut cont = String::new();
    let mut rv;
    loop {
        let mut req = client
            .get()
            .abs_path(&path)
            .param("limit", args.chunk_size.to_string());
        if !selector.is_empty() {
            req = req.param("fieldSelector", &selector);
        }
        if !cont.is_empty() {
            req = req.param("continue", &cont);
        }
        let list = req.json().await?;
        items.extend(
            list.get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        rv = s(&list, "/metadata/resourceVersion").to_string();
        cont = s(&list, "/metadata/continue").to_string();
        if cont.is_empty() {
            break;
        }
    }
    let wanted = |e: &Value| {
        args.types.is_empty()
            || args
                .types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(s(e, "/type")))
    };
    items.retain(|e| wanted(e));
    items.sort_by_key(event_time);
    let mut tw = TabWriter::new();
    if items.is_empty() && !args.watch {
        if args.all_namespaces {
            eprintln!("No events found.");
        } else {
            eprintln!("No events found in {ns} namespace.");
        }
        return Ok(());
    }
    if !args.no_headers {
        tw.write_str(&header(args.all_namespaces));
    }
    for e in &items {
        tw.write_str(&row(e, args.all_namespaces));
    }
    print!("{}", tw.flush());
    if !args.watch {
        return Ok(());
    }
    let mut req = client.get().abs_path(&path).param("resourceVersion", &rv);
    if !selector.is_empty() {
        req = req.param("fieldSelector", &selector);
    }
    let mut stream = req.watch::<Value>().await?;
    while let Some(ev) = stream.next().await {
        match ev? {
            WatchEvent::Added(e) | WatchEvent::Modified(e) if wanted(&e) => {
                tw.write_str(&row(&e, args.all_namespaces));
                print!("{}", tw.flush());
            }
            WatchEvent::Error(e) => return Err(CmdError::from(keelson_client::Error::Api(e))),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_like_kubectl() {
        let e = json!({"metadata": {"namespace": "default"}, "type": "Warning", "reason": "BackOff",
            "involvedObject": {"kind": "Pod", "name": "p"}, "message": " Back-off restarting ",
            "firstTimestamp": "2000-01-01T00:00:00Z", "lastTimestamp": "2000-01-01T00:00:00Z", "count": 1});
        let r = row(&e, true);
        assert!(r.starts_with("default\t"), "{r}");
        assert!(
            r.ends_with("\tWarning\tBackOff\tPod/p\tBack-off restarting\n"),
            "{r}"
        );
        let repeated = json!({"count": 3, "firstTimestamp": "2000-01-01T00:00:00Z", "lastTimestamp": "2000-01-01T00:00:00Z"});
        assert!(
            interval(&repeated).contains(" (x3 over "),
            "{}",
            interval(&repeated)
        );
    }

    #[test]
    fn sorted_by_last_seen() {
        let a = json!({"lastTimestamp": "2026-01-02T00:00:00Z"});
        let b = json!({"eventTime": "2026-01-01T00:00:00.000000Z"});
        let mut v = [a.clone(), b.clone()];
        v.sort_by_key(event_time);
        assert_eq!(v, [b, a]);
    }
}
