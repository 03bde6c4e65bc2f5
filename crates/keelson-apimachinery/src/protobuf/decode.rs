//! One proto message → the JSON Kubernetes' JSON encoding gives the same object.

use super::format::{go_duration, rfc3339, GO_ZERO_TIME_UNIX};
use super::table::{Cardinality, Field, Kind, Message, Shape, Table};
use super::wire::{packed_fixed64, packed_varints, Fields, WireValue};
use super::Malformed;
use base64::Engine;
use serde_json::{Map, Number, Value};

/// Deepest message nesting accepted; deeper input is rejected rather than
/// risking the stack (CRD schemas, the deepest real objects, stay far below).
const MAX_DEPTH: usize = 100;

/// Decodes `data` as `message`. `None` when the JSON encoding would have
/// nothing to write (a zero `Time`, an empty `RawExtension`).
pub(crate) fn decode_message(
    table: &Table,
    message: &Message,
    data: &[u8],
    depth: usize,
) -> Result<Option<Value>, Malformed> {
    if depth > MAX_DEPTH {
        return Err(Malformed(format!(
            "messages are nested more than {MAX_DEPTH} deep"
        )));
    }
    match message.shape {
        Shape::Object => decode_object(table, message, data, depth).map(|m| Some(Value::Object(m))),
        Shape::Time | Shape::MicroTime => {
            let (mut seconds, mut nanos, mut any) = (0i64, 0i32, false);
            for field in Fields::new(data) {
                let (tag, value) = field?;
                match (tag, value) {
                    (1, WireValue::Varint(v)) => (seconds, any) = (v as i64, true),
                    (2, WireValue::Varint(v)) => (nanos, any) = (v as i32, true),
                    (1 | 2, other) => return Err(wire_mismatch(message, tag, &other)),
                    _ => {}
                }
            }
            // Go's zero time.Time is written as an empty message and encodes to JSON null.
            if !any || (seconds == GO_ZERO_TIME_UNIX && nanos == 0) {
                return Ok(None);
            }
            rfc3339(seconds, nanos, message.shape == Shape::MicroTime)
                .map(|s| Some(Value::String(s)))
        }
        Shape::Duration => {
            let mut nanos = 0i64;
            for field in Fields::new(data) {
                match field? {
                    (1, WireValue::Varint(v)) => nanos = v as i64,
                    (1, other) => return Err(wire_mismatch(message, 1, &other)),
                    _ => {}
                }
            }
            Ok(Some(Value::String(go_duration(nanos))))
        }
        Shape::Quantity => {
            let mut text = None;
            for field in Fields::new(data) {
                match field? {
                    (1, WireValue::Bytes(b)) => text = Some(string(b)),
                    (1, other) => return Err(wire_mismatch(message, 1, &other)),
                    _ => {}
                }
            }
            // A zero resource.Quantity marshals as "0".
            Ok(Some(Value::String(
                text.filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "0".to_string()),
            )))
        }
        Shape::IntOrString => {
            let (mut is_string, mut int_val, mut str_val) = (false, 0i64, String::new());
            for field in Fields::new(data) {
                match field? {
                    (1, WireValue::Varint(v)) => is_string = v == 1,
                    (2, WireValue::Varint(v)) => int_val = i64::from(v as i32),
                    (3, WireValue::Bytes(b)) => str_val = string(b),
                    (tag @ 1..=3, other) => return Err(wire_mismatch(message, tag, &other)),
                    _ => {}
                }
            }
            Ok(Some(if is_string {
                Value::String(str_val)
            } else {
                Value::from(int_val)
            }))
        }
        Shape::RawJson => {
            let mut raw: &[u8] = &[];
            for field in Fields::new(data) {
                match field? {
                    (1, WireValue::Bytes(b)) => raw = b,
                    (1, other) => return Err(wire_mismatch(message, 1, &other)),
                    _ => {}
                }
            }
            raw_json(raw, &message.name, depth)
        }
        Shape::List => {
            let object = decode_object(table, message, data, depth)?;
            Ok(Some(
                object
                    .into_iter()
                    .next()
                    .map(|(_, items)| items)
                    .unwrap_or_else(|| Value::Array(Vec::new())),
            ))
        }
        Shape::SchemaOrArray | Shape::SchemaOrBool | Shape::SchemaOrStringArray => {
            schema_or(table, message, data, depth)
        }
    }
}

/// The JSON object of a message's fields: absent fields omitted, zero scalars
/// omitted unless the field keeps them, embedded structs merged in.
fn decode_object(
    table: &Table,
    message: &Message,
    data: &[u8],
    depth: usize,
) -> Result<Map<String, Value>, Malformed> {
    let mut out = Map::new();
    for item in Fields::new(data) {
        let (tag, value) = item?;
        let Some(field) = message.field(tag) else {
            continue; // Unknown fields are skipped, as proto decoders do.
        };
        match field.cardinality {
            Cardinality::One => {
                let Some(decoded) = single(table, message, field, value, depth)? else {
                    continue;
                };
                if field.inline {
                    if let Value::Object(embedded) = decoded {
                        out.extend(embedded);
                    }
                    continue;
                }
                // A message field seen twice is merged, as protobuf merges it.
                match (out.get_mut(&field.json_name), decoded) {
                    (Some(Value::Object(prev)), Value::Object(next)) => prev.extend(next),
                    (_, decoded) => {
                        out.insert(field.json_name.clone(), decoded);
                    }
                }
            }
            Cardinality::Repeated => {
                let items = repeated(table, message, field, value, depth)?;
                let slot = out
                    .entry(field.json_name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = slot {
                    list.extend(items);
                }
            }
            Cardinality::Map => {
                let WireValue::Bytes(entry) = value else {
                    return Err(wire_mismatch(message, tag, &value));
                };
                let (key, value) = map_entry(table, message, field, entry, depth)?;
                let slot = out
                    .entry(field.json_name.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = slot {
                    map.insert(key, value);
                }
            }
        }
    }
    Ok(out)
}

/// A non-repeated field; `None` when its JSON is omitted.
fn single(
    table: &Table,
    message: &Message,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Option<Value>, Malformed> {
    let decoded = scalar_or_message(table, message, field, value, depth)?;
    let Some(decoded) = decoded else {
        return Ok(None);
    };
    // A message field on the wire is set (Go omits only nil pointers to
    // structs), so only scalars are subject to the zero rule.
    let zero = field.kind != Kind::Message
        && match &decoded {
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            _ => false,
        };
    Ok((!zero || field.keep_zero).then_some(decoded))
}

/// The elements one wire value of a repeated field contributes (several when
/// scalars come packed).
fn repeated(
    table: &Table,
    message: &Message,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Vec<Value>, Malformed> {
    match (field.kind, value) {
        (Kind::Int32 | Kind::Int64 | Kind::Bool, WireValue::Bytes(packed)) => {
            packed_varints(packed)?
                .into_iter()
                .map(|v| scalar_or_message(table, message, field, WireValue::Varint(v), depth))
                .map(|r| r.map(Option::unwrap_or_default))
                .collect()
        }
        (Kind::Double, WireValue::Bytes(packed)) => packed_fixed64(packed)?
            .into_iter()
            .map(|v| scalar_or_message(table, message, field, WireValue::Fixed64(v), depth))
            .map(|r| r.map(Option::unwrap_or_default))
            .collect(),
        // An element whose JSON is null (a zero Time in a list) stays null.
        _ => Ok(vec![scalar_or_message(
            table, message, field, value, depth,
        )?
        .unwrap_or_default()]),
    }
}

/// A `map<string, V>` entry: `{key = 1, value = 2}`, either may be absent.
fn map_entry(
    table: &Table,
    message: &Message,
    field: &Field,
    entry: &[u8],
    depth: usize,
) -> Result<(String, Value), Malformed> {
    let mut key = String::new();
    let mut value = None;
    for item in Fields::new(entry) {
        match item? {
            (1, WireValue::Bytes(b)) => key = string(b),
            (1, other) => return Err(wire_mismatch(message, field.tag, &other)),
            (2, v) => value = scalar_or_message(table, message, field, v, depth)?,
            _ => {}
        }
    }
    let value = match value {
        Some(v) => v,
        // An absent value is the zero value of the value type.
        None => scalar_or_message(table, message, field, WireValue::Bytes(&[]), depth)?
            .unwrap_or_default(),
    };
    Ok((key, value))
}

/// One value of `field`'s type, without the omit-zero rule.
fn scalar_or_message(
    table: &Table,
    message: &Message,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Option<Value>, Malformed> {
    let decoded = match (field.kind, value) {
        (Kind::String, WireValue::Bytes(b)) => Value::String(string(b)),
        (Kind::Bytes, WireValue::Bytes(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        (Kind::Int32, WireValue::Varint(v)) => Value::from(v as i32),
        (Kind::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (Kind::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        (Kind::Double, WireValue::Fixed64(bits)) => double(f64::from_bits(bits), message, field)?,
        (Kind::Message, WireValue::Bytes(b)) => {
            let index = field.message.ok_or_else(|| {
                Malformed(format!(
                    "{}.{} has no message type",
                    message.name, field.json_name
                ))
            })?;
            return decode_message(table, &table.messages[index], b, depth + 1);
        }
        (_, other) => return Err(wire_mismatch(message, field.tag, &other)),
    };
    Ok(Some(decoded))
}

/// A double as Go's JSON writes it: whole numbers without a fraction.
fn double(v: f64, message: &Message, field: &Field) -> Result<Value, Malformed> {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(v as i64));
    }
    Number::from_f64(v).map(Value::Number).ok_or_else(|| {
        Malformed(format!(
            "{}.{} is {v}, which JSON cannot represent",
            message.name, field.json_name
        ))
    })
}

/// Go decodes proto strings without checking UTF-8 and its JSON encoder then
/// replaces invalid bytes with U+FFFD; so do we.
fn string(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Embedded JSON bytes (`RawExtension`, `FieldsV1`, apiextensions `JSON`).
/// An embedded object may itself be a protobuf-encoded object.
fn raw_json(raw: &[u8], name: &str, depth: usize) -> Result<Option<Value>, Malformed> {
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.starts_with(super::MAGIC) {
        return super::decode_envelope(raw, depth + 1).map(|m| Some(Value::Object(m)));
    }
    serde_json::from_slice(raw)
        .map(Some)
        .map_err(|e| Malformed(format!("{name} does not hold JSON: {e}")))
}

/// apiextensions' `JSONSchemaPropsOr{Array,Bool,StringArray}`, whose Go
/// `MarshalJSON` writes one of its members bare.
fn schema_or(
    table: &Table,
    message: &Message,
    data: &[u8],
    depth: usize,
) -> Result<Option<Value>, Malformed> {
    let fields = decode_object(table, message, data, depth)?;
    let pick = |name: &str| fields.get(name).cloned();
    let non_empty = |v: &Option<Value>| {
        v.as_ref()
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    };
    Ok(match message.shape {
        // {schema = 1, jSONSchemas = 2}: the array when it has items, else the schema.
        Shape::SchemaOrArray => {
            let array = message.field(2).and_then(|f| pick(&f.json_name));
            if non_empty(&array) {
                array
            } else {
                message.field(1).and_then(|f| pick(&f.json_name))
            }
        }
        // {allows = 1, schema = 2}: the schema when there is one, else the boolean.
        Shape::SchemaOrBool => match message.field(2).and_then(|f| pick(&f.json_name)) {
            Some(schema) => Some(schema),
            None => Some(Value::Bool(
                message
                    .field(1)
                    .and_then(|f| pick(&f.json_name))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            )),
        },
        // {schema = 1, property = 2}: the strings when there are some, else the schema.
        _ => {
            let property = message.field(2).and_then(|f| pick(&f.json_name));
            if non_empty(&property) {
                property
            } else {
                message.field(1).and_then(|f| pick(&f.json_name))
            }
        }
    })
}

fn wire_mismatch(message: &Message, tag: u32, value: &WireValue<'_>) -> Malformed {
    let field = message
        .field(tag)
        .map(|f| format!("{} ({tag})", f.json_name))
        .unwrap_or_else(|| tag.to_string());
    Malformed(format!(
        "field {field} of {} has unexpected {} wire type",
        message.name,
        value.wire_type_name()
    ))
}
