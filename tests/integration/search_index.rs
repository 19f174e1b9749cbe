//! SPEC "Round 2 > Big tables", full-text search: the example's message admin answers `?q=`
//! from a search index (SQLite FTS5 with triggers, PostgreSQL GIN over a `tsvector`,
//! MariaDB/MySQL FULLTEXT) that finds words by prefix, ignoring case, stays current on every
//! write, takes the search text literally and keeps the model's scope.

use actix_sea::Context;
use actix_sea::admin::{Admin, ModelAdmin};
use actix_sea::db::SearchIndex;
use actix_web::http::StatusCode;
use example_site::Site;
use example_site::admin::MessageAdmin;
use example_site::models::{message, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, ModelTrait,
};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use crate::admin::add_message;
use crate::app::{config, wrap};
use crate::support::TestDb;

/// The contents of the messages an admin list page shows, sorted.
fn shown(body: &str, all: &[&str]) -> Vec<String> {
    let mut shown: Vec<String> = all
        .iter()
        .filter(|content| body.contains(&format!(">{content}<")))
        .map(|content| (*content).to_owned())
        .collect();
    shown.sort();
    shown
}

fn rows(body: &str) -> usize {
    body.matches(r#"<input type="checkbox" name="id""#).count()
}

const FOX: &str = "The quick brown fox";
const DOGS: &str = "Lazy dogs sleep";
const QUICKLY: &str = "Quickly now";

async fn three_messages(db: &sea_orm::DatabaseConnection, author: i32) {
    for content in [FOX, DOGS, QUICKLY] {
        add_message(db, author, content).await;
    }
}

async fn a_word_or_its_prefix_finds_its_rows_ignoring_case(db: TestDb) {
    let app = crate::admin_app!(db);
    let author = app
        .create_user("writer", "writer-password", false, true)
        .await;
    three_messages(&app.db.db, author).await;
    let all = [FOX, DOGS, QUICKLY];
    for (q, expected) in [
        ("fox", vec![FOX]),
        ("qui", vec![QUICKLY, FOX]),
        ("QUICK", vec![QUICKLY, FOX]),
        ("brown%20FOX", vec![FOX]),
        ("brown%20dogs", vec![]),
        ("zzzz", vec![]),
        ("sleep", vec![DOGS]),
    ] {
        let page = app.get(&format!("/admin/message/?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK, "q={q}");
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(shown(&page.body, &all), expected, "q={q}");
        assert_eq!(rows(&page.body), expected.len(), "q={q}");
    }
    let by_author = app.get("/admin/message/?q=writer").await;
    assert_eq!(
        rows(&by_author.body),
        3,
        "fields outside the index (the author's name) are still searched"
    );
}

async fn rows_written_after_the_index_exists_are_found_as_they_are_now(db: TestDb) {
    let app = crate::admin_app!(db);
    let author = app
        .create_user("writer", "writer-password", false, true)
        .await;
    three_messages(&app.db.db, author).await;
    let count = |q: &'static str| {
        let app = &app;
        async move { rows(&app.get(&format!("/admin/message/?q={q}")).await.body) }
    };
    let id = add_message(&app.db.db, author, "alpha centauri").await;
    assert_eq!(count("centauri").await, 1, "an inserted row is found");
    let row = message::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    let mut changed: message::ActiveModel = row.into();
    changed.content = Set("betelgeuse".into());
    let row = changed.update(&app.db.db).await.unwrap();
    assert_eq!(count("centauri").await, 0, "the old text is gone");
    assert_eq!(count("betel").await, 1, "the new text is found");
    row.delete(&app.db.db).await.unwrap();
    assert_eq!(count("betelgeuse").await, 0, "a deleted row is not found");
    assert_eq!(count("fox").await, 1, "the other rows are untouched");
}

async fn search_syntax_in_q_is_literal_and_never_a_500(db: TestDb) {
    let app = crate::admin_app!(db);
    let author = app
        .create_user("writer", "writer-password", false, true)
        .await;
    three_messages(&app.db.db, author).await;
    let all = [FOX, DOGS, QUICKLY];
    for q in [
        "fox*",
        "-fox",
        "%2Bfox",
        "fox%22",
        "%22fox",
        "(fox",
        "fox)",
        "NEAR(fox%20quick)",
        "fox%20OR%20lazy",
        "fox%20AND",
        "NOT%20fox",
        "'fox'",
        "fox%5C",
        "fox:*",
        "fox%20%26%20!lazy",
        "%25fox",
        "fox_",
        "@fox",
        "~fox",
        "%3Cfox%3E",
        "fox^2",
        "col:fox",
        "%7Bfox%7D",
        "%5Bfox%5D",
        "%00fox",
    ] {
        let page = app.get(&format!("/admin/message/?q={q}")).await;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::BAD_REQUEST,
            "q={q}: {}",
            page.status
        );
        let content = shown(&page.body, &all);
        assert!(
            content.is_empty() || content == [FOX],
            "q={q} finds only the fox, as a word: {content:?}"
        );
    }
    assert_eq!(rows(&app.get("/admin/message/?q=-fox").await.body), 1);
    assert_eq!(
        rows(&app.get("/admin/message/?q=fox%20OR%20lazy").await.body),
        0,
        "OR is a word, not an operator"
    );
    assert_eq!(
        rows(&app.get("/admin/message/?q=NEAR(fox%20quick)").await.body),
        0,
        "NEAR is a word"
    );
}

/// An empty `q` lists every row; one without words (nothing the index could look up) is
/// searched as text, as without an index: never every row for a search that asked for
/// something.
async fn an_empty_q_lists_every_row_and_a_wordless_one_is_searched_as_text(db: TestDb) {
    let app = crate::admin_app!(db);
    let author = app
        .create_user("writer", "writer-password", false, true)
        .await;
    three_messages(&app.db.db, author).await;
    add_message(&app.db.db, author, "100% sure...").await;
    for (q, expected) in [
        ("", 4),
        ("%20%20", 4),
        ("%22", 0),
        ("%22%22", 0),
        ("*", 0),
        ("'", 0),
        ("%5C", 0),
        ("%25", 1),
        ("_", 0),
        ("%22*-()%22", 0),
        ("...", 1),
        ("%F0%9F%98%80", 0),
    ] {
        let page = app.get(&format!("/admin/message/?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK, "q={q}");
        assert_eq!(rows(&page.body), expected, "q={q}");
    }
    // A NUL is the search text's fault, not a field's.
    let nul = app.get("/admin/message/?q=a%00b").await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    assert!(
        nul.body
            .contains("The search text cannot contain NUL characters")
    );
    assert!(!nul.body.contains("field `username`"), "{}", nul.body);
}

/// Messages, of which a user sees only their own.
struct OwnMessages;

impl ModelAdmin<message::Entity> for OwnMessages {
    fn get_query(&self, ctx: &Context) -> Condition {
        let id = ctx.user_id().unwrap_or(0);
        Condition::all().add(message::Column::User.eq(id))
    }

    fn search_index(&self) -> Option<SearchIndex<message::Entity>> {
        Some(message::search_index())
    }
}

async fn the_scope_holds_while_searching(db: TestDb) {
    let site = Site::new(db.db.clone(), &config()).expect("site builds");
    let admin = Admin::builder(&site.auth)
        .register(message::Entity, OwnMessages)
        .register(user::Entity, example_site::admin::UserAdmin)
        .build()
        .unwrap();
    let site = Site { admin, ..site };
    let service = actix_web::test::init_service(example_site::app(site.clone())).await;
    let app = wrap(service, site, db);
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let other = app
        .create_user("other", "other-password", false, true)
        .await;
    add_message(&app.db.db, boss, "hello from boss").await;
    add_message(&app.db.db, other, "hello from other").await;
    assert_eq!(
        app.login("boss", "boss-password").await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get("/admin/message/?q=hello").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(rows(&page.body), 1);
    assert!(page.body.contains("hello from boss"));
    assert!(!page.body.contains("hello from other"));
    assert_eq!(rows(&app.get("/admin/message/?q=other").await.body), 0);
}

async fn the_index_migrates_down_and_up_again_with_the_rows_in_between(db: TestDb) {
    let app = crate::admin_app!(db);
    let author = app
        .create_user("writer", "writer-password", false, true)
        .await;
    three_messages(&app.db.db, author).await;
    let index = message::search_index();
    let manager = SchemaManager::new(&app.db.db);
    index.down(&manager).await.expect("down");
    add_message(&app.db.db, author, "written without an index").await;
    index.up(&manager).await.expect("up again");
    let page = app.get("/admin/message/?q=without").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(rows(&page.body), 1, "rows written meanwhile are indexed");
    assert_eq!(rows(&app.get("/admin/message/?q=fox").await.body), 1);
    add_message(&app.db.db, author, "another fox").await;
    assert_eq!(rows(&app.get("/admin/message/?q=fox").await.body), 2);
}

/// The example's admin uses the index (the tests above go through it).
#[test]
fn the_example_admin_searches_messages_with_the_index() {
    assert!(MessageAdmin.search_index().is_some());
}

crate::on_every_database!(example:
    a_word_or_its_prefix_finds_its_rows_ignoring_case,
    rows_written_after_the_index_exists_are_found_as_they_are_now,
    search_syntax_in_q_is_literal_and_never_a_500,
    an_empty_q_lists_every_row_and_a_wordless_one_is_searched_as_text,
    the_scope_holds_while_searching,
    the_index_migrates_down_and_up_again_with_the_rows_in_between,
);
