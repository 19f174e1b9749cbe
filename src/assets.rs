//! The stylesheet and script shipped in `admin_static/`: embedded in the binary and served by
//! [`Auth`](crate::auth::Auth) under [`STATIC_PREFIX`], so every page works offline.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Where the embedded assets are served.
pub const STATIC_PREFIX: &str = "/static/actix-sea";

/// The embedded files: name, content type, bytes.
const FILES: &[(&str, &str, &str)] = &[
    (
        "actix-sea.css",
        "text/css; charset=utf-8",
        include_str!("../admin_static/actix-sea.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("../admin_static/admin.js"),
    ),
];

/// The route serving the assets.
pub(crate) fn resource() -> actix_web::Resource {
    web::resource(format!("{STATIC_PREFIX}/{{file}}")).route(web::get().to(serve))
}

async fn serve(file: web::Path<String>) -> HttpResponse {
    match FILES.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset"),
    }
}
