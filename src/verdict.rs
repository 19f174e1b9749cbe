//! Why a write was refused: rules a row breaks ([`Invalid`]) and unique values taken by another
//! row ([`Conflict`]). Plain data, shared by the write pipeline and both front doors.

use std::fmt;

use sea_orm::{DbErr, IdenStatic, Value};

/// What is wrong with a row about to be written, field by field. Raise it from SeaORM's
/// `ActiveModelBehavior::before_save` (`Err(Invalid::field(Column::Rating, "must be between
/// 1 and 5").into())`): the API answers 400 naming the field, the admin shows the message
/// beside the field. It travels through SeaORM as `DbErr::Custom`, one ``field `x`: message``
/// line per error; other `DbErr::Custom` text becomes one error without a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    errors: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    field: Option<String>,
    message: String,
    required: bool,
}

const REQUIRED: &str = "is required";

impl Invalid {
    /// The value of `column` breaks a rule: `message` says which, for a person.
    pub fn field(column: impl IdenStatic, message: impl Into<String>) -> Self {
        Self::named(column.as_str(), message)
    }

    /// The row breaks a rule that belongs to no single field.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            errors: vec![Problem {
                field: None,
                message: message.into(),
                required: false,
            }],
        }
    }

    /// Adds the errors of `other`.
    #[must_use]
    pub fn and(mut self, other: Invalid) -> Self {
        self.errors.extend(other.errors);
        self
    }

    pub(crate) fn named(field: &str, message: impl Into<String>) -> Self {
        Self {
            errors: vec![Problem {
                field: Some(field.to_owned()),
                message: message.into(),
                required: false,
            }],
        }
    }

    /// A column that must have a value has none.
    pub(crate) fn required(field: &str) -> Self {
        Self {
            errors: vec![Problem {
                field: Some(field.to_owned()),
                message: REQUIRED.to_owned(),
                required: true,
            }],
        }
    }

    /// Reads the text of a `DbErr::Custom` back: our ``field `x`: message`` lines, or any other
    /// text as one error without a field.
    pub(crate) fn from_custom(text: &str) -> Self {
        let errors = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let named = line
                    .strip_prefix("field `")
                    .and_then(|rest| rest.split_once("`: "));
                match named {
                    Some((field, message)) => Problem {
                        field: Some(field.to_owned()),
                        message: message.to_owned(),
                        required: false,
                    },
                    None => Problem {
                        field: None,
                        message: line.to_owned(),
                        required: false,
                    },
                }
            })
            .collect::<Vec<_>>();
        if errors.is_empty() {
            return Self::message("the row was refused");
        }
        Self { errors }
    }

    /// The rule a `DbErr` carries, when it is a refusal from an entity's hooks
    /// (`DbErr::Custom`): for code that writes through SeaORM directly and wants the message.
    pub fn from_db(error: &DbErr) -> Option<Self> {
        match error {
            DbErr::Custom(text) => Some(Self::from_custom(text)),
            _ => None,
        }
    }

    /// The messages, without their field names.
    pub fn messages(&self) -> Vec<&str> {
        self.errors.iter().map(|p| p.message.as_str()).collect()
    }

    /// Each error as (field, message, whether it is "this field is required").
    pub(crate) fn errors(&self) -> impl Iterator<Item = (Option<&str>, &str, bool)> {
        self.errors
            .iter()
            .map(|p| (p.field.as_deref(), p.message.as_str(), p.required))
    }

    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.errors.iter().map(|p| match (&p.field, p.required) {
            (Some(field), true) => format!("field `{field}` {REQUIRED}"),
            (Some(field), false) => format!("field `{field}`: {}", p.message),
            (None, _) => p.message.clone(),
        })
    }
}

impl fmt::Display for Invalid {
    /// The errors joined by `; `, as the API returns them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().collect::<Vec<_>>().join("; "))
    }
}

impl std::error::Error for Invalid {}

impl From<Invalid> for DbErr {
    fn from(invalid: Invalid) -> Self {
        DbErr::Custom(invalid.lines().collect::<Vec<_>>().join("\n"))
    }
}

/// A write met a unique constraint: the columns whose values another row holds already, when
/// they could be told (empty when the other row went away before it was looked for).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    columns: Vec<String>,
    model: String,
    /// The unique groups to look for once the failed transaction is gone.
    pub(crate) pending: Option<Box<Pending>>,
}

/// What a conflict's probe looks for: each unique group of columns with the values the write
/// tried, and the written row's own key (an update may keep its own values).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub(crate) table: String,
    pub(crate) pk: (String, Option<Value>),
    pub(crate) groups: Vec<Vec<(String, Value)>>,
}

impl Conflict {
    pub(crate) fn pending(model: &str, pending: Option<Pending>) -> Self {
        Self {
            columns: Vec::new(),
            model: model.to_owned(),
            pending: pending.map(Box::new),
        }
    }

    /// A clash on `column` found by a hook of the caller's own (a name that looks like one
    /// taken, say): 409 naming the column, as the database's own unique index would give.
    pub fn on<C: sea_orm::ColumnTrait>(column: C) -> Self {
        Self {
            columns: vec![column.as_str().to_owned()],
            model: column.entity_name().to_string(),
            pending: None,
        }
    }

    pub(crate) fn found(mut self, columns: Vec<String>) -> Self {
        self.columns = columns;
        self.pending = None;
        self
    }

    /// The columns whose values are taken (empty when unknown).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The message for a person, without the field names (the admin shows it beside them).
    pub fn sentence(&self) -> String {
        match self.columns.len() {
            0 => "a row with the same unique value already exists".to_owned(),
            1 => format!("a {} with this value already exists", self.model),
            _ => format!("a {} with these values already exists", self.model),
        }
    }
}

impl fmt::Display for Conflict {
    /// ``field `username`: a user with this value already exists``, naming every column of
    /// the group; the generic sentence when the columns are unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.columns.is_empty() {
            return f.write_str(&self.sentence());
        }
        let names: Vec<String> = self.columns.iter().map(|c| format!("`{c}`")).collect();
        let noun = if names.len() == 1 { "field" } else { "fields" };
        write!(f, "{noun} {}: {}", names.join(", "), self.sentence())
    }
}

impl std::error::Error for Conflict {}

/// Why a hook refused the caller (403). Without a reason the body is exactly
/// `{"error": "Forbidden"}`; with one, `{"error": "Forbidden", "detail": "<reason>"}`, and the
/// admin shows the reason on its 403 page.
///
/// ```
/// use actix_sea::Refusal;
///
/// let late = Refusal::new("reviews can be edited for 24 hours");
/// assert_eq!(late.reason(), Some("reviews can be edited for 24 hours"));
/// assert_eq!(Refusal::default().reason(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusal {
    reason: Option<String>,
}

impl Refusal {
    /// A refusal that tells the caller why.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
        }
    }

    /// The reason given, if any.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Some(reason) => write!(f, "Forbidden: {reason}"),
            None => f.write_str("Forbidden"),
        }
    }
}
