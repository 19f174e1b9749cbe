//! Writes at the same moment: on SQLite the writers of a process that wait for their turn
//! share one commit (see the crate's `orm::turn`), yet each write is kept or refused on its
//! own. Of messages posted together by several users, some refused by the entity's rule,
//! every accepted one is stored under its poster with its audit entry and every refused one
//! leaves nothing, on every database.

use std::collections::BTreeSet;

use actix_sea::audit::entry;
use actix_web::http::StatusCode;
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::app::spawn;
use crate::support::TestDb;
use example_site::models::message;

const POSTERS: [&str; 3] = ["ann", "bob", "cid"];
const PASSWORD: &str = "posting-together";

async fn messages_posted_together_are_each_kept_or_refused_alone(db: TestDb) {
    let app = spawn(db).await;
    let mut ids = Vec::new();
    for name in POSTERS {
        ids.push(app.create_user(name, PASSWORD, false, true).await);
    }
    let before = message::Entity::find().all(&app.db.db).await.unwrap().len();
    let posts: Vec<(usize, String)> = (0..36)
        .map(|i| {
            let content = if i % 4 == 3 {
                "   ".to_owned()
            } else {
                format!("posted together {i}")
            };
            (i, content)
        })
        .collect();
    let replies = join_all(posts.iter().map(|(i, content)| {
        let poster = POSTERS[i % POSTERS.len()];
        app.api(
            "POST",
            "/api/message/",
            Some(json!({ "content": content })),
            Some((poster, PASSWORD)),
        )
    }))
    .await;
    let mut expected = BTreeSet::new();
    for ((i, content), reply) in posts.iter().zip(&replies) {
        if i % 4 == 3 {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        } else {
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            expected.insert((ids[i % POSTERS.len()], content.clone()));
        }
    }
    let stored = message::Entity::find().all(&app.db.db).await.unwrap();
    assert_eq!(stored.len(), before + expected.len());
    let posted: BTreeSet<(i32, String)> = stored
        .into_iter()
        .filter(|m| m.content.starts_with("posted together"))
        .map(|m| (m.user, m.content))
        .collect();
    assert_eq!(posted, expected);
    let created = entry::Entity::find()
        .filter(entry::Column::Model.eq("message"))
        .filter(entry::Column::Action.eq("create"))
        .all(&app.db.db)
        .await
        .unwrap();
    assert_eq!(created.len(), expected.len());
}

crate::on_every_database!(example:
    messages_posted_together_are_each_kept_or_refused_alone,
);
