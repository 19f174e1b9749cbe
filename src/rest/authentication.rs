//! Who may call the API: pluggable backends, chosen per resource.

use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::{Method, header};
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;

use crate::Error;
use crate::auth::credentials::{Checked, CredentialCache, TURN_WAIT};
use crate::auth::{Auth, LoginFailure, StoredUser};
use crate::{Channel, Context, CurrentUser, Perm};

/// The methods protected by default: every one that writes.
pub fn write_methods() -> Vec<Method> {
    vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE]
}

/// An API authentication backend. The API never looks at the session cookie, so a logged-in
/// browser cannot be made to write through the API by another site.
pub trait Authentication: Send + Sync + 'static {
    /// The methods that need an authenticated, authorized caller.
    fn protected_methods(&self) -> &[Method];

    /// Reads the caller's credentials: `Ok(None)` when the request carries none,
    /// `Err(Unauthorized)` when they are wrong.
    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>>;

    /// Whether an authenticated caller may use the request's protected method (403
    /// otherwise); `ctx` has the method (a POST to a detail URL as PUT) and the resource's
    /// slug as [`Context::model`]. Default: yes.
    fn authorize(&self, user: &CurrentUser, ctx: &Context) -> bool {
        let _ = (user, ctx);
        true
    }

    /// The OpenAPI security scheme it implements (default: none).
    fn scheme(&self) -> Option<Scheme> {
        None
    }
}

/// How a caller presents credentials, as the API document's security schemes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// HTTP basic authentication (`Authorization: Basic ..`).
    Basic,
    /// A bearer token (`Authorization: Bearer ..`).
    Bearer,
    /// An API key in the `X-API-Key` header.
    ApiKey,
}

impl Scheme {
    /// The scheme's name in the API document's `securitySchemes`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Basic => "basic",
            Scheme::Bearer => "bearer",
            Scheme::ApiKey => "apiKey",
        }
    }
}

pub(crate) fn unauthorized() -> Error {
    Error::Unauthorized {
        realm: "API".into(),
    }
}

/// The API caller `user`, with the permissions of their groups.
pub(crate) async fn api_user(auth: &Auth, user: &StoredUser) -> Result<CurrentUser, Error> {
    let username = user.username.clone();
    Ok(crate::groups::user_with_permissions(auth.db(), user.id, username, user.admin).await?)
}

/// flask-peewee's `Authentication`: nobody is authenticated, so protected methods (by default
/// the writes) are refused with 401 and the rest is open to all.
#[derive(Debug, Clone)]
pub struct Public {
    protected: Vec<Method>,
}

impl Public {
    /// Reads open, writes refused.
    pub fn new() -> Self {
        Self {
            protected: write_methods(),
        }
    }

    /// Every method open (a read-write public resource).
    pub fn open() -> Self {
        Self {
            protected: Vec::new(),
        }
    }
}

impl Default for Public {
    fn default() -> Self {
        Self::new()
    }
}

impl Authentication for Public {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    fn authenticate<'a>(
        &'a self,
        _req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(async { Ok(None) })
    }
}

/// The username and password of an `Authorization: Basic` header; `Err` when the header is
/// there but malformed.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, Error> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| unauthorized())?;
    // The scheme's name is case-insensitive (RFC 9110, 11.1).
    let Some(encoded) = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| encoded)
    else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (username, password) = text.split_once(':').ok_or_else(unauthorized)?;
    Ok(Some((username.to_owned(), password.to_owned())))
}

/// HTTP basic authentication against the user table (active users only), through
/// [`Auth::authenticate`], so failures are throttled like logins. Successful checks are cached
/// for a minute, so that authenticated requests do not each cost an argon2 verification, and
/// used without any query for 2 seconds: a change to a user or a group made on this instance
/// (through the admin, the API or an [`crate::audit::Transaction`]) applies to the next
/// request; one made elsewhere (another instance, a command-line tool) within 2 seconds.
#[derive(Clone)]
pub struct UserAuthentication {
    auth: Auth,
    cache: CredentialCache,
    protected: Vec<Method>,
    turn_wait: Duration,
}

impl UserAuthentication {
    /// Basic auth for writes; reads stay open.
    pub fn new(auth: Auth) -> Self {
        Self {
            cache: auth.credentials(),
            auth,
            protected: write_methods(),
            turn_wait: TURN_WAIT,
        }
    }

    /// How long a request waits while another request checks the same username's password
    /// before it is answered 503 with `Retry-After` (default 5 s).
    pub fn lock_timeout(mut self, wait: Duration) -> Self {
        self.turn_wait = wait;
        self
    }

    /// Sets the protected methods (add GET to protect reads too).
    pub fn protected_methods(mut self, methods: Vec<Method>) -> Self {
        self.protected = methods;
        self
    }

    async fn check(&self, req: &HttpRequest) -> Result<Option<CurrentUser>, Error> {
        let Some((username, password)) = basic_credentials(req)? else {
            return Ok(None);
        };
        if username.is_empty() || !crate::auth::username::fits(&username) || password.len() > 4096 {
            return Err(unauthorized());
        }
        let key = self.cache.key(&username, &password);
        if let Some(user) = self.cache.fresh(&key) {
            return Ok(Some(user));
        }
        let generation = crate::audit::watch::generation();
        let stored = self
            .auth
            .user_by_username(&username)
            .await?
            .filter(|u| u.active);
        if let Some(user) = self.reread(key, stored.as_ref(), generation).await? {
            return Ok(Some(user));
        }
        let _turn = self.cache.turn(&username, self.turn_wait).await?;
        // Another request may have verified this credential while this one waited.
        if let Some(user) = self.reread(key, stored.as_ref(), generation).await? {
            return Ok(Some(user));
        }
        let ip = self.auth.client_ip(req);
        let ctx = self.auth.context(req, None, Channel::Api);
        match self
            .auth
            .authenticate_in(&ctx, &username, &password, ip)
            .await?
        {
            // The returned hash is the stored one, re-hashed or not, so the next request hits.
            Ok(user) => self
                .remember(key, &user, Instant::now(), generation)
                .await
                .map(Some),
            Err(LoginFailure::Invalid) => Err(unauthorized()),
            Err(LoginFailure::Throttled(retry_after)) => {
                Err(Error::TooManyRequests { retry_after })
            }
        }
    }

    /// The caller, when argon2 verified credential `key` against the `stored` user's hash
    /// within the TTL: their permissions are read again and the check is remembered anew.
    async fn reread(
        &self,
        key: [u8; 32],
        stored: Option<&StoredUser>,
        generation: u64,
    ) -> Result<Option<CurrentUser>, Error> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        match self.cache.verified(&key, &stored.password_hash) {
            Some(verified) => self
                .remember(key, stored, verified, generation)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// Reads `user`'s permissions and remembers the check of credential `key`.
    async fn remember(
        &self,
        key: [u8; 32],
        user: &StoredUser,
        verified: Instant,
        generation: u64,
    ) -> Result<CurrentUser, Error> {
        let current = api_user(&self.auth, user).await?;
        let checked = Checked {
            user: current.clone(),
            hash: user.password_hash.clone(),
            verified,
            read: Instant::now(),
            generation,
        };
        self.cache.insert(key, checked);
        Ok(current)
    }
}

impl Authentication for UserAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    fn scheme(&self) -> Option<Scheme> {
        Some(Scheme::Basic)
    }

    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(self.check(req))
    }
}

/// Like [`UserAuthentication`], but protected methods are for admins only (403 for others).
#[derive(Clone)]
pub struct AdminAuthentication(UserAuthentication);

impl AdminAuthentication {
    /// Admin basic auth for writes; reads stay open.
    pub fn new(auth: Auth) -> Self {
        Self(UserAuthentication::new(auth))
    }

    /// Sets the protected methods (add GET to protect reads too).
    pub fn protected_methods(self, methods: Vec<Method>) -> Self {
        Self(self.0.protected_methods(methods))
    }

    /// See [`UserAuthentication::lock_timeout`] (default 5 s).
    pub fn lock_timeout(self, wait: Duration) -> Self {
        Self(self.0.lock_timeout(wait))
    }
}

impl Authentication for AdminAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.0.protected
    }

    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(self.0.check(req))
    }

    fn authorize(&self, user: &CurrentUser, _: &Context) -> bool {
        user.is_admin()
    }

    fn scheme(&self) -> Option<Scheme> {
        Some(Scheme::Basic)
    }
}

/// Like [`UserAuthentication`], but each protected method needs its model permission (see
/// [`crate::groups`]): GET `view`, POST `add`, PUT, PATCH and a POST to a detail URL `change`,
/// DELETE `delete`; admins pass, others get 403. Reads stay open unless GET is protected:
/// `.protected_methods(vec![Method::GET, Method::POST, ...])`.
#[derive(Clone)]
pub struct PermissionAuthentication(UserAuthentication);

impl PermissionAuthentication {
    /// Permission-checked basic auth for writes; reads stay open.
    pub fn new(auth: Auth) -> Self {
        Self(UserAuthentication::new(auth))
    }

    /// Sets the protected methods (add GET to make reads need `view`).
    pub fn protected_methods(self, methods: Vec<Method>) -> Self {
        Self(self.0.protected_methods(methods))
    }

    /// See [`UserAuthentication::lock_timeout`] (default 5 s).
    pub fn lock_timeout(self, wait: Duration) -> Self {
        Self(self.0.lock_timeout(wait))
    }
}

/// The permission a request's method needs.
fn needed(method: &Method) -> Option<Perm> {
    match *method {
        Method::GET | Method::HEAD => Some(Perm::View),
        Method::POST => Some(Perm::Add),
        Method::PUT | Method::PATCH => Some(Perm::Change),
        Method::DELETE => Some(Perm::Delete),
        _ => None,
    }
}

impl Authentication for PermissionAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.0.protected
    }

    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(self.0.check(req))
    }

    fn authorize(&self, user: &CurrentUser, ctx: &Context) -> bool {
        match (ctx.model(), needed(ctx.method())) {
            (Some(model), Some(perm)) => user.may(model, perm),
            _ => user.is_admin(),
        }
    }

    fn scheme(&self) -> Option<Scheme> {
        Some(Scheme::Basic)
    }
}
