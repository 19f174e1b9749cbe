//! No server-side session for anonymous visitors: their CSRF token (and any flash message)
//! rides in the sealed session cookie; the token rotates at login and at logout.

use actix_sea::auth::{Level, SessionTable, flash, take_flashes};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use example_site::Site;
use example_site::models::message;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::app::{config, spawn, wrap};
use crate::support::TestDb;

async fn session_rows(db: &DatabaseConnection) -> u64 {
    SessionTable::find().count(db).await.unwrap()
}

async fn anonymous_pages_with_forms_store_no_session(db: TestDb) {
    let app = spawn(db).await;
    for path in ["/accounts/login/", "/join/", "/", "/public/", "/users/"] {
        for _ in 0..3 {
            app.clear_cookies();
            assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
        }
    }
    let login = app.get("/accounts/login/").await;
    assert!(login.input("csrf_token").is_some());
    assert!(
        login.header("set-cookie").is_some_and(|cookie| {
            cookie.starts_with("id=")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
        }),
        "the token rides in the session cookie"
    );
    let again = app.get("/join/").await;
    assert_eq!(
        again.input("csrf_token"),
        login.input("csrf_token"),
        "the cookie keeps the token"
    );
    assert!(again.header("set-cookie").is_none(), "and is not re-sent");
    assert_eq!(
        session_rows(&app.db.db).await,
        0,
        "no row for anonymous visitors"
    );
}

async fn the_csrf_token_rotates_at_login_and_logout(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let anonymous = app.csrf_token().await;
    let login = app
        .post_form(
            "/accounts/login/",
            &[
                ("csrf_token", &anonymous),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::SEE_OTHER,
        "login works with the cookie's token"
    );
    assert_eq!(
        session_rows(&app.db.db).await,
        1,
        "the logged-in session is stored"
    );

    let logged_in = app.get("/create/").await.input("csrf_token").unwrap();
    assert_ne!(logged_in, anonymous, "login rotates the token");
    let stale = app
        .post_form("/create/", &[("csrf_token", &anonymous), ("content", "hi")])
        .await;
    assert_eq!(
        stale.status,
        StatusCode::FORBIDDEN,
        "the pre-login token is refused"
    );
    let count = message::Entity::find().count(&app.db.db).await.unwrap();
    assert_eq!(count, 0, "nothing changed");

    let logout = app
        .post_form("/accounts/logout/", &[("csrf_token", &logged_in)])
        .await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app.db.db).await, 0);
    let after = app.csrf_token().await;
    assert_ne!(after, logged_in, "logout rotates the token");
    assert_ne!(after, anonymous);
    for old in [&logged_in, &anonymous] {
        let reply = app
            .post_form(
                "/accounts/login/",
                &[
                    ("csrf_token", old),
                    ("username", "alice"),
                    ("password", "wonderland"),
                ],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "an old token is refused"
        );
    }
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::FOUND,
        "still anonymous"
    );
    assert_eq!(session_rows(&app.db.db).await, 0);
}

async fn flash_messages_reach_anonymous_visitors_without_a_row(db: TestDb) {
    let site = Site::new(db.db.clone(), &config()).unwrap();
    let auth = site.auth.clone();
    let service = test::init_service(
        App::new()
            .wrap(auth.middleware())
            .service(auth.clone())
            .route(
                "/flash/",
                web::get().to(|session: Session| async move {
                    flash(&session, Level::Info, "Thanks for visiting.");
                    HttpResponse::Ok().finish()
                }),
            )
            .route(
                "/show/",
                web::get().to(|session: Session| async move {
                    let texts: Vec<String> =
                        take_flashes(&session).into_iter().map(|f| f.text).collect();
                    HttpResponse::Ok().body(texts.join("|"))
                }),
            ),
    )
    .await;
    let app = wrap(service, site, db);
    app.get("/flash/").await;
    assert_eq!(app.get("/show/").await.body, "Thanks for visiting.");
    assert_eq!(app.get("/show/").await.body, "", "shown once");
    assert_eq!(session_rows(&app.db.db).await, 0);
}

crate::on_every_database!(example:
    anonymous_pages_with_forms_store_no_session,
    the_csrf_token_rotates_at_login_and_logout,
    flash_messages_reach_anonymous_visitors_without_a_row,
);
