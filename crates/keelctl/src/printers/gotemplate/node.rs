//! The parsed form of a template (`text/template/parse/node.go`): text,
//! actions, control structures, pipelines, commands and their arguments,
//! each printing itself as Go's `Node.String()` does, which execution
//! errors quote (`at <index .a 1>`).

use std::fmt;

/// A node of a template body.
#[derive(Debug, Clone)]
pub enum Node {
    /// Literal text.
    Text(String),
    /// `{{/* ... */}}`: prints nothing.
    Comment,
    /// `{{pipeline}}`: prints its value unless it declares variables.
    Action(Pipe),
    /// `{{if}}`.
    If(Branch),
    /// `{{with}}`.
    With(Branch),
    /// `{{range}}`.
    Range(Branch),
    /// `{{template "name" pipeline}}` (also what `{{block}}` leaves behind).
    Template {
        /// Byte offset.
        pos: usize,
        /// The template called.
        name: String,
        /// Its argument, if any.
        pipe: Option<Pipe>,
    },
    /// `{{break}}`.
    Break(usize),
    /// `{{continue}}`.
    Continue(usize),
}

/// An `if`, `with` or `range`: its pipeline and branches.
#[derive(Debug, Clone)]
pub struct Branch {
    /// The condition or the collection.
    pub pipe: Pipe,
    /// The body.
    pub list: Vec<Node>,
    /// `{{else}}`'s body.
    pub else_list: Option<Vec<Node>>,
}

/// A pipeline: optional declarations, then commands joined by `|`.
#[derive(Debug, Clone)]
pub struct Pipe {
    /// Byte offset.
    pub pos: usize,
    /// `$x = ...` rather than `$x := ...`.
    pub is_assign: bool,
    /// The variables declared or assigned.
    pub decl: Vec<String>,
    /// The commands.
    pub cmds: Vec<Command>,
}

/// One command of a pipeline: a function or value and its arguments.
#[derive(Debug, Clone)]
pub struct Command {
    /// Byte offset.
    pub pos: usize,
    /// The words.
    pub args: Vec<Arg>,
}

/// A number literal's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer constant (Go `int`).
    Int(i64),
    /// A floating-point constant (`float64`).
    Float(f64),
    /// An unsigned constant past `int64`: Go fails on it when it is used.
    Overflow,
}

/// One word of a command.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.a.b`.
    Field {
        /// Byte offset.
        pos: usize,
        /// The names, without dots.
        idents: Vec<String>,
    },
    /// `$x.a.b` (`idents[0]` is `$x`).
    Variable {
        /// Byte offset.
        pos: usize,
        /// The variable, then field names.
        idents: Vec<String>,
    },
    /// `.`.
    Dot(usize),
    /// `nil`.
    Nil(usize),
    /// `true`, `false`.
    Bool(usize, bool),
    /// A number literal, its text and value.
    Number(usize, String, Number),
    /// A string literal: its quoted text and value.
    String(usize, String, String),
    /// A function name.
    Identifier(usize, String),
    /// `(pipeline)`.
    Pipe(Box<Pipe>),
    /// `(pipeline).a.b`.
    Chain {
        /// Byte offset.
        pos: usize,
        /// What the fields apply to.
        node: Box<Arg>,
        /// The names.
        fields: Vec<String>,
    },
}

impl Arg {
    /// Byte offset, for error locations.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. } | Arg::Variable { pos, .. } | Arg::Chain { pos, .. } => *pos,
            Arg::Dot(p) | Arg::Nil(p) | Arg::Bool(p, _) | Arg::Number(p, ..) => *p,
            Arg::String(p, ..) | Arg::Identifier(p, _) => *p,
            Arg::Pipe(pipe) => pipe.pos,
        }
    }
}

impl fmt::Display for Arg {
    /// Go's `Node.String()`, which error messages quote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => write!(f, "{}", idents.join(".")),
            Arg::Dot(_) => write!(f, "."),
            Arg::Nil(_) => write!(f, "nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, text, _) | Arg::String(_, text, _) | Arg::Identifier(_, text) => {
                write!(f, "{text}")
            }
            Arg::Pipe(p) => write!(f, "{p}"),
            Arg::Chain { node, fields, .. } => {
                if matches!(**node, Arg::Pipe(_)) {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            if let Arg::Pipe(p) = arg {
                write!(f, "({p})")?;
            } else {
                write!(f, "{arg}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            write!(f, "{}", if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    list.iter().try_for_each(|n| write!(f, "{n}"))
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let branch = |f: &mut fmt::Formatter<'_>, name: &str, b: &Branch| {
            write!(f, "{{{{{name} {}}}}}", b.pipe)?;
            write_list(f, &b.list)?;
            if let Some(e) = &b.else_list {
                write!(f, "{{{{else}}}}")?;
                write_list(f, e)?;
            }
            write!(f, "{{{{end}}}}")
        };
        match self {
            Node::Text(t) => write!(f, "{t}"),
            Node::Comment => Ok(()),
            Node::Action(p) => write!(f, "{{{{{p}}}}}"),
            Node::If(b) => branch(f, "if", b),
            Node::With(b) => branch(f, "with", b),
            Node::Range(b) => branch(f, "range", b),
            Node::Template { name, pipe, .. } => {
                let name = crate::printers::gofmt::quote(name);
                match pipe {
                    Some(p) => write!(f, "{{{{template {name} {p}}}}}"),
                    None => write!(f, "{{{{template {name}}}}}"),
                }
            }
            Node::Break(_) => write!(f, "{{{{break}}}}"),
            Node::Continue(_) => write!(f, "{{{{continue}}}}"),
        }
    }
}
