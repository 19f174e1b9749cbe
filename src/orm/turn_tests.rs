//! Writers that wait for their turn join the open transaction and share its commit; one that
//! fails or is dropped takes only its own writes with it.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::oneshot;

use crate::orm::lock::{WriteTransaction, begin_write};

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

/// Waits until `count` writers wait for their turn on `file`.
async fn queued(file: &std::path::Path, count: usize) {
    let waiting = || {
        let all = super::WRITERS.lock().unwrap();
        let writers = all.as_ref().and_then(|all| all.get(file));
        writers.map_or(0, |w| w.waiting.load(std::sync::atomic::Ordering::SeqCst))
    };
    while waiting() < count {
        tokio::task::yield_now().await;
    }
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

/// A table `note` with a full-text index over `body`.
mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "note")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn note_index() -> crate::db::SearchIndex<note::Entity> {
    crate::db::SearchIndex::new(note::Entity, [note::Column::Body])
}

/// A writer that runs `statements` in its turn, then commits (or rolls back); gives the
/// notes not yet indexed that it saw last.
fn writer(
    db: &DatabaseConnection,
    statements: &'static [&'static str],
    commit: bool,
) -> tokio::task::JoinHandle<Result<Vec<i32>, sea_orm::DbErr>> {
    let db = db.clone();
    tokio::spawn(async move {
        let txn = begin_write(&db).await?;
        for statement in statements {
            txn.execute_unprepared(statement).await?;
        }
        let select = Statement::from_string(
            DbBackend::Sqlite,
            "SELECT id FROM actix_sea_search_pending WHERE name = 'note' ORDER BY id",
        );
        let rows = txn.query_all_raw(select).await?;
        let pending = rows.iter().map(|row| row.try_get("", "id")).collect();
        if commit {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        pending
    })
}

/// The notes the index finds for `word`, read on another connection.
async fn found(db: &DatabaseConnection, word: &str) -> Vec<i32> {
    let select = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT rowid AS id FROM actix_sea_search_note WHERE actix_sea_search_note MATCH ? \
         ORDER BY rowid",
        [word.into()],
    );
    let rows = db.query_all_raw(select).await.unwrap();
    rows.iter()
        .map(|row| row.try_get("", "id").unwrap())
        .collect()
}

#[tokio::test]
async fn a_group_indexes_its_rows_at_its_commit_as_they_are_then() {
    use sea_orm_migration::{MigrationTrait, SchemaManager};

    let (db, file) = database("search").await;
    db.execute_unprepared("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    let manager = SchemaManager::new(&db);
    note_index().up(&manager).await.unwrap();
    let first = begin_write(&db).await.unwrap();
    first
        .execute_unprepared("INSERT INTO note VALUES (1, 'apple')")
        .await
        .unwrap();
    // In the group: a row indexed by its writer updated, pending rows updated and deleted,
    // and a writer rolled back with its pending row.
    let second = writer(
        &db,
        &[
            "INSERT INTO note VALUES (2, 'banana')",
            "UPDATE note SET body = 'cherry' WHERE id = 1",
        ],
        true,
    );
    queued(&file, 1).await;
    let third = writer(
        &db,
        &[
            "INSERT INTO note VALUES (3, 'date')",
            "DELETE FROM note WHERE id = 2",
            "UPDATE note SET body = 'elder' WHERE id = 3",
        ],
        true,
    );
    queued(&file, 2).await;
    let fourth = writer(
        &db,
        &[
            "INSERT INTO note VALUES (4, 'fig')",
            "UPDATE note SET body = 'grape' WHERE id = 3",
        ],
        false,
    );
    queued(&file, 3).await;
    first.commit().await.unwrap();
    let mut pending = Vec::new();
    for writer in [second, third, fourth] {
        pending.push(writer.await.unwrap().unwrap());
    }
    assert_eq!(pending, [vec![1, 2], vec![1, 3], vec![1, 3, 4]]);
    for (word, ids) in [
        ("apple", &[][..]),
        ("cherry", &[1]),
        ("banana", &[]),
        ("date", &[]),
        ("elder", &[3]),
        ("fig", &[]),
        ("grape", &[]),
    ] {
        assert_eq!(found(&db, word).await, ids, "{word}");
    }
    db.execute_unprepared(
        "INSERT INTO actix_sea_search_note (actix_sea_search_note, rank) \
         VALUES ('integrity-check', 1)",
    )
    .await
    .unwrap();
    let pending = Statement::from_string(
        DbBackend::Sqlite,
        "SELECT count(*) AS n FROM actix_sea_search_pending",
    );
    let row = db.query_one_raw(pending).await.unwrap().unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0);
    // A write outside the crate's turns is indexed at once.
    db.execute_unprepared("INSERT INTO note VALUES (5, 'honey')")
        .await
        .unwrap();
    assert_eq!(found(&db, "honey").await, [5]);
    // The last index down takes the table of pending rows with it.
    note_index().down(&manager).await.unwrap();
    assert!(!manager.has_table("actix_sea_search_pending").await.unwrap());
    note_index().up(&manager).await.unwrap();
    assert_eq!(found(&db, "cherry").await, [1]);
    remove(&file);
}
