//! Events, core/v1 and events.k8s.io/v1 alike: kube-apiserver keeps both in
//! one store and prints them with one printer (LAST SEEN, TYPE, REASON,
//! OBJECT, MESSAGE; wide: SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME).

use super::{int, name, no_conditions, string, text, Doc, Now, Printer, NAME};
use serde_json::Value;

const EVENT: &str = "io.k8s.api.core.v1.Event";

static EVENT_PRINTER: Printer = Printer {
    columns: &[
        string("Last Seen", Doc::Field(EVENT, "lastTimestamp")),
        string("Type", Doc::Field(EVENT, "type")),
        string("Reason", Doc::Field(EVENT, "reason")),
        string("Object", Doc::Field(EVENT, "involvedObject")),
        string(
            "Subobject",
            Doc::Field("io.k8s.api.core.v1.ObjectReference", "fieldPath"),
        )
        .wide(),
        string("Source", Doc::Field(EVENT, "source")).wide(),
        string("Message", Doc::Field(EVENT, "message")),
        string("First Seen", Doc::Field(EVENT, "firstTimestamp")).wide(),
        string("Count", Doc::Field(EVENT, "count")).wide(),
        NAME.wide(),
    ],
    cells: core_cells,
    conditions: no_conditions,
    reads: &[],
};

static EVENTS_V1_PRINTER: Printer = Printer {
    columns: EVENT_PRINTER.columns,
    cells: events_v1_cells,
    conditions: no_conditions,
    reads: &[],
};

/// The event printer of a group (`""` or `events.k8s.io`).
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    match (group, kind) {
        ("", "Event") => Some(&EVENT_PRINTER),
        ("events.k8s.io", "Event") => Some(&EVENTS_V1_PRINTER),
        _ => None,
    }
}

/// The fields the printer reads, named as in core/v1.
struct EventFields<'a> {
    first_timestamp: &'a Value,
    last_timestamp: &'a Value,
    event_time: &'a Value,
    series: &'a Value,
    count: &'a Value,
    involved_object: &'a Value,
    message: &'a Value,
    source: &'a Value,
    reporting_controller: &'a Value,
    reporting_instance: &'a Value,
}

fn core_cells(e: &Value, now: &Now) -> Vec<Value> {
    cells(
        e,
        now,
        EventFields {
            first_timestamp: &e["firstTimestamp"],
            last_timestamp: &e["lastTimestamp"],
            event_time: &e["eventTime"],
            series: &e["series"],
            count: &e["count"],
            involved_object: &e["involvedObject"],
            message: &e["message"],
            source: &e["source"],
            reporting_controller: &e["reportingComponent"],
            reporting_instance: &e["reportingInstance"],
        },
    )
}

/// events.k8s.io/v1 renames the core fields (`regarding`, `note`, `deprecated*`).
fn events_v1_cells(e: &Value, now: &Now) -> Vec<Value> {
    cells(
        e,
        now,
        EventFields {
            first_timestamp: &e["deprecatedFirstTimestamp"],
            last_timestamp: &e["deprecatedLastTimestamp"],
            event_time: &e["eventTime"],
            series: &e["series"],
            count: &e["deprecatedCount"],
            involved_object: &e["regarding"],
            message: &e["note"],
            source: &e["deprecatedSource"],
            reporting_controller: &e["reportingController"],
            reporting_instance: &e["reportingInstance"],
        },
    )
}

/// `formatEventSource`: `component, host`, falling back to the reporting
/// controller and instance.
fn event_source(f: &EventFields) -> String {
    let first_non_empty = |a: &Value, b: &Value| match text(a) {
        "" => text(b).to_string(),
        s => s.to_string(),
    };
    let component = first_non_empty(&f.source["component"], f.reporting_controller);
    let instance = first_non_empty(&f.source["host"], f.reporting_instance);
    if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    }
}

fn cells(e: &Value, now: &Now, f: EventFields) -> Vec<Value> {
    let first_seen = if f.first_timestamp.is_null() {
        now.since(f.event_time)
    } else {
        now.since(f.first_timestamp)
    };
    let mut last_seen = if f.last_timestamp.is_null() {
        first_seen.clone()
    } else {
        now.since(f.last_timestamp)
    };
    let mut count = int(f.count);
    if f.series.is_object() {
        last_seen = now.since(&f.series["lastObservedTime"]);
        count = int(&f.series["count"]);
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let kind = text(&f.involved_object["kind"]).to_lowercase();
    let target = match text(&f.involved_object["name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    vec![
        Value::from(last_seen),
        e["type"].clone(),
        e["reason"].clone(),
        Value::from(target),
        Value::from(text(&f.involved_object["fieldPath"])),
        Value::from(event_source(&f)),
        Value::from(text(f.message).trim()),
        Value::from(first_seen),
        Value::from(count),
        name(e),
    ]
    .into_iter()
    .map(|v| if v.is_null() { Value::from("") } else { v })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn core_events() {
        let r = row(
            "",
            "Event",
            json!({"metadata": {"name": "web.17a"}, "type": "Normal", "reason": "Scheduled",
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{web}"},
            "message": "Successfully assigned default/web-1 to node-1\n", "source": {"component": "default-scheduler"},
            "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:58:00Z", "count": 3}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "LAST SEEN",
                "TYPE",
                "REASON",
                "OBJECT",
                "SUBOBJECT*",
                "SOURCE*",
                "MESSAGE",
                "FIRST SEEN*",
                "COUNT*",
                "NAME*"
            ]
        );
        assert_eq!(cell(&r, "LAST SEEN"), "2m");
        assert_eq!(cell(&r, "OBJECT"), "pod/web-1");
        assert_eq!(cell(&r, "SUBOBJECT*"), "spec.containers{web}");
        assert_eq!(cell(&r, "SOURCE*"), "default-scheduler");
        assert_eq!(
            cell(&r, "MESSAGE"),
            "Successfully assigned default/web-1 to node-1"
        );
        assert_eq!(cell(&r, "FIRST SEEN*"), "10m");
        assert_eq!(cell(&r, "COUNT*"), 3);
        assert_eq!(cell(&r, "NAME*"), "web.17a");
    }

    #[test]
    fn new_api_events_use_event_time_and_series() {
        let r = row(
            "events.k8s.io",
            "Event",
            json!({"metadata": {"name": "e"}, "type": "Warning", "reason": "BackOff",
            "regarding": {"kind": "Node"}, "note": "restarting", "eventTime": "2024-05-01T11:00:00.000000Z",
            "reportingController": "kubelet", "reportingInstance": "node-1"}),
        );
        assert_eq!(cell(&r, "LAST SEEN"), "60m");
        assert_eq!(cell(&r, "FIRST SEEN*"), "60m");
        assert_eq!(cell(&r, "OBJECT"), "node");
        assert_eq!(cell(&r, "SOURCE*"), "kubelet, node-1");
        assert_eq!(cell(&r, "MESSAGE"), "restarting");
        assert_eq!(cell(&r, "COUNT*"), 1);
        let r = row(
            "events.k8s.io",
            "Event",
            json!({"metadata": {"name": "e"},
            "regarding": {"kind": "Pod", "name": "p"}, "eventTime": "2024-05-01T11:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2024-05-01T11:59:30.000000Z"}}),
        );
        assert_eq!(
            (cell(&r, "LAST SEEN"), cell(&r, "COUNT*")),
            (&json!("30s"), &json!(7))
        );
        assert_eq!(cell(&r, "TYPE"), "");
    }
}
