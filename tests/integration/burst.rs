//! A burst of concurrent API writes from one caller, as a client with many connections sends
//! them: the first checks the password while the rest wait for it, the writers take turns on
//! SQLite, and every write lands once with its audit entry.

use actix_web::http::StatusCode;
use example_site::models::message;
use futures_util::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::app::spawn;
use crate::audit::entries;
use crate::support::TestDb;

const WRITES: usize = 24;

async fn a_burst_of_creates_lands_every_row_once_with_its_entry(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("writer", "writer-password", false, true)
        .await;
    let hasher = app.site.auth.hasher().clone();
    let before = hasher.verifications();
    let replies = join_all((0..WRITES).map(|n| {
        app.api(
            "POST",
            "/api/message/",
            Some(json!({ "content": format!("burst {n}") })),
            Some(("writer", "writer-password")),
        )
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    assert_eq!(
        hasher.verifications() - before,
        1,
        "one argon2 check for the burst"
    );
    let stored = message::Entity::find().count(&app.db.db).await.unwrap();
    assert_eq!(stored, WRITES as u64);
    let created = entries(&app.db)
        .await
        .into_iter()
        .filter(|e| e.model == "message" && e.action == "create")
        .count();
    assert_eq!(created, WRITES, "one audit entry per row");
    let listed = app.api("GET", "/api/message/", None, None).await.json();
    assert_eq!(listed["meta"]["object_count"], WRITES);
}

crate::on_every_database!(example:
    a_burst_of_creates_lands_every_row_once_with_its_entry,
);
