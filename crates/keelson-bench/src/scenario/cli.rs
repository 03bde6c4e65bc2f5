//! `cli`: keelctl side by side with the real kubectl 1.37 against the same
//! server, for three everyday commands: `get pods` in a namespace of 100
//! pods, `apply -f` of a 20-object file, and `api-resources`.
//!
//! What is measured, and how. Setup is untimed: a namespace with 100 pods
//! (Pending: the server has no scheduler), a multi-document YAML file of 10
//! ConfigMaps, 5 Services and 5 Deployments, and for each binary a HOME and
//! a KUBECACHEDIR of its own and an environment built from scratch as
//! tests/compat's harness does (PATH, HOME, KUBECONFIG, KUBECACHEDIR,
//! KUBERC=off, LANG). One untimed warm-up run of every command fills each
//! binary's discovery cache and, for apply, creates the objects (each binary
//! applies into a namespace of its own, so neither sees the other's
//! last-applied annotations). The timed runs then alternate keelctl and
//! kubectl, so that other load on the machine falls on both alike. Each run
//! is timed from spawn to exit, and its peak RSS is the child's `ru_maxrss`
//! as `wait4` reports it when the child is reaped. `apply -f` is measured as
//! the re-apply of 20 unchanged objects. A run counts only if it exits 0 and
//! prints what kubectl prints: 100 Pending pod rows for get pods, 20
//! `unchanged` lines for apply, the core rows of api-resources; a keelctl
//! that fails or prints the wrong thing gets no figure, and a missed target.
//! Figures are medians; targets: keelctl at most ¼ of kubectl's wall time
//! and at most ¼ of its peak RSS. Without kubectl, keelctl is reported alone.

pub(crate) mod measure;

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::{Endpoint, Pool};
use crate::objects::{create_namespace, excerpt};
use crate::report::{Report, Target};
use crate::stats::Samples;
use bytes::Bytes;
use http::{Method, StatusCode};
use measure::Run;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const NAME: &str = "cli";

/// Pods in the namespace `get pods` lists.
const PODS: usize = 100;
/// Name prefix of those pods.
const POD_PREFIX: &str = "bench-pod-";
/// Objects of each kind in the apply file.
const CONFIGMAPS: usize = 10;
const SERVICES: usize = 5;
const DEPLOYMENTS: usize = 5;
/// A run taking longer than this is killed and counts as a failure.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// keelctl's wall time and peak RSS, as a fraction of kubectl's.
const TARGET_RATIO: f64 = 0.25;

/// The two command-line tools the scenario compares, and the server's
/// kubeconfig they are given.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The keelctl binary under test.
    pub keelctl: PathBuf,
    /// The reference kubectl binary; when absent keelctl is reported alone.
    pub kubectl: PathBuf,
    /// Kubeconfig of the server under test (given, or written by the server
    /// the benchmark started).
    pub kubeconfig: Option<PathBuf>,
}

/// One of the tools, ready to run.
struct Binary {
    name: &'static str,
    path: PathBuf,
    env: Vec<(&'static str, OsString)>,
    /// The namespace this binary applies the file into.
    apply_namespace: String,
}

/// A timed command.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Command {
    GetPods,
    Apply,
    ApiResources,
}

impl Command {
    const ALL: [Command; 3] = [Command::GetPods, Command::Apply, Command::ApiResources];

    /// How the command is named in the report.
    fn label(self) -> &'static str {
        match self {
            Command::GetPods => "get pods",
            Command::Apply => "apply -f",
            Command::ApiResources => "api-resources",
        }
    }

    fn args(self, pods_namespace: &str, file: &Path, binary: &Binary) -> Vec<OsString> {
        match self {
            Command::GetPods => vec![
                "get".into(),
                "pods".into(),
                "-n".into(),
                pods_namespace.into(),
            ],
            Command::Apply => vec![
                "apply".into(),
                "-f".into(),
                file.into(),
                "-n".into(),
                binary.apply_namespace.clone().into(),
            ],
            Command::ApiResources => vec!["api-resources".into()],
        }
    }

    /// Whether `stdout` is what kubectl prints for this command; the warm-up
    /// apply creates the objects, every later one finds them unchanged.
    fn check(self, stdout: &str, warm_up: bool) -> std::result::Result<(), String> {
        match self {
            Command::GetPods => check_get_pods(stdout),
            Command::Apply => check_apply(stdout, warm_up),
            Command::ApiResources => check_api_resources(stdout),
        }
    }
}

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let tools = &ctx.cli;
    let kubeconfig = tools.kubeconfig.as_ref().ok_or_else(|| {
        BenchError::Kubeconfig("the cli scenario needs the server's kubeconfig".into())
    })?;
    let kubeconfig = std::fs::canonicalize(kubeconfig)?;
    if !tools.keelctl.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "keelctl not found at {} (cargo build --release -p keelctl, or --keelctl-bin)",
                tools.keelctl.display()
            ),
        )
        .into());
    }
    let with_kubectl = tools.kubectl.is_file();
    if !with_kubectl {
        report.info(
            NAME,
            &format!(
                "kubectl not found at {}: keelctl alone, ratios not judged",
                tools.kubectl.display()
            ),
            None,
            "",
        );
    }

    let pool = ctx.pool(endpoint, 1).await?;
    let pods_namespace = ctx.namespace(NAME);
    create_namespace(&pool, &pods_namespace).await?;
    for i in 0..PODS {
        create_pod(&pool, &pods_namespace, i).await?;
    }
    let dir = tempfile::Builder::new()
        .prefix("keelson-bench-cli-")
        .tempdir()?;
    let file = dir.path().join("objects.yaml");
    std::fs::write(&file, apply_file())?;
    let path_env = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    let mut binaries = Vec::new();
    for (name, path) in [("keelctl", &tools.keelctl), ("kubectl", &tools.kubectl)] {
        if name == "kubectl" && !with_kubectl {
            continue;
        }
        let apply_namespace = format!("{pods_namespace}-apply-{name}");
        create_namespace(&pool, &apply_namespace).await?;
        let home = dir.path().join(name).join("home");
        let cache = dir.path().join(name).join("cache");
        std::fs::create_dir_all(&home)?;
        std::fs::create_dir_all(&cache)?;
        binaries.push(Binary {
            name,
            path: path.clone(),
            env: vec![
                ("PATH", path_env.clone()),
                ("HOME", home.into()),
                ("KUBECONFIG", kubeconfig.clone().into()),
                ("KUBECACHEDIR", cache.into()),
                ("KUBERC", "off".into()),
                ("LANG", "C.UTF-8".into()),
            ],
            apply_namespace,
        });
    }

    let runs = ctx.sizes.cli_runs.max(1);
    let measured = tokio::task::spawn_blocking(move || {
        Command::ALL.map(|c| {
            (
                c,
                measure_command(c, &pods_namespace, &file, &binaries, runs),
            )
        })
    })
    .await
    .map_err(|e| BenchError::Process(format!("cli runs: {e}")))?;
    drop(dir);

    report.info(NAME, "pods listed by get pods", Some(PODS as f64), "");
    report.info(
        NAME,
        "objects in the apply file (re-applied unchanged)",
        Some((CONFIGMAPS + SERVICES + DEPLOYMENTS) as f64),
        "",
    );
    for (command, outcomes) in measured {
        let mut outcomes = outcomes.into_iter();
        let keelctl = outcomes
            .next()
            .unwrap_or_else(|| Err("keelctl did not run".into()));
        let kubectl = outcomes.next();
        report_command(report, command, keelctl, kubectl);
    }
    report.info(NAME, "runs per command and binary", Some(runs as f64), "");
    Ok(())
}

/// What the timed runs of one binary gave, or why they stopped.
type Outcome = std::result::Result<Series, String>;

/// The timed runs of one command by one binary.
#[derive(Default)]
struct Series {
    wall: Samples,
    cpu: Samples,
    rss_kib: Vec<u64>,
}

impl Series {
    fn push(&mut self, run: &Run) {
        self.wall.push(run.wall);
        self.cpu.push(run.cpu);
        self.rss_kib.push(run.max_rss_kib);
    }

    fn medians(mut self) -> Medians {
        Medians {
            wall_ms: self.wall.median_ms(),
            cpu_ms: self.cpu.median_ms(),
            rss_mib: median(&self.rss_kib).map(|kib| kib as f64 / 1024.0),
        }
    }
}

/// The medians of a series; all `None` for a binary that failed.
#[derive(Default)]
struct Medians {
    wall_ms: Option<f64>,
    cpu_ms: Option<f64>,
    rss_mib: Option<f64>,
}

/// The nearest-rank median, as `Samples` computes it.
fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    (n > 0).then(|| sorted[n.div_ceil(2) - 1])
}

/// A warm-up run per binary, then `runs` timed rounds in which every binary
/// still standing runs once; the first failure of a binary ends its series.
fn measure_command(
    command: Command,
    pods_namespace: &str,
    file: &Path,
    binaries: &[Binary],
    runs: usize,
) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = binaries
        .iter()
        .map(|b| run_checked(command, pods_namespace, file, b, true).map(|_| Series::default()))
        .collect();
    for _ in 0..runs {
        for (binary, outcome) in binaries.iter().zip(outcomes.iter_mut()) {
            let Ok(series) = outcome else { continue };
            match run_checked(command, pods_namespace, file, binary, false) {
                Ok(run) => series.push(&run),
                Err(why) => *outcome = Err(why),
            }
        }
    }
    outcomes
}

/// One run that exited 0 and printed the expected output, or what went wrong.
fn run_checked(
    command: Command,
    pods_namespace: &str,
    file: &Path,
    binary: &Binary,
    warm_up: bool,
) -> std::result::Result<Run, String> {
    let args = command.args(pods_namespace, file, binary);
    let shown = format!(
        "{} {}{}",
        binary.name,
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        if warm_up { " (warm-up)" } else { "" }
    );
    let runner = std::env::current_exe()
        .map_err(|e| format!("{shown}: cannot find keelson-bench itself to run it: {e}"))?;
    let run = measure::run_via(&runner, &binary.path, &args, &binary.env, RUN_TIMEOUT)
        .map_err(|e| format!("{shown}: cannot run {}: {e}", binary.path.display()))?;
    if run.timed_out {
        return Err(format!("{shown}: killed after {RUN_TIMEOUT:?}"));
    }
    if !run.succeeded() {
        let said = if run.stderr.is_empty() {
            &run.stdout
        } else {
            &run.stderr
        };
        let how = match run.code {
            Some(code) => format!("exited {code}"),
            None => "ended by a signal".to_string(),
        };
        return Err(format!("{shown}: {how}: {}", excerpt(said).trim_end()));
    }
    command
        .check(&String::from_utf8_lossy(&run.stdout), warm_up)
        .map_err(|why| format!("{shown}: {why}"))?;
    Ok(run)
}

/// Adds one command's figures: medians of both binaries and keelctl's
/// share of kubectl's, for wall time and peak RSS, plus CPU time as context.
/// `kubectl` is `None` when there is no kubectl to compare with.
fn report_command(
    report: &mut Report,
    command: Command,
    keelctl: Outcome,
    kubectl: Option<Outcome>,
) {
    let label = command.label();
    for outcome in [Some(&keelctl), kubectl.as_ref()].into_iter().flatten() {
        if let Err(why) = outcome {
            report.error(NAME, why.clone());
        }
    }
    let mine = keelctl.ok().map(Series::medians).unwrap_or_default();
    let theirs = kubectl.map(|o| o.ok().map(Series::medians).unwrap_or_default());
    let wall: fn(&Medians) -> Option<f64> = |m| m.wall_ms;
    let rss: fn(&Medians) -> Option<f64> = |m| m.rss_mib;
    for (what, unit, pick) in [("wall", "ms", wall), ("peak RSS", "MiB", rss)] {
        report.info(NAME, &format!("{label}: keelctl {what}"), pick(&mine), unit);
        let Some(theirs) = &theirs else { continue };
        report.info(
            NAME,
            &format!("{label}: kubectl {what}"),
            pick(theirs),
            unit,
        );
        let ratio = match (pick(&mine), pick(theirs)) {
            (Some(m), Some(t)) if t > 0.0 => Some(m / t),
            _ => None,
        };
        report.figure(
            NAME,
            &format!("{label}: {what} keelctl / kubectl"),
            ratio,
            "x",
            Target::below(TARGET_RATIO),
        );
    }
    report.info(NAME, &format!("{label}: keelctl CPU"), mine.cpu_ms, "ms");
    if let Some(theirs) = &theirs {
        report.info(NAME, &format!("{label}: kubectl CPU"), theirs.cpu_ms, "ms");
    }
}

async fn create_pod(pool: &Pool, namespace: &str, i: usize) -> Result<()> {
    let path = format!("/api/v1/namespaces/{namespace}/pods");
    let reply = pool.send(Method::POST, &path, Some(pod(i))).await?;
    if reply.status != StatusCode::CREATED {
        return Err(BenchError::Status {
            what: format!("create pod {POD_PREFIX}{i:03} in {namespace}"),
            status: reply.status.as_u16(),
            body: excerpt(&reply.body),
        });
    }
    Ok(())
}

/// A pod with one container, as a user would write it.
fn pod(i: usize) -> Bytes {
    let obj = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{POD_PREFIX}{i:03}"),
            "labels": {"app.kubernetes.io/name": "bench-pod", "app.kubernetes.io/part-of": "keelson-bench"}
        },
        "spec": {
            "containers": [{
                "name": "app",
                "image": "registry.example/bench/app:1.4.2",
                "ports": [{"name": "http", "containerPort": 8080}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}
            }]
        }
    });
    Bytes::from(obj.to_string())
}

/// The `kind/name` apply prints for each object of the file, in file order.
fn applied_names() -> Vec<String> {
    let configmaps = (0..CONFIGMAPS).map(|i| format!("configmap/bench-config-{i:02}"));
    let services = (0..SERVICES).map(|i| format!("service/bench-web-{i}"));
    let deployments = (0..DEPLOYMENTS).map(|i| format!("deployment.apps/bench-web-{i}"));
    configmaps.chain(services).chain(deployments).collect()
}

/// The multi-document YAML file both binaries apply.
fn apply_file() -> String {
    let mut yaml = String::new();
    for i in 0..CONFIGMAPS {
        let _ = write!(
            yaml,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench-config-{i:02}\n  labels:\n    app.kubernetes.io/part-of: keelson-bench\ndata:\n  index: \"{i}\"\n  app.conf: |\n    listen = :8080\n    workers = 4\n    log-level = info\n"
        );
    }
    for i in 0..SERVICES {
        let _ = write!(
            yaml,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bench-web-{i}\n  labels:\n    app.kubernetes.io/part-of: keelson-bench\nspec:\n  selector:\n    app: bench-web-{i}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n"
        );
    }
    for i in 0..DEPLOYMENTS {
        let _ = write!(
            yaml,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bench-web-{i}\n  labels:\n    app.kubernetes.io/part-of: keelson-bench\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: bench-web-{i}\n  template:\n    metadata:\n      labels:\n        app: bench-web-{i}\n    spec:\n      containers:\n      - name: web\n        image: registry.example/bench/web:1.4.2\n        ports:\n        - containerPort: 8080\n        resources:\n          requests:\n            cpu: 100m\n            memory: 64Mi\n"
        );
    }
    yaml
}

/// A `NAME ... STATUS` header and exactly the bench's pods, all Pending.
fn check_get_pods(stdout: &str) -> std::result::Result<(), String> {
    let mut lines = stdout.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default();
    let columns: Vec<&str> = header.split_whitespace().collect();
    if columns.first() != Some(&"NAME") || !columns.contains(&"STATUS") {
        return Err(format!("no NAME ... STATUS header but {header:?}"));
    }
    let rows: Vec<&str> = lines.collect();
    let ours = rows.iter().filter(|r| r.starts_with(POD_PREFIX)).count();
    if rows.len() != PODS || ours != PODS {
        return Err(format!(
            "printed {} rows, {ours} of them the bench's pods; expected {PODS}",
            rows.len()
        ));
    }
    if let Some(row) = rows
        .iter()
        .find(|r| !r.split_whitespace().any(|cell| cell == "Pending"))
    {
        return Err(format!("a row does not show Pending: {row:?}"));
    }
    Ok(())
}

/// One `kind/name verb` line per object of the file, in file order; the
/// verb is `unchanged` after the warm-up (which may also say `created` or
/// `configured`).
fn check_apply(stdout: &str, warm_up: bool) -> std::result::Result<(), String> {
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    let expected = applied_names();
    if lines.len() != expected.len() {
        return Err(format!(
            "printed {} lines, expected one per object ({}): {:?}",
            lines.len(),
            expected.len(),
            excerpt(stdout.as_bytes())
        ));
    }
    for (line, name) in lines.iter().zip(&expected) {
        let (printed, verb) = line.split_once(' ').unwrap_or((line, ""));
        let verb_ok = match verb {
            "unchanged" => true,
            "created" | "configured" => warm_up,
            _ => false,
        };
        if printed != name || !verb_ok {
            let wanted = if warm_up { "created" } else { "unchanged" };
            return Err(format!("printed {line:?}, expected \"{name} {wanted}\""));
        }
    }
    Ok(())
}

/// A NAME header and rows for the resources every server serves.
fn check_api_resources(stdout: &str) -> std::result::Result<(), String> {
    let mut lines = stdout.lines();
    let header = lines.next().unwrap_or_default();
    if !header.starts_with("NAME") {
        return Err(format!("no NAME header but {header:?}"));
    }
    let names: Vec<&str> = lines.filter_map(|l| l.split_whitespace().next()).collect();
    for wanted in [
        "pods",
        "configmaps",
        "services",
        "deployments",
        "namespaces",
    ] {
        if !names.contains(&wanted) {
            return Err(format!("no {wanted} row among {} resources", names.len()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn get_pods_output(rows: usize, status: &str) -> String {
        let mut out = "NAME             READY   STATUS    RESTARTS   AGE\n".to_string();
        for i in 0..rows {
            out.push_str(&format!(
                "{POD_PREFIX}{i:03}   0/1     {status}   0          5s\n"
            ));
        }
        out
    }

    #[test]
    fn get_pods_must_list_every_pod_as_pending() {
        assert_eq!(check_get_pods(&get_pods_output(PODS, "Pending")), Ok(()));
        let short = check_get_pods(&get_pods_output(PODS - 1, "Pending")).expect_err("99 rows");
        assert!(short.contains("printed 99 rows"), "{short}");
        assert!(check_get_pods(&get_pods_output(PODS, "Running")).is_err());
        assert!(check_get_pods("No resources found in x namespace.\n").is_err());
        assert!(check_get_pods("").is_err());
    }

    #[test]
    fn apply_must_report_every_object_unchanged_after_the_warm_up() {
        let say = |verb: &str| {
            applied_names()
                .iter()
                .map(|n| format!("{n} {verb}\n"))
                .collect::<String>()
        };
        assert_eq!(check_apply(&say("unchanged"), false), Ok(()));
        assert_eq!(check_apply(&say("created"), true), Ok(()));
        let configured = check_apply(&say("configured"), false).expect_err("not unchanged");
        assert!(
            configured.contains("expected \"configmap/bench-config-00 unchanged\""),
            "{configured}"
        );
        let missing: String = say("unchanged")
            .lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(check_apply(&missing, false).is_err());
        assert!(check_apply("", true).is_err());
    }

    #[test]
    fn api_resources_must_show_the_core_resources() {
        let out = "NAME          SHORTNAMES   APIVERSION   NAMESPACED   KIND\n\
                   configmaps    cm           v1           true         ConfigMap\n\
                   namespaces    ns           v1           false        Namespace\n\
                   pods          po           v1           true         Pod\n\
                   services      svc          v1           true         Service\n\
                   deployments   deploy       apps/v1      true         Deployment\n";
        assert_eq!(check_api_resources(out), Ok(()));
        let without_pods: String = out
            .lines()
            .filter(|l| !l.starts_with("pods"))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = check_api_resources(&without_pods).expect_err("pods missing");
        assert!(err.contains("no pods row"), "{err}");
        assert!(check_api_resources("error: unknown command\n").is_err());
    }

    #[test]
    fn apply_file_holds_the_objects_apply_is_expected_to_print() {
        let text = apply_file();
        let mut printed = Vec::new();
        for doc in serde_norway::Deserializer::from_str(&text) {
            let obj = serde_json::Value::deserialize(doc).expect("valid YAML document");
            let kind = obj["kind"].as_str().expect("kind").to_lowercase();
            let kind = if obj["apiVersion"] == "apps/v1" {
                format!("{kind}.apps")
            } else {
                kind
            };
            let name = obj["metadata"]["name"].as_str().expect("name");
            printed.push(format!("{kind}/{name}"));
        }
        assert_eq!(printed, applied_names());
        assert_eq!(printed.len(), 20);
    }

    #[test]
    fn pods_are_named_for_the_get_pods_check() {
        let p: serde_json::Value = serde_json::from_slice(&pod(7)).expect("json");
        assert_eq!(p["metadata"]["name"], "bench-pod-007");
        assert_eq!(p["spec"]["containers"][0]["name"], "app");
    }

    #[test]
    fn medians_are_nearest_rank() {
        assert_eq!(median(&[30, 10, 20]), Some(20));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn failed_binaries_get_no_figures_and_a_missed_ratio() {
        let mut report = Report::new(false, crate::http::Protocol::Http1);
        let mut fast = Series::default();
        fast.push(&Run {
            wall: Duration::from_millis(10),
            cpu: Duration::from_millis(5),
            max_rss_kib: 10 * 1024,
            code: Some(0),
            timed_out: false,
            stdout: Vec::new(),
            stderr: Vec::new(),
        });
        report_command(
            &mut report,
            Command::GetPods,
            Err("keelctl get pods: exited 1: boom".into()),
            Some(Ok(fast)),
        );
        assert_eq!(report.value(NAME, "get pods: keelctl wall"), None);
        assert_eq!(report.value(NAME, "get pods: kubectl wall"), Some(10.0));
        let ratio = report
            .rows
            .iter()
            .find(|r| r.figure == "get pods: wall keelctl / kubectl")
            .expect("ratio row");
        assert_eq!(ratio.verdict, crate::report::Verdict::Miss);
        assert!(report.errors.iter().any(|e| e.message.contains("boom")));
    }

    #[test]
    fn ratios_are_judged_against_a_quarter_of_kubectl() {
        let series = |ms: u64, mib: u64| {
            let mut s = Series::default();
            s.push(&Run {
                wall: Duration::from_millis(ms),
                cpu: Duration::from_millis(ms / 2),
                max_rss_kib: mib * 1024,
                code: Some(0),
                timed_out: false,
                stdout: Vec::new(),
                stderr: Vec::new(),
            });
            s
        };
        let mut report = Report::new(false, crate::http::Protocol::Http1);
        report_command(
            &mut report,
            Command::ApiResources,
            Ok(series(20, 40)),
            Some(Ok(series(100, 80))),
        );
        let row = |f: &str| {
            report
                .rows
                .iter()
                .find(|r| r.figure == f)
                .map(|r| (r.value, r.verdict))
                .expect("row")
        };
        assert_eq!(
            row("api-resources: wall keelctl / kubectl"),
            (Some(0.2), crate::report::Verdict::Pass)
        );
        assert_eq!(
            row("api-resources: peak RSS keelctl / kubectl"),
            (Some(0.5), crate::report::Verdict::Miss)
        );
        assert_eq!(report.value(NAME, "api-resources: kubectl CPU"), Some(50.0));
    }

    #[test]
    fn without_kubectl_keelctl_is_reported_alone() {
        let mut report = Report::new(false, crate::http::Protocol::Http1);
        let mut s = Series::default();
        s.push(&Run {
            wall: Duration::from_millis(12),
            cpu: Duration::from_millis(6),
            max_rss_kib: 2048,
            code: Some(0),
            timed_out: false,
            stdout: Vec::new(),
            stderr: Vec::new(),
        });
        report_command(&mut report, Command::Apply, Ok(s), None);
        assert_eq!(report.value(NAME, "apply -f: keelctl peak RSS"), Some(2.0));
        assert!(report.rows.iter().all(|r| r.target.is_none()));
        assert!(report.rows.iter().all(|r| !r.figure.contains("kubectl")));
    }
}
