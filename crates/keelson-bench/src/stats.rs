//! Latency samples and their percentiles.

use std::time::Duration;

/// Latencies of one measured phase, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    micros: Vec<u64>,
}

impl Samples {
    /// An empty set with room for `n` samples.
    pub fn with_capacity(n: usize) -> Samples {
        Samples {
            micros: Vec::with_capacity(n),
        }
    }

    /// Records one latency.
    pub fn push(&mut self, d: Duration) {
        self.micros
            .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Moves all samples of `other` into `self`.
    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// The `p`-th percentile (0 < p ≤ 100) by nearest rank, in milliseconds;
    /// `None` without samples.
    pub fn percentile_ms(&mut self, p: f64) -> Option<f64> {
        if self.micros.is_empty() {
            return None;
        }
        self.micros.sort_unstable();
        let n = self.micros.len();
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let idx = rank.clamp(1, n) - 1;
        Some(self.micros[idx] as f64 / 1000.0)
    }

    /// The median in milliseconds.
    pub fn median_ms(&mut self) -> Option<f64> {
        self.percentile_ms(50.0)
    }

    /// The largest sample in milliseconds.
    pub fn max_ms(&self) -> Option<f64> {
        self.micros.iter().max().map(|&m| m as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s = Samples::default();
        for ms in 1..=100u64 {
            s.push(Duration::from_millis(ms));
        }
        assert_eq!(s.percentile_ms(50.0), Some(50.0));
        assert_eq!(s.percentile_ms(99.0), Some(99.0));
        assert_eq!(s.percentile_ms(100.0), Some(100.0));
        assert_eq!(s.max_ms(), Some(100.0));
    }

    #[test]
    fn p99_of_few_samples_is_the_maximum() {
        let mut s = Samples::default();
        for us in [900u64, 100, 500] {
            s.push(Duration::from_micros(us));
        }
        assert_eq!(s.percentile_ms(99.0), Some(0.9));
        assert_eq!(s.median_ms(), Some(0.5));
    }

    #[test]
    fn empty_has_no_percentiles() {
        let mut s = Samples::default();
        assert_eq!(s.percentile_ms(50.0), None);
        assert_eq!(s.len(), 0);
    }
}
