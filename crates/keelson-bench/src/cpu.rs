//! CPU time of the benchmark and of the server it started, from /proc: on a
//! small machine the load generator competes with the server for the same
//! cores, and these figures say how much.

use std::time::{Duration, Instant};

/// Linux reports utime/stime in USER_HZ ticks, 100 per second on every
/// architecture Rust targets.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds used so far by `pid` (user + system), if /proc tells.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat)
}

fn parse_stat(stat: &str) -> Option<f64> {
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14, stime 15 (1-based, man proc).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU use of the benchmark and the server over one measured phase.
pub struct CpuWindow {
    started: Instant,
    bench: Option<f64>,
    server: Option<f64>,
    server_pid: Option<u32>,
}

/// Average cores used during a [`CpuWindow`].
pub struct CpuUse {
    /// Cores used by the benchmark process.
    pub bench: Option<f64>,
    /// Cores used by the server (only when the benchmark started it).
    pub server: Option<f64>,
}

impl CpuWindow {
    /// Starts a window; `server_pid` is the server's process if known.
    pub fn start(server_pid: Option<u32>) -> CpuWindow {
        CpuWindow {
            started: Instant::now(),
            bench: cpu_seconds(std::process::id()),
            server: server_pid.and_then(cpu_seconds),
            server_pid,
        }
    }

    /// Cores used since [`CpuWindow::start`].
    pub fn finish(&self) -> CpuUse {
        let wall = self
            .started
            .elapsed()
            .max(Duration::from_millis(1))
            .as_secs_f64();
        let cores = |before: Option<f64>, after: Option<f64>| Some((after? - before?) / wall);
        CpuUse {
            bench: cores(self.bench, cpu_seconds(std::process::id())),
            server: cores(self.server, self.server_pid.and_then(cpu_seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utime_and_stime() {
        let stat =
            "4242 (keel son) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(stat), Some(3.0));
    }

    #[test]
    fn own_cpu_time_grows_with_work() {
        let w = CpuWindow::start(None);
        let mut x = 0u64;
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let used = w.finish();
        assert!(x > 0);
        assert!(used.bench.is_some_and(|c| c > 0.0));
        assert!(used.server.is_none());
    }
}
