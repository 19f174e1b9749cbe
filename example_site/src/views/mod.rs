//! The public site, as in the peewee example: the timelines, the people, joining and posting.
//! Handlers are plain functions over `web::Data<Site>`; `app()` maps the URLs to them.

mod create;
mod display;
mod failure;
mod follow;
mod join;
mod page;
mod people;
mod templates;
mod timeline;

pub use create::{MAX_MESSAGE, create, create_form};
pub use failure::Failure;
pub use follow::{follow, unfollow};
pub use join::{join, join_form};
pub use page::{PER_PAGE, Page};
pub use people::{followers, following, user_detail, user_list};
pub use timeline::{home, private_timeline, public_timeline};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// Any other URL: the site's 404 page.
pub async fn not_found(page: Page) -> HttpResponse {
    page.error(StatusCode::NOT_FOUND, "There is no page at this address.")
}
