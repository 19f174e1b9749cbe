//! A session store whose database (or Redis) is unavailable answers 503 with `Retry-After`, like every
//! other page, instead of actix-session's bare 500.
//!
//! actix-session turns any store error into an opaque 500 and keeps the cause private, so the
//! store notes an outage in a task-local flag that the layer around the session middleware
//! reads when the request fails.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use sea_orm::DbErr;

use crate::Error;

tokio::task_local! {
    /// Set while a request runs when its session store met an unavailable database.
    static STORE_UNAVAILABLE: Cell<bool>;
}

/// Notes a session store's database error: an outage makes the request's failure a 503.
pub(crate) fn note(error: &DbErr) {
    if crate::db::is_unavailable(error) {
        mark();
    }
}

/// Notes that the session store could not be reached: the request's failure is a 503.
pub(crate) fn mark() {
    // Outside a request (a store used on its own) there is no flag and nothing to answer.
    let _ = STORE_UNAVAILABLE.try_with(|flag| flag.set(true));
}

/// Wraps the session middleware: a request that failed because the session store's database
/// was unavailable gets a 503 page (or JSON for clients that do not ask for HTML).
pub struct Outages<S> {
    service: Rc<S>,
}

impl<S> Outages<S> {
    pub(crate) fn new(service: S) -> Self {
        Self {
            service: Rc::new(service),
        }
    }
}

impl<S, B> Service<ServiceRequest> for Outages<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let html = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("text/html"));
        let service = Rc::clone(&self.service);
        Box::pin(STORE_UNAVAILABLE.scope(Cell::new(false), async move {
            match service.call(req).await {
                // The request is gone by now (actix-session dropped it), so the answer is an
                // error carrying its own response, as actix-session's 500 is.
                Err(error) if STORE_UNAVAILABLE.with(Cell::get) => {
                    tracing::warn!(%error, "session store unavailable");
                    Err(InternalError::from_response(error, unavailable(html)).into())
                }
                other => other,
            }
        }))
    }
}

fn unavailable(html: bool) -> HttpResponse {
    if !html {
        return Error::Unavailable.error_response();
    }
    let mut response = crate::error::plain_error_page(&Error::Unavailable);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in super::middleware::HTML_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        super::middleware::content_security_policy(&[]),
    );
    response
}
