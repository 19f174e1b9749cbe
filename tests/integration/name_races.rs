//! Look-alike usernames chosen at the same moment (SPEC "Auth": a taken username is a form
//! error; the API's unique violation is a 409): the check runs in the write's transaction
//! after a lock every choice of a name takes, so of several requests for `racer`, `RACER`,
//! `Racer` and `rAcer` only one makes a user, on every front door and database.

use actix_web::http::StatusCode;
use futures_util::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::app::spawn;
use crate::support::TestDb;
use example_site::models::user;

const NAMES: [&str; 4] = ["racer", "RACER", "Racer", "rAcer"];

async fn users(db: &sea_orm::DatabaseConnection) -> u64 {
    user::Entity::find().count(db).await.unwrap()
}

async fn sign_ups_at_the_same_moment_make_one_user(db: TestDb) {
    let app = spawn(db).await;
    let token = app
        .get("/join/")
        .await
        .input("csrf_token")
        .expect("the form has a token");
    let replies = join_all(NAMES.map(|name| {
        let fields = [
            ("csrf_token", token.as_str()),
            ("username", name),
            ("email", "racer@example.com"),
            ("password", "fast-and-furious"),
        ];
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        app.post_raw("/join/", body)
    }))
    .await;
    let made = replies
        .iter()
        .filter(|r| r.status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(
        made,
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for refused in replies.iter().filter(|r| r.status != StatusCode::SEE_OTHER) {
        assert_eq!(refused.status, StatusCode::OK);
        assert!(refused.body.contains("This username is already taken."));
    }
    assert_eq!(users(&app.db.db).await, 1);
}

async fn api_creates_at_the_same_moment_make_one_user(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("boss", "boss-password", true, true).await;
    let replies = join_all(NAMES.map(|name| {
        let body =
            json!({"username": name, "password": "fast-and-furious", "email": "r@example.com"});
        app.api(
            "POST",
            "/api/user/",
            Some(body),
            Some(("boss", "boss-password")),
        )
    }))
    .await;
    let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
    let made = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(made, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(users(&app.db.db).await, 2);
}

crate::on_every_database!(example:
    sign_ups_at_the_same_moment_make_one_user,
    api_creates_at_the_same_moment_make_one_user,
);
