//! Sessions in Redis, for sites that run many instances. Like the database store, it keeps
//! only a digest of each session key, never revives a session that ended while a request ran,
//! and keeps, per user, the set of that user's session keys, so that a password change or a
//! deactivation can end them all.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::store::{user_of, vanished};
use super::token;
use crate::Error;

/// How long the Redis session store waits for a connection or an answer.
pub const REDIS_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The longest pause, in milliseconds, before the store tries to reconnect once.
const REDIS_RETRY_MS: u64 = 200;

/// The Redis session store: `{prefix}session:<digest>` holds a session's state as JSON with
/// its expiry, `{prefix}user:<id>` the digests of that user's sessions (kept alive as long as
/// its newest session). Cheap to clone; reconnects by itself after a dropped connection.
#[derive(Clone)]
pub struct RedisSessions {
    connection: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisSessions {
    /// Connects to the Redis at `url` (`redis://host:port/db`); keys start with `actix_sea:`.
    /// A connection attempt or a command that takes longer than [`REDIS_WAIT`] fails: a
    /// request whose sessions cannot be read or written is answered 503 with `Retry-After`,
    /// never left hanging, and the store reconnects by itself when Redis is back.
    ///
    /// # Errors
    /// [`Error::Config`] when the URL is not a Redis URL or the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let failed = |e: redis::RedisError| Error::Config(format!("session store: {e}"));
        let client = redis::Client::open(url).map_err(failed)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(REDIS_WAIT)
            .set_response_timeout(REDIS_WAIT)
            .set_number_of_retries(1)
            .set_max_delay(REDIS_RETRY_MS);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(failed)?;
        Ok(Self {
            connection,
            prefix: "actix_sea:".into(),
        })
    }

    /// Starts every key with `prefix` instead of `actix_sea:` (several sites on one Redis).
    pub fn key_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn session(&self, digest: &str) -> String {
        format!("{}session:{digest}", self.prefix)
    }

    fn user(&self, user_id: i64) -> String {
        format!("{}user:{user_id}", self.prefix)
    }

    /// Ends every session of `user_id`; how many there were.
    ///
    /// # Errors
    ///
    /// Redis's error when it cannot be reached or refuses the commands.
    pub async fn end_user(&self, user_id: i64) -> Result<u64, redis::RedisError> {
        let mut connection = self.connection.clone();
        let set = self.user(user_id);
        let digests: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&set)
            .query_async(&mut connection)
            .await?;
        let mut delete = redis::cmd("DEL");
        delete.arg(&set);
        for digest in &digests {
            delete.arg(self.session(digest));
        }
        let removed: u64 = delete.query_async(&mut connection).await?;
        Ok(removed.saturating_sub(u64::from(!digests.is_empty())))
    }

    /// Adds `digest` to its user's set and keeps the set as long as this session; on a new
    /// session, also drops the digests of the user's sessions that have expired since.
    async fn index(
        &self,
        user_id: i64,
        digest: &str,
        ttl: i64,
        prune: bool,
    ) -> Result<(), redis::RedisError> {
        let mut connection = self.connection.clone();
        let set = self.user(user_id);
        if prune {
            let digests: Vec<String> = redis::cmd("SMEMBERS")
                .arg(&set)
                .query_async(&mut connection)
                .await?;
            let mut pipe = redis::pipe();
            for digest in &digests {
                pipe.cmd("EXISTS").arg(self.session(digest));
            }
            let alive: Vec<bool> = pipe.query_async(&mut connection).await?;
            let dead: Vec<&String> = digests
                .iter()
                .zip(alive)
                .filter(|(_, alive)| !alive)
                .map(|(digest, _)| digest)
                .collect();
            if !dead.is_empty() {
                redis::cmd("SREM")
                    .arg(&set)
                    .arg(dead)
                    .query_async::<()>(&mut connection)
                    .await?;
            }
        }
        redis::pipe()
            .atomic()
            .cmd("SADD")
            .arg(&set)
            .arg(digest)
            .ignore()
            .cmd("EXPIRE")
            .arg(&set)
            .arg(ttl)
            .ignore()
            .query_async::<()>(&mut connection)
            .await
    }
}

fn seconds(ttl: &Duration) -> i64 {
    ttl.whole_seconds().clamp(1, 10 * 365 * 24 * 3600)
}

fn other(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("session store: {error}")
}

/// A Redis error as the store's: one that says Redis could not be reached or did not answer
/// in time makes the request's failure a 503 (see `outage`).
fn failed(error: redis::RedisError) -> anyhow::Error {
    if error.is_timeout()
        || error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
    {
        super::outage::mark();
    }
    other(error)
}

impl SessionStore for RedisSessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let state: Option<String> = redis::cmd("GET")
            .arg(self.session(&token::digest(key.as_ref())))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(|e| LoadError::Other(failed(e)))?;
        state
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| LoadError::Deserialization(other(e)))
            })
            .transpose()
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let key = token::random();
        let digest = token::digest(&key);
        let written: Option<String> = redis::cmd("SET")
            .arg(self.session(&digest))
            .arg(json)
            .arg("NX")
            .arg("EX")
            .arg(seconds(ttl))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(|e| SaveError::Other(failed(e)))?;
        if written.is_none() {
            return Err(SaveError::Other(other("a new session key was taken")));
        }
        if let Some(user_id) = user_of(&state) {
            self.index(user_id, &digest, seconds(ttl), true)
                .await
                .map_err(|e| SaveError::Other(failed(e)))?;
        }
        SessionKey::try_from(key).map_err(|e| SaveError::Other(other(e)))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(other(e)))?;
        let digest = token::digest(key.as_ref());
        let written: Option<String> = redis::cmd("SET")
            .arg(self.session(&digest))
            .arg(json)
            .arg("XX")
            .arg("EX")
            .arg(seconds(ttl))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(|e| UpdateError::Other(failed(e)))?;
        if written.is_none() {
            // Ended while this request ran (`XX` found no key): it stays ended.
            vanished();
            return Ok(key);
        }
        if let Some(user_id) = user_of(&state) {
            self.index(user_id, &digest, seconds(ttl), false)
                .await
                .map_err(|e| UpdateError::Other(failed(e)))?;
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        redis::cmd("EXPIRE")
            .arg(self.session(&token::digest(key.as_ref())))
            .arg(seconds(ttl))
            .query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(failed)
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        redis::cmd("DEL")
            .arg(self.session(&token::digest(key.as_ref())))
            .query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(failed)
    }
}
