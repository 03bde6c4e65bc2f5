//! Time as the queues and rate limiters see it (`k8s.io/utils/clock`): the
//! real clock in production, a [`FakeClock`] that tests step by hand.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A future that completes at a deadline of some [`Clock`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time and timers.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;

    /// Completes once [`Clock::now`] has reached `deadline`.
    fn sleep_until(&self, deadline: Instant) -> Sleep;
}

/// The system's monotonic clock, with tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(
            deadline,
        )))
    }
}

/// A clock that only moves when told to ([`FakeClock::step`]); sleepers wake
/// when it passes their deadline. Clones share one time.
#[derive(Debug, Clone)]
pub struct FakeClock {
    now: Arc<watch::Sender<Instant>>,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl FakeClock {
    /// A fake clock standing at the real current instant.
    pub fn new() -> FakeClock {
        FakeClock {
            now: Arc::new(watch::Sender::new(Instant::now())),
        }
    }

    /// Moves time forward by `d` and wakes the sleepers it passes.
    pub fn step(&self, d: Duration) {
        self.now.send_modify(|now| *now += d);
    }

    /// Sets the time (never backwards: a monotonic clock cannot go back).
    pub fn set(&self, t: Instant) {
        self.now.send_modify(|now| *now = (*now).max(t));
    }

    /// How many sleepers are waiting for the clock to move.
    pub fn sleepers(&self) -> usize {
        self.now.receiver_count()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        let sender = self.now.clone();
        let mut rx = sender.subscribe();
        Box::pin(async move {
            let _keep_sender_alive = sender;
            loop {
                if *rx.borrow_and_update() >= deadline {
                    return;
                }
                // This future holds the sender, so `changed` cannot fail.
                if rx.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fake_clock_sleepers_wake_only_when_stepped_past_their_deadline() {
        let clock = FakeClock::new();
        let start = clock.now();
        let sleep = clock.sleep_until(start + Duration::from_secs(10));
        let task = tokio::spawn(sleep);
        clock.step(Duration::from_secs(9));
        tokio::task::yield_now().await;
        assert!(!task.is_finished());
        clock.step(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("sleeper wakes")
            .expect("sleeper task");
        assert_eq!(clock.now() - start, Duration::from_secs(10));
    }

    #[test]
    fn fake_clock_never_goes_back() {
        let clock = FakeClock::new();
        let start = clock.now();
        clock.step(Duration::from_secs(3));
        clock.set(start);
        assert_eq!(clock.now() - start, Duration::from_secs(3));
    }
}
