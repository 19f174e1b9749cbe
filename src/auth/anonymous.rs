//! Anonymous sessions live in their cookie, so visitors who are not logged in cost no row (or
//! Redis key) on the server: every anonymous GET of a page with a form used to store one.
//!
//! Their state (the CSRF token of the login and sign-up forms, flash messages) is written into
//! the session key itself. actix-session puts that key in the session cookie encrypted and
//! authenticated with the secret key (AES-GCM), so a visitor can neither read nor forge it, and
//! the cookie keeps the session cookie's flags (HttpOnly, SameSite=Lax, Secure). It is the
//! double-submit pattern with a sealed cookie: the form's token must equal the one sealed in the
//! cookie. Logging in renews the session, which moves its state to the server under a fresh
//! key with a fresh CSRF token; logging out deletes the cookie.

use std::collections::HashMap;

use actix_session::storage::SessionKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::session::USER_ID;

/// Marks a key that carries its state; server-side keys never contain a `.`.
const PREFIX: &str = "c.";
/// The longest key kept in the cookie: once encrypted and base64-encoded the cookie stays well
/// under the 4 KB browsers keep. Larger anonymous state is stored server-side instead.
const MAX_KEY: usize = 2048;

/// The key that carries `state`, for an anonymous session small enough for a cookie.
pub(crate) fn seal(state: &HashMap<String, String>) -> Option<SessionKey> {
    if state.contains_key(USER_ID) {
        return None;
    }
    let json = serde_json::to_vec(state).ok()?;
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
    if key.len() > MAX_KEY {
        return None;
    }
    SessionKey::try_from(key).ok()
}

/// Whether `key` carries its state (rather than naming a server-side session).
pub(crate) fn is_sealed(key: &SessionKey) -> bool {
    key.as_ref().starts_with(PREFIX)
}

/// The state a sealed key carries; an unreadable one (it cannot come from this server, whose
/// cookies are authenticated) is an empty session.
pub(crate) fn open(key: &SessionKey) -> HashMap<String, String> {
    key.as_ref()
        .strip_prefix(PREFIX)
        .and_then(|encoded| URL_SAFE_NO_PAD.decode(encoded).ok())
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn anonymous_state_round_trips_through_the_key() {
        let anonymous = state(&[("_csrf_token", "\"abc\""), ("_flashes", "[]")]);
        let key = seal(&anonymous).expect("small anonymous state is sealed");
        assert!(is_sealed(&key));
        assert_eq!(open(&key), anonymous);
    }

    #[test]
    fn logged_in_and_large_state_stay_on_the_server() {
        assert!(seal(&state(&[(USER_ID, "1")])).is_none());
        let big = "x".repeat(MAX_KEY);
        assert!(seal(&state(&[("cart", &big)])).is_none());
        let server_key = SessionKey::try_from(crate::auth::token::random()).unwrap();
        assert!(!is_sealed(&server_key));
    }
}
