//! `example_site migrate [up|down|status|fresh]` and the migrations `serve` applies, on SQLite
//! always and on PostgreSQL and MariaDB/MySQL when their test URLs are set (each test makes a
//! uniquely named database there and drops only that).

mod support;

use support::{Server, ServerDb, TempDb, run, run_ok};

/// How many migrations the site has: actix-sea's six, the twitter clone's tables, its search
/// index and its row count.
const MIGRATIONS: usize = 9;

fn status(url: &str) -> String {
    run_ok(&["migrate", "status", "--database", url])
}

fn counts(applied: usize, pending: usize) -> String {
    format!("migrate status: {applied} applied, {pending} pending")
}

fn up_from_empty_then_down_and_up_again(url: &str) {
    let empty = status(url);
    assert!(empty.contains(&counts(0, MIGRATIONS)), "{empty}");
    assert!(
        empty.contains("pending m20261202_000001_actix_sea_auth_tables"),
        "{empty}"
    );

    let up = run_ok(&["migrate", "up", "--database", url]);
    // Off a terminal: no progress bar, one summary line.
    assert_eq!(
        up.trim(),
        "migrate: applied 9 migrations: m20261202_000001_actix_sea_auth_tables, \
         m20261202_000002_actix_sea_api_tables, m20261202_000003_actix_sea_group_tables, \
         m20261202_000004_actix_sea_session_user, m20261202_000010_actix_sea_audit, \
         m20261206_000001_actix_sea_lock, m20261202_000001_twitter_tables, m20261203_000001_actix_sea_search_message, \
         m20261203_000002_actix_sea_row_count_message"
    );
    assert!(status(url).contains(&counts(MIGRATIONS, 0)));
    let again = run_ok(&["migrate", "--database", url]);
    assert_eq!(again.trim(), "migrate: applied no migrations");

    run_ok(&[
        "create-user",
        "alice",
        "--password",
        "long-password",
        "--database",
        url,
    ]);
    let one = run_ok(&["migrate", "down", "--database", url]);
    assert_eq!(
        one.trim(),
        "migrate: rolled back 1 migration: m20261203_000002_actix_sea_row_count_message"
    );
    assert!(status(url).contains(&counts(MIGRATIONS - 1, 1)));
    let rest = run_ok(&["migrate", "down", "--steps", "9", "--database", url]);
    let rolled_back = format!("rolled back {} migrations", MIGRATIONS - 1);
    assert!(rest.contains(&rolled_back), "{rest}");
    assert!(status(url).contains(&counts(0, MIGRATIONS)));

    let up = run_ok(&["migrate", "up", "--steps", "2", "--database", url]);
    assert!(up.contains("applied 2 migrations"), "{up}");
    run_ok(&["migrate", "up", "--database", url]);
    assert!(status(url).contains(&counts(MIGRATIONS, 0)));
    // The tables were dropped and made again: alice is gone.
    let made = run_ok(&[
        "create-user",
        "alice",
        "--password",
        "long-password",
        "--database",
        url,
    ]);
    assert!(made.contains("created user `alice`"), "{made}");

    let fresh = run_ok(&["migrate", "fresh", "--database", url]);
    let applied = format!("dropped every table, applied {MIGRATIONS} migrations");
    assert!(fresh.contains(&applied), "{fresh}");
    assert!(status(url).contains(&counts(MIGRATIONS, 0)));
    run_ok(&[
        "create-user",
        "alice",
        "--password",
        "long-password",
        "--database",
        url,
    ]);
}

#[test]
fn migrate_goes_up_from_empty_then_down_and_up_again_on_sqlite() {
    let db = TempDb::new("migrate");
    up_from_empty_then_down_and_up_again(&db.url());
}

#[test]
fn migrate_goes_up_from_empty_then_down_and_up_again_on_postgres() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "migrate_pg") {
        up_from_empty_then_down_and_up_again(&db.url());
    }
}

#[test]
fn migrate_goes_up_from_empty_then_down_and_up_again_on_mysql() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_MYSQL_URL", "migrate_my") {
        up_from_empty_then_down_and_up_again(&db.url());
    }
}

/// A database migrated before the lock table existed (its migration sits among applied ones in
/// the list) gets that table, with its row, and nothing else.
#[test]
fn a_database_from_before_the_lock_table_gets_only_that() {
    let db = TempDb::new("upgrade");
    let url = db.url();
    run_ok(&["migrate", "up", "--database", &url]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sea_orm::ConnectionTrait;
        let conn = sea_orm::Database::connect(&url).await.unwrap();
        conn.execute_unprepared(
            "DROP TABLE actix_sea_lock; \
             DELETE FROM seaql_migrations WHERE version = 'm20261206_000001_actix_sea_lock'",
        )
        .await
        .unwrap();
    });
    assert!(status(&url).contains(&counts(MIGRATIONS - 1, 1)));
    let up = run_ok(&["migrate", "up", "--database", &url]);
    assert_eq!(
        up.trim(),
        "migrate: applied 1 migration: m20261206_000001_actix_sea_lock"
    );
    let rows = runtime.block_on(async {
        use sea_orm::ConnectionTrait;
        let conn = sea_orm::Database::connect(&url).await.unwrap();
        let select = sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT name FROM actix_sea_lock",
        );
        conn.query_all_raw(select).await.unwrap().len()
    });
    assert_eq!(rows, 1);
}

fn nothing_pending_after_serve(url: &str) {
    let first = Server::start(url, &[]);
    let said = first.output();
    assert!(
        said.contains("example_site: applied 9 migrations: m20261202_000001_actix_sea_auth_tables"),
        "serve says which migrations it applied: {said}"
    );
    drop(first);
    let status = status(url);
    assert!(status.contains(&counts(MIGRATIONS, 0)), "{status}");
    assert!(!status.contains("pending m"), "{status}");
    let second = Server::start(url, &[]);
    assert!(
        second
            .output()
            .contains("example_site: database schema up to date"),
        "{}",
        second.output()
    );
}

#[test]
fn status_reports_nothing_pending_on_a_database_made_by_serve_on_sqlite() {
    let db = TempDb::new("migrate_serve");
    nothing_pending_after_serve(&db.url());
}

#[test]
fn status_reports_nothing_pending_on_a_database_made_by_serve_on_postgres() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "serve_pg") {
        nothing_pending_after_serve(&db.url());
    }
}

#[test]
fn status_reports_nothing_pending_on_a_database_made_by_serve_on_mysql() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_MYSQL_URL", "serve_my") {
        nothing_pending_after_serve(&db.url());
    }
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let output = run(&["migrate", "status", "--database", "nosuchdb://x"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(support::text(&output.stderr).contains("cannot open"));
}
