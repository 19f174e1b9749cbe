//! SPEC "REST API" through the example site's resources.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use example_site::models::{message, note, relationship, user};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::app::{TestApp, config, spawn, wrap};
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const BOB: Option<(&str, &str)> = Some(("bob", "builder"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

async fn people<S, B>(app: &TestApp<S>) -> (i32, i32, i32)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    let root = app.create_user("root", "toor", true, true).await;
    (alice, bob, root)
}

async fn messages(db: &TestDb, author: i32, count: u32) {
    for n in 0..count {
        let when = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, n % 60, 0)
            .unwrap();
        message::Entity::insert(message::ActiveModel {
            user: Set(author),
            content: Set(format!("message {n}")),
            pub_date: Set(when),
            ..Default::default()
        })
        .exec(&db.db)
        .await
        .unwrap();
    }
}

async fn lists_use_flask_peewees_envelope_and_paging(db: TestDb) {
    let app = spawn(db).await;
    let empty = app.api("GET", "/api/message/", None, None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(
        empty.json(),
        json!({"meta": {"model": "message", "page": 1, "page_count": 0, "object_count": 0, "previous": "", "next": ""}, "objects": []})
    );
    assert_eq!(empty.header("x-content-type-options"), Some("nosniff"));
    let (alice, _, _) = people(&app).await;
    messages(&app.db, alice, 25).await;

    let first = app.api("GET", "/api/message/", None, None).await.json();
    assert_eq!(
        first["meta"],
        json!({"model": "message", "page": 1, "page_count": 2, "object_count": 25, "previous": "", "next": "/api/message/?page=2"})
    );
    assert_eq!(first["objects"].as_array().unwrap().len(), 20);
    assert_eq!(first["objects"][0]["id"], 1, "primary key order by default");
    assert_eq!(first["objects"][0]["pub_date"], "2024-01-01T00:00:00");
    assert_eq!(
        first["objects"][0]["user"]["username"], "alice",
        "user is nested"
    );
    assert!(
        first["objects"][0]["user"].get("password").is_none(),
        "nested objects use the user resource's exclude"
    );

    let second = app
        .api("GET", "/api/message/?page=2", None, None)
        .await
        .json();
    assert_eq!(second["meta"]["previous"], "/api/message/?page=1");
    assert_eq!(second["meta"]["next"], "");
    assert_eq!(second["objects"].as_array().unwrap().len(), 5);

    let kept = app
        .api(
            "GET",
            "/api/message/?user=1&limit=5&ordering=-id&page=2",
            None,
            None,
        )
        .await
        .json();
    assert_eq!(
        kept["meta"]["next"],
        "/api/message/?user=1&limit=5&ordering=-id&page=3"
    );
    assert_eq!(
        kept["meta"]["previous"],
        "/api/message/?user=1&limit=5&ordering=-id&page=1"
    );
    assert_eq!(kept["objects"][0]["id"], 20);

    for (query, page, size) in [
        ("page=-1", 1, 20),
        ("page=abc", 1, 20),
        ("limit=100000", 1, 25),
        ("limit=0", 1, 20),
        ("limit=-3", 1, 20),
        ("page=99", 99, 0),
    ] {
        let reply = app
            .api("GET", &format!("/api/message/?{query}"), None, None)
            .await
            .json();
        assert_eq!(reply["meta"]["page"], page, "{query}");
        assert_eq!(reply["objects"].as_array().unwrap().len(), size, "{query}");
        assert_eq!(reply["meta"]["object_count"], 25, "{query}");
    }
}

async fn nested_lists_cost_the_same_number_of_queries_at_any_page_size(db: TestDb) {
    let mut connection = db.db.clone();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&statements);
    connection.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let site = example_site::Site::new(connection, &config()).unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    let (alice, bob, root) = people(&app).await;
    messages(&app.db, alice, 30).await;
    messages(&app.db, bob, 30).await;
    messages(&app.db, root, 30).await;
    // The first list of a table also looks, once per process, whether SQLite keeps its count
    // (`db::RowCount`).
    app.api("GET", "/api/message/", None, None).await;
    let mut counts = Vec::new();
    for limit in [1, 10, 90] {
        statements.store(0, Ordering::SeqCst);
        let reply = app
            .api(
                "GET",
                &format!("/api/message/?limit={limit}&ordering=-pub_date"),
                None,
                None,
            )
            .await;
        assert_eq!(reply.json()["objects"].as_array().unwrap().len(), limit);
        counts.push(statements.load(Ordering::SeqCst));
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert_eq!(counts[1], counts[2], "{counts:?}");
    assert_eq!(
        counts[0], 1,
        "rows, users and count come in one statement: {counts:?}"
    );
    for limit in [1, 10, 40] {
        statements.store(0, Ordering::SeqCst);
        let path = format!("/api/message/?limit={limit}&page=2");
        let reply = app.api("GET", &path, None, None).await.json();
        assert_eq!(reply["objects"].as_array().unwrap().len(), limit);
        let objects = reply["objects"].as_array().unwrap();
        assert!(objects.iter().all(|o| o["user"]["username"].is_string()));
        assert_eq!(statements.load(Ordering::SeqCst), 1, "{path}");
    }
    statements.store(0, Ordering::SeqCst);
    let detail = app.api("GET", "/api/message/1/", None, None).await.json();
    assert_eq!(detail["user"]["username"], "alice");
    assert_eq!(
        statements.load(Ordering::SeqCst),
        1,
        "a detail with its user"
    );
}

async fn filters_and_ordering_follow_the_grammar_and_hide_secrets(db: TestDb) {
    let app = spawn(db).await;
    let (alice, bob, _) = people(&app).await;
    messages(&app.db, alice, 3).await;
    messages(&app.db, bob, 2).await;
    let ids = |reply: &crate::app::Reply| {
        reply.json()["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&app
            .api("GET", &format!("/api/message/?user={bob}"), None, None)
            .await),
        vec![4, 5]
    );
    assert_eq!(
        ids(&app
            .api(
                "GET",
                "/api/message/?user__username=alice&ordering=-id",
                None,
                None
            )
            .await),
        vec![3, 2, 1]
    );
    assert_eq!(
        ids(&app
            .api("GET", "/api/message/?content__contains=%25", None, None)
            .await),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app
            .api("GET", "/api/message/?content=x%27%20OR%201=1--", None, None)
            .await),
        Vec::<i64>::new()
    );
    for (query, named) in [
        ("user__password__startswith=%24argon2", "user__password"),
        ("user__email=alice%40example.com", "user__email"),
        ("ordering=user__password", "user__password"),
        ("nope=1", "nope"),
        ("content__like=x", "like"),
        ("user=abc", "user"),
        ("pub_date__gt=yesterday", "pub_date"),
        ("ordering=nope", "nope"),
    ] {
        let reply = app
            .api("GET", &format!("/api/message/?{query}"), None, None)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            reply.json()["error"].as_str().unwrap().contains(named),
            "{query}: {}",
            reply.body
        );
    }
    let users = app
        .api("GET", "/api/user/?password__startswith=%24", None, None)
        .await;
    assert_eq!(users.status, StatusCode::BAD_REQUEST);
    let listed = app.api("GET", "/api/user/", None, None).await.json();
    for user in listed["objects"].as_array().unwrap() {
        assert!(
            user.get("password").is_none() && user.get("email").is_none(),
            "{user}"
        );
    }
}

async fn details_and_missing_rows(db: TestDb) {
    let app = spawn(db).await;
    let (alice, _, _) = people(&app).await;
    messages(&app.db, alice, 1).await;
    let detail = app.api("GET", "/api/message/1/", None, None).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.json()["content"], "message 0");
    for path in [
        "/api/message/2/",
        "/api/message/abc/",
        "/api/message/99999999999999999999/",
        "/api/message/-1/",
        "/api/nosuchmodel/",
        "/api/nosuchmodel/1/",
        "/api/message/1/extra/",
    ] {
        let reply = app.api("GET", path, None, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.json(), json!({"error": "Not found"}), "{path}");
    }
    let wrong_method = app.api("PATCH", "/api/message/", None, ALICE).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.json()["error"].is_string());
    // A 405 names what the URL serves (RFC 9110).
    assert_eq!(wrong_method.header("allow"), Some("GET, HEAD, POST"));
    let member = app.api("OPTIONS", "/api/message/1/", None, None).await;
    assert_eq!(member.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        member.header("allow"),
        Some("GET, HEAD, PUT, PATCH, POST, DELETE")
    );
    let delete = app.api("GET", "/api/message/1/delete/", None, None).await;
    assert_eq!(delete.header("allow"), Some("POST, DELETE"));
    let unknown = app.api("PATCH", "/api/nosuchmodel/", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn creates_stamp_the_owner_whatever_the_body_says(db: TestDb) {
    let app = spawn(db).await;
    let (alice, bob, _) = people(&app).await;
    let body =
        json!({"content": "hello", "pub_date": "2024-03-01T12:00:00", "user": bob, "id": 77});
    let created = app.api("POST", "/api/message/", Some(body), ALICE).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let object = created.json();
    assert_eq!(object["user"]["id"], alice);
    assert_eq!(object["content"], "hello");
    assert_ne!(object["id"], 77, "the primary key is not writable");
    // A blank message is refused here as on the site's own page (the entity's rule).
    for blank in ["", "  \n "] {
        let reply = app
            .api(
                "POST",
                "/api/message/",
                Some(json!({"content": blank})),
                ALICE,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains("content"), "{}", reply.body);
    }
    let nested = json!({"content": "x", "pub_date": "2024-03-01T12:00:00", "user": {"id": bob, "username": "bob"}});
    assert_eq!(
        app.api("POST", "/api/message/", Some(nested), ALICE)
            .await
            .json()["user"]["id"],
        alice
    );
    let evil = json!({"content": "x", "pub_date": "2024-03-01T12:00:00", "user": {"username": "evil", "password": "x", "admin": true}});
    let reply = app.api("POST", "/api/message/", Some(evil), ALICE).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "the owner field ignores whatever the body says"
    );
    assert_eq!(
        user::Entity::find().count(&app.db.db).await.unwrap(),
        3,
        "no user row created through a nested object"
    );
    let user_id = json!({"content": "x", "pub_date": "2024-03-01T12:00:00", "user_id": bob});
    assert_eq!(
        app.api("POST", "/api/message/", Some(user_id), ALICE)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

async fn bad_bodies_get_clear_json_errors(db: TestDb) {
    let app = spawn(db).await;
    people(&app).await;
    let cases = [
        (
            json!({"content": 5, "pub_date": "2024-03-01T12:00:00"}),
            "content",
        ),
        (json!({"content": "x", "pub_date": "soon"}), "pub_date"),
        (json!({"content": "x", "pub_date": 1700000000}), "pub_date"),
        (
            json!({"content": "nul\u{0}byte", "pub_date": "2024-03-01T12:00:00"}),
            "content",
        ),
        (
            json!({"content": null, "pub_date": "2024-03-01T12:00:00"}),
            "content",
        ),
        (json!({"pub_date": "2024-03-01T12:00:00"}), "content"),
        (
            json!({"content": "x", "pub_date": "2024-03-01T12:00:00", "color": "red"}),
            "color",
        ),
        (json!([1, 2]), "object"),
        (json!("text"), "object"),
    ];
    for (body, named) in cases {
        let reply = app
            .api("POST", "/api/message/", Some(body.clone()), ALICE)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            reply.json()["error"].as_str().unwrap().contains(named),
            "{body}: {}",
            reply.body
        );
    }
    let malformed = actix_web::test::TestRequest::post()
        .uri("/api/message/")
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"content\": ");
    let malformed = authorized(malformed, "alice", "wonderland");
    assert_eq!(app.send(malformed).await.status, StatusCode::BAD_REQUEST);
    let form = actix_web::test::TestRequest::post()
        .uri("/api/message/")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload("content=x");
    let reply = app.send(authorized(form, "alice", "wonderland")).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(reply.json()["error"].is_string());
    let huge = json!({"content": "x".repeat(2 * 1024 * 1024), "pub_date": "2024-03-01T12:00:00"});
    assert_eq!(
        app.api("POST", "/api/message/", Some(huge), ALICE)
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        message::Entity::find().count(&app.db.db).await.unwrap(),
        0,
        "nothing was written"
    );

    let missing_fk = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": 999})),
            ALICE,
        )
        .await;
    assert_eq!(
        missing_fk.status,
        StatusCode::BAD_REQUEST,
        "{}",
        missing_fk.body
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": 2})),
            ALICE
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let duplicate = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": 2})),
            ALICE,
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.body);
}

fn authorized(
    request: actix_web::test::TestRequest,
    username: &str,
    password: &str,
) -> actix_web::test::TestRequest {
    use base64::Engine as _;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    request.insert_header(("authorization", format!("Basic {encoded}")))
}

async fn writes_need_valid_basic_credentials_never_the_session(db: TestDb) {
    let app = spawn(db).await;
    people(&app).await;
    app.create_user("sleepy", "dormouse", false, false).await;
    let body = json!({"content": "x", "pub_date": "2024-03-01T12:00:00"});
    for user in [
        None,
        Some(("alice", "wrong")),
        Some(("nobody", "x")),
        Some(("sleepy", "dormouse")),
    ] {
        let reply = app
            .api("POST", "/api/message/", Some(body.clone()), user)
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{user:?}");
        assert_eq!(reply.json(), json!({"error": "Authentication failed"}));
        assert!(
            reply
                .header("www-authenticate")
                .unwrap()
                .starts_with("Basic realm=")
        );
    }
    for header in ["Basic !!!", "Basic", "Basic bm9jb2xvbg=="] {
        let request = actix_web::test::TestRequest::post()
            .uri("/api/message/")
            .insert_header(("authorization", header))
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        assert_eq!(
            app.send(request).await.status,
            StatusCode::UNAUTHORIZED,
            "{header}"
        );
    }
    app.login("alice", "wonderland").await;
    let with_cookie = app
        .api("POST", "/api/message/", Some(body.clone()), None)
        .await;
    assert_eq!(
        with_cookie.status,
        StatusCode::UNAUTHORIZED,
        "the session cookie is not an API credential"
    );
    assert_eq!(message::Entity::find().count(&app.db.db).await.unwrap(), 0);
}

async fn only_owners_change_or_delete_and_updates_are_partial(db: TestDb) {
    let app = spawn(db).await;
    people(&app).await;
    let body = json!({"content": "original", "pub_date": "2024-03-01T12:00:00"});
    let id = app
        .api("POST", "/api/message/", Some(body), ALICE)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/message/{id}/");
    for method in ["PUT", "PATCH", "POST", "DELETE"] {
        let reply = app
            .api(method, &path, Some(json!({"content": "hijacked"})), BOB)
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method}");
        assert_eq!(reply.json(), json!({"error": "Forbidden"}));
    }
    assert_eq!(
        app.api("POST", &format!("{path}delete/"), None, BOB)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let patched = app
        .api(
            "PATCH",
            &path,
            Some(json!({"content": "edited", "user": 2})),
            ALICE,
        )
        .await
        .json();
    assert_eq!(patched["content"], "edited");
    assert_eq!(
        patched["pub_date"], "2024-03-01T12:00:00",
        "unsent keys keep their values"
    );
    assert_eq!(patched["user"]["id"], 1, "the owner cannot be changed");
    let fetched = app.api("GET", &path, None, None).await.json();
    let put = app.api("PUT", &path, Some(fetched.clone()), ALICE).await;
    assert_eq!(
        put.status,
        StatusCode::OK,
        "a GET body can be PUT back: {}",
        put.body
    );
    assert_eq!(put.json(), fetched);
    let posted = app
        .api(
            "POST",
            &path,
            Some(json!({"pub_date": "2024-04-01T00:00:00"})),
            ALICE,
        )
        .await
        .json();
    assert_eq!(posted["content"], "edited");
    assert_eq!(posted["pub_date"], "2024-04-01T00:00:00");
    let deleted = app.api("DELETE", &path, None, ALICE).await;
    assert_eq!(deleted.json(), json!({"deleted": 1}));
    assert_eq!(
        app.api("GET", &path, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let second = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "x", "pub_date": "2024-03-01T12:00:00"})),
            ALICE,
        )
        .await
        .json();
    let reply = app
        .api(
            "POST",
            &format!("/api/message/{}/delete/", second["id"]),
            None,
            ALICE,
        )
        .await;
    assert_eq!(reply.json(), json!({"deleted": 1}));
}

async fn the_user_resource_is_admin_only_for_writes_and_hashes_passwords(db: TestDb) {
    let app = spawn(db).await;
    people(&app).await;
    let body = json!({"username": "carol", "password": "secret-words", "email": "carol@example.com", "admin": true, "active": false});
    let plain = app
        .api("POST", "/api/user/", Some(body.clone()), ALICE)
        .await;
    assert_eq!(plain.status, StatusCode::FORBIDDEN);
    let created = app.api("POST", "/api/user/", Some(body), ROOT).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let object = created.json();
    assert!(object.get("password").is_none() && object.get("email").is_none());
    assert_eq!(object["admin"], false, "admin is read-only");
    assert_eq!(object["active"], true, "active is read-only");
    let stored = user::Entity::find_by_id(object["id"].as_i64().unwrap() as i32)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.password.starts_with("$argon2id$"),
        "stored hashed, never as sent"
    );
    assert_eq!(
        stored.email, "carol@example.com",
        "write-only fields are written"
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/message/",
            None,
            Some(("carol", "secret-words"))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hi", "pub_date": "2024-01-01T00:00:00"})),
            Some(("carol", "secret-words"))
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let taken = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "carol", "password": "x-x-x-x-x", "email": ""})),
            ROOT,
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
}

async fn notes_show_only_live_ones_and_relationships_are_not_paged(db: TestDb) {
    let app = spawn(db).await;
    let (alice, bob, root) = people(&app).await;
    for status in [Some(1), Some(2), None, Some(1)] {
        note::Entity::insert(note::ActiveModel {
            user: Set(alice),
            message: Set("n".into()),
            status: Set(status),
            created_date: Set(chrono::Utc::now().naive_utc()),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    }
    let notes = app.api("GET", "/api/note/", None, None).await.json();
    assert_eq!(notes["meta"]["object_count"], 2);
    assert_eq!(
        app.api("GET", "/api/note/2/", None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api("DELETE", "/api/note/2/", None, ALICE).await.status,
        StatusCode::NOT_FOUND
    );
    // The status takes its choices on the API as in the admin (the entity's rule).
    let odd = json!({"message": "m", "status": 3});
    let refused = app.api("POST", "/api/note/", Some(odd), ALICE).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("status"), "{}", refused.body);
    assert_eq!(note::Entity::find().all(&app.db.db).await.unwrap().len(), 4);
    for n in 0..25 {
        let from = [alice, bob, root][n % 3];
        let extra = app.create_user(&format!("u{n}"), "pw", false, true).await;
        relationship::Entity::insert(relationship::ActiveModel {
            from_user: Set(from),
            to_user: Set(extra),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    }
    let follows = app
        .api("GET", "/api/relationship/", None, None)
        .await
        .json();
    assert_eq!(follows["objects"].as_array().unwrap().len(), 25);
    assert_eq!(follows["meta"]["page_count"], 1);
    assert_eq!(follows["meta"]["next"], "");
    assert_eq!(follows["objects"][0]["to_user"]["username"], "u0");
    // An explicit limit pages even a resource with `paginate_by = None`, as flask-peewee's.
    let paged = app
        .api("GET", "/api/relationship/?limit=5&page=2", None, None)
        .await
        .json();
    assert_eq!(paged["objects"].as_array().unwrap().len(), 5);
    assert_eq!(paged["meta"]["page_count"], 5);
    assert_eq!(paged["meta"]["object_count"], 25);
    assert_eq!(paged["objects"][0]["to_user"]["username"], "u5");
    assert_eq!(paged["meta"]["next"], "/api/relationship/?limit=5&page=3");
}

async fn basic_auth_verifies_each_credential_once(db: TestDb) {
    let app = spawn(db).await;
    people(&app).await;
    let hasher = app.site.auth.hasher().clone();
    let before = hasher.verifications();
    for n in 0..20 {
        let body = json!({"content": format!("m{n}"), "pub_date": "2024-01-01T00:00:00"});
        assert_eq!(
            app.api("POST", "/api/message/", Some(body), ALICE)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        hasher.verifications() - before,
        1,
        "one argon2 verification for 20 requests"
    );
    // The scheme's name is case-insensitive.
    for scheme in ["BASIC", "bAsIc"] {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode("alice:wonderland");
        let request = actix_web::test::TestRequest::post()
            .uri("/api/message/")
            .insert_header(("content-type", "application/json"))
            .insert_header(("authorization", format!("{scheme} {encoded}")))
            .set_payload(json!({"content": "shouted"}).to_string());
        let reply = app.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{scheme}: {}",
            reply.body
        );
    }
    assert_eq!(
        app.api(
            "POST",
            "/api/message/",
            Some(json!({})),
            Some(("alice", "wrong"))
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    // Written where the crate does not see it (another instance, a command-line tool).
    let set_active = async |active: bool| {
        user::Entity::update(user::ActiveModel {
            id: Set(1),
            active: Set(active),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    };
    let late = async || {
        let body = json!({"content": "late", "pub_date": "2024-01-01T00:00:00"});
        app.api("POST", "/api/message/", Some(body), ALICE)
            .await
            .status
    };
    // Deactivated: the cache reads the user again within 2 seconds.
    set_active(false).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(late().await, StatusCode::UNAUTHORIZED, "seen within 2 s");

    // Reactivated, cached again, then deactivated with `end_sessions` as documented: at once.
    set_active(true).await;
    assert_eq!(late().await, StatusCode::CREATED);
    set_active(false).await;
    app.site.auth.end_sessions(1, None).await.unwrap();
    assert_eq!(
        late().await,
        StatusCode::UNAUTHORIZED,
        "deactivation beats the cache"
    );
}

async fn openapi_describes_every_resource_without_secrets(db: TestDb) {
    let app = spawn(db).await;
    let doc = app.api("GET", "/api/openapi.json", None, None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/message/",
        "/api/message/{pk}/",
        "/api/user/",
        "/api/note/",
        "/api/relationship/",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    let user_schema = &doc["components"]["schemas"]["user"]["properties"];
    assert!(user_schema.get("password").is_none() && user_schema.get("email").is_none());
    assert_eq!(
        doc["components"]["schemas"]["user_input"]["properties"]["password"]["writeOnly"],
        true
    );
    assert_eq!(
        doc["paths"]["/api/message/"]["post"]["security"],
        json!([{"basic": []}])
    );
    assert!(
        doc["paths"]["/api/message/"]["get"]
            .get("security")
            .is_none()
    );
    // A change sends only the keys it changes, by PUT, PATCH or POST, so its body requires
    // none; the create's requires what a row needs.
    let member = &doc["paths"]["/api/user/{pk}/"];
    for method in ["put", "patch", "post"] {
        let body = &member[method]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/user_update", "{method}");
        assert_eq!(
            member[method]["responses"]["409"]["$ref"],
            "#/components/responses/Error"
        );
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["user_update"].get("required").is_none());
    assert_eq!(
        schemas["user_input"]["required"],
        json!(["username", "password", "email"])
    );
    let by_post = &doc["paths"]["/api/message/{pk}/delete/"]["post"];
    assert_eq!(by_post["security"], json!([{"basic": []}]));
}

crate::on_every_database!(example:
    lists_use_flask_peewees_envelope_and_paging,
    nested_lists_cost_the_same_number_of_queries_at_any_page_size,
    filters_and_ordering_follow_the_grammar_and_hide_secrets,
    details_and_missing_rows,
    creates_stamp_the_owner_whatever_the_body_says,
    bad_bodies_get_clear_json_errors,
    writes_need_valid_basic_credentials_never_the_session,
    only_owners_change_or_delete_and_updates_are_partial,
    the_user_resource_is_admin_only_for_writes_and_hashes_passwords,
    notes_show_only_live_ones_and_relationships_are_not_paged,
    basic_auth_verifies_each_credential_once,
    openapi_describes_every_resource_without_secrets,
);
