//! Stamping `metadata.resourceVersion` into an object's stored JSON.
//!
//! Storage keeps objects without `resourceVersion` (the revision is the
//! storage's own); every object served carries it. Parsing the stored bytes
//! and serializing them again to add one field was a whole decode and encode
//! per write in the watch cache and another encode per response, so the
//! field is spliced in instead. The splice puts it last in `metadata`,
//! exactly where `serde_json` (with `preserve_order`) puts a field inserted
//! into the decoded object, so both ways give the same bytes.

/// `json` (compact, as `serde_json` writes it, without
/// `metadata.resourceVersion`) with `"resourceVersion":"<revision>"` added
/// as the last field of its top-level `metadata` object. `None` when `json`
/// is not an object with a `metadata` object or already names a
/// `resourceVersion` there: the caller then takes the slow way.
pub fn stamp_resource_version(json: &[u8], revision: i64) -> Option<Vec<u8>> {
    StampPoint::find(json).map(|point| point.stamp(json, revision))
}

/// Where the revision goes in one JSON document, found once for a writer
/// that stamps the same bytes more than once (the response, the watch cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StampPoint {
    /// Offset of the closing brace of `metadata`.
    close: usize,
    /// Whether `metadata` has no field yet.
    empty: bool,
}

impl StampPoint {
    /// The point of `json`; `None` as for [`stamp_resource_version`].
    pub fn find(json: &[u8]) -> Option<StampPoint> {
        let (open, close) = metadata_span(json)?;
        if contains_top_level_key(&json[open + 1..close], b"resourceVersion") {
            return None;
        }
        Some(StampPoint {
            close,
            empty: close == open + 1,
        })
    }

    /// `json` (the document the point was found in) stamped with `revision`.
    pub fn stamp(self, json: &[u8], revision: i64) -> Vec<u8> {
        let field = format!("\"resourceVersion\":\"{revision}\"");
        let mut out = Vec::with_capacity(json.len() + field.len() + 1);
        out.extend_from_slice(&json[..self.close]);
        if !self.empty {
            out.push(b',');
        }
        out.extend_from_slice(field.as_bytes());
        out.extend_from_slice(&json[self.close..]);
        out
    }
}

/// Byte offsets of the `{` and `}` of the top-level `metadata` object.
fn metadata_span(json: &[u8]) -> Option<(usize, usize)> {
    let mut scanner = Scanner { json, pos: 0 };
    if scanner.next_byte()? != b'{' {
        return None;
    }
    loop {
        match scanner.next_byte()? {
            b'}' => return None,
            b',' => continue,
            b'"' => {}
            _ => return None,
        }
        let key_start = scanner.pos;
        scanner.skip_string_rest()?;
        let key = &json[key_start..scanner.pos - 1];
        if scanner.next_byte()? != b':' {
            return None;
        }
        let value_start = scanner.pos;
        scanner.skip_value()?;
        if key == b"metadata" {
            return (json[value_start] == b'{').then(|| (value_start, scanner.pos - 1));
        }
    }
}

/// Whether the members of an object (the bytes between its braces) include `key`.
fn contains_top_level_key(members: &[u8], key: &[u8]) -> bool {
    let mut scanner = Scanner {
        json: members,
        pos: 0,
    };
    while let Some(b) = scanner.next_byte() {
        match b {
            b',' => continue,
            b'"' => {}
            _ => return false,
        }
        let start = scanner.pos;
        if scanner.skip_string_rest().is_none() {
            return false;
        }
        if &members[start..scanner.pos - 1] == key {
            return true;
        }
        if scanner.next_byte() != Some(b':') || scanner.skip_value().is_none() {
            return false;
        }
    }
    false
}

/// A cursor over compact JSON that skips whole values without decoding them.
struct Scanner<'a> {
    json: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn next_byte(&mut self) -> Option<u8> {
        let b = *self.json.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// Skips past the closing quote of a string whose opening quote was read.
    fn skip_string_rest(&mut self) -> Option<()> {
        loop {
            match self.next_byte()? {
                b'"' => return Some(()),
                b'\\' => {
                    self.next_byte()?;
                }
                _ => {}
            }
        }
    }

    /// Skips one value (object, array, string or scalar).
    fn skip_value(&mut self) -> Option<()> {
        match self.next_byte()? {
            b'"' => self.skip_string_rest(),
            b'{' | b'[' => {
                let mut depth = 1usize;
                while depth > 0 {
                    match self.next_byte()? {
                        b'"' => self.skip_string_rest()?,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                }
                Some(())
            }
            _ => {
                while let Some(&b) = self.json.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']') {
                        break;
                    }
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// What decoding, inserting the field and encoding again gives.
    fn the_slow_way(obj: &Value, revision: i64) -> Vec<u8> {
        let mut obj = obj.clone();
        keelson_apimachinery::meta::set_meta(
            &mut obj,
            "resourceVersion",
            Some(Value::String(revision.to_string())),
        );
        serde_json::to_vec(&obj).unwrap()
    }

    #[test]
    fn splices_exactly_what_a_decode_and_encode_gives() {
        for obj in [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "d"}, "data": {"k": "v"}}),
            json!({"kind": "X", "metadata": {}}),
            json!({"metadata": {"name": "first"}, "kind": "X"}),
            // Quotes, escapes, braces and a decoy `metadata` inside strings and nested objects.
            json!({
                "kind": "ConfigMap",
                "data": {"metadata": "{\"resourceVersion\":\"1\"}", "q": "a\\\"}]"},
                "spec": {"metadata": {"name": "nested"}, "list": [1, {"x": [true, null, 2.5]}]},
                "metadata": {"name": "b", "labels": {"a\"b": "c}"}, "managedFields": [{"fieldsV1": {"f:data": {}}}]},
                "status": {"n": -3e5}
            }),
        ] {
            let bytes = serde_json::to_vec(&obj).unwrap();
            assert_eq!(
                stamp_resource_version(&bytes, 42).map(String::from_utf8),
                Some(Ok(String::from_utf8(the_slow_way(&obj, 42)).unwrap())),
                "{obj}"
            );
        }
    }

    #[test]
    fn declines_what_it_cannot_stamp() {
        for bytes in [
            &br#"{"metadata":{"name":"a","resourceVersion":"3"}}"#[..],
            br#"{"kind":"X"}"#,
            br#"{"metadata":"x"}"#,
            br#"[1,2]"#,
            br#"{"metadata":{"name":"a""#,
            b"",
        ] {
            assert_eq!(
                stamp_resource_version(bytes, 1),
                None,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        // A nested resourceVersion is someone else's field.
        assert_eq!(
            stamp_resource_version(br#"{"metadata":{"x":{"resourceVersion":"1"}}}"#, 7).unwrap(),
            br#"{"metadata":{"x":{"resourceVersion":"1"},"resourceVersion":"7"}}"#
        );
    }
}
