//! Go text/template's executor (`text/template/exec.go`) over decoded JSON:
//! walks the tree writing text, evaluates pipelines, fields, variables and
//! function calls, and fails as Go does (`template: output:1:14: executing
//! "output" at <index .a 1>: error calling index: ...`), naming the last
//! node it was evaluating.

use super::funcs::{self, Param};
use super::node::{Arg, Branch, Command, Node, Number, Pipe};
use super::parser::{Tree, PARSE_NAME};
use super::value::{Json, Kind, Val};
use crate::printers::gofmt;
use serde_json::Value;

/// How deep `{{template}}` calls may nest (Go allows 100000 on a larger
/// stack; a recursive template fails here instead of overflowing ours).
const MAX_DEPTH: usize = 1000;

/// What a walk ended with: normally, or a `{{break}}`/`{{continue}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// The node being evaluated, for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
    Node(&'t Node),
    Ident(usize, &'t str),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Arg(a) => a.pos(),
            At::Cmd(c) => c.pos,
            At::Pipe(p) => p.pos,
            At::Node(n) => match n {
                Node::Action(p) => p.pos,
                Node::If(b) | Node::With(b) | Node::Range(b) => b.pipe.pos,
                Node::Template { pos, .. } | Node::Break(pos) | Node::Continue(pos) => *pos,
                Node::Text(_) | Node::Comment => 0,
            },
            At::Ident(pos, _) => *pos,
        }
    }

    fn context(&self) -> String {
        match self {
            At::Arg(a) => a.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Node(n) => n.to_string(),
            At::Ident(_, name) => name.to_string(),
        }
    }
}

type EResult<T> = Result<T, String>;

/// Executes the main template on `data`, appending to `out`. With
/// `missing_key_error` a missing map key fails (`missingkey=error`)
/// instead of printing `<no value>`.
pub fn execute(
    tree: &Tree,
    data: &Value,
    missing_key_error: bool,
    out: &mut String,
) -> EResult<()> {
    let Some(root) = tree.templates.get(PARSE_NAME) else {
        return Err(format!(
            "template: {PARSE_NAME}: \"{PARSE_NAME}\" is an incomplete or empty template"
        ));
    };
    let dot = Val::Json(Json::Ref(data));
    let mut s = State {
        tree,
        name: PARSE_NAME.to_string(),
        vars: vec![("$".to_string(), dot.clone())],
        out,
        at: None,
        missing_key_error,
        depth: 0,
    };
    s.walk_list(&dot, root).map(|_| ())
}

struct State<'a, 't> {
    tree: &'t Tree,
    name: String,
    vars: Vec<(String, Val<'a>)>,
    out: &'t mut String,
    at: Option<At<'t>>,
    missing_key_error: bool,
    depth: usize,
}

impl<'a, 't> State<'a, 't> {
    fn at(&mut self, at: At<'t>) {
        self.at = Some(at);
    }

    fn errorf(&self, msg: impl std::fmt::Display) -> String {
        let name = gofmt::quote(&self.name);
        let Some(at) = self.at else {
            return format!("template: {}: {msg}", self.name);
        };
        let pos = at.pos().min(self.tree.text.len());
        let before = &self.tree.text[..pos];
        let line = 1 + before.matches('\n').count();
        let col = before.rfind('\n').map_or(pos, |nl| pos - nl - 1);
        format!(
            "template: {PARSE_NAME}:{line}:{col}: executing {name} at <{}>: {msg}",
            at.context()
        )
    }

    fn walk_list(&mut self, dot: &Val<'a>, list: &'t [Node]) -> EResult<Flow> {
        for node in list {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Val<'a>, node: &'t Node) -> EResult<Flow> {
        match node {
            Node::Text(t) => self.out.push_str(t),
            Node::Comment => {}
            Node::Action(pipe) => {
                self.at(At::Node(node));
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node));
                    match val {
                        Val::Invalid => self.out.push_str("<no value>"),
                        v => self.out.push_str(&v.sprint()),
                    }
                }
            }
            Node::If(b) | Node::With(b) => {
                let mark = self.vars.len();
                let val = self.eval_pipeline(dot, &b.pipe)?;
                let flow = if val.truth() {
                    let inner = if matches!(node, Node::With(_)) {
                        &val
                    } else {
                        dot
                    };
                    self.walk_list(inner, &b.list)
                } else if let Some(e) = &b.else_list {
                    self.walk_list(dot, e)
                } else {
                    Ok(Flow::Normal)
                };
                self.vars.truncate(mark);
                return flow;
            }
            Node::Range(b) => {
                self.at(At::Node(node));
                return self.walk_range(dot, b);
            }
            Node::Template { name, pipe, .. } => {
                self.at(At::Node(node));
                let Some(body) = self.tree.templates.get(name) else {
                    return Err(self.errorf(format!("template {} not defined", gofmt::quote(name))));
                };
                if self.depth >= MAX_DEPTH {
                    return Err(
                        self.errorf(format!("exceeded maximum template depth ({MAX_DEPTH})"))
                    );
                }
                let new_dot = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Val::Invalid,
                };
                let saved_vars =
                    std::mem::replace(&mut self.vars, vec![("$".into(), new_dot.clone())]);
                let saved_name = std::mem::replace(&mut self.name, name.clone());
                self.depth += 1;
                let result = self.walk_list(&new_dot, body);
                self.depth -= 1;
                self.vars = saved_vars;
                self.name = saved_name;
                result?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn set_var(&mut self, name: &str, value: Val<'a>) -> EResult<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Val<'a>) {
        let len = self.vars.len();
        if n <= len {
            self.vars[len - n].1 = value;
        }
    }

    fn walk_range(&mut self, dot: &Val<'a>, b: &'t Branch) -> EResult<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?.indirect().0;
        let body_mark = self.vars.len();
        // Map keys in sorted order; lists and integers are walked by index,
        // so a large `range N` streams as Go's does.
        let mut keys: Vec<String> = Vec::new();
        let count = match val.kind() {
            Kind::Slice => val
                .json()
                .and_then(|j| j.get().as_array())
                .map_or(0, Vec::len) as i64,
            Kind::Map => {
                keys = val
                    .json()
                    .and_then(|j| j.get().as_object())
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                keys.sort();
                keys.len() as i64
            }
            Kind::Int => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        val.sprint()
                    )));
                }
                val.as_int().unwrap_or_default().max(0)
            }
            Kind::Invalid | Kind::Nil => 0,
            _ => return Err(self.errorf(format!("range can't iterate over {}", val.sprint()))),
        };
        if count == 0 {
            let mut flow = Flow::Normal;
            if let Some(e) = &b.else_list {
                flow = self.walk_list(dot, e)?;
            }
            self.vars.truncate(mark);
            return Ok(flow);
        }
        let decl = &b.pipe.decl;
        for i in 0..count {
            let (index, elem) = match val.kind() {
                Kind::Slice => (Val::Int(i), val.child(|v| v.get(i as usize))),
                Kind::Map => {
                    let k = &keys[i as usize];
                    (Val::str(k), val.child(|v| v.get(k)))
                }
                _ => (Val::Int(i), Some(Val::Int(i))),
            };
            let elem = elem.unwrap_or(Val::Invalid);
            if !decl.is_empty() {
                if b.pipe.is_assign {
                    let first = if decl.len() > 1 {
                        index.clone()
                    } else {
                        elem.clone()
                    };
                    self.set_var(&decl[0], first)?;
                } else {
                    self.set_top_var(1, elem.clone());
                }
            }
            if decl.len() > 1 {
                if b.pipe.is_assign {
                    self.set_var(&decl[1], elem.clone())?;
                } else {
                    self.set_top_var(2, index);
                }
            }
            let result = self.walk_list(&elem, &b.list);
            self.vars.truncate(body_mark);
            if result? == Flow::Break {
                break;
            }
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    fn eval_pipeline(&mut self, dot: &Val<'a>, pipe: &'t Pipe) -> EResult<Val<'a>> {
        self.at(At::Pipe(pipe));
        let mut value: Option<Val<'a>> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?.unwrap_iface());
        }
        let value = value.unwrap_or(Val::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(var, value.clone())?;
            } else {
                self.vars.push((var.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Val<'a>>) -> EResult<()> {
        if args.len() > 1 || fin.is_some() {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Val<'a>,
        cmd: &'t Command,
        fin: Option<Val<'a>>,
    ) -> EResult<Val<'a>> {
        let Some(first) = cmd.args.first() else {
            return Ok(Val::Invalid);
        };
        match first {
            Arg::Field { idents, .. } => {
                self.at(At::Arg(first));
                self.eval_field_chain(dot.clone(), idents, &cmd.args, fin)
            }
            Arg::Chain { .. } => self.eval_chain(dot, first, &cmd.args, fin),
            Arg::Identifier(pos, name) => {
                self.at(At::Ident(*pos, name));
                self.eval_call(dot, name, At::Cmd(cmd), &cmd.args, fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Variable { .. } => self.eval_variable(first, &cmd.args, fin),
            literal => {
                self.at(At::Arg(literal));
                self.not_a_function(&cmd.args, &fin)?;
                match literal {
                    Arg::Bool(_, b) => Ok(Val::Bool(*b)),
                    Arg::Dot(_) => Ok(dot.clone()),
                    Arg::Nil(_) => Err(self.errorf("nil is not a command")),
                    Arg::Number(_, text, n) => self.number(text, *n),
                    Arg::String(_, _, s) => Ok(Val::str(s)),
                    other => Err(self.errorf(format!(
                        "can't evaluate command {}",
                        gofmt::quote(&other.to_string())
                    ))),
                }
            }
        }
    }

    fn eval_variable(
        &mut self,
        var: &'t Arg,
        args: &'t [Arg],
        fin: Option<Val<'a>>,
    ) -> EResult<Val<'a>> {
        self.at(At::Arg(var));
        let Arg::Variable { idents, .. } = var else {
            return Ok(Val::Invalid);
        };
        let Some(value) = self
            .vars
            .iter()
            .rev()
            .find(|(n, _)| *n == idents[0])
            .map(|v| v.1.clone())
        else {
            return Err(self.errorf(format!("undefined variable: {}", idents[0])));
        };
        if idents.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(value, &idents[1..], args, fin)
    }

    fn eval_chain(
        &mut self,
        dot: &Val<'a>,
        chain: &'t Arg,
        args: &'t [Arg],
        fin: Option<Val<'a>>,
    ) -> EResult<Val<'a>> {
        self.at(At::Arg(chain));
        let Arg::Chain { node, fields, .. } = chain else {
            return Ok(Val::Invalid);
        };
        if matches!(**node, Arg::Nil(_)) {
            return Err(self.errorf(format!("indirection through explicit nil in {chain}")));
        }
        // Go leaves the error location at the last node the pipeline
        // evaluated.
        let receiver = self.eval_arg(dot, Param::Reflect, node)?;
        self.eval_field_chain(receiver, fields, args, fin)
    }

    fn eval_field_chain(
        &mut self,
        mut receiver: Val<'a>,
        idents: &[String],
        args: &[Arg],
        fin: Option<Val<'a>>,
    ) -> EResult<Val<'a>> {
        let n = idents.len();
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(ident, false, receiver)?;
        }
        let has_args = args.len() > 1 || fin.is_some();
        self.eval_field(&idents[n - 1], has_args, receiver)
    }

    fn eval_field(&self, name: &str, has_args: bool, receiver: Val<'a>) -> EResult<Val<'a>> {
        if matches!(receiver, Val::Invalid) {
            if self.missing_key_error {
                return Err(
                    self.errorf(format!("nil data; no entry for key {}", gofmt::quote(name)))
                );
            }
            return Ok(Val::Invalid);
        }
        let typ = receiver.type_name();
        let (concrete, is_nil) = receiver.indirect();
        if is_nil {
            return Err(self.errorf(format!("nil pointer evaluating {typ}.{name}")));
        }
        if concrete.kind() != Kind::Map {
            return Err(self.errorf(format!("can't evaluate field {name} in type {typ}")));
        }
        if has_args {
            return Err(self.errorf(format!("{name} is not a method but has arguments")));
        }
        match concrete.child(|v| v.get(name)) {
            Some(v) => Ok(v),
            None if self.missing_key_error => {
                Err(self.errorf(format!("map has no entry for key {}", gofmt::quote(name))))
            }
            None => Ok(Val::Invalid),
        }
    }

    /// A function call; `args` starts with the function's name (empty when
    /// the name alone is an argument).
    fn eval_call(
        &mut self,
        dot: &Val<'a>,
        name: &str,
        node: At<'t>,
        args: &'t [Arg],
        fin: Option<Val<'a>>,
    ) -> EResult<Val<'a>> {
        let args = args.get(1..).unwrap_or_default();
        let sig = funcs::signature(name);
        let num_in = args.len() + usize::from(fin.is_some());
        let num_fixed = sig.fixed.len();
        if sig.variadic.is_some() {
            if num_in < num_fixed {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {num_fixed} got {}",
                    args.len()
                )));
            }
        } else if num_in != num_fixed {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {num_fixed} got {num_in}"
            )));
        }
        if name == "and" || name == "or" {
            let mut v = Val::Invalid;
            for arg in args {
                v = self.eval_arg(dot, Param::Reflect, arg)?;
                if v.truth() == (name == "or") {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let param = |i: usize| -> Param {
            sig.fixed
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(Param::Any)
        };
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, param(i), arg)?);
        }
        if let Some(f) = fin {
            argv.push(self.validate(f, param(num_in - 1))?);
        }
        if name == "call" {
            // Decoded JSON never holds a function to call.
            let callee = args.first().map(ToString::to_string).unwrap_or_default();
            let msg = match argv.first().map(Val::indirect) {
                Some((Val::Invalid, _)) | Some((_, true)) | None => "call of nil".to_string(),
                Some((v, _)) => format!("non-function {callee} of type {}", v.type_name()),
            };
            self.at = Some(node);
            return Err(self.errorf(format!("error calling call: {msg}")));
        }
        funcs::call(name, argv).map_err(|e| {
            self.at.replace(node);
            let msg = self.errorf(format!("error calling {name}: {e}"));
            msg
        })
    }

    fn eval_arg(&mut self, dot: &Val<'a>, param: Param, arg: &'t Arg) -> EResult<Val<'a>> {
        self.at(At::Arg(arg));
        let value = match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                if param == Param::String {
                    return Err(self.errorf("cannot assign nil to string"));
                }
                return Ok(Val::Invalid);
            }
            Arg::Field { idents, .. } => {
                self.eval_field_chain(dot.clone(), idents, std::slice::from_ref(arg), None)?
            }
            Arg::Variable { .. } => self.eval_variable(arg, &[], None)?,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Identifier(pos, name) => {
                self.at(At::Ident(*pos, name));
                self.eval_call(dot, name, At::Arg(arg), &[], None)?
            }
            Arg::Chain { .. } => self.eval_chain(dot, arg, &[], None)?,
            Arg::String(_, _, s) => return Ok(Val::str(s)),
            literal if param == Param::String => {
                return Err(self.errorf(format!("expected string; found {literal}")));
            }
            Arg::Bool(_, b) => return Ok(Val::Bool(*b)),
            Arg::Number(_, text, n) => return self.number(text, *n),
        };
        self.validate(value, param)
    }

    /// A number literal's value (`idealConstant`).
    fn number(&self, text: &str, n: Number) -> EResult<Val<'a>> {
        match n {
            Number::Int(i) => Ok(Val::Int(i)),
            Number::Float(f) => Ok(Val::Float(f)),
            Number::Overflow => Err(self.errorf(format!("{text} overflows int"))),
        }
    }

    /// Go's `validateType` for the three parameter types templates meet.
    fn validate(&self, value: Val<'a>, param: Param) -> EResult<Val<'a>> {
        if param != Param::String {
            return Ok(value);
        }
        match &value {
            Val::Invalid => Err(self.errorf("invalid value; expected string")),
            v if v.kind() == Kind::String => Ok(value),
            v => {
                let got = match v.indirect() {
                    (_, true) => "interface {}",
                    (c, _) => c.type_name(),
                };
                Err(self.errorf(format!("wrong type for value; expected string; got {got}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;
    use serde_json::json;

    fn run(t: &str, data: &Value) -> Result<String, String> {
        let tree = parse(t)?;
        let mut out = String::new();
        execute(&tree, data, false, &mut out).map(|_| out)
    }

    fn cm() -> Value {
        json!({"kind": "ConfigMap", "data": {"b": "aGVsbG8=", "a": "1"}, "spec": {"replicas": 3, "ratio": 1.5},
               "items": [{"name": "x", "n": null}, {"name": "y"}]})
    }

    #[test]
    fn fields_ranges_and_conditionals() {
        let d = cm();
        assert_eq!(
            run(
                "{{.spec.replicas}} {{.spec.ratio}} {{.nope}} {{.nope.x}}",
                &d
            )
            .unwrap(),
            "3 1.5 <no value> <no value>"
        );
        assert_eq!(
            run("{{range $k, $v := .data}}{{$k}}={{$v}};{{end}}", &d).unwrap(),
            "a=1;b=aGVsbG8=;"
        );
        assert_eq!(
            run("{{range $i, $e := .items}}{{$i}}:{{$e.name}} {{end}}", &d).unwrap(),
            "0:x 1:y "
        );
        assert_eq!(
            run("{{range .nope}}x{{else}}empty{{end}}", &d).unwrap(),
            "empty"
        );
        assert_eq!(
            run(
                "{{if eq .kind \"Pod\"}}p{{else if eq .kind \"ConfigMap\"}}c{{else}}o{{end}}",
                &d
            )
            .unwrap(),
            "c"
        );
        assert_eq!(
            run(
                "{{with .data}}{{.a}}{{end}}{{with .nope}}x{{else}}-{{end}}",
                &d
            )
            .unwrap(),
            "1-"
        );
        assert_eq!(
            run(
                "{{range .items}}{{if eq .name \"y\"}}{{break}}{{end}}{{.name}}{{end}}",
                &d
            )
            .unwrap(),
            "x"
        );
        assert_eq!(
            run(
                "{{define \"x\"}}X{{.}}{{end}}{{template \"x\" .data.a}}{{block \"b\" .}}B{{end}}",
                &d
            )
            .unwrap(),
            "X1B"
        );
        assert_eq!(
            run("{{$n := 0}}{{range .items}}{{$n = .name}}{{end}}{{$n}}", &d).unwrap(),
            "y"
        );
        assert_eq!(run("{{.data.b | base64decode}} {{len .items}} {{index .items 1 \"name\"}} {{printf \"%d\" .spec.replicas}}", &d).unwrap(), "hello 2 y 3");
    }

    #[test]
    fn exec_errors_name_the_node() {
        let d = cm();
        assert_eq!(
            run("{{.data.a}} {{index .data.a 1}}", &d).unwrap_err(),
            "template: output:1:14: executing \"output\" at <index .data.a 1>: error calling index: reflect: string index out of range"
        );
        assert_eq!(
            run("{{.data.a.b}}", &d).unwrap_err(),
            "template: output:1:7: executing \"output\" at <.data.a.b>: can't evaluate field b in type interface {}"
        );
        assert_eq!(
            run("{{$x := .kind}}{{$x.foo}}", &d).unwrap_err(),
            "template: output:1:19: executing \"output\" at <$x.foo>: can't evaluate field foo in type string"
        );
        assert_eq!(
            run("{{len .nope}}", &d).unwrap_err(),
            "template: output:1:2: executing \"output\" at <len .nope>: error calling len: reflect: call of reflect.Value.Type on zero Value"
        );
        assert_eq!(
            run("{{range .items}}{{.n.x}}{{end}}", &d).unwrap_err(),
            "template: output:1:20: executing \"output\" at <.n.x>: nil pointer evaluating interface {}.x"
        );
        // A chain's error points at the last node its pipeline evaluated.
        assert_eq!(
            run("{{(len .data).x}}", &d).unwrap_err(),
            "template: output:1:7: executing \"output\" at <.data>: can't evaluate field x in type int"
        );
        let tree = parse("{{.nope}}").unwrap();
        let mut out = String::new();
        assert_eq!(
            execute(&tree, &d, true, &mut out).unwrap_err(),
            "template: output:1:2: executing \"output\" at <.nope>: map has no entry for key \"nope\""
        );
    }
}
