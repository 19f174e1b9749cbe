//! SPEC "Round 2 > Your schema, your rules", the API side: `RestResource` hooks are `async`,
//! know the caller and see the entity's own types; a refusal may give its reason; deletes run
//! the entity's delete hooks; the user resource hashes passwords itself.

use actix_sea::rest::{RestApi, RestResource, UserAuthentication};
use actix_sea::{Context, Error, Invalid, Refusal};
use actix_web::http::StatusCode;
use example_site::models::user;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Map, Value as Json, json};

use crate::app::{config, wrap};
use crate::rules::{create_gadgets, gadget};
use crate::support::TestDb;

const ALICE: Option<(&str, &str)> = Some(("alice", "wonderland"));
const ROOT: Option<(&str, &str)> = Some(("root", "toor"));

/// Gadgets with a rule in every hook.
struct GadgetRules;

#[actix_sea::async_trait]
impl RestResource<gadget::Entity> for GadgetRules {
    async fn check_get(&self, ctx: &Context, row: Option<&gadget::Model>) -> Result<(), Refusal> {
        match row {
            None if ctx.user().is_none() => Err(Refusal::new("log in to list gadgets")),
            Some(row) if row.name == "hidden" => Err(Refusal::new("not for you")),
            _ => Ok(()),
        }
    }

    async fn check_post(&self, _: &Context, new: &gadget::ActiveModel) -> Result<(), Refusal> {
        match new.name.try_as_ref() {
            Some(name) if name == "secret" => Err(Refusal::new("no secrets")),
            _ => Ok(()),
        }
    }

    async fn check_put(&self, _: &Context, row: &gadget::Model) -> Result<(), Refusal> {
        if row.weight > 50 {
            return Err(Refusal::default());
        }
        Ok(())
    }

    async fn check_delete(&self, _: &Context, row: &gadget::Model) -> Result<(), Refusal> {
        if row.name == "keeper" {
            return Err(Refusal::new("keepers stay"));
        }
        Ok(())
    }

    /// Names are trimmed, a new gadget is labelled with its maker, and a name never changes.
    async fn before_save(
        &self,
        ctx: &Context,
        old: Option<&gadget::Model>,
        new: &mut gadget::ActiveModel,
    ) -> Result<(), Error> {
        if let Set(name) = &new.name {
            new.name = Set(name.trim().to_owned());
        }
        match (old, new.name.try_as_ref()) {
            (Some(old), Some(name)) if *name != old.name => Err(Error::Invalid(Invalid::field(
                gadget::Column::Name,
                "cannot change",
            ))),
            (Some(_), _) => Ok(()),
            (None, _) => {
                let maker = ctx.user().map_or("nobody", |user| user.username());
                new.label = Set(format!("made by {maker}"));
                Ok(())
            }
        }
    }

    fn prepare_data(
        &self,
        _: &Context,
        row: &gadget::Model,
        mut data: Map<String, Json>,
    ) -> Map<String, Json> {
        data.insert("heavy".into(), json!(row.weight > 50));
        data
    }
}

macro_rules! gadget_app {
    ($db:expr) => {{
        let db: TestDb = $db;
        create_gadgets(&db.db).await;
        let mut site = example_site::Site::new(db.db.clone(), &config()).unwrap();
        site.api = RestApi::builder(&site.auth)
            .default_auth(UserAuthentication::new(site.auth.clone()))
            .register(gadget::Entity, GadgetRules)
            .build()
            .unwrap();
        let service = actix_web::test::init_service(example_site::app(site.clone())).await;
        let app = wrap(service, site, db);
        app.create_user("alice", "wonderland", false, true).await;
        app
    }};
}

async fn typed_hooks_see_the_caller_and_refuse_with_a_reason(db: TestDb) {
    let app = gadget_app!(db);
    let post = |body: Json| app.api("POST", "/api/gadget/", Some(body), ALICE);

    let lamp = post(json!({"name": " lamp ", "weight": 3})).await;
    assert_eq!(lamp.status, StatusCode::CREATED, "{}", lamp.body);
    let lamp = lamp.json();
    assert_eq!(lamp["name"], "lamp", "before_save trimmed it");
    assert_eq!(
        lamp["label"], "made by alice",
        "before_save knows the caller"
    );
    assert_eq!(lamp["heavy"], false, "prepare_data sees the typed row");

    let secret = post(json!({"name": " secret ", "weight": 3})).await;
    assert_eq!(secret.status, StatusCode::FORBIDDEN);
    assert_eq!(
        secret.json(),
        json!({"error": "Forbidden", "detail": "no secrets"}),
        "check_post sees the values before_save left"
    );

    let anvil = post(json!({"name": "anvil", "weight": 60})).await.json();
    assert_eq!(anvil["heavy"], true);
    let edit = app
        .api(
            "PATCH",
            &format!("/api/gadget/{}/", anvil["id"]),
            Some(json!({"weight": 10})),
            ALICE,
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    assert_eq!(
        edit.body, r#"{"error":"Forbidden"}"#,
        "no reason, no detail"
    );

    let rename = app
        .api(
            "PATCH",
            &format!("/api/gadget/{}/", lamp["id"]),
            Some(json!({"name": "torch", "weight": 4})),
            ALICE,
        )
        .await;
    assert_eq!(rename.status, StatusCode::BAD_REQUEST);
    assert_eq!(rename.json()["error"], "field `name`: cannot change");
    let kept = app
        .api(
            "PUT",
            &format!("/api/gadget/{}/", lamp["id"]),
            Some(json!({"name": "lamp", "weight": 4})),
            ALICE,
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(kept.json()["weight"], 4);
    assert_eq!(kept.json()["label"], "made by alice", "kept on update");

    let hidden = post(json!({"name": "hidden", "weight": 1})).await.json();
    let read = app
        .api(
            "GET",
            &format!("/api/gadget/{}/", hidden["id"]),
            None,
            ALICE,
        )
        .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN);
    assert_eq!(
        read.json(),
        json!({"error": "Forbidden", "detail": "not for you"})
    );
    let anonymous = app.api("GET", "/api/gadget/", None, None).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    assert_eq!(anonymous.json()["detail"], "log in to list gadgets");
    assert_eq!(
        app.api("GET", "/api/gadget/", None, ALICE).await.status,
        StatusCode::OK
    );

    let keeper = post(json!({"name": "keeper", "weight": 1})).await.json();
    let delete = app
        .api(
            "DELETE",
            &format!("/api/gadget/{}/", keeper["id"]),
            None,
            ALICE,
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert_eq!(
        delete.json(),
        json!({"error": "Forbidden", "detail": "keepers stay"})
    );
    assert_eq!(gadget::Entity::find().count(&app.db.db).await.unwrap(), 4);
}

async fn api_deletes_run_the_entitys_delete_hooks(db: TestDb) {
    let app = gadget_app!(db);
    let anchor = app
        .api(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "anchor", "weight": 90})),
            ALICE,
        )
        .await
        .json();
    let lamp = app
        .api(
            "POST",
            "/api/gadget/",
            Some(json!({"name": "lamp", "weight": 3})),
            ALICE,
        )
        .await
        .json();
    for request in [
        ("DELETE", format!("/api/gadget/{}/", anchor["id"])),
        ("POST", format!("/api/gadget/{}/delete/", anchor["id"])),
    ] {
        let refused = app.api(request.0, &request.1, None, ALICE).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(refused.json()["error"], "an anchor stays where it is");
    }
    assert!(
        gadget::Entity::find_by_id(anchor["id"].as_i64().unwrap() as i32)
            .one(&app.db.db)
            .await
            .unwrap()
            .is_some(),
        "the row stays"
    );
    let deleted = app
        .api(
            "DELETE",
            &format!("/api/gadget/{}/", lamp["id"]),
            None,
            ALICE,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.json(), json!({"deleted": 1}));
    assert_eq!(gadget::Entity::find().count(&app.db.db).await.unwrap(), 1);
}

async fn stored_password(db: &TestDb, username: &str) -> String {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap()
        .password
}

async fn users_created_through_the_api_log_in_with_their_password(db: TestDb) {
    let app = crate::app::spawn(db).await;
    app.create_user("root", "toor", true, true).await;
    let created = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "carol", "password": "sea-shells", "email": "c@example.com"})),
            ROOT,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.json().get("password").is_none());
    let hash = stored_password(&app.db, "carol").await;
    assert!(hash.starts_with("$argon2id$"), "stored as a hash: {hash}");
    assert!(!hash.contains("sea-shells"));

    let carol = Some(("carol", "sea-shells"));
    let message = json!({"content": "hello from carol"});
    let posted = app
        .api("POST", "/api/message/", Some(message.clone()), carol)
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(
        app.login("carol", "sea-shells").await.status,
        StatusCode::SEE_OTHER
    );

    let empty = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "dave", "password": "", "email": ""})),
            ROOT,
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.json()["error"], "field `password`: may not be empty");
    // The sign-up page's e-mail rule is the entity's, so it holds here too.
    let odd = json!({"username": "dave", "password": "long-password", "email": "not-an-email"});
    let refused = app.api("POST", "/api/user/", Some(odd), ROOT).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("email"), "{}", refused.body);
    // The password page's rule holds here too: long enough, and not the username.
    for (username, password) in [("dave", "short"), ("dave-the-great", "Dave-The-Great")] {
        let weak = json!({"username": username, "password": password, "email": ""});
        let refused = app.api("POST", "/api/user/", Some(weak), ROOT).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body.contains("password"), "{}", refused.body);
    }
    let look_alike = app
        .api(
            "POST",
            "/api/user/",
            Some(json!({"username": "CAROL", "password": "x-x-x-x-x", "email": ""})),
            ROOT,
        )
        .await;
    assert_eq!(look_alike.status, StatusCode::CONFLICT);
    assert_eq!(
        look_alike.json()["error"],
        "field `username`: a user with this value already exists"
    );

    let id = created.json()["id"].clone();
    let url = format!("/api/user/{id}/");
    let blank = app
        .api("PATCH", &url, Some(json!({"password": ""})), ROOT)
        .await;
    assert_eq!(blank.status, StatusCode::OK, "{}", blank.body);
    assert_eq!(stored_password(&app.db, "carol").await, hash, "kept");
    let short = app
        .api("PATCH", &url, Some(json!({"password": "shell"})), ROOT)
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", short.body);
    assert_eq!(
        stored_password(&app.db, "carol").await,
        hash,
        "a refused write changes nothing"
    );
    let changed = app
        .api("PATCH", &url, Some(json!({"password": "new-shells"})), ROOT)
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let posted = app
        .api("POST", "/api/message/", Some(message.clone()), carol)
        .await;
    assert_eq!(posted.status, StatusCode::UNAUTHORIZED, "the old password");
    let posted = app
        .api(
            "POST",
            "/api/message/",
            Some(message),
            Some(("carol", "new-shells")),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED);
}

crate::on_every_database!(example:
    typed_hooks_see_the_caller_and_refuse_with_a_reason,
    api_deletes_run_the_entitys_delete_hooks,
    users_created_through_the_api_log_in_with_their_password,
);
