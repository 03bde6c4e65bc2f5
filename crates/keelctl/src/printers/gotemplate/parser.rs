//! Go text/template's parser (`text/template/parse/parse.go`): the tree of
//! text, actions and control structures, named templates from
//! `define`/`block`, variable scoping and function-name checks, with Go's
//! error messages (`template: output:1: unexpected EOF`).

use super::lexer::{lex, Token, TokenKind};
use super::node::{Arg, Branch, Command, Node, Number, Pipe};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// The name kubectl gives its template; errors say `template: output:...`.
pub const PARSE_NAME: &str = "output";

/// The functions a template may call: text/template's builtins and kubectl's two.
pub const FUNCTIONS: &[&str] = &[
    "and",
    "call",
    "html",
    "index",
    "slice",
    "js",
    "len",
    "not",
    "or",
    "print",
    "printf",
    "println",
    "urlquery",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "ne",
    "exists",
    "base64decode",
];

/// A parsed template: the main body and every named template.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The template text (error locations count lines in it).
    pub text: String,
    /// Templates by name; the main one is [`PARSE_NAME`].
    pub templates: HashMap<String, Rc<Vec<Node>>>,
}

/// What ends an item list.
enum Stop {
    End,
    Else,
}

/// Parses a template; the error is Go's (`template: output:1: ...`).
pub fn parse(text: &str) -> Result<Tree, String> {
    let mut p = Parser {
        tokens: lex(text),
        at: 0,
        line: 1,
        vars: vec!["$".into()],
        range_depth: 0,
        action_line: 0,
        templates: HashMap::new(),
    };
    let root = p.parse_root()?;
    add_template(&mut p.templates, PARSE_NAME, root, 1)?;
    Ok(Tree {
        text: text.to_string(),
        templates: p.templates,
    })
}

fn is_empty_tree(list: &[Node]) -> bool {
    list.iter().all(|n| match n {
        Node::Text(t) => t.trim().is_empty(),
        Node::Comment => true,
        _ => false,
    })
}

fn add_template(
    set: &mut HashMap<String, Rc<Vec<Node>>>,
    name: &str,
    root: Vec<Node>,
    line: usize,
) -> Result<(), String> {
    match set.get(name) {
        Some(existing) if !is_empty_tree(existing) => {
            if is_empty_tree(&root) {
                return Ok(());
            }
            Err(format!(
                "template: {PARSE_NAME}:{line}: template: multiple definition of template {}",
                crate::printers::gofmt::quote(name)
            ))
        }
        _ => {
            set.insert(name.to_string(), Rc::new(root));
            Ok(())
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    line: usize,
    vars: Vec<String>,
    range_depth: usize,
    /// The line of the action being parsed (0 outside one), for lexer errors.
    action_line: usize,
    templates: HashMap<String, Rc<Vec<Node>>>,
}

type PResult<T> = Result<T, String>;

impl Parser {
    fn next(&mut self) -> Token {
        let t = self.tokens[self.at.min(self.tokens.len() - 1)].clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        self.line = t.line;
        t
    }

    fn backup(&mut self) {
        self.at = self.at.saturating_sub(1);
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.kind != TokenKind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, msg: impl fmt::Display) -> String {
        format!("template: {PARSE_NAME}:{}: {msg}", self.line)
    }

    fn unexpected<T>(&self, token: &Token, context: &str) -> PResult<T> {
        if token.kind == TokenKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                let started = format!(" started at {PARSE_NAME}:{}", self.action_line);
                // Avoid "unclosed action in action started at".
                extra = if token.val.ends_with(" action") {
                    started
                } else {
                    format!(" in action{started}")
                };
            }
            return Err(self.errorf(format!("{token}{extra}")));
        }
        Err(self.errorf(format!("unexpected {token} in {context}")))
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> PResult<Token> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn parse_root(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != TokenKind::Eof {
            if self.peek().kind == TokenKind::LeftDelim {
                let mark = self.at;
                self.next();
                if self.next_non_space().kind == TokenKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.at = mark;
            }
            match self.text_or_action()? {
                Ok(node) => root.push(node),
                Err(Stop::End) => return Err(self.errorf("unexpected {{end}}")),
                Err(Stop::Else) => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let t = self.next_non_space();
        if !matches!(t.kind, TokenKind::String | TokenKind::RawString) {
            return self.unexpected(&t, CONTEXT);
        }
        let name = self.unquote(&t.val)?;
        self.expect(TokenKind::RightDelim, CONTEXT)?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, stop) = self.item_list()?;
        self.vars = saved;
        if let Stop::Else = stop {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        add_template(&mut self.templates, &name, list, self.line)
    }

    /// Nodes up to `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> PResult<(Vec<Node>, Stop)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != TokenKind::Eof {
            match self.text_or_action()? {
                Ok(n) => list.push(n),
                Err(stop) => return Ok((list, stop)),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Result<Node, Stop>> {
        let t = self.next_non_space();
        match t.kind {
            TokenKind::Text => Ok(Ok(Node::Text(t.val))),
            TokenKind::LeftDelim => {
                self.action_line = t.line;
                let node = self.action();
                self.action_line = 0;
                node
            }
            TokenKind::Comment => Ok(Ok(Node::Comment)),
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> PResult<Result<Node, Stop>> {
        let t = self.next_non_space();
        let node = match t.kind {
            TokenKind::Block => self.block_control()?,
            TokenKind::Break | TokenKind::Continue => {
                let name = t.val.clone();
                let after = self.next_non_space();
                if after.kind != TokenKind::RightDelim {
                    return self.unexpected(&after, &format!("{{{{{name}}}}}"));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{name}}}}} outside {{{{range}}}}")));
                }
                if t.kind == TokenKind::Break {
                    Node::Break(t.pos)
                } else {
                    Node::Continue(t.pos)
                }
            }
            TokenKind::Else => {
                let peek = self.peek_non_space();
                if !matches!(peek.kind, TokenKind::If | TokenKind::With) {
                    self.expect(TokenKind::RightDelim, "else")?;
                }
                return Ok(Err(Stop::Else));
            }
            TokenKind::End => {
                self.expect(TokenKind::RightDelim, "end")?;
                return Ok(Err(Stop::End));
            }
            TokenKind::If => Node::If(self.parse_control("if")?),
            TokenKind::Range => Node::Range(self.parse_control("range")?),
            TokenKind::With => Node::With(self.parse_control("with")?),
            TokenKind::Template => self.template_control()?,
            _ => {
                self.backup();
                Node::Action(self.pipeline("command", TokenKind::RightDelim)?)
            }
        };
        Ok(Ok(node))
    }

    fn parse_control(&mut self, context: &str) -> PResult<Branch> {
        let vars = self.vars.len();
        let pipe = self.pipeline(context, TokenKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, stop) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Stop::Else = stop {
            // `{{else if}}` / `{{else with}}` nest a new control in the else branch.
            let peek = self.peek_non_space().kind;
            if context == "if" && peek == TokenKind::If
                || context == "with" && peek == TokenKind::With
            {
                let kw = self.next_non_space();
                let inner = self.parse_control(context)?;
                let node = if kw.kind == TokenKind::If {
                    Node::If(inner)
                } else {
                    Node::With(inner)
                };
                else_list = Some(vec![node]);
            } else {
                let (list, stop) = self.item_list()?;
                if let Stop::Else = stop {
                    return Err(self.errorf("expected end; found {{else}}"));
                }
                else_list = Some(list);
            }
        }
        self.vars.truncate(vars);
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, context: &str) -> PResult<(Token, String)> {
        let t = self.next_non_space();
        match t.kind {
            TokenKind::String | TokenKind::RawString => {
                let name = self.unquote(&t.val)?;
                Ok((t, name))
            }
            _ => self.unexpected(&t, context),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let (t, name) = self.template_name(CONTEXT)?;
        let pipe = if self.next_non_space().kind != TokenKind::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, TokenKind::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: t.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let (t, name) = self.template_name(CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, TokenKind::RightDelim)?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::take(&mut self.range_depth);
        let (list, stop) = self.item_list()?;
        self.vars = saved;
        self.range_depth = saved_depth;
        if let Stop::Else = stop {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        add_template(&mut self.templates, &name, list, self.line)?;
        Ok(Node::Template {
            pos: t.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: TokenKind) -> PResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.kind != TokenKind::Variable {
                break;
            }
            let mark = self.at;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.kind {
                TokenKind::Assign | TokenKind::Declare => {
                    pipe.is_assign = next.kind == TokenKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    break;
                }
                TokenKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            TokenKind::Variable | TokenKind::RightDelim | TokenKind::RightParen => {
                                continue
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    self.at = mark;
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            if t.kind == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match t.kind {
                TokenKind::Bool
                | TokenKind::CharConstant
                | TokenKind::Dot
                | TokenKind::Field
                | TokenKind::Identifier
                | TokenKind::Number
                | TokenKind::Nil
                | TokenKind::RawString
                | TokenKind::String
                | TokenKind::Variable
                | TokenKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&t, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::String(..))
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let t = self.next();
            match t.kind {
                TokenKind::Space => continue,
                TokenKind::RightDelim | TokenKind::RightParen => self.backup(),
                TokenKind::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != TokenKind::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == TokenKind::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos, idents }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos, idents }
            }
            Arg::Bool(..) | Arg::String(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::printers::gofmt::quote(&node.to_string())
                )))
            }
            node => Arg::Chain {
                pos,
                node: Box::new(node),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        let arg = match t.kind {
            TokenKind::Identifier => {
                if !FUNCTIONS.contains(&t.val.as_str()) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::printers::gofmt::quote(&t.val)
                    )));
                }
                Arg::Identifier(t.pos, t.val)
            }
            TokenKind::Dot => Arg::Dot(t.pos),
            TokenKind::Nil => Arg::Nil(t.pos),
            TokenKind::Variable => {
                if !self.vars.contains(&t.val) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::printers::gofmt::quote(&t.val)
                    )));
                }
                Arg::Variable {
                    pos: t.pos,
                    idents: vec![t.val],
                }
            }
            TokenKind::Field => Arg::Field {
                pos: t.pos,
                idents: vec![t.val[1..].to_string()],
            },
            TokenKind::Bool => Arg::Bool(t.pos, t.val == "true"),
            TokenKind::Number | TokenKind::CharConstant => {
                let n = self.number(&t)?;
                Arg::Number(t.pos, t.val, n)
            }
            TokenKind::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", TokenKind::RightParen)?,
            )),
            TokenKind::String | TokenKind::RawString => {
                let s = self.unquote(&t.val)?;
                Arg::String(t.pos, t.val, s)
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }

    fn number(&self, t: &Token) -> PResult<Number> {
        if t.kind == TokenKind::CharConstant {
            let inner = &t.val[1..t.val.len() - 1];
            let s = unquote_body(inner, '\'').map_err(|_| self.errorf("invalid syntax"))?;
            let mut chars = s.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(Number::Int(c as i64)),
                _ => Err(self.errorf(format!("malformed character constant: {}", t.val))),
            };
        }
        parse_number(&t.val).map_err(|e| self.errorf(e))
    }

    fn unquote(&self, quoted: &str) -> PResult<String> {
        unquote(quoted).ok_or_else(|| self.errorf("invalid syntax"))
    }
}

/// A Go number literal as text/template reads it (`parse.newNumber`):
/// integers (decimal, `0x`, `0o`, `0b`, leading-zero octal) as `int`, those
/// past `int64` but within `uint64` as [`Number::Overflow`], the rest as
/// `float64`. The error is Go's.
fn parse_number(text: &str) -> Result<Number, String> {
    let illegal = || {
        format!(
            "illegal number syntax: {}",
            crate::printers::gofmt::quote(text)
        )
    };
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|b| b.is_ascii_digit())
    {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let is_int = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    if is_int {
        return match u128::from_str_radix(digits, radix) {
            Ok(m) if neg && m <= 1u128 << 63 => Ok(Number::Int((m as i128).wrapping_neg() as i64)),
            Ok(m) if !neg && m <= i64::MAX as u128 => Ok(Number::Int(m as i64)),
            Ok(m) if !neg && m <= u64::MAX as u128 && !text.starts_with('+') => {
                Ok(Number::Overflow)
            }
            _ if radix == 10 => Err(format!(
                "integer overflow: {}",
                crate::printers::gofmt::quote(text)
            )),
            _ => Err(illegal()),
        };
    }
    if lower.ends_with('i') || lower.starts_with("0x") || lower.is_empty() {
        return Err(illegal());
    }
    let f: f64 = body.parse().map_err(|_| illegal())?;
    Ok(Number::Float(if neg { -f } else { f }))
}

/// Go's `strconv.Unquote` for `"..."` and backquoted strings.
pub fn unquote(quoted: &str) -> Option<String> {
    if quoted.len() >= 2 && quoted.starts_with('`') && quoted.ends_with('`') {
        return Some(quoted[1..quoted.len() - 1].replace('\r', ""));
    }
    if quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"') {
        return unquote_body(&quoted[1..quoted.len() - 1], '"').ok();
    }
    None
}

/// The escapes of a Go string or rune literal's body.
fn unquote_body(body: &str, quote: char) -> Result<String, ()> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            return Err(());
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or(())?;
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
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| ())?;
                if hex.len() != n {
                    return Err(());
                }
                if e == 'x' {
                    // A byte; kept as its Latin-1 character when not ASCII.
                    out.push(char::from_u32(v).ok_or(())?);
                } else {
                    out.push(char::from_u32(v).ok_or(())?);
                }
            }
            '0'..='7' => {
                let mut digits = String::from(e);
                for _ in 0..2 {
                    digits.push(chars.next().ok_or(())?);
                }
                let v = u32::from_str_radix(&digits, 8).map_err(|_| ())?;
                if v > 255 {
                    return Err(());
                }
                out.push(char::from_u32(v).ok_or(())?);
            }
            _ => return Err(()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(t: &str) -> String {
        parse(t).unwrap_err()
    }

    #[test]
    fn parse_errors_match_go() {
        assert_eq!(err("{{if .x}}"), "template: output:1: unexpected EOF");
        assert_eq!(err("{{end}}"), "template: output:1: unexpected {{end}}");
        assert_eq!(
            err("{{$y}}"),
            "template: output:1: undefined variable \"$y\""
        );
        assert_eq!(
            err("{{foo .}}"),
            "template: output:1: function \"foo\" not defined"
        );
        assert_eq!(err("{{.a}"), "template: output:1: bad character U+007D '}'");
        assert_eq!(err("{{}}"), "template: output:1: missing value for command");
        assert_eq!(
            err("{{.a | 1}}"),
            "template: output:1: non executable command in pipeline stage 2"
        );
        assert_eq!(
            err("{{range .x}}{{else}}{{else}}{{end}}"),
            "template: output:1: expected end; found {{else}}"
        );
        assert_eq!(
            err("{{break}}"),
            "template: output:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            err("a\n{{.x @}}"),
            "template: output:2: unexpected \"@\" in operand"
        );
        assert_eq!(
            err("{{if}}{{end}}"),
            "template: output:1: missing value for if"
        );
        assert_eq!(
            err("{{with $x := 1}}{{end}}{{$x}}"),
            "template: output:1: undefined variable \"$x\""
        );
    }

    #[test]
    fn nodes_print_as_go_does() {
        let t = parse("{{$x := index .a 1 | printf \"%v\" (len .b).c}}{{range $i, $e := .items}}{{$e.name}}{{end}}").unwrap();
        let root = &t.templates[PARSE_NAME];
        assert_eq!(
            root[0].to_string(),
            "{{$x := index .a 1 | printf \"%v\" (len .b).c}}"
        );
        assert_eq!(
            root[1].to_string(),
            "{{range $i, $e := .items}}{{$e.name}}{{end}}"
        );
    }

    #[test]
    fn defines_and_blocks_are_named_templates() {
        let t = parse("{{define \"x\"}}X{{end}}{{block \"b\" .}}B{{end}}").unwrap();
        assert!(t.templates.contains_key("x"));
        assert!(t.templates.contains_key("b"));
        assert_eq!(parse_number("0x1F"), Ok(Number::Int(31)));
        assert_eq!(parse_number("1.5e3"), Ok(Number::Float(1500.0)));
        assert_eq!(parse_number("9999999999999999999"), Ok(Number::Overflow));
        assert_eq!(
            parse_number("99999999999999999999").unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
        assert_eq!(unquote("\"a\\tb\\u00e9\"").as_deref(), Some("a\tb\u{e9}"));
    }
}
