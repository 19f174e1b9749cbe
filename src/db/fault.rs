//! Which database errors mean "the database is down, busy or too slow right now" (answered
//! 503 with `Retry-After`) rather than "this request or this code is wrong" (500). Decided by
//! error variant and driver code, never by message text.

use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::mysql::MySqlDatabaseError;
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// PostgreSQL SQLSTATEs that say "try again": the server shut down or restarts (57P01-03), a
/// statement was cancelled by `statement_timeout` (57014), a lock was not granted within
/// `lock_timeout` (55P03), no connection slot was free (53300), a serialization failure or a
/// deadlock (40001, 40P01). Class 08 (connection exceptions) is matched as a class.
const POSTGRES_UNAVAILABLE: [&str; 8] = [
    "57P01", "57P02", "57P03", "57014", "55P03", "53300", "40001", "40P01",
];

/// MySQL/MariaDB error numbers that say "try again": too many connections (1040), server
/// shutdown (1053), lock wait timeout (1205), deadlock (1213), query interrupted (1317),
/// connection killed (1927), MariaDB `max_statement_time` (1969), MySQL `max_execution_time`
/// (3024), server gone or lost (2006, 2013, client codes), disconnected for inactivity (4031).
const MYSQL_UNAVAILABLE: [u16; 11] = [
    1040, 1053, 1205, 1213, 1317, 1927, 1969, 3024, 2006, 2013, 4031,
];

/// SQLite primary result codes that say "try again": SQLITE_BUSY (5), SQLITE_LOCKED (6) and
/// SQLITE_INTERRUPT (9, the statement limit's progress handler).
const SQLITE_UNAVAILABLE: [i32; 3] = [5, 6, 9];

/// Whether `error` means the database is unreachable, shut down, out of connections, locked
/// past the wait bound, or cut a statement off at its time limit.
pub(crate) fn is_unavailable(error: &DbErr) -> bool {
    match error {
        // Failing to get or keep a connection is never the request's fault.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            sqlx_unavailable(error)
        }
        _ => false,
    }
}

fn sqlx_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => database_unavailable(error.as_ref()),
        _ => false,
    }
}

fn database_unavailable(error: &dyn DatabaseError) -> bool {
    if let Some(mysql) = error.try_downcast_ref::<MySqlDatabaseError>() {
        return MYSQL_UNAVAILABLE.contains(&mysql.number());
    }
    let Some(code) = error.code() else {
        return false;
    };
    if error.try_downcast_ref::<PgDatabaseError>().is_some() {
        return code.starts_with("08") || POSTGRES_UNAVAILABLE.contains(&&*code);
    }
    if error.try_downcast_ref::<SqliteError>().is_some() {
        // The code is the extended one (SQLITE_BUSY_SNAPSHOT is 517); its low byte is primary.
        return code
            .parse::<i32>()
            .is_ok_and(|code| SQLITE_UNAVAILABLE.contains(&(code & 0xff)));
    }
    false
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    use std::sync::Arc;

    use super::is_unavailable;

    fn sqlx(error: sea_orm::sqlx::Error) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(error))
    }

    #[test]
    fn pool_and_connection_failures_are_unavailable() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        assert!(is_unavailable(&DbErr::Conn(RuntimeErr::Internal(
            "refused".into()
        ))));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_unavailable(&DbErr::Query(sqlx(reset.into()))));
        assert!(is_unavailable(&DbErr::Exec(sqlx(
            sea_orm::sqlx::Error::PoolClosed
        ))));
    }

    #[test]
    fn errors_of_the_request_or_the_code_are_not() {
        assert!(!is_unavailable(&DbErr::Custom("no column".into())));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::Internal(
            "syntax".into()
        ))));
        assert!(!is_unavailable(&DbErr::Query(sqlx(
            sea_orm::sqlx::Error::RowNotFound
        ))));
    }
}
