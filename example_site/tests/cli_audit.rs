//! SPEC "Round 2 > Audit trail": the command line's writes (`create-group`,
//! `create-user --group`, `set-password`, `seed`) are recorded with channel `cli`, no actor and
//! no address, passwords redacted; a refused command records nothing.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use actix_sea::audit::entry;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value as Json, json};

use support::{ServerDb, TempDb, run, run_ok};

/// Every entry of the database at `url`, oldest first.
fn entries(url: &str) -> Vec<entry::Model> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = sea_orm::Database::connect(url).await.unwrap();
        let all = entry::Entity::find()
            .order_by_asc(entry::Column::Id)
            .all(&db)
            .await
            .unwrap();
        db.close().await.unwrap();
        all
    })
}

/// The entries after the first `seen`, checked to be the command line's.
fn new_entries(url: &str, seen: usize) -> Vec<entry::Model> {
    let all = entries(url);
    for entry in &all {
        assert_eq!(entry.channel, "cli", "{entry:?}");
        assert_eq!((entry.actor, entry.username.as_str()), (None, ""));
        assert_eq!(entry.client, "");
        assert!(!entry.values.contains("$argon2"), "{}", entry.values);
        assert!(!entry.values.contains("secret-pw"), "{}", entry.values);
    }
    all.into_iter().skip(seen).collect()
}

fn values(entry: &entry::Model) -> Json {
    serde_json::from_str(&entry.values).unwrap()
}

fn actions(entries: &[entry::Model]) -> Vec<(&str, &str)> {
    entries
        .iter()
        .map(|e| (e.action.as_str(), e.model.as_str()))
        .collect()
}

fn groups_and_users_are_recorded(url: &str) -> usize {
    let db = ["--database", url];
    run_ok(&[&["create-group", "Editors"][..], &db].concat());
    let refused = run(&[
        &["create-group", "Bad", "--permission", "nothing.view"][..],
        &db,
    ]
    .concat());
    assert_eq!(refused.status.code(), Some(1));
    let made = run_ok(
        &[
            &["create-group", "Writers", "--permission", "message.view"][..],
            &["--permission", "message.change"],
            &db,
        ]
        .concat(),
    );
    assert!(made.contains("created group `Writers`"), "{made}");
    let groups = new_entries(url, 0);
    assert_eq!(
        actions(&groups),
        [
            ("create", "actix_sea_group"),
            ("create", "actix_sea_group"),
            ("create", "actix_sea_group_permission"),
            ("create", "actix_sea_group_permission"),
        ],
        "nothing for the refused group"
    );
    assert_eq!(values(&groups[0])["name"], "Editors");
    let writers = values(&groups[1])["id"].clone();
    let granted: BTreeSet<String> = groups[2..]
        .iter()
        .map(|e| values(e)["permission"].to_string())
        .collect();
    assert_eq!(
        granted,
        [r#""message.change""#.into(), r#""message.view""#.into()].into()
    );

    run_ok(
        &[
            &["create-user", "alice", "--password", "secret-pw-1"][..],
            &["--group", "Writers"],
            &db,
        ]
        .concat(),
    );
    let user = new_entries(url, groups.len());
    assert_eq!(
        actions(&user),
        [("create", "user"), ("create", "actix_sea_user_group")]
    );
    assert_eq!(values(&user[0])["username"], "alice");
    assert_eq!(values(&user[0])["password"], "<redacted>");
    assert_eq!(values(&user[1])["user_id"], values(&user[0])["id"]);
    assert_eq!(values(&user[1])["group_id"], writers);
    groups.len() + user.len()
}

fn passwords_and_seeds_are_recorded(url: &str, seen: usize) {
    let db = ["--database", url];
    let unknown = run(&[
        &["set-password", "nobody", "--password", "secret-pw-2"][..],
        &db,
    ]
    .concat());
    assert_eq!(unknown.status.code(), Some(1));
    run_ok(
        &[
            &["set-password", "alice", "--password", "secret-pw-2"][..],
            &db,
        ]
        .concat(),
    );
    let changed = new_entries(url, seen);
    assert_eq!(actions(&changed), [("update", "user")], "one, for alice");
    assert_eq!(
        values(&changed[0]),
        json!({"password": ["<redacted>", "<redacted>"]})
    );

    run_ok(&[&["seed", "--users", "3", "--messages", "5"][..], &db].concat());
    let seeded = new_entries(url, seen + 1);
    let mut per_model = BTreeMap::new();
    for entry in &seeded {
        assert_eq!(entry.action, "create");
        *per_model.entry(entry.model.as_str()).or_insert(0) += 1;
    }
    let expected = BTreeMap::from([
        ("actix_sea_group", 1),
        ("actix_sea_group_permission", 8),
        ("actix_sea_user_group", 1),
        ("message", 5),
        ("relationship", 6),
        ("user", 4),
    ]);
    assert_eq!(
        per_model, expected,
        "3 users and the moderator, 2 follows each"
    );
    let pks: BTreeSet<&str> = seeded
        .iter()
        .filter(|e| e.model == "message")
        .map(|e| e.pk.as_str())
        .collect();
    let ids: BTreeSet<String> = seeded
        .iter()
        .filter(|e| e.model == "message")
        .map(|e| values(e)["id"].to_string())
        .collect();
    assert_eq!(pks.len(), 5, "one entry per message");
    assert_eq!(pks, ids.iter().map(String::as_str).collect());
}

fn the_command_line_records_its_writes_on(url: &str) {
    let seen = groups_and_users_are_recorded(url);
    passwords_and_seeds_are_recorded(url, seen);
}

#[test]
fn the_command_line_records_its_writes_on_sqlite() {
    let db = TempDb::new("audit");
    the_command_line_records_its_writes_on(&db.url());
}

#[test]
fn the_command_line_records_its_writes_on_postgres() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "pg_audit") {
        the_command_line_records_its_writes_on(&db.url());
    }
}

#[test]
fn the_command_line_records_its_writes_on_mysql() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_MYSQL_URL", "my_audit") {
        the_command_line_records_its_writes_on(&db.url());
    }
}
