//! The public site, as in the peewee example: the timelines, the people, joining and posting.
//! Handlers are plain functions over `web::Data<Site>`; [`scope`] maps the URLs to them.

mod create;
mod display;
mod follow;
mod join;
mod page;
mod people;
pub(crate) mod templates;
mod timeline;

pub use create::{MAX_MESSAGE, create, create_form};
pub use follow::{follow, to_user_page, unfollow};
pub use join::{join, join_form};
pub use page::{PER_PAGE, Page};
pub use people::{followers, following, user_detail, user_list};
pub use timeline::{home, private_timeline, public_timeline};

use actix_sea::auth::{Auth, CsrfProtect, error_pages};
use actix_web::dev::HttpServiceFactory;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};

/// The site's URLs, every form CSRF-checked once for the whole scope (mount it last: it
/// answers every path the auth, API and admin did not take, with the site's 404 page). A
/// handler's error is answered with the site's error page, rendered from `auth`'s templates.
pub fn scope(auth: Auth) -> impl HttpServiceFactory {
    web::scope("")
        .app_data(web::Data::new(auth))
        .wrap(from_fn(error_pages))
        .wrap(CsrfProtect)
        .route("/", web::get().to(home))
        .route("/private/", web::get().to(private_timeline))
        .route("/public/", web::get().to(public_timeline))
        .service(
            web::resource("/join/")
                .route(web::get().to(join_form))
                .route(web::post().to(join)),
        )
        .route("/users/", web::get().to(user_list))
        .route("/users/{username}/", web::get().to(user_detail))
        .service(
            web::resource("/users/{username}/follow/")
                .route(web::get().to(to_user_page))
                .route(web::post().to(follow)),
        )
        .service(
            web::resource("/users/{username}/unfollow/")
                .route(web::get().to(to_user_page))
                .route(web::post().to(unfollow)),
        )
        .route("/following/", web::get().to(following))
        .route("/followers/", web::get().to(followers))
        .service(
            web::resource("/create/")
                .route(web::get().to(create_form))
                .route(web::post().to(create)),
        )
        .default_service(web::to(not_found))
}

/// Any other URL: the site's 404 page.
pub async fn not_found(page: Page) -> HttpResponse {
    page.error(StatusCode::NOT_FOUND, "There is no page at this address.")
}
