//! SPEC "Round 2 > Your schema, your rules", scoping: a resource's `get_query` holds wherever
//! its rows are reached. Here the user resource hides inactive users from everyone but
//! admins; a hidden user's messages and follows still list, but the user behaves as if it did
//! not exist: nested as its bare key, unmatched by filters across the foreign key, refused as
//! a foreign key written.

use actix_sea::Context;
use actix_sea::rest::{RestApi, RestResource, UserAuthentication};
use actix_web::http::StatusCode;
use example_site::api::{MessageResource, RelationshipResource};
use example_site::models::{message, relationship, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
};
use serde_json::json;

use crate::app::{config, wrap};
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

/// Users, of whom only admins see the inactive ones.
struct Members;

impl RestResource<user::Entity> for Members {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password, user::Column::Email]
    }

    fn get_query(&self, ctx: &Context) -> Condition {
        if ctx.is_admin() {
            Condition::all()
        } else {
            Condition::all().add(user::Column::Active.eq(true))
        }
    }
}

async fn hidden_rows_stay_hidden_across_foreign_keys(db: TestDb) {
    let connection = db.db.clone();
    let mut site = example_site::Site::new(connection.clone(), &config()).unwrap();
    site.api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register(user::Entity, Members)
        .register(message::Entity, MessageResource)
        .register(relationship::Entity, RelationshipResource)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    app.create_user("root", "toor", true, true).await;
    for (user, content) in [(alice, "from alice"), (bob, "from bob")] {
        message::ActiveModel {
            user: Set(user),
            content: Set(content.into()),
            ..Default::default()
        }
        .insert(&connection)
        .await
        .unwrap();
    }
    relationship::ActiveModel {
        from_user: Set(alice),
        to_user: Set(bob),
        ..Default::default()
    }
    .insert(&connection)
    .await
    .unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::Active, false.into())
        .filter(user::Column::Id.eq(bob))
        .exec(&connection)
        .await
        .unwrap();

    let list = app
        .api("GET", "/api/message/?ordering=id", None, ALICE)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let objects = list.json()["objects"].clone();
    assert_eq!(objects[0]["user"]["username"], "alice", "{objects}");
    assert_eq!(
        objects[1]["user"],
        json!(bob),
        "a hidden user is its bare key"
    );

    let filters = [
        "user__active=false".to_owned(),
        "user__username=bob".to_owned(),
        format!("user__id={bob}"),
    ];
    for filter in &filters {
        let found = app
            .api("GET", &format!("/api/message/?{filter}"), None, ALICE)
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert_eq!(
            found.json()["meta"]["object_count"],
            0,
            "{filter}: {}",
            found.body
        );
    }
    let ordered = app
        .api("GET", "/api/message/?ordering=-user__username", None, ALICE)
        .await;
    assert_eq!(ordered.status, StatusCode::OK, "{}", ordered.body);
    assert_eq!(ordered.json()["meta"]["object_count"], 2);

    let follows = app.api("GET", "/api/relationship/", None, ALICE).await;
    assert_eq!(follows.json()["objects"][0]["to_user"], json!(bob));
    relationship::Entity::delete_many()
        .exec(&connection)
        .await
        .unwrap();
    let follow = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": bob})),
            ALICE,
        )
        .await;
    assert_eq!(follow.status, StatusCode::BAD_REQUEST, "{}", follow.body);
    assert_eq!(
        follow.json()["error"],
        format!("field `to_user`: there is no user with key {bob}")
    );
    assert_eq!(
        relationship::Entity::find().all(&connection).await.unwrap(),
        vec![],
        "a refused write changes nothing"
    );

    let seen_by_root = app
        .api("GET", "/api/message/?user__username=bob", None, ROOT)
        .await;
    assert_eq!(seen_by_root.json()["meta"]["object_count"], 1);
    assert_eq!(seen_by_root.json()["objects"][0]["user"]["username"], "bob");
}

/// A key to no row at all is refused naming its field, as a key out of scope is, though the
/// referenced resource has no scope to check (the database's own error names no column).
async fn a_key_to_no_row_names_its_field(db: TestDb) {
    let app = crate::admin_app!(db);
    let missing = 999_999;
    let follow = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": missing})),
            Some(("boss", "boss-password")),
        )
        .await;
    assert_eq!(follow.status, StatusCode::BAD_REQUEST, "{}", follow.body);
    assert_eq!(
        follow.json()["error"],
        format!("field `to_user`: there is no user with key {missing}")
    );
    assert_eq!(
        relationship::Entity::find().all(&app.db.db).await.unwrap(),
        vec![]
    );
}

crate::on_every_database!(example:
    hidden_rows_stay_hidden_across_foreign_keys,
    a_key_to_no_row_names_its_field,
);
