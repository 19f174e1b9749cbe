//! SPEC "Admin": access, the dashboard and its panels, forms and their validation.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::app::{spawn, unescape};
use crate::support::TestDb;
use example_site::models::{message, note, user};

pub const XSS: &str = "<script>alert('x')</script>";

/// The example app with an admin `boss` logged in.
#[macro_export]
macro_rules! admin_app {
    ($db:expr) => {{
        let app = $crate::app::spawn($db).await;
        app.create_user("boss", "boss-password", true, true).await;
        let login = app.login("boss", "boss-password").await;
        assert_eq!(login.status, actix_web::http::StatusCode::SEE_OTHER);
        app
    }};
}

pub async fn add_message(db: &sea_orm::DatabaseConnection, user: i32, content: &str) -> i32 {
    message::ActiveModel {
        user: Set(user),
        content: Set(content.to_owned()),
        pub_date: Set(NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn anonymous_users_are_sent_to_login_and_plain_users_get_403(db: TestDb) {
    let app = spawn(db).await;
    for path in [
        "/admin/",
        "/admin/message/",
        "/admin/message/add/",
        "/admin/user/1/",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::FOUND, "{path}");
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(page.location(), format!("/accounts/login/?next={next}"));
    }
    app.create_user("plain", "plain-password", false, true)
        .await;
    app.login("plain", "plain-password").await;
    for path in ["/admin/", "/admin/message/", "/admin/user/lookup/?q=a"] {
        assert_eq!(app.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

async fn the_dashboard_shows_both_panels_and_every_model_with_counts(db: TestDb) {
    let app = admin_app!(db);
    let boss = app
        .create_user("writer", "writer-password", false, true)
        .await;
    add_message(&app.db.db, boss, "hello").await;
    let page = app.get("/admin/").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = unescape(&page.body);
    let notes = body.find(">Notes<").expect("Notes panel");
    let stats = body.find(">User stats<").expect("User stats panel");
    let models = body.find(">Models<").expect("models table");
    assert!(notes < stats && stats < models, "panels first, in order");
    assert!(body.contains(r#"action="/admin/notes/create/""#));
    assert!(
        body.contains(r#"<b data-stat="signups">2</b>"#),
        "two signups"
    );
    assert!(
        body.contains(r#"<b data-stat="messages">0</b>"#),
        "the message is from 2024"
    );
    for model in [
        "/admin/message/",
        "/admin/note/",
        "/admin/user/",
        "/admin/relationship/",
    ] {
        assert!(body.contains(&format!(r#"href="{model}""#)), "{model}");
        assert!(body.contains(&format!(r#"href="{model}export/?format=csv""#)));
    }
}

async fn the_notes_panel_creates_a_note_and_shows_the_latest_three(db: TestDb) {
    let app = admin_app!(db);
    let token = app.csrf_token().await;
    for text in ["one", "two", "three", &format!("four {XSS}")] {
        let reply = app
            .post_form(
                "/admin/notes/create/",
                &[("csrf_token", &token), ("message", text)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), "/admin/");
    }
    assert_eq!(note::Entity::find().count(&app.db.db).await.unwrap(), 4);
    // Each recorded as the admin's, as a note made through the note form.
    let recorded = crate::audit::entries(&app.db).await;
    assert_eq!(recorded.len(), 4);
    assert!(
        recorded
            .iter()
            .all(|e| e.model == "note" && e.action == "create" && e.channel == "admin")
    );
    let page = app.get("/admin/").await;
    assert!(page.body.contains("Note added."));
    assert!(
        page.body.contains("four &lt;script&gt;"),
        "escaped in the panel"
    );
    assert!(!page.body.contains(XSS));
    assert!(!page.body.contains(">one<"), "only the latest three");
    let empty = app
        .post_form(
            "/admin/notes/create/",
            &[("csrf_token", &token), ("message", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/admin/")
            .await
            .body
            .contains("A note needs between 1 and")
    );
    assert_eq!(note::Entity::find().count(&app.db.db).await.unwrap(), 4);
}

async fn posts_without_or_with_a_wrong_csrf_token_are_refused(db: TestDb) {
    let app = admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let id = add_message(&app.db.db, writer, "keep me").await;
    let writer_text = writer.to_string();
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/admin/message/add/".into(),
            vec![
                ("user", &writer_text),
                ("content", "x"),
                ("pub_date", "2024-01-01T10:00"),
            ],
        ),
        (
            format!("/admin/message/{id}/"),
            vec![
                ("user", &writer_text),
                ("content", "changed"),
                ("pub_date", "2024-01-01T10:00"),
            ],
        ),
        ("/admin/message/delete/".into(), vec![("id", "1")]),
        ("/admin/notes/create/".into(), vec![("message", "sneaky")]),
    ];
    for (path, fields) in &cases {
        let without = app.post_form(path, fields).await;
        assert_eq!(without.status, StatusCode::FORBIDDEN, "{path}");
        let mut wrong = fields.clone();
        wrong.push(("csrf_token", "not-the-token"));
        assert_eq!(
            app.post_form(path, &wrong).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let stored = message::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.content, "keep me");
    assert_eq!(message::Entity::find().count(&app.db.db).await.unwrap(), 1);
    assert_eq!(note::Entity::find().count(&app.db.db).await.unwrap(), 0);
}

async fn adding_a_message_follows_each_save_button(db: TestDb) {
    let app = admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await
        .to_string();
    let form = app.get("/admin/message/add/").await;
    assert_eq!(form.status, StatusCode::OK);
    for input in [
        r#"name="user""#,
        r#"<textarea id="f-content" name="content""#,
        r#"type="datetime-local""#,
    ] {
        assert!(form.body.contains(input), "{input}");
    }
    assert!(
        form.body
            .contains("data-lookup=\"&#x2F;admin&#x2F;user&#x2F;lookup&#x2F;\""),
        "user is a lookup"
    );
    let token = form.input("csrf_token").unwrap();
    let post = |button: &'static str, content: &'static str| {
        let writer = writer.clone();
        let token = token.clone();
        let app = &app;
        async move {
            app.post_form(
                "/admin/message/add/",
                &[
                    ("csrf_token", &token),
                    ("user", &writer),
                    ("content", content),
                    ("pub_date", "2024-02-03T04:05"),
                    (button, "1"),
                ],
            )
            .await
        }
    };
    assert_eq!(post("_save", "first").await.location(), "/admin/message/");
    assert_eq!(
        post("_addanother", "second").await.location(),
        "/admin/message/add/"
    );
    let continued = post("_continue", "third").await;
    let third = message::Entity::find().all(&app.db.db).await.unwrap();
    assert_eq!(third.len(), 3);
    let last = third.iter().find(|m| m.content == "third").unwrap();
    assert_eq!(continued.location(), format!("/admin/message/{}/", last.id));
    assert_eq!(last.pub_date.to_string(), "2024-02-03 04:05:00");
    let edit = app.get(continued.location()).await;
    assert!(edit.body.contains("was added."), "flash after save");
    assert!(edit.body.contains("value=\"2024-02-03T04:05:00\""));
    assert!(edit.body.contains("writer"), "the lookup names the user");
}

async fn bad_form_input_is_shown_beside_the_field_with_the_input_kept(db: TestDb) {
    let app = admin_app!(db);
    let token = app.csrf_token().await;
    let long_content = format!("kept {XSS}");
    let reply = app
        .post_form(
            "/admin/message/add/",
            &[
                ("csrf_token", &token),
                ("user", "99999"),
                ("content", &long_content),
                ("pub_date", "yesterday-ish"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Please correct the errors below."));
    assert!(
        reply.body.contains("There is no user with key 99999."),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("is not a date and time."),
        "datetime error"
    );
    assert!(
        reply.body.contains("kept &lt;script&gt;"),
        "content kept, escaped"
    );
    assert!(!reply.body.contains(XSS));
    let missing = app
        .post_form(
            "/admin/message/add/",
            &[("csrf_token", &token), ("user", "abc"), ("content", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(
        missing.body.contains("is not a whole number"),
        "bad integer"
    );
    assert_eq!(
        missing.body.matches("This field is required.").count(),
        0,
        "blank content is a value and pub_date has a default"
    );
    assert_eq!(message::Entity::find().count(&app.db.db).await.unwrap(), 0);
}

async fn the_user_admin_never_shows_the_hash_and_keeps_an_empty_password(db: TestDb) {
    let app = admin_app!(db);
    let id = app.create_user("alice", "old-password", false, true).await;
    let stored = |app_db: sea_orm::DatabaseConnection| async move {
        user::Entity::find_by_id(id)
            .one(&app_db)
            .await
            .unwrap()
            .unwrap()
    };
    let before = stored(app.db.db.clone()).await;
    let page = app.get(&format!("/admin/user/{id}/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("argon2"), "no hash on the edit page");
    assert!(page.body.contains(r#"type="password""#));
    assert!(
        !app.get("/admin/user/").await.body.contains("argon2"),
        "nor on the list"
    );
    let token = page.input("csrf_token").unwrap();
    let save = |password: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            app.post_form(
                &format!("/admin/user/{id}/"),
                &[
                    ("csrf_token", &token),
                    ("username", "alice"),
                    ("join_date", "2001-01-01T00:00"),
                    ("password", password),
                    ("email", "a@example.com"),
                    ("active", "on"),
                ],
            )
            .await
        }
    };
    assert_eq!(save("").await.status, StatusCode::SEE_OTHER);
    let kept = stored(app.db.db.clone()).await;
    assert_eq!(kept.password, before.password, "empty keeps the password");
    assert_eq!(kept.email, "a@example.com");
    assert!(!kept.admin, "an unchecked box is false");
    assert_eq!(
        kept.join_date.to_string(),
        "2001-01-01 00:00:00",
        "join_date is on the user form (issue 12, as flask-peewee's)"
    );
    assert!(
        page.body
            .contains(r#"<input type="datetime-local" id="f-join_date""#)
    );
    let before = stored(app.db.db.clone()).await;
    let short = save("short").await;
    assert_eq!(
        short.status,
        StatusCode::OK,
        "a form error, as on the password page"
    );
    assert!(
        short.body.contains("at least 8 characters"),
        "{}",
        short.body
    );
    assert_eq!(stored(app.db.db.clone()).await.password, before.password);
    assert_eq!(save("new-password").await.status, StatusCode::SEE_OTHER);
    let changed = stored(app.db.db.clone()).await;
    assert!(changed.password.starts_with("$argon2id$"));
    assert!(actix_sea::auth::password::verify_password(
        "new-password",
        &changed.password
    ));
    let taken = app
        .post_form(
            "/admin/user/add/",
            &[
                ("csrf_token", &token),
                ("username", "alice"),
                ("password", "pw-pw-pw-pw"),
                ("email", "b@example.com"),
            ],
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::OK,
        "a unique clash is a form error"
    );
    assert!(taken.body.contains("already exists"));
}

async fn unknown_models_and_ids_are_404_pages(db: TestDb) {
    let app = admin_app!(db);
    for path in [
        "/admin/nope/",
        "/admin/message/12345/",
        "/admin/message/not-a-number/",
        "/admin/nope/add/",
        "/admin/message/1/extra/",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("404 Not Found"), "{path}");
    }
}

async fn a_script_in_a_message_is_escaped_on_every_admin_page(db: TestDb) {
    let app = admin_app!(db);
    let writer = app
        .create_user("writer", "writer-password", false, true)
        .await;
    let id = add_message(&app.db.db, writer, XSS).await;
    for path in [
        "/admin/message/".to_owned(),
        format!("/admin/message/{id}/"),
        format!("/admin/message/delete/?id={id}"),
        format!("/admin/user/delete/?id={writer}"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains(XSS), "{path}");
        assert!(page.body.contains("&lt;script&gt;"), "{path}");
    }
}

crate::on_every_database!(example:
    anonymous_users_are_sent_to_login_and_plain_users_get_403,
    the_dashboard_shows_both_panels_and_every_model_with_counts,
    the_notes_panel_creates_a_note_and_shows_the_latest_three,
    posts_without_or_with_a_wrong_csrf_token_are_refused,
    adding_a_message_follows_each_save_button,
    bad_form_input_is_shown_beside_the_field_with_the_input_kept,
    the_user_admin_never_shows_the_hash_and_keeps_an_empty_password,
    unknown_models_and_ids_are_404_pages,
    a_script_in_a_message_is_escaped_on_every_admin_page,
);
