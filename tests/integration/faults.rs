//! Issue 11 items 1 and 9: a database that is down, out of connections, locked or too slow
//! answers 503 with `Retry-After` on every page, never 500, and stores nothing meanwhile.

use std::time::Duration;

use actix_sea::Error;
use actix_web::http::StatusCode;
use actix_web::test;
use sea_orm::{
    ConnectionTrait, Database, EntityTrait, PaginatorTrait, Statement, TransactionTrait,
};
use serde_json::json;

use crate::admin_app;
use crate::app::{Reply, spawn};
use crate::on_every_database;
use crate::support::{Backend, TestDb};
use example_site::migrations::Migrator;
use example_site::models::message;
use sea_orm_migration::MigratorTrait;

/// A small bound so the tests do not wait 5 s for each 503.
const WAIT: Duration = Duration::from_secs(1);

impl TestDb {
    /// The example's tables behind a pool of one connection, so a test can exhaust it.
    async fn one_connection(backend: Backend) -> Option<TestDb> {
        let test_db = Self::with_options(backend, |o| o.max_connections(1).wait(WAIT)).await?;
        Migrator::up(&test_db.db, None).await.unwrap();
        Some(test_db)
    }

    /// A database whose statements may run 200 ms.
    async fn short_statements(backend: Backend) -> Option<TestDb> {
        Self::with_options(backend, |o| {
            o.statement_timeout(Some(Duration::from_millis(200)))
        })
        .await
    }
}

fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.header("retry-after"), Some("1"), "{what}");
}

async fn an_exhausted_pool_is_503_with_retry_after_on_every_page(db: TestDb) {
    let app = admin_app!(db);
    let token = app.csrf_token().await;
    // Another task holds the pool's only connection.
    let held = app.site.db.begin().await.unwrap();
    for path in [
        "/",
        "/public/",
        "/accounts/login/",
        "/admin/",
        "/admin/message/",
    ] {
        let page = test::TestRequest::get()
            .uri(path)
            .insert_header(("accept", "text/html"));
        assert_unavailable(&app.send(page).await, path);
    }
    let login = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", &token),
                ("username", "boss"),
                ("password", "boss-password"),
            ],
        )
        .await;
    assert_unavailable(&login, "login POST");
    app.clear_cookies();
    let api = app.api("GET", "/api/message/", None, None).await;
    assert_unavailable(&api, "API list");
    assert!(api.json()["error"].is_string());
    let write = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "held"})),
            Some(("boss", "boss-password")),
        )
        .await;
    assert_unavailable(&write, "API create");
    held.rollback().await.unwrap();
    assert_eq!(app.get("/public/").await.status, StatusCode::OK);
    let stored = message::Entity::find().count(&app.site.db).await.unwrap();
    assert_eq!(stored, 0, "a request answered 503 stored nothing");
}

async fn a_statement_past_the_time_limit_is_cut_off_as_unavailable(db: TestDb) {
    let slow = match db.backend {
        // Two billion rows from a recursive CTE: minutes of work without the limit.
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
             SELECT count(*) FROM (SELECT x FROM c LIMIT 2000000000)"
        }
        Backend::Postgres => "SELECT pg_sleep(30)",
        Backend::MySql => "SELECT SLEEP(30)",
    };
    let error = db
        .db
        .execute_unprepared(slow)
        .await
        .expect_err("the statement is cut off");
    let error = Error::from(error);
    assert!(matches!(error, Error::Unavailable), "{error:?}");
    db.db
        .execute_unprepared("SELECT 1")
        .await
        .expect("the next statement runs");
}

/// The server id of the connection `conn` runs on.
async fn connection_id(conn: &impl ConnectionTrait, backend: Backend) -> i64 {
    let sql = match backend {
        Backend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT) AS id",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
    };
    let statement = Statement::from_string(conn.get_database_backend(), sql);
    let row = conn.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get::<i64>("", "id").unwrap()
}

async fn kill(db: &TestDb, id: i64) {
    let killer = Database::connect(db.url.as_str()).await.unwrap();
    let sql = match db.backend {
        Backend::Postgres => format!("SELECT pg_terminate_backend({id})"),
        _ => format!("KILL {id}"),
    };
    killer.execute_unprepared(&sql).await.unwrap();
    killer.close().await.unwrap();
}

async fn a_connection_killed_by_the_server_is_503_not_500(db: TestDb) {
    if db.backend == Backend::Sqlite {
        return;
    }
    // A statement on a connection the server ended (an admin's kill, a restart).
    let txn = db.db.begin().await.unwrap();
    let id = connection_id(&txn, db.backend).await;
    kill(&db, id).await;
    let error = txn
        .execute_unprepared("SELECT 1")
        .await
        .expect_err("the connection is gone");
    let error = Error::from(error);
    assert!(matches!(error, Error::Unavailable), "{error:?}");
    drop(txn);
    // The app over a pool whose connection the server ended answers, or says 503; never 500.
    let app = spawn(db).await;
    let id = connection_id(&app.site.db, app.db.backend).await;
    kill(&app.db, id).await;
    for _ in 0..3 {
        let status = app.get("/public/").await.status;
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
    }
}

on_every_database!(one_connection: an_exhausted_pool_is_503_with_retry_after_on_every_page);
on_every_database!(short_statements: a_statement_past_the_time_limit_is_cut_off_as_unavailable);
on_every_database!(one_connection: a_connection_killed_by_the_server_is_503_not_500);

/// SQLite's write lock held by another connection for longer than the bound: the API and the
/// login form answer 503 with `Retry-After`, and nothing the refused requests sent is stored.
#[actix_web::test]
async fn an_sqlite_write_lock_held_past_the_bound_is_503_and_stores_nothing() {
    let db = TestDb::with_options(Backend::Sqlite, |o| o.wait(WAIT))
        .await
        .unwrap();
    Migrator::up(&db.db, None).await.unwrap();
    let app = spawn(db).await;
    app.create_user("alice", "alice-password", false, true)
        .await;
    let token = app.csrf_token().await;
    let other = actix_sea::db::Options::new(app.db.url.as_str())
        .max_connections(1)
        .connect()
        .await
        .unwrap();
    other.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    let write = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "while locked"})),
            Some(("alice", "alice-password")),
        )
        .await;
    assert_unavailable(&write, "API create");
    assert!(write.json()["error"].is_string());
    for password in ["wrong-password", "alice-password"] {
        let login = app
            .post_form(
                "/accounts/login/",
                &[
                    ("csrf_token", &token),
                    ("username", "alice"),
                    ("password", password),
                ],
            )
            .await;
        assert_unavailable(&login, password);
    }
    other.execute_unprepared("ROLLBACK").await.unwrap();
    let stored = message::Entity::find().count(&app.site.db).await.unwrap();
    assert_eq!(stored, 0);
    let login = app.login("alice", "alice-password").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
}

/// An export of large rows is streamed a few rows at a time, so the server never holds more
/// than about a mebibyte of them (it used to fetch 500 rows whatever their size).
async fn an_export_of_large_rows_is_sent_in_batches_of_about_a_mebibyte(db: TestDb) {
    // Rows far larger than the example's 1,000-character messages: a database created before
    // that cap keeps its unbounded TEXT column (SQLite never enforces the declared length).
    let widen = match db.backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("ALTER TABLE message ALTER COLUMN content TYPE TEXT"),
        Backend::MySql => Some("ALTER TABLE message MODIFY content TEXT NOT NULL"),
    };
    if let Some(sql) = widen {
        db.db.execute_unprepared(sql).await.unwrap();
    }
    let app = admin_app!(db);
    let boss = example_site::models::user::Entity::find()
        .one(&app.site.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let content = "x".repeat(60_000);
    for _ in 0..40 {
        crate::admin::add_message(&app.site.db, boss, &content).await;
    }
    let request = test::TestRequest::get()
        .uri("/admin/message/export/?format=csv")
        .insert_header(("cookie", app.cookie_header()))
        .peer_addr(app.peer)
        .to_request();
    let response = test::call_service(&app.service, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = Box::pin(response.into_body());
    let mut chunks = Vec::new();
    while let Some(chunk) =
        std::future::poll_fn(|cx| actix_web::body::MessageBody::poll_next(body.as_mut(), cx)).await
    {
        let Ok(bytes) = chunk else {
            panic!("the export failed midway");
        };
        chunks.push(bytes.len());
    }
    assert!(chunks.iter().sum::<usize>() > 40 * 60_000, "{chunks:?}");
    assert!(chunks.len() >= 3, "{chunks:?}");
    assert!(chunks.iter().all(|&len| len <= 1_100_000), "{chunks:?}");
}

on_every_database!(example: an_export_of_large_rows_is_sent_in_batches_of_about_a_mebibyte);
