//! The site's REST API, as in flask-peewee's example: users (admin writes), messages,
//! relationships and notes, each owned by its author.

use actix_sea::auth::{Auth, USERNAME_TAKEN};
use actix_sea::orm::{ModelInfo, Record, value};
use actix_sea::rest::{
    AdminAuthentication, ApiContext, Changes, RestApi, RestResource, UserAuthentication,
};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, Value};

use crate::models::{message, note, relationship, user};

/// Users: password and email are write-only, admin and active read-only; only admins write.
pub struct UserResource {
    auth: Auth,
}

impl UserResource {
    /// The resource, hashing passwords with `auth`'s hasher.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }

    /// The library's username rule, as at `/join/`, in the admin and the CLI, on create and
    /// rename: a name whose characters are refused gets 400; a name that looks like another
    /// user's is taken, 409 as for an identical one (the same answer whichever it is, and the
    /// one the unique index gives when two creates race). A user may be renamed to a variant
    /// of their own name.
    async fn refuse_look_alike(
        &self,
        row: Option<&Record>,
        changes: &Changes,
    ) -> Result<(), actix_sea::Error> {
        let Some(Value::String(Some(name))) = changes.get("username") else {
            return Ok(());
        };
        let info = ModelInfo::of::<user::Entity>();
        let id = row
            .and_then(|row| row.get(&info, "id"))
            .and_then(|id| value::to_text(id).parse().ok());
        match self.auth.username_refusal(name, id).await? {
            None => Ok(()),
            Some(reason) if reason == USERNAME_TAKEN => Err(actix_sea::Error::Conflict(
                actix_sea::Conflict::on(user::Column::Username),
            )),
            Some(reason) => Err(actix_sea::Error::BadRequest(format!(
                "field `username`: {reason}"
            ))),
        }
    }
}

impl RestResource<user::Entity> for UserResource {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password, user::Column::Email]
    }

    fn readonly_fields(&self) -> Vec<user::Column> {
        vec![
            user::Column::Admin,
            user::Column::Active,
            user::Column::JoinDate,
        ]
    }

    /// Stores an argon2id hash of the password sent, never the password.
    fn before_save<'a>(
        &'a self,
        _: &'a ApiContext,
        row: Option<&'a Record>,
        changes: &'a mut Changes,
    ) -> BoxFuture<'a, Result<(), actix_sea::Error>> {
        Box::pin(async move {
            self.refuse_look_alike(row, changes).await?;
            if let Some(Value::String(Some(password))) = changes.get("password").cloned() {
                if password.is_empty() {
                    return Err(actix_sea::Error::BadRequest(
                        "field `password` may not be empty".into(),
                    ));
                }
                changes.set("password", self.auth.hasher().hash(&password).await?);
            }
            Ok(())
        })
    }
}

/// Messages: owned by `user`, returned with the user nested.
pub struct MessageResource;

impl RestResource<message::Entity> for MessageResource {
    fn owner_field(&self) -> Option<message::Column> {
        Some(message::Column::User)
    }

    fn include_resources(&self) -> Vec<message::Column> {
        vec![message::Column::User]
    }
}

/// Follows: owned by `from_user`, both users nested, all on one page.
pub struct RelationshipResource;

impl RestResource<relationship::Entity> for RelationshipResource {
    fn owner_field(&self) -> Option<relationship::Column> {
        Some(relationship::Column::FromUser)
    }

    fn include_resources(&self) -> Vec<relationship::Column> {
        vec![relationship::Column::FromUser, relationship::Column::ToUser]
    }

    fn paginate_by(&self) -> Option<u64> {
        None
    }

    /// Nobody follows themselves, as on the site. On create the owner column is already
    /// stamped with the caller; on an update `from_user` comes from the stored row.
    fn before_save<'a>(
        &'a self,
        _: &'a ApiContext,
        row: Option<&'a Record>,
        changes: &'a mut Changes,
    ) -> BoxFuture<'a, Result<(), actix_sea::Error>> {
        Box::pin(async move {
            // A `Record` is read through the model's metadata, which the hook has to build.
            let info = ModelInfo::of::<relationship::Entity>();
            let current = |name: &str| {
                changes
                    .get(name)
                    .or_else(|| row.and_then(|row| row.get(&info, name)))
                    .map(value::to_text)
            };
            let from = current("from_user");
            if from.is_some() && from == current("to_user") {
                return Err(actix_sea::Error::BadRequest(
                    "field `to_user`: you cannot follow yourself".into(),
                ));
            }
            Ok(())
        })
    }
}

/// Notes: owned by `user`, user nested, only live notes (status 1) visible.
pub struct NoteResource;

impl RestResource<note::Entity> for NoteResource {
    fn owner_field(&self) -> Option<note::Column> {
        Some(note::Column::User)
    }

    fn include_resources(&self) -> Vec<note::Column> {
        vec![note::Column::User]
    }

    fn get_query(&self, _: &ApiContext) -> Condition {
        Condition::all().add(note::Column::Status.eq(1))
    }
}

/// The site's API under `/api/`.
pub fn build(db: DatabaseConnection, auth: &Auth) -> RestApi {
    RestApi::builder(db)
        .default_auth(UserAuthentication::new(auth.clone()))
        .secret_key(&auth.derive_key("api cursors"))
        .register_with_auth::<user::Entity, _>(
            UserResource::new(auth.clone()),
            AdminAuthentication::new(auth.clone()),
        )
        .register::<message::Entity, _>(MessageResource)
        .register::<relationship::Entity, _>(RelationshipResource)
        .register::<note::Entity, _>(NoteResource)
        .build()
}
