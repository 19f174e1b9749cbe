//! A short message posted by a user.

use sea_orm::entity::prelude::*;

/// The longest message, in characters. Declared once, as the length of `content`, so the
/// admin, the API and the site's form all enforce it. Databases made before this was a
/// `VARCHAR(1000)` keep their `TEXT` column and need no migration: the limit is checked
/// before anything is written.
pub const MAX_CONTENT: u32 = 1000;

/// A message on a user's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub user: i32,
    #[sea_orm(column_type = "String(StringLen::N(MAX_CONTENT))")]
    pub content: String,
    /// Defaults to the time of the write (UTC): the crate fills it on admin and API creates,
    /// the database on other inserts.
    #[sea_orm(indexed, default_expr = "Expr::current_timestamp()")]
    pub pub_date: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::User",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

/// A message says something, whoever writes it: the site's `/create/` page, the admin or the
/// API refuse one that is blank.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        if let sea_orm::ActiveValue::Set(content) = &self.content
            && content.trim().is_empty()
        {
            let rule = "may not be blank";
            return Err(actix_sea::Invalid::field(Column::Content, rule).into());
        }
        Ok(self)
    }
}

/// The full-text index over `content`: a migration of the site, and what the admin's
/// search uses.
pub fn search_index() -> actix_sea::db::SearchIndex<Entity> {
    actix_sea::db::SearchIndex::new(Entity, [Column::Content])
}
