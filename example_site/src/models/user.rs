//! A person who posts messages and follows others.

use sea_orm::entity::prelude::*;

/// A user of the site; `password` holds an argon2id PHC string, never the password itself.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    #[serde(skip_serializing)]
    pub password: String,
    pub email: String,
    /// Defaults to the time of the write (UTC): the crate fills it on admin and API creates,
    /// the database on other inserts.
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub join_date: DateTime,
    #[sea_orm(default_value = true)]
    pub active: bool,
    #[sea_orm(default_value = false)]
    pub admin: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::message::Entity")]
    Message,
    #[sea_orm(has_many = "super::note::Entity")]
    Note,
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl Related<super::note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Note.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl actix_sea::auth::UserEntity for Entity {
    fn username_column() -> Column {
        Column::Username
    }

    fn password_column() -> Column {
        Column::Password
    }

    fn admin_column() -> Column {
        Column::Admin
    }

    fn id(model: &Model) -> i64 {
        i64::from(model.id)
    }

    fn username(model: &Model) -> &str {
        &model.username
    }

    fn password_hash(model: &Model) -> &str {
        &model.password
    }

    fn is_active(model: &Model) -> bool {
        model.active
    }

    fn is_admin(model: &Model) -> bool {
        model.admin
    }
}
