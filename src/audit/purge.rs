//! Retention: removing entries older than a number of days.

use chrono::{Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entry;

/// How many entries one purge statement removes, so a long purge holds no lock for long.
const BATCH: u64 = 1_000;

/// Deletes the entries written more than `days` days ago, oldest first, in batches;
/// `progress` is called after each batch with the entries removed so far and the total to
/// remove. Returns how many went.
///
/// # Errors
///
/// The database's error when the audit table cannot be read or written; entries deleted in batches before the failure stay deleted.
pub async fn purge<C: ConnectionTrait>(
    db: &C,
    days: u32,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, DbErr> {
    let cutoff = (Utc::now() - Duration::days(i64::from(days))).naive_utc();
    let old = || entry::Entity::find().filter(entry::Column::At.lt(cutoff));
    let total = sea_orm::PaginatorTrait::count(old(), db).await?;
    let mut removed = 0;
    progress(0, total);
    loop {
        let ids: Vec<i64> = old()
            .select_only()
            .column(entry::Column::Id)
            .order_by_asc(entry::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(removed);
        }
        let done = entry::Entity::delete_many()
            .filter(entry::Column::Id.is_in(ids))
            .exec(db)
            .await?;
        removed += done.rows_affected;
        progress(removed, total.max(removed));
    }
}
