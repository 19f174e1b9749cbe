//! Writers that wait for their turn join the open transaction and share its commit; one that
//! fails or is dropped takes only its own writes with it.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::oneshot;

use crate::orm::lock::{WriteTransaction, begin_write};

#[path = "turn_search_tests.rs"]
mod search;

/// A new database file with an empty table `t`.
async fn database(name: &str) -> (DatabaseConnection, PathBuf) {
    let file =
        std::env::temp_dir().join(format!("actix-sea-turn-{name}-{}.db", std::process::id()));
    remove(&file);
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = crate::db::connect(&url).await.unwrap();
    db.execute_unprepared("CREATE TABLE t (name TEXT NOT NULL)")
        .await
        .unwrap();
    (db, file)
}

fn remove(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        std::fs::remove_file(path).ok();
    }
}

async fn insert(txn: &WriteTransaction, name: &str) {
    let insert = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO t (name) VALUES (?)",
        [name.into()],
    );
    txn.execute_raw(insert).await.unwrap();
}

/// The committed names, read on another connection.
async fn names(db: &DatabaseConnection) -> Vec<String> {
    let select = Statement::from_string(DbBackend::Sqlite, "SELECT name FROM t ORDER BY name");
    db.query_all_raw(select)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("", "name").unwrap())
        .collect()
}

/// How many writers wait for their turn on `file`.
fn waiting(file: &std::path::Path) -> usize {
    let all = super::WRITERS.lock().unwrap();
    let writers = all.as_ref().and_then(|all| all.get(file));
    writers.map_or(0, |w| w.waiting.load(std::sync::atomic::Ordering::SeqCst))
}

/// Waits until `count` writers wait for their turn on `file`.
async fn queued(file: &std::path::Path, count: usize) {
    while waiting(file) < count {
        tokio::task::yield_now().await;
    }
}

/// Has `first` commit while `second` waits for its turn, and drops `second` `steps` scheduler
/// steps after it got the turn. Gives what `first` was told and whether `name`, its row, is
/// stored.
async fn drop_second(
    db: &DatabaseConnection,
    file: &std::path::Path,
    first: WriteTransaction,
    name: &str,
    second: tokio::task::JoinHandle<Result<(), sea_orm::DbErr>>,
    steps: usize,
) -> (Result<(), sea_orm::DbErr>, bool) {
    queued(file, 1).await;
    let first = tokio::spawn(first.commit());
    while waiting(file) > 0 {
        tokio::task::yield_now().await;
    }
    for _ in 0..steps {
        tokio::task::yield_now().await;
    }
    second.abort();
    let told = first.await.unwrap();
    (told, names(db).await.iter().any(|stored| stored == name))
}

#[tokio::test]
async fn writers_that_wait_share_the_commit_of_the_first_and_a_failed_one_takes_only_its_own() {
    let (db, file) = database("share").await;
    let first = begin_write(&db).await.unwrap();
    insert(&first, "first").await;
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = begin_write(&db).await.unwrap();
            insert(&txn, "second").await;
            let committed_meanwhile = names(&db).await;
            txn.commit().await.map(|()| committed_meanwhile)
        }
    });
    let third = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = begin_write(&db).await.unwrap();
            insert(&txn, "third").await;
            let missing = Statement::from_string(DbBackend::Sqlite, "DELETE FROM missing");
            assert!(txn.execute_raw(missing).await.is_err());
            txn.rollback().await
        }
    });
    queued(&file, 2).await;
    first.commit().await.unwrap();
    let committed_meanwhile = second.await.unwrap().unwrap();
    assert!(
        committed_meanwhile.is_empty(),
        "the first writer's row was committed before the group: {committed_meanwhile:?}"
    );
    third.await.unwrap().unwrap();
    assert_eq!(names(&db).await, ["first", "second"]);
    remove(&file);
}

#[tokio::test]
async fn a_writer_dropped_in_its_turn_takes_only_its_own_writes() {
    let (db, file) = database("drop").await;
    let first = begin_write(&db).await.unwrap();
    insert(&first, "first").await;
    let (wrote, written) = oneshot::channel();
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = begin_write(&db).await.unwrap();
            insert(&txn, "second").await;
            wrote.send(()).unwrap();
            std::future::pending::<()>().await;
        }
    });
    queued(&file, 1).await;
    let first = tokio::spawn(first.commit());
    written.await.unwrap();
    second.abort();
    first.await.unwrap().unwrap();
    assert_eq!(names(&db).await, ["first"]);
    let again = begin_write(&db).await.unwrap();
    insert(&again, "again").await;
    again.commit().await.unwrap();
    assert_eq!(names(&db).await, ["again", "first"]);
    remove(&file);
}

#[tokio::test]
async fn a_first_writer_alone_commits_at_once_and_one_that_fails_leaves_nothing() {
    let (db, file) = database("alone").await;
    let txn = begin_write(&db).await.unwrap();
    insert(&txn, "kept").await;
    txn.commit().await.unwrap();
    let txn = begin_write(&db).await.unwrap();
    insert(&txn, "rolled back").await;
    txn.rollback().await.unwrap();
    let txn = begin_write(&db).await.unwrap();
    insert(&txn, "dropped").await;
    drop(txn);
    assert_eq!(names(&db).await, ["kept"]);
    remove(&file);
}

#[tokio::test]
async fn a_group_older_than_its_bound_is_committed_though_writers_wait() {
    let (db, file) = database("age").await;
    let first = begin_write(&db).await.unwrap();
    insert(&first, "first").await;
    let (wrote, written) = oneshot::channel();
    let (go, gone) = oneshot::channel::<()>();
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = begin_write(&db).await.unwrap();
            insert(&txn, "second").await;
            wrote.send(()).unwrap();
            gone.await.unwrap();
            txn.commit().await
        }
    });
    queued(&file, 1).await;
    tokio::time::sleep(super::MOST_AGE).await;
    let alone = tokio::time::timeout(std::time::Duration::from_secs(2), first.commit()).await;
    assert!(
        matches!(alone, Ok(Ok(()))),
        "the first writer's commit waited for the second"
    );
    written.await.unwrap();
    assert_eq!(names(&db).await, ["first"]);
    go.send(()).unwrap();
    second.await.unwrap().unwrap();
    assert_eq!(names(&db).await, ["first", "second"]);
    remove(&file);
}

#[tokio::test]
async fn a_writer_dropped_while_it_joins_or_leaves_the_group_never_loses_the_others() {
    let (db, file) = database("cancel").await;
    for round in 0..60 {
        let kept = format!("kept {round:02}");
        let first = begin_write(&db).await.unwrap();
        insert(&first, &kept).await;
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                insert(&txn, "dropped").await;
                txn.commit().await
            }
        });
        // Dropped a few steps into its begin, its work or its commit.
        let (told, stored) = drop_second(&db, &file, first, &kept, second, round % 12).await;
        told.unwrap();
        assert!(
            stored,
            "round {round}: the first writer was told its row was committed, yet it is not"
        );
    }
    remove(&file);
}

#[tokio::test]
async fn a_writer_dropped_in_a_transaction_nested_in_its_own_never_has_the_others_told_a_lie() {
    use sea_orm::TransactionTrait;

    let (db, file) = database("nested").await;
    let mut committed = 0;
    for round in 0..60 {
        let kept = format!("kept {round:02}");
        let first = begin_write(&db).await.unwrap();
        insert(&first, &kept).await;
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                let nested = txn.begin().await.unwrap();
                nested
                    .execute_unprepared("INSERT INTO t VALUES ('nested')")
                    .await
                    .unwrap();
                nested.commit().await.unwrap();
                txn.commit().await
            }
        });
        let (told, stored) = drop_second(&db, &file, first, &kept, second, round % 12).await;
        assert_eq!(
            told.is_ok(),
            stored,
            "round {round}: the first writer was told a lie"
        );
        committed += usize::from(stored);
    }
    assert!(committed > 0, "no round committed the first writer's row");
    remove(&file);
}
