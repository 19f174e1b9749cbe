//! The order of a cascade's deletes: each row before the rows it refers to, whatever order
//! the models were visited in.

use sea_orm::{ConnectionTrait, DatabaseExecutor, Value};

use super::{Batch, Cascading, collect, order};
use crate::Error;
use crate::orm::{Binding, Record};

mod owner {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "owner")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub owner: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::owner::Entity",
            from = "Column::Owner",
            to = "super::owner::Column::Id",
            on_delete = "Cascade"
        )]
        Owner,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A comment refers to its owner and to a post of the same owner: a diamond.
mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "comment")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub owner: i32,
        pub post: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::owner::Entity",
            from = "Column::Owner",
            to = "super::owner::Column::Id",
            on_delete = "Cascade"
        )]
        Owner,
        #[sea_orm(
            belongs_to = "super::post::Entity",
            from = "Column::Post",
            to = "super::post::Column::Id",
            on_delete = "Cascade"
        )]
        Post,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A pin refers to its owner by a key that does not cascade.
mod pin {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "pin")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub owner: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::owner::Entity",
            from = "Column::Owner",
            to = "super::owner::Column::Id",
            on_delete = "Restrict"
        )]
        Owner,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

struct Model(Binding);

impl Cascading for Model {
    fn binding(&self) -> &Binding {
        &self.0
    }
}

fn row(values: &[i32]) -> Record {
    Record::new(values.iter().map(|&v| Value::Int(Some(v))).collect())
}

#[test]
fn a_row_goes_before_the_rows_it_refers_to() {
    let owners = Model(Binding::of::<owner::Entity>(None));
    let posts = Model(Binding::of::<post::Entity>(None));
    let comments = Model(Binding::of::<comment::Entity>(None));
    // As the API finds them, its resources in name order: the comments, found from their
    // owner, come before the post they refer to.
    let batches = [
        Batch {
            model: &owners,
            rows: vec![row(&[1])],
        },
        Batch {
            model: &comments,
            rows: vec![row(&[10, 1, 5])],
        },
        Batch {
            model: &posts,
            rows: vec![row(&[5, 1]), row(&[6, 1])],
        },
    ];
    let ordered: Vec<(String, Value)> = order(&batches)
        .into_iter()
        .map(|(model, row)| {
            let info = model.binding().info();
            (info.slug.clone(), row.pk(info).clone())
        })
        .collect();
    let position = |slug: &str, id: i32| {
        ordered
            .iter()
            .position(|(s, pk)| s == slug && *pk == Value::Int(Some(id)))
            .unwrap()
    };
    assert_eq!(ordered.len(), 4);
    assert!(position("comment", 10) < position("post", 5), "{ordered:?}");
    assert!(position("post", 5) < position("owner", 1));
    assert!(position("post", 6) < position("owner", 1));
    assert_eq!(position("owner", 1), 3, "the row asked for goes last");
}

#[tokio::test]
async fn a_key_that_does_not_cascade_refuses_the_delete() {
    let db = crate::db::connect("sqlite::memory:").await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE owner (id INTEGER PRIMARY KEY);
         CREATE TABLE post (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL);
         CREATE TABLE pin (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL);
         INSERT INTO owner VALUES (1), (2);
         INSERT INTO post VALUES (5, 1), (6, 2);
         INSERT INTO pin VALUES (7, 2);",
    )
    .await
    .unwrap();
    let db = DatabaseExecutor::from(&db);
    let owners = Model(Binding::of::<owner::Entity>(None));
    let posts = Model(Binding::of::<post::Entity>(None));
    let pins = Model(Binding::of::<pin::Entity>(None));
    let models = [&owners, &posts, &pins];
    let free = collect(models.into_iter(), &db, &owners, vec![row(&[1])])
        .await
        .unwrap();
    let found: Vec<usize> = free.iter().map(|batch| batch.rows.len()).collect();
    assert_eq!(found, [1, 1], "owner 1 and its post; no pin refers to it");
    let refused = collect(models.into_iter(), &db, &owners, vec![row(&[2])]).await;
    let Err(Error::BadRequest(message)) = refused else {
        panic!("a pin refers to owner 2");
    };
    assert!(
        message.contains("pin 7") && message.contains("`owner`"),
        "{message}"
    );
}

#[tokio::test]
async fn more_rows_than_the_limit_are_refused_before_they_are_read() {
    let db = crate::db::connect("sqlite::memory:").await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE owner (id INTEGER PRIMARY KEY);
         CREATE TABLE post (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL);
         INSERT INTO owner VALUES (1);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO post SELECT i, 1 FROM n;",
    )
    .await
    .unwrap();
    let db = DatabaseExecutor::from(&db);
    let owners = Model(Binding::of::<owner::Entity>(None));
    let posts = Model(Binding::of::<post::Entity>(None));
    let models = [&owners, &posts];
    let refused = collect(models.into_iter(), &db, &owners, vec![row(&[1])]).await;
    let Err(Error::BadRequest(message)) = refused else {
        panic!("10,001 rows are more than the limit");
    };
    assert!(message.contains("more than 10000 rows"), "{message}");
}
