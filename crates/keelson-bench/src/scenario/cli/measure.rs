//! One run of a command-line tool: wall time from spawn to exit, and the
//! child's own resource usage (peak RSS, CPU) as the kernel accounted it
//! when the child was reaped with `wait4`.
//!
//! A child's `ru_maxrss` is at least the resident size of the process that
//! spawned it: at `exec` the kernel folds the high-water mark of the memory
//! the child shared with its parent (vfork/posix_spawn) or copied from it
//! (fork) into the child's peak. Spawned straight from the bench, which may
//! hold 100,000 informer objects by the time `cli` runs, every tool would
//! "peak" at the bench's size. So the bench spawns itself as a small
//! *runner* ([`runner_main`]) that spawns the tool, times it and reaps it,
//! and writes what it measured to a file; the runner's own few MiB are below
//! anything the tools hold.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set in a runner's environment: where it writes its measurement.
pub const RUNNER_REPORT: &str = "KEELSON_BENCH_RUNNER_REPORT";

/// What one run of a tool produced.
#[derive(Debug)]
pub struct Run {
    /// From just before spawn to the moment the child exited.
    pub wall: Duration,
    /// User plus system CPU time of the child.
    pub cpu: Duration,
    /// Peak resident set size of the child, in KiB (`ru_maxrss` on Linux;
    /// the kernel takes the larger of the child's own and that of any
    /// descendant it waited for, which for kubectl and keelctl is their own).
    pub max_rss_kib: u64,
    /// Exit code; `None` when a signal ended the child.
    pub code: Option<i32>,
    /// Whether the child was killed for running longer than allowed.
    pub timed_out: bool,
    /// Everything the child wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything the child wrote to stderr.
    pub stderr: Vec<u8>,
}

impl Run {
    /// Whether the child exited 0 on its own.
    pub fn succeeded(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

/// The runner's side: when [`RUNNER_REPORT`] is set, runs the command in
/// the arguments (stdio inherited, environment minus that variable), reaps
/// it, writes `code wall_us cpu_us max_rss_kib` (code `-1` for a signal) to
/// the report file and returns the exit code to end this process with.
/// `None` when this process is not a runner.
pub fn runner_main() -> Option<std::process::ExitCode> {
    let report = std::env::var_os(RUNNER_REPORT)?;
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("keelson-bench runner: no command");
        return Some(std::process::ExitCode::from(2));
    };
    let start = Instant::now();
    let spawned = Command::new(&program)
        .args(args)
        .env_remove(RUNNER_REPORT)
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "keelson-bench runner: {}: {e}",
                Path::new(&program).display()
            );
            return Some(std::process::ExitCode::from(127));
        }
    };
    let measured = libc::pid_t::try_from(child.id())
        .map_err(|_| std::io::Error::other("child pid out of range"))
        .and_then(reap);
    let wall = start.elapsed();
    // std's handle must not wait on the pid reaped above.
    drop(child);
    let (status, usage) = match measured {
        Ok(m) => m,
        Err(e) => {
            eprintln!("keelson-bench runner: wait: {e}");
            return Some(std::process::ExitCode::from(125));
        }
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    let line = format!(
        "{code} {} {} {}\n",
        wall.as_micros(),
        cpu.as_micros(),
        usage.ru_maxrss
    );
    if let Err(e) = std::fs::write(&report, line) {
        eprintln!(
            "keelson-bench runner: {}: {e}",
            Path::new(&report).display()
        );
        return Some(std::process::ExitCode::from(125));
    }
    Some(std::process::ExitCode::from(
        u8::try_from(code).unwrap_or(1),
    ))
}

/// [`run`] through a runner process (`runner`, normally this very binary),
/// so that the peak RSS is the tool's own whatever the bench holds.
pub fn run_via(
    runner: &Path,
    program: &Path,
    args: &[OsString],
    env: &[(&str, OsString)],
    timeout: Duration,
) -> std::io::Result<Run> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let report = std::env::temp_dir().join(format!(
        "keelson-bench-runner-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let mut runner_args = vec![program.as_os_str().to_os_string()];
    runner_args.extend(args.iter().cloned());
    let mut runner_env: Vec<(&str, OsString)> = env.to_vec();
    runner_env.push((RUNNER_REPORT, report.clone().into_os_string()));
    let mut outer = run(runner, &runner_args, &runner_env, timeout)?;
    let measured = std::fs::read_to_string(&report);
    let _ = std::fs::remove_file(&report);
    let text = match measured {
        Ok(t) => t,
        // No report: the runner was killed (timeout) or could not start the
        // tool; what it said is in stderr.
        Err(_) if outer.timed_out || !outer.succeeded() => return Ok(outer),
        Err(e) => return Err(e),
    };
    let fields: Vec<i64> = text
        .split_whitespace()
        .map(|f| {
            f.parse()
                .map_err(|_| std::io::Error::other(format!("runner report {text:?}")))
        })
        .collect::<std::io::Result<_>>()?;
    let [code, wall_us, cpu_us, rss_kib] = fields[..] else {
        return Err(std::io::Error::other(format!("runner report {text:?}")));
    };
    let micros = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
    outer.code = (code >= 0).then(|| i32::try_from(code).unwrap_or(1));
    outer.wall = micros(wall_us);
    outer.cpu = micros(cpu_us);
    outer.max_rss_kib = u64::try_from(rss_kib).unwrap_or(0);
    Ok(outer)
}

/// Runs `program args` with exactly `env` as its environment, stdin from
/// /dev/null, and kills its process group after `timeout`.
pub fn run(
    program: &Path,
    args: &[OsString],
    env: &[(&str, OsString)],
    timeout: Duration,
) -> std::io::Result<Run> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so that a timeout also kills whatever the
        // child started (and that would hold its pipes open).
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| std::io::Error::other("child pid out of range"))?;
    // Both pipes are drained while the child runs: a child blocked on a full
    // pipe would never exit.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    let (done, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout) {
            // SAFETY: the child is not reaped before the watchdog is joined
            // (wait_exit leaves it a zombie), so `pid` still names it and
            // its process group.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            return true;
        }
        false
    });
    let exited = wait_exit(pid);
    let wall = start.elapsed();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if let Err(e) = exited {
        // SAFETY: still unreaped, as above; the child must not outlive us.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let _ = reap(pid);
        return Err(e);
    }
    let (status, usage) = reap(pid)?;
    // std's handle must not wait on a pid that is already reaped (and maybe
    // reused); dropping it only closes what it still holds.
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok(Run {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        code,
        timed_out,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Blocks until `pid` has exited, without reaping it: its resource usage is
/// collected by `reap`, and until then the pid cannot be reused.
fn wait_exit(pid: libc::pid_t) -> std::io::Result<()> {
    let id = libc::id_t::try_from(pid).map_err(|_| std::io::Error::other("negative pid"))?;
    loop {
        // SAFETY: an all-zero siginfo_t is valid; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out-pointer for the duration of the call.
        let rc = unsafe { libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Reaps `pid` and returns its wait status and resource usage.
fn reap(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is valid; wait4 only writes into it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both out-pointers are valid for the duration of the call.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

fn timeval(t: libc::timeval) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let micros = u64::try_from(t.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Run {
        let env = [("PATH", OsString::from("/usr/bin:/bin"))];
        run(
            Path::new("/bin/sh"),
            &["-c".into(), script.into()],
            &env,
            timeout,
        )
        .expect("/bin/sh runs")
    }

    #[test]
    fn reports_exit_code_output_and_usage_of_the_child() {
        let r = sh("echo out; echo err >&2; exit 3", Duration::from_secs(30));
        assert_eq!(r.code, Some(3));
        assert!(!r.succeeded());
        assert_eq!(r.stdout, b"out\n");
        assert_eq!(r.stderr, b"err\n");
        assert!(r.max_rss_kib > 0, "{r:?}");
        assert!(!r.timed_out);
    }

    #[test]
    fn peak_rss_follows_what_the_child_holds() {
        // A bare shell holds a few MiB; one that reads 64 MiB into a
        // variable must show at least that much.
        let small = sh("exit 0", Duration::from_secs(30));
        let big = sh(
            "head -c 67108864 /dev/zero | { x=$(cat | tr '\\0' a); exit 0; }",
            Duration::from_secs(60),
        );
        assert!(small.succeeded() && big.succeeded(), "{small:?} {big:?}");
        assert!(small.max_rss_kib < 32 * 1024, "{small:?}");
        assert!(big.max_rss_kib >= 64 * 1024, "{}", big.max_rss_kib);
    }

    #[test]
    fn environment_is_exactly_the_given_one() {
        let r = sh("env | sort", Duration::from_secs(30));
        let env = String::from_utf8_lossy(&r.stdout);
        assert!(env.contains("PATH=/usr/bin:/bin"), "{env}");
        assert!(!env.contains("HOME="), "{env}");
    }

    #[test]
    fn runs_past_the_timeout_are_killed() {
        let t = Instant::now();
        let r = sh("sleep 30", Duration::from_millis(200));
        assert!(r.timed_out);
        assert_eq!(r.code, None);
        assert!(t.elapsed() < Duration::from_secs(10));
    }
}
