//! Leader election between candidates against a real Keelson server, with
//! short durations (lease 2 s, renew deadline 1.5 s, retry 250 ms).

use k8s_openapi::api::coordination::v1::Lease;
use keelson_client::api::{Api, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector,
};
use keelson_testing::TestServer;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEASE: Duration = Duration::from_secs(2);
const RENEW_DEADLINE: Duration = Duration::from_millis(1500);
const RETRY: Duration = Duration::from_millis(250);

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    // Several candidates share nothing but the server; client-side
    // throttling would only blur the timings.
    config.qps = 1000.0;
    config.burst = 1000;
    RestClient::new(config).expect("client")
}

/// One leadership term as the guarded work saw it.
#[derive(Debug, Clone)]
struct Term {
    identity: String,
    start: Instant,
    end: Option<Instant>,
}

#[derive(Default)]
struct Log {
    terms: Mutex<Vec<Term>>,
    new_leaders: Mutex<Vec<(String, String)>>,
    stopped: Mutex<Vec<String>>,
}

impl Log {
    fn leading(&self, identity: &str) -> Option<Instant> {
        self.terms
            .lock()
            .iter()
            .find(|t| t.identity == identity && t.end.is_none())
            .map(|t| t.start)
    }

    /// No two terms overlap, and every term ended before the next began.
    fn assert_never_two_leaders(&self) {
        let mut terms = self.terms.lock().clone();
        terms.sort_by_key(|t| t.start);
        for pair in terms.windows(2) {
            let end = pair[0].end.unwrap_or_else(|| {
                panic!(
                    "{} still leads while {} took over",
                    pair[0].identity, pair[1].identity
                )
            });
            assert!(
                end <= pair[1].start,
                "{} led until {:?} after {} started",
                pair[0].identity,
                end - pair[1].start,
                pair[1].identity
            );
        }
    }
}

struct Candidate {
    elector: Arc<LeaderElector>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn candidate(server: &TestServer, identity: &str, release: bool, log: &Arc<Log>) -> Candidate {
    let config = LeaderElectionConfig::new("default", "controller-lock", identity)
        .durations(LEASE, RENEW_DEADLINE, RETRY)
        .release_on_cancel(release);
    let elector = Arc::new(LeaderElector::new(client_for(server), config).expect("valid config"));
    let shutdown = CancellationToken::new();
    let (id, started, stopped, seen) =
        (identity.to_string(), log.clone(), log.clone(), log.clone());
    let stopped_id = id.clone();
    let seen_id = id.clone();
    let callbacks = LeaderCallbacks::new(move |lost: CancellationToken| async move {
        let index = {
            let mut terms = started.terms.lock();
            terms.push(Term {
                identity: id,
                start: Instant::now(),
                end: None,
            });
            terms.len() - 1
        };
        lost.cancelled().await;
        started.terms.lock()[index].end = Some(Instant::now());
    })
    .on_stopped_leading(move || stopped.stopped.lock().push(stopped_id))
    .on_new_leader(move |leader| {
        seen.new_leaders
            .lock()
            .push((seen_id.clone(), leader.to_string()))
    });
    let task = tokio::spawn({
        let (elector, shutdown) = (elector.clone(), shutdown.clone());
        async move { elector.run(shutdown, callbacks).await }
    });
    Candidate {
        elector,
        shutdown,
        task,
    }
}

async fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Instant {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn lease(server: &TestServer) -> Lease {
    let leases: Api<Lease> = Api::namespaced(client_for(server), "default");
    leases.get("controller-lock").await.expect("lease exists")
}

async fn stop(c: Candidate) {
    c.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), c.task)
        .await
        .expect("run returns after shutdown")
        .expect("run task");
}

#[tokio::test]
async fn the_other_candidate_takes_over_after_the_lease_expires() {
    let server = TestServer::start().await;
    let log = Arc::new(Log::default());
    let a = candidate(&server, "a", false, &log);
    wait_until("a leads", Duration::from_secs(5), || {
        log.leading("a").is_some()
    })
    .await;
    let b = candidate(&server, "b", false, &log);

    // a keeps renewing for several lease durations; b never gets in.
    let first = lease(&server).await.spec.expect("spec");
    tokio::time::sleep(LEASE * 2).await;
    assert!(a.elector.is_leader());
    assert!(!b.elector.is_leader());
    assert_eq!(b.elector.get_leader(), "a");
    assert!(log.leading("b").is_none());
    let renewed = lease(&server).await.spec.expect("spec");
    assert_eq!(renewed.holder_identity.as_deref(), Some("a"));
    assert_eq!(renewed.lease_duration_seconds, Some(2));
    assert_eq!(renewed.lease_transitions, Some(0));
    assert_eq!(renewed.acquire_time, first.acquire_time);
    assert!(renewed.renew_time.as_ref().map(|t| t.0) > first.renew_time.as_ref().map(|t| t.0));

    let stopped_at = Instant::now();
    stop(a).await;
    assert_eq!(*log.stopped.lock(), vec!["a".to_string()]);
    let took_over = wait_until("b leads", LEASE * 3, || log.leading("b").is_some()).await;
    let after = took_over - stopped_at;
    // Not before a's last renewal has expired (grabbing a live lease would
    // take one retry period), and soon after: b notices a's last renewal
    // within one jittered retry period (up to 2.2 x 250 ms), waits the lease
    // out, and tries again within another.
    assert!(
        after >= LEASE / 2,
        "b took over after {after:?}, before a's lease expired"
    );
    let limit = LEASE + RETRY.mul_f64(2.0 * 2.2) + Duration::from_millis(500);
    assert!(
        after <= limit,
        "b took over after {after:?} (limit {limit:?})"
    );

    let spec = lease(&server).await.spec.expect("spec");
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(spec.lease_transitions, Some(1));
    assert!(spec.acquire_time.as_ref().map(|t| t.0) > first.acquire_time.as_ref().map(|t| t.0));
    assert!(spec.acquire_time.as_ref().map(|t| t.0) <= spec.renew_time.as_ref().map(|t| t.0));
    let seen_by_b: Vec<String> = log
        .new_leaders
        .lock()
        .iter()
        .filter(|(who, _)| who == "b")
        .map(|(_, leader)| leader.clone())
        .collect();
    assert_eq!(seen_by_b, vec!["a".to_string(), "b".to_string()]);
    stop(b).await;
    log.assert_never_two_leaders();
}

#[tokio::test]
async fn release_on_cancel_hands_over_within_the_lease_duration() {
    let server = TestServer::start().await;
    let log = Arc::new(Log::default());
    let a = candidate(&server, "a", true, &log);
    wait_until("a leads", Duration::from_secs(5), || {
        log.leading("a").is_some()
    })
    .await;
    let b = candidate(&server, "b", true, &log);
    wait_until("b sees a", Duration::from_secs(5), || {
        b.elector.get_leader() == "a"
    })
    .await;

    let stopped_at = Instant::now();
    stop(a).await;
    let took_over = wait_until("b leads", LEASE * 2, || log.leading("b").is_some()).await;
    let after = took_over - stopped_at;
    assert!(after < LEASE, "b took over after {after:?}");
    let spec = lease(&server).await.spec.expect("spec");
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(spec.lease_transitions, Some(1));
    assert_eq!(spec.lease_duration_seconds, Some(2));

    // b releases too: the lease is left without holder.
    stop(b).await;
    let spec = lease(&server).await.spec.expect("spec");
    assert_eq!(spec.holder_identity.as_deref(), Some(""));
    assert_eq!(spec.lease_duration_seconds, Some(1));
    assert_eq!(spec.lease_transitions, Some(1));
    log.assert_never_two_leaders();
}

#[tokio::test]
async fn a_leader_whose_lease_is_taken_from_it_steps_down_within_the_renew_deadline() {
    let server = TestServer::start().await;
    let log = Arc::new(Log::default());
    let a = candidate(&server, "a", false, &log);
    wait_until("a leads", Duration::from_secs(5), || {
        log.leading("a").is_some()
    })
    .await;

    // Someone else writes the lease (an operator, a partitioned peer): a's
    // next renewal is refused for its stale resourceVersion, and the record
    // it then reads names another holder.
    let leases: Api<Lease> = Api::namespaced(client_for(&server), "default");
    let mut taken = leases.get("controller-lock").await.expect("lease");
    if let Some(spec) = taken.spec.as_mut() {
        spec.holder_identity = Some("intruder".into());
        spec.lease_duration_seconds = Some(60);
    }
    let taken_at = Instant::now();
    leases
        .replace("controller-lock", &PostParams::default(), &taken)
        .await
        .expect("replace");

    tokio::time::timeout(RETRY + RENEW_DEADLINE + Duration::from_secs(2), a.task)
        .await
        .expect("a's run ends once it cannot renew")
        .expect("run task");
    let terms = log.terms.lock().clone();
    let ended = terms[0].end.expect("a's work was told leadership is lost");
    assert!(ended - taken_at <= RETRY + RENEW_DEADLINE + Duration::from_millis(500));
    assert!(!a.elector.is_leader());
    assert_eq!(a.elector.get_leader(), "intruder");
    assert_eq!(*log.stopped.lock(), vec!["a".to_string()]);
    let spec = lease(&server).await.spec.expect("spec");
    assert_eq!(
        spec.holder_identity.as_deref(),
        Some("intruder"),
        "a never overwrote the newer holder"
    );
}

#[tokio::test]
async fn a_candidate_shut_down_before_it_leads_never_starts_leading() {
    let server = TestServer::start().await;
    let log = Arc::new(Log::default());
    let a = candidate(&server, "a", false, &log);
    wait_until("a leads", Duration::from_secs(5), || {
        log.leading("a").is_some()
    })
    .await;
    let b = candidate(&server, "b", false, &log);
    wait_until("b sees a", Duration::from_secs(5), || {
        b.elector.get_leader() == "a"
    })
    .await;
    stop(b).await;
    assert!(log.terms.lock().iter().all(|t| t.identity == "a"));
    assert_eq!(*log.stopped.lock(), vec!["b".to_string()]);
    stop(a).await;
}
