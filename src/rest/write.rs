//! Writing: JSON bodies to column values, create, partial update, delete.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sea_orm::{DatabaseExecutor, Value};
use serde_json::{Map, Value as Json, json};

use super::RestApi;
use super::erased::Resource;
use super::list::{fetch, objects};
use super::resource::{ApiContext, ApiUser};
use crate::Error;
use crate::orm::Changes;
use crate::orm::{ColumnInfo, FieldKind, Record, value};

/// The request body as a JSON object: 415 unless it is sent as JSON, 413 past the limit,
/// 400 when it is not a JSON object.
pub(super) async fn read_json(
    api: &RestApi,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Map<String, Json>, Error> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Error::UnsupportedMediaType);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| Error::BadRequest("the request body could not be read".into()))?;
        if body.len() + chunk.len() > api.inner.body_limit {
            return Err(Error::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    match serde_json::from_slice::<Json>(&body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(Error::BadRequest("the body must be a JSON object".into())),
        Err(error) => Err(Error::BadRequest(format!("malformed JSON: {error}"))),
    }
}

/// The owner column's value for `user`, typed as the column expects.
fn owner_value(column: &ColumnInfo, user: &ApiUser) -> Result<Value, Error> {
    let out_of_range = || {
        Error::Internal(format!(
            "user id {} does not fit `{}`",
            user.id, column.name
        ))
    };
    Ok(match column.kind {
        FieldKind::BigInt => Value::BigInt(Some(user.id)),
        FieldKind::Int => Value::Int(Some(i32::try_from(user.id).map_err(|_| out_of_range())?)),
        FieldKind::BigUnsigned => {
            Value::BigUnsigned(Some(u64::try_from(user.id).map_err(|_| out_of_range())?))
        }
        FieldKind::Unsigned => {
            Value::Unsigned(Some(u32::try_from(user.id).map_err(|_| out_of_range())?))
        }
        _ => {
            return Err(Error::Internal(format!(
                "owner field `{}` is not an integer column",
                column.name
            )));
        }
    })
}

/// A nested object sent for a foreign key stands for the row with its primary key.
fn reference(column: &ColumnInfo, object: &Map<String, Json>) -> Result<Json, Error> {
    let key = column
        .foreign_key
        .as_ref()
        .map_or("id", |fk| fk.column.as_str());
    object.get(key).cloned().ok_or_else(|| {
        Error::BadRequest(format!(
            "field `{}`: a nested object must carry its `{key}`",
            column.name
        ))
    })
}

/// Turns a body into column values: unknown keys are errors; the primary key, read-only
/// columns and the owner column are dropped; values are checked against column types.
fn changes(
    resource: &Resource,
    context: &ApiContext,
    body: Map<String, Json>,
) -> Result<Changes, Error> {
    let info = resource.info();
    let settings = &resource.settings;
    let mut values = Vec::new();
    for (key, json) in body {
        let column = info
            .column(&key)
            .filter(|c| settings.shows(&c.name) || settings.exclude.contains(&c.name))
            .ok_or_else(|| Error::BadRequest(format!("unknown field `{key}`")))?;
        if column.primary_key
            || settings.readonly.contains(&key)
            || settings.owner_field.as_ref() == Some(&key)
        {
            continue;
        }
        let json = match (&column.foreign_key, &json) {
            (Some(_), Json::Object(object)) => reference(column, object)?,
            _ => json,
        };
        let value = value::from_json(column, &json)?;
        if value::is_null(&value) && !column.nullable {
            return Err(Error::BadRequest(format!("field `{key}` may not be null")));
        }
        values.push((key, value));
    }
    let mut changes = Changes::new(values);
    if let Some(owner) = settings
        .owner_field
        .as_ref()
        .and_then(|name| info.column(name))
    {
        let user = context
            .user
            .as_ref()
            .ok_or_else(super::authentication::unauthorized)?;
        changes.set(&owner.name, owner_value(owner, user)?);
    }
    Ok(changes)
}

fn check_owner(resource: &Resource, context: &ApiContext, row: &Record) -> Result<(), Error> {
    let Some(owner) = &resource.settings.owner_field else {
        return Ok(());
    };
    let user = context
        .user
        .as_ref()
        .ok_or_else(super::authentication::unauthorized)?;
    let owned = row.get(resource.info(), owner).map(value::to_text) == Some(user.id.to_string());
    if owned { Ok(()) } else { Err(Error::Forbidden) }
}

async fn respond(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    row: Record,
    created: bool,
) -> Result<HttpResponse, Error> {
    let object = objects(api, resource, context, std::slice::from_ref(&row))
        .await?
        .pop()
        .unwrap_or(Json::Null);
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(object))
}

pub(super) async fn create(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    body: Map<String, Json>,
) -> Result<HttpResponse, Error> {
    let mut changes = changes(resource, context, body)?;
    resource
        .hooks
        .before_save(context, None, &mut changes)
        .await?;
    let info = resource.info();
    if let Some(missing) = info
        .columns
        .iter()
        .find(|c| c.required() && changes.get(&c.name).is_none())
    {
        return Err(Error::BadRequest(format!(
            "field `{}` is required",
            missing.name
        )));
    }
    if !resource.hooks.check_post(context, &changes) {
        return Err(Error::Forbidden);
    }
    let db = DatabaseExecutor::from(&api.inner.db);
    let row = resource.model.insert(&db, changes.into_values()).await?;
    respond(api, resource, context, row, true).await
}

pub(super) async fn update(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
    body: Map<String, Json>,
) -> Result<HttpResponse, Error> {
    let row = fetch(api, resource, context, pk).await?;
    check_owner(resource, context, &row)?;
    if !resource.hooks.check_put(context, &row) {
        return Err(Error::Forbidden);
    }
    let mut changes = changes(resource, context, body)?;
    if let Some(owner) = &resource.settings.owner_field {
        changes.remove(owner);
    }
    resource
        .hooks
        .before_save(context, Some(&row), &mut changes)
        .await?;
    let db = DatabaseExecutor::from(&api.inner.db);
    let pk_value = row.pk(resource.info()).clone();
    let updated = resource
        .model
        .update(&db, pk_value, changes.into_values())
        .await?
        .ok_or(Error::NotFound)?;
    respond(api, resource, context, updated, false).await
}

pub(super) async fn delete(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
) -> Result<HttpResponse, Error> {
    let row = fetch(api, resource, context, pk).await?;
    check_owner(resource, context, &row)?;
    if !resource.hooks.check_delete(context, &row) {
        return Err(Error::Forbidden);
    }
    let db = DatabaseExecutor::from(&api.inner.db);
    let deleted = resource
        .model
        .delete(&db, vec![row.pk(resource.info()).clone()])
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted })))
}
