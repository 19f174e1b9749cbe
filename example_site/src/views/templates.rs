//! The site's Tera templates, embedded so that the binary runs from any directory, and the
//! frame every page shares. They join the one template set `Auth` shares with the admin: the
//! site's pages under `site/`, and its `error.html` in place of the crate's, so every error
//! page (the site's, the login page's) looks like the site.

use actix_sea::auth::{Auth, AuthBuilder};
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use tera::Context;

/// The site name in the top bar and the titles.
const BRANDING: &str = "Example Site";

/// The site's templates by the name they are rendered as.
const SOURCES: [(&str, &str); 9] = [
    ("site/base.html", include_str!("../../templates/base.html")),
    (
        "site/messages.html",
        include_str!("../../templates/messages.html"),
    ),
    (
        "site/pager.html",
        include_str!("../../templates/pager.html"),
    ),
    (
        "site/timeline.html",
        include_str!("../../templates/timeline.html"),
    ),
    (
        "site/users.html",
        include_str!("../../templates/users.html"),
    ),
    ("site/user.html", include_str!("../../templates/user.html")),
    ("site/join.html", include_str!("../../templates/join.html")),
    (
        "site/create.html",
        include_str!("../../templates/create.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
];

/// Adds the site's templates to the set `Auth` builds.
pub fn add(builder: AuthBuilder) -> AuthBuilder {
    SOURCES.iter().fold(builder, |builder, (name, source)| {
        builder.template(name, source)
    })
}

/// Renders a template as an HTML response; a failure is logged and answered with a bare 500.
pub fn render_html(auth: &Auth, status: StatusCode, name: &str, context: &Context) -> HttpResponse {
    match auth.render(name, context) {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(error) => {
            tracing::error!(error = ?error, template = name, "rendering failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong. Please try again.")
        }
    }
}

/// What the page frame (`site/base.html`) needs besides the visitor. Error pages rendered
/// outside a handler (by the crate's error pages) get only the branding and `static_url`, and
/// show no navigation.
pub fn frame(context: &mut Context) {
    context.insert("branding", BRANDING);
    context.insert("static_url", actix_sea::assets::STATIC_PREFIX);
    context.insert("show_nav", &true);
    context.insert("flashes", &Vec::<()>::new());
    if !context.contains_key("nav") {
        context.insert("nav", "");
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::{AuthConfig, builder};

    #[tokio::test]
    async fn every_template_compiles_into_the_shared_set() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let config = AuthConfig {
            secret_key: vec![7; 64],
            secure_cookies: false,
        };
        if let Err(error) = builder(db, &config).build() {
            panic!("{error}");
        }
    }
}
