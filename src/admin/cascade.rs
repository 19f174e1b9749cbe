//! What a delete takes with it: the rows of registered models that refer, directly or through
//! other rows, to the rows being deleted. They are listed on the confirmation page and deleted
//! first, all in one transaction.

use std::collections::HashSet;

use sea_orm::{Condition, DatabaseExecutor, DatabaseTransaction};

use super::Admin;
use super::erased::AdminModel;
use crate::orm::Record;
use crate::{Context, Error};

/// More cascading rows than this and the delete is refused: it belongs in a migration, not a
/// confirmation page.
const MAX_ROWS: usize = 10_000;

/// Rows of one model that a delete removes.
pub(crate) struct Batch<'a> {
    pub(crate) model: &'a AdminModel,
    pub(crate) rows: Vec<Record>,
}

/// The rows to delete, then every row that depends on them, breadth first, read on `db`.
pub(crate) async fn collect<'a>(
    admin: &'a Admin,
    db: &DatabaseExecutor<'_>,
    model: &'a AdminModel,
    rows: Vec<Record>,
) -> Result<Vec<Batch<'a>>, Error> {
    let mut seen: HashSet<(String, String)> = rows
        .iter()
        .map(|row| (model.slug().to_owned(), model.pk_text(row)))
        .collect();
    let mut batches = vec![Batch { model, rows }];
    let mut next = 0;
    while next < batches.len() {
        let parent = batches[next].model;
        let mut found = Vec::new();
        for child in &admin.inner.models {
            for column in &child.info().columns {
                let Some(fk) = column
                    .foreign_key
                    .as_ref()
                    .filter(|fk| fk.table == parent.slug())
                else {
                    continue;
                };
                let keys = Record::distinct(&batches[next].rows, parent.info(), &fk.column);
                let rows: Vec<Record> = child
                    .model
                    .find_in(db, &column.name, keys, Condition::all())
                    .await?
                    .into_iter()
                    .filter(|row| seen.insert((child.slug().to_owned(), child.pk_text(row))))
                    .collect();
                if !rows.is_empty() {
                    found.push(Batch { model: child, rows });
                }
            }
        }
        batches.extend(found);
        if seen.len() > MAX_ROWS {
            return Err(Error::BadRequest(format!(
                "this delete would remove more than {MAX_ROWS} rows; delete fewer at a time"
            )));
        }
        next += 1;
    }
    Ok(batches)
}

/// Deletes every batch, dependents first, row by row through the entity's `before_delete` and
/// `after_delete`, in `txn`, with an audit entry per row (made by `ctx`). Returns the rows
/// deleted; on a refusal the caller rolls back.
pub(crate) async fn delete(
    txn: &DatabaseTransaction,
    ctx: &Context,
    batches: &[Batch<'_>],
) -> Result<u64, Error> {
    let mut deleted = 0;
    for batch in batches.iter().rev() {
        let model = batch.model;
        deleted += model.delete(ctx, txn, &batch.rows).await?;
    }
    Ok(deleted)
}
