//! `/accounts/password/`: a logged-in user changes their own password. The old password is
//! checked through [`Auth::authenticate`], so wrong guesses count against the login throttle;
//! on success the new argon2id hash is stored, every other session of the user ends and this
//! one continues under a new id.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;

use super::session::{Level, flash};
use super::views::{MAX_PASSWORD, form_field, page, retry_after, see_other, throttled_message};
use super::{Auth, CurrentUser, LoginFailure, normalize_username};
use crate::{Channel, Context as Caller, Error};

/// The fewest characters a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A site's own rule for new passwords (see
/// [`AuthBuilder::password_validator`](super::AuthBuilder::password_validator)): given the
/// username and the new password, the message to show, or `Ok(())`.
pub type PasswordValidator = Arc<dyn Fn(&str, &str) -> Result<(), String> + Send + Sync>;

const REQUIRED: &str = "This field is required.";
const WRONG_OLD: &str = "Your old password was entered incorrectly.";
const CHANGED: &str = "Your password was changed.";

type Errors = HashMap<&'static str, String>;

fn password_page(
    auth: &Auth,
    session: &Session,
    user: &CurrentUser,
    status: StatusCode,
    errors: &Errors,
    error: Option<&str>,
) -> Result<HttpResponse, Error> {
    let mut context = Context::new();
    context.insert("username", user.username());
    context.insert("errors", errors);
    context.insert("error", &error);
    context.insert("min_chars", &MIN_PASSWORD_CHARS);
    page(auth, session, status, "auth/password.html", context)
}

pub(super) async fn form(
    auth: web::Data<Auth>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, Error> {
    password_page(&auth, &session, &user, StatusCode::OK, &Errors::new(), None)
}

/// What is wrong with `new` as the password of `username`, by the built-in rules and then
/// the site's own (see [`Auth::password_problem`]).
pub(super) fn new_password_problem(auth: &Auth, username: &str, new: &str) -> Option<String> {
    if let Some(problem) = built_in_password_problem(username, new) {
        return Some(problem);
    }
    let rule = auth.inner.password_validator.as_ref()?;
    rule(username, new).err()
}

/// What is wrong with `new` as the password of `username` by the built-in rules: at least
/// [`MIN_PASSWORD_CHARS`] characters, not the username, no NUL, not absurdly long. A site's
/// own validator is asked by [`Auth::password_problem`], which asks these first; a tool with
/// no `Auth` (a command line) asks these alone.
pub fn built_in_password_problem(username: &str, new: &str) -> Option<String> {
    if new.is_empty() {
        return Some(REQUIRED.to_owned());
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!(
            "The password must have at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    if new.len() > MAX_PASSWORD || new.contains('\0') {
        return Some("This password cannot be used.".to_owned());
    }
    if normalize_username(new) == normalize_username(username) {
        return Some("The password may not be your username.".to_owned());
    }
    None
}

/// The field errors of a posted form, before the old password is checked.
fn field_errors(auth: &Auth, username: &str, old: &str, new1: &str, new2: &str) -> Errors {
    let mut errors = Errors::new();
    if old.is_empty() {
        errors.insert("old_password", REQUIRED.to_owned());
    } else if old.len() > MAX_PASSWORD {
        errors.insert("old_password", WRONG_OLD.to_owned());
    }
    if let Some(problem) = new_password_problem(auth, username, new1) {
        errors.insert("new_password1", problem);
    }
    if new2.is_empty() {
        errors.insert("new_password2", REQUIRED.to_owned());
    } else if new1 != new2 {
        errors.insert(
            "new_password2",
            "The two passwords do not match.".to_owned(),
        );
    }
    errors
}

pub(super) async fn change(
    auth: web::Data<Auth>,
    session: Session,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let old = form_field(&body, "old_password");
    let new1 = form_field(&body, "new_password1");
    let new2 = form_field(&body, "new_password2");
    let show = |status: StatusCode, errors: &Errors, error: Option<&str>| {
        password_page(&auth, &session, &user, status, errors, error)
    };
    let mut errors = field_errors(&auth, user.username(), &old, &new1, &new2);
    if !errors.is_empty() {
        return show(StatusCode::OK, &errors, None);
    }
    let ip = auth.client_ip(&req);
    let ctx = auth.context(&req, Some(user.clone()), Channel::Site);
    match auth
        .authenticate_in(&ctx, user.username(), &old, ip)
        .await?
    {
        Ok(stored) if stored.id == user.id() => {}
        Ok(_) | Err(LoginFailure::Invalid) => {
            errors.insert("old_password", WRONG_OLD.to_owned());
            return show(StatusCode::OK, &errors, None);
        }
        Err(LoginFailure::Throttled(wait)) => {
            let message = throttled_message(wait);
            let response = show(StatusCode::TOO_MANY_REQUESTS, &errors, Some(&message))?;
            return Ok(retry_after(response, wait));
        }
    }
    store(&auth, &session, &ctx, user.id(), &new1).await?;
    flash(&session, Level::Success, CHANGED);
    Ok(see_other(&auth.inner.default_redirect))
}

/// Stores the new hash (recorded for `ctx`, the user's own request), then ends the user's
/// other sessions and moves this one to a new id.
async fn store(
    auth: &Auth,
    session: &Session,
    ctx: &Caller,
    user_id: i64,
    password: &str,
) -> Result<(), Error> {
    let hash = auth.hasher().hash(password).await?;
    auth.inner
        .users
        .set_password_hash(&auth.inner.db, ctx, user_id, hash)
        .await?;
    auth.end_sessions(user_id, Some(session)).await
}
