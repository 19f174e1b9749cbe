//! Issue 18, the API's page 1 at a million rows: the example keeps the count of messages with
//! `db::RowCount` (triggers on SQLite and PostgreSQL, nothing on MariaDB), so `meta.object_count` of an
//! unfiltered list is a lookup, and it stays exact through every kind of write.

use actix_web::http::StatusCode;
use example_site::models::message;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait};
use sea_orm_migration::{MigrationTrait, SchemaManager};
use serde_json::json;

use crate::admin::add_message;
use crate::app::spawn;
use crate::support::{Backend, TestDb};

const WRITER: Option<(&str, &str)> = Some(("writer", "writer-password"));
const ROOT: Option<(&str, &str)> = Some(("root", "root-password"));

async fn the_count_stays_exact_through_every_write(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("root", "root-password", true, true).await;
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let other = app
        .create_user("other", "other-password", false, true)
        .await;
    let check = async |what: &str| {
        let listed = app.api("GET", "/api/message/", None, None).await.json();
        let stored = message::Entity::find().count(&app.db.db).await.unwrap();
        assert_eq!(listed["meta"]["object_count"], json!(stored), "{what}");
        stored
    };
    assert_eq!(check("empty").await, 0);

    let created = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "one"})),
            WRITER,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    check("an API create").await;

    add_message(&app.db.db, other, "two").await;
    add_message(&app.db.db, other, "three").await;
    check("inserts outside the crate").await;

    let txn = actix_sea::audit::Transaction::begin(&app.db.db, &actix_sea::Context::cli())
        .await
        .unwrap();
    let rows = (0..5).map(|n| message::ActiveModel {
        user: Set(writer),
        content: Set(format!("bulk {n}")),
        pub_date: Set(chrono::Utc::now().naive_utc()),
        ..Default::default()
    });
    txn.insert_many(rows).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(check("a rolled-back bulk insert").await, 3);

    let id = created.json()["id"].as_i64().unwrap();
    let deleted = app
        .api("DELETE", &format!("/api/message/{id}/"), None, WRITER)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    check("an API delete").await;

    let gone = app
        .api("DELETE", &format!("/api/user/{other}/"), None, ROOT)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert_eq!(check("a user's messages deleted with them").await, 0);
}

/// On SQLite and PostgreSQL the list reads the kept count (so a wrong one shows), filtered
/// lists still count; on MariaDB the migration creates nothing.
async fn lists_read_the_kept_count(db: TestDb) {
    let backend = db.backend;
    let app = spawn(db).await;
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    add_message(&app.db.db, writer, "hello").await;
    let tamper = app
        .db
        .db
        .execute_unprepared(match backend {
            Backend::Postgres => {
                "UPDATE actix_sea_row_count_message SET row_count = row_count + 999 WHERE slot = 7"
            }
            _ => "UPDATE actix_sea_row_count_message SET row_count = 1000",
        })
        .await;
    if backend == Backend::MySql {
        assert!(tamper.is_err(), "no count table on {backend:?}");
        return;
    }
    tamper.unwrap();
    let listed = app.api("GET", "/api/message/", None, None).await.json();
    assert_eq!(listed["meta"]["object_count"], 1000, "the kept count");
    let filtered = app
        .api("GET", &format!("/api/message/?user={writer}"), None, None)
        .await
        .json();
    assert_eq!(
        filtered["meta"]["object_count"], 1,
        "a filter counts its rows"
    );
}

/// Writers racing each other and a bulk insert leave the count exact; on PostgreSQL a
/// `TRUNCATE` empties it.
async fn racing_writers_and_bulk_inserts_keep_the_count(db: TestDb) {
    let backend = db.backend;
    let app = spawn(db).await;
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let create = async |who: &str| {
        for n in 0..10 {
            let body = json!({"content": format!("{who} {n}")});
            let created = app.api("POST", "/api/message/", Some(body), WRITER).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        }
    };
    tokio::join!(create("one"), create("two"));
    let rows = (0..5).map(|n| message::ActiveModel {
        user: Set(writer),
        content: Set(format!("bulk {n}")),
        pub_date: Set(chrono::Utc::now().naive_utc()),
        ..Default::default()
    });
    message::Entity::insert_many(rows)
        .exec(&app.db.db)
        .await
        .unwrap();
    let listed = async || {
        app.api("GET", "/api/message/", None, None).await.json()["meta"]["object_count"].clone()
    };
    assert_eq!(listed().await, 25);
    if backend == Backend::Postgres {
        app.db
            .db
            .execute_unprepared("TRUNCATE message CASCADE")
            .await
            .unwrap();
        assert_eq!(listed().await, 0, "truncated");
    }
}

async fn the_count_migrates_down_and_up_again_with_the_rows_in_between(db: TestDb) {
    let app = spawn(db).await;
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    add_message(&app.db.db, writer, "before").await;
    let count = actix_sea::db::RowCount::new(message::Entity);
    let manager = SchemaManager::new(&app.db.db);
    let listed = async || {
        app.api("GET", "/api/message/", None, None).await.json()["meta"]["object_count"].clone()
    };
    assert_eq!(listed().await, 1);
    count.down(&manager).await.expect("down");
    add_message(&app.db.db, writer, "meanwhile").await;
    assert_eq!(listed().await, 2, "counted without the kept count");
    count.up(&manager).await.expect("up again");
    add_message(&app.db.db, writer, "after").await;
    assert_eq!(listed().await, 3, "the rows written meanwhile are counted");
}

crate::on_every_database!(example:
    the_count_stays_exact_through_every_write,
    lists_read_the_kept_count,
    racing_writers_and_bulk_inserts_keep_the_count,
    the_count_migrates_down_and_up_again_with_the_rows_in_between,
);
