//! The app factory: what `serve` runs and what the tests drive.

use actix_sea::prelude::*;
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
    /// A site over a connected, migrated database.
    pub fn new(db: DatabaseConnection, config: &AuthConfig) -> Result<Self, Error> {
        Self::with_auth(db.clone(), auth::builder(db, config).build()?)
    }

    /// A site over a migrated database with an `Auth` configured by the caller.
    pub fn with_auth(db: DatabaseConnection, auth: Auth) -> Result<Self, Error> {
        let (api, admin) = (crate::api::build(&auth)?, crate::admin::build(&auth)?);
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
        .service(views::scope(site.auth.clone()))
}
