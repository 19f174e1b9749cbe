//! SPEC "Round 2 > Audit trail" for a site's own writes: the password page, a login that
//! re-hashes, and the example's pages (post, follow, unfollow, join) each leave one entry
//! through `audit::Transaction`, with the channel `site`, the actor and the values.

use actix_sea::audit::entry;
use actix_web::http::StatusCode;
use example_site::models::{message, relationship, user};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::audit::{entries, values};
use crate::site::token_of;
use crate::support::TestDb;

/// Checks `entry` was written by `user` (`None`: anonymous) through the site's pages.
fn assert_by(entry: &entry::Model, user: Option<(i32, &str)>) {
    assert_eq!(entry.channel, "site");
    assert_eq!(entry.client, "10.0.0.1");
    assert_eq!(entry.actor, user.map(|(id, _)| i64::from(id)));
    assert_eq!(entry.username, user.map(|(_, name)| name).unwrap_or(""));
}

/// No entry holds a password hash or `password` itself.
async fn assert_no_secret(db: &TestDb, password: &str) {
    let all = entry::Entity::find().all(&db.db).await.unwrap();
    for entry in all {
        assert!(!entry.values.contains("$argon2"), "{}", entry.values);
        assert!(!entry.values.contains(password), "{}", entry.values);
    }
}

async fn the_password_page_records_the_users_own_change_redacted(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(entries(&app.db).await.is_empty(), "a login changes nothing");
    let token = token_of(&app.get("/accounts/password/").await);
    let mismatch = app
        .post_form(
            "/accounts/password/",
            &[
                ("csrf_token", &token),
                ("old_password", "wonderland"),
                ("new_password1", "through the glass"),
                ("new_password2", "through the mirror"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::OK);
    assert!(entries(&app.db).await.is_empty(), "a refused form");
    let changed = app
        .post_form(
            "/accounts/password/",
            &[
                ("csrf_token", &token),
                ("old_password", "wonderland"),
                ("new_password1", "through the glass"),
                ("new_password2", "through the glass"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);

    let all = entries(&app.db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_by(&all[0], Some((alice, "alice")));
    assert_eq!(
        (all[0].action.as_str(), all[0].model.as_str()),
        ("update", "user")
    );
    assert_eq!(all[0].pk, alice.to_string());
    assert_eq!(
        values(&all[0]),
        json!({"password": ["<redacted>", "<redacted>"]})
    );
    assert_no_secret(&app.db, "through the glass").await;
}

async fn a_login_that_rehashes_records_the_update_redacted(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "placeholder", false, true).await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    );
    let old = argon2::PasswordHasher::hash_password(&weak, b"wonderland")
        .unwrap()
        .to_string();
    user::ActiveModel {
        id: Set(alice),
        password: Set(old),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .unwrap();
    assert_eq!(
        app.login("alice", "wrong").await.status,
        StatusCode::OK,
        "a failed login"
    );
    assert!(entries(&app.db).await.is_empty());
    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    app.logout().await;
    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER,
        "the second login finds a current hash"
    );

    let all = entries(&app.db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_by(&all[0], Some((alice, "alice")));
    assert_eq!(all[0].action, "update");
    assert_eq!(all[0].pk, alice.to_string());
    assert_eq!(
        values(&all[0]),
        json!({"password": ["<redacted>", "<redacted>"]})
    );
    assert_no_secret(&app.db, "wonderland").await;
}

async fn posting_a_message_records_its_creation(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/create/").await);
    let empty = app
        .post_form("/create/", &[("csrf_token", &token), ("content", "   ")])
        .await;
    assert_eq!(empty.status, StatusCode::OK, "the form again");
    assert!(entries(&app.db).await.is_empty(), "nothing posted");
    let posted = app
        .post_form("/create/", &[("csrf_token", &token), ("content", " hi ")])
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);

    let stored = message::Entity::find()
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    let all = entries(&app.db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_by(&all[0], Some((alice, "alice")));
    assert_eq!(
        (all[0].action.as_str(), all[0].model.as_str()),
        ("create", "message")
    );
    assert_eq!(all[0].pk, stored.id.to_string());
    let row = values(&all[0]);
    assert_eq!(row["content"], "hi");
    assert_eq!(row["user"], alice);
    assert_eq!(row["id"], stored.id);
}

async fn following_and_unfollowing_record_the_relationship(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/bob/").await);
    for _ in 0..2 {
        let reply = app
            .post_form("/users/bob/follow/", &[("csrf_token", &token)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    let myself = app
        .post_form("/users/alice/follow/", &[("csrf_token", &token)])
        .await;
    assert_eq!(myself.status, StatusCode::SEE_OTHER);
    let follow = relationship::Entity::find()
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    let created = entries(&app.db).await;
    assert_eq!(
        created.len(),
        1,
        "a second follow changes nothing: {created:?}"
    );
    assert_eq!(
        (created[0].action.as_str(), created[0].model.as_str()),
        ("create", "relationship")
    );
    let row = json!({"id": follow.id, "from_user": alice, "to_user": bob});
    assert_eq!(values(&created[0]), row);

    for _ in 0..2 {
        let reply = app
            .post_form("/users/bob/unfollow/", &[("csrf_token", &token)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    let all = entries(&app.db).await;
    assert_eq!(all.len(), 2, "a second unfollow changes nothing: {all:?}");
    for entry in &all {
        assert_by(entry, Some((alice, "alice")));
        assert_eq!(entry.pk, follow.id.to_string());
    }
    assert_eq!(all[1].action, "delete");
    assert_eq!(values(&all[1]), row);
    let left = relationship::Entity::find().all(&app.db.db).await.unwrap();
    assert!(left.is_empty());
}

async fn joining_records_the_new_user_with_no_actor_and_no_password(db: TestDb) {
    let app = crate::app::spawn(db).await;
    app.create_user("dora", "explorer", false, true).await;
    let token = token_of(&app.get("/join/").await);
    let taken = app
        .post_form(
            "/join/",
            &[
                ("csrf_token", &token),
                ("username", "dora"),
                ("email", "dora@example.com"),
                ("password", "explorer"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::OK, "the form again");
    assert!(entries(&app.db).await.is_empty(), "nobody joined");
    let joined = app
        .post_form(
            "/join/",
            &[
                ("csrf_token", &token),
                ("username", "boots"),
                ("email", "boots@example.com"),
                ("password", "monkey-business"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);

    let boots = user::Entity::find()
        .filter(user::Column::Username.eq("boots"))
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    let all = entries(&app.db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_by(&all[0], None);
    assert_eq!(
        (all[0].action.as_str(), all[0].model.as_str()),
        ("create", "user")
    );
    assert_eq!(all[0].pk, boots.id.to_string());
    let row = values(&all[0]);
    assert_eq!(row["username"], "boots");
    assert_eq!(row["email"], "boots@example.com");
    assert_eq!(row["password"], "<redacted>");
    assert_eq!(row["admin"], false);
    assert_no_secret(&app.db, "monkey-business").await;
}

/// A transaction begun inside another one writes and records inside it: committed with it,
/// or gone with it.
async fn a_nested_transaction_commits_and_rolls_back_with_the_outer_one(db: TestDb) {
    use actix_sea::{Context, audit::Transaction};
    let app = crate::app::spawn(db).await;
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let note = |content: &str| message::ActiveModel {
        user: Set(writer),
        content: Set(content.to_owned()),
        pub_date: Set(chrono::Utc::now().naive_utc()),
        ..Default::default()
    };
    for keep in [false, true] {
        let outer = Transaction::begin(&app.db.db, &Context::cli())
            .await
            .unwrap();
        let inner = Transaction::begin(&*outer, &Context::cli()).await.unwrap();
        inner.insert(note(&format!("kept {keep}"))).await.unwrap();
        inner.commit().await.unwrap();
        if keep {
            outer.commit().await.unwrap();
        } else {
            outer.rollback().await.unwrap();
        }
    }
    let stored: Vec<String> = message::Entity::find()
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(stored, ["kept true"]);
    let recorded = entry::Entity::find()
        .filter(entry::Column::Model.eq("message"))
        .all(&app.db.db)
        .await
        .unwrap();
    assert_eq!(
        recorded.len(),
        1,
        "the rolled-back entry is gone with its row"
    );
}

crate::on_every_database!(example:
    a_nested_transaction_commits_and_rolls_back_with_the_outer_one,
    the_password_page_records_the_users_own_change_redacted,
    a_login_that_rehashes_records_the_update_redacted,
    posting_a_message_records_its_creation,
    following_and_unfollowing_record_the_relationship,
    joining_records_the_new_user_with_no_actor_and_no_password,
);
