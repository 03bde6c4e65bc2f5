//! The "Events:" section: core/v1 events found by involvedObject field
//! selectors (kubectl's `searchEvents`) and printed as `DescribeEvents` does.

use super::writer::{int_at, str_at, PrefixWriter, L0, L1};
use keelson_client::RestClient;
use serde_json::Value;

/// Events about one object, as listed.
pub type Events = Vec<Value>;

/// Which object's events to look for.
pub struct EventTarget<'a> {
    /// Namespace (empty for cluster-scoped objects: events in every namespace).
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// Kind, `None` for pods (kubectl clears it so mirror pods match).
    pub kind: Option<&'a str>,
    /// UID (nodes use their name).
    pub uid: &'a str,
}

/// `searchEvents`: lists events whose involvedObject matches, following
/// continue tokens in chunks of 500; `None` when the list fails.
pub async fn search_events(client: &RestClient, t: &EventTarget<'_>) -> Option<Events> {
    // fields.Set.AsSelector() sorts the keys.
    let mut fields = Vec::new();
    if let Some(kind) = t.kind.filter(|k| !k.is_empty()) {
        fields.push(format!("involvedObject.kind={kind}"));
    }
    fields.push(format!("involvedObject.name={}", t.name));
    fields.push(format!("involvedObject.namespace={}", t.namespace));
    if !t.uid.is_empty() {
        fields.push(format!("involvedObject.uid={}", t.uid));
    }
    let selector = fields.join(",");
    let path = if t.namespace.is_empty() {
        "/api/v1/events".to_string()
    } else {
        format!("/api/v1/namespaces/{}/events", t.namespace)
    };
    let mut items = Vec::new();
    let mut cont = String::new();
    loop {
        let mut req = client
            .get()
            .abs_path(&path)
            .param("fieldSelector", &selector)
            .param("limit", "500");
        if !cont.is_empty() {
            req = req.param("continue", &cont);
        }
        let list = req.json().await.ok()?;
        items.extend(
            list.get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        cont = str_at(&list, "/metadata/continue").to_string();
        if cont.is_empty() {
            return Some(items);
        }
    }
}

/// Ends a describer: the events section when events were looked up, then the text.
pub fn finish(mut w: PrefixWriter, events: Option<&Events>) -> String {
    if let Some(ev) = events {
        describe_events(&mut w, ev);
    }
    w.finish()
}

/// kubectl's `DescribeEvents`.
pub fn describe_events(w: &mut PrefixWriter, events: &Events) {
    if events.is_empty() {
        w.write(L0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    let mut sorted: Vec<&Value> = events.iter().collect();
    // event.SortableEvents: by lastTimestamp, stable.
    sorted.sort_by(|a, b| str_at(a, "/lastTimestamp").cmp(str_at(b, "/lastTimestamp")));
    w.write(L0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(L1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let event_time = e
            .get("eventTime")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let first = match event_time {
            Some(t) => crate::printers::age(Some(t)),
            None => crate::printers::age(e.get("firstTimestamp").and_then(Value::as_str)),
        };
        let count = int_at(e, "/count");
        let interval = if let Some(series) = e.get("series").filter(|s| s.is_object()) {
            format!(
                "{} (x{} over {first})",
                crate::printers::age(series.get("lastObservedTime").and_then(Value::as_str)),
                int_at(series, "/count")
            )
        } else if count > 1 {
            format!(
                "{} (x{count} over {first})",
                crate::printers::age(e.get("lastTimestamp").and_then(Value::as_str))
            )
        } else {
            first
        };
        let mut message = str_at(e, "/message").trim().to_string();
        let field_path = str_at(e, "/involvedObject/fieldPath");
        if !field_path.is_empty() {
            message = format!("{field_path}: {message}");
        }
        let mut source = str_at(e, "/source/component");
        if source.is_empty() {
            source = str_at(e, "/reportingComponent");
        }
        w.write(
            L1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{message}\n",
                str_at(e, "/type"),
                str_at(e, "/reason"),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_events_aligns_with_the_rest() {
        let mut w = PrefixWriter::default();
        w.write(L0, "Name:\tx\n");
        describe_events(&mut w, &vec![]);
        assert_eq!(w.finish(), "Name:    x\nEvents:  <none>\n");
    }

    #[test]
    fn events_table_starts_a_new_block() {
        let mut w = PrefixWriter::default();
        w.write(L0, "Name:\tx\n");
        let ev = json!({"type": "Normal", "reason": "Scheduled", "count": 1, "source": {"component": "default-scheduler"}, "message": "ok "});
        describe_events(&mut w, &vec![ev]);
        let out = w.finish();
        assert!(
            out.starts_with(
                "Name:  x\nEvents:\n  Type    Reason     Age        From               Message\n"
            ),
            "{out}"
        );
        assert!(out.ends_with("default-scheduler  ok\n"), "{out}");
    }
}
