//! kubectl's JSONPath dialect (client-go `util/jsonpath`): templates such as
//! `{.items[*].metadata.name}`, `{range .items[*]}{.x}{"\n"}{end}`,
//! `{.items[?(@.status.phase=="Running")]}`, `{..name}`, with its parser
//! errors and output rules (results of one action joined by spaces, maps
//! and lists as compact JSON, `jsonpath-as-json` as indented JSON arrays).

use super::gofmt;
use keelson_apimachinery::codec;
use serde_json::Value;
use std::borrow::Cow;

/// One slice bound or step of `[start:end:step]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

/// A parsed template node (client-go's node types).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    List(Vec<Node>),
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

/// A parsed JSONPath template.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    root: Vec<Node>,
    allow_missing_keys: bool,
}

impl JsonPath {
    /// Parses `template`; the error is client-go's parser message
    /// (`unclosed action`, `unterminated array`, ...).
    pub fn parse(template: &str) -> Result<JsonPath, String> {
        let mut p = Parser {
            input: template.chars().collect(),
            pos: 0,
            start: 0,
        };
        let root = p.parse_template()?;
        Ok(JsonPath {
            root,
            allow_missing_keys: true,
        })
    }

    /// Whether a missing field is an error (`--allow-missing-template-keys=false`)
    /// or an empty result (kubectl's default).
    pub fn allow_missing_keys(mut self, allow: bool) -> JsonPath {
        self.allow_missing_keys = allow;
        self
    }

    /// The results of each top-level node, as client-go's `FindResults`.
    pub fn find_results<'a>(&self, data: &'a Value) -> Result<Vec<Vec<Cow<'a, Value>>>, String> {
        let mut eval = Eval {
            allow_missing_keys: self.allow_missing_keys,
            ..Eval::default()
        };
        eval.find_results(Cow::Borrowed(data), &self.root)
    }

    /// The template's text for `data` (kubectl's `-o jsonpath`), or with
    /// `as_json` each action's results as an indented JSON array.
    pub fn execute(&self, data: &Value, as_json: bool) -> Result<String, String> {
        let mut out = String::new();
        for results in self.find_results(data)? {
            print_results(&results, as_json, &mut out);
        }
        Ok(out)
    }
}

/// client-go's `PrintResults`.
fn print_results(results: &[Cow<'_, Value>], as_json: bool, out: &mut String) {
    if as_json {
        let all = Value::Array(results.iter().map(|v| sort_keys(v)).collect());
        out.push_str(&codec::to_json_pretty(&all));
        return;
    }
    for (i, r) in results.iter().enumerate() {
        match r.as_ref() {
            v @ (Value::Object(_) | Value::Array(_)) => {
                out.push_str(&codec::to_json(&sort_keys(v)))
            }
            v => out.push_str(&gofmt::sprint(v)),
        }
        if i + 1 != results.len() {
            out.push(' ');
        }
    }
}

/// A copy with every object's keys in sorted order, as Go marshals maps.
pub fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut sorted = serde_json::Map::with_capacity(map.len());
            for k in keys {
                sorted.insert(k.clone(), sort_keys(&map[k]));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// The parser: a rune scanner over the template with client-go's states.
struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
}

const EOF: char = '\u{0}';

fn is_terminator(r: char) -> bool {
    matches!(
        r,
        ' ' | '\t' | '\r' | '\n' | EOF | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

fn is_alphanumeric(r: char) -> bool {
    r == '_' || r.is_alphabetic() || r.is_numeric()
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn next(&mut self) -> char {
        if self.at_end() {
            // Stepping past the end keeps `backup` symmetric, as Go's width 0 does.
            self.pos = self.input.len() + 1;
            return EOF;
        }
        self.pos += 1;
        self.input[self.pos - 1]
    }

    fn backup(&mut self) {
        self.pos -= 1;
    }

    fn peek(&mut self) -> char {
        if self.at_end() {
            EOF
        } else {
            self.input[self.pos]
        }
    }

    fn starts_with(&self, prefix: &str) -> bool {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        rest.len() >= prefix.chars().count()
            && rest.iter().zip(prefix.chars()).all(|(a, b)| *a == b)
    }

    fn consume(&mut self) -> String {
        let end = self.pos.min(self.input.len());
        let text: String = self.input[self.start.min(end)..end].iter().collect();
        self.start = self.pos;
        text
    }

    fn parse_template(&mut self) -> Result<Vec<Node>, String> {
        let mut root = Vec::new();
        loop {
            if self.starts_with("{") {
                if self.pos > self.start {
                    root.push(Node::Text(self.consume()));
                }
                self.pos += 1;
                self.consume();
                let mut action = Vec::new();
                self.parse_inside_action(&mut action)?;
                root.push(Node::List(action));
                continue;
            }
            if self.next() == EOF {
                break;
            }
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            root.push(Node::Text(self.consume()));
        }
        Ok(root)
    }

    /// Parses one action up to and including its `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.starts_with("}") {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if self.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if is_alphanumeric(self.peek()) {
                    self.parse_field(cur);
                }
                continue;
            }
            match self.next() {
                EOF | '\r' | '\n' => return Err("unclosed action".into()),
                ' ' | '@' | '$' => {
                    self.consume();
                }
                '[' => self.parse_array(cur)?,
                r @ ('"' | '\'') => self.parse_quote(cur, r)?,
                '.' => self.parse_field(cur),
                r if r == '+' || r == '-' || r.is_ascii_digit() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                r if is_alphanumeric(r) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                r => {
                    return Err(format!(
                        "unrecognized character in action: U+{:04X} '{r}'",
                        r as u32
                    ))
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        while !is_terminator(self.next()) {}
        self.backup();
        let value = self.consume();
        cur.push(match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value),
        });
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), '+' | '-') {
            self.next();
        }
        loop {
            let r = self.next();
            if r != '.' && !r.is_ascii_digit() {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Ok(f) = value.parse::<f64>() {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {value}"));
        }
        Ok(())
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated array".into()),
                ']' => break,
                _ => {}
            }
        }
        let consumed = self.consume();
        let inner = &consumed[1..consumed.len() - 1];
        let text = if inner == "*" { ":" } else { inner };
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
            let key = &text[1..text.len() - 1];
            if !key.contains('\'') {
                cur.extend(parse_action(&format!(".{key}"))?);
                return Ok(());
            }
        }
        let groups = slice_groups(text).ok_or_else(|| format!("invalid array index {text}"))?;
        let mut params = [Param {
            value: 0,
            known: false,
            derived: false,
        }; 3];
        for i in 0..3 {
            let mut g = groups[i];
            if !g.is_empty() {
                if i > 0 {
                    g = &g[1..];
                }
                if i > 0 && g.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = g
                        .parse()
                        .map_err(|_| format!("array index {g} is not a number"))?;
                }
            } else if i == 1 {
                params[i] = Param {
                    value: params[0].value + 1,
                    known: true,
                    derived: true,
                };
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let (mut begin, mut end) = (false, false);
        let mut pair = EOF;
        loop {
            let r = self.next();
            match r {
                EOF | '\n' => return Err("unterminated filter".into()),
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if self.input[self.pos - 2] != '\\' && r == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.next() != ']' {
            return Err("unclosed array expect ]".into());
        }
        let consumed = self.consume();
        let text: String = {
            let chars: Vec<char> = consumed.chars().collect();
            chars[..chars.len() - 2].iter().collect()
        };
        match split_comparison(&text) {
            None => cur.push(Node::Filter {
                left: parse_action(&text)?,
                right: Vec::new(),
                op: "exists".into(),
            }),
            Some((left, op, right)) => cur.push(Node::Filter {
                left: parse_action(left)?,
                right: parse_action(right)?,
                op: op.into(),
            }),
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated quoted string".into()),
                r if r == end && self.input[self.pos - 2] != '\\' => break,
                _ => {}
            }
        }
        let value = self.consume();
        let s = unquote(&value).map_err(|e| format!("unquote string {value} error {e}"))?;
        cur.push(Node::Text(s));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let r = self.next();
            if r == '\\' {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }
}

/// client-go's `parseAction`: the nodes of `{text}`.
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let mut p = Parser {
        input: format!("{{{text}}}").chars().collect(),
        pos: 0,
        start: 0,
    };
    let root = p.parse_template()?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

/// Matches `^(-?\d*)(:-?\d*)?(:-?\d*)?$`, giving the three groups ("" when absent).
fn slice_groups(text: &str) -> Option<[&str; 3]> {
    fn number_len(s: &str) -> usize {
        let sign = usize::from(s.starts_with('-'));
        sign + s[sign..].bytes().take_while(u8::is_ascii_digit).count()
    }
    let first = number_len(text);
    let mut groups = [&text[..first], "", ""];
    let mut rest = &text[first..];
    for g in groups.iter_mut().skip(1) {
        if let Some(after) = rest.strip_prefix(':') {
            let len = 1 + number_len(after);
            *g = &rest[..len];
            rest = &rest[len..];
        }
    }
    rest.is_empty().then_some(groups)
}

/// Matches `^([^!<>=]+)([!<>=]+)(.+?)$`.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let left_end = text.find(is_op)?;
    if left_end == 0 {
        return None;
    }
    let after = &text[left_end..];
    let mut op_len = after.find(|c: char| !is_op(c)).unwrap_or(after.len());
    if op_len == after.len() {
        // The right side needs at least one character; give back an operator one.
        op_len -= 1;
    }
    if op_len == 0 {
        return None;
    }
    Some((&text[..left_end], &after[..op_len], &after[op_len..]))
}

/// client-go's `UnquoteExtend`: Go's `strconv.Unquote` for `"..."` and `'...'`.
fn unquote(s: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 || chars[0] != chars[chars.len() - 1] || !matches!(chars[0], '"' | '\'') {
        return Err(SYNTAX);
    }
    let quote = chars[0];
    let body = &chars[1..chars.len() - 1];
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == quote {
            return Err(SYNTAX);
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1).ok_or(SYNTAX)?;
        i += 2;
        let hex = |n: usize, i: &mut usize| -> Result<u32, &'static str> {
            let digits: String = body.get(*i..*i + n).ok_or(SYNTAX)?.iter().collect();
            *i += n;
            u32::from_str_radix(&digits, 16).map_err(|_| SYNTAX)
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' | '"' if e == quote => out.push(e),
            'x' => out.push(char::from_u32(hex(2, &mut i)?).ok_or(SYNTAX)?),
            'u' => out.push(char::from_u32(hex(4, &mut i)?).ok_or(SYNTAX)?),
            'U' => out.push(char::from_u32(hex(8, &mut i)?).ok_or(SYNTAX)?),
            '0'..='7' => {
                let digits: String = body.get(i - 1..i + 2).ok_or(SYNTAX)?.iter().collect();
                i += 2;
                let v = u32::from_str_radix(&digits, 8).map_err(|_| SYNTAX)?;
                if v > 255 {
                    return Err(SYNTAX);
                }
                out.push(char::from_u32(v).ok_or(SYNTAX)?);
            }
            _ => return Err(SYNTAX),
        }
    }
    Ok(out)
}

type Values<'a> = Vec<Cow<'a, Value>>;

/// Evaluation state: client-go keeps range bookkeeping on the JSONPath itself.
#[derive(Default)]
struct Eval<'a> {
    stack: Vec<Values<'a>>,
    cur: Values<'a>,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    allow_missing_keys: bool,
}

/// Go's type name for decoded JSON, as its errors print it.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "map[string]interface {}",
        Value::Array(_) => "[]interface {}",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Null => "interface {}",
    }
}

/// The children `*` and `..` visit: map values (sorted by key, where Go's
/// order is random), list items, or a string's bytes.
fn children<'a>(v: &Cow<'a, Value>) -> Values<'a> {
    fn of(v: &Value) -> Vec<Value> {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| map[k].clone()).collect()
            }
            Value::Array(items) => items.clone(),
            Value::String(s) => s.bytes().map(Value::from).collect(),
            _ => Vec::new(),
        }
    }
    match v {
        Cow::Borrowed(b) => match b {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| Cow::Borrowed(&map[k])).collect()
            }
            Value::Array(items) => items.iter().map(Cow::Borrowed).collect(),
            other => of(other).into_iter().map(Cow::Owned).collect(),
        },
        Cow::Owned(o) => of(o).into_iter().map(Cow::Owned).collect(),
    }
}

impl<'a> Eval<'a> {
    fn find_results(
        &mut self,
        data: Cow<'a, Value>,
        nodes: &[Node],
    ) -> Result<Vec<Values<'a>>, String> {
        self.cur = vec![data];
        let mut full = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let input = self.cur.clone();
            let results = self.walk(input, node)?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                let n = results.len();
                for (k, value) in results.into_iter().enumerate() {
                    if k + 1 == n {
                        self.in_range -= 1;
                    }
                    full.extend(self.find_results(value, &nodes[i + 1..])?);
                }
                break;
            }
            full.push(results);
        }
        Ok(full)
    }

    fn walk(&mut self, input: Values<'a>, node: &Node) -> Result<Values<'a>, String> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => Ok(vec![Cow::Owned(Value::String(t.clone()))]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => Ok(input.iter().map(|_| Cow::Owned(Value::from(*i))).collect()),
            Node::Float(f) => Ok(input.iter().map(|_| Cow::Owned(Value::from(*f))).collect()),
            Node::Bool(b) => Ok(input.iter().map(|_| Cow::Owned(Value::Bool(*b))).collect()),
            Node::Wildcard => Ok(input
                .iter()
                .filter(|v| !v.is_null())
                .flat_map(children)
                .collect()),
            Node::Recursive => Ok(eval_recursive(input)),
            Node::Union(lists) => {
                let mut out = Vec::new();
                for list in lists {
                    out.extend(self.eval_list(input.clone(), list)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_list(&mut self, input: Values<'a>, nodes: &[Node]) -> Result<Values<'a>, String> {
        let mut cur = input;
        for node in nodes {
            cur = self.walk(cur, node)?;
        }
        Ok(cur)
    }

    fn eval_identifier(&mut self, input: Values<'a>, name: &str) -> Result<Values<'a>, String> {
        match name {
            "range" => {
                self.stack.push(self.cur.clone());
                self.begin_range += 1;
                Ok(input)
            }
            "end" => {
                if self.end_range < self.in_range {
                    self.end_range += 1;
                } else {
                    self.cur = self.stack.pop().ok_or("not in range, nothing to end")?;
                }
                Ok(Vec::new())
            }
            _ => Err(format!("unrecognized identifier {name}")),
        }
    }

    fn eval_field(&mut self, input: Values<'a>, name: &str) -> Result<Values<'a>, String> {
        if input.is_empty() {
            return Ok(input);
        }
        let mut results = Vec::new();
        for value in input {
            let found = match value {
                Cow::Borrowed(Value::Object(map)) => map.get(name).map(Cow::Borrowed),
                Cow::Owned(Value::Object(mut map)) => map.remove(name).map(Cow::Owned),
                _ => None,
            };
            results.extend(found);
        }
        if results.is_empty() && !self.allow_missing_keys {
            return Err(format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter(
        &mut self,
        input: Values<'a>,
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Values<'a>, String> {
        let mut results = Vec::new();
        for value in input {
            let items = children_if_array(&value).ok_or_else(|| {
                format!(
                    "{} is not array or slice and cannot be filtered",
                    gofmt::sprint(&value)
                )
            })?;
            for item in items {
                let lefts = self.eval_list(vec![item.clone()], left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        results.push(item);
                    }
                    continue;
                }
                let lefts = lefts?;
                // An item without the field is skipped, not an error.
                if lefts.is_empty() {
                    continue;
                }
                let [l] = lefts.as_slice() else {
                    return Err("can only compare one element at a time".into());
                };
                let rights = self.eval_list(vec![item.clone()], right)?;
                let [r] = rights.as_slice() else {
                    return Err("can only compare one element at a time".into());
                };
                if compare(l, r, op)? {
                    results.push(item);
                }
            }
        }
        Ok(results)
    }
}

fn children_if_array<'a>(v: &Cow<'a, Value>) -> Option<Values<'a>> {
    match v.as_ref() {
        Value::Array(_) => Some(children(v)),
        _ => None,
    }
}

fn eval_recursive(input: Values<'_>) -> Values<'_> {
    let mut result = Vec::new();
    for value in input {
        if value.is_null() {
            continue;
        }
        let kids = children(&value);
        if !kids.is_empty() {
            result.push(value);
            result.extend(eval_recursive(kids));
        }
    }
    result
}

fn eval_array<'a>(input: Values<'a>, params: &[Param; 3]) -> Result<Values<'a>, String> {
    let mut result = Vec::new();
    for value in input {
        if value.is_null() {
            continue;
        }
        let Value::Array(items) = value.as_ref() else {
            return Err(format!("{} is not array or slice", go_type(&value)));
        };
        let len = items.len() as i64;
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        let (start, end) = (p[0].value, p[1].value);
        if end != start {
            if start >= len || start < 0 {
                return Err(format!(
                    "array index out of bounds: index {start}, length {len}"
                ));
            }
            if end > len || end < start {
                return Err(format!(
                    "array index out of bounds: index {}, length {len}",
                    end - 1
                ));
            }
        }
        if end == start {
            continue;
        }
        let (start, end) = (start as usize, end as usize);
        match value {
            Cow::Borrowed(Value::Array(items)) => {
                result.extend(items[start..end].iter().map(Cow::Borrowed))
            }
            other => {
                let kids = children(&other);
                result.extend(kids.into_iter().skip(start).take(end - start));
            }
        }
    }
    Ok(result)
}

/// The basic kinds Go's template comparisons know.
#[derive(PartialEq)]
enum Basic<'v> {
    Int(i64),
    Float(f64),
    Str(&'v str),
    Bool(bool),
}

fn basic(v: &Value) -> Result<Basic<'_>, String> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(Basic::Int(i)),
            None => Ok(Basic::Float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => Ok(Basic::Str(s)),
        Value::Bool(b) => Ok(Basic::Bool(*b)),
        _ => Err("invalid type for comparison".into()),
    }
}

/// Go template's `eq`, `ne`, `lt`, `le`, `gt`, `ge` on two values.
fn compare(left: &Value, right: &Value, op: &str) -> Result<bool, String> {
    let (l, r) = (basic(left)?, basic(right)?);
    let incompatible = || "incompatible types for comparison".to_string();
    let equal = || -> Result<bool, String> {
        match (&l, &r) {
            (Basic::Int(a), Basic::Int(b)) => Ok(a == b),
            (Basic::Float(a), Basic::Float(b)) => Ok(a == b),
            (Basic::Str(a), Basic::Str(b)) => Ok(a == b),
            (Basic::Bool(a), Basic::Bool(b)) => Ok(a == b),
            _ => Err(incompatible()),
        }
    };
    let less = || -> Result<bool, String> {
        match (&l, &r) {
            (Basic::Int(a), Basic::Int(b)) => Ok(a < b),
            (Basic::Float(a), Basic::Float(b)) => Ok(a < b),
            (Basic::Str(a), Basic::Str(b)) => Ok(a < b),
            (Basic::Bool(_), Basic::Bool(_)) => Err("invalid type for comparison".into()),
            _ => Err(incompatible()),
        }
    };
    match op {
        "==" => equal(),
        "!=" => equal().map(|e| !e),
        "<" => less(),
        "<=" => Ok(less()? || equal()?),
        ">" => Ok(!(less()? || equal()?)),
        ">=" => less().map(|l| !l),
        _ => Err(format!("unrecognized filter operator {op}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: &str, data: &Value) -> String {
        match JsonPath::parse(template) {
            Ok(jp) => jp
                .execute(data, false)
                .unwrap_or_else(|e| format!("ERR {e}")),
            Err(e) => format!("PARSE {e}"),
        }
    }

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"app": "web"}}, "status": {"phase": "Running"}, "spec": {"n": 1}},
            {"metadata": {"name": "b"}, "status": {"phase": "Pending"}, "spec": {"n": 3}},
            {"metadata": {"name": "c", "labels": {"app": "db"}}, "status": {"phase": "Running"}, "spec": {"n": 2}}
        ]})
    }

    #[test]
    fn fields_indexes_and_slices() {
        let d = pods();
        assert_eq!(run("{.items[*].metadata.name}", &d), "a b c");
        assert_eq!(run("{.items[0].metadata.name}", &d), "a");
        assert_eq!(run("{.items[-1].metadata.name}", &d), "c");
        assert_eq!(run("{.items[-2:].metadata.name}", &d), "b c");
        assert_eq!(run("{.items[0:2].metadata.name}", &d), "a b");
        assert_eq!(run("{.items[0,2].metadata.name}", &d), "a c");
        assert_eq!(run("{.items[0]['metadata']['name']}", &d), "a");
        assert_eq!(run("{.kind}:{.missing}|", &d), "List:|");
        assert_eq!(
            run("{.items[5]}", &d),
            "ERR array index out of bounds: index 5, length 3"
        );
        assert_eq!(run("{.kind[0]}", &d), "ERR string is not array or slice");
    }

    #[test]
    fn maps_and_lists_print_as_compact_json() {
        let d = json!({"data": {"b": "<x>", "a": 1}, "l": [1, "two"], "f": 1.5, "n": null});
        assert_eq!(run("{.data}", &d), r#"{"a":1,"b":"\u003cx\u003e"}"#);
        assert_eq!(run("{.l} {.f} {.n}", &d), r#"[1,"two"] 1.5 <nil>"#);
    }

    #[test]
    fn range_filters_and_literals() {
        let d = pods();
        assert_eq!(
            run(
                r#"{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}done"#,
                &d
            ),
            "a\tRunning\nb\tPending\nc\tRunning\ndone"
        );
        assert_eq!(
            run(
                r#"{.items[?(@.status.phase=="Running")].metadata.name}"#,
                &d
            ),
            "a c"
        );
        assert_eq!(run("{.items[?(@.spec.n>1)].metadata.name}", &d), "b c");
        assert_eq!(run("{.items[?(@.spec.n<=2)].metadata.name}", &d), "a c");
        assert_eq!(
            run("{.items[?(@.metadata.labels)].metadata.name}", &d),
            "a c"
        );
        assert_eq!(
            run("{.items[?(@.spec.n=='x')]}", &d),
            "ERR incompatible types for comparison"
        );
        assert_eq!(run("{..app}", &d), "web db");
        assert_eq!(run("{.items[0].metadata.labels.*}", &d), "web");
        assert_eq!(run(r#"{'it\'s'}"#, &d), "it's");
    }

    #[test]
    fn parse_errors_use_client_go_words() {
        let d = json!({});
        assert_eq!(run("{.x", &d), "PARSE unclosed action");
        assert_eq!(run("{.x[0}", &d), "PARSE unterminated array");
        assert_eq!(run("{.x[a]}", &d), "PARSE invalid array index a");
        assert_eq!(run("{\"x}", &d), "PARSE unterminated quoted string");
        assert_eq!(run("{.x[?(@.a=='b']}", &d), "PARSE unterminated filter");
        assert_eq!(
            run("{#}", &d),
            "PARSE unrecognized character in action: U+0023 '#'"
        );
        assert_eq!(run("{foo}", &d), "ERR unrecognized identifier foo");
        assert_eq!(run("{end}", &d), "ERR not in range, nothing to end");
    }

    #[test]
    fn as_json_prints_each_action_as_an_array() {
        let jp = JsonPath::parse("{.a}{.b}").unwrap();
        let out = jp.execute(&json!({"a": {"x": 1}, "b": "s"}), true).unwrap();
        assert_eq!(
            out,
            "[\n    {\n        \"x\": 1\n    }\n]\n[\n    \"s\"\n]\n"
        );
    }

    #[test]
    fn missing_keys_can_be_errors() {
        let jp = JsonPath::parse("{.a.b}").unwrap().allow_missing_keys(false);
        assert_eq!(
            jp.execute(&json!({"a": {}}), false),
            Err("b is not found".to_string())
        );
    }
}
