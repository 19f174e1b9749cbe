//! The query grammar against real rows on every configured database, through the API a
//! client calls: filters, hidden and unknown fields, pages, three hops across foreign keys,
//! and constraint errors of writes.

use actix_sea::rest::{AdminAuthentication, RestApi, RestResource};
use actix_web::http::StatusCode;
use chrono::NaiveDate;
use example_site::models::{message, note, relationship, user};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::app::{config, wrap};
use crate::chain;
use crate::support::TestDb;

const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

fn day(d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// Users with `password` and `email` write-only: they can be neither filtered nor ordered on.
struct Members;

impl RestResource<user::Entity> for Members {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password, user::Column::Email]
    }
}

/// Every row of a table, unscoped, one page of `paginate_by` rows.
struct Rows(u64);

macro_rules! rows_of {
    ($($entity:path),+) => {$(
        impl RestResource<$entity> for Rows {
            fn paginate_by(&self) -> Option<u64> {
                Some(self.0)
            }
        }
    )+};
}

rows_of!(
    message::Entity,
    relationship::Entity,
    note::Entity,
    chain::country::Entity,
    chain::city::Entity,
    chain::street::Entity,
    chain::house::Entity
);

/// The example's tables, and the chain's, served by plain resources; writes need an admin.
macro_rules! app {
    ($db:expr, $per_page:expr) => {{
        let db: TestDb = $db;
        let mut site = example_site::Site::new(db.db.clone(), &config()).unwrap();
        site.api = RestApi::builder(&site.auth)
            .default_auth(AdminAuthentication::new(site.auth.clone()))
            .register(user::Entity, Members)
            .register(message::Entity, Rows($per_page))
            .register(relationship::Entity, Rows($per_page))
            .register(note::Entity, Rows($per_page))
            .register(chain::country::Entity, Rows($per_page))
            .register(chain::city::Entity, Rows($per_page))
            .register(chain::street::Entity, Rows($per_page))
            .register(chain::house::Entity, Rows($per_page))
            .build()
            .unwrap();
        let service = actix_web::test::init_service(example_site::app(site.clone())).await;
        wrap(service, site, db)
    }};
}

/// The `id`s of a list reply, in order.
fn ids(reply: &crate::app::Reply) -> Vec<i64> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

/// `params` as a query string, each value percent-encoded.
fn query(params: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        out.append_pair(key, value);
    }
    out.finish()
}

async fn seed(db: &impl ConnectionTrait) {
    for (name, active) in [("alice", true), ("bob", true), ("carol", false)] {
        user::Entity::insert(user::ActiveModel {
            username: Set(name.into()),
            password: Set(format!("secret-{name}")),
            email: Set(format!("{name}@example.com")),
            join_date: Set(day(1)),
            active: Set(active),
            admin: Set(false),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    let messages = [
        (1, "Hello World"),
        (1, "50% off today"),
        (2, "500 off"),
        (2, "snake_case and camelCase"),
        (3, "hello world"),
        (2, r"a\b back slash"),
    ];
    for (index, (author, content)) in messages.into_iter().enumerate() {
        message::Entity::insert(message::ActiveModel {
            user: Set(author),
            content: Set(content.into()),
            pub_date: Set(day(index as u32 + 1)),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    for (from, to) in [(1, 2), (2, 1), (3, 1)] {
        relationship::Entity::insert(relationship::ActiveModel {
            from_user: Set(from),
            to_user: Set(to),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    for status in [Some(1), Some(2), None] {
        note::Entity::insert(note::ActiveModel {
            user: Set(1),
            message: Set("note".into()),
            status: Set(status),
            created_date: Set(day(1)),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
}

async fn filters_select_the_right_rows(db: TestDb) {
    seed(&db.db).await;
    let app = app!(db, 20);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [i64]);
    let cases: &[Case] = &[
        ("message", &[("user", "1")], &[1, 2]),
        ("message", &[("user__username", "bob")], &[3, 4, 6]),
        ("message", &[("-user__username", "bob")], &[1, 2, 5]),
        (
            "message",
            &[("user__username__in", "alice,carol")],
            &[1, 2, 5],
        ),
        ("message", &[("user__active", "false")], &[5]),
        ("message", &[("user", "1"), ("user", "3")], &[1, 2, 5]),
        ("message", &[("user__ne", "1"), ("user__ne", "2")], &[5]),
        ("message", &[("id__not_in", "1,2,3")], &[4, 5, 6]),
        (
            "message",
            &[("pub_date__between", "2024-01-02,2024-01-04")],
            &[2, 3, 4],
        ),
        ("message", &[("pub_date__lt", "2024-01-02")], &[1]),
        (
            "message",
            &[("pub_date__gte", "2024-01-05T00:00:00")],
            &[5, 6],
        ),
        ("message", &[("content__contains", "50%")], &[2]),
        ("message", &[("content__contains", "_")], &[4]),
        ("message", &[("content__contains", r"a\b")], &[6]),
        ("message", &[("content__contains", "Hello")], &[1]),
        ("message", &[("content__icontains", "HELLO")], &[1, 5]),
        ("message", &[("content__startswith", "hello")], &[5]),
        ("message", &[("content__istartswith", "hello")], &[1, 5]),
        ("message", &[("content__endswith", "off")], &[3]),
        ("message", &[("content__iendswith", "OFF")], &[3]),
        ("message", &[("content", "' OR 1=1 --")], &[]),
        ("message", &[("content__contains", "%' OR '1'='1")], &[]),
        ("message", &[("ordering", "-pub_date")], &[6, 5, 4, 3, 2, 1]),
        (
            "message",
            &[("ordering", "user__username,-pub_date")],
            &[2, 1, 6, 4, 3, 5],
        ),
        ("relationship", &[("to_user__username", "alice")], &[2, 3]),
        (
            "relationship",
            &[
                ("from_user__username", "carol"),
                ("to_user__username", "alice"),
            ],
            &[3],
        ),
        ("note", &[("status", "none")], &[3]),
        ("note", &[("status__is_null", "false")], &[1, 2]),
        ("note", &[("status__in", "1,none")], &[1, 3]),
        ("note", &[("-status", "2")], &[1]),
    ];
    for (slug, params, expected) in cases {
        let reply = app.get(&format!("/api/{slug}/?{}", query(params))).await;
        assert_eq!(
            &ids(&reply),
            expected,
            "{slug} {params:?} on {:?}",
            app.db.backend
        );
        assert_eq!(
            reply.json()["meta"]["object_count"].as_u64(),
            Some(expected.len() as u64),
            "the count agrees with the rows for {slug} {params:?}"
        );
    }
}

async fn hidden_and_unknown_fields_are_errors_not_leaks(db: TestDb) {
    seed(&db.db).await;
    let app = app!(db, 20);
    for (params, message) in [
        (
            "user__password__startswith=secret",
            "field `user__password` cannot be used for filtering or ordering",
        ),
        (
            "ordering=user__email",
            "field `user__email` cannot be used for filtering or ordering",
        ),
        ("user__nope=1", "unknown field `user__nope`"),
    ] {
        let reply = app.get(&format!("/api/message/?{params}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{params}");
        assert_eq!(reply.json()["error"], message, "{params}");
        assert!(
            !reply.body.contains("secret-"),
            "no password leaks: {params}"
        );
    }
}

async fn pages_go_through_rows(db: TestDb) {
    seed(&db.db).await;
    let app = app!(db, 1);
    let second = app.get("/api/message/?user=2&page=2").await;
    assert_eq!(ids(&second), vec![4]);
    assert_eq!(second.json()["meta"]["object_count"], 3);
    assert_eq!(second.json()["meta"]["page_count"], 3);
    let past_end = app.get("/api/message/?user=2&page=10").await;
    assert_eq!(ids(&past_end), Vec::<i64>::new());
}

async fn three_hops_work_across_a_chain(db: TestDb) {
    chain::create(&db.db).await.unwrap();
    let app = app!(db, 20);
    app.create_user("root", "toor", true, true).await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let reply = app.api("POST", path, Some(body), ROOT).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.body);
        }
    };
    for name in ["France", "Peru"] {
        post("/api/country/", json!({"name": name})).await;
    }
    post("/api/city/", json!({"name": "Paris", "country": 1})).await;
    post("/api/city/", json!({"name": "Lima", "country": 2})).await;
    post("/api/street/", json!({"name": "Rue", "city": 1})).await;
    post("/api/street/", json!({"name": "Calle", "city": 2})).await;
    for (number, street) in [(1, 1), (2, 2), (3, 1)] {
        post("/api/house/", json!({"number": number, "street": street})).await;
    }
    let reply = app
        .get("/api/house/?street__city__country__name=France&ordering=-number")
        .await;
    assert_eq!(ids(&reply).len(), 2);
    let numbers: Vec<_> = reply.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|house| house["number"].clone())
        .collect();
    assert_eq!(numbers, vec![json!(3), json!(1)]);
}

async fn writes_map_constraint_errors(db: TestDb) {
    seed(&db.db).await;
    let app = app!(db, 20);
    app.create_user("root", "toor", true, true).await;
    let created = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"user": 2, "content": "new"})),
            ROOT,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let edited = app
        .api(
            "PATCH",
            &format!("/api/message/{id}/"),
            Some(json!({"content": "edited"})),
            ROOT,
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["content"], "edited");
    assert_eq!(
        edited.json()["user"],
        2,
        "a partial update keeps the other columns"
    );
    let missing = app
        .api(
            "PATCH",
            "/api/message/999/",
            Some(json!({"content": "x"})),
            ROOT,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let orphan = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"user": 999, "content": "orphan"})),
            ROOT,
        )
        .await;
    assert_eq!(
        orphan.status,
        StatusCode::BAD_REQUEST,
        "a foreign key to a missing row: {}",
        orphan.body
    );
    let duplicate = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"from_user": 1, "to_user": 2})),
            ROOT,
        )
        .await;
    assert_eq!(
        duplicate.status,
        StatusCode::CONFLICT,
        "the unique pair: {}",
        duplicate.body
    );

    for gone in [id, 1] {
        let reply = app
            .api("DELETE", &format!("/api/message/{gone}/"), None, ROOT)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(ids(&app.get("/api/message/").await), vec![2, 3, 4, 5, 6]);
    let again = app
        .api("DELETE", &format!("/api/message/{id}/"), None, ROOT)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

crate::on_every_database!(example:
    filters_select_the_right_rows,
    hidden_and_unknown_fields_are_errors_not_leaks,
    pages_go_through_rows,
    three_hops_work_across_a_chain,
    writes_map_constraint_errors,
);
