//! Sessions that stay dead: a request that loaded its session before logout (or expiry) and
//! finishes after it gets no logged-in cookie back; a stalled request body is cut off.

use std::collections::HashMap;
use std::time::Duration;

use actix_http::Request;
use actix_http::error::PayloadError;
use actix_sea::auth::{DbSessionStore, SessionBackend, SessionTable};
use actix_session::storage::{SessionKey, SessionStore};
use actix_web::body::MessageBody;
use actix_web::cookie::time::Duration as Ttl;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::web::Bytes;
use example_site::models::message;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use tokio::sync::{mpsc, oneshot};

use crate::app::{TestApp, config, spawn_with};
use crate::support::{Backend, TestDb};

fn logged_in_state() -> HashMap<String, String> {
    HashMap::from([("_auth_user_id".to_owned(), "7".to_owned())])
}

fn same(key: &SessionKey) -> SessionKey {
    SessionKey::try_from(key.as_ref().to_owned()).unwrap()
}

/// What a request does with a store: load, (logout meanwhile), update. The update must not
/// bring the session back under any key.
async fn an_update_after_the_end_writes_nothing(store: &impl SessionStore) {
    let hour = Ttl::hours(1);
    let key = store.save(logged_in_state(), &hour).await.unwrap();
    let loaded = store
        .load(&key)
        .await
        .unwrap()
        .expect("the session is live");
    store.delete(&key).await.unwrap();
    let returned = store.update(same(&key), loaded, &hour).await.unwrap();
    assert_eq!(returned.as_ref(), key.as_ref(), "no new key is handed out");
    assert!(
        store.load(&returned).await.unwrap().is_none(),
        "the session stays ended"
    );
}

/// The same after the session's expiry (Redis expires keys by itself: that is a deletion).
async fn an_update_after_expiry_writes_nothing(store: &impl SessionStore) {
    let hour = Ttl::hours(1);
    let expired = store
        .save(logged_in_state(), &Ttl::seconds(0))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let returned = store
        .update(same(&expired), logged_in_state(), &hour)
        .await
        .unwrap();
    assert!(
        store.load(&returned).await.unwrap().is_none(),
        "an expired session stays expired"
    );
}

async fn session_rows(db: &DatabaseConnection) -> u64 {
    SessionTable::find().count(db).await.unwrap()
}

async fn the_database_store_never_revives_an_ended_session(db: TestDb) {
    let store = DbSessionStore::new(db.db.clone());
    an_update_after_the_end_writes_nothing(&store).await;
    an_update_after_expiry_writes_nothing(&store).await;
    let backend = SessionBackend::Database(store);
    an_update_after_the_end_writes_nothing(&backend).await;
    an_update_after_expiry_writes_nothing(&backend).await;
    assert_eq!(
        session_rows(&db.db).await,
        1,
        "only the expired row is left"
    );
}

/// A request whose body arrives through `chunks`, and a signal sent when the app first reads
/// the body (by then the session has been loaded).
fn streamed_request(
    request: test::TestRequest,
) -> (Request, mpsc::UnboundedSender<Bytes>, oneshot::Receiver<()>) {
    let (chunks, rx) = mpsc::unbounded_channel::<Bytes>();
    let (reading, read) = oneshot::channel();
    let stream =
        futures_util::stream::unfold((rx, Some(reading)), |(mut rx, mut reading)| async move {
            if let Some(reading) = reading.take() {
                let _ = reading.send(());
            }
            let chunk = rx.recv().await?;
            Some((Ok::<_, PayloadError>(chunk), (rx, reading)))
        });
    let stream: actix_http::BoxedPayloadStream = Box::pin(stream);
    let (request, _) = request
        .to_request()
        .replace_payload(actix_http::Payload::from(stream));
    (request, chunks, read)
}

fn posted_form(app_cookie: &str, token: &str, path: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(path)
        .peer_addr("10.0.0.1:40000".parse().unwrap())
        .insert_header(("cookie", format!("id={app_cookie}")))
        .insert_header(("x-csrf-token", token.to_owned()))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
}

/// Logs alice in, starts a post whose body is still on its way, logs out, then lets the body
/// arrive: the post's response must not log anyone back in.
async fn logout_wins_over_a_request_in_flight<S, B>(app: &TestApp<S>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let cookie = app.cookie("id").expect("logged in");
    let token = app.get("/create/").await.input("csrf_token").unwrap();
    let (request, chunks, read) = streamed_request(posted_form(&cookie, &token, "/create/"));
    let in_flight = test::call_service(&app.service, request);
    let logout_then_finish = async {
        read.await.unwrap();
        assert_eq!(app.logout().await.status, StatusCode::SEE_OTHER);
        chunks
            .send(Bytes::from_static(b"content=sent+late"))
            .unwrap();
        drop(chunks);
    };
    let (response, ()) = futures_util::future::join(in_flight, logout_then_finish).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the post was served"
    );
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().all(|cookie| !cookie.starts_with("id=")),
        "no session cookie comes back: {cookies:?}"
    );
    app.set_cookie("id", &cookie);
    assert_eq!(
        app.get("/private/").await.status,
        StatusCode::FOUND,
        "the old cookie stays logged out"
    );
}

async fn an_in_flight_request_does_not_undo_logout(db: TestDb) {
    let app = crate::app::spawn(db).await;
    logout_wins_over_a_request_in_flight(&app).await;
    assert_eq!(session_rows(&app.db.db).await, 0, "no session was revived");
}

fn redis_url() -> Option<String> {
    let url = std::env::var("ACTIX_SEA_TEST_REDIS_URL").ok();
    if url.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: ACTIX_SEA_TEST_REDIS_URL is not set; a Redis session test is skipped"
        );
    }
    url
}

async fn redis_backend(url: &str) -> SessionBackend {
    let prefix = format!(
        "actix_sea_dead_{}_{}:",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let store = actix_sea::auth::RedisSessions::connect(url)
        .await
        .expect("connect to Redis")
        .key_prefix(&prefix);
    SessionBackend::Redis(store)
}

#[actix_web::test]
async fn the_redis_store_never_revives_an_ended_session() {
    let Some(url) = redis_url() else { return };
    an_update_after_the_end_writes_nothing(&redis_backend(&url).await).await;
}

#[actix_web::test]
async fn an_in_flight_request_does_not_undo_logout_on_redis() {
    let Some(url) = redis_url() else { return };
    let SessionBackend::Redis(store) = redis_backend(&url).await else {
        unreachable!()
    };
    let db = TestDb::example(Backend::Sqlite).await.unwrap();
    let auth = example_site::auth::builder(db.db.clone(), &config())
        .redis_sessions(store)
        .build()
        .unwrap();
    logout_wins_over_a_request_in_flight(&spawn_with(db, auth).await).await;
}

async fn a_stalled_body_is_cut_off(db: TestDb) {
    let auth = example_site::auth::builder(db.db.clone(), &config())
        .body_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let app = spawn_with(db, auth).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let cookie = app.cookie("id").unwrap();
    let token = app.get("/create/").await.input("csrf_token").unwrap();

    // A post whose body starts and then stalls, read by the handler.
    let (request, chunks, _) = streamed_request(posted_form(&cookie, &token, "/create/"));
    chunks.send(Bytes::from_static(b"content=half")).unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        test::call_service(&app.service, request),
    )
    .await
    .expect("the request ends");
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);

    // A login form whose body stalls, read by the CSRF check.
    let login = test::TestRequest::post()
        .uri("/accounts/login/")
        .insert_header(("content-type", "application/x-www-form-urlencoded"));
    let (request, chunks, _) = streamed_request(login);
    chunks.send(Bytes::from_static(b"username=alice&")).unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        test::call_service(&app.service, request),
    )
    .await
    .expect("the request ends");
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    drop(chunks);

    let stored = message::Entity::find().count(&app.db.db).await.unwrap();
    assert_eq!(stored, 0, "nothing was stored from a cut-off body");
}

crate::on_every_database!(example:
    the_database_store_never_revives_an_ended_session,
    an_in_flight_request_does_not_undo_logout,
    a_stalled_body_is_cut_off,
);
