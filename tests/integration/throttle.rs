//! Issue 11: the login throttle holds under concurrent bursts, keys on the normalised
//! username, look-alike names are refused wherever a name is chosen, and sign-ups are
//! throttled per address.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::json;

use crate::app::spawn;
use crate::support::TestDb;

fn login_request(token: &str, username: &str, password: &str) -> TestRequest {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf_token", token),
            ("username", username),
            ("password", password),
        ])
        .finish();
    TestRequest::post()
        .uri("/accounts/login/")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body)
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn a_burst_of_wrong_logins_for_one_user_costs_at_most_the_pair_limit(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = app.csrf_token().await;
    let hasher = app.site.auth.hasher().clone();
    let before = hasher.verifications();
    let requests = (0..40).map(|_| app.send(login_request(&token, "alice", "wrong")));
    let statuses: Vec<StatusCode> = join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        hasher.verifications() - before,
        10,
        "10 per user and address"
    );
    assert_eq!(count(&statuses, StatusCode::OK), 10, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 30);
    let right = app.login("alice", "wonderland").await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_burst_from_one_address_is_held_to_the_address_limit_right_password_included(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = app.csrf_token().await;
    let hasher = app.site.auth.hasher().clone();
    let before = hasher.verifications();
    let mut requests: Vec<_> = (0..149)
        .map(|n| login_request(&token, &format!("user{n}"), "guess"))
        .collect();
    requests.push(login_request(&token, "alice", "wonderland"));
    let replies = join_all(requests.into_iter().map(|r| app.send(r))).await;
    let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
    assert!(
        hasher.verifications() - before <= 50,
        "{} verifications",
        hasher.verifications() - before
    );
    assert_eq!(count(&statuses, StatusCode::SEE_OTHER), 0, "{statuses:?}");
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "the right password past the limit is refused too"
    );
    assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
}

async fn basic_auth_with_many_usernames_stays_within_the_address_limit(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let hasher = app.site.auth.hasher().clone();
    let before = hasher.verifications();
    let body = json!({"content": "x"});
    let app = &app;
    let calls = (0..90).map(|n| {
        let name = format!("user{n}");
        let body = body.clone();
        async move {
            app.api("POST", "/api/message/", Some(body), Some((&name, "guess")))
                .await
        }
    });
    let replies = join_all(calls).await;
    let evaluated = hasher.verifications() - before;
    assert!(evaluated <= 50, "{evaluated} verifications");
    for reply in &replies {
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&reply.status),
            "{}",
            reply.status
        );
    }
    let throttled = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(throttled >= 40, "{throttled} throttled");
}

async fn case_space_and_width_variants_are_locked_out_with_the_user(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    for _ in 0..10 {
        assert_eq!(app.login("alice", "wrong").await.status, StatusCode::OK);
    }
    for variant in ["alice", "ALICE", "Alice", "alice ", " aLiCe", "ａｌｉｃｅ"] {
        let reply = app.login(variant, "wonderland").await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{variant:?} is the same user"
        );
    }
    let basic = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "x"})),
            Some(("ALICE", "wonderland")),
        )
        .await;
    assert_eq!(basic.status, StatusCode::TOO_MANY_REQUESTS);

    let mut other = crate::app::wrap(
        &app.service,
        app.site.clone(),
        TestDb::new(crate::support::Backend::Sqlite).await.unwrap(),
    );
    other.peer = "10.0.0.9:1".parse().unwrap();
    for variant in ["ALICE", "Alice ", "ａｌｉｃｅ"] {
        assert_eq!(
            other.login(variant, "wonderland").await.status,
            StatusCode::SEE_OTHER,
            "{variant:?} logs in as alice from another address"
        );
        other.logout().await;
    }
    assert_eq!(
        other.login("al\u{ef}ce", "wonderland").await.status,
        StatusCode::OK,
        "an accent variant is another name, even where the collation ignores accents"
    );
}

fn join(app_token: &str, username: &str) -> [(String, String); 4] {
    [
        ("csrf_token".into(), app_token.into()),
        ("username".into(), username.into()),
        ("email".into(), "x@example.com".into()),
        ("password".into(), "secret-pw".into()),
    ]
}

const LOOK_ALIKES: [&str; 5] = [
    "Admin",
    "\u{430}dmin",
    "adm\u{456}n",
    "admin\u{3164}",
    "ａｄｍｉｎ",
];

async fn look_alike_names_are_refused_at_sign_up(db: TestDb) {
    use example_site::models::user;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn(db).await;
    app.create_user("admin", "boss-password", true, true).await;
    for name in LOOK_ALIKES {
        let token = app.get("/join/").await.input("csrf_token").unwrap();
        let fields = join(&token, name);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = app.post_form("/join/", &fields).await;
        assert_eq!(reply.status, StatusCode::OK, "{name:?}");
        assert!(
            reply.body.contains("This username is already taken.") || reply.body.contains("Use "),
            "{name:?}: {}",
            reply.body
        );
        assert_eq!(
            user::Entity::find().count(&app.db.db).await.unwrap(),
            1,
            "{name:?} was refused"
        );
    }
    let token = app.get("/join/").await.input("csrf_token").unwrap();
    let fields = join(&token, "bob");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        app.post_form("/join/", &fields).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn look_alike_names_are_refused_in_the_admin(db: TestDb) {
    use example_site::models::user;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = crate::admin_app!(db);
    app.create_user("admin", "admin-password", false, true)
        .await;
    let token = app
        .get("/admin/user/add/")
        .await
        .input("csrf_token")
        .unwrap();
    for name in LOOK_ALIKES {
        let reply = app
            .post_form(
                "/admin/user/add/",
                &[
                    ("csrf_token", &token),
                    ("username", name),
                    ("password", "pw-pw-pw-pw"),
                    ("email", "b@example.com"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{name:?}");
        assert!(
            reply.body.contains("look-alike username already exists")
                || reply.body.contains("Use "),
            "{name:?}"
        );
        assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 2);
    }
    let id = app
        .create_user("carol", "carol-password", false, true)
        .await;
    let rename = app
        .post_form(
            &format!("/admin/user/{id}/"),
            &[
                ("csrf_token", &token),
                ("username", "Carol"),
                ("email", "c@example.com"),
            ],
        )
        .await;
    assert_eq!(
        rename.status,
        StatusCode::SEE_OTHER,
        "a user may keep a look-alike of their own name"
    );
}

async fn look_alike_names_are_refused_by_the_api(db: TestDb) {
    use example_site::models::user;
    use sea_orm::{EntityTrait, PaginatorTrait};
    const ROOT: Option<(&str, &str)> = Some(("admin", "boss-password"));
    let app = spawn(db).await;
    app.create_user("admin", "boss-password", true, true).await;
    let error_of = |reply: &crate::app::Reply| reply.json()["error"].as_str().unwrap().to_owned();
    for name in LOOK_ALIKES {
        let body = json!({"username": name, "password": "pw-pw-pw-pw", "email": "b@x"});
        let reply = app.api("POST", "/api/user/", Some(body), ROOT).await;
        // A look-alike is taken (409, as an identical name); refused characters are 400.
        let expected = if name == "Admin" {
            StatusCode::CONFLICT
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(reply.status, expected, "{name:?}: {}", reply.body);
        assert!(
            error_of(&reply).contains("`username`"),
            "{name:?}: {}",
            reply.body
        );
    }
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 1);
    let bob = app.create_user("bob", "bob-password", false, true).await;
    let bob_url = format!("/api/user/{bob}/");
    for (name, expected) in [
        ("ADMIN", StatusCode::CONFLICT),
        ("adm\u{456}n", StatusCode::BAD_REQUEST),
    ] {
        let body = json!({"username": name});
        let reply = app.api("PATCH", &bob_url, Some(body), ROOT).await;
        assert_eq!(reply.status, expected, "rename to {name:?}: {}", reply.body);
        assert!(error_of(&reply).contains("`username`"), "{}", reply.body);
    }
    let renamed = app
        .api("PATCH", &bob_url, Some(json!({"username": "Bob"})), ROOT)
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::OK,
        "a user may take a variant of their own name: {}",
        renamed.body
    );
    let unchanged = app
        .api("PATCH", &bob_url, Some(json!({"email": "bob@x"})), ROOT)
        .await;
    assert_eq!(unchanged.status, StatusCode::OK, "{}", unchanged.body);
    let names: Vec<String> = user::Entity::find()
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Bob".to_owned()), "{names:?}");
}

async fn sign_ups_are_throttled_per_address(db: TestDb) {
    let app = spawn(db).await;
    let mut last = None;
    for n in 0..11 {
        app.clear_cookies();
        let token = app.get("/join/").await.input("csrf_token").unwrap();
        let fields = join(&token, &format!("member{}", char::from(b'a' + n)));
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        last = Some(app.post_form("/join/", &fields).await);
        if n < 10 {
            assert_eq!(last.as_ref().unwrap().status, StatusCode::SEE_OTHER, "{n}");
        }
    }
    let refused = last.unwrap();
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(refused.body.contains("Too many sign-ups"));
}

crate::on_every_database!(example:
    a_burst_of_wrong_logins_for_one_user_costs_at_most_the_pair_limit,
    a_burst_from_one_address_is_held_to_the_address_limit_right_password_included,
    basic_auth_with_many_usernames_stays_within_the_address_limit,
    case_space_and_width_variants_are_locked_out_with_the_user,
    look_alike_names_are_refused_at_sign_up,
    look_alike_names_are_refused_in_the_admin,
    look_alike_names_are_refused_by_the_api,
    sign_ups_are_throttled_per_address,
);
