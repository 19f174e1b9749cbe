//! What a delete takes with it: the rows of a front door's models that refer, directly or
//! through other rows, to the rows being deleted. Both front doors delete them first, each
//! through its entity's hooks and with an audit entry, in the delete's transaction, so that
//! no row goes by the database's own cascade unrecorded.

use std::collections::HashSet;

use sea_orm::{Condition, DatabaseExecutor};

use super::{Binding, Record, value};
use crate::Error;

/// More cascading rows than this and the delete is refused: it belongs in a migration, not a
/// request.
const MAX_ROWS: usize = 10_000;

/// A front door's model: its binding is what the cascade reads through.
pub(crate) trait Cascading {
    fn binding(&self) -> &Binding;
}

/// Rows of one model that a delete removes.
pub(crate) struct Batch<'a, M> {
    pub(crate) model: &'a M,
    pub(crate) rows: Vec<Record>,
}

/// The rows to delete (`rows` of `model`), then every row of `models` that depends on them,
/// breadth first, read on `db`. Delete the batches in reverse, dependents first.
pub(crate) async fn collect<'a, M: Cascading>(
    models: impl Iterator<Item = &'a M> + Clone,
    db: &DatabaseExecutor<'_>,
    model: &'a M,
    rows: Vec<Record>,
) -> Result<Vec<Batch<'a, M>>, Error> {
    let key = |model: &M, row: &Record| {
        let info = model.binding().info();
        (info.slug.clone(), value::to_text(row.pk(info)))
    };
    let mut seen: HashSet<(String, String)> = rows.iter().map(|row| key(model, row)).collect();
    let mut batches = vec![Batch { model, rows }];
    let mut next = 0;
    while next < batches.len() {
        let parent = batches[next].model.binding().info();
        let mut found = Vec::new();
        for child in models.clone() {
            for column in &child.binding().info().columns {
                let Some(fk) = column
                    .foreign_key
                    .as_ref()
                    .filter(|fk| fk.table == parent.slug)
                else {
                    continue;
                };
                let keys = Record::distinct(&batches[next].rows, parent, &fk.column);
                let rows: Vec<Record> = child
                    .binding()
                    .find_in(db, &column.name, keys, Condition::all())
                    .await?
                    .into_iter()
                    .filter(|row| seen.insert(key(child, row)))
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
