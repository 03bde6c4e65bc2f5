//! Go's `fmt` renderings of decoded JSON (`map[string]interface{}`,
//! `[]interface{}`, `int64`, `float64`), which kubectl prints in
//! custom columns, table cells and jsonpath error messages, and its
//! `Sprintf`/`Sprint` for go-templates' `printf` and `print`.

use serde_json::{Map, Value};

/// `fmt.Sprint(v)` of decoded JSON: strings bare, maps as `map[k:v]` with
/// sorted keys, slices as `[a b]`, null as `<nil>`; and the number and
/// `float64` renderings it uses. The server prints the same values in its
/// messages, so the formatter lives in the shared crate.
pub use keelson_apimachinery::gofmt::{float, number, value as sprint};

/// `fmt.Sprintf("%#v", v)` of decoded JSON, as kubectl's jsonpath error
/// shows the object it was given.
pub fn sprint_go_syntax(value: &Value) -> String {
    let mut out = String::new();
    write_sharp_v(value, &mut out, true);
    out
}

fn write_sharp_v(value: &Value, out: &mut String, in_interface: bool) {
    match value {
        Value::Null if in_interface => out.push_str("interface {}(nil)"),
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp_v(item, out, true);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, v)) in sorted(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push(':');
                write_sharp_v(v, out, true);
            }
            out.push('}');
        }
    }
}

fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Go's `unicode.IsPrint`, as far as std knows Unicode: not control,
/// format, separator (but ASCII space) or private-use characters.
pub fn is_print(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || matches!(
            u,
            0xA0 | 0xAD
                | 0x600..=0x605
                | 0x61C
                | 0x6DD
                | 0x70F
                | 0x1680
                | 0x180E
                | 0x2000..=0x200F
                | 0x2028..=0x202F
                | 0x205F..=0x2064
                | 0x2066..=0x206F
                | 0x3000
                | 0xD800..=0xF8FF
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0xFFFE..=0xFFFF
                | 0xE0001..=0xE007F
                | 0xF0000..
        ))
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_print(c) && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if !is_print(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One operand of Go's `fmt.Sprintf`/`Sprint` as a template passes it:
/// a Go value of decoded JSON or one a template function made.
#[derive(Debug, Clone, Copy)]
pub enum FmtArg<'a> {
    /// A nil interface.
    Nil,
    /// `bool`.
    Bool(bool),
    /// A signed integer and its Go type (`int`, `int64`).
    Int(i64, &'static str),
    /// A byte of a string (`uint8`).
    Byte(u8),
    /// `float64`.
    Float(f64),
    /// `string`.
    Str(&'a str),
    /// Decoded JSON (`map[string]interface {}`, `[]interface {}` or a scalar).
    Json(&'a Value),
}

impl<'a> FmtArg<'a> {
    /// JSON scalars as the Go values they decode to; maps and slices stay JSON.
    fn resolve(self) -> FmtArg<'a> {
        match self {
            FmtArg::Json(Value::Null) => FmtArg::Nil,
            FmtArg::Json(Value::Bool(b)) => FmtArg::Bool(*b),
            FmtArg::Json(Value::String(s)) => FmtArg::Str(s),
            FmtArg::Json(Value::Number(n)) => match n.as_i64() {
                Some(i) => FmtArg::Int(i, "int64"),
                None => FmtArg::Float(n.as_f64().unwrap_or(0.0)),
            },
            other => other,
        }
    }

    /// The Go type `%T` prints.
    pub fn type_name(self) -> &'static str {
        match self.resolve() {
            FmtArg::Nil => "<nil>",
            FmtArg::Bool(_) => "bool",
            FmtArg::Int(_, t) => t,
            FmtArg::Byte(_) => "uint8",
            FmtArg::Float(_) => "float64",
            FmtArg::Str(_) => "string",
            FmtArg::Json(Value::Array(_)) => "[]interface {}",
            FmtArg::Json(_) => "map[string]interface {}",
        }
    }

    fn is_string(self) -> bool {
        matches!(self.resolve(), FmtArg::Str(_))
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither is a string.
pub fn sprint_args(args: &[FmtArg]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !a.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&format_arg(*a, 'v', &Spec::default()));
    }
    out
}

/// `fmt.Sprintln(args...)`: spaces between every operand, then a newline.
pub fn sprintln_args(args: &[FmtArg]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| format_arg(*a, 'v', &Spec::default()))
        .collect();
    format!("{}\n", parts.join(" "))
}

/// The flags, width and precision of one `%` directive.
#[derive(Debug, Default, Clone)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf`, with its `%!verb(type=value)`, `%!verb(MISSING)`
/// and `%!(EXTRA ...)` reports.
pub fn sprintf(format: &str, args: &[FmtArg]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    let mut reordered = false;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            chars.next();
        }
        let mut good_index = true;
        let mut after_index = arg_index(&mut chars, args.len(), &mut next_arg, &mut good_index);
        reordered |= after_index;
        let star = chars.peek() == Some(&'*');
        let width = directive_number(&mut chars, args, &mut next_arg, &mut out, "%!(BADWIDTH)");
        if let Some(w) = width.filter(|w| *w < 0) {
            spec.minus = true;
            spec.width = Some(w.unsigned_abs() as usize);
        } else {
            spec.width = width.map(|w| w as usize);
        }
        if star {
            after_index = false;
        } else if after_index && spec.width.is_some() {
            good_index = false;
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            if after_index {
                good_index = false;
            }
            after_index = arg_index(&mut chars, args.len(), &mut next_arg, &mut good_index);
            reordered |= after_index;
            let star = chars.peek() == Some(&'*');
            // A negative precision from `*` is a bad one; `.` alone is zero.
            spec.prec =
                match directive_number(&mut chars, args, &mut next_arg, &mut out, "%!(BADPREC)") {
                    Some(p) if p < 0 => {
                        out.push_str("%!(BADPREC)");
                        None
                    }
                    Some(p) => Some(p as usize),
                    None if star => None,
                    None => Some(0),
                };
            if star {
                after_index = false;
            }
        }
        if !after_index {
            reordered |= arg_index(&mut chars, args.len(), &mut next_arg, &mut good_index);
        }
        if spec.minus {
            spec.zero = false;
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !good_index {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        out.push_str(&format_arg(*arg, verb, &spec));
    }
    if !reordered && next_arg < args.len() {
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| match a.resolve() {
                FmtArg::Nil => "<nil>".to_string(),
                a => format!("{}={}", a.type_name(), format_arg(a, 'v', &Spec::default())),
            })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

/// An explicit `[n]` argument index: moves to operand n (1-based); a bad
/// one spoils the directive (`%!d(BADINDEX)`). Whether one was there.
fn arg_index(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    count: usize,
    next_arg: &mut usize,
    good: &mut bool,
) -> bool {
    if chars.peek() != Some(&'[') {
        return false;
    }
    chars.next();
    let mut digits = String::new();
    let mut closed = false;
    for c in chars.by_ref() {
        if c == ']' {
            closed = true;
            break;
        }
        digits.push(c);
    }
    match digits.parse::<usize>() {
        Ok(n) if closed && n >= 1 && n <= count => *next_arg = n - 1,
        _ => *good = false,
    }
    true
}

/// A width or precision: digits, or `*` taking an `int` operand (`bad`
/// reported when it is not one; negative only from `*`). Like Go, a number
/// past a million ends the directive.
fn directive_number(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    args: &[FmtArg],
    next_arg: &mut usize,
    out: &mut String,
    bad: &str,
) -> Option<i64> {
    const TOO_LARGE: i64 = 1_000_000;
    if chars.peek() == Some(&'*') {
        chars.next();
        let n = match args.get(*next_arg).map(|a| a.resolve()) {
            Some(FmtArg::Int(n, _)) if (-TOO_LARGE..=TOO_LARGE).contains(&n) => Some(n),
            _ => {
                out.push_str(bad);
                None
            }
        };
        *next_arg += 1;
        return n;
    }
    let mut num: Option<i64> = None;
    while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
        let n = num.unwrap_or(0);
        if n > TOO_LARGE {
            // Go gives up on the rest of the format.
            chars.by_ref().for_each(drop);
            return None;
        }
        num = Some(n * 10 + i64::from(d));
        chars.next();
    }
    num
}

fn bad_verb(arg: FmtArg, verb: char) -> String {
    match arg {
        FmtArg::Nil => format!("%!{verb}(<nil>)"),
        a => format!(
            "%!{verb}({}={})",
            a.type_name(),
            format_arg(a, 'v', &Spec::default())
        ),
    }
}

fn format_arg(arg: FmtArg, verb: char, spec: &Spec) -> String {
    let arg = arg.resolve();
    if verb == 'T' {
        return pad(arg.type_name().to_string(), spec, false);
    }
    if verb == 'v' && spec.sharp {
        let text = match arg {
            FmtArg::Nil => "<nil>".to_string(),
            FmtArg::Str(s) => quote(s),
            FmtArg::Json(v) => sprint_go_syntax(v),
            FmtArg::Byte(b) => format!("0x{b:x}"),
            a => format_arg(a, 'v', &Spec::default()),
        };
        return pad(text, spec, false);
    }
    match arg {
        FmtArg::Nil if verb == 'v' => pad("<nil>".into(), spec, false),
        FmtArg::Nil => bad_verb(arg, verb),
        FmtArg::Bool(b) if matches!(verb, 'v' | 't') => pad(b.to_string(), spec, false),
        FmtArg::Bool(_) => bad_verb(arg, verb),
        FmtArg::Int(i, _) => {
            format_integer(i as i128, verb, spec).unwrap_or_else(|| bad_verb(arg, verb))
        }
        FmtArg::Byte(b) => {
            format_integer(b as i128, verb, spec).unwrap_or_else(|| bad_verb(arg, verb))
        }
        FmtArg::Float(f) => format_float(f, verb, spec).unwrap_or_else(|| bad_verb(arg, verb)),
        FmtArg::Str(s) => format_string(s, verb, spec).unwrap_or_else(|| bad_verb(arg, verb)),
        FmtArg::Json(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| format_arg(FmtArg::Json(v), verb, spec))
                .collect();
            format!("[{}]", parts.join(" "))
        }
        FmtArg::Json(Value::Object(map)) => {
            let parts: Vec<String> = sorted(map)
                .into_iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_arg(FmtArg::Str(k), verb, spec),
                        format_arg(FmtArg::Json(v), verb, spec)
                    )
                })
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        FmtArg::Json(_) => bad_verb(arg, verb),
    }
}

/// Pads to the width; `numeric` zero padding goes after a sign.
fn pad(text: String, spec: &Spec, numeric: bool) -> String {
    let Some(width) = spec.width else {
        return text;
    };
    let len = text.chars().count();
    if len >= width {
        return text;
    }
    let fill = width - len;
    if spec.minus {
        return format!("{text}{}", " ".repeat(fill));
    }
    if spec.zero {
        if numeric {
            if let Some(rest) = text.strip_prefix(['-', '+', ' ']) {
                return format!("{}{}{rest}", &text[..1], "0".repeat(fill));
            }
        }
        return format!("{}{text}", "0".repeat(fill));
    }
    format!("{}{text}", " ".repeat(fill))
}

fn format_integer(i: i128, verb: char, spec: &Spec) -> Option<String> {
    let neg = i < 0;
    let abs = i.unsigned_abs();
    let digits = match verb {
        'v' | 'd' => abs.to_string(),
        'b' => format!("{abs:b}"),
        'o' | 'O' => format!("{abs:o}"),
        'x' => format!("{abs:x}"),
        'X' => format!("{abs:X}"),
        'c' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{FFFD}');
            return Some(pad(c.to_string(), spec, false));
        }
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{FFFD}');
            let q = match c {
                '\'' => "'\\''".to_string(),
                '"' => "'\"'".to_string(),
                c => {
                    let inner = quote(&c.to_string());
                    format!("'{}'", &inner[1..inner.len() - 1])
                }
            };
            return Some(pad(q, spec, false));
        }
        'U' => {
            let mut s = format!("U+{abs:04X}");
            if spec.sharp {
                if let Some(c) = char::from_u32(i as u32).filter(|c| is_print(*c)) {
                    s.push_str(&format!(" '{c}'"));
                }
            }
            return Some(pad(s, spec, false));
        }
        _ => return None,
    };
    let mut digits = digits;
    if let Some(p) = spec.prec {
        if p == 0 && abs == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let prefix = match verb {
        'x' if spec.sharp => "0x",
        'X' if spec.sharp => "0X",
        'o' if spec.sharp => "0",
        'O' => "0o",
        'b' if spec.sharp => "0b",
        _ => "",
    };
    let sign = if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let body = format!("{prefix}{digits}");
    let zero_ok = spec.zero && spec.prec.is_none();
    match spec.width {
        Some(w) if zero_ok && !spec.minus => {
            let len = sign.len() + body.chars().count();
            let fill = w.saturating_sub(len);
            Some(format!("{sign}{}{body}", "0".repeat(fill)))
        }
        _ => Some(pad(format!("{sign}{body}"), spec, false)),
    }
}

/// `%e` with `prec` digits: `1.500000e+03`.
fn exp_form(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, f);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}{e}{sign}{:02}", exp.abs())
}

/// `%g` with a precision (significant digits), trailing zeros dropped.
fn g_form(f: f64, prec: usize, upper: bool, sharp: bool) -> String {
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, f);
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let trim = |s: String| -> String {
        if sharp || !s.contains('.') {
            return s;
        }
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if exp < -4 || exp >= p as i32 {
        let s = exp_form(f, p - 1, upper);
        let (mant, e) = s.split_at(s.find(['e', 'E']).unwrap_or(s.len()));
        format!("{}{e}", trim(mant.to_string()))
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim(format!("{:.*}", decimals, f))
    }
}

fn format_float(f: f64, verb: char, spec: &Spec) -> Option<String> {
    if f.is_nan() || f.is_infinite() {
        if !matches!(verb, 'v' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G') {
            return None;
        }
        let s = if f.is_nan() {
            "NaN"
        } else if f < 0.0 {
            "-Inf"
        } else if spec.space && !spec.plus {
            " Inf"
        } else {
            "+Inf"
        }
        .to_string();
        let no_zero = Spec {
            zero: false,
            ..spec.clone()
        };
        return Some(pad(s, &no_zero, false));
    }
    let body = match (verb, spec.prec) {
        ('g', None) if spec.sharp => g_form(f.abs(), 6, false, true),
        ('G', None) if spec.sharp => g_form(f.abs(), 6, true, true),
        ('v' | 'g', None) => float(f.abs()),
        ('G', None) => float(f.abs()).to_uppercase(),
        ('x', _) => hex_float(f.abs(), false),
        ('X', _) => hex_float(f.abs(), true),
        ('v' | 'g', Some(p)) => g_form(f.abs(), p, false, spec.sharp),
        ('G', Some(p)) => g_form(f.abs(), p, true, spec.sharp),
        ('e', p) => exp_form(f.abs(), p.unwrap_or(6), false),
        ('E', p) => exp_form(f.abs(), p.unwrap_or(6), true),
        ('f' | 'F', p) => format!("{:.*}", p.unwrap_or(6), f.abs()),
        _ => return None,
    };
    let sign = if f.is_sign_negative() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    Some(pad(format!("{sign}{body}"), spec, true))
}

fn format_string(s: &str, verb: char, spec: &Spec) -> Option<String> {
    let s: String = match spec.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    let text = match verb {
        'v' | 's' => s,
        'q' if spec.sharp
            && !s.contains('`')
            && !s.chars().any(|c| c.is_control() && c != '\t') =>
        {
            format!("`{s}`")
        }
        'q' if spec.plus => ascii_quote(&s),
        'q' => quote(&s),
        'x' | 'X' => {
            let mut out = String::new();
            for (i, b) in s.bytes().enumerate() {
                if spec.space && i > 0 {
                    out.push(' ');
                }
                if spec.sharp && (spec.space || i == 0) {
                    out.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    out.push_str(&format!("{b:02x}"));
                } else {
                    out.push_str(&format!("{b:02X}"));
                }
            }
            out
        }
        _ => return None,
    };
    Some(pad(text, spec, false))
}

/// `strconv.FormatFloat(f, 'x', -1, 64)` of a non-negative float:
/// `0x1.8p+00`.
fn hex_float(f: f64, upper: bool) -> String {
    if f == 0.0 {
        return if upper { "0X0P+00" } else { "0x0p+00" }.to_string();
    }
    let bits = f.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // Subnormal: shift until the implicit bit would be set.
        exp = 1;
        while mant & (1u64 << 52) == 0 {
            mant <<= 1;
            exp -= 1;
        }
        mant &= (1u64 << 52) - 1;
    }
    let exp = exp - 1023;
    let mut frac = format!("{mant:013x}");
    while frac.ends_with('0') {
        frac.pop();
    }
    let sign = if exp < 0 { '-' } else { '+' };
    let dot = if frac.is_empty() { "" } else { "." };
    let s = format!("0x1{dot}{frac}p{sign}{:02}", exp.abs());
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// `strconv.QuoteToASCII`.
fn ascii_quote(s: &str) -> String {
    let q = quote(s);
    let mut out = String::new();
    for c in q.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if (c as u32) < 0x10000 {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(&format!("\\U{:08x}", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sprint_matches_go() {
        assert_eq!(
            sprint(&json!({"b": 1, "a": [true, null, "x"]})),
            "map[a:[true <nil> x] b:1]"
        );
        assert_eq!(sprint(&json!(1.5)), "1.5");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(0.00001), "1e-05");
        assert_eq!(float(123456.5), "123456.5");
        assert_eq!(float(1e6), "1e+06");
        assert_eq!(float(1234567.0), "1.234567e+06");
    }

    #[test]
    fn sprintf_matches_go() {
        use FmtArg::*;
        let managed = json!([{"a": "1"}]);
        assert_eq!(
            sprintf(
                "%05s|%-6d|%+d|%x|%X|%o|%b|%c|%q|%U|%e|%g|%.3g|%8.3f|%v|%s",
                &[
                    Str("ab"), Int(5, "int"), Int(5, "int"), Int(255, "int"), Int(255, "int"),
                    Int(8, "int"), Int(5, "int"), Int(65, "int"), Int(66, "int"), Int(67, "int"),
                    Float(1500.0), Float(0.000012), Float(1.23456), Float(2.5), Float(1.0),
                    Json(&managed)
                ]
            ),
            "000ab|5     |+5|ff|FF|10|101|A|'B'|U+0043|1.500000e+03|1.2e-05|1.23|   2.500|1|[map[a:1]]"
        );
        let data = json!({"a": "1"});
        assert_eq!(
            sprintf("%d %s", &[Json(&data)]),
            "map[%!d(string=a):%!d(string=1)] %!s(MISSING)"
        );
        assert_eq!(
            sprintf("%d", &[Int(1, "int"), Int(2, "int"), Str("x")]),
            "1%!(EXTRA int=2, string=x)"
        );
        assert_eq!(sprintf("%", &[]), "%!(NOVERB)");
        assert_eq!(
            sprintf(
                "%*d|%.*f|%.*s|%[2]d %[1]d",
                &[
                    Int(-3, "int"),
                    Int(1, "int"),
                    Int(-1, "int"),
                    Float(0.5),
                    Str("x"),
                    Str("abc")
                ]
            ),
            "1  |%!(BADPREC)0.500000|%!(BADPREC)abc|1 -3"
        );
        assert_eq!(
            sprintf("%99999999d|x", &[Int(1, "int")]),
            "%!(NOVERB)%!(EXTRA int=1)"
        );
        assert_eq!(
            sprintf("%z|%5t|%-5v|", &[Int(1, "int"), Bool(true), Nil]),
            "%!z(int=1)| true|<nil>|"
        );
        assert_eq!(
            sprintf(
                "%x %X % x %#x %q %#q %T",
                &[
                    Str("hi"),
                    Str("hi"),
                    Str("hi"),
                    Str("hi"),
                    Str("a\"b"),
                    Str("ab"),
                    Byte(49)
                ]
            ),
            "6869 6869 68 69 0x6869 \"a\\\"b\" `ab` uint8"
        );
        assert_eq!(
            sprint_args(&[
                Int(1, "int"),
                Int(2, "int"),
                Str("a"),
                Str("b"),
                Int(3, "int")
            ]),
            "1 2ab3"
        );
    }

    #[test]
    fn go_syntax_matches_go() {
        assert_eq!(
            sprint_go_syntax(&json!({"k": "v\"", "l": [1, null], "m": {}})),
            r#"map[string]interface {}{"k":"v\"", "l":[]interface {}{1, interface {}(nil)}, "m":map[string]interface {}{}}"#
        );
    }
}
