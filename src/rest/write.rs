//! Writing: create, partial update and delete, each nested write in one transaction.

use actix_web::HttpResponse;
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseExecutor, TransactionTrait};
use serde_json::{Map, Value as Json, json};

use super::RestApi;
use super::body::{Body, parse};
use super::erased::Resource;
use super::list::{fetch, written};
use super::resource::ApiContext;
use crate::Error;
use crate::orm::{self, Changes, Record, value};
use crate::verdict::Refusal;

/// Whether the caller may change or delete `row`: only its owner, when the resource has an
/// owner field, and only when `check` (the resource's `check_put` or `check_delete`) agrees.
pub(super) fn may_change(
    resource: &Resource,
    context: &ApiContext,
    row: &Record,
    check: impl FnOnce(&Record) -> bool,
) -> Result<(), Error> {
    if let Some(owner) = &resource.settings.owner_field {
        let user = context
            .user
            .as_ref()
            .ok_or_else(super::authentication::unauthorized)?;
        let owner = row.get(resource.info(), owner).map(value::to_text);
        if owner != Some(user.id.to_string()) {
            return Err(Error::Forbidden(Refusal::default()));
        }
    }
    if check(row) {
        Ok(())
    } else {
        Err(Error::Forbidden(Refusal::default()))
    }
}

/// The values to save: the body's, with the keys of the rows its nested objects wrote, as
/// `before_save` leaves them, each within its column's length (checked on what is stored, so
/// a password is measured as its hash). `row` is `None` on create.
async fn changes(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    db: &DatabaseExecutor<'_>,
    row: Option<&Record>,
    body: Body,
) -> Result<Changes, Error> {
    let Body {
        mut changes,
        nested,
    } = body;
    super::nested::write(api, resource, context, db, nested, &mut changes).await?;
    super::reach::check_references(api, resource, context, db, |c| changes.get(c)).await?;
    resource
        .hooks
        .before_save(context, row, &mut changes)
        .await?;
    let limit = api.inner.limits.text_bytes;
    for column in &resource.info().columns {
        if let Some(value) = changes.get(&column.name) {
            orm::check_fits(column, value, limit)?;
        }
    }
    Ok(changes)
}

/// Creates a row: nested objects first, then `before_save`, `check_post` and the insert
/// (which checks the required columns after the entity's own `before_save`).
pub(super) fn insert<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    context: &'a ApiContext,
    db: &'a DatabaseExecutor<'a>,
    body: Body,
) -> BoxFuture<'a, Result<Record, Error>> {
    Box::pin(async move {
        let changes = changes(api, resource, context, db, None, body).await?;
        if !resource.hooks.check_post(context, &changes) {
            return Err(Error::Forbidden(Refusal::default()));
        }
        Ok(resource.model.insert(db, changes.into_values()).await?)
    })
}

/// Changes `row`, which [`may_change`] allowed: nested objects, `before_save`, the update.
pub(super) fn edit<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    context: &'a ApiContext,
    db: &'a DatabaseExecutor<'a>,
    row: Record,
    body: Body,
) -> BoxFuture<'a, Result<Record, Error>> {
    Box::pin(async move {
        let changes = changes(api, resource, context, db, Some(&row), body).await?;
        let pk = row.pk(resource.info()).clone();
        resource
            .model
            .update(db, pk, changes.into_values())
            .await?
            .ok_or(Error::NotFound)
    })
}

/// A create, or a change of a stored row.
enum Write {
    Create(Body),
    Edit(Record, Body),
}

/// Runs `write` and reads the written row back in one transaction, so the answer is about
/// the row as committed, or an error and nothing stored. A unique conflict is named after
/// the rollback (see [`Error::resolved`]).
async fn in_transaction(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    write: Write,
) -> Result<HttpResponse, Error> {
    let created = matches!(write, Write::Create(_));
    let txn = api.inner.db.begin().await?;
    let result = {
        let db = DatabaseExecutor::from(&txn);
        let row = match write {
            Write::Create(body) => insert(api, resource, context, &db, body).await,
            Write::Edit(row, body) => edit(api, resource, context, &db, row, body).await,
        };
        match row {
            Ok(row) => written(api, resource, context, &db, &row).await,
            Err(error) => Err(error),
        }
    };
    let object = match result {
        Ok(object) => object,
        Err(error) => {
            // A failed rollback ends the connection, which the database rolls back itself.
            txn.rollback().await.ok();
            return Err(error.resolved(&api.inner.db).await);
        }
    };
    txn.commit().await?;
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
    let body = parse(resource, context, body, true)?;
    in_transaction(api, resource, context, Write::Create(body)).await
}

pub(super) async fn update(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
    body: Map<String, Json>,
) -> Result<HttpResponse, Error> {
    let row = fetch(api, resource, context, pk).await?;
    may_change(resource, context, &row, |row| {
        resource.hooks.check_put(context, row)
    })?;
    let body = parse(resource, context, body, false)?;
    in_transaction(api, resource, context, Write::Edit(row, body)).await
}

pub(super) async fn delete(
    api: &RestApi,
    resource: &Resource,
    context: &ApiContext,
    pk: &str,
) -> Result<HttpResponse, Error> {
    let row = fetch(api, resource, context, pk).await?;
    may_change(resource, context, &row, |row| {
        resource.hooks.check_delete(context, row)
    })?;
    let db = DatabaseExecutor::from(&api.inner.db);
    let deleted = resource
        .model
        .delete(&db, vec![row.pk(resource.info()).clone()])
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted })))
}
