//! SPEC "Admin": lists (search, filters, sorting, paging), bulk actions, delete with its
//! cascade, export, lookups, and a constant number of queries per list page.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::test;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, QueryOrder};

use crate::admin::add_message;
use crate::app::{config, wrap};
use crate::support::TestDb;
use example_site::models::{message, note, relationship, user};

/// Users `writer<start>..` with one message each (`message from writerN`).
async fn writers(db: &sea_orm::DatabaseConnection, start: usize, n: usize) -> Vec<i32> {
    let mut ids = Vec::new();
    for i in start..start + n {
        let id = user::ActiveModel {
            username: Set(format!("writer{i}")),
            password: Set("x".into()),
            email: Set(format!("w{i}@example.com")),
            join_date: Set(chrono::Utc::now().naive_utc()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap()
        .id;
        add_message(db, id, &format!("message from writer{i}")).await;
        ids.push(id);
    }
    ids
}

fn rows(body: &str) -> usize {
    body.matches(r#"<input type="checkbox" name="id""#).count()
}

async fn search_crosses_the_foreign_key_and_filters_use_the_grammar(db: TestDb) {
    let app = crate::admin_app!(db);
    writers(&app.db.db, 0, 12).await;
    let all = app.get("/admin/message/").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(rows(&all.body), 12);
    assert_eq!(
        rows(&app.get("/admin/message/?q=writer1").await.body),
        3,
        "writer1, 10, 11"
    );
    assert_eq!(
        rows(&app.get("/admin/message/?q=WRITER11").await.body),
        1,
        "case-insensitive"
    );
    // Each word on its own, in any field, as Django's admin does: "writer1" in the username,
    // "w10@" in the e-mail address.
    for (q, expected) in [
        ("writer1+example", 3),
        ("writer1+w10%40", 1),
        ("writer1+writer1", 3),
        ("writer1+nobody", 0),
    ] {
        let page = app.get(&format!("/admin/user/?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(rows(&page.body), expected, "q={q}");
    }
    let by_name = app.get("/admin/message/?user__username=writer3").await;
    assert_eq!(rows(&by_name.body), 1);
    assert!(by_name.body.contains("message from writer3"));
    let widget = app
        .get("/admin/message/?_ff=content&_fo=endswith&_fv=writer7")
        .await;
    assert_eq!(
        widget.status,
        StatusCode::FOUND,
        "the widget's fields become a grammar filter"
    );
    assert_eq!(
        widget.location(),
        "/admin/message/?content__endswith=writer7"
    );
    assert_eq!(rows(&app.get(widget.location()).await.body), 1);
    let bad = app.get("/admin/message/?nope__eq=1").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("unknown field `nope`"));
    let hidden = app.get("/admin/user/?password__startswith=$").await;
    assert_eq!(
        hidden.status,
        StatusCode::BAD_REQUEST,
        "the hash cannot be probed"
    );
    let long = "x".repeat(10_000);
    let reply = app.get(&format!("/admin/message/?q={long}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("The search text is too long"));
}

async fn headers_sort_and_pages_stay_in_range(db: TestDb) {
    let app = crate::admin_app!(db);
    writers(&app.db.db, 0, 25).await;
    let first = app.get("/admin/message/").await;
    assert_eq!(rows(&first.body), 20, "paginate_by 20");
    assert!(first.body.contains("Page 1 of 2"));
    assert!(
        first
            .body
            .contains("href=\"&#x2F;admin&#x2F;message&#x2F;?ordering=content\"")
    );
    let sorted = app.get("/admin/message/?ordering=-content").await;
    let nine = sorted.body.find("message from writer9").unwrap();
    let three = sorted.body.find("message from writer3").unwrap();
    assert!(nine < three, "descending");
    assert!(
        !sorted.body.contains("message from writer0<"),
        "the smallest is on page 2"
    );
    assert!(
        sorted.body.contains("ordering=content"),
        "the header toggles back"
    );
    let last = app.get("/admin/message/?page=999").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(rows(&last.body), 5, "clamped to the last page");
    assert!(last.body.contains("Page 2 of 2"));
    assert_eq!(
        app.get("/admin/message/?page=-3").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/admin/message/?ordering=password").await.status,
        StatusCode::BAD_REQUEST
    );
}

async fn bulk_delete_confirms_the_cascade_then_deletes_in_one_go(db: TestDb) {
    let app = crate::admin_app!(db);
    let ids = writers(&app.db.db, 0, 3).await;
    relationship::ActiveModel {
        from_user: Set(ids[1]),
        to_user: Set(ids[0]),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .unwrap();
    let token = app.csrf_token().await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let action = app
        .post_form(
            "/admin/user/",
            &[
                ("csrf_token", &token),
                ("action", "delete"),
                ("id", &a),
                ("id", &b),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::SEE_OTHER);
    assert_eq!(
        action.location(),
        format!("/admin/user/delete/?id={a}&id={b}")
    );
    let confirm = app.get(action.location()).await;
    assert_eq!(confirm.status, StatusCode::OK);
    for text in [
        "writer0",
        "writer1",
        "message from writer0",
        "message from writer1",
        "Relationship",
    ] {
        assert!(confirm.body.contains(text), "{text} listed");
    }
    assert!(
        confirm.body.contains("Delete 5 rows?"),
        "2 users, 2 messages, 1 follow"
    );
    let message_link = "href=\"&#x2F;admin&#x2F;message&#x2F;";
    assert!(
        confirm.body.contains(message_link),
        "cascading rows link to their pages"
    );
    assert!(!confirm.body.contains("writer2"));
    let done = app
        .post_form(
            "/admin/user/delete/",
            &[("csrf_token", &token), ("id", &a), ("id", &b)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/admin/user/")
            .await
            .body
            .contains("Deleted 2 users. 3 related rows went with them.")
    );
    assert_eq!(
        user::Entity::find().count(&app.db.db).await.unwrap(),
        2,
        "boss and writer2"
    );
    assert_eq!(message::Entity::find().count(&app.db.db).await.unwrap(), 1);
    assert_eq!(
        relationship::Entity::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        0
    );
    let none = app
        .post_form("/admin/user/delete/", &[("csrf_token", &token)])
        .await;
    assert_eq!(none.location(), "/admin/user/");
    assert!(
        app.get("/admin/user/")
            .await
            .body
            .contains("no rows were selected")
    );
    let empty = app
        .post_form(
            "/admin/user/",
            &[("csrf_token", &token), ("action", "delete")],
        )
        .await;
    assert_eq!(empty.location(), "/admin/user/");
}

async fn custom_actions_run_on_the_checked_rows(db: TestDb) {
    let app = crate::admin_app!(db);
    let token = app.csrf_token().await;
    for text in ["a", "b", "c"] {
        app.post_form(
            "/admin/notes/create/",
            &[("csrf_token", &token), ("message", text)],
        )
        .await;
    }
    let notes = note::Entity::find()
        .order_by_asc(note::Column::Id)
        .all(&app.db.db)
        .await
        .unwrap();
    let (first, second) = (notes[0].id.to_string(), notes[1].id.to_string());
    let reply = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "mark_deleted"),
                ("id", &first),
                ("id", &second),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let list = app.get("/admin/note/").await;
    assert!(list.body.contains("Marked 2 notes as deleted."));
    let statuses: Vec<Option<i32>> = note::Entity::find()
        .order_by_asc(note::Column::Id)
        .all(&app.db.db)
        .await
        .unwrap()
        .iter()
        .map(|n| n.status)
        .collect();
    assert_eq!(statuses, vec![Some(2), Some(2), Some(1)]);
    let bogus = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "drop_table"),
                ("id", &first),
            ],
        )
        .await;
    assert_eq!(bogus.status, StatusCode::SEE_OTHER);
    let bad_id = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "mark_deleted"),
                ("id", "x"),
            ],
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::SEE_OTHER);
    assert!(app.get("/admin/note/").await.body.contains("invalid key"));
}

async fn exports_follow_the_filters_and_never_contain_the_password(db: TestDb) {
    let app = crate::admin_app!(db);
    let ids = writers(&app.db.db, 0, 3).await;
    add_message(&app.db.db, ids[1], "=HYPERLINK(\"http://evil\")").await;
    let csv = app
        .get("/admin/message/export/?format=csv&user__username=writer1")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("message.csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,user,content,pub_date");
    assert_eq!(lines.len(), 3, "header, writer1's message and the formula");
    assert!(
        csv.body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "formulas defused: {}",
        csv.body
    );
    let json = app.get("/admin/message/export/?format=json").await;
    let parsed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 4);
    for format in ["csv", "json"] {
        let users = app
            .get(&format!("/admin/user/export/?format={format}"))
            .await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(
            !users.body.contains("password") && !users.body.contains("argon2"),
            "{format}"
        );
        assert!(users.body.contains("writer2"));
    }
    assert_eq!(
        app.get("/admin/user/export/?format=xml").await.status,
        StatusCode::BAD_REQUEST
    );
    let token = app.csrf_token().await;
    let selected = app
        .post_form(
            "/admin/message/",
            &[
                ("csrf_token", &token),
                ("action", "export_csv"),
                ("id", "1"),
                ("id", "3"),
            ],
        )
        .await;
    assert_eq!(
        selected.location(),
        "/admin/message/export/?format=csv&id__in=1%2C3"
    );
    assert_eq!(app.get(selected.location()).await.body.lines().count(), 3);
}

async fn lookups_page_through_matches_as_json(db: TestDb) {
    let app = crate::admin_app!(db);
    writers(&app.db.db, 0, 30).await;
    let page = app.get("/admin/user/lookup/?q=writer").await.json();
    assert_eq!(page["results"].as_array().unwrap().len(), 20);
    assert_eq!(page["more"], true);
    assert_eq!(page["results"][0]["text"], "writer0");
    let second = app.get("/admin/user/lookup/?q=writer&page=2").await.json();
    assert_eq!(second["results"].as_array().unwrap().len(), 10);
    assert_eq!(second["more"], false);
    let one = app.get("/admin/user/lookup/?q=writer17").await.json();
    assert_eq!(one["results"].as_array().unwrap().len(), 1);
    let nothing = app
        .get(&format!("/admin/user/lookup/?q={}", "%25".repeat(3000)))
        .await;
    assert_ne!(nothing.status, StatusCode::INTERNAL_SERVER_ERROR);
}

async fn a_list_page_costs_the_same_queries_for_2_rows_or_20(db: TestDb) {
    let counter = Arc::new(AtomicUsize::new(0));
    let mut counted = db.db.clone();
    let seen = counter.clone();
    counted.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let site = example_site::Site::new(counted, &config()).unwrap();
    let service = test::init_service(example_site::app(site.clone())).await;
    let app = wrap(service, site, db);
    app.create_user("boss", "boss-password", true, true).await;
    app.login("boss", "boss-password").await;
    let mut costs = Vec::new();
    for (start, n) in [(0, 2), (2, 18)] {
        writers(&app.db.db, start, n).await;
        app.get("/admin/message/").await;
        let before = counter.load(Ordering::SeqCst);
        let page = app.get("/admin/message/").await;
        costs.push(counter.load(Ordering::SeqCst) - before);
        assert!(page.body.contains("writer1"));
        assert_eq!(rows(&page.body), start + n);
    }
    assert_eq!(costs[0], costs[1], "queries per page: {costs:?}");
}

crate::on_every_database!(example:
    search_crosses_the_foreign_key_and_filters_use_the_grammar,
    headers_sort_and_pages_stay_in_range,
    bulk_delete_confirms_the_cascade_then_deletes_in_one_go,
    custom_actions_run_on_the_checked_rows,
    exports_follow_the_filters_and_never_contain_the_password,
    lookups_page_through_matches_as_json,
    a_list_page_costs_the_same_queries_for_2_rows_or_20,
);
