//! The request shapes every resource client shares (typed `Api<K>` and
//! `DynamicApi`): each takes the client's base request for a method (group,
//! version, namespace, resource already set) and finishes it.

use super::{DeleteOutcome, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use crate::error::Result;
use crate::object::ObjectList;
use crate::rest::Request;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The base request narrowed to one object, or its subresource when `sub` is not empty.
fn named(base: Request, name: &str, sub: &str) -> Request {
    let r = base.name(name);
    if sub.is_empty() {
        r
    } else {
        r.subresource(sub)
    }
}

/// `GET` an object or one of its subresources.
pub(crate) async fn get<T: DeserializeOwned>(base: Request, name: &str, sub: &str) -> Result<T> {
    named(base, name, sub).into().await
}

/// `PUT` an object or one of its subresources.
pub(crate) async fn replace<T: DeserializeOwned, B: Serialize>(
    base: Request,
    name: &str,
    sub: &str,
    pp: &PostParams,
    body: &B,
) -> Result<T> {
    pp.apply(named(base, name, sub)).body(body).into().await
}

/// `PATCH` an object or one of its subresources.
pub(crate) async fn patch<T: DeserializeOwned, P: Serialize>(
    base: Request,
    name: &str,
    sub: &str,
    pp: &PatchParams,
    patch: &Patch<P>,
) -> Result<T> {
    let r = named(base, name, sub).content_type(patch.patch_type().content_type());
    patch.body(pp.apply_to(r)).into().await
}

/// `DELETE` one object.
pub(crate) async fn delete<T: DeserializeOwned>(
    base: Request,
    name: &str,
    dp: &DeleteParams,
) -> Result<DeleteOutcome<T>> {
    let resp = base.name(name).body(&dp.to_body()).send().await?;
    super::delete_outcome(&resp.body)
}

/// `DELETE` every object `lp` selects.
pub(crate) async fn delete_collection<T: DeserializeOwned>(
    base: Request,
    dp: &DeleteParams,
    lp: &ListParams,
) -> Result<DeleteOutcome<ObjectList<T>>> {
    let resp = lp.apply(base, false).body(&dp.to_body()).send().await?;
    super::delete_outcome(&resp.body)
}
