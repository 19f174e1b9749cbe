//! Four tables in a chain (house -> street -> city -> country), for traversal tests.

use sea_orm::{ConnectionTrait, DbErr, Schema};

pub mod country {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "country")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod city {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "city")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub country: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::country::Entity",
            from = "Column::Country",
            to = "super::country::Column::Id"
        )]
        Country,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod street {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "street")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub city: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::city::Entity",
            from = "Column::City",
            to = "super::city::Column::Id"
        )]
        City,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod house {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "house")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub number: i32,
        pub street: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::street::Entity",
            from = "Column::Street",
            to = "super::street::Column::Id"
        )]
        Street,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the four tables, straight from the entities: they exist only in these tests, so
/// they have no migrations.
pub async fn create(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    for table in [
        schema.create_table_from_entity(country::Entity),
        schema.create_table_from_entity(city::Entity),
        schema.create_table_from_entity(street::Entity),
        schema.create_table_from_entity(house::Entity),
    ] {
        db.execute(&table).await?;
    }
    Ok(())
}
