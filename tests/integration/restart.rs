//! Starting again on the same database (`serve`, `create-user` and `seed` each apply pending
//! migrations first) works on every database, and so does a database whose tables a release
//! before migrations created.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Schema};
use sea_orm_migration::MigratorTrait;

use crate::on_every_database;
use crate::support::TestDb;
use actix_sea::auth::{LoginFailureTable, SessionTable};
use actix_sea::rest::{ApiKeyTable, ApiTokenTable};
use example_site::migrations::Migrator;
use example_site::models::{message, note, relationship, user};

async fn migrations_run_again_without_error(db: TestDb) {
    for _ in 0..3 {
        Migrator::up(&db.db, None)
            .await
            .expect("nothing pending is nothing to do");
    }
    assert!(
        Migrator::get_pending_migrations(&db.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(user::Entity::find().count(&db.db).await.unwrap(), 0);
}

/// What the old "create missing tables" start-up made: every table and index of the entities.
async fn create_from_entities(db: &TestDb) {
    let schema = Schema::new(db.db.get_database_backend());
    let mut tables = Vec::new();
    let mut indexes = Vec::new();
    macro_rules! add {
        ($($entity:expr),*) => {$(
            tables.push(schema.create_table_from_entity($entity));
            indexes.extend(schema.create_index_from_entity($entity));
        )*};
    }
    add!(
        SessionTable,
        LoginFailureTable,
        ApiKeyTable,
        ApiTokenTable,
        user::Entity,
        relationship::Entity,
        message::Entity,
        note::Entity
    );
    for table in &tables {
        db.db.execute(table).await.unwrap();
    }
    for index in &indexes {
        db.db.execute(index).await.unwrap();
    }
}

async fn a_database_made_before_migrations_is_adopted(db: TestDb) {
    create_from_entities(&db).await;
    user::Entity::insert(user::ActiveModel {
        username: sea_orm::Set("kept".into()),
        password: sea_orm::Set("x".into()),
        email: sea_orm::Set(String::new()),
        ..Default::default()
    })
    .exec(&db.db)
    .await
    .unwrap();
    Migrator::up(&db.db, None)
        .await
        .expect("the first migrations adopt the existing tables");
    assert!(
        Migrator::get_pending_migrations(&db.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(user::Entity::find().count(&db.db).await.unwrap(), 1);
}

on_every_database!(new:
    migrations_run_again_without_error,
    a_database_made_before_migrations_is_adopted,
);
