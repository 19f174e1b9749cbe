//! The statements that keep a table's count: one counting row and two triggers on SQLite, a
//! few counting rows and statement triggers on PostgreSQL.

use sea_orm::DbBackend;

use super::counts;

/// The rows a PostgreSQL count is spread over. A writer adds to the row of its server
/// process, so concurrent writers of the table rarely wait for each other's commits; a read
/// sums them all.
const SLOTS: u32 = 64;

/// `"name"`, quoted for SQLite and PostgreSQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name of the trigger (and on PostgreSQL its function) for `event` on `table`.
fn trigger(table: &str, event: &str) -> String {
    quoted(&format!("{}_{event}", counts(table)))
}

/// The longest name PostgreSQL keeps whole, in bytes; it cuts longer ones, which would make
/// the trigger functions' names collide.
const POSTGRES_NAME_BYTES: usize = 63;

/// Whether the count of `table` can be kept on `backend`: on SQLite always; on PostgreSQL
/// when its longest name (the truncate trigger's) fits; never on MariaDB/MySQL.
fn keeps(backend: DbBackend, table: &str) -> bool {
    match backend {
        DbBackend::Sqlite => true,
        DbBackend::Postgres => counts(table).len() + "_truncate".len() <= POSTGRES_NAME_BYTES,
        _ => false,
    }
}

/// The statements creating `table`'s count, run in order; `None` where it is not kept.
pub(super) fn up(backend: DbBackend, table: &str) -> Option<Vec<String>> {
    if !keeps(backend, table) {
        return None;
    }
    match backend {
        DbBackend::Postgres => Some(vec![postgres_up(table)]),
        _ => Some(sqlite_up(table)),
    }
}

/// The statements dropping what [`up`] created.
pub(super) fn down(backend: DbBackend, table: &str) -> Option<Vec<String>> {
    if !keeps(backend, table) {
        return None;
    }
    let counts = quoted(&counts(table));
    match backend {
        DbBackend::Sqlite => Some(vec![
            format!("DROP TRIGGER IF EXISTS {}", trigger(table, "insert")),
            format!("DROP TRIGGER IF EXISTS {}", trigger(table, "delete")),
            format!("DROP TABLE IF EXISTS {counts}"),
        ]),
        // A function goes with its triggers.
        DbBackend::Postgres => Some(vec![
            ["insert", "delete", "truncate"]
                .map(|event| {
                    format!(
                        "DROP FUNCTION IF EXISTS {}() CASCADE;",
                        trigger(table, event)
                    )
                })
                .concat()
                + &format!("DROP TABLE IF EXISTS {counts}"),
        ]),
        _ => None,
    }
}

fn sqlite_up(table: &str) -> Vec<String> {
    let counts = quoted(&counts(table));
    let quoted_table = quoted(table);
    // The triggers before the count is taken: a row written before is in the count, one
    // written after is counted by them.
    vec![
        format!("CREATE TABLE {counts} (row_count INTEGER NOT NULL)"),
        format!("INSERT INTO {counts} (row_count) VALUES (0)"),
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {quoted_table} BEGIN \
             UPDATE {counts} SET row_count = row_count + 1; END",
            trigger(table, "insert")
        ),
        format!(
            "CREATE TRIGGER {} AFTER DELETE ON {quoted_table} BEGIN \
             UPDATE {counts} SET row_count = row_count - 1; END",
            trigger(table, "delete")
        ),
        format!("UPDATE {counts} SET row_count = (SELECT COUNT(*) FROM {quoted_table})"),
    ]
}

/// One string, so that PostgreSQL runs it as one transaction even outside a migrator's: the
/// first trigger locks the table against writers until the count is taken, so no row is
/// missed or counted twice. One trigger per statement, not per row, so a bulk insert adds
/// its rows at once.
fn postgres_up(table: &str) -> String {
    let counts = quoted(&counts(table));
    let quoted_table = quoted(table);
    let slot = format!("slot = pg_backend_pid() % {SLOTS}");
    let function = |event: &str, update: &str| {
        format!(
            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             UPDATE {counts} SET {update}; RETURN NULL; END $$;",
            trigger(table, event)
        )
    };
    let statement_trigger = |event: &str, transition: &str| {
        format!(
            "CREATE TRIGGER {name} AFTER {verb} ON {quoted_table} {transition} \
             FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
            name = trigger(table, event),
            verb = event.to_uppercase(),
        )
    };
    [
        format!("CREATE TABLE {counts} (slot INTEGER PRIMARY KEY, row_count BIGINT NOT NULL);"),
        format!(
            "INSERT INTO {counts} SELECT generate_series(0, {}), 0;",
            SLOTS - 1
        ),
        function(
            "insert",
            &format!("row_count = row_count + (SELECT COUNT(*) FROM inserted) WHERE {slot}"),
        ),
        function(
            "delete",
            &format!("row_count = row_count - (SELECT COUNT(*) FROM deleted) WHERE {slot}"),
        ),
        function("truncate", "row_count = 0"),
        statement_trigger("insert", "REFERENCING NEW TABLE AS inserted"),
        statement_trigger("delete", "REFERENCING OLD TABLE AS deleted"),
        statement_trigger("truncate", ""),
        format!(
            "UPDATE {counts} SET row_count = (SELECT COUNT(*) FROM {quoted_table}) WHERE slot = 0"
        ),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::{down, up};
    use sea_orm::DbBackend;

    #[test]
    fn postgres_keeps_no_count_for_names_it_would_cut() {
        let longest = "t".repeat(34);
        let longer = "t".repeat(35);
        assert!(up(DbBackend::Postgres, &longest).is_some());
        assert!(up(DbBackend::Postgres, &longer).is_none());
        assert!(down(DbBackend::Postgres, &longer).is_none());
        assert!(up(DbBackend::Sqlite, &longer).is_some());
        assert!(up(DbBackend::MySql, "message").is_none());
    }
}
