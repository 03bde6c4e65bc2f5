//! The results: rows of (scenario, figure, value, target, verdict), printed
//! as a table or as JSON.

use serde::Serialize;

/// Which side of the target a figure must be on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// value ≥ target (throughput).
    AtLeast,
    /// value < target (latency, time, memory).
    Below,
}

/// A target a figure is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    /// Direction.
    pub bound: Bound,
    /// Threshold, in the row's unit.
    pub value: f64,
}

impl Target {
    /// `value ≥ v`.
    pub fn at_least(v: f64) -> Target {
        Target {
            bound: Bound::AtLeast,
            value: v,
        }
    }

    /// `value < v`.
    pub fn below(v: f64) -> Target {
        Target {
            bound: Bound::Below,
            value: v,
        }
    }

    fn met_by(&self, value: f64) -> bool {
        match self.bound {
            Bound::AtLeast => value >= self.value,
            Bound::Below => value < self.value,
        }
    }
}

/// Outcome of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Target met.
    Pass,
    /// Target missed (or nothing could be measured).
    Miss,
    /// No target: context for the other figures.
    Info,
    /// Quick mode: sizes are too small for the targets to mean anything.
    NotJudged,
    /// The scenario could not run.
    Error,
}

/// One figure.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Scenario name (`create`, `get`, ...).
    pub scenario: String,
    /// What was measured.
    pub figure: String,
    /// The measurement; `None` when nothing could be measured.
    pub value: Option<f64>,
    /// Unit of `value` and of the target.
    pub unit: String,
    /// Target, if the figure has one.
    pub target: Option<Target>,
    /// Outcome.
    pub verdict: Verdict,
}

/// The machine the figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Logical CPUs available to this process.
    pub cpus: usize,
    /// CPU model from /proc/cpuinfo.
    pub cpu_model: String,
    /// Total memory in MiB from /proc/meminfo.
    pub memory_mib: u64,
}

impl Machine {
    /// Reads the machine description from /proc (fields stay empty or zero
    /// where /proc does not tell).
    pub fn detect() -> Machine {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_mib = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb / 1024)
            .unwrap_or(0);
        Machine {
            cpus,
            cpu_model,
            memory_mib,
        }
    }
}

/// All figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether the run used the small quick sizes.
    pub quick: bool,
    /// HTTP version used for the API scenarios.
    pub protocol: crate::http::Protocol,
    /// Where it ran.
    pub machine: Machine,
    /// 1-minute load average when the run started and when it ended: other
    /// work on the machine shows here.
    pub load_average: [Option<f64>; 2],
    /// The figures, in the order measured.
    pub rows: Vec<Row>,
    /// Scenarios that could not run, and the first failed request of a
    /// phase, with the reason.
    pub errors: Vec<ScenarioError>,
}

/// A scenario that produced no figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioError {
    /// Scenario name.
    pub scenario: String,
    /// Why.
    pub message: String,
}

impl Report {
    /// An empty report.
    pub fn new(quick: bool, protocol: crate::http::Protocol) -> Report {
        Report {
            quick,
            protocol,
            machine: Machine::detect(),
            load_average: [crate::cpu::load_average(), None],
            rows: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Adds a judged figure.
    pub fn figure(
        &mut self,
        scenario: &str,
        figure: &str,
        value: Option<f64>,
        unit: &str,
        target: Target,
    ) {
        let verdict = if self.quick {
            Verdict::NotJudged
        } else {
            match value {
                Some(v) if target.met_by(v) => Verdict::Pass,
                _ => Verdict::Miss,
            }
        };
        self.rows.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            value,
            unit: unit.into(),
            target: Some(target),
            verdict,
        });
    }

    /// Adds a figure without target.
    pub fn info(&mut self, scenario: &str, figure: &str, value: Option<f64>, unit: &str) {
        self.rows.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            value,
            unit: unit.into(),
            target: None,
            verdict: Verdict::Info,
        });
    }

    /// Adds the failed-request count of a load phase as a figure (any
    /// failure is a miss) and keeps the first failure's message.
    pub fn failures(&mut self, scenario: &str, phase: &str, load: &crate::load::LoadResult) {
        self.figure(
            scenario,
            &format!("{phase} failed requests"),
            Some(load.failed as f64),
            "",
            Target::below(1.0),
        );
        if let Some(why) = load.failure_summary() {
            self.errors.push(ScenarioError {
                scenario: scenario.into(),
                message: format!("{phase}: {why}"),
            });
        }
    }

    /// Adds the cores used by the benchmark and the server during `phase`.
    pub fn cpu(&mut self, scenario: &str, phase: &str, used: crate::cpu::CpuUse) {
        self.info(
            scenario,
            &format!("bench CPU ({phase})"),
            used.bench,
            "cores",
        );
        if used.server.is_some() {
            self.info(
                scenario,
                &format!("server CPU ({phase})"),
                used.server,
                "cores",
            );
        }
    }

    /// Records that a scenario failed to run.
    pub fn error(&mut self, scenario: &str, message: String) {
        self.rows.push(Row {
            scenario: scenario.into(),
            figure: "error".into(),
            value: None,
            unit: String::new(),
            target: None,
            verdict: Verdict::Error,
        });
        self.errors.push(ScenarioError {
            scenario: scenario.into(),
            message,
        });
    }

    /// Moves the last row to just after the first row of `scenario` named
    /// `figure` (left last when there is none), so derived figures sit next
    /// to what they derive from.
    pub fn move_last_after(&mut self, scenario: &str, figure: &str) {
        self.move_last(scenario, figure, 1);
    }

    /// Moves the last row to just before the first row of `scenario` named `figure`.
    pub fn move_last_before(&mut self, scenario: &str, figure: &str) {
        self.move_last(scenario, figure, 0);
    }

    fn move_last(&mut self, scenario: &str, figure: &str, offset: usize) {
        let Some(at) = self
            .rows
            .iter()
            .position(|r| r.scenario == scenario && r.figure == figure)
        else {
            return;
        };
        if let Some(row) = self.rows.pop() {
            self.rows.insert((at + offset).min(self.rows.len()), row);
        }
    }

    /// The first recorded value of `figure` in `scenario`.
    pub fn value(&self, scenario: &str, figure: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.scenario == scenario && r.figure == figure)
            .and_then(|r| r.value)
    }

    /// The report as an aligned text table.
    pub fn table(&self) -> String {
        let header = ["scenario", "figure", "value", "target", "verdict"];
        let mut cells: Vec<[String; 5]> = vec![header.map(String::from)];
        for r in &self.rows {
            let value = match r.value {
                Some(v) => format!("{} {}", number(v), r.unit),
                None => "-".into(),
            };
            let target = match r.target {
                Some(t) => {
                    let op = if t.bound == Bound::AtLeast { ">=" } else { "<" };
                    format!("{op} {} {}", number(t.value), r.unit)
                }
                None => String::new(),
            };
            let verdict = match r.verdict {
                Verdict::Pass => "pass",
                Verdict::Miss => "MISS",
                Verdict::Info => "",
                Verdict::NotJudged => "(quick)",
                Verdict::Error => "ERROR",
            };
            cells.push([
                r.scenario.clone(),
                r.figure.clone(),
                value,
                target,
                verdict.into(),
            ]);
        }
        let mut widths = [0usize; 5];
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let load = |l: Option<f64>| l.map_or("?".to_string(), |v| format!("{v:.2}"));
        let mut out = format!(
            "machine: {} CPUs ({}), {} MiB; load average {} at start, {} at end; {:?}{}\n\n",
            self.machine.cpus,
            self.machine.cpu_model,
            self.machine.memory_mib,
            load(self.load_average[0]),
            load(self.load_average[1]),
            self.protocol,
            if self.quick { "; quick sizes" } else { "" },
        );
        for (i, row) in cells.iter().enumerate() {
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(col, (c, w))| {
                    // Numbers read better right-aligned.
                    if col == 2 || col == 3 {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
            if i == 0 {
                out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 8));
                out.push('\n');
            }
        }
        for e in &self.errors {
            out.push_str(&format!("error in {}: {}\n", e.scenario, e.message));
        }
        out
    }
}

/// Thousands-separated integers from 100 up (and for whole numbers), three
/// significant digits below.
fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        let n = v.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Protocol;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(number(5432.4), "5,432");
        assert_eq!(number(100_000.0), "100,000");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(0.4567), "0.46");
        assert_eq!(number(64.0), "64");
        assert_eq!(number(0.0), "0");
    }

    #[test]
    fn figures_are_judged_against_targets() {
        let mut r = Report::new(false, Protocol::Http1);
        r.figure(
            "create",
            "throughput",
            Some(6000.0),
            "/s",
            Target::at_least(5000.0),
        );
        r.figure("create", "p99", Some(60.0), "ms", Target::below(50.0));
        r.figure("list", "median", None, "ms", Target::below(100.0));
        let verdicts: Vec<Verdict> = r.rows.iter().map(|r| r.verdict).collect();
        assert_eq!(verdicts, [Verdict::Pass, Verdict::Miss, Verdict::Miss]);
        let table = r.table();
        assert!(table.contains("6,000 /s"), "{table}");
        assert!(table.contains(">= 5,000 /s"), "{table}");
        assert!(table.contains("MISS"), "{table}");
    }

    #[test]
    fn derived_rows_move_next_to_their_source() {
        let mut r = Report::new(false, Protocol::Http1);
        r.info("patch", "apply throughput", Some(10.0), "/s");
        r.info("patch", "apply p99 latency", Some(5.0), "ms");
        r.figure(
            "patch",
            "apply / create",
            Some(0.4),
            "x",
            Target::at_least(0.5),
        );
        r.move_last_after("patch", "apply throughput");
        r.info("patch", "create throughput", Some(25.0), "/s");
        r.move_last_before("patch", "apply throughput");
        r.info("patch", "unplaced", None, "");
        r.move_last_after("patch", "no such figure");
        let figures: Vec<&str> = r.rows.iter().map(|r| r.figure.as_str()).collect();
        assert_eq!(
            figures,
            [
                "create throughput",
                "apply throughput",
                "apply / create",
                "apply p99 latency",
                "unplaced"
            ]
        );
        assert_eq!(r.rows[2].verdict, Verdict::Miss);
    }

    #[test]
    fn quick_runs_are_not_judged() {
        let mut r = Report::new(true, Protocol::Http2);
        r.figure(
            "create",
            "throughput",
            Some(1.0),
            "/s",
            Target::at_least(5000.0),
        );
        assert_eq!(r.rows[0].verdict, Verdict::NotJudged);
        let json = serde_json::to_value(&r).expect("serializable");
        assert_eq!(json["rows"][0]["verdict"], "not_judged");
        assert_eq!(json["rows"][0]["target"]["bound"], "at_least");
    }
}
