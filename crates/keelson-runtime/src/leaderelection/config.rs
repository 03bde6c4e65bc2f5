//! `LeaderElectionConfig`: client-go's `LeaderElectionConfig` with its
//! defaults and `NewLeaderElector` checks.

use std::time::Duration;

/// client-go's `JitterFactor`: acquire retries wait up to 1.2 periods extra.
pub const JITTER_FACTOR: f64 = 1.2;

/// How a candidate competes for one Lease.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderElectionConfig {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub lease_name: String,
    /// This candidate's `holderIdentity`; unique among candidates (hostname + a UUID, typically).
    pub identity: String,
    /// How long others wait after the last observed renewal before taking
    /// over (`leaseDurationSeconds`, whole seconds). client-go: 15 s.
    pub lease_duration: Duration,
    /// How long the leader keeps retrying a failed renewal before it gives
    /// up leadership. client-go: 10 s.
    pub renew_deadline: Duration,
    /// Time between tries to acquire or renew. client-go: 2 s.
    pub retry_period: Duration,
    /// Clears `holderIdentity` when the elector is shut down as leader, so
    /// another candidate takes over at once instead of after `lease_duration`.
    pub release_on_cancel: bool,
    /// A name for logs (client-go's `Name`).
    pub name: String,
}

/// A configuration `LeaderElector::new` refuses, with client-go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidConfig(pub String);

impl LeaderElectionConfig {
    /// Competes for Lease `namespace/lease_name` as `identity`, with
    /// client-go's durations (15 s / 10 s / 2 s) and no release on cancel.
    pub fn new(namespace: &str, lease_name: &str, identity: &str) -> LeaderElectionConfig {
        LeaderElectionConfig {
            namespace: namespace.to_string(),
            lease_name: lease_name.to_string(),
            identity: identity.to_string(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
            release_on_cancel: false,
            name: lease_name.to_string(),
        }
    }

    /// Sets the three durations.
    pub fn durations(
        mut self,
        lease_duration: Duration,
        renew_deadline: Duration,
        retry_period: Duration,
    ) -> LeaderElectionConfig {
        self.lease_duration = lease_duration;
        self.renew_deadline = renew_deadline;
        self.retry_period = retry_period;
        self
    }

    /// Sets [`LeaderElectionConfig::release_on_cancel`].
    pub fn release_on_cancel(mut self, release: bool) -> LeaderElectionConfig {
        self.release_on_cancel = release;
        self
    }

    /// client-go's `NewLeaderElector` checks, plus one of our own: a Lease
    /// holds its duration in whole seconds, so less than one second cannot be
    /// expressed.
    pub fn validate(&self) -> Result<(), InvalidConfig> {
        let fail = |m: &str| Err(InvalidConfig(m.to_string()));
        if self.lease_duration <= self.renew_deadline {
            return fail("leaseDuration must be greater than renewDeadline");
        }
        if self.renew_deadline <= self.retry_period.mul_f64(JITTER_FACTOR) {
            return fail("renewDeadline must be greater than retryPeriod*JitterFactor");
        }
        if self.lease_duration.is_zero() {
            return fail("leaseDuration must be greater than zero");
        }
        if self.renew_deadline.is_zero() {
            return fail("renewDeadline must be greater than zero");
        }
        if self.retry_period.is_zero() {
            return fail("retryPeriod must be greater than zero");
        }
        if self.lease_duration < Duration::from_secs(1) {
            return fail("leaseDuration must be at least one second");
        }
        if self.identity.is_empty() {
            return fail("Lock identity is empty");
        }
        if self.lease_name.is_empty() || self.namespace.is_empty() {
            return fail("Lock must not be nil");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> LeaderElectionConfig {
        LeaderElectionConfig::new("kube-system", "ctrl", "me")
    }

    #[test]
    fn client_go_defaults_are_valid() {
        let c = base();
        assert_eq!(c.lease_duration, Duration::from_secs(15));
        assert_eq!(c.renew_deadline, Duration::from_secs(10));
        assert_eq!(c.retry_period, Duration::from_secs(2));
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn refuses_what_client_go_refuses() {
        let s = Duration::from_secs;
        let cases = [
            (
                base().durations(s(10), s(10), s(2)),
                "leaseDuration must be greater than renewDeadline",
            ),
            (
                base().durations(s(15), s(2), s(2)),
                "renewDeadline must be greater than retryPeriod*JitterFactor",
            ),
            (
                base().durations(s(15), s(10), s(0)),
                "retryPeriod must be greater than zero",
            ),
            (
                base().durations(
                    Duration::from_millis(900),
                    Duration::from_millis(500),
                    Duration::from_millis(100),
                ),
                "leaseDuration must be at least one second",
            ),
            (
                LeaderElectionConfig::new("ns", "l", ""),
                "Lock identity is empty",
            ),
        ];
        for (config, message) in cases {
            assert_eq!(config.validate(), Err(InvalidConfig(message.to_string())));
        }
    }
}
