//! `keelctl diff`.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;

/// Flags of `keelctl diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments.
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
}

/// Runs the command.
pub async fn run(_f: &mut Factory, _args: Args) -> CmdResult {
    Err(CmdError::new("keelctl diff: not implemented yet"))
}
