//! SPEC "REST API", nested objects in request bodies: references by default; written, through
//! the nested row's own resource and in one transaction, only where a resource opts in.

use actix_sea::rest::{AdminAuthentication, RestApi, RestResource, UserAuthentication};
use actix_web::http::StatusCode;
use example_site::api::{MessageResource, UserResource};
use example_site::models::{message, relationship, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::app::{config, spawn, wrap};
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

/// Follows that may create or rename the followed user through a nested object.
struct FollowAnyone;

impl RestResource<relationship::Entity> for FollowAnyone {
    fn owner_field(&self) -> Option<relationship::Column> {
        Some(relationship::Column::FromUser)
    }

    fn include_resources(&self) -> Vec<relationship::Column> {
        vec![relationship::Column::ToUser]
    }

    fn nested_writes(&self) -> Vec<relationship::Column> {
        vec![relationship::Column::ToUser]
    }
}

async fn username(db: &TestDb, id: i32) -> String {
    user::Entity::find_by_id(id)
        .one(&db.db)
        .await
        .unwrap()
        .unwrap()
        .username
}

async fn follows(db: &TestDb) -> u64 {
    relationship::Entity::find().count(&db.db).await.unwrap()
}

async fn by_default_nested_objects_only_refer_to_rows(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    let new_user = json!({"to_user": {"username": "mallory", "password": "x", "admin": true}});
    let reply = app
        .api("POST", "/api/relationship/", Some(new_user), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"].as_str().unwrap().contains("to_user"));
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 2);
    let renamed = json!({"to_user": {"id": bob, "username": "hacked"}});
    let reply = app
        .api("POST", "/api/relationship/", Some(renamed), ALICE)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["to_user"]["username"], "bob");
    assert_eq!(
        username(&app.db, bob).await,
        "bob",
        "nothing else is written"
    );
}

async fn opted_in_nested_rows_pass_their_own_resources_checks(db: TestDb) {
    let TestDb { db: connection, .. } = &db;
    let mut site = example_site::Site::new(connection.clone(), &config()).unwrap();
    site.api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register_with_auth(
            user::Entity,
            UserResource,
            AdminAuthentication::new(site.auth.clone()),
        )
        .register(message::Entity, MessageResource)
        .register(relationship::Entity, FollowAnyone)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    app.create_user("root", "toor", true, true).await;

    let mallory = json!({"to_user": {"username": "mallory", "password": "pw-pw-pw-pw", "email": "m@example.com", "admin": true}});
    let refused = app
        .api("POST", "/api/relationship/", Some(mallory.clone()), ALICE)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "only admins write users: {}",
        refused.body
    );
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 3);
    assert_eq!(follows(&app.db).await, 0);

    let created = app
        .api("POST", "/api/relationship/", Some(mallory), ROOT)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["to_user"]["username"], "mallory");
    let stored = user::Entity::find()
        .filter(user::Column::Username.eq("mallory"))
        .one(&app.db.db)
        .await
        .unwrap()
        .expect("the nested user is created");
    assert_eq!(created.json()["to_user"]["id"], stored.id);
    assert!(
        stored.password.starts_with("$argon2id$"),
        "hashed by its hook"
    );
    assert!(!stored.admin, "its read-only fields are dropped");

    let unchanged = json!({"to_user": {"id": bob, "username": "bob", "admin": false}});
    let reference = app
        .api("POST", "/api/relationship/", Some(unchanged), ALICE)
        .await;
    assert_eq!(
        reference.status,
        StatusCode::CREATED,
        "an object that changes nothing is a reference: {}",
        reference.body
    );

    let rename = |name: &str| json!({"to_user": {"id": bob, "username": name}});
    let refused = app
        .api("POST", "/api/relationship/", Some(rename("bobby")), ALICE)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(username(&app.db, bob).await, "bob");

    let renamed = app
        .api("POST", "/api/relationship/", Some(rename("bobby")), ROOT)
        .await;
    assert_eq!(renamed.status, StatusCode::CREATED, "{}", renamed.body);
    assert_eq!(username(&app.db, bob).await, "bobby");
    let before = follows(&app.db).await;
    let duplicate = app
        .api("POST", "/api/relationship/", Some(rename("robert")), ROOT)
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.body);
    assert_eq!(
        username(&app.db, bob).await,
        "bobby",
        "the nested change is rolled back with the failed follow"
    );
    assert_eq!(follows(&app.db).await, before);

    for (body, named) in [
        (
            json!({"to_user": {"username": 5, "password": "pw-pw-pw-pw"}}),
            "username",
        ),
        (json!({"to_user": {"id": "abc", "username": "x"}}), "id"),
        (json!({"to_user": {"id": 99999, "username": "x"}}), "id"),
        (json!({"to_user": {"username": "x", "nope": 1}}), "nope"),
        (
            json!({"to_user": {"password": "pw-pw-pw-pw", "email": "e@x.org"}}),
            "username",
        ),
    ] {
        let reply = app
            .api("POST", "/api/relationship/", Some(body.clone()), ROOT)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        let error = reply.json()["error"].as_str().unwrap().to_owned();
        assert!(
            error.contains("to_user") && error.contains(named),
            "{body}: {error}"
        );
    }
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 4);

    let doc = app.api("GET", "/api/openapi.json", None, None).await.json();
    assert_eq!(
        doc["components"]["schemas"]["relationship_input"]["properties"]["to_user"]["oneOf"][1],
        json!({"$ref": "#/components/schemas/user_input"}),
        "the document says the nested object is written"
    );

    let anonymous = json!({"to_user": {"username": "nobody", "password": "pw"}});
    let reply = app
        .api("POST", "/api/relationship/", Some(anonymous), None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn nested_writes_need_a_foreign_key_to_a_registered_resource() {
    struct NotAForeignKey;
    impl RestResource<relationship::Entity> for NotAForeignKey {
        fn nested_writes(&self) -> Vec<relationship::Column> {
            vec![relationship::Column::Id]
        }
    }
    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    let site = example_site::Site::new(db, &config()).unwrap();
    let built = RestApi::builder(&site.auth)
        .register(relationship::Entity, NotAForeignKey)
        .build();
    match built {
        Err(actix_sea::Error::Config(problem)) => assert!(
            problem.contains("nested writes on `relationship.id`"),
            "{problem}"
        ),
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("an API with nested writes over a non-foreign key was built"),
    }
}

crate::on_every_database!(example:
    by_default_nested_objects_only_refer_to_rows,
    opted_in_nested_rows_pass_their_own_resources_checks,
);
