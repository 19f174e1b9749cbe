//! How a request that failed is answered: the site's error page, no internals for a 500.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use tera::Context;

use super::templates::{frame, render_html};

/// Why a page could not be shown: answered with the site's error page (no internals for a 500).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Failure(#[from] actix_sea::Error);

impl From<sea_orm::DbErr> for Failure {
    fn from(error: sea_orm::DbErr) -> Self {
        Self(error.into())
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = ?self.0, "request failed");
            "Something went wrong. Please try again.".to_owned()
        } else {
            self.0.to_string()
        };
        let mut context = Context::new();
        frame(&mut context, false);
        context.insert("status", &status.as_u16());
        context.insert("reason", status.canonical_reason().unwrap_or(""));
        context.insert("message", &message);
        let mut response = render_html(status, "error.html", &context);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}
