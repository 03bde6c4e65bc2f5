//! YAML to JSON as `sigs.k8s.io/yaml.YAMLToJSON` does it: the first document
//! only, YAML 1.1 scalars (`yes` is `true`, `0777` is 511), non-string keys
//! turned into strings, merge keys applied, the last duplicate key winning.
//!
//! serde_norway parses; its own (YAML 1.2) resolution of plain scalars is
//! corrected here. A plain scalar is told from a quoted one by looking at the
//! source byte before the borrowed text.

use super::go_json::go_g;
use super::yaml_resolve::{resolve_plain, Resolved};
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// A YAML node before it becomes JSON; keys need to know the scalar's type.
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Merge,
    Seq(Vec<Value>),
    Map(Map<String, Value>),
}

struct Ctx<'de> {
    input: &'de [u8],
    /// An error of ours (not the parser's) that aborted deserialization.
    error: RefCell<Option<String>>,
}

impl Ctx<'_> {
    fn fail<E: de::Error>(&self, message: String) -> E {
        let e = E::custom(&message);
        self.error.borrow_mut().get_or_insert(message);
        e
    }

    /// Whether borrowed scalar text was written plain (not quoted, not tagged).
    fn is_plain(&self, text: &str) -> bool {
        let base = self.input.as_ptr() as usize;
        let at = text.as_ptr() as usize;
        if at < base || at > base + self.input.len() {
            return true;
        }
        let before = &self.input[..at - base];
        if matches!(before.last(), Some(b'"' | b'\'')) {
            return false;
        }
        let trimmed = before.trim_ascii_end();
        let token_start = trimmed
            .iter()
            .rposition(|c| c.is_ascii_whitespace() || matches!(c, b'[' | b'{' | b','))
            .map_or(0, |p| p + 1);
        // `!!str 123` and `!custom x` keep their text.
        trimmed.len() == before.len() || trimmed.get(token_start) != Some(&b'!')
    }
}

impl From<Resolved> for Node {
    fn from(r: Resolved) -> Self {
        match r {
            Resolved::Null => Node::Null,
            Resolved::Bool(b) => Node::Bool(b),
            Resolved::Int(i) => Node::Int(i),
            Resolved::Uint(u) => Node::Uint(u),
            Resolved::BigInt(f) | Resolved::Float(f) => Node::Float(f),
            Resolved::Merge => Node::Merge,
            Resolved::Timestamp | Resolved::Str => Node::Str(String::new()),
        }
    }
}

#[derive(Clone, Copy)]
struct NodeSeed<'c, 'de> {
    ctx: &'c Ctx<'de>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, 'de> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

/// Go's `json.Marshal` refuses NaN and infinities; integral floats print as integers.
fn float_value<E: de::Error>(ctx: &Ctx<'_>, f: f64) -> Result<Value, E> {
    if f.is_nan() {
        return Err(ctx.fail("json: unsupported value: NaN".to_string()));
    }
    if f.is_infinite() {
        let sign = if f > 0.0 { "+" } else { "-" };
        return Err(ctx.fail(format!("json: unsupported value: {sign}Inf")));
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Ok(Value::from(f as i64));
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Ok(Value::from(f as u64));
        }
    }
    Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
}

fn node_value<E: de::Error>(ctx: &Ctx<'_>, node: Node) -> Result<Value, E> {
    Ok(match node {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::from(i),
        Node::Uint(u) => Value::from(u),
        Node::Float(f) => float_value(ctx, f)?,
        Node::Str(s) => Value::String(s),
        Node::Merge => Value::String("<<".to_string()),
        Node::Seq(a) => Value::Array(a),
        Node::Map(m) => Value::Object(m),
    })
}

/// The JSON key for a YAML key, as `convertToJSONableObject` spells it.
fn node_key<E: de::Error>(ctx: &Ctx<'_>, node: Node) -> Result<String, E> {
    Ok(match node {
        Node::Str(s) => s,
        Node::Merge => "<<".to_string(),
        Node::Int(i) => i.to_string(),
        Node::Bool(b) => b.to_string(),
        // Go formats float keys with 32-bit precision.
        Node::Float(f) if f.is_nan() => ".nan".to_string(),
        Node::Float(f) if f.is_infinite() => if f > 0.0 { ".inf" } else { "-.inf" }.to_string(),
        Node::Float(f) => go_g(f, true),
        Node::Uint(u) => {
            return Err(ctx.fail(format!("unsupported map key of type: uint64, key: 0x{u:x}")));
        }
        Node::Null => {
            return Err(ctx.fail("unsupported map key of type: %!s(<nil>), key: <nil>".to_string()))
        }
        Node::Seq(a) => return Err(ctx.fail(format!("yaml: invalid map key: {}", Value::Array(a)))),
        Node::Map(m) => {
            return Err(ctx.fail(format!("yaml: invalid map key: {}", Value::Object(m))))
        }
    })
}

impl<'de> Visitor<'de> for NodeSeed<'_, 'de> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Uint(v), Node::Int))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or(Node::Float(v as f64), |u| {
            i64::try_from(u).map_or(Node::Uint(u), Node::Int)
        }))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node, E> {
        if !self.ctx.is_plain(v) {
            return Ok(Node::Str(v.to_string()));
        }
        Ok(match Node::from(resolve_plain(v)) {
            Node::Str(_) => Node::Str(v.to_string()),
            other => other,
        })
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(node) = seq.next_element_seed(self)? {
            items.push(node_value(self.ctx, node)?);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(self)? {
            let value = map.next_value_seed(self)?;
            if let Node::Merge = key {
                merge_into(self.ctx, &mut out, value)?;
                continue;
            }
            let key = node_key(self.ctx, key)?;
            let value = node_value(self.ctx, value)?;
            out.insert(key, value);
        }
        Ok(Node::Map(out))
    }

    /// Custom tags (`!foo`): go-yaml decodes the content and ignores the tag.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

/// `<<: *base` or `<<: [*a, *b]`: go-yaml v2 writes the merged keys in order,
/// overwriting; in a list the earlier maps win.
fn merge_into<E: de::Error>(
    ctx: &Ctx<'_>,
    out: &mut Map<String, Value>,
    value: Node,
) -> Result<(), E> {
    let want_map = || {
        ctx.fail::<E>("yaml: map merge requires map or sequence of maps as the value".to_string())
    };
    match value {
        Node::Map(m) => out.extend(m),
        Node::Seq(items) => {
            for item in items.into_iter().rev() {
                match item {
                    Value::Object(m) => out.extend(m),
                    _ => return Err(want_map()),
                }
            }
        }
        _ => return Err(want_map()),
    }
    Ok(())
}

/// Turns a serde_norway parse error into go-yaml's `yaml: line N: problem`.
fn go_yaml_error(err: &serde_norway::Error) -> String {
    let text = err.to_string();
    let cut = [" at line ", " at position ", ", while "]
        .iter()
        .filter_map(|m| text.find(m))
        .min();
    let (problem, rest) = cut.map_or((text.as_str(), ""), |i| (&text[..i], &text[i..]));
    let context = rest.find("while ").map(|i| &rest[i..]);
    let mark_line = |s: &str| -> Option<usize> {
        let after = s.split_once("line ")?.1;
        after
            .split(' ')
            .next()?
            .parse::<usize>()
            .ok()
            .map(|l| l - 1)
    };
    let problem_line = mark_line(rest).unwrap_or(0);
    let context_line = context.and_then(mark_line).unwrap_or(problem_line);
    let scanner = match context {
        Some(c) => c.starts_with("while scanning"),
        None => {
            !problem.starts_with("did not find expected <document")
                && !problem.starts_with("found duplicate %")
                && !problem.starts_with("found incompatible")
                && !problem.starts_with("found undefined tag")
        }
    };
    // go-yaml prefers the context mark and counts scanner lines from one,
    // parser lines from zero; line 0 is not shown.
    let line = if context_line != 0 {
        context_line
    } else {
        problem_line
    };
    let line = if line != 0 && scanner { line + 1 } else { line };
    if line == 0 {
        format!("yaml: {problem}")
    } else {
        format!("yaml: line {line}: {problem}")
    }
}

/// The first YAML document of `input` as JSON; `Null` for an empty stream.
/// The error is the text after `error converting YAML to JSON: `.
pub(crate) fn yaml_to_json(input: &[u8]) -> Result<Value, String> {
    let ctx = Ctx {
        input,
        error: RefCell::new(None),
    };
    let Some(doc) = serde_norway::Deserializer::from_slice(input).next() else {
        return Ok(Value::Null);
    };
    match (NodeSeed { ctx: &ctx }).deserialize(doc) {
        Ok(node) => node_value::<serde_norway::Error>(&ctx, node).map_err(|e| {
            ctx.error
                .borrow_mut()
                .take()
                .unwrap_or_else(|| go_yaml_error(&e))
        }),
        Err(e) => Err(ctx
            .error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| go_yaml_error(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn y(s: &str) -> Value {
        yaml_to_json(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn scalars_resolve_like_sigs_k8s_yaml() {
        let v = y("a: yes\nb: 'yes'\nc: \"on\"\nd: off\ne: 0777\nf: '0777'\ng: 1_000\nh: 1.0\ni: 1.5\nj: ~\nk:\nl: !!str 123\nm: 2024-01-15\nhex: 0x1F\no: 1e3\np: |\n  yes\n");
        assert_eq!(
            v,
            json!({"a": true, "b": "yes", "c": "on", "d": false, "e": 511, "f": "0777", "g": 1000,
                   "h": 1, "i": 1.5, "j": null, "k": null, "l": "123", "m": "2024-01-15", "hex": 31,
                   "o": 1000, "p": "yes\n"})
        );
    }

    #[test]
    fn large_integers() {
        let v = y("a: 9223372036854775807\nb: 18446744073709551615\nc: -9223372036854775808\nd: 123456789012345678901234567890");
        assert_eq!(v["a"], json!(i64::MAX));
        assert_eq!(v["b"], json!(u64::MAX));
        assert_eq!(v["c"], json!(i64::MIN));
        assert_eq!(v["d"].as_f64(), Some(1.2345678901234568e29));
    }

    #[test]
    fn keys_become_strings() {
        let v = y("1: a\ntrue: b\non: c\n1.5: d\n'x': e\n010: f\nn: g\n");
        assert_eq!(
            v,
            json!({"1": "a", "true": "c", "1.5": "d", "x": "e", "8": "f", "false": "g"})
        );
        assert!(yaml_to_json(b"~: a").is_err());
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let v = y("base: &b {x: 1, z: 2}\nobj:\n  <<: *b\n  z: 3\ndup: 1\ndup: 2\n");
        assert_eq!(v["obj"], json!({"x": 1, "z": 3}));
        assert_eq!(v["dup"], json!(2));
        let quoted = y("'<<': 1");
        assert_eq!(quoted, json!({"<<": 1}));
    }

    #[test]
    fn only_the_first_document_counts() {
        assert_eq!(y("a: 1\n---\nb: [unclosed"), json!({"a": 1}));
        assert_eq!(y(""), Value::Null);
        assert_eq!(y("# just a comment\n"), Value::Null);
    }

    #[test]
    fn errors_read_like_go_yaml() {
        assert_eq!(
            yaml_to_json(b"a: .nan").unwrap_err(),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            yaml_to_json(b"a: -.inf").unwrap_err(),
            "json: unsupported value: -Inf"
        );
        assert_eq!(
            yaml_to_json(b"kind: Pod\nmetadata: name: x\n").unwrap_err(),
            "yaml: line 2: mapping values are not allowed in this context"
        );
        assert_eq!(
            yaml_to_json(b"a: b: c").unwrap_err(),
            "yaml: mapping values are not allowed in this context"
        );
        let unclosed = yaml_to_json(b"a: [1, 2\nb: 3\n").unwrap_err();
        assert!(unclosed.starts_with("yaml: line "), "{unclosed}");
        assert_eq!(
            yaml_to_json(b"\ta: 1").unwrap_err(),
            "yaml: found character that cannot start any token"
        );
        assert_eq!(
            yaml_to_json(b"apiVersion: v1\nspec:\n  containers:\n- name: x\n    image: y\n")
                .unwrap_err(),
            "yaml: line 3: did not find expected key"
        );
        assert_eq!(
            yaml_to_json(b"a: 'x\n").unwrap_err(),
            "yaml: line 2: found unexpected end of stream"
        );
        let bad_merge = yaml_to_json(b"a:\n  <<: 1\n").unwrap_err();
        assert_eq!(
            bad_merge,
            "yaml: map merge requires map or sequence of maps as the value"
        );
    }
}
