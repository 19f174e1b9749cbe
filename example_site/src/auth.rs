//! The site's auth: the user entity, the secret key and the cookie policy.

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

/// The site's `Auth` settings, for callers that add their own (a Redis session store): its
/// templates join the auth pages' and the admin's in one set.
pub fn builder(db: DatabaseConnection, config: &AuthConfig) -> AuthBuilder {
    let builder = Auth::builder(db, user::Entity, &config.secret_key)
        .secure_cookies(config.secure_cookies)
        .branding("Example Site")
        .image_sources(["https://www.gravatar.com"]);
    crate::views::templates::add(builder)
}
