//! `config current-context`, `get-contexts`, `get-clusters`, `get-users`.

use super::edit::Section;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::{self, tabwriter::TabWriter};

/// `get-contexts [NAME...]`.
#[derive(Debug, clap::Args)]
pub struct GetContextsArgs {
    /// Contexts to describe; every context when none.
    names: Vec<String>,
    /// Output format: only `name` is supported.
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// Don't print headers.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    no_headers: bool,
}

fn out(text: &str) -> CmdResult {
    printers::write_out(&mut std::io::stdout(), text)
}

/// `config current-context`.
pub fn current_context(f: &mut Factory) -> CmdResult {
    let config = f.raw_kubeconfig()?;
    match config.current_context.filter(|c| !c.is_empty()) {
        Some(c) => out(&format!("{c}\n")),
        None => Err(CmdError::new("current-context is not set")),
    }
}

/// `config get-clusters` and `get-users`: a NAME column, sorted.
pub fn names(f: &mut Factory, section: Section) -> CmdResult {
    let config = f.raw_kubeconfig()?;
    let mut names = section.names(&config);
    names.sort();
    let mut text = String::from("NAME\n");
    for n in names {
        text.push_str(&n);
        text.push('\n');
    }
    out(&text)
}

/// `config get-contexts`.
pub fn get_contexts(f: &mut Factory, args: GetContextsArgs) -> CmdResult {
    let output = args.output.as_deref().unwrap_or_default();
    if !output.is_empty() && output != "name" {
        return Err(CmdError::new(format!(
            "--output {output} is not available in kubectl config get-contexts; resetting to default output format"
        )));
    }
    let config = f.raw_kubeconfig()?;
    let current = config.current_context.clone().unwrap_or_default();
    let mut contexts: Vec<_> = config.contexts.iter().collect();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut missing = Vec::new();
    if !args.names.is_empty() {
        for n in &args.names {
            if !contexts.iter().any(|c| &c.name == n) {
                missing.push(format!("context {n} not found"));
            }
        }
        contexts.retain(|c| args.names.contains(&c.name));
    }
    let mut w = TabWriter::new();
    if output == "name" {
        for c in &contexts {
            w.write_str(&format!("{}\n", c.name));
        }
    } else {
        if !args.no_headers {
            w.write_str("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
        }
        for c in &contexts {
            let mark = if c.name == current { "*" } else { "" };
            let ctx = &c.context;
            w.write_str(&format!(
                "{mark}\t{}\t{}\t{}\t{}\n",
                c.name,
                ctx.cluster.as_deref().unwrap_or_default(),
                ctx.user.as_deref().unwrap_or_default(),
                ctx.namespace.as_deref().unwrap_or_default()
            ));
        }
    }
    out(&w.flush())?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CmdError::new(missing.join("\n")))
    }
}
