//! Exponential backoff with jitter between reflector retries (client-go's
//! `wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`).

use std::time::{Duration, Instant};

/// Doubling delays from `initial` to `max`, each stretched by up to
/// `jitter` × itself at random; back to `initial` after `reset_after`
/// without a failure.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Cap on the delay (before jitter).
    pub max: Duration,
    /// Quiet time after which the delay starts over.
    pub reset_after: Duration,
    /// Extra random fraction: 1.0 waits between d and 2d.
    pub jitter: f64,
    current: Duration,
    last: Option<Instant>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            1.0,
        )
    }
}

impl Backoff {
    /// A backoff with these parameters.
    pub fn new(initial: Duration, max: Duration, reset_after: Duration, jitter: f64) -> Backoff {
        Backoff {
            initial,
            max,
            reset_after,
            jitter,
            current: initial,
            last: None,
        }
    }

    /// The next delay to wait after a failure.
    pub fn next_delay(&mut self) -> Duration {
        let now = Instant::now();
        let quiet = self
            .last
            .is_none_or(|t| now.duration_since(t) > self.reset_after);
        if quiet {
            self.current = self.initial;
        }
        self.last = Some(now);
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        base.mul_f64(1.0 + self.jitter * rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter() {
        let mut b = Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(400),
            Duration::from_secs(60),
            1.0,
        );
        let bases = [100, 200, 400, 400];
        for base in bases {
            let d = b.next_delay();
            assert!(
                d >= Duration::from_millis(base) && d <= Duration::from_millis(2 * base),
                "{d:?} not within [{base}, {}] ms",
                2 * base
            );
        }
    }
}
