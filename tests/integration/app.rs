//! `TestApp`: the example site's app factory over a fresh database, driven like a browser
//! (a cookie jar, form posts with the page's CSRF token).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use actix_http::Request;
use actix_sea::auth::Auth;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test;
use example_site::Site;
use example_site::auth::AuthConfig;
use example_site::commands::{NewUser, create_user};

use crate::support::TestDb;

/// A fixed development key for tests.
pub const KEY: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub fn config() -> AuthConfig {
    AuthConfig {
        secret_key: KEY.to_vec(),
        secure_cookies: false,
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// The value of the first hidden input called `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!(r#"name="{name}" value=""#);
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }
}

/// Undoes Tera's HTML escaping of attribute values.
pub fn unescape(text: &str) -> String {
    text.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub struct TestApp<S> {
    pub service: S,
    pub site: Site,
    pub db: TestDb,
    pub peer: SocketAddr,
    jar: RefCell<BTreeMap<String, String>>,
}

pub async fn spawn(
    db: TestDb,
) -> TestApp<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let site = Site::new(db.db.clone(), &config()).expect("site builds");
    let service = test::init_service(example_site::app(site.clone())).await;
    wrap(service, site, db)
}

/// The example's app over `db` with an `Auth` the test configured itself.
pub async fn spawn_with(
    db: TestDb,
    auth: Auth,
) -> TestApp<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let site = Site::with_auth(db.db.clone(), auth).expect("site builds");
    let service = test::init_service(example_site::app(site.clone())).await;
    wrap(service, site, db)
}

/// Wraps any service built from an app (for tests that configure their own `Auth`).
pub fn wrap<S>(service: S, site: Site, db: TestDb) -> TestApp<S> {
    TestApp {
        service,
        site,
        db,
        peer: "10.0.0.1:40000".parse().unwrap(),
        jar: RefCell::default(),
    }
}

impl<S, B> TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub async fn send(&self, request: test::TestRequest) -> Reply {
        let mut request = request.peer_addr(self.peer);
        let cookie = self.cookie_header();
        if !cookie.is_empty() {
            request = request.insert_header(("cookie", cookie));
        }
        let (status, headers, body) =
            match test::try_call_service(&self.service, request.to_request()).await {
                Ok(response) => {
                    let (status, headers) = (response.status(), response.headers().clone());
                    (status, headers, test::read_body(response).await)
                }
                // A middleware's error: the server answers with the error's own response.
                Err(error) => {
                    let response = error.error_response();
                    let (status, headers) = (response.status(), response.headers().clone());
                    let body = actix_web::body::to_bytes(response.into_body()).await;
                    (status, headers, body.unwrap_or_default())
                }
            };
        for value in headers.get_all("set-cookie") {
            self.store_cookie(value.to_str().unwrap_or_default());
        }
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// An API call: JSON body (when given) and HTTP basic credentials (when given).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        user: Option<(&str, &str)>,
    ) -> Reply {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = test::TestRequest::default().method(method).uri(path);
        if let Some(body) = body {
            request = request
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string());
        }
        if let Some((username, password)) = user {
            use base64::Engine as _;
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            request = request.insert_header(("authorization", format!("Basic {encoded}")));
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(test::TestRequest::get().uri(path)).await
    }

    /// Posts a form as given (no token added).
    pub async fn post_raw(&self, path: &str, body: impl Into<actix_web::web::Bytes>) -> Reply {
        let request = test::TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body.into());
        self.send(request).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.post_raw(path, body).await
    }

    /// The CSRF token the login page hands out to this client.
    pub async fn csrf_token(&self) -> String {
        self.get("/accounts/login/")
            .await
            .input("csrf_token")
            .expect("the login page has a token")
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        let token = self.csrf_token().await;
        self.post_form(
            "/accounts/login/",
            &[
                ("csrf_token", &token),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn logout(&self) -> Reply {
        let token = self
            .get("/accounts/logout/")
            .await
            .input("csrf_token")
            .expect("token on the logout page");
        self.post_form("/accounts/logout/", &[("csrf_token", &token)])
            .await
    }

    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        admin: bool,
        active: bool,
    ) -> i32 {
        let new = NewUser {
            username: username.into(),
            password: password.into(),
            email: format!("{username}@example.com"),
            admin,
            active,
            groups: Vec::new(),
        };
        create_user(&self.db.db, new)
            .await
            .expect("user created")
            .id
    }

    /// The `Cookie` header this client sends.
    pub fn cookie_header(&self) -> String {
        self.jar
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }

    pub fn clear_cookies(&self) {
        self.jar.borrow_mut().clear();
    }

    fn store_cookie(&self, header: &str) {
        let Some((pair, attributes)) = header.split_once(';').or(Some((header, ""))) else {
            return;
        };
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let expired = attributes.to_ascii_lowercase().contains("max-age=0");
        let mut jar = self.jar.borrow_mut();
        if expired || value.is_empty() {
            jar.remove(name.trim());
        } else {
            jar.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
}
