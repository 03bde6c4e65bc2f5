//! Go text/template's lexer (`text/template/parse/lex.go`): text between
//! actions, the tokens inside `{{ }}`, trim markers and comments. Like Go's,
//! it stops at the first error, which becomes the last token.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Plain text outside actions.
    Text,
    /// `{{`.
    LeftDelim,
    /// `}}`.
    RightDelim,
    /// Spaces inside an action (they separate arguments).
    Space,
    /// A function name.
    Identifier,
    /// `.name`.
    Field,
    /// `$` or `$name`.
    Variable,
    /// `.` alone.
    Dot,
    /// `true` or `false`.
    Bool,
    /// `nil`.
    Nil,
    /// A number literal.
    Number,
    /// `'c'`.
    CharConstant,
    /// `"..."`.
    String,
    /// A backquoted string.
    RawString,
    /// `|`.
    Pipe,
    /// `(`.
    LeftParen,
    /// `)`.
    RightParen,
    /// `:=`.
    Declare,
    /// `=`.
    Assign,
    /// Any other printable ASCII character (`,` among them).
    Char,
    /// A `{{/* */}}` comment.
    Comment,
    /// The end of the input.
    Eof,
    /// A lexing error; the value is Go's message.
    Error,
    /// `block`.
    Block,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `define`.
    Define,
    /// `else`.
    Else,
    /// `end`.
    End,
    /// `if`.
    If,
    /// `range`.
    Range,
    /// `template`.
    Template,
    /// `with`.
    With,
}

impl TokenKind {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            TokenKind::Block
                | TokenKind::Break
                | TokenKind::Continue
                | TokenKind::Define
                | TokenKind::Else
                | TokenKind::End
                | TokenKind::If
                | TokenKind::Range
                | TokenKind::Template
                | TokenKind::With
                | TokenKind::Nil
                | TokenKind::Dot
        )
    }
}

/// One token: its kind, its text, its byte offset and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The text (for errors, the message).
    pub val: String,
    /// Byte offset in the template.
    pub pos: usize,
    /// 1-based line.
    pub line: usize,
}

impl std::fmt::Display for Token {
    /// Go's `item.String()`, used in "unexpected X in Y" messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            TokenKind::Eof => write!(f, "EOF"),
            TokenKind::Error => write!(f, "{}", self.val),
            k if k.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.len() > 10 => {
                // Go's `%.10q...`: the first ten runes, quoted.
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", crate::printers::gofmt::quote(&head))
            }
            _ => write!(f, "{}", crate::printers::gofmt::quote(&self.val)),
        }
    }
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// Go's `%#U`: `U+007D '}'`.
pub fn sharp_u(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    if !crate::printers::gofmt::is_print(c) {
        code
    } else {
        format!("{code} '{c}'")
    }
}

/// Splits a template into tokens, ending with `Eof` or `Error`.
pub fn lex(input: &str) -> Vec<Token> {
    let mut l = Lexer {
        input,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        paren_depth: 0,
        tokens: Vec::new(),
    };
    l.run();
    l.tokens
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    paren_depth: i32,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup(&mut self, c: char) {
        self.pos -= c.len_utf8();
        if c == '\n' {
            self.line -= 1;
        }
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn emit(&mut self, kind: TokenKind) {
        let val = self.input[self.start..self.pos].to_string();
        self.emit_val(kind, val);
    }

    fn emit_val(&mut self, kind: TokenKind, val: String) {
        self.tokens.push(Token {
            kind,
            val,
            pos: self.start,
            line: self.start_line,
        });
        self.skip();
    }

    fn skip(&mut self) {
        self.start = self.pos;
        self.start_line = self.line;
    }

    /// Records an error token; lexing stops.
    fn error(&mut self, msg: String) -> bool {
        self.tokens.push(Token {
            kind: TokenKind::Error,
            val: msg,
            pos: self.start,
            line: self.start_line,
        });
        false
    }

    fn run(&mut self) {
        while self.lex_text() {}
    }

    /// Text up to the next action; false once the input or an error ends it.
    fn lex_text(&mut self) -> bool {
        let Some(found) = self.rest().find(LEFT) else {
            self.pos = self.input.len();
            self.line = self.start_line + self.input[self.start..].matches('\n').count();
            if self.pos > self.start {
                self.emit(TokenKind::Text);
            }
            self.emit(TokenKind::Eof);
            return false;
        };
        let delim_at = self.pos + found;
        let after = &self.input[delim_at + LEFT.len()..];
        let trim = has_left_trim(after);
        let mut text_end = delim_at;
        if trim {
            text_end = self.input[..delim_at]
                .trim_end_matches(is_space)
                .len()
                .max(self.start);
        }
        self.pos = text_end;
        self.line = self.start_line + self.input[self.start..text_end].matches('\n').count();
        if text_end > self.start {
            self.emit(TokenKind::Text);
        }
        // Skip the trimmed spaces.
        self.line += self.input[text_end..delim_at].matches('\n').count();
        self.pos = delim_at;
        self.skip();
        self.lex_left_delim(trim)
    }

    fn lex_left_delim(&mut self, trim: bool) -> bool {
        self.pos += LEFT.len();
        let after_marker = if trim { 2 } else { 0 };
        if self.input[self.pos + after_marker..].starts_with("/*") {
            self.pos += after_marker;
            self.skip();
            return self.lex_comment();
        }
        self.emit(TokenKind::LeftDelim);
        self.pos += after_marker;
        self.skip();
        self.paren_depth = 0;
        self.lex_inside_action()
    }

    fn lex_comment(&mut self) -> bool {
        let Some(end) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        for _ in 0..end + 2 {
            self.next();
        }
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        self.emit(TokenKind::Comment);
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        self.skip();
        true
    }

    fn skip_leading_space(&mut self) {
        while let Some(c) = self.peek().filter(|c| is_space(*c)) {
            self.next();
            let _ = c;
        }
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim(rest) && rest[2..].starts_with(RIGHT) {
            return (true, true);
        }
        (rest.starts_with(RIGHT), false)
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT),
        }
    }

    /// Tokens inside an action, through its closing `}}`.
    fn lex_inside_action(&mut self) -> bool {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth != 0 {
                    return self.error("unclosed left paren".into());
                }
                if trim {
                    self.pos += 2;
                    self.skip();
                }
                self.pos += RIGHT.len();
                self.emit(TokenKind::RightDelim);
                if trim {
                    self.skip_leading_space();
                    self.skip();
                }
                return true;
            }
            let Some(c) = self.next() else {
                return self.error("unclosed action".into());
            };
            let ok = match c {
                c if is_space(c) => {
                    self.backup(c);
                    self.lex_space();
                    true
                }
                '=' => {
                    self.emit(TokenKind::Assign);
                    true
                }
                ':' => {
                    if self.next() != Some('=') {
                        return self.error("expected :=".into());
                    }
                    self.emit(TokenKind::Declare);
                    true
                }
                '|' => {
                    self.emit(TokenKind::Pipe);
                    true
                }
                '"' => self.lex_quote(),
                '`' => self.lex_raw_quote(),
                '$' => self.lex_field_or_variable(TokenKind::Variable),
                '\'' => self.lex_char(),
                '.' if !self.peek().is_some_and(|n| n.is_ascii_digit()) => {
                    self.lex_field_or_variable(TokenKind::Field)
                }
                '.' | '+' | '-' | '0'..='9' => {
                    self.backup(c);
                    self.lex_number()
                }
                c if is_alphanumeric(c) => {
                    self.backup(c);
                    self.lex_identifier()
                }
                '(' => {
                    self.paren_depth += 1;
                    self.emit(TokenKind::LeftParen);
                    true
                }
                ')' => {
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        return self.error("unexpected right paren".into());
                    }
                    self.emit(TokenKind::RightParen);
                    true
                }
                c if c.is_ascii() && !c.is_ascii_control() => {
                    self.emit(TokenKind::Char);
                    true
                }
                c => {
                    return self.error(format!("unrecognized character in action: {}", sharp_u(c)))
                }
            };
            if !ok {
                return false;
            }
        }
    }

    fn lex_space(&mut self) {
        let mut spaces = 0;
        while self.peek().is_some_and(is_space) {
            self.next();
            spaces += 1;
        }
        // A space before `-}}` belongs to the trim marker.
        let before = &self.input[self.pos - 1..];
        if has_right_trim(before) && before[2..].starts_with(RIGHT) {
            self.backup(' ');
            if spaces == 1 {
                return;
            }
        }
        self.emit(TokenKind::Space);
    }

    fn lex_identifier(&mut self) -> bool {
        while self.peek().is_some_and(is_alphanumeric) {
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            return self.error(format!("bad character {}", sharp_u(c)));
        }
        let word = &self.input[self.start..self.pos];
        let kind = match word {
            "block" => TokenKind::Block,
            "break" => TokenKind::Break,
            "continue" => TokenKind::Continue,
            "define" => TokenKind::Define,
            "else" => TokenKind::Else,
            "end" => TokenKind::End,
            "if" => TokenKind::If,
            "range" => TokenKind::Range,
            "nil" => TokenKind::Nil,
            "template" => TokenKind::Template,
            "with" => TokenKind::With,
            "true" | "false" => TokenKind::Bool,
            _ => TokenKind::Identifier,
        };
        self.emit(kind);
        true
    }

    fn lex_field_or_variable(&mut self, kind: TokenKind) -> bool {
        if self.at_terminator() {
            self.emit(if kind == TokenKind::Variable {
                TokenKind::Variable
            } else {
                TokenKind::Dot
            });
            return true;
        }
        while self.peek().is_some_and(is_alphanumeric) {
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            return self.error(format!("bad character {}", sharp_u(c)));
        }
        self.emit(kind);
        true
    }

    fn lex_char(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    return self.error("unterminated character constant".into());
                }
                None | Some('\n') => return self.error("unterminated character constant".into()),
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::CharConstant);
        true
    }

    fn lex_quote(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    return self.error("unterminated quoted string".into());
                }
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::String);
        true
    }

    fn lex_raw_quote(&mut self) -> bool {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::RawString);
        true
    }

    fn lex_number(&mut self) -> bool {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.error(format!(
                "bad number syntax: {}",
                crate::printers::gofmt::quote(&text)
            ));
        }
        self.emit(TokenKind::Number);
        true
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }
}

fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokenKind, String)> {
        lex(s).into_iter().map(|t| (t.kind, t.val)).collect()
    }

    #[test]
    fn text_actions_and_trim_markers() {
        use TokenKind::*;
        assert_eq!(
            kinds("a  {{- .x.y -}}  b"),
            vec![
                (Text, "a".into()),
                (LeftDelim, "{{".into()),
                (Field, ".x".into()),
                (Field, ".y".into()),
                (RightDelim, "}}".into()),
                (Text, "b".into()),
                (Eof, "".into()),
            ]
        );
        assert_eq!(
            kinds("{{$v := index . 1 | printf \"%d\"}}")
                .into_iter()
                .map(|t| t.0)
                .collect::<Vec<_>>(),
            vec![
                LeftDelim, Variable, Space, Declare, Space, Identifier, Space, Dot, Space, Number,
                Space, Pipe, Space, Identifier, Space, String, RightDelim, Eof
            ]
        );
    }

    #[test]
    fn comments_are_tokens_and_errors_end_lexing() {
        use TokenKind::*;
        assert_eq!(kinds("x {{- /* c */ -}} y")[1], (Comment, "/* c */".into()));
        assert_eq!(kinds("x {{- /* c */ -}} y")[2], (Text, "y".into()));
        assert_eq!(kinds("{{.a}").last().unwrap().1, "bad character U+007D '}'");
        assert_eq!(kinds("{{.a").last().unwrap().1, "unclosed action");
        assert_eq!(
            kinds("{{\"a}}").last().unwrap().1,
            "unterminated quoted string"
        );
        assert_eq!(kinds("{{/* a }}").last().unwrap().1, "unclosed comment");
        assert_eq!(kinds("{{(1}}").last().unwrap().1, "unclosed left paren");
        assert_eq!(
            kinds("{{1a}}").last().unwrap().1,
            "bad number syntax: \"1a\""
        );
    }
}
