//! The login and logout pages, and the small responses the auth code answers with.

use actix_session::Session;
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;

use super::csrf::CsrfProtect;
use super::next::safe_next;
use super::session::{AuthSession, take_flashes};
use super::username::{self, MAX_USERNAME_CHARS};
use super::{Auth, LoginFailure};
use crate::Channel;
use crate::Error;

/// Longest password hashed; longer ones fail without costing an argon2 run.
pub(super) const MAX_PASSWORD: usize = 4096;
const INVALID: &str = "Incorrect username or password";

impl HttpServiceFactory for Auth {
    fn register(self, config: &mut AppService) {
        let scope = web::scope(&self.inner.prefix)
            .app_data(web::Data::new(self.clone()))
            .wrap(from_fn(crate::error::pages::<Auth, _>))
            .wrap(CsrfProtect)
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .service(
                web::resource("/login/")
                    .route(web::get().to(login_form))
                    .route(web::post().to(login)),
            )
            .service(
                web::resource("/logout/")
                    .route(web::get().to(logout_form))
                    .route(web::post().to(logout)),
            )
            .service(
                web::resource("/password/")
                    .route(web::get().to(super::password_change::form))
                    .route(web::post().to(super::password_change::change)),
            );
        scope.register(config);
        crate::assets::resource().register(config);
    }
}

/// A redirect after a GET (302 Found).
pub(crate) fn redirect(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A redirect after a POST (303 See Other), for a site's own form handlers.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

impl crate::error::ErrorPage for Auth {
    fn error_page(&self, status: StatusCode, message: &str) -> Result<String, Error> {
        let context = crate::error::page_context(status, message, &self.inner.branding);
        self.inner.templates.render("error.html", &context)
    }
}

pub(super) fn page(
    auth: &Auth,
    session: &Session,
    status: StatusCode,
    name: &str,
    mut context: Context,
) -> Result<HttpResponse, Error> {
    context.insert("branding", &auth.inner.branding);
    context.insert("static_url", crate::assets::STATIC_PREFIX);
    context.insert("csrf_token", &AuthSession(session).csrf_token());
    context.insert("flashes", &take_flashes(session));
    context.insert("login_url", &auth.login_url());
    context.insert("logout_url", &auth.logout_url());
    context.insert("password_url", &auth.password_url());
    let html = auth.inner.templates.render(name, &context)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// What a throttled login or password change is told.
pub(super) fn throttled_message(wait: u64) -> String {
    let minutes = wait.div_ceil(60);
    format!(
        "Too many failed attempts. Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// `response` with `Retry-After: wait`.
pub(super) fn retry_after(mut response: HttpResponse, wait: u64) -> HttpResponse {
    if let Ok(value) = header::HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn query_next(req: &HttpRequest) -> String {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "next")
        .and_then(|(_, value)| safe_next(&value).map(str::to_owned))
        .unwrap_or_default()
}

fn login_page(
    auth: &Auth,
    session: &Session,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<&str>,
) -> Result<HttpResponse, Error> {
    let mut context = Context::new();
    context.insert("username", username);
    context.insert("next", next);
    context.insert("error", &error);
    page(auth, session, status, "auth/login.html", context)
}

async fn login_form(
    auth: web::Data<Auth>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    login_page(&auth, &session, StatusCode::OK, "", &query_next(&req), None)
}

/// The fields of a posted form; bytes that are not UTF-8 are replaced, missing fields are empty.
pub(super) fn form_field(body: &[u8], name: &str) -> String {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

async fn login(
    auth: web::Data<Auth>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let username = form_field(&body, "username");
    let password = form_field(&body, "password");
    let next = safe_next(&form_field(&body, "next"))
        .map(str::to_owned)
        .unwrap_or_default();
    // A longer username than any can be fails like a wrong password, without a query.
    let shown: String = username.chars().take(MAX_USERNAME_CHARS).collect();
    let usable = |text: &str| !text.is_empty() && !text.contains('\0');
    let password_usable = usable(&password) && password.len() <= MAX_PASSWORD;
    if !usable(&username) || !username::fits(&username) || !password_usable {
        return login_page(
            &auth,
            &session,
            StatusCode::OK,
            &shown,
            &next,
            Some(INVALID),
        );
    }
    let ip = auth.client_ip(&req);
    let ctx = auth.context(&req, None, Channel::Site);
    match auth.authenticate_in(&ctx, &username, &password, ip).await? {
        Ok(user) => {
            AuthSession(&session).log_in(user.id)?;
            Ok(see_other(if next.is_empty() {
                &auth.inner.default_redirect
            } else {
                &next
            }))
        }
        Err(LoginFailure::Invalid) => login_page(
            &auth,
            &session,
            StatusCode::OK,
            &shown,
            &next,
            Some(INVALID),
        ),
        Err(LoginFailure::Throttled(wait)) => {
            let response = login_page(
                &auth,
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                &shown,
                &next,
                Some(&throttled_message(wait)),
            )?;
            Ok(retry_after(response, wait))
        }
    }
}

async fn logout_form(
    auth: web::Data<Auth>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    // The page lets a user log out even when their account cannot be read.
    let user = auth.current_user(&req).await.ok().flatten();
    let mut context = Context::new();
    context.insert("next", &query_next(&req));
    context.insert("username", &user.map(|u| u.username().to_owned()));
    page(&auth, &session, StatusCode::OK, "auth/logout.html", context)
}

async fn logout(auth: web::Data<Auth>, session: Session, body: web::Bytes) -> HttpResponse {
    session.purge();
    let next = form_field(&body, "next");
    see_other(safe_next(&next).unwrap_or(&auth.inner.default_redirect))
}
