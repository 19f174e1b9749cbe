//! API keys (key + secret) and bearer tokens, stored as SHA-256 digests only.

use actix_web::HttpRequest;
use actix_web::http::{Method, header};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DbErr, EntityTrait, QueryFilter,
};

use super::authentication::{Authentication, Scheme, api_user, unauthorized, write_methods};
use crate::CurrentUser;
use crate::Error;
use crate::auth::{Auth, token};
use crate::orm::lock;

/// The API key table.
pub(crate) mod key_entity {
    use sea_orm::entity::prelude::*;

    /// One API key of a user: the public key and the digest of its secret.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_api_key")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub key: String,
        pub secret_hash: String,
        pub user_id: i64,
        pub created_at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The bearer token table.
pub(crate) mod token_entity {
    use sea_orm::entity::prelude::*;

    /// One bearer token of a user, by digest, with an optional expiry.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_api_token")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub user_id: i64,
        pub created_at: DateTime,
        pub expires_at: Option<DateTime>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

async fn active_user(auth: &Auth, id: i64) -> Result<CurrentUser, Error> {
    match auth.user_by_id(id).await? {
        Some(user) if user.active => api_user(auth, &user).await,
        _ => Err(unauthorized()),
    }
}

fn header_text<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Authentication by `X-API-Key` and `X-API-Secret` headers (flask-peewee's
/// `APIKeyAuthentication`). Keys are issued with [`ApiKeyAuthentication::issue`].
#[derive(Clone)]
pub struct ApiKeyAuthentication {
    auth: Auth,
    protected: Vec<Method>,
}

impl ApiKeyAuthentication {
    /// Keys required for writes; reads stay open.
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            protected: write_methods(),
        }
    }

    /// Sets the protected methods (add GET to protect reads too).
    pub fn protected_methods(mut self, methods: Vec<Method>) -> Self {
        self.protected = methods;
        self
    }

    /// Creates a key for a user and returns `(key, secret)`; the secret is shown only now.
    ///
    /// # Errors
    ///
    /// The database's error when the key cannot be stored.
    pub async fn issue(auth: &Auth, user_id: i64) -> Result<(String, String), DbErr> {
        let (key, secret) = (token::random(), token::random());
        let row = key_entity::ActiveModel {
            id: NotSet,
            key: Set(key.clone()),
            secret_hash: Set(token::digest(&secret)),
            user_id: Set(user_id),
            created_at: Set(Utc::now().naive_utc()),
        };
        let write = lock::write(auth.db()).await?;
        key_entity::Entity::insert(row)
            .exec_without_returning(&write.db())
            .await?;
        write.done().await?;
        Ok((key, secret))
    }

    async fn check(&self, req: &HttpRequest) -> Result<Option<CurrentUser>, Error> {
        let (key, secret) = match (
            header_text(req, "x-api-key"),
            header_text(req, "x-api-secret"),
        ) {
            (None, None) => return Ok(None),
            (Some(key), Some(secret)) => (key, secret),
            _ => return Err(unauthorized()),
        };
        let select = key_entity::Entity::find().filter(key_entity::Column::Key.eq(key));
        let row = crate::orm::by_unique_key(select, self.auth.db()).await?;
        let row = row.ok_or_else(unauthorized)?;
        if !token::constant_time_eq(&row.secret_hash, &token::digest(secret)) {
            return Err(unauthorized());
        }
        active_user(&self.auth, row.user_id).await.map(Some)
    }
}

impl Authentication for ApiKeyAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    fn scheme(&self) -> Option<Scheme> {
        Some(Scheme::ApiKey)
    }

    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(self.check(req))
    }
}

/// Authentication by `Authorization: Bearer <token>`. Tokens are issued with
/// [`BearerAuthentication::issue`] and stored as digests.
#[derive(Clone)]
pub struct BearerAuthentication {
    auth: Auth,
    protected: Vec<Method>,
}

impl BearerAuthentication {
    /// Tokens required for writes; reads stay open.
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            protected: write_methods(),
        }
    }

    /// Sets the protected methods (add GET to protect reads too).
    pub fn protected_methods(mut self, methods: Vec<Method>) -> Self {
        self.protected = methods;
        self
    }

    /// Creates a token for a user, valid for `lifetime` (or until deleted); shown only now.
    ///
    /// # Errors
    ///
    /// The database's error when the token cannot be stored.
    pub async fn issue(
        auth: &Auth,
        user_id: i64,
        lifetime: Option<std::time::Duration>,
    ) -> Result<String, DbErr> {
        let token = token::random();
        let now = Utc::now().naive_utc();
        let row = token_entity::ActiveModel {
            id: NotSet,
            token_hash: Set(token::digest(&token)),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(lifetime
                .and_then(|l| chrono::Duration::from_std(l).ok())
                .map(|l| now + l)),
        };
        let write = lock::write(auth.db()).await?;
        token_entity::Entity::insert(row)
            .exec_without_returning(&write.db())
            .await?;
        write.done().await?;
        Ok(token)
    }

    async fn check(&self, req: &HttpRequest) -> Result<Option<CurrentUser>, Error> {
        let Some(value) = header_text(req, header::AUTHORIZATION.as_str()) else {
            return Ok(None);
        };
        // The scheme's name is case-insensitive (RFC 9110, 11.1).
        let Some((_, token)) = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        else {
            return Ok(None);
        };
        let select = token_entity::Entity::find()
            .filter(token_entity::Column::TokenHash.eq(token::digest(token.trim())));
        let row = crate::orm::by_unique_key(select, self.auth.db())
            .await?
            .ok_or_else(unauthorized)?;
        if row
            .expires_at
            .is_some_and(|at| at <= Utc::now().naive_utc())
        {
            return Err(unauthorized());
        }
        active_user(&self.auth, row.user_id).await.map(Some)
    }
}

impl Authentication for BearerAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    fn scheme(&self) -> Option<Scheme> {
        Some(Scheme::Bearer)
    }

    fn authenticate<'a>(
        &'a self,
        req: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Option<CurrentUser>, Error>> {
        Box::pin(self.check(req))
    }
}
