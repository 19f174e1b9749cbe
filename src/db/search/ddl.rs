//! The statements that create and drop a search index on each backend.

use sea_orm::DbBackend;

use super::Spec;

/// `name` quoted as an identifier for `backend`.
pub(super) fn quote(backend: DbBackend, name: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

impl Spec {
    /// The FTS5 table on SQLite, the index elsewhere.
    pub(super) fn index_name(&self) -> String {
        format!("actix_sea_search_{}", self.table)
    }

    /// The text PostgreSQL indexes: the columns (under `alias` when given) joined by spaces,
    /// a missing value as empty. Searches must write exactly this for the index to be used.
    pub(super) fn tsvector(&self, alias: Option<&str>) -> String {
        let backend = DbBackend::Postgres;
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|column| {
                let column = quote(backend, column);
                match alias {
                    Some(alias) => format!("coalesce({}.{column}, '')", quote(backend, alias)),
                    None => format!("coalesce({column}, '')"),
                }
            })
            .collect();
        format!("to_tsvector('simple', {})", columns.join(" || ' ' || "))
    }

    /// The column list, quoted for `backend`, with `prefix` (`new.`) before each.
    fn column_list(&self, backend: DbBackend, prefix: &str) -> String {
        self.columns
            .iter()
            .map(|column| format!("{prefix}{}", quote(backend, column)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Creates the index (and on SQLite the triggers that keep it current) and fills it.
pub(super) fn up(spec: &Spec, backend: DbBackend) -> Vec<String> {
    let index = quote(backend, &spec.index_name());
    let table = quote(backend, &spec.table);
    let columns = spec.column_list(backend, "");
    match backend {
        DbBackend::Sqlite => sqlite_up(spec),
        DbBackend::Postgres => vec![format!(
            "CREATE INDEX {index} ON {table} USING GIN (({}))",
            spec.tsvector(None)
        )],
        // A copy, not in place: MariaDB 10.11 building in place over a table that had a
        // FULLTEXT index before (its hidden `FTS_DOC_ID` stays) leaves the old rows out.
        _ => vec![format!(
            "ALTER TABLE {table} ADD FULLTEXT INDEX {index} ({columns}), ALGORITHM=COPY"
        )],
    }
}

/// The rows of SQLite tables whose full-text index has not yet taken them (`name` the table,
/// `id` the row's key), and, as the row `('', 0)`, the mark of a transaction that defers
/// indexing its writes to its end: a group of writers (see `orm::turn`) writes one segment of
/// the index at its commit, where a row at a time would write one per writer.
pub(super) const PENDING: &str = "actix_sea_search_pending";

/// The SQLite triggers of an index, by the suffix of their names.
const TRIGGERS: [&str; 4] = ["insert", "delete", "update", "catch_up"];

/// An external-content FTS5 table over the rows, triggers that mirror every write into it
/// (an update only when it changes an indexed column or the key), and a rebuild from the rows
/// already there.
///
/// Every row is either in the index, as it is now, or pending (never both): the triggers
/// index a write at once, or, in a transaction marked as deferring, mark the row pending;
/// removing the mark indexes the pending rows (the `catch_up` trigger). The mark is added
/// and removed within one transaction (see `orm::turn`), so other writes never see it.
///
/// Triggers left by an earlier `down` of another version go first. SQLite runs no delete
/// trigger for the row a `REPLACE` (`INSERT OR REPLACE`, `REPLACE INTO`) overwrites unless
/// `recursive_triggers` is on, so such a write leaves the old row's words in the index; the
/// crate never writes that way.
fn sqlite_up(spec: &Spec) -> Vec<String> {
    let backend = DbBackend::Sqlite;
    let fts = quote(backend, &spec.index_name());
    let table = quote(backend, &spec.table);
    let pk = quote(backend, &spec.pk);
    let columns = spec.column_list(backend, "");
    let new = spec.column_list(backend, "new.");
    let old = spec.column_list(backend, "old.");
    let row = spec.column_list(backend, "t.");
    let content = spec.table.replace('\'', "''");
    let rowid = spec.pk.replace('\'', "''");
    let deferring = format!("EXISTS (SELECT 1 FROM {PENDING} WHERE name = '')");
    let insert = format!(
        "INSERT INTO {fts}(rowid, {columns}) SELECT new.{pk}, {new} WHERE NOT {deferring}; \
         INSERT OR IGNORE INTO {PENDING}(name, id) SELECT '{content}', new.{pk} WHERE {deferring};"
    );
    let delete = format!(
        "INSERT INTO {fts}({fts}, rowid, {columns}) SELECT 'delete', old.{pk}, {old} \
         WHERE NOT EXISTS (SELECT 1 FROM {PENDING} WHERE name = '{content}' AND id = old.{pk}); \
         DELETE FROM {PENDING} WHERE name = '{content}' AND id = old.{pk};"
    );
    let catch_up = format!(
        "INSERT INTO {fts}(rowid, {columns}) SELECT t.{pk}, {row} FROM {table} AS t \
         JOIN {PENDING} AS p ON p.id = t.{pk} WHERE p.name = '{content}'; {};",
        forget(spec)
    );
    let changed = std::iter::once(&spec.pk)
        .chain(&spec.columns)
        .map(|column| {
            let column = quote(backend, column);
            format!("old.{column} IS NOT new.{column}")
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    let trigger = |suffix: &str, event: &str, body: &str| {
        let name = quote(backend, &format!("{}_{suffix}", spec.index_name()));
        format!("CREATE TRIGGER {name} AFTER {event} BEGIN {body} END")
    };
    let mut statements = drop_triggers(spec);
    statements.extend([
        format!(
            "CREATE TABLE IF NOT EXISTS {PENDING} (name TEXT NOT NULL, id INTEGER NOT NULL, \
             PRIMARY KEY (name, id)) WITHOUT ROWID"
        ),
        forget(spec),
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{content}', \
             content_rowid='{rowid}')"
        ),
        trigger("insert", &format!("INSERT ON {table}"), &insert),
        trigger("delete", &format!("DELETE ON {table}"), &delete),
        trigger(
            "update",
            &format!("UPDATE ON {table} WHEN {changed}"),
            &format!("{delete} {insert}"),
        ),
        trigger(
            "catch_up",
            &format!("DELETE ON {PENDING} WHEN old.name = ''"),
            &catch_up,
        ),
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]);
    statements
}

/// Drops the index's SQLite triggers, those of any version.
fn drop_triggers(spec: &Spec) -> Vec<String> {
    TRIGGERS
        .iter()
        .map(|suffix| {
            let name = quote(
                DbBackend::Sqlite,
                &format!("{}_{suffix}", spec.index_name()),
            );
            format!("DROP TRIGGER IF EXISTS {name}")
        })
        .collect()
}

/// Forgets the table's pending rows (there are none but after a failure).
pub(super) fn forget(spec: &Spec) -> String {
    let content = spec.table.replace('\'', "''");
    format!("DELETE FROM {PENDING} WHERE name = '{content}'")
}

/// Drops what [`up`] created.
pub(super) fn down(spec: &Spec, backend: DbBackend) -> Vec<String> {
    let index = quote(backend, &spec.index_name());
    match backend {
        DbBackend::Sqlite => {
            let mut statements = drop_triggers(spec);
            statements.push(format!("DROP TABLE IF EXISTS {index}"));
            statements
        }
        DbBackend::Postgres => vec![format!("DROP INDEX IF EXISTS {index}")],
        _ => vec![format!(
            "DROP INDEX {index} ON {}",
            quote(backend, &spec.table)
        )],
    }
}
