//! `/create/`: post a message.

use actix_sea::audit::Transaction;
use actix_sea::auth::{CurrentUser, Level, flash};
use actix_sea::{Context as Caller, check_input};
use actix_web::{HttpResponse, web};
use sea_orm::ActiveValue::{NotSet, Set};
use tera::Context;

use super::display::user_url;
use super::page::{Page, field, see_other, user_id};
use crate::Site;
use crate::models::message;
use actix_sea::Error;

/// The longest message accepted, in characters: the column's declared length.
pub const MAX_MESSAGE: usize = message::MAX_CONTENT as usize;

/// What is wrong with a message, if anything: the rules the admin and the API apply to the
/// column (no NUL, at most its length), read from the column itself.
fn problem(content: &str) -> Option<String> {
    if content.trim().is_empty() {
        return Some("Write something first.".into());
    }
    check_input(message::Column::Content, content.trim())
        .err()
        .map(|error| format!("A message {}.", error.reason))
}

fn form(page: &Page, content: &str, error: Option<&str>) -> HttpResponse {
    let mut context = Context::new();
    context.insert("nav", "create");
    context.insert("content", &content.replace('\0', ""));
    context.insert("error", &error);
    context.insert("max_length", &MAX_MESSAGE);
    page.render("site/create.html", context)
}

/// `GET /create/`.
pub async fn create_form(_: CurrentUser, page: Page) -> HttpResponse {
    form(&page, "", None)
}

/// `POST /create/`: stores the message (trimmed), recorded in the audit trail, and shows it
/// on the author's page.
pub async fn create(
    site: web::Data<Site>,
    user: CurrentUser,
    caller: Caller,
    page: Page,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let content = field(&body, "content");
    if let Some(error) = problem(&content) {
        return Ok(form(&page, &content, Some(&error)));
    }
    let row = message::ActiveModel {
        id: NotSet,
        user: Set(user_id(&user)?),
        content: Set(content.trim().to_owned()),
        pub_date: Set(crate::models::now()),
    };
    let txn = Transaction::begin(&site.db, &caller).await?;
    txn.insert(row).await?;
    txn.commit().await?;
    flash(
        page.session(),
        Level::Success,
        "Your message has been posted.",
    );
    Ok(see_other(&user_url(user.username())))
}

#[cfg(test)]
mod tests {
    use super::{MAX_MESSAGE, problem};

    #[test]
    fn messages_need_words_and_a_bounded_length() {
        assert!(problem("hello").is_none());
        assert!(problem(&"é".repeat(MAX_MESSAGE)).is_none());
        assert!(problem(&format!("  {}  ", "x".repeat(MAX_MESSAGE))).is_none());
        for bad in ["", "   ", "\n\t ", "a\0b"] {
            assert!(problem(bad).is_some(), "{bad:?}");
        }
        assert!(problem(&"x".repeat(MAX_MESSAGE + 1)).is_some());
    }
}
