//! What a SeaORM entity looks like, read from SeaORM's own metadata.

use sea_orm::sea_query::{ColumnType, Expr, Keyword};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, Iterable,
    PrimaryKeyToColumn, PrimaryKeyTrait, RelationTrait, RelationType, Schema, Value,
    sea_query::StringLen,
};
use sea_orm::{IdenStatic, Identity};

/// The shape of a column's values, as far as forms, filters and JSON care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// 8-bit signed integer.
    TinyInt,
    /// 16-bit signed integer.
    SmallInt,
    /// 32-bit signed integer.
    Int,
    /// 64-bit signed integer.
    BigInt,
    /// 32-bit unsigned integer (and the smaller unsigned types, widened).
    Unsigned,
    /// 64-bit unsigned integer.
    BigUnsigned,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// A short string (`VARCHAR`/`CHAR`): a one-line input.
    String,
    /// A long string (`TEXT`): a textarea.
    Text,
    /// A boolean.
    Bool,
    /// A date and time without offset.
    DateTime,
    /// A date and time with offset, stored as UTC.
    DateTimeUtc,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A JSON document.
    Json,
    /// Bytes; shown but never filtered or edited.
    Binary,
    /// Anything else (decimals, enums, arrays): read-only.
    Other,
}

impl FieldKind {
    fn of(column_type: &ColumnType) -> Self {
        match column_type {
            ColumnType::TinyInteger => Self::TinyInt,
            ColumnType::SmallInteger => Self::SmallInt,
            ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::TinyUnsigned | ColumnType::SmallUnsigned | ColumnType::Unsigned => {
                Self::Unsigned
            }
            ColumnType::BigUnsigned => Self::BigUnsigned,
            ColumnType::Float => Self::Float,
            ColumnType::Double => Self::Double,
            ColumnType::Char(_) | ColumnType::String(StringLen::N(_) | StringLen::None) => {
                Self::String
            }
            ColumnType::String(StringLen::Max) | ColumnType::Text => Self::Text,
            ColumnType::Boolean => Self::Bool,
            ColumnType::DateTime | ColumnType::Timestamp => Self::DateTime,
            ColumnType::TimestampWithTimeZone => Self::DateTimeUtc,
            ColumnType::Date => Self::Date,
            ColumnType::Time => Self::Time,
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_) => Self::Binary,
            _ => Self::Other,
        }
    }

    /// Whether values of this kind are text (and so take the LIKE-based filter ops).
    pub fn is_text(self) -> bool {
        matches!(self, Self::String | Self::Text)
    }
}

/// The declared length of a text column, as [`ColumnInfo::max_chars`] describes.
fn max_chars(column_type: &ColumnType) -> Option<u32> {
    match column_type {
        ColumnType::String(StringLen::N(n)) | ColumnType::Char(Some(n)) => Some(*n),
        ColumnType::String(StringLen::None) => Some(255),
        ColumnType::Char(None) => Some(1),
        _ => None,
    }
}

/// A default declared on a column (SeaORM's `default_value` / `default_expr`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Declared {
    /// A fixed value (`default_value = true`).
    Value(Value),
    /// `CURRENT_TIMESTAMP`: the time of the write, in UTC.
    Now,
    /// `CURRENT_DATE`: the day of the write, in UTC.
    Today,
    /// `CURRENT_TIME`: the time of day of the write, in UTC.
    Time,
    /// Another expression: the database computes it.
    Database,
}

impl Declared {
    fn of(expr: &Expr) -> Option<Self> {
        Some(match expr {
            Expr::Value(value) => Self::Value(value.clone()),
            Expr::Keyword(Keyword::Null) => return None,
            Expr::Keyword(Keyword::CurrentTimestamp) => Self::Now,
            Expr::Keyword(Keyword::CurrentDate) => Self::Today,
            Expr::Keyword(Keyword::CurrentTime) => Self::Time,
            _ => Self::Database,
        })
    }
}

/// A foreign key: this column holds the primary key of a row in `table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The referenced table (also the slug of its model).
    pub table: String,
    /// The referenced column, usually the primary key.
    pub column: String,
    /// What deleting the referenced row does to this one, as the relation declares it.
    pub on_delete: OnDelete,
}

/// What deleting a row does to the rows that refer to it, as a relation's `on_delete`
/// declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// `Cascade`: they go with it.
    Cascade,
    /// `SetNull` or `SetDefault`: the database changes their key.
    SetKey,
    /// `Restrict`, `NoAction` or nothing declared (the database's default, `NO ACTION`):
    /// the delete is refused while they exist.
    Refuse,
}

impl OnDelete {
    fn of(action: Option<&sea_orm::sea_query::ForeignKeyAction>) -> Self {
        use sea_orm::sea_query::ForeignKeyAction as Action;
        match action {
            Some(Action::Cascade) => Self::Cascade,
            Some(Action::SetNull | Action::SetDefault) => Self::SetKey,
            _ => Self::Refuse,
        }
    }
}

/// One column of a model.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    /// The column name, used as JSON key, form input name and filter field.
    pub name: String,
    /// The kind of values it holds.
    pub kind: FieldKind,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether the column carries a unique constraint of its own.
    pub unique: bool,
    /// Whether it is the primary key.
    pub primary_key: bool,
    /// Whether a create may leave it out: an auto-increment primary key, a declared default,
    /// or a value set by the entity's `ActiveModelBehavior::new()`.
    pub has_default: bool,
    /// The default declared on the column, which the crate fills on create.
    pub default: Option<Declared>,
    /// The foreign key this column holds, if any.
    pub foreign_key: Option<ForeignKey>,
    /// The most characters a value may have, from the column type: `n` for
    /// `String(StringLen::N(n))` and `Char(Some(n))`, 255 for a `String` without a length
    /// (MySQL stores it as `VARCHAR(255)`), 1 for `Char(None)`; `None` for other columns.
    pub max_chars: Option<u32>,
}

impl ColumnInfo {
    /// One column read on its own (no primary key, uniqueness or foreign key): enough to read
    /// and check a value for it.
    pub fn of<C: ColumnTrait>(column: C) -> Self {
        let def = column.def();
        let column_type = def.get_column_type();
        let default = def.get_column_default().and_then(Declared::of);
        Self {
            name: column.as_str().to_owned(),
            kind: FieldKind::of(column_type),
            nullable: def.is_null(),
            unique: def.is_unique(),
            primary_key: false,
            has_default: default.is_some(),
            default,
            foreign_key: None,
            max_chars: max_chars(column_type),
        }
    }

    /// Whether a create request must supply this column.
    pub fn required(&self) -> bool {
        !self.nullable && !self.has_default
    }
}

/// Everything the admin and the REST API need to know about one entity.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// The URL slug: the table name.
    pub slug: String,
    /// The table name.
    pub table: String,
    /// The columns, in declaration order.
    pub columns: Vec<ColumnInfo>,
    /// Index of the primary-key column in `columns`.
    pub pk: usize,
    /// The groups of columns whose values are unique together, as indexes into `columns`:
    /// the primary key, each `unique` column and each `unique_key` group.
    pub unique: Vec<Vec<usize>>,
}

impl ModelInfo {
    /// Reads the metadata of an entity with a single-column primary key.
    ///
    /// # Panics
    /// At registration time, if the primary key spans several columns: such entities are
    /// not supported, and failing at start-up beats failing per request.
    pub fn of<E: EntityTrait>() -> Self {
        let table = E::default().table_name().to_owned();
        let pk_columns: Vec<String> = E::PrimaryKey::iter()
            .map(|pk| pk.into_column().as_str().to_owned())
            .collect();
        assert!(
            pk_columns.len() == 1,
            "actix-sea supports entities with a single-column primary key; `{table}` has {}",
            pk_columns.len()
        );
        let auto_increment = <E::PrimaryKey as PrimaryKeyTrait>::auto_increment();
        let foreign_keys = foreign_keys::<E>();
        let new = <E::ActiveModel as ActiveModelBehavior>::new();
        let columns: Vec<ColumnInfo> = E::Column::iter()
            .map(|column| {
                let mut info = ColumnInfo::of(column);
                info.primary_key = pk_columns[0] == info.name;
                info.unique |= info.primary_key;
                info.has_default |= info.primary_key && auto_increment;
                info.has_default |= !new.is_not_set(column);
                info.foreign_key = foreign_keys
                    .iter()
                    .find(|(from, _)| *from == info.name)
                    .map(|(_, fk)| fk.clone());
                info
            })
            .collect();
        let pk = columns.iter().position(|c| c.primary_key).unwrap_or(0);
        let unique = unique_groups::<E>(&columns, pk);
        Self {
            slug: table.clone(),
            table,
            columns,
            pk,
            unique,
        }
    }

    /// Looks a column up by name.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary-key column.
    pub fn pk_column(&self) -> &ColumnInfo {
        &self.columns[self.pk]
    }
}

/// The primary key, the `unique` columns and the `unique_key` groups (read from the unique
/// indexes SeaORM would create; the backend does not change which columns they hold).
fn unique_groups<E: EntityTrait>(columns: &[ColumnInfo], pk: usize) -> Vec<Vec<usize>> {
    let index = |name: &str| columns.iter().position(|c| c.name == name);
    let mut groups = vec![vec![pk]];
    groups.extend(
        (0..columns.len())
            .filter(|&i| i != pk && columns[i].unique)
            .map(|i| vec![i]),
    );
    let indexes = Schema::new(DbBackend::Sqlite).create_index_from_entity(E::default());
    groups.extend(
        indexes
            .iter()
            .filter(|index| index.is_unique_key())
            .filter_map(|stmt| {
                let names = stmt.get_index_spec().get_column_names();
                names.iter().map(|name| index(name)).collect()
            }),
    );
    groups
}

fn foreign_keys<E: EntityTrait>() -> Vec<(String, ForeignKey)> {
    E::Relation::iter()
        .map(|relation| relation.def())
        // `belongs_to` relations: the side whose `from_col` is a foreign key of its own.
        .filter(|def| !def.is_owner && def.rel_type == RelationType::HasOne)
        .filter_map(|def| {
            let (Identity::Unary(from), Identity::Unary(to)) = (&def.from_col, &def.to_col) else {
                return None;
            };
            let sea_orm::sea_query::TableRef::Table(name, _) = &def.to_tbl else {
                return None;
            };
            Some((
                from.to_string(),
                ForeignKey {
                    table: name.1.to_string(),
                    column: to.to_string(),
                    on_delete: OnDelete::of(def.on_delete.as_ref()),
                },
            ))
        })
        .collect()
}

/// A column reference usable in any query: `"alias"."column"`.
pub(crate) fn column_expr(alias: &str, column: &str) -> Expr {
    Expr::col((
        sea_orm::sea_query::Alias::new(alias.to_owned()),
        sea_orm::sea_query::Alias::new(column.to_owned()),
    ))
}
