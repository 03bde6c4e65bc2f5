//! LIST: from the watch cache, or from storage for paginated and exact-revision reads.

use super::Ctx;
use crate::filter::ListFilter;
use crate::negotiate::{respond, respond_value, Body, Representation};
use crate::registry::storage_error;
use crate::table::{self, IncludeObject};
use crate::watch_cache::{cached_from_kv, CachedObject};
use base64::Engine;
use bytes::{BufMut, Bytes, BytesMut};
use http::Response;
use keelson_apimachinery::status::{ApiError, ApiResult};
use keelson_storage::ListOptions;
use serde_json::{json, Value};
use std::sync::Arc;

/// How a list's resourceVersion must be honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RvMatch {
    /// Most recent (consistent read).
    Latest,
    /// Whatever the cache has.
    Any,
    /// At least this revision.
    NotOlderThan(i64),
    /// Exactly this revision.
    Exact(i64),
}

fn parse_rv(s: &str) -> ApiResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| ApiError::bad_request(format!("invalid resource version: {s}")))
}

/// Reads `resourceVersion` + `resourceVersionMatch`.
pub fn rv_match(ctx: &Ctx) -> ApiResult<RvMatch> {
    let rv = ctx.param("resourceVersion").unwrap_or("");
    match (ctx.param("resourceVersionMatch").unwrap_or(""), rv) {
        ("", "") => Ok(RvMatch::Latest),
        ("", "0") | ("NotOlderThan", "0") => Ok(RvMatch::Any),
        ("" | "NotOlderThan", rv) if !rv.is_empty() => Ok(RvMatch::NotOlderThan(parse_rv(rv)?)),
        ("Exact", "0") => Err(invalid_options("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")),
        ("Exact", rv) if !rv.is_empty() => Ok(RvMatch::Exact(parse_rv(rv)?)),
        ("NotOlderThan" | "Exact", _) => Err(invalid_options(
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )),
        (other, _) => Err(invalid_options(&format!(
            "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
        ))),
    }
}

fn invalid_options(msg: &str) -> ApiError {
    let mut e = ApiError::invalid(
        "ListOptions",
        "meta.k8s.io",
        "",
        vec![keelson_apimachinery::status::StatusCause::forbidden(
            "resourceVersionMatch",
            msg,
        )],
    );
    e.message =
        format!("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: {msg}");
    e
}

/// The continue token: where the next page starts, at which revision.
#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: i64,
    start: String,
}

fn encode_continue(rv: i64, last_key: &str, prefix: &str) -> String {
    let tok = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start: last_key
            .strip_prefix(prefix)
            .unwrap_or(last_key)
            .to_string()
            + "\u{0}",
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&tok).unwrap_or_default())
}

fn decode_continue(s: &str) -> ApiResult<ContinueToken> {
    let bad = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
    let tok: ContinueToken =
        serde_json::from_slice(&raw).map_err(|_| bad("not a valid continue token"))?;
    if tok.v != "meta.k8s.io/v1" {
        return Err(bad("server does not recognize this encoded key"));
    }
    if tok.start.contains("..") || tok.start.starts_with('/') {
        return Err(bad("key start is not valid"));
    }
    Ok(tok)
}

/// One page of a list.
pub struct Page {
    /// Selected objects.
    pub items: Vec<Arc<CachedObject>>,
    /// Revision the page was read at.
    pub revision: i64,
    /// Token for the next page.
    pub continue_token: Option<String>,
    /// Objects after this page (only without selectors).
    pub remaining: Option<i64>,
}

/// Reads the list the request asks for.
pub async fn read_page(ctx: &Ctx, filter: &ListFilter) -> ApiResult<Page> {
    let entry = &ctx.entry;
    let limit = match ctx.param("limit") {
        None | Some("") => 0,
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit: {s}")))?
            .max(0),
    } as usize;
    let cont = ctx.param("continue").filter(|s| !s.is_empty());
    let m = rv_match(ctx)?;
    if cont.is_some() && !matches!(m, RvMatch::Latest) {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    let prefix = entry.list_prefix(&filter.namespace);
    if limit == 0 && cont.is_none() && !matches!(m, RvMatch::Exact(_)) {
        let cache = ctx.registry.cache(entry)?;
        let revision = match m {
            RvMatch::Latest => ctx.registry.wait_consistent().await?,
            RvMatch::NotOlderThan(rv) => ctx.registry.wait_for_revision(rv).await?,
            _ => ctx.registry.caches.revision(),
        };
        let items = cache.list(&prefix, |o| filter.matches(o));
        return Ok(Page {
            items,
            revision,
            continue_token: None,
            remaining: None,
        });
    }
    // Paginated or exact: read storage at one revision, page by page.
    let (revision, mut start_after) = match cont {
        Some(c) => {
            let tok = decode_continue(c)?;
            (
                Some(tok.rv),
                Some(format!("{prefix}{}", tok.start.trim_end_matches('\u{0}'))),
            )
        }
        None => match m {
            RvMatch::Exact(rv) => (Some(rv), None),
            _ => (None, None),
        },
    };
    let fields = ctx.registry.cache(entry)?.field_extractor();
    let mut items = Vec::new();
    let mut at = revision;
    loop {
        let want = if limit == 0 {
            None
        } else {
            Some((limit - items.len()).max(1))
        };
        let res = ctx
            .registry
            .storage
            .list(&prefix, ListOptions { revision: at, start_after: start_after.clone(), limit: want })
            .await
            .map_err(|e| match e {
                keelson_storage::StorageError::Compacted { .. } if cont.is_some() => ApiError::new(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                ),
                other => storage_error(other, &entry.gr, ""),
            })?;
        at = Some(res.revision);
        let last = res.items.last().map(|kv| kv.key.clone());
        for kv in &res.items {
            if let Some(o) = cached_from_kv(kv, &fields) {
                if filter.matches(&o) {
                    items.push(Arc::new(o));
                }
            }
        }
        let more = res.remaining > 0;
        if limit == 0 || !more || items.len() >= limit {
            let continue_token = if more && limit > 0 {
                last.as_deref()
                    .map(|k| encode_continue(res.revision, k, &prefix))
            } else {
                None
            };
            let remaining = (more && !filter.has_selectors()).then_some(res.remaining);
            return Ok(Page {
                items,
                revision: res.revision,
                continue_token,
                remaining,
            });
        }
        start_after = last;
    }
}

/// LIST.
pub async fn list(ctx: Ctx) -> ApiResult<Response<Body>> {
    let filter = ListFilter::from_query(&ctx.entry, &ctx.info.namespace, &ctx.query)?;
    let page = read_page(&ctx, &filter).await?;
    let mut meta = json!({"resourceVersion": page.revision.to_string()});
    if let Some(c) = &page.continue_token {
        meta["continue"] = json!(c);
    }
    if let Some(r) = page.remaining {
        meta["remainingItemCount"] = json!(r);
    }
    match ctx.rep {
        Representation::Table(version) => {
            let include =
                IncludeObject::parse(ctx.param("includeObject")).map_err(ApiError::bad_request)?;
            let t = table::table_json(&ctx.entry.info, &page.items, &meta, include, version, true);
            return Ok(respond(200, "application/json", t));
        }
        Representation::PartialObjectMetadataList(version) => {
            let values: Vec<Value> = page.items.iter().map(|o| o.value()).collect();
            let list = table::partial_object_metadata_list(&values, meta, version);
            return Ok(respond_value(200, Representation::Json, &list));
        }
        Representation::PartialObjectMetadata(_) => return Err(table::is_a_list(&ctx.entry.info)),
        Representation::Json | Representation::Yaml => {}
    }
    let info = &ctx.entry.info;
    let head = json!({"kind": info.list_kind, "apiVersion": info.api_version(), "metadata": meta});
    let head = serde_json::to_vec(&head).unwrap_or_default();
    // Splice the cached item bytes in rather than re-serializing every object.
    let total: usize = page.items.iter().map(|o| o.json.len() + 1).sum();
    let mut buf = BytesMut::with_capacity(head.len() + total + 16);
    buf.put_slice(&head[..head.len() - 1]);
    buf.put_slice(b",\"items\":[");
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b',');
        }
        buf.put_slice(&o.json);
    }
    buf.put_slice(b"]}");
    let bytes: Bytes = buf.freeze();
    if ctx.rep == Representation::Yaml {
        return Ok(crate::negotiate::respond_json_bytes(
            200,
            Representation::Yaml,
            bytes,
        ));
    }
    Ok(respond(200, "application/json", bytes))
}
