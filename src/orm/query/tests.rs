//! The grammar on nasty input, checked through the SQL it produces.

use sea_orm::sea_query::{Asterisk, Query as SqlQuery, SqliteQueryBuilder};

use super::*;

mod country {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "country")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub secret: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod city {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "city")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub country: i32,
        pub score: Option<i64>,
        pub seen: bool,
        pub at: DateTime,
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

mod street {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "street")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub city: i32,
        pub score: Option<i64>,
        pub seen: bool,
        pub at: DateTime,
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

mod house {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "house")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub street: i32,
        pub score: Option<i64>,
        pub seen: bool,
        pub at: DateTime,
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

mod room {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "room")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub house: i32,
        pub score: Option<i64>,
        pub seen: bool,
        pub at: DateTime,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::house::Entity",
            from = "Column::House",
            to = "super::house::Column::Id"
        )]
        House,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register_as::<country::Entity>(None);
    registry.register_as::<city::Entity>(None);
    registry.register_as::<street::Entity>(None);
    registry.register_as::<house::Entity>(None);
    registry.register_as::<room::Entity>(None);
    registry
}

fn hide_secret(_: &ModelInfo, column: &str) -> bool {
    column == "secret"
}

fn compile(table: &str, params: &[(&str, &str)]) -> Result<String, QueryError> {
    let registry = registry();
    let model = registry.model(table).unwrap().clone();
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let query = Grammar::new(&registry, &model, &hide_secret, DbBackend::Sqlite)
        .compile(&params, &["q"])?;
    let mut select = SqlQuery::select();
    select.column(Asterisk).from(Alias::new(table));
    query.apply(&mut select);
    Ok(select.to_string(SqliteQueryBuilder))
}

#[test]
fn a_plain_field_is_equality_and_the_primary_key_breaks_ties() {
    let sql = compile("city", &[("name", "Paris")]).unwrap();
    assert!(sql.contains(r#""city"."name" = 'Paris'"#), "{sql}");
    assert!(sql.ends_with(r#"ORDER BY "city"."id" ASC"#), "{sql}");
}

#[test]
fn reserved_and_ignored_parameters_are_not_filters() {
    let sql = compile("city", &[("page", "2"), ("limit", "x"), ("q", "hello")]).unwrap();
    assert!(!sql.contains("WHERE"), "{sql}");
}

#[test]
fn three_hops_join_with_aliases_and_four_are_rejected() {
    let sql = compile("house", &[("street__city__country__name", "France")]).unwrap();
    assert!(
        sql.contains(r#"LEFT JOIN "street" AS "j1_street""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"LEFT JOIN "country" AS "j3_street_city_country""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#""j3_street_city_country"."name" = 'France'"#),
        "{sql}"
    );
    let error = compile("room", &[("house__street__city__country__name", "France")]).unwrap_err();
    assert!(matches!(error, QueryError::TooDeep(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("house__street__city__country__name")
    );
}

#[test]
fn unknown_fields_ops_and_hidden_fields_are_named_errors() {
    let error = compile("city", &[("nope", "1")]).unwrap_err();
    assert_eq!(error, QueryError::UnknownField("nope".into()));
    let error = compile("city", &[("name__like", "x")]).unwrap_err();
    assert_eq!(
        error,
        QueryError::UnknownOp {
            field: "name".into(),
            op: "like".into()
        }
    );
    let error = compile("city", &[("name__eq__eq", "x")]).unwrap_err();
    assert_eq!(error, QueryError::UnknownField("name__eq__eq".into()));
    let error = compile("city", &[("country__secret__startswith", "a")]).unwrap_err();
    assert_eq!(error, QueryError::HiddenField("country__secret".into()));
    let error = compile("country", &[("ordering", "-secret")]).unwrap_err();
    assert_eq!(error, QueryError::HiddenField("secret".into()));
    let error = compile("city", &[("ordering", "nope")]).unwrap_err();
    assert_eq!(error, QueryError::UnknownField("nope".into()));
    let error = compile("city", &[("", "1")]).unwrap_err();
    assert_eq!(error, QueryError::UnknownField("".into()));
    let error = compile("city", &[("score__contains", "1")]).unwrap_err();
    assert!(
        matches!(error, QueryError::OpNotApplicable { .. }),
        "{error:?}"
    );
}

#[test]
fn unparsable_and_empty_values_name_the_field_path() {
    for (key, value) in [
        ("country", "abc"),
        ("country", ""),
        ("country__id", "99999999999"),
        ("score__gt", "1.5"),
        ("seen", "maybe"),
        ("at__lt", "tomorrow"),
        ("score__between", "1"),
        ("score__between", "1,2,3"),
        ("score__in", "1,,2"),
        ("seen__is_null", "perhaps"),
        ("name", "nul\0byte"),
    ] {
        let error = compile("city", &[(key, value)]).unwrap_err();
        let field = key
            .split("__")
            .filter(|s| Op::parse(s).is_none())
            .collect::<Vec<_>>()
            .join("__");
        assert!(
            error.to_string().contains(&format!("`{field}`")),
            "{key}={value:?}: {error}"
        );
    }
}

#[test]
fn like_wildcards_in_values_are_escaped() {
    let sql = compile("city", &[("name__icontains", "50%_off\\")]).unwrap();
    assert!(sql.contains(r"LIKE '%50\%\_off\\%' ESCAPE '\'"), "{sql}");
    let sql = compile("city", &[("name__contains", "a*b?[c")]).unwrap();
    assert!(sql.contains("GLOB '*a[*]b[?][[]c*'"), "{sql}");
}

#[test]
fn null_words_become_is_null() {
    let sql = compile("city", &[("score", "none")]).unwrap();
    assert!(sql.contains(r#""city"."score" IS NULL"#), "{sql}");
    let sql = compile("city", &[("score__ne", "NULL")]).unwrap();
    assert!(sql.contains(r#""city"."score" IS NOT NULL"#), "{sql}");
    let sql = compile("city", &[("score__is_null", "false")]).unwrap();
    assert!(sql.contains(r#""city"."score" IS NOT NULL"#), "{sql}");
    let sql = compile("city", &[("score__in", "1,none")]).unwrap();
    assert!(sql.contains(r#"IN (1) OR "city"."score" IS NULL"#), "{sql}");
}

#[test]
fn repeated_positive_values_or_and_negative_values_and() {
    let sql = compile("city", &[("name", "a"), ("name", "b")]).unwrap();
    assert!(
        sql.contains(r#""city"."name" = 'a' OR "city"."name" = 'b'"#),
        "{sql}"
    );
    let sql = compile("city", &[("name__ne", "a"), ("name__ne", "b")]).unwrap();
    assert!(
        sql.contains(r#""city"."name" <> 'a' AND "city"."name" <> 'b'"#),
        "{sql}"
    );
    let sql = compile("city", &[("-name", "a"), ("-name", "b")]).unwrap();
    assert!(
        sql.contains(r#"(NOT "city"."name" = 'a') AND (NOT "city"."name" = 'b')"#),
        "{sql}"
    );
}

#[test]
fn ordering_takes_several_fields_and_foreign_keys() {
    let sql = compile("street", &[("ordering", "-city__name, id")]).unwrap();
    assert!(
        sql.contains(r#"ORDER BY "j1_city"."name" DESC, "street"."id" ASC, "street"."id" ASC"#),
        "{sql}"
    );
    let sql = compile("street", &[("ordering", "")]).unwrap();
    assert!(sql.ends_with(r#"ORDER BY "street"."id" ASC"#), "{sql}");
}

#[test]
fn a_foreign_key_compared_with_an_op_is_not_a_hop() {
    let sql = compile("street", &[("city__in", "1,2")]).unwrap();
    assert!(sql.contains(r#""street"."city" IN (1, 2)"#), "{sql}");
    let sql = compile("street", &[("city__id__in", "1,2")]).unwrap();
    assert!(sql.contains(r#""j1_city"."id" IN (1, 2)"#), "{sql}");
}

#[test]
fn between_and_comparisons_parse_by_column_type() {
    let sql = compile(
        "city",
        &[
            ("at__between", "2024-01-01,2024-01-02T12:00"),
            ("score__gte", "-3"),
        ],
    )
    .unwrap();
    assert!(
        sql.contains("BETWEEN '2024-01-01 00:00:00.000000' AND '2024-01-02 12:00:00.000000'"),
        "{sql}"
    );
    assert!(sql.contains(r#""city"."score" >= -3"#), "{sql}");
}

#[test]
fn page_and_limit_follow_the_rules() {
    assert_eq!(page_number(None), 1);
    assert_eq!(page_number(Some("0")), 1);
    assert_eq!(page_number(Some("-1")), 1);
    assert_eq!(page_number(Some("abc")), 1);
    assert_eq!(page_number(Some("99999999999999999999999")), 1);
    assert_eq!(page_number(Some("3")), 3);
    assert_eq!(page_size(None, Some(20), 100), Some(20));
    assert_eq!(page_size(Some("0"), Some(20), 100), Some(20));
    assert_eq!(page_size(Some("-5"), Some(20), 100), Some(20));
    assert_eq!(page_size(Some("x"), Some(20), 100), Some(20));
    assert_eq!(page_size(Some("100000"), Some(20), 100), Some(100));
    assert_eq!(page_size(Some("7"), Some(20), 100), Some(7));
    assert_eq!(
        page_size(Some("7"), None, 100),
        Some(7),
        "an explicit limit pages"
    );
    assert_eq!(page_size(Some("500"), None, 100), Some(100));
    assert_eq!(page_size(None, None, 100), None);
    assert_eq!(page_size(Some("0"), None, 100), None);
}
