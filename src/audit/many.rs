//! [`Transaction::insert_many`]: many rows, and their entries, in few statements.
//!
//! PostgreSQL returns the inserted rows (`RETURNING`). SQLite and MySQL say only one key:
//! SQLite the last row's, MySQL the first's; a statement's rows get consecutive keys there
//! (SQLite holds the write lock; InnoDB reserves a multi-row `INSERT`'s keys at once), so the
//! rows are read back by that range, and a count that differs fails the write rather than
//! leave rows unrecorded.

use sea_orm::sea_query::{IntoValueTuple, ValueTuple};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, Iterable, PrimaryKeyToColumn, QueryFilter,
    QueryOrder, Value,
};

use super::transaction::{ModelOf, Transaction};
use super::write::row_values;

/// The most parameters one insert binds: below every database's limit (32,766 for the SQLite
/// that sqlx bundles, 65,535 for PostgreSQL and MySQL).
pub(super) const PARAMETERS: usize = 30_000;

pub(super) async fn insert_many<A, I>(
    txn: &Transaction,
    db: &DatabaseTransaction,
    rows: I,
) -> Result<Vec<ModelOf<A>>, DbErr>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    ModelOf<A>: IntoActiveModel<A>,
    I: IntoIterator<Item = A>,
{
    let (info, redacted) = txn.about::<A::Entity>();
    let mut prepared = Vec::new();
    for row in rows {
        prepared.push(A::before_save(row, db, true).await?);
    }
    let per_insert = (PARAMETERS / info.columns.len().max(1)).max(1);
    let mut stored = Vec::with_capacity(prepared.len());
    for chunk in prepared.chunks(per_insert) {
        stored.extend(insert_chunk(db, chunk.to_vec()).await?);
    }
    let values: Vec<Vec<Value>> = stored.iter().map(row_values::<A::Entity>).collect();
    txn.trail(&redacted).create_many(db, &info, &values).await?;
    let mut models = Vec::with_capacity(stored.len());
    for model in stored {
        models.push(A::after_save(model, db, true).await?);
    }
    Ok(models)
}

/// Inserts `rows` with one statement and reads them back.
async fn insert_chunk<A>(db: &DatabaseTransaction, rows: Vec<A>) -> Result<Vec<ModelOf<A>>, DbErr>
where
    A: ActiveModelTrait,
    ModelOf<A>: IntoActiveModel<A>,
{
    if db.support_returning() {
        return A::Entity::insert_many(rows).exec_with_returning(db).await;
    }
    let Some(pk) = <A::Entity as EntityTrait>::PrimaryKey::iter()
        .next()
        .map(PrimaryKeyToColumn::into_column)
    else {
        return Err(DbErr::Custom("an entity without a primary key".into()));
    };
    let count = rows.len();
    let given: Option<Vec<Value>> = rows.iter().map(|row| row.get(pk).into_value()).collect();
    let inserted = A::Entity::insert_many(rows).exec(db).await?;
    let select = A::Entity::find().order_by_asc(pk);
    let select = match given {
        Some(keys) => select.filter(pk.is_in(keys)),
        None => {
            let key = inserted
                .last_insert_id
                .and_then(|id| integer(id.into_value_tuple()))
                .ok_or_else(|| unknown_keys("no key"))?;
            let n = i64::try_from(count).map_err(|_| unknown_keys("too many rows"))? - 1;
            let (first, last) = match db.get_database_backend() {
                DbBackend::MySql => (key, key + n),
                _ => (key - n, key),
            };
            select.filter(pk.between(first, last))
        }
    };
    let found = select.all(db).await?;
    if found.len() != count {
        return Err(unknown_keys("keys that are not consecutive"));
    }
    Ok(found)
}

fn unknown_keys(why: &str) -> DbErr {
    DbErr::Custom(format!(
        "the inserted rows cannot be recorded in the audit trail: the database gave {why}"
    ))
}

/// A single integer key as `i64`.
fn integer(key: ValueTuple) -> Option<i64> {
    let ValueTuple::One(value) = key else {
        return None;
    };
    match value {
        Value::TinyInt(Some(v)) => Some(i64::from(v)),
        Value::SmallInt(Some(v)) => Some(i64::from(v)),
        Value::Int(Some(v)) => Some(i64::from(v)),
        Value::BigInt(Some(v)) => Some(v),
        Value::TinyUnsigned(Some(v)) => Some(i64::from(v)),
        Value::SmallUnsigned(Some(v)) => Some(i64::from(v)),
        Value::Unsigned(Some(v)) => Some(i64::from(v)),
        Value::BigUnsigned(Some(v)) => i64::try_from(v).ok(),
        _ => None,
    }
}
