//! Nested writes: a foreign key sent as an object, for the columns a resource opts in with
//! `nested_writes`. Each nested row is written through the resource registered for its table,
//! with that resource's authentication and checks, inside the caller's transaction.

use actix_web::http::Method;
use sea_orm::{DatabaseExecutor, Value};
use serde_json::{Map, Value as Json};

use super::RestApi;
use super::body::{parse, set};
use super::erased::Resource;
use super::list::find;
use super::views::permit;
use super::write::{edit, insert, owns};
use crate::orm::{Record, value};
use crate::{Context, Error};

/// Writes each nested object and sets its foreign key to the row written.
pub(super) async fn write(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    nested: Vec<(String, Map<String, Json>)>,
    values: &mut Vec<(String, Value)>,
) -> Result<(), Error> {
    let info = resource.info();
    for (name, object) in nested {
        let (column, fk) = info
            .column(&name)
            .and_then(|c| Some((c, c.foreign_key.as_ref()?)))
            .ok_or_else(|| Error::internal(format!("`{name}` is not a foreign key")))?;
        let target = api
            .resource(&fk.table)
            .ok_or_else(|| Error::internal(format!("no resource for `{}`", fk.table)))?;
        let row = write_one(api, target, ctx, db, &fk.column, object)
            .await
            .map_err(|error| within(&name, error))?;
        let key = row.get(target.info(), &fk.column).map(value::to_json);
        let key = value::from_json(column, key.as_ref().unwrap_or(&Json::Null))?;
        set(values, &name, key);
    }
    Ok(())
}

/// One nested object: without its key it creates a row; with its key it changes that row
/// when it carries values that differ, and otherwise only refers to it.
async fn write_one(
    api: &RestApi,
    target: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    key: &str,
    mut object: Map<String, Json>,
) -> Result<Record, Error> {
    let info = target.info();
    let sent_key = object.remove(key).filter(|k| !k.is_null());
    let Some(sent_key) = sent_key else {
        let ctx = ctx.with_method(Method::POST);
        permit(target, &ctx).map_err(|e| refused(e, "created"))?;
        let body = parse(target, &ctx, object, true)?;
        return insert(api, target, &ctx, db, body, None).await;
    };
    let key_column = info
        .column(key)
        .ok_or_else(|| Error::internal(format!("no column `{key}`")))?;
    let key_value = value::from_json(key_column, &sent_key)?;
    let row = find(api, target, ctx, db, key, key_value)
        .await?
        .ok_or_else(|| Error::BadRequest(format!("no row with `{key}` {sent_key}")))?;
    let ctx = ctx.with_method(Method::PUT);
    let mut body = parse(target, &ctx, object, false)?;
    body.values
        .retain(|(name, value)| row.get(info, name) != Some(value));
    if body.values.is_empty() && body.nested.is_empty() {
        return Ok(row);
    }
    permit(target, &ctx).map_err(|e| refused(e, "changed"))?;
    owns(target, &ctx, &row)?;
    target.hooks.check_put(&ctx, &row).await?;
    edit(api, target, &ctx, db, row, body, None).await
}

/// A nested resource that does not serve the method is a bad request, not a 405 of the URL.
fn refused(error: Error, verb: &str) -> Error {
    match error {
        Error::MethodNotAllowed => Error::BadRequest(format!("rows cannot be {verb} here")),
        other => other,
    }
}

/// Names the field a nested error came from.
fn within(field: &str, error: Error) -> Error {
    match error {
        Error::BadRequest(message) => Error::BadRequest(format!("field `{field}`: {message}")),
        Error::Invalid(invalid) => Error::BadRequest(format!("field `{field}`: {invalid}")),
        other => other,
    }
}
