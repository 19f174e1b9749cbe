//! Bounds on what one request may ask of the database and store in it. The admin and the REST
//! API enforce the same [`Limits`] in the same places: the query grammar for filters, ordering
//! and search, and the write paths for stored text.

use sea_orm::{ColumnTrait, Value};

use super::model::ColumnInfo;
use super::value::{self, ValueError};

/// The default cap, in bytes of UTF-8, on a value for a text or JSON column that declares no
/// length: 65,535, what a MySQL/MariaDB `TEXT` column holds, so a value accepted on one of
/// the three databases is stored by all of them.
pub(crate) const DEFAULT_TEXT_BYTES: usize = 65_535;

/// How much one request may ask for. Beyond a bound the API answers 400 naming the parameter
/// and the admin shows the message; the database never sees the request. Set them with
/// `RestApiBuilder::limits` and `AdminBuilder::limits`; every bound has a documented default.
///
/// ```
/// let limits = actix_sea::Limits::default().filters(40).ordering_fields(3);
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub(crate) value_chars: usize,
    pub(crate) filters: usize,
    pub(crate) list_items: usize,
    pub(crate) ordering_fields: usize,
    pub(crate) search_chars: usize,
    pub(crate) text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            value_chars: 256,
            filters: 20,
            list_items: 100,
            ordering_fields: 5,
            search_chars: 256,
            text_bytes: DEFAULT_TEXT_BYTES,
        }
    }
}

impl Limits {
    /// The longest filter value, in characters (default 256: an e-mail address has at most
    /// 254 and a `VARCHAR(255)` key 255, while a LIKE pattern's cost per row grows with its
    /// length). Each item of an `in`, `not_in` or `between` list counts on its own.
    pub fn filter_value_chars(mut self, chars: usize) -> Self {
        self.value_chars = chars;
        self
    }

    /// The most filters one request may carry, repeated ones included (default 20: more than
    /// a filter form has fields; every filter adds a condition, and SQLite refuses statements
    /// whose expression tree is deeper than 1,000).
    pub fn filters(mut self, count: usize) -> Self {
        self.filters = count;
        self
    }

    /// The most values of one `in` or `not_in` filter (default 100). The admin raises it to its
    /// largest `paginate_by`, so "export selected" works for a whole page.
    pub fn list_items(mut self, count: usize) -> Self {
        self.list_items = count;
        self
    }

    /// The most fields in `ordering` (default 5): every field is a sort key of the statement.
    pub fn ordering_fields(mut self, count: usize) -> Self {
        self.ordering_fields = count;
        self
    }

    /// The longest admin search text `?q=`, in characters (default 256, as a filter value: a
    /// search costs about one `icontains` filter per search field).
    pub fn search_chars(mut self, chars: usize) -> Self {
        self.search_chars = chars;
        self
    }

    /// The largest value, in bytes, written to a text or JSON column that declares no length
    /// (default 65,535). Columns with a length (`String(StringLen::N(n))`)
    /// take at most `n` characters whatever this says.
    pub fn text_bytes(mut self, bytes: usize) -> Self {
        self.text_bytes = bytes;
        self
    }
}

/// Whether `value` fits `column`: at most the column's declared number of characters, or
/// `text_bytes` bytes for text and JSON without a declared length.
pub fn check_fits(column: &ColumnInfo, value: &Value, text_bytes: usize) -> Result<(), ValueError> {
    let too_long = |max: usize, unit: &str, has: usize| ValueError {
        field: column.name.clone(),
        reason: format!("has at most {max} {unit}; this one has {has}"),
    };
    match (value, column.max_chars) {
        (Value::String(Some(text)), Some(max)) => {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            // Counting stops one past the limit: a huge value costs no more than a fitting one.
            if text.chars().nth(max).is_some() {
                return Err(too_long(max, "characters", text.chars().count()));
            }
        }
        (Value::String(Some(text)), None) if text.len() > text_bytes => {
            return Err(too_long(text_bytes, "bytes", text.len()));
        }
        (Value::Json(Some(json)), _) => {
            let size = json.to_string().len();
            if size > text_bytes {
                return Err(too_long(text_bytes, "bytes", size));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads text a site's own form is about to store in `column` with the rules the admin and
/// the API apply to theirs: no NUL characters, years 1 to 9999, at most the column's declared
/// length, and 65,535 bytes for text without one. The error's `reason` reads after
/// a subject: "A message " + "has at most 1000 characters; this one has 1001".
pub fn check_input<C: ColumnTrait>(column: C, text: &str) -> Result<Value, ValueError> {
    let info = ColumnInfo::of(column);
    let value = value::from_str(&info, text)?;
    check_fits(&info, &value, DEFAULT_TEXT_BYTES)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    mod shelf {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "shelf")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            #[sea_orm(column_type = "String(StringLen::N(5))")]
            pub code: String,
            pub label: String,
            #[sea_orm(column_type = "Text")]
            pub notes: String,
            pub count: i32,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    }

    #[test]
    fn declared_lengths_count_characters_and_undeclared_text_counts_bytes() {
        let code = ColumnInfo::of(shelf::Column::Code);
        assert_eq!(code.max_chars, Some(5));
        assert_eq!(ColumnInfo::of(shelf::Column::Label).max_chars, Some(255));
        assert_eq!(ColumnInfo::of(shelf::Column::Notes).max_chars, None);
        assert_eq!(ColumnInfo::of(shelf::Column::Count).max_chars, None);
        assert!(check_fits(&code, &Value::from("ééééé"), 4).is_ok());
        let error = check_fits(&code, &Value::from("abcdef"), 100).unwrap_err();
        assert_eq!(error.field, "code");
        assert_eq!(error.reason, "has at most 5 characters; this one has 6");
        let notes = ColumnInfo::of(shelf::Column::Notes);
        assert!(check_fits(&notes, &Value::from("ab"), 2).is_ok());
        assert!(check_fits(&notes, &Value::from("é"), 1).is_err());
        assert!(check_input(shelf::Column::Code, "abcde").is_ok());
        assert!(check_input(shelf::Column::Code, "abcdef").is_err());
        assert!(check_input(shelf::Column::Notes, "a\0").is_err());
        assert!(check_input(shelf::Column::Notes, &"n".repeat(DEFAULT_TEXT_BYTES + 1)).is_err());
        assert!(check_input(shelf::Column::Count, "12").is_ok());
    }
}
