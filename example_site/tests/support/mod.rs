//! Running the `example_site` binary as a user would: throwaway databases (an SQLite file, or
//! a uniquely named database on the PostgreSQL/MariaDB server a test URL names), `serve`
//! processes on free ports, and a raw HTTP/1.1 client that keeps the session cookie.

// Each test binary uses part of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A directory of its own holding an SQLite database, removed when dropped.
pub struct TempDb(PathBuf);

impl TempDb {
    pub fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("example_site_cli_{}_{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("site.db").display())
    }

    pub fn path(&self) -> PathBuf {
        self.0.clone()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh database on the server named by `var`, dropped afterwards; `None` when unset.
pub struct ServerDb {
    admin_url: String,
    name: String,
    runtime: tokio::runtime::Runtime,
}

impl ServerDb {
    pub fn new(var: &str, tag: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(var) else {
            skipped(&format!("{var} is not set"));
            return None;
        };
        let name = format!("example_site_cli_{}_{tag}", std::process::id());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let db = Self {
            admin_url,
            name,
            runtime,
        };
        db.admin(&format!("CREATE DATABASE {}", db.name));
        Some(db)
    }

    fn admin(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.runtime.block_on(async {
            let admin = sea_orm::Database::connect(self.admin_url.as_str())
                .await
                .unwrap();
            admin.execute_unprepared(sql).await.unwrap();
            admin.close().await.unwrap();
        });
    }

    pub fn url(&self) -> String {
        let (base, _) = self.admin_url.rsplit_once('/').unwrap();
        format!("{base}/{}", self.name)
    }
}

impl Drop for ServerDb {
    fn drop(&mut self) {
        let force = if self.admin_url.starts_with("postgres") {
            " WITH (FORCE)"
        } else {
            ""
        };
        self.admin(&format!("DROP DATABASE IF EXISTS {}{force}", self.name));
    }
}

/// Says why a test is skipped, past the test harness's capture so every run shows it.
pub fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "note: {why}; a test is skipped");
}

/// Runs `example_site` with `args`, `DATABASE_URL` and `SESSION_URL` unset, and waits for it.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_example_site"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SESSION_URL")
        .output()
        .expect("run example_site")
}

/// Runs `example_site` and asserts it succeeded; returns stdout and stderr together.
pub fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "example_site {args:?}: {all}");
    all
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `GET` answered at all (the server is up), or `None`.
pub fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// Sends a raw HTTP/1.1 request and reads the whole response.
pub fn send(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

/// The `id` session cookie a response sets (`id=…`), if any.
pub fn session_cookie(response: &str) -> Option<String> {
    response.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let cookie = value.trim().split(';').next()?;
        (name.eq_ignore_ascii_case("set-cookie") && cookie.starts_with("id="))
            .then(|| cookie.to_owned())
    })
}

/// The status code of a raw response.
pub fn status(response: &str) -> u16 {
    response
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// The `value` of the form input named `name` in a page, unescaped.
pub fn input(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let start = page[..at].rfind('<')?;
    let end = at + page[at..].find('>')?;
    let tag = &page[start..end];
    let value = tag.split("value=\"").nth(1)?.split('"').next()?;
    Some(
        value
            .replace("&#x2F;", "/")
            .replace("&#x2B;", "+")
            .replace("&#x3D;", "=")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// A browser of one: sends requests to any instance with the session cookie it was given last.
#[derive(Default)]
pub struct Client {
    pub cookie: Option<String>,
}

impl Client {
    /// Sends `method path` to the instance on `port` with extra header lines and a body.
    pub fn request(
        &mut self,
        port: u16,
        method: &str,
        path: &str,
        extra: &str,
        body: &str,
    ) -> String {
        let cookie = self
            .cookie
            .as_ref()
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        let response = send(
            port,
            &format!(
                "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{cookie}{extra}\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        );
        if let Some(cookie) = session_cookie(&response) {
            self.cookie = (cookie != "id=").then_some(cookie);
        }
        response
    }

    pub fn get(&mut self, port: u16, path: &str) -> String {
        self.request(port, "GET", path, "", "")
    }

    /// Posts a form; `csrf_token` is taken from the page at `form` first.
    pub fn post_form(
        &mut self,
        port: u16,
        form: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> String {
        let page = self.get(port, form);
        let token = input(&page, "csrf_token").expect("the form carries a CSRF token");
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &token)
            .extend_pairs(fields)
            .finish();
        self.request(
            port,
            "POST",
            path,
            "Content-Type: application/x-www-form-urlencoded\r\n",
            &body,
        )
    }

    pub fn login(&mut self, port: u16, username: &str, password: &str) -> String {
        self.post_form(
            port,
            "/accounts/login/",
            "/accounts/login/",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
    }
}

/// A `serve` process on a free port, killed when dropped; its stdout goes to a file.
pub struct Server {
    child: std::process::Child,
    pub port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on `url` with extra arguments and waits until it answers.
    pub fn start(url: &str, extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!(
            "example_site_serve_{}_{port}.log",
            std::process::id()
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_example_site"))
            .args(["serve", "--bind", &bind, "--database", url])
            .args(extra)
            .env("SECRET_KEY", "k".repeat(64))
            .env_remove("SESSION_URL")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(port, "/").is_none() {
            assert!(Instant::now() < deadline, "the server answers within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port, log }
    }

    /// What the server printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        let _ = std::fs::remove_file(&self.log);
    }
}
