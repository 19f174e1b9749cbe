//! Holding a row between the check of its token and the write, so that no other writer can
//! slip in between.
//!
//! - SQLite: the write transaction begins with `BEGIN IMMEDIATE` ([`begin_write`]), which takes
//!   the database's write lock before the first read; another writer waits for the commit
//!   (up to the `busy_timeout`), then reads what was committed.
//! - PostgreSQL and MariaDB/MySQL: [`lock_rows`] runs `SELECT <pk> ... FOR UPDATE` as the
//!   transaction's first statement; another writer of the row waits for the commit. Reads
//!   that follow see the committed row: PostgreSQL's `READ COMMITTED` takes a snapshot per
//!   statement, and InnoDB's `REPEATABLE READ` takes its snapshot at the first plain read of
//!   the transaction, which comes after the lock.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, Value,
};

use super::model::ModelInfo;

/// Begins a transaction meant to write: on SQLite it holds the write lock from the start
/// (`BEGIN IMMEDIATE`), so its reads and its write are one step; elsewhere a plain `BEGIN`.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Locks the rows of `info` with these primary keys until the transaction ends (the keys of
/// no row lock nothing). Call it first in a transaction from [`begin_write`]; on SQLite that
/// transaction already holds the lock.
pub(crate) async fn lock_rows<C: ConnectionTrait>(
    db: &C,
    info: &ModelInfo,
    keys: Vec<Value>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Sqlite || keys.is_empty() {
        return Ok(());
    }
    let column = Alias::new(info.pk_column().name.clone());
    let select = Query::select()
        .column(column.clone())
        .from(Alias::new(info.table.clone()))
        .and_where(Expr::col(column).is_in(keys))
        .lock_exclusive()
        .to_owned();
    db.query_all(&select).await?;
    Ok(())
}
