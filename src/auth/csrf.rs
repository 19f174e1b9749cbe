//! CSRF protection: a synchronizer token kept in the session, sent back in the hidden input
//! `csrf_token` or the `X-CSRF-Token` header, compared in constant time. An anonymous visitor's
//! session lives in its sealed cookie, so for them this is the double-submit pattern with a
//! cookie nobody else can write; logging in and out replaces the token.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::{Method, header};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use super::session::AuthSession;
use super::token;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The header that carries the token (for scripts).
pub const HEADER: &str = "x-csrf-token";
/// The largest form body read to look for the token; larger bodies are refused with 413.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    AuthSession(session).csrf_token()
}

/// The hidden input to put inside every form that posts: `<input type="hidden" name="csrf_token" …>`.
pub fn hidden_input(session: &Session) -> String {
    format!(
        r#"<input type="hidden" name="{FIELD}" value="{}">"#,
        csrf_token(session)
    )
}

/// Middleware that refuses (403) every POST, PUT, PATCH and DELETE whose token is missing or
/// wrong. Wrap it around the scopes whose forms it protects.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsrfProtect;

impl<S, B> Transform<S, ServiceRequest> for CsrfProtect
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CsrfMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CsrfMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service made by [`CsrfProtect`].
pub struct CsrfMiddleware<S> {
    service: Rc<S>,
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The whole body, or the response to give when it cannot be read or is too large.
async fn read_body(payload: &mut Payload) -> Result<Bytes, HttpResponse> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| HttpResponse::BadRequest().body(error.to_string()))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(HttpResponse::PayloadTooLarge().body("Request body too large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == FIELD)
        .map(|(_, value)| value.into_owned())
}

impl<S, B> Service<ServiceRequest> for CsrfMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            if !matches!(
                *req.method(),
                Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            ) {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            let expected = AuthSession(&req.get_session()).existing_csrf_token();
            let mut provided = req
                .headers()
                .get(HEADER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            if provided.is_none() && is_form(&req) {
                match read_body(&mut req.take_payload()).await {
                    Ok(body) => {
                        provided = form_token(&body);
                        req.set_payload(Payload::from(body));
                    }
                    Err(response) => return Ok(req.into_response(response).map_into_right_body()),
                }
            }
            let valid = matches!((&expected, &provided), (Some(e), Some(p)) if token::constant_time_eq(e, p));
            if !valid {
                let response = crate::error::plain_page(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "The form has expired or did not come from this site (CSRF check failed). Reload the page and try again.",
                );
                return Ok(req.into_response(response).map_into_right_body());
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}
