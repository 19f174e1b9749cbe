//! Server-side session storage: a table through SeaORM (the default, any database), or Redis.
//! Anonymous sessions stay in their cookie (see [`super::anonymous`]); a session that has ended
//! on the server (logout, expiry, purge) is never written again.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::redis_store::RedisSessions;
use super::session::USER_ID;
use super::{anonymous, token};
use crate::orm::lock;

tokio::task_local! {
    /// Set when a store update found its session gone, so that the middleware sends no
    /// session cookie in that response.
    static VANISHED: Cell<bool>;
}

/// Records that this request's session ended on the server while the request ran.
pub(super) fn vanished() {
    let _ = VANISHED.try_with(|flag| flag.set(true));
}

/// Runs `future` (a request through the session middleware) and tells whether its session
/// turned out to have ended on the server while it ran.
pub(crate) async fn watch<F: Future>(future: F) -> (F::Output, bool) {
    VANISHED
        .scope(Cell::new(false), async {
            let output = future.await;
            (output, VANISHED.with(Cell::get))
        })
        .await
}

/// The session table.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One live session: the SHA-256 of its cookie key, its state as JSON, when it expires,
    /// and the user it is logged in as (none for a session saved before it logged in).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key_hash: String,
        #[sea_orm(column_type = "Text")]
        pub state: String,
        #[sea_orm(indexed)]
        pub expires_at: DateTime,
        #[sea_orm(indexed)]
        pub user_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Sessions kept in the `actix_sea_session` table. Only a hash of each session key is stored,
/// so a leaked table does not hand out live sessions. Expired rows are removed whenever a new
/// session is created. An update of a session whose row is gone (logout, expiry, purge) writes
/// nothing: the session stays ended. Each row carries its user's id, so that a password change
/// can end all of a user's sessions.
#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    /// A store over `db`; its table comes from [`crate::db::migrations`].
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Ends every session of `user_id`; how many there were.
    ///
    /// # Errors
    ///
    /// The database's error when the session table cannot be written.
    pub async fn end_user(&self, user_id: i64) -> Result<u64, sea_orm::DbErr> {
        let write = lock::write(&self.db).await?;
        let result = entity::Entity::delete_many()
            .filter(entity::Column::UserId.eq(user_id))
            .exec(&write.db())
            .await?;
        write.done().await?;
        Ok(result.rows_affected)
    }
}

/// The user a session's state is logged in as (its values are JSON).
pub(super) fn user_of(state: &HashMap<String, String>) -> Option<i64> {
    state.get(USER_ID).and_then(|id| id.parse().ok())
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
        let row = crate::orm::by_unique_key(select, &self.db)
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
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let now = Utc::now().naive_utc();
        let failed = |e| SaveError::Other(other(e));
        let write = lock::write(&self.db).await.map_err(failed)?;
        entity::Entity::delete_many()
            .filter(entity::Column::ExpiresAt.lte(now))
            .exec(&write.db())
            .await
            .map_err(failed)?;
        let key = token::random();
        let row = entity::ActiveModel {
            key_hash: Set(token::digest(&key)),
            user_id: Set(user_of(&state)),
            state: Set(json),
            expires_at: Set(expiry(ttl)),
        };
        entity::Entity::insert(row)
            .exec_without_returning(&write.db())
            .await
            .map_err(failed)?;
        write.done().await.map_err(failed)?;
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
        let failed = |e| UpdateError::Other(other(e));
        let write = lock::write(&self.db).await.map_err(failed)?;
        let result = entity::Entity::update_many()
            .col_expr(entity::Column::State, Expr::val(json))
            .col_expr(entity::Column::ExpiresAt, Expr::val(expiry(ttl)))
            .col_expr(entity::Column::UserId, Expr::val(user_of(&state)))
            .filter(entity::Column::KeyHash.eq(token::digest(session_key.as_ref())))
            .filter(entity::Column::ExpiresAt.gt(Utc::now().naive_utc()))
            .exec(&write.db())
            .await
            .map_err(failed)?;
        write.done().await.map_err(failed)?;
        if result.rows_affected == 0 {
            // Logged out, expired or purged while this request ran: saving the state under a
            // new key would log the user back in, so the session stays ended. The key handed
            // back names nothing, and the middleware sends no cookie for it.
            vanished();
        }
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let write = lock::write(&self.db).await.map_err(other)?;
        entity::Entity::update_many()
            .col_expr(entity::Column::ExpiresAt, Expr::val(expiry(ttl)))
            .filter(entity::Column::KeyHash.eq(token::digest(session_key.as_ref())))
            .exec(&write.db())
            .await
            .map_err(other)?;
        write.done().await.map_err(other)?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let write = lock::write(&self.db).await.map_err(other)?;
        entity::Entity::delete_by_id(token::digest(session_key.as_ref()))
            .exec(&write.db())
            .await
            .map_err(other)?;
        write.done().await.map_err(other)?;
        Ok(())
    }
}

/// Where logged-in sessions live: the database (default) or Redis (for many app instances).
/// Anonymous sessions live in their cookie whichever the backend; a session that ended on the
/// server is never recreated by an update.
#[derive(Clone)]
#[non_exhaustive]
pub enum SessionBackend {
    /// The `actix_sea_session` table.
    Database(DbSessionStore),
    /// Redis ([`RedisSessions`]).
    Redis(RedisSessions),
}

impl SessionBackend {
    /// Ends every session of `user_id`, wherever they are kept.
    pub(crate) async fn end_user(&self, user_id: i64) -> Result<u64, crate::Error> {
        match self {
            Self::Database(store) => Ok(store.end_user(user_id).await?),
            Self::Redis(store) => store.end_user(user_id).await.map_err(|error| {
                tracing::error!(%error, user_id, "could not end the sessions of a user in Redis");
                crate::Error::Unavailable
            }),
        }
    }
}

impl SessionStore for SessionBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        if anonymous::is_sealed(key) {
            return Ok(Some(anonymous::open(key)));
        }
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
        if let Some(key) = anonymous::seal(&state) {
            return Ok(key);
        }
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
        if anonymous::is_sealed(&key) {
            return self.save(state, ttl).await.map_err(|error| match error {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            });
        }
        match self {
            Self::Database(store) => store.update(key, state, ttl).await,
            Self::Redis(store) => store.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        if anonymous::is_sealed(key) {
            return Ok(());
        }
        match self {
            Self::Database(store) => store.update_ttl(key, ttl).await,
            Self::Redis(store) => store.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        if anonymous::is_sealed(key) {
            return Ok(());
        }
        match self {
            Self::Database(store) => store.delete(key).await,
            Self::Redis(store) => store.delete(key).await,
        }
    }
}
