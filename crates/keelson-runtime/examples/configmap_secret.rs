//! A controller that keeps a Secret for every ConfigMap labelled
//! `keelson.dev/copy-to-secret=true`: same name, same namespace, the
//! ConfigMap's data, owned by the ConfigMap. See `examples/README.md`.
//!
//! ```text
//! cargo run -p keelson-runtime --example configmap_secret   # uses ~/.kube/config
//! ```

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use k8s_openapi::ByteString;
use keelson_client::api::{Api, DeleteParams, PostParams, Preconditions};
use keelson_client::RestClient;
use keelson_runtime::controller::{Action, Controller, ControllerConfig};
use keelson_runtime::events::{object_reference, EventBroadcaster, EventRecorder, EventType};
use keelson_runtime::informer::{split_meta_namespace_key, Lister};
use keelson_runtime::leaderelection::CancellationToken;
use std::collections::BTreeMap;
use std::sync::Arc;

/// ConfigMaps with this label set to `true` get a Secret.
pub const LABEL: &str = "keelson.dev/copy-to-secret";
/// The controller's name: its queue, its events' reportingController.
pub const NAME: &str = "configmap-secret";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// What reconcile needs: the informers' caches, a client for writes, a recorder.
pub struct Context {
    configmaps: Lister<ConfigMap>,
    secrets: Lister<Secret>,
    client: RestClient,
    recorder: EventRecorder,
}

/// Runs the controller until `shutdown` is cancelled.
pub async fn run(client: RestClient, shutdown: CancellationToken) {
    let broadcaster = EventBroadcaster::new(client.clone());
    let instance =
        std::env::var("HOSTNAME").unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    let controller =
        Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new(NAME).workers(2))
            // A changed or deleted Secret brings its ConfigMap back to reconcile.
            .watches_owned::<Secret>();
    let ctx = Arc::new(Context {
        configmaps: controller.lister(),
        secrets: controller.factory().informer::<Secret>().lister(),
        client,
        recorder: broadcaster.new_recorder(&format!("keelson.dev/{NAME}"), &instance),
    });
    controller
        .run(move |key| reconcile(ctx.clone(), key), shutdown)
        .await;
    broadcaster.shutdown().await;
}

/// Brings the Secret `key` (`namespace/name`) in line with the ConfigMap of
/// the same key. Reads come from the caches; a write that meets a newer
/// object fails with 409 Conflict and is retried by the queue.
pub async fn reconcile(ctx: Arc<Context>, key: String) -> Result<Action, keelson_client::Error> {
    let (namespace, name) = split_meta_namespace_key(&key);
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), namespace);
    let existing = ctx.secrets.get(&key);
    let wanted = ctx
        .configmaps
        .get(&key)
        .filter(|cm| is_labelled(cm) && cm.metadata.deletion_timestamp.is_none());

    let Some(cm) = wanted else {
        // No ConfigMap (deleted, or the label removed): the server has no
        // garbage collector yet, so delete our Secret ourselves.
        if let Some(secret) = existing.filter(|s| controller_name(s) == Some(name)) {
            let dp = DeleteParams {
                preconditions: Some(Preconditions {
                    uid: secret.metadata.uid.clone(),
                    resource_version: None,
                }),
                ..Default::default()
            };
            match secrets.delete(name, &dp).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            ctx.recorder.event(
                &object_reference(&*secret),
                None,
                EventType::Normal,
                "SecretDeleted",
                "Delete",
                &format!("deleted Secret {name}: its ConfigMap is gone or no longer labelled {LABEL}=true"),
            );
        }
        return Ok(Action::Done);
    };

    let data = secret_data(&cm);
    let owner = owner_reference(&cm);
    match existing {
        None => {
            let mut secret = Secret {
                data: Some(data),
                type_: Some("Opaque".into()),
                ..Default::default()
            };
            secret.metadata.name = Some(name.to_string());
            secret.metadata.namespace = Some(namespace.to_string());
            secret.metadata.labels =
                Some(BTreeMap::from([(MANAGED_BY.to_string(), NAME.to_string())]));
            secret.metadata.owner_references = Some(vec![owner]);
            secrets.create(&PostParams::default(), &secret).await?;
            ctx.recorder.event(
                &object_reference(&*cm),
                Some(&object_reference(&secret)),
                EventType::Normal,
                "SecretCreated",
                "Create",
                &format!(
                    "created Secret {name} with {} keys",
                    secret.data.as_ref().map_or(0, |d| d.len())
                ),
            );
        }
        Some(secret) if controller_name(&secret) != Some(name) => {
            // Somebody else's Secret: leave it alone and say so (the
            // sample-controller's ErrResourceExists).
            ctx.recorder.event(
                &object_reference(&*cm),
                Some(&object_reference(&*secret)),
                EventType::Warning,
                "SecretExists",
                "Skip",
                &format!("Secret {name} already exists and is not managed by ConfigMap {name}"),
            );
        }
        Some(secret) => {
            let current_owner = secret
                .metadata
                .owner_references
                .as_ref()
                .and_then(|r| r.first());
            if secret.data.as_ref() == Some(&data) && current_owner == Some(&owner) {
                return Ok(Action::Done);
            }
            // The cached object carries its resourceVersion: a concurrent
            // change makes this replace fail with Conflict, and we retry.
            let mut updated = (*secret).clone();
            updated.data = Some(data);
            updated.metadata.owner_references = Some(vec![owner]);
            secrets
                .replace(name, &PostParams::default(), &updated)
                .await?;
            ctx.recorder.event(
                &object_reference(&*cm),
                Some(&object_reference(&updated)),
                EventType::Normal,
                "SecretUpdated",
                "Update",
                &format!("updated Secret {name} to the ConfigMap's data"),
            );
        }
    }
    Ok(Action::Done)
}

fn is_labelled(cm: &ConfigMap) -> bool {
    cm.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL))
        .is_some_and(|v| v == "true")
}

/// The ConfigMap's `data` and `binaryData` as Secret data.
fn secret_data(cm: &ConfigMap) -> BTreeMap<String, ByteString> {
    let text = cm
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes())));
    let binary = cm
        .binary_data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()));
    text.chain(binary).collect()
}

fn owner_reference(cm: &ConfigMap) -> OwnerReference {
    OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: cm.metadata.name.clone().unwrap_or_default(),
        uid: cm.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The name of the ConfigMap controlling `secret`, if one does.
fn controller_name(secret: &Secret) -> Option<&str> {
    secret
        .metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true) && r.kind == "ConfigMap" && r.api_version == "v1")
        .map(|r| r.name.as_str())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let client = RestClient::try_default()?;
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            // Ctrl-C or SIGTERM (what Kubernetes sends a pod): finish the
            // reconciles in flight, write pending events, exit.
            wait_for_signal().await;
            shutdown.cancel();
        }
    });
    run(client, shutdown).await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
