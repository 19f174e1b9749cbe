//! The benchmark's baseline: the message endpoints of actix-sea's example site written by hand
//! with actix-web and SeaORM, answering with the same JSON.
//!
//! `bench_baseline --bind 127.0.0.1:8102 --database 'sqlite:///tmp/bench.db?mode=rwc'`
//! (the tables must exist: create them with `example_site seed`).

mod models;

use std::collections::HashMap;
use std::fmt;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
use base64::Engine as _;
use chrono::NaiveDateTime;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use models::{MessageJson, authors, connect, message, message_json, user};

const PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;

struct State {
    db: DatabaseConnection,
    cache: CredentialCache,
}

#[derive(Debug)]
enum ApiError {
    NotFound,
    Unauthorized,
    BadRequest(&'static str),
    Database(DbErr),
    Internal,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotFound => "not found",
            Self::Unauthorized => "unauthorized",
            Self::BadRequest(reason) => reason,
            Self::Database(_) | Self::Internal => "internal error",
        })
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        Self::Database(error)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Database(_) | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Database(error) = self {
            eprintln!("bench_baseline: database error: {error}");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unauthorized) {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="API""#));
        }
        response.json(serde_json::json!({ "error": self.to_string() }))
    }
}

/// Successful argon2 checks, remembered for a minute under a keyed hash of the credentials
/// and the stored hash (so a changed password never matches, and no password is kept).
struct CredentialCache {
    secret: [u8; 32],
    entries: Mutex<HashMap<[u8; 32], Instant>>,
}

impl CredentialCache {
    const TTL: Duration = Duration::from_secs(60);
    const CAPACITY: usize = 10_000;

    fn new() -> Result<Self, getrandom::Error> {
        let mut secret = [0; 32];
        getrandom::fill(&mut secret)?;
        Ok(Self {
            secret,
            entries: Mutex::default(),
        })
    }

    fn key(&self, username: &str, password: &str, stored_hash: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        for part in [username, password, stored_hash] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    fn contains(&self, key: &[u8; 32]) -> bool {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).is_some_and(|at| at.elapsed() < Self::TTL)
    }

    fn insert(&self, key: [u8; 32]) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= Self::CAPACITY {
            entries.retain(|_, at| at.elapsed() < Self::TTL);
        }
        entries.insert(key, Instant::now());
    }
}

#[derive(Serialize)]
struct Meta {
    model: &'static str,
    page: u64,
    page_count: u64,
    object_count: u64,
    previous: String,
    next: String,
}

#[derive(Serialize)]
struct Page<'a> {
    meta: Meta,
    objects: Vec<MessageJson<'a>>,
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    user: Option<String>,
    #[serde(rename = "user__username")]
    username: Option<String>,
}

/// A positive whole number from the query string, if that is what `raw` is.
fn positive(raw: Option<&str>) -> Option<u64> {
    raw.and_then(|text| text.trim().parse().ok())
        .filter(|&n| n > 0)
}

/// This URL with `page` replaced (and moved last), the other parameters kept as sent.
fn page_url(req: &HttpRequest, page: u64) -> String {
    let page = format!("page={page}");
    let mut parts: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|part| !part.is_empty() && part.split('=').next() != Some("page"))
        .collect();
    parts.push(&page);
    format!("{}?{}", req.path(), parts.join("&"))
}

async fn list(
    state: web::Data<State>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let db = &state.db;
    let limit = positive(query.limit.as_deref())
        .unwrap_or(PAGE_SIZE)
        .min(MAX_PAGE_SIZE);
    let page = positive(query.page.as_deref()).unwrap_or(1);
    let mut select = message::Entity::find();
    if let Some(raw) = &query.user {
        let id: i32 = raw
            .trim()
            .parse()
            .map_err(|_| ApiError::BadRequest("invalid value for field `user`"))?;
        select = select.filter(message::Column::User.eq(id));
    }
    if let Some(username) = &query.username {
        select = select
            .inner_join(user::Entity)
            .filter(user::Column::Username.eq(username.as_str()));
    }
    let object_count = select.clone().count(db).await?;
    let offset = (page - 1).saturating_mul(limit);
    let rows = if offset >= object_count {
        Vec::new()
    } else {
        select
            .order_by_asc(message::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(db)
            .await?
    };
    let users = authors(db, &rows).await?;
    let meta = Meta {
        model: "message",
        page,
        page_count: object_count.div_ceil(limit),
        object_count,
        previous: if page > 1 {
            page_url(&req, page - 1)
        } else {
            String::new()
        },
        next: if offset.saturating_add(limit) < object_count {
            page_url(&req, page + 1)
        } else {
            String::new()
        },
    };
    let objects = rows.iter().map(|row| message_json(row, &users)).collect();
    Ok(HttpResponse::Ok().json(Page { meta, objects }))
}

async fn detail(state: web::Data<State>, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let row = message::Entity::find_by_id(id.into_inner())
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let users = authors(&state.db, std::slice::from_ref(&row)).await?;
    Ok(HttpResponse::Ok().json(message_json(&row, &users)))
}

/// The username and password of an `Authorization: Basic` header.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (username, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((username.to_owned(), password.to_owned()))
}

/// The active user the request's basic credentials belong to; argon2 runs on the blocking
/// pool, and only when the credentials are not in the cache.
async fn authenticate(state: &State, req: &HttpRequest) -> Result<user::Model, ApiError> {
    let (username, password) = basic_credentials(req).ok_or(ApiError::Unauthorized)?;
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(&state.db)
        .await?;
    let author = found
        .filter(|user| user.active)
        .ok_or(ApiError::Unauthorized)?;
    let key = state.cache.key(&username, &password, &author.password);
    if state.cache.contains(&key) {
        return Ok(author);
    }
    let stored = author.password.clone();
    let verified = web::block(move || {
        PasswordHash::new(&stored).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    if !verified {
        return Err(ApiError::Unauthorized);
    }
    state.cache.insert(key);
    Ok(author)
}

#[derive(Deserialize)]
struct NewMessage {
    content: String,
    pub_date: NaiveDateTime,
}

async fn create(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let author = authenticate(&state, &req).await?;
    let NewMessage { content, pub_date } = body.into_inner();
    let row = message::ActiveModel {
        id: NotSet,
        user: Set(author.id),
        content: Set(content),
        pub_date: Set(pub_date),
    }
    .insert(&state.db)
    .await?;
    let users = HashMap::from([(author.id, author)]);
    Ok(HttpResponse::Created().json(message_json(&row, &users)))
}

/// `--bind ADDR --database URL`.
fn parse_args() -> Result<(String, String), String> {
    const USAGE: &str = "usage: bench_baseline --bind ADDR --database URL";
    let (mut bind, mut database) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--bind" => &mut bind,
            "--database" => &mut database,
            _ => return Err(USAGE.into()),
        };
        *slot = Some(args.next().ok_or(USAGE)?);
    }
    Ok((bind.ok_or(USAGE)?, database.ok_or(USAGE)?))
}

async fn run() -> Result<(), String> {
    let (bind, database) = parse_args()?;
    let db = connect(&database)
        .await
        .map_err(|e| format!("cannot open {database}: {e}"))?;
    let cache = CredentialCache::new().map_err(|e| format!("no randomness: {e}"))?;
    let state = web::Data::new(State { db, cache });
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).service(
            web::scope("/api/message")
                .route("/", web::get().to(list))
                .route("/", web::post().to(create))
                .route("/{id}/", web::get().to(detail)),
        )
    })
    .bind(&bind)
    .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    println!("bench_baseline: serving http://{bind} (database {database})");
    server.run().await.map_err(|e| e.to_string())
}

#[actix_web::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
