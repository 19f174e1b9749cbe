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

/// The longest e-mail address accepted (what SMTP allows).
pub const MAX_EMAIL: usize = 254;

/// What is wrong with `email` as a user's address, checked loosely (an `@`, at most
/// [`MAX_EMAIL`] bytes, no NUL); `None` when it will do. Empty is no address, which the
/// sign-up page asks for and the admin and the API allow.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let bad = email.len() > MAX_EMAIL || !email.contains('@') || email.contains('\0');
    (!email.is_empty() && bad).then_some("Enter a valid e-mail address.")
}

/// A username is no longer than the login page looks up and an address, when given, passes [`email_problem`],
/// whoever writes them: the sign-up page, the admin, the API or the command line.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        if let sea_orm::ActiveValue::Set(username) = &self.username
            && username.chars().count() > actix_sea::auth::MAX_USERNAME_CHARS
        {
            let problem = "Use at most 150 characters.";
            return Err(actix_sea::Invalid::field(Column::Username, problem).into());
        }
        if let sea_orm::ActiveValue::Set(email) = &self.email
            && let Some(problem) = email_problem(email)
        {
            return Err(actix_sea::Invalid::field(Column::Email, problem).into());
        }
        Ok(self)
    }
}

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
