//! A bookshelf on actix-sea: authors, books, reviews and tags, with the shop's rules written
//! once, as hooks. The whole wiring is this file, `api.rs` and `admin.rs`; the rules every
//! write obeys live on the entities in `models/`.

pub mod admin;
pub mod api;
pub mod migrations;
pub mod models;

use actix_sea::admin::Admin;
use actix_sea::auth::Auth;
use actix_sea::rest::RestApi;
use actix_sea::{AppFactory, Error};
use actix_web::{App, HttpResponse, http::header, web};
use sea_orm::DatabaseConnection;

/// The three front doors; cheap to clone.
#[derive(Clone)]
pub struct Shelf {
    /// Login, sessions, CSRF.
    pub auth: Auth,
    /// `/api/`.
    pub api: RestApi,
    /// `/admin/`.
    pub admin: Admin,
}

impl Shelf {
    /// The shop over a migrated database, signing cookies with `secret_key`.
    ///
    /// # Errors
    /// A configuration the crate refuses (a short key, say).
    pub fn new(db: DatabaseConnection, secret_key: &[u8]) -> Result<Self, Error> {
        let auth = Auth::builder(db, models::user::Entity, secret_key)
            .branding("Bookshelf")
            .build()?;
        Ok(Self {
            api: api::build(&auth)?,
            admin: admin::build(&auth)?,
            auth,
        })
    }
}

/// The application: the same for `main` and the tests.
pub fn app(shelf: Shelf) -> App<impl AppFactory> {
    App::new()
        .wrap(shelf.auth.middleware())
        .service(shelf.auth.clone())
        .service(shelf.api.clone())
        .service(shelf.admin.clone())
        .route("/", web::get().to(home))
}

/// The shop has no pages of its own: its home is the admin.
async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}
