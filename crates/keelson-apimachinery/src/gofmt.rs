//! Go's `fmt` rendering of decoded JSON (`map[string]interface{}` and
//! friends). Kubernetes prints such values in messages clients see: the
//! offending patch fragment of a strategic merge error (`%v`/`%s`), the
//! patch of an invalid strategic merge (`%+v`, the same text for these
//! types), and kubectl's custom columns, templates and jsonpath output.
//!
//! Numbers follow `sigs.k8s.io/json`'s "preserve ints" decoding: integers are
//! `int64`, everything else `float64`.
//!
//! ```
//! use keelson_apimachinery::gofmt;
//! let patch = serde_json::json!({"spec": {"replicas": 2, "ratio": 1e-5}});
//! assert_eq!(gofmt::value(&patch), "map[spec:map[ratio:1e-05 replicas:2]]");
//! ```

use serde_json::{Map, Number, Value};

/// Go's `%v` (and `%+v`, and `fmt.Sprint`) of a decoded JSON value:
/// `map[k:v ...]` with sorted keys, `[a b]`, bare strings, `<nil>`.
pub fn value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Verb::V);
    out
}

/// Go's `%s` of a decoded JSON value: like `%v` for strings, maps and
/// slices, `%!s(int64=1)` for the scalars `%s` does not format.
pub fn string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Verb::S);
    out
}

/// `reflect.TypeOf(v).String()` as `%s` prints it.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "%!s(<nil>)",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `%v` of a `map[string]interface{}`.
pub fn map(m: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_map(&mut out, m, Verb::V);
    out
}

/// `%v` of a `[]string`.
pub fn strings(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

#[derive(Clone, Copy, PartialEq)]
enum Verb {
    V,
    S,
}

fn write_value(out: &mut String, v: &Value, verb: Verb) {
    match v {
        Value::Null if verb == Verb::S => out.push_str("%!s(<nil>)"),
        Value::Null => out.push_str("<nil>"),
        Value::String(s) => out.push_str(s),
        Value::Object(m) => write_map(out, m, verb),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, item, verb);
            }
            out.push(']');
        }
        scalar => {
            let text = match scalar {
                Value::Number(n) => number(n),
                other => other.to_string(),
            };
            if verb == Verb::S {
                out.push_str(&format!("%!s({}={text})", type_name(scalar)));
            } else {
                out.push_str(&text);
            }
        }
    }
}

fn write_map(out: &mut String, m: &Map<String, Value>, verb: Verb) {
    // fmt prints map keys sorted.
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    out.push_str("map[");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        write_value(out, &m[k.as_str()], verb);
    }
    out.push(']');
}

/// A JSON number as Go prints the value it decodes to: integers as their
/// integer type, anything else as `float64` with `%v`.
pub fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    float(n.as_f64().unwrap_or(f64::NAN))
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` of a `float64` is:
/// shortest digits, exponent form when the decimal exponent is below -4 or
/// at least 6.
pub fn float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_sort_keys_and_nest() {
        let v = json!({"image": "nginx", "ports": [{"containerPort": 80}], "a": null, "b": true});
        assert_eq!(
            value(&v),
            "map[a:<nil> b:true image:nginx ports:[map[containerPort:80]]]"
        );
        assert_eq!(string(&json!({"n": 1})), "map[n:%!s(int64=1)]");
        assert_eq!(string(&json!(1.5)), "%!s(float64=1.5)");
    }

    #[test]
    fn floats_like_strconv_g() {
        assert_eq!(value(&json!(1.5)), "1.5");
        assert_eq!(value(&json!(1.0)), "1");
        assert_eq!(value(&json!(0.00001)), "1e-05");
        assert_eq!(value(&json!(1e21)), "1e+21");
        assert_eq!(value(&json!(123456.5)), "123456.5");
        assert_eq!(value(&json!(123456789.5)), "1.234567895e+08");
    }

    #[test]
    fn plus_v_of_a_patch() {
        assert_eq!(
            value(&json!({"spec": {"replicas": 2, "x": [1, "a"], "f": 1.5, "n": null}})),
            "map[spec:map[f:1.5 n:<nil> replicas:2 x:[1 a]]]"
        );
        assert_eq!(
            value(&json!({"big": 1e21, "u": u64::MAX})),
            "map[big:1e+21 u:18446744073709551615]"
        );
    }

    #[test]
    fn type_names_follow_reflect() {
        assert_eq!(type_name(&json!("x")), "string");
        assert_eq!(type_name(&json!([])), "[]interface {}");
        assert_eq!(type_name(&json!({})), "map[string]interface {}");
        assert_eq!(type_name(&json!(3)), "int64");
        assert_eq!(type_name(&Value::Null), "%!s(<nil>)");
    }
}
