//! SQLite's statement limit: counted per checkout, from its first statement.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::Options;

const LIMIT: Duration = Duration::from_millis(600);

/// Counts `rows` rows of a recursive CTE: CPU work that grows with `rows`.
async fn count(db: &DatabaseConnection, rows: u64) -> Result<Duration, DbErr> {
    let started = Instant::now();
    db.execute_unprepared(&format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
         SELECT count(*) FROM (SELECT x FROM c LIMIT {rows})"
    ))
    .await?;
    Ok(started.elapsed())
}

#[tokio::test]
async fn each_checkout_has_the_whole_limit_and_time_in_the_pool_does_not_count() {
    let db = Options::new("sqlite::memory:")
        .statement_timeout(Some(LIMIT))
        .connect()
        .await
        .unwrap();
    // Rows that take about a fifth of the limit, sized from a first count.
    let probe = 200_000;
    let took = count(&db, probe)
        .await
        .unwrap()
        .max(Duration::from_millis(1));
    let rows = (probe as f64 * (LIMIT.as_secs_f64() / 5.0) / took.as_secs_f64()) as u64;
    let mut total = Duration::ZERO;
    for _ in 0..8 {
        total += count(&db, rows).await.expect("a fifth of the limit runs");
    }
    assert!(total > LIMIT, "the checkouts together ran past one limit");
    tokio::time::sleep(LIMIT + Duration::from_millis(100)).await;
    count(&db, rows)
        .await
        .expect("the time the connection waited in the pool does not count");
    let cut = count(&db, u64::MAX >> 2).await;
    assert!(cut.is_err(), "a statement past the limit is cut off");
    count(&db, 1).await.expect("the next checkout runs");
}
