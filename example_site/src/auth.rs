//! The site's auth: the user entity, the secret key and the cookie policy.

use std::path::{Path, PathBuf};

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

/// The key from `SECRET_KEY` when set; otherwise the development key in `file`, created
/// (128 random hex characters, mode 0600) on first use.
pub fn secret_key(from_env: Option<String>, file: &Path) -> Result<Vec<u8>, String> {
    if let Some(key) = from_env {
        if key.len() < actix_sea::auth::MIN_KEY_BYTES {
            return Err(format!(
                "SECRET_KEY must be at least {} bytes long",
                actix_sea::auth::MIN_KEY_BYTES
            ));
        }
        return Ok(key.into_bytes());
    }
    if let Ok(existing) = std::fs::read_to_string(file) {
        let key = existing.trim().to_owned();
        if key.len() >= actix_sea::auth::MIN_KEY_BYTES {
            return Ok(key.into_bytes());
        }
    }
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(file, &key).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(key.into_bytes())
}

fn write_private(file: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file)?.write_all(contents.as_bytes())
}
