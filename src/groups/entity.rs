//! The three tables behind groups: groups, their permissions, and who belongs to them.

/// A group of users (`actix_sea_group`); `name` is unique.
pub mod group {
    use sea_orm::entity::prelude::*;

    /// One group.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_group")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The group's name, unique.
        #[sea_orm(unique)]
        pub name: String,
    }

    /// No relations are declared; the crate joins by key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A permission a group grants (`actix_sea_group_permission`): `<model>.<action>`.
pub mod group_permission {
    use sea_orm::entity::prelude::*;

    /// One granted permission.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_group_permission")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The group granting it.
        #[sea_orm(indexed)]
        pub group_id: i64,
        /// `<model>.<action>`, for example `message.change`.
        pub permission: String,
    }

    /// No relations are declared; the crate joins by key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A user's membership of a group (`actix_sea_user_group`).
pub mod membership {
    use sea_orm::entity::prelude::*;

    /// One membership.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "actix_sea_user_group")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The member's user id.
        #[sea_orm(indexed)]
        pub user_id: i64,
        /// The group.
        #[sea_orm(indexed)]
        pub group_id: i64,
    }

    /// No relations are declared; the crate joins by key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
