//! SPEC "Scale": a store that stops answering is a 503 with `Retry-After`, never a hang. Here
//! the Redis session store loses its Redis mid-run: the connection goes through a proxy that
//! stops passing bytes, as a partitioned network does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::app::{config, spawn_with};
use crate::support::{Backend, TestDb};

/// Copies `from` to `to` while `open` holds; then reads nothing more (the bytes stop).
async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    open: Arc<AtomicBool>,
) {
    let mut buffer = [0u8; 8192];
    while open.load(Ordering::SeqCst) {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 || !open.load(Ordering::SeqCst) || to.write_all(&buffer[..read]).await.is_err()
        {
            return std::future::pending().await;
        }
    }
    std::future::pending::<()>().await;
}

/// A proxy to `target` on a free local port; `open` set to false stops it passing bytes.
async fn proxy(target: String, open: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            if !open.load(Ordering::SeqCst) {
                // Accepted and never answered.
                std::mem::forget(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(&target).await else {
                continue;
            };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::spawn(pass(client_read, server_write, open.clone()));
            tokio::spawn(pass(server_read, client_write, open.clone()));
        }
    });
    port
}

#[actix_web::test]
async fn a_redis_that_stops_answering_gives_503_not_a_hang() {
    let Ok(url) = std::env::var("ACTIX_SEA_TEST_REDIS_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: ACTIX_SEA_TEST_REDIS_URL is not set; the Redis outage test is skipped"
        );
        return;
    };
    let rest = url.trim_start_matches("redis://");
    let (address, database) = rest.split_once('/').unwrap_or((rest, ""));
    let open = Arc::new(AtomicBool::new(true));
    let port = proxy(address.to_owned(), open.clone()).await;
    let through = format!("redis://127.0.0.1:{port}/{database}");
    let prefix = format!("actix_sea_outage_{}:", std::process::id());
    let store = actix_sea::auth::RedisSessions::connect(&through)
        .await
        .expect("connect to Redis through the proxy")
        .key_prefix(&prefix);
    let db = TestDb::example(Backend::Sqlite).await.unwrap();
    let auth = example_site::auth::builder(db.db.clone(), &config())
        .redis_sessions(store)
        .build()
        .unwrap();
    let app = spawn_with(db, auth).await;
    app.create_user("alice", "wonderland", false, true).await;
    app.login("alice", "wonderland").await;
    assert_eq!(app.get("/private/").await.status, StatusCode::OK);

    open.store(false, Ordering::SeqCst);
    let bound = actix_sea::auth::REDIS_WAIT * 6;
    let reply = tokio::time::timeout(bound, app.get("/private/"))
        .await
        .expect("an answer, not a hang");
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert!(reply.headers.get("retry-after").is_some());
}
