//! A book's tags in the admin: the reusable many-to-many field through `book_tag`, on SQLite
//! always and on PostgreSQL and MariaDB when `ACTIX_SEA_TEST_POSTGRES_URL` /
//! `ACTIX_SEA_TEST_MYSQL_URL` are set.

// Shared with `rules.rs`, which uses all of it.
#[allow(dead_code)]
mod client;
// Shared with the crate's own tests, which use all of it.
#[allow(dead_code)]
#[path = "../../../tests/support/db.rs"]
mod support;

use actix_sea::audit::entry;
use actix_web::http::StatusCode;
use bookshelf::models::{author, book, book_tag, tag};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use client::shelf;
use support::TestDb;

async fn add_author(db: &DatabaseConnection) -> i32 {
    author::ActiveModel {
        name: Set("Ursula".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn add_tags(db: &DatabaseConnection, names: &[&str]) -> Vec<i32> {
    let mut ids = Vec::new();
    for name in names {
        let stored = tag::ActiveModel {
            name: Set((*name).to_owned()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        ids.push(stored.id);
    }
    ids
}

async fn tags_of(db: &DatabaseConnection, book: i32) -> Vec<i32> {
    let mut tags: Vec<i32> = book_tag::Entity::find()
        .filter(book_tag::Column::Book.eq(book))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|pair| pair.tag)
        .collect();
    tags.sort_unstable();
    tags
}

/// The audit entries of one join table, oldest first: (action, values).
async fn entries(db: &DatabaseConnection, model: &str) -> Vec<(String, serde_json::Value)> {
    entry::Entity::find()
        .filter(entry::Column::Model.eq(model))
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, serde_json::from_str(&e.values).unwrap()))
        .collect()
}

fn sorted(mut ids: Vec<i32>) -> Vec<i32> {
    ids.sort_unstable();
    ids
}

/// The fields of the book form, with `tags` as given (`None`: the post leaves them out).
fn book_form<'a>(
    author: &'a str,
    title: &'a str,
    tags: Option<&'a [String]>,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", title),
        ("isbn", "0306406152"),
        ("author", author),
        ("stock", "2"),
        ("in_stock", "false"),
        ("in_stock", "on"),
    ];
    if let Some(tags) = tags {
        fields.push(("tags", ""));
        fields.extend(tags.iter().map(|t| ("tags", t.as_str())));
    }
    fields
}

async fn tags_are_set_on_add_and_edit_kept_when_left_out_and_cleared(db: TestDb) {
    let app = shelf(db).await;
    let writer = add_author(&app.db).await.to_string();
    let ids = add_tags(&app.db, &["fantasy", "classic", "sea"]).await;
    let [fantasy, classic, sea] = [ids[0], ids[1], ids[2]];
    let text = |ids: &[i32]| -> Vec<String> { ids.iter().map(ToString::to_string).collect() };
    app.login("root", "toor").await;
    let form = app.get("/admin/book/add/").await;
    assert!(
        form.body.contains(r#"name="tags" multiple"#),
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains(&format!(r#"<option value="{sea}">sea</option>"#))
    );

    let chosen = text(&[fantasy, classic]);
    let fields = book_form(&writer, "Earthsea", Some(&chosen));
    let added = app.post_form("/admin/book/add/", &fields).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let book = book::Entity::find().one(&app.db).await.unwrap().unwrap().id;
    assert_eq!(tags_of(&app.db, book).await, sorted(vec![fantasy, classic]));
    let path = format!("/admin/book/{book}/");
    let shown = app.get(&path).await;
    assert!(shown.body.contains(&format!(
        r#"<option value="{fantasy}" selected>fantasy</option>"#
    )));
    assert!(
        shown
            .body
            .contains(&format!(r#"<option value="{sea}">sea</option>"#))
    );

    let chosen = text(&[classic, sea]);
    let edited = app
        .post_form(&path, &book_form(&writer, "Earthsea", Some(&chosen)))
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    assert_eq!(tags_of(&app.db, book).await, sorted(vec![classic, sea]));

    let renamed = app
        .post_form(&path, &book_form(&writer, "A Wizard of Earthsea", None))
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(
        tags_of(&app.db, book).await,
        sorted(vec![classic, sea]),
        "a post without the field keeps the tags"
    );

    let cleared = app
        .post_form(&path, &book_form(&writer, "Earthsea", Some(&[])))
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.body);
    assert!(tags_of(&app.db, book).await.is_empty());

    let trail = entries(&app.db, "book_tag").await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "create", "delete", "create", "delete", "delete"]
    );
    assert_eq!(trail[0].1["book"], book);
    assert_eq!(trail[2].1["tag"], fantasy, "the row that went, recorded");
    assert_eq!(trail[3].1["tag"], sea);
}

async fn an_unknown_or_hidden_tag_is_an_error_beside_the_field_and_nothing_is_saved(db: TestDb) {
    let app = shelf(db).await;
    let writer_id = add_author(&app.db).await;
    let writer = writer_id.to_string();
    let ids = add_tags(&app.db, &["fantasy", "shop:reorder"]).await;
    let [fantasy, reorder] = [ids[0], ids[1]];
    let book = book::ActiveModel {
        title: Set("Earthsea".into()),
        isbn: Set("0306406152".into()),
        author: Set(writer_id),
        stock: Set(2),
        in_stock: Set(true),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    book_tag::ActiveModel {
        book: Set(book),
        tag: Set(reorder),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();

    // A clerk may view and change books and view tags; the shop's own tags are hidden.
    app.login("root", "toor").await;
    let permissions = ["book.view", "book.change", "tag.view"];
    let mut group = vec![("name", "Clerks")];
    group.extend(permissions.iter().map(|p| ("permissions", *p)));
    let made = app.post_form("/admin/group/add/", &group).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let clerks = actix_sea::groups::by_name(&app.db, "Clerks")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let joined = app
        .post_form(
            "/admin/user/2/",
            &[("active", "on"), ("groups", ""), ("groups", &clerks)],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let membership = entries(&app.db, "actix_sea_user_group").await;
    assert_eq!(
        membership.len(),
        1,
        "the user's groups run on the same field"
    );
    assert_eq!(membership[0].0, "create");

    app.login("ann", "reader").await;
    let path = format!("/admin/book/{book}/");
    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains(&format!(r#"<option value="{fantasy}">fantasy</option>"#))
    );
    assert!(
        !form.body.contains("shop:reorder"),
        "hidden tags are not offered"
    );
    assert!(!form.body.contains(r#"name="groups""#));

    let hidden = reorder.to_string();
    for (sent, why) in [
        ("999999", "an unknown tag"),
        (hidden.as_str(), "a hidden tag"),
    ] {
        let chosen = [fantasy.to_string(), sent.to_owned()];
        let refused = app
            .post_form(&path, &book_form(&writer, "Changed", Some(&chosen)))
            .await;
        assert_eq!(refused.status, StatusCode::OK, "{why}: {}", refused.body);
        let message = format!("There is no tag with key {sent}.");
        let beside = format!(r#"<p class="errorlist" role="alert">{message}</p>"#);
        assert!(refused.body.contains(&beside), "{why}: {}", refused.body);
        let stored = book::Entity::find_by_id(book)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.title, "Earthsea", "{why}: nothing saved");
        assert_eq!(tags_of(&app.db, book).await, vec![reorder], "{why}");
    }

    let chosen = [fantasy.to_string()];
    let saved = app
        .post_form(&path, &book_form(&writer, "Earthsea", Some(&chosen)))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        tags_of(&app.db, book).await,
        sorted(vec![fantasy, reorder]),
        "a tag the clerk cannot see stays on the book"
    );
    assert_eq!(entries(&app.db, "book_tag").await.len(), 1);
}

async fn a_search_box_appears_above_a_hundred_tags(db: TestDb) {
    let app = shelf(db).await;
    let names: Vec<String> = (1..=100).map(|n| format!("tag {n:03}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    add_tags(&app.db, &names).await;
    app.login("root", "toor").await;
    let hundred = app.get("/admin/book/add/").await;
    assert!(hundred.body.contains(r#"name="tags" multiple"#));
    assert!(hundred.body.contains(">tag 100</option>"));
    assert!(
        !hundred.body.contains("many-search"),
        "no search box for 100"
    );

    add_tags(&app.db, &["tag 101"]).await;
    let more = app.get("/admin/book/add/").await;
    assert!(
        more.body
            .contains(r#"<input type="search" class="many-search" data-many="f-tags""#),
        "{}",
        more.body
    );
    assert!(more.body.contains(">tag 101</option>"));
}

/// A many-to-many field whose target is not in the admin fails when the admin is built.
async fn a_field_whose_target_is_not_in_the_admin_is_refused_at_build(db: TestDb) {
    let auth =
        actix_sea::auth::Auth::builder(db.db.clone(), bookshelf::models::user::Entity, &[7; 64])
            .build()
            .unwrap();
    let refused = actix_sea::admin::Admin::builder(&auth)
        .register(book::Entity, bookshelf::admin::BookAdmin)
        .build();
    match refused {
        Err(actix_sea::Error::Config(message)) => {
            assert!(message.contains("`tag` is not registered"), "{message}");
        }
        Err(other) => panic!("not a configuration error: {other}"),
        Ok(_) => panic!("built with a target outside the admin"),
    }
}

on_every_database!(
    new: tags_are_set_on_add_and_edit_kept_when_left_out_and_cleared,
    an_unknown_or_hidden_tag_is_an_error_beside_the_field_and_nothing_is_saved,
    a_search_box_appears_above_a_hundred_tags,
    a_field_whose_target_is_not_in_the_admin_is_refused_at_build,
);
