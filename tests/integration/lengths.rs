//! Issue 11, item 10: stored text is bounded by the column's declared length, or by the
//! default text cap, on every path (API, admin, site); and the API refuses a self-follow.

use actix_web::http::StatusCode;
use example_site::models::{message, note, relationship, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

async fn stored_messages(db: &TestDb) -> u64 {
    message::Entity::find().count(&db.db).await.unwrap()
}

async fn a_1001_character_message_is_refused_by_the_api_the_admin_and_the_site(db: TestDb) {
    let app = crate::admin_app!(db);
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let over = "é".repeat(1001);
    let longest = "é".repeat(1000);
    let body = |content: &str| json!({"content": content, "pub_date": "2024-01-01T00:00:00"});
    let api = app
        .api("POST", "/api/message/", Some(body(&over)), ALICE)
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    let error = api.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("content") && error.contains("1000"),
        "{error}"
    );
    let token = app.csrf_token().await;
    let alice_text = alice.to_string();
    let admin_form = |content: String| {
        let (app, token, alice) = (&app, token.clone(), alice_text.clone());
        async move {
            app.post_form(
                "/admin/message/add/",
                &[
                    ("csrf_token", &token),
                    ("user", &alice),
                    ("content", &content),
                    ("pub_date", "2024-01-01T10:00"),
                ],
            )
            .await
        }
    };
    let admin = admin_form(over.clone()).await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(
        admin
            .body
            .contains("Has at most 1000 characters; this one has 1001."),
        "the error is beside the field"
    );
    assert_eq!(stored_messages(&app.db).await, 0);
    app.login("alice", "wonderland").await;
    let token = app.get("/create/").await.input("csrf_token").unwrap();
    let site = app
        .post_form("/create/", &[("csrf_token", &token), ("content", &over)])
        .await;
    assert!(
        site.body
            .contains("A message has at most 1000 characters; this one has 1001.")
    );
    assert_eq!(stored_messages(&app.db).await, 0, "refused on every path");
    let created = app
        .api("POST", "/api/message/", Some(body(&longest)), ALICE)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let patch = app
        .api(
            "PATCH",
            &format!("/api/message/{id}/"),
            Some(json!({"content": over})),
            ALICE,
        )
        .await;
    assert_eq!(patch.status, StatusCode::BAD_REQUEST, "updates too");
    let stored = message::Entity::find_by_id(id as i32)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.content, longest);
}

async fn string_columns_take_at_most_their_declared_length_and_text_the_default_cap(db: TestDb) {
    let app = crate::admin_app!(db);
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("root", "toor", true, true).await;
    // `user.email` is a `String` without a length: VARCHAR(255) on MySQL, so 255 everywhere.
    let new_user =
        |email: String| json!({"username": "carol", "password": "pw-pw-pw-pw", "email": email});
    let long_email = format!("{}@example.com", "c".repeat(244));
    let reply = app
        .api("POST", "/api/user/", Some(new_user(long_email)), ROOT)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"].as_str().unwrap().contains("email"));
    let long_password = json!({"username": "dave", "password": "p".repeat(1000), "email": "d@x"});
    let reply = app
        .api("POST", "/api/user/", Some(long_password), ROOT)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "the stored hash is measured, not the password sent: {}",
        reply.body
    );
    // The entity's own rule takes at most 254 bytes (what SMTP allows).
    let ok_email = format!("{}@example.com", "c".repeat(242));
    let reply = app
        .api("POST", "/api/user/", Some(new_user(ok_email)), ROOT)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // `note.message` is `Text` without a length: the default cap, 65,535 bytes, checked before
    // the note's own rule (at most 1,000 characters), which then refuses what the cap let in.
    let note =
        |text: String| json!({"message": text, "status": 1, "created_date": "2024-01-01T00:00:00"});
    let reply = app
        .api("POST", "/api/note/", Some(note("n".repeat(65_536))), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let error = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("message") && !error.contains("needs between"),
        "{error}"
    );
    let reply = app
        .api("POST", "/api/note/", Some(note("é".repeat(32_768))), ALICE)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "bytes, not characters"
    );
    let reply = app
        .api("POST", "/api/note/", Some(note("n".repeat(65_535))), ALICE)
        .await;
    assert_eq!(
        reply.json()["error"],
        "field `message`: needs between 1 and 1000 characters",
        "within the cap, the entity's rule decides"
    );
    let reply = app
        .api("POST", "/api/note/", Some(note("n".repeat(1_000))), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let token = app.csrf_token().await;
    let form = app
        .post_form(
            "/admin/user/add/",
            &[
                ("csrf_token", &token),
                ("username", &"u".repeat(256)),
                ("password", "secret-password"),
                ("email", "e@example.com"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains("Has at most 255 characters; this one has 256.")
    );
    let names = user::Entity::find()
        .filter(user::Column::Username.starts_with("uuu"))
        .count(&app.db.db)
        .await
        .unwrap();
    assert_eq!(names, 0);
    assert_eq!(
        note::Entity::find().count(&app.db.db).await.unwrap(),
        1,
        "only the note that fits"
    );
}

async fn the_api_refuses_a_self_follow_like_the_site(db: TestDb) {
    let app = crate::app::spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    let follow = |to: i32| json!({"to_user": to});
    let reply = app
        .api("POST", "/api/relationship/", Some(follow(alice)), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("cannot follow yourself")
    );
    let sneaky = json!({"to_user": alice, "from_user": bob});
    let reply = app
        .api("POST", "/api/relationship/", Some(sneaky), ALICE)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "the owner is the caller whatever the body says"
    );
    let reply = app
        .api("POST", "/api/relationship/", Some(follow(bob)), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.json()["id"].as_i64().unwrap();
    let reply = app
        .api(
            "PATCH",
            &format!("/api/relationship/{id}/"),
            Some(follow(alice)),
            ALICE,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "not by an update either"
    );
    let pairs = relationship::Entity::find()
        .filter(relationship::Column::FromUser.eq(alice))
        .all(&app.db.db)
        .await
        .unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].to_user, bob);
}

crate::on_every_database!(example:
    a_1001_character_message_is_refused_by_the_api_the_admin_and_the_site,
    string_columns_take_at_most_their_declared_length_and_text_the_default_cap,
    the_api_refuses_a_self_follow_like_the_site,
);
