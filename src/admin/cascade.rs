//! What an admin delete takes with it (see `orm::cascade`): listed on the confirmation page
//! and deleted first, all in one transaction.

use sea_orm::{DatabaseExecutor, DatabaseTransaction};

use super::Admin;
use super::erased::AdminModel;
use crate::auth::admin_users;
use crate::orm::cascade::{self, Cascading};
use crate::orm::{Binding, Record};
use crate::{Context, Error};

/// Rows of one admin model that a delete removes.
pub(crate) type Batch<'a> = cascade::Batch<'a, AdminModel>;

impl Cascading for AdminModel {
    fn binding(&self) -> &Binding {
        &self.model
    }
}

/// The rows to delete, then every row of a registered model that depends on them, breadth
/// first, read on `db`.
pub(crate) async fn collect<'a>(
    admin: &'a Admin,
    db: &DatabaseExecutor<'_>,
    model: &'a AdminModel,
    rows: Vec<Record>,
) -> Result<Vec<Batch<'a>>, Error> {
    cascade::collect(admin.inner.models.iter(), db, model, rows).await
}

/// Deletes the rows of every batch, each before the rows it refers to (see `orm::cascade`),
/// row by row through the entity's `before_delete` and `after_delete`, in `txn`, with an
/// audit entry per row (made by `ctx`); an admin user among them needs an admin. Returns the
/// rows deleted; on a refusal the caller rolls back.
pub(crate) async fn delete(
    txn: &DatabaseTransaction,
    ctx: &Context,
    batches: &[Batch<'_>],
) -> Result<u64, Error> {
    let mut deleted = 0;
    for (model, row) in cascade::order(batches) {
        if let Some(flag) = &model.settings.admin_flag {
            admin_users::may_change(ctx, model.info(), flag, row)?;
        }
        deleted += model.delete(ctx, txn, std::slice::from_ref(row)).await?;
    }
    Ok(deleted)
}
