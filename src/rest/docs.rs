//! `<prefix>/docs/`: an interactive reference of the API, Swagger UI rendering
//! `<prefix>/openapi.json`. Every file is embedded in the binary and served from here, so the
//! page works offline and its CSP allows only 'self'.

use actix_web::http::header;
use actix_web::{HttpResponse, Scope, web};

use crate::Error;

/// The page's policy: no script, style, image or request from anywhere but this origin.
pub(crate) const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; \
                              base-uri 'self'; object-src 'none'";

const PAGE: &str = include_str!("../../api_static/docs.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// The files the page loads: name, content type, bytes. Swagger UI (Apache-2.0) is vendored
/// unchanged from npm's `swagger-ui-dist` with its license in `api_static/swagger-ui/`.
const FILES: &[(&str, &str, &str)] = &[
    (
        "swagger-ui-bundle.js",
        JS,
        include_str!("../../api_static/swagger-ui/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        CSS,
        include_str!("../../api_static/swagger-ui/swagger-ui.css"),
    ),
    ("docs.js", JS, include_str!("../../api_static/docs.js")),
    ("docs.css", CSS, include_str!("../../api_static/docs.css")),
    ("arrow.svg", SVG, include_str!("../../api_static/arrow.svg")),
    ("check.svg", SVG, include_str!("../../api_static/check.svg")),
    (
        "chevron.svg",
        SVG,
        include_str!("../../api_static/chevron.svg"),
    ),
    ("copy.svg", SVG, include_str!("../../api_static/copy.svg")),
];

/// Adds the page and its files to the API's scope (before the `/{model}/` routes).
pub(super) fn routes(scope: Scope) -> Scope {
    scope
        .route("/docs/", web::get().to(page))
        .route("/docs/{file}", web::get().to(asset))
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(PAGE)
}

async fn asset(file: web::Path<String>) -> Result<HttpResponse, Error> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .ok_or(Error::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, *content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}
