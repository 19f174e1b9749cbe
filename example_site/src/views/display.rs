//! Users and messages as the templates see them: links, gravatar images, readable dates.

use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use sea_orm::prelude::DateTime;
use serde::Serialize;

use crate::models::{message, user};

/// Characters that cannot appear as themselves in one path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The page of a user.
pub fn user_url(username: &str) -> String {
    format!("/users/{}/", utf8_percent_encode(username, SEGMENT))
}

/// The gravatar image of an e-mail address (an identicon for addresses gravatar does not know).
pub fn gravatar(email: &str) -> String {
    let digest = Md5::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("https://www.gravatar.com/avatar/{hex}?d=identicon&s=48")
}

fn readable(date: &DateTime) -> String {
    date.format("%Y-%m-%d %H:%M").to_string()
}

/// A user in a list, beside a message or at the top of their page.
#[derive(Serialize)]
pub struct UserView {
    username: String,
    url: String,
    avatar: String,
    joined: String,
}

impl From<&user::Model> for UserView {
    fn from(user: &user::Model) -> Self {
        Self {
            username: user.username.clone(),
            url: user_url(&user.username),
            avatar: gravatar(&user.email),
            joined: user.join_date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A message with its author.
#[derive(Serialize)]
pub struct MessageView {
    content: String,
    date: String,
    iso: String,
    user: UserView,
}

impl MessageView {
    /// A message and the user who posted it.
    pub fn new(message: message::Model, user: &user::Model) -> Self {
        Self {
            content: message.content,
            date: readable(&message.pub_date),
            iso: message.pub_date.format("%Y-%m-%dT%H:%M:%S").to_string(),
            user: user.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravatar_hashes_the_trimmed_lowercased_address() {
        assert_eq!(
            gravatar("  MyEmailAddress@example.com "),
            "https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=48"
        );
    }

    #[test]
    fn user_urls_encode_what_a_path_segment_cannot_hold() {
        assert_eq!(user_url("alice"), "/users/alice/");
        assert_eq!(user_url("a b/c?d"), "/users/a%20b%2Fc%3Fd/");
    }
}
