//! API keys, bearer tokens and throttled basic auth.

use actix_sea::rest::{ApiKeyAuthentication, BearerAuthentication, RestApi};
use actix_web::http::StatusCode;
use actix_web::{App, test};
use example_site::api::MessageResource;
use example_site::models::{message, user};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;

use crate::app::{spawn, wrap};
use crate::support::TestDb;

fn post(path: &str) -> test::TestRequest {
    let body = json!({"content": "token post", "pub_date": "2024-01-01T00:00:00"});
    test::TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
}

async fn bearer_tokens_and_api_keys_authenticate_active_users(db: TestDb) {
    let site = example_site::Site::new(db.db.clone(), &crate::app::config()).unwrap();
    let auth = site.auth.clone();
    let bearer = RestApi::builder(&auth)
        .prefix("/bearer")
        .register_with_auth(
            message::Entity,
            MessageResource,
            BearerAuthentication::new(auth.clone()),
        )
        .build()
        .unwrap();
    let keys = RestApi::builder(&auth)
        .prefix("/keys")
        .register_with_auth(
            message::Entity,
            MessageResource,
            ApiKeyAuthentication::new(auth.clone()),
        )
        .build()
        .unwrap();
    let service = test::init_service(
        App::new()
            .wrap(auth.middleware())
            .service(bearer)
            .service(keys),
    )
    .await;
    let app = wrap(service, site, db);
    let alice = app.create_user("alice", "wonderland", false, true).await;

    let token = BearerAuthentication::issue(&auth, i64::from(alice), None)
        .await
        .unwrap();
    let reply = app
        .send(post("/bearer/message/").insert_header(("authorization", format!("Bearer {token}"))))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // The scheme's name is case-insensitive.
    let lower = app
        .send(post("/bearer/message/").insert_header(("authorization", format!("bearer {token}"))))
        .await;
    assert_eq!(lower.status, StatusCode::CREATED, "{}", lower.body);
    assert_eq!(
        reply.json()["user"],
        alice,
        "no user resource here, so the id"
    );
    let stored = actix_sea::rest::ApiTokenTable::find()
        .all(&app.db.db)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|row| row.token_hash != token),
        "tokens are stored as digests"
    );
    for header in ["Bearer nope".to_owned(), format!("Bearer {token}x")] {
        assert_eq!(
            app.send(post("/bearer/message/").insert_header(("authorization", header)))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.send(post("/bearer/message/")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let expired =
        BearerAuthentication::issue(&auth, i64::from(alice), Some(std::time::Duration::ZERO))
            .await
            .unwrap();
    let reply = app
        .send(
            post("/bearer/message/").insert_header(("authorization", format!("Bearer {expired}"))),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "expired tokens fail"
    );

    let (key, secret) = ApiKeyAuthentication::issue(&auth, i64::from(alice))
        .await
        .unwrap();
    let with_key = |secret: &str| {
        post("/keys/message/")
            .insert_header(("x-api-key", key.clone()))
            .insert_header(("x-api-secret", secret.to_owned()))
    };
    assert_eq!(
        app.send(with_key(&secret)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.send(with_key("wrong")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(post("/keys/message/").insert_header(("x-api-key", key.clone())))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    user::Entity::update(user::ActiveModel {
        id: Set(alice),
        active: Set(false),
        ..Default::default()
    })
    .exec(&app.db.db)
    .await
    .unwrap();
    assert_eq!(
        app.send(with_key(&secret)).await.status,
        StatusCode::UNAUTHORIZED,
        "inactive users' keys stop working"
    );
    let reply = app
        .send(post("/bearer/message/").insert_header(("authorization", format!("Bearer {token}"))))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "inactive users' tokens stop working"
    );
}

async fn failed_basic_auth_is_throttled_like_logins(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let body = json!({"content": "x", "pub_date": "2024-01-01T00:00:00"});
    for _ in 0..10 {
        let reply = app
            .api(
                "POST",
                "/api/message/",
                Some(body.clone()),
                Some(("alice", "guess")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .api(
            "POST",
            "/api/message/",
            Some(body),
            Some(("alice", "wonderland")),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.header("retry-after").is_some());
    assert!(blocked.json()["error"].is_string());
}

crate::on_every_database!(example:
    bearer_tokens_and_api_keys_authenticate_active_users,
    failed_basic_auth_is_throttled_like_logins,
);
