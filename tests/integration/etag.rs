//! SPEC "Round 2 > Concurrent edits", the API side: rows carry `ETag`, a current
//! `If-None-Match` is a 304, a stale `If-Match` a 412 that changes nothing, a resource may
//! require `If-Match`, and of two writers holding the same token exactly one wins.

use std::time::Duration;

use actix_http::Request;
use actix_sea::rest::{RestApi, RestResource, UserAuthentication};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use example_site::models::message;
use sea_orm::{
    ConnectionTrait, Database, DbBackend, EntityTrait, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use serde_json::{Value as Json, json};

use crate::app::{Reply, TestApp, config, wrap};
use crate::rules::{create_gadgets, gadget};
use crate::support::TestDb;

const ALICE: (&str, &str) = ("alice", "wonderland");

struct Gadgets;

impl RestResource<gadget::Entity> for Gadgets {}

struct Strict;

impl RestResource<gadget::Entity> for Strict {
    fn require_if_match(&self) -> bool {
        true
    }
}

async fn gadget_app(
    db: TestDb,
    strict: bool,
) -> TestApp<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    create_gadgets(&db.db).await;
    let mut site = example_site::Site::new(db.db.clone(), &config()).unwrap();
    let api = RestApi::builder(&site.auth).default_auth(UserAuthentication::new(site.auth.clone()));
    site.api = if strict {
        api.register(gadget::Entity, Strict).build().unwrap()
    } else {
        api.register(gadget::Entity, Gadgets).build().unwrap()
    };
    let service = actix_web::test::init_service(example_site::app(site.clone())).await;
    let app = wrap(service, site, db);
    app.create_user(ALICE.0, ALICE.1, false, true).await;
    app
}

/// An API request as a client sends it: Basic auth, a JSON body when given, extra headers.
fn request(method: &str, path: &str, body: Option<Json>, headers: &[(&str, &str)]) -> TestRequest {
    use base64::Engine as _;
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", ALICE.0, ALICE.1));
    let mut request = TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header(("authorization", format!("Basic {credentials}")));
    if let Some(body) = body {
        request = request
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
    }
    for header in headers {
        request = request.append_header(*header);
    }
    request
}

fn etag(reply: &Reply) -> String {
    let tag = reply
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag on a {}: {}", reply.status, reply.body))
        .to_owned();
    let inner = tag.trim_matches('"');
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && inner.len() == 32,
        "a quoted token: {tag}"
    );
    assert!(inner.bytes().all(|b| b.is_ascii_hexdigit()), "{tag}");
    tag
}

async fn stored(db: &TestDb, id: i64) -> Option<gadget::Model> {
    gadget::Entity::find_by_id(id as i32)
        .one(&db.db)
        .await
        .unwrap()
}

async fn every_answer_about_a_row_carries_its_etag_and_a_current_one_is_a_304(db: TestDb) {
    let app = gadget_app(db, false).await;
    let made = app
        .send(request(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 3})),
            &[],
        ))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let created = etag(&made);
    let path = format!("/api/gadget/{}/", made.json()["id"]);

    let read = app.send(request("GET", &path, None, &[])).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        etag(&read),
        created,
        "the row as created is the row as read"
    );
    let again = app.send(request("GET", &path, None, &[])).await;
    assert_eq!(etag(&again), created, "reading does not change it");

    let fresh = app
        .send(request("GET", &path, None, &[("if-none-match", &created)]))
        .await;
    assert_eq!(fresh.status, StatusCode::NOT_MODIFIED);
    assert_eq!(fresh.body, "", "a 304 has no body");
    assert_eq!(etag(&fresh), created);
    let weak = format!("W/{created}");
    let listed = format!(r#""other", {weak}"#);
    for header in [weak.as_str(), listed.as_str(), "*"] {
        let fresh = app
            .send(request("GET", &path, None, &[("if-none-match", header)]))
            .await;
        assert_eq!(
            fresh.status,
            StatusCode::NOT_MODIFIED,
            "If-None-Match: {header}"
        );
    }

    let mut seen = vec![created.clone()];
    for (method, target, body) in [
        ("PATCH", path.clone(), json!({"weight": 4})),
        (
            "PUT",
            path.clone(),
            json!({"name": "lamp", "weight": 5, "label": "bright"}),
        ),
        ("POST", path.clone(), json!({"weight": 6})),
    ] {
        let written = app.send(request(method, &target, Some(body), &[])).await;
        assert_eq!(written.status, StatusCode::OK, "{method}: {}", written.body);
        let tag = etag(&written);
        assert!(!seen.contains(&tag), "{method} gives a new ETag");
        let read = app.send(request("GET", &target, None, &[])).await;
        assert_eq!(etag(&read), tag, "{method}'s ETag is the stored row's");
        seen.push(tag);
    }
    let stale = app
        .send(request("GET", &path, None, &[("if-none-match", &created)]))
        .await;
    assert_eq!(stale.status, StatusCode::OK, "the row changed since");
    assert_eq!(stale.json()["weight"], 6);
    let unchanged = app
        .send(request("PATCH", &path, Some(json!({})), &[]))
        .await;
    assert_eq!(etag(&unchanged), seen[3], "an empty change keeps the token");
}

async fn a_stale_if_match_is_a_412_and_changes_nothing(db: TestDb) {
    let app = gadget_app(db, false).await;
    let made = app
        .send(request(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 3})),
            &[],
        ))
        .await;
    let id = made.json()["id"].as_i64().unwrap();
    let path = format!("/api/gadget/{id}/");
    let old = etag(&made);
    let changed = app
        .send(request("PATCH", &path, Some(json!({"weight": 4})), &[]))
        .await;
    let current = etag(&changed);
    let before = stored(&app.db, id).await;

    let delete_path = format!("{path}delete/");
    for (method, target, body) in [
        ("PATCH", &path, Some(json!({"weight": 9}))),
        ("PUT", &path, Some(json!({"name": "lamp", "weight": 9}))),
        ("POST", &path, Some(json!({"weight": 9}))),
        ("DELETE", &path, None),
        ("POST", &delete_path, None),
    ] {
        let refused = app
            .send(request(method, target, body, &[("if-match", &old)]))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::PRECONDITION_FAILED,
            "{method} {target}"
        );
        assert_eq!(refused.json(), json!({"error": "Precondition failed"}));
        assert_eq!(
            stored(&app.db, id).await,
            before,
            "{method} changed nothing"
        );
    }
    let weak = format!("W/{current}");
    let refused = app
        .send(request(
            "PATCH",
            &path,
            Some(json!({"weight": 9})),
            &[("if-match", &weak)],
        ))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::PRECONDITION_FAILED,
        "If-Match compares strongly"
    );
    let malformed = app
        .send(request(
            "PATCH",
            &path,
            Some(json!({"weight": 9})),
            &[("if-match", "no quotes")],
        ))
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
    assert_eq!(stored(&app.db, id).await, before);

    let listed = format!(r#""0123", {current}"#);
    let patched = app
        .send(request(
            "PATCH",
            &path,
            Some(json!({"weight": 9})),
            &[("if-match", &listed)],
        ))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let current = etag(&patched);
    let any = app
        .send(request(
            "PUT",
            &path,
            Some(json!({"weight": 10})),
            &[("if-match", "*")],
        ))
        .await;
    assert_eq!(
        any.status,
        StatusCode::OK,
        "`*` matches a row that is there"
    );
    assert_ne!(etag(&any), current);
    let deleted = app
        .send(request("DELETE", &path, None, &[("if-match", &etag(&any))]))
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(stored(&app.db, id).await, None);
}

async fn if_match_fails_on_a_row_that_is_not_there(db: TestDb) {
    let app = gadget_app(db, false).await;
    for (method, path) in [
        ("PATCH", "/api/gadget/4242/"),
        ("PUT", "/api/gadget/4242/"),
        ("POST", "/api/gadget/4242/"),
        ("DELETE", "/api/gadget/4242/"),
        ("POST", "/api/gadget/4242/delete/"),
    ] {
        let body = (method != "DELETE" && !path.ends_with("delete/")).then(|| json!({"weight": 2}));
        let star = app
            .send(request(method, path, body.clone(), &[("if-match", "*")]))
            .await;
        assert_eq!(
            star.status,
            StatusCode::PRECONDITION_FAILED,
            "{method} {path}"
        );
        assert_eq!(star.json(), json!({"error": "Precondition failed"}));
        let plain = app.send(request(method, path, body, &[])).await;
        assert_eq!(
            plain.status,
            StatusCode::NOT_FOUND,
            "{method} {path} without If-Match"
        );
    }
    assert_eq!(
        gadget::Entity::find().all(&app.db.db).await.unwrap(),
        vec![]
    );
}

async fn a_resource_may_require_if_match(db: TestDb) {
    let app = gadget_app(db, true).await;
    let made = app
        .send(request(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 3})),
            &[],
        ))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "creates need no If-Match");
    let id = made.json()["id"].as_i64().unwrap();
    let path = format!("/api/gadget/{id}/");
    let delete_path = format!("{path}delete/");
    for (method, target, body) in [
        ("PATCH", &path, Some(json!({"weight": 9}))),
        ("PUT", &path, Some(json!({"weight": 9}))),
        ("POST", &path, Some(json!({"weight": 9}))),
        ("DELETE", &path, None),
        ("POST", &delete_path, None),
    ] {
        let refused = app.send(request(method, target, body, &[])).await;
        assert_eq!(
            refused.status,
            StatusCode::PRECONDITION_REQUIRED,
            "{method} {target}"
        );
        assert_eq!(refused.json(), json!({"error": "Precondition required"}));
    }
    assert_eq!(stored(&app.db, id).await.map(|g| g.weight), Some(3));
    let patched = app
        .send(request(
            "PATCH",
            &path,
            Some(json!({"weight": 9})),
            &[("if-match", &etag(&made))],
        ))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let document = app
        .send(request("GET", "/api/openapi.json", None, &[]))
        .await
        .json();
    let patch = &document["paths"]["/api/gadget/{pk}/"]["patch"];
    assert_eq!(patch["parameters"][0]["name"], "If-Match");
    assert_eq!(patch["parameters"][0]["required"], true);
    assert!(patch["responses"]["412"].is_object() && patch["responses"]["428"].is_object());
    let get = &document["paths"]["/api/gadget/{pk}/"]["get"];
    assert_eq!(get["parameters"][0]["name"], "If-None-Match");
    assert!(get["responses"]["304"].is_object());
    assert!(get["responses"]["200"]["headers"]["ETag"].is_object());
}

/// Two clients read the same token and write at once, round after round: exactly one write
/// goes through, the other gets 412, and the row holds the winner's value.
async fn of_two_writers_with_the_same_token_exactly_one_wins(db: TestDb) {
    let app = gadget_app(db, false).await;
    let made = app
        .send(request(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 1})),
            &[],
        ))
        .await;
    let id = made.json()["id"].as_i64().unwrap();
    let path = format!("/api/gadget/{id}/");
    for round in 0..8 {
        let token = etag(&app.send(request("GET", &path, None, &[])).await);
        let (a, b) = (2 * round + 10, 2 * round + 11);
        let write = |weight: i64| {
            app.send(request(
                "PATCH",
                &path,
                Some(json!({"weight": weight})),
                &[("if-match", &token)],
            ))
        };
        let (first, second) = tokio::join!(write(a), write(b));
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}: {} / {}",
            first.body,
            second.body
        );
        let winner = if first.status == StatusCode::OK { a } else { b };
        assert_eq!(
            stored(&app.db, id).await.map(|g| i64::from(g.weight)),
            Some(winner)
        );
    }
    let token = etag(&app.send(request("GET", &path, None, &[])).await);
    let delete = || app.send(request("DELETE", &path, None, &[("if-match", &token)]));
    let patch = app.send(request(
        "PATCH",
        &path,
        Some(json!({"weight": 99})),
        &[("if-match", &token)],
    ));
    let (first, second, third) = tokio::join!(delete(), patch, delete());
    let mut statuses = [first.status, second.status, third.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::PRECONDITION_FAILED,
            StatusCode::PRECONDITION_FAILED
        ]
    );
}

/// A writer that changed the row and has not committed yet holds the API's write back; once
/// it commits, the API finds the new row and refuses the stale token.
async fn a_write_waits_for_a_pending_one_and_then_sees_it(db: TestDb) {
    let app = gadget_app(db, false).await;
    let made = app
        .send(request(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 1})),
            &[],
        ))
        .await;
    let id = made.json()["id"].as_i64().unwrap();
    let token = etag(&made);
    let other = Database::connect(app.db.url.as_str()).await.unwrap();
    let txn = other
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .unwrap();
    let backend = txn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "UPDATE gadget SET weight = 77 WHERE id = $1",
        _ => "UPDATE gadget SET weight = 77 WHERE id = ?",
    };
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [(id as i32).into()],
    ))
    .await
    .unwrap();
    let path = format!("/api/gadget/{id}/");
    let stale = app.send(request(
        "PATCH",
        &path,
        Some(json!({"weight": 5})),
        &[("if-match", &token)],
    ));
    let commit = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        txn.commit().await.unwrap();
    };
    let (reply, ()) = tokio::join!(stale, commit);
    assert_eq!(
        reply.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        reply.body
    );
    assert_eq!(stored(&app.db, id).await.map(|g| g.weight), Some(77));
    other.close().await.ok();
}

/// The example's resources carry ETags too.
async fn the_example_api_carries_etags(db: TestDb) {
    let app = crate::app::spawn(db).await;
    app.create_user(ALICE.0, ALICE.1, false, true).await;
    let made = app
        .send(request(
            "POST",
            "/api/message/",
            Some(json!({"content": "hi"})),
            &[],
        ))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["id"].as_i64().unwrap();
    let read = app
        .send(request("GET", &format!("/api/message/{id}/"), None, &[]))
        .await;
    assert_eq!(etag(&read), etag(&made));
    assert!(
        message::Entity::find_by_id(id as i32)
            .one(&app.db.db)
            .await
            .unwrap()
            .is_some()
    );
}

crate::on_every_database!(example:
    every_answer_about_a_row_carries_its_etag_and_a_current_one_is_a_304,
    a_stale_if_match_is_a_412_and_changes_nothing,
    if_match_fails_on_a_row_that_is_not_there,
    a_resource_may_require_if_match,
    of_two_writers_with_the_same_token_exactly_one_wins,
    a_write_waits_for_a_pending_one_and_then_sees_it,
);

crate::on_every_database!(example: the_example_api_carries_etags);
