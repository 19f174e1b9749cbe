//! Writing: create, partial update and delete, each in one transaction with its nested
//! writes.

use actix_web::HttpResponse;
use actix_web::http::Method;
use futures_util::future::LocalBoxFuture;
use sea_orm::{ConnectionTrait, DatabaseExecutor};
use serde_json::{Map, Value as Json, json};

use super::RestApi;
use super::body::{Body, parse};
use super::erased::{Resource, Write};
use super::list::written;
use super::precondition::{Expected, etag, stored};
use crate::audit::Deferred;
use crate::orm::cascade::{self, Cascading};
use crate::orm::{Binding, Record, lock, value};
use crate::verdict::Refusal;
use crate::{Context, Error, Perm};

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
    super::users::apply(api, resource, ctx, db, row, &mut values).await?;
    Ok(values)
}

/// Creates a row: nested objects first, then the write pipeline (the resource's
/// `before_save` and `check_post`, the entity's `before_save`, the insert). Its audit entry
/// waits in `deferred` when given.
pub(super) fn insert<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &'a Context,
    db: &'a DatabaseExecutor<'a>,
    body: Body,
    deferred: Option<&'a Deferred>,
) -> LocalBoxFuture<'a, Result<Record, Error>> {
    Box::pin(async move {
        let values = values(api, resource, ctx, db, None, body).await?;
        let write = Write {
            db,
            ctx,
            text_bytes: api.inner.limits.text_bytes,
            deferred,
        };
        resource.create(&write, values).await
    })
}

/// Changes `row`, which the owner rule and `check_put` allowed: nested objects, then the
/// write pipeline. Its audit entry waits in `deferred` when given.
pub(super) fn edit<'a>(
    api: &'a RestApi,
    resource: &'a Resource,
    ctx: &'a Context,
    db: &'a DatabaseExecutor<'a>,
    row: Record,
    body: Body,
    deferred: Option<&'a Deferred>,
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
            deferred,
        };
        resource.update(&write, &row, values).await
    })
}

/// A create, or a change of the stored row with a primary key under the request's
/// `If-Match`.
enum Change<'a> {
    Create(Map<String, Json>),
    Edit(&'a str, Map<String, Json>, &'a Expected),
}

/// Runs `change` and reads the written row back in one transaction, so the answer is about
/// the row as committed (with its `ETag`), or an error and nothing stored. A unique conflict
/// is named after the rollback (see [`Error::resolved`]). On SQLite the transaction holds
/// the write lock from its start (see `orm::lock`). The row's audit entry goes with the
/// read-back.
async fn in_transaction(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    change: Change<'_>,
) -> Result<HttpResponse, Error> {
    let created = matches!(change, Change::Create(_));
    let txn = lock::begin_write(&api.inner.db).await?;
    let mut before = None;
    let deferred = Deferred::default();
    let result = {
        let db = DatabaseExecutor::from(&*txn);
        let row = match change {
            Change::Create(body) => match parse(resource, ctx, body, true) {
                Ok(body) => insert(api, resource, ctx, &db, body, Some(&deferred)).await,
                Err(error) => Err(error),
            },
            Change::Edit(pk, body, expected) => {
                change_row(api, resource, ctx, &db, pk, body, expected, &deferred)
                    .await
                    .map(|(old, new)| {
                        before = Some(old);
                        new
                    })
            }
        };
        match row {
            Ok(row) => {
                let entry = deferred.statement(db.get_database_backend());
                written(api, resource, ctx, &db, &row, entry).await
            }
            Err(error) => Err(error),
        }
    };
    let (object, row) = match result {
        Ok(written) => written,
        Err(error) => {
            // A failed rollback ends the connection, which the database rolls back itself.
            txn.rollback().await.ok();
            return Err(error.resolved(&api.inner.db).await);
        }
    };
    txn.commit().await?;
    if let Some(before) = &before {
        api.inner
            .auth
            .user_saved(resource.info(), before, None)
            .await?;
    }
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.insert_header(etag(&row)).json(object))
}

/// An update: the stored row (404 when it is not there or out of scope), the owner rule and
/// `check_put`, the request's `If-Match` (412), then the body, its audit entry held back in
/// `deferred`. Gives the row as it was and as it is now.
#[allow(clippy::too_many_arguments)]
async fn change_row(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    pk: &str,
    body: Map<String, Json>,
    expected: &Expected,
    deferred: &Deferred,
) -> Result<(Record, Record), Error> {
    let row = stored(api, resource, ctx, db, pk, expected).await?;
    owns(resource, ctx, &row)?;
    resource.hooks.check_put(ctx, &row).await?;
    expected.check(&row)?;
    let body = parse(resource, ctx, body, false)?;
    let saved = edit(api, resource, ctx, db, row.clone(), body, Some(deferred)).await?;
    Ok((row, saved))
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
    expected: &Expected,
) -> Result<HttpResponse, Error> {
    in_transaction(api, resource, ctx, Change::Edit(pk, body, expected)).await
}

/// Deletes a row through its entity's `before_delete` and `after_delete`, in a transaction:
/// a refusal from either is a 400, a stale `If-Match` a 412, and the row stays. The rows of
/// registered resources that depend on it by a cascading key go first, each through its
/// entity's hooks and with an audit entry, as the admin's delete does (see `orm::cascade`),
/// if the caller may delete each of them (see `may_cascade`); the resource's own hook
/// `check_delete` is asked about the row asked for only. The answer counts the row asked
/// for.
pub(super) async fn delete(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    pk: &str,
    expected: &Expected,
) -> Result<HttpResponse, Error> {
    let txn = lock::begin_write(&api.inner.db).await?;
    let db = DatabaseExecutor::from(&*txn);
    let deleted = delete_row(api, resource, ctx, &db, pk, expected).await;
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
    expected: &Expected,
) -> Result<u64, Error> {
    let row = stored(api, resource, ctx, db, pk, expected).await?;
    owns(resource, ctx, &row)?;
    super::users::may_change(api, resource, ctx, &row)?;
    resource.hooks.check_delete(ctx, &row).await?;
    expected.check(&row)?;
    let resources = api.inner.resources.values();
    let batches = cascade::collect(resources, db, resource, vec![row]).await?;
    let asked = &batches[0].rows[0];
    for batch in &batches[1..] {
        may_cascade(db, ctx, batch).await?;
    }
    let mut deleted = 0;
    for (model, row) in cascade::order(&batches) {
        super::users::may_change(api, model, ctx, row)?;
        let gone = model.delete(ctx, db, row).await?;
        if std::ptr::eq(row, asked) {
            deleted = gone;
        }
    }
    Ok(deleted)
}

/// Whether `ctx` may delete the rows of `batch` along with the row it asked to delete: with
/// the model's `delete` permission (admins hold them all), or as they could delete each one
/// through the API themselves (the resource's authentication lets them DELETE, the rows are
/// within its `get_query`, they own them and its `check_delete` allows them). Otherwise the
/// whole delete is refused, as Django's admin refuses a delete that takes rows the caller
/// may not delete.
async fn may_cascade(
    db: &DatabaseExecutor<'_>,
    ctx: &Context,
    batch: &cascade::Batch<'_, Resource>,
) -> Result<(), Error> {
    let resource = batch.model;
    let info = resource.info();
    if ctx.may(&info.slug, Perm::Delete) {
        return Ok(());
    }
    let refused = || -> Error {
        let reason = format!(
            "deleting it would also delete {} rows, which you may not delete",
            info.slug
        );
        Refusal::new(reason).into()
    };
    let delete = ctx.with_method(Method::DELETE).for_model(&info.slug);
    super::views::permit(resource, &delete).map_err(|_| refused())?;
    let scope = resource.hooks.get_query(&delete);
    if !scope.is_empty() {
        let keys = batch.rows.iter().map(|row| row.pk(info).clone()).collect();
        let pk = &info.pk_column().name;
        let within = resource.model.find_in(db, pk, keys, scope).await?;
        if within.len() != batch.rows.len() {
            return Err(refused());
        }
    }
    for row in &batch.rows {
        owns(resource, ctx, row).map_err(|_| refused())?;
        resource
            .hooks
            .check_delete(&delete, row)
            .await
            .map_err(|_| refused())?;
    }
    Ok(())
}

impl Cascading for Resource {
    fn binding(&self) -> &Binding {
        &self.model
    }
}
