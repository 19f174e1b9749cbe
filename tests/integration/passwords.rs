//! `/accounts/password/`, and sessions ended by a password change (the page, the admin, the
//! API) or a deactivation, on the database store and on Redis.

use actix_http::Request;
use actix_sea::auth::RedisSessions;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use example_site::models::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;

use crate::app::{TestApp, config, spawn, spawn_with};
use crate::support::{Backend, TestDb};

const OLD: &str = "wonderland";
const NEW: &str = "through the glass";

async fn hash_of(db: &sea_orm::DatabaseConnection, id: i32) -> String {
    user::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .password
}

/// Whether the session in cookie `cookie` is logged in (it reaches `/private/`).
async fn live<S, B>(app: &TestApp<S>, cookie: &str) -> bool
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.clear_cookies();
    app.set_cookie("id", cookie);
    app.get("/private/").await.status == StatusCode::OK
}

/// Logs `username` in on a fresh client and gives its session cookie.
async fn session_of<S, B>(app: &TestApp<S>, username: &str, password: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.clear_cookies();
    let login = app.login(username, password).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{username} logs in");
    app.cookie("id").expect("a session cookie")
}

async fn change<S, B>(app: &TestApp<S>, old: &str, new1: &str, new2: &str) -> crate::app::Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form = app.get("/accounts/password/").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.input("csrf_token").expect("a token on the form");
    app.post_form(
        "/accounts/password/",
        &[
            ("csrf_token", &token),
            ("old_password", old),
            ("new_password1", new1),
            ("new_password2", new2),
        ],
    )
    .await
}

async fn the_password_page_refuses_bad_input_and_changes_nothing(db: TestDb) {
    let auth = example_site::auth::builder(db.db.clone(), &config())
        .password_validator(|_, password| {
            if password.contains("123") {
                Err("No counting, please.".into())
            } else {
                Ok(())
            }
        })
        .build()
        .unwrap();
    let app = spawn_with(db, auth).await;
    app.clear_cookies();
    assert_eq!(
        app.get("/accounts/password/").await.status,
        StatusCode::FOUND,
        "anonymous visitors are sent to log in"
    );
    let id = app.create_user("alicealice", OLD, false, true).await;
    let before = hash_of(&app.db.db, id).await;
    let cookie = session_of(&app, "alicealice", OLD).await;
    for (old, new1, new2, field, message) in [
        ("wrong password", NEW, NEW, "old_password", "incorrectly"),
        (
            OLD,
            "short",
            "short",
            "new_password1",
            "at least 8 characters",
        ),
        (
            OLD,
            NEW,
            "through the looking glass",
            "new_password2",
            "do not match",
        ),
        (
            OLD,
            "AliceAlice",
            "AliceAlice",
            "new_password1",
            "may not be your username",
        ),
        (
            OLD,
            "count 123 up",
            "count 123 up",
            "new_password1",
            "No counting, please.",
        ),
        ("", NEW, NEW, "old_password", "This field is required."),
        (OLD, "", "", "new_password1", "This field is required."),
    ] {
        let reply = change(&app, old, new1, new2).await;
        assert_eq!(reply.status, StatusCode::OK, "{field}: {message}");
        assert!(
            reply.body.contains(message) && reply.body.contains(&format!(r#"name="{field}""#)),
            "{message} shown: {}",
            reply.body
        );
        assert!(!reply.body.contains(OLD), "a password is never echoed");
        assert_eq!(hash_of(&app.db.db, id).await, before, "nothing changed");
        assert_eq!(
            app.cookie("id").as_deref(),
            Some(cookie.as_str()),
            "same session"
        );
    }
    let no_token = app
        .post_form(
            "/accounts/password/",
            &[
                ("old_password", OLD),
                ("new_password1", NEW),
                ("new_password2", NEW),
            ],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "CSRF-checked");
    assert_eq!(hash_of(&app.db.db, id).await, before, "nothing changed");
    assert!(live(&app, &cookie).await, "still logged in");
}

/// Wrong old passwords count as failed logins of that user from that address.
async fn the_password_page_counts_against_the_login_throttle(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", OLD, false, true).await;
    session_of(&app, "alice", OLD).await;
    for _ in 0..10 {
        assert_eq!(change(&app, "guess", NEW, NEW).await.status, StatusCode::OK);
    }
    let refused = change(&app, OLD, NEW, NEW).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
    assert!(refused.body.contains("Too many failed attempts"));
    app.clear_cookies();
    let login = app.login("alice", OLD).await;
    assert_eq!(login.status, StatusCode::TOO_MANY_REQUESTS, "one throttle");
}

/// The password page: this session continues under a new id, every other session of the
/// user ends, and only the new password logs in.
async fn a_password_change_rotates_this_session_and_ends_the_others<S, B>(app: &TestApp<S>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let id = app.create_user("alice", OLD, false, true).await;
    app.create_user("bob", "builder-bob", false, true).await;
    let other = session_of(app, "alice", OLD).await;
    let bobs = session_of(app, "bob", "builder-bob").await;
    let this = session_of(app, "alice", OLD).await;
    let before = hash_of(&app.db.db, id).await;
    let reply = change(app, OLD, NEW, NEW).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let after = hash_of(&app.db.db, id).await;
    assert!(after.starts_with("$argon2id$") && after != before);
    let rotated = app.cookie("id").expect("a new session cookie");
    assert_ne!(rotated, this, "the session id rotates");
    let next = app.get(reply.location()).await;
    assert!(
        next.body.contains("Your password was changed."),
        "{}",
        next.body
    );
    assert!(live(app, &rotated).await, "this session stays logged in");
    assert!(!live(app, &this).await, "its old id is gone");
    assert!(!live(app, &other).await, "the other session ended");
    assert!(
        live(app, &bobs).await,
        "another user's session is untouched"
    );
    app.clear_cookies();
    assert_eq!(
        app.login("alice", OLD).await.status,
        StatusCode::OK,
        "old refused"
    );
    assert_eq!(app.login("alice", NEW).await.status, StatusCode::SEE_OTHER);
}

/// The admin's user form: a new password ends the user's sessions, and so does unticking
/// `active` (checked by reactivating the user behind the admin's back: an ended session
/// stays ended).
async fn admin_password_changes_and_deactivations_end_sessions<S, B>(app: &TestApp<S>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.create_user("boss", "boss-password", true, true).await;
    let id = app.create_user("alice", OLD, false, true).await;
    let save = |password: &'static str, active: bool| async move {
        session_of(app, "boss", "boss-password").await;
        let token = app
            .get(&format!("/admin/user/{id}/"))
            .await
            .input("csrf_token")
            .unwrap();
        let mut fields = vec![
            ("csrf_token", token.as_str()),
            ("username", "alice"),
            ("join_date", "2001-01-01T00:00"),
            ("password", password),
            ("email", "alice@example.com"),
        ];
        if active {
            fields.push(("active", "on"));
        }
        let reply = app.post_form(&format!("/admin/user/{id}/"), &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        app.cookie("id").unwrap()
    };

    let alices = session_of(app, "alice", OLD).await;
    let boss = save("", true).await;
    assert!(
        live(app, &alices).await,
        "a save without a new password ends nothing"
    );
    save(NEW, true).await;
    assert!(
        !live(app, &alices).await,
        "a new password ends the user's sessions"
    );
    assert!(live(app, &boss).await, "the admin's own session stays");

    let alices = session_of(app, "alice", NEW).await;
    save("", false).await;
    let mut row: user::ActiveModel = user::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.active = Set(true);
    row.update(&app.db.db).await.unwrap();
    assert!(
        !live(app, &alices).await,
        "a deactivation ends the user's sessions"
    );
}

/// The API's user resource: a new password ends the user's sessions, and the old
/// credentials, verified and cached a moment ago, are refused at once.
async fn api_password_changes_end_sessions_and_cached_credentials<S, B>(app: &TestApp<S>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.create_user("root", "root-password", true, true).await;
    let id = app.create_user("alice", OLD, false, true).await;
    let alices = session_of(app, "alice", OLD).await;
    app.clear_cookies();
    let post = |password: &'static str| async move {
        app.api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hello"})),
            Some(("alice", password)),
        )
        .await
        .status
    };
    assert_eq!(post(OLD).await, StatusCode::CREATED, "checked and cached");
    assert_eq!(post(OLD).await, StatusCode::CREATED, "from the cache");
    let changed = app
        .api(
            "PATCH",
            &format!("/api/user/{id}/"),
            Some(json!({"password": NEW})),
            Some(("root", "root-password")),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(post(OLD).await, StatusCode::UNAUTHORIZED, "refused at once");
    assert_eq!(post(NEW).await, StatusCode::CREATED);
    assert!(!live(app, &alices).await, "the user's session ended");
}

async fn sessions_end_on_the_database_store(db: TestDb) {
    a_password_change_rotates_this_session_and_ends_the_others(&spawn(db).await).await;
}

async fn the_admin_ends_sessions_on_the_database_store(db: TestDb) {
    admin_password_changes_and_deactivations_end_sessions(&spawn(db).await).await;
}

async fn the_api_ends_sessions_on_the_database_store(db: TestDb) {
    api_password_changes_end_sessions_and_cached_credentials(&spawn(db).await).await;
}

crate::on_every_database!(example:
    the_password_page_refuses_bad_input_and_changes_nothing,
    the_password_page_counts_against_the_login_throttle,
    sessions_end_on_the_database_store,
    the_admin_ends_sessions_on_the_database_store,
    the_api_ends_sessions_on_the_database_store,
);

/// An app whose sessions are kept in Redis under a prefix of its own, and that prefix.
async fn redis_app(
    url: &str,
) -> (
    TestApp<
        impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
    >,
    String,
) {
    let prefix = format!(
        "actix_sea_pw_{}_{}:",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let store = RedisSessions::connect(url)
        .await
        .expect("connect to Redis")
        .key_prefix(&prefix);
    let db = TestDb::example(Backend::Sqlite).await.unwrap();
    let auth = example_site::auth::builder(db.db.clone(), &config())
        .redis_sessions(store)
        .build()
        .unwrap();
    (spawn_with(db, auth).await, prefix)
}

/// Deletes the keys under `prefix`.
async fn clean(url: &str, prefix: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

fn redis_url() -> Option<String> {
    let url = std::env::var("ACTIX_SEA_TEST_REDIS_URL").ok();
    if url.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: ACTIX_SEA_TEST_REDIS_URL is not set; a Redis password test is skipped"
        );
    }
    url
}

#[actix_web::test]
async fn a_password_change_ends_the_other_sessions_on_redis() {
    let Some(url) = redis_url() else { return };
    let (app, prefix) = redis_app(&url).await;
    a_password_change_rotates_this_session_and_ends_the_others(&app).await;
    clean(&url, &prefix).await;
}

#[actix_web::test]
async fn the_admin_ends_sessions_on_redis() {
    let Some(url) = redis_url() else { return };
    let (app, prefix) = redis_app(&url).await;
    admin_password_changes_and_deactivations_end_sessions(&app).await;
    clean(&url, &prefix).await;
}

#[actix_web::test]
async fn the_api_ends_sessions_on_redis() {
    let Some(url) = redis_url() else { return };
    let (app, prefix) = redis_app(&url).await;
    api_password_changes_end_sessions_and_cached_credentials(&app).await;
    clean(&url, &prefix).await;
}
