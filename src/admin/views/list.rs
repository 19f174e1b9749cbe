//! `/admin/<model>/`: the list with search, filters, sorting, paging and bulk actions.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{Condition, DatabaseExecutor};
use serde::Serialize;
use tera::Context;

use super::{found, param, query_pairs};
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::admin::erased::{AdminModel, ListColumn};
use crate::orm::{Count, FieldKind, FieldPolicy, Grammar, ModelInfo, Op, Query, Record, value};

/// Parameters of the list page that are not filters.
const NOT_FILTERS: [&str; 4] = ["q", "_ff", "_fo", "_fv"];

#[derive(Serialize)]
struct Header {
    title: String,
    url: String,
    sorted: &'static str,
}

#[derive(Serialize, Default)]
struct Cell {
    text: String,
    url: String,
}

#[derive(Serialize)]
struct Line {
    pk: String,
    url: String,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct ActiveFilter {
    key: String,
    value: String,
    remove_url: String,
}

#[derive(Serialize)]
struct PageLink {
    number: u64,
    url: String,
    current: bool,
}

pub(super) async fn show(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, Error> {
    list_page(&admin, &req, &slug).await
}

/// `params` without the keys in `drop`, plus `extra`, as a query string.
pub(super) fn url_with(
    base: &str,
    params: &[(String, String)],
    drop: &[&str],
    extra: &[(&str, &str)],
) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params.iter().filter(|(k, _)| !drop.contains(&k.as_str())) {
        serializer.append_pair(key, value);
    }
    for (key, value) in extra {
        serializer.append_pair(key, value);
    }
    let query = serializer.finish();
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

/// What an admin user reaches through foreign keys: never the password hash; in a model the
/// caller may not view, only the columns that the list's own `filter_fields` and
/// `search_fields` end at (as Django allows only declared lookups across relations); and only
/// the rows each model's `get_query` lets through.
struct Reach<'a> {
    admin: &'a Admin,
    ctx: &'a crate::Context,
    base: &'a str,
    /// The models the caller may view.
    viewable: HashSet<&'a str>,
    /// The model and column each declared path ends at.
    declared: Vec<(&'a str, &'a str)>,
}

impl<'a> Reach<'a> {
    /// The reach of `ctx` from `model`'s list with `params`. Which models the caller may view
    /// is only asked when a parameter crosses a foreign key (`user__email=`,
    /// `ordering=user__email`); declared fields need no asking.
    async fn new(
        admin: &'a Admin,
        model: &'a AdminModel,
        ctx: &'a crate::Context,
        params: &[(String, String)],
    ) -> Self {
        let crosses = params
            .iter()
            .any(|(key, value)| key.contains("__") || (key == "ordering" && value.contains("__")));
        let viewable = if crosses {
            admin.viewable(ctx).await
        } else {
            Vec::new()
        };
        let settings = &model.settings;
        let declared = settings
            .filter_fields
            .iter()
            .chain(&settings.search_fields)
            .filter_map(|path| path_end(admin, model.info(), path))
            .collect();
        Self {
            admin,
            ctx,
            base: model.slug(),
            viewable: viewable.into_iter().map(AdminModel::slug).collect(),
            declared,
        }
    }
}

/// The model (by slug) and column that `path` (`user__username`) ends at, from `base`.
fn path_end<'a>(
    admin: &'a Admin,
    base: &'a ModelInfo,
    path: &'a str,
) -> Option<(&'a str, &'a str)> {
    let (hops, column) = match path.rsplit_once("__") {
        Some((hops, column)) => (Some(hops), column),
        None => (None, path),
    };
    let mut model = base;
    for segment in hops.into_iter().flat_map(|hops| hops.split("__")) {
        let fk = model.column(segment)?.foreign_key.as_ref()?;
        model = admin.inner.registry.model(&fk.table)?;
    }
    Some((model.slug.as_str(), column))
}

impl FieldPolicy for Reach<'_> {
    fn hidden(&self, model: &ModelInfo, column: &str) -> bool {
        let slug = model.slug.as_str();
        self.admin.is_secret(model, column)
            || (slug != self.base
                && !self.viewable.contains(slug)
                && !self.declared.contains(&(slug, column)))
    }

    fn scope(&self, model: &ModelInfo) -> Condition {
        self.admin
            .model(&model.slug)
            .map_or_else(Condition::all, |m| m.hooks.get_query(self.ctx))
    }
}

/// The list's filtered query; also used by the export and the lookup.
pub(super) async fn list_query(
    admin: &Admin,
    model: &AdminModel,
    ctx: &crate::Context,
    params: &[(String, String)],
) -> Result<Query, Error> {
    let policy = Reach::new(admin, model, ctx, params).await;
    let backend = admin.db().get_database_backend();
    let grammar = Grammar::new(&admin.inner.registry, model.info(), &policy, backend)
        .with_limits(admin.inner.limits);
    let mut query = grammar.compile(params, &NOT_FILTERS)?;
    query.and(model.hooks.get_query(ctx));
    let search = param(params, "q").unwrap_or("");
    let fields = &model.settings.search_fields;
    match &model.settings.search_index {
        None => grammar.search(&mut query, fields, search)?,
        Some(index) => {
            // The index answers for its columns; other fields (across a foreign key) keep
            // their `LIKE`. A text without words (`%`, `...`) is searched as text, with
            // `LIKE` on every field, as without an index.
            let rest: Vec<String> = fields
                .iter()
                .filter(|f| !index.covers(f))
                .cloned()
                .collect();
            let others = grammar.search_condition(&rest, search)?;
            let table = &model.info().table;
            match index.condition(admin.db(), table, search, others).await? {
                Some(found) => query.and(found),
                None => grammar.search(&mut query, fields, search)?,
            }
        }
    }
    Ok(query)
}

async fn list_page(admin: &Admin, req: &HttpRequest, slug: &str) -> Result<HttpResponse, Error> {
    let model = admin.model_or_404(slug)?;
    let ctx = admin.context(req);
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), None)
        .await?;
    let base = admin.model_url(model);
    let params = query_pairs(req);
    let get = |key: &str| param(&params, key);
    if let Some(url) = filter_redirect(&base, &params) {
        return Ok(found(&url));
    }
    let mut context = Context::new();
    let (status, rows, count, page, pages, more) =
        match list_query(admin, model, &ctx, &params).await {
            Ok(query) => {
                let (rows, count, page, more) =
                    super::count::rows(admin, model, &query, get("page")).await?;
                let per_page = model.settings.paginate_by;
                // Beyond the count limit the pages are not known: previous/next only.
                let pages = match count {
                    Count::Exact(count) => Some(count.div_ceil(per_page).max(1)),
                    Count::More => None,
                };
                (StatusCode::OK, rows, count, page, pages, more)
            }
            Err(error @ Error::BadRequest(_)) => {
                context.insert("error", &error.to_string());
                (
                    StatusCode::BAD_REQUEST,
                    Vec::new(),
                    Count::Exact(0),
                    1,
                    Some(1),
                    false,
                )
            }
            Err(error) => return Err(error),
        };
    context.insert("lines", &lines(admin, model, &ctx, &rows).await?);
    context.insert("headers", &headers(model, &base, &params, get("ordering")));
    context.insert("model_name", &model.name);
    context.insert("list_url", &base);
    let addable = model.permits(&ctx, Perm::Add, None).await;
    context.insert("add_url", &addable.then(|| format!("{base}add/")));
    context.insert("deletable", &model.permits(&ctx, Perm::Delete, None).await);
    // The custom actions whose permission the caller has on the model as a whole.
    let settings = &model.settings;
    let mut actions = Vec::new();
    for (action, permission) in settings.actions.iter().zip(&settings.action_permissions) {
        if model.permits(&ctx, *permission, None).await {
            actions.push(action);
        }
    }
    context.insert("actions", &actions);
    context.insert("count", &super::count::shown(admin, model, count));
    context.insert("page", &page);
    context.insert("pages", &pages);
    let links = pages.map(|pages| page_links(&base, &params, page, pages));
    context.insert("page_links", &links.unwrap_or_default());
    let step = |number: u64| url_with(&base, &params, &["page"], &[("page", &number.to_string())]);
    context.insert("previous_url", &(page > 1).then(|| step(page - 1)));
    context.insert("next_url", &more.then(|| step(page + 1)));
    tools(&mut context, admin, model, &base, &params);
    admin.render(req, status, "admin/list.html", context).await
}

/// The filter box's submission (`_ff` field, `_fo` operator, `_fv` value) as the list URL
/// with that filter, which the browser is sent to.
fn filter_redirect(base: &str, params: &[(String, String)]) -> Option<String> {
    let (field, op) = (param(params, "_ff")?, param(params, "_fo")?);
    let key = if op == "eq" {
        field.to_owned()
    } else {
        format!("{field}__{op}")
    };
    let value = param(params, "_fv").unwrap_or("");
    let drop = ["_ff", "_fo", "_fv", "page"];
    Some(url_with(base, params, &drop, &[(&key, value)]))
}

/// What the search box, the filters, the actions and the export links of a list need.
fn tools(
    context: &mut Context,
    admin: &Admin,
    model: &AdminModel,
    base: &str,
    params: &[(String, String)],
) {
    context.insert("search", param(params, "q").unwrap_or(""));
    let searchable =
        !model.settings.search_fields.is_empty() || model.settings.search_index.is_some();
    context.insert("searchable", &searchable);
    context.insert("search_chars", &admin.inner.limits.search_chars);
    context.insert("filter_fields", &model.settings.filter_fields);
    context.insert("ops", &Op::ALL.map(Op::name));
    context.insert("filters", &active_filters(base, params));
    context.insert("hidden_params", &hidden_params(params));
    context.insert("here", &url_with(base, params, &[], &[]));
    let export = format!("{base}export/");
    for format in ["csv", "json"] {
        let url = url_with(&export, params, &["page", "format"], &[("format", format)]);
        context.insert(format!("export_{format}"), &url);
    }
}

/// The cells of each row; foreign keys are named and linked with one query per column.
async fn lines(
    admin: &Admin,
    model: &AdminModel,
    ctx: &crate::Context,
    rows: &[Record],
) -> Result<Vec<Line>, Error> {
    let info = model.info();
    let db = DatabaseExecutor::from(admin.db());
    let mut related: HashMap<String, HashMap<String, (String, String)>> = HashMap::new();
    for column in &model.settings.columns {
        let ListColumn::Field(name) = column else {
            continue;
        };
        let Some(fk) = info.column(name).and_then(|c| c.foreign_key.as_ref()) else {
            continue;
        };
        let Some(target) = admin.model(&fk.table) else {
            continue;
        };
        let keys = Record::distinct(rows, info, name);
        let found = target
            .model
            .find_in(&db, &fk.column, keys, target.hooks.get_query(ctx))
            .await?;
        let names = found
            .iter()
            .filter_map(|row| {
                let key = value::to_text(row.get(target.info(), &fk.column)?);
                let url = format!("{}{}/", admin.model_url(target), target.pk_text(row));
                Some((key, (target.title(row), url)))
            })
            .collect();
        related.insert(name.clone(), names);
    }
    Ok(rows
        .iter()
        .map(|row| {
            let pk = model.pk_text(row);
            let cells = model
                .settings
                .columns
                .iter()
                .map(|column| match column {
                    ListColumn::Field(name) => {
                        let mut text = row.get(info, name).map(value::to_text).unwrap_or_default();
                        match related.get(name).and_then(|names| names.get(&text)) {
                            Some((title, url)) => Cell {
                                text: title.clone(),
                                url: url.clone(),
                            },
                            None => {
                                if info.column(name).is_some_and(|c| {
                                    matches!(c.kind, FieldKind::DateTime | FieldKind::DateTimeUtc)
                                }) {
                                    text = text.replacen('T', " ", 1);
                                }
                                Cell {
                                    text,
                                    url: String::new(),
                                }
                            }
                        }
                    }
                    ListColumn::Computed { index, .. } => Cell {
                        text: model.hooks.computed(*index, info, row),
                        url: String::new(),
                    },
                })
                .collect();
            Line {
                url: format!("{}{pk}/", admin.model_url(model)),
                pk,
                cells,
            }
        })
        .collect())
}

fn headers(
    model: &AdminModel,
    base: &str,
    params: &[(String, String)],
    ordering: Option<&str>,
) -> Vec<Header> {
    model
        .settings
        .columns
        .iter()
        .map(|column| match column {
            ListColumn::Field(name) => {
                let (sorted, next) = match ordering {
                    Some(o) if o == name => ("asc", format!("-{name}")),
                    Some(o) if o.strip_prefix('-') == Some(name) => ("desc", name.clone()),
                    _ => ("", name.clone()),
                };
                Header {
                    title: name.replace('_', " "),
                    url: url_with(base, params, &["ordering", "page"], &[("ordering", &next)]),
                    sorted,
                }
            }
            ListColumn::Computed { title, .. } => Header {
                title: title.clone(),
                url: String::new(),
                sorted: "",
            },
        })
        .collect()
}

fn page_links(base: &str, params: &[(String, String)], page: u64, pages: u64) -> Vec<PageLink> {
    let mut numbers: Vec<u64> = vec![1, pages];
    numbers.extend(page.saturating_sub(2).max(1)..=(page + 2).min(pages));
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .map(|number| PageLink {
            number,
            url: url_with(base, params, &["page"], &[("page", &number.to_string())]),
            current: number == page,
        })
        .collect()
}

fn is_filter(key: &str) -> bool {
    !NOT_FILTERS.contains(&key) && !crate::orm::RESERVED_PARAMS.contains(&key)
}

fn active_filters(base: &str, params: &[(String, String)]) -> Vec<ActiveFilter> {
    params
        .iter()
        .enumerate()
        .filter(|(_, (key, _))| is_filter(key))
        .map(|(index, (key, value))| {
            let rest: Vec<(String, String)> = params
                .iter()
                .enumerate()
                .filter(|(i, (k, _))| *i != index && k != "page")
                .map(|(_, pair)| pair.clone())
                .collect();
            ActiveFilter {
                key: key.clone(),
                value: value.clone(),
                remove_url: url_with(base, &rest, &[], &[]),
            }
        })
        .collect()
}

/// Filters and ordering kept as hidden inputs when the search form is submitted.
fn hidden_params(params: &[(String, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .filter(|(key, _)| is_filter(key) || key == "ordering")
        .cloned()
        .collect()
}
