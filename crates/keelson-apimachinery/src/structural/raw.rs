//! A JSON document as sent, duplicate keys and key order included, so that
//! strict decoding can report what Go's decoder reports.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::fmt;

/// One JSON value; objects keep every key in document order, duplicates too.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// `null`.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Raw>),
    /// An object, as sent.
    Object(Vec<(String, Raw)>),
}

impl Raw {
    /// Parses JSON bytes (`None` if they are not JSON).
    pub fn parse_json(bytes: &[u8]) -> Option<Raw> {
        serde_json::from_slice(bytes).ok()
    }

    /// A decoded value as Go re-reads it after a round trip through a Go
    /// map: object keys sorted.
    pub fn from_value_sorted(value: &Value) -> Raw {
        match value {
            Value::Null => Raw::Null,
            Value::Bool(b) => Raw::Bool(*b),
            Value::Number(n) => Raw::Number(n.clone()),
            Value::String(s) => Raw::String(s.clone()),
            Value::Array(items) => Raw::Array(items.iter().map(Raw::from_value_sorted).collect()),
            Value::Object(map) => {
                let mut entries: Vec<(String, Raw)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Raw::from_value_sorted(v)))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Raw::Object(entries)
            }
        }
    }

    /// How Go's decoder names the JSON kind in type errors.
    pub fn go_kind(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool(_) => "bool",
            Raw::Number(_) => "number",
            Raw::String(_) => "string",
            Raw::Array(_) => "array",
            Raw::Object(_) => "object",
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Number::from_f64(v)
            .map(Raw::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Raw>()? {
            entries.push((k, v));
        }
        Ok(Raw::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicates_in_order() {
        let raw = Raw::parse_json(br#"{"b": 1, "a": {"x": true}, "b": 2}"#).unwrap();
        let Raw::Object(entries) = raw else { panic!() };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
    }

    #[test]
    fn sorted_from_value() {
        let v = serde_json::json!({"b": 1, "a": [{"d": 1, "c": 2}]});
        let Raw::Object(entries) = Raw::from_value_sorted(&v) else {
            panic!()
        };
        assert_eq!(entries[0].0, "a");
        let Raw::Array(items) = &entries[0].1 else {
            panic!()
        };
        let Raw::Object(inner) = &items[0] else {
            panic!()
        };
        assert_eq!(inner[0].0, "c");
    }

    #[test]
    fn not_json() {
        assert!(Raw::parse_json(b"a: 1").is_none());
    }
}
