//! A delete that takes rows with it (SPEC "Admin > Delete", "Permissions"): as in Django's
//! admin, it goes only when the caller may delete every row it takes, on both front doors.

use actix_sea::rest::{RestApi, RestResource, UserAuthentication};
use actix_sea::{Context, Refusal, async_trait};
use actix_web::http::StatusCode;
use example_site::api::{MessageResource, NoteResource, RelationshipResource};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::admin::add_message;
use crate::app::{config, spawn, unescape, wrap};
use crate::permissions::staff;
use crate::support::TestDb;
use example_site::models::{message, note, relationship, user};

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

/// Users who may delete their own account, and no other.
struct Accounts;

#[async_trait]
impl RestResource<user::Entity> for Accounts {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password, user::Column::Email]
    }

    async fn check_delete(&self, ctx: &Context, row: &user::Model) -> Result<(), Refusal> {
        match ctx.user_id() == Some(i64::from(row.id)) {
            true => Ok(()),
            false => Err(Refusal::new("only your own account")),
        }
    }
}

/// Without any permission, a user's delete takes the rows they could delete themselves: their
/// own, within each resource's scope. A row of someone else's (a follow of them) or one out of
/// scope (a note that is not live) refuses the whole delete.
async fn an_owner_deletes_what_they_could_delete_themselves(db: TestDb) {
    let connection = db.db.clone();
    let mut site = example_site::Site::new(connection.clone(), &config()).unwrap();
    site.api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register(user::Entity, Accounts)
        .register(message::Entity, MessageResource)
        .register(relationship::Entity, RelationshipResource)
        .register(note::Entity, NoteResource)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    let mut ids = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        let id = app
            .create_user(name, &format!("{name}-password"), false, true)
            .await;
        add_message(&connection, id, &format!("by {name}")).await;
        ids.push(id);
    }
    let [alice, bob, carol, dave] = ids[..] else {
        unreachable!()
    };
    let live_note = |user: i32, status: i32| note::ActiveModel {
        user: Set(user),
        message: Set("remark".into()),
        status: Set(Some(status)),
        ..Default::default()
    };
    live_note(alice, 1).insert(&connection).await.unwrap();
    live_note(dave, 2).insert(&connection).await.unwrap();
    relationship::ActiveModel {
        from_user: Set(carol),
        to_user: Set(bob),
        ..Default::default()
    }
    .insert(&connection)
    .await
    .unwrap();
    let delete = async |id: i32, name: &str| {
        let password = format!("{name}-password");
        app.api(
            "DELETE",
            &format!("/api/user/{id}/"),
            None,
            Some((name, &password)),
        )
        .await
    };

    let before = rows(&connection).await;
    let followed = delete(bob, "bob").await;
    assert_eq!(followed.status, StatusCode::FORBIDDEN, "{}", followed.body);
    assert!(
        followed.body.contains("relationship rows"),
        "{}",
        followed.body
    );
    let hidden = delete(dave, "dave").await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "{}", hidden.body);
    assert!(hidden.body.contains("note rows"), "{}", hidden.body);
    assert_eq!(rows(&connection).await, before, "nothing deleted");

    let own = delete(alice, "alice").await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let (users, messages, notes) = before;
    assert_eq!(
        rows(&connection).await,
        (users - 1, messages - 1, notes - 1)
    );
}

crate::on_every_database!(example:
    an_owner_deletes_what_they_could_delete_themselves,
    the_admin_refuses_a_delete_that_takes_rows_the_caller_may_not_delete,
    the_api_refuses_a_delete_that_takes_rows_the_caller_may_not_delete,
);
