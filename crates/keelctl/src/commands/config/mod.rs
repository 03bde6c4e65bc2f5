//! `keelctl config`: read and edit kubeconfig files as kubectl does.
//!
//! Reads use the merged configuration (`--kubeconfig`, `$KUBECONFIG` or
//! `~/.kube/config`). Writes follow kubectl's rules: an entry is changed in
//! the file that defines it, a new one goes to the first existing file (or
//! the last of the list when none exists), and files are written as kubectl
//! writes them (keys sorted, entries sorted by name).

mod edit;
mod file;
mod list;
mod set;
mod view;

use crate::error::CmdResult;
use crate::factory::Factory;
use clap::Subcommand;

/// Flags of `keelctl config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ConfigCommand,
}

/// The `config` subcommands.
#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Display the current-context.
    CurrentContext,
    /// Delete the specified cluster from the kubeconfig.
    DeleteCluster(edit::NameArg),
    /// Delete the specified context from the kubeconfig.
    DeleteContext(edit::NameArg),
    /// Delete the specified user from the kubeconfig.
    DeleteUser(edit::NameArg),
    /// Display clusters defined in the kubeconfig.
    GetClusters,
    /// Describe one or many contexts.
    GetContexts(list::GetContextsArgs),
    /// Display users defined in the kubeconfig.
    GetUsers,
    /// Rename a context from the kubeconfig file.
    RenameContext(edit::RenameArgs),
    /// Set an individual value in a kubeconfig file.
    Set(set::SetArgs),
    /// Set a cluster entry in kubeconfig (with the global --server,
    /// --certificate-authority, --insecure-skip-tls-verify, --tls-server-name).
    SetCluster(edit::SetClusterArgs),
    /// Set a context entry in kubeconfig (with the global --cluster, --user, --namespace).
    SetContext(edit::SetContextArgs),
    /// Set a user entry in kubeconfig (with the global --client-certificate,
    /// --client-key, --token, --username, --password).
    SetCredentials(edit::SetCredentialsArgs),
    /// Unset an individual value in a kubeconfig file.
    Unset(set::UnsetArgs),
    /// Set the current-context in a kubeconfig file.
    UseContext(edit::NameArg),
    /// Display merged kubeconfig settings or a specified kubeconfig file.
    View(view::ViewArgs),
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    match args.command {
        ConfigCommand::CurrentContext => list::current_context(f),
        ConfigCommand::DeleteCluster(a) => edit::delete(f, edit::Section::Clusters, &a.name),
        ConfigCommand::DeleteContext(a) => edit::delete(f, edit::Section::Contexts, &a.name),
        ConfigCommand::DeleteUser(a) => edit::delete(f, edit::Section::Users, &a.name),
        ConfigCommand::GetClusters => list::names(f, edit::Section::Clusters),
        ConfigCommand::GetContexts(a) => list::get_contexts(f, a),
        ConfigCommand::GetUsers => list::names(f, edit::Section::Users),
        ConfigCommand::RenameContext(a) => edit::rename_context(f, a),
        ConfigCommand::Set(a) => set::set(f, a),
        ConfigCommand::Unset(a) => set::unset(f, a),
        ConfigCommand::SetCluster(a) => edit::set_cluster(f, a),
        ConfigCommand::SetContext(a) => edit::set_context(f, a),
        ConfigCommand::SetCredentials(a) => edit::set_credentials(f, a),
        ConfigCommand::UseContext(a) => edit::use_context(f, &a.name),
        ConfigCommand::View(a) => view::run(f, a),
    }
}
