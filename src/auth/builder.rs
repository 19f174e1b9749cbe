use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::cookie::Key;
use sea_orm::DatabaseConnection;

use super::redis_store::RedisSessions;
use super::store::{DbSessionStore, SessionBackend};
use super::throttle::{Throttle, ThrottleLimits};
use super::user::{UserEntity, UserStore, Users};
use super::{Auth, Hasher, Inner, PasswordValidator};
use crate::Error;
use crate::templates::Templates;

/// The smallest secret key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 64;

/// Configures an [`Auth`]; start with [`Auth::builder`], which takes the required arguments.
/// Every setting here has a documented default and may come in any order.
pub struct AuthBuilder {
    db: DatabaseConnection,
    users: Arc<dyn UserStore>,
    key: Vec<u8>,
    prefix: String,
    default_redirect: String,
    secure_cookies: bool,
    cookie_name: String,
    idle_timeout: Duration,
    absolute_timeout: Duration,
    body_timeout: Duration,
    image_sources: Vec<String>,
    redis: Option<RedisSessions>,
    limits: ThrottleLimits,
    trusted_proxies: Vec<IpAddr>,
    templates: Vec<(String, String)>,
    branding: String,
    hasher: Option<Hasher>,
    password_validator: Option<PasswordValidator>,
}

impl AuthBuilder {
    pub(super) fn new<E: UserEntity>(db: DatabaseConnection, _users: E, key: &[u8]) -> Self {
        Self {
            db,
            users: Arc::new(Users::<E>::new()),
            key: key.to_vec(),
            prefix: "/accounts".into(),
            default_redirect: "/".into(),
            secure_cookies: true,
            cookie_name: "id".into(),
            idle_timeout: Duration::from_secs(24 * 3600),
            absolute_timeout: Duration::from_secs(14 * 24 * 3600),
            body_timeout: Duration::from_secs(30),
            image_sources: Vec::new(),
            redis: None,
            limits: ThrottleLimits::default(),
            trusted_proxies: Vec::new(),
            templates: Vec::new(),
            branding: "actix-sea".into(),
            hasher: None,
            password_validator: None,
        }
    }

    /// Where the login and logout pages live (default `/accounts`).
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Where to go after login or logout without a safe `next` (default `/`).
    pub fn default_redirect(mut self, path: &str) -> Self {
        self.default_redirect = path.to_owned();
        self
    }

    /// Whether the session cookie is marked `Secure` (default `true`; turn off only for
    /// plain-HTTP development).
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// The session cookie's name (default `id`).
    pub fn cookie_name(mut self, name: &str) -> Self {
        self.cookie_name = name.to_owned();
        self
    }

    /// A session unused for this long ends (default 24 hours).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// A session ends this long after login whatever its use (default 14 days).
    pub fn absolute_timeout(mut self, timeout: Duration) -> Self {
        self.absolute_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive, counted from the start of the request
    /// (default 30 s: a 1 MiB form at 300 kbit/s). A slower body is cut off: the request is
    /// answered 408 and its connection closed, so a stalled client holds nothing for long.
    /// Request heads have their own limit, `HttpServer::client_request_timeout`.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Origins (such as `https://www.gravatar.com`) pages may load images from besides this
    /// site (default: none). Scripts, styles and everything else come from this site only.
    pub fn image_sources<'a>(mut self, origins: impl IntoIterator<Item = &'a str>) -> Self {
        self.image_sources = origins.into_iter().map(str::to_owned).collect();
        self
    }

    /// Keeps logged-in sessions in Redis instead of the database (for many app instances).
    pub fn redis_sessions(mut self, store: RedisSessions) -> Self {
        self.redis = Some(store);
        self
    }

    /// Login and sign-up throttling limits (default: 10 failures per normalised username and
    /// address per 15 minutes, 50 per address per 5 minutes, 10 sign-ups per address per hour).
    pub fn throttle(mut self, limits: ThrottleLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Proxies whose `X-Forwarded-For` is believed (default: none, the header is ignored).
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        self.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// Replaces an embedded template with the site's own: an auth page (`auth/login.html`, …),
    /// an admin page (`admin/list.html`, `base.html`, a panel's `admin/panels/<slug>.html`, …).
    /// The auth pages and the admin share one template set, so an override is given once.
    pub fn template(mut self, name: &str, source: &str) -> Self {
        self.templates.push((name.to_owned(), source.to_owned()));
        self
    }

    /// The site name shown in page headers (default `actix-sea`).
    pub fn branding(mut self, name: &str) -> Self {
        self.branding = name.to_owned();
        self
    }

    /// The password hasher to share (default: one slot per CPU, at most 4; each slot holds
    /// 19 MiB of argon2 memory, see [`Hasher`]).
    pub fn hasher(mut self, hasher: Hasher) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// A rule of the site's own for new passwords, run after the built-in ones (at least
    /// [`MIN_PASSWORD_CHARS`](super::MIN_PASSWORD_CHARS) characters, not the username)
    /// wherever a password is set through a front door (the password page, the admin's user
    /// form, the API's user resource; see
    /// [`Auth::password_problem`](super::Auth::password_problem)): it gets the username and
    /// the new password and returns the message to show, or `Ok(())`. Default: none.
    pub fn password_validator(
        mut self,
        rule: impl Fn(&str, &str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.password_validator = Some(Arc::new(rule));
        self
    }

    /// Checks the configuration and builds the [`Auth`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the problem: a secret key shorter than [`MIN_KEY_BYTES`], an
    /// image origin that is not a plain origin, a template override that does not compile.
    pub fn build(self) -> Result<Auth, Error> {
        let (users, key) = (self.users, self.key);
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::Config(format!(
                "the secret key has {} bytes; at least {MIN_KEY_BYTES} are required",
                key.len()
            )));
        }
        let plain = |origin: &String| {
            !origin.is_empty()
                && origin
                    .chars()
                    .all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '\'' | '"'))
        };
        if let Some(bad) = self.image_sources.iter().find(|origin| !plain(origin)) {
            return Err(Error::Config(format!("not an image origin: {bad:?}")));
        }
        crate::audit::watch::watch(&users.table());
        for table in crate::groups::tables() {
            crate::audit::watch::watch(table);
        }
        let templates =
            Templates::new(self.templates).map_err(|e| Error::Config(format!("templates: {e}")))?;
        let sessions = match self.redis {
            Some(store) => SessionBackend::Redis(store),
            None => SessionBackend::Database(DbSessionStore::new(self.db.clone())),
        };
        Ok(Auth {
            inner: Arc::new(Inner {
                throttle: Throttle::new(self.db.clone(), self.limits),
                db: self.db,
                users,
                hasher: self.hasher.unwrap_or_default(),
                prefix: self.prefix,
                default_redirect: self.default_redirect,
                key: Key::from(&key),
                secure_cookies: self.secure_cookies,
                cookie_name: self.cookie_name,
                idle_timeout: self.idle_timeout,
                absolute_timeout: self.absolute_timeout,
                body_timeout: self.body_timeout,
                content_security_policy: super::middleware::content_security_policy(
                    &self.image_sources,
                ),
                sessions,
                trusted_proxies: self.trusted_proxies,
                templates,
                branding: self.branding,
                credentials: Default::default(),
                password_validator: self.password_validator,
            }),
        })
    }
}
