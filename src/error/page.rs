//! Errors as HTML pages. The admin and the auth pages wrap their scope in [`pages`], so their
//! handlers return `Result<HttpResponse, Error>` like the API's, and an error leaves the scope
//! as that scope's error page instead of JSON.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};

use super::{Error, chain};

/// What a page says of a server error: never its cause.
const SERVER_ERROR: &str = "Something went wrong. Please try again.";

/// The error page of a scope, found in the scope's `app_data` as `web::Data<Self>`.
pub(crate) trait ErrorPage: 'static {
    /// The HTML of the page for an error with `status`, telling `message`.
    fn error_page(&self, status: StatusCode, message: &str) -> Result<String, Error>;
}

/// What every error page template is given: the status, its reason, the message, the site's
/// branding and where the static files are.
pub(crate) fn page_context(status: StatusCode, message: &str, branding: &str) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("status", &status.as_u16());
    context.insert("reason", status.canonical_reason().unwrap_or(""));
    context.insert("message", message);
    context.insert("branding", branding);
    context.insert("static_url", crate::assets::STATIC_PREFIX);
    context
}

/// Middleware (`from_fn(pages::<Admin, _>)`): a response that carries an [`Error`] gets the
/// scope's error page as its body, keeping its status and headers (`Retry-After`,
/// `WWW-Authenticate`). The error was logged when it became a response.
pub(crate) async fn pages<P: ErrorPage, B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let response = next.call(req).await?;
    let html = {
        let error = response
            .response()
            .error()
            .and_then(|e| e.as_error::<Error>());
        // The scope's data is on the request once the scope has routed it.
        let page = response.request().app_data::<web::Data<P>>();
        match (error, page) {
            (Some(error), Some(page)) => html(page.get_ref(), error),
            _ => return Ok(response.map_into_left_body()),
        }
    };
    Ok(response.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        EitherBody::right(BoxBody::new(html))
    }))
}

/// The page's HTML; the plain page when the scope's page cannot be rendered.
fn html(page: &impl ErrorPage, error: &Error) -> String {
    let status = error.status_code();
    let message = page_message(error);
    page.error_page(status, &message).unwrap_or_else(|failure| {
        tracing::error!(error = %chain(&failure), "the error page failed");
        plain_html(status, &message)
    })
}

/// What a page tells of `error`: the refusal's reason, and nothing of a server error.
fn page_message(error: &Error) -> String {
    match error {
        _ if error.status_code().is_server_error() => SERVER_ERROR.to_owned(),
        Error::Forbidden(refusal) => match refusal.reason() {
            Some(reason) => format!("Forbidden: {reason}"),
            None => error.to_string(),
        },
        _ => error.to_string(),
    }
}

/// A page without templates: for errors outside the scopes with their own pages (the site's
/// routes behind an extractor, an unavailable session store) and as the last resort.
pub(crate) fn plain_page(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(plain_html(status, message))
}

/// `error` as a plain page with its `Retry-After`.
pub(crate) fn plain_error_page(error: &Error) -> HttpResponse {
    error.log();
    let mut response = plain_page(error.status_code(), &page_message(error));
    if let Some(seconds) = error.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn plain_html(status: StatusCode, message: &str) -> String {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1><p>{}</p>",
        escape(message)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}
