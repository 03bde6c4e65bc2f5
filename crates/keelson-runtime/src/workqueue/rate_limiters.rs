//! client-go's work-queue rate limiters (`default_rate_limiters.go`): how long
//! an item waits before its next try.

use super::clock::{Clock, RealClock};
use super::queue::QueueItem;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Decides how long an item waits before it is retried.
pub trait RateLimiter<T>: Send + Sync {
    /// The delay for the item's next retry; counts the retry.
    fn when(&self, item: &T) -> Duration;
    /// Stops tracking the item (it succeeded); its next failure starts afresh.
    fn forget(&self, item: &T);
    /// How many times the item has been retried since it was last forgotten.
    fn num_requeues(&self, item: &T) -> usize;
}

/// `base * 2^failures`, capped at `max` (client-go's
/// `ItemExponentialFailureRateLimiter`).
#[derive(Debug)]
pub struct ItemExponentialFailureRateLimiter<T> {
    base: Duration,
    max: Duration,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T: QueueItem> ItemExponentialFailureRateLimiter<T> {
    /// Starts at `base`, doubling per failure, never more than `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        ItemExponentialFailureRateLimiter {
            base,
            max,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: QueueItem> RateLimiter<T> for ItemExponentialFailureRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let exp = {
            let mut failures = self.failures.lock();
            let n = failures.entry(item.clone()).or_insert(0);
            let exp = *n;
            *n = n.saturating_add(1);
            exp
        };
        // As client-go: computed in floating point, so huge exponents saturate
        // to the cap instead of overflowing.
        let backoff = self.base.as_nanos() as f64 * 2f64.powi(exp.min(i32::MAX as u32) as i32);
        if !backoff.is_finite() || backoff >= self.max.as_nanos() as f64 {
            return self.max;
        }
        Duration::from_nanos(backoff as u64)
    }

    fn forget(&self, item: &T) {
        self.failures.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.lock().get(item).map_or(0, |n| *n as usize)
    }
}

/// `fast` for the first `max_fast_attempts` retries, then `slow` (client-go's
/// `ItemFastSlowRateLimiter`).
#[derive(Debug)]
pub struct ItemFastSlowRateLimiter<T> {
    fast: Duration,
    slow: Duration,
    max_fast_attempts: usize,
    failures: Mutex<HashMap<T, usize>>,
}

impl<T: QueueItem> ItemFastSlowRateLimiter<T> {
    /// `fast` delays for `max_fast_attempts` retries, `slow` after.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: usize) -> Self {
        ItemFastSlowRateLimiter {
            fast,
            slow,
            max_fast_attempts,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: QueueItem> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let mut failures = self.failures.lock();
        let n = failures.entry(item.clone()).or_insert(0);
        *n += 1;
        if *n <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        self.failures.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.lock().get(item).copied().unwrap_or(0)
    }
}

/// An overall token bucket shared by all items (client-go's
/// `BucketRateLimiter` over `golang.org/x/time/rate`): `burst` retries at
/// once, then `qps` per second. Every call takes a token, waiting in line for
/// one that is not there yet.
pub struct BucketRateLimiter {
    qps: f64,
    burst: f64,
    clock: Arc<dyn Clock>,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl std::fmt::Debug for BucketRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketRateLimiter")
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl BucketRateLimiter {
    /// A full bucket of `burst` tokens refilled at `qps` per second, on the real clock.
    pub fn new(qps: f64, burst: usize) -> Self {
        BucketRateLimiter::with_clock(qps, burst, Arc::new(RealClock))
    }

    /// The same on `clock`.
    pub fn with_clock(qps: f64, burst: usize, clock: Arc<dyn Clock>) -> Self {
        let last = clock.now();
        BucketRateLimiter {
            qps,
            burst: burst as f64,
            clock,
            bucket: Mutex::new(Bucket {
                tokens: burst as f64,
                last,
            }),
        }
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        let now = self.clock.now();
        let mut b = self.bucket.lock();
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        if now > b.last {
            b.last = now;
        }
        b.tokens = (b.tokens + elapsed * self.qps).min(self.burst);
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            return Duration::ZERO;
        }
        if self.qps <= 0.0 {
            // x/time/rate with a zero limit never grants a missing token.
            return Duration::MAX;
        }
        Duration::from_secs_f64(-b.tokens / self.qps)
    }

    fn forget(&self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> usize {
        0
    }
}

/// The longest delay of several limiters (client-go's `MaxOfRateLimiter`).
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> std::fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOfRateLimiter<T> {
    /// Combines `limiters`; every one of them counts each retry.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        MaxOfRateLimiter { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiters
            .iter()
            .map(|l| l.when(item))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn forget(&self, item: &T) {
        for l in &self.limiters {
            l.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.limiters
            .iter()
            .map(|l| l.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// client-go's `DefaultControllerRateLimiter`: per item 5 ms doubling to
/// 1000 s, overall 10 retries per second with bursts of 100.
pub fn default_controller_rate_limiter<T: QueueItem>() -> MaxOfRateLimiter<T> {
    default_controller_rate_limiter_with_clock(Arc::new(RealClock))
}

/// [`default_controller_rate_limiter`] on `clock`.
pub fn default_controller_rate_limiter_with_clock<T: QueueItem>(
    clock: Arc<dyn Clock>,
) -> MaxOfRateLimiter<T> {
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(BucketRateLimiter::with_clock(10.0, 100, clock)),
    ])
}

/// A shared limiter limits as the limiter it shares.
impl<T, L: RateLimiter<T> + ?Sized> RateLimiter<T> for Arc<L> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }

    fn forget(&self, item: &T) {
        (**self).forget(item)
    }

    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}
