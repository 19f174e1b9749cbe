//! Login throttling: failed attempts counted per client address and per (username, address)
//! pair, in the database so that every app instance sees the same counts.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::token;

/// The failures table.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One failed attempt under one key (`ip:…` or `pair:…`; usernames are stored hashed).
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

/// Limits on failed attempts. Defaults: 10 per (username, address) per 15 minutes, 50 per
/// address per 5 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failures allowed per (username, address) pair within `pair_window`.
    pub pair_failures: u64,
    /// The pair's window.
    pub pair_window: Duration,
    /// Failures allowed per address within `address_window`.
    pub address_failures: u64,
    /// The address's window.
    pub address_window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            pair_failures: 10,
            pair_window: Duration::from_secs(15 * 60),
            address_failures: 50,
            address_window: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Throttle {
    db: DatabaseConnection,
    limits: ThrottleLimits,
}

fn address_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

fn pair_key(username: &str, ip: IpAddr) -> String {
    format!("pair:{}:{ip}", token::digest(username))
}

fn since(window: Duration) -> NaiveDateTime {
    Utc::now().naive_utc() - chrono::Duration::from_std(window).unwrap_or_default()
}

impl Throttle {
    pub(crate) fn new(db: DatabaseConnection, limits: ThrottleLimits) -> Self {
        Self { db, limits }
    }

    /// `Some(seconds to wait)` when this username and address may not try now.
    pub(crate) async fn check(&self, username: &str, ip: IpAddr) -> Result<Option<u64>, DbErr> {
        let checks = [
            (
                pair_key(username, ip),
                self.limits.pair_failures,
                self.limits.pair_window,
            ),
            (
                address_key(ip),
                self.limits.address_failures,
                self.limits.address_window,
            ),
        ];
        let mut wait = None;
        for (key, limit, window) in checks {
            let filter = Condition::all()
                .add(entity::Column::Key.eq(key))
                .add(entity::Column::At.gt(since(window)));
            let count = entity::Entity::find()
                .filter(filter.clone())
                .count(&self.db)
                .await?;
            if count < limit {
                continue;
            }
            // Allowed again once enough of the failures in the window have aged out of it.
            let oldest_blocking: Option<NaiveDateTime> = entity::Entity::find()
                .select_only()
                .column(entity::Column::At)
                .filter(filter)
                .order_by_desc(entity::Column::At)
                .offset(limit - 1)
                .limit(1)
                .into_tuple()
                .one(&self.db)
                .await?;
            let seconds = oldest_blocking.map_or(window.as_secs(), |at| {
                let until = at + chrono::Duration::from_std(window).unwrap_or_default();
                (until - Utc::now().naive_utc()).num_seconds().max(1) as u64
            });
            wait = Some(wait.map_or(seconds, |w: u64| w.max(seconds)));
        }
        Ok(wait)
    }

    /// Counts a failure for the pair and for the address, and forgets failures older than
    /// both windows.
    pub(crate) async fn fail(&self, username: &str, ip: IpAddr) -> Result<(), DbErr> {
        let now = Utc::now().naive_utc();
        let rows = [pair_key(username, ip), address_key(ip)].map(|key| entity::ActiveModel {
            id: NotSet,
            key: Set(key),
            at: Set(now),
        });
        entity::Entity::insert_many(rows)
            .exec_without_returning(&self.db)
            .await?;
        let oldest_kept = since(self.limits.pair_window.max(self.limits.address_window));
        entity::Entity::delete_many()
            .filter(entity::Column::At.lt(oldest_kept))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// A success clears the pair's failures (the address keeps its count).
    pub(crate) async fn succeed(&self, username: &str, ip: IpAddr) -> Result<(), DbErr> {
        entity::Entity::delete_many()
            .filter(entity::Column::Key.eq(pair_key(username, ip)))
            .exec(&self.db)
            .await?;
        Ok(())
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
