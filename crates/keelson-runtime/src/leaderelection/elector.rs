//! `LeaderElector`: client-go's `leaderelection.LeaderElector` — acquire,
//! renew, give up, release — on a [`LeaseLock`].

use super::config::{InvalidConfig, LeaderElectionConfig, JITTER_FACTOR};
use super::lease_lock::{LeaderElectionRecord, LeaseLock};
use futures::future::BoxFuture;
use k8s_openapi::jiff::Timestamp;
use keelson_client::RestClient;
use parking_lot::Mutex;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

type StartedLeading = Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send>;
type StoppedLeading = Box<dyn FnOnce() + Send>;
type NewLeader = Box<dyn Fn(&str) + Send + Sync>;

/// What a candidate does as it wins and loses (client-go's `LeaderCallbacks`).
pub struct LeaderCallbacks {
    on_started_leading: StartedLeading,
    on_stopped_leading: Option<StoppedLeading>,
    on_new_leader: Option<NewLeader>,
}

impl std::fmt::Debug for LeaderCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderCallbacks").finish_non_exhaustive()
    }
}

impl LeaderCallbacks {
    /// `on_started_leading` runs as a task once leadership is acquired. Its
    /// token is cancelled when leadership is lost or the elector shuts down;
    /// the future must then end soon, because the lease is released (with
    /// `release_on_cancel`) and `on_stopped_leading` called only after it has.
    pub fn new<F, Fut>(on_started_leading: F) -> LeaderCallbacks
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        LeaderCallbacks {
            on_started_leading: Box::new(move |token| Box::pin(on_started_leading(token))),
            on_stopped_leading: None,
            on_new_leader: None,
        }
    }

    /// Called once when `run` ends, leader or not (client-go calls it on every exit too).
    pub fn on_stopped_leading(mut self, f: impl FnOnce() + Send + 'static) -> LeaderCallbacks {
        self.on_stopped_leading = Some(Box::new(f));
        self
    }

    /// Called with the holder's identity whenever this candidate sees the
    /// holder change (itself included).
    pub fn on_new_leader(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> LeaderCallbacks {
        self.on_new_leader = Some(Box::new(f));
        self
    }
}

/// Competes for a Lease as one candidate. Share it (`Arc`) to ask
/// [`LeaderElector::is_leader`] from elsewhere while [`LeaderElector::run`] runs.
pub struct LeaderElector {
    config: LeaderElectionConfig,
    lock: tokio::sync::Mutex<LeaseLock>,
    observed: Mutex<Observed>,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("config", &self.config)
            .field("leader", &self.get_leader())
            .finish_non_exhaustive()
    }
}

/// The last record seen, and when it was seen by the local clock: expiry is
/// judged by local time since the record last changed, never by the
/// `renewTime` another machine wrote (clocks differ).
struct Observed {
    record: LeaderElectionRecord,
    at: Option<Instant>,
    reported_leader: String,
}

impl LeaderElector {
    /// A candidate for the Lease in `config`, talking through `client`.
    pub fn new(
        client: RestClient,
        config: LeaderElectionConfig,
    ) -> Result<LeaderElector, InvalidConfig> {
        config.validate()?;
        Ok(LeaderElector {
            lock: tokio::sync::Mutex::new(LeaseLock::new(
                client,
                &config.namespace,
                &config.lease_name,
            )),
            config,
            observed: Mutex::new(Observed {
                record: LeaderElectionRecord::default(),
                at: None,
                reported_leader: String::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LeaderElectionConfig {
        &self.config
    }

    /// Whether the last record seen names this candidate.
    pub fn is_leader(&self) -> bool {
        self.observed.lock().record.holder_identity == self.config.identity
    }

    /// The holder named by the last record seen (empty: none).
    pub fn get_leader(&self) -> String {
        self.observed.lock().record.holder_identity.clone()
    }

    /// Tries to acquire the lease until `shutdown` is cancelled; once leader,
    /// runs `on_started_leading` and renews until renewal fails for
    /// `renew_deadline` or `shutdown` is cancelled. Like client-go, `run`
    /// does not compete again after losing: run a new one (or exit the
    /// process, as Kubernetes components do).
    pub async fn run(&self, shutdown: CancellationToken, callbacks: LeaderCallbacks) {
        let LeaderCallbacks {
            on_started_leading,
            on_stopped_leading,
            on_new_leader,
        } = callbacks;
        let on_new_leader = on_new_leader.as_deref();
        if self.acquire(&shutdown, on_new_leader).await {
            let leading = shutdown.child_token();
            let work = tokio::spawn(on_started_leading(leading.clone()));
            self.renew(&shutdown, on_new_leader).await;
            leading.cancel();
            if let Err(e) = work.await {
                tracing::error!(lease = %self.config.name, "on_started_leading failed: {e}");
            }
            if shutdown.is_cancelled() && self.config.release_on_cancel {
                self.release().await;
            }
        }
        if let Some(f) = on_stopped_leading {
            f();
        }
    }

    /// Retries every `retry_period` (plus up to 1.2 of it, jittered) until
    /// the lease is ours; false when shut down first.
    async fn acquire(
        &self,
        shutdown: &CancellationToken,
        on_new_leader: Option<&(dyn Fn(&str) + Send + Sync)>,
    ) -> bool {
        tracing::info!(lease = %self.config.name, identity = %self.config.identity, "attempting to acquire leader lease");
        loop {
            let acquired = tokio::select! {
                _ = shutdown.cancelled() => return false,
                ok = self.try_acquire_or_renew() => ok,
            };
            self.maybe_report_transition(on_new_leader);
            if acquired {
                tracing::info!(lease = %self.config.name, identity = %self.config.identity, "successfully acquired lease");
                return true;
            }
            let jitter = self
                .config
                .retry_period
                .mul_f64(JITTER_FACTOR * rand::random::<f64>());
            tokio::select! {
                _ = shutdown.cancelled() => return false,
                _ = tokio::time::sleep(self.config.retry_period + jitter) => {}
            }
        }
    }

    /// Renews every `retry_period`; returns when a renewal has kept failing
    /// for `renew_deadline` (leadership lost) or on shutdown.
    async fn renew(
        &self,
        shutdown: &CancellationToken,
        on_new_leader: Option<&(dyn Fn(&str) + Send + Sync)>,
    ) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.config.retry_period) => {}
            }
            let deadline = tokio::time::Instant::now() + self.config.renew_deadline;
            let renewed = loop {
                let attempt = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    r = tokio::time::timeout_at(deadline, self.try_acquire_or_renew()) => r,
                };
                match attempt {
                    Ok(true) => break true,
                    Err(_) => break false,
                    Ok(false) => {}
                }
                let next = tokio::time::Instant::now() + self.config.retry_period;
                if next >= deadline {
                    break false;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep_until(next) => {}
                }
            };
            self.maybe_report_transition(on_new_leader);
            if !renewed {
                tracing::info!(lease = %self.config.name, identity = %self.config.identity, "failed to renew lease: timed out waiting for the condition");
                return;
            }
        }
    }

    /// client-go's `tryAcquireOrRenew`.
    async fn try_acquire_or_renew(&self) -> bool {
        let mut lock = self.lock.lock().await;
        let now = micro_now();
        let mut record = LeaderElectionRecord {
            holder_identity: self.config.identity.clone(),
            lease_duration_seconds: self.config.lease_duration.as_secs().min(i32::MAX as u64)
                as i32,
            acquire_time: Some(now),
            renew_time: Some(now),
            leader_transitions: 0,
        };

        // 1. The leader updates optimistically from the record it wrote last.
        if self.is_leader() && self.is_lease_valid(Instant::now()) {
            let old = self.observed.lock().record.clone();
            record.acquire_time = old.acquire_time;
            record.leader_transitions = old.leader_transitions;
            match lock.update(&record).await {
                Ok(()) => {
                    self.set_observed(record);
                    return true;
                }
                Err(e) => {
                    tracing::error!(lease = %lock.describe(), "Failed to update lock optimistically: {e}, falling back to slow path")
                }
            }
        }

        // 2. Read, or create, the record.
        let old = match lock.get().await {
            Ok(Some(old)) => old,
            Ok(None) => {
                return match lock.create(&record).await {
                    Ok(()) => {
                        self.set_observed(record);
                        true
                    }
                    Err(e) => {
                        tracing::error!(lease = %lock.describe(), "error initially creating leader election record: {e}");
                        false
                    }
                };
            }
            Err(e) => {
                tracing::error!(lease = %lock.describe(), "error retrieving resource lock: {e}");
                return false;
            }
        };

        // 3. A changed record restarts the expiry clock.
        if self.observed.lock().record != old {
            self.set_observed(old.clone());
        }
        if !old.holder_identity.is_empty()
            && self.is_lease_valid(Instant::now())
            && !self.is_leader()
        {
            tracing::debug!(lease = %lock.describe(), "lock is held by {} and has not yet expired", old.holder_identity);
            return false;
        }

        // 4. Take over (or renew): a new holder counts a transition.
        if self.is_leader() {
            record.acquire_time = old.acquire_time;
            record.leader_transitions = old.leader_transitions;
        } else {
            record.leader_transitions = old.leader_transitions.saturating_add(1);
        }
        match lock.update(&record).await {
            Ok(()) => {
                self.set_observed(record);
                true
            }
            Err(e) => {
                tracing::error!(lease = %lock.describe(), "Failed to update lock: {e}");
                false
            }
        }
    }

    /// client-go's `release`: the holder steps down, leaving a one-second lease.
    async fn release(&self) -> bool {
        if !self.is_leader() {
            return true;
        }
        let mut lock = self.lock.lock().await;
        let now = micro_now();
        let record = LeaderElectionRecord {
            holder_identity: String::new(),
            lease_duration_seconds: 1,
            acquire_time: Some(now),
            renew_time: Some(now),
            leader_transitions: self.observed.lock().record.leader_transitions,
        };
        match lock.update(&record).await {
            Ok(()) => {
                self.set_observed(record);
                true
            }
            Err(e) => {
                tracing::error!(lease = %lock.describe(), "Failed to release lock: {e}");
                false
            }
        }
    }

    fn is_lease_valid(&self, now: Instant) -> bool {
        let o = self.observed.lock();
        let lease = Duration::from_secs(o.record.lease_duration_seconds.max(0) as u64);
        o.at.is_some_and(|at| at + lease > now)
    }

    fn set_observed(&self, record: LeaderElectionRecord) {
        let mut o = self.observed.lock();
        o.record = record;
        o.at = Some(Instant::now());
    }

    fn maybe_report_transition(&self, on_new_leader: Option<&(dyn Fn(&str) + Send + Sync)>) {
        let holder = {
            let mut o = self.observed.lock();
            if o.record.holder_identity == o.reported_leader {
                return;
            }
            o.reported_leader = o.record.holder_identity.clone();
            o.reported_leader.clone()
        };
        if let Some(f) = on_new_leader {
            f(&holder);
        }
    }
}

/// The wall clock at MicroTime precision, so a record reads back equal to
/// what was written.
fn micro_now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let micros = since_epoch.subsec_micros() as i32;
    Timestamp::new(since_epoch.as_secs() as i64, micros * 1000).unwrap_or(Timestamp::UNIX_EPOCH)
}
