//! `patch`: the two patch types kubectl leans on, each from concurrent
//! clients that keep to one object apiece (closed loop), so the figures are
//! the server's patch path and not conflict retries:
//!
//! - strategic merge patch of a two-container Deployment (one container's
//!   image, or one env var of the other, changes per request);
//! - server-side apply (`force=true`) of a 1 KiB ConfigMap whose data
//!   changes per request.
//!
//! Targets are relative to the create rate of the same run; `main` adds
//! those ratio rows once both scenarios have run.

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::{Endpoint, Media, Pool};
use crate::load::{closed_loop_per_client, LoadResult, OpResult};
use crate::objects::{create_namespace, excerpt, PAYLOAD_BYTES};
use crate::report::Report;
use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

const NAME: &str = "patch";

/// `Content-Type` of a strategic merge patch.
const STRATEGIC: Media = Media::sending("application/strategic-merge-patch+json");

/// `Content-Type` of a server-side apply (kubectl sends the object as JSON, which is YAML).
const APPLY: Media = Media::sending("application/apply-patch+yaml");

/// The field manager of the applies.
const MANAGER: &str = "bench";

/// Figure names whose rate `main` compares with the create rate.
pub const RATE_FIGURES: [(&str, &str); 2] = [
    (
        "strategic merge throughput",
        "strategic merge / create throughput",
    ),
    ("apply throughput", "apply / create throughput"),
];

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    create_namespace(&pool, &ns).await?;
    let clients = ctx.clients;
    let setup = closed_loop_per_client(
        clients,
        std::time::Duration::from_secs(120),
        clients as u64,
        {
            let (pool, ns) = (pool.clone(), Arc::new(ns.clone()));
            move |_, i| {
                let (pool, ns) = (pool.clone(), ns.clone());
                async move { set_up_object(&pool, &ns, i as usize).await }
            }
        },
    )
    .await;
    if let Some(why) = setup.failure_summary() {
        return Err(BenchError::Http(format!("setting up {ns}: {why}")));
    }

    let ns = Arc::new(ns);
    let cpu = ctx.cpu_window();
    let smp = closed_loop_per_client(clients, ctx.sizes.patch_duration, ctx.sizes.patch_max, {
        let (pool, ns) = (pool.clone(), ns.clone());
        move |client, i| {
            let (pool, ns) = (pool.clone(), ns.clone());
            async move {
                let path = deployment_path(&ns, client);
                let body = deployment_patch(i);
                expect_ok(&pool, &path, body, &STRATEGIC, "strategic merge patch").await
            }
        }
    })
    .await;
    record(
        report,
        "strategic merge",
        "Deployment, 2 containers",
        smp,
        cpu.finish(),
    );
    verify_deployments(&pool, &ns, clients).await?;

    let cpu = ctx.cpu_window();
    let applies = closed_loop_per_client(clients, ctx.sizes.patch_duration, ctx.sizes.patch_max, {
        let (pool, ns) = (pool.clone(), ns.clone());
        move |client, i| {
            let (pool, ns) = (pool.clone(), ns.clone());
            async move {
                let path = apply_path(&ns, client);
                let body = applied_configmap(client, i);
                expect_ok(&pool, &path, body, &APPLY, "apply").await
            }
        }
    })
    .await;
    record(report, "apply", "ConfigMap, 1 KiB", applies, cpu.finish());
    verify_configmaps(&pool, &ns, clients).await?;
    report.info(
        NAME,
        "concurrent clients (one object each)",
        Some(clients as f64),
        "",
    );
    Ok(())
}

/// Adds one phase's figures. The throughput target is the ratio `main` adds.
fn record(
    report: &mut Report,
    kind: &str,
    object: &str,
    mut load: LoadResult,
    cpu: crate::cpu::CpuUse,
) {
    report.info(NAME, &format!("{kind} throughput"), Some(load.rate()), "/s");
    report.info(
        NAME,
        &format!("{kind} p50 latency"),
        load.samples.median_ms(),
        "ms",
    );
    report.info(
        NAME,
        &format!("{kind} p99 latency"),
        load.samples.percentile_ms(99.0),
        "ms",
    );
    report.info(
        NAME,
        &format!("{kind} patches ({object})"),
        Some(load.ok as f64),
        "",
    );
    report.cpu(NAME, kind, cpu);
    report.failures(NAME, kind, &load);
}

/// Creates client `i`'s Deployment and applies its ConfigMap once, so the
/// measured applies update an object the manager already owns.
async fn set_up_object(pool: &Pool, ns: &str, i: usize) -> OpResult {
    let reply = pool
        .send(Method::POST, &deployments_path(ns), Some(deployment(i)))
        .await
        .map_err(|e| e.to_string())?;
    if reply.status != StatusCode::CREATED {
        return Err(format!(
            "create Deployment answered {}: {}",
            reply.status,
            excerpt(&reply.body)
        ));
    }
    let reply = pool
        .send_as(
            Method::PATCH,
            &apply_path(ns, i),
            Some(applied_configmap(i, 0)),
            &APPLY,
        )
        .await
        .map_err(|e| e.to_string())?;
    match reply.status {
        StatusCode::CREATED | StatusCode::OK => Ok(()),
        status => Err(format!(
            "first apply answered {status}: {}",
            excerpt(&reply.body)
        )),
    }
}

async fn expect_ok(pool: &Pool, path: &str, body: Bytes, media: &Media, what: &str) -> OpResult {
    match pool.send_as(Method::PATCH, path, Some(body), media).await {
        Ok(r) if r.status == StatusCode::OK => Ok(()),
        Ok(r) => Err(format!(
            "{what} of {path} answered {}: {}",
            r.status,
            excerpt(&r.body)
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn deployments_path(ns: &str) -> String {
    format!("/apis/apps/v1/namespaces/{ns}/deployments")
}

fn deployment_name(i: usize) -> String {
    format!("web-{i:03}")
}

fn deployment_path(ns: &str, i: usize) -> String {
    format!("{}/{}", deployments_path(ns), deployment_name(i))
}

fn configmap_name(i: usize) -> String {
    format!("applied-{i:03}")
}

fn apply_path(ns: &str, i: usize) -> String {
    format!(
        "/api/v1/namespaces/{ns}/configmaps/{}?fieldManager={MANAGER}&force=true",
        configmap_name(i)
    )
}

/// A Deployment as a chart would write it: an app container and a sidecar,
/// each with ports, env and resources.
fn deployment(i: usize) -> Bytes {
    let name = deployment_name(i);
    let labels =
        json!({"app.kubernetes.io/name": "keelson-bench", "app.kubernetes.io/instance": name});
    let obj = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.example/bench/app:1.0.0",
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [
                                {"name": "MODE", "value": "bench"},
                                {"name": "REVISION", "value": "0"}
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "64Mi"},
                                "limits": {"memory": "128Mi"}
                            },
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}}
                        },
                        {
                            "name": "proxy",
                            "image": "registry.example/bench/proxy:2.3.1",
                            "args": ["--listen=:9090", "--upstream=127.0.0.1:8080"],
                            "ports": [{"name": "metrics", "containerPort": 9090}],
                            "env": [{"name": "LOG_LEVEL", "value": "info"}]
                        }
                    ]
                }
            }
        }
    });
    Bytes::from(obj.to_string())
}

/// The i-th patch: even ones move the app container to a new image, odd
/// ones change the proxy's LOG_LEVEL. Both name the container (and env var)
/// by its merge key, so the other container and the other env vars stay.
fn deployment_patch(i: u64) -> Bytes {
    let patch = if i % 2 == 0 {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": format!("registry.example/bench/app:1.0.{i}")}
        ]}}}})
    } else {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "proxy", "env": [{"name": "LOG_LEVEL", "value": format!("debug-{i}")}]}
        ]}}}})
    };
    Bytes::from(patch.to_string())
}

/// Client `client`'s ConfigMap, with a 1 KiB `data.payload` that starts
/// with the request number so every apply changes it.
fn applied_configmap(client: usize, i: u64) -> Bytes {
    let mut payload = format!("{i:020}-");
    let filler = b"abcdefghijklmnopqrstuvwxyz0123456789";
    while payload.len() < PAYLOAD_BYTES {
        payload.push(char::from(filler[payload.len() % filler.len()]));
    }
    let obj = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": configmap_name(client), "labels": {"app": "keelson-bench"}},
        "data": {"payload": payload},
    });
    Bytes::from(obj.to_string())
}

/// A patch that replaced the container list instead of merging into it
/// would still answer 200; this catches it.
async fn verify_deployments(pool: &Pool, ns: &str, clients: usize) -> Result<()> {
    for i in 0..clients {
        let obj = get_json(pool, &deployment_path(ns, i)).await?;
        let containers = &obj["spec"]["template"]["spec"]["containers"];
        let names: Vec<&str> = containers
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        let app_env = containers[0]["env"].as_array().map_or(0, Vec::len);
        if names != ["app", "proxy"] || app_env != 2 {
            return Err(BenchError::Http(format!(
                "Deployment {} after strategic merge patches: containers {names:?}, app env vars {app_env}; expected [\"app\", \"proxy\"] and 2",
                deployment_name(i)
            )));
        }
    }
    Ok(())
}

/// Each applied ConfigMap is owned by the bench manager through Apply.
async fn verify_configmaps(pool: &Pool, ns: &str, clients: usize) -> Result<()> {
    for i in 0..clients {
        let path = format!("/api/v1/namespaces/{ns}/configmaps/{}", configmap_name(i));
        let obj = get_json(pool, &path).await?;
        let applied = obj["metadata"]["managedFields"]
            .as_array()
            .is_some_and(|m| {
                m.iter()
                    .any(|e| e["manager"] == MANAGER && e["operation"] == "Apply")
            });
        let size = obj["data"]["payload"].as_str().map_or(0, str::len);
        if !applied || size != PAYLOAD_BYTES {
            return Err(BenchError::Http(format!(
                "ConfigMap {} after applies: Apply entry of {MANAGER:?} in managedFields: {applied}, payload {size} bytes",
                configmap_name(i)
            )));
        }
    }
    Ok(())
}

async fn get_json(pool: &Pool, path: &str) -> Result<Value> {
    let reply = pool.send(Method::GET, path, None).await?;
    if reply.status != StatusCode::OK {
        return Err(BenchError::Status {
            what: format!("GET {path}"),
            status: reply.status.as_u16(),
            body: excerpt(&reply.body),
        });
    }
    serde_json::from_slice(&reply.body).map_err(|e| BenchError::Http(format!("GET {path}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_alternate_between_image_and_env() {
        let image: Value = serde_json::from_slice(&deployment_patch(4)).expect("json");
        let c = &image["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["name"], "app");
        assert_eq!(c["image"], "registry.example/bench/app:1.0.4");
        let env: Value = serde_json::from_slice(&deployment_patch(7)).expect("json");
        let c = &env["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["name"], "proxy");
        assert_eq!(
            c["env"][0],
            json!({"name": "LOG_LEVEL", "value": "debug-7"})
        );
    }

    #[test]
    fn deployments_have_two_containers_matching_their_selector() {
        let d: Value = serde_json::from_slice(&deployment(5)).expect("json");
        assert_eq!(d["metadata"]["name"], "web-005");
        assert_eq!(
            d["spec"]["selector"]["matchLabels"],
            d["spec"]["template"]["metadata"]["labels"]
        );
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn applied_configmaps_are_1kib_and_change_every_time() {
        let a: Value = serde_json::from_slice(&applied_configmap(3, 1)).expect("json");
        let b: Value = serde_json::from_slice(&applied_configmap(3, 2)).expect("json");
        assert_eq!(a["metadata"]["name"], "applied-003");
        assert_eq!(
            a["data"]["payload"].as_str().map(str::len),
            Some(PAYLOAD_BYTES)
        );
        assert_ne!(a["data"], b["data"]);
    }

    #[test]
    fn applies_force_the_bench_manager() {
        assert_eq!(
            apply_path("ns", 2),
            "/api/v1/namespaces/ns/configmaps/applied-002?fieldManager=bench&force=true"
        );
    }
}
