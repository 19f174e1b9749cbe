//! Request bodies: JSON only, within the size limit, read against a resource's columns.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use sea_orm::Value;
use serde_json::{Map, Value as Json};

use super::RestApi;
use super::erased::Resource;
use crate::orm::{ColumnInfo, FieldKind, value};
use crate::{Context, CurrentUser, Error};

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
fn owner_value(column: &ColumnInfo, user: &CurrentUser) -> Result<Value, Error> {
    let id = user.id();
    let out_of_range = || Error::internal(format!("user id {id} does not fit `{}`", column.name));
    Ok(match column.kind {
        FieldKind::BigInt => Value::BigInt(Some(id)),
        FieldKind::Int => Value::Int(Some(i32::try_from(id).map_err(|_| out_of_range())?)),
        FieldKind::BigUnsigned => {
            Value::BigUnsigned(Some(u64::try_from(id).map_err(|_| out_of_range())?))
        }
        FieldKind::Unsigned => {
            Value::Unsigned(Some(u32::try_from(id).map_err(|_| out_of_range())?))
        }
        _ => {
            return Err(Error::internal(format!(
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

/// A request body read against a resource: the column values to write and the nested
/// objects (of foreign keys that opt in to nested writes) to write before them.
pub(super) struct Body {
    pub(super) values: Vec<(String, Value)>,
    pub(super) nested: Vec<(String, Map<String, Json>)>,
}

/// Reads a body: unknown keys are errors; the primary key, read-only columns and the owner
/// column are dropped; values are checked against column types. On create the owner column
/// is the caller.
pub(super) fn parse(
    resource: &Resource,
    ctx: &Context,
    body: Map<String, Json>,
    creating: bool,
) -> Result<Body, Error> {
    let info = resource.info();
    let settings = &resource.settings;
    let mut values = Vec::new();
    let mut nested = Vec::new();
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
        let json = match (&column.foreign_key, json) {
            (Some(_), Json::Object(object)) if settings.nested_writes.contains(&key) => {
                nested.push((key, object));
                continue;
            }
            (Some(_), Json::Object(object)) => reference(column, &object)?,
            (_, json) => json,
        };
        let value = value::from_json(column, &json)?;
        if value::is_null(&value) && !column.nullable {
            return Err(Error::BadRequest(format!("field `{key}` may not be null")));
        }
        values.push((key, value));
    }
    if let Some(owner) = settings
        .owner_field
        .as_ref()
        .and_then(|name| info.column(name))
        .filter(|_| creating)
    {
        let user = ctx.user().ok_or_else(super::authentication::unauthorized)?;
        set(&mut values, &owner.name, owner_value(owner, user)?);
    }
    Ok(Body { values, nested })
}

/// Sets (or replaces) the value for column `name`.
pub(super) fn set(values: &mut Vec<(String, Value)>, name: &str, value: Value) {
    match values.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => values.push((name.to_owned(), value)),
    }
}
