//! The entity of the audit table, for reading entries (they are written by the crate).

use sea_orm::entity::prelude::*;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actix_sea_audit")]
pub struct Model {
    /// The entry's key, in the order entries were written.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When the change was made (UTC, microseconds).
    pub at: DateTime,
    /// The user who made it; `None` for a CLI helper or an anonymous caller.
    pub actor: Option<i64>,
    /// The actor's username at that time; empty for a CLI helper.
    pub username: String,
    /// The front door: `admin`, `api` or `cli`.
    pub channel: String,
    /// The client's address; empty when there is none.
    pub client: String,
    /// `create`, `update`, `delete`, or a custom action's name.
    pub action: String,
    /// The changed row's model (its slug).
    pub model: String,
    /// The changed row's primary key, as text.
    pub pk: String,
    /// What changed, as JSON text (see [`crate::audit`]).
    #[sea_orm(column_type = "Text")]
    pub values: String,
}

/// The audit table has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
