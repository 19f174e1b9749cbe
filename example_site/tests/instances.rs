//! Two `example_site serve` processes on one PostgreSQL database, as behind a load balancer:
//! what one instance does, the other sees. Runs when `ACTIX_SEA_TEST_POSTGRES_URL` is set, and
//! once more with sessions in Redis when `ACTIX_SEA_TEST_REDIS_URL` is set too.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use support::{Client, Server, ServerDb, input, run_ok, status};

/// How long `UserAuthentication` uses a checked password before it reads the user again.
const CREDENTIAL_RECHECK: Duration = Duration::from_secs(2);

/// A JSON POST to the API with HTTP Basic credentials.
fn post_message(port: u16, username: &str, password: &str) -> String {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    Client::default().request(
        port,
        "POST",
        "/api/message/",
        &format!("Authorization: Basic {basic}\r\nContent-Type: application/json\r\n"),
        r#"{"content":"hello"}"#,
    )
}

/// The id `create-user` printed: "created user `name` (id N…".
fn created_id(output: &str) -> String {
    output
        .split("(id ")
        .nth(1)
        .and_then(|rest| rest.split([')', ',']).next())
        .expect("create-user prints the id")
        .to_owned()
}

fn two_instances_act_as_one_site(url: &str, extra: &[&str]) {
    let alice = created_id(&run_ok(&[
        "create-user",
        "alice",
        "--password",
        "wonderland1",
        "--database",
        url,
    ]));
    for (name, password, admin) in [
        ("carol", "carol-password", ""),
        ("boss", "boss-password", "--admin"),
    ] {
        let mut args = vec![
            "create-user",
            name,
            "--password",
            password,
            "--database",
            url,
        ];
        if !admin.is_empty() {
            args.push(admin);
        }
        run_ok(&args);
    }
    let (a, b) = (Server::start(url, extra), Server::start(url, extra));

    // A login on A works on B.
    let mut browser = Client::default();
    let login = browser.login(a.port, "alice", "wonderland1");
    assert_eq!(status(&login), 303, "{login}");
    let on_b = browser.get(b.port, "/private/");
    assert_eq!(status(&on_b), 200, "{on_b}");
    assert!(on_b.contains("alice"), "B knows the user A logged in");

    // A logout on B ends the session on A, even for a copy of the cookie kept elsewhere.
    let mut copy = Client {
        cookie: browser.cookie.clone(),
    };
    let logout = browser.post_form(b.port, "/accounts/logout/", "/accounts/logout/", &[]);
    assert_eq!(status(&logout), 303, "{logout}");
    let on_a = copy.get(a.port, "/private/");
    assert_ne!(status(&on_a), 200, "the session ended on A too: {on_a}");

    // The login throttle counts failures on both instances: 5 on A and 5 on B reach the limit
    // of 10 per (username, address), so even the right password is refused next.
    for port in [a.port, b.port] {
        for _ in 0..5 {
            let refused = post_message(port, "carol", "wrong-password");
            assert_eq!(status(&refused), 401, "{refused}");
        }
    }
    let throttled = post_message(a.port, "carol", "carol-password");
    assert_eq!(status(&throttled), 429, "{throttled}");

    // A deactivation on A stops Basic access on B within the credential cache's recheck.
    let before = post_message(b.port, "alice", "wonderland1");
    assert_eq!(status(&before), 201, "{before}");
    let mut boss = Client::default();
    assert_eq!(status(&boss.login(a.port, "boss", "boss-password")), 303);
    let form = format!("/admin/user/{alice}/");
    let page = boss.get(a.port, &form);
    let join_date = input(&page, "join_date").expect("the user form shows join_date");
    let saved = boss.post_form(
        a.port,
        &form,
        &form,
        &[
            ("username", "alice"),
            ("password", ""),
            ("email", ""),
            ("join_date", &join_date),
        ],
    );
    assert_eq!(
        status(&saved),
        303,
        "the admin saves alice inactive: {saved}"
    );
    let deactivated = Instant::now();
    let mut accepted = 0;
    loop {
        let after = post_message(b.port, "alice", "wonderland1");
        if status(&after) == 401 {
            break;
        }
        assert_eq!(status(&after), 201, "{after}");
        accepted += 1;
        assert!(
            deactivated.elapsed() < CREDENTIAL_RECHECK + Duration::from_secs(1),
            "B still accepts alice after the credential cache's recheck"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = writeln!(
        std::io::stderr(),
        "measured: B refused the deactivated user's Basic credentials {:?} after A saved it \
         ({accepted} requests accepted in between; credential recheck {CREDENTIAL_RECHECK:?})",
        deactivated.elapsed()
    );
}

#[test]
fn two_instances_on_one_postgres_database_act_as_one_site() {
    let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "two_pg") else {
        return;
    };
    two_instances_act_as_one_site(&db.url(), &[]);
}

#[test]
fn two_instances_with_sessions_in_redis_act_as_one_site() {
    let Ok(redis) = std::env::var("ACTIX_SEA_TEST_REDIS_URL") else {
        support::skipped("ACTIX_SEA_TEST_REDIS_URL is not set: two instances with Redis sessions");
        return;
    };
    let Some(db) = ServerDb::new("ACTIX_SEA_TEST_POSTGRES_URL", "two_redis") else {
        return;
    };
    two_instances_act_as_one_site(&db.url(), &["--sessions", &redis]);
}
