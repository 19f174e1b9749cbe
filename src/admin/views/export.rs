//! `/admin/<model>/export/?format=csv|json&<filters>`: the filtered list in the list's order,
//! streamed in batches so that a large table never sits in memory. Each batch starts after the
//! last row of the one before by key (the list's ordering, then the primary key), never by
//! `OFFSET`, so every batch costs the same and the whole export grows linearly.

use std::borrow::Cow;
use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::rt::task::JoinHandle;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream;
use sea_orm::{ConnectionTrait, DatabaseExecutor};

use super::list::list_query;
use super::{param, query_pairs};
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::orm::{Query, Record, Values, Window, value};

/// Most rows fetched per query while streaming.
const BATCH_ROWS: u64 = 1_000;
/// Rows fetched by the first query, while the size of a row is not known yet.
const FIRST_BATCH_ROWS: u64 = 8;
/// About how many bytes of the file one batch produces: each query fetches as many rows as
/// fit when every row is as large as the largest one written so far, so a table of large rows
/// is exported a few rows at a time and memory stays flat whatever the row size.
const BATCH_BYTES: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Json,
}

pub(super) async fn export(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (admin, req) = (admin.get_ref(), &req);
    let model = admin.model_or_404(&slug)?;
    let ctx = admin.context(req);
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), None)
        .await?;
    let mut params = query_pairs(req);
    let format = match param(&params, "format") {
        Some("json") => Format::Json,
        Some("csv") | None => Format::Csv,
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "unknown export format `{other}` (use csv or json)"
            )));
        }
    };
    params.retain(|(key, _)| key != "format" && key != "page");
    let mut query = list_query(admin, model, &ctx, &params).await?;
    crate::orm::orderable(&query).map_err(Error::BadRequest)?;
    query.with_keys();
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    let state = State {
        columns: csv_columns(model),
        by_kind: model.model.readable_by_kind(),
        admin: admin.clone(),
        slug: slug.to_owned(),
        query,
        format,
        written: 0,
        next: None,
        largest_row: 0,
        done: false,
    };
    let body = stream::unfold(state, next_chunk);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}.{extension}\""),
        ))
        .streaming(body))
}

struct State {
    /// The export columns' positions in a row (see [`csv_columns`]).
    columns: Vec<(Option<usize>, bool)>,
    /// Whether rows are read by column kind rather than through the model (see [`read`]).
    by_kind: bool,
    admin: Admin,
    slug: String,
    query: Query,
    format: Format,
    /// Rows written so far.
    written: u64,
    /// The next batch, being read while the one before is written.
    next: Option<Batch>,
    /// The most bytes one row has taken in the file so far.
    largest_row: usize,
    done: bool,
}

/// A batch being read: how many rows it asked for, and the task reading them.
struct Batch {
    rows: u64,
    task: JoinHandle<Result<Values, Error>>,
}

impl Drop for Batch {
    /// A client gone mid-file stops the batch being read (a read that ended is unaffected).
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl State {
    /// How many rows the next query fetches.
    fn batch_rows(&self) -> u64 {
        if self.written == 0 {
            return FIRST_BATCH_ROWS;
        }
        let fit = BATCH_BYTES / self.largest_row.max(1);
        (fit as u64).clamp(1, BATCH_ROWS)
    }

    /// Starts reading the batch after the row with key `last` (from the start without one),
    /// on a task of its own: the database reads it while this task writes the batch before.
    fn read_next(&mut self, last: Option<Vec<sea_orm::Value>>) {
        let rows = self.batch_rows();
        let (admin, slug, mut query) = (self.admin.clone(), self.slug.clone(), self.query.clone());
        let by_kind = self.by_kind;
        let task = actix_web::rt::spawn(async move {
            let model = admin
                .model(&slug)
                .ok_or_else(|| Error::Internal("the exported model went away".into()))?;
            let db = DatabaseExecutor::from(admin.db());
            if let Some(last) = &last {
                crate::orm::keyset_after(&mut query, last, db.get_database_backend());
            }
            let window = Window {
                offset: 0,
                limit: Some(rows),
            };
            Ok(read(model, by_kind, &db, &query, window).await?)
        });
        self.next = Some(Batch { rows, task });
    }
}

/// The next piece of the file: the opening (header row or `[`) with the first batch, then one
/// batch at a time, then the closing `]`. From the second batch on, the batch after is read
/// while this one is written, so the database and the writing run side by side; at most two
/// batches are in memory.
async fn next_chunk(mut state: State) -> Option<(Result<Bytes, Error>, State)> {
    if state.done {
        return None;
    }
    if state.next.is_none() {
        state.read_next(None);
    }
    let mut batch = state.next.take()?;
    let page = match (&mut batch.task).await {
        Ok(Ok(page)) => page,
        Ok(Err(error)) => {
            state.done = true;
            return Some((Err(error), state));
        }
        Err(error) => {
            state.done = true;
            return Some((Err(Error::Internal(Box::new(error))), state));
        }
    };
    let first = state.written == 0;
    let more = page.rows.len() as u64 == batch.rows;
    // The batch after is sized before this one is written: by the largest row of this one
    // too, so that two batches of large rows are never read at once.
    let text = page.rows.iter().map(text_bytes).max().unwrap_or(0);
    state.largest_row = state.largest_row.max(text);
    if more && !first {
        state.read_next(page.last.clone());
    }
    let mut out = write(&mut state, &page.rows).await;
    state.written += page.rows.len() as u64;
    if more && first {
        // The first batch tells the size of a row, and so the size of the next.
        state.read_next(page.last);
    }
    if !more {
        state.done = true;
        if state.format == Format::Json {
            out.push(']');
        }
    }
    Some((Ok(Bytes::from(out)), state))
}

/// About the bytes a row takes in the file, before it is written: its text and bytes values
/// at their length, anything else as a short number.
fn text_bytes(row: &Record) -> usize {
    row.values()
        .iter()
        .map(|value| match value {
            sea_orm::Value::String(Some(text)) => text.len() + 1,
            sea_orm::Value::Bytes(Some(bytes)) => bytes.len() * 4 / 3 + 1,
            _ => 8,
        })
        .sum()
}

/// Rows written between two yields to the other tasks of this thread (the read of the next
/// batch among them).
const ROWS_PER_TURN: usize = 100;

/// The piece of the file for one batch of rows.
async fn write(state: &mut State, rows: &[Record]) -> String {
    let Some(model) = state.admin.model(&state.slug) else {
        return String::new();
    };
    let mut out = String::with_capacity(state.largest_row.saturating_mul(rows.len()));
    if state.written == 0 {
        match state.format {
            Format::Csv => csv_line(&mut out, model.settings.export.iter().map(String::as_str)),
            Format::Json => out.push('['),
        }
    }
    for (index, row) in rows.iter().enumerate() {
        if index > 0 && index % ROWS_PER_TURN == 0 {
            actix_web::rt::task::yield_now().await;
        }
        let before = out.len();
        match state.format {
            Format::Csv => csv_row(&mut out, &state.columns, row),
            Format::Json => {
                if state.written > 0 || index > 0 {
                    out.push(',');
                }
                let object = row.to_json(model.info(), |c| {
                    model.settings.export.iter().any(|e| e == c)
                });
                out.push_str(&serde_json::Value::Object(object).to_string());
            }
        }
        state.largest_row = state.largest_row.max(out.len() - before);
    }
    out
}

/// One batch of rows: read by column kind when every column allows it (`by_kind`, see
/// `Binding::readable_by_kind`), else through the model.
async fn read(
    model: &AdminModel,
    by_kind: bool,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
) -> Result<Values, sea_orm::DbErr> {
    if by_kind {
        return crate::orm::fetch_values(model.info(), db, query, window).await;
    }
    let page = model.model.page(db, query, window, &[], false).await?;
    Ok(Values {
        rows: page.rows,
        last: page.keys.into_iter().last(),
    })
}

/// The export columns as positions in the row, each with whether it holds text.
fn csv_columns(model: &AdminModel) -> Vec<(Option<usize>, bool)> {
    let info = model.info();
    model
        .settings
        .export
        .iter()
        .map(|name| {
            let index = info.columns.iter().position(|c| c.name == *name);
            let is_text = index.is_some_and(|i| info.columns[i].kind.is_text());
            (index, is_text)
        })
        .collect()
}

fn csv_row(out: &mut String, columns: &[(Option<usize>, bool)], row: &Record) {
    for (position, (index, is_text)) in columns.iter().enumerate() {
        if position > 0 {
            out.push(',');
        }
        let text = match index.and_then(|i| row.values().get(i)) {
            Some(sea_orm::Value::String(Some(text))) => Cow::Borrowed(text.as_str()),
            // Numbers need neither quoting nor defusing.
            Some(sea_orm::Value::Int(Some(number))) => {
                let _ = write!(out, "{number}");
                continue;
            }
            Some(sea_orm::Value::BigInt(Some(number))) => {
                let _ = write!(out, "{number}");
                continue;
            }
            Some(other) => Cow::Owned(value::to_text(other)),
            None => Cow::Borrowed(""),
        };
        // A spreadsheet would run a text cell starting with these as a formula.
        if *is_text && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            csv_cell(out, &format!("'{text}"));
        } else {
            csv_cell(out, &text);
        }
    }
    out.push_str("\r\n");
}

fn csv_cell(out: &mut String, cell: &str) {
    if cell
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

fn csv_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.push(',');
        }
        csv_cell(out, cell);
    }
    out.push_str("\r\n");
}
