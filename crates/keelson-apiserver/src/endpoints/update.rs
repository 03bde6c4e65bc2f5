//! UPDATE (PUT) and PATCH of an object or its status/scale subresources.

use super::create::{check_namespace, check_type, prepare_new_object, validate_meta};
use super::get::scale_of;
use super::Ctx;
use crate::admission;
use crate::managed_fields;
use crate::negotiate::Body;
use crate::registry::{Change, ResourceEntry, Updated};
use http::Response;
use keelson_apimachinery::codec::ContentType;
use keelson_apimachinery::meta;
use keelson_apimachinery::patch;
use keelson_apimachinery::status::{ApiError, ApiResult};
use keelson_apimachinery::{schema, strategic};
use serde_json::{json, Value};

/// Metadata only the server changes: carried over from the stored object.
const SERVER_OWNED_META: &[&str] = &[
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
];

/// Whether two objects are equal but for the top-level fields in `skip`,
/// compared in place (an update compares whole objects on every write).
fn equal_except(a: &Value, b: &Value, skip: &[&str]) -> bool {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return a == b;
    };
    let kept = |m: &'_ serde_json::Map<String, Value>| {
        m.iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .count()
    };
    kept(a) == kept(b)
        && a.iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .all(|(k, v)| b.get(k) == Some(v))
}

/// Applies the kind's update rules to a proposed new object given the current one.
fn prepare_update(
    entry: &ResourceEntry,
    subresource: &str,
    current: &Value,
    mut new: Value,
) -> ApiResult<Change> {
    let current_rv = meta::resource_version(current).to_string();
    let sent_rv = meta::resource_version(&new).to_string();
    if !sent_rv.is_empty() && sent_rv != current_rv {
        return Err(ApiError::stale_conflict(&entry.gr, meta::name(current)));
    }
    let sent_uid = meta::meta_str(&new, "uid");
    if !sent_uid.is_empty() && sent_uid != meta::meta_str(current, "uid") {
        return Err(ApiError::conflict(
            &entry.gr,
            meta::name(current),
            &format!(
                "Precondition failed: UID in precondition: {sent_uid}, UID in object meta: {}",
                meta::meta_str(current, "uid")
            ),
        ));
    }
    match subresource {
        "status" => {
            // /status changes status only.
            let mut out = current.clone();
            match new.get("status") {
                Some(s) => out["status"] = s.clone(),
                None => {
                    if let Some(m) = out.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            return Ok(Change::Write(out));
        }
        "scale" => {
            let replicas = new
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if replicas < 0 {
                return Err(ApiError::invalid(
                    "Scale",
                    "autoscaling",
                    meta::name(current),
                    vec![keelson_apimachinery::status::StatusCause::invalid(
                        "spec.replicas",
                        &json!(replicas),
                        "must be greater than or equal to 0",
                    )],
                ));
            }
            let mut out = current.clone();
            out["spec"]["replicas"] = json!(replicas);
            bump_generation(entry, current, &mut out);
            return Ok(Change::Write(out));
        }
        "finalize" => {
            let mut out = current.clone();
            out["spec"]["finalizers"] = new
                .pointer("/spec/finalizers")
                .cloned()
                .unwrap_or(json!([]));
            return Ok(Change::Write(out));
        }
        _ => {}
    }
    for field in SERVER_OWNED_META {
        meta::set_meta(
            &mut new,
            field,
            meta::metadata(current).and_then(|m| m.get(*field)).cloned(),
        );
    }
    meta::set_meta(&mut new, "resourceVersion", Some(json!(current_rv)));
    if entry.strategy.status_subresource {
        match current.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                if let Some(m) = new.as_object_mut() {
                    m.remove("status");
                }
            }
        }
    }
    if entry.info.plural == "namespaces" {
        // spec.finalizers changes only through /finalize.
        new["spec"] = current.get("spec").cloned().unwrap_or(json!({}));
    }
    let mut names = keelson_apimachinery::validation::validate_object_meta_update(
        new.get("metadata").unwrap_or(&Value::Null),
        current.get("metadata").unwrap_or(&Value::Null),
    );
    if !names.is_empty() {
        names.truncate(16);
        return Err(crate::registry::invalid(entry, meta::name(current), names));
    }
    entry.strategy.prepare_for_update(&mut new);
    bump_generation(entry, current, &mut new);
    Ok(Change::Write(new))
}

fn bump_generation(entry: &ResourceEntry, current: &Value, new: &mut Value) {
    if !entry.strategy.tracks_generation {
        return;
    }
    let old_gen = current
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let changed = !equal_except(current, new, &["metadata", "status"]);
    meta::set_meta(
        new,
        "generation",
        Some(json!(if changed { old_gen + 1 } else { old_gen })),
    );
}

fn respond_outcome(ctx: &Ctx, updated: Updated) -> ApiResult<Response<Body>> {
    let obj = updated.outcome.object();
    if ctx.info.subresource == "scale" {
        return ctx.respond_object(200, &scale_of(obj));
    }
    ctx.respond_object_json(200, obj, updated.json)
}

/// UPDATE (PUT).
pub async fn update(mut ctx: Ctx) -> ApiResult<Response<Body>> {
    let dry_run = ctx.dry_run()?;
    let tracker = managed_fields::Tracker::for_request(&ctx)?;
    let (mut body, raw) = ctx.read_object_raw().await?;
    let entry = ctx.entry.clone();
    let sub = ctx.info.subresource.clone();
    let name = ctx.info.name.clone();
    let ns = ctx.info.namespace.clone();
    if sub != "scale" {
        check_type(&entry, &mut body)?;
        check_namespace(&entry, &ns, &mut body)?;
        let body_name = meta::name(&body);
        if body_name.is_empty() {
            meta::set_meta(&mut body, "name", Some(json!(name)));
        } else if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        validate_meta(&entry, &body)?;
    }
    let mode = ctx.field_validation()?;
    let mut warnings = Vec::new();
    let registry = ctx.registry.clone();
    let outcome = registry
        .update_with(&entry, &ns, &name, dry_run, |current| {
            let mut new = body.clone();
            let write = admission::Write {
                registry: &registry,
                entry: &entry,
                old: Some(current),
                raw_body: &raw,
                body_is_object: true,
                mode,
                request: admission::Request::of(&ctx),
            };
            warnings = admission::admit(&write, &mut new)?;
            let sent = managed_fields::sent(&new, current);
            let change = prepare_update(&entry, &sub, current, new)?;
            Ok(tracker.record_update(current, sent, change))
        })
        .await?;
    ctx.warnings.extend(warnings);
    respond_outcome(&ctx, outcome)
}

/// The definition a PATCH body applies to: the kind's, or `Scale` for /scale.
fn patch_definition<'e>(entry: &'e ResourceEntry, subresource: &str) -> &'e str {
    if subresource == "scale" {
        "io.k8s.api.autoscaling.v1.Scale"
    } else {
        &entry.info.definition
    }
}

/// Applies a patch document of the given type to the current object.
fn apply_patch(
    ct: &ContentType,
    definition: &str,
    current: &Value,
    patch_body: &[u8],
) -> ApiResult<Value> {
    match ct {
        ContentType::JsonPatch => patch::apply_json_patch(current, patch_body),
        ContentType::MergePatch => patch::apply_merge_patch(current, patch_body),
        // Patch strategies come from the kind's definition; kinds without one
        // (custom resources) do not take strategic merge patches. Managed
        // fields a patch does not set are the stored ones (see
        // `managed_fields::sent`), so they are not copied into the result.
        ContentType::StrategicMergePatch => {
            match strategic::PatchSchema::new(schema::definitions(), definition) {
                Some(s) => strategic::apply_strategic_merge_patch_leaving_managed_fields(
                    current, patch_body, s,
                ),
                None => Err(ApiError::new(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: \
                     application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                )),
            }
        }
        other => Err(ApiError::unsupported_media_type(
            &other.to_string(),
            &[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ],
        )),
    }
}

/// PATCH.
pub async fn patch(mut ctx: Ctx) -> ApiResult<Response<Body>> {
    let dry_run = ctx.dry_run()?;
    let ct = ctx.content_type();
    let tracker = managed_fields::Tracker::for_request(&ctx)?;
    if ct == ContentType::ApplyPatch {
        return apply(ctx, tracker).await;
    }
    let patch_body = ctx.read_body().await?;
    let entry = ctx.entry.clone();
    let sub = ctx.info.subresource.clone();
    let name = ctx.info.name.clone();
    let ns = ctx.info.namespace.clone();
    let mode = ctx.field_validation()?;
    let mut warnings = Vec::new();
    let registry = ctx.registry.clone();
    let outcome = registry
        .update_with(&entry, &ns, &name, dry_run, |current| {
            // The patch engines build a new object from a borrowed one, so
            // only /scale needs a value of its own to patch.
            let scale;
            let base = if sub == "scale" {
                scale = scale_of(current);
                &scale
            } else {
                &*current
            };
            let mut patched = apply_patch(&ct, patch_definition(&entry, &sub), base, &patch_body)?;
            if sub != "scale" {
                check_type(&entry, &mut patched)?;
                check_namespace(&entry, &ns, &mut patched)?;
                if meta::name(&patched) != name {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({}) does not match the name on the URL ({name})",
                        meta::name(&patched)
                    )));
                }
                validate_meta(&entry, &patched)?;
                let write = admission::Write {
                    registry: &registry,
                    entry: &entry,
                    old: Some(current),
                    raw_body: &patch_body,
                    body_is_object: false,
                    mode,
                    request: admission::Request::of(&ctx),
                };
                warnings = admission::admit(&write, &mut patched)?;
            }
            let sent = managed_fields::sent(&patched, current);
            let change = prepare_update(&entry, &sub, current, patched)?;
            Ok(tracker.record_update(current, sent, change))
        })
        .await?;
    ctx.warnings.extend(warnings);
    respond_outcome(&ctx, outcome)
}

/// Server-side apply (PATCH with `application/apply-patch+yaml`). As in
/// kube-apiserver, applying to an object that does not exist creates it
/// (201), except through a subresource.
async fn apply(mut ctx: Ctx, tracker: managed_fields::Tracker) -> ApiResult<Response<Body>> {
    let dry_run = ctx.dry_run()?;
    let patch_body = ctx.read_body().await?;
    let config = managed_fields::decode_apply_config(&patch_body)?;
    let entry = ctx.entry.clone();
    let sub = ctx.info.subresource.clone();
    let name = ctx.info.name.clone();
    let ns = ctx.info.namespace.clone();
    let mode = ctx.field_validation()?;
    let registry = ctx.registry.clone();
    // The object is created when missing; a create racing with ours makes
    // us apply again, to the object it created.
    for _ in 0..3 {
        let mut warnings = Vec::new();
        let admit = |old: Option<&Value>, obj: &mut Value, warnings: &mut Vec<String>| {
            if sub != "scale" {
                check_type(&entry, obj)?;
                check_namespace(&entry, &ns, obj)?;
                if meta::name(obj) != name {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({}) does not match the name on the URL ({name})",
                        meta::name(obj)
                    )));
                }
                validate_meta(&entry, obj)?;
            }
            let write = admission::Write {
                registry: &registry,
                entry: &entry,
                old,
                raw_body: &patch_body,
                body_is_object: false,
                mode,
                request: admission::Request::of(&ctx),
            };
            *warnings = admission::admit(&write, obj)?;
            Ok(())
        };
        let result = registry
            .update_with(&entry, &ns, &name, dry_run, |current| {
                let mut applied = tracker.apply(Some(current), &config)?;
                admit(Some(current), &mut applied, &mut warnings)?;
                prepare_update(&entry, &sub, current, applied)
            })
            .await;
        let missing = |e: &ApiError| {
            e.code == 404
                && e.kind.as_deref() == Some(entry.gr.resource.as_str())
                && e.name.as_deref() == Some(name.as_str())
        };
        match result {
            Ok(outcome) => {
                ctx.warnings.extend(warnings);
                return respond_outcome(&ctx, outcome);
            }
            Err(e) if sub.is_empty() && missing(&e) => {}
            Err(e) => return Err(e),
        }
        let mut obj = tracker.apply(None, &config)?;
        let uid = meta::meta_str(&obj, "uid").to_string();
        if !uid.is_empty() {
            return Err(ApiError::conflict(
                &entry.gr,
                &name,
                &format!("uid mismatch: the provided object specified uid {uid}, and no existing object was found"),
            ));
        }
        admit(None, &mut obj, &mut warnings)?;
        prepare_new_object(&registry, &entry, &ns, &mut obj).await?;
        match registry.create(&entry, obj, dry_run).await {
            Ok(stored) => {
                ctx.warnings.extend(warnings);
                return ctx.respond_object(201, &stored);
            }
            Err(e) if e.reason == "AlreadyExists" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::stale_conflict(&entry.gr, &name))
}
