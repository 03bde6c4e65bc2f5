//! Go `encoding/json` behaviour that clients see: its syntax-error messages
//! (kube-apiserver puts them in Status messages) and its output form (float
//! formatting, HTML-safe escaping).

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};
use serde_json::Value;
use std::io;

/// A syntax error as Go's scanner reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoSyntaxError {
    /// `invalid character 'x' looking for beginning of value`, or the EOF message.
    pub message: String,
    /// Bytes read when the error was found (Go's `SyntaxError.Offset`).
    pub offset: usize,
}

/// Go's `quoteChar`: the offending byte as Go shows it in scanner errors.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        // Go converts the byte to the rune of the same number before quoting.
        c => {
            let q = crate::validation::go_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn invalid(c: u8, context: &str, pos: usize) -> GoSyntaxError {
    GoSyntaxError {
        message: format!("invalid character {} {context}", quote_char(c)),
        offset: pos + 1,
    }
}

#[derive(Clone, Copy)]
enum Frame {
    Object,
    Array,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// How the end of input is reported: `json.Unmarshal` says "unexpected end
/// of JSON input", a `json.Decoder` on a stream says "unexpected EOF".
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Document,
    Stream,
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    mode: Mode,
}

impl Scanner<'_> {
    fn eof(&self) -> GoSyntaxError {
        let message = match self.mode {
            Mode::Document => "unexpected end of JSON input",
            Mode::Stream => "unexpected EOF",
        };
        GoSyntaxError {
            message: message.to_string(),
            offset: self.b.len(),
        }
    }

    fn skip_space(&mut self) {
        while self.pos < self.b.len() && is_space(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Result<u8, GoSyntaxError> {
        self.b.get(self.pos).copied().ok_or_else(|| self.eof())
    }

    fn next(&mut self) -> Result<u8, GoSyntaxError> {
        let c = self.peek()?;
        self.pos += 1;
        Ok(c)
    }

    /// Scans one value starting at `pos`; returns where it ends.
    fn value(&mut self) -> Result<usize, GoSyntaxError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_space();
            let c = self.next()?;
            match c {
                b'{' => {
                    self.skip_space();
                    if self.peek()? == b'}' {
                        self.pos += 1;
                    } else {
                        stack.push(Frame::Object);
                        self.key()?;
                        continue 'value;
                    }
                }
                b'[' => {
                    self.skip_space();
                    if self.peek()? == b']' {
                        self.pos += 1;
                    } else {
                        stack.push(Frame::Array);
                        continue 'value;
                    }
                }
                b'"' => self.string()?,
                b'-' | b'0'..=b'9' => self.number(c)?,
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                c => return Err(invalid(c, "looking for beginning of value", self.pos - 1)),
            }
            // After a complete value: close containers or move to the next element.
            loop {
                let Some(frame) = stack.last().copied() else {
                    return Ok(self.pos);
                };
                self.skip_space();
                let c = self.next()?;
                match (frame, c) {
                    (Frame::Object, b',') => {
                        self.key()?;
                        continue 'value;
                    }
                    (Frame::Array, b',') => continue 'value,
                    (Frame::Object, b'}') | (Frame::Array, b']') => {
                        stack.pop();
                    }
                    (Frame::Object, c) => {
                        return Err(invalid(c, "after object key:value pair", self.pos - 1))
                    }
                    (Frame::Array, c) => {
                        return Err(invalid(c, "after array element", self.pos - 1))
                    }
                }
            }
        }
    }

    /// `"key"` and the colon after it.
    fn key(&mut self) -> Result<(), GoSyntaxError> {
        self.skip_space();
        let c = self.next()?;
        if c != b'"' {
            return Err(invalid(
                c,
                "looking for beginning of object key string",
                self.pos - 1,
            ));
        }
        self.string()?;
        self.skip_space();
        let c = self.next()?;
        if c != b':' {
            return Err(invalid(c, "after object key", self.pos - 1));
        }
        Ok(())
    }

    fn string(&mut self) -> Result<(), GoSyntaxError> {
        loop {
            match self.next()? {
                b'"' => return Ok(()),
                b'\\' => match self.next()? {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                    b'u' => {
                        for _ in 0..4 {
                            let h = self.next()?;
                            if !h.is_ascii_hexdigit() {
                                return Err(invalid(
                                    h,
                                    "in \\u hexadecimal character escape",
                                    self.pos - 1,
                                ));
                            }
                        }
                    }
                    c => return Err(invalid(c, "in string escape code", self.pos - 1)),
                },
                c if c < 0x20 => return Err(invalid(c, "in string literal", self.pos - 1)),
                _ => {}
            }
        }
    }

    fn digits(&mut self) {
        while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
    }

    fn number(&mut self, first: u8) -> Result<(), GoSyntaxError> {
        let lead = if first == b'-' {
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in numeric literal", self.pos - 1));
            }
            c
        } else {
            first
        };
        if lead != b'0' {
            self.digits();
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(invalid(
                    c,
                    "after decimal point in numeric literal",
                    self.pos - 1,
                ));
            }
            self.digits();
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            let mut c = self.next()?;
            if c == b'+' || c == b'-' {
                c = self.next()?;
            }
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal", self.pos - 1));
            }
            self.digits();
        }
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), GoSyntaxError> {
        for &expected in &word.as_bytes()[1..] {
            let c = self.next()?;
            if c != expected {
                let context = format!("in literal {word} (expecting '{}')", expected as char);
                return Err(invalid(c, &context, self.pos - 1));
            }
        }
        Ok(())
    }
}

/// The first syntax error Go's `json.Unmarshal` would report for `data`, if any.
pub(crate) fn syntax_error(data: &[u8]) -> Option<GoSyntaxError> {
    let mut s = Scanner {
        b: data,
        pos: 0,
        mode: Mode::Document,
    };
    if let Err(e) = s.value() {
        return Some(e);
    }
    s.skip_space();
    s.b.get(s.pos)
        .map(|&c| invalid(c, "after top-level value", s.pos))
}

/// The syntax error a Go `json.Decoder` reports for the value starting at `start`.
pub(crate) fn stream_syntax_error(data: &[u8], start: usize) -> Option<GoSyntaxError> {
    let mut s = Scanner {
        b: data,
        pos: start,
        mode: Mode::Stream,
    };
    s.value().err()
}

/// How Go's decoder names a JSON value's type in its errors.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `json: cannot unmarshal <kind> into Go value of type <ty>` for a JSON value.
pub(crate) fn unmarshal_type_error(value: &Value, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type {go_type}",
        json_kind(value)
    )
}

/// Formats a float as Go's `encoding/json` does: shortest digits, exponent
/// form only below 1e-6 or from 1e21 (`1e+21`, `1e-7`).
pub(crate) fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if exp < 0 {
            format!("{mantissa}e-{}", -exp)
        } else {
            format!("{mantissa}e+{exp:02}")
        }
    } else {
        format!("{f}")
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64 or 32)`: shortest digits, exponent
/// form (`1e+06`, `1.5e-05`) below 1e-4 or from 1e6. `f` must be finite.
pub(crate) fn go_g(f: f64, single: bool) -> String {
    let e = if single {
        format!("{:e}", f as f32)
    } else {
        format!("{f:e}")
    };
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return if single {
            format!("{}", f as f32)
        } else {
            format!("{f}")
        };
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// A serde_json formatter that writes what Go's `encoding/json` writes:
/// HTML-safe string escapes and Go float formatting, optionally indented.
pub(crate) struct GoFormatter<'a> {
    pretty: Option<PrettyFormatter<'a>>,
}

impl<'a> GoFormatter<'a> {
    pub(crate) fn compact() -> Self {
        Self { pretty: None }
    }

    pub(crate) fn indented(indent: &'a [u8]) -> Self {
        Self {
            pretty: Some(PrettyFormatter::with_indent(indent)),
        }
    }
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                match &mut self.pretty {
                    Some(p) => p.$name(writer $(, $arg)*),
                    None => serde_json::ser::CompactFormatter.$name(writer $(, $arg)*),
                }
            }
        )*
    };
}

impl Formatter for GoFormatter<'_> {
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(go_float(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        serde_json::ser::CompactFormatter.write_char_escape(writer, escape)
    }
}

/// Serializes with a [`GoFormatter`].
pub(crate) fn to_string_with(value: &Value, formatter: GoFormatter<'_>) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing a Value into a Vec cannot fail: keys are strings and floats finite.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(s: &str) -> String {
        syntax_error(s.as_bytes())
            .map(|e| e.message)
            .unwrap_or_default()
    }

    #[test]
    fn syntax_errors_match_go() {
        assert_eq!(msg("{"), "unexpected end of JSON input");
        assert_eq!(msg(""), "unexpected end of JSON input");
        assert_eq!(
            msg("apiVersion: v1"),
            "invalid character 'a' looking for beginning of value"
        );
        assert_eq!(
            msg("{]"),
            "invalid character ']' looking for beginning of object key string"
        );
        assert_eq!(msg("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            msg("{\"a\":1 \"b\":2}"),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(msg("[1 2]"), "invalid character '2' after array element");
        assert_eq!(msg("{} x"), "invalid character 'x' after top-level value");
        assert_eq!(msg("01"), "invalid character '1' after top-level value");
        assert_eq!(msg("-a"), "invalid character 'a' in numeric literal");
        assert_eq!(
            msg("1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            msg("1ex"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            msg("tru "),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(msg("nul"), "unexpected end of JSON input");
        assert_eq!(
            msg("\"a\\x\""),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(
            msg("\"\\u12g4\""),
            "invalid character 'g' in \\u hexadecimal character escape"
        );
        assert_eq!(msg("\"a\nb\""), "invalid character '\\n' in string literal");
        assert_eq!(
            msg("{'a':1}"),
            "invalid character '\\'' looking for beginning of object key string"
        );
        assert_eq!(syntax_error(b"{\"a\":[1,{\"b\":null}]} \n"), None);
        assert_eq!(syntax_error(b"xyz").map(|e| e.offset), Some(1));
    }

    #[test]
    fn go_float_format() {
        assert_eq!(go_float(1000.0), "1000");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5e-7), "1.5e-7");
        assert_eq!(go_float(1e100), "1e+100");
        assert_eq!(go_float(-2.5e-10), "-2.5e-10");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_g(1_000_000.0, false), "1e+06");
        assert_eq!(go_g(123_456.0, false), "123456");
        assert_eq!(go_g(1.5e-5, false), "1.5e-05");
        assert_eq!(go_g(0.1, true), "0.1");
        assert_eq!(go_g(-2.5, false), "-2.5");
    }

    #[test]
    fn output_escapes_like_go() {
        let v = json!({"a": "<b>&\u{2028}\"\\\n\u{1}", "f": 1.5, "g": 2e21});
        assert_eq!(
            to_string_with(&v, GoFormatter::compact()),
            r#"{"a":"\u003cb\u003e\u0026\u2028\"\\\n\u0001","f":1.5,"g":2e+21}"#
        );
    }
}
