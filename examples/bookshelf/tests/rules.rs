//! The bookshelf's rules, each through the API and the admin, on SQLite always and on
//! PostgreSQL and MariaDB when `ACTIX_SEA_TEST_POSTGRES_URL` / `ACTIX_SEA_TEST_MYSQL_URL` are
//! set.

mod client;
// Shared with the crate's own tests, which use all of it.
#[allow(dead_code)]
#[path = "../../../tests/support/db.rs"]
mod support;

use actix_web::http::StatusCode;
use bookshelf::models::{author, book, review};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::json;

use client::{ANN, BO, ROOT, shelf};
use support::TestDb;

async fn add_book(
    db: &DatabaseConnection,
    title: &str,
    isbn: &str,
    stock: i32,
    in_stock: bool,
) -> i32 {
    let writer = author::ActiveModel {
        name: Set("Ursula".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    book::ActiveModel {
        title: Set(title.into()),
        isbn: Set(isbn.into()),
        author: Set(writer.id),
        stock: Set(stock),
        in_stock: Set(in_stock),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn add_review(
    db: &DatabaseConnection,
    book: i32,
    user: i32,
    rating: i32,
    age: Duration,
) -> i32 {
    let stored = review::ActiveModel {
        book: Set(book),
        user: Set(user),
        rating: Set(rating),
        body: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    review::Entity::update_many()
        .col_expr(
            review::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - age),
        )
        .filter(review::Column::Id.eq(stored.id))
        .exec(db)
        .await
        .unwrap();
    stored.id
}

/// Rating 1..=5, from one rule on the entity: 400 naming the field on the API, the message
/// beside the field (input kept) in the admin; the date is always the server's.
async fn ratings_and_dates(db: TestDb) {
    let app = shelf(db).await;
    let book = add_book(&app.db, "Earthsea", "9780547773742", 5, true).await;
    let bad = app
        .api(
            "POST",
            "/api/review/",
            Some(json!({"book": book, "rating": 7})),
            ANN,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(
        bad.json()["error"],
        "field `rating`: must be between 1 and 5"
    );

    let sent = json!({"book": book, "rating": 4, "created_at": "2000-01-01T00:00:00Z"});
    let made = app.api("POST", "/api/review/", Some(sent), ANN).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let stored = review::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(
        Utc::now() - stored.created_at < Duration::minutes(1),
        "{:?}",
        stored.created_at
    );

    app.login("root", "toor").await;
    let form = app
        .post_form(
            "/admin/review/add/",
            &[
                ("book", &book.to_string()),
                ("user", "2"),
                ("rating", "9"),
                ("body", "great"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("Must be between 1 and 5."),
        "{}",
        form.body
    );
    assert!(form.body.contains(">great</textarea>"), "input kept");
    assert_eq!(
        review::Entity::find().count(&app.db).await.unwrap(),
        1,
        "nothing saved"
    );
}

/// An ISBN has 10 or 13 digits; the pair (book, tag) is unique and a clash names it.
async fn isbns_and_tags(db: TestDb) {
    let app = shelf(db).await;
    let writer = author::ActiveModel {
        name: Set("Le Guin".into()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let short = app
        .api(
            "POST",
            "/api/book/",
            Some(json!({"title": "A", "isbn": "12345", "author": writer.id})),
            ROOT,
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", short.body);
    assert_eq!(
        short.json()["error"],
        "field `isbn`: must be 10 or 13 digits"
    );
    let good = app
        .api(
            "POST",
            "/api/book/",
            Some(json!({"title": "A", "isbn": "0306406152", "author": writer.id})),
            ROOT,
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.body);
    assert_eq!(good.json()["in_stock"], true, "the declared default");
    let reader = app
        .api(
            "POST",
            "/api/book/",
            Some(json!({"title": "B", "isbn": "0306406153", "author": writer.id})),
            ANN,
        )
        .await;
    assert_eq!(
        reader.status,
        StatusCode::FORBIDDEN,
        "only admins add books: {}",
        reader.body
    );

    let tag = app
        .api("POST", "/api/tag/", Some(json!({"name": "fantasy"})), ROOT)
        .await;
    assert_eq!(tag.status, StatusCode::CREATED, "{}", tag.body);
    let pair = json!({"book": good.json()["id"], "tag": tag.json()["id"]});
    assert_eq!(
        app.api("POST", "/api/book_tag/", Some(pair.clone()), ROOT)
            .await
            .status,
        StatusCode::CREATED
    );
    let again = app.api("POST", "/api/book_tag/", Some(pair), ROOT).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.json()["error"].as_str().unwrap().contains("`book`"),
        "{}",
        again.body
    );
}

/// A review is changed by its author only, and only for 24 hours (403 with the reason).
async fn reviews_change_for_a_day(db: TestDb) {
    let app = shelf(db).await;
    let book = add_book(&app.db, "Earthsea", "9780547773742", 5, true).await;
    let fresh = add_review(&app.db, book, 2, 4, Duration::hours(1)).await;
    let old = add_review(&app.db, book, 2, 4, Duration::hours(30)).await;

    let edited = app
        .api(
            "PATCH",
            &format!("/api/review/{fresh}/"),
            Some(json!({"rating": 5})),
            ANN,
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let late = app
        .api(
            "PATCH",
            &format!("/api/review/{old}/"),
            Some(json!({"rating": 5})),
            ANN,
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert_eq!(
        late.json(),
        json!({"error": "Forbidden", "detail": "a review can only be changed in the 24 hours after it was written"})
    );
    let other = app
        .api(
            "PATCH",
            &format!("/api/review/{fresh}/"),
            Some(json!({"rating": 1})),
            BO,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
    assert_eq!(other.json(), json!({"error": "Forbidden"}));
    let stored = review::Entity::find_by_id(old)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.rating, 4, "a refused write changes nothing");
}

/// Anonymous callers and readers see only books in stock, wherever books are reached.
async fn out_of_stock_books_are_hidden(db: TestDb) {
    let app = shelf(db).await;
    let shown = add_book(&app.db, "Earthsea", "9780547773742", 5, true).await;
    let hidden = add_book(&app.db, "Tehanu", "9780689315954", 0, false).await;
    add_review(&app.db, hidden, 2, 5, Duration::hours(1)).await;

    for user in [None, ANN] {
        let books = app.api("GET", "/api/book/", None, user).await;
        assert_eq!(books.json()["meta"]["object_count"], 1, "{}", books.body);
        assert_eq!(books.json()["objects"][0]["id"], shown);
        assert_eq!(
            app.api("GET", &format!("/api/book/{hidden}/"), None, user)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let reviews = app.api("GET", "/api/review/", None, user).await;
        assert_eq!(
            reviews.json()["objects"][0]["book"],
            json!(hidden),
            "bare key: {}",
            reviews.body
        );
        let crossing = app
            .api("GET", "/api/review/?book__in_stock=false", None, user)
            .await;
        assert_eq!(
            crossing.json()["meta"]["object_count"],
            0,
            "{}",
            crossing.body
        );
        let by_title = app
            .api("GET", "/api/review/?book__title=Tehanu", None, user)
            .await;
        assert_eq!(
            by_title.json()["meta"]["object_count"],
            0,
            "{}",
            by_title.body
        );
    }
    let written = app
        .api(
            "POST",
            "/api/review/",
            Some(json!({"book": hidden, "rating": 3})),
            ANN,
        )
        .await;
    assert_eq!(written.status, StatusCode::BAD_REQUEST, "{}", written.body);

    let all = app.api("GET", "/api/book/", None, ROOT).await;
    assert_eq!(
        all.json()["meta"]["object_count"],
        2,
        "admins see every book"
    );
    let nested = app.api("GET", "/api/review/", None, ROOT).await;
    assert_eq!(nested.json()["objects"][0]["book"]["title"], "Tehanu");
}

/// A review rated 1 stays, whatever deletes it: the API, the admin's page, a bulk delete.
async fn one_star_reviews_stay(db: TestDb) {
    let app = shelf(db).await;
    let book = add_book(&app.db, "Earthsea", "9780547773742", 5, true).await;
    let harsh = add_review(&app.db, book, 2, 1, Duration::hours(1)).await;
    let kind = add_review(&app.db, book, 2, 5, Duration::hours(1)).await;

    let api = app
        .api("DELETE", &format!("/api/review/{harsh}/"), None, ANN)
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    assert_eq!(api.json()["error"], "a review rated 1 cannot be deleted");

    app.login("root", "toor").await;
    let page = app
        .post_form(
            &format!("/admin/review/delete/?id={harsh}"),
            &[("id", &harsh.to_string())],
        )
        .await;
    assert!(
        page.body.contains("A review rated 1 cannot be deleted."),
        "{} {}",
        page.status,
        page.body
    );
    let bulk = app
        .post_form(
            "/admin/review/delete/",
            &[("id", &harsh.to_string()), ("id", &kind.to_string())],
        )
        .await;
    assert!(
        bulk.body.contains("A review rated 1 cannot be deleted."),
        "{} {}",
        bulk.status,
        bulk.body
    );
    assert_eq!(
        review::Entity::find().count(&app.db).await.unwrap(),
        2,
        "nothing deleted"
    );
    let api = app
        .api("DELETE", &format!("/api/review/{kind}/"), None, ANN)
        .await;
    assert_eq!(api.json(), json!({"deleted": 1}), "{}", api.body);
}

/// The dashboard's "Low stock" panel and the "Mark out of stock" action.
async fn low_stock_and_out_of_stock(db: TestDb) {
    let app = shelf(db).await;
    let low = add_book(&app.db, "Earthsea", "9780547773742", 1, true).await;
    add_book(&app.db, "Tehanu", "9780689315954", 12, true).await;
    app.login("root", "toor").await;
    let dashboard = app.get("/admin/").await;
    assert!(dashboard.body.contains("Low stock"), "{}", dashboard.body);
    assert!(
        dashboard.body.contains(&format!("data-stock=\"{low}\">1<")),
        "{}",
        dashboard.body
    );
    assert!(
        !dashboard.body.contains("data-stock=\"2\""),
        "a well-stocked book is not listed"
    );

    let done = app
        .post_form(
            "/admin/book/",
            &[("action", "mark_out_of_stock"), ("id", &low.to_string())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored = book::Entity::find_by_id(low)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.in_stock);
    assert_eq!(
        app.api("GET", &format!("/api/book/{low}/"), None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

on_every_database!(
    new: ratings_and_dates,
    isbns_and_tags,
    reviews_change_for_a_day,
    out_of_stock_books_are_hidden,
    one_star_reviews_stay,
    low_stock_and_out_of_stock,
);
