//! The bookshelf's REST API under `/api/`: books and authors readable by anyone, reviews
//! written by their readers.

use actix_sea::auth::Auth;
use actix_sea::rest::{AdminAuthentication, RestApi, RestResource, UserAuthentication};
use actix_sea::{Context, Error, Refusal, async_trait};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, Condition};

use crate::models::{author, book, book_tag, review, tag, user};

/// How long a review stays editable by its author.
pub const EDIT_WINDOW: Duration = Duration::hours(24);

/// Books for sale: admins also see those out of stock, everyone else only what is in stock,
/// here and wherever a book is reached (nested in a review, a filter, a written key).
pub fn in_stock_unless_admin(ctx: &Context) -> Condition {
    if ctx.is_admin() {
        Condition::all()
    } else {
        Condition::all().add(book::Column::InStock.eq(true))
    }
}

/// Books: anyone reads, admins write.
pub struct BookResource;

impl RestResource<book::Entity> for BookResource {
    fn include_resources(&self) -> Vec<book::Column> {
        vec![book::Column::Author]
    }

    fn get_query(&self, ctx: &Context) -> Condition {
        in_stock_unless_admin(ctx)
    }
}

/// Reviews: owned by their reader, who may change them for [`EDIT_WINDOW`]; the date is the
/// server's.
pub struct ReviewResource;

#[async_trait]
impl RestResource<review::Entity> for ReviewResource {
    fn owner_field(&self) -> Option<review::Column> {
        Some(review::Column::User)
    }

    fn readonly_fields(&self) -> Vec<review::Column> {
        vec![review::Column::CreatedAt]
    }

    fn include_resources(&self) -> Vec<review::Column> {
        vec![review::Column::Book]
    }

    async fn check_put(&self, _: &Context, row: &review::Model) -> Result<(), Refusal> {
        if Utc::now() - row.created_at > EDIT_WINDOW {
            return Err(Refusal::new(
                "a review can only be changed in the 24 hours after it was written",
            ));
        }
        Ok(())
    }
}

/// Readers: names only; admins write.
pub struct UserResource;

impl RestResource<user::Entity> for UserResource {
    fn exclude(&self) -> Vec<user::Column> {
        vec![user::Column::Password]
    }

    fn readonly_fields(&self) -> Vec<user::Column> {
        vec![user::Column::Admin, user::Column::Active]
    }
}

/// Authors, tags and the tags on books: plain tables.
pub struct Plain;

impl RestResource<author::Entity> for Plain {}
impl RestResource<tag::Entity> for Plain {}
impl RestResource<book_tag::Entity> for Plain {}

/// The API: reads are public, writes need a reader (reviews) or an admin (the rest).
///
/// # Errors
/// A resource the crate refuses (see [`RestApiBuilder::build`](actix_sea::rest::RestApiBuilder::build)).
pub fn build(auth: &Auth) -> Result<RestApi, Error> {
    let readers = UserAuthentication::new(auth.clone());
    RestApi::builder(auth)
        .default_auth(AdminAuthentication::new(auth.clone()))
        .register(user::Entity, UserResource)
        .register(author::Entity, Plain)
        .register(book::Entity, BookResource)
        .register(tag::Entity, Plain)
        .register(book_tag::Entity, Plain)
        .register_with_auth(review::Entity, ReviewResource, readers)
        .build()
}
