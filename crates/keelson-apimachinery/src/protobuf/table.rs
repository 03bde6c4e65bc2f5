//! The embedded message table written by `tools/gen-protobuf.py`: every
//! built-in proto message with its fields, and the apiVersion/kind index.

use flate2::read::GzDecoder;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

static TABLE_GZ: &[u8] = include_bytes!("table.json.gz");

/// Field flag: a zero value on the wire is kept in JSON (see the generator's
/// ZERO VALUES note).
const KEEP_ZERO: u64 = 1;
/// Field flag: a Go embedded struct whose fields are merged into the parent.
const INLINE: u64 = 2;

/// How a message's JSON looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An object of its fields (nearly every message).
    Object,
    /// `meta.v1.Time`: RFC 3339, seconds precision.
    Time,
    /// `meta.v1.MicroTime`: RFC 3339 with 6 fractional digits.
    MicroTime,
    /// `meta.v1.Duration`: a Go duration string.
    Duration,
    /// `resource.Quantity`: its string.
    Quantity,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    /// `runtime.RawExtension`, `meta.v1.FieldsV1`, apiextensions `JSON`: embedded JSON bytes.
    RawJson,
    /// A Go slice type (`ExtraValue`, `Verbs`): the bare array of its `items`.
    List,
    /// apiextensions `JSONSchemaPropsOrArray`.
    SchemaOrArray,
    /// apiextensions `JSONSchemaPropsOrBool`.
    SchemaOrBool,
    /// apiextensions `JSONSchemaPropsOrStringArray`.
    SchemaOrStringArray,
}

/// A field's protobuf scalar type, or `Message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Bytes,
    Int32,
    Int64,
    Bool,
    Double,
    Message,
}

/// Single, repeated, or `map<string, V>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cardinality {
    One,
    Repeated,
    Map,
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) tag: u32,
    pub(crate) json_name: String,
    pub(crate) kind: Kind,
    pub(crate) cardinality: Cardinality,
    pub(crate) keep_zero: bool,
    pub(crate) inline: bool,
    /// Index of the message type in [`Table::messages`] (also a map's value type).
    pub(crate) message: Option<usize>,
}

/// One message: its shape and fields sorted by tag.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) name: String,
    pub(crate) shape: Shape,
    pub(crate) fields: Vec<Field>,
}

impl Message {
    /// The field numbered `tag`, if the table knows it.
    pub(crate) fn field(&self, tag: u32) -> Option<&Field> {
        self.fields
            .binary_search_by_key(&tag, |f| f.tag)
            .ok()
            .map(|i| &self.fields[i])
    }
}

/// All messages, and the kinds that can be decoded.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) messages: Vec<Message>,
    /// `"apps/v1/Deployment"` → message index.
    kinds: HashMap<String, usize>,
}

impl Table {
    /// The message of objects of `apiVersion`/`kind`.
    pub(crate) fn kind(&self, api_version: &str, kind: &str) -> Option<&Message> {
        self.kinds
            .get(&format!("{api_version}/{kind}"))
            .map(|&i| &self.messages[i])
    }

    /// The message named `name`, e.g. `k8s.io.api.core.v1.ConfigMap`.
    #[cfg(test)]
    pub(crate) fn message(&self, name: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.name == name)
    }
}

/// The table, decompressed and indexed on first use.
pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut json = Vec::new();
        GzDecoder::new(TABLE_GZ)
            .read_to_end(&mut json)
            .expect("embedded protobuf table.json.gz is generated and valid gzip");
        let raw: Value =
            serde_json::from_slice(&json).expect("embedded protobuf table is valid JSON");
        build(&raw)
    })
}

fn build(raw: &Value) -> Table {
    const BAD: &str = "embedded protobuf table has the layout gen-protobuf.py writes";
    let messages_raw = raw["messages"].as_object().expect(BAD);
    let by_name: HashMap<String, usize> = messages_raw
        .keys()
        .enumerate()
        .map(|(i, name)| (name.clone(), i))
        .collect();
    let messages = messages_raw
        .iter()
        .map(|(name, entry)| {
            let shape = match entry["shape"].as_str() {
                None => Shape::Object,
                Some("time") => Shape::Time,
                Some("microtime") => Shape::MicroTime,
                Some("duration") => Shape::Duration,
                Some("quantity") => Shape::Quantity,
                Some("intorstring") => Shape::IntOrString,
                Some("rawjson") => Shape::RawJson,
                Some("list") => Shape::List,
                Some("schemaorarray") => Shape::SchemaOrArray,
                Some("schemaorbool") => Shape::SchemaOrBool,
                Some("schemaorstringarray") => Shape::SchemaOrStringArray,
                Some(other) => panic!("{BAD}: unknown shape {other}"),
            };
            let fields = entry["fields"]
                .as_array()
                .expect(BAD)
                .iter()
                .map(|row| {
                    let flags = row[4].as_u64().expect(BAD);
                    Field {
                        tag: row[0]
                            .as_u64()
                            .and_then(|t| u32::try_from(t).ok())
                            .expect(BAD),
                        json_name: row[1].as_str().expect(BAD).to_string(),
                        kind: match row[2].as_str().expect(BAD) {
                            "string" => Kind::String,
                            "bytes" => Kind::Bytes,
                            "int32" => Kind::Int32,
                            "int64" => Kind::Int64,
                            "bool" => Kind::Bool,
                            "double" => Kind::Double,
                            "message" => Kind::Message,
                            other => panic!("{BAD}: unknown kind {other}"),
                        },
                        cardinality: match row[3].as_str().expect(BAD) {
                            "one" => Cardinality::One,
                            "repeated" => Cardinality::Repeated,
                            "map" => Cardinality::Map,
                            other => panic!("{BAD}: unknown cardinality {other}"),
                        },
                        keep_zero: flags & KEEP_ZERO != 0,
                        inline: flags & INLINE != 0,
                        message: row
                            .get(5)
                            .and_then(Value::as_str)
                            .map(|t| *by_name.get(t).expect(BAD)),
                    }
                })
                .collect();
            Message {
                name: name.clone(),
                shape,
                fields,
            }
        })
        .collect();
    let kinds = raw["kinds"]
        .as_object()
        .expect(BAD)
        .iter()
        .map(|(k, v)| (k.clone(), *by_name.get(v.as_str().expect(BAD)).expect(BAD)))
        .collect();
    Table { messages, kinds }
}
