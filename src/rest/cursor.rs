//! Cursor paging for lists: `?cursor=` (empty for the first page) pages by key instead of by
//! number, so a page costs the same at row 10 and at row 900,000 and rows inserted meanwhile
//! never shift a page. The envelope stays the same: `meta.next`/`meta.previous` carry the
//! cursor URLs and `page`, `page_count` and `object_count` are null.
//!
//! A cursor is the key of the row it pages from (the values of the list's order terms, the
//! primary key last), the direction and the ordering it was made for, as base64url JSON, with
//! an HMAC-SHA256 tag under the API's [`secret_key`](super::RestApiBuilder::secret_key). A
//! cursor whose tag, shape, ordering or values do not check out is a 400. Whatever a cursor
//! says, it only adds a condition to the resource's scoped query, so it can never reach rows
//! outside it.

use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DatabaseExecutor, Value};
use serde_json::{Value as Json, json};
use sha2::Sha256;

use super::RestApi;
use super::erased::Resource;
use super::list::{Listing, Meta, included, load, objects};
use crate::orm::{self, ColumnInfo, FieldKind, Page, Query, Window, value};
use crate::{Context, Error};

/// Bytes of the HMAC kept in a cursor.
const TAG_BYTES: usize = 16;

/// Which way a cursor pages from its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The rows after the key.
    Next,
    /// The rows before the key.
    Previous,
}

impl Direction {
    fn code(self) -> &'static str {
        match self {
            Self::Next => "n",
            Self::Previous => "p",
        }
    }
}

fn tag(secret: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(payload);
    mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
}

/// The cursor for the rows `direction` of `key` under `ordering`.
/// A key value as a cursor holds it: as the API shows it, except datetimes, which keep every
/// digit of their fraction. A row written with nanoseconds (a site's own `Utc::now()`) would
/// otherwise be paged from a key before it, and come again on every page.
fn key_json(value: &Value) -> Json {
    let full = |dt: NaiveDateTime| Json::String(dt.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
    match value {
        Value::ChronoDateTime(Some(dt)) => full(*dt),
        Value::ChronoDateTimeUtc(Some(dt)) => full(dt.naive_utc()),
        other => value::to_json(other),
    }
}

/// A key value from a cursor (see [`key_json`]): datetimes keep every digit.
fn key_value(column: &ColumnInfo, json: &Json) -> Option<Value> {
    match (column.kind, json) {
        (FieldKind::DateTime, Json::String(text)) => {
            Some(Value::ChronoDateTime(Some(value::parse_datetime(text)?)))
        }
        (FieldKind::DateTimeUtc, Json::String(text)) => Some(Value::ChronoDateTimeUtc(Some(
            value::parse_datetime(text)?.and_utc(),
        ))),
        _ => value::from_json(column, json).ok(),
    }
}

fn encode(secret: &[u8], direction: Direction, ordering: &str, key: &[Value]) -> String {
    let key: Vec<Json> = key.iter().map(key_json).collect();
    let payload = json!([direction.code(), ordering, key]).to_string();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag(secret, payload.as_bytes()))
    )
}

fn invalid() -> Error {
    Error::BadRequest("invalid cursor: use the `next` or `previous` URL of a list".into())
}

/// Reads a cursor made by [`encode`] for this `ordering` and `query`.
fn decode(
    secret: &[u8],
    cursor: &str,
    ordering: &str,
    query: &Query,
) -> Result<(Direction, Vec<Value>), Error> {
    let (payload, given) = cursor.split_once('.').ok_or_else(invalid)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
    let given = URL_SAFE_NO_PAD.decode(given).map_err(|_| invalid())?;
    let expected = tag(secret, &payload);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_slice(),
        expected.as_slice(),
    )) {
        return Err(invalid());
    }
    let Ok(Json::Array(parts)) = serde_json::from_slice::<Json>(&payload) else {
        return Err(invalid());
    };
    let [
        Json::String(direction),
        Json::String(made_for),
        Json::Array(key),
    ] = parts.as_slice()
    else {
        return Err(invalid());
    };
    let direction = match direction.as_str() {
        "n" => Direction::Next,
        "p" => Direction::Previous,
        _ => return Err(invalid()),
    };
    if made_for != ordering {
        return Err(Error::BadRequest(
            "invalid cursor: it was made for another ordering".into(),
        ));
    }
    let columns = query.order_columns();
    if key.len() != columns.len() {
        return Err(invalid());
    }
    let key = columns
        .iter()
        .zip(key)
        .map(|(column, json)| match key_value(column, json) {
            Some(value) if value::is_null(&value) && !column.nullable => Err(invalid()),
            Some(value) => Ok(value),
            None => Err(invalid()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((direction, key))
}

/// The list URL for `cursor`, keeping every other query parameter but `page`.
fn cursor_url(req: &HttpRequest, params: &[(String, String)], cursor: &str) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params
        .iter()
        .filter(|(key, _)| key != "page" && key != "cursor")
    {
        serializer.append_pair(key, value);
    }
    serializer.append_pair("cursor", cursor);
    format!("{}?{}", req.path(), serializer.finish())
}

/// One page of a list by cursor: `query` is the resource's scoped query for `params`, and
/// `cursor` the `cursor` parameter (empty for the first page).
/// Keeps the first `limit` rows of `page` (read with one more), in reading order when the
/// page was read backwards.
fn trim(page: &mut Page, limit: u64, backwards: bool) {
    let size = usize::try_from(limit).unwrap_or(usize::MAX);
    page.rows.truncate(size);
    page.joined.truncate(size);
    page.keys.truncate(size);
    if backwards {
        page.rows.reverse();
        page.joined.reverse();
        page.keys.reverse();
    }
}

pub(super) async fn list(
    api: &RestApi,
    req: &HttpRequest,
    resource: &Resource,
    ctx: &Context,
    mut query: Query,
    params: &[(String, String)],
    cursor: &str,
) -> Result<HttpResponse, Error> {
    orm::orderable(&query).map_err(Error::BadRequest)?;
    let named = |key: &'static str| {
        params
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    // As the grammar reads them: the last `ordering`, the first `limit`.
    let ordering = named("ordering").next_back().unwrap_or("");
    let secret = &api.inner.cursor_key;
    let settings = &resource.settings;
    // Cursor paging always pages: without a page size, the largest one.
    let limit = orm::page_size(
        named("limit").next(),
        settings.paginate_by,
        settings.max_paginate_by,
    )
    .unwrap_or(settings.max_paginate_by.max(1));
    let (direction, key) = if cursor.is_empty() {
        (Direction::Next, None)
    } else {
        let (direction, key) = decode(secret, cursor, ordering, &query)?;
        (direction, Some(key))
    };
    let db = DatabaseExecutor::from(&api.inner.db);
    query.with_keys();
    if direction == Direction::Previous {
        query.reverse();
    }
    if let Some(key) = &key {
        orm::keyset_after(&mut query, key, db.get_database_backend());
    }
    // One row more than the page tells whether there is another page that way.
    let window = Window {
        offset: 0,
        limit: Some(limit.saturating_add(1)),
    };
    let included = included(api, resource, ctx);
    let mut page = load(resource, &db, &query, window, &included, false).await?;
    let more = page.rows.len() as u64 > limit;
    trim(&mut page, limit, direction == Direction::Previous);
    // Going back, the rows after the page are the ones the client came from; going forward
    // from a key, the rows before it.
    let (has_previous, has_next) = match direction {
        Direction::Next => (key.is_some(), more),
        Direction::Previous => (more, true),
    };
    let link = |wanted: bool, direction: Direction, key: Option<&Vec<Value>>| match key {
        Some(key) if wanted => cursor_url(req, params, &encode(secret, direction, ordering, key)),
        _ => String::new(),
    };
    let previous = link(has_previous, Direction::Previous, page.keys.first());
    let next = link(has_next, Direction::Next, page.keys.last());
    let meta = Meta {
        model: &resource.info().slug,
        next,
        object_count: None,
        page: None,
        page_count: None,
        previous,
    };
    let objects = objects(resource, ctx, &included, &page)?;
    Ok(HttpResponse::Ok().json(Listing { meta, objects }))
}
