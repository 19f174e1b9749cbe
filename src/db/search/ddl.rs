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

/// An external-content FTS5 table over the rows, triggers that mirror every write into it,
/// and a rebuild from the rows already there.
fn sqlite_up(spec: &Spec) -> Vec<String> {
    let backend = DbBackend::Sqlite;
    let fts = quote(backend, &spec.index_name());
    let table = quote(backend, &spec.table);
    let pk = quote(backend, &spec.pk);
    let columns = spec.column_list(backend, "");
    let new = spec.column_list(backend, "new.");
    let old = spec.column_list(backend, "old.");
    let content = spec.table.replace('\'', "''");
    let rowid = spec.pk.replace('\'', "''");
    let insert = format!("INSERT INTO {fts}(rowid, {columns}) VALUES (new.{pk}, {new});");
    let delete =
        format!("INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.{pk}, {old});");
    let trigger = |suffix: &str, event: &str, body: &str| {
        let name = quote(backend, &format!("{}_{suffix}", spec.index_name()));
        format!("CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END")
    };
    vec![
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{content}', \
             content_rowid='{rowid}')"
        ),
        trigger("insert", "INSERT", &insert),
        trigger("delete", "DELETE", &delete),
        trigger("update", "UPDATE", &format!("{delete} {insert}")),
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}

/// Drops what [`up`] created.
pub(super) fn down(spec: &Spec, backend: DbBackend) -> Vec<String> {
    let index = quote(backend, &spec.index_name());
    match backend {
        DbBackend::Sqlite => {
            let mut statements: Vec<String> = ["insert", "delete", "update"]
                .iter()
                .map(|suffix| {
                    let name = quote(backend, &format!("{}_{suffix}", spec.index_name()));
                    format!("DROP TRIGGER IF EXISTS {name}")
                })
                .collect();
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
