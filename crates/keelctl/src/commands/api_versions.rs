//! `keelctl api-versions`: every group version the server serves, sorted.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers;

/// Flags of `keelctl api-versions` (none of its own).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(f: &mut Factory, _args: Args) -> CmdResult {
    let discovery = f.discovery()?;
    // kubectl always asks the server, never the disk cache.
    discovery.invalidate();
    let groups = discovery.server_groups().await.map_err(CmdError::from)?;
    let mut versions: Vec<String> = groups
        .groups
        .iter()
        .flat_map(|g| g.versions.iter().map(|v| v.group_version.clone()))
        .collect();
    versions.sort();
    let mut text = String::new();
    for v in versions {
        text.push_str(&v);
        text.push('\n');
    }
    printers::write_out(&mut std::io::stdout(), &text)
}
