//! JSON to YAML text the way `sigs.k8s.io/yaml` (go-yaml v2) writes it, which
//! is what `kubectl -o yaml` prints: block style, sequences not indented under
//! their key, strings quoted only when YAML 1.1 would read them as something
//! else, long lines folded after column 80.

use super::go_json::go_g;
use super::yaml_resolve::{is_base60_float, resolve_plain, Resolved};
use serde_json::{Map, Value};

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `IS_PRINTABLE` (the BMP minus controls, surrogates and the BOM).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

/// What libyaml's `yaml_emitter_analyze_scalar` allows for a string.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars
            .get(i + 1)
            .is_none_or(|&n| n == ' ' || n == '\t' || is_break(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml's `stringv` request, then libyaml's `select_scalar_style`.
fn select_style(s: &str, simple_key: bool) -> Style {
    let can_use_plain = resolve_plain(s) == Resolved::Str && !is_base60_float(s);
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if can_use_plain {
        Style::Plain
    } else {
        Style::DoubleQuoted
    };
    let a = analyze(s);
    if simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !a.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

struct Emitter {
    out: String,
    column: usize,
    /// A `|+` block scalar leaves the document open: go-yaml then ends it with `...`.
    open_ended: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn pad(&mut self, indent: usize) {
        while self.column < indent {
            self.put(' ');
        }
    }

    fn break_and_indent(&mut self, indent: usize) {
        self.newline();
        self.pad(indent);
    }

    fn mapping(&mut self, map: &Map<String, Value>, indent: usize, inline_first: bool) {
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 || !inline_first {
                self.pad(indent);
            }
            self.string(k, indent + BEST_INDENT, true);
            self.put(':');
            match v {
                Value::Object(m) if !m.is_empty() => {
                    self.newline();
                    self.mapping(m, indent + BEST_INDENT, false);
                }
                Value::Array(a) if !a.is_empty() => {
                    self.newline();
                    self.sequence(a, indent, false);
                }
                scalar => {
                    self.put(' ');
                    self.scalar(scalar, indent + BEST_INDENT);
                }
            }
        }
    }

    fn sequence(&mut self, items: &[Value], indent: usize, inline_first: bool) {
        for (i, v) in items.iter().enumerate() {
            if i > 0 || !inline_first {
                self.pad(indent);
            }
            self.write("- ");
            match v {
                Value::Object(m) if !m.is_empty() => self.mapping(m, indent + BEST_INDENT, true),
                Value::Array(a) if !a.is_empty() => self.sequence(a, indent + BEST_INDENT, true),
                scalar => self.scalar(scalar, indent + BEST_INDENT),
            }
        }
    }

    /// A scalar or empty collection, ending the line.
    fn scalar(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Null => self.write("null"),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            // Go writes JSON first, where integral floats lose their fraction.
            Value::Number(n) => match n.as_f64() {
                Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.2e18 => {
                    self.write(&(f as i64).to_string())
                }
                Some(f) if !n.is_i64() && !n.is_u64() => self.write(&go_g(f, false)),
                _ => self.write(&n.to_string()),
            },
            Value::String(s) => self.string(s, indent, false),
            Value::Array(_) => self.write("[]"),
            Value::Object(_) => self.write("{}"),
        }
        if self.column > 0 {
            self.newline();
        }
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let allow_breaks = !simple_key;
        match select_style(s, simple_key) {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::SingleQuoted => self.single_quoted(s, indent, allow_breaks),
            Style::DoubleQuoted => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.break_and_indent(indent);
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('\'');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len() && chars[i + 1] != ' ';
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.break_and_indent(indent);
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
            }
        }
        self.put('\'');
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c if (c as u32) <= 0xff => self.write(&format!("x{:02X}", c as u32)),
                    c if (c as u32) <= 0xffff => self.write(&format!("u{:04X}", c as u32)),
                    c => self.write(&format!("U{:08X}", c as u32)),
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                {
                    self.break_and_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.put('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.put('|');
        if s.starts_with(' ') || s.starts_with('\n') {
            self.write(&BEST_INDENT.to_string());
        }
        self.open_ended = false;
        let trailing_breaks = s.len() - s.trim_end_matches('\n').len();
        match (trailing_breaks, s.len()) {
            (0, _) => self.put('-'),
            (1, len) if len > 1 => {}
            _ => {
                self.put('+');
                self.open_ended = true;
            }
        }
        self.newline();
        let mut at_line_start = true;
        for c in s.chars() {
            if c == '\n' {
                self.newline();
                at_line_start = true;
            } else {
                if at_line_start {
                    self.pad(indent);
                }
                self.put(c);
                at_line_start = false;
            }
        }
    }
}

/// The YAML text of a JSON value, ending in a newline.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        open_ended: false,
    };
    match value {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0, false),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0, false),
        scalar => e.scalar(scalar, BEST_INDENT),
    }
    if e.open_ended {
        e.write("...");
        e.newline();
    }
    e.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_layout_like_kubectl() {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {}},
            "spec": {"containers": [{"name": "c", "image": "nginx", "args": ["a", "b"], "ports": [{"containerPort": 80}]}],
                     "volumes": []},
            "matrix": [[1, 2], []],
        });
        assert_eq!(
            to_yaml(&pod),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\n  annotations: {}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    args:\n    - a\n    - b\n    ports:\n    - containerPort: 80\n  volumes: []\nmatrix:\n- - 1\n  - 2\n- []\n"
        );
    }

    #[test]
    fn strings_are_quoted_when_yaml_would_misread_them() {
        let v = json!({"a": "true", "b": "yes", "c": "123", "d": "", "e": "2024-01-15T10:00:00Z", "f": "12:30",
                       "g": "*star", "h": "a: b", "i": "it's: x", "j": "tab\there", "k": "plain text", "l": "~",
                       "on": 1, "m": " lead", "em": "emoji 😀", "o": "1.5", "p": "0777", "q": "- x", "r": "#c"});
        assert_eq!(
            to_yaml(&v),
            "a: \"true\"\nb: \"yes\"\nc: \"123\"\nd: \"\"\ne: \"2024-01-15T10:00:00Z\"\nf: \"12:30\"\ng: '*star'\nh: 'a: b'\ni: 'it''s: x'\nj: \"tab\\there\"\nk: plain text\nl: \"~\"\n\"on\": 1\nm: ' lead'\nem: \"emoji \\U0001F600\"\no: \"1.5\"\np: \"0777\"\nq: '- x'\nr: '#c'\n"
        );
    }

    #[test]
    fn numbers_and_nulls() {
        let v = json!({"i": 5, "neg": -3, "y": "n", "u": u64::MAX, "f": 1.5, "whole": 1e6, "big": 1234567.5, "small": 1.5e-5, "z": null, "t": false});
        assert_eq!(
            to_yaml(&v),
            "i: 5\nneg: -3\n\"y\": \"n\"\nu: 18446744073709551615\nf: 1.5\nwhole: 1000000\nbig: 1.2345675e+06\nsmall: 1.5e-05\nz: null\nt: false\n"
        );
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        let v = json!({"a": "line1\nline2\n", "b": "x\ny", "c": "x\n\n", "d": "trailing \nspace", "e": [" x\ny"]});
        assert_eq!(
            to_yaml(&v),
            "a: |\n  line1\n  line2\nb: |-\n  x\n  y\nc: |+\n  x\n\nd: \"trailing \\nspace\"\ne:\n- |2-\n   x\n  y\n"
        );
        assert_eq!(to_yaml(&json!({"keep": "x\n\n"})), "keep: |+\n  x\n\n...\n");
    }

    #[test]
    fn long_lines_fold_after_column_80() {
        let words = "lorem ipsum dolor sit amet ".repeat(5);
        let text = words.trim_end();
        let out = to_yaml(&json!({"message": text}));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{out}");
        assert!(
            lines[1].starts_with("  "),
            "continuation is indented: {out}"
        );
        assert_eq!(
            super::super::yaml_decode::yaml_to_json(out.as_bytes()).unwrap(),
            json!({"message": text})
        );
    }

    #[test]
    fn top_level_scalars_and_empties() {
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!("x")), "x\n");
        assert_eq!(
            to_yaml(&json!(["a", {"k": "v", "k2": [1]}])),
            "- a\n- k: v\n  k2:\n  - 1\n"
        );
    }
}
