//! CREATE (POST to a collection).

use super::Ctx;
use crate::admission;
use crate::managed_fields;
use crate::negotiate::Body;
use crate::registry::{generate_name, invalid, now_rfc3339, Registry, ResourceEntry};
use http::Response;
use keelson_apimachinery::meta;
use keelson_apimachinery::status::{ApiError, ApiResult};
use keelson_apimachinery::validation;
use serde_json::{json, Value};

/// Checks `apiVersion`/`kind` of a body against the endpoint, filling them when absent.
pub fn check_type(entry: &ResourceEntry, obj: &mut Value) -> ApiResult<()> {
    let info = &entry.info;
    let expected = info.api_version();
    match obj.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => obj["apiVersion"] = json!(expected),
        Some(v) if v == expected => {}
        Some(v) => {
            // Another served version of the same group is accepted (stored as sent).
            let same_group = match v.split_once('/') {
                Some((g, _)) => g == info.group,
                None => info.group.is_empty(),
            };
            if !same_group {
                return Err(ApiError::bad_request(format!(
                    "the API version in the data ({v}) does not match the expected API version ({expected})"
                )));
            }
        }
    }
    match obj.get("kind").and_then(Value::as_str) {
        None | Some("") => obj["kind"] = json!(info.kind),
        Some(k) if k == info.kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                info.kind
            )))
        }
    }
    Ok(())
}

/// Reconciles the namespace of the body with the URL's.
pub fn check_namespace(
    entry: &ResourceEntry,
    url_namespace: &str,
    obj: &mut Value,
) -> ApiResult<()> {
    if !entry.info.namespaced {
        meta::set_meta(obj, "namespace", None);
        return Ok(());
    }
    match meta::namespace(obj) {
        "" => meta::set_meta(obj, "namespace", Some(json!(url_namespace))),
        ns if ns == url_namespace => {}
        _ => return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
    }
    Ok(())
}

/// Validates metadata (names, labels, annotations) for the kind's rules.
pub fn validate_meta(entry: &ResourceEntry, obj: &Value) -> ApiResult<()> {
    // Borrowed, not cloned: a patched object's metadata carries every
    // manager's field set, and this runs on every write.
    let empty = Value::Object(serde_json::Map::new());
    let causes = validation::validate_object_meta(
        obj.get("metadata").unwrap_or(&empty),
        entry.info.namespaced,
        entry.strategy.name_rule,
    );
    if !causes.is_empty() {
        return Err(invalid(entry, meta::name(obj), causes));
    }
    Ok(())
}

/// CREATE.
pub async fn create(mut ctx: Ctx) -> ApiResult<Response<Body>> {
    let dry_run = ctx.dry_run()?;
    let tracker = managed_fields::Tracker::for_request(&ctx)?;
    let (mut obj, raw) = ctx.read_object_raw().await?;
    let entry = ctx.entry.clone();
    check_type(&entry, &mut obj)?;
    check_namespace(&entry, &ctx.info.namespace, &mut obj)?;
    if meta::name(&obj).is_empty() {
        let base = meta::meta_str(&obj, "generateName").to_string();
        if !base.is_empty() {
            meta::set_meta(&mut obj, "name", Some(json!(generate_name(&base))));
        }
    }
    validate_meta(&entry, &obj)?;
    let admitted = admission::admit(
        &admission::Write {
            registry: &ctx.registry,
            entry: &entry,
            old: None,
            raw_body: &raw,
            body_is_object: true,
            mode: ctx.field_validation()?,
            request: admission::Request::of(&ctx),
        },
        &mut obj,
    )?;
    ctx.warnings.extend(admitted);
    tracker.record_create(&mut obj);
    prepare_new_object(&ctx.registry, &entry, &ctx.info.namespace, &mut obj).await?;
    let stored = ctx.registry.create(&entry, obj, dry_run).await?;
    ctx.respond_object(201, &stored)
}

/// The server's part of a create, once the object is admitted: the
/// namespace must exist and be active; uid, creationTimestamp, generation
/// and status are the server's; the kind's strategy has the last word.
/// (Also the create half of a server-side apply to a missing object.)
pub async fn prepare_new_object(
    registry: &Registry,
    entry: &ResourceEntry,
    namespace: &str,
    obj: &mut Value,
) -> ApiResult<()> {
    let name = meta::name(obj).to_string();
    if entry.info.namespaced {
        registry
            .check_namespace_writable(&entry.gr, &name, namespace)
            .await?;
    }
    // Fields only the server sets.
    meta::set_meta(obj, "uid", Some(json!(uuid::Uuid::new_v4().to_string())));
    meta::set_meta(obj, "creationTimestamp", Some(json!(now_rfc3339())));
    meta::set_meta(obj, "resourceVersion", None);
    meta::set_meta(obj, "deletionTimestamp", None);
    meta::set_meta(obj, "deletionGracePeriodSeconds", None);
    if entry.strategy.tracks_generation {
        meta::set_meta(obj, "generation", Some(json!(1)));
    } else {
        meta::set_meta(obj, "generation", None);
    }
    if entry.strategy.status_subresource {
        match entry.strategy.initial_status(obj) {
            Some(s) => obj["status"] = s,
            None => {
                if let Some(m) = obj.as_object_mut() {
                    m.remove("status");
                }
            }
        }
    }
    entry.strategy.prepare_for_create(obj);
    Ok(())
}
