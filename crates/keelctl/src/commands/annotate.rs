//! `keelctl annotate`.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;

/// Flags of `keelctl annotate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments.
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
}

/// Runs the command.
pub async fn run(_f: &mut Factory, _args: Args) -> CmdResult {
    Err(CmdError::new("keelctl annotate: not implemented yet"))
}
