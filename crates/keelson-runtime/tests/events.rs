//! The event recorder against a real Keelson server: fields as client-go
//! writes them, and aggregation of repeats into series.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::api::events::v1::Event;
use keelson_client::api::{Api, ListParams, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::events::{
    object_reference, EventBroadcaster, EventBroadcasterOptions, EventType,
};
use keelson_testing::TestServer;
use std::time::{Duration, Instant};

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    RestClient::new(Config::load(&rules, &ConfigOverrides::default()).expect("config"))
        .expect("client")
}

async fn configmap(client: &RestClient, name: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.to_string());
    Api::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &cm)
        .await
        .expect("create configmap")
}

async fn events(client: &RestClient) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client.clone(), "default");
    let mut items = api.list(&ListParams::default()).await.expect("list").items;
    items.sort_by_key(|e| e.event_time.as_ref().map(|t| t.0));
    items
}

async fn wait_for_events(
    client: &RestClient,
    what: &str,
    mut done: impl FnMut(&[Event]) -> bool,
) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let items = events(client).await;
        if done(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count(e: &Event) -> Option<i32> {
    e.series.as_ref().map(|s| s.count)
}

#[tokio::test]
async fn an_event_carries_what_client_go_writes() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cm = configmap(&client, "web").await;
    let mut secret = Secret::default();
    secret.metadata.name = Some("web-copy".into());
    secret.metadata.namespace = Some("default".into());

    let broadcaster = EventBroadcaster::new(client.clone());
    let recorder = broadcaster.new_recorder("example.com/configmap-secret", "replica-1");
    let before = std::time::SystemTime::now();
    recorder.event(
        &object_reference(&cm),
        Some(&object_reference(&secret)),
        EventType::Normal,
        "SecretCreated",
        "Create",
        &format!("created Secret {}", "web-copy"),
    );
    broadcaster.shutdown().await;

    let items = events(&client).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    let e = &items[0];
    let name = e.metadata.name.as_deref().expect("name");
    let suffix = name
        .strip_prefix("web.")
        .expect("named after the regarding object");
    assert!(
        u128::from_str_radix(suffix, 16).is_ok(),
        "hex nanoseconds: {name}"
    );
    assert_eq!(e.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        e.reporting_controller.as_deref(),
        Some("example.com/configmap-secret")
    );
    assert_eq!(e.reporting_instance.as_deref(), Some("replica-1"));
    assert_eq!(e.action.as_deref(), Some("Create"));
    assert_eq!(e.reason.as_deref(), Some("SecretCreated"));
    assert_eq!(e.note.as_deref(), Some("created Secret web-copy"));
    assert_eq!(e.type_.as_deref(), Some("Normal"));
    assert_eq!(e.series, None);
    let regarding = e.regarding.as_ref().expect("regarding");
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.api_version.as_deref(), Some("v1"));
    assert_eq!(regarding.name.as_deref(), Some("web"));
    assert_eq!(regarding.uid, cm.metadata.uid);
    let related = e.related.as_ref().expect("related");
    assert_eq!(related.kind.as_deref(), Some("Secret"));
    assert_eq!(related.name.as_deref(), Some("web-copy"));
    let event_time = e.event_time.as_ref().expect("eventTime").0;
    let before = k8s_openapi::jiff::Timestamp::try_from(before).expect("timestamp");
    let after =
        k8s_openapi::jiff::Timestamp::try_from(std::time::SystemTime::now()).expect("timestamp");
    assert!(
        event_time.as_second() >= before.as_second() && event_time <= after,
        "eventTime {event_time} is when the event was recorded ({before} .. {after})"
    );
}

#[tokio::test]
async fn repeats_become_one_event_with_a_series_until_the_series_finishes() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cm = configmap(&client, "flaky").await;
    let options = EventBroadcasterOptions {
        finish_time: Duration::from_secs(1),
        ..Default::default()
    };
    let broadcaster = EventBroadcaster::with_options(client.clone(), options);
    let recorder = broadcaster.new_recorder("example.com/flaky", "replica-1");
    let regarding = object_reference(&cm);
    for attempt in 1..=5 {
        // The note differs per repeat: it is not part of what makes events the same.
        recorder.event(
            &regarding,
            None,
            EventType::Warning,
            "SyncFailed",
            "Sync",
            &format!("attempt {attempt} failed"),
        );
    }
    // A different reason is a different event.
    recorder.event(&regarding, None, EventType::Normal, "Synced", "Sync", "ok");

    let items = wait_for_events(&client, "the series to start", |items| {
        items.iter().any(|e| count(e) == Some(2))
    })
    .await;
    assert_eq!(items.len(), 2, "{items:#?}");
    let failed = items
        .iter()
        .find(|e| e.reason.as_deref() == Some("SyncFailed"))
        .expect("SyncFailed event");
    assert_eq!(
        failed.note.as_deref(),
        Some("attempt 1 failed"),
        "the first occurrence is kept"
    );
    let first_name = failed.metadata.name.clone();
    let started = failed.series.as_ref().expect("series").last_observed_time.0;
    assert!(started >= failed.event_time.as_ref().expect("eventTime").0);

    // Repeats 3 to 5 are counted in memory and written when the series ends.
    let items = wait_for_events(&client, "the series to finish", |items| {
        items.iter().any(|e| count(e) == Some(5))
    })
    .await;
    assert_eq!(items.len(), 2);
    let finished = items
        .iter()
        .find(|e| count(e) == Some(5))
        .expect("series of 5");
    assert_eq!(finished.metadata.name, first_name);
    let synced = items
        .iter()
        .find(|e| e.reason.as_deref() == Some("Synced"))
        .expect("Synced event");
    assert_eq!(synced.series, None);

    // After the series ended, the same event starts afresh.
    recorder.event(
        &regarding,
        None,
        EventType::Warning,
        "SyncFailed",
        "Sync",
        "again",
    );
    let items = wait_for_events(&client, "a new event", |items| items.len() == 3).await;
    let fresh = items
        .iter()
        .find(|e| e.note.as_deref() == Some("again"))
        .expect("new event");
    assert_ne!(fresh.metadata.name, first_name);
    assert_eq!(fresh.series, None);
    broadcaster.shutdown().await;
}

#[tokio::test]
async fn shutdown_writes_the_counts_of_running_series() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cm = configmap(&client, "busy").await;
    let broadcaster = EventBroadcaster::new(client.clone());
    let recorder = broadcaster.new_recorder("example.com/busy", "replica-1");
    let other = broadcaster.new_recorder("example.com/other", "replica-1");
    let regarding = object_reference(&cm);
    for _ in 0..7 {
        recorder.event(
            &regarding,
            None,
            EventType::Normal,
            "Scaled",
            "Scale",
            "scaled",
        );
    }
    // Another reporting controller's identical event is its own.
    other.event(
        &regarding,
        None,
        EventType::Normal,
        "Scaled",
        "Scale",
        "scaled",
    );
    broadcaster.shutdown().await;
    let items = events(&client).await;
    let mut counts: Vec<(Option<String>, Option<i32>)> = items
        .iter()
        .map(|e| (e.reporting_controller.clone(), count(e)))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            (Some("example.com/busy".to_string()), Some(7)),
            (Some("example.com/other".to_string()), None),
        ]
    );
    // Recording after shutdown is dropped, not an error.
    recorder.event(
        &regarding,
        None,
        EventType::Normal,
        "Scaled",
        "Scale",
        "late",
    );
}
