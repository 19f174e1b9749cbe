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

use std::ops::Deref;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbBackend, DbErr,
    TransactionTrait, Value,
};

use super::model::ModelInfo;
use super::turn::Turn;

/// A transaction meant to write, from [`begin_write`]; dropped without
/// [`commit`](Self::commit), it rolls back.
#[derive(Debug)]
pub(crate) enum WriteTransaction {
    /// PostgreSQL and MariaDB/MySQL, or a transaction begun inside another one.
    Plain(DatabaseTransaction),
    /// SQLite: this process's turn to write (see [`turn`](super::turn)).
    Turn(Turn),
}

impl WriteTransaction {
    /// A transaction begun inside another one, whose turn covers it.
    pub(crate) fn nested(txn: DatabaseTransaction) -> Self {
        Self::Plain(txn)
    }

    /// Commits; on SQLite, returns once the group the write went into is committed.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        match self {
            Self::Plain(txn) => txn.commit().await,
            Self::Turn(turn) => turn.commit().await,
        }
    }

    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        match self {
            Self::Plain(txn) => txn.rollback().await,
            Self::Turn(turn) => turn.rollback().await,
        }
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        match self {
            Self::Plain(txn) => txn,
            Self::Turn(turn) => turn.txn(),
        }
    }
}

/// Begins a transaction meant to write: on SQLite it holds the write lock from the start
/// (`BEGIN IMMEDIATE`), so its reads and its write are one step; elsewhere a plain `BEGIN`.
///
/// On SQLite, the writers of this process also take turns before they begin, in the order
/// they came, and commit in groups (see [`turn`](super::turn)): a writer that finds the lock
/// taken by another connection would otherwise sleep in SQLite's busy handler (1 ms, 2 ms,
/// 5 ms, ... up to 100 ms at a time) and let later writers pass it. Other processes (a
/// command-line tool) still meet the busy handler. A turn not had within the pool's acquire
/// timeout is an acquire timeout (503).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    if let Some(file) = crate::db::sqlite_file(db) {
        return Ok(WriteTransaction::Turn(super::turn::begin(db, file).await?));
    }
    Ok(WriteTransaction::Plain(db.begin().await?))
}

/// A write outside any transaction (a statement or a few, each atomic on its own), from
/// [`write`]: on SQLite it takes this process's turn (see [`begin_write`]), since a write
/// beside the turns meets SQLite's busy handler, sleeping up to 100 ms at a time while a group
/// of writers holds the lock; elsewhere its statements go straight to the pool.
pub(crate) enum Write<'a> {
    Pool(&'a DatabaseConnection),
    Turn(WriteTransaction),
}

impl Write<'_> {
    /// Where the write's statements go.
    pub(crate) fn db(&self) -> DatabaseExecutor<'_> {
        match self {
            Self::Pool(db) => DatabaseExecutor::from(*db),
            Self::Turn(txn) => DatabaseExecutor::from(&**txn),
        }
    }

    /// Ends the write: once it returns, what the statements wrote is committed.
    pub(crate) async fn done(self) -> Result<(), DbErr> {
        match self {
            Self::Pool(_) => Ok(()),
            Self::Turn(txn) => txn.commit().await,
        }
    }
}

/// Begins a [`Write`] on `db`.
pub(crate) async fn write(db: &DatabaseConnection) -> Result<Write<'_>, DbErr> {
    if let Some(file) = crate::db::sqlite_file(db) {
        let turn = super::turn::begin(db, file).await?;
        return Ok(Write::Turn(WriteTransaction::Turn(turn)));
    }
    Ok(Write::Pool(db))
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
