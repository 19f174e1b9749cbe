//! Checking a username and password: throttled, timing-safe, re-hashing old hashes.

use std::net::IpAddr;

use actix_web::http::Method;

use super::{Auth, StoredUser, normalize_username, password};
use crate::{Channel, Context, CurrentUser, Error};

/// Why a username and password were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown user, wrong password or inactive user: deliberately indistinguishable.
    Invalid,
    /// Too many failures; retry after this many seconds.
    Throttled(u64),
}

impl Auth {
    /// Checks a username and password: the one place that decides "who is this user" for
    /// logins and the REST API's authentication. Throttled per address and per (normalised
    /// username, address), with the slot taken before the password is checked, so a concurrent
    /// burst costs no more argon2 verifications than the limits; unknown and inactive users
    /// cost the same single verification as real ones; a hash with old parameters is replaced
    /// after a success (the returned user carries the hash now stored). Failures and lockouts
    /// are logged (`tracing`, target `actix_sea::auth`) with the normalised username and the
    /// address, never the password.
    ///
    /// A re-hash is recorded in the audit trail as the user's own update through the site
    /// (password redacted).
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the user or throttle tables cannot be read or written, [`Error::Internal`] when hashing fails; a wrong password is `Ok`, not an error.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<Result<StoredUser, LoginFailure>, Error> {
        let ctx = Context::new(Channel::Site, Method::POST, "").with_client(ip);
        self.authenticate_in(&ctx, username, password, ip).await
    }

    /// [`Auth::authenticate`] for the request `ctx` describes: a re-hash is recorded with its
    /// channel, path and client address, as the user's own change.
    pub(crate) async fn authenticate_in(
        &self,
        ctx: &Context,
        username: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<Result<StoredUser, LoginFailure>, Error> {
        let inner = &self.inner;
        let name = normalize_username(username);
        let attempt = match inner.throttle.begin(&name, ip).await? {
            Ok(attempt) => attempt,
            Err(wait) => {
                tracing::warn!(username = %name, %ip, retry_after = wait, "login refused: too many failures");
                return Ok(Err(LoginFailure::Throttled(wait)));
            }
        };
        let user = inner
            .users
            .by_username(&inner.db, username)
            .await?
            .filter(|user| user.active);
        let verified = inner
            .hasher
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let Some(mut user) = user.filter(|_| verified) else {
            inner.throttle.fail(attempt).await?;
            tracing::warn!(username = %name, %ip, "login failed");
            return Ok(Err(LoginFailure::Invalid));
        };
        inner.throttle.succeed(attempt).await?;
        if password::needs_rehash(&user.password_hash) {
            let hash = inner.hasher.hash(password).await?;
            let own = CurrentUser::new(user.id, user.username.clone(), user.admin);
            let ctx = ctx.clone().with_user(Some(own));
            inner
                .users
                .set_password_hash(&inner.db, &ctx, user.id, hash.clone())
                .await?;
            user.password_hash = hash;
        }
        Ok(Ok(user))
    }
}
