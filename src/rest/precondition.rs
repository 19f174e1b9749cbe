//! Conditional requests on rows (RFC 9110 §13): every detail and written row carries
//! `ETag: "<token>"`, the row's token (a hash of its stored values, see `orm::token`).
//!
//! - A detail GET whose `If-None-Match` names the current token (or is `*`) gets 304 without
//!   a body.
//! - PUT, PATCH, POST to a row and DELETE with `If-Match` (tokens or `*`, compared strongly)
//!   go on only when the row's current token is listed: otherwise 412 and nothing changes. A
//!   row that is not there (or not visible to the caller) fails every `If-Match`, `*`
//!   included, so a conditional write never tells a hidden row from a missing one.
//! - The check and the write are one step: the row is locked first in the write's
//!   transaction (see `orm::lock`), so a writer that slips in between waits for the commit and
//!   then finds the new token.
//! - A resource with [`RestResource::require_if_match`](super::RestResource::require_if_match)
//!   answers 428 to a write to a row without `If-Match`. Creates never need one.
//!
//! The owner rule, `check_put` and `check_delete` come before the comparison: a caller who
//! may not write the row learns nothing about its version. A DELETE's answer has no `ETag`:
//! there is no row left to describe. Nested writes write their rows without a precondition;
//! the outer row's `If-Match` covers the outer row.

use actix_web::http::header::{self, EntityTag, Header, IfMatch, IfNoneMatch};
use actix_web::{HttpRequest, HttpResponse};
use sea_orm::DatabaseExecutor;
use serde_json::Value as Json;

use super::RestApi;
use super::erased::Resource;
use super::list::fetch;
use crate::orm::{Record, lock, value};
use crate::{Context, Error};

/// What a write's `If-Match` expects of the row: nothing without the header.
pub(super) struct Expected(Option<IfMatch>);

impl Expected {
    /// Reads `If-Match`: 400 when it cannot be read, 428 when the resource requires it and
    /// it is missing.
    pub(super) fn of(req: &HttpRequest, resource: &Resource) -> Result<Self, Error> {
        if !req.headers().contains_key(header::IF_MATCH) {
            if resource.settings.require_if_match {
                return Err(Error::PreconditionRequired);
            }
            return Ok(Self(None));
        }
        match IfMatch::parse(req) {
            Ok(IfMatch::Items(tags)) if tags.is_empty() => Err(unreadable()),
            Ok(expected) => Ok(Self(Some(expected))),
            Err(_) => Err(unreadable()),
        }
    }

    fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// 412 unless `row`'s token is one the request expects.
    pub(super) fn check(&self, row: &Record) -> Result<(), Error> {
        let matches = match &self.0 {
            None | Some(IfMatch::Any) => true,
            Some(IfMatch::Items(tags)) => {
                let current = tag(row);
                tags.iter().any(|tag| tag.strong_eq(&current))
            }
        };
        if matches {
            Ok(())
        } else {
            Err(Error::PreconditionFailed)
        }
    }
}

/// The row a write to `pk` is about, within the resource's scope: locked until the
/// transaction ends when the request carries `If-Match`, and then a 412 rather than a 404
/// when it is not there.
pub(super) async fn stored(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    pk: &str,
    expected: &Expected,
) -> Result<Record, Error> {
    if !expected.is_set() {
        return fetch(api, resource, ctx, db, pk).await;
    }
    let info = resource.info();
    if let Ok(key) = value::from_str(info.pk_column(), pk) {
        lock::lock_rows(db, info, vec![key]).await?;
    }
    match fetch(api, resource, ctx, db, pk).await {
        Err(Error::NotFound) => Err(Error::PreconditionFailed),
        other => other,
    }
}

fn unreadable() -> Error {
    Error::BadRequest("the If-Match header is not `*` or a list of quoted ETags".into())
}

fn tag(row: &Record) -> EntityTag {
    EntityTag::new_strong(row.token())
}

/// The `ETag` header of `row`.
pub(super) fn etag(row: &Record) -> header::ETag {
    header::ETag(tag(row))
}

/// A detail: 304 without a body when `If-None-Match` names the row's token (compared
/// weakly, as RFC 9110 asks) or is `*`; the object otherwise. Both carry the `ETag`.
pub(super) fn detail(req: &HttpRequest, row: &Record, object: Json) -> HttpResponse {
    let current = tag(row);
    let fresh = match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(&current)),
        Err(_) => false,
    };
    if fresh {
        return HttpResponse::NotModified()
            .insert_header(header::ETag(current))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header(header::ETag(current))
        .json(object)
}
