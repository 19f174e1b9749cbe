//! The API's credential cache (issue 18): a checked Basic credential is used without a query
//! for a while, yet a change to the caller's user row or groups made on this instance applies
//! to the very next request.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::app::spawn;
use crate::permissions::staff;
use crate::support::TestDb;

async fn group_and_user_changes_apply_to_the_next_basic_request(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("root", "root-password", true, true).await;
    let target = app
        .create_user("target", "target-password", false, true)
        .await;
    let editor = staff(&app, "editor", &[]).await;
    let detail = format!("/api/user/{target}/");
    let patch = async |email: &str| {
        app.api(
            "PATCH",
            &detail,
            Some(json!({ "email": email })),
            Some(("editor", "editor-password")),
        )
        .await
        .status
    };
    assert_eq!(
        patch("a@example.com").await,
        StatusCode::FORBIDDEN,
        "no permission yet"
    );

    // Granted through an audited transaction, as a command-line tool or a panel does.
    let txn = actix_sea::audit::Transaction::begin(&app.db.db, &actix_sea::Context::cli())
        .await
        .unwrap();
    let group = actix_sea::groups::by_name(&*txn, "editors")
        .await
        .unwrap()
        .expect("staff made the group");
    actix_sea::groups::update(&txn, group.id, "editors", &["user.change".into()])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        patch("b@example.com").await,
        StatusCode::OK,
        "granted at once"
    );

    // Out of the group: refused at once.
    let txn = actix_sea::audit::Transaction::begin(&app.db.db, &actix_sea::Context::cli())
        .await
        .unwrap();
    actix_sea::groups::set_groups(&txn, i64::from(editor), &[])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        patch("c@example.com").await,
        StatusCode::FORBIDDEN,
        "revoked at once"
    );

    // Deleted through the API by an admin: the cached credential is refused at once.
    let deleted = app
        .api(
            "DELETE",
            &format!("/api/user/{editor}/"),
            None,
            Some(("root", "root-password")),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(
        patch("d@example.com").await,
        StatusCode::UNAUTHORIZED,
        "deleted user"
    );
}

async fn a_password_changed_through_the_api_stops_the_old_one_at_once(db: TestDb) {
    let app = spawn(db).await;
    let me = app.create_user("walter", "old-password", false, true).await;
    let post = async |password: &str| {
        app.api(
            "POST",
            "/api/message/",
            Some(json!({"content": "hello"})),
            Some(("walter", password)),
        )
        .await
        .status
    };
    assert_eq!(post("old-password").await, StatusCode::CREATED);
    assert_eq!(
        post("old-password").await,
        StatusCode::CREATED,
        "from the cache"
    );
    app.create_user("root", "root-password", true, true).await;
    let changed = app
        .api(
            "PATCH",
            &format!("/api/user/{me}/"),
            Some(json!({"password": "new-password"})),
            Some(("root", "root-password")),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(post("old-password").await, StatusCode::UNAUTHORIZED);
    assert_eq!(post("new-password").await, StatusCode::CREATED);
}

crate::on_every_database!(example:
    group_and_user_changes_apply_to_the_next_basic_request,
    a_password_changed_through_the_api_stops_the_old_one_at_once,
);
