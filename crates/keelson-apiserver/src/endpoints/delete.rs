//! DELETE of one object and DELETECOLLECTION.

use super::list::read_page;
use super::Ctx;
use crate::filter::ListFilter;
use crate::negotiate::Body;
use crate::registry::WriteOutcome;
use http::Response;
use keelson_apimachinery::meta;
use keelson_apimachinery::status::{success_status, ApiError, ApiResult};
use serde_json::{json, Value};

/// The parts of `DeleteOptions` the server acts on.
#[derive(Debug, Default)]
struct DeleteOptions {
    precondition_uid: Option<String>,
    precondition_rv: Option<String>,
    propagation: Option<String>,
    dry_run: bool,
}

async fn delete_options(ctx: &mut Ctx) -> ApiResult<DeleteOptions> {
    let mut opts = DeleteOptions {
        dry_run: ctx.dry_run()?,
        ..Default::default()
    };
    opts.propagation = ctx.param("propagationPolicy").map(String::from);
    let body = ctx.read_body().await?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let v = super::decode_body(&body, &ctx.content_type(), "DeleteOptions")?;
        if let Some(p) = v.get("propagationPolicy").and_then(Value::as_str) {
            opts.propagation = Some(p.to_string());
        }
        if v.get("orphanDependents").and_then(Value::as_bool) == Some(true)
            && opts.propagation.is_none()
        {
            opts.propagation = Some("Orphan".into());
        }
        opts.precondition_uid = v
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(String::from);
        opts.precondition_rv = v
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(String::from);
        if let Some(d) = v.get("dryRun").and_then(Value::as_array) {
            opts.dry_run |= d.iter().any(|x| x == "All");
        }
    }
    match opts.propagation.as_deref() {
        None | Some("Background") | Some("Foreground") | Some("Orphan") => Ok(opts),
        Some(other) => Err(ApiError::invalid(
            "DeleteOptions",
            "meta.k8s.io",
            "",
            vec![keelson_apimachinery::status::StatusCause::new(
                "FieldValueNotSupported",
                format!("Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
                "propagationPolicy",
            )],
        )),
    }
}

fn finalizer_for(propagation: Option<&str>) -> Option<&'static str> {
    match propagation {
        Some("Foreground") => Some("foregroundDeletion"),
        Some("Orphan") => Some("orphan"),
        _ => None,
    }
}

/// Namespaces the NamespaceLifecycle admission plugin never lets go.
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// DELETE.
pub async fn delete(mut ctx: Ctx) -> ApiResult<Response<Body>> {
    let opts = delete_options(&mut ctx).await?;
    let entry = ctx.entry.clone();
    let name = ctx.info.name.clone();
    if entry.info.group.is_empty()
        && entry.info.plural == "namespaces"
        && IMMORTAL_NAMESPACES.contains(&name.as_str())
    {
        return Err(ApiError::forbidden(
            &entry.gr,
            &name,
            "this namespace may not be deleted",
        ));
    }
    let outcome = ctx
        .registry
        .delete(&entry, &ctx.info.namespace, &name, opts.dry_run, finalizer_for(opts.propagation.as_deref()), |current| {
            if let Some(uid) = &opts.precondition_uid {
                let actual = meta::meta_str(current, "uid");
                if uid != actual {
                    return Err(ApiError::conflict(&entry.gr, &name, &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                    )));
                }
            }
            if let Some(rv) = &opts.precondition_rv {
                let actual = meta::resource_version(current);
                if rv != actual {
                    return Err(ApiError::conflict(&entry.gr, &name, &format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                    )));
                }
            }
            Ok(())
        })
        .await?;
    match outcome {
        WriteOutcome::Deleted(obj) if !entry.strategy.return_deleted_object => {
            let mut details = json!({"name": name, "kind": entry.info.plural, "uid": meta::meta_str(&obj, "uid")});
            if !entry.info.group.is_empty() {
                details["group"] = json!(entry.info.group);
            }
            ctx.respond_object(200, &success_status(Some(details)))
        }
        other => ctx.respond_object(200, &other.into_value()),
    }
}

/// DELETECOLLECTION: deletes every selected object; answers with the list of them.
pub async fn delete_collection(mut ctx: Ctx) -> ApiResult<Response<Body>> {
    let opts = delete_options(&mut ctx).await?;
    let entry = ctx.entry.clone();
    let filter = ListFilter::from_query(&entry, &ctx.info.namespace, &ctx.query)?;
    let page = read_page(&ctx, &filter).await?;
    let mut items = Vec::new();
    for o in &page.items {
        match ctx
            .registry
            .delete(
                &entry,
                &o.namespace,
                &o.name,
                opts.dry_run,
                finalizer_for(opts.propagation.as_deref()),
                |_| Ok(()),
            )
            .await
        {
            Ok(outcome) => items.push(outcome.into_value()),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let list = json!({
        "kind": entry.info.list_kind,
        "apiVersion": entry.info.api_version(),
        "metadata": {"resourceVersion": page.revision.to_string()},
        "items": items,
    });
    ctx.respond_object(200, &list)
}
