//! SPEC "example_site": the twitter clone's public pages, driven like a browser.

use actix_web::http::StatusCode;
use chrono::{Duration, NaiveDate};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::app::{Reply, spawn, unescape};
use crate::support::TestDb;
use example_site::models::{message, relationship, user};

/// Stores a message directly, `minute` minutes into 2024, so tests control the order.
async fn add_message(db: &DatabaseConnection, user: i32, content: &str, minute: i64) {
    let date = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap();
    let row = message::ActiveModel {
        id: NotSet,
        user: Set(user),
        content: Set(content.to_owned()),
        pub_date: Set(date + Duration::minutes(minute)),
    };
    message::Entity::insert(row).exec(db).await.unwrap();
}

async fn messages(db: &DatabaseConnection) -> u64 {
    message::Entity::find().count(db).await.unwrap()
}

async fn relationships(db: &DatabaseConnection) -> u64 {
    relationship::Entity::find().count(db).await.unwrap()
}

/// How many messages a page shows.
fn shown(reply: &Reply) -> usize {
    reply.body.matches(r#"<p class="content">"#).count()
}

pub(crate) fn token_of(reply: &Reply) -> String {
    reply
        .input("csrf_token")
        .expect("the page carries a CSRF token")
}

async fn anonymous_home_shows_the_public_timeline(db: TestDb) {
    let app = spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    add_message(&app.db.db, alice, "Down the rabbit hole", 1).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Public timeline"));
    assert!(home.body.contains("Down the rabbit hole"));
    let page = unescape(&home.body);
    assert!(
        page.contains(r#"href="/accounts/login/?next=%2F""#),
        "login link"
    );
    assert!(page.contains(r#"href="/join/""#), "join link");
    assert!(!page.contains("/accounts/logout/"), "no logout form");
    assert!(page.contains("/static/actix-sea/actix-sea.css"));
}

async fn logged_in_home_shows_only_the_messages_of_followed_users(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    let carol = app.create_user("carol", "christmas", false, true).await;
    add_message(&app.db.db, bob, "Can we fix it?", 1).await;
    add_message(&app.db.db, carol, "Carol sings", 2).await;
    app.login("alice", "wonderland").await;
    assert!(!app.get("/").await.body.contains("Can we fix it?"));
    let token = token_of(&app.get("/users/bob/").await);
    app.post_form("/users/bob/follow/", &[("csrf_token", &token)])
        .await;
    for path in ["/", "/private/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("Private timeline"), "{path}");
        assert!(page.body.contains("Can we fix it?"), "{path}");
        assert!(!page.body.contains("Carol sings"), "{path}");
    }
}

async fn public_timeline_shows_everyone_newest_first(db: TestDb) {
    let app = spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    add_message(&app.db.db, alice, "older", 1).await;
    add_message(&app.db.db, bob, "newer", 2).await;
    let page = app.get("/public/").await;
    assert_eq!(page.status, StatusCode::OK);
    let (newer, older) = (page.body.find("newer"), page.body.find("older"));
    assert!(
        newer.is_some() && older.is_some() && newer < older,
        "newest first"
    );
    assert!(page.body.contains(">alice</a>") && page.body.contains(">bob</a>"));
}

async fn anonymous_private_pages_redirect_to_login_with_next(db: TestDb) {
    let app = spawn(db).await;
    for (path, next) in [
        ("/private/", "%2Fprivate%2F"),
        ("/following/", "%2Ffollowing%2F"),
        ("/followers/", "%2Ffollowers%2F"),
        ("/create/", "%2Fcreate%2F"),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{path}");
        assert_eq!(reply.location(), format!("/accounts/login/?next={next}"));
    }
}

async fn join_creates_the_user_and_logs_them_in(db: TestDb) {
    let app = spawn(db).await;
    let form = app.get("/join/").await;
    assert_eq!(form.status, StatusCode::OK);
    for name in ["username", "email", "password"] {
        assert!(form.body.contains(&format!(r#"name="{name}""#)), "{name}");
    }
    let fields = [
        ("csrf_token", token_of(&form)),
        ("username", "dora".into()),
        ("email", "Dora@Example.com".into()),
        ("password", "explorer".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = app.post_form("/join/", &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/");
    let home = app.get("/").await;
    assert!(home.body.contains("Welcome, dora!"), "flash");
    assert!(home.body.contains("Private timeline"), "logged in");
    let row = user::Entity::find()
        .filter(user::Column::Username.eq("dora"))
        .one(&app.db.db)
        .await
        .unwrap()
        .expect("the user exists");
    assert!(row.password.starts_with("$argon2id$"), "hashed");
    assert!(row.active && !row.admin);
    app.logout().await;
    assert_eq!(
        app.login("dora", "explorer").await.status,
        StatusCode::SEE_OTHER,
        "the new password works"
    );
}

async fn join_with_a_taken_username_is_a_form_error(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let token = token_of(&app.get("/join/").await);
    let reply = app
        .post_form(
            "/join/",
            &[
                ("csrf_token", &token),
                ("username", "alice"),
                ("email", "other@example.com"),
                ("password", "x-x-x-x-x"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("This username is already taken."));
    assert_eq!(reply.input("email").as_deref(), Some("other@example.com"));
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 1);
    assert_eq!(app.get("/private/").await.status, StatusCode::FOUND);
}

async fn join_with_empty_fields_shows_each_error_and_keeps_the_input(db: TestDb) {
    let app = spawn(db).await;
    let token = token_of(&app.get("/join/").await);
    let empty = app.post_form("/join/", &[("csrf_token", &token)]).await;
    assert_eq!(empty.status, StatusCode::OK);
    for error in [
        "Choose a username.",
        "Enter your e-mail address.",
        "Choose a password.",
    ] {
        assert!(empty.body.contains(error), "{error}");
    }
    let partial = app
        .post_form(
            "/join/",
            &[
                ("csrf_token", &token),
                ("username", "dora"),
                ("email", "not-an-address"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(partial.status, StatusCode::OK);
    assert_eq!(partial.input("username").as_deref(), Some("dora"));
    assert_eq!(partial.input("email").as_deref(), Some("not-an-address"));
    assert!(partial.body.contains("Enter a valid e-mail address."));
    assert!(partial.body.contains("Choose a password."));
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 0);
}

async fn user_list_shows_every_user_with_a_gravatar(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    let page = app.get("/users/").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = unescape(&page.body);
    assert!(body.contains(r#"href="/users/alice/">alice</a>"#));
    assert!(body.contains(r#"href="/users/bob/">bob</a>"#));
    // md5("alice@example.com")
    let avatar =
        "https://www.gravatar.com/avatar/c160f8cc69a4f0bf2b0362752353d060?d=identicon&s=48";
    assert!(body.contains(avatar), "gravatar of alice@example.com");
}

async fn user_page_shows_their_messages_and_a_follow_button(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    add_message(&app.db.db, bob, "Can we fix it?", 1).await;
    let anonymous = app.get("/users/bob/").await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(anonymous.body.contains("Can we fix it?"));
    assert!(anonymous.body.contains("Log in to follow"));
    app.login("alice", "wonderland").await;
    let page = unescape(&app.get("/users/bob/").await.body);
    assert!(page.contains(r#"action="/users/bob/follow/""#));
    assert!(page.contains("0 followers"));
    let own = unescape(&app.get("/users/alice/").await.body);
    assert!(
        !own.contains("/follow/") && !own.contains("/unfollow/"),
        "no button for yourself"
    );
}

async fn unknown_user_gives_a_404_page(db: TestDb) {
    let app = spawn(db).await;
    for path in ["/users/nobody/", "/users/%00/", "/users/%FF/"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = app.get("/users/nobody/").await;
    assert!(page.body.contains("There is no user called “nobody”."));
    assert!(page.body.contains("Public timeline"), "the site's own page");
    let long = format!("/users/{}/", "a".repeat(4000));
    assert_eq!(app.get(&long).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/no/such/page/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn following_and_unfollowing_change_the_private_timeline(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    let bob = app.create_user("bob", "builder", false, true).await;
    add_message(&app.db.db, bob, "Can we fix it?", 1).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/bob/").await);
    let followed = app
        .post_form("/users/bob/follow/", &[("csrf_token", &token)])
        .await;
    assert_eq!(followed.status, StatusCode::SEE_OTHER);
    assert_eq!(followed.location(), "/users/bob/");
    let page = app.get("/users/bob/").await;
    assert!(page.body.contains("You are following bob."));
    assert!(unescape(&page.body).contains(r#"action="/users/bob/unfollow/""#));
    assert!(page.body.contains("1 follower "));
    assert!(app.get("/private/").await.body.contains("Can we fix it?"));
    let unfollowed = app
        .post_form("/users/bob/unfollow/", &[("csrf_token", &token)])
        .await;
    assert_eq!(unfollowed.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/users/bob/")
            .await
            .body
            .contains("You are no longer following bob.")
    );
    assert!(!app.get("/private/").await.body.contains("Can we fix it?"));
    assert_eq!(relationships(&app.db.db).await, 0);
    app.post_form("/users/bob/unfollow/", &[("csrf_token", &token)])
        .await;
    let page = app.get("/users/bob/").await.body;
    assert!(page.contains("You were not following bob."), "{page}");
    assert!(!page.contains("You are no longer following bob."));
}

/// The follow button pressed before logging in sends the visitor to the login page with
/// `next` set to the button's address; after the login that address (a GET) is the user's
/// page, where the button is, not a 404.
async fn a_follow_pressed_before_logging_in_comes_back_to_the_user(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("bob", "builder", false, true).await;
    for path in ["/users/bob/follow/", "/users/bob/unfollow/"] {
        let back = app.get(path).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(back.location(), "/users/bob/");
    }
    assert_eq!(relationships(&app.db.db).await, 0);
}

async fn following_twice_keeps_one_relationship(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/bob/").await);
    for _ in 0..2 {
        let reply = app
            .post_form("/users/bob/follow/", &[("csrf_token", &token)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(relationships(&app.db.db).await, 1);
}

async fn following_yourself_is_refused_with_a_flash(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/alice/").await);
    let reply = app
        .post_form("/users/alice/follow/", &[("csrf_token", &token)])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let page = app.get("/users/alice/").await;
    assert!(page.body.contains(r#"class="flash error""#));
    assert!(page.body.contains("You cannot follow yourself."));
    assert_eq!(relationships(&app.db.db).await, 0);
}

async fn following_a_missing_user_is_a_404(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/alice/").await);
    for path in ["/users/nobody/follow/", "/users/nobody/unfollow/"] {
        let reply = app.post_form(path, &[("csrf_token", &token)]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(relationships(&app.db.db).await, 0);
}

async fn following_and_followers_pages_list_the_right_people(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    app.create_user("carol", "christmas", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/bob/").await);
    app.post_form("/users/bob/follow/", &[("csrf_token", &token)])
        .await;
    let following = app.get("/following/").await;
    assert_eq!(following.status, StatusCode::OK);
    assert!(following.body.contains(">bob</a>"));
    assert!(!following.body.contains(">carol</a>"));
    assert!(
        app.get("/followers/")
            .await
            .body
            .contains("Nobody follows you yet.")
    );
    app.logout().await;
    app.login("bob", "builder").await;
    let followers = app.get("/followers/").await;
    assert!(followers.body.contains(">alice</a>"));
    assert!(!followers.body.contains(">carol</a>"));
}

async fn creating_a_message_shows_it_on_the_users_page(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let form = app.get("/create/").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"name="content""#));
    let reply = app
        .post_form(
            "/create/",
            &[
                ("csrf_token", &token_of(&form)),
                ("content", "  Curiouser!  "),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/users/alice/");
    let page = app.get("/users/alice/").await;
    assert!(page.body.contains("Your message has been posted."));
    assert!(
        page.body.contains(r#"<p class="content">Curiouser!</p>"#),
        "trimmed"
    );
    assert!(app.get("/public/").await.body.contains("Curiouser!"));
}

async fn an_empty_message_is_a_form_error(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/create/").await);
    for content in ["", "   \n\t  "] {
        let reply = app
            .post_form("/create/", &[("csrf_token", &token), ("content", content)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{content:?}");
        assert!(reply.body.contains("Write something first."));
    }
    let missing = app.post_form("/create/", &[("csrf_token", &token)]).await;
    assert!(missing.body.contains("Write something first."));
    assert_eq!(messages(&app.db.db).await, 0);
}

async fn a_100_kb_message_is_refused_cleanly(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/create/").await);
    let huge = "x".repeat(100 * 1024);
    let reply = app
        .post_form("/create/", &[("csrf_token", &token), ("content", &huge)])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("A message has at most 1000 characters"));
    let over = "é".repeat(1001);
    let reply = app
        .post_form("/create/", &[("csrf_token", &token), ("content", &over)])
        .await;
    assert!(reply.body.contains("this one has 1001"));
    let nul = app
        .post_form("/create/", &[("csrf_token", &token), ("content", "a\0b")])
        .await;
    assert_eq!(nul.status, StatusCode::OK);
    assert!(nul.body.contains("cannot contain NUL"));
    assert_eq!(messages(&app.db.db).await, 0);
    let longest = "é".repeat(1000);
    let reply = app
        .post_form("/create/", &[("csrf_token", &token), ("content", &longest)])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "1000 characters fit");
    assert_eq!(messages(&app.db.db).await, 1);
}

async fn posts_without_the_csrf_token_are_refused_and_change_nothing(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/users/bob/").await);
    app.post_form("/users/bob/follow/", &[("csrf_token", &token)])
        .await;
    let attempts: [(&str, Vec<(&str, &str)>); 4] = [
        ("/create/", vec![("content", "forged")]),
        ("/users/carol/follow/", vec![]),
        ("/users/bob/unfollow/", vec![]),
        (
            "/join/",
            vec![("username", "mallory"), ("email", "m@x"), ("password", "p")],
        ),
    ];
    for (path, fields) in &attempts {
        let without = app.post_form(path, fields).await;
        assert_eq!(
            without.status,
            StatusCode::FORBIDDEN,
            "{path} without a token"
        );
        let mut forged = fields.clone();
        forged.push(("csrf_token", "forged"));
        let with_forged = app.post_form(path, &forged).await;
        assert_eq!(with_forged.status, StatusCode::FORBIDDEN, "{path} forged");
    }
    assert_eq!(messages(&app.db.db).await, 0);
    assert_eq!(relationships(&app.db.db).await, 1);
    assert_eq!(user::Entity::find().count(&app.db.db).await.unwrap(), 2);
}

async fn script_in_a_message_is_escaped_on_the_timeline_and_the_user_page(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("bob", "builder", false, true).await;
    app.login("alice", "wonderland").await;
    let token = token_of(&app.get("/create/").await);
    let attack = r#"<script>alert("owned")</script><img src=x onerror=alert(1)>"#;
    app.post_form("/create/", &[("csrf_token", &token), ("content", attack)])
        .await;
    app.logout().await;
    app.login("bob", "builder").await;
    let token = token_of(&app.get("/users/alice/").await);
    app.post_form("/users/alice/follow/", &[("csrf_token", &token)])
        .await;
    for path in ["/public/", "/users/alice/", "/private/"] {
        let page = app.get(path).await;
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(
            page.body.contains("&lt;script&gt;alert("),
            "{path} shows the text"
        );
    }
}

async fn twenty_one_messages_make_two_pages_with_next_and_previous_links(db: TestDb) {
    let app = spawn(db).await;
    let alice = app.create_user("alice", "wonderland", false, true).await;
    for minute in 1..=21 {
        add_message(
            &app.db.db,
            alice,
            &format!("message number {minute}."),
            minute,
        )
        .await;
    }
    for path in ["/public/", "/users/alice/"] {
        let first = app.get(path).await;
        assert_eq!(shown(&first), 20, "{path}");
        assert!(first.body.contains("message number 21."), "newest first");
        assert!(!first.body.contains("message number 1."));
        let body = unescape(&first.body);
        assert!(
            body.contains(&format!(r#"href="{path}?page=2" rel="next""#)),
            "{path}"
        );
        assert!(!body.contains(r#"rel="prev""#), "{path}");
        let second = app.get(&format!("{path}?page=2")).await;
        assert_eq!(shown(&second), 1, "{path}");
        assert!(second.body.contains("message number 1."));
        let body = unescape(&second.body);
        assert!(
            body.contains(&format!(r#"href="{path}?page=1" rel="prev""#)),
            "{path}"
        );
        assert!(!body.contains(r#"rel="next""#), "{path}");
    }
    for query in [
        "page=abc",
        "page=0",
        "page=-1",
        "page=99999999999999999999999",
    ] {
        let page = app.get(&format!("/public/?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(shown(&page), 20, "{query} is page 1");
    }
    let beyond = app.get("/public/?page=99").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(shown(&beyond), 0);
}

async fn the_top_bar_shows_the_links_for_who_is_asking(db: TestDb) {
    let app = spawn(db).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.create_user("root", "toor", true, true).await;
    app.login("alice", "wonderland").await;
    let page = unescape(&app.get("/public/").await.body);
    for link in [
        "/private/",
        "/following/",
        "/followers/",
        "/create/",
        "/users/alice/",
    ] {
        assert!(page.contains(&format!(r#"href="{link}""#)), "{link}");
    }
    assert!(
        page.contains(r#"action="/accounts/logout/""#),
        "logout is a form"
    );
    assert!(
        !page.contains(r#"href="/admin/""#),
        "no admin link for a plain user"
    );
    assert!(!page.contains(r#"href="/join/""#));
    app.logout().await;
    app.login("root", "toor").await;
    assert!(unescape(&app.get("/public/").await.body).contains(r#"href="/admin/""#));
}

crate::on_every_database!(example:
    a_follow_pressed_before_logging_in_comes_back_to_the_user,
    anonymous_home_shows_the_public_timeline,
    logged_in_home_shows_only_the_messages_of_followed_users,
    public_timeline_shows_everyone_newest_first,
    anonymous_private_pages_redirect_to_login_with_next,
    join_creates_the_user_and_logs_them_in,
    join_with_a_taken_username_is_a_form_error,
    join_with_empty_fields_shows_each_error_and_keeps_the_input,
    user_list_shows_every_user_with_a_gravatar,
    user_page_shows_their_messages_and_a_follow_button,
    unknown_user_gives_a_404_page,
    following_and_unfollowing_change_the_private_timeline,
    following_twice_keeps_one_relationship,
    following_yourself_is_refused_with_a_flash,
    following_a_missing_user_is_a_404,
    following_and_followers_pages_list_the_right_people,
    creating_a_message_shows_it_on_the_users_page,
    an_empty_message_is_a_form_error,
    a_100_kb_message_is_refused_cleanly,
    posts_without_the_csrf_token_are_refused_and_change_nothing,
    script_in_a_message_is_escaped_on_the_timeline_and_the_user_page,
    twenty_one_messages_make_two_pages_with_next_and_previous_links,
    the_top_bar_shows_the_links_for_who_is_asking,
);
