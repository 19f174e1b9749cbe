//! SPEC "Round 2 > Audit trail": a row's history page shows its entries newest first, 20 a
//! page, with previous and next links.

use actix_sea::audit::entry;
use actix_web::http::StatusCode;
use example_site::models::user;
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;

use crate::admin::add_message;
use crate::app::Reply;
use crate::support::TestDb;

/// How many entries a history page shows.
fn shown(reply: &Reply) -> usize {
    reply.body.matches(r#"class="card history-entry""#).count()
}

/// Whether the page shows the entry that made version `n`.
fn has(reply: &Reply, n: u32) -> bool {
    reply.body.contains(&format!("<td>after-{n:02}</td>"))
}

/// Records `count` admin edits of message `id`, the n-th from `before-n` to `after-n`.
async fn edits(db: &sea_orm::DatabaseConnection, id: i32, count: u32) {
    let rows = (1..=count).map(|n| entry::ActiveModel {
        at: Set(chrono::Utc::now().naive_utc()),
        username: Set("boss".into()),
        channel: Set("admin".into()),
        client: Set("10.0.0.1".into()),
        action: Set("update".into()),
        model: Set("message".into()),
        pk: Set(id.to_string()),
        values: Set(format!(r#"{{"content":["before-{n:02}","after-{n:02}"]}}"#)),
        ..Default::default()
    });
    entry::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .unwrap();
}

async fn the_history_pages_by_twenty_newest_first(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let id = add_message(&app.db.db, boss.id, "forty-five edits").await;
    edits(&app.db.db, id, 45).await;
    let base = format!("/admin/message/{id}/history/");

    let first = app.get(&base).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(shown(&first), 20);
    assert!(has(&first, 45) && has(&first, 26) && !has(&first, 25));
    let newest = first.body.find("after-45").unwrap();
    assert!(
        newest < first.body.find("after-44").unwrap(),
        "newest first"
    );
    assert!(first.body.contains("Page 1 of 3"));
    assert!(first.body.contains(r#"href="?page=2" rel="next""#));
    assert!(!first.body.contains(r#"rel="prev""#));

    let second = app.get(&format!("{base}?page=2")).await;
    assert_eq!(shown(&second), 20);
    assert!(has(&second, 25) && has(&second, 6) && !has(&second, 5) && !has(&second, 26));
    assert!(second.body.contains(r#"href="?page=1" rel="prev""#));
    assert!(second.body.contains(r#"href="?page=3" rel="next""#));

    let last = app.get(&format!("{base}?page=3")).await;
    assert_eq!(shown(&last), 5);
    assert!(has(&last, 5) && has(&last, 1));
    assert!(last.body.contains("Page 3 of 3"));
    assert!(last.body.contains(r#"href="?page=2" rel="prev""#));
    assert!(!last.body.contains(r#"rel="next""#));
}

async fn a_history_page_out_of_range_shows_the_nearest_page(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let id = add_message(&app.db.db, boss.id, "forty-five edits").await;
    edits(&app.db.db, id, 45).await;
    let base = format!("/admin/message/{id}/history/");
    let past = app.get(&format!("{base}?page=99")).await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(shown(&past), 5, "the last page");
    assert!(past.body.contains("Page 3 of 3"));
    for junk in ["0", "-2", "two", "99999999999999999999999", ""] {
        let reply = app.get(&format!("{base}?page={junk}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{junk}");
        assert!(reply.body.contains("Page 1 of 3"), "{junk}");
        assert!(has(&reply, 45), "{junk}");
    }

    let quiet = add_message(&app.db.db, boss.id, "never edited").await;
    let empty = app
        .get(&format!("/admin/message/{quiet}/history/?page=4"))
        .await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No changes recorded."));
    assert!(
        !empty.body.contains(r#"class="pager""#),
        "one page, no links"
    );
    // A text that is no key of the model is no row's history, as its edit page says.
    for junk in ["abc", "1.5", "%20"] {
        let reply = app.get(&format!("/admin/message/{junk}/history/")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{junk}");
    }
}

crate::on_every_database!(example:
    the_history_pages_by_twenty_newest_first,
    a_history_page_out_of_range_shows_the_nearest_page,
);
