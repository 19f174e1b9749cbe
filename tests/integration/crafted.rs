//! Issue 11, item 8: crafted input (NUL characters, years no database stores, CR/LF in a
//! redirect target) is refused with a 400 or a form error on every path, never a 5xx, and
//! nothing is stored.

use actix_web::http::StatusCode;
use example_site::models::{message, note};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));

async fn stored_messages(db: &TestDb) -> u64 {
    message::Entity::find().count(&db.db).await.unwrap()
}

async fn nul_is_refused_in_admin_forms_filters_search_panels_and_site_forms(db: TestDb) {
    let app = crate::admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let writer = writer.to_string();
    let token = app.csrf_token().await;
    let form = app
        .post_form(
            "/admin/message/add/",
            &[
                ("csrf_token", &token),
                ("user", &writer),
                ("content", "a\0b"),
                ("pub_date", "2024-01-01T10:00"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Please correct the errors below."));
    assert!(form.body.contains("Cannot contain NUL characters."));
    for path in [
        "/admin/message/?content=a%00b",
        "/admin/message/?content__contains=a%00b",
        "/admin/message/?user__username__in=a,b%00",
        "/admin/message/?q=a%00b",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(reply.body.contains("NUL"), "{path}");
    }
    for path in [
        "/api/message/?content=a%00b",
        "/api/message/?content__icontains=a%00b",
        "/api/message/?user__username=a%00b",
    ] {
        let reply = app.api("GET", path, None, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(reply.json()["error"].as_str().unwrap().contains("NUL"));
    }
    let panel = app
        .post_form(
            "/admin/notes/create/",
            &[("csrf_token", &token), ("message", "a\0b")],
        )
        .await;
    assert_eq!(panel.status, StatusCode::SEE_OTHER);
    let dashboard = app.get("/admin/").await;
    assert!(
        dashboard
            .body
            .contains("A note cannot contain NUL characters.")
    );
    assert_eq!(note::Entity::find().count(&app.db.db).await.unwrap(), 0);
    app.login("writer", "writer-password").await;
    let token = app.get("/create/").await.input("csrf_token").unwrap();
    let site = app
        .post_form("/create/", &[("csrf_token", &token), ("content", "a\0b")])
        .await;
    assert_eq!(site.status, StatusCode::OK);
    assert!(
        site.body
            .contains("A message cannot contain NUL characters.")
    );
    assert_eq!(stored_messages(&app.db).await, 0);
}

async fn years_no_database_stores_are_400_on_writes_and_in_filters(db: TestDb) {
    let app = crate::admin_app!(db);
    app.create_user("alice", "wonderland", false, true).await;
    for year in ["262142", "+262142", "-0001", "-1", "0000", "10000"] {
        let when = format!("{year}-01-01T00:00:00");
        let reply = app
            .api(
                "POST",
                "/api/message/",
                Some(json!({"content": "x", "pub_date": when})),
                ALICE,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{when}");
        assert!(reply.json()["error"].as_str().unwrap().contains("pub_date"));
        for filter in [
            "pub_date",
            "pub_date__gt",
            "pub_date__in",
            "pub_date__between",
        ] {
            let value = if filter.ends_with("between") {
                format!("2024-01-01,{when}")
            } else {
                when.clone()
            };
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair(filter, &value)
                .finish();
            let api = app
                .api("GET", &format!("/api/message/?{query}"), None, None)
                .await;
            assert_eq!(api.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(api.json()["error"].as_str().unwrap().contains("pub_date"));
            let admin = app.get(&format!("/admin/message/?{query}")).await;
            assert_eq!(admin.status, StatusCode::BAD_REQUEST, "admin {query}");
        }
    }
    let token = app.csrf_token().await;
    for (when, error) in [
        ("0000-06-01T10:00", "outside the years 1 to 9999"),
        ("-0001-06-01T10:00", "outside the years 1 to 9999"),
        ("262142-01-01T10:00", "is not a date and time"),
    ] {
        let form = app
            .post_form(
                "/admin/message/add/",
                &[
                    ("csrf_token", &token),
                    ("user", "1"),
                    ("content", "x"),
                    ("pub_date", when),
                ],
            )
            .await;
        assert_eq!(form.status, StatusCode::OK, "{when}");
        assert!(form.body.contains(error), "{when}");
    }
    assert_eq!(stored_messages(&app.db).await, 0);
    for when in ["0001-01-01T00:00:00", "9999-12-31T23:59:59"] {
        let reply = app
            .api(
                "POST",
                "/api/message/",
                Some(json!({"content": when, "pub_date": when})),
                ALICE,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{when}: {}", reply.body);
        assert_eq!(reply.json()["pub_date"], when, "stored and read back");
        let found = app
            .api("GET", &format!("/api/message/?pub_date={when}"), None, None)
            .await;
        assert_eq!(found.json()["meta"]["object_count"], 1, "{when}");
    }
}

async fn a_crlf_in_the_bulk_action_next_never_becomes_a_header(db: TestDb) {
    let app = crate::admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    crate::limits::messages(&app.db.db, writer, 1).await;
    let token = app.csrf_token().await;
    for next in [
        "/admin/message/\r\nSet-Cookie: injected=1",
        "/admin/message/\nLocation: https://evil.example/",
        "/admin/message/%0d%0aSet-Cookie:%20injected=1",
        "/admin/message/?page=1\r\n",
        "//evil.example/admin/message/",
        "/admin/user/",
    ] {
        for action in [vec![], vec![("action", "mark_deleted"), ("id", "1")]] {
            let mut fields = vec![("csrf_token", token.as_str()), ("next", next)];
            fields.extend(action);
            let reply = app.post_form("/admin/message/", &fields).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next:?}");
            assert_eq!(reply.location(), "/admin/message/", "{next:?}");
            assert!(
                reply
                    .headers
                    .get_all("set-cookie")
                    .all(|v| !v.to_str().unwrap_or_default().contains("injected")),
                "{next:?}"
            );
        }
    }
    let kept = app
        .post_form(
            "/admin/message/",
            &[("csrf_token", &token), ("next", "/admin/message/?page=2")],
        )
        .await;
    assert_eq!(
        kept.location(),
        "/admin/message/?page=2",
        "a safe next is kept"
    );
}

crate::on_every_database!(example:
    nul_is_refused_in_admin_forms_filters_search_panels_and_site_forms,
    years_no_database_stores_are_400_on_writes_and_in_filters,
    a_crlf_in_the_bulk_action_next_never_becomes_a_header,
);
