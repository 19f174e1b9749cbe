//! Issue 13 item 4, one error path: database errors are told apart by the driver's codes and
//! keep their cause; a 500 shows no internals, as JSON under the API and as the admin's or the
//! auth pages' own page elsewhere; a session write that cannot be kept is an error.

use std::error::Error as _;

use actix_sea::Error;
use actix_web::ResponseError;
use actix_web::http::StatusCode;
use example_site::models::{message, relationship, user};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::app::Reply;
use crate::support::TestDb;

/// What no error page may show: the database's own words, table names, SQL.
/// A 500 answered as an HTML page that says something went wrong and shows no internals.
fn assert_server_error_page(reply: &Reply, table: &str) {
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        reply.body.contains("Something went wrong"),
        "{}",
        reply.body
    );
    assert_no_internals(reply, table);
}

fn assert_no_internals(reply: &Reply, table: &str) {
    for internal in [
        table,
        "no such table",
        "does not exist",
        "doesn't exist",
        "SELECT",
        "INSERT",
        "Database",
        "error returned from database",
    ] {
        assert!(
            !reply.body.contains(internal),
            "the page shows `{internal}`: {}",
            reply.body
        );
    }
}

async fn database_errors_are_classified_by_code_and_keep_their_cause(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    let follow = || relationship::ActiveModel {
        from_user: Set(alice),
        to_user: Set(bob),
        ..Default::default()
    };
    follow().insert(&app.db.db).await.unwrap();
    let duplicate = follow().insert(&app.db.db).await.unwrap_err();
    let error = Error::from(duplicate);
    assert!(matches!(error, Error::Conflict(_)), "{error:?}");
    assert_eq!(error.status_code(), StatusCode::CONFLICT);

    let orphan = message::ActiveModel {
        user: Set(999),
        content: Set("nobody wrote this".into()),
        pub_date: Set(chrono::Utc::now().naive_utc()),
        ..Default::default()
    };
    let error = Error::from(orphan.insert(&app.db.db).await.unwrap_err());
    assert_eq!(error.status_code(), StatusCode::BAD_REQUEST, "{error:?}");

    let broken = app
        .db
        .db
        .execute_unprepared("SELECT * FROM no_table_here")
        .await
        .unwrap_err();
    let error = Error::from(broken);
    assert!(matches!(error, Error::Database(_)), "{error:?}");
    assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    let cause = error.source().expect("the database error is kept");
    assert!(cause.downcast_ref::<DbErr>().is_some(), "{cause:?}");
    let body = actix_web::body::to_bytes(error.error_response().into_body())
        .await
        .unwrap();
    assert_eq!(body, r#"{"error":"Internal server error"}"#);
}

async fn a_failing_admin_page_is_the_admin_error_page_without_internals(db: TestDb) {
    let app = crate::admin_app!(db);
    app.db
        .db
        .execute_unprepared("DROP TABLE note")
        .await
        .unwrap();
    let page = app.get("/admin/note/").await;
    assert_server_error_page(&page, "note");
    assert!(page.body.contains("Back to the dashboard"), "{}", page.body);

    let missing = app.get("/admin/no-such-model/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("Back to the dashboard"),
        "{}",
        missing.body
    );

    let api = app
        .api("GET", "/api/note/", None, Some(("boss", "boss-password")))
        .await;
    assert_eq!(
        api.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        api.body
    );
    assert_eq!(
        api.json(),
        serde_json::json!({"error": "Internal server error"})
    );
}

async fn a_failing_login_is_the_auth_error_page_without_internals(db: TestDb) {
    let app = crate::app::spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = app.csrf_token().await;
    app.db
        .db
        .execute_unprepared("DROP TABLE actix_sea_login_failure")
        .await
        .unwrap();
    let login = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", &token),
                ("username", "alice"),
                ("password", "not her password"),
            ],
        )
        .await;
    assert_server_error_page(&login, "login_failure");
    assert!(
        login.body.contains("actix-sea.css"),
        "the auth pages' own page"
    );
    assert!(
        login.body.contains("Back to the public timeline"),
        "the site's error.html, given once to Auth, serves the auth pages too: {}",
        login.body
    );
}

async fn a_failing_site_page_is_the_sites_error_page_without_internals(db: TestDb) {
    let app = crate::app::spawn(db).await;
    app.db
        .db
        .execute_unprepared("DROP TABLE message")
        .await
        .unwrap();
    let page = app.get("/public/").await;
    assert_server_error_page(&page, "\"message\"");
    assert!(
        page.body.contains("Back to the public timeline") && page.body.contains("Example Site"),
        "the site's own error page: {}",
        page.body
    );
}

/// A session the request ended (its user was deactivated) cannot be logged in again in the
/// same request: signing up then is an error, not a redirect that silently logs nobody in.
async fn a_login_into_a_session_the_request_ended_is_an_error(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = app
        .get("/join/")
        .await
        .input("csrf_token")
        .expect("the join form has a token");
    user::Entity::update_many()
        .col_expr(user::Column::Active, false.into())
        .filter(user::Column::Id.eq(alice))
        .exec(&app.db.db)
        .await
        .unwrap();
    let join = app
        .post_form(
            "/join/",
            &[
                ("csrf_token", &token),
                ("username", "carol"),
                ("email", "carol@example.com"),
                ("password", "carol-password"),
            ],
        )
        .await;
    assert_eq!(
        join.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        join.body
    );
    assert!(join.header("location").is_none());
    let private = app.get("/private/").await;
    assert_eq!(private.status, StatusCode::FOUND, "nobody is logged in");
}

crate::on_every_database!(example:
    database_errors_are_classified_by_code_and_keep_their_cause,
    a_failing_admin_page_is_the_admin_error_page_without_internals,
    a_failing_login_is_the_auth_error_page_without_internals,
    a_failing_site_page_is_the_sites_error_page_without_internals,
    a_login_into_a_session_the_request_ended_is_an_error,
);
