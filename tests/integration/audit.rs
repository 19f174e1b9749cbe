//! SPEC "Round 2 > Audit trail": every write of the admin, the API and the CLI helpers has an
//! entry in the same transaction, with who, through what and from what to what.

use actix_sea::audit::entry;
use actix_web::http::StatusCode;
use example_site::models::{message, note, relationship, user};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value as Json, json};

use actix_sea::rest::{AdminAuthentication, RestApi, RestResource, UserAuthentication};
use example_site::api::UserResource;

use crate::admin::add_message;
use crate::app::{config, unescape, wrap};
use crate::support::TestDb;

const ROOT: Option<(&str, &str)> = Some(("boss", "boss-password"));
const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));

/// The entries written by the admin, the API and the site (not the CLI's), oldest first.
pub(crate) async fn entries(db: &TestDb) -> Vec<entry::Model> {
    entry::Entity::find()
        .filter(entry::Column::Channel.ne("cli"))
        .order_by_asc(entry::Column::Id)
        .all(&db.db)
        .await
        .unwrap()
}

/// Each entry's action and model (`"delete message"`), sorted.
fn actions(entries: &[entry::Model]) -> Vec<String> {
    let mut actions: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {}", e.action, e.model))
        .collect();
    actions.sort();
    actions
}

pub(crate) fn values(entry: &entry::Model) -> Json {
    serde_json::from_str(&entry.values).unwrap()
}

async fn api_writes_are_recorded_with_actor_channel_and_values(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let created = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hi"})),
            ROOT,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/message/{id}/");
    let changed = app
        .api("PATCH", &path, Some(json!({"content": "hello"})), ROOT)
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let same = app
        .api("PATCH", &path, Some(json!({"content": "hello"})), ROOT)
        .await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(
        app.api("DELETE", &path, None, ROOT).await.status,
        StatusCode::OK
    );

    let all = entries(&app.db).await;
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "update", "delete"],
        "no entry for a no-op"
    );
    for entry in &all {
        assert_eq!(entry.actor, Some(i64::from(boss.id)));
        assert_eq!(entry.username, "boss");
        assert_eq!(entry.channel, "api");
        assert_eq!(entry.client, "10.0.0.1");
        assert_eq!(entry.model, "message");
        assert_eq!(entry.pk, id.to_string());
    }
    assert_eq!(values(&all[0])["content"], "hi");
    assert_eq!(values(&all[0])["user"], boss.id);
    assert_eq!(values(&all[1]), json!({"content": ["hi", "hello"]}));
    assert_eq!(values(&all[2])["content"], "hello");
    assert!(all[0].at <= all[2].at);
}

async fn admin_writes_are_recorded_in_the_forms_transaction(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let token = app.csrf_token().await;
    let writer = boss.id.to_string();
    let added = app
        .post_form(
            "/admin/message/add/",
            &[
                ("csrf_token", &token),
                ("user", &writer),
                ("content", "first"),
                ("pub_date", "2024-02-03T04:05"),
                ("_continue", "1"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let edit = added.location().to_owned();
    let save = |content: &'static str| {
        let (token, writer, edit) = (token.clone(), writer.clone(), edit.clone());
        let app = &app;
        async move {
            app.post_form(
                &edit,
                &[
                    ("csrf_token", &token),
                    ("user", &writer),
                    ("content", content),
                    ("pub_date", "2024-02-03T04:05"),
                    ("_save", "1"),
                ],
            )
            .await
        }
    };
    assert_eq!(save("second").await.status, StatusCode::SEE_OTHER);
    assert_eq!(save("second").await.status, StatusCode::SEE_OTHER);
    let all = entries(&app.db).await;
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update"], "no entry for a no-op");
    assert!(
        all.iter()
            .all(|e| e.channel == "admin" && e.username == "boss")
    );
    assert_eq!(values(&all[0])["pub_date"], "2024-02-03T04:05:00");
    assert_eq!(values(&all[1]), json!({"content": ["first", "second"]}));

    let history = app.get(&format!("{edit}history/")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    for text in ["first", "second", "update", "create", "boss"] {
        assert!(history.body.contains(text), "{text}: {}", history.body);
    }
    let page = unescape(&app.get(&edit).await.body);
    assert!(page.contains(&format!("{edit}history/")), "linked");
    let dashboard = app.get("/admin/").await;
    assert!(dashboard.body.contains("Recent actions"));
    assert!(unescape(&dashboard.body).contains(&format!("{edit}history/")));
}

async fn a_bulk_delete_records_each_row_it_removes_with_its_cascade(db: TestDb) {
    let app = crate::admin_app!(db);
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    add_message(&app.db.db, alice, "one").await;
    add_message(&app.db.db, alice, "two").await;
    relationship::Entity::insert(relationship::ActiveModel {
        from_user: Set(bob),
        to_user: Set(alice),
        ..Default::default()
    })
    .exec(&app.db.db)
    .await
    .unwrap();
    let token = app.csrf_token().await;
    let reply = app
        .post_form(
            "/admin/user/delete/",
            &[("csrf_token", &token), ("id", &alice.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let all = entries(&app.db).await;
    assert_eq!(
        actions(&all),
        [
            "delete message",
            "delete message",
            "delete relationship",
            "delete user"
        ]
    );
    let user_entry = all.iter().find(|e| e.model == "user").unwrap();
    assert_eq!(user_entry.pk, alice.to_string());
    assert_eq!(values(user_entry)["username"], "alice");
    assert_eq!(values(user_entry)["password"], "<redacted>");
}

/// The API's delete takes the rows that depend on the row with it, as the admin's does, and
/// records each: none goes by the database's own cascade unrecorded. The answer counts the
/// row asked for.
async fn an_api_delete_records_each_row_it_removes_with_its_cascade(db: TestDb) {
    let app = crate::admin_app!(db);
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    add_message(&app.db.db, alice, "one").await;
    add_message(&app.db.db, bob, "not alice's").await;
    for (from, to) in [(bob, alice), (alice, bob)] {
        relationship::Entity::insert(relationship::ActiveModel {
            from_user: Set(from),
            to_user: Set(to),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    }
    let reply = app
        .api("DELETE", &format!("/api/user/{alice}/"), None, ROOT)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json(), json!({"deleted": 1}));
    assert_eq!(
        actions(&entries(&app.db).await),
        [
            "delete message",
            "delete relationship",
            "delete relationship",
            "delete user"
        ]
    );
    let left = message::Entity::find().all(&app.db.db).await.unwrap();
    assert_eq!(left.len(), 1, "bob's message stays");
    assert_eq!(left[0].content, "not alice's");
}

async fn a_custom_action_records_each_row_with_its_name(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let mut ids = Vec::new();
    for status in [1, 2] {
        let row = note::ActiveModel {
            user: Set(boss.id),
            message: Set("note".into()),
            status: Set(Some(status)),
            ..Default::default()
        };
        ids.push(
            note::Entity::insert(row)
                .exec(&app.db.db)
                .await
                .unwrap()
                .last_insert_id,
        );
    }
    let token = app.csrf_token().await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let reply = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "mark_deleted"),
                ("id", &a),
                ("id", &b),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let all = entries(&app.db).await;
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|e| e.action == "mark_deleted" && e.model == "note")
    );
    let of = |pk: &str| values(all.iter().find(|e| e.pk == pk).unwrap());
    assert_eq!(of(&a), json!({"status": [1, 2]}));
    assert_eq!(of(&b), json!({}), "a row the action left as it was");
}

async fn a_password_change_is_recorded_redacted(db: TestDb) {
    let app = crate::admin_app!(db);
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let path = format!("/api/user/{alice}/");
    let reply = app
        .api(
            "PATCH",
            &path,
            Some(json!({"password": "new-secret-1"})),
            ROOT,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let hash = user::Entity::find_by_id(alice)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap()
        .password;
    let all = entry::Entity::find().all(&app.db.db).await.unwrap();
    assert!(
        all.iter().all(|e| !e.values.contains(&hash)),
        "hash never stored"
    );
    assert!(all.iter().all(|e| !e.values.contains("$argon2")));
    assert!(all.iter().all(|e| !e.values.contains("new-secret-1")));
    let change = all.iter().find(|e| e.channel == "api").unwrap();
    assert_eq!(
        values(change),
        json!({"password": ["<redacted>", "<redacted>"]})
    );
    let cli = all.iter().find(|e| e.channel == "cli").unwrap();
    assert_eq!(cli.action, "create");
    assert_eq!((cli.actor, cli.username.as_str()), (None, ""));
    assert_eq!(values(cli)["password"], "<redacted>");
}

/// Follows that may create the followed user through a nested object.
struct FollowAnyone;

impl RestResource<relationship::Entity> for FollowAnyone {
    fn owner_field(&self) -> Option<relationship::Column> {
        Some(relationship::Column::FromUser)
    }

    fn include_resources(&self) -> Vec<relationship::Column> {
        vec![relationship::Column::ToUser]
    }

    fn nested_writes(&self) -> Vec<relationship::Column> {
        vec![relationship::Column::ToUser]
    }
}

async fn a_nested_write_records_each_row(db: TestDb) {
    let mut site = example_site::Site::new(db.db.clone(), &config()).unwrap();
    site.api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register_with_auth(
            user::Entity,
            UserResource,
            AdminAuthentication::new(site.auth.clone()),
        )
        .register(relationship::Entity, FollowAnyone)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    app.create_user("boss", "boss-password", true, true).await;
    let mallory = json!({"to_user": {"username": "mallory", "password": "pw-mallory", "email": "m@example.com"}});
    let reply = app
        .api("POST", "/api/relationship/", Some(mallory), ROOT)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let all = entries(&app.db).await;
    let made: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.action.as_str(), e.model.as_str()))
        .collect();
    assert_eq!(made, [("create", "user"), ("create", "relationship")]);
    assert!(
        all.iter()
            .all(|e| e.channel == "api" && e.username == "boss")
    );
    assert_eq!(values(&all[0])["username"], "mallory");
    assert_eq!(values(&all[0])["password"], "<redacted>");
    assert_eq!(values(&all[1])["to_user"], reply.json()["to_user"]["id"]);
}

async fn a_failed_entry_rolls_the_change_back(db: TestDb) {
    let app = crate::admin_app!(db);
    let boss = user::Entity::find().one(&app.db.db).await.unwrap().unwrap();
    let id = add_message(&app.db.db, boss.id, "kept").await;
    app.db
        .db
        .execute_unprepared("DROP TABLE actix_sea_audit")
        .await
        .unwrap();
    let path = format!("/api/message/{id}/");
    let reply = app
        .api("PATCH", &path, Some(json!({"content": "lost"})), ROOT)
        .await;
    assert!(reply.status.is_server_error(), "{}", reply.status);
    assert!(reply.json()["error"].as_str().is_some());
    let deleted = app.api("DELETE", &path, None, ROOT).await;
    assert!(deleted.status.is_server_error(), "{}", deleted.status);
    let created = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "lost"})),
            ROOT,
        )
        .await;
    assert!(created.status.is_server_error(), "{}", created.status);
    let token = app.csrf_token().await;
    let form = app
        .post_form(
            &format!("/admin/message/{id}/"),
            &[
                ("csrf_token", &token),
                ("user", &boss.id.to_string()),
                ("content", "lost"),
                ("pub_date", "2024-02-03T04:05"),
                ("_save", "1"),
            ],
        )
        .await;
    assert!(form.status.is_server_error(), "{}", form.status);
    let rows = message::Entity::find().all(&app.db.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].content, "kept");
}

async fn the_trail_is_read_only_and_for_admins_only(db: TestDb) {
    let app = crate::admin_app!(db);
    app.create_user("alice", "wonderland", false, true).await;
    let created = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hi"})),
            ROOT,
        )
        .await;
    let id = created.json()["id"].as_i64().unwrap();
    app.api(
        "PATCH",
        &format!("/api/message/{id}/"),
        Some(json!({"content": "ho"})),
        ROOT,
    )
    .await;
    let list = app
        .api(
            "GET",
            &format!("/api/audit/?model=message&pk={id}&ordering=-id"),
            None,
            ROOT,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list = list.json();
    assert_eq!(list["meta"]["object_count"], 2);
    assert_eq!(list["objects"][0]["action"], "update");
    assert_eq!(list["objects"][1]["action"], "create");
    assert_eq!(
        app.api("GET", "/api/audit/", None, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api("GET", "/api/audit/", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let entry_id = list["objects"][0]["id"].as_i64().unwrap();
    let detail = format!("/api/audit/{entry_id}/");
    for (method, path) in [
        ("POST", "/api/audit/"),
        ("PUT", detail.as_str()),
        ("PATCH", detail.as_str()),
        ("POST", detail.as_str()),
        ("DELETE", detail.as_str()),
    ] {
        let reply = app
            .api(method, path, Some(json!({"action": "x"})), ROOT)
            .await;
        assert!(
            [StatusCode::METHOD_NOT_ALLOWED, StatusCode::FORBIDDEN].contains(&reply.status),
            "{method} {path}: {}",
            reply.status
        );
        if reply.status == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method} {path}");
        }
    }
    assert_eq!(entries(&app.db).await.len(), 2, "nothing changed");

    let page = app.get("/admin/audit/?model=message&action=update").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("update"));
    assert!(
        app.get("/admin/audit/?at__gte=2000-01-01T00:00")
            .await
            .status
            .is_success()
    );
    let entry_page = app.get(&format!("/admin/audit/{entry_id}/")).await;
    assert!(
        !entry_page.body.contains("name=\"_save\""),
        "never editable"
    );
    assert_eq!(
        app.get("/admin/audit/add/").await.status,
        StatusCode::FORBIDDEN
    );
    let token = app.csrf_token().await;
    let delete = app
        .post_form(
            "/admin/audit/delete/",
            &[("csrf_token", &token), ("id", &entry_id.to_string())],
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert_eq!(entries(&app.db).await.len(), 2);
    app.logout().await;
    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/admin/audit/").await.status, StatusCode::FORBIDDEN);
}

async fn purging_removes_only_old_entries(db: TestDb) {
    let app = crate::admin_app!(db);
    let old = (chrono::Utc::now() - chrono::Duration::days(40)).naive_utc();
    for at in [old, old] {
        entry::Entity::insert(entry::ActiveModel {
            at: Set(at),
            username: Set(String::new()),
            channel: Set("cli".into()),
            client: Set(String::new()),
            action: Set("create".into()),
            model: Set("message".into()),
            pk: Set("1".into()),
            values: Set("{}".into()),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    }
    let before = entry::Entity::find().all(&app.db.db).await.unwrap().len();
    let mut seen = Vec::new();
    let removed = actix_sea::audit::purge(&app.db.db, 30, |done, total| seen.push((done, total)))
        .await
        .unwrap();
    assert_eq!(removed, 2);
    assert_eq!(seen.last(), Some(&(2, 2)));
    let after = entry::Entity::find().all(&app.db.db).await.unwrap().len();
    assert_eq!(after, before - 2, "the boss's creation stays");
}

crate::on_every_database!(example:
    api_writes_are_recorded_with_actor_channel_and_values,
    admin_writes_are_recorded_in_the_forms_transaction,
    a_bulk_delete_records_each_row_it_removes_with_its_cascade,
    an_api_delete_records_each_row_it_removes_with_its_cascade,
    a_custom_action_records_each_row_with_its_name,
    a_password_change_is_recorded_redacted,
    a_nested_write_records_each_row,
    a_failed_entry_rolls_the_change_back,
    the_trail_is_read_only_and_for_admins_only,
    purging_removes_only_old_entries,
);
