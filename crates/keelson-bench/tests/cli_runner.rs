//! The `cli` scenario's runner: `keelson-bench` started with
//! `KEELSON_BENCH_RUNNER_REPORT` set runs the command in its arguments and
//! reports the tool's own exit code, time and peak RSS.

use std::process::Command;

/// Runs `sh -c script` through the runner; returns the runner's exit code,
/// stdout, and the report's four numbers.
fn through_runner(script: &str) -> (Option<i32>, String, Vec<i64>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_keelson-bench"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("KEELSON_BENCH_RUNNER_REPORT", &report)
        .args(["/bin/sh", "-c", script])
        .output()
        .expect("keelson-bench runs");
    let text = std::fs::read_to_string(&report).expect("the runner wrote its report");
    let fields = text
        .split_whitespace()
        .map(|f| f.parse().expect("a number"))
        .collect();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        fields,
    )
}

#[test]
fn the_runner_passes_output_and_exit_code_through_and_hides_itself() {
    let (code, stdout, report) = through_runner("echo hello; env; exit 3");
    assert_eq!(code, Some(3));
    assert!(stdout.starts_with("hello\n"), "{stdout}");
    assert!(!stdout.contains("KEELSON_BENCH_RUNNER_REPORT"), "{stdout}");
    assert_eq!(report.len(), 4, "{report:?}");
    assert_eq!(report[0], 3);
    assert!(report[1] > 0, "wall time {report:?}");
}

#[test]
fn the_peak_rss_is_the_tools_own() {
    let (_, _, small) = through_runner("exit 0");
    let (_, _, big) =
        through_runner("head -c 67108864 /dev/zero | { x=$(cat | tr '\\0' a); exit 0; }");
    assert!(small[3] > 0 && small[3] < 32 * 1024, "{small:?}");
    assert!(big[3] >= 64 * 1024, "{big:?}");
}
