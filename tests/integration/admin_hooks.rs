//! SPEC "Round 2 > Your schema, your rules", admin side: `ModelAdmin` hooks know the caller,
//! see the entity's own rows and values, and every write and delete goes through the entity's
//! `ActiveModelBehavior`.

use actix_sea::admin::{Action, Admin, Column, Field, ModelAdmin};
use actix_sea::{Context, Error, Invalid, Refusal};
use actix_web::http::StatusCode;
use example_site::models::user;
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Schema,
};

use crate::app::{config, wrap};
use crate::support::TestDb;

/// A table only these tests use: a delete rule in its `ActiveModelBehavior`.
pub mod part {
    use sea_orm::ActiveValue::{Set, Unchanged};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "part")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub weight: i32,
        /// Stamped by the admin's `save_model`.
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[async_trait::async_trait]
    impl ActiveModelBehavior for ActiveModel {
        async fn before_delete<C: ConnectionTrait>(self, _: &C) -> Result<Self, DbErr> {
            if let Set(name) | Unchanged(name) = &self.name
                && name == "keystone"
            {
                return Err(DbErr::Custom("the keystone holds the arch up".into()));
            }
            Ok(self)
        }
    }
}

/// Hides `secret…` parts, freezes heavy ones, stamps who saved and refuses the name "nope".
struct PartAdmin;

#[actix_sea::async_trait]
impl ModelAdmin<part::Entity> for PartAdmin {
    fn columns(&self) -> Vec<Column<part::Entity>> {
        let heavy = Column::computed("heavy", |p: &part::Model| {
            if p.weight > 50 { "heavy" } else { "light" }.to_owned()
        });
        vec![part::Column::Name.into(), heavy]
    }

    fn get_query(&self, _: &Context) -> Condition {
        Condition::all().add(part::Column::Name.not_like("secret%"))
    }

    async fn has_change_permission(
        &self,
        ctx: &Context,
        row: Option<&part::Model>,
    ) -> Result<(), Refusal> {
        match row {
            _ if !ctx.is_admin() => Err(Refusal::default()),
            Some(part) if part.weight > 50 => Err(Refusal::new("heavy parts are frozen")),
            _ => Ok(()),
        }
    }

    async fn save_model(
        &self,
        ctx: &Context,
        old: Option<&part::Model>,
        new: &mut part::ActiveModel,
    ) -> Result<(), Error> {
        if let Set(name) = &new.name
            && name == "nope"
        {
            let invalid = Invalid::field(part::Column::Name, "is not a part name");
            return Err(Error::Invalid(invalid));
        }
        let who = ctx
            .user()
            .map(|u| u.username().to_owned())
            .unwrap_or_default();
        let what = if old.is_some() { "edited" } else { "added" };
        new.note = Set(format!("{who} {what}"));
        Ok(())
    }

    fn title(&self, row: &part::Model) -> Option<String> {
        Some(format!("Part {}", row.name))
    }

    fn actions(&self) -> Vec<Action<part::Entity>> {
        vec![Action::new(
            "lighten",
            "Lighten",
            async |ctx, txn, parts: Vec<part::Model>| {
                let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
                for part in parts {
                    part::ActiveModel {
                        id: Unchanged(part.id),
                        weight: Set(part.weight - 1),
                        ..Default::default()
                    }
                    .update(txn)
                    .await?;
                }
                let who = ctx.user().map(|u| u.username()).unwrap_or_default();
                Ok(format!("{who} lightened {}", names.join(", ")))
            },
        )]
    }
}

/// The example app with `part` registered under `PartAdmin`, logged in as admin `boss`.
async fn part_app(
    db: TestDb,
) -> crate::app::TestApp<
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
> {
    app_with(db, PartAdmin).await
}

/// The example app with `part` registered under `admin`, logged in as admin `boss`.
async fn app_with(
    db: TestDb,
    admin: impl ModelAdmin<part::Entity>,
) -> crate::app::TestApp<
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let connection = db.db.clone();
    let schema = Schema::new(connection.get_database_backend());
    connection
        .execute(&schema.create_table_from_entity(part::Entity))
        .await
        .unwrap();
    let mut site = example_site::Site::new(connection.clone(), &config()).unwrap();
    site.admin = Admin::builder(&site.auth)
        .register(part::Entity, admin)
        .build()
        .unwrap();
    let app = wrap(
        actix_web::test::init_service(example_site::app(site.clone())).await,
        site,
        db,
    );
    app.create_user("boss", "boss-password", true, true).await;
    let login = app.login("boss", "boss-password").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    app
}

async fn add_part(db: &sea_orm::DatabaseConnection, name: &str, weight: i32) -> String {
    let part = part::ActiveModel {
        name: Set(name.to_owned()),
        weight: Set(weight),
        note: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    part.id.to_string()
}

async fn part_named(db: &sea_orm::DatabaseConnection, name: &str) -> Option<part::Model> {
    part::Entity::find()
        .filter(part::Column::Name.eq(name))
        .one(db)
        .await
        .unwrap()
}

async fn save_model_refuses_beside_the_field_and_sees_the_caller(db: TestDb) {
    let app = part_app(db).await;
    let token = app.csrf_token().await;
    let refused = app
        .post_form(
            "/admin/part/add/",
            &[("csrf_token", &token), ("name", "nope"), ("weight", "3")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused.body.contains("Is not a part name."),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="nope""#), "input kept");
    assert_eq!(part::Entity::find().count(&app.db.db).await.unwrap(), 0);

    let added = app
        .post_form(
            "/admin/part/add/",
            &[("csrf_token", &token), ("name", "bolt"), ("weight", "3")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let bolt = part_named(&app.db.db, "bolt").await.unwrap();
    assert_eq!(bolt.note, "boss added");
    let edited = app
        .post_form(
            &format!("/admin/part/{}/", bolt.id),
            &[("csrf_token", &token), ("name", "bolt"), ("weight", "4")],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let bolt = part_named(&app.db.db, "bolt").await.unwrap();
    assert_eq!((bolt.weight, bolt.note.as_str()), (4, "boss edited"));
    let list = app.get("/admin/part/").await;
    assert!(list.body.contains("Part bolt"), "the title hook names it");
    assert!(list.body.contains("light"), "the computed column");
}

async fn a_change_permission_row_rule_is_a_403_with_its_reason(db: TestDb) {
    let app = part_app(db).await;
    let anvil = add_part(&app.db.db, "anvil", 90).await;
    let bolt = add_part(&app.db.db, "bolt", 3).await;
    let token = app.csrf_token().await;

    let page = app.get(&format!("/admin/part/{anvil}/")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("heavy parts are frozen"),
        "{}",
        page.body
    );
    let post = app
        .post_form(
            &format!("/admin/part/{anvil}/"),
            &[("csrf_token", &token), ("name", "anvil"), ("weight", "1")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert!(post.body.contains("heavy parts are frozen"));
    assert_eq!(part_named(&app.db.db, "anvil").await.unwrap().weight, 90);
    let action = app
        .post_form(
            "/admin/part/",
            &[
                ("csrf_token", &token),
                ("action", "lighten"),
                ("id", &bolt),
                ("id", &anvil),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::FORBIDDEN);
    assert!(action.body.contains("heavy parts are frozen"));
    assert_eq!(part_named(&app.db.db, "bolt").await.unwrap().weight, 3);

    let light = app.get(&format!("/admin/part/{bolt}/")).await;
    assert_eq!(light.status, StatusCode::OK);
    assert!(light.body.contains("Part bolt"));
}

async fn a_refusal_from_before_delete_shows_the_confirmation_again(db: TestDb) {
    let app = part_app(db).await;
    let keystone = add_part(&app.db.db, "keystone", 40).await;
    let pebble = add_part(&app.db.db, "pebble", 1).await;
    let token = app.csrf_token().await;

    let single = app
        .post_form(
            "/admin/part/delete/",
            &[("csrf_token", &token), ("id", &keystone)],
        )
        .await;
    assert_eq!(single.status, StatusCode::OK, "{}", single.body);
    assert!(
        single.body.contains("The keystone holds the arch up."),
        "{}",
        single.body
    );
    assert!(
        single
            .body
            .contains(&format!(r#"name="id" value="{keystone}""#))
    );
    let bulk = app
        .post_form(
            "/admin/part/delete/",
            &[("csrf_token", &token), ("id", &pebble), ("id", &keystone)],
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK);
    assert!(bulk.body.contains("The keystone holds the arch up."));
    assert_eq!(
        part::Entity::find().count(&app.db.db).await.unwrap(),
        2,
        "one transaction: nothing deleted"
    );

    let alone = app
        .post_form(
            "/admin/part/delete/",
            &[("csrf_token", &token), ("id", &pebble)],
        )
        .await;
    assert_eq!(alone.status, StatusCode::SEE_OTHER);
    assert!(part_named(&app.db.db, "pebble").await.is_none());
    assert!(part_named(&app.db.db, "keystone").await.is_some());
}

async fn an_action_gets_typed_rows_within_get_query(db: TestDb) {
    let app = part_app(db).await;
    let bolt = add_part(&app.db.db, "bolt", 10).await;
    let nut = add_part(&app.db.db, "nut", 20).await;
    let secret = add_part(&app.db.db, "secret gear", 30).await;
    let token = app.csrf_token().await;

    let list = app.get("/admin/part/").await;
    assert!(!list.body.contains("secret gear"), "hidden by get_query");
    let done = app
        .post_form(
            "/admin/part/",
            &[
                ("csrf_token", &token),
                ("action", "lighten"),
                ("id", &bolt),
                ("id", &nut),
                ("id", &secret),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let list = app.get("/admin/part/").await;
    assert!(
        list.body.contains("boss lightened bolt, nut"),
        "{}",
        list.body
    );
    let weights: Vec<i32> = part::Entity::find()
        .filter(part::Column::Name.is_in(["bolt", "nut", "secret gear"]))
        .order_by_asc(part::Column::Id)
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.weight)
        .collect();
    assert_eq!(weights, [9, 19, 30]);
    let hidden = app.get(&format!("/admin/part/{secret}/")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

async fn an_admin_add_of_a_user_with_only_username_and_password_is_active(db: TestDb) {
    let app = crate::admin_app!(db);
    let token = app.csrf_token().await;
    let added = app
        .post_form(
            "/admin/user/add/",
            &[
                ("csrf_token", &token),
                ("username", "dora"),
                ("password", "dora-password"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // What a browser sends when the "active" box is unticked: the hidden `false` alone.
    let unticked = app
        .post_form(
            "/admin/user/add/",
            &[
                ("csrf_token", &token),
                ("username", "eve"),
                ("password", "eve-password"),
                ("active", "false"),
            ],
        )
        .await;
    assert_eq!(unticked.status, StatusCode::SEE_OTHER, "{}", unticked.body);
    let users = user::Entity::find().all(&app.db.db).await.unwrap();
    let find = |name: &str| users.iter().find(|u| u.username == name).unwrap();
    assert!(find("dora").active && !find("dora").admin);
    assert!(!find("eve").active);
}

/// Lets nobody see parts, with a reason.
struct Sealed;

#[actix_sea::async_trait]
impl ModelAdmin<part::Entity> for Sealed {
    async fn has_view_permission(
        &self,
        _: &Context,
        _: Option<&part::Model>,
    ) -> Result<(), Refusal> {
        Err(Refusal::new("the parts store is sealed"))
    }
}

async fn a_view_refusal_closes_the_list_export_lookup_and_edit_page(db: TestDb) {
    let app = app_with(db, Sealed).await;
    let bolt = add_part(&app.db.db, "bolt", 3).await;
    for path in [
        "/admin/part/".to_owned(),
        "/admin/part/export/?format=csv".to_owned(),
        format!("/admin/part/{bolt}/"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("the parts store is sealed"), "{path}");
    }
    let lookup = app.get("/admin/part/lookup/?q=bolt").await;
    assert_eq!(lookup.status, StatusCode::FORBIDDEN);
    assert_eq!(lookup.json()["detail"], "the parts store is sealed");
    let add = app.get("/admin/part/add/").await;
    assert_eq!(add.status, StatusCode::OK, "adding is another permission");
}

/// Searches `weight` as if it were a foreign key to the user table.
struct WrongHop;

impl ModelAdmin<part::Entity> for WrongHop {
    fn search_fields(&self) -> Vec<Field<part::Entity>> {
        vec![Field::via(part::Column::Weight, user::Column::Username)]
    }
}

async fn a_field_via_a_column_that_is_no_foreign_key_fails_the_build(db: TestDb) {
    let site = example_site::Site::new(db.db.clone(), &config()).unwrap();
    let built = Admin::builder(&site.auth)
        .register(part::Entity, WrongHop)
        .build();
    let Err(Error::Config(message)) = built else {
        panic!("the build must fail");
    };
    assert!(
        message.contains("`weight` is not a foreign key to `user`"),
        "{message}"
    );
}

crate::on_every_database!(example:
    a_view_refusal_closes_the_list_export_lookup_and_edit_page,
    a_field_via_a_column_that_is_no_foreign_key_fails_the_build,
    save_model_refuses_beside_the_field_and_sees_the_caller,
    a_change_permission_row_rule_is_a_403_with_its_reason,
    a_refusal_from_before_delete_shows_the_confirmation_again,
    an_action_gets_typed_rows_within_get_query,
    an_admin_add_of_a_user_with_only_username_and_password_is_active,
);
