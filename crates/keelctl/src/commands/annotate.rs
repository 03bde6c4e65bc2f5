//! `keelctl annotate`: add, change or remove annotations on objects (the
//! same machinery as [`super::label`]).

use super::label::{update_metadata, Field};
use crate::error::CmdResult;
use crate::factory::Factory;

/// Flags of `keelctl annotate` (those of `label`).
pub type Args = super::label::Args;

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    update_metadata(f, args, Field::Annotations).await
}
