//! A delete that takes rows with it (SPEC "Admin > Delete", "Permissions"): as in Django's
//! admin, it goes only when the caller may delete every row it takes, on both front doors.

use actix_web::http::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::admin::add_message;
use crate::app::{spawn, unescape};
use crate::permissions::staff;
use crate::support::TestDb;
use example_site::models::{message, note, user};

/// A user with a message and a note, both of which go with the user.
async fn victim(db: &sea_orm::DatabaseConnection) -> i32 {
    let id = user::ActiveModel {
        username: Set("victim".into()),
        password: Set("not-a-hash".into()),
        email: Set("victim@example.com".into()),
        join_date: Set(example_site::models::now()),
        active: Set(true),
        admin: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id;
    add_message(db, id, "whispered secret").await;
    note::ActiveModel {
        user: Set(id),
        message: Set("private remark".into()),
        status: Set(Some(1)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    id
}

async fn rows(db: &sea_orm::DatabaseConnection) -> (u64, u64, u64) {
    (
        user::Entity::find().count(db).await.unwrap(),
        message::Entity::find().count(db).await.unwrap(),
        note::Entity::find().count(db).await.unwrap(),
    )
}

async fn the_admin_refuses_a_delete_that_takes_rows_the_caller_may_not_delete(db: TestDb) {
    let app = spawn(db).await;
    let id = victim(&app.db.db).await;
    staff(&app, "remover", &["user.view", "user.delete"]).await;
    app.login("remover", "remover-password").await;
    let before = rows(&app.db.db).await;

    let confirm = app.get(&format!("/admin/user/delete/?id={id}")).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let page = unescape(&confirm.body);
    assert!(
        page.contains("rows you may not delete (Message, Note)"),
        "{page}"
    );
    assert!(!page.contains("Yes, delete"), "no button: {page}");
    assert!(!page.contains("whispered secret"), "not viewable: {page}");
    assert!(page.contains("1 row you may not view"), "{page}");

    let token = app.csrf_token().await;
    let id_text = id.to_string();
    let refused = app
        .post_form(
            "/admin/user/delete/",
            &[("csrf_token", &token), ("id", &id_text)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(unescape(&refused.body).contains("rows you may not delete"));
    assert_eq!(rows(&app.db.db).await, before, "nothing deleted");

    staff(
        &app,
        "purger",
        &["user.delete", "message.delete", "note.delete"],
    )
    .await;
    app.login("purger", "purger-password").await;
    let token = app.csrf_token().await;
    let done = app
        .post_form(
            "/admin/user/delete/",
            &[("csrf_token", &token), ("id", &id_text)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (users, messages, notes) = before;
    assert_eq!(rows(&app.db.db).await, (users, messages - 1, notes - 1));
    assert!(
        user::Entity::find_by_id(id)
            .one(&app.db.db)
            .await
            .unwrap()
            .is_none()
    );
}

async fn the_api_refuses_a_delete_that_takes_rows_the_caller_may_not_delete(db: TestDb) {
    let app = spawn(db).await;
    let id = victim(&app.db.db).await;
    staff(&app, "deleter", &["user.delete"]).await;
    let before = rows(&app.db.db).await;
    let detail = format!("/api/user/{id}/");

    let refused = app
        .api(
            "DELETE",
            &detail,
            None,
            Some(("deleter", "deleter-password")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("would also delete message rows"),
        "{}",
        refused.body
    );
    assert_eq!(rows(&app.db.db).await, before, "nothing deleted");

    staff(
        &app,
        "cleaner",
        &["user.delete", "message.delete", "note.delete"],
    )
    .await;
    let done = app
        .api(
            "DELETE",
            &detail,
            None,
            Some(("cleaner", "cleaner-password")),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let (users, messages, notes) = before;
    assert_eq!(rows(&app.db.db).await, (users, messages - 1, notes - 1));
}

crate::on_every_database!(example:
    the_admin_refuses_a_delete_that_takes_rows_the_caller_may_not_delete,
    the_api_refuses_a_delete_that_takes_rows_the_caller_may_not_delete,
);
