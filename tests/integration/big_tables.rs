//! SPEC "Round 2 > Big tables": admin counts capped at `count_limit`, exports by key in the
//! list's order, API cursor paging (tamper-evident cursors, every row once while rows are
//! inserted), and search that does not join.

use actix_sea::admin::Admin;
use actix_web::http::StatusCode;
use actix_web::test;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value as Json, json};

use crate::admin::add_message;
use crate::app::{config, unescape, wrap};
use crate::support::TestDb;
use example_site::Site;
use example_site::admin::{MessageAdmin, UserAdmin};
use example_site::models::{note, user};

async fn add_user(db: &sea_orm::DatabaseConnection, name: &str) -> i32 {
    user::ActiveModel {
        username: Set(name.to_owned()),
        password: Set("x".into()),
        email: Set(format!("{name}@example.com")),
        join_date: Set(chrono::Utc::now().naive_utc()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// The primary keys of the rows of an admin list page, in order.
fn listed(body: &str) -> Vec<String> {
    body.split(r#"<input type="checkbox" name="id" value=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

async fn lists_beyond_count_limit_say_plus_and_page_by_next(db: TestDb) {
    let site = Site::new(db.db.clone(), &config()).expect("site builds");
    let admin = Admin::builder(&site.auth)
        .count_limit(30)
        .register(example_site::models::message::Entity, MessageAdmin)
        .register(user::Entity, UserAdmin)
        .build()
        .unwrap();
    let site = Site { admin, ..site };
    let service = test::init_service(example_site::app(site.clone())).await;
    let app = wrap(service, site, db);
    app.create_user("boss", "boss-password", true, true).await;
    assert_eq!(
        app.login("boss", "boss-password").await.status,
        StatusCode::SEE_OTHER
    );
    let author = add_user(&app.db.db, "author").await;
    for i in 0..45 {
        add_message(&app.db.db, author, &format!("message {i:02}")).await;
    }
    let first = app.get("/admin/message/").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains(r#"<span class="badge">30+</span>"#),
        "{}",
        first.body
    );
    assert!(
        !first.body.contains("Page 1 of"),
        "no page count beyond the limit"
    );
    assert!(unescape(&first.body).contains(r#"href="/admin/message/?page=2" rel="next""#));
    assert!(!first.body.contains(r#"rel="prev""#));
    assert_eq!(listed(&first.body).len(), 20);
    let last = app.get("/admin/message/?page=3").await;
    assert_eq!(listed(&last.body).len(), 5);
    assert!(unescape(&last.body).contains(r#"href="/admin/message/?page=2" rel="prev""#));
    assert!(!last.body.contains(r#"rel="next""#));
    let beyond = app.get("/admin/message/?page=9").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(
        listed(&beyond.body).len(),
        0,
        "past the end: empty, not an error"
    );
    let dashboard = app.get("/admin/").await;
    assert!(
        dashboard.body.contains("<td>30+</td>"),
        "{}",
        dashboard.body
    );
    let few = app.get("/admin/message/?q=message%2004").await;
    assert!(
        few.body.contains(r#"<span class="badge">1</span>"#),
        "exact below the limit"
    );
    let filtered = app.get("/admin/message/?content__lt=message%2025").await;
    assert!(filtered.body.contains(r#"<span class="badge">25</span>"#));
    assert!(
        filtered.body.contains("Page 1 of 2"),
        "exact counts page by number"
    );
}

async fn exports_follow_the_list_order_across_batches(db: TestDb) {
    let app = crate::admin_app!(db);
    let names = ["carol", "alice", "bob"];
    let mut users = Vec::new();
    for name in names {
        users.push(add_user(&app.db.db, name).await);
    }
    // Repeated contents and authors: the primary key breaks the ties, also across the first
    // batch of the export (8 rows) and the next.
    for i in 0..35 {
        add_message(&app.db.db, users[i % 3], &format!("text {}", i % 4)).await;
    }
    for ordering in ["-content", "user__username,-content", "content,-id", ""] {
        let mut shown = Vec::new();
        for page in 1..=2 {
            let list = app
                .get(&format!("/admin/message/?ordering={ordering}&page={page}"))
                .await;
            assert_eq!(list.status, StatusCode::OK);
            shown.extend(listed(&list.body));
        }
        let csv = app
            .get(&format!(
                "/admin/message/export/?format=csv&ordering={ordering}"
            ))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        let exported: Vec<String> = csv
            .body
            .lines()
            .skip(1)
            .map(|line| line.split(',').next().unwrap().to_owned())
            .collect();
        assert_eq!(exported, shown, "ordering `{ordering}`");
        let json = app
            .get(&format!(
                "/admin/message/export/?format=json&ordering={ordering}"
            ))
            .await
            .json();
        let ids: Vec<String> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].to_string())
            .collect();
        assert_eq!(ids, shown, "json, ordering `{ordering}`");
    }
    // A nullable column: NULLs sort first on SQLite and MySQL, last on PostgreSQL, and the
    // export's keys follow the database either way.
    for i in 0..30 {
        note::ActiveModel {
            user: Set(users[0]),
            message: Set(format!("note {i}")),
            status: Set([None, Some(2), Some(1)][i % 3]),
            created_date: Set(chrono::Utc::now().naive_utc()),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .unwrap();
    }
    for ordering in ["status", "-status"] {
        let mut shown = Vec::new();
        for page in 1..=2 {
            let list = app
                .get(&format!("/admin/note/?ordering={ordering}&page={page}"))
                .await;
            shown.extend(listed(&list.body));
        }
        let csv = app
            .get(&format!(
                "/admin/note/export/?format=csv&ordering={ordering}"
            ))
            .await;
        let exported: Vec<String> = csv
            .body
            .lines()
            .skip(1)
            .map(|line| line.split(',').next().unwrap().to_owned())
            .collect();
        assert_eq!(exported, shown, "notes, ordering `{ordering}`");
    }
}

fn ids(page: &Json) -> Vec<i64> {
    page["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|object| object["id"].as_i64().unwrap())
        .collect()
}

async fn cursor_pages_cover_every_row_once_while_rows_are_inserted(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let author = add_user(&app.db.db, "author").await;
    let mut existing = Vec::new();
    for i in 0..23 {
        existing.push(i64::from(
            add_message(&app.db.db, author, &format!("m{}", i % 5)).await,
        ));
    }
    for ordering in ["", "-content", "user__username,content"] {
        let mut url = format!("/api/message/?limit=5&ordering={ordering}&cursor=");
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        loop {
            let reply = app.api("GET", &url, None, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.body);
            let page = reply.json();
            assert_eq!(page["meta"]["page"], Json::Null);
            assert_eq!(page["meta"]["page_count"], Json::Null);
            assert_eq!(page["meta"]["previous"] == "", pages.is_empty());
            seen.extend(ids(&page));
            // A row inserted between pages never shifts the pages still to come.
            add_message(&app.db.db, author, "m0").await;
            let next = page["meta"]["next"].as_str().unwrap().to_owned();
            pages.push(page);
            if next.is_empty() {
                break;
            }
            url = next;
        }
        for id in &existing {
            assert_eq!(
                seen.iter().filter(|seen| *seen == id).count(),
                1,
                "row {id} once, ordering `{ordering}`: {seen:?}"
            );
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no row twice");
        // Back from the last page: previous gives the page before it, in the same order.
        let last = pages.last().unwrap();
        let previous = last["meta"]["previous"].as_str().unwrap();
        let back = app.api("GET", previous, None, None).await.json();
        assert_eq!(
            ids(&back),
            ids(&pages[pages.len() - 2]),
            "ordering `{ordering}`"
        );
        assert_ne!(back["meta"]["next"], "");
    }
    let plain = app.api("GET", "/api/message/", None, None).await.json();
    assert_eq!(plain["meta"]["page"], 1, "without cursor=, pages by number");
}

/// Rows written with nanoseconds (a site's own `Utc::now()`, stored as text on SQLite) are
/// paged from their whole value: each comes once, and the walk ends.
async fn cursor_pages_over_nanosecond_datetimes_end(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let author = add_user(&app.db.db, "author").await;
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
        .unwrap()
        .and_hms_nano_opt(2, 45, 21, 171_855_967)
        .unwrap();
    for i in 0..4 {
        example_site::models::message::ActiveModel {
            user: Set(author),
            content: Set(format!("m{i}")),
            pub_date: Set(at + chrono::Duration::nanoseconds(i64::from(i % 2))),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .unwrap();
    }
    let mut url = "/api/message/?limit=1&ordering=pub_date&cursor=".to_owned();
    let mut seen = Vec::new();
    while !url.is_empty() && seen.len() <= 4 {
        let page = app.api("GET", &url, None, None).await.json();
        seen.extend(ids(&page));
        url = page["meta"]["next"].as_str().unwrap().to_owned();
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 4, "every row once, and the walk ends: {seen:?}");
}

fn signed(key: &[u8], payload: &Json) -> String {
    let payload = payload.to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(payload.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(&tag[..16])
    )
}

async fn forged_cursors_are_400_and_never_leave_the_scope(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let author = add_user(&app.db.db, "author").await;
    for i in 0..8 {
        add_message(&app.db.db, author, &format!("m{i}")).await;
    }
    let first = app
        .api("GET", "/api/message/?limit=3&cursor=", None, None)
        .await
        .json();
    let next = first["meta"]["next"].as_str().unwrap().to_owned();
    let cursor = next.split("cursor=").nth(1).unwrap().to_owned();
    let (payload, tag) = cursor.split_once('.').unwrap();
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let altered = URL_SAFE_NO_PAD.encode(decoded.replace("[3]", "[1]"));
    let key = app.site.auth.derive_key("api cursors");
    let bad = [
        "garbage".to_owned(),
        "%00%ff.%00".to_owned(),
        format!("{altered}.{tag}"),
        format!("{payload}.{}", &tag[1..]),
        format!("{payload}."),
        // Signed, but not what a list makes: wrong types, lengths and directions.
        signed(&key, &json!(["n", "", ["three"]])),
        signed(&key, &json!(["n", "", [3, 4]])),
        signed(&key, &json!(["x", "", [3]])),
        signed(&key, &json!(["n", "", [null]])),
        signed(&key, &json!({"n": 3})),
        signed(&key, &json!(["n", "", [1e300]])),
    ];
    for cursor in &bad {
        let reply = app
            .api(
                "GET",
                &format!("/api/message/?limit=3&cursor={cursor}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{cursor}: {}",
            reply.body
        );
        assert!(reply.body.contains("invalid cursor"), "{}", reply.body);
    }
    let other_ordering = format!("/api/message/?limit=3&ordering=-id&cursor={cursor}");
    let reply = app.api("GET", &other_ordering, None, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let good = app.api("GET", &next, None, None).await;
    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(ids(&good.json()).len(), 3);
    // Notes: the API shows live ones only (status 1); a cursor adds to that scope, never
    // replaces it, even one made for a hidden row.
    for (i, status) in [1, 2, 1, 2, 1].into_iter().enumerate() {
        note::ActiveModel {
            user: Set(author),
            message: Set(format!("note {i}")),
            status: Set(Some(status)),
            created_date: Set(chrono::Utc::now().naive_utc()),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .unwrap();
    }
    let hidden = signed(&key, &json!(["n", "", [0]]));
    let page = app
        .api("GET", &format!("/api/note/?cursor={hidden}"), None, None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let statuses: Vec<Json> = page.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(1); 3]);
}

/// The export reads each row by column kind, not through the model: datetimes with and
/// without a fraction (and on SQLite one written by hand in another form, which the driver
/// reads) come out as the model and the API render them.
async fn exports_render_datetimes_as_the_api_does(db: TestDb) {
    let backend = db.backend;
    let app = crate::admin_app!(db);
    let alice = add_user(&app.db.db, "alice").await;
    let whole = add_message(&app.db.db, alice, "whole").await;
    let fraction = example_site::models::message::ActiveModel {
        user: Set(alice),
        content: Set("fraction".into()),
        pub_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_micro_opt(12, 0, 0, 123_456)
            .unwrap()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .unwrap()
    .id;
    let mut expected = vec![
        (whole, "2024-05-01T12:00:00"),
        (fraction, "2024-05-01T12:00:00.123456"),
    ];
    if backend == crate::support::Backend::Sqlite {
        let by_hand = add_message(&app.db.db, alice, "by hand").await;
        sea_orm::ConnectionTrait::execute_unprepared(
            &app.db.db,
            &format!("UPDATE message SET pub_date = '2024-05-02T08:30:00' WHERE id = {by_hand}"),
        )
        .await
        .unwrap();
        expected.push((by_hand, "2024-05-02T08:30:00"));
    }
    let csv = app
        .get("/admin/message/export/?format=csv&ordering=id")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
    assert_eq!(rows.len(), expected.len());
    for (row, (id, when)) in rows.iter().zip(&expected) {
        assert_eq!(row[at("id")], id.to_string());
        assert_eq!(row[at("pub_date")], *when, "message {id}");
        let api = app.get(&format!("/api/message/{id}/")).await.json();
        assert_eq!(
            api["pub_date"], *when,
            "the API's rendering of message {id}"
        );
    }
}

crate::on_every_database!(example:
    lists_beyond_count_limit_say_plus_and_page_by_next,
    exports_follow_the_list_order_across_batches,
    exports_render_datetimes_as_the_api_does,
    cursor_pages_cover_every_row_once_while_rows_are_inserted,
    forged_cursors_are_400_and_never_leave_the_scope,
    cursor_pages_over_nanosecond_datetimes_end,
);
