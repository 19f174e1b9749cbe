//! Lookups by a unique key.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Select};

/// The row a lookup by a unique key (a primary key, a username, a token digest) finds.
/// Unlike SeaORM's `one()` it sends no `LIMIT 1`: SQLite prepares a statement again whenever
/// a new value is bound to its `LIMIT`, and a unique key matches one row at most anyway.
pub(crate) async fn by_unique_key<E, C>(
    select: Select<E>,
    db: &C,
) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait<Model: Sync>,
    C: ConnectionTrait,
{
    Ok(select.all(db).await?.into_iter().next())
}
