//! `table`: what `kubectl get pods` asks for, a LIST answered as a
//! server-side Table, over a namespace holding many realistic pods (a
//! container with ports, env and resources; labels; a status with
//! conditions and containerStatuses written through the status
//! subresource). Timed from request to the last byte, several runs.

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::{Endpoint, Media, Pool};
use crate::load::{closed_loop, LoadResult, OpResult};
use crate::objects::{create_namespace, excerpt};
use crate::report::{Report, Target};
use crate::stats::Samples;
use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "table";

/// kubectl's `Accept` for a Table of v1 objects, JSON as the fallback.
const TABLE: Media =
    Media::accepting("application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

/// A status patch is a JSON merge patch, as kubelets send them.
const MERGE_PATCH: Media = Media::sending("application/merge-patch+json");

/// What kubectl prints in the STATUS column for the status the bench writes.
const SHOWN_STATUS: &str = "ContainerCreating";

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    let pods = ctx.sizes.table_pods;
    create_namespace(&pool, &ns).await?;
    let ns_arc = Arc::new(ns.clone());
    let created = closed_loop(ctx.clients, Duration::from_secs(300), pods, {
        let (pool, ns) = (pool.clone(), ns_arc.clone());
        move |i| {
            let (pool, ns) = (pool.clone(), ns.clone());
            async move { create_pod(&pool, &ns, i).await }
        }
    })
    .await;
    complete(&ns, "creating pods", &created, pods)?;
    let updated = closed_loop(ctx.clients, Duration::from_secs(300), pods, {
        let (pool, ns) = (pool.clone(), ns_arc.clone());
        move |i| {
            let (pool, ns) = (pool.clone(), ns.clone());
            async move { patch_status(&pool, &ns, i).await }
        }
    })
    .await;
    complete(&ns, "writing pod status", &updated, pods)?;

    let path = format!("/api/v1/namespaces/{ns}/pods");
    // One untimed LIST checks that the answer is a complete Table showing
    // the written status, so the timed runs can trust the byte count.
    let first = pool.send_as(Method::GET, &path, None, &TABLE).await?;
    if first.status != StatusCode::OK {
        return Err(BenchError::Status {
            what: format!("LIST {path} as Table"),
            status: first.status.as_u16(),
            body: excerpt(&first.body),
        });
    }
    let rows = check_table(&first.body)?;
    if rows != pods as usize {
        return Err(BenchError::Http(format!(
            "LIST {path} as Table returned {rows} rows, expected {pods}"
        )));
    }
    let bytes = first.body.len();

    let cpu = ctx.cpu_window();
    let mut times = Samples::with_capacity(ctx.sizes.table_runs);
    for _ in 0..ctx.sizes.table_runs {
        let t = Instant::now();
        let reply = pool.send_as(Method::GET, &path, None, &TABLE).await?;
        let elapsed = t.elapsed();
        // Ages in the cells may grow by a digit between runs.
        if reply.status != StatusCode::OK || reply.body.len() + 64 * rows < bytes {
            return Err(BenchError::Http(format!(
                "LIST {path} as Table answered {} with {} bytes (first answer had {bytes})",
                reply.status,
                reply.body.len()
            )));
        }
        times.push(elapsed);
    }
    report.figure(
        NAME,
        "median",
        times.median_ms(),
        "ms",
        Target::below(150.0),
    );
    report.figure(
        NAME,
        "p99",
        times.percentile_ms(99.0),
        "ms",
        Target::below(150.0),
    );
    report.info(NAME, "rows per Table", Some(rows as f64), "");
    report.info(
        NAME,
        "body size",
        Some(bytes as f64 / (1024.0 * 1024.0)),
        "MiB",
    );
    report.cpu(NAME, "LISTs", cpu.finish());
    report.info(NAME, "runs", Some(times.len() as f64), "");
    Ok(())
}

fn complete(ns: &str, what: &str, load: &LoadResult, count: u64) -> Result<()> {
    if let Some(why) = load.failure_summary() {
        return Err(BenchError::Http(format!("{what} in {ns}: {why}")));
    }
    if load.ok < count {
        return Err(BenchError::Http(format!(
            "{what} in {ns}: only {} of {count} within the time limit",
            load.ok
        )));
    }
    Ok(())
}

fn pod_name(i: u64) -> String {
    format!("web-{i:07}")
}

async fn create_pod(pool: &Pool, ns: &str, i: u64) -> OpResult {
    let path = format!("/api/v1/namespaces/{ns}/pods");
    match pool.send(Method::POST, &path, Some(pod(i))).await {
        Ok(r) if r.status == StatusCode::CREATED => Ok(()),
        Ok(r) => Err(format!(
            "create pod answered {}: {}",
            r.status,
            excerpt(&r.body)
        )),
        Err(e) => Err(e.to_string()),
    }
}

async fn patch_status(pool: &Pool, ns: &str, i: u64) -> OpResult {
    let path = format!("/api/v1/namespaces/{ns}/pods/{}/status", pod_name(i));
    match pool
        .send_as(Method::PATCH, &path, Some(pod_status(i)), &MERGE_PATCH)
        .await
    {
        Ok(r) if r.status == StatusCode::OK => Ok(()),
        Ok(r) => Err(format!(
            "status patch answered {}: {}",
            r.status,
            excerpt(&r.body)
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A pod as a ReplicaSet would create it.
fn pod(i: u64) -> Bytes {
    let obj = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(i),
            "labels": {
                "app.kubernetes.io/name": "web",
                "app.kubernetes.io/part-of": "keelson-bench",
                "pod-template-hash": "7d9f8c6b5"
            }
        },
        "spec": {
            "containers": [{
                "name": "web",
                "image": "registry.example/bench/web:1.4.2",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "LISTEN", "value": ":8080"}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi"}
                }
            }]
        }
    });
    Bytes::from(obj.to_string())
}

/// The status of a pod whose container is still being created: kubectl
/// shows `0/1` and `ContainerCreating`.
fn pod_status(i: u64) -> Bytes {
    let at = "2026-01-01T00:00:00Z";
    let obj = json!({"status": {
        "phase": "Pending",
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": at},
            {"type": "Initialized", "status": "True", "lastTransitionTime": at},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady",
             "message": "containers with unready status: [web]", "lastTransitionTime": at},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
             "message": "containers with unready status: [web]", "lastTransitionTime": at}
        ],
        "containerStatuses": [{
            "name": "web",
            "image": "registry.example/bench/web:1.4.2",
            "imageID": "",
            "ready": false,
            "started": false,
            "restartCount": 0,
            "state": {"waiting": {"reason": SHOWN_STATUS}},
            "lastState": {}
        }],
        "hostIP": format!("10.0.{}.{}", (i / 250) % 250, i % 250 + 1),
        "startTime": at,
        "qosClass": "Burstable"
    }});
    Bytes::from(obj.to_string())
}

/// Checks that `body` is a Table with a Status column showing what the bench
/// wrote; returns its row count.
fn check_table(body: &[u8]) -> Result<usize> {
    let table: Value =
        serde_json::from_slice(body).map_err(|e| BenchError::Http(format!("Table body: {e}")))?;
    if table["kind"] != "Table" {
        return Err(BenchError::Http(format!(
            "LIST answered kind {} instead of Table",
            table["kind"]
        )));
    }
    let status_col = table["columnDefinitions"]
        .as_array()
        .and_then(|cols| cols.iter().position(|c| c["name"] == "Status"))
        .ok_or_else(|| BenchError::Http("Table has no Status column".into()))?;
    let rows = table["rows"]
        .as_array()
        .ok_or_else(|| BenchError::Http("Table has no rows".into()))?;
    if let Some(row) = rows.iter().find(|r| r["cells"][status_col] != SHOWN_STATUS) {
        return Err(BenchError::Http(format!(
            "a Table row shows Status {} instead of {SHOWN_STATUS}",
            row["cells"][status_col]
        )));
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_have_a_container_and_labels() {
        let p: Value = serde_json::from_slice(&pod(12)).expect("json");
        assert_eq!(p["metadata"]["name"], "web-0000012");
        assert_eq!(p["spec"]["containers"][0]["name"], "web");
        assert!(p["metadata"]["labels"]
            .as_object()
            .is_some_and(|l| l.len() == 3));
    }

    #[test]
    fn statuses_carry_conditions_and_container_statuses() {
        let s: Value = serde_json::from_slice(&pod_status(1)).expect("json");
        assert_eq!(s["status"]["conditions"].as_array().map(Vec::len), Some(4));
        assert_eq!(
            s["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            SHOWN_STATUS
        );
    }

    #[test]
    fn tables_are_checked_for_the_written_status() {
        let good = json!({"kind": "Table", "columnDefinitions": [{"name": "Name"}, {"name": "Status"}],
            "rows": [{"cells": ["a", SHOWN_STATUS]}, {"cells": ["b", SHOWN_STATUS]}]});
        assert_eq!(check_table(good.to_string().as_bytes()).expect("valid"), 2);
        let pending = json!({"kind": "Table", "columnDefinitions": [{"name": "Name"}, {"name": "Status"}],
            "rows": [{"cells": ["a", "Pending"]}]});
        assert!(check_table(pending.to_string().as_bytes()).is_err());
        let list = json!({"kind": "PodList", "items": []});
        assert!(check_table(list.to_string().as_bytes()).is_err());
    }
}
