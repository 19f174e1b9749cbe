//! The crate's one error type and how each variant answers over HTTP: as JSON by default, as
//! an HTML page in the scopes that install the `pages` middleware (the admin and the auth pages).

mod page;

pub(crate) use page::{ErrorPage, page_context, pages, plain_error_page, plain_page};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::DbErr;

use crate::orm::{QueryError, ValueError, WriteError};
use crate::verdict::{Conflict, Invalid, Refusal};

/// Everything a request handled by actix-sea can fail with. Each variant maps to one HTTP
/// status; the body is JSON `{"error": "..."}` (an HTML page under the admin and the auth
/// pages) and never shows internals for a 500, which is logged with its causes instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is malformed: a bad filter, value or body (400).
    #[error("{0}")]
    BadRequest(String),
    /// No valid credentials were given (401).
    #[error("Authentication failed")]
    Unauthorized {
        /// The realm announced in `WWW-Authenticate`.
        realm: String,
    },
    /// The caller is known but not allowed (403), with the hook's reason when it gave one.
    #[error("Forbidden")]
    Forbidden(Refusal),
    /// No such model or row (404).
    #[error("Not found")]
    NotFound,
    /// The method is not allowed on this URL (405).
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// The row breaks a rule: a required field left out, or the entity's
    /// `ActiveModelBehavior::before_save` refused it with `DbErr::Custom` (400 naming the
    /// field; the admin shows each message beside its field).
    #[error("{0}")]
    Invalid(Invalid),
    /// The write conflicts with a unique constraint (409), naming the columns when known:
    /// ``field `username`: a user with this value already exists``.
    #[error("{0}")]
    Conflict(Conflict),
    /// The row changed since the client read it: its `If-Match` names another version, or
    /// the row is gone (412).
    #[error("Precondition failed")]
    PreconditionFailed,
    /// The resource requires `If-Match` on writes and the request has none (428).
    #[error("Precondition required")]
    PreconditionRequired,
    /// The body is larger than allowed (413).
    #[error("Request body too large")]
    PayloadTooLarge,
    /// The body is not JSON (415).
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// Too many failed attempts; try again after this many seconds (429).
    #[error("Too many attempts, try again later")]
    TooManyRequests {
        /// Seconds until the client may try again.
        retry_after: u64,
    },
    /// The database is busy or the pool is exhausted; try again shortly (503).
    #[error("Service temporarily unavailable")]
    Unavailable,
    /// The application is misconfigured (reported at start-up, never to a client).
    #[error("configuration error: {0}")]
    Config(String),
    /// A database error none of the other variants describes (500). The client sees none
    /// of it; the log gets the whole error.
    #[error("database error")]
    Database(#[source] DbErr),
    /// Anything else (500), with its cause for the log; see [`Error::internal`].
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Self::Forbidden(refusal)
    }
}

impl From<QueryError> for Error {
    fn from(error: QueryError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl From<ValueError> for Error {
    fn from(error: ValueError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl From<DbErr> for Error {
    /// A database that is down, out of connections, locked past the wait bound or that cut a
    /// statement off at its time limit is 503 (told apart by error variant and driver code); a
    /// unique violation 409, a dangling foreign key 400, anything else 500.
    fn from(error: DbErr) -> Self {
        if crate::db::is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            return Self::Unavailable;
        }
        match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict(Conflict::pending("row", None))
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::BadRequest("a foreign key refers to a row that does not exist".into())
            }
            _ => Self::Database(error),
        }
    }
}

impl From<WriteError> for Error {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Invalid(invalid) => Self::Invalid(invalid),
            WriteError::Conflict(conflict) => Self::Conflict(conflict),
            WriteError::Db(error) => error.into(),
            WriteError::Hook(error) => *error,
        }
    }
}

impl Error {
    /// A 500 caused by `cause`: a message (`"user id 7 does not fit"`) or any error, kept as
    /// this error's source for the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// What the client is told: the variant's own words, and nothing of a 500's cause.
    fn public_message(&self) -> String {
        match self {
            Self::Config(_) | Self::Database(_) | Self::Internal(_) => {
                "Internal server error".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Logs a 500 with its chain of causes. (A 503's cause is logged where it is classified.)
    fn log(&self) {
        if matches!(
            self,
            Self::Config(_) | Self::Database(_) | Self::Internal(_)
        ) {
            tracing::error!(error = %chain(self), "request failed");
        }
    }

    /// Names the columns of a unique conflict by probing `db`; other errors pass unchanged.
    /// Call it once the failed transaction is gone.
    pub(crate) async fn resolved(self, db: &sea_orm::DatabaseConnection) -> Self {
        match self {
            Self::Conflict(conflict) => Self::Conflict(crate::orm::resolve(conflict, db).await),
            other => other,
        }
    }

    /// Seconds a client should wait before trying again (the `Retry-After` header): set for
    /// 429 and 503, `None` otherwise.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after } => Some(*retry_after),
            Self::Unavailable => Some(1),
            _ => None,
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Config(_) | Self::Database(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
        if let Self::Unauthorized { realm } = self {
            let realm = realm.replace(['"', '\\'], "");
            response.insert_header((header::WWW_AUTHENTICATE, format!("Basic realm=\"{realm}\"")));
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        let message = self.public_message();
        match self {
            Self::Forbidden(refusal) if refusal.reason().is_some() => {
                response.json(serde_json::json!({ "error": message, "detail": refusal.reason() }))
            }
            _ => response.json(serde_json::json!({ "error": message })),
        }
    }
}

/// `error` and each of its causes, joined by `: ` (what a log line needs).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
