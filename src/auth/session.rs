//! The typed view of what actix-sea keeps in a session.

use actix_session::Session;
use chrono::Utc;
use serde::{Deserialize, Serialize};

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
/// that cannot be read is an anonymous one.
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

    /// Records a request; writes at most once a minute so that reads stay reads.
    pub(crate) fn touch(&self) {
        let (_, idle) = self.ages();
        if idle >= 60 {
            let _ = self.0.insert(LAST_SEEN, Utc::now().timestamp());
        }
    }

    /// Starts an authenticated session under a new id (no session fixation) and a new CSRF token.
    pub(crate) fn log_in(&self, user_id: i64) {
        self.0.renew();
        let now = Utc::now().timestamp();
        let _ = self.0.insert(USER_ID, user_id);
        let _ = self.0.insert(LOGIN_AT, now);
        let _ = self.0.insert(LAST_SEEN, now);
        let _ = self.0.insert(CSRF, super::token::random());
    }

    pub(crate) fn csrf_token(&self) -> String {
        if let Some(token) = self.0.get::<String>(CSRF).ok().flatten() {
            return token;
        }
        let token = super::token::random();
        let _ = self.0.insert(CSRF, &token);
        token
    }

    pub(crate) fn existing_csrf_token(&self) -> Option<String> {
        self.0.get(CSRF).ok().flatten()
    }

    pub(crate) fn push_flash(&self, flash: Flash) {
        let mut flashes: Vec<Flash> = self.0.get(FLASHES).ok().flatten().unwrap_or_default();
        flashes.push(flash);
        let _ = self.0.insert(FLASHES, flashes);
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
