//! Request and response bodies: media types, JSON/YAML decoding with
//! kube-apiserver's error messages, multi-document streams for the CLI, and
//! JSON/YAML output as kubectl prints it.

mod go_json;
mod yaml_decode;
mod yaml_encode;
mod yaml_resolve;

use crate::status::ApiError;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// A request body's media type, from its `Content-Type` header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// `application/json` (also what an absent Content-Type means).
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/json-patch+json` (RFC 6902).
    JsonPatch,
    /// `application/merge-patch+json` (RFC 7386).
    MergePatch,
    /// `application/strategic-merge-patch+json`.
    StrategicMergePatch,
    /// `application/apply-patch+yaml` (server-side apply).
    ApplyPatch,
    /// `application/vnd.kubernetes.protobuf`.
    Protobuf,
    /// Anything else, lowercased, without parameters.
    Other(String),
}

impl ContentType {
    /// Parses a header value: parameters (`; charset=utf-8`) are dropped and
    /// case is ignored; an empty value means JSON, as kube-apiserver assumes.
    pub fn parse(header: &str) -> Self {
        let media = header
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "" | "application/json" => ContentType::Json,
            "application/yaml" => ContentType::Yaml,
            "application/json-patch+json" => ContentType::JsonPatch,
            "application/merge-patch+json" => ContentType::MergePatch,
            "application/strategic-merge-patch+json" => ContentType::StrategicMergePatch,
            "application/apply-patch+yaml" => ContentType::ApplyPatch,
            "application/vnd.kubernetes.protobuf" => ContentType::Protobuf,
            _ => ContentType::Other(media),
        }
    }

    /// The media type string.
    pub fn as_str(&self) -> &str {
        match self {
            ContentType::Json => "application/json",
            ContentType::Yaml => "application/yaml",
            ContentType::JsonPatch => "application/json-patch+json",
            ContentType::MergePatch => "application/merge-patch+json",
            ContentType::StrategicMergePatch => "application/strategic-merge-patch+json",
            ContentType::ApplyPatch => "application/apply-patch+yaml",
            ContentType::Protobuf => "application/vnd.kubernetes.protobuf",
            ContentType::Other(s) => s,
        }
    }
}

impl FromStr for ContentType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Go's `json.Unmarshal` syntax error for a body serde_json rejected, if Go
/// rejects it too (e.g. `unexpected end of JSON input`).
pub(crate) fn go_syntax_error(body: &[u8]) -> Option<String> {
    go_json::syntax_error(body).map(|e| e.message)
}

pub(crate) use go_json::json_kind as go_json_kind;

/// The media types [`decode_object`] reads, as listed in a 415 answer.
pub const DECODABLE_MEDIA_TYPES: &[&str] = &["application/json", "application/yaml"];

/// The Go type kube-apiserver first decodes a body into, to find its kind.
const FIND_KIND_TYPE: &str =
    "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }";

/// Why a body did not decode: the message kube-apiserver's decoder gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// The decoder's message, e.g. `couldn't get version/kind; json parse error: ...`.
    pub message: String,
}

impl From<DecodeError> for ApiError {
    fn from(e: DecodeError) -> Self {
        ApiError::bad_request(e.message)
    }
}

fn decode_error(message: impl Into<String>) -> DecodeError {
    DecodeError {
        message: message.into(),
    }
}

fn unsupported() -> ApiError {
    ApiError::new(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            DECODABLE_MEDIA_TYPES.join(", ")
        ),
    )
}

/// Checks a decoded JSON value the way the version/kind probe does.
fn find_kind(value: Value) -> Result<Map<String, Value>, DecodeError> {
    let prefix = "couldn't get version/kind; json parse error: ";
    match value {
        Value::Object(map) => {
            for field in ["apiVersion", "kind"] {
                match map.get(field) {
                    None | Some(Value::Null | Value::String(_)) => {}
                    Some(other) => {
                        return Err(decode_error(format!(
                            "{prefix}json: cannot unmarshal {} into Go struct field .{field} of type string",
                            go_json::json_kind(other)
                        )));
                    }
                }
            }
            Ok(map)
        }
        // `null` decodes to nothing; the URL supplies the kind.
        Value::Null => Ok(Map::new()),
        other => Err(decode_error(format!(
            "{prefix}{}",
            go_json::unmarshal_type_error(&other, FIND_KIND_TYPE)
        ))),
    }
}

fn json_value(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice::<Value>(body)
        .map_err(|e| go_json::syntax_error(body).map_or_else(|| e.to_string(), |g| g.message))
}

// ApiError is the crate's error type for everything that becomes a Status;
// boxing it here alone would buy nothing.
#[allow(clippy::result_large_err)]
fn decode(
    body: &[u8],
    content_type: &ContentType,
) -> Result<Result<Map<String, Value>, DecodeError>, ApiError> {
    Ok(match content_type {
        ContentType::Json | ContentType::MergePatch | ContentType::StrategicMergePatch => {
            match json_value(body) {
                Ok(v) => find_kind(v),
                Err(m) => Err(decode_error(format!(
                    "couldn't get version/kind; json parse error: {m}"
                ))),
            }
        }
        ContentType::Yaml => match yaml_decode::yaml_to_json(body) {
            Ok(v) => find_kind(v),
            Err(m) => Err(decode_error(format!("error converting YAML to JSON: {m}"))),
        },
        ContentType::ApplyPatch => match yaml_decode::yaml_to_json(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(Value::Null) => Ok(Map::new()),
            Ok(other) => Err(decode_error(format!(
                "error decoding YAML: error unmarshaling JSON: {}",
                go_json::unmarshal_type_error(&other, "map[string]interface {}")
            ))),
            Err(m) => Err(decode_error(format!(
                "error decoding YAML: error converting YAML to JSON: {m}"
            ))),
        },
        ContentType::JsonPatch | ContentType::Protobuf | ContentType::Other(_) => {
            return Err(unsupported())
        }
    })
}

/// Decodes a request body into a JSON object.
///
/// JSON bodies (also merge and strategic-merge patches) and YAML bodies
/// (also apply patches) are read; YAML follows `sigs.k8s.io/yaml` (first
/// document only, YAML 1.1 scalars). A malformed body is 400 BadRequest with
/// the decoder's message, e.g. `couldn't get version/kind; json parse error:
/// invalid character 'a' looking for beginning of value` or `error converting
/// YAML to JSON: yaml: line 2: mapping values are not allowed in this context`;
/// other media types are 415. A `null` or empty YAML body is an empty object.
#[allow(clippy::result_large_err)]
pub fn decode_object(
    body: &[u8],
    content_type: &ContentType,
) -> Result<Map<String, Value>, ApiError> {
    decode(body, content_type)?.map_err(ApiError::from)
}

/// [`decode_object`] with the message kube-apiserver's create and update
/// handlers give: `the object provided is unrecognized (must be of type Pod):
/// <decoder message> (<start of the body>)`.
#[allow(clippy::result_large_err)]
pub fn decode_object_as(
    body: &[u8],
    content_type: &ContentType,
    kind: &str,
) -> Result<Map<String, Value>, ApiError> {
    decode(body, content_type)?.map_err(|e| {
        ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {kind}): {} ({})",
            e.message,
            summarize(body, 30)
        ))
    })
}

/// The first bytes of a body as kube-apiserver quotes them: text for JSON
/// objects, hex otherwise, ` ...` when cut.
fn summarize(body: &[u8], max: usize) -> String {
    let cut = body.len() > max;
    let head = &body[..body.len().min(max)];
    let shown = match body.first() {
        None => return "<empty>".to_string(),
        Some(b'{') => String::from_utf8_lossy(head).into_owned(),
        Some(_) => head.iter().map(|b| format!("{b:02x}")).collect(),
    };
    if cut {
        format!("{shown} ...")
    } else {
        shown
    }
}

/// Splits YAML into documents the way kubectl's `YAMLReader` does: at lines
/// starting with `---`, which may only be followed by a comment.
fn yaml_chunks(data: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut chunks = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    for raw in data.split_inclusive(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(rest) = line.strip_prefix(b"---") {
            let trimmed = String::from_utf8_lossy(rest);
            let trimmed = trimmed.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(decode_error(format!(
                    "invalid Yaml document separator: {trimmed}"
                )));
            }
            if !buffer.is_empty() {
                chunks.push(std::mem::take(&mut buffer));
                continue;
            }
        }
        buffer.extend_from_slice(line);
        buffer.push(b'\n');
    }
    if !buffer.is_empty() {
        chunks.push(buffer);
    }
    Ok(chunks)
}

fn decode_yaml_stream(data: &[u8], docs: &mut Vec<Value>) -> Result<(), DecodeError> {
    for chunk in yaml_chunks(data)? {
        match yaml_decode::yaml_to_json(&chunk) {
            Ok(Value::Null) => {}
            Ok(v) => docs.push(v),
            Err(m) => return Err(decode_error(format!("error converting YAML to JSON: {m}"))),
        }
    }
    Ok(())
}

/// Reads a file's worth of objects as kubectl does: a stream of JSON values
/// when it starts with `{`, else YAML documents separated by `---`; empty
/// (null) documents are skipped. A JSON stream that breaks after its first
/// value is re-read as YAML, and the JSON error is reported if that fails too.
pub fn decode_documents(data: &[u8]) -> Result<Vec<Value>, DecodeError> {
    let mut docs = Vec::new();
    let looks_json = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !looks_json {
        decode_yaml_stream(data, &mut docs)?;
        return Ok(docs);
    }
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => return Ok(docs.into_iter().filter(|v| !v.is_null()).collect()),
            Some(Ok(v)) => docs.push(v),
            Some(Err(e)) => {
                let go = go_json::stream_syntax_error(data, start);
                let raw = go
                    .as_ref()
                    .map_or_else(|| e.to_string(), |g| g.message.clone());
                if docs.len() > 1 {
                    return Err(decode_error(raw));
                }
                let json_error = match &go {
                    Some(g) if g.message != "unexpected EOF" => {
                        format!("json: offset {}: {}", g.offset, g.message)
                    }
                    _ => raw,
                };
                let rest = skip_to_line_end(&data[start..]);
                docs.retain(|v| !v.is_null());
                return match decode_yaml_stream(rest, &mut docs) {
                    Ok(()) => Ok(docs),
                    Err(_) => Err(decode_error(json_error)),
                };
            }
        }
    }
}

/// Drops leading whitespace up to and including the first newline.
fn skip_to_line_end(data: &[u8]) -> &[u8] {
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            return &data[i + 1..];
        }
        if !b.is_ascii_whitespace() {
            return &data[i..];
        }
    }
    &[]
}

/// YAML as `kubectl -o yaml` prints it (go-yaml v2 via `sigs.k8s.io/yaml`):
/// block style, keys in the object's order, sequences not indented under their
/// key, strings quoted only when YAML 1.1 would misread them (`"true"`,
/// `"0777"`, timestamps), multi-line strings as `|` blocks, lines folded after
/// column 80. Ends with a newline.
pub fn to_yaml(value: &Value) -> String {
    yaml_encode::to_yaml(value)
}

/// JSON as `kubectl -o json` prints it: four-space indent, Go's escaping of
/// `<`, `>` and `&`, Go's float format, and a final newline.
pub fn to_json_pretty(value: &Value) -> String {
    let mut s = go_json::to_string_with(value, go_json::GoFormatter::indented(b"    "));
    s.push('\n');
    s
}

/// Compact JSON byte-for-byte as Go's `json.Marshal` writes it (the body
/// kube-apiserver sends, minus the encoder's final newline).
pub fn to_json(value: &Value) -> String {
    go_json::to_string_with(value, go_json::GoFormatter::compact())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_types() {
        assert_eq!(
            ContentType::parse("application/json; charset=utf-8"),
            ContentType::Json
        );
        assert_eq!(ContentType::parse(""), ContentType::Json);
        assert_eq!(ContentType::parse("Application/YAML"), ContentType::Yaml);
        assert_eq!(
            ContentType::parse("application/json-patch+json"),
            ContentType::JsonPatch
        );
        assert_eq!(
            ContentType::parse("application/merge-patch+json"),
            ContentType::MergePatch
        );
        assert_eq!(
            ContentType::parse("application/strategic-merge-patch+json"),
            ContentType::StrategicMergePatch
        );
        assert_eq!(
            ContentType::parse("application/apply-patch+yaml"),
            ContentType::ApplyPatch
        );
        assert_eq!(
            ContentType::parse("application/vnd.kubernetes.protobuf"),
            ContentType::Protobuf
        );
        assert_eq!(
            ContentType::parse("text/plain"),
            ContentType::Other("text/plain".into())
        );
        assert_eq!(
            "application/yaml"
                .parse::<ContentType>()
                .unwrap()
                .to_string(),
            "application/yaml"
        );
    }

    #[test]
    fn decodes_json_and_yaml_objects() {
        let j = decode_object(
            br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}"#,
            &ContentType::Json,
        )
        .unwrap();
        assert_eq!(
            Value::Object(j.clone()),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}})
        );
        let y = decode_object(
            b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n",
            &ContentType::Yaml,
        )
        .unwrap();
        assert_eq!(j, y);
        let keys: Vec<&String> = y.keys().collect();
        assert_eq!(
            keys,
            ["apiVersion", "kind", "data"],
            "document order is kept"
        );
        assert!(decode_object(b"null", &ContentType::Json)
            .unwrap()
            .is_empty());
        assert!(decode_object(b"", &ContentType::Yaml).unwrap().is_empty());
    }

    #[test]
    fn malformed_bodies_are_bad_requests_with_kube_messages() {
        let e = decode_object(b"apiVersion: v1", &ContentType::Json).unwrap_err();
        assert_eq!((e.code, e.reason.as_str()), (400, "BadRequest"));
        assert_eq!(e.message, "couldn't get version/kind; json parse error: invalid character 'a' looking for beginning of value");
        let e = decode_object(b"{\"kind\":", &ContentType::Json).unwrap_err();
        assert_eq!(
            e.message,
            "couldn't get version/kind; json parse error: unexpected end of JSON input"
        );
        let e = decode_object(b"[1]", &ContentType::Json).unwrap_err();
        assert_eq!(
            e.message,
            "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }"
        );
        let e = decode_object(br#"{"apiVersion": 1}"#, &ContentType::Json).unwrap_err();
        assert_eq!(e.message, "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .apiVersion of type string");
        let e = decode_object(b"kind: Pod\nmetadata: name: x\n", &ContentType::Yaml).unwrap_err();
        assert_eq!(e.message, "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context");
        let e = decode_object(b"a: [", &ContentType::ApplyPatch).unwrap_err();
        assert!(
            e.message
                .starts_with("error decoding YAML: error converting YAML to JSON: yaml: "),
            "{}",
            e.message
        );
        let e = decode_object(b"{}", &ContentType::Protobuf).unwrap_err();
        assert_eq!(e.code, 415);
        assert_eq!(e.message, "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
    }

    #[test]
    fn create_handler_message_summarizes_the_body() {
        let e = decode_object_as(
            b"apiVersion: v1\r\nkind: PersistentVolume\r\n",
            &ContentType::Json,
            "PersistentVolume",
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "the object provided is unrecognized (must be of type PersistentVolume): couldn't get version/kind; json parse error: invalid character 'a' looking for beginning of value (61706956657273696f6e3a2076310d0a6b696e643a205065727369737465 ...)"
        );
        let e = decode_object_as(b"{\"a\" 1}", &ContentType::Json, "Pod").unwrap_err();
        assert!(
            e.message
                .ends_with("invalid character '1' after object key ({\"a\" 1})"),
            "{}",
            e.message
        );
    }

    #[test]
    fn multi_document_yaml_and_json_streams() {
        let yaml = b"---\napiVersion: v1\nkind: A\n---\n# only a comment\n---\napiVersion: v1\nkind: B\nx: on\n";
        let docs = decode_documents(yaml).unwrap();
        assert_eq!(
            docs,
            vec![
                json!({"apiVersion": "v1", "kind": "A"}),
                json!({"apiVersion": "v1", "kind": "B", "x": true})
            ]
        );
        let stream =
            decode_documents(b"{\"kind\":\"A\"}\n{\"kind\":\"B\"} {\"kind\":\"C\"}").unwrap();
        assert_eq!(stream.len(), 3);
        let mixed = decode_documents(b"{\"kind\":\"A\"}\n---\nkind: B\n").unwrap();
        assert_eq!(mixed, vec![json!({"kind": "A"}), json!({"kind": "B"})]);
        assert!(decode_documents(b"  \n").unwrap().is_empty());
        assert_eq!(
            decode_documents(b"a: 1\r\n---\r\nb: 2\r\n").unwrap(),
            vec![json!({"a": 1}), json!({"b": 2})]
        );
    }

    #[test]
    fn stream_errors() {
        assert_eq!(
            decode_documents(b"a: 1\n--- x\n").unwrap_err().message,
            "invalid Yaml document separator: x"
        );
        let e = decode_documents(b"a: 1\n---\nb: c: d\n").unwrap_err();
        assert_eq!(
            e.message,
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context"
        );
        assert_eq!(
            decode_documents(b"{\"a\": 1,}").unwrap(),
            vec![json!({"a": 1})],
            "YAML reads it"
        );
        let e = decode_documents(b"{\"a\": [1 }").unwrap_err();
        assert_eq!(
            e.message,
            "json: offset 10: invalid character '}' after array element"
        );
        let e = decode_documents(b"{}{}{\"a\"").unwrap_err();
        assert_eq!(e.message, "unexpected EOF");
    }

    #[test]
    fn yaml_round_trip_keeps_types() {
        let v = json!({"s": ["yes", "0777", "1.5", "", "null", "2024-01-01", "12:30", "a\nb\n", " x"], "n": [1, -2, 1.5, true, null],
                       "big": u64::MAX, "nested": {"k": [{"a": {}}, []]}});
        let yaml = to_yaml(&v);
        let back = decode_object(yaml.as_bytes(), &ContentType::Yaml).unwrap();
        assert_eq!(Value::Object(back), v, "{yaml}");
    }

    #[test]
    fn json_output_matches_go() {
        let v = json!({"a": [1, 2.5], "h": "<x>", "e": {}});
        assert_eq!(to_json(&v), r#"{"a":[1,2.5],"h":"\u003cx\u003e","e":{}}"#);
        assert_eq!(
            to_json_pretty(&v),
            "{\n    \"a\": [\n        1,\n        2.5\n    ],\n    \"h\": \"\\u003cx\\u003e\",\n    \"e\": {}\n}\n"
        );
    }
}
