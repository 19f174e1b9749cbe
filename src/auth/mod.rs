//! Authentication: login and logout pages, server-side sessions, argon2id passwords, CSRF
//! protection, login throttling, security headers, and the extractors and guards that tell
//! handlers who is asking.
//!
//! ```no_run
//! # use actix_web::{App, HttpServer};
//! # async fn run(db: sea_orm::DatabaseConnection, key: Vec<u8>) -> std::io::Result<()> {
//! use actix_sea::auth::Auth;
//! use example_site::models::user;
//!
//! let auth = Auth::builder(db, user::Entity, &key).build().unwrap();
//! HttpServer::new(move || App::new().wrap(auth.middleware()).service(auth.clone()))
//!     .bind("127.0.0.1:8000")?
//!     .run()
//!     .await
//! # }
//! ```

pub(crate) mod admin_users;
mod anonymous;
mod builder;
pub(crate) mod credentials;
pub mod csrf;
mod deadline;
mod extract;
mod guard;
mod key;
mod login;
mod middleware;
mod next;
mod outage;
pub mod password;
mod password_change;
mod redis_store;
mod session;
mod store;
mod throttle;
pub(crate) mod token;
mod user;
pub(crate) mod username;
mod views;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_session::Session;
use actix_web::HttpRequest;
use actix_web::cookie::Key;
use sea_orm::{DatabaseConnection, DatabaseExecutor, DatabaseTransaction};

pub use builder::{AuthBuilder, MIN_KEY_BYTES};
pub use csrf::{CsrfProtect, csrf_token, hidden_input};
pub(crate) use extract::resolved_user;
pub use extract::{AdminUser, CurrentUser};
pub use guard::{admin_required, error_pages, login_required, staff_required};
pub use key::secret_key_or_dev_file;
pub use login::LoginFailure;
pub use middleware::AuthMiddleware;
pub use next::safe_next;
pub use password::Hasher;
pub use password_change::{MIN_PASSWORD_CHARS, PasswordValidator, built_in_password_problem};
pub use redis_store::{REDIS_WAIT, RedisSessions};
pub use session::{Flash, Level, flash, take_flashes};
pub use store::{DbSessionStore, SessionBackend};
pub use throttle::ThrottleLimits;
pub use user::{StoredUser, UserEntity};
pub use username::{MAX_USERNAME_CHARS, normalize_username, username_problem};
pub(crate) use views::redirect;
pub use views::see_other;

/// A row of the session table, for maintenance scripts and tests.
pub use store::entity::ActiveModel as SessionRow;
/// The session table's entity (`actix_sea_session`; created by [`crate::db::migrations`]).
pub use store::entity::Entity as SessionTable;
/// The failed-login table's entity (`actix_sea_login_failure`; created by
/// [`crate::db::migrations`]).
pub use throttle::entity::Entity as LoginFailureTable;

use crate::Error;
use crate::templates::Templates;
use throttle::Throttle;
use user::UserStore;

/// The auth blueprint: mount it with `.service(auth.clone())` (login and logout pages under
/// `/accounts/`) and wrap the app in [`Auth::middleware`]. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    db: DatabaseConnection,
    users: Arc<dyn UserStore>,
    hasher: Hasher,
    prefix: String,
    default_redirect: String,
    key: Key,
    secure_cookies: bool,
    cookie_name: String,
    idle_timeout: Duration,
    absolute_timeout: Duration,
    body_timeout: Duration,
    content_security_policy: actix_web::http::header::HeaderValue,
    sessions: SessionBackend,
    throttle: Throttle,
    trusted_proxies: Vec<IpAddr>,
    templates: Templates,
    branding: String,
    credentials: credentials::CredentialCache,
    password_validator: Option<PasswordValidator>,
}

/// The refusal of a name that looks like an existing one (the same as for a taken name, so
/// that it says nothing about how alike they are).
pub const USERNAME_TAKEN: &str = "This username is already taken.";

/// [`Auth::username_refusal`] for tools that have a database but no [`Auth`] (a command-line
/// `create-user`).
///
/// # Errors
///
/// The database's error when the user table cannot be read.
pub async fn username_refusal<E: UserEntity>(
    db: &DatabaseConnection,
    name: &str,
    except: Option<i64>,
) -> Result<Option<String>, sea_orm::DbErr> {
    let db = DatabaseExecutor::from(db);
    refusal(&user::Users::<E>::new(), &db, name, except).await
}

/// [`Auth::username_refusal_in`] for tools that have a database but no [`Auth`].
///
/// # Errors
///
/// The database's error when the user table cannot be read or locked.
pub async fn username_refusal_in<E: UserEntity>(
    txn: &DatabaseTransaction,
    name: &str,
    except: Option<i64>,
) -> Result<Option<String>, sea_orm::DbErr> {
    let db = DatabaseExecutor::from(txn);
    locked_refusal(&user::Users::<E>::new(), &db, name, except).await
}

async fn refusal(
    users: &dyn UserStore,
    db: &DatabaseExecutor<'_>,
    name: &str,
    except: Option<i64>,
) -> Result<Option<String>, sea_orm::DbErr> {
    if let Some(problem) = username_problem(name) {
        return Ok(Some(problem.to_owned()));
    }
    let existing = users.look_alike(db, name, except).await?;
    Ok(existing.map(|_| USERNAME_TAKEN.to_owned()))
}

/// [`refusal`] after the lock every choice of a name takes (see [`UserStore::lock_names`]).
async fn locked_refusal(
    users: &dyn UserStore,
    db: &DatabaseExecutor<'_>,
    name: &str,
    except: Option<i64>,
) -> Result<Option<String>, sea_orm::DbErr> {
    users.lock_names(db).await?;
    refusal(users, db, name, except).await
}

impl Auth {
    /// Starts configuring auth over `db`, for the site's user entity, with the key that signs
    /// session cookies (at least [`MIN_KEY_BYTES`] bytes from configuration; see
    /// [`secret_key_or_dev_file`] for development).
    pub fn builder<E: UserEntity>(
        db: DatabaseConnection,
        users: E,
        secret_key: &[u8],
    ) -> AuthBuilder {
        AuthBuilder::new(db, users, secret_key)
    }

    /// The database the user table lives in.
    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// What is wrong with `password` as the new password of `username`, for a person: empty,
    /// shorter than [`MIN_PASSWORD_CHARS`] characters, the username itself, or refused by the
    /// site's [`password_validator`](AuthBuilder::password_validator); `None` when it may be
    /// used. The password page, the admin's user form and the API's user resource all ask
    /// it; a site's own sign-up page should too.
    ///
    /// ```no_run
    /// # fn check(auth: &actix_sea::auth::Auth) {
    /// assert!(auth.password_problem("alice", "short").is_some());
    /// assert!(auth.password_problem("alice", "a long passphrase").is_none());
    /// # }
    /// ```
    pub fn password_problem(&self, username: &str, password: &str) -> Option<String> {
        password_change::new_password_problem(self, username, password)
    }

    /// The password hasher (bounded, on the blocking pool).
    pub fn hasher(&self) -> &Hasher {
        &self.inner.hasher
    }

    /// The URL prefix of the auth pages (default `/accounts`).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The login page's URL.
    pub fn login_url(&self) -> String {
        format!("{}/login/", self.inner.prefix)
    }

    /// The password-change page's URL.
    pub fn password_url(&self) -> String {
        format!("{}/password/", self.inner.prefix)
    }

    /// The logout page's URL.
    pub fn logout_url(&self) -> String {
        format!("{}/logout/", self.inner.prefix)
    }

    /// The slug (table name) of the user entity.
    pub fn user_table(&self) -> String {
        self.inner.users.table()
    }

    /// The name of the user entity's password-hash column.
    pub fn password_column(&self) -> String {
        self.inner.users.password_column()
    }

    /// The user table's admin-flag column, which only admins may set (in the admin and the
    /// API).
    pub(crate) fn admin_column(&self) -> String {
        self.inner.users.admin_column()
    }

    /// The site's name, shown in page titles.
    pub fn branding(&self) -> &str {
        &self.inner.branding
    }

    /// The template set the auth pages and the admin share, with the site's overrides.
    pub(crate) fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// Renders `name` from the one template set the auth pages, the admin and the site share:
    /// the crate's templates with those the site gave [`AuthBuilder::template`], which may
    /// replace the crate's (`base.html`, `error.html`) or add the site's own pages.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the template is unknown or fails to render (the cause names
    /// the template; it is logged when the error is answered, never shown).
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, Error> {
        self.inner.templates.render(name, context)
    }

    /// A key of its own for `purpose`, derived from the secret key (HMAC-SHA256 of the
    /// purpose under the session signing key): for example the API's cursor key, so that one
    /// configured secret serves both without either revealing the other.
    pub fn derive_key(&self, purpose: &str) -> Vec<u8> {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.inner.key.signing())
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The client address of a request, honouring `X-Forwarded-For` only from trusted proxies.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        throttle::client_ip(req, &self.inner.trusted_proxies)
    }

    /// Whether `name` may be chosen as a username, for the user with id `except` (`None` for a
    /// new user): `Ok(Some(reason))` when its characters are refused or it looks like an
    /// existing username (see [`normalize_username`] for the rule). Sign-up pages, the admin's
    /// user form and command-line tools call it before they store a name.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the user table cannot be read.
    pub async fn username_refusal(
        &self,
        name: &str,
        except: Option<i64>,
    ) -> Result<Option<String>, Error> {
        let db = DatabaseExecutor::from(&self.inner.db);
        Ok(refusal(self.inner.users.as_ref(), &db, name, except).await?)
    }

    /// [`Self::username_refusal`] in `txn`, the write transaction (see
    /// [`crate::audit::Transaction::begin`]) that then stores the name: the check first takes
    /// a lock that every such check takes, so two requests choosing look-alike names at the
    /// same moment cannot both pass it (the second sees the first's name). Call it just
    /// before the write; [`Self::username_refusal`] before it gives a quick answer.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the user table cannot be read or locked.
    pub async fn username_refusal_in(
        &self,
        txn: &DatabaseTransaction,
        name: &str,
        except: Option<i64>,
    ) -> Result<Option<String>, Error> {
        let db = DatabaseExecutor::from(txn);
        self.username_refusal_on(&db, name, except).await
    }

    /// [`Self::username_refusal_in`] on a front door's transaction.
    pub(crate) async fn username_refusal_on(
        &self,
        db: &DatabaseExecutor<'_>,
        name: &str,
        except: Option<i64>,
    ) -> Result<Option<String>, Error> {
        Ok(locked_refusal(self.inner.users.as_ref(), db, name, except).await?)
    }

    /// Counts a sign-up from `ip` against [`ThrottleLimits::signups`]: `Ok(Some(seconds))`
    /// when the address must wait that long. Call it when a sign-up form is valid, before the
    /// username check and the password hash.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the throttle table cannot be read or written.
    pub async fn allow_signup(&self, ip: IpAddr) -> Result<Option<u64>, Error> {
        let refused = self.inner.throttle.signup(ip).await?.err();
        if let Some(wait) = refused {
            tracing::warn!(%ip, retry_after = wait, "sign-up refused: too many from this address");
        }
        Ok(refused)
    }

    /// The user entity's username column.
    pub fn username_column(&self) -> String {
        self.inner.users.username_column()
    }

    /// Logs `user_id` in on `session` exactly as a successful login does: a new session id (no
    /// session fixation), a fresh CSRF token, the login time for the timeouts. For pages that
    /// sign a user in without a password check, such as a sign-up page right after it creates
    /// the user.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the session cannot be written, as when this request already
    /// ended it (a purged session cannot be renewed): the user is then not logged in.
    pub fn log_in(&self, session: &Session, user_id: i64) -> Result<(), Error> {
        session::AuthSession(session).log_in(user_id)
    }

    /// Looks a user up by login name (compared in its normalised form).
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the user table cannot be read.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<StoredUser>, Error> {
        Ok(self
            .inner
            .users
            .by_username(&self.inner.db, username)
            .await?)
    }

    /// Looks a user up by primary key (for credential caches and session checks).
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the user table cannot be read.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<StoredUser>, Error> {
        Ok(self.inner.users.by_id(&self.inner.db, id).await?)
    }

    /// The cache of checked API credentials this instance keeps (see
    /// [`Auth::end_sessions`]).
    pub(crate) fn credentials(&self) -> credentials::CredentialCache {
        self.inner.credentials.clone()
    }

    /// Ends every session of `user_id` on the session store (database or Redis) and drops
    /// that user's checked API credentials cached on this instance. Call it after any write
    /// that changed a user's password hash or deactivated them; the admin's user form and the
    /// API's user resource do. `keep`, when it is a session of that user (the request that
    /// changed the password), stays logged in under a new session id.
    ///
    /// Other instances keep their own credential caches, and read the user again when a
    /// check is 2 seconds old: they refuse the old password and the deactivated user within 2
    /// seconds.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] or [`Error::Unavailable`] when the session store cannot be reached; sessions ended before the failure stay ended.
    pub async fn end_sessions(&self, user_id: i64, keep: Option<&Session>) -> Result<(), Error> {
        self.inner.credentials.forget(user_id);
        let ended = self.inner.sessions.end_user(user_id).await?;
        tracing::info!(user_id, ended, "sessions of a user ended");
        if let Some(session) = keep.filter(|s| session::AuthSession(s).user_id() == Some(user_id)) {
            // The session's state is in memory: renewed, the middleware stores it under a
            // new id once this request ends.
            session.renew();
        }
        Ok(())
    }

    /// After the admin or the API saved a row of `info`'s model that was `before`: when it is
    /// a user whose password hash changed or who is not active now, ends that user's sessions
    /// (see [`Auth::end_sessions`]).
    pub(crate) async fn user_saved(
        &self,
        info: &crate::orm::ModelInfo,
        before: &crate::orm::Record,
        keep: Option<&Session>,
    ) -> Result<(), Error> {
        if info.slug != self.user_table() {
            return Ok(());
        }
        let Ok(id) = crate::orm::value::to_text(before.pk(info)).parse::<i64>() else {
            return Ok(());
        };
        let old_hash = before
            .get(info, &self.password_column())
            .map(crate::orm::value::to_text);
        let Some(now) = self.user_by_id(id).await? else {
            return Ok(());
        };
        if !now.active || old_hash.as_deref() != Some(now.password_hash.as_str()) {
            self.end_sessions(id, keep).await?;
        }
        Ok(())
    }
}
