//! The app factory: what `serve` runs and what the tests drive.

use actix_sea::admin::Admin;
use actix_sea::auth::{Auth, CsrfProtect};
use actix_sea::rest::RestApi;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};
use sea_orm::DatabaseConnection;

use crate::auth::{self, AuthConfig};
use crate::views;

/// Everything the site's handlers share; cheap to clone.
#[derive(Clone)]
pub struct Site {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Login, sessions, CSRF.
    pub auth: Auth,
    /// The REST API.
    pub api: RestApi,
    /// The admin.
    pub admin: Admin,
}

impl Site {
    /// A site over a connected database whose tables exist.
    pub fn new(db: DatabaseConnection, config: &AuthConfig) -> Result<Self, actix_sea::Error> {
        let auth = auth::build(db.clone(), config)?;
        Self::with_auth(db, auth)
    }

    /// A site over a connected database with an `Auth` configured by the caller.
    pub fn with_auth(db: DatabaseConnection, auth: Auth) -> Result<Self, actix_sea::Error> {
        let api = crate::api::build(&auth);
        let admin = crate::admin::build(&auth)?;
        Ok(Self {
            db,
            auth,
            api,
            admin,
        })
    }
}

/// Builds the application: the same for `serve` and for the tests.
pub fn app(
    site: Site,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(site.auth.middleware())
        .app_data(web::Data::new(site.clone()))
        .service(site.auth.clone())
        .service(site.api.clone())
        .service(site.admin.clone())
        .route("/", web::get().to(views::home))
        .route("/private/", web::get().to(views::private_timeline))
        .route("/public/", web::get().to(views::public_timeline))
        .service(
            web::resource("/join/")
                .wrap(CsrfProtect)
                .route(web::get().to(views::join_form))
                .route(web::post().to(views::join)),
        )
        .route("/users/", web::get().to(views::user_list))
        .route("/users/{username}/", web::get().to(views::user_detail))
        .service(
            web::resource("/users/{username}/follow/")
                .wrap(CsrfProtect)
                .route(web::post().to(views::follow)),
        )
        .service(
            web::resource("/users/{username}/unfollow/")
                .wrap(CsrfProtect)
                .route(web::post().to(views::unfollow)),
        )
        .route("/following/", web::get().to(views::following))
        .route("/followers/", web::get().to(views::followers))
        .service(
            web::resource("/create/")
                .wrap(CsrfProtect)
                .route(web::get().to(views::create_form))
                .route(web::post().to(views::create)),
        )
        .default_service(web::to(views::not_found))
}
