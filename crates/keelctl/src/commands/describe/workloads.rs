//! Describers for workload controllers: Deployment, ReplicaSet, Job, CronJob.

use super::events::{finish, Events};
use super::pods::{controller_of, describe_pod_template};
use super::writer::{
    conditions_table, creation_timestamp, header, int_at, labels_annotations, name_namespace,
    rfc1123z, selector_string, str_at, text, PrefixWriter, L0,
};
use serde_json::Value;

/// Pod phase counts of a controller's pods (`getPodStatusForController`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PodCounts {
    /// Running pods.
    pub running: usize,
    /// Pending pods.
    pub waiting: usize,
    /// Succeeded pods.
    pub succeeded: usize,
    /// Failed pods.
    pub failed: usize,
}

impl PodCounts {
    /// Counts the pods controlled by `uid`.
    pub fn of(pods: &[Value], uid: &str) -> PodCounts {
        let mut c = PodCounts::default();
        for p in pods {
            let owned = p
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|r| {
                    r.get("controller").and_then(Value::as_bool) == Some(true)
                        && str_at(r, "/uid") == uid
                });
            if !owned {
                continue;
            }
            match str_at(p, "/status/phase") {
                "Running" => c.running += 1,
                "Pending" => c.waiting += 1,
                "Succeeded" => c.succeeded += 1,
                "Failed" => c.failed += 1,
                _ => {}
            }
        }
        c
    }

    /// `N Running / N Waiting / N Succeeded / N Failed`.
    pub fn line(&self) -> String {
        format!(
            "{} Running / {} Waiting / {} Succeeded / {} Failed",
            self.running, self.waiting, self.succeeded, self.failed
        )
    }
}

/// The `Conditions:` table of a controller (`Type`, `Status`, `Reason`), when it has any.
pub fn conditions_section(w: &mut PrefixWriter, obj: &Value) {
    let Some(conds) = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
    else {
        return;
    };
    conditions_table(
        w,
        conds,
        &[
            ("Type", "----", "type", true),
            ("Status", "------", "status", false),
            ("Reason", "------", "reason", false),
        ],
    );
}

/// An int-or-string as `intstr.String()` prints it.
fn intstr(v: Option<&Value>) -> String {
    v.map(text).unwrap_or_else(|| "0".into())
}

/// kubectl's `describeDeployment`; `rs` holds (old, new) replica sets when any were found.
pub fn describe_deployment(
    d: &Value,
    rs: Option<(Vec<Value>, Vec<Value>)>,
    events: Option<&Events>,
) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, d, true);
    creation_timestamp(&mut w, d);
    labels_annotations(&mut w, d);
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            selector_string(d.pointer("/spec/selector").unwrap_or(&Value::Null))
        ),
    );
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            int_at(d, "/spec/replicas"),
            int_at(d, "/status/updatedReplicas"),
            int_at(d, "/status/replicas"),
            int_at(d, "/status/availableReplicas"),
            int_at(d, "/status/unavailableReplicas")
        ),
    );
    w.write(
        L0,
        &format!("StrategyType:\t{}\n", str_at(d, "/spec/strategy/type")),
    );
    w.write(
        L0,
        &format!("MinReadySeconds:\t{}\n", int_at(d, "/spec/minReadySeconds")),
    );
    if let Some(ru) = d.pointer("/spec/strategy/rollingUpdate") {
        w.write(
            L0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                intstr(ru.get("maxUnavailable")),
                intstr(ru.get("maxSurge"))
            ),
        );
    }
    describe_pod_template(&mut w, d.pointer("/spec/template"));
    conditions_section(&mut w, d);
    if let Some((old, new)) = rs.filter(|(o, n)| !o.is_empty() || !n.is_empty()) {
        w.write(
            L0,
            &format!("OldReplicaSets:\t{}\n", replica_sets_text(&old)),
        );
        w.write(
            L0,
            &format!("NewReplicaSet:\t{}\n", replica_sets_text(&new)),
        );
    }
    finish(w, events)
}

fn replica_sets_text(list: &[Value]) -> String {
    if list.is_empty() {
        return "<none>".into();
    }
    list.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                str_at(rs, "/metadata/name"),
                int_at(rs, "/status/replicas"),
                int_at(rs, "/spec/replicas")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// deploymentutil's split of a Deployment's ReplicaSets: the one whose pod
/// template equals the Deployment's (ignoring `pod-template-hash`) is new,
/// the other controlled ones are old.
pub fn split_replica_sets(d: &Value, all: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let uid = str_at(d, "/metadata/uid");
    let mut owned: Vec<Value> = all
        .iter()
        .filter(|rs| {
            rs.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|r| {
                    r.get("controller").and_then(Value::as_bool) == Some(true)
                        && str_at(r, "/uid") == uid
                })
        })
        .cloned()
        .collect();
    owned.sort_by(|a, b| {
        str_at(a, "/metadata/creationTimestamp")
            .cmp(str_at(b, "/metadata/creationTimestamp"))
            .then_with(|| str_at(a, "/metadata/name").cmp(str_at(b, "/metadata/name")))
    });
    let want = d.pointer("/spec/template");
    let new_index = owned
        .iter()
        .position(|rs| equal_ignore_hash(rs.pointer("/spec/template"), want));
    let new: Vec<Value> = new_index.map(|i| vec![owned.remove(i)]).unwrap_or_default();
    (owned, new)
}

/// deploymentutil's `EqualIgnoreHash` under apimachinery's semantic
/// equality: the hash label ignored, and absent fields equal to zero values
/// (typed structs cannot tell `resources: {}` from no `resources`).
pub fn equal_ignore_hash(a: Option<&Value>, b: Option<&Value>) -> bool {
    semantic(&without_hash(a)) == semantic(&without_hash(b))
}

/// Drops nulls, `false`, `0`, `""`, empty maps and lists, recursively.
fn semantic(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), semantic(v)))
                .filter(|(_, v)| !is_zero(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(semantic).collect()),
        other => other.clone(),
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// A pod template without the `pod-template-hash` label (`EqualIgnoreHash`).
pub fn without_hash(t: Option<&Value>) -> Value {
    let mut t = t.cloned().unwrap_or(Value::Null);
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    t
}

/// kubectl's `describeReplicaSet`.
pub fn describe_replica_set(rs: &Value, pods: &PodCounts, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, rs, true);
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            super::writer::format_label_selector(rs.pointer("/spec/selector"))
        ),
    );
    labels_annotations(&mut w, rs);
    if let Some(c) = controller_of(rs) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    w.write(
        L0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int_at(rs, "/status/replicas"),
            int_at(rs, "/spec/replicas")
        ),
    );
    w.write(L0, "Pods Status:\t");
    w.write(L0, &format!("{}\n", pods.line()));
    describe_pod_template(&mut w, rs.pointer("/spec/template"));
    conditions_section(&mut w, rs);
    finish(w, events)
}

/// kubectl's `describeJob`.
pub fn describe_job(job: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    name_namespace(&mut w, job, true);
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            selector_string(job.pointer("/spec/selector").unwrap_or(&Value::Null))
        ),
    );
    labels_annotations(&mut w, job);
    if let Some(c) = controller_of(job) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    if let Some(p) = job.pointer("/spec/parallelism") {
        w.write(L0, &format!("Parallelism:\t{}\n", text(p)));
    }
    match job.pointer("/spec/completions") {
        Some(c) => w.write(L0, &format!("Completions:\t{}\n", text(c))),
        None => w.write(L0, "Completions:\t<unset>\n"),
    }
    if let Some(m) = job.pointer("/spec/completionMode") {
        w.write(L0, &format!("Completion Mode:\t{}\n", text(m)));
    }
    if let Some(s) = job.pointer("/spec/suspend") {
        w.write(L0, &format!("Suspend:\t{}\n", text(s)));
    }
    if let Some(b) = job.pointer("/spec/backoffLimit") {
        w.write(L0, &format!("Backoff Limit:\t{}\n", text(b)));
    }
    if let Some(t) = job.pointer("/spec/ttlSecondsAfterFinished") {
        w.write(L0, &format!("TTL Seconds After Finished:\t{}\n", text(t)));
    }
    let start = str_at(job, "/status/startTime");
    if !start.is_empty() {
        w.write(L0, &format!("Start Time:\t{}\n", rfc1123z(start)));
    }
    let done = str_at(job, "/status/completionTime");
    if !done.is_empty() {
        w.write(L0, &format!("Completed At:\t{}\n", rfc1123z(done)));
    }
    if let (Ok(s), Ok(d)) = (
        chrono::DateTime::parse_from_rfc3339(start),
        chrono::DateTime::parse_from_rfc3339(done),
    ) {
        w.write(
            L0,
            &format!(
                "Duration:\t{}\n",
                crate::printers::human_duration((d - s).num_seconds())
            ),
        );
    }
    if let Some(a) = job.pointer("/spec/activeDeadlineSeconds") {
        w.write(L0, &format!("Active Deadline Seconds:\t{}s\n", text(a)));
    }
    let (active, succeeded, failed) = (
        int_at(job, "/status/active"),
        int_at(job, "/status/succeeded"),
        int_at(job, "/status/failed"),
    );
    match job.pointer("/status/ready").and_then(Value::as_i64) {
        None => w.write(L0, &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n")),
        Some(r) => w.write(
            L0,
            &format!("Pods Statuses:\t{active} Active ({r} Ready) / {succeeded} Succeeded / {failed} Failed\n"),
        ),
    }
    if str_at(job, "/spec/completionMode") == "Indexed" {
        let idx = str_at(job, "/status/completedIndexes");
        w.write(
            L0,
            &format!(
                "Completed Indexes:\t{}\n",
                if idx.is_empty() { "<none>" } else { idx }
            ),
        );
    }
    describe_pod_template(&mut w, job.pointer("/spec/template"));
    finish(w, events)
}

/// kubectl's `describeCronJob`.
pub fn describe_cronjob(cj: &Value, events: Option<&Events>) -> String {
    let mut w = PrefixWriter::default();
    header(&mut w, cj, true);
    w.write(
        L0,
        &format!("Schedule:\t{}\n", str_at(cj, "/spec/schedule")),
    );
    w.write(
        L0,
        &format!(
            "Concurrency Policy:\t{}\n",
            str_at(cj, "/spec/concurrencyPolicy")
        ),
    );
    let suspend = match cj.pointer("/spec/suspend").and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    w.write(L0, &format!("Suspend:\t{suspend}\n"));
    match cj.pointer("/spec/timeZone").and_then(Value::as_str) {
        Some(tz) => w.write(L0, &format!("Time Zone:\t{tz}\n")),
        None => w.write(L0, "Time Zone:\t<unset>\n"),
    }
    for (field, title) in [
        ("successfulJobsHistoryLimit", "Successful Job History Limit"),
        ("failedJobsHistoryLimit", "Failed Job History Limit"),
    ] {
        match cj.pointer(&format!("/spec/{field}")) {
            Some(v) => w.write(L0, &format!("{title}:\t{}\n", text(v))),
            None => w.write(L0, &format!("{title}:\t<unset>\n")),
        }
    }
    match cj.pointer("/spec/startingDeadlineSeconds") {
        Some(v) => w.write(L0, &format!("Starting Deadline Seconds:\t{}s\n", text(v))),
        None => w.write(L0, "Starting Deadline Seconds:\t<unset>\n"),
    }
    let jt = cj
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or(Value::Null);
    match jt.pointer("/spec/selector") {
        Some(s) => w.write(L0, &format!("Selector:\t{}\n", selector_string(s))),
        None => w.write(L0, "Selector:\t<unset>\n"),
    }
    for (field, title) in [
        ("parallelism", "Parallelism"),
        ("completions", "Completions"),
    ] {
        match jt.pointer(&format!("/spec/{field}")) {
            Some(v) => w.write(L0, &format!("{title}:\t{}\n", text(v))),
            None => w.write(L0, &format!("{title}:\t<unset>\n")),
        }
    }
    if let Some(a) = jt.pointer("/spec/activeDeadlineSeconds") {
        w.write(L0, &format!("Active Deadline Seconds:\t{}s\n", text(a)));
    }
    describe_pod_template(&mut w, jt.pointer("/spec/template"));
    let last = str_at(cj, "/status/lastScheduleTime");
    if last.is_empty() {
        w.write(L0, "Last Schedule Time:\t<unset>\n");
    } else {
        w.write(L0, &format!("Last Schedule Time:\t{}\n", rfc1123z(last)));
    }
    w.write(L0, "Active Jobs:\t");
    let active: Vec<&str> = cj
        .pointer("/status/active")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| str_at(r, "/name"))
        .collect();
    if active.is_empty() {
        w.line("<none>");
    } else {
        w.write(L0, &active.join(", "));
        w.line("");
    }
    finish(w, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_and_old_replica_sets() {
        let d = json!({"metadata": {"uid": "d1"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"image": "b"}]}}}});
        let owner = json!([{"controller": true, "uid": "d1"}]);
        let old = json!({"metadata": {"name": "web-1", "creationTimestamp": "2026-01-01T00:00:00Z", "ownerReferences": owner},
            "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "1"}}, "spec": {"containers": [{"image": "a"}]}}}});
        let new = json!({"metadata": {"name": "web-2", "creationTimestamp": "2026-01-02T00:00:00Z", "ownerReferences": owner},
            "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "2"}}, "spec": {"containers": [{"image": "b"}]}}}});
        let (o, n) = split_replica_sets(&d, &[new.clone(), old.clone()]);
        assert_eq!(o, vec![old]);
        assert_eq!(n, vec![new]);
    }

    #[test]
    fn pod_counts_only_owned() {
        let pods = vec![
            json!({"metadata": {"ownerReferences": [{"controller": true, "uid": "u"}]}, "status": {"phase": "Running"}}),
            json!({"metadata": {}, "status": {"phase": "Running"}}),
            json!({"metadata": {"ownerReferences": [{"controller": true, "uid": "u"}]}, "status": {"phase": "Pending"}}),
        ];
        assert_eq!(
            PodCounts::of(&pods, "u"),
            PodCounts {
                running: 1,
                waiting: 1,
                succeeded: 0,
                failed: 0
            }
        );
    }
}
