//! Writing: create, partial update and delete, each in one transaction with its nested
//! writes.

use actix_web::HttpResponse;
use futures_util::future::LocalBoxFuture;
use sea_orm::{DatabaseExecutor, TransactionTrait};
use serde_json::{Map, Value as Json, json};

use super::RestApi;
use super::body::{Body, parse};
use super::erased::{Resource, Write};
use super::list::{fetch, written};
use crate::orm::{Record, value};
use crate::verdict::Refusal;
use crate::{Context, Error};

/// Whether the caller may change or delete `row`: only its owner, when the resource has an
/// owner field (a bare 403 otherwise).
pub(super) fn owns(resource: &Resource, ctx: &Context, row: &Record) -> Result<(), Error> {
    if let Some(owner) = &resource.settings.owner_field {
        let user = ctx.user().ok_or_else(super::authentication::unauthorized)?;
        let owner = row.get(resource.info(), owner).map(value::to_text);
        if owner != Some(user.id().to_string()) {
            return Err(Error::Forbidden(Refusal::default()));
        }
    }
    Ok(())
}

/// The values to save: the body's, with the keys of the rows its nested objects wrote and the
/// user rules applied. `row` is `None` on create.
async fn values(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    row: Option<&Record>,
    body: Body,
) -> Result<Vec<(String, sea_orm::Value)>, Error> {
    let Body { mut values, nested } = body;
    super::nested::write(api, resource, ctx, db, nested, &mut values).await?;
    let value_of = |c: &str| values.iter().find(|(n, _)| n == c).map(|(_, v)| v);
    super::reach::check_references(api, resource, ctx, db, value_of).await?;
    super::users::apply(api, resource, row, &mut values).await?;
    Ok(values)
}

/// Creates a row: nested objects first, then the write pipeline (the resource's
/// `before_save` and `check_post`, the entity's `before_save`, the insert).
pub(super) fn insert<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &'a Context,
    db: &'a DatabaseExecutor<'a>,
    body: Body,
) -> LocalBoxFuture<'a, Result<Record, Error>> {
    Box::pin(async move {
        let values = values(api, resource, ctx, db, None, body).await?;
        let write = Write {
            db,
            ctx,
            text_bytes: api.inner.limits.text_bytes,
        };
        resource.hooks.create(&write, values).await
    })
}

/// Changes `row`, which the owner rule and `check_put` allowed: nested objects, then the
/// write pipeline.
pub(super) fn edit<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &'a Context,
    db: &'a DatabaseExecutor<'a>,
    row: Record,
    body: Body,
) -> LocalBoxFuture<'a, Result<Record, Error>> {
    Box::pin(async move {
        let values = values(api, resource, ctx, db, Some(&row), body).await?;
        if values.is_empty() {
            return Ok(row);
        }
        let write = Write {
            db,
            ctx,
            text_bytes: api.inner.limits.text_bytes,
        };
        resource.hooks.update(&write, &row, values).await
    })
}

/// A create, or a change of the stored row with a primary key.
enum Change<'a> {
    Create(Map<String, Json>),
    Edit(&'a str, Map<String, Json>),
}

/// Runs `change` and reads the written row back in one transaction, so the answer is about
/// the row as committed, or an error and nothing stored. A unique conflict is named after
/// the rollback (see [`Error::resolved`]).
async fn in_transaction(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    change: Change<'_>,
) -> Result<HttpResponse, Error> {
    let created = matches!(change, Change::Create(_));
    let txn = api.inner.db.begin().await?;
    let result = {
        let db = DatabaseExecutor::from(&txn);
        let row = match change {
            Change::Create(body) => match parse(resource, ctx, body, true) {
                Ok(body) => insert(api, resource, ctx, &db, body).await,
                Err(error) => Err(error),
            },
            Change::Edit(pk, body) => change_row(api, resource, ctx, &db, pk, body).await,
        };
        match row {
            Ok(row) => written(api, resource, ctx, &db, &row).await,
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

/// An update: the stored row (404 when it is not there or out of scope), the owner rule and
/// `check_put`, then the body.
async fn change_row(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    pk: &str,
    body: Map<String, Json>,
) -> Result<Record, Error> {
    let row = fetch(api, resource, ctx, db, pk).await?;
    owns(resource, ctx, &row)?;
    resource.hooks.check_put(ctx, &row).await?;
    let body = parse(resource, ctx, body, false)?;
    edit(api, resource, ctx, db, row, body).await
}

pub(super) async fn create(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    body: Map<String, Json>,
) -> Result<HttpResponse, Error> {
    in_transaction(api, resource, ctx, Change::Create(body)).await
}

pub(super) async fn update(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    pk: &str,
    body: Map<String, Json>,
) -> Result<HttpResponse, Error> {
    in_transaction(api, resource, ctx, Change::Edit(pk, body)).await
}

/// Deletes a row through its entity's `before_delete` and `after_delete`, in a transaction:
/// a refusal from either is a 400 and the row stays.
pub(super) async fn delete(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    pk: &str,
) -> Result<HttpResponse, Error> {
    let txn = api.inner.db.begin().await?;
    let deleted = delete_row(api, resource, ctx, &DatabaseExecutor::from(&txn), pk).await;
    let deleted = match deleted {
        Ok(deleted) => deleted,
        Err(error) => {
            txn.rollback().await.ok();
            return Err(error);
        }
    };
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted })))
}

async fn delete_row(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    pk: &str,
) -> Result<u64, Error> {
    let row = fetch(api, resource, ctx, db, pk).await?;
    owns(resource, ctx, &row)?;
    resource.hooks.check_delete(ctx, &row).await?;
    resource.hooks.delete(ctx, db, &row).await
}
