//! A list's rows as plain values, read from the result by position and column kind instead of
//! through the entity's model: what an export reads, a million rows at a time, and what a
//! page's models are built from (see `Binding::read_at`). Reading by model looks each column
//! up by name and, on SQLite, parses each text datetime by trying formats in turn: most of
//! the cost of a row.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use sea_orm::sea_query::{Alias, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, DbErr, QueryResult, Value};

use super::keyset::read_one;
use super::model::{FieldKind, ModelInfo, column_expr};
use super::page::{Window, order_alias};
use super::query::Query;
use super::record::Record;
use super::statement::build;

/// A page of rows read as values, with the key of its last row when the query is keyed.
pub(crate) struct Values {
    /// The rows, in the query's order, without their models.
    pub(crate) rows: Vec<Record>,
    /// The last row's key (see [`Page::keys`](super::Page::keys)).
    pub(crate) last: Option<Vec<Value>>,
}

/// Whether every column of `info` can be read by its kind: JSON, binary and other columns
/// are read through the model.
pub(crate) fn readable(info: &ModelInfo) -> bool {
    info.columns.iter().all(|column| {
        !matches!(
            column.kind,
            FieldKind::Json | FieldKind::Binary | FieldKind::Other
        )
    })
}

/// The rows of `info`'s table matching `query` in its order, within `window`. Only for a
/// model [`Binding::readable_by_kind`](super::Binding::readable_by_kind) allows.
pub(crate) async fn fetch(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
) -> Result<Values, DbErr> {
    let backend = db.get_database_backend();
    let mut select = SelectStatement::new();
    for column in &info.columns {
        select.expr(column_expr(&info.table, &column.name));
    }
    select.from(Alias::new(info.table.clone()));
    query.apply(&mut select);
    // A key of the table's own columns is read from the last row's values; any other is
    // selected with each row.
    let own = own_columns(info, query);
    if query.keyed() && own.is_none() {
        for (index, (expr, _)) in query.order().iter().enumerate() {
            select.expr_as(expr.clone(), Alias::new(order_alias(index)));
        }
    }
    window.apply(&mut select);
    let results = db.query_all_raw(build(backend, &select)).await?;
    let rows: Vec<Record> = results
        .iter()
        .map(|result| read(info, result, 0, backend).map(Record::new))
        .collect::<Result<_, _>>()?;
    let last = match (&own, rows.last(), results.last()) {
        _ if !query.keyed() => None,
        (Some(own), Some(row), _) => Some(own.iter().map(|&i| row.values()[i].clone()).collect()),
        (None, _, Some(result)) => Some(super::keyset::read(result, query)?),
        _ => None,
    };
    Ok(Values { rows, last })
}

/// The position among `info`'s columns of each of the query's order terms, when every term
/// is a column of the table itself (not of a related one).
fn own_columns(info: &ModelInfo, query: &Query) -> Option<Vec<usize>> {
    query
        .order()
        .iter()
        .map(|(expr, _)| {
            info.columns
                .iter()
                .position(|column| *expr == column_expr(&info.table, &column.name))
        })
        .collect()
}

/// The values of one row of `info`, in the order of its columns, from the columns of
/// `result` at `start` and after.
pub(crate) fn read(
    info: &ModelInfo,
    result: &QueryResult,
    start: usize,
    backend: DbBackend,
) -> Result<Vec<Value>, DbErr> {
    let mut values = Vec::with_capacity(info.columns.len());
    for (index, column) in (start..).zip(&info.columns) {
        let fast = match (column.kind, backend) {
            (FieldKind::DateTime, DbBackend::Sqlite) => sqlite_datetime(result, index),
            _ => None,
        };
        values.push(match fast {
            Some(value) => value,
            None => read_one(result, index, column)?,
        });
    }
    Ok(values)
}

/// A datetime SQLite holds as text in the form the driver writes (`2024-05-01 12:00:00`, with
/// up to nine digits of fraction), read without trying each of the driver's formats in turn.
/// `None` for anything else (NULL, a number, another form, an impossible date), which the
/// driver reads.
fn sqlite_datetime(result: &QueryResult, index: usize) -> Option<Value> {
    let text: String = result.try_get_by_index::<Option<String>>(index).ok()??;
    parse_datetime(&text).map(|when| Value::ChronoDateTime(Some(when)))
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and one to nine digits.
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let (head, fraction) = bytes.split_at_checked(19)?;
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        head[range].iter().try_fold(0, |total: u32, &b| {
            b.is_ascii_digit().then(|| total * 10 + u32::from(b - b'0'))
        })
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if punctuation.iter().any(|&(at, byte)| head[at] != byte) {
        return None;
    }
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let mut nanos = 0;
            for &digit in digits {
                nanos = nanos * 10 + u32::from(digit.is_ascii_digit().then(|| digit - b'0')?);
            }
            nanos * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?;
    let time =
        NaiveTime::from_hms_nano_opt(number(11..13)?, number(14..16)?, number(17..19)?, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;
    use crate::orm::Binding;
    use chrono::NaiveDateTime;

    mod coded {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "coded")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            #[sea_orm(select_as = "text")]
            pub code: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    mod plain {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "plain")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            pub code: String,
            pub at: DateTime,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// A column the entity selects through an expression of its own is read through the
    /// model, which selects it so.
    #[test]
    fn a_column_selected_as_an_expression_is_read_through_the_model() {
        assert!(Binding::of::<plain::Entity>(None).readable_by_kind());
        assert!(!Binding::of::<coded::Entity>(None).readable_by_kind());
    }

    /// Whatever the fast reading accepts, it reads as the driver's first format does.
    #[test]
    fn reads_what_the_driver_reads() {
        for text in [
            "2024-05-01 12:00:00",
            "2024-05-01 12:00:00.5",
            "2024-02-29 23:59:59.123456789",
            "0001-01-01 00:00:00.000001",
        ] {
            let expected = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn leaves_anything_else_to_the_driver() {
        for text in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-05-01 12:00:00Z",
            "2024-05-01 12:00:00+02:00",
            "2024-05-01 12:00:00.",
            "2024-05-01 12:00:00.1234567890",
            "2023-02-29 12:00:00",
            "2024-05-01 24:00:00",
            "2024-05-01 23:59:60",
            "2024-0a-01 12:00:00",
            "+2024-05-01 12:00:0",
        ] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
    }
}
