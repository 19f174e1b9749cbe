//! Reading: the list envelope, details, and objects with nested foreign keys.

use actix_web::{HttpRequest, HttpResponse};
use sea_orm::{Condition, DatabaseExecutor, Statement};
use serde::Serialize;
use serde_json::Value as Json;

use super::erased::Resource;
use super::{RestApi, Visibility};
use crate::orm::{self, Grammar, Join, Page, Query, Record, Window, value};
use crate::{Context, Error};

fn params(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The query every read, edit and delete starts from: filters from `params` (none for
/// details) restricted by the resource's `get_query`.
pub(super) fn scoped_query(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    params: &[(String, String)],
) -> Result<Query, Error> {
    let info = resource.info();
    let policy = Visibility {
        api,
        base: &info.slug,
        ctx,
    };
    let backend = api.inner.db.get_database_backend();
    let mut query = Grammar::new(&api.inner.models, info, &policy, backend)
        .with_limits(api.inner.limits)
        .compile(params, &[])?;
    query.and(resource.hooks.get_query(ctx));
    Ok(query)
}

/// The page URL for `page`, keeping every other query parameter.
fn page_url(req: &HttpRequest, params: &[(String, String)], page: u64) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params.iter().filter(|(key, _)| key != "page") {
        serializer.append_pair(key, value);
    }
    serializer.append_pair("page", &page.to_string());
    format!("{}?{}", req.path(), serializer.finish())
}

pub(super) async fn list(
    api: &RestApi,
    req: &HttpRequest,
    resource: &Resource,
    ctx: &Context,
) -> Result<HttpResponse, Error> {
    resource.hooks.check_get(ctx, None).await?;
    let params = params(req);
    let query = scoped_query(api, resource, ctx, &params)?;
    if let Some((_, cursor)) = params.iter().rev().find(|(key, _)| key == "cursor") {
        return super::cursor::list(api, req, resource, ctx, query, &params, cursor).await;
    }
    let settings = &resource.settings;
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let limit = orm::page_size(get("limit"), settings.paginate_by, settings.max_paginate_by);
    let page = if limit.is_some() {
        orm::page_number(get("page"))
    } else {
        1
    };
    let offset = limit.map_or(0, |limit| (page - 1).saturating_mul(limit));
    let exact = settings.exact_count;
    let window = Window {
        offset,
        // Without an exact count, one row more than the page tells whether there is a next.
        limit: limit.map(|limit| {
            if exact {
                limit
            } else {
                limit.saturating_add(1)
            }
        }),
    };
    let included = included(api, resource, ctx);
    let db = DatabaseExecutor::from(&api.inner.db);
    let mut rows = load(
        resource,
        &db,
        &query,
        window,
        &included,
        exact && limit.is_some(),
    )
    .await?;
    let (object_count, page_count, has_next) = counts(&mut rows, limit, offset, exact);
    let objects = objects(resource, ctx, &included, &rows)?;
    let previous = if page > 1 {
        page_url(req, &params, page - 1)
    } else {
        String::new()
    };
    let next = if has_next {
        page_url(req, &params, page + 1)
    } else {
        String::new()
    };
    let meta = Meta {
        model: &resource.info().slug,
        next,
        object_count,
        page: Some(page),
        page_count,
        previous,
    };
    Ok(HttpResponse::Ok().json(Listing { meta, objects }))
}

/// A list's response body, written as it is (a `json!` tree would copy every object).
#[derive(Serialize)]
pub(super) struct Listing<'a> {
    pub meta: Meta<'a>,
    pub objects: Vec<Json>,
}

/// A list's `meta`, its keys in the order of the objects' (sorted).
#[derive(Serialize)]
pub(super) struct Meta<'a> {
    pub model: &'a str,
    pub next: String,
    pub object_count: Option<u64>,
    pub page: Option<u64>,
    pub page_count: Option<u64>,
    pub previous: String,
}

/// The row count, page count and whether a next page exists, for a page of at most `limit`
/// rows at `offset`. Without an exact count the page was read with one row more than `limit`,
/// which tells whether there is a next; it is dropped here.
fn counts(
    rows: &mut Page,
    limit: Option<u64>,
    offset: u64,
    exact: bool,
) -> (Option<u64>, Option<u64>, bool) {
    let (object_count, has_next) = match limit {
        Some(limit) if !exact => {
            let has_next = rows.rows.len() as u64 > limit;
            rows.rows.truncate(limit as usize);
            (None, has_next)
        }
        Some(limit) => {
            let count = rows.total.unwrap_or_default();
            (Some(count), offset.saturating_add(limit) < count)
        }
        None => (Some(rows.rows.len() as u64), false),
    };
    let page_count = match (object_count, limit) {
        (Some(count), Some(limit)) => Some(count.div_ceil(limit)),
        (Some(count), None) => Some(u64::from(count > 0)),
        (None, _) => None,
    };
    (object_count, page_count, has_next)
}

/// A foreign key returned as a nested object, with the resource that shapes it.
pub(super) struct Included<'a> {
    column: &'a str,
    key: &'a str,
    resource: &'a Resource,
    /// The rows of the included resource the caller may see: its `get_query`.
    scope: Condition,
}

/// The resource's `include_resources` that it shows and whose tables are registered.
pub(super) fn included<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &Context,
) -> Vec<Included<'a>> {
    let info = resource.info();
    let settings = &resource.settings;
    settings
        .include
        .iter()
        .filter(|name| settings.shows(name))
        .filter_map(|name| {
            let fk = info.column(name)?.foreign_key.as_ref()?;
            let resource = api.resource(&fk.table)?;
            Some(Included {
                column: name,
                key: &fk.column,
                resource,
                scope: resource.hooks.get_query(ctx),
            })
        })
        .collect()
}

/// Rows of `query` within `window`, with the rows of the included foreign keys, in one
/// statement.
pub(super) async fn load(
    resource: &Resource,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
    included: &[Included<'_>],
    count: bool,
) -> Result<Page, Error> {
    Ok(resource
        .model
        .page(db, query, window, &joins(included), count)
        .await?)
}

fn joins<'a>(included: &'a [Included<'a>]) -> Vec<Join<'a>> {
    included
        .iter()
        .map(|include| Join {
            column: include.column,
            model: &include.resource.model,
            key: include.key,
            scope: include.scope.clone(),
        })
        .collect()
}

/// The row with primary key `pk` (as text) within the resource's scope; 404 when it is not
/// there or `pk` is not a valid key.
pub(super) async fn fetch(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    pk: &str,
) -> Result<Record, Error> {
    let column = &resource.info().pk_column().name;
    find(api, resource, ctx, db, column, pk_value(resource, pk)?)
        .await?
        .ok_or(Error::NotFound)
}

/// The row whose `column` equals `key`, within the resource's scope.
pub(super) async fn find(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    column: &str,
    key: sea_orm::Value,
) -> Result<Option<Record>, Error> {
    let query = scoped_query(api, resource, ctx, &[])?;
    let mut page = resource
        .model
        .one(db, None, &query, column, key, &[])
        .await?;
    Ok(page.rows.pop())
}

/// A primary key from the URL; one that cannot be a key is simply not found.
fn pk_value(resource: &Resource, pk: &str) -> Result<sea_orm::Value, Error> {
    value::from_str(resource.info().pk_column(), pk).map_err(|_| Error::NotFound)
}

/// The row of `query` with primary key `pk`, with its included rows, in one statement, after
/// `first` (a write whose answer is not needed) when given.
async fn load_one<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    pk: sea_orm::Value,
    first: Option<Statement>,
) -> Result<(Vec<Included<'a>>, Page), Error> {
    let included = included(api, resource, ctx);
    let column = &resource.info().pk_column().name;
    let joins = joins(&included);
    let page = resource
        .model
        .one(db, first, query, column, pk, &joins)
        .await?;
    Ok((included, page))
}

/// The object of the row with primary key `pk`, with the row it shows.
pub(super) async fn detail(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    pk: &str,
) -> Result<(Json, Record), Error> {
    let query = scoped_query(api, resource, ctx, &[])?;
    let db = DatabaseExecutor::from(&api.inner.db);
    let (included, page) = load_one(
        api,
        resource,
        ctx,
        &db,
        &query,
        pk_value(resource, pk)?,
        None,
    )
    .await?;
    let row = page.rows.first().ok_or(Error::NotFound)?;
    resource.hooks.check_get(ctx, Some(row)).await?;
    let object = objects(resource, ctx, &included, &page)?.pop();
    Ok((object.unwrap_or(Json::Null), row.clone()))
}

/// A written row as returned: re-read by its primary key (whatever the resource's scope) with
/// its included rows, on `db`, the write's own transaction, after `entry` (the write's audit
/// entry, when held back); as written, without them, should it be gone already. Returns the
/// object with the row it shows.
pub(super) async fn written(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    row: &Record,
    entry: Option<Statement>,
) -> Result<(Json, Record), Error> {
    let info = resource.info();
    let query = Query::everything(info);
    let pk = row.pk(info).clone();
    let (included, mut page) = load_one(api, resource, ctx, db, &query, pk, entry).await?;
    if page.rows.is_empty() {
        page.rows.push(row.clone());
        page.joined.push(vec![None; included.len()]);
    }
    let object = objects(resource, ctx, &included, &page)?
        .pop()
        .unwrap_or(Json::Null);
    Ok((object, page.rows.swap_remove(0)))
}

/// Rows as JSON objects: shown columns only, included foreign keys replaced by the nested
/// object (shaped by its own resource and its `prepare_data`, once per distinct row), then
/// `prepare_data`.
pub(super) fn objects(
    resource: &Resource,
    ctx: &Context,
    included: &[Included<'_>],
    page: &Page,
) -> Result<Vec<Json>, Error> {
    let info = resource.info();
    let settings = &resource.settings;
    // Each nested object with the number of rows still to show it: the last one takes it,
    // the others a copy.
    let mut nested: Vec<Vec<(Json, usize)>> = included
        .iter()
        .zip(&page.related)
        .map(|(include, rows)| {
            let nested = include.resource;
            rows.iter()
                .map(|row| {
                    let data = row.to_json(nested.info(), |c| nested.settings.shows(c));
                    Ok((Json::Object(nested.hooks.prepare_data(ctx, row, data)?), 0))
                })
                .collect()
        })
        .collect::<Result<_, Error>>()?;
    for joined in &page.joined {
        for (objects, position) in nested.iter_mut().zip(joined) {
            if let Some((_, uses)) = position.and_then(|p| objects.get_mut(p)) {
                *uses += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(page.rows.len());
    for (row, joined) in page.rows.iter().zip(&page.joined) {
        let mut map = row.to_json(info, |c| settings.shows(c));
        for ((include, objects), position) in included.iter().zip(&mut nested).zip(joined) {
            if let Some((object, uses)) = position.and_then(|p| objects.get_mut(p)) {
                *uses -= 1;
                let object = if *uses == 0 {
                    std::mem::take(object)
                } else {
                    object.clone()
                };
                map.insert(include.column.to_owned(), object);
            }
        }
        out.push(Json::Object(resource.hooks.prepare_data(ctx, row, map)?));
    }
    Ok(out)
}
