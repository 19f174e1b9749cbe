//! The query grammar against real rows on every configured database.

use actix_sea::orm::{Grammar, ModelInfo, QueryError, Registry, Window};
use chrono::NaiveDate;
use example_site::models::{message, note, relationship, user};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseExecutor, EntityTrait, Value};

use crate::chain;
use crate::support::TestDb;

fn day(d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register::<user::Entity>();
    registry.register::<message::Entity>();
    registry.register::<relationship::Entity>();
    registry.register::<note::Entity>();
    registry
}

fn hide_password(model: &ModelInfo, column: &str) -> bool {
    model.slug == "user" && (column == "password" || column == "email")
}

async fn seed(db: &impl ConnectionTrait) {
    for (name, active) in [("alice", true), ("bob", true), ("carol", false)] {
        user::Entity::insert(user::ActiveModel {
            username: Set(name.into()),
            password: Set(format!("secret-{name}")),
            email: Set(format!("{name}@example.com")),
            join_date: Set(day(1)),
            active: Set(active),
            admin: Set(false),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    let messages = [
        (1, "Hello World"),
        (1, "50% off today"),
        (2, "500 off"),
        (2, "snake_case and camelCase"),
        (3, "hello world"),
        (2, r"a\b back slash"),
    ];
    for (index, (author, content)) in messages.into_iter().enumerate() {
        message::Entity::insert(message::ActiveModel {
            user: Set(author),
            content: Set(content.into()),
            pub_date: Set(day(index as u32 + 1)),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    for (from, to) in [(1, 2), (2, 1), (3, 1)] {
        relationship::Entity::insert(relationship::ActiveModel {
            from_user: Set(from),
            to_user: Set(to),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
    for status in [Some(1), Some(2), None] {
        note::Entity::insert(note::ActiveModel {
            user: Set(1),
            message: Set("note".into()),
            status: Set(status),
            created_date: Set(day(1)),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
}

async fn ids(
    test: &TestDb,
    registry: &Registry,
    slug: &str,
    params: &[(&str, &str)],
) -> Result<Vec<i64>, QueryError> {
    let model = registry.get(slug).unwrap();
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let backend = test.db.get_database_backend();
    let query =
        Grammar::new(registry, model.info(), &hide_password, backend).compile(&params, &[])?;
    let executor = DatabaseExecutor::from(&test.db);
    let rows = model
        .list(&executor, &query, Window::default())
        .await
        .unwrap();
    let count = model.count(&executor, &query).await.unwrap();
    assert_eq!(
        count as usize,
        rows.len(),
        "count agrees with the rows for {params:?}"
    );
    Ok(rows
        .iter()
        .map(|row| match row.pk(model.info()) {
            Value::Int(Some(id)) => i64::from(*id),
            Value::BigInt(Some(id)) => *id,
            other => panic!("unexpected pk {other:?}"),
        })
        .collect())
}

async fn filters_select_the_right_rows(test: TestDb) {
    seed(&test.db).await;
    let registry = registry();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [i64]);
    let cases: &[Case] = &[
        ("message", &[("user", "1")], &[1, 2]),
        ("message", &[("user__username", "bob")], &[3, 4, 6]),
        ("message", &[("-user__username", "bob")], &[1, 2, 5]),
        (
            "message",
            &[("user__username__in", "alice,carol")],
            &[1, 2, 5],
        ),
        ("message", &[("user__active", "false")], &[5]),
        ("message", &[("user", "1"), ("user", "3")], &[1, 2, 5]),
        ("message", &[("user__ne", "1"), ("user__ne", "2")], &[5]),
        ("message", &[("id__not_in", "1,2,3")], &[4, 5, 6]),
        (
            "message",
            &[("pub_date__between", "2024-01-02,2024-01-04")],
            &[2, 3, 4],
        ),
        ("message", &[("pub_date__lt", "2024-01-02")], &[1]),
        (
            "message",
            &[("pub_date__gte", "2024-01-05T00:00:00")],
            &[5, 6],
        ),
        ("message", &[("content__contains", "50%")], &[2]),
        ("message", &[("content__contains", "_")], &[4]),
        ("message", &[("content__contains", r"a\b")], &[6]),
        ("message", &[("content__contains", "Hello")], &[1]),
        ("message", &[("content__icontains", "HELLO")], &[1, 5]),
        ("message", &[("content__startswith", "hello")], &[5]),
        ("message", &[("content__istartswith", "hello")], &[1, 5]),
        ("message", &[("content__endswith", "off")], &[3]),
        ("message", &[("content__iendswith", "OFF")], &[3]),
        ("message", &[("content", "' OR 1=1 --")], &[]),
        ("message", &[("content__contains", "%' OR '1'='1")], &[]),
        ("message", &[("ordering", "-pub_date")], &[6, 5, 4, 3, 2, 1]),
        (
            "message",
            &[("ordering", "user__username,-pub_date")],
            &[2, 1, 6, 4, 3, 5],
        ),
        ("relationship", &[("to_user__username", "alice")], &[2, 3]),
        (
            "relationship",
            &[
                ("from_user__username", "carol"),
                ("to_user__username", "alice"),
            ],
            &[3],
        ),
        ("note", &[("status", "none")], &[3]),
        ("note", &[("status__is_null", "false")], &[1, 2]),
        ("note", &[("status__in", "1,none")], &[1, 3]),
        ("note", &[("-status", "2")], &[1]),
    ];
    for (slug, params, expected) in cases {
        let got = ids(&test, &registry, slug, params).await.unwrap();
        assert_eq!(&got, expected, "{slug} {params:?} on {:?}", test.backend);
    }
}

async fn hidden_and_unknown_fields_are_errors_not_leaks(test: TestDb) {
    seed(&test.db).await;
    let registry = registry();
    let error = ids(
        &test,
        &registry,
        "message",
        &[("user__password__startswith", "secret")],
    )
    .await
    .unwrap_err();
    assert_eq!(error, QueryError::HiddenField("user__password".into()));
    let error = ids(&test, &registry, "message", &[("ordering", "user__email")])
        .await
        .unwrap_err();
    assert_eq!(error, QueryError::HiddenField("user__email".into()));
    let error = ids(&test, &registry, "message", &[("user__nope", "1")])
        .await
        .unwrap_err();
    assert_eq!(error, QueryError::UnknownField("user__nope".into()));
}

async fn windows_page_through_rows(test: TestDb) {
    seed(&test.db).await;
    let registry = registry();
    let model = registry.get("message").unwrap();
    let query = Grammar::new(
        &registry,
        model.info(),
        &hide_password,
        test.db.get_database_backend(),
    )
    .compile(&[("user".into(), "2".into())], &[])
    .unwrap();
    let executor = DatabaseExecutor::from(&test.db);
    let page = model
        .list(
            &executor,
            &query,
            Window {
                offset: 1,
                limit: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].get(model.info(), "id"), Some(&Value::Int(Some(4))));
    let past_end = model
        .list(
            &executor,
            &query,
            Window {
                offset: 10,
                limit: Some(5),
            },
        )
        .await
        .unwrap();
    assert!(past_end.is_empty());
}

async fn three_hops_work_across_a_chain(test: TestDb) {
    chain::create(&test.db).await.unwrap();
    let mut registry = Registry::new();
    registry.register::<chain::country::Entity>();
    registry.register::<chain::city::Entity>();
    registry.register::<chain::street::Entity>();
    registry.register::<chain::house::Entity>();
    let executor = DatabaseExecutor::from(&test.db);
    let insert = |slug: &'static str, values: Vec<(&'static str, Value)>| {
        let model = registry.get(slug).unwrap().clone();
        let executor = &executor;
        async move {
            let values = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            model.insert(executor, values).await.unwrap()
        }
    };
    for name in ["France", "Peru"] {
        insert("country", vec![("name", Value::from(name))]).await;
    }
    insert(
        "city",
        vec![("name", "Paris".into()), ("country", 1i32.into())],
    )
    .await;
    insert(
        "city",
        vec![("name", "Lima".into()), ("country", 2i32.into())],
    )
    .await;
    insert(
        "street",
        vec![("name", "Rue".into()), ("city", 1i32.into())],
    )
    .await;
    insert(
        "street",
        vec![("name", "Calle".into()), ("city", 2i32.into())],
    )
    .await;
    for (number, street) in [(1, 1), (2, 2), (3, 1)] {
        insert(
            "house",
            vec![
                ("number", Value::Int(Some(number))),
                ("street", Value::Int(Some(street))),
            ],
        )
        .await;
    }
    let nothing_hidden = |_: &ModelInfo, _: &str| false;
    let house = registry.get("house").unwrap();
    let params = vec![
        (
            "street__city__country__name".to_owned(),
            "France".to_owned(),
        ),
        ("ordering".into(), "-number".into()),
    ];
    let query = Grammar::new(
        &registry,
        house.info(),
        &nothing_hidden,
        test.db.get_database_backend(),
    )
    .compile(&params, &[])
    .unwrap();
    let rows = house
        .list(&executor, &query, Window::default())
        .await
        .unwrap();
    let numbers: Vec<_> = rows
        .iter()
        .map(|r| r.get(house.info(), "number").cloned())
        .collect();
    assert_eq!(
        numbers,
        vec![Some(Value::Int(Some(3))), Some(Value::Int(Some(1)))]
    );
}

async fn writes_through_the_registry_map_constraint_errors(test: TestDb) {
    seed(&test.db).await;
    let registry = registry();
    let executor = DatabaseExecutor::from(&test.db);
    let messages = registry.get("message").unwrap();
    let created = messages
        .insert(
            &executor,
            vec![
                ("user".into(), Value::Int(Some(2))),
                ("content".into(), "new".into()),
                ("pub_date".into(), Value::ChronoDateTime(Some(day(9)))),
            ],
        )
        .await
        .unwrap();
    let id = created.pk(messages.info()).clone();
    let updated = messages
        .update(
            &executor,
            id.clone(),
            vec![("content".into(), "edited".into())],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        updated.get(messages.info(), "content"),
        Some(&Value::from("edited"))
    );
    assert_eq!(
        updated.get(messages.info(), "user"),
        Some(&Value::Int(Some(2)))
    );
    assert!(
        messages
            .update(&executor, Value::Int(Some(999)), vec![])
            .await
            .unwrap()
            .is_none()
    );

    let missing_user = messages
        .insert(
            &executor,
            vec![
                ("user".into(), Value::Int(Some(999))),
                ("content".into(), "orphan".into()),
                ("pub_date".into(), Value::ChronoDateTime(Some(day(9)))),
            ],
        )
        .await
        .unwrap_err();
    let status = actix_web::ResponseError::status_code(&actix_sea::Error::from(missing_user));
    assert_eq!(
        status, 400,
        "a foreign key to a missing row is a client error"
    );

    let relationships = registry.get("relationship").unwrap();
    let duplicate = relationships
        .insert(
            &executor,
            vec![
                ("from_user".into(), Value::Int(Some(1))),
                ("to_user".into(), Value::Int(Some(2))),
            ],
        )
        .await
        .unwrap_err();
    let status = actix_web::ResponseError::status_code(&actix_sea::Error::from(duplicate));
    assert_eq!(status, 409, "the unique pair is a conflict");

    assert_eq!(
        messages
            .delete(&executor, vec![id, Value::Int(Some(1))])
            .await
            .unwrap(),
        2
    );
    assert_eq!(messages.delete(&executor, vec![]).await.unwrap(), 0);
}

crate::on_every_database!(example:
    filters_select_the_right_rows,
    hidden_and_unknown_fields_are_errors_not_leaks,
    windows_page_through_rows,
    writes_through_the_registry_map_constraint_errors,
);

crate::on_every_database!(new: three_hops_work_across_a_chain);
