//! Client-side rate limit: a token bucket (client-go's `flowcontrol.NewTokenBucketRateLimiter`,
//! itself `golang.org/x/time/rate`): `burst` requests at once, then `qps` per second.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket that starts full.
#[derive(Debug)]
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// `qps` tokens per second, at most `burst` saved up (at least one).
    pub fn new(qps: f32, burst: u32) -> TokenBucket {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(State {
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }

    /// Takes a token now and says how long the caller must wait before using it.
    /// Reserving before waiting keeps callers in arrival order, as `rate.Limiter.Wait` does.
    pub fn reserve(&self) -> Duration {
        let Ok(mut s) = self.state.lock() else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.qps).min(self.burst);
        s.last = now;
        s.tokens -= 1.0;
        if s.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.tokens / self.qps)
        }
    }

    /// Waits for a token; returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_is_free_then_qps_paces() {
        let bucket = TokenBucket::new(5.0, 10);
        for _ in 0..10 {
            assert_eq!(bucket.reserve(), Duration::ZERO);
        }
        let eleventh = bucket.reserve();
        assert!(
            eleventh > Duration::from_millis(150) && eleventh <= Duration::from_millis(200),
            "{eleventh:?}"
        );
        let twelfth = bucket.reserve();
        assert!(
            twelfth > Duration::from_millis(350) && twelfth <= Duration::from_millis(400),
            "{twelfth:?}"
        );
    }
}
