//! Creating the tables (and indexes) of a set of entities, as often as the site starts.

use sea_orm::sea_query::{IndexCreateStatement, TableCreateStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, RuntimeErr, Schema, sqlx};

/// MySQL's "duplicate key name": the index exists already.
const MYSQL_DUPLICATE_KEY_NAME: u16 = 1061;

/// The tables (and their indexes) of a set of entities, created if missing.
#[derive(Debug)]
pub struct Tables {
    backend: DbBackend,
    tables: Vec<TableCreateStatement>,
    indexes: Vec<IndexCreateStatement>,
}

impl Tables {
    /// No tables yet, for `backend` (`db.get_database_backend()`).
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            tables: Vec::new(),
            indexes: Vec::new(),
        }
    }

    /// Adds an entity's table with its foreign keys and indexes. Add a referenced table before
    /// the tables that point to it.
    pub fn entity<E: EntityTrait>(mut self, entity: E) -> Self {
        let schema = Schema::new(self.backend);
        self.tables.push(schema.create_table_from_entity(entity));
        self.indexes.extend(schema.create_index_from_entity(entity));
        self
    }

    /// Adds a table statement of the caller's own (a session table, say).
    pub fn table(mut self, table: TableCreateStatement) -> Self {
        self.tables.push(table);
        self
    }

    /// Creates every table and index that does not exist yet, in the order they were added.
    /// Safe to run at every start, on every database.
    pub async fn create(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        for table in &self.tables {
            db.execute(&table.clone().if_not_exists().to_owned())
                .await?;
        }
        for index in &self.indexes {
            // MySQL has no `CREATE INDEX IF NOT EXISTS` (sea-query leaves it out there), so an
            // index that exists answers "duplicate key name" instead.
            match db.execute(&index.clone().if_not_exists().to_owned()).await {
                Err(error) if is_duplicate_key_name(&error) => {}
                result => {
                    result?;
                }
            }
        }
        Ok(())
    }
}

fn is_duplicate_key_name(error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error))) =
        error
    else {
        return false;
    };
    let sqlx::Error::Database(error) = &**error else {
        return false;
    };
    error
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .is_some_and(|e| e.number() == MYSQL_DUPLICATE_KEY_NAME)
}
