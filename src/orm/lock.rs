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

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, Value,
};
use tokio::sync::OwnedMutexGuard;

use super::model::ModelInfo;

/// A transaction meant to write, from [`begin_write`]; dropped without
/// [`commit`](Self::commit), it rolls back.
#[derive(Debug)]
pub(crate) struct WriteTransaction {
    txn: DatabaseTransaction,
    /// This process's turn to write to the SQLite database (released after the commit).
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    /// A transaction begun inside another one, whose turn covers it.
    pub(crate) fn nested(txn: DatabaseTransaction) -> Self {
        Self { txn, _turn: None }
    }

    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Begins a transaction meant to write: on SQLite it holds the write lock from the start
/// (`BEGIN IMMEDIATE`), so its reads and its write are one step; elsewhere a plain `BEGIN`.
///
/// On SQLite, the writers of this process also take turns before they begin, in the order
/// they came: a writer that finds the lock taken by another connection would otherwise sleep
/// in SQLite's busy handler (1 ms, 2 ms, 5 ms, ... up to 100 ms at a time) and let later
/// writers pass it. Other processes (a command-line tool) still meet the busy handler. A
/// turn not had within the pool's acquire timeout is an acquire timeout (503).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = match crate::db::sqlite_file(db) {
        Some(file) => Some(sqlite_turn(db, file).await?),
        None => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTransaction { txn, _turn: turn })
}

/// The turns of each SQLite database file (or in-memory database) this process writes to.
/// One entry per database opened: a server opens a few.
static WRITERS: Mutex<Option<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = Mutex::new(None);

/// Waits for this process's turn to write to `db`, the SQLite database `file`.
async fn sqlite_turn(db: &DatabaseConnection, file: PathBuf) -> Result<OwnedMutexGuard<()>, DbErr> {
    let turn = {
        let mut writers = WRITERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writers
            .get_or_insert_default()
            .entry(file)
            .or_default()
            .clone()
    };
    let wait = db
        .get_sqlite_connection_pool()
        .options()
        .get_acquire_timeout();
    tokio::time::timeout(wait, turn.lock_owned())
        .await
        .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
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
