//! Group commit on SQLite: the writers of this process take turns on a database, and a writer
//! that finishes while others wait for their turn leaves its transaction open for them, each
//! of them working in a savepoint of it; the last one commits for all, and each learns the
//! outcome before it answers.
//!
//! SQLite writes one transaction at a time, and what a transaction costs is mostly its begin
//! and its commit (the pages it writes to the log, the full-text index's new segment, the
//! row counts). Under a load of writers one commit covers many of them; a writer alone
//! begins and commits as before.
//!
//! What each writer keeps: its work is atomic (a savepoint, rolled back on failure or when
//! its future is dropped); no other writer of the process runs between its first read and its
//! last write; its `commit` returns once its work is durable, or the error that lost it (a
//! failed commit loses the whole group, and every writer of it gets the error). A writer that
//! fails ends the group: what the others wrote is committed then, so that a database that
//! rolled the transaction back by itself (a full disk, an I/O error) is never written on in
//! autocommit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::{
    ConnAcquireErr, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{OwnedMutexGuard, watch};

/// Most writers one commit covers: a bound on how long the group holds the write lock from
/// other processes.
const MOST_WRITERS: usize = 32;

/// The turns of one SQLite database and its open group.
#[derive(Default)]
struct Writers {
    group: Arc<tokio::sync::Mutex<Option<Group>>>,
    /// Writers waiting for their turn.
    waiting: AtomicUsize,
}

/// An open transaction and the writers in it.
struct Group {
    txn: DatabaseTransaction,
    writers: usize,
    outcome: watch::Sender<Option<Result<(), DbErr>>>,
}

/// The writers of each SQLite database file (or in-memory database) this process writes to.
static WRITERS: Mutex<Option<HashMap<PathBuf, Arc<Writers>>>> = Mutex::new(None);

/// One writer's turn: its work goes to [`txn`](Self::txn) until
/// [`commit`](Self::commit) or [`rollback`](Self::rollback); dropped before either, its work
/// is rolled back.
pub(crate) struct Turn {
    writers: Arc<Writers>,
    group: Option<OwnedMutexGuard<Option<Group>>>,
    /// The writer's savepoint; `None` for the writer that began the group.
    savepoint: Option<DatabaseTransaction>,
    ended: bool,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn").finish_non_exhaustive()
    }
}

/// Counts a writer waiting for its turn; a writer that stops waiting (its future dropped)
/// when no other waits ends an open group, which a writer before it left for it.
struct Waiting(Arc<Writers>, bool);

impl Drop for Waiting {
    fn drop(&mut self) {
        let left = self.0.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
        if !self.1 && left == 0 {
            let writers = self.0.clone();
            spawn(async move {
                let mut group = writers.group.clone().lock_owned().await;
                end(&mut group).await.ok();
            });
        }
    }
}

/// Waits for this process's turn to write to `db`, the SQLite database `file`, and begins:
/// a transaction that holds the write lock from the start (`BEGIN IMMEDIATE`), or a savepoint
/// in the group left open by the writers before. A turn not had within the pool's acquire
/// timeout is an acquire timeout (503).
pub(crate) async fn begin(db: &DatabaseConnection, file: PathBuf) -> Result<Turn, DbErr> {
    let writers = {
        let mut all = WRITERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.get_or_insert_default().entry(file).or_default().clone()
    };
    let wait = db
        .get_sqlite_connection_pool()
        .options()
        .get_acquire_timeout();
    writers.waiting.fetch_add(1, Ordering::SeqCst);
    let mut waiting = Waiting(writers.clone(), false);
    let group = tokio::time::timeout(wait, writers.group.clone().lock_owned()).await;
    waiting.1 = true;
    drop(waiting);
    let mut group = group.map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?;
    let savepoint = match group.as_mut() {
        Some(open) => match open.txn.begin().await {
            Ok(savepoint) => {
                open.writers += 1;
                Some(savepoint)
            }
            Err(error) => {
                end(&mut group).await.ok();
                return Err(error);
            }
        },
        None => {
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?;
            *group = Some(Group {
                txn,
                writers: 1,
                outcome: watch::channel(None).0,
            });
            None
        }
    };
    Ok(Turn {
        writers,
        group: Some(group),
        savepoint,
        ended: false,
    })
}

impl Turn {
    /// Where the writer's statements go.
    pub(crate) fn txn(&self) -> &DatabaseTransaction {
        match (&self.savepoint, &self.group) {
            (Some(savepoint), _) => savepoint,
            (None, Some(group)) => &group.as_ref().expect("an open group").txn,
            (None, None) => unreachable!("a turn in use holds its group"),
        }
    }

    /// Ends the writer's work: released into the group, which is committed now when no other
    /// writer waits (or the group is full), else left to them. Returns once the group's commit
    /// is done, with its outcome.
    pub(crate) async fn commit(mut self) -> Result<(), DbErr> {
        self.ended = true;
        let mut group = self.group.take().expect("a turn in use holds its group");
        if let Some(savepoint) = self.savepoint.take()
            && let Err(error) = savepoint.commit().await
        {
            end(&mut group).await.ok();
            return Err(error);
        }
        let open = group.as_ref().expect("an open group");
        if self.writers.waiting.load(Ordering::SeqCst) == 0 || open.writers >= MOST_WRITERS {
            return end(&mut group).await;
        }
        let mut outcome = open.outcome.subscribe();
        drop(group);
        match outcome.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().expect("an outcome"),
            Err(_) => Err(DbErr::Custom(
                "the transaction ended without a commit".into(),
            )),
        }
    }

    /// Rolls the writer's work back; the group's other writers are committed.
    pub(crate) async fn rollback(mut self) -> Result<(), DbErr> {
        self.ended = true;
        let mut group = self.group.take().expect("a turn in use holds its group");
        match self.savepoint.take() {
            Some(savepoint) => {
                let rolled_back = savepoint.rollback().await;
                end(&mut group).await.ok();
                rolled_back
            }
            None => match group.take() {
                Some(open) => open.txn.rollback().await,
                None => Ok(()),
            },
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let Some(mut group) = self.group.take() else {
            return;
        };
        match self.savepoint.take() {
            // Rolled back by its drop (sea-orm queues the `ROLLBACK TO` on the connection).
            Some(savepoint) => {
                drop(savepoint);
                spawn(async move {
                    end(&mut group).await.ok();
                });
            }
            None => drop(group.take()),
        }
    }
}

/// Commits the open group, if any, and tells its writers the outcome.
async fn end(group: &mut Option<Group>) -> Result<(), DbErr> {
    let Some(open) = group.take() else {
        return Ok(());
    };
    let outcome = open.txn.commit().await;
    open.outcome.send_replace(Some(outcome.clone()));
    outcome
}

/// Runs `task` on the runtime of the caller; without one (a runtime shutting down), the group
/// it would have ended is rolled back by its drop.
fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}

#[cfg(test)]
#[path = "turn_tests.rs"]
mod tests;
