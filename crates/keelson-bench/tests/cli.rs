//! The command line without a server: bad setups fail with a clear message
//! and send nothing, and the storage scenario runs on its own.

use std::process::Command;

fn bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keelson-bench"))
}

#[test]
fn missing_kubeconfig_is_an_error_per_scenario() {
    let out = bench()
        .args(["--kubeconfig", "/nonexistent/kubeconfig", "create", "get"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error in create: server process: no server to benchmark: kubeconfig: cannot read /nonexistent/kubeconfig"), "{stdout}");
    assert!(stdout.contains("error in get:"), "{stdout}");
}

#[test]
fn refuses_a_server_off_the_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.1.2.3:6443\n    certificate-authority-data: eA==\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: t\n",
    )
    .expect("write kubeconfig");
    let out = bench()
        .arg("--kubeconfig")
        .arg(&path)
        .args(["--json", "create"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let message = report["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("not on the loopback interface"),
        "{report}"
    );
    assert_eq!(report["rows"][0]["verdict"], "error");
}

#[test]
fn storage_scenario_runs_without_a_server() {
    let out = bench()
        .args(["--quick", "--json", "storage"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["quick"], true);
    let rows = report["rows"].as_array().expect("rows");
    let value = |figure: &str| {
        rows.iter()
            .find(|r| r["scenario"] == "storage" && r["figure"] == figure)
            .and_then(|r| r["value"].as_f64())
    };
    assert!(value("creates").is_some_and(|v| v > 0.0), "{report}");
    assert!(value("p99 latency").is_some_and(|v| v > 0.0), "{report}");
    assert_eq!(value("create failed requests"), Some(0.0), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn table_output_names_every_column() {
    let out = bench().args(["--quick", "storage"]).output().expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("machine: "), "{stdout}");
    assert!(stdout.contains("quick sizes"), "{stdout}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("scenario"))
        .unwrap_or_default();
    for col in ["scenario", "figure", "value", "target", "verdict"] {
        assert!(header.contains(col), "{stdout}");
    }
    assert!(stdout.contains("storage   creates"), "{stdout}");
}
