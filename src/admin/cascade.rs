//! What an admin delete takes with it (see `orm::cascade`): listed on the confirmation page
//! and deleted first, all in one transaction.

use sea_orm::{DatabaseExecutor, DatabaseTransaction};

use super::Admin;
use super::erased::AdminModel;
use crate::auth::admin_users;
use crate::orm::cascade::{self, Cascading};
use crate::orm::{Binding, Record};
use crate::{Context, Error, Perm};

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

/// The models of the rows that go with the selected ones (every batch after the first) that
/// `ctx` may not delete, each named once: as in Django's admin, a delete that would take rows
/// the caller may not delete themselves is refused.
pub(crate) async fn forbidden(ctx: &Context, batches: &[Batch<'_>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for batch in batches.iter().skip(1) {
        if names.contains(&batch.model.name) {
            continue;
        }
        for row in &batch.rows {
            if !batch.model.permits(ctx, Perm::Delete, Some(row)).await {
                names.push(batch.model.name.clone());
                break;
            }
        }
    }
    names
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
