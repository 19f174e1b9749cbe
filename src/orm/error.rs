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
    /// A value that the field's type cannot take.
    #[error(transparent)]
    Value(#[from] ValueError),
}
