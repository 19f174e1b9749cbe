//! The `example_site` binary, run as a user would run it.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Server, ServerDb, TempDb, get, run, send, session_cookie, text};

#[test]
fn create_user_twice_fails_clearly_the_second_time() {
    let db = TempDb::new("dup");
    let first = run(&[
        "create-user",
        "admin",
        "--password",
        "long-password",
        "--admin",
        "--database",
        &db.url(),
    ]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("created user `admin`"));
    let second = run(&[
        "create-user",
        "admin",
        "--password",
        "long-password",
        "--database",
        &db.url(),
    ]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        text(&second.stderr).contains("a user named `admin` already exists"),
        "{}",
        text(&second.stderr)
    );
}

#[test]
fn audit_purge_keeps_recent_entries_and_prints_one_line_off_a_terminal() {
    let db = TempDb::new("purge");
    let made = run(&[
        "create-user",
        "alice",
        "--password",
        "long-password",
        "--database",
        &db.url(),
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let purge = |days: &str| {
        run(&[
            "audit-purge",
            "--older-than-days",
            days,
            "--database",
            &db.url(),
        ])
    };
    let kept = purge("30");
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    assert_eq!(
        text(&kept.stderr).trim(),
        "audit-purge: removed 0 entries older than 30 days"
    );
    let bad = purge("-1");
    assert_eq!(bad.status.code(), Some(2), "a clear usage error");
    let unset = run(&["audit-purge", "--database", &db.url()]);
    assert!(text(&unset.stderr).contains("every entry is kept"));
}

#[test]
fn create_user_rejects_empty_input_without_panicking() {
    let db = TempDb::new("empty");
    let output = run(&[
        "create-user",
        "",
        "--password",
        "long-password",
        "--database",
        &db.url(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("must not be empty"),
        "{}",
        text(&output.stderr)
    );
    let bad_url = run(&[
        "create-user",
        "a",
        "--password",
        "long-password",
        "--database",
        "nosuchdb://x",
    ]);
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(
        text(&bad_url.stderr).contains("cannot open"),
        "{}",
        text(&bad_url.stderr)
    );
}

fn dump(url: &str) -> String {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    let output = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys\n\
             c=sqlite3.connect(sys.argv[1])\n\
             for t in ['user','relationship','message']:\n\
             \x20 cols=[r[1] for r in c.execute(f'pragma table_info(\"{t}\")') if r[1]!='password']\n\
             \x20 for row in c.execute(f'select {\",\".join(chr(34)+x+chr(34) for x in cols)} from \"{t}\" order by id'): print(t,row)",
        )
        .arg(path)
        .output()
        .expect("python3 reads the database");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn seed_writes_the_same_data_every_time_and_reports_progress() {
    let (a, b) = (TempDb::new("seed_a"), TempDb::new("seed_b"));
    for db in [&a, &b] {
        let output = run(&[
            "seed",
            "--users",
            "12",
            "--messages",
            "700",
            "--database",
            &db.url(),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        // Not on a terminal: no progress bar, one summary line.
        assert_eq!(
            text(&output.stderr).trim(),
            "seed: 12 users, 36 follows, 700 messages"
        );
    }
    let (first, second) = (dump(&a.url()), dump(&b.url()));
    assert_eq!(
        first.lines().filter(|l| l.starts_with("message")).count(),
        700
    );
    assert_eq!(first, second);
    let again = run(&[
        "seed",
        "--users",
        "1",
        "--messages",
        "1",
        "--database",
        &a.url(),
    ]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "seeding twice is refused, not duplicated"
    );
}

#[test]
fn serve_answers_on_the_given_address() {
    let db = TempDb::new("serve");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_example_site"))
        .args(["serve", "--bind", &bind, "--database", &db.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut response = None;
    while Instant::now() < deadline && response.is_none() {
        std::thread::sleep(Duration::from_millis(100));
        response = get(port, "/");
    }
    child.kill().ok();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .ok();
    child.wait().ok();
    let response = response.expect("the server answers within 30 s");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        stdout.contains(&format!("http://{bind}")),
        "prints its URL: {stdout}"
    );
}

/// Every command creates the missing tables first: run twice on one database, the second run
/// must not trip over what the first one created (indexes on MySQL/MariaDB did).
fn commands_run_twice_on(url: &str) {
    for name in ["first", "second"] {
        let output = run(&[
            "create-user",
            name,
            "--password",
            "long-password",
            "--database",
            url,
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let again = run(&[
        "create-user",
        "first",
        "--password",
        "long-password",
        "--database",
        url,
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("a user named `first` already exists"),
        "{}",
        text(&again.stderr)
    );
    let seed = ["seed", "--users", "3", "--messages", "5", "--database", url];
    let output = run(&seed);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = run(&seed);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("already holds seeded users"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn commands_run_twice_on_the_same_sqlite_database() {
    let db = TempDb::new("twice");
    commands_run_twice_on(&db.url());
}

#[test]
fn commands_run_twice_on_the_same_postgres_database() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "pg") {
        commands_run_twice_on(&db.url());
    }
}

#[test]
fn commands_run_twice_on_the_same_mysql_database() {
    if let Some(db) = ServerDb::new("ACTIX_SEA_TEST_MYSQL_URL", "my") {
        commands_run_twice_on(&db.url());
    }
}

#[test]
fn two_instances_share_sessions_kept_in_redis() {
    let Ok(redis) = std::env::var("ACTIX_SEA_TEST_REDIS_URL") else {
        eprintln!("note: ACTIX_SEA_TEST_REDIS_URL is not set; the Redis sessions test is skipped");
        return;
    };
    let db = TempDb::new("redis");
    let made = run(&[
        "create-user",
        "alice",
        "--password",
        "wonderland1",
        "--database",
        &db.url(),
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let (a, b) = (
        Server::start(&db.url(), &["--sessions", &redis]),
        Server::start(&db.url(), &["--sessions", &redis]),
    );

    let form = send(
        a.port,
        "GET /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let anonymous = session_cookie(&form).expect("the login form sets a cookie");
    let token = form
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form carries a CSRF token");
    let body = format!("username=alice&password=wonderland1&next=%2F&csrf_token={token}");
    let login = send(
        a.port,
        &format!(
            "POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Cookie: {anonymous}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let cookie = session_cookie(&login).expect("login sets the session cookie");

    let private = |port: u16, cookie: &str| {
        send(
            port,
            &format!(
                "GET /private/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 Cookie: {cookie}\r\n\r\n"
            ),
        )
    };
    let on_b = private(b.port, &cookie);
    assert!(on_b.starts_with("HTTP/1.1 200"), "{on_b}");
    assert!(on_b.contains("alice"), "the other instance knows the user");
    let stranger = private(b.port, &anonymous);
    assert!(!stranger.starts_with("HTTP/1.1 200"), "{stranger}");
    // Both instances share the database too: the session must not be there.
    let rows = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sea_orm::{ConnectionTrait, Statement};
        let conn = sea_orm::Database::connect(db.url()).await.unwrap();
        let sql = "SELECT COUNT(*) AS n FROM actix_sea_session";
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    });
    assert_eq!(rows, 0, "the session lives in Redis, not in the database");
}

/// Rows of `sql` on the SQLite database at `url`, one per line.
fn query(url: &str, sql: &str) -> String {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    let output = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3,sys\nfor row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(row)")
        .arg(path)
        .arg(sql)
        .output()
        .expect("python3 reads the database");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// Runs one statement on an SQLite database file and commits it.
fn execute(url: &str, sql: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    let output = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3,sys\ncon = sqlite3.connect(sys.argv[1])\ncon.execute(sys.argv[2])\ncon.commit()")
        .arg(path)
        .arg(sql)
        .output()
        .expect("python3 writes the database");
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn create_group_and_create_user_with_groups() {
    let db = TempDb::new("groups");
    let url = db.url();
    let made = run(&[
        "create-group",
        "Editors",
        "--permission",
        "message.view",
        "--permission",
        "message.change",
        "--database",
        &url,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(text(&made.stdout).contains("created group `Editors`"));
    let granted = query(
        &url,
        "select permission from actix_sea_group_permission order by permission",
    );
    assert_eq!(granted, "('message.change',)\n('message.view',)\n");
    for (args, error) in [
        (vec!["create-group", "Editors"], "already exists"),
        (
            vec!["create-group", "Bad", "--permission", "message.fly"],
            "is not a permission",
        ),
        (
            vec!["create-group", "Bad", "--permission", "secret.view"],
            "is not a permission",
        ),
        (
            vec![
                "create-user",
                "eve",
                "--password",
                "long-password",
                "--group",
                "Nobody",
            ],
            "there is no group named `Nobody`",
        ),
    ] {
        let mut args = args;
        args.extend(["--database", &url]);
        let refused = run(&args);
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        assert!(
            text(&refused.stderr).contains(error),
            "{}",
            text(&refused.stderr)
        );
    }
    assert_eq!(
        query(&url, "select count(*) from user"),
        "(0,)\n",
        "eve not created"
    );
    let joined = run(&[
        "create-user",
        "ed",
        "--password",
        "long-password",
        "--group",
        "Editors",
        "--database",
        &url,
    ]);
    assert!(joined.status.success(), "{}", text(&joined.stderr));
    let member = query(
        &url,
        "select u.username, g.name from actix_sea_user_group m join user u on u.id = m.user_id join actix_sea_group g on g.id = m.group_id",
    );
    assert_eq!(member, "('ed', 'Editors')\n");
}

#[test]
fn set_password_replaces_the_hash() {
    let db = TempDb::new("setpw");
    let url = db.url();
    let made = run(&[
        "create-user",
        "ann",
        "--password",
        "old-password",
        "--database",
        &url,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let before = query(&url, "select password from user");
    execute(
        &url,
        "insert into actix_sea_session (key_hash, state, expires_at, user_id) \
         values ('k', '{}', '2999-01-01 00:00:00', (select id from user where username = 'ann'))",
    );
    let set = run(&[
        "set-password",
        "ann",
        "--password",
        "new-password",
        "--database",
        &url,
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(text(&set.stdout).contains("password of `ann` changed"));
    let after = query(&url, "select password from user");
    assert_ne!(before, after);
    assert!(after.contains("$argon2id$"));
    assert_eq!(
        query(&url, "select count(*) from actix_sea_session"),
        "(0,)\n",
        "the old password's sessions end"
    );
    let unknown = run(&[
        "set-password",
        "bob",
        "--password",
        "long-password",
        "--database",
        &url,
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("there is no user named `bob`"));
    let empty = run(&["set-password", "ann", "--password", "", "--database", &url]);
    assert_eq!(empty.status.code(), Some(1));
    assert_eq!(query(&url, "select password from user"), after);
}

#[test]
fn set_password_ends_the_sessions_kept_in_redis() {
    let Ok(redis) = std::env::var("ACTIX_SEA_TEST_REDIS_URL") else {
        eprintln!(
            "note: ACTIX_SEA_TEST_REDIS_URL is not set; the set-password Redis test is skipped"
        );
        return;
    };
    let db = TempDb::new("setpw_redis");
    let url = db.url();
    let made = run(&[
        "create-user",
        "alice",
        "--password",
        "wonderland1",
        "--database",
        &url,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let server = Server::start(&url, &["--sessions", &redis]);
    let mut browser = support::Client::default();
    let login = browser.login(server.port, "alice", "wonderland1");
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let before = browser.get(server.port, "/private/");
    assert!(before.starts_with("HTTP/1.1 200"), "{before}");

    let set = run(&[
        "set-password",
        "alice",
        "--password",
        "looking-glass2",
        "--sessions",
        &redis,
        "--database",
        &url,
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    let after = browser.get(server.port, "/private/");
    assert!(
        !after.starts_with("HTTP/1.1 200"),
        "the session ended with the old password: {after}"
    );
    assert!(!after.contains("alice"), "{after}");
    let again = support::Client::default().login(server.port, "alice", "looking-glass2");
    assert!(again.starts_with("HTTP/1.1 303"), "{again}");
}

#[test]
fn seed_makes_a_moderators_group_with_a_moderator() {
    let db = TempDb::new("seedmod");
    let url = db.url();
    let seeded = run(&[
        "seed",
        "--users",
        "2",
        "--messages",
        "3",
        "--database",
        &url,
    ]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let member = query(
        &url,
        "select u.username, u.admin from actix_sea_user_group m join user u on u.id = m.user_id join actix_sea_group g on g.id = m.group_id where g.name = 'Moderators'",
    );
    assert_eq!(member, "('moderator', 0)\n");
    let granted = query(
        &url,
        "select count(*) from actix_sea_group_permission where permission in ('message.delete', 'note.change', 'user.view') ",
    );
    assert_eq!(granted, "(3,)\n");
}

#[test]
fn create_user_refuses_what_the_site_refuses_in_plain_words() {
    let db = TempDb::new("refusals");
    let long = "u".repeat(300);
    let refused = run(&[
        "create-user",
        &long,
        "--password",
        "long-enough",
        "--database",
        &db.url(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("Use at most 150 characters."),
        "{}",
        text(&refused.stderr)
    );
    let refused = run(&[
        "create-user",
        "alice",
        "--password",
        "long-enough",
        "--email",
        "not an address",
        "--database",
        &db.url(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("field `email`: Enter a valid e-mail address."),
        "{}",
        text(&refused.stderr)
    );
    assert!(!text(&refused.stderr).contains("database error"));
    let group = run(&[
        "create-group",
        "Readers",
        "--permission",
        "message.view",
        "--permission",
        "message.view",
        "--database",
        &db.url(),
    ]);
    assert!(group.status.success(), "{}", text(&group.stderr));
    assert!(
        text(&group.stdout).contains("with 1 permission(s)"),
        "{}",
        text(&group.stdout)
    );
}

#[test]
fn create_user_and_set_password_keep_the_password_rule() {
    let db = TempDb::new("pwrule");
    let url = db.url();
    let short = run(&[
        "create-user",
        "ann",
        "--password",
        "short",
        "--database",
        &url,
    ]);
    assert_eq!(short.status.code(), Some(1));
    assert!(
        text(&short.stderr).contains("at least 8 characters"),
        "{}",
        text(&short.stderr)
    );
    let made = run(&[
        "create-user",
        "annabelle",
        "--password",
        "long-password",
        "--database",
        &url,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let before = query(&url, "select password from user");
    for password in ["short", "Annabelle"] {
        let refused = run(&[
            "set-password",
            "annabelle",
            "--password",
            password,
            "--database",
            &url,
        ]);
        assert_eq!(refused.status.code(), Some(1), "{password}");
    }
    assert_eq!(query(&url, "select password from user"), before);
}
