//! `/join/`: sign up with a username, an e-mail address and a password, and be logged in.

use std::collections::BTreeMap;

use actix_sea::Context as Caller;
use actix_sea::audit::Transaction;
use actix_sea::auth::{Auth, Level, USERNAME_TAKEN, flash};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::SqlErr;
use tera::Context;

use super::page::{Page, field, see_other};
use crate::Site;
use crate::models::user;
use actix_sea::Error;

/// The longest username accepted.
const MAX_USERNAME: usize = 30;
type Errors = BTreeMap<&'static str, String>;

/// What is wrong with the form, field by field. Usernames are letters, digits, `_` and `-`,
/// so that they read well in a URL; the e-mail address is only checked loosely; the password
/// takes the library's rule, as on the password page, the admin and the API.
fn validate(auth: &Auth, username: &str, email: &str, password: &str) -> Errors {
    let mut errors = Errors::new();
    let name_chars = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    if username.is_empty() {
        errors.insert("username", "Choose a username.".into());
    } else if username.chars().count() > MAX_USERNAME {
        let text = format!("At most {MAX_USERNAME} characters.");
        errors.insert("username", text);
    } else if !username.chars().all(name_chars) {
        let text = "Use only letters, digits, “_” and “-”.".into();
        errors.insert("username", text);
    }
    if email.is_empty() {
        errors.insert("email", "Enter your e-mail address.".into());
    } else if let Some(problem) = user::email_problem(email) {
        errors.insert("email", problem.into());
    }
    if password.is_empty() {
        errors.insert("password", "Choose a password.".into());
    } else if let Some(problem) = auth.password_problem(username, password) {
        errors.insert("password", problem);
    }
    errors
}

fn form(page: &Page, username: &str, email: &str, errors: &Errors) -> HttpResponse {
    let mut context = Context::new();
    context.insert("nav", "join");
    context.insert("csrf_token", &page.csrf_token());
    context.insert("username", username);
    context.insert("email", email);
    context.insert("errors", errors);
    page.render("site/join.html", context)
}

/// `GET /join/`.
pub async fn join_form(page: Page) -> HttpResponse {
    form(&page, "", "", &Errors::new())
}

/// `POST /join/`: creates the user with an argon2id hash and logs them in. A username that is
/// taken or looks like a taken one (the library's rule: case, width and look-alike letters do
/// not make a new name) is a form error, also when another request takes it between the check
/// and the insert. The new user is recorded in the audit trail (channel `site`, no actor: the
/// visitor was anonymous; password redacted). Sign-ups are throttled per address: 429 with
/// `Retry-After` and a form error.
pub async fn join(
    site: web::Data<Site>,
    caller: Caller,
    page: Page,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let username = field(&body, "username").trim().to_owned();
    let email = field(&body, "email").trim().to_owned();
    let password = field(&body, "password");
    let mut errors = validate(&site.auth, &username, &email, &password);
    if !errors.is_empty() {
        return Ok(form(&page, &username, &email, &errors));
    }
    if let Some(wait) = site.auth.allow_signup(site.auth.client_ip(&req)).await? {
        let minutes = wait.div_ceil(60);
        let text = format!("Too many sign-ups from your address. Try again in {minutes} min.");
        errors.insert("username", text);
        let mut response = form(&page, &username, &email, &errors);
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }
    if let Some(refusal) = site.auth.username_refusal(&username, None).await? {
        errors.insert("username", refusal);
        return Ok(form(&page, &username, &email, &errors));
    }
    let row = user::ActiveModel {
        id: NotSet,
        username: Set(username.clone()),
        password: Set(site.auth.hasher().hash(&password).await?),
        email: Set(email.clone()),
        join_date: Set(crate::models::now()),
        active: Set(true),
        admin: Set(false),
    };
    // Recorded as the anonymous visitor's create, password redacted. The name is checked
    // again in the transaction: a look-alike chosen meanwhile by another sign-up refuses it.
    let txn = Transaction::begin(&site.db, &caller)
        .await?
        .redact(user::Column::Password);
    if let Some(refusal) = site.auth.username_refusal_in(&txn, &username, None).await? {
        txn.rollback().await?;
        errors.insert("username", refusal);
        return Ok(form(&page, &username, &email, &errors));
    }
    let id = match txn.insert(row).await {
        Ok(inserted) => {
            txn.commit().await?;
            inserted.id
        }
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            errors.insert("username", USERNAME_TAKEN.into());
            return Ok(form(&page, &username, &email, &errors));
        }
        Err(error) => return Err(error.into()),
    };
    site.auth.log_in(page.session(), i64::from(id))?;
    let text = format!("Welcome, {username}! Follow a few people to fill your timeline.");
    flash(page.session(), Level::Success, text);
    Ok(see_other("/"))
}

#[cfg(test)]
mod tests {
    use actix_sea::auth::Auth;

    use super::validate;
    use crate::models::user;

    async fn auth() -> Auth {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        Auth::builder(db, user::Entity, &[7; 64]).build().unwrap()
    }

    #[tokio::test]
    async fn good_input_has_no_errors() {
        let auth = auth().await;
        assert!(validate(&auth, "alice_2-b", "a@example.com", "secret-words").is_empty());
        assert!(validate(&auth, "zoë", "zoë@example.com", "pässword").is_empty());
    }

    #[tokio::test]
    async fn each_bad_field_gets_its_own_error() {
        let auth = auth().await;
        let errors = validate(&auth, "", "", "");
        assert_eq!(errors.len(), 3, "{errors:?}");
        for name in ["a b", "../x", "a/b", "<b>", "a?b", &"x".repeat(31)] {
            assert!(
                validate(&auth, name, "a@b", "long-password").contains_key("username"),
                "{name}"
            );
        }
        assert!(validate(&auth, "ok", "no-at-sign", "long-password").contains_key("email"));
        for password in ["nul\0-password", "short", "username-is-it"] {
            assert!(
                validate(&auth, "username-is-it", "a@b", password).contains_key("password"),
                "{password}"
            );
        }
        assert!(validate(&auth, "ok", "a@b", &"p".repeat(4097)).contains_key("password"));
    }
}
