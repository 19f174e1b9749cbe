//! SPEC "Auth": login, logout, sessions, CSRF, throttling, headers, guards.

use actix_web::http::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::app::spawn;
use crate::support::TestDb;
use example_site::models::user;

const INVALID: &str = "Incorrect username or password";

async fn login_page_has_the_form_and_security_headers(db: TestDb) {
    let app = spawn(db).await;
    let page = app.get("/accounts/login/?next=/private/").await;
    assert_eq!(page.status, StatusCode::OK);
    for field in [
        r#"name="username""#,
        r#"name="password""#,
        r#"name="csrf_token""#,
    ] {
        assert!(page.body.contains(field), "missing {field}");
    }
    assert_eq!(page.input("next").as_deref(), Some("/private/"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let cookie = page.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

async fn login_renews_the_session_and_follows_a_safe_next(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = app.csrf_token().await;
    let before = app.cookie("id").expect("a session exists before login");
    let reply = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", &token),
                ("username", "alice"),
                ("password", "wonderland"),
                ("next", "/private/?page=2"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/private/?page=2");
    let after = app.cookie("id").unwrap();
    assert_ne!(
        before, after,
        "session fixation: the id must change at login"
    );
    let private = app.get("/private/").await;
    assert_eq!(private.status, StatusCode::OK);
    assert!(private.body.contains("Private timeline") && private.body.contains(">alice</a>"));
    app.set_cookie("id", &before);
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::FOUND,
        "the pre-login cookie is not logged in"
    );
}

async fn failures_look_the_same_and_cost_one_verification_each(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("sleepy", "dormouse", false, false).await;
    let hasher = app.site.auth.hasher().clone();
    for (username, password) in [
        ("alice", "wrong"),
        ("nobody", "wonderland"),
        ("sleepy", "dormouse"),
    ] {
        let before = hasher.verifications();
        let reply = app.login(username, password).await;
        assert_eq!(reply.status, StatusCode::OK, "{username}");
        assert!(reply.body.contains(INVALID), "{username}");
        assert_eq!(
            hasher.verifications() - before,
            1,
            "{username}: exactly one argon2 verification"
        );
        assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
    }
}

async fn posts_without_a_valid_csrf_token_are_refused_and_change_nothing(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.csrf_token().await;
    let no_token = app
        .post_form(
            "/accounts/login/",
            &[("username", "alice"), ("password", "wonderland")],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", "forged"),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::FOUND,
        "still anonymous"
    );
    app.clear_cookies();
    let fresh = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", ""),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::FORBIDDEN, "no session, no token");

    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    let logout = app.post_form("/accounts/logout/", &[]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::OK,
        "still logged in"
    );
    let header_token = app
        .get("/accounts/logout/")
        .await
        .input("csrf_token")
        .unwrap();
    let request = actix_web::test::TestRequest::post()
        .uri("/accounts/logout/")
        .insert_header(("x-csrf-token", header_token));
    assert_eq!(
        app.send(request).await.status,
        StatusCode::SEE_OTHER,
        "the header works too"
    );
}

async fn unsafe_next_values_are_ignored(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    for next in [
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\r\nLocation: x",
        "evil",
    ] {
        let token = app.csrf_token().await;
        let reply = app
            .post_form(
                "/accounts/login/",
                &[
                    ("csrf_token", &token),
                    ("username", "alice"),
                    ("password", "wonderland"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), "/", "next={next:?}");
        let page = app
            .get(&format!(
                "/accounts/logout/?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(
            page.input("next").as_deref(),
            Some(""),
            "the confirmation page drops {next:?}"
        );
        let token = page.input("csrf_token").unwrap();
        let reply = app
            .post_form(
                "/accounts/logout/",
                &[("csrf_token", &token), ("next", next)],
            )
            .await;
        assert_eq!(reply.location(), "/", "logout next={next:?}");
    }
}

async fn logout_confirms_then_ends_the_session_on_the_server(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let logged_in_cookie = app.cookie("id").unwrap();
    let confirm = app.get("/accounts/logout/?next=/private/").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains(r#"method="post""#));
    assert_eq!(confirm.input("next").as_deref(), Some("/private/"));
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::OK,
        "GET does not log out"
    );
    let token = confirm.input("csrf_token").unwrap();
    let reply = app
        .post_form(
            "/accounts/logout/",
            &[("csrf_token", &token), ("next", "/private/")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/private/");
    app.set_cookie("id", &logged_in_cookie);
    let replay = app.get("/private/").await;
    assert_eq!(
        replay.status,
        StatusCode::FOUND,
        "a replayed cookie is anonymous"
    );
    assert_eq!(replay.location(), "/accounts/login/?next=%2Fprivate%2F");
    let sessions = actix_sea::auth::SessionTable::find()
        .count(&app.db.db)
        .await
        .unwrap();
    assert!(
        sessions <= 1,
        "the logged-in session row is gone ({sessions} left)"
    );
}

async fn a_deactivated_users_session_stops_working(db: TestDb) {
    let app = spawn(db).await;
    let id = app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/private/").await.status, StatusCode::OK);
    user::ActiveModel {
        id: Set(id),
        active: Set(false),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .unwrap();
    assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
}

async fn bad_login_input_gets_a_clear_answer_not_a_500(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = app.csrf_token().await;
    let long = "a".repeat(100_000);
    let bodies: Vec<Vec<u8>> = vec![
        format!("csrf_token={token}").into_bytes(),
        format!("csrf_token={token}&username=alice").into_bytes(),
        format!("csrf_token={token}&password=wonderland").into_bytes(),
        format!("csrf_token={token}&username={long}&password=x").into_bytes(),
        format!("csrf_token={token}&username=alice%00&password=wonderland").into_bytes(),
        format!("csrf_token={token}&username=alice&password=wonder%00land").into_bytes(),
        [
            format!("csrf_token={token}&username=").into_bytes(),
            vec![0xff, 0xfe, 0x80],
            b"&password=%ff%fe".to_vec(),
        ]
        .concat(),
        format!("csrf_token={token}&&&==&username").into_bytes(),
    ];
    for body in bodies {
        let reply = app.post_raw("/accounts/login/", body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{:?}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
        assert!(reply.body.contains(INVALID));
    }
    let repeated = app
        .post_raw(
            "/accounts/login/",
            format!("csrf_token={token}&username=alice&password=wonderland&username=bob"),
        )
        .await;
    assert_eq!(
        repeated.status,
        StatusCode::SEE_OTHER,
        "the first of repeated fields counts"
    );
    app.logout().await;
    let token = app.csrf_token().await;
    let huge = format!(
        "csrf_token={token}&username={}",
        "a".repeat(2 * 1024 * 1024)
    );
    assert_eq!(
        app.post_raw("/accounts/login/", huge).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let json = actix_web::test::TestRequest::post()
        .uri("/accounts/login/")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"username":"alice"}"#);
    assert_eq!(
        app.send(json).await.status,
        StatusCode::FORBIDDEN,
        "not a form, no token"
    );
}

async fn failed_logins_are_throttled_per_user_and_address(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    for _ in 0..10 {
        assert_eq!(app.login("alice", "wrong").await.status, StatusCode::OK);
    }
    let blocked = app.login("alice", "wonderland").await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let wait: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(
        app.login("bob", "builder").await.status,
        StatusCode::SEE_OTHER,
        "other users are not blocked"
    );
    app.logout().await;

    let forwarded = actix_web::test::TestRequest::get()
        .uri("/")
        .insert_header(("x-forwarded-for", "1.2.3.4"));
    app.send(forwarded).await;
    let mut other = crate::app::wrap(
        &app.service,
        app.site.clone(),
        crate::support::TestDb::new(crate::support::Backend::Sqlite)
            .await
            .unwrap(),
    );
    other.peer = "10.0.0.2:1".parse().unwrap();
    assert_eq!(
        other.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER,
        "another address is not blocked"
    );
}

async fn a_success_clears_the_pair_and_the_address_limit_holds(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    for _ in 0..9 {
        app.login("alice", "wrong").await;
    }
    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    app.logout().await;
    for _ in 0..9 {
        assert_eq!(
            app.login("alice", "wrong").await.status,
            StatusCode::OK,
            "the count started again"
        );
    }
    for n in 0..32 {
        let reply = app.login(&format!("user{n}"), "guess").await;
        assert_eq!(reply.status, StatusCode::OK, "attempt {n}");
    }
    let blocked = app.login("someone-else", "guess").await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "50 failures from one address"
    );
    let spoofed = actix_web::test::TestRequest::get()
        .uri("/accounts/login/")
        .insert_header(("x-forwarded-for", "9.9.9.9"));
    let token = app.send(spoofed).await.input("csrf_token").unwrap();
    let request = actix_web::test::TestRequest::post()
        .uri("/accounts/login/")
        .insert_header(("x-forwarded-for", "9.9.9.9"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(format!(
            "csrf_token={token}&username=alice&password=wonderland"
        ));
    assert_eq!(
        app.send(request).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "X-Forwarded-For is not trusted by default"
    );
}

async fn old_hashes_are_upgraded_at_login(db: TestDb) {
    use argon2::password_hash::PasswordHasher;
    let app = spawn(db).await;
    let id = app.create_user("alice", "placeholder", false, true).await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    );
    let old = weak.hash_password(b"wonderland").unwrap().to_string();
    user::ActiveModel {
        id: Set(id),
        password: Set(old.clone()),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .unwrap();
    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    let stored = user::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap()
        .password;
    assert_ne!(stored, old);
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert!(actix_sea::auth::password::verify_password(
        "wonderland",
        &stored
    ));
}

crate::on_every_database!(example:
    login_page_has_the_form_and_security_headers,
    login_renews_the_session_and_follows_a_safe_next,
    failures_look_the_same_and_cost_one_verification_each,
    posts_without_a_valid_csrf_token_are_refused_and_change_nothing,
    unsafe_next_values_are_ignored,
    logout_confirms_then_ends_the_session_on_the_server,
    a_deactivated_users_session_stops_working,
    bad_login_input_gets_a_clear_answer_not_a_500,
    failed_logins_are_throttled_per_user_and_address,
    a_success_clears_the_pair_and_the_address_limit_holds,
    old_hashes_are_upgraded_at_login,
);
