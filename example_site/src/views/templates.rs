//! The site's Tera templates (embedded, autoescaped) and the frame every page shares.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use tera::{Context, Tera};

/// The site name in the top bar and the titles.
const BRANDING: &str = "Example Site";

/// The site's templates, embedded so that the binary runs from any directory.
const SOURCES: [(&str, &str); 9] = [
    ("base.html", include_str!("../../templates/base.html")),
    (
        "messages.html",
        include_str!("../../templates/messages.html"),
    ),
    ("pager.html", include_str!("../../templates/pager.html")),
    (
        "timeline.html",
        include_str!("../../templates/timeline.html"),
    ),
    ("users.html", include_str!("../../templates/users.html")),
    ("user.html", include_str!("../../templates/user.html")),
    ("join.html", include_str!("../../templates/join.html")),
    ("create.html", include_str!("../../templates/create.html")),
    ("error.html", include_str!("../../templates/error.html")),
];

static TEMPLATES: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(SOURCES).map_err(|e| describe(&e))?;
    Ok(tera)
});

/// A Tera error with its causes, which carry the useful part.
fn describe(error: &tera::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Renders a template as an HTML response; a failure is logged and answered with a bare 500.
pub fn render_html(status: StatusCode, name: &str, context: &Context) -> HttpResponse {
    let rendered = match &*TEMPLATES {
        Ok(tera) => tera.render(name, context).map_err(|e| describe(&e)),
        Err(error) => Err(error.clone()),
    };
    match rendered {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(detail) => {
            tracing::error!(%detail, template = name, "rendering failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong. Please try again.")
        }
    }
}

/// What the page frame (`base.html`) needs; `nav` says whether it shows the navigation, which
/// needs the session.
pub fn frame(context: &mut Context, nav: bool) {
    context.insert("branding", BRANDING);
    context.insert("static_url", actix_sea::assets::STATIC_PREFIX);
    context.insert("show_nav", &nav);
    context.insert("flashes", &Vec::<()>::new());
    if !context.contains_key("nav") {
        context.insert("nav", "");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_compiles() {
        if let Err(error) = &*super::TEMPLATES {
            panic!("{error}");
        }
    }
}
