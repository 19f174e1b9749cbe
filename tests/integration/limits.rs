//! Issue 11, item 1: filters, ordering, search and page numbers are bounded, and a request
//! beyond a bound is a clear 400 (API) or message (admin) before the database sees it.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use example_site::models::message;
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::support::TestDb;

/// `count` messages by `author`, one a minute.
pub async fn messages(db: &sea_orm::DatabaseConnection, author: i32, count: u32) {
    for n in 0..count {
        let when = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, n % 60, 0)
            .unwrap();
        message::Entity::insert(message::ActiveModel {
            user: Set(author),
            content: Set(format!("message {n}")),
            pub_date: Set(when),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
}

/// `key=value` repeated `count` times, as a query string.
fn repeated(key: &str, value: &str, count: usize) -> String {
    vec![format!("{key}={value}"); count].join("&")
}

/// `count` comma-separated numbers.
fn numbers(count: usize) -> String {
    (1..=count)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

async fn api_filters_beyond_the_limits_are_400s_naming_the_parameter(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    messages(&app.db.db, alice, 3).await;
    let refused = |path: String, named: &'static str| {
        let app = &app;
        async move {
            let reply = app.api("GET", &path, None, None).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
            let error = reply.json()["error"].as_str().unwrap().to_owned();
            assert!(error.contains(named), "{path}: {error}");
        }
    };
    let fits = |path: String| {
        let app = &app;
        async move {
            let reply = app.api("GET", &path, None, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        }
    };
    let long = "x".repeat(257);
    refused(
        format!("/api/message/?content__contains={long}"),
        "content__contains",
    )
    .await;
    refused(
        format!("/api/message/?user__username={long}"),
        "user__username",
    )
    .await;
    fits(format!(
        "/api/message/?content__contains={}",
        "x".repeat(256)
    ))
    .await;
    refused(
        format!("/api/message/?{}", repeated("content__ne", "a", 21)),
        "too many filters",
    )
    .await;
    refused(
        format!("/api/message/?{}", repeated("content__ne", "a", 1001)),
        "too many filters",
    )
    .await;
    fits(format!(
        "/api/message/?{}",
        repeated("content__ne", "a", 20)
    ))
    .await;
    refused(format!("/api/message/?id__in={}", numbers(101)), "id__in").await;
    refused(
        format!("/api/message/?id__not_in={}", numbers(101)),
        "id__not_in",
    )
    .await;
    fits(format!("/api/message/?id__in={}", numbers(100))).await;
    refused(format!("/api/message/?id__in=1,{long}"), "id__in").await;
    refused(
        "/api/message/?ordering=id,-id,content,-content,pub_date,user".into(),
        "ordering",
    )
    .await;
    fits("/api/message/?ordering=id,-id,content,-content,pub_date".into()).await;
}

async fn admin_lists_beyond_the_limits_show_the_message(db: TestDb) {
    let app = crate::admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    messages(&app.db.db, writer, 3).await;
    let long = "x".repeat(257);
    for (path, shown) in [
        (
            format!("/admin/message/?content__contains={long}"),
            "content__contains",
        ),
        (
            format!("/admin/message/?q={long}"),
            "The search text is too long",
        ),
        (
            format!("/admin/message/?{}", repeated("content__ne", "a", 1001)),
            "too many filters",
        ),
        (format!("/admin/message/?id__in={}", numbers(101)), "id__in"),
        (
            "/admin/message/?ordering=id,-id,content,-content,pub_date,user".into(),
            "ordering",
        ),
        (format!("/admin/user/lookup/?q={long}"), "search text"),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(reply.body.contains(shown), "{path}: {}", reply.body);
    }
    let page = app.get("/admin/message/").await;
    assert!(
        page.body.contains(r#"maxlength="256""#),
        "the search box says so"
    );
    let fits = app
        .get(&format!("/admin/message/?q={}", "x".repeat(256)))
        .await;
    assert_eq!(fits.status, StatusCode::OK);
}

async fn huge_page_numbers_give_an_empty_or_last_page_never_a_5xx(db: TestDb) {
    let app = crate::admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    messages(&app.db.db, writer, 25).await;
    for page in [
        "1000000000000000000",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
    ] {
        for path in [
            format!("/api/message/?page={page}"),
            format!("/api/message/?page={page}&limit=100"),
            format!("/api/user/?page={page}&ordering=-id"),
            format!("/api/relationship/?page={page}"),
        ] {
            let reply = app.api("GET", &path, None, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            let body = reply.json();
            if path.contains("relationship") {
                continue;
            }
            assert_eq!(body["objects"], serde_json::json!([]), "{path}");
            assert_eq!(body["meta"]["next"], "", "{path}");
        }
        let list = app.get(&format!("/admin/message/?page={page}")).await;
        assert_eq!(list.status, StatusCode::OK, "admin list, page {page}");
        assert!(list.body.contains("Page 2 of 2"), "the last page");
        let lookup = app
            .get(&format!("/admin/user/lookup/?q=writer&page={page}"))
            .await;
        assert_eq!(lookup.status, StatusCode::OK, "lookup, page {page}");
        assert_eq!(lookup.json()["results"], serde_json::json!([]));
        assert_eq!(lookup.json()["more"], false);
    }
}

crate::on_every_database!(example:
    api_filters_beyond_the_limits_are_400s_naming_the_parameter,
    admin_lists_beyond_the_limits_show_the_message,
    huge_page_numbers_give_an_empty_or_last_page_never_a_5xx,
);
