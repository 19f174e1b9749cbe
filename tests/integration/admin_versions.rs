//! SPEC "Round 2 > Concurrent edits", the admin side: a save over a row changed since the
//! form was shown is a 409 with the stored values beside the changed fields and nothing
//! saved; a delete confirmation over rows changed since is shown again.

use actix_web::http::StatusCode;
use example_site::models::message;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::admin::add_message;
use crate::admin_app;
use crate::support::TestDb;

async fn set_content(db: &sea_orm::DatabaseConnection, id: i32, content: &str) {
    message::ActiveModel {
        id: Set(id),
        content: Set(content.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
}

async fn content(db: &sea_orm::DatabaseConnection, id: i32) -> Option<String> {
    message::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .map(|m| m.content)
}

async fn saving_over_a_row_changed_meanwhile_shows_the_stored_values_and_saves_nothing(db: TestDb) {
    let app = admin_app!(db);
    let boss = app.create_user("bob", "bob-password", false, true).await;
    let id = add_message(&app.db.db, boss, "first words").await;
    let path = format!("/admin/message/{id}/");
    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    let version = form
        .input("_version")
        .expect("the form carries the version");
    let original = form.input("_original").expect("and the values it shows");
    let csrf = form.input("csrf_token").unwrap();
    let user = boss.to_string();

    set_content(&app.db.db, id, "changed by someone else").await;
    let fields = |version: &str, original: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("user", user.clone()),
            ("content", "my own words".to_owned()),
            ("pub_date", "2024-05-01T12:00".to_owned()),
            ("_version", version.to_owned()),
            ("_original", original.to_owned()),
            ("_continue", "1".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        app.post_raw(&path, body)
    };
    // A form refused for its own input first keeps the version it was shown with.
    let mut bad_date = fields(&version, &original);
    bad_date[3].1 = "yesterday".to_owned();
    let invalid = post(bad_date).await;
    assert_eq!(invalid.status, StatusCode::OK, "{}", invalid.body);
    assert_eq!(invalid.input("_version").as_deref(), Some(version.as_str()));

    let refused = post(fields(&version, &original)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("was changed by someone else"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("my own words"), "the input is kept");
    assert!(
        refused
            .body
            .contains(r#"<strong class="stored">changed by someone else</strong>"#),
        "the stored value beside the field: {}",
        refused.body
    );
    assert_eq!(
        refused.body.matches("Changed meanwhile").count(),
        1,
        "only the field that changed"
    );
    assert_eq!(
        content(&app.db.db, id).await.as_deref(),
        Some("changed by someone else"),
        "nothing saved"
    );

    let newer = refused.input("_version").unwrap();
    assert_ne!(newer, version, "the form now carries the stored version");
    let stale_again = post(fields(&version, &original)).await;
    assert_eq!(stale_again.status, StatusCode::CONFLICT);
    let saved = post(fields(&newer, &refused.input("_original").unwrap())).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        content(&app.db.db, id).await.as_deref(),
        Some("my own words")
    );
    let again = app.get(&path).await;
    assert_ne!(again.input("_version").unwrap(), newer);
}

async fn a_delete_confirmation_over_changed_rows_is_shown_again(db: TestDb) {
    let app = admin_app!(db);
    let bob = app.create_user("bob", "bob-password", false, true).await;
    let id = add_message(&app.db.db, bob, "short-lived").await;
    let confirm = app.get(&format!("/admin/message/delete/?id={id}")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let version = confirm
        .input("_version")
        .expect("the confirmation carries versions");
    let csrf = confirm.input("csrf_token").unwrap();
    let id_text = id.to_string();

    set_content(&app.db.db, id, "edited in between").await;
    let refused = app
        .post_form(
            "/admin/message/delete/",
            &[
                ("csrf_token", &csrf),
                ("id", &id_text),
                ("_version", &version),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("changed since this page was shown"));
    assert!(content(&app.db.db, id).await.is_some(), "nothing deleted");
    let newer = refused.input("_version").unwrap();
    assert_ne!(newer, version);
    let deleted = app
        .post_form(
            "/admin/message/delete/",
            &[
                ("csrf_token", &csrf),
                ("id", &id_text),
                ("_version", &newer),
            ],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert!(content(&app.db.db, id).await.is_none());

    // A row that would go with the user, added in between, changes what the page listed.
    let carol = app
        .create_user("carol", "carol-password", false, true)
        .await;
    add_message(&app.db.db, carol, "one").await;
    let confirm = app.get(&format!("/admin/user/delete/?id={carol}")).await;
    let versions: Vec<String> = confirm
        .body
        .match_indices(r#"name="_version" value=""#)
        .map(|(at, marker)| {
            let rest = &confirm.body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    assert_eq!(
        versions.len(),
        2,
        "the user and the messages that go with it"
    );
    let late = add_message(&app.db.db, carol, "two").await;
    let carol_text = carol.to_string();
    let mut fields = vec![("csrf_token", csrf.as_str()), ("id", carol_text.as_str())];
    fields.extend(versions.iter().map(|v| ("_version", v.as_str())));
    let refused = app.post_form("/admin/user/delete/", &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(content(&app.db.db, late).await.is_some(), "nothing deleted");
}

/// Saving a form as it was shown changes nothing: a `datetime-local` input shows whole
/// seconds, and the stored microseconds stay, with no audit entry for a change nobody made.
async fn saving_an_untouched_form_keeps_the_stored_microseconds(db: TestDb) {
    let app = admin_app!(db);
    let bob = app.create_user("bob", "bob-password", false, true).await;
    let id = add_message(&app.db.db, bob, "first words").await;
    let precise = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .unwrap()
        .and_hms_micro_opt(12, 0, 0, 924_862)
        .unwrap();
    message::ActiveModel {
        id: Set(id),
        pub_date: Set(precise),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .unwrap();
    let path = format!("/admin/message/{id}/");
    let form = app.get(&path).await;
    let shown = form.input("pub_date").unwrap();
    assert_eq!(shown, "2024-05-01T12:00:00");
    let fields = [
        ("csrf_token", form.input("csrf_token").unwrap()),
        ("user", bob.to_string()),
        (
            "content",
            form.input("content")
                .unwrap_or_else(|| "first words".into()),
        ),
        ("pub_date", shown),
        ("_version", form.input("_version").unwrap()),
        ("_original", form.input("_original").unwrap()),
    ];
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let saved = app.post_raw(&path, body).await;
    assert!(
        saved.status.is_redirection(),
        "{} {}",
        saved.status,
        saved.body
    );
    let stored = message::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.pub_date, precise);
    assert_eq!(stored.content, "first words");
    assert!(
        crate::audit::entries(&app.db).await.is_empty(),
        "no entry for a save that changed nothing"
    );
}

/// A transaction of the command line's, as another admin's change made meanwhile.
async fn cli_transaction(db: &sea_orm::DatabaseConnection) -> actix_sea::audit::Transaction {
    actix_sea::audit::Transaction::begin(db, &actix_sea::Context::cli())
        .await
        .unwrap()
}

/// Two admins editing one group: the second save, from a form shown before the first, is a
/// 409 and undoes none of the first's grants; saved again from the 409 page, it goes.
async fn a_group_saved_over_a_change_made_meanwhile_is_refused(db: TestDb) {
    let app = admin_app!(db);
    let txn = cli_transaction(&app.db.db).await;
    let id = actix_sea::groups::create(&txn, "Editors", &["message.view".to_owned()])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let path = format!("/admin/group/{id}/");
    let form = app.get(&path).await;
    let version = form
        .input("_version")
        .expect("the form carries the version");
    let csrf = form.input("csrf_token").unwrap();

    let txn = cli_transaction(&app.db.db).await;
    let both = ["message.view".to_owned(), "note.view".to_owned()];
    actix_sea::groups::update(&txn, id, "Editors", &both)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let post = |version: String| {
        let pairs = [
            ("csrf_token", csrf.as_str()),
            ("name", "Writers"),
            ("permissions", "message.view"),
            ("_version", version.as_str()),
            ("_save", "1"),
        ];
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        app.post_raw(&path, body)
    };
    let refused = post(version).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("changed by someone else"),
        "{}",
        refused.body
    );
    let stored = actix_sea::groups::by_name(&app.db.db, "Editors")
        .await
        .unwrap();
    assert!(stored.is_some(), "not renamed");
    assert_eq!(
        actix_sea::groups::permissions_of_group(&app.db.db, id)
            .await
            .unwrap(),
        both,
        "the grant made meanwhile stays"
    );

    let again = post(refused.input("_version").expect("the new version")).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        actix_sea::groups::permissions_of_group(&app.db.db, id)
            .await
            .unwrap(),
        ["message.view"]
    );

    // The group's history: linked from its form and from the dashboard's recent actions.
    let history = format!("/admin/audit/?model=actix_sea_group&pk={id}");
    let form = crate::app::unescape(&app.get(&path).await.body);
    assert!(form.contains(&format!(r#"href="{history}""#)), "{form}");
    let dashboard = crate::app::unescape(&app.get("/admin/").await.body);
    assert!(
        dashboard.contains(&format!(r#"href="{history}""#)),
        "{dashboard}"
    );
    let entries = app.get(&history).await;
    assert_eq!(entries.status, StatusCode::OK);
    assert!(entries.body.contains(">update<"), "{}", entries.body);
}

/// The user form's `groups` is part of its version: a save from a form shown before another
/// admin added the user to a group is a 409 and leaves the membership as it is.
async fn a_user_saved_over_a_membership_changed_meanwhile_is_refused(db: TestDb) {
    let app = admin_app!(db);
    let carol = app
        .create_user("carol", "carol-password", false, true)
        .await;
    let txn = cli_transaction(&app.db.db).await;
    let readers = actix_sea::groups::create(&txn, "Readers", &["message.view".to_owned()])
        .await
        .unwrap();
    let writers = actix_sea::groups::create(&txn, "Writers", &["message.add".to_owned()])
        .await
        .unwrap();
    actix_sea::groups::set_groups(&txn, i64::from(carol), &[readers])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let path = format!("/admin/user/{carol}/");
    let form = app.get(&path).await;
    let version = form
        .input("_version")
        .expect("the form carries the version");
    let csrf = form.input("csrf_token").unwrap();

    let txn = cli_transaction(&app.db.db).await;
    actix_sea::groups::set_groups(&txn, i64::from(carol), &[readers, writers])
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let readers_text = readers.to_string();
    let post = |version: String| {
        let pairs = [
            ("csrf_token", csrf.as_str()),
            ("username", "carol"),
            ("email", "carol@example.com"),
            ("active", "false"),
            ("active", "true"),
            ("admin", "false"),
            ("groups", ""),
            ("groups", readers_text.as_str()),
            ("_version", version.as_str()),
            ("_save", "1"),
        ];
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        app.post_raw(&path, body)
    };
    let refused = post(version).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let page = crate::app::unescape(&refused.body);
    assert!(
        page.contains(&format!(r#"<option value="{readers}" selected>"#)),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"<option value="{writers}">"#)),
        "the choice posted is kept: {page}"
    );
    let groups_of = || actix_sea::groups::groups_of(&app.db.db, i64::from(carol));
    assert_eq!(groups_of().await.unwrap(), [readers, writers], "kept");

    let again = post(refused.input("_version").expect("the new version")).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(groups_of().await.unwrap(), [readers]);
}

crate::on_every_database!(example:
    a_user_saved_over_a_membership_changed_meanwhile_is_refused,
    a_group_saved_over_a_change_made_meanwhile_is_refused,
    saving_over_a_row_changed_meanwhile_shows_the_stored_values_and_saves_nothing,
    a_delete_confirmation_over_changed_rows_is_shown_again,
    saving_an_untouched_form_keeps_the_stored_microseconds,
);
