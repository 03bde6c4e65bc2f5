//! `EventRecorder`: what a controller calls to report (client-go's
//! `tools/events.EventRecorder`).

use super::broadcaster::Sender;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;

/// The longest note the API server accepts (events.k8s.io validation: 1 kB).
pub const MAX_NOTE_BYTES: usize = 1024;

/// `type` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Things going as they should.
    Normal,
    /// Something the user may need to look at.
    Warning,
}

impl EventType {
    /// `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Records events as one controller instance. Cheap to clone; recording never
/// blocks: events go to the [`super::EventBroadcaster`], which writes them.
#[derive(Clone)]
pub struct EventRecorder {
    reporting_controller: String,
    reporting_instance: String,
    sender: Sender,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder")
            .field("reporting_controller", &self.reporting_controller)
            .field("reporting_instance", &self.reporting_instance)
            .finish_non_exhaustive()
    }
}

impl EventRecorder {
    pub(crate) fn new(
        reporting_controller: &str,
        reporting_instance: &str,
        sender: Sender,
    ) -> Self {
        EventRecorder {
            reporting_controller: reporting_controller.to_string(),
            reporting_instance: reporting_instance.to_string(),
            sender,
        }
    }

    /// Records that `action` was taken (or failed) on `regarding` for
    /// `reason`, with a human-readable `note` (client-go's `Eventf`; format
    /// the note with `format!`). `related` names a second object involved.
    /// Repeats of the same regarding/related/action/reason within the
    /// aggregation window become one Event with a `series`.
    pub fn event(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        type_: EventType,
        reason: &str,
        action: &str,
        note: &str,
    ) {
        let event = self.make_event(regarding, related, type_, reason, action, note);
        self.sender.send(event);
    }

    fn make_event(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        type_: EventType,
        reason: &str,
        action: &str,
        note: &str,
    ) -> Event {
        let now = micro_now();
        let mut event = Event {
            event_time: Some(MicroTime(now)),
            reporting_controller: Some(self.reporting_controller.clone()),
            reporting_instance: Some(self.reporting_instance.clone()),
            action: Some(action.to_string()),
            reason: Some(reason.to_string()),
            regarding: Some(regarding.clone()),
            related: related.cloned(),
            note: Some(truncate(note, MAX_NOTE_BYTES).to_string()),
            type_: Some(type_.as_str().to_string()),
            ..Default::default()
        };
        // client-go: `<regarding name>.<hex nanoseconds>`, in the regarding
        // object's namespace (default for cluster-scoped objects).
        let nanos = now.as_nanosecond();
        event.metadata.name = Some(format!(
            "{}.{:x}",
            regarding.name.as_deref().unwrap_or_default(),
            nanos
        ));
        event.metadata.namespace = Some(
            regarding
                .namespace
                .clone()
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| "default".to_string()),
        );
        event
    }
}

/// The wall clock at MicroTime precision.
pub(crate) fn micro_now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let micros = since_epoch.subsec_micros() as i32;
    Timestamp::new(since_epoch.as_secs() as i64, micros * 1000).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_characters_whole() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}
