//! A reader who writes reviews; admins run the shop.

use sea_orm::entity::prelude::*;

/// A user; `password` holds an argon2id PHC string, never the password itself.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password: String,
    #[sea_orm(default_value = true)]
    pub active: bool,
    #[sea_orm(default_value = false)]
    pub admin: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

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
