//! Pages read by column kind against the same rows read through the model, and the kept
//! statements of first pages and lookups.

use std::cell::Cell;

use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, EntityTrait, Statement, Value};

use super::{Count, Spec};
use crate::orm::kept::Kept;
use crate::orm::{Binding, Join, Query, Window};

mod author {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "author")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub born: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod book {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "book")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub title: String,
        pub author: Option<i32>,
        pub at: DateTime,
        pub price: f64,
        pub kept: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A field of another type than its column's kind: an `i64` on an `Integer` column.
mod wide {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "book")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub title: String,
        #[sea_orm(column_type = "Integer", nullable)]
        pub author: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

async fn shelf() -> sea_orm::DatabaseConnection {
    let db = crate::db::connect("sqlite::memory:").await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born TEXT);
         CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author INTEGER,
             at TEXT NOT NULL, price REAL NOT NULL, kept BOOLEAN NOT NULL);
         INSERT INTO author VALUES (1, 'Ursula', '1929-10-21'), (2, 'Italo', NULL);
         INSERT INTO book VALUES
             (1, 'Earthsea', 1, '1968-11-01 00:00:00', 9.5, 1),
             (2, 'Invisible Cities', 2, '1972-01-01 12:30:00.250', 12.0, 0),
             (3, 'Anonymous', NULL, '2001-02-03 04:05:06', 0.0, 1),
             (4, 'Lathe', 1, '1971-03-01 00:00:00', 7.25, 0);",
    )
    .await
    .unwrap();
    db
}

/// A book's author, joined to the page.
fn by_author(authors: &Binding) -> [Join<'_>; 1] {
    [Join {
        column: "author",
        model: authors,
        key: "id",
        scope: Condition::all(),
    }]
}

fn everything(binding: &Binding) -> Query {
    Query::everything(binding.info())
}

const ALL: Window = sized(0, 10);

const fn sized(offset: u64, limit: u64) -> Window {
    Window {
        offset,
        limit: Some(limit),
    }
}

#[tokio::test]
async fn a_page_read_by_kind_holds_what_the_model_reads() {
    let db = shelf().await;
    let exec = DatabaseExecutor::from(&db);
    let books = Binding::of::<book::Entity>(None);
    let authors = Binding::of::<author::Entity>(None);
    let joins = by_author(&authors);
    let page = books
        .page(&exec, &everything(&books), ALL, &joins, true)
        .await
        .unwrap();
    let models = book::Entity::find().all(&db).await.unwrap();
    assert_eq!(page.total, Some(4));
    assert_eq!(page.rows.len(), models.len());
    for (row, model) in page.rows.iter().zip(&models) {
        assert_eq!(row.model::<book::Model>(), Some(model));
        let expected = super::super::binding::record_of::<book::Entity>(model.clone());
        assert_eq!(row.values(), expected.values());
    }
    let authors_read: Vec<_> = page.related[0]
        .iter()
        .map(|row| row.model::<author::Model>().cloned().unwrap())
        .collect();
    assert_eq!(authors_read, author::Entity::find().all(&db).await.unwrap());
    assert_eq!(
        page.joined,
        [vec![Some(0)], vec![Some(1)], vec![None], vec![Some(0)]]
    );
    assert!(books.reads_by_kind() && authors.reads_by_kind());
}

#[tokio::test]
async fn a_field_of_another_type_than_its_column_is_read_through_the_model() {
    let db = shelf().await;
    let exec = DatabaseExecutor::from(&db);
    let wide = Binding::of::<wide::Entity>(None);
    for _ in 0..2 {
        let page = wide
            .page(&exec, &everything(&wide), ALL, &[], false)
            .await
            .unwrap();
        let models: Vec<_> = page
            .rows
            .iter()
            .map(|row| row.model::<wide::Model>().cloned().unwrap())
            .collect();
        assert_eq!(models, wide::Entity::find().all(&db).await.unwrap());
    }
    assert!(!wide.reads_by_kind());
}

/// Asks `kept` for the statement of a page, counting the statements built.
fn ask(kept: &Kept, query: &Query, window: Window, built: &Cell<u32>) -> Statement {
    let spec = Spec {
        backend: DbBackend::Sqlite,
        query,
        window,
        joins: &[],
        count: Count::No,
        key: None,
    };
    kept.page(spec, || {
        built.set(built.get() + 1);
        Statement::from_string(DbBackend::Sqlite, format!("page {}", built.get()))
    })
}

#[test]
fn a_first_page_is_built_once() {
    let books = Binding::of::<book::Entity>(None);
    let kept = Kept::default();
    let built = Cell::new(0);
    let query = everything(&books);
    let first = ask(&kept, &query, ALL, &built);
    assert_eq!(ask(&kept, &query, ALL, &built).sql, first.sql);
    assert_eq!(built.get(), 1);

    let shorter = sized(0, 5);
    ask(&kept, &query, shorter, &built);
    let later = sized(10, 10);
    ask(&kept, &query, later, &built);
    ask(&kept, &query, later, &built);
    let filtered = |kept: bool| {
        let mut filtered = query.clone();
        filtered.and(Condition::all().add(Expr::col(book::Column::Kept).eq(kept)));
        filtered
    };
    ask(&kept, &filtered(true), ALL, &built);
    ask(&kept, &filtered(true), ALL, &built);
    ask(&kept, &filtered(false), ALL, &built);
    let mut reversed = query.clone();
    reversed.reverse();
    ask(&kept, &reversed, ALL, &built);
    assert_eq!(
        built.get(),
        7,
        "other windows, filter values and orders are built; later pages every time"
    );
    assert_eq!(ask(&kept, &query, ALL, &built).sql, first.sql);
    assert_eq!(built.get(), 7);

    let one = sized(0, 1);
    ask(&kept, &query, one, &built);
    ask(&kept, &query, one, &built);
    let mut keyed = query.clone();
    keyed.with_keys();
    ask(&kept, &keyed, ALL, &built);
    ask(&kept, &keyed, ALL, &built);
    assert_eq!(
        built.get(),
        11,
        "lookups of one row and pages by cursor are built each time"
    );
}

#[test]
fn the_first_page_used_longest_ago_goes_first() {
    let books = Binding::of::<book::Entity>(None);
    let kept = Kept::default();
    let built = Cell::new(0);
    let query = everything(&books);
    ask(&kept, &query, ALL, &built);
    for limit in 11..29 {
        ask(&kept, &query, sized(0, limit), &built);
        ask(&kept, &query, ALL, &built);
    }
    assert_eq!(built.get(), 19, "the page used between the others stays");
    ask(&kept, &query, sized(0, 11), &built);
    assert_eq!(built.get(), 20, "the page of 11 rows was dropped");
}

#[test]
fn a_lookup_is_built_once_per_shape_and_binds_each_key() {
    let books = Binding::of::<book::Entity>(None);
    let info = books.info();
    let kept = Kept::default();
    let built = Cell::new(0);
    let mut by_author = everything(&books);
    by_author.and(Condition::all().add(Expr::col(book::Column::Author).eq(1)));
    for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
        for query in [everything(&books), by_author.clone()] {
            let spec = Spec {
                backend,
                query: &query,
                window: sized(0, 1),
                joins: &[],
                count: Count::No,
                key: Some("id"),
            };
            // A key equal to a value of the filter is bound in the key's place only.
            for key in [Value::from(1), Value::from(4), Value::from("1")] {
                let statement = kept.lookup(spec, key.clone(), |key| {
                    built.set(built.get() + 1);
                    super::statement::<book::Entity>(info, spec, Some(key))
                });
                let expected = super::statement::<book::Entity>(info, spec, Some(key));
                assert_eq!(statement.sql, expected.sql);
                assert_eq!(statement.values, expected.values);
            }
        }
    }
    assert_eq!(built.get(), 6, "one statement per backend and filter");
}

#[tokio::test]
async fn a_lookup_finds_its_own_row_within_the_query() {
    let db = shelf().await;
    let exec = DatabaseExecutor::from(&db);
    let books = Binding::of::<book::Entity>(None);
    let authors = Binding::of::<author::Entity>(None);
    let joins = by_author(&authors);
    let mut kept_only = everything(&books);
    kept_only.and(Condition::all().add(Expr::col(book::Column::Kept).eq(true)));
    let title = |page: &crate::orm::Page| {
        let row = page.rows.first()?;
        Some(row.model::<book::Model>()?.title.clone())
    };
    for (key, expected, author) in [(2, "Invisible Cities", 2), (4, "Lathe", 1)] {
        let page = books
            .one(
                &exec,
                None,
                &everything(&books),
                "id",
                Value::from(key),
                &joins,
            )
            .await
            .unwrap();
        assert_eq!(title(&page).as_deref(), Some(expected));
        assert_eq!(page.joined, [vec![Some(0)]]);
        let joined = page.related[0][0].model::<author::Model>().unwrap();
        assert_eq!(joined.id, author);
    }
    for (key, found) in [(1, true), (2, false), (3, true), (4, false)] {
        let page = books
            .one(&exec, None, &kept_only, "id", Value::from(key), &[])
            .await
            .unwrap();
        assert_eq!(page.rows.len(), usize::from(found), "book {key}");
    }
}
