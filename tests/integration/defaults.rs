//! SPEC "Round 2 > Your schema, your rules": entity defaults, one notion of a valid row
//! (API, admin and CLI), and datetimes that read the same on every database.

use actix_web::http::StatusCode;
use chrono::{NaiveDate, NaiveDateTime, Utc};
use example_site::commands::{NewUser, create_user};
use example_site::models::{message, user};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;

use crate::app::spawn;
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

/// Parses an API datetime, checking it carries at most microseconds.
fn datetime(text: &serde_json::Value) -> NaiveDateTime {
    let text = text
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {text}"));
    let fraction = text.split_once('.').map_or("", |(_, f)| f);
    assert!(
        fraction.is_empty() || fraction.len() == 6,
        "none or six fractional digits: {text}"
    );
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

fn within_a_minute_of_now(when: NaiveDateTime) -> bool {
    (Utc::now().naive_utc() - when).num_seconds().abs() < 60
}

async fn api_creates_without_dates_take_the_declared_defaults(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("root", "toor", true, true).await;
    let posted = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hi"})),
            ALICE,
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert!(within_a_minute_of_now(datetime(&posted.json()["pub_date"])));

    let noted = app
        .api(
            "POST",
            "/api/note/",
            Some(json!({"message": "remember"})),
            ALICE,
        )
        .await;
    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.body);
    assert!(within_a_minute_of_now(datetime(
        &noted.json()["created_date"]
    )));
    let missing = app
        .api("POST", "/api/note/", Some(json!({"status": 1})), ALICE)
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.json()["error"], "field `message` is required");

    let joined = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "carol", "password": "pw-carol", "email": "c@example.com"})),
            ROOT,
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    let carol = joined.json();
    assert!(within_a_minute_of_now(datetime(&carol["join_date"])));
    assert_eq!(carol["active"], true, "the declared default");
    assert_eq!(carol["admin"], false);
}

async fn an_admin_add_of_a_user_starts_active_with_join_date_now(db: TestDb) {
    let app = crate::admin_app!(db);
    let form = app.get("/admin/user/add/").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(r#"name="active" checked"#),
        "active starts ticked"
    );
    assert!(!form.body.contains(r#"name="admin" checked"#));
    assert!(
        form.body
            .contains(r#"type="datetime-local" id="f-join_date""#)
    );
    let shown = form.input("join_date").expect("join_date pre-filled");
    let shown = NaiveDateTime::parse_from_str(&shown, "%Y-%m-%dT%H:%M:%S").unwrap();
    assert!(within_a_minute_of_now(shown), "now: {shown}");
    let token = app.csrf_token().await;
    // What a browser sends for the form as shown, with only the required fields filled.
    let saved = app
        .post_form(
            "/admin/user/add/",
            &[
                ("csrf_token", &token),
                ("username", "dora"),
                ("password", "dora-password"),
                ("email", ""),
                ("join_date", ""),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let dora = user::Entity::find()
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "dora")
        .unwrap();
    assert!(dora.active && !dora.admin);
    assert!(within_a_minute_of_now(dora.join_date));

    let edit = app.get(&format!("/admin/user/{}/", dora.id)).await;
    assert!(
        edit.body
            .contains(r#"type="datetime-local" id="f-join_date""#)
    );
    let when = "2001-02-03T04:05:06";
    let changed = app
        .post_form(
            &format!("/admin/user/{}/", dora.id),
            &[
                ("csrf_token", &token),
                ("username", "dora"),
                ("password", ""),
                ("email", ""),
                ("join_date", when),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let dora = user::Entity::find_by_id(dora.id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dora.join_date.format("%Y-%m-%dT%H:%M:%S").to_string(), when);
}

async fn a_user_made_by_the_cli_without_email_saves_in_the_admin(db: TestDb) {
    let app = crate::admin_app!(db);
    let made = create_user(
        &app.db.db,
        NewUser {
            username: "erin".into(),
            password: "erin-password".into(),
            email: String::new(),
            admin: false,
            active: true,
            groups: Vec::new(),
        },
    )
    .await
    .unwrap();
    let path = format!("/admin/user/{}/", made.id);
    let page = app.get(&path).await;
    let token = page.input("csrf_token").unwrap();
    let join_date = page.input("join_date").unwrap();
    let saved = app
        .post_form(
            &path,
            &[
                ("csrf_token", &token),
                ("username", "erin"),
                ("password", ""),
                ("email", ""),
                ("join_date", &join_date),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

async fn datetimes_read_the_same_on_every_database(db: TestDb) {
    let app = spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
    for when in [
        day.and_hms_opt(10, 30, 0).unwrap(),
        day.and_hms_micro_opt(10, 30, 0, 123_456).unwrap(),
    ] {
        message::Entity::insert(message::ActiveModel {
            user: Set(alice),
            content: Set("m".into()),
            pub_date: Set(when),
            ..Default::default()
        })
        .exec(&app.db.db)
        .await
        .unwrap();
    }
    let posted = app
        .api(
            "POST",
            "/api/message/",
            Some(json!({"content": "n", "pub_date": "2026-01-02T10:30:00.123456789"})),
            ALICE,
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    let list = app.api("GET", "/api/message/", None, None).await.json();
    let dates: Vec<&str> = list["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["pub_date"].as_str().unwrap())
        .collect();
    // On MySQL/MariaDB too: the migrations make its datetime columns `DATETIME(6)`.
    let with = "2026-01-02T10:30:00.123456";
    assert_eq!(dates, ["2026-01-02T10:30:00", with, with]);
}

crate::on_every_database!(example:
    api_creates_without_dates_take_the_declared_defaults,
    an_admin_add_of_a_user_starts_active_with_join_date_now,
    a_user_made_by_the_cli_without_email_saves_in_the_admin,
    datetimes_read_the_same_on_every_database,
);
