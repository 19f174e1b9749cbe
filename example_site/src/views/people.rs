//! People: the user list, a user's page, and who you follow and who follows you.

use actix_sea::auth::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use tera::Context;

use super::display::UserView;
use super::page::{PER_PAGE, Page};
use super::timeline::messages_page;
use crate::Site;
use crate::models::{message, relationship, user};
use actix_sea::Error;

/// Longer names cannot belong to anyone; they are answered without a query.
const MAX_USERNAME: usize = 150;

/// The user called `username`, if there is one.
pub(super) async fn find_user(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<user::Model>, DbErr> {
    if username.len() > MAX_USERNAME || username.contains('\0') {
        return Ok(None);
    }
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// The 404 page for a username nobody has.
pub(super) fn no_such_user(page: &Page, username: &str) -> HttpResponse {
    let shown: String = username.chars().take(MAX_USERNAME).collect();
    page.error(
        StatusCode::NOT_FOUND,
        &format!("There is no user called “{shown}”."),
    )
}

async fn users_page(
    site: &Site,
    page: &Page,
    condition: Condition,
    nav: &str,
    heading: &str,
    empty: &str,
) -> Result<HttpResponse, Error> {
    let mut rows = user::Entity::find()
        .filter(condition)
        .order_by_asc(user::Column::Username)
        .offset(page.offset())
        .limit(PER_PAGE + 1)
        .all(&site.db)
        .await?;
    let pager = page.pager(&mut rows);
    let users: Vec<UserView> = rows.iter().map(UserView::from).collect();
    let mut context = Context::new();
    context.insert("nav", nav);
    context.insert("heading", heading);
    context.insert("empty", empty);
    context.insert("users", &users);
    context.insert("pager", &pager);
    Ok(page.render("site/users.html", context))
}

/// The ids in `column` of the relationships whose `by` column is `user_id`.
fn related(
    column: relationship::Column,
    by: relationship::Column,
    user_id: i64,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(column)
        .from(relationship::Entity)
        .and_where(by.eq(user_id))
        .to_owned()
}

/// `/users/`: everyone, by name.
pub async fn user_list(site: web::Data<Site>, page: Page) -> Result<HttpResponse, Error> {
    users_page(
        &site,
        &page,
        Condition::all(),
        "users",
        "Users",
        "No users yet.",
    )
    .await
}

/// `/following/`: the users you follow.
pub async fn following(
    site: web::Data<Site>,
    user: CurrentUser,
    page: Page,
) -> Result<HttpResponse, Error> {
    let ids = related(
        relationship::Column::ToUser,
        relationship::Column::FromUser,
        user.id(),
    );
    let condition = Condition::all().add(user::Column::Id.in_subquery(ids));
    let empty = "You are not following anyone yet.";
    users_page(&site, &page, condition, "following", "Following", empty).await
}

/// `/followers/`: the users who follow you.
pub async fn followers(
    site: web::Data<Site>,
    user: CurrentUser,
    page: Page,
) -> Result<HttpResponse, Error> {
    let ids = related(
        relationship::Column::FromUser,
        relationship::Column::ToUser,
        user.id(),
    );
    let condition = Condition::all().add(user::Column::Id.in_subquery(ids));
    let empty = "Nobody follows you yet.";
    users_page(&site, &page, condition, "followers", "Followers", empty).await
}

/// The relationship "`from` follows `to`".
pub(super) fn pair(from: i64, to: i32) -> Condition {
    Condition::all()
        .add(relationship::Column::FromUser.eq(from))
        .add(relationship::Column::ToUser.eq(to))
}

/// `/users/<username>/`: a user's messages, how many follow them, and a follow button.
pub async fn user_detail(
    site: web::Data<Site>,
    page: Page,
    username: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let Some(shown) = find_user(&site.db, &username).await? else {
        return Ok(no_such_user(&page, &username));
    };
    let mine = Condition::all().add(message::Column::User.eq(shown.id));
    let (messages, pager) = messages_page(&site.db, &page, mine).await?;
    let count = |column: relationship::Column| {
        relationship::Entity::find()
            .filter(column.eq(shown.id))
            .count(&site.db)
    };
    let followers = count(relationship::Column::ToUser).await?;
    let following = count(relationship::Column::FromUser).await?;
    let relation = match page.user() {
        None => "anonymous",
        Some(me) if me.id() == i64::from(shown.id) => "self",
        Some(me) => {
            let found = relationship::Entity::find()
                .filter(pair(me.id(), shown.id))
                .count(&site.db)
                .await?;
            if found > 0 {
                "following"
            } else {
                "not_following"
            }
        }
    };
    let mut context = Context::new();
    context.insert("profile", &UserView::from(&shown));
    context.insert("messages", &messages);
    context.insert("pager", &pager);
    context.insert("followers", &followers);
    context.insert("following", &following);
    context.insert("relation", relation);
    context.insert("empty", "No messages yet.");
    Ok(page.render("site/user.html", context))
}
