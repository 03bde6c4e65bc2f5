//! A `keelson server` child process: start it, wait for its ready line,
//! read its memory, stop it.

use crate::error::{BenchError, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The line prefix `keelson server` prints once it accepts requests.
const READY_PREFIX: &str = "keelson: serving on ";

/// A running server started by the benchmark.
pub struct ServerProcess {
    child: Child,
    pid: u32,
    /// Time from spawn to the ready line.
    pub ready_after: Duration,
    /// `DIR/kubeconfig` written by the server.
    pub kubeconfig: PathBuf,
}

impl ServerProcess {
    /// Runs `bin server --data-dir data_dir --secure-port 0` (plus `extra`)
    /// and waits up to `timeout` for the ready line. Stderr goes to `log`.
    pub async fn start(
        bin: &Path,
        data_dir: &Path,
        extra: &[&str],
        log: &Path,
        timeout: Duration,
    ) -> Result<ServerProcess> {
        let log_file = std::fs::File::create(log)?;
        let mut cmd = Command::new(bin);
        cmd.arg("server")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--secure-port", "0", "--bind-address", "127.0.0.1"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        let spawned = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| BenchError::Process(format!("cannot start {}: {e}", bin.display())))?;
        let pid = child
            .id()
            .ok_or_else(|| BenchError::Process("server exited at once".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| BenchError::Process("no stdout pipe".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(timeout, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix(READY_PREFIX) {
                    return Ok::<_, std::io::Error>(Some((spawned.elapsed(), rest.to_string())));
                }
            }
            Ok(None)
        })
        .await;
        let (ready_after, rest) = match ready {
            Ok(Ok(Some(found))) => found,
            Ok(Ok(None)) => {
                let status = child.wait().await?;
                return Err(BenchError::Process(format!(
                    "server exited ({status}) before it was ready; see {}",
                    log.display()
                )));
            }
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => {
                return Err(BenchError::Process(format!(
                    "server not ready within {timeout:?}; see {}",
                    log.display()
                )))
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let kubeconfig = kubeconfig_path(&rest).unwrap_or_else(|| data_dir.join("kubeconfig"));
        Ok(ServerProcess {
            child,
            pid,
            ready_after,
            kubeconfig,
        })
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Resident set size of the server process, in MiB.
    pub fn rss_mib(&self) -> Result<f64> {
        rss_mib(self.pid)
    }

    /// Sends SIGTERM and waits up to `grace` for the exit, then kills.
    pub async fn stop(mut self, grace: Duration) -> Result<()> {
        // `kill` the command: no libc binding needed for one signal to our own child.
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if sent.map(|s| s.success()).unwrap_or(false) {
            if let Ok(status) = tokio::time::timeout(grace, self.child.wait()).await {
                status?;
                return Ok(());
            }
        }
        self.child.kill().await?;
        Err(BenchError::Process(format!(
            "server did not stop within {grace:?} after SIGTERM; killed"
        )))
    }
}

/// `(kubeconfig: PATH)` from the rest of the ready line.
fn kubeconfig_path(rest: &str) -> Option<PathBuf> {
    let start = rest.find("(kubeconfig: ")? + "(kubeconfig: ".len();
    let end = rest.rfind(')')?;
    (end > start).then(|| PathBuf::from(&rest[start..end]))
}

/// VmRSS of `pid` from /proc, in MiB.
pub fn rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_vm_rss(&status)
        .map(|kib| kib as f64 / 1024.0)
        .ok_or_else(|| BenchError::Process(format!("no VmRSS in /proc/{pid}/status")))
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Total size of the files under `dir`, in MiB.
pub fn dir_size_mib(dir: &Path) -> Result<f64> {
    let mut total = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    Ok(total as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kubeconfig_path_from_the_ready_line() {
        let rest = "https://127.0.0.1:40123 (kubeconfig: /tmp/x y/kubeconfig)";
        assert_eq!(
            kubeconfig_path(rest),
            Some(PathBuf::from("/tmp/x y/kubeconfig"))
        );
        assert_eq!(kubeconfig_path("https://127.0.0.1:1"), None);
    }

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tkeelson\nVmPeak:\t  1000 kB\nVmRSS:\t   23456 kB\nThreads:\t5\n";
        assert_eq!(parse_vm_rss(status), Some(23456));
    }

    #[test]
    fn own_rss_is_positive() {
        let mib = rss_mib(std::process::id()).expect("/proc is readable");
        assert!(mib > 0.0);
    }
}
