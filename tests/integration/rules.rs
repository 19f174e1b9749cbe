//! SPEC "Round 2 > Your schema, your rules": rules in the entity's `ActiveModelBehavior` are
//! client errors (400 on the API, beside the field in the admin), and a unique clash names its
//! columns.

use actix_sea::admin::Admin;
use actix_sea::rest::{RestApi, RestResource, UserAuthentication};
use actix_web::http::StatusCode;
use example_site::models::relationship;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, Schema};
use serde_json::json;

use crate::app::{config, wrap};
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

/// A table only these tests use, with rules in its `ActiveModelBehavior`.
pub mod gadget {
    use actix_sea::Invalid;
    use sea_orm::ActiveValue::{NotSet, Set};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gadget")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub weight: i32,
        /// Filled by `before_save` when not given.
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[async_trait::async_trait]
    impl ActiveModelBehavior for ActiveModel {
        async fn before_save<C: ConnectionTrait>(mut self, _: &C, _: bool) -> Result<Self, DbErr> {
            if let Set(weight) = self.weight
                && !(1..=100).contains(&weight)
            {
                return Err(Invalid::field(Column::Weight, "must be between 1 and 100").into());
            }
            if let Set(name) = &self.name
                && name == "forbidden"
            {
                return Err(DbErr::Custom("this gadget may not be made".into()));
            }
            if let (NotSet, Set(name)) = (&self.label, &self.name) {
                self.label = Set(format!("{name}!"));
            }
            Ok(self)
        }

        async fn before_delete<C: ConnectionTrait>(self, _: &C) -> Result<Self, DbErr> {
            if self.name.try_as_ref().is_some_and(|name| name == "anchor") {
                return Err(DbErr::Custom("an anchor stays where it is".into()));
            }
            Ok(self)
        }
    }
}

/// Creates the `gadget` table in a test's own database.
pub async fn create_gadgets(db: &sea_orm::DatabaseConnection) {
    let schema = Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(gadget::Entity))
        .await
        .unwrap();
}

struct Gadgets;

impl RestResource<gadget::Entity> for Gadgets {}

async fn before_save_refusals_are_client_errors_and_form_errors(db: TestDb) {
    let TestDb { db: connection, .. } = &db;
    create_gadgets(connection).await;
    let mut site = example_site::Site::new(connection.clone(), &config()).unwrap();
    site.api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register(gadget::Entity, Gadgets)
        .build()
        .unwrap();
    site.admin = Admin::builder(&site.auth)
        .register_default(gadget::Entity)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    app.create_user("alice", "wonderland", true, true).await;

    let made = app
        .api(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 3})),
            ALICE,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.json()["label"], "lamp!", "filled by before_save");
    let heavy = app
        .api(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "anvil", "weight": 500})),
            ALICE,
        )
        .await;
    assert_eq!(heavy.status, StatusCode::BAD_REQUEST, "{}", heavy.body);
    assert_eq!(
        heavy.json()["error"],
        "field `weight`: must be between 1 and 100"
    );
    let id = made.json()["id"].clone();
    let edited = app
        .api(
            "PATCH",
            &format!("/api/gadget/{id}/"),
            Some(json!({"weight": 0})),
            ALICE,
        )
        .await;
    assert_eq!(edited.status, StatusCode::BAD_REQUEST, "{}", edited.body);
    let plain = app
        .api(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "forbidden", "weight": 1})),
            ALICE,
        )
        .await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST, "{}", plain.body);
    assert_eq!(plain.json()["error"], "this gadget may not be made");

    assert_eq!(
        app.login("alice", "wonderland").await.status,
        StatusCode::SEE_OTHER
    );
    let token = app.csrf_token().await;
    let form = app
        .post_form(
            "/admin/gadget/add/",
            &[("csrf_token", &token), ("name", "anvil"), ("weight", "500")],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Must be between 1 and 100."),
        "{}",
        form.body
    );
    assert!(form.body.contains(r#"value="anvil""#), "input kept");
    let form = app
        .post_form(
            "/admin/gadget/add/",
            &[
                ("csrf_token", &token),
                ("name", "forbidden"),
                ("weight", "5"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("This gadget may not be made."));
    let missing = app
        .post_form(
            "/admin/gadget/add/",
            &[("csrf_token", &token), ("name", "box")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert_eq!(missing.body.matches("This field is required.").count(), 1);
    let added = app
        .post_form(
            "/admin/gadget/add/",
            &[("csrf_token", &token), ("name", "box"), ("weight", "5")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(gadget::Entity::find().count(&app.db.db).await.unwrap(), 2);
}

async fn unique_clashes_name_their_columns(db: TestDb) {
    let app = crate::admin_app!(db);
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    app.create_user("root", "toor", true, true).await;
    let taken = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "bob", "password": "x-x-x-x-x", "email": ""})),
            ROOT,
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(
        taken.json()["error"],
        "field `username`: a user with this value already exists"
    );

    relationship::Entity::insert(relationship::ActiveModel {
        from_user: Set(alice),
        to_user: Set(bob),
        ..Default::default()
    })
    .exec(&app.db.db)
    .await
    .unwrap();
    let again = app
        .api(
            "POST",
            "/api/relationship/",
            Some(json!({"to_user": bob})),
            ALICE,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.json()["error"],
        "fields `from_user`, `to_user`: a relationship with these values already exists"
    );
    let token = app.csrf_token().await;
    let (alice, bob) = (alice.to_string(), bob.to_string());
    let form = app
        .post_form(
            "/admin/relationship/add/",
            &[
                ("csrf_token", &token),
                ("from_user", &alice),
                ("to_user", &bob),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.body
            .matches("A relationship with these values already exists.")
            .count(),
        2,
        "beside both fields: {}",
        form.body
    );
}

crate::on_every_database!(example:
    before_save_refusals_are_client_errors_and_form_errors,
    unique_clashes_name_their_columns,
);
