//! The Go values a template works on: kubectl's object decoded into
//! `map[string]interface{}` (integers as `int64`, other numbers as
//! `float64`), and what template functions and literals make. Go's
//! `interface{}` slots matter: field chains and range elements hold their
//! value inside one (errors then say `interface {}`), a pipeline's result
//! is unwrapped, and a nil inside one becomes "no value".

use crate::printers::gofmt::{self, FmtArg};
use serde_json::Value;
use std::rc::Rc;

/// A JSON value, borrowed from the object or made by `slice`.
#[derive(Debug, Clone)]
pub enum Json<'a> {
    /// Part of the printed object.
    Ref(&'a Value),
    /// Made while executing.
    Own(Rc<Value>),
}

impl Json<'_> {
    /// The JSON value.
    pub fn get(&self) -> &Value {
        match self {
            Json::Ref(v) => v,
            Json::Own(v) => v,
        }
    }
}

/// A Go value (`reflect.Value`) during execution.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// The invalid `reflect.Value`: a missing key or an unwrapped nil.
    Invalid,
    /// Decoded JSON held in an `interface{}` (may be nil).
    Iface(Json<'a>),
    /// Decoded JSON as its concrete type (never null).
    Json(Json<'a>),
    /// `bool`.
    Bool(bool),
    /// `int`: literals, `len`, range indexes.
    Int(i64),
    /// `uint8`: a byte of a string from `index`.
    Byte(u8),
    /// `float64` literal.
    Float(f64),
    /// `string` made by a literal or function.
    Str(Rc<str>),
}

/// Go's `reflect.Kind`, as far as templates over JSON need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No value.
    Invalid,
    /// A nil interface.
    Nil,
    /// `bool`.
    Bool,
    /// A signed integer.
    Int,
    /// An unsigned integer.
    Uint,
    /// `float64`.
    Float,
    /// `string`.
    String,
    /// `map[string]interface {}`.
    Map,
    /// `[]interface {}`.
    Slice,
}

impl<'a> Val<'a> {
    /// A string value.
    pub fn str(s: &str) -> Val<'a> {
        Val::Str(Rc::from(s))
    }

    /// The concrete value: an interface's content (Go's `indirect`), and
    /// whether it was a nil interface.
    pub fn indirect(&self) -> (Val<'a>, bool) {
        match self {
            Val::Iface(j) if j.get().is_null() => (self.clone(), true),
            Val::Iface(j) => (Val::Json(j.clone()), false),
            v => (v.clone(), false),
        }
    }

    /// What a pipeline leaves: interfaces dug into, a nil one invalid.
    pub fn unwrap_iface(self) -> Val<'a> {
        match self {
            Val::Iface(j) if j.get().is_null() => Val::Invalid,
            Val::Iface(j) => Val::Json(j),
            v => v,
        }
    }

    /// The kind of the concrete value (a nil interface is `Nil`).
    pub fn kind(&self) -> Kind {
        match self.indirect() {
            (_, true) => Kind::Nil,
            (Val::Invalid, _) => Kind::Invalid,
            (Val::Bool(_), _) => Kind::Bool,
            (Val::Int(_), _) => Kind::Int,
            (Val::Byte(_), _) => Kind::Uint,
            (Val::Float(_), _) => Kind::Float,
            (Val::Str(_), _) => Kind::String,
            (Val::Json(j), _) | (Val::Iface(j), _) => match j.get() {
                Value::Null => Kind::Nil,
                Value::Bool(_) => Kind::Bool,
                Value::Number(n) if n.is_i64() => Kind::Int,
                Value::Number(_) => Kind::Float,
                Value::String(_) => Kind::String,
                Value::Array(_) => Kind::Slice,
                Value::Object(_) => Kind::Map,
            },
        }
    }

    /// The Go type name, as `%T` and error messages print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Invalid => "<nil>",
            Val::Iface(_) => "interface {}",
            v => v.fmt_arg().type_name(),
        }
    }

    /// The value as `fmt` receives it.
    pub fn fmt_arg(&self) -> FmtArg<'_> {
        match self {
            Val::Invalid => FmtArg::Nil,
            Val::Iface(j) | Val::Json(j) => FmtArg::Json(j.get()),
            Val::Bool(b) => FmtArg::Bool(*b),
            Val::Int(i) => FmtArg::Int(*i, "int"),
            Val::Byte(b) => FmtArg::Byte(*b),
            Val::Float(f) => FmtArg::Float(*f),
            Val::Str(s) => FmtArg::Str(s),
        }
    }

    /// `fmt.Sprint` of the value (`%v`).
    pub fn sprint(&self) -> String {
        gofmt::sprint_args(&[self.fmt_arg()])
    }

    /// The string inside, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Iface(j) | Val::Json(j) => j.get().as_str(),
            _ => None,
        }
    }

    /// The integer inside, if the value is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Byte(b) => Some(i64::from(*b)),
            Val::Iface(j) | Val::Json(j) => j.get().as_i64(),
            _ => None,
        }
    }

    /// The float inside, if the value is one.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Val::Float(f) => Some(*f),
            Val::Iface(j) | Val::Json(j) if !j.get().is_i64() => j.get().as_f64(),
            _ => None,
        }
    }

    /// The JSON inside, if the value is decoded JSON.
    pub fn json(&self) -> Option<&Json<'a>> {
        match self {
            Val::Iface(j) | Val::Json(j) => Some(j),
            _ => None,
        }
    }

    /// Go's `isTrue`: the zero value, nil and empty collections are false.
    pub fn truth(&self) -> bool {
        let (v, is_nil) = self.indirect();
        if is_nil {
            return false;
        }
        match &v {
            Val::Invalid => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Byte(b) => *b != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::Iface(j) | Val::Json(j) => match j.get() {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
            },
        }
    }

    /// A child of decoded JSON, held in an interface as Go's map and slice
    /// elements are.
    pub fn child(&self, f: impl FnOnce(&Value) -> Option<&Value>) -> Option<Val<'a>> {
        match self.json()? {
            Json::Ref(v) => f(v).map(|c| Val::Iface(Json::Ref(c))),
            Json::Own(rc) => f(rc).map(|c| Val::Iface(Json::Own(Rc::new(c.clone())))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interfaces_unwrap_and_report_go_types() {
        let obj = json!({"n": 3, "f": 1.5, "s": "x", "z": null, "l": [], "m": {"a": 1}});
        let top = Val::Json(Json::Ref(&obj));
        let field = |k: &str| top.child(|v| v.get(k)).unwrap();
        assert_eq!(field("n").type_name(), "interface {}");
        assert_eq!(field("n").unwrap_iface().type_name(), "int64");
        assert_eq!(field("f").unwrap_iface().type_name(), "float64");
        assert_eq!(
            field("m").unwrap_iface().type_name(),
            "map[string]interface {}"
        );
        assert!(matches!(field("z").unwrap_iface(), Val::Invalid));
        assert_eq!(field("z").kind(), Kind::Nil);
        assert!(field("z").indirect().1);
        assert!(!field("l").truth() && field("m").truth() && field("s").truth());
        assert_eq!(field("m").sprint(), "map[a:1]");
        assert_eq!(Val::Byte(49).type_name(), "uint8");
    }
}
