//! Session lifetimes, the session stores, and the guards, on apps with their own `Auth`.

use std::time::Duration;

use actix_sea::auth::{AdminUser, CurrentUser, admin_required, login_required};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use chrono::Utc;
use example_site::Site;

use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::app::{config, spawn, spawn_with, wrap};
use crate::support::{Backend, TestDb};

fn auth_builder(db: &TestDb) -> actix_sea::auth::AuthBuilder {
    example_site::auth::builder(db.db.clone(), &config())
}

async fn whoami(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().body(format!("user {}", user.username()))
}

async fn staff(admin: AdminUser) -> HttpResponse {
    HttpResponse::Ok().body(format!("admin {}", admin.0.username()))
}

async fn guards_redirect_anonymous_users_and_refuse_non_admins(db: TestDb) {
    let site = Site::with_auth(db.db.clone(), auth_builder(&db).build().unwrap()).unwrap();
    let auth = site.auth.clone();
    let service = test::init_service(
        App::new()
            .wrap(auth.middleware())
            .service(auth.clone())
            .service(
                web::scope("/members")
                    .wrap(from_fn(login_required))
                    .route("/", web::get().to(|| async { "members" })),
            )
            .service(
                web::scope("/staff")
                    .wrap(from_fn(admin_required))
                    .route("/", web::post().to(|| async { "staff" })),
            )
            .route("/whoami/", web::get().to(whoami))
            .route("/admin-only/", web::get().to(staff)),
    )
    .await;
    let app = wrap(service, site, db);
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("root", "toor", true, true).await;

    for path in ["/members/?a=1&b=%2F", "/whoami/", "/admin-only/"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{path}");
        let expected: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(
            reply.location(),
            format!("/accounts/login/?next={expected}")
        );
    }
    let anonymous_post = app.post_form("/staff/", &[]).await;
    assert_eq!(
        anonymous_post.status,
        StatusCode::FOUND,
        "an anonymous POST is sent to login"
    );

    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/members/").await.body, "members");
    assert_eq!(app.get("/whoami/").await.body, "user alice");
    assert_eq!(app.get("/admin-only/").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_form("/staff/", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    app.logout().await;

    app.login("root", "toor").await;
    assert_eq!(app.get("/admin-only/").await.body, "admin root");
    assert_eq!(app.post_form("/staff/", &[]).await.body, "staff");
}

async fn sessions_end_after_the_idle_timeout(db: TestDb) {
    let auth = auth_builder(&db)
        .idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let app = spawn_with(db, auth).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/private/").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
}

async fn sessions_end_after_the_absolute_timeout_even_when_used(db: TestDb) {
    // Session ages are whole seconds: 3 s allows the used period below, 4.2 s is past it.
    let auth = auth_builder(&db)
        .absolute_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let app = spawn_with(db, auth).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    for _ in 0..3 {
        assert_eq!(app.get("/private/").await.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(2700)).await;
    assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
}

async fn the_database_store_keeps_only_hashes_and_drops_expired_rows(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let stale = actix_sea::auth::SessionTable::insert(actix_sea::auth::SessionRow {
        key_hash: Set("stale".into()),
        state: Set("{}".into()),
        expires_at: Set(Utc::now().naive_utc() - chrono::Duration::hours(1)),
        user_id: Set(None),
    });
    stale.exec_without_returning(&app.db.db).await.unwrap();
    app.login("alice", "wonderland").await;
    let rows = actix_sea::auth::SessionTable::find()
        .all(&app.db.db)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|row| row.key_hash != "stale"),
        "expired rows are cleaned up"
    );
    let cookie = app.cookie("id").unwrap();
    assert!(
        rows.iter()
            .all(|row| !cookie.contains(&row.key_hash) && row.key_hash.len() == 64),
        "only digests are stored"
    );
    let live = actix_sea::auth::SessionTable::find()
        .count(&app.db.db)
        .await
        .unwrap();
    assert!(live >= 1);
}

#[actix_web::test]
async fn the_redis_store_logs_in_and_out() {
    let Ok(url) = std::env::var("ACTIX_SEA_TEST_REDIS_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: ACTIX_SEA_TEST_REDIS_URL is not set; the Redis session test is skipped"
        );
        return;
    };
    let db = TestDb::example(Backend::Sqlite).await.unwrap();
    let prefix = format!(
        "actix_sea_test_{}_{}:",
        std::process::id(),
        Utc::now().timestamp_micros()
    );
    let store = actix_sea::auth::RedisSessions::connect(&url)
        .await
        .expect("connect to Redis")
        .key_prefix(&prefix);
    let auth = auth_builder(&db).redis_sessions(store).build().unwrap();
    let app = spawn_with(db, auth).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/private/").await.status, StatusCode::OK);
    assert_eq!(
        actix_sea::auth::SessionTable::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        0,
        "nothing in the table"
    );
    let cookie = app.cookie("id").unwrap();
    app.logout().await;
    app.set_cookie("id", &cookie);
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::FOUND,
        "logout purged the Redis session"
    );

    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    for key in &keys {
        let _: () = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

crate::on_every_database!(example:
    guards_redirect_anonymous_users_and_refuse_non_admins,
    the_database_store_keeps_only_hashes_and_drops_expired_rows,
);

crate::on_every_database!(example:
    sessions_end_after_the_idle_timeout,
    sessions_end_after_the_absolute_timeout_even_when_used,
);
