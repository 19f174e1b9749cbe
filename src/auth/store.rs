//! Server-side session storage: a table through SeaORM (the default, any database), or Redis.

use std::collections::HashMap;

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
};
use actix_web::cookie::time::Duration;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::token;

/// The session table.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One live session: the SHA-256 of its cookie key, its state as JSON, when it expires.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key_hash: String,
        #[sea_orm(column_type = "Text")]
        pub state: String,
        #[sea_orm(indexed)]
        pub expires_at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Sessions kept in the `actix_sea_session` table. Only a hash of each session key is stored,
/// so a leaked table does not hand out live sessions. Expired rows are removed whenever a new
/// session is created.
#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    /// A store over `db`; its table comes from [`crate::db::Tables::auth`].
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    let seconds = ttl.whole_seconds().clamp(0, 10 * 365 * 24 * 3600);
    Utc::now().naive_utc() + chrono::Duration::seconds(seconds)
}

fn other(error: impl std::fmt::Display + 'static) -> anyhow::Error {
    // actix-session answers every store error with a 500; an outage should be a 503.
    if let Some(error) = (&error as &dyn std::any::Any).downcast_ref::<sea_orm::DbErr>() {
        super::outage::note(error);
    }
    anyhow::anyhow!("session store: {error}")
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let select = entity::Entity::find_by_id(token::digest(session_key.as_ref()))
            .filter(entity::Column::ExpiresAt.gt(Utc::now().naive_utc()));
        let row = crate::db::by_unique_key(select, &self.db)
            .await
            .map_err(|e| LoadError::Other(other(e)))?;
        row.map(|row| {
            serde_json::from_str(&row.state).map_err(|e| LoadError::Deserialization(other(e)))
        })
        .transpose()
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let state =
            serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let now = Utc::now().naive_utc();
        entity::Entity::delete_many()
            .filter(entity::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(|e| SaveError::Other(other(e)))?;
        let key = token::random();
        let row = entity::ActiveModel {
            key_hash: Set(token::digest(&key)),
            state: Set(state),
            expires_at: Set(expiry(ttl)),
        };
        entity::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| SaveError::Other(other(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(other(e)))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(other(e)))?;
        let result = entity::Entity::update_many()
            .col_expr(entity::Column::State, Expr::val(json))
            .col_expr(entity::Column::ExpiresAt, Expr::val(expiry(ttl)))
            .filter(entity::Column::KeyHash.eq(token::digest(session_key.as_ref())))
            .filter(entity::Column::ExpiresAt.gt(Utc::now().naive_utc()))
            .exec(&self.db)
            .await
            .map_err(|e| UpdateError::Other(other(e)))?;
        if result.rows_affected > 0 {
            return Ok(session_key);
        }
        // The session expired or was purged meanwhile: start a new one rather than revive it.
        self.save(state, ttl)
            .await
            .map_err(|e| UpdateError::Other(other(e)))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        entity::Entity::update_many()
            .col_expr(entity::Column::ExpiresAt, Expr::val(expiry(ttl)))
            .filter(entity::Column::KeyHash.eq(token::digest(session_key.as_ref())))
            .exec(&self.db)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        entity::Entity::delete_by_id(token::digest(session_key.as_ref()))
            .exec(&self.db)
            .await
            .map_err(other)?;
        Ok(())
    }
}

/// Where sessions live: the database (default) or Redis (for many app instances).
#[derive(Clone)]
#[non_exhaustive]
pub enum SessionBackend {
    /// The `actix_sea_session` table.
    Database(DbSessionStore),
    /// actix-session's Redis store.
    Redis(RedisSessionStore),
}

impl SessionStore for SessionBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        match self {
            Self::Database(store) => store.load(key).await,
            Self::Redis(store) => store.load(key).await,
        }
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        match self {
            Self::Database(store) => store.save(state, ttl).await,
            Self::Redis(store) => store.save(state, ttl).await,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            Self::Database(store) => store.update(key, state, ttl).await,
            Self::Redis(store) => store.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        match self {
            Self::Database(store) => store.update_ttl(key, ttl).await,
            Self::Redis(store) => store.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        match self {
            Self::Database(store) => store.delete(key).await,
            Self::Redis(store) => store.delete(key).await,
        }
    }
}
