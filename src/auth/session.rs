//! The typed view of what actix-sea keeps in a session.

use actix_session::{Session, SessionStatus};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Error;

pub(crate) const USER_ID: &str = "_auth_user_id";
const LOGIN_AT: &str = "_auth_login_at";
const LAST_SEEN: &str = "_auth_last_seen";
const CSRF: &str = "_csrf_token";
const FLASHES: &str = "_flashes";

/// How important a flash message is; templates style it accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Something went well.
    Success,
    /// Worth knowing.
    Info,
    /// Something went wrong.
    Error,
}

/// A one-time message shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// Styling hint.
    pub level: Level,
    /// The text (escaped when rendered).
    pub text: String,
}

/// A session seen through actix-sea's keys. Errors reading a key count as "absent": a session
/// that cannot be read is an anonymous one. A write that cannot be kept is an error.
pub(crate) struct AuthSession<'a>(pub(crate) &'a Session);

impl AuthSession<'_> {
    pub(crate) fn user_id(&self) -> Option<i64> {
        self.0.get(USER_ID).ok().flatten()
    }

    /// Seconds since login and since the last request, by the session's own clock.
    pub(crate) fn ages(&self) -> (i64, i64) {
        let now = Utc::now().timestamp();
        let login: i64 = self.0.get(LOGIN_AT).ok().flatten().unwrap_or(0);
        let seen: i64 = self.0.get(LAST_SEEN).ok().flatten().unwrap_or(login);
        (now - login, now - seen)
    }

    /// Stores `value` under `key`. actix-session drops writes to a session that this request
    /// ended (purged), so such a write is an error here, as is a value that does not serialize.
    fn write(&self, key: &str, value: impl Serialize) -> Result<(), Error> {
        if self.0.status() == SessionStatus::Purged {
            return Err(Error::internal(format!(
                "session key `{key}` written after the session ended"
            )));
        }
        self.0.insert(key, value).map_err(Error::internal)
    }

    /// Records a request; writes at most once a minute so that reads stay reads.
    pub(crate) fn touch(&self) -> Result<(), Error> {
        let (_, idle) = self.ages();
        if idle >= 60 {
            self.write(LAST_SEEN, Utc::now().timestamp())?;
        }
        Ok(())
    }

    /// Starts an authenticated session under a new id (no session fixation) and a new CSRF
    /// token. Fails, storing nothing this request keeps, when the session ended earlier in
    /// the request (a purged session cannot be renewed).
    pub(crate) fn log_in(&self, user_id: i64) -> Result<(), Error> {
        self.0.renew();
        let now = Utc::now().timestamp();
        self.write(USER_ID, user_id)?;
        self.write(LOGIN_AT, now)?;
        self.write(LAST_SEEN, now)?;
        self.write(CSRF, super::token::random())
    }

    /// The session's CSRF token, made on first use. A token that cannot be stored is logged
    /// and still returned: the form it goes into is then refused, which is the safe outcome.
    pub(crate) fn csrf_token(&self) -> String {
        if let Some(token) = self.0.get::<String>(CSRF).ok().flatten() {
            return token;
        }
        let token = super::token::random();
        if let Err(error) = self.write(CSRF, &token) {
            tracing::warn!(error = %crate::error::chain(&error), "CSRF token not stored");
        }
        token
    }

    pub(crate) fn existing_csrf_token(&self) -> Option<String> {
        self.0.get(CSRF).ok().flatten()
    }

    pub(crate) fn push_flash(&self, flash: Flash) {
        let mut flashes: Vec<Flash> = self.0.get(FLASHES).ok().flatten().unwrap_or_default();
        flashes.push(flash);
        // A flash is a courtesy: losing one is logged, and fails nothing.
        if let Err(error) = self.write(FLASHES, flashes) {
            tracing::warn!(error = %crate::error::chain(&error), "flash message not stored");
        }
    }

    pub(crate) fn take_flashes(&self) -> Vec<Flash> {
        if !self.0.contains_key(FLASHES) {
            return Vec::new();
        }
        self.0
            .remove_as(FLASHES)
            .and_then(Result::ok)
            .unwrap_or_default()
    }
}

/// Queues a flash message for the next page this session sees.
pub fn flash(session: &Session, level: Level, text: impl Into<String>) {
    AuthSession(session).push_flash(Flash {
        level,
        text: text.into(),
    });
}

/// Takes (and so removes) the flash messages queued for this session.
pub fn take_flashes(session: &Session) -> Vec<Flash> {
    AuthSession(session).take_flashes()
}
