//! SPEC "Fitting the ecosystem": `/api/docs/`, an interactive reference of the API whose every
//! file comes from the binary, under a CSP that allows only 'self'.

use actix_sea::rest::{RestApi, UserAuthentication};
use actix_web::http::StatusCode;
use actix_web::{App, test};
use example_site::api::MessageResource;
use example_site::models::message;

use crate::app::{Reply, spawn, wrap};
use crate::support::TestDb;

const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; \
                   base-uri 'self'; object-src 'none'";

/// The values of `attribute="..."` in an HTML page.
fn attributes<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(r#"{attribute}=""#);
    html.match_indices(&marker)
        .filter_map(|(at, _)| {
            let start = at + marker.len();
            html[start..].find('"').map(|end| &html[start..start + end])
        })
        .collect()
}

/// The targets of `url(...)` in a stylesheet.
fn css_urls(css: &str) -> Vec<&str> {
    css.match_indices("url(")
        .filter_map(|(at, _)| {
            let start = at + "url(".len();
            css[start..].find(')').map(|end| &css[start..start + end])
        })
        .collect()
}

fn content_type(reply: &Reply) -> &str {
    reply.header("content-type").unwrap_or_default()
}

fn expected_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        other => panic!("unexpected asset type {other:?}"),
    }
}

async fn the_api_reference_and_every_file_it_loads_come_from_the_binary(db: TestDb) {
    let app = spawn(db).await;
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(content_type(&page), "text/html; charset=utf-8");
    assert_eq!(page.header("content-security-policy"), Some(CSP));
    assert!(
        !page.body.contains("<script>") && !page.body.contains("style="),
        "no inline script or style: {}",
        page.body
    );

    let mut files: Vec<String> = attributes(&page.body, "src")
        .into_iter()
        .chain(attributes(&page.body, "href"))
        .map(str::to_owned)
        .collect();
    assert!(
        files.iter().any(|f| f == "swagger-ui-bundle.js"),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f == "docs.js"), "{files:?}");
    let mut served = 0;
    while let Some(file) = files.pop() {
        assert!(
            !file.contains("//") && !file.starts_with("data:"),
            "{file} would leave the machine or break the CSP"
        );
        let path = if let Some(up) = file.strip_prefix("../") {
            format!("/api/{up}")
        } else {
            format!("/api/docs/{file}")
        };
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&reply), expected_type(&file), "{path}");
        assert!(!reply.body.is_empty(), "{path}");
        // Swagger UI's own stylesheet draws icons with data: URLs; docs.css, loaded after it,
        // points the same rules at files (the browser test shows none is refused).
        if file == "docs.css" {
            files.extend(css_urls(&reply.body).into_iter().map(str::to_owned));
        }
        served += 1;
    }
    assert!(
        served >= 8,
        "page, scripts, stylesheets and icons: {served}"
    );
}

async fn the_reference_renders_the_apis_own_document_grouped_by_resource(db: TestDb) {
    let app = spawn(db).await;
    let script = app.get("/api/docs/docs.js").await;
    assert!(script.body.contains("'../openapi.json'"));
    assert!(
        script.body.contains("validatorUrl: null"),
        "the default validator is another origin"
    );
    let doc = app.get("/api/openapi.json").await.json();
    for (path, slug) in [
        ("/api/user/", "user"),
        ("/api/message/{pk}/", "message"),
        ("/api/relationship/", "relationship"),
        ("/api/note/", "note"),
    ] {
        assert_eq!(doc["paths"][path]["get"]["tags"][0], slug, "{path}");
    }
}

async fn unknown_reference_files_are_a_json_404(db: TestDb) {
    let app = spawn(db).await;
    for path in [
        "/api/docs/nope.js",
        "/api/docs/..%2F..%2FCargo.toml",
        "/api/docs/LICENSE",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.json()["error"].is_string(), "{path}");
    }
}

async fn the_reference_can_be_turned_off(db: TestDb) {
    let site = example_site::Site::new(db.db.clone(), &crate::app::config()).unwrap();
    let api = RestApi::builder(&site.auth)
        .default_auth(UserAuthentication::new(site.auth.clone()))
        .register(message::Entity, MessageResource)
        .docs(false)
        .build()
        .unwrap();
    let service = test::init_service(App::new().wrap(site.auth.middleware()).service(api)).await;
    let app = wrap(service, site, db);
    assert_eq!(app.get("/api/docs/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/docs/swagger-ui-bundle.js").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/message/").await.status, StatusCode::OK);
}

crate::on_every_database!(example:
    the_api_reference_and_every_file_it_loads_come_from_the_binary,
    the_reference_renders_the_apis_own_document_grouped_by_resource,
    unknown_reference_files_are_a_json_404,
    the_reference_can_be_turned_off,
);
