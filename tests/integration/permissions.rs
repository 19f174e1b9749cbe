//! SPEC "Round 2 > Permissions": staff users in groups, every admin gate for a plain user, a
//! viewer, an editor and an admin, the group pages, the user's `groups`, and
//! `PermissionAuthentication` on the API.

use actix_web::http::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;

use crate::admin::add_message;
use crate::app::{spawn, unescape};
use crate::support::TestDb;
use example_site::models::{message, note};

/// Makes `username` a member of a new group named after them granting `permissions`.
pub(crate) async fn staff<S, B>(
    app: &crate::app::TestApp<S>,
    username: &str,
    permissions: &[&str],
) -> i32
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let id = app
        .create_user(username, &format!("{username}-password"), false, true)
        .await;
    let granted: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    let cli = actix_sea::Context::cli();
    let txn = actix_sea::audit::Transaction::begin(&app.db.db, &cli)
        .await
        .unwrap();
    let group = actix_sea::groups::create(&txn, &format!("{username}s"), &granted)
        .await
        .unwrap();
    actix_sea::groups::set_groups(&txn, i64::from(id), &[group])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    id
}

async fn add_note(db: &sea_orm::DatabaseConnection, user: i32, text: &str) -> i32 {
    note::ActiveModel {
        user: Set(user),
        message: Set(text.to_owned()),
        status: Set(Some(1)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn content_of(db: &sea_orm::DatabaseConnection, id: i32) -> Option<String> {
    message::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .map(|m| m.content)
}

async fn an_editor_edits_messages_but_cannot_add_delete_or_see_users(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let hello = add_message(&app.db.db, boss, "hello").await;
    staff(&app, "editor", &["message.view", "message.change"]).await;
    assert_eq!(
        app.login("editor", "editor-password").await.status,
        StatusCode::SEE_OTHER
    );

    let dashboard = app.get("/admin/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    let body = unescape(&dashboard.body);
    assert!(body.contains(r#"href="/admin/message/""#), "{body}");
    for hidden in [
        "/admin/user/",
        "/admin/note/",
        "/admin/relationship/",
        "/admin/group/",
    ] {
        assert!(
            !body.contains(&format!(r#"href="{hidden}""#)),
            "{hidden} shown"
        );
    }
    assert!(!body.contains(">Notes<"), "panels are for admins");

    let list = app.get("/admin/message/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!unescape(&list.body).contains("/admin/message/add/"));
    assert_eq!(
        app.get("/admin/message/add/").await.status,
        StatusCode::FORBIDDEN
    );
    let export = app.get("/admin/message/export/?format=csv").await;
    assert_eq!(export.status, StatusCode::OK);

    let path = format!("/admin/message/{hello}/");
    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"name="_save""#));
    assert!(!unescape(&form.body).contains("/admin/message/delete/"));
    assert!(!form.body.contains(">boss<"), "no user rows offered");
    let token = form.input("csrf_token").unwrap();
    let pub_date = form.input("pub_date").unwrap();
    let saved = app
        .post_form(
            &path,
            &[
                ("csrf_token", &token),
                ("user", &boss.to_string()),
                ("content", "edited"),
                ("pub_date", &pub_date),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        content_of(&app.db.db, hello).await.as_deref(),
        Some("edited")
    );

    let confirm = app.get(&format!("/admin/message/delete/?id={hello}")).await;
    assert_eq!(confirm.status, StatusCode::FORBIDDEN);
    let bulk = app
        .post_form(
            "/admin/message/delete/",
            &[("csrf_token", &token), ("id", &hello.to_string())],
        )
        .await;
    assert_eq!(bulk.status, StatusCode::FORBIDDEN);
    assert!(content_of(&app.db.db, hello).await.is_some());

    for url in [
        "/admin/user/",
        &format!("/admin/user/{boss}/"),
        "/admin/user/export/?format=json",
        "/admin/user/lookup/?q=",
        "/admin/user/add/",
        "/admin/group/",
        "/admin/notes/create/",
    ] {
        let reply = app.get(url).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{url}");
        assert!(!reply.body.contains("boss-password") && !reply.body.contains("\"boss\""));
    }

    // The same user through the API: refused where the permission is missing.
    let me = Some(("editor", "editor-password"));
    let created = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "carol", "password": "secret-password"})),
            me,
        )
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    let changed = app
        .api(
            "PATCH",
            &format!("/api/user/{boss}/"),
            Some(json!({"username": "bossy"})),
            me,
        )
        .await;
    assert_eq!(changed.status, StatusCode::FORBIDDEN);
    let deleted = app
        .api("DELETE", &format!("/api/user/{boss}/"), None, me)
        .await;
    assert_eq!(deleted.status, StatusCode::FORBIDDEN);
}

async fn a_viewer_sees_a_read_only_page_and_cannot_post_to_it(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let hello = add_message(&app.db.db, boss, "hello there").await;
    let memo = add_note(&app.db.db, boss, "a memo").await;
    staff(&app, "viewer", &["message.view", "note.view", "user.view"]).await;
    app.login("viewer", "viewer-password").await;

    let path = format!("/admin/message/{hello}/");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = unescape(&page.body);
    assert!(body.contains("hello there"));
    assert!(!body.contains(r#"name="_save""#), "no Save buttons");
    assert!(!body.contains(&format!(r#"action="{path}""#)), "no form");
    assert!(
        body.contains(&format!(r#"href="/admin/user/{boss}/""#)),
        "links to the related user: {body}"
    );
    let token = app.csrf_token().await;
    let post = app
        .post_form(&path, &[("csrf_token", &token), ("content", "changed")])
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(
        content_of(&app.db.db, hello).await.as_deref(),
        Some("hello there")
    );

    let action = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "mark_deleted"),
                ("id", &memo.to_string()),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::FORBIDDEN, "actions need change");
    let stored = note::Entity::find_by_id(memo)
        .one(&app.db.db)
        .await
        .unwrap();
    assert_eq!(stored.unwrap().status, Some(1));

    let lookup = app.get("/admin/user/lookup/?q=").await;
    assert_eq!(lookup.status, StatusCode::OK);
    assert!(lookup.body.contains("boss"));
    assert_eq!(
        app.get("/admin/relationship/lookup/?q=").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_note_editor_runs_the_custom_action(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let memo = add_note(&app.db.db, boss, "a memo").await;
    staff(&app, "mod", &["note.view", "note.change"]).await;
    app.login("mod", "mod-password").await;
    let token = app.csrf_token().await;
    let action = app
        .post_form(
            "/admin/note/",
            &[
                ("csrf_token", &token),
                ("action", "mark_deleted"),
                ("id", &memo.to_string()),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::SEE_OTHER, "{}", action.body);
    let stored = note::Entity::find_by_id(memo)
        .one(&app.db.db)
        .await
        .unwrap();
    assert_eq!(stored.unwrap().status, Some(2));
}

async fn plain_users_are_refused_and_anonymous_ones_sent_to_login(db: TestDb) {
    let app = spawn(db).await;
    let anonymous = app.get("/admin/").await;
    assert!(anonymous.status.is_redirection());
    assert!(anonymous.location().starts_with("/accounts/login/"));
    app.create_user("plain", "plain-password", false, true)
        .await;
    app.login("plain", "plain-password").await;
    for url in ["/admin/", "/admin/message/", "/admin/message/lookup/?q="] {
        assert_eq!(app.get(url).await.status, StatusCode::FORBIDDEN, "{url}");
    }
}

async fn an_admin_passes_every_gate_and_manages_groups(db: TestDb) {
    let app = crate::admin_app!(db);
    let dashboard = unescape(&app.get("/admin/").await.body);
    for shown in ["/admin/user/", "/admin/message/", "/admin/group/"] {
        assert!(dashboard.contains(&format!(r#"href="{shown}""#)), "{shown}");
    }
    let form = app.get("/admin/group/add/").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains(r#"name="permissions" value="message.change""#)
    );
    let token = form.input("csrf_token").unwrap();
    let added = app
        .post_form(
            "/admin/group/add/",
            &[
                ("csrf_token", &token),
                ("name", "Editors"),
                ("permissions", "message.view"),
                ("permissions", "message.change"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let group = actix_sea::groups::by_name(&app.db.db, "Editors")
        .await
        .unwrap()
        .unwrap();
    let page = app.get(&format!("/admin/group/{}/", group.id)).await;
    assert!(
        page.body
            .contains(r#"value="message.change" aria-label="message.change" checked"#)
    );
    assert!(
        !page
            .body
            .contains(r#"value="message.delete" aria-label="message.delete" checked"#)
    );
    assert!(app.get("/admin/group/").await.body.contains("Editors"));

    for (fields, why) in [
        (vec![("name", "Editors")], "a taken name"),
        (vec![("name", "")], "no name"),
        (
            vec![("name", "Other"), ("permissions", "secret.view")],
            "an unknown permission",
        ),
    ] {
        let mut sent = vec![("csrf_token", token.as_str())];
        sent.extend(fields);
        let refused = app.post_form("/admin/group/add/", &sent).await;
        // Shown again with its errors, as every admin form (SPEC: status 200).
        assert_eq!(refused.status, StatusCode::OK, "{why}");
        assert!(
            refused.body.contains(r#"name="name""#),
            "{why}: {}",
            refused.body
        );
    }
    assert_eq!(actix_sea::groups::all(&app.db.db).await.unwrap().len(), 1);

    let carol = app
        .create_user("carol", "carol-password", false, true)
        .await;
    let path = format!("/admin/user/{carol}/");
    let user_form = app.get(&path).await;
    assert!(user_form.body.contains(r#"name="groups" multiple"#));
    let join_date = user_form.input("join_date").unwrap();
    let gid = group.id.to_string();
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("username", "carol"),
        ("password", ""),
        ("email", "carol@example.com"),
        ("join_date", &join_date),
        ("active", "on"),
        ("groups", ""),
        ("groups", &gid),
    ];
    let saved = app.post_form(&path, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let member_of = actix_sea::groups::groups_of(&app.db.db, i64::from(carol)).await;
    assert_eq!(member_of.unwrap(), vec![group.id]);
    let again = app.get(&path).await;
    assert!(
        again
            .body
            .contains(&format!(r#"<option value="{gid}" selected>Editors"#))
    );

    fields.pop();
    fields.push(("groups", "999999"));
    let bad = app.post_form(&path, &fields).await;
    assert_eq!(bad.status, StatusCode::OK, "shown again with the error");
    assert!(bad.body.contains("There is no group with key 999999."));
    fields.pop();
    let none = app.post_form(&path, &fields).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    let member_of = actix_sea::groups::groups_of(&app.db.db, i64::from(carol)).await;
    assert!(member_of.unwrap().is_empty());

    let delete = app
        .post_form(
            &format!("/admin/group/{}/delete/", group.id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(delete.status, StatusCode::SEE_OTHER);
    assert!(actix_sea::groups::all(&app.db.db).await.unwrap().is_empty());
}

async fn permission_authentication_needs_the_permission_of_each_method(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("root", "root-password", true, true).await;
    let target = app
        .create_user("target", "target-password", false, true)
        .await;
    staff(&app, "viewer", &["user.view"]).await;
    staff(&app, "adder", &["user.add"]).await;
    staff(&app, "changer", &["user.change"]).await;
    staff(&app, "deleter", &["user.delete"]).await;
    let who = |name: &'static str| -> (&'static str, String) { (name, format!("{name}-password")) };
    let call =
        async |method: &str, path: &str, body: Option<serde_json::Value>, name: &'static str| {
            let (user, password) = who(name);
            app.api(method, path, body, Some((user, &password)))
                .await
                .status
        };
    let detail = format!("/api/user/{target}/");
    assert_eq!(
        app.api("GET", "/api/user/", None, None).await.status,
        StatusCode::OK,
        "reads are public"
    );
    assert_eq!(
        app.api(
            "PATCH",
            &detail,
            Some(json!({"email": "x@example.com"})),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let new = |name: &str| {
        Some(json!({"username": name, "password": "long-password", "email": "e@example.com"}))
    };
    for name in ["viewer", "changer", "deleter"] {
        assert_eq!(
            call("POST", "/api/user/", new("nobody"), name).await,
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    assert_eq!(
        call("POST", "/api/user/", new("added"), "adder").await,
        StatusCode::CREATED
    );
    for name in ["viewer", "adder", "deleter"] {
        let edit = Some(json!({"email": "no@example.com"}));
        assert_eq!(
            call("PATCH", &detail, edit.clone(), name).await,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        assert_eq!(
            call("POST", &detail, edit, name).await,
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    assert_eq!(
        call(
            "PATCH",
            &detail,
            Some(json!({"email": "a@example.com"})),
            "changer"
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        call(
            "PUT",
            &detail,
            Some(json!({"email": "b@example.com"})),
            "changer"
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        call(
            "POST",
            &detail,
            Some(json!({"email": "c@example.com"})),
            "changer"
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        call(
            "PATCH",
            &detail,
            Some(json!({"email": "d@example.com"})),
            "root"
        )
        .await,
        StatusCode::OK
    );
    for name in ["viewer", "adder", "changer"] {
        assert_eq!(
            call("DELETE", &detail, None, name).await,
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    assert_eq!(
        call("DELETE", &detail, None, "deleter").await,
        StatusCode::OK
    );
}

/// A staff user who may change users cannot make anyone an admin, nor change or delete an
/// admin: the admin flag is read-only for them and admin rows refuse them with a reason.
async fn a_user_editor_cannot_raise_or_touch_admins(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let clerk = staff(&app, "clerk", &["user.view", "user.change"]).await;
    app.login("clerk", "clerk-password").await;
    let token = app.csrf_token().await;
    let own = format!("/admin/user/{clerk}/");
    let form = app.get(&own).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let saved = app
        .post_form(
            &own,
            &[
                ("csrf_token", &token),
                ("username", "clerk"),
                ("email", "clerk@example.com"),
                ("active", "false"),
                ("active", "true"),
                ("admin", "false"),
                ("admin", "true"),
            ],
        )
        .await;
    assert!(
        saved.status.is_redirection(),
        "{} {}",
        saved.status,
        saved.body
    );
    let stored = example_site::models::user::Entity::find_by_id(clerk)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.admin,
        "a staff user cannot make themselves an admin"
    );
    let target = format!("/admin/user/{boss}/");
    // The admin's page is read-only for them, as for a viewer.
    let page = app.get(&target).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        !unescape(&page.body).contains(r#"name="_save""#),
        "no Save buttons"
    );
    let refused = app
        .post_form(&target, &[("csrf_token", &token), ("username", "taken")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("only admins may change or delete an admin user")
    );
    let delete = app
        .post_form(
            "/admin/user/delete/",
            &[("csrf_token", &token), ("id", &boss.to_string())],
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN, "{}", delete.body);
}

/// The API keeps the admin's rule on admin users: a staff user who may change or delete
/// users gets 403 with the reason, and the admin user stays as it was (its password too).
async fn the_api_refuses_staff_a_change_or_delete_of_an_admin(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    staff(&app, "clerk", &["user.view", "user.change", "user.delete"]).await;
    let clerk = Some(("clerk", "clerk-password"));
    let detail = format!("/api/user/{boss}/");
    let stored = || async {
        example_site::models::user::Entity::find_by_id(boss)
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap()
    };
    let before = stored().await;
    for method in ["PATCH", "PUT", "POST"] {
        for body in [
            json!({"password": "taken-over"}),
            json!({"username": "boss2"}),
        ] {
            let refused = app.api(method, &detail, Some(body), clerk).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{method}: {}",
                refused.body
            );
            assert!(
                refused
                    .body
                    .contains("only admins may change or delete an admin user"),
                "{}",
                refused.body
            );
        }
    }
    let refused = app.api("DELETE", &detail, None, clerk).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(stored().await, before, "a refused write changes nothing");
    let root = Some(("boss", "boss-password"));
    let own = app
        .api(
            "PATCH",
            &detail,
            Some(json!({"email": "b@example.com"})),
            root,
        )
        .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "an admin still may: {}",
        own.body
    );
}

/// A staff user who may not view users cannot filter, order or export messages by a user's
/// columns beyond what the message admin declares (`user__username`): no guessing e-mail
/// addresses through the message list. An admin may.
async fn a_list_reaches_no_further_than_the_models_the_caller_may_view(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    add_message(&app.db.db, boss, "hello there").await;
    staff(&app, "reader", &["message.view"]).await;
    app.login("reader", "reader-password").await;
    for path in [
        "/admin/message/?user__email=boss%40example.com",
        "/admin/message/?user__email__startswith=b",
        "/admin/message/?user__admin=true",
        "/admin/message/?ordering=user__email",
        "/admin/message/export/?format=json&user__email__startswith=b",
    ] {
        let refused = app.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            refused.body
        );
        assert!(!refused.body.contains("hello there"), "{path}");
    }
    let declared = app.get("/admin/message/?user__username=boss").await;
    assert_eq!(declared.status, StatusCode::OK, "{}", declared.body);
    assert!(declared.body.contains("hello there"));
    app.login("boss", "boss-password").await;
    let admin = app.get("/admin/message/?user__email__startswith=b").await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.body);
}

/// The admin offers only what the caller may do: no Add link without `add` (none for the
/// audit trail, even to an admin), no "Delete selected" without `delete`, and the group form
/// offers no permission that nobody could use.
async fn the_admin_offers_only_what_the_caller_may_do(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let hello = add_message(&app.db.db, boss, "hello there").await;
    staff(
        &app,
        "editor",
        &["message.view", "message.change", "note.view"],
    )
    .await;
    app.login("editor", "editor-password").await;
    let own = app.get(&format!("/admin/message/{hello}/")).await;
    assert!(own.body.contains(r#"name="_save""#), "may change");
    assert!(!own.body.contains(r#"name="_addanother""#), "may not add");
    let notes = app.get("/admin/note/").await;
    assert!(
        !notes.body.contains(r#"value="mark_deleted""#),
        "the action needs note.change"
    );
    let dashboard = unescape(&app.get("/admin/").await.body);
    assert!(
        dashboard.contains(r#"href="/admin/message/""#),
        "{dashboard}"
    );
    assert!(
        !dashboard.contains(r#"href="/admin/message/add/""#),
        "{dashboard}"
    );
    let list = app.get("/admin/message/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(r#"value="delete""#), "{}", list.body);
    assert!(list.body.contains(r#"value="export_csv""#));

    app.login("boss", "boss-password").await;
    let dashboard = unescape(&app.get("/admin/").await.body);
    assert!(
        dashboard.contains(r#"href="/admin/message/add/""#),
        "{dashboard}"
    );
    assert!(dashboard.contains(r#"href="/admin/audit/""#), "{dashboard}");
    assert!(
        !dashboard.contains(r#"href="/admin/audit/add/""#),
        "{dashboard}"
    );
    assert!(
        app.get("/admin/message/")
            .await
            .body
            .contains(r#"value="delete""#)
    );
    let notes = app.get("/admin/note/").await.body;
    assert!(notes.contains(r#"value="mark_deleted""#), "{notes}");
    let form = app.get("/admin/group/add/").await.body;
    assert!(form.contains(r#"value="message.view""#), "{form}");
    for refused in ["audit.view", "audit.add", "audit.change", "audit.delete"] {
        assert!(
            !form.contains(&format!(r#"value="{refused}""#)),
            "{refused}"
        );
    }
    let token = app.csrf_token().await;
    let sent = app
        .post_form(
            "/admin/group/add/",
            &[
                ("csrf_token", &token),
                ("name", "Auditors"),
                ("permissions", "audit.change"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "shown again: {}", sent.body);
    assert!(
        actix_sea::groups::by_name(&app.db.db, "Auditors")
            .await
            .unwrap()
            .is_none()
    );
}

/// A staff user who may only view users sees an admin user's read-only page, as any other
/// row's: the rule on admin users is about changes.
async fn a_user_viewer_sees_an_admin_read_only(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    staff(&app, "watcher", &["user.view"]).await;
    app.login("watcher", "watcher-password").await;
    let path = format!("/admin/user/{boss}/");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = unescape(&page.body);
    assert!(body.contains("boss"), "{body}");
    assert!(!body.contains(r#"name="_save""#), "no Save buttons");
    assert!(!body.contains(&format!(r#"action="{path}""#)), "no form");
}

async fn a_row_history_needs_view_on_its_model(db: TestDb) {
    let app = spawn(db).await;
    let boss = app.create_user("boss", "boss-password", true, true).await;
    let hello = add_message(&app.db.db, boss, "hello").await;
    let remark = add_note(&app.db.db, boss, "remark").await;
    staff(&app, "noter", &["note.view"]).await;
    assert_eq!(
        app.login("noter", "noter-password").await.status,
        StatusCode::SEE_OTHER
    );
    let note = app.get(&format!("/admin/note/{remark}/history/")).await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.body);
    for path in [
        format!("/admin/message/{hello}/history/"),
        format!("/admin/user/{boss}/history/"),
        "/admin/message/999999/history/".to_owned(),
    ] {
        let refused = app.get(&path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!refused.body.contains("hello"), "{path}");
    }
}

crate::on_every_database!(example:
    a_row_history_needs_view_on_its_model,
    an_editor_edits_messages_but_cannot_add_delete_or_see_users,
    a_viewer_sees_a_read_only_page_and_cannot_post_to_it,
    a_note_editor_runs_the_custom_action,
    plain_users_are_refused_and_anonymous_ones_sent_to_login,
    an_admin_passes_every_gate_and_manages_groups,
    permission_authentication_needs_the_permission_of_each_method,
    a_user_editor_cannot_raise_or_touch_admins,
    the_api_refuses_staff_a_change_or_delete_of_an_admin,
    a_user_viewer_sees_an_admin_read_only,
    the_admin_offers_only_what_the_caller_may_do,
    a_list_reaches_no_further_than_the_models_the_caller_may_view,
);
