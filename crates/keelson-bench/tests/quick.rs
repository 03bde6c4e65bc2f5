//! Smoke test: the quick mode of every scenario against a real
//! `keelson server` that the benchmark starts itself.
//!
//! Needs the server and CLI binaries: `cargo build --release -p keelson -p
//! keelctl` (or `KEELSON_BIN`/`KEELCTL_BIN`) and kubectl from
//! `tests/compat/run.sh`'s virtualenv (or `KUBECTL`). Run with
//! `cargo test -p keelson-bench --test quick -- --ignored`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// `$var`, else `default` relative to the workspace root.
fn binary(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(default),
    }
}

#[test]
#[ignore = "needs release keelson and keelctl binaries and kubectl (see the module doc)"]
fn quick_mode_measures_every_scenario() {
    let bin = binary("KEELSON_BIN", "target/release/keelson");
    let keelctl = binary("KEELCTL_BIN", "target/release/keelctl");
    let kubectl = binary("KUBECTL", "tests/compat/.venv/bin/kubectl");
    for b in [&bin, &keelctl, &kubectl] {
        assert!(b.exists(), "no binary at {}", b.display());
    }
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_keelson-bench"))
        .args(["--quick", "--json", "--keelson-bin"])
        .arg(&bin)
        .arg("--keelctl-bin")
        .arg(&keelctl)
        .arg("--kubectl-bin")
        .arg(&kubectl)
        .output()
        .expect("keelson-bench runs");
    eprintln!("quick mode took {:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["errors"], serde_json::json!([]), "{stdout}");
    let rows = report["rows"].as_array().expect("rows");
    let value = |scenario: &str, figure: &str| {
        rows.iter()
            .find(|r| r["scenario"] == scenario && r["figure"] == figure)
            .and_then(|r| r["value"].as_f64())
            .unwrap_or_else(|| panic!("no {scenario}/{figure} in {stdout}"))
    };

    assert!(value("create", "throughput") > 0.0);
    assert_eq!(value("create", "create failed requests"), 0.0);
    assert!(value("create", "API/storage throughput ratio") > 0.0);
    // Patches are judged against the create rate of the same run.
    assert!(value("patch", "strategic merge throughput") > 0.0);
    assert!(value("patch", "strategic merge / create throughput") > 0.0);
    assert_eq!(value("patch", "strategic merge failed requests"), 0.0);
    assert!(value("patch", "apply / create throughput") > 0.0);
    assert_eq!(value("patch", "apply failed requests"), 0.0);
    assert!(value("get", "p99 latency") > 0.0);
    assert_eq!(value("get", "get failed requests"), 0.0);
    assert_eq!(value("list", "items per LIST"), 1_000.0);
    assert!(value("list", "median") > 0.0);
    assert_eq!(value("table", "rows per Table"), 1_000.0);
    assert!(value("table", "median") > 0.0);
    // Every write reaches every watcher, and no watch is cut off.
    assert_eq!(value("watch", "events delivered"), 100.0);
    assert_eq!(value("watch", "watches ended by the server"), 0.0);
    assert_eq!(value("watch", "write failed requests"), 0.0);
    assert!(value("startup", "ready, empty data dir") > 0.0);
    assert!(value("startup", "ready, 1000 objects") > 0.0);
    assert!(value("startup", "RSS idle") > 0.0);
    assert!(value("storage", "creates") > 0.0);
    for command in ["get pods", "apply -f", "api-resources"] {
        assert!(value("cli", &format!("{command}: keelctl wall")) > 0.0);
        assert!(value("cli", &format!("{command}: wall keelctl / kubectl")) > 0.0);
        assert!(value("cli", &format!("{command}: peak RSS keelctl / kubectl")) > 0.0);
    }
}
