//! The app factory: what `serve` runs and what the tests drive.

use actix_sea::AppFactory;
use actix_sea::admin::Admin;
use actix_sea::auth::Auth;
use actix_sea::rest::RestApi;
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
pub fn app(site: Site) -> App<impl AppFactory> {
    App::new()
        .wrap(site.auth.middleware())
        .app_data(web::Data::new(site.clone()))
        .service(site.auth.clone())
        .service(site.api.clone())
        .service(site.admin.clone())
        .service(views::scope())
}
