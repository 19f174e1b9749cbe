//! Following and unfollowing: POST forms on a user's page, CSRF-checked.

use actix_sea::Context;
use actix_sea::audit::Transaction;
use actix_sea::auth::{CurrentUser, Level, flash};
use actix_web::{HttpResponse, web};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{EntityTrait, QueryFilter, SqlErr};

use super::display::user_url;
use super::page::{Page, see_other, user_id};
use super::people::{find_user, no_such_user, pair};
use crate::Site;
use crate::models::relationship;
use actix_sea::Error;

/// `POST /users/<username>/follow/`. Following twice is harmless: the pair is unique, and a
/// second insert (or a race with another tab) only hits that constraint.
pub async fn follow(
    site: web::Data<Site>,
    user: CurrentUser,
    caller: Context,
    page: Page,
    username: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let Some(target) = find_user(&site.db, &username).await? else {
        return Ok(no_such_user(&page, &username));
    };
    let back = user_url(&target.username);
    if i64::from(target.id) == user.id() {
        flash(page.session(), Level::Error, "You cannot follow yourself.");
        return Ok(see_other(&back));
    }
    let row = relationship::ActiveModel {
        id: NotSet,
        from_user: Set(user_id(&user)?),
        to_user: Set(target.id),
    };
    let txn = Transaction::begin(&site.db, &caller).await?;
    match txn.insert(row).await {
        Ok(_) => txn.commit().await?,
        // Already followed: nothing changed, and the dropped transaction rolls back.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
        Err(error) => return Err(error.into()),
    }
    let text = format!("You are following {}.", target.username);
    flash(page.session(), Level::Success, text);
    Ok(see_other(&back))
}

/// `POST /users/<username>/unfollow/`.
pub async fn unfollow(
    site: web::Data<Site>,
    user: CurrentUser,
    caller: Context,
    page: Page,
    username: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let Some(target) = find_user(&site.db, &username).await? else {
        return Ok(no_such_user(&page, &username));
    };
    let txn = Transaction::begin(&site.db, &caller).await?;
    let followed = relationship::Entity::find()
        .filter(pair(user.id(), target.id))
        .one(&*txn)
        .await?;
    let Some(followed) = followed else {
        let text = format!("You were not following {}.", target.username);
        flash(page.session(), Level::Info, text);
        return Ok(see_other(&user_url(&target.username)));
    };
    txn.delete(followed).await?;
    txn.commit().await?;
    let text = format!("You are no longer following {}.", target.username);
    flash(page.session(), Level::Success, text);
    Ok(see_other(&user_url(&target.username)))
}

/// `GET /users/<username>/follow/` (or `unfollow/`): the user's page, where the button is. A
/// visitor who pressed it before logging in comes back here from the login page.
pub async fn to_user_page(username: web::Path<String>) -> HttpResponse {
    see_other(&user_url(&username))
}
