//! What every page needs: the visitor, the session and the page number; and the small helpers
//! of the form handlers.

use actix_sea::auth::{Auth, CurrentUser, csrf_token, take_flashes};
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use tera::Context;

use super::display::user_url;
use super::templates::{frame, render_html};
use crate::Site;
use actix_sea::Error;

/// Messages and users shown per page.
pub const PER_PAGE: u64 = 20;
/// The highest page number looked at; larger numbers show this (empty) page.
const MAX_PAGE: u64 = 1_000_000;

/// The logged-in user as the templates see it.
#[derive(Serialize)]
struct Visitor<'a> {
    username: &'a str,
    url: String,
    admin: bool,
}

/// Links to the previous and next page, where there is one.
#[derive(Serialize)]
pub struct Pager {
    number: u64,
    previous: Option<String>,
    next: Option<String>,
}

/// The request as a page sees it; an extractor.
pub struct Page {
    auth: Auth,
    session: Session,
    user: Option<CurrentUser>,
    path: String,
    number: u64,
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let site = req
                .app_data::<web::Data<Site>>()
                .ok_or_else(|| Error::Config("no Site".into()))?;
            let user = site.auth.current_user(&req).await?;
            Ok(Page {
                auth: site.auth.clone(),
                session: req.get_session(),
                user,
                path: req.path().to_owned(),
                number: page_number(req.query_string()),
            })
        })
    }
}

/// `?page=N`: missing, not a number or below 1 is page 1; beyond [`MAX_PAGE`] is that page.
fn page_number(query: &str) -> u64 {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "page")
        .and_then(|(_, value)| value.trim().parse::<u64>().ok())
        .filter(|&number| number >= 1)
        .map_or(1, |number| number.min(MAX_PAGE))
}

impl Page {
    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&CurrentUser> {
        self.user.as_ref()
    }

    /// The session, for flash messages and logging in.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session's CSRF token, for pages whose forms an anonymous visitor posts.
    pub fn csrf_token(&self) -> String {
        csrf_token(&self.session)
    }

    /// How many rows to skip for the requested page.
    pub fn offset(&self) -> u64 {
        (self.number - 1) * PER_PAGE
    }

    /// The pager for a page of rows fetched with one extra row (`limit(PER_PAGE + 1)`),
    /// which is dropped: its presence is what says that a next page exists.
    pub fn pager<T>(&self, rows: &mut Vec<T>) -> Pager {
        let has_next = rows.len() as u64 > PER_PAGE;
        rows.truncate(PER_PAGE as usize);
        let link = |number: u64| format!("{}?page={number}", self.path);
        Pager {
            number: self.number,
            previous: (self.number > 1).then(|| link(self.number - 1)),
            next: has_next.then(|| link(self.number + 1)),
        }
    }

    /// Renders a page with status 200.
    pub fn render(&self, name: &str, context: Context) -> HttpResponse {
        self.render_with(StatusCode::OK, name, context)
    }

    /// Renders a page; every page gets the top bar's data and the queued flash messages.
    fn render_with(&self, status: StatusCode, name: &str, mut context: Context) -> HttpResponse {
        frame(&mut context);
        context.insert("flashes", &take_flashes(&self.session));
        context.insert("login_url", &self.login_link());
        context.insert("logout_url", &self.auth.logout_url());
        context.insert("password_url", &self.auth.password_url());
        if let Some(user) = &self.user {
            let visitor = Visitor {
                username: user.username(),
                url: user_url(user.username()),
                admin: user.is_admin(),
            };
            context.insert("user", &visitor);
            context.insert("csrf_token", &self.csrf_token());
        }
        render_html(&self.auth, status, name, &context)
    }

    /// The site's error page, with the top bar of this visitor.
    pub fn error(&self, status: StatusCode, message: &str) -> HttpResponse {
        let mut context = Context::new();
        context.insert("status", &status.as_u16());
        context.insert("reason", status.canonical_reason().unwrap_or(""));
        context.insert("message", message);
        self.render_with(status, "error.html", context)
    }

    /// The login page, coming back here afterwards.
    fn login_link(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        format!("{}?next={next}", self.auth.login_url())
    }
}

/// A redirect after a POST (303 See Other).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A field of a posted form: missing fields are empty, bytes that are not UTF-8 are replaced.
pub fn field(body: &[u8], name: &str) -> String {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The logged-in user's id as the site's tables store it.
pub fn user_id(user: &CurrentUser) -> Result<i32, Error> {
    i32::try_from(user.id()).map_err(|_| {
        Error::internal(format!(
            "user id {} does not fit the site's id column",
            user.id()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_page_numbers_mean_page_one_and_huge_ones_are_capped() {
        for query in [
            "", "page=", "page=abc", "page=0", "page=-3", "page=1.5", "page=%00",
        ] {
            assert_eq!(page_number(query), 1, "{query:?}");
        }
        assert_eq!(page_number("page=2"), 2);
        assert_eq!(page_number("q=x&page=7"), 7);
        assert_eq!(page_number("page=99999999999999999999999"), 1);
        assert_eq!(page_number("page=5000000"), MAX_PAGE);
    }
}
