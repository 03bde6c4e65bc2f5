//! The functions a kubectl go-template can call: text/template's builtins
//! (`funcs.go`) and kubectl's `exists` and `base64decode`, with Go's error
//! texts. `and`/`or` short-circuit and live in the executor.

use super::value::{Json, Kind, Val};
use crate::printers::gofmt::{self, FmtArg};
use serde_json::Value;
use std::rc::Rc;

/// How a function takes its arguments, for evaluation and Go's
/// "wrong number of args" checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `reflect.Value`: a missing value arrives invalid.
    Reflect,
    /// `interface{}`: a missing value arrives as nil.
    Any,
    /// `string`: anything else is an error.
    String,
}

/// A function's parameters: the fixed ones, then the variadic one's type.
pub struct Signature {
    /// Fixed parameters.
    pub fixed: &'static [Param],
    /// The `...` parameter, if any.
    pub variadic: Option<Param>,
}

/// The signature of a known function.
pub fn signature(name: &str) -> Signature {
    use Param::*;
    let (fixed, variadic): (&'static [Param], Option<Param>) = match name {
        "and" | "or" | "index" | "slice" | "eq" | "call" => (&[Reflect], Some(Reflect)),
        "not" | "len" => (&[Reflect], None),
        "ne" | "lt" | "le" | "gt" | "ge" => (&[Reflect, Reflect], None),
        "print" | "println" | "html" | "js" | "urlquery" => (&[], Some(Any)),
        "printf" => (&[String], Some(Any)),
        "exists" => (&[Any], Some(Any)),
        _ => (&[String], None),
    };
    Signature { fixed, variadic }
}

/// Calls a function on evaluated arguments; the error is what follows
/// `error calling NAME: `.
pub fn call<'a>(name: &str, args: Vec<Val<'a>>) -> Result<Val<'a>, String> {
    let fmt_args = |args: &[Val]| -> String {
        let fa: Vec<FmtArg> = args.iter().map(Val::fmt_arg).collect();
        gofmt::sprint_args(&fa)
    };
    match name {
        "not" => Ok(Val::Bool(!args[0].truth())),
        "len" => length(&args[0]).map(Val::Int),
        "index" => index(&args[0], &args[1..]),
        "slice" => slice(&args[0], &args[1..]),
        "eq" => eq(&args[0], &args[1..]).map(Val::Bool),
        "ne" => eq(&args[0], &args[1..2]).map(|b| Val::Bool(!b)),
        "lt" => lt(&args[0], &args[1]).map(Val::Bool),
        "le" => le(&args[0], &args[1]).map(Val::Bool),
        "gt" => le(&args[0], &args[1]).map(|b| Val::Bool(!b)),
        "ge" => lt(&args[0], &args[1]).map(|b| Val::Bool(!b)),
        "print" => Ok(Val::str(&fmt_args(&args))),
        "println" => {
            let fa: Vec<FmtArg> = args.iter().map(Val::fmt_arg).collect();
            Ok(Val::str(&gofmt::sprintln_args(&fa)))
        }
        "printf" => {
            let format = args[0].as_str().unwrap_or_default().to_string();
            let fa: Vec<FmtArg> = args[1..].iter().map(Val::fmt_arg).collect();
            Ok(Val::str(&gofmt::sprintf(&format, &fa)))
        }
        "html" => Ok(Val::str(&html_escape(&escaper_input(&args)))),
        "js" => Ok(Val::str(&js_escape(&escaper_input(&args)))),
        "urlquery" => Ok(Val::str(&query_escape(&escaper_input(&args)))),
        "exists" => Ok(Val::Bool(exists(&args[0], &args[1..]))),
        "base64decode" => base64_decode(args[0].as_str().unwrap_or_default())
            .map(|b| Val::str(&String::from_utf8_lossy(&b)))
            .map_err(|e| format!("base64 decode failed: {e}")),
        // `call` (handled by the executor, which knows the callee's text).
        _ => Err("call of nil".into()),
    }
}

/// text/template's `evalArgs`: one string as is, else `fmt.Sprint` with
/// nil shown as `<no value>`.
fn escaper_input(args: &[Val]) -> String {
    if let [one] = args {
        if let Some(s) = one.as_str() {
            return s.to_string();
        }
    }
    let printable: Vec<Val> = args
        .iter()
        .map(|a| match a.kind() {
            Kind::Invalid | Kind::Nil => Val::str("<no value>"),
            _ => a.clone(),
        })
        .collect();
    let fa: Vec<FmtArg> = printable.iter().map(Val::fmt_arg).collect();
    gofmt::sprint_args(&fa)
}

fn length(v: &Val) -> Result<i64, String> {
    match v.kind() {
        Kind::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Kind::Nil => Err("len of nil pointer".into()),
        Kind::String => Ok(v.as_str().map_or(0, str::len) as i64),
        Kind::Map | Kind::Slice => Ok(v.json().map_or(0, |j| match j.get() {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        }) as i64),
        _ => Err(format!("len of type {}", v.indirect().0.type_name())),
    }
}

/// An index argument (`indexArg`), checked against `cap`.
fn index_arg(index: &Val, cap: usize) -> Result<usize, String> {
    let x = match index.kind() {
        Kind::Int | Kind::Uint => index.as_int().unwrap_or_default(),
        Kind::Invalid | Kind::Nil => return Err("cannot index slice/array with nil".into()),
        _ => {
            return Err(format!(
                "cannot index slice/array with type {}",
                index.indirect().0.type_name()
            ))
        }
    };
    if x < 0 || x as usize > cap {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    // `indirectInterface` turns a nil interface into no value at all.
    if matches!(item.kind(), Kind::Invalid | Kind::Nil) {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for index in indexes {
        let (cur, is_nil) = item.indirect();
        if is_nil {
            return Err("index of nil pointer".into());
        }
        item = match cur.kind() {
            Kind::String => {
                let s = cur.as_str().unwrap_or_default();
                let x = index_arg(index, s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => Val::Byte(*b),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Kind::Slice => {
                let len = cur
                    .json()
                    .and_then(|j| j.get().as_array())
                    .map_or(0, Vec::len);
                let x = index_arg(index, len)?;
                match cur.child(|v| v.get(x)) {
                    Some(v) => v,
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Kind::Map => {
                let key = match index.kind() {
                    Kind::Invalid | Kind::Nil => {
                        return Err("value is nil; should be of type string".into())
                    }
                    Kind::String => index.as_str().unwrap_or_default().to_string(),
                    _ => {
                        return Err(format!(
                            "value has type {}; should be string",
                            index.indirect().0.type_name()
                        ))
                    }
                };
                cur.child(|v| v.get(&key))
                    .unwrap_or_else(|| Val::Iface(Json::Own(Rc::new(Value::Null))))
            }
            _ => return Err(format!("can't index item of type {}", cur.type_name())),
        };
    }
    Ok(item)
}

fn slice<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    let (cur, _) = item.indirect();
    if matches!(item.kind(), Kind::Invalid | Kind::Nil) {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match cur.kind() {
        Kind::String => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            cur.as_str().map_or(0, str::len)
        }
        Kind::Slice => cur
            .json()
            .and_then(|j| j.get().as_array())
            .map_or(0, Vec::len),
        _ => return Err(format!("can't slice item of type {}", cur.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    if let Some(s) = cur.as_str() {
        return match s.get(idx[0]..idx[1]) {
            Some(sub) => Ok(Val::str(sub)),
            None => Ok(Val::str(&String::from_utf8_lossy(
                &s.as_bytes()[idx[0]..idx[1]],
            ))),
        };
    }
    let items = cur
        .json()
        .and_then(|j| j.get().as_array())
        .cloned()
        .unwrap_or_default();
    Ok(Val::Json(Json::Own(Rc::new(Value::Array(
        items[idx[0]..idx[1]].to_vec(),
    )))))
}

/// The comparison class of a value (`basicKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basic {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic(v: &Val) -> Basic {
    match v.kind() {
        Kind::Bool => Basic::Bool,
        Kind::Int => Basic::Int,
        Kind::Uint => Basic::Uint,
        Kind::Float => Basic::Float,
        Kind::String => Basic::String,
        _ => Basic::Invalid,
    }
}

fn is_valid(v: &Val) -> bool {
    !matches!(v.kind(), Kind::Invalid | Kind::Nil)
}

fn bad_comparison(a: &Val, b: &Val) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.indirect().0.type_name(),
        b.indirect().0.type_name()
    )
}

fn eq(a: &Val, others: &[Val]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic(a);
    for b in others {
        let k2 = basic(b);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Basic::Int, Basic::Uint) | (Basic::Uint, Basic::Int) => a.as_int() == b.as_int(),
                _ if is_valid(a) && is_valid(b) => return Err(bad_comparison(a, b)),
                _ => false,
            }
        } else {
            match k1 {
                Basic::Bool => a.truth() == b.truth(),
                Basic::Int | Basic::Uint => a.as_int() == b.as_int(),
                Basic::Float => a.as_float() == b.as_float(),
                Basic::String => a.as_str() == b.as_str(),
                Basic::Invalid => {
                    if is_valid(a) && is_valid(b) {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            b.sprint(),
                            b.indirect().0.type_name()
                        ));
                    }
                    is_valid(a) == is_valid(b)
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Val, b: &Val) -> Result<bool, String> {
    let (k1, k2) = (basic(a), basic(b));
    if k1 == Basic::Invalid || k2 == Basic::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Basic::Int, Basic::Uint) | (Basic::Uint, Basic::Int) => Ok(a.as_int() < b.as_int()),
            _ => Err(bad_comparison(a, b)),
        };
    }
    match k1 {
        Basic::Float => Ok(a.as_float() < b.as_float()),
        Basic::Int | Basic::Uint => Ok(a.as_int() < b.as_int()),
        Basic::String => Ok(a.as_str() < b.as_str()),
        _ => Err("invalid type for comparison".into()),
    }
}

fn le(a: &Val, b: &Val) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// kubectl's `exists`: whether the path of keys and indexes leads to a
/// non-nil value.
fn exists(item: &Val, indexes: &[Val]) -> bool {
    let mut v = item.clone();
    for index in indexes {
        let (cur, is_nil) = v.indirect();
        if is_nil {
            return false;
        }
        v = match cur.kind() {
            Kind::Slice | Kind::String => {
                let Some(x) = matches!(index.kind(), Kind::Int | Kind::Uint)
                    .then(|| index.as_int())
                    .flatten()
                else {
                    return false;
                };
                let len = match cur.as_str() {
                    Some(s) => s.len(),
                    None => cur
                        .json()
                        .and_then(|j| j.get().as_array())
                        .map_or(0, Vec::len),
                };
                if x < 0 || x as usize >= len {
                    return false;
                }
                match cur.as_str() {
                    Some(s) => Val::Byte(s.as_bytes()[x as usize]),
                    None => match cur.child(|j| j.get(x as usize)) {
                        Some(c) => c,
                        None => return false,
                    },
                }
            }
            Kind::Map => {
                let Some(key) = index.as_str().filter(|_| index.kind() == Kind::String) else {
                    return false;
                };
                match cur.child(|j| j.get(key)) {
                    Some(c) => c,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    !v.indirect().1
}

/// `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() || gofmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `base64.StdEncoding.DecodeString`, with Go's `illegal base64 data at
/// input byte N` (newlines skipped, padding required).
pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let src = s.as_bytes();
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let mut out = Vec::with_capacity(src.len() * 3 / 4);
    let mut si = 0;
    loop {
        let mut dbuf = [0u32; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing_err = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(corrupt(si - 1));
            }
            match j {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(corrupt(si));
            }
            dlen = j;
            break;
        }
        let val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing_err {
            return Err(e);
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(
            base64_decode("1").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            base64_decode("aGVsbG8").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            base64_decode("aG!s").unwrap_err(),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            base64_decode("aGVsbG8=x").unwrap_err(),
            "illegal base64 data at input byte 8"
        );
    }

    #[test]
    fn escapers_match_go() {
        assert_eq!(html_escape("<a&b>\"'"), "&lt;a&amp;b&gt;&#34;&#39;");
        assert_eq!(js_escape("a'b\"<\n"), "a\\'b\\\"\\u003C\\u000A");
        assert_eq!(query_escape("a b&c/é"), "a+b%26c%2F%C3%A9");
    }

    #[test]
    fn comparisons_follow_go_kinds() {
        let j = serde_json::json!({"s": "1", "n": 3});
        let s = Val::Iface(Json::Ref(&j["s"]));
        let n = Val::Iface(Json::Ref(&j["n"]));
        assert_eq!(eq(&n, &[Val::Int(3)]), Ok(true));
        assert_eq!(
            eq(&s, &[Val::Int(2)]).unwrap_err(),
            "incompatible types for comparison: string and int"
        );
        assert_eq!(eq(&Val::Invalid, &[Val::str("x")]), Ok(false));
        assert_eq!(lt(&Val::str("a"), &Val::str("b")), Ok(true));
        assert!(exists(&Val::Json(Json::Ref(&j)), &[Val::str("s")]));
        assert!(!exists(&Val::Json(Json::Ref(&j)), &[Val::str("z")]));
    }
}
