//! `keelctl`: a kubectl-compatible command-line client.
//!
//! The request path follows kubectl's: a command parses its flags, the
//! [`factory::Factory`] resolves kubeconfig and discovery, a resource
//! builder visits files or arguments, the REST mapper turns kinds into
//! resources, and the REST client talks to the server. Output and errors
//! match kubectl's byte for byte where kubectl's are deterministic.

mod commands;
mod error;
mod factory;
mod flags;
mod klog;
mod printers;
mod resource;
mod usage;

use clap::{Parser, Subcommand};
use commands::*;
use error::CmdResult;
use factory::Factory;
use flags::GlobalFlags;

/// keelctl controls the Kubernetes cluster manager.
#[derive(Debug, Parser)]
#[command(name = "keelctl", version, disable_help_subcommand = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalFlags,
    #[command(subcommand)]
    command: Command,
}

/// Every command, grouped as `kubectl --help` groups them.
#[derive(Debug, Subcommand)]
enum Command {
    // Basic commands.
    /// Create a resource from a file or from stdin.
    Create(create::Args),
    /// Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service.
    Expose(expose::Args),
    /// Run a particular image on the cluster.
    Run(run::Args),
    /// Set specific features on objects.
    Set(set::Args),
    /// Get documentation for a resource.
    Explain(explain::Args),
    /// Display one or many resources.
    Get(get::Args),
    /// Edit a resource on the server.
    Edit(edit::Args),
    /// Delete resources by file names, stdin, resources and names, or by resources and label selector.
    Delete(delete::Args),
    // Deploy commands.
    /// Manage the rollout of a resource.
    Rollout(rollout::Args),
    /// Set a new size for a deployment, replica set, or replication controller.
    Scale(scale::Args),
    // Cluster management.
    /// Display cluster information.
    ClusterInfo(cluster_info::Args),
    // Troubleshooting.
    /// Show details of a specific resource or group of resources.
    Describe(describe::Args),
    /// List events.
    Events(events::Args),
    /// Run a proxy to the Kubernetes API server.
    Proxy(proxy::Args),
    /// Inspect authorization.
    Auth(auth::Args),
    // Advanced commands.
    /// Diff the live version against a would-be applied version.
    Diff(diff::Args),
    /// Apply a configuration to a resource by file name or stdin.
    Apply(apply::Args),
    /// Update fields of a resource.
    Patch(patch::Args),
    /// Replace a resource by file name or stdin.
    Replace(replace::Args),
    /// Experimental: Wait for a specific condition on one or many resources.
    Wait(wait::Args),
    // Settings commands.
    /// Update the labels on a resource.
    Label(label::Args),
    /// Update the annotations on a resource.
    Annotate(annotate::Args),
    /// Output shell completion code for the specified shell (bash, zsh or fish).
    Completion(completion::Args),
    // Other commands.
    /// Print the supported API resources on the server.
    ApiResources(api_resources::Args),
    /// Print the supported API versions on the server, in the form of "group/version".
    ApiVersions(api_versions::Args),
    /// Modify kubeconfig files.
    Config(config::Args),
    /// Print the client and server version information.
    Version(version::Args),
}

/// The command table (for parsing and shell completions). A flag given
/// twice takes its last value, as in kubectl, in every subcommand.
pub fn cli_command() -> clap::Command {
    fn last_wins(command: clap::Command) -> clap::Command {
        command.args_override_self(true).mut_subcommands(last_wins)
    }
    last_wins(<Cli as clap::CommandFactory>::command())
}

async fn dispatch(f: &mut Factory, command: Command) -> CmdResult {
    match command {
        Command::Create(a) => create::run(f, a).await,
        Command::Expose(a) => expose::run(f, a).await,
        Command::Run(a) => run::run(f, a).await,
        Command::Set(a) => set::run(f, a).await,
        Command::Explain(a) => explain::run(f, a).await,
        Command::Get(a) => get::run(f, a).await,
        Command::Edit(a) => edit::run(f, a).await,
        Command::Delete(a) => delete::run(f, a).await,
        Command::Rollout(a) => rollout::run(f, a).await,
        Command::Scale(a) => scale::run(f, a).await,
        Command::ClusterInfo(a) => cluster_info::run(f, a).await,
        Command::Describe(a) => describe::run(f, a).await,
        Command::Events(a) => events::run(f, a).await,
        Command::Proxy(a) => proxy::run(f, a).await,
        Command::Auth(a) => auth::run(f, a).await,
        Command::Diff(a) => diff::run(f, a).await,
        Command::Apply(a) => apply::run(f, a).await,
        Command::Patch(a) => patch::run(f, a).await,
        Command::Replace(a) => replace::run(f, a).await,
        Command::Wait(a) => wait::run(f, a).await,
        Command::Label(a) => label::run(f, a).await,
        Command::Annotate(a) => annotate::run(f, a).await,
        Command::Completion(a) => completion::run(f, a).await,
        Command::ApiResources(a) => api_resources::run(f, a).await,
        Command::ApiVersions(a) => api_versions::run(f, a).await,
        Command::Config(a) => config::run(f, a).await,
        Command::Version(a) => version::run(f, a).await,
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let parsed = cli_command()
        .try_get_matches_from(&argv)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => match usage::kubectl_message(&err, &cli_command(), &argv) {
            Some(text) => {
                eprintln!("{text}");
                std::process::exit(1);
            }
            None => err.exit(),
        },
    };
    // One thread is enough for a CLI and keeps start-up and RSS small.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    if cli.global.verbosity > 0 {
        klog::install();
    }
    let warnings_as_errors = cli.global.warnings_as_errors;
    let mut factory = Factory::new(cli.global);
    let mut result = runtime.block_on(dispatch(&mut factory, cli.command));
    if result.is_ok() && warnings_as_errors {
        // kubectl's PersistentPostRunE: only a command that succeeded gets here.
        result = match factory.warning_count() {
            0 => Ok(()),
            1 => Err(error::CmdError::new("1 warning received")),
            n => Err(error::CmdError::new(format!("{n} warnings received"))),
        };
    }
    let code = match result {
        Ok(()) => 0,
        Err(e) => e.report(),
    };
    std::process::exit(code);
}
