//! What a delete takes with it: the rows of a front door's models that refer, directly or
//! through other rows, to the rows being deleted, by foreign keys declared `on_delete =
//! "Cascade"`. Both front doors delete them first, each through its entity's hooks and with
//! an audit entry, in the delete's transaction. A row that refers to one being deleted by a
//! key that does not cascade refuses the delete (`SetNull` and `SetDefault` keys are left
//! to the database). Tables of no registered model are the database's business.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::ExprTrait;
use sea_orm::{Condition, DatabaseExecutor};

use super::model::{OnDelete, column_expr};
use super::{Binding, Count, Query, Record, count_upto, value};
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
/// breadth first, read on `db`. Delete them in the order of [`order`].
///
/// # Errors
/// A 400 when a row refers to one of them by a key that does not cascade, or when there are
/// more than [`MAX_ROWS`].
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
            let info = child.binding().info();
            for column in &info.columns {
                let Some(fk) = column
                    .foreign_key
                    .as_ref()
                    .filter(|fk| fk.table == parent.slug && fk.on_delete != OnDelete::SetKey)
                else {
                    continue;
                };
                let keys = Record::distinct(&batches[next].rows, parent, &fk.column);
                // Counted first, so that no more than the limit is ever read into memory.
                let mut query = Query::everything(info);
                let by_key = column_expr(&info.table, &column.name).is_in(keys.clone());
                query.and(Condition::all().add(by_key));
                let room = MAX_ROWS.saturating_sub(seen.len()) as u64;
                if count_upto(db, info, &query, room).await? == Count::More {
                    return Err(too_many());
                }
                let referring = child
                    .binding()
                    .find_in(db, &column.name, keys, Condition::all())
                    .await?;
                if fk.on_delete == OnDelete::Refuse
                    && let Some(row) = referring
                        .iter()
                        .find(|row| !seen.contains(&key(child, row)))
                {
                    return Err(Error::BadRequest(format!(
                        "{} {} refers to it by `{}`, which does not cascade: change or delete \
                         that row first",
                        info.slug,
                        value::to_text(row.pk(info)),
                        column.name
                    )));
                }
                let rows: Vec<Record> = referring
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
            return Err(too_many());
        }
        next += 1;
    }
    Ok(batches)
}

fn too_many() -> Error {
    Error::BadRequest(format!(
        "this delete would remove more than {MAX_ROWS} rows with those that depend on them; \
         delete those first"
    ))
}

/// The rows of `batches` in an order to delete them: every row before the rows it refers to,
/// so that no delete leaves the database a cascade of its own to do (rows in a cycle of
/// references come last, in the reverse of the order found).
pub(crate) fn order<'a, M: Cascading>(batches: &'a [Batch<'a, M>]) -> Vec<(&'a M, &'a Record)> {
    let rows: Vec<(&M, &Record)> = batches
        .iter()
        .rev()
        .flat_map(|batch| batch.rows.iter().rev().map(move |row| (batch.model, row)))
        .collect();
    // The columns that the models' foreign keys refer to, and each row under their values.
    let referenced: HashSet<(&str, &str)> = batches
        .iter()
        .flat_map(|batch| &batch.model.binding().info().columns)
        .filter_map(|column| column.foreign_key.as_ref())
        .map(|fk| (fk.table.as_str(), fk.column.as_str()))
        .collect();
    let mut by_value: HashMap<(&str, &str, String), usize> = HashMap::new();
    for (index, (model, row)) in rows.iter().enumerate() {
        let info = model.binding().info();
        for &(table, column) in referenced.iter().filter(|(table, _)| *table == info.slug) {
            if let Some(value) = row.get(info, column) {
                by_value.insert((table, column, value::to_text(value)), index);
            }
        }
    }
    // What each row refers to among them, and how many of them refer to each.
    let mut refers: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut referred = vec![0usize; rows.len()];
    for (index, (model, row)) in rows.iter().enumerate() {
        let info = model.binding().info();
        for column in &info.columns {
            let (Some(fk), Some(value)) = (&column.foreign_key, row.get(info, &column.name)) else {
                continue;
            };
            if value::is_null(value) {
                continue;
            }
            let target =
                by_value.get(&(fk.table.as_str(), fk.column.as_str(), value::to_text(value)));
            if let Some(&target) = target.filter(|&&target| target != index) {
                refers[index].push(target);
                referred[target] += 1;
            }
        }
    }
    let mut ready: Vec<usize> = (0..rows.len())
        .filter(|&i| referred[i] == 0)
        .rev()
        .collect();
    let mut done = vec![false; rows.len()];
    let mut ordered = Vec::with_capacity(rows.len());
    while let Some(index) = ready.pop() {
        done[index] = true;
        ordered.push(rows[index]);
        for &target in &refers[index] {
            referred[target] -= 1;
            if referred[target] == 0 {
                ready.push(target);
            }
        }
    }
    ordered.extend((0..rows.len()).filter(|&i| !done[i]).map(|i| rows[i]));
    ordered
}

#[cfg(test)]
#[path = "cascade_tests.rs"]
mod tests;
