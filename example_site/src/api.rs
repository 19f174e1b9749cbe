//! The site's REST API, as in flask-peewee's example: users (writes need the `user`
//! permission of the method, admins pass), messages,
//! relationships and notes, each owned by its author.

use actix_sea::prelude::*;
use sea_orm::{ColumnTrait, Condition};

use crate::models::{message, note, relationship, user};

/// Users: password and email are write-only, admin and active read-only; writes need the
/// method's permission (`user.add`, `user.change`, `user.delete`), admins pass.
/// The API hashes the password and checks the username itself, as for every user table.
pub struct UserResource;

impl RestResource<user::Entity> for UserResource {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password, user::Column::Email]
    }

    fn readonly_fields(&self) -> Vec<user::Column> {
        use user::Column::*;
        vec![Admin, Active, JoinDate]
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

    fn get_query(&self, _: &Context) -> Condition {
        Condition::all().add(note::Column::Status.eq(1))
    }
}

/// The site's API under `/api/`.
///
/// # Errors
///
/// [`Error::Config`] if the resources do not fit together (see [`RestApiBuilder::build`]).
pub fn build(auth: &Auth) -> Result<RestApi, Error> {
    let staff = PermissionAuthentication::new(auth.clone());
    RestApi::builder(auth)
        .default_auth(UserAuthentication::new(auth.clone()))
        .register_with_auth(user::Entity, UserResource, staff)
        .register(message::Entity, MessageResource)
        .register(relationship::Entity, RelationshipResource)
        .register(note::Entity, NoteResource)
        .build()
}
