//! Response headers: the content security policy of HTML pages (and pages that keep working
//! under it: no inline script or style), and HEAD answered like GET.

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::test;

use crate::app::spawn;
use crate::support::TestDb;

/// The example lets pages show gravatar images; everything else comes from the site.
const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; \
                   base-uri 'self'; object-src 'none'; img-src 'self' https://www.gravatar.com";

/// What a page may not contain under `default-src 'self'`: inline scripts, style elements and
/// attributes, event-handler attributes, `javascript:` URLs.
fn inline_code(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    if lower.contains("<style") || lower.contains(" style=") || lower.contains("javascript:") {
        return Some("style or javascript: URL".into());
    }
    for (at, _) in lower.match_indices("<script") {
        let tag = &lower[at..at + lower[at..].find('>').unwrap_or(0)];
        if !tag.contains(" src=") {
            return Some(format!("inline script: {tag}"));
        }
    }
    lower
        .match_indices(" on")
        .map(|(at, _)| &lower[at + 1..])
        .find(|rest| {
            let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            name.len() > 2 && rest[name.len()..].starts_with('=')
        })
        .map(|rest| format!("event handler: {}", &rest[..rest.len().min(30)]))
}

async fn html_pages_allow_only_the_sites_own_scripts_and_styles(db: TestDb) {
    let app = spawn(db).await;
    let id = app.create_user("root", "toor", true, true).await;
    let mut pages = vec![
        "/accounts/login/".to_owned(),
        "/join/".into(),
        "/".into(),
        "/public/".into(),
        "/users/root/".into(),
        "/no-such-page/".into(),
    ];
    for page in &pages {
        let reply = app.get(page).await;
        assert_eq!(reply.header("content-security-policy"), Some(CSP), "{page}");
        assert_eq!(inline_code(&reply.body), None, "{page}");
    }
    app.login("root", "toor").await;
    pages = vec![
        "/".into(),
        "/create/".into(),
        "/accounts/logout/".into(),
        "/admin/".into(),
        "/admin/message/".into(),
        "/admin/message/add/".into(),
        "/admin/user/".into(),
        format!("/admin/user/{id}/"),
        "/admin/relationship/add/".into(),
    ];
    for page in &pages {
        let reply = app.get(page).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        assert_eq!(reply.header("content-security-policy"), Some(CSP), "{page}");
        assert_eq!(inline_code(&reply.body), None, "{page}");
    }
    let api = app.get("/api/message/").await;
    assert_eq!(
        api.header("content-security-policy"),
        None,
        "JSON gets no page policy"
    );
}

async fn head_is_answered_like_get_without_a_body(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    for path in [
        "/",
        "/public/",
        "/users/",
        "/users/alice/",
        "/join/",
        "/accounts/login/",
        "/private/",
        "/admin/",
        "/api/message/",
        "/static/actix-sea/actix-sea.css",
        "/no-such-page/",
    ] {
        let get = app.get(path).await;
        let request = test::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri(path)
            .peer_addr(app.peer)
            .to_request();
        let head = test::call_service(&app.service, request).await;
        assert_eq!(head.status(), get.status, "{path}");
        for name in ["content-type", "location", "content-security-policy"] {
            assert_eq!(
                head.headers().get(name).and_then(|v| v.to_str().ok()),
                get.header(name),
                "{path}: {name}"
            );
        }
        if get.status == StatusCode::OK && path != "/accounts/login/" && path != "/join/" {
            assert_eq!(
                head.response().body().size(),
                BodySize::Sized(get.body.len() as u64),
                "{path}: the length GET would send"
            );
        }
        let body = test::read_body(head).await;
        assert!(body.is_empty(), "{path}: no body");
    }
}

async fn the_default_policy_allows_this_site_only(db: TestDb) {
    let builder = || {
        actix_sea::auth::Auth::builder(
            db.db.clone(),
            example_site::models::user::Entity,
            crate::app::KEY,
        )
    };
    assert!(
        builder()
            .image_sources(["https://x; script-src *"])
            .build()
            .is_err(),
        "an origin cannot add directives"
    );
    let auth = builder().build().unwrap();
    let service = test::init_service(
        actix_web::App::new()
            .wrap(auth.middleware())
            .service(auth.clone()),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/accounts/login/")
        .to_request();
    let page = test::call_service(&service, request).await;
    assert_eq!(
        page.headers().get("content-security-policy").unwrap(),
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; \
         object-src 'none'"
    );
}

crate::on_every_database!(example:
    html_pages_allow_only_the_sites_own_scripts_and_styles,
    head_is_answered_like_get_without_a_body,
    the_default_policy_allows_this_site_only,
);
