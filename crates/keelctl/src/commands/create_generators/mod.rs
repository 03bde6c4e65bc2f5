//! `keelctl create <generator>`: objects built from flags, exactly as
//! kubectl's `create` subcommands build them (typed field order, labels,
//! defaults), then created, server-dry-run or just printed.

pub mod common;
pub mod config_data;
pub mod policy;
pub mod rbac;
pub mod service;
pub mod workloads;

use crate::error::CmdResult;
use crate::factory::Factory;

/// kubectl's field manager for `create` (`kubectl-create`).
pub const FIELD_MANAGER: &str = "kubectl-create";

/// The `create` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Generator {
    /// Create a deployment with the specified name.
    #[command(visible_alias = "deploy")]
    Deployment(workloads::DeploymentArgs),
    /// Create a namespace with the specified name.
    #[command(visible_alias = "ns")]
    Namespace(policy::NameArgs),
    /// Create a config map from a local file, directory or literal value.
    #[command(visible_alias = "cm")]
    Configmap(config_data::ConfigMapArgs),
    /// Create a secret using a specified subcommand.
    Secret {
        /// The kind of secret.
        #[command(subcommand)]
        kind: SecretKind,
    },
    /// Create a service using a specified subcommand.
    #[command(visible_alias = "svc")]
    Service {
        /// The service type.
        #[command(subcommand)]
        kind: ServiceKind,
    },
    /// Create a job with the specified name.
    Job(workloads::JobArgs),
    /// Create a cron job with the specified name.
    #[command(visible_alias = "cj")]
    Cronjob(workloads::CronJobArgs),
    /// Create a role with single rule.
    Role(rbac::RoleArgs),
    /// Create a role binding for a particular role or cluster role.
    Rolebinding(rbac::BindingArgs),
    /// Create a cluster role.
    Clusterrole(rbac::ClusterRoleArgs),
    /// Create a cluster role binding for a particular cluster role.
    Clusterrolebinding(rbac::BindingArgs),
    /// Create a service account with the specified name.
    #[command(visible_alias = "sa")]
    Serviceaccount(policy::NameArgs),
    /// Create a quota with the specified name.
    #[command(visible_alias = "resourcequota")]
    Quota(policy::QuotaArgs),
    /// Create a priority class with the specified name.
    #[command(visible_alias = "pc")]
    Priorityclass(policy::PriorityClassArgs),
    /// Create a pod disruption budget with the specified name.
    #[command(visible_alias = "pdb")]
    Poddisruptionbudget(policy::PdbArgs),
    /// Create an ingress with the specified name.
    #[command(visible_alias = "ing")]
    Ingress(policy::IngressArgs),
}

/// `create secret` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SecretKind {
    /// Create a secret from a local file, directory, or literal value.
    Generic(config_data::GenericArgs),
    /// Create a TLS secret.
    Tls(config_data::TlsArgs),
    /// Create a secret for use with a Docker registry.
    DockerRegistry(config_data::DockerRegistryArgs),
}

/// `create service` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ServiceKind {
    /// Create a ClusterIP service.
    Clusterip(service::ServiceArgs),
    /// Create a NodePort service.
    Nodeport(service::ServiceArgs),
    /// Create a LoadBalancer service.
    Loadbalancer(service::ServiceArgs),
    /// Create an ExternalName service.
    Externalname(service::ServiceArgs),
}

/// Runs one generator.
pub async fn run(f: &mut Factory, g: Generator) -> CmdResult {
    let m = FIELD_MANAGER;
    match g {
        Generator::Deployment(a) => workloads::deployment(f, a, m).await,
        Generator::Namespace(a) => policy::namespace(f, a, m).await,
        Generator::Configmap(a) => config_data::configmap(f, a, m).await,
        Generator::Secret { kind } => match kind {
            SecretKind::Generic(a) => config_data::secret_generic(f, a, m).await,
            SecretKind::Tls(a) => config_data::secret_tls(f, a, m).await,
            SecretKind::DockerRegistry(a) => config_data::secret_docker(f, a, m).await,
        },
        Generator::Service { kind } => {
            use service::ServiceType as T;
            let (a, t) = match kind {
                ServiceKind::Clusterip(a) => (a, T::ClusterIp),
                ServiceKind::Nodeport(a) => (a, T::NodePort),
                ServiceKind::Loadbalancer(a) => (a, T::LoadBalancer),
                ServiceKind::Externalname(a) => (a, T::ExternalName),
            };
            service::service(f, a, t, m).await
        }
        Generator::Job(a) => workloads::job(f, a, m).await,
        Generator::Cronjob(a) => workloads::cronjob(f, a, m).await,
        Generator::Role(a) => rbac::role(f, a, m).await,
        Generator::Rolebinding(a) => rbac::binding(f, a, false, m).await,
        Generator::Clusterrole(a) => rbac::clusterrole(f, a, m).await,
        Generator::Clusterrolebinding(a) => rbac::binding(f, a, true, m).await,
        Generator::Serviceaccount(a) => policy::serviceaccount(f, a, m).await,
        Generator::Quota(a) => policy::quota(f, a, m).await,
        Generator::Priorityclass(a) => policy::priorityclass(f, a, m).await,
        Generator::Poddisruptionbudget(a) => policy::pdb(f, a, m).await,
        Generator::Ingress(a) => policy::ingress(f, a, m).await,
    }
}
