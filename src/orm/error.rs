use super::value::ValueError;

/// Why a filter, an ordering or a value in a request could not be used. Every variant names
/// the offending field or parameter; the HTTP layers answer it with 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The field does not exist on the model (or the foreign key leads to an unregistered model).
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// The field exists but the caller hides it (an excluded or write-only field).
    #[error("field `{0}` cannot be used for filtering or ordering")]
    HiddenField(String),
    /// The operator after `__` is not one of the grammar's.
    #[error("unknown operator `{op}` on field `{field}`")]
    UnknownOp {
        /// The field path before the operator.
        field: String,
        /// The operator as given.
        op: String,
    },
    /// The operator does not apply to this field's type (`contains` on an integer).
    #[error("operator `{op}` does not apply to field `{field}`")]
    OpNotApplicable {
        /// The field path.
        field: String,
        /// The operator.
        op: String,
    },
    /// More foreign keys crossed than allowed.
    #[error("field `{0}` crosses more than 3 foreign keys")]
    TooDeep(String),
    /// A filter value (or an item of a list) longer than the limit; names the filter key.
    #[error("the value of `{field}` is too long (at most {max} characters)")]
    ValueTooLong {
        /// The filter key as written (`content__contains`).
        field: String,
        /// The limit, in characters.
        max: usize,
    },
    /// An `in`/`not_in` list with more items than the limit.
    #[error("too many values in `{field}` (at most {max})")]
    TooManyItems {
        /// The filter key as written.
        field: String,
        /// The limit.
        max: usize,
    },
    /// More filters in one request than the limit.
    #[error("too many filters (at most {0} per request)")]
    TooManyFilters(usize),
    /// More fields in `ordering` than the limit.
    #[error("too many fields in `ordering` (at most {0})")]
    TooManyOrderings(usize),
    /// A search text (`q`) longer than the limit.
    #[error("The search text is too long (at most {0} characters in `q`).")]
    SearchTooLong(usize),
    /// The search text holds a character no text column takes (NUL).
    #[error("The search text cannot contain NUL characters (`q`).")]
    SearchNul,
    /// A value that the field's type cannot take.
    #[error(transparent)]
    Value(#[from] ValueError),
}
