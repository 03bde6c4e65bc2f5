//! batch/v1: jobs (STATUS, COMPLETIONS, DURATION) and cron jobs.

use super::time::{human_duration, parse_time};
use super::{
    container_cells, format_label_selector, int, integer, list, name, no_conditions, string, text,
    Column, Doc, Now, Printer, AGE, CONTAINERS_DOC, IMAGES_DOC, NAME,
};
use serde_json::Value;

const CRON_JOB_SPEC: &str = "io.k8s.api.batch.v1.CronJobSpec";
const JOB_SELECTOR: Doc = Doc::Field("io.k8s.api.batch.v1.JobSpec", "selector");

/// The printer of a batch kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "Job" => &JOB,
        "CronJob" => &CRON_JOB,
        _ => return None,
    })
}

static JOB: Printer = Printer {
    columns: &[
        NAME,
        string("Status", Doc::Text("Status of the job.")),
        string(
            "Completions",
            Doc::Field("io.k8s.api.batch.v1.JobStatus", "succeeded"),
        ),
        string("Duration", Doc::Text("Time required to complete the job.")),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string("Selector", JOB_SELECTOR).wide(),
    ],
    cells: job_cells,
    conditions: no_conditions,
    reads: &[],
};

/// Whether the job's first condition of this type is true.
fn has_condition(job: &Value, type_: &str) -> bool {
    super::condition(&job["status"]["conditions"], type_).is_some_and(|c| c["status"] == "True")
}

fn job_status(job: &Value) -> &'static str {
    if has_condition(job, "Complete") {
        "Complete"
    } else if has_condition(job, "Failed") {
        "Failed"
    } else if !job["metadata"]["deletionTimestamp"].is_null() {
        "Terminating"
    } else if has_condition(job, "Suspended") {
        "Suspended"
    } else if has_condition(job, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

fn job_completions(job: &Value) -> String {
    let succeeded = int(&job["status"]["succeeded"]);
    match job["spec"]["completions"].as_i64() {
        Some(completions) => format!("{succeeded}/{completions}"),
        None => match int(&job["spec"]["parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    }
}

fn job_duration(job: &Value, now: &Now) -> String {
    let Some(start) = parse_time(&job["status"]["startTime"]) else {
        return String::new();
    };
    match parse_time(&job["status"]["completionTime"]) {
        Some(end) => human_duration(end.signed_duration_since(start).num_seconds()),
        None => now.since_time(start),
    }
}

fn job_cells(job: &Value, now: &Now) -> Vec<Value> {
    let (names, images) = container_cells(&job["spec"]["template"]["spec"]["containers"]);
    vec![
        name(job),
        Value::from(job_status(job)),
        Value::from(job_completions(job)),
        Value::from(job_duration(job, now)),
        Value::from(now.age(job)),
        names,
        images,
        Value::from(format_label_selector(&job["spec"]["selector"])),
    ]
}

static CRON_JOB: Printer = Printer {
    columns: &[
        NAME,
        string("Schedule", Doc::Field(CRON_JOB_SPEC, "schedule")),
        string("Timezone", Doc::Field(CRON_JOB_SPEC, "timeZone")),
        Column::new("Suspend", "boolean", Doc::Field(CRON_JOB_SPEC, "suspend")),
        integer(
            "Active",
            Doc::Field("io.k8s.api.batch.v1.CronJobStatus", "active"),
        ),
        string(
            "Last Schedule",
            Doc::Field("io.k8s.api.batch.v1.CronJobStatus", "lastScheduleTime"),
        ),
        AGE,
        string("Containers", CONTAINERS_DOC).wide(),
        string("Images", IMAGES_DOC).wide(),
        string("Selector", JOB_SELECTOR).wide(),
    ],
    cells: cron_job_cells,
    conditions: no_conditions,
    reads: &[],
};

fn cron_job_cells(cj: &Value, now: &Now) -> Vec<Value> {
    let spec = &cj["spec"];
    let job_spec = &spec["jobTemplate"]["spec"];
    let (names, images) = container_cells(&job_spec["template"]["spec"]["containers"]);
    // printBoolPtr: the cell is a string even though the column says boolean.
    let suspend = match spec["suspend"].as_bool() {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let last_schedule = match cj["status"]["lastScheduleTime"] {
        Value::Null => "<none>".to_string(),
        ref t => now.since(t),
    };
    vec![
        name(cj),
        Value::from(text(&spec["schedule"])),
        Value::from(spec["timeZone"].as_str().unwrap_or("<none>")),
        Value::from(suspend),
        Value::from(list(&cj["status"]["active"]).len()),
        Value::from(last_schedule),
        Value::from(now.age(cj)),
        names,
        images,
        Value::from(format_label_selector(&job_spec["selector"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn jobs() {
        let r = row(
            "batch",
            "Job",
            json!({"metadata": {"name": "pi", "creationTimestamp": "2024-05-01T11:50:00Z"},
            "spec": {"completions": 3, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}},
            "status": {"succeeded": 3, "startTime": "2024-05-01T11:50:00Z", "completionTime": "2024-05-01T11:51:12Z",
                "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "STATUS",
                "COMPLETIONS",
                "DURATION",
                "AGE",
                "CONTAINERS*",
                "IMAGES*",
                "SELECTOR*"
            ]
        );
        assert_eq!(cell(&r, "STATUS"), "Complete");
        assert_eq!(cell(&r, "COMPLETIONS"), "3/3");
        assert_eq!(cell(&r, "DURATION"), "72s");
        assert_eq!(
            cell(&r, "SELECTOR*"),
            "batch.kubernetes.io/controller-uid=u1"
        );

        let running = row(
            "batch",
            "Job",
            json!({"metadata": {"name": "w"}, "spec": {"parallelism": 4},
            "status": {"succeeded": 1, "startTime": "2024-05-01T11:57:00Z"}}),
        );
        assert_eq!(cell(&running, "STATUS"), "Running");
        assert_eq!(cell(&running, "COMPLETIONS"), "1/1 of 4");
        assert_eq!(cell(&running, "DURATION"), "3m");

        let new = row(
            "batch",
            "Job",
            json!({"metadata": {"name": "n"}, "spec": {"suspend": true},
            "status": {"conditions": [{"type": "Suspended", "status": "True"}]}}),
        );
        assert_eq!(
            (
                cell(&new, "STATUS"),
                cell(&new, "COMPLETIONS"),
                cell(&new, "DURATION")
            ),
            (&json!("Suspended"), &json!("0/1"), &json!(""))
        );
        let failed = row(
            "batch",
            "Job",
            json!({"metadata": {"name": "f"},
            "status": {"conditions": [{"type": "Failed", "status": "True"}]}}),
        );
        assert_eq!(cell(&failed, "STATUS"), "Failed");
    }

    #[test]
    fn cron_jobs() {
        let r = row(
            "batch",
            "CronJob",
            json!({"metadata": {"name": "nightly"},
            "spec": {"schedule": "0 3 * * *", "suspend": false, "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}},
            "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": "2024-05-01T03:00:00Z"}}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "SCHEDULE",
                "TIMEZONE",
                "SUSPEND",
                "ACTIVE",
                "LAST SCHEDULE",
                "AGE",
                "CONTAINERS*",
                "IMAGES*",
                "SELECTOR*"
            ]
        );
        assert_eq!(cell(&r, "TIMEZONE"), "<none>");
        assert_eq!(cell(&r, "SUSPEND"), "False");
        assert_eq!(cell(&r, "ACTIVE"), 1);
        assert_eq!(cell(&r, "LAST SCHEDULE"), "9h");
        assert_eq!(cell(&r, "SELECTOR*"), "<none>");
        let never = row(
            "batch",
            "CronJob",
            json!({"metadata": {"name": "n"}, "spec": {"schedule": "@hourly", "timeZone": "Etc/UTC"}}),
        );
        assert_eq!(
            (cell(&never, "LAST SCHEDULE"), cell(&never, "SUSPEND")),
            (&json!("<none>"), &json!("<unset>"))
        );
        assert_eq!(cell(&never, "TIMEZONE"), "Etc/UTC");
    }
}
