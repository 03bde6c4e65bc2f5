//! The objects the benchmark writes and the API calls that set up a
//! scenario (namespace, bulk population).

use crate::error::{BenchError, Result};
use crate::http::Pool;
use crate::load::{closed_loop, LoadResult};
use bytes::Bytes;
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// Size of the `data.payload` value of every benchmark ConfigMap.
pub const PAYLOAD_BYTES: usize = 1024;

/// Annotation on watch-scenario writes: nanoseconds since the benchmark's
/// clock origin at the moment the write was sent.
pub const SENT_ANNOTATION: &str = "bench.keelson.dev/sent-ns";

/// Collection path of ConfigMaps in `namespace`.
pub fn configmaps_path(namespace: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/configmaps")
}

/// Name of the i-th benchmark ConfigMap.
pub fn configmap_name(i: u64) -> String {
    format!("cm-{i:07}")
}

/// A ConfigMap named `name` with a 1 KiB payload and the given annotations.
pub fn configmap(name: &str, annotations: &[(&str, String)]) -> Bytes {
    static PAYLOAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let payload = PAYLOAD.get_or_init(|| {
        (0..PAYLOAD_BYTES)
            .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]))
            .collect()
    });
    let mut metadata = serde_json::json!({ "name": name, "labels": { "app": "keelson-bench" } });
    if !annotations.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = annotations
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
            .collect();
        metadata["annotations"] = serde_json::Value::Object(map);
    }
    let obj = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": { "payload": payload },
    });
    Bytes::from(obj.to_string())
}

/// Creates `name`; an existing namespace is fine.
pub async fn create_namespace(pool: &Pool, name: &str) -> Result<()> {
    let body = serde_json::json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } });
    let reply = pool
        .send(
            Method::POST,
            "/api/v1/namespaces",
            Some(Bytes::from(body.to_string())),
        )
        .await?;
    match reply.status {
        StatusCode::CREATED | StatusCode::OK | StatusCode::CONFLICT => Ok(()),
        status => Err(BenchError::Status {
            what: format!("create namespace {name}"),
            status: status.as_u16(),
            body: excerpt(&reply.body),
        }),
    }
}

/// POSTs one ConfigMap and expects `201 Created`.
pub async fn create_configmap(
    pool: &Pool,
    namespace: &str,
    body: Bytes,
) -> std::result::Result<(), String> {
    match pool
        .send(Method::POST, &configmaps_path(namespace), Some(body))
        .await
    {
        Ok(r) if r.status == StatusCode::CREATED => Ok(()),
        Ok(r) => Err(format!(
            "create answered {}: {}",
            r.status,
            excerpt(&r.body)
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Creates ConfigMaps `cm-0000000` .. `cm-{count-1}` in `namespace` from
/// `clients` concurrent clients; fails if any create fails or `limit` passes
/// first.
pub async fn populate(
    pool: Arc<Pool>,
    namespace: &str,
    count: u64,
    clients: usize,
    limit: Duration,
) -> Result<LoadResult> {
    create_namespace(&pool, namespace).await?;
    let ns = Arc::new(namespace.to_string());
    let result = closed_loop(clients, limit, count, move |i| {
        let (pool, ns) = (pool.clone(), ns.clone());
        async move { create_configmap(&pool, &ns, configmap(&configmap_name(i), &[])).await }
    })
    .await;
    if let Some(why) = result.failure_summary() {
        return Err(BenchError::Http(format!("populating {namespace}: {why}")));
    }
    if result.ok < count {
        return Err(BenchError::Http(format!(
            "populating {namespace}: only {} of {count} objects created within {:?}",
            result.ok, limit
        )));
    }
    Ok(result)
}

/// The first 300 characters of a response body, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configmaps_carry_a_1kib_payload_and_annotations() {
        let body = configmap("cm-0000001", &[(SENT_ANNOTATION, "12345".to_string())]);
        let v: serde_json::Value = serde_json::from_slice(&body).expect("valid json");
        assert_eq!(v["kind"], "ConfigMap");
        assert_eq!(v["metadata"]["name"], "cm-0000001");
        assert_eq!(v["metadata"]["annotations"][SENT_ANNOTATION], "12345");
        assert_eq!(
            v["data"]["payload"].as_str().map(str::len),
            Some(PAYLOAD_BYTES)
        );
    }

    #[test]
    fn names_sort_in_creation_order() {
        assert_eq!(configmap_name(42), "cm-0000042");
        assert!(configmap_name(9) < configmap_name(10));
    }
}
