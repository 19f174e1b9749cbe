//! The timelines: home, private (the messages of the users you follow) and public (everyone's).

use actix_sea::auth::CurrentUser;
use actix_web::{HttpResponse, web};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tera::Context;

use super::display::MessageView;
use super::page::{PER_PAGE, Page, Pager};
use crate::Site;
use crate::models::{message, relationship, user};
use actix_sea::Error;

/// One page of the messages that match `condition`, newest first, each with its author: one
/// query, whatever the page holds.
pub async fn messages_page(
    db: &DatabaseConnection,
    page: &Page,
    condition: Condition,
) -> Result<(Vec<MessageView>, Pager), DbErr> {
    let mut rows = message::Entity::find()
        .find_also_related(user::Entity)
        .filter(condition)
        .order_by_desc(message::Column::PubDate)
        .order_by_desc(message::Column::Id)
        .offset(page.offset())
        .limit(PER_PAGE + 1)
        .all(db)
        .await?;
    let pager = page.pager(&mut rows);
    let messages = rows
        .into_iter()
        .filter_map(|(message, author)| author.map(|author| MessageView::new(message, &author)))
        .collect();
    Ok((messages, pager))
}

/// The messages of the users that `user_id` follows, selected with a subquery.
fn followed_by(user_id: i64) -> Condition {
    let followed = Query::select()
        .column(relationship::Column::ToUser)
        .from(relationship::Entity)
        .and_where(relationship::Column::FromUser.eq(user_id))
        .to_owned();
    Condition::all().add(message::Column::User.in_subquery(followed))
}

async fn timeline(
    site: &Site,
    page: &Page,
    condition: Condition,
    nav: &str,
    heading: &str,
    empty: &str,
) -> Result<HttpResponse, Error> {
    let (messages, pager) = messages_page(&site.db, page, condition).await?;
    let mut context = Context::new();
    context.insert("nav", nav);
    context.insert("heading", heading);
    context.insert("empty", empty);
    context.insert("messages", &messages);
    context.insert("pager", &pager);
    Ok(page.render("site/timeline.html", context))
}

async fn private_page(site: &Site, page: &Page, user_id: i64) -> Result<HttpResponse, Error> {
    timeline(
        site,
        page,
        followed_by(user_id),
        "private",
        "Private timeline",
        "Nothing here yet: the messages of the people you follow appear here.",
    )
    .await
}

/// `/`: the private timeline when logged in, else the public one.
pub async fn home(site: web::Data<Site>, page: Page) -> Result<HttpResponse, Error> {
    match page.user() {
        Some(user) => private_page(&site, &page, user.id()).await,
        None => public_timeline(site, page).await,
    }
}

/// `/private/`: the messages of the users you follow.
pub async fn private_timeline(
    site: web::Data<Site>,
    user: CurrentUser,
    page: Page,
) -> Result<HttpResponse, Error> {
    private_page(&site, &page, user.id()).await
}

/// `/public/`: everyone's messages.
pub async fn public_timeline(site: web::Data<Site>, page: Page) -> Result<HttpResponse, Error> {
    timeline(
        &site,
        &page,
        Condition::all(),
        "public",
        "Public timeline",
        "No messages yet.",
    )
    .await
}
