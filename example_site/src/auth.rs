//! The site's auth: the user entity, the secret key and the cookie policy.

use std::path::PathBuf;

use actix_sea::auth::{Auth, AuthBuilder};
use sea_orm::DatabaseConnection;

use crate::models::user;

/// How the site's sessions are configured.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The cookie-signing key (at least 64 bytes).
    pub secret_key: Vec<u8>,
    /// Whether cookies carry `Secure` (off when serving plain HTTP in development).
    pub secure_cookies: bool,
}

/// The site's `Auth`.
pub fn build(db: DatabaseConnection, config: &AuthConfig) -> Result<Auth, actix_sea::Error> {
    builder(db, config).build()
}

/// The site's `Auth` settings, for callers that add their own (a Redis session store).
pub fn builder(db: DatabaseConnection, config: &AuthConfig) -> AuthBuilder {
    Auth::builder(db)
        .user_entity::<user::Entity>()
        .secret_key(&config.secret_key)
        .secure_cookies(config.secure_cookies)
        .branding("Example Site")
        .image_sources(["https://www.gravatar.com"])
}

/// Where development mode keeps its generated key: beside an SQLite database file, else in
/// the working directory.
pub fn key_file_for(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.starts_with(':'));
    match path {
        Some(path) => PathBuf::from(format!("{path}.key")),
        None => PathBuf::from("example_site.key"),
    }
}
