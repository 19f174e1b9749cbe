//! Group commit on SQLite: the writers of this process take turns on a database, and a writer
//! that finishes while others wait for their turn leaves its transaction open for them, each
//! of them working in a savepoint of it; the last one commits for all, and each learns the
//! outcome before it answers.
//!
//! SQLite writes one transaction at a time, and what a transaction costs is mostly its begin
//! and its commit (the pages it writes to the log, the full-text index's new segment, the
//! row counts). Under a load of writers one commit covers many of them; a writer alone
//! begins and commits as before. A full-text index would still write a segment per writer
//! (FTS5 writes what it holds at every savepoint), so a group of two or more defers indexing
//! its rows to its commit (`db::search_defer`).
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
use std::time::{Duration, Instant};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{OwnedMutexGuard, watch};

/// Most writers one commit covers, and the age past which a group takes no more: bounds on how
/// long a writer waits for the writers after it, on how long the group holds the write lock
/// from other processes, and on how much of the connection's statement limit (which runs from
/// its checkout, see `db::Options::statement_timeout`) one group uses.
const MOST_WRITERS: usize = 32;
const MOST_AGE: Duration = Duration::from_millis(100);

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
    begun: Instant,
    /// Whether the full-text indexes take the group's rows at its commit (see
    /// `db::SearchIndex`); `None` until a second writer joins.
    deferred: Option<bool>,
    outcome: watch::Sender<Option<Result<(), DbErr>>>,
}

impl Group {
    /// Whether the group takes no more writers.
    fn full(&self) -> bool {
        self.writers >= MOST_WRITERS || self.begun.elapsed() >= MOST_AGE
    }
}

/// The writers of each SQLite database file (or in-memory database) this process writes to.
static WRITERS: Mutex<Option<HashMap<PathBuf, Arc<Writers>>>> = Mutex::new(None);

/// The turn, held. Let go of with the group still open other than by [`leave`](Self::leave)
/// (its holder's future dropped on the way), it has the group committed by a spawned task, so
/// that the writers waiting for the group's outcome get one.
struct Held(Option<OwnedMutexGuard<Option<Group>>>);

impl Held {
    fn group(&mut self) -> &mut Option<Group> {
        self.0.as_mut().expect("a held turn")
    }

    /// Lets go of the turn with the group open, for the writers waiting for it.
    fn leave(mut self) {
        self.0.take();
    }

    /// Commits the group and gives its outcome, which its writers are told; both happen even
    /// if the caller stops waiting.
    async fn end(mut self) -> Result<(), DbErr> {
        let mut group = self.0.take().expect("a held turn");
        uncancelled(async move { end(&mut group).await }).await
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut group) = self.0.take()
            && group.is_some()
        {
            spawn(async move {
                end(&mut group).await.ok();
            });
        }
    }
}

/// One writer's turn: its work goes to [`txn`](Self::txn) until
/// [`commit`](Self::commit) or [`rollback`](Self::rollback); dropped before either, its work
/// is rolled back.
pub(crate) struct Turn {
    writers: Arc<Writers>,
    /// `None` once the writer has ended.
    held: Option<Held>,
    /// The writer's savepoint; `None` for the writer that began the group.
    savepoint: Option<DatabaseTransaction>,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn").finish_non_exhaustive()
    }
}

/// Counts a writer waiting for its turn; a writer that stops waiting without it (its future
/// dropped, or its wait too long) when no other waits has an open group committed, which a
/// writer before it may have left for it.
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
    let guard = tokio::time::timeout(wait, writers.group.clone().lock_owned()).await;
    waiting.1 = guard.is_ok();
    drop(waiting);
    let held =
        Held(Some(guard.map_err(|_| {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)
        })?));
    let db = db.clone();
    uncancelled(start(db, writers, held)).await
}

/// Begins the writer's work in its turn: the group's transaction, or a savepoint in it.
async fn start(
    db: DatabaseConnection,
    writers: Arc<Writers>,
    mut held: Held,
) -> Result<Turn, DbErr> {
    let savepoint = match held.group() {
        Some(open) => {
            if open.deferred.is_none() {
                // Known before the mark is written: a writer dropped while writing it leaves
                // the group to `end`, which must remove it.
                let deferred = crate::db::search_can_defer(&open.txn).await?;
                open.deferred = Some(deferred);
                if deferred {
                    crate::db::search_defer(&open.txn).await?;
                }
            }
            let savepoint = open.txn.begin().await?;
            open.writers += 1;
            Some(savepoint)
        }
        None => {
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?;
            *held.group() = Some(Group {
                txn,
                writers: 1,
                begun: Instant::now(),
                deferred: None,
                outcome: watch::channel(None).0,
            });
            None
        }
    };
    Ok(Turn {
        writers,
        held: Some(held),
        savepoint,
    })
}

impl Turn {
    /// Where the writer's statements go.
    pub(crate) fn txn(&self) -> &DatabaseTransaction {
        if let Some(savepoint) = &self.savepoint {
            return savepoint;
        }
        let held = self.held.as_ref().and_then(|held| held.0.as_ref());
        let group = held.and_then(|group| group.as_ref());
        &group.expect("a turn in use holds its group").txn
    }

    /// Ends the writer's work: released into the group, which is committed now when no other
    /// writer waits (or the group is full), else left to them. Returns once the group's commit
    /// is done, with its outcome.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        uncancelled(self.release()).await
    }

    async fn release(mut self) -> Result<(), DbErr> {
        let mut held = self.held.take().expect("a turn in use holds its group");
        if let Some(savepoint) = self.savepoint.take()
            && let Err(error) = savepoint.commit().await
        {
            return Err(abandon(held, error).await);
        }
        let open = held.group().as_ref().expect("an open group");
        if self.writers.waiting.load(Ordering::SeqCst) == 0 || open.full() {
            return held.end().await;
        }
        let mut outcome = open.outcome.subscribe();
        held.leave();
        match outcome.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().expect("an outcome"),
            Err(_) => Err(DbErr::Custom(
                "the transaction ended without a commit".into(),
            )),
        }
    }

    /// Rolls the writer's work back; the group's other writers are committed.
    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        uncancelled(self.undo()).await
    }

    async fn undo(mut self) -> Result<(), DbErr> {
        let mut held = self.held.take().expect("a turn in use holds its group");
        match self.savepoint.take() {
            Some(savepoint) => match savepoint.rollback().await {
                Ok(()) => {
                    held.end().await.ok();
                    Ok(())
                }
                Err(error) => Err(abandon(held, error).await),
            },
            None => match held.group().take() {
                Some(open) => open.txn.rollback().await,
                None => Ok(()),
            },
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        // The savepoint first: its drop queues the `ROLLBACK TO` on the connection before the
        // group's commit, which the held turn's drop has a task run.
        let savepoint = self.savepoint.take();
        let Some(mut held) = self.held.take() else {
            return;
        };
        match savepoint {
            Some(savepoint) => drop(savepoint),
            // The first writer is alone in its group: the transaction's drop rolls it back.
            None => drop(held.group().take()),
        }
    }
}

/// Rolls the whole group back after `error` left a writer's work neither released into it nor
/// undone, and tells its writers the error.
async fn abandon(mut held: Held, error: DbErr) -> DbErr {
    if let Some(open) = held.group().take() {
        open.txn.rollback().await.ok();
        open.outcome.send_replace(Some(Err(error.clone())));
    }
    error
}

/// Commits the open group, if any, with its rows indexed, and tells its writers the outcome.
async fn end(group: &mut Option<Group>) -> Result<(), DbErr> {
    let Some(open) = group.take() else {
        return Ok(());
    };
    // A writer alone has no one else to tell.
    if open.writers > 1 && !still_open(&open.txn).await {
        let lost = DbErr::Custom(
            "the group's transaction was rolled back by a writer's nested transaction".into(),
        );
        open.outcome.send_replace(Some(Err(lost.clone())));
        return Err(lost);
    }
    let indexed = match open.deferred {
        Some(true) => crate::db::search_catch_up(&open.txn).await,
        _ => Ok(()),
    };
    let outcome = match indexed {
        Ok(()) => open.txn.commit().await,
        Err(error) => {
            open.txn.rollback().await.ok();
            Err(error)
        }
    };
    open.outcome.send_replace(Some(outcome.clone()));
    outcome
}

/// Whether the group's transaction is still open on its connection (`BEGIN` fails inside
/// one). A writer dropped while beginning or ending a transaction nested in its own (a
/// savepoint of its own code) has the driver and sea-orm each roll back one level, the second
/// one the group's; its commit would then commit nothing and succeed. Found closed, the
/// `BEGIN` that found it is rolled back and the writers are told the error.
async fn still_open(txn: &DatabaseTransaction) -> bool {
    match txn.execute_unprepared("BEGIN").await {
        Err(error) => {
            // Any other error is the commit's to meet and report.
            if !error.to_string().contains("within a transaction") {
                tracing::warn!(%error, "could not tell whether a group's transaction is open");
            }
            true
        }
        Ok(_) => {
            if let Err(error) = txn.execute_unprepared("ROLLBACK").await {
                tracing::error!(%error, "could not roll back the probe of a lost group");
            }
            false
        }
    }
}

/// Runs `task` to its end on the runtime of the caller, even if the caller stops waiting for
/// it. A writer's begin, release and rollback run so: dropped between a `SAVEPOINT`, `RELEASE`
/// or `ROLLBACK TO` reaching the database and its answer reaching the writer, the driver and
/// the transaction's drop would each undo it (sqlx rolls back a savepoint whose answer was
/// not taken; the dropped transaction rolls back once more), and roll back the whole group.
async fn uncancelled<T: Send + 'static>(
    task: impl Future<Output = Result<T, DbErr>> + Send + 'static,
) -> Result<T, DbErr> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => match runtime.spawn(task).await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(DbErr::Custom("the writer's step did not finish".into())),
        },
        Err(_) => task.await,
    }
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
