//! Issue 11 item 5: starting again on the same database (`serve`, `create-user` and `seed` each
//! create missing tables first) works on every database.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::on_every_database;
use crate::support::TestDb;
use actix_sea::db::Tables;
use example_site::models::{self, user};

async fn tables_and_indexes_are_created_again_without_error(db: TestDb) {
    for _ in 0..3 {
        models::create_tables(&db.db)
            .await
            .expect("the example's tables are set up again");
    }
    Tables::new(db.db.get_database_backend())
        .auth()
        .api()
        .create(&db.db)
        .await
        .expect("the crate's own tables are set up again");
    assert_eq!(user::Entity::find().count(&db.db).await.unwrap(), 0);
}

on_every_database!(new: tables_and_indexes_are_created_again_without_error);
