//! `-o kyaml` (kubectl 1.34+): KYAML, the flow-style YAML subset of
//! `sigs.k8s.io/yaml/kyaml` — a `---` header, `{}`/`[]` with trailing commas,
//! every string value double-quoted, keys quoted only when YAML could misread
//! them, multi-line strings folded with `\` continuations.

use keelson_apimachinery::codec;
use serde_json::Value;

/// The KYAML document for `value` (keys in the order given).
pub fn to_kyaml(value: &Value) -> String {
    let mut out = String::from("---\n");
    render(value, 0, &mut out);
    out.push('\n');
    out
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn render(value: &Value, level: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => out.push_str(&codec::to_json(value)),
        Value::String(s) => quoted(s, level + 1, false, out),
        Value::Array(items) => sequence(items, level, out),
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (k, v) in map {
                indent(level + 1, out);
                if needs_quotes(k) {
                    quoted(k, level + 1, true, out);
                } else {
                    out.push_str(k);
                }
                out.push_str(": ");
                render(v, level + 1, out);
                out.push_str(",\n");
            }
            indent(level, out);
            out.push('}');
        }
    }
}

/// Lists of lists or maps are "cuddled" (`[{...}, {...}]`); others get one item per line.
fn sequence(items: &[Value], level: usize, out: &mut String) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    if items.iter().all(|i| i.is_array() || i.is_object()) {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            render(item, level, out);
        }
        out.push(']');
        return;
    }
    out.push_str("[\n");
    indent(level, out);
    for item in items {
        indent(1, out);
        render(item, level + 1, out);
        out.push_str(",\n");
        indent(level, out);
    }
    out.push(']');
}

/// A double-quoted string with Go's escapes; multi-line values (unless
/// `compact`) fold each line onto its own indented line.
fn quoted(s: &str, level: usize, compact: bool, out: &mut String) {
    const FOLD: &str = "\\\n";
    let multi = s.contains('\n');
    let folded = multi && !compact;
    let mut buf = String::from("\"");
    if folded {
        buf.push_str(FOLD);
    }
    for c in s.chars() {
        if buf.ends_with('\n') {
            indent(level, &mut buf);
            // Leading whitespace of a line would be dropped by YAML; escape it.
            buf.push(if c.is_whitespace() && c != '\n' {
                '\\'
            } else {
                ' '
            });
        }
        match c {
            '"' | '\\' => {
                buf.push('\\');
                buf.push(c);
            }
            '\n' => buf.push_str(if folded { "\\n\\\n" } else { "\\n" }),
            '\u{7}' => buf.push_str("\\a"),
            '\u{8}' => buf.push_str("\\b"),
            '\u{c}' => buf.push_str("\\f"),
            // kubectl's KYAML keeps tabs as they are.
            '\t' => buf.push('\t'),
            '\r' => buf.push_str("\\r"),
            '\u{b}' => buf.push_str("\\v"),
            '\0' => buf.push_str("\\0"),
            '\u{1b}' => buf.push_str("\\e"),
            '\u{85}' => buf.push_str("\\N"),
            '\u{a0}' => buf.push_str("\\_"),
            '\u{2028}' => buf.push_str("\\L"),
            '\u{2029}' => buf.push_str("\\P"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                buf.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => buf.push(c),
        }
    }
    if folded {
        if !buf.ends_with('\n') {
            buf.push_str(FOLD);
        }
        indent(level, &mut buf);
    }
    buf.push('"');
    out.push_str(&buf);
}

/// kyaml's `needsQuotes` for keys: anything but letters, digits and `_`
/// (with `-`, `.`, `/` inside), or text YAML would read as another type.
fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || yaml_guesses_wrong(s) {
        return true;
    }
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        let interior = i > 0 && i + 1 < chars.len();
        !(c.is_alphanumeric() || c == '_' || (interior && matches!(c, '-' | '.' | '/')))
    })
}

fn yaml_guesses_wrong(s: &str) -> bool {
    let lower = s.to_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "y"
            | "yes"
            | "on"
            | "false"
            | "n"
            | "no"
            | "off"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) || matches!(
        s,
        "1" | "t" | "T" | "TRUE" | "True" | "0" | "f" | "F" | "FALSE" | "False"
    ) {
        return true;
    }
    let plain = s.replace('_', "");
    go_int(&plain) || plain.parse::<f64>().is_ok() || is_sexagesimal(s) || is_timestamp(s)
}

/// Go's `strconv.ParseInt(s, 0, 64)` succeeding: sign, then `0x`/`0o`/`0b`,
/// a leading-zero octal, or decimal digits.
fn go_int(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (body, radix) = match digits.get(..2) {
        Some("0x") | Some("0X") => (&digits[2..], 16),
        Some("0o") | Some("0O") => (&digits[2..], 8),
        Some("0b") | Some("0B") => (&digits[2..], 2),
        _ if digits.len() > 1 && digits.starts_with('0') => (&digits[1..], 8),
        _ => (digits, 10),
    };
    !body.is_empty() && i64::from_str_radix(body, radix).is_ok()
}

/// YAML 1.1 base-60 numbers such as `11:00`.
fn is_sexagesimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = s.split(':');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() || !first.starts_with(|c: char| ('1'..='9').contains(&c)) {
        return false;
    }
    if !first.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return false;
    }
    rest.iter().enumerate().all(|(i, p)| {
        let (whole, frac) = match p.split_once('.') {
            Some((w, f)) if i + 1 == rest.len() => (w, Some(f)),
            Some(_) => return false,
            None => (*p, None),
        };
        let ok_whole = matches!(whole.len(), 1 | 2)
            && whole.chars().all(|c| c.is_ascii_digit())
            && (whole.len() == 1 || whole.as_bytes()[0] <= b'5');
        ok_whole && frac.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit() || c == '_'))
    })
}

/// A YAML timestamp: `YYYY-M-D`, optionally followed by a time.
fn is_timestamp(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let fields: Vec<&str> = date.split('-').collect();
    let date_ok = fields.len() == 3
        && fields[1..]
            .iter()
            .all(|f| matches!(f.len(), 1 | 2) && f.chars().all(|c| c.is_ascii_digit()));
    date_ok
        && time.is_none_or(|t| {
            t.split(':').count() == 3 && t.starts_with(|c: char| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_kubectls_kyaml() {
        let v = json!({"apiVersion": "v1", "data": {"a": "b\tc", "f:x": "multi\n  line", "1": true},
                       "items": [1, "two"], "nested": [{"k": []}], "empty": {}});
        let want = r#"---
{
  apiVersion: "v1",
  data: {
    a: "b	c",
    "f:x": "\
       multi\n\
      \  line\
      ",
    "1": true,
  },
  items: [
    1,
    "two",
  ],
  nested: [{
    k: [],
  }],
  empty: {},
}
"#;
        assert_eq!(to_kyaml(&v), want);
    }

    #[test]
    fn keys_are_quoted_when_yaml_would_misread_them() {
        for k in [
            "",
            "yes",
            "1e3",
            "0x1F",
            "11:30",
            "2024-01-02",
            "a b",
            "-x",
            "x-",
        ] {
            assert!(needs_quotes(k), "{k}");
        }
        for k in ["name", "app.kubernetes.io/name", "under_score", "x-y"] {
            assert!(!needs_quotes(k), "{k}");
        }
    }
}
