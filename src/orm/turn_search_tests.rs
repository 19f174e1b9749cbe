//! A group of writers indexes its rows for full-text search at its commit: the index then
//! holds every row as it is, whatever the group's writers did to each other's rows.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use super::{database, queued, remove};
use crate::orm::lock::begin_write;

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

/// A new database with the table `note` and its index.
async fn indexed(name: &str) -> (DatabaseConnection, std::path::PathBuf) {
    let (db, file) = database(name).await;
    db.execute_unprepared("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    note_index().up(&SchemaManager::new(&db)).await.unwrap();
    (db, file)
}

/// Fails unless the index holds each row as it is and no row is pending.
async fn whole(db: &DatabaseConnection) {
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
    let (db, file) = indexed("search").await;
    let manager = SchemaManager::new(&db);
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
    whole(&db).await;
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

#[tokio::test]
async fn the_index_follows_every_change_of_a_key_and_is_made_again_over_stray_triggers() {
    let (db, file) = indexed("rowid").await;
    let manager = SchemaManager::new(&db);
    for statement in [
        "INSERT INTO note VALUES (1, 'apple')",
        "UPDATE note SET rowid = 99 WHERE id = 1",
        "UPDATE note SET body = body",
    ] {
        db.execute_unprepared(statement).await.unwrap();
    }
    assert_eq!(found(&db, "apple").await, [99]);
    whole(&db).await;
    db.execute_unprepared("DELETE FROM note").await.unwrap();
    assert!(found(&db, "apple").await.is_empty());
    whole(&db).await;
    // What a version's `down` that knew no catch-up trigger leaves: the trigger, the table
    // of pending rows, and a row pending there after a failure.
    note_index().down(&manager).await.unwrap();
    for statement in [
        "CREATE TABLE actix_sea_search_pending (name TEXT NOT NULL, id INTEGER NOT NULL, \
         PRIMARY KEY (name, id)) WITHOUT ROWID",
        "CREATE TRIGGER actix_sea_search_note_catch_up AFTER DELETE ON \
         actix_sea_search_pending BEGIN SELECT 1; END",
        "INSERT INTO actix_sea_search_pending VALUES ('note', 7)",
        "INSERT INTO note VALUES (7, 'banana')",
    ] {
        db.execute_unprepared(statement).await.unwrap();
    }
    note_index().up(&manager).await.unwrap();
    assert_eq!(found(&db, "banana").await, [7]);
    whole(&db).await;
    remove(&file);
}
