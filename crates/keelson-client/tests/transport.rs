//! Retries, timeouts, rate limiting and tracing, against a tiny local HTTP server
//! that answers what each test scripts.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use keelson_client::{Config, RestClient};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// One scripted answer: status, `Retry-After`, content type, body, delay.
#[derive(Clone)]
struct Answer {
    code: u16,
    retry_after: Option<&'static str>,
    content_type: &'static str,
    body: &'static str,
    delay: Duration,
    warning: Option<&'static str>,
}

fn answer(code: u16, retry_after: Option<&'static str>) -> Answer {
    Answer {
        code,
        retry_after,
        content_type: "application/json",
        body: r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#,
        delay: Duration::ZERO,
        warning: None,
    }
}

/// What the server saw: method, path and query, body, content type.
type Seen = Arc<Mutex<Vec<Received>>>;

/// One request the scripted server received.
#[derive(Debug, Clone, PartialEq)]
struct Received {
    method: String,
    path: String,
    body: Bytes,
    headers: http::HeaderMap,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Serves `script` in order (the last answer repeats) on a free port.
async fn serve(script: Vec<Answer>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let script = Arc::new(Mutex::new(script));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (seen, script) = (seen2.clone(), script.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (seen, script) = (seen.clone(), script.clone());
                    async move {
                        let method = req.method().to_string();
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.to_string())
                            .unwrap_or_default();
                        let headers = req.headers().clone();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        seen.lock().expect("lock").push(Received {
                            method,
                            path,
                            body,
                            headers,
                        });
                        let a = {
                            let mut s = script.lock().expect("lock");
                            if s.len() > 1 {
                                s.remove(0)
                            } else {
                                s[0].clone()
                            }
                        };
                        tokio::time::sleep(a.delay).await;
                        let mut resp = http::Response::builder()
                            .status(a.code)
                            .header("content-type", a.content_type);
                        if let Some(r) = a.retry_after {
                            resp = resp.header("retry-after", r);
                        }
                        if let Some(w) = a.warning {
                            resp = resp.header("warning", w);
                        }
                        Ok::<_, std::convert::Infallible>(
                            resp.body(Full::new(Bytes::from_static(a.body.as_bytes())))
                                .expect("response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (url, seen)
}

fn client(url: &str) -> RestClient {
    RestClient::new(Config::new(url).expect("config")).expect("client")
}

#[tokio::test]
async fn retry_after_on_429_is_honoured() {
    let (url, seen) = serve(vec![answer(429, Some("1")), answer(200, None)]).await;
    let started = Instant::now();
    let got: serde_json::Value = client(&url)
        .post()
        .namespace("ns")
        .resource("configmaps")
        .body(&serde_json::json!({"metadata": {"name": "x"}}))
        .into()
        .await
        .expect("succeeds on the second attempt");
    assert_eq!(got["metadata"]["name"], "x");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0], seen[1],
        "the same request, body included, is sent again"
    );
    assert_eq!(seen[1].path, "/api/v1/namespaces/ns/configmaps");
}

#[tokio::test]
async fn server_errors_are_retried_only_with_retry_after() {
    let (url, seen) = serve(vec![answer(500, Some("0")), answer(200, None)]).await;
    client(&url)
        .get()
        .resource("configmaps")
        .name("x")
        .send()
        .await
        .expect("retried");
    assert_eq!(seen.lock().expect("lock").len(), 2);

    let plain = Answer {
        content_type: "text/plain",
        body: "upstream went away",
        ..answer(503, None)
    };
    let (url, seen) = serve(vec![plain, answer(200, None)]).await;
    let err = client(&url)
        .get()
        .resource("configmaps")
        .name("x")
        .send()
        .await
        .expect_err("not retried");
    assert_eq!(seen.lock().expect("lock").len(), 1);
    assert_eq!(err.reason(), Some("ServiceUnavailable"));
    assert_eq!(
        err.to_string(),
        "ServiceUnavailable (503): the server is currently unable to handle the request (get configmaps x)"
    );
}

#[tokio::test]
async fn retries_stop_after_ten() {
    let (url, seen) = serve(vec![answer(429, Some("0"))]).await;
    let err = client(&url)
        .get()
        .resource("pods")
        .send()
        .await
        .expect_err("gives up");
    assert_eq!(
        seen.lock().expect("lock").len(),
        11,
        "one attempt and client-go's 10 retries"
    );
    assert_eq!(err.reason(), Some("TooManyRequests"));
    assert_eq!(err.api().and_then(|e| e.retry_after_seconds), Some(0));

    let (url, seen) = serve(vec![answer(429, Some("0"))]).await;
    client(&url)
        .get()
        .resource("pods")
        .max_retries(2)
        .send()
        .await
        .expect_err("gives up");
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn timeout_bounds_the_request_and_is_sent_to_the_server() {
    let slow = Answer {
        delay: Duration::from_secs(3),
        ..answer(200, None)
    };
    let (url, seen) = serve(vec![slow]).await;
    let started = Instant::now();
    let err = client(&url)
        .get()
        .resource("pods")
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.to_string(),
        format!("Get \"{url}/api/v1/pods?timeout=300ms\": context deadline exceeded")
    );
    assert!(matches!(err, keelson_client::Error::Timeout(_)));
    assert_eq!(
        seen.lock().expect("lock")[0].path,
        "/api/v1/pods?timeout=300ms"
    );
}

#[tokio::test]
async fn client_side_rate_limit_paces_requests() {
    let (url, _) = serve(vec![answer(200, None)]).await;
    let mut config = Config::new(&url).expect("config");
    config.qps = 5.0;
    config.burst = 2;
    let c = RestClient::new(config).expect("client");
    let started = Instant::now();
    for _ in 0..5 {
        c.get().resource("pods").send().await.expect("ok");
    }
    // Two from the burst, then three more at 5 per second.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(550), "took {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");

    let mut config = Config::new(&url).expect("config");
    config.qps = 0.0;
    let unlimited = RestClient::new(config).expect("client");
    let started = Instant::now();
    for _ in 0..20 {
        unlimited.get().resource("pods").send().await.expect("ok");
    }
    // At the default 5 per second with a burst of 10 these would take 2s.
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn logs_at(url: &str, verbosity: u8) -> String {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut config = Config::new(url).expect("config");
    config.verbosity = verbosity;
    config.auth.token = Some("very-secret-token".into());
    let c = RestClient::new(config).expect("client");
    c.get()
        .namespace("ns")
        .resource("configmaps")
        .name("x")
        .send()
        .await
        .expect("ok");
    let bytes = captured.0.lock().expect("lock").clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn verbosity_levels_log_like_kubectl() {
    let (url, _) = serve(vec![answer(200, None)]).await;
    let full = format!("{url}/api/v1/namespaces/ns/configmaps/x");

    let v0 = logs_at(&url, 0).await;
    assert!(v0.is_empty(), "nothing at info level by default: {v0}");

    let v6 = logs_at(&url, 6).await;
    assert!(
        v6.contains(&format!(
            "\"Response\" verb=\"GET\" url=\"{full}\" status=\"200 OK\" milliseconds="
        )),
        "{v6}"
    );
    assert!(!v6.contains("Accept"), "no headers at -v=6: {v6}");

    let v7 = logs_at(&url, 7).await;
    assert!(v7.contains("Accept: application/json, */*"), "{v7}");
    assert!(v7.contains("Authorization: Bearer <masked>"), "{v7}");

    let v8 = logs_at(&url, 8).await;
    assert!(v8.contains("\"Response Body\""), "{v8}");
    assert!(v8.contains("Content-Type: application/json"), "{v8}");

    let v9 = logs_at(&url, 9).await;
    assert!(
        v9.contains("curl -v -XGET ") && v9.contains(&format!("'{full}'")),
        "{v9}"
    );
    for logs in [&v6, &v7, &v8, &v9] {
        assert!(!logs.contains("very-secret-token"), "token leaked: {logs}");
    }
}

#[tokio::test]
async fn two_hundred_status_failure_is_an_error() {
    let failure = Answer {
        body: r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","message":"nope","code":409}"#,
        ..answer(200, None)
    };
    let (url, _) = serve(vec![failure]).await;
    let err = client(&url)
        .get()
        .resource("pods")
        .send()
        .await
        .expect_err("Status Failure");
    assert_eq!(err.reason(), Some("Conflict"));
    assert_eq!(err.code(), Some(409));
}

#[tokio::test]
async fn typed_verbs_send_client_go_options() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use keelson_client::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
    let (url, seen) = serve(vec![answer(200, None)]).await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&url), "ns");
    cms.patch(
        "x",
        &PatchParams::apply("me").force(),
        &Patch::Apply(serde_json::json!({"data": {"a": "b"}})),
    )
    .await
    .expect("apply");
    let dp = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some("u1".into()),
            resource_version: None,
        }),
        ..DeleteParams::foreground().grace_period(0)
    };
    cms.delete("x", &dp).await.expect("delete");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen[0].method, "PATCH");
    assert_eq!(
        seen[0].path,
        "/api/v1/namespaces/ns/configmaps/x?fieldManager=me&force=true"
    );
    assert_eq!(
        seen[0].header("content-type"),
        "application/apply-patch+yaml"
    );
    assert_eq!(seen[1].method, "DELETE");
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("JSON body");
    assert_eq!(
        body,
        serde_json::json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                           "propagationPolicy": "Foreground", "preconditions": {"uid": "u1"}})
    );
}

#[tokio::test]
async fn server_warnings_reach_the_handler() {
    let warned = Answer {
        warning: Some("299 - \"spec.foo: unknown field\""),
        ..answer(200, None)
    };
    let (url, _) = serve(vec![warned]).await;
    let c = client(&url);
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = got.clone();
    c.set_warning_handler(move |w| sink.lock().expect("lock").push(w.to_string()));
    let resp = c.get().resource("pods").send().await.expect("ok");
    assert_eq!(resp.warnings(), ["spec.foo: unknown field"]);
    assert_eq!(*got.lock().expect("lock"), ["spec.foo: unknown field"]);
}

#[tokio::test]
async fn credentials_and_impersonation_headers() {
    use keelson_client::config::{ConfigOverrides, Kubeconfig};
    let (url, seen) = serve(vec![answer(200, None)]).await;
    let kubeconfig = Kubeconfig::from_yaml(&format!(
        "current-context: x\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\nclusters: [{{name: c, cluster: {{server: '{url}'}}}}]\nusers: [{{name: u, user: {{username: admin, password: 's3cret', as: jane, as-groups: [devs, ops]}}}}]\n"
    ))
    .expect("kubeconfig");
    let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default()).expect("config");
    RestClient::new(config)
        .expect("client")
        .get()
        .resource("pods")
        .send()
        .await
        .expect("ok");

    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "from-file\n").expect("write token");
    let mut config = Config::new(&url).expect("config");
    config.auth.token_file = Some(token_file);
    let c = RestClient::new(config).expect("client");
    c.get().resource("pods").send().await.expect("ok");
    // A header the caller sets is not overwritten.
    c.get()
        .resource("pods")
        .header("Authorization", "Bearer caller")
        .send()
        .await
        .expect("ok");

    let seen = seen.lock().expect("lock");
    // base64("admin:s3cret")
    assert_eq!(seen[0].header("authorization"), "Basic YWRtaW46czNjcmV0");
    assert_eq!(seen[0].header("impersonate-user"), "jane");
    let groups: Vec<&str> = seen[0]
        .headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(groups, ["devs", "ops"]);
    assert!(
        seen[0].header("user-agent").starts_with("keelson-client/v"),
        "{:?}",
        seen[0].headers
    );
    assert_eq!(seen[1].header("authorization"), "Bearer from-file");
    assert_eq!(seen[2].header("authorization"), "Bearer caller");
}
