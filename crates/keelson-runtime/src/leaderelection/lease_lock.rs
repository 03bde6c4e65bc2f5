//! The resource lock on a `coordination.k8s.io/v1` Lease (client-go's
//! `resourcelock.LeaseLock` and `LeaderElectionRecord`).

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use keelson_client::api::{Api, PostParams};
use keelson_client::RestClient;

/// What a Lease says about its holder (client-go's `LeaderElectionRecord`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeaderElectionRecord {
    /// `holderIdentity`; empty when nobody holds the lease.
    pub holder_identity: String,
    /// `leaseDurationSeconds`.
    pub lease_duration_seconds: i32,
    /// `acquireTime`.
    pub acquire_time: Option<Timestamp>,
    /// `renewTime`.
    pub renew_time: Option<Timestamp>,
    /// `leaseTransitions`.
    pub leader_transitions: i32,
}

impl LeaderElectionRecord {
    pub(crate) fn from_spec(spec: Option<&LeaseSpec>) -> LeaderElectionRecord {
        let Some(spec) = spec else {
            return LeaderElectionRecord::default();
        };
        LeaderElectionRecord {
            holder_identity: spec.holder_identity.clone().unwrap_or_default(),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or(0),
            acquire_time: spec.acquire_time.as_ref().map(|t| t.0),
            renew_time: spec.renew_time.as_ref().map(|t| t.0),
            leader_transitions: spec.lease_transitions.unwrap_or(0),
        }
    }

    fn to_spec(&self) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.holder_identity.clone()),
            lease_duration_seconds: Some(self.lease_duration_seconds),
            acquire_time: self.acquire_time.map(MicroTime),
            renew_time: self.renew_time.map(MicroTime),
            lease_transitions: Some(self.leader_transitions),
            ..Default::default()
        }
    }
}

/// One Lease, and the last version of it this candidate saw: updates carry
/// that `resourceVersion`, so a candidate acting on stale information gets
/// 409 Conflict instead of overwriting a newer holder.
pub(crate) struct LeaseLock {
    api: Api<Lease>,
    name: String,
    namespace: String,
    lease: Option<Lease>,
}

impl LeaseLock {
    pub(crate) fn new(client: RestClient, namespace: &str, name: &str) -> LeaseLock {
        LeaseLock {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            namespace: namespace.to_string(),
            lease: None,
        }
    }

    /// `namespace/name`, for logs (client-go's `Describe`).
    pub(crate) fn describe(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Reads the Lease; `Ok(None)` when it does not exist.
    pub(crate) async fn get(&mut self) -> keelson_client::Result<Option<LeaderElectionRecord>> {
        let Some(lease) = self.api.get_opt(&self.name).await? else {
            return Ok(None);
        };
        let record = LeaderElectionRecord::from_spec(lease.spec.as_ref());
        self.lease = Some(lease);
        Ok(Some(record))
    }

    /// Creates the Lease holding `record`.
    pub(crate) async fn create(
        &mut self,
        record: &LeaderElectionRecord,
    ) -> keelson_client::Result<()> {
        let mut lease = Lease::default();
        lease.metadata.name = Some(self.name.clone());
        lease.metadata.namespace = Some(self.namespace.clone());
        lease.spec = Some(record.to_spec());
        self.lease = Some(self.api.create(&PostParams::default(), &lease).await?);
        Ok(())
    }

    /// Replaces the spec of the Lease last read or written with `record`.
    pub(crate) async fn update(
        &mut self,
        record: &LeaderElectionRecord,
    ) -> keelson_client::Result<()> {
        let Some(mut lease) = self.lease.clone() else {
            return Err(keelson_client::Error::Request(
                "lease not initialized, call get or create first".into(),
            ));
        };
        lease.spec = Some(record.to_spec());
        self.lease = Some(
            self.api
                .replace(&self.name, &PostParams::default(), &lease)
                .await?,
        );
        Ok(())
    }
}
