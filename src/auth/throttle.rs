//! Login and sign-up throttling: attempts counted per client address and per (username,
//! address) pair, in the database so that every app instance sees the same counts.
//!
//! An attempt takes its slot *before* the password is checked: it inserts its row, then counts
//! the rows of its key inserted before it (by id) in the window, itself included. Past the limit
//! it removes its row and is refused without an argon2 run, so a concurrent burst gets exactly
//! as many verifications as the limit, on every database. Within one instance the insert and
//! the count of a key run one at a time (striped locks), so ids are also commit order there;
//! across instances a database that commits out of id order can let one extra attempt in.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use sha2::{Digest, Sha256};

use super::token;
use crate::Error;
use crate::orm::lock;

/// The failures table.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One attempt under one key (`ip:…`, `pair:…` or `signup:…`; usernames are stored
    /// hashed): a failure, an attempt still being checked, or a sign-up.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_login_failure")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(indexed)]
        pub key: String,
        #[sea_orm(indexed)]
        pub at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Limits on attempts. Defaults: 10 failed logins per (username, address) per 15 minutes, 50
/// per address per 5 minutes, 10 sign-ups per address per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failures allowed per (normalised username, address) pair within `pair_window`.
    pub pair_failures: u64,
    /// The pair's window.
    pub pair_window: Duration,
    /// Failures allowed per address within `address_window`.
    pub address_failures: u64,
    /// The address's window.
    pub address_window: Duration,
    /// Sign-ups allowed per address within `signup_window` (see [`crate::auth::Auth::allow_signup`]).
    pub signups: u64,
    /// The sign-up window.
    pub signup_window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            pair_failures: 10,
            pair_window: Duration::from_secs(15 * 60),
            address_failures: 50,
            address_window: Duration::from_secs(5 * 60),
            signups: 10,
            signup_window: Duration::from_secs(3600),
        }
    }
}

/// The insert and count of one key run one at a time within an instance; keys share stripes.
const STRIPES: usize = 64;
/// How long an attempt waits for its key's stripe before it is answered 503 (the same bound
/// as the wait for a database connection).
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub(crate) struct Throttle {
    db: DatabaseConnection,
    limits: ThrottleLimits,
    stripes: std::sync::Arc<[tokio::sync::Mutex<()>; STRIPES]>,
}

/// The rows a login attempt holds while its password is checked.
pub(crate) struct Attempt {
    pair: (String, i64),
    address: i64,
}

fn address_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

fn pair_key(username: &str, ip: IpAddr) -> String {
    format!("pair:{}:{ip}", token::digest(username))
}

fn signup_key(ip: IpAddr) -> String {
    format!("signup:{ip}")
}

fn since(window: Duration) -> NaiveDateTime {
    Utc::now().naive_utc() - chrono::Duration::from_std(window).unwrap_or_default()
}

impl Throttle {
    pub(crate) fn new(db: DatabaseConnection, limits: ThrottleLimits) -> Self {
        Self {
            db,
            limits,
            stripes: std::sync::Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
        }
    }

    /// Takes a slot under `key`: `Ok(id of its row)`, or `Err(seconds to wait)` when the key
    /// already has `limit` rows in the window (then no row is left behind).
    async fn take(
        &self,
        key: &str,
        limit: u64,
        window: Duration,
    ) -> Result<Result<i64, u64>, Error> {
        let stripe = usize::from(Sha256::digest(key.as_bytes())[0]) % STRIPES;
        let turn = tokio::time::timeout(LOCK_WAIT, self.stripes[stripe].lock())
            .await
            .map_err(|_| Error::Unavailable)?;
        let row = entity::ActiveModel {
            id: NotSet,
            key: Set(key.to_owned()),
            at: Set(Utc::now().naive_utc()),
        };
        let write = lock::write(&self.db).await?;
        let id = entity::Entity::insert(row)
            .exec(&write.db())
            .await?
            .last_insert_id;
        write.done().await?;
        let in_window = Condition::all()
            .add(entity::Column::Key.eq(key))
            .add(entity::Column::At.gt(since(window)));
        let ahead = entity::Entity::find()
            .filter(in_window.clone().add(entity::Column::Id.lte(id)))
            .count(&self.db)
            .await?;
        drop(turn);
        if ahead <= limit {
            return Ok(Ok(id));
        }
        self.release(&[id]).await?;
        Ok(Err(self.wait(in_window, limit, window).await?))
    }

    /// Seconds until enough of the rows in the window have aged out of it.
    async fn wait(&self, in_window: Condition, limit: u64, window: Duration) -> Result<u64, Error> {
        let oldest_blocking: Option<NaiveDateTime> = entity::Entity::find()
            .select_only()
            .column(entity::Column::At)
            .filter(in_window)
            .order_by_desc(entity::Column::At)
            .offset(limit.saturating_sub(1))
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(oldest_blocking.map_or(1, |at| {
            let until = at + chrono::Duration::from_std(window).unwrap_or_default();
            (until - Utc::now().naive_utc()).num_seconds().max(1) as u64
        }))
    }

    async fn release(&self, ids: &[i64]) -> Result<(), Error> {
        let write = lock::write(&self.db).await?;
        entity::Entity::delete_many()
            .filter(entity::Column::Id.is_in(ids.iter().copied()))
            .exec(&write.db())
            .await?;
        write.done().await?;
        Ok(())
    }

    /// Takes a slot for a login of `username` (normalised) from `ip` under both the pair's
    /// and the address's limit: `Err(seconds to wait)` when either is used up.
    pub(crate) async fn begin(
        &self,
        username: &str,
        ip: IpAddr,
    ) -> Result<Result<Attempt, u64>, Error> {
        let limits = &self.limits;
        let pair = pair_key(username, ip);
        let pair_id = match self
            .take(&pair, limits.pair_failures, limits.pair_window)
            .await?
        {
            Ok(id) => id,
            Err(wait) => return Ok(Err(wait)),
        };
        let address = self
            .take(
                &address_key(ip),
                limits.address_failures,
                limits.address_window,
            )
            .await;
        match address {
            Ok(Ok(address)) => Ok(Ok(Attempt {
                pair: (pair, pair_id),
                address,
            })),
            Ok(Err(wait)) => {
                self.release(&[pair_id]).await?;
                Ok(Err(wait))
            }
            Err(error) => {
                self.release(&[pair_id]).await?;
                Err(error)
            }
        }
    }

    /// The attempt failed: its rows stay as failures. Rows older than every window go.
    pub(crate) async fn fail(&self, _attempt: Attempt) -> Result<(), Error> {
        let limits = &self.limits;
        let longest = limits
            .pair_window
            .max(limits.address_window)
            .max(limits.signup_window);
        let write = lock::write(&self.db).await?;
        entity::Entity::delete_many()
            .filter(entity::Column::At.lt(since(longest)))
            .exec(&write.db())
            .await?;
        write.done().await?;
        Ok(())
    }

    /// The attempt succeeded: the pair's failures are cleared and the address gets its slot
    /// back (its earlier failures still count).
    pub(crate) async fn succeed(&self, attempt: Attempt) -> Result<(), Error> {
        let mine = Condition::any()
            .add(entity::Column::Key.eq(attempt.pair.0))
            .add(entity::Column::Id.eq(attempt.address));
        let write = lock::write(&self.db).await?;
        entity::Entity::delete_many()
            .filter(mine)
            .exec(&write.db())
            .await?;
        write.done().await?;
        Ok(())
    }

    /// Counts a sign-up from `ip`: `Err(seconds to wait)` when the address has used its
    /// sign-ups for the window.
    pub(crate) async fn signup(&self, ip: IpAddr) -> Result<Result<(), u64>, Error> {
        let limits = &self.limits;
        let taken = self
            .take(&signup_key(ip), limits.signups, limits.signup_window)
            .await?;
        Ok(taken.map(|_| ()))
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy.
pub(crate) fn client_ip(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |addr| addr.ip());
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}
