//! Reading: the list envelope, details, and objects with nested foreign keys.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{Condition, DatabaseExecutor};
use serde_json::{Map, Value as Json, json};

use super::erased::Resource;
use super::resource::ApiContext;
use super::{RestApi, Visibility};
use crate::Error;
use crate::orm::{self, Grammar, Query, Record, Window, column_expr, value};

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
    context: &ApiContext,
    params: &[(String, String)],
) -> Result<Query, Error> {
    let info = resource.info();
    let policy = Visibility {
        api,
        base: &info.slug,
    };
    let backend = api.inner.db.get_database_backend();
    let mut query = Grammar::new(&api.inner.models, info, &policy, backend).compile(params, &[])?;
    query.and(resource.hooks.get_query(context));
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
    context: &ApiContext,
) -> Result<HttpResponse, Error> {
    if !resource.hooks.check_get(context, None) {
        return Err(Error::Forbidden);
    }
    let params = params(req);
    let query = scoped_query(api, resource, context, &params)?;
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
    let db = DatabaseExecutor::from(&api.inner.db);
    let offset = limit.map_or(0, |limit| (page - 1).saturating_mul(limit));
    let (rows, object_count, has_next) = match limit {
        Some(limit) if !settings.exact_count => {
            let window = Window {
                offset,
                limit: Some(limit + 1),
            };
            let mut rows = resource.model.list(&db, &query, window).await?;
            let has_next = rows.len() as u64 > limit;
            rows.truncate(limit as usize);
            (rows, None, has_next)
        }
        _ => {
            let count = resource.model.count(&db, &query).await?;
            let rows = if limit.is_some() && offset >= count {
                Vec::new()
            } else {
                resource
                    .model
                    .list(&db, &query, Window { offset, limit })
                    .await?
            };
            (
                rows,
                Some(count),
                limit.is_some_and(|limit| offset + limit < count),
            )
        }
    };
    let page_count = match (object_count, limit) {
        (Some(count), Some(limit)) => Some(count.div_ceil(limit)),
        (Some(count), None) => Some(u64::from(count > 0)),
        (None, _) => None,
    };
    let objects = objects(api, resource, context, &rows).await?;
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
    let meta = json!({
        "model": resource.info().slug,
        "page": page,
        "page_count": page_count,
        "object_count": object_count,
        "previous": previous,
        "next": next,
    });
    Ok(HttpResponse::Ok().json(json!({ "meta": meta, "objects": objects })))
}

/// The row with primary key `pk` (as text) within the resource's scope; 404 when it is not
/// there or `pk` is not a valid key.
pub(super) async fn fetch(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
) -> Result<Record, Error> {
    let column = resource.info().pk_column();
    let pk = value::from_str(column, pk).map_err(|_| Error::NotFound)?;
    let db = DatabaseExecutor::from(&api.inner.db);
    find(api, resource, context, &db, &column.name, pk)
        .await?
        .ok_or(Error::NotFound)
}

/// The row whose `column` equals `key`, within the resource's scope.
pub(super) async fn find(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    db: &DatabaseExecutor<'_>,
    column: &str,
    key: sea_orm::Value,
) -> Result<Option<Record>, Error> {
    let mut query = scoped_query(api, resource, context, &[])?;
    query.and(Condition::all().add(column_expr(&resource.info().table, column).eq(key)));
    let window = Window {
        offset: 0,
        limit: Some(1),
    };
    Ok(resource.model.list(db, &query, window).await?.pop())
}

pub(super) async fn detail(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
) -> Result<HttpResponse, Error> {
    let row = fetch(api, resource, context, pk).await?;
    if !resource.hooks.check_get(context, Some(&row)) {
        return Err(Error::Forbidden);
    }
    let object = objects(api, resource, context, std::slice::from_ref(&row))
        .await?
        .pop()
        .unwrap_or(Json::Null);
    Ok(HttpResponse::Ok().json(object))
}

/// Rows as JSON objects: shown columns only, `include_resources` foreign keys replaced by the
/// nested object (one query per included key, whatever the number of rows), then
/// `prepare_data`.
pub(super) async fn objects(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    rows: &[Record],
) -> Result<Vec<Json>, Error> {
    let info = resource.info();
    let settings = &resource.settings;
    let mut maps: Vec<Map<String, Json>> = rows
        .iter()
        .map(|row| row.to_json(info, |c| settings.shows(c)))
        .collect();
    let db = DatabaseExecutor::from(&api.inner.db);
    for name in settings.include.iter().filter(|name| settings.shows(name)) {
        let Some(fk) = info.column(name).and_then(|c| c.foreign_key.as_ref()) else {
            continue;
        };
        let Some(nested) = api.resource(&fk.table) else {
            continue;
        };
        let keys = Record::distinct(rows, info, name);
        let related = nested.model.find_in(&db, &fk.column, keys).await?;
        let nested_info = nested.info();
        let by_key: HashMap<String, Json> = related
            .iter()
            .filter_map(|row| {
                let key = value::to_text(row.get(nested_info, &fk.column)?);
                let data = row.to_json(nested_info, |c| nested.settings.shows(c));
                Some((
                    key,
                    Json::Object(nested.hooks.prepare_data(context, row, data)),
                ))
            })
            .collect();
        for (map, row) in maps.iter_mut().zip(rows) {
            if let Some(object) = row
                .get(info, name)
                .and_then(|v| by_key.get(&value::to_text(v)))
            {
                map.insert(name.clone(), object.clone());
            }
        }
    }
    Ok(maps
        .into_iter()
        .zip(rows)
        .map(|(map, row)| Json::Object(resource.hooks.prepare_data(context, row, map)))
        .collect())
}
