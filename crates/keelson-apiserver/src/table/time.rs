//! Times as kube-apiserver prints them: `duration.HumanDuration` of the time
//! since a timestamp (`45s`, `3m12s`, `5h`, `2d5h`, `3y`).

use chrono::{DateTime, Utc};
use serde_json::Value;

/// kube-apiserver's `duration.HumanDuration`: `45s`, `3m12s`, `5h`, `2d5h`, `3y`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".to_string();
    }
    let secs = secs.max(0);
    let minutes = secs / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    let years = days / 365;
    if secs < 60 * 2 {
        format!("{secs}s")
    } else if minutes < 10 {
        if secs % 60 == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{}s", secs % 60)
        }
    } else if minutes < 60 * 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        if minutes % 60 == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{}m", minutes % 60)
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        if hours % 24 == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{}h", hours % 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        if days % 365 == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{}d", days % 365)
        }
    } else {
        format!("{years}y")
    }
}

/// The age cell of an object (`<unknown>` without a creation timestamp).
pub fn age(obj: &Value) -> String {
    Now::new().age(obj)
}

/// A timestamp field (`metav1.Time` or `metav1.MicroTime`); `None` when
/// absent, null or unparsable, which Go sees as the zero time.
pub fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant a whole Table is printed at, so every row of one response
/// measures its ages from the same moment.
#[derive(Debug, Clone, Copy)]
pub struct Now(DateTime<Utc>);

impl Now {
    /// The current time.
    pub fn new() -> Self {
        Now(Utc::now())
    }

    /// A fixed instant (tests).
    pub fn at(t: DateTime<Utc>) -> Self {
        Now(t)
    }

    /// `translateTimestampSince`: the human duration since `ts`, `<unknown>`
    /// for the zero time.
    pub fn since(&self, ts: &Value) -> String {
        match parse_time(ts) {
            Some(t) => self.since_time(t),
            None => "<unknown>".to_string(),
        }
    }

    /// The human duration since a parsed time.
    pub fn since_time(&self, t: DateTime<Utc>) -> String {
        human_duration(self.0.signed_duration_since(t).num_seconds())
    }

    /// The AGE cell: time since `metadata.creationTimestamp`.
    pub fn age(&self, obj: &Value) -> String {
        self.since(&obj["metadata"]["creationTimestamp"])
    }
}

impl Default for Now {
    fn default() -> Self {
        Self::new()
    }
}

/// `metav1.Time.UTC().Format(time.RFC3339)`; the zero time prints as
/// `0001-01-01T00:00:00Z`, as Go prints it.
pub fn rfc3339(ts: &Value) -> String {
    match parse_time(ts) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => "0001-01-01T00:00:00Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ages_like_kube() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(5 * 3600), "5h");
        assert_eq!(human_duration(5 * 3600 + 60 * 7), "5h7m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration((2 * 24 + 5) * 3600), "2d5h");
        assert_eq!(human_duration(20 * 24 * 3600), "20d");
        assert_eq!(human_duration(3 * 365 * 24 * 3600), "3y");
        assert_eq!(human_duration(-1), "0s");
        assert_eq!(human_duration(-5), "<invalid>");
    }

    #[test]
    fn since_a_timestamp() {
        let now = Now::at(parse_time(&json!("2024-05-01T12:00:00Z")).unwrap());
        assert_eq!(now.since(&json!("2024-05-01T11:55:00Z")), "5m");
        assert_eq!(now.since(&json!("2024-05-01T11:59:59.500000Z")), "0s");
        assert_eq!(now.since(&Value::Null), "<unknown>");
        assert_eq!(now.age(&json!({"metadata": {}})), "<unknown>");
    }

    #[test]
    fn rfc3339_drops_fractions_and_prints_zero_time() {
        assert_eq!(
            rfc3339(&json!("2024-05-01T12:00:00.123456+02:00")),
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(rfc3339(&Value::Null), "0001-01-01T00:00:00Z");
    }
}
