//! A test client for the bookshelf: its app over a fresh, migrated database, driven like a
//! browser (cookies, forms with the page's CSRF token) or an API client (Basic auth).

use std::cell::RefCell;
use std::collections::BTreeMap;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use base64::Engine as _;
use bookshelf::migrations::Migrator;
use bookshelf::models::user;
use bookshelf::{Shelf, app};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

use crate::support::TestDb;

const KEY: &[u8] = b"a bookshelf test key, 64 bytes long, used by no deployment at all";

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// The value of the first `<input name="...">` on the page.
    pub fn input(&self, name: &str) -> Option<String> {
        let start = self.body.find(&format!("name=\"{name}\""))?;
        let tag_start = self.body[..start].rfind('<')?;
        let tag = &self.body[tag_start..tag_start + self.body[tag_start..].find('>')?];
        let value = tag.split("value=\"").nth(1)?;
        Some(value[..value.find('"')?].to_owned())
    }
}

pub struct Client<S> {
    service: S,
    pub db: DatabaseConnection,
    _test_db: TestDb,
    jar: RefCell<BTreeMap<String, String>>,
}

/// The bookshelf over `test_db`, migrated, with an admin `root` and a reader `ann`.
pub async fn shelf(
    test_db: TestDb,
) -> Client<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let db = test_db.db.clone();
    Migrator::up(&db, None).await.expect("migrations");
    for (name, password, admin) in [
        ("root", "toor", true),
        ("ann", "reader", false),
        ("bo", "reader", false),
    ] {
        user::ActiveModel {
            username: Set(name.into()),
            password: Set(actix_sea::auth::password::hash_password(password)),
            admin: Set(admin),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("user");
    }
    let shelf = Shelf::new(db.clone(), KEY).expect("shelf");
    Client {
        service: test::init_service(app(shelf)).await,
        db,
        _test_db: test_db,
        jar: RefCell::default(),
    }
}

pub const ROOT: Option<(&str, &str)> = Some(("root", "toor"));
pub const ANN: Option<(&str, &str)> = Some(("ann", "reader"));
pub const BO: Option<(&str, &str)> = Some(("bo", "reader"));

impl<S, B> Client<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn send(&self, mut request: test::TestRequest) -> Reply {
        let cookies: Vec<String> = self
            .jar
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookies.is_empty() {
            request = request.insert_header(("cookie", cookies.join("; ")));
        }
        let response = test::call_service(
            &self.service,
            request
                .peer_addr("10.0.0.1:4000".parse().unwrap())
                .to_request(),
        )
        .await;
        for cookie in response.response().cookies() {
            self.jar
                .borrow_mut()
                .insert(cookie.name().to_owned(), cookie.value().to_owned());
        }
        let status = response.status();
        let bytes = test::read_body(response).await;
        Reply {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// An API request with Basic credentials when `user` is given.
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
        if let Some((name, password)) = user {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"));
            request = request.insert_header(("authorization", format!("Basic {encoded}")));
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(test::TestRequest::get().uri(path)).await
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self
            .get("/accounts/login/")
            .await
            .input("csrf_token")
            .expect("token");
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf_token", &token);
        for (key, value) in fields {
            body.append_pair(key, value);
        }
        let request = test::TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body.finish());
        self.send(request).await
    }

    /// Logs in through the login form.
    pub async fn login(&self, name: &str, password: &str) {
        let reply = self
            .post_form(
                "/accounts/login/",
                &[("username", name), ("password", password)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "login: {}", reply.body);
    }
}
