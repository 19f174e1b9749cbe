//! A registered `ModelAdmin` on top of its entity's binding: settings as column names, hooks
//! behind [`Hooks`], writes in `admin::write`.

use sea_orm::{IdenStatic, Iterable};

use super::column::{ColumnKind, Compute};
use super::hooks::Hooks;
use super::model_admin::ModelAdmin;
use crate::db::{SearchIndex, SearchSpec};
use crate::orm::{Binding, ModelEntity, ModelInfo, Record, value};
use crate::{Context, Perm};

/// A column of the list page.
pub(crate) enum ListColumn {
    Field(String),
    Computed { title: String, index: usize },
}

/// A `ModelAdmin`'s settings, resolved to column names at registration.
pub(crate) struct Settings {
    pub(crate) columns: Vec<ListColumn>,
    pub(crate) paginate_by: u64,
    /// The model's own `count_limit`, if it sets one.
    pub(crate) count_limit: Option<u64>,
    pub(crate) search_fields: Vec<String>,
    /// The full-text index answering `?q=` for the columns it covers.
    pub(crate) search_index: Option<SearchSpec>,
    pub(crate) filter_fields: Vec<String>,
    /// The foreign-key hops of search and filter fields: (key column, table it must point to).
    pub(crate) hops: Vec<(String, &'static str)>,
    pub(crate) form_fields: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) fieldsets: Vec<(String, Vec<String>)>,
    pub(crate) lookups: Vec<String>,
    pub(crate) choices: Vec<(String, Vec<(String, String)>)>,
    /// Custom actions: (name, title), in the order of the hooks' actions.
    pub(crate) actions: Vec<(String, String)>,
    /// The permission each custom action needs, in the same order.
    pub(crate) action_permissions: Vec<crate::Perm>,
    pub(crate) export: Vec<String>,
    /// The password-hash column when this is the user model: never shown, never exported.
    pub(crate) secret: Option<String>,
    /// The admin-flag column when this is the user model: only admins may change it.
    pub(crate) admin_flag: Option<String>,
}

impl Settings {
    pub(crate) fn is_readonly(&self, column: &str) -> bool {
        self.readonly.iter().any(|c| c == column)
    }

    /// Whether `ctx` may not write `column`: a read-only field, or the admin flag of the user
    /// model for anyone but an admin.
    pub(crate) fn is_readonly_for(&self, column: &str, ctx: &crate::Context) -> bool {
        self.is_readonly(column) || (self.admin_flag.as_deref() == Some(column) && !ctx.is_admin())
    }

    pub(crate) fn choices_of(&self, column: &str) -> Option<&[(String, String)]> {
        self.choices
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, choices)| choices.as_slice())
    }

    pub(crate) fn is_secret(&self, column: &str) -> bool {
        self.secret.as_deref() == Some(column)
    }
}

/// One model of the admin.
pub(crate) struct AdminModel {
    pub(crate) model: Binding,
    pub(crate) settings: Settings,
    pub(crate) hooks: Box<dyn Hooks>,
    /// "Message", for headings.
    pub(crate) name: String,
    /// Many-to-many fields as declared, until the admin is built.
    pub(crate) many: Vec<super::ManyToMany>,
    /// Many-to-many fields as checked when the admin was built.
    pub(crate) links: Vec<super::many::Link>,
}

/// Titles longer than this many characters are shortened.
const TITLE_CHARS: usize = 60;

impl AdminModel {
    pub(crate) fn info(&self) -> &ModelInfo {
        self.model.info()
    }

    pub(crate) fn slug(&self) -> &str {
        &self.model.info().slug
    }

    /// The `ModelAdmin`'s title for the row, else its first text column (never the password
    /// hash), shortened, else `<model> #<pk>`.
    pub(crate) fn title(&self, record: &Record) -> String {
        if let Some(title) = self.hooks.title(self.info(), record) {
            return title;
        }
        let info = self.info();
        let text = info
            .columns
            .iter()
            .filter(|c| !c.primary_key && c.kind.is_text() && c.foreign_key.is_none())
            .filter(|c| !self.settings.is_secret(&c.name))
            .find_map(|c| record.get(info, &c.name))
            .map(value::to_text)
            .filter(|text| !text.is_empty());
        match text {
            Some(text) if text.chars().count() > TITLE_CHARS => {
                format!("{}…", text.chars().take(TITLE_CHARS).collect::<String>())
            }
            Some(text) => text,
            None => format!("{} #{}", info.slug, self.pk_text(record)),
        }
    }

    pub(crate) fn pk_text(&self, record: &Record) -> String {
        value::to_text(record.pk(self.info()))
    }

    /// Whether `ctx` passes the permission hook `perm` on `row` (`None`: the model as a
    /// whole): what decides which links, buttons and actions a page offers.
    pub(crate) async fn permits(&self, ctx: &Context, perm: Perm, row: Option<&Record>) -> bool {
        self.hooks.gate(ctx, perm, self.info(), row).await.is_ok()
    }

    /// Builds the erased form of `admin` for `model`; `secret` is the password column when
    /// `E` is the user entity.
    pub(crate) fn new<E: ModelEntity, A: ModelAdmin<E>>(
        model: Binding,
        admin: A,
        secret: Option<String>,
        admin_flag: Option<String>,
    ) -> Self {
        let info = model.info();
        let exclude = names::<E>(admin.exclude());
        let is_secret = |name: &str| secret.as_deref() == Some(name);
        let form_fields = form_fields::<E, A>(&admin, info, &exclude);
        let (mut columns, computed) = list_columns::<E, A>(&admin, info, &exclude);
        columns.retain(|c| !matches!(c, ListColumn::Field(name) if is_secret(name)));
        let search = admin.search_fields();
        let filter = admin.filter_fields();
        let hops = search
            .iter()
            .chain(&filter)
            .filter_map(|field| field.hop.clone())
            .collect();
        let search_fields = search.into_iter().map(|f| f.path).collect();
        let mut filter_fields: Vec<String> = filter.into_iter().map(|f| f.path).collect();
        if filter_fields.is_empty() {
            filter_fields = columns
                .iter()
                .filter_map(|c| match c {
                    ListColumn::Field(name) => Some(name.clone()),
                    ListColumn::Computed { .. } => None,
                })
                .collect();
        }
        let export_exclude = names::<E>(admin.export_exclude());
        let export = match admin.export_fields() {
            Some(fields) => names::<E>(fields),
            None => info.columns.iter().map(|c| c.name.clone()).collect(),
        }
        .into_iter()
        .filter(|name| !export_exclude.contains(name) && !is_secret(name))
        .collect();
        let actions = admin.actions();
        let many = admin.many_to_many();
        let settings = Settings {
            columns,
            paginate_by: admin.paginate_by().max(1),
            count_limit: admin.count_limit(),
            search_fields,
            search_index: admin.search_index().map(SearchIndex::into_spec),
            filter_fields,
            hops,
            form_fields,
            readonly: names::<E>(admin.readonly_fields()),
            fieldsets: admin
                .fieldsets()
                .into_iter()
                .map(|(legend, columns)| (legend.to_owned(), names::<E>(columns)))
                .collect(),
            lookups: names::<E>(admin.foreign_key_lookups()),
            choices: choices::<E, A>(&admin),
            actions: actions
                .iter()
                .map(|a| (a.name.clone(), a.title.clone()))
                .collect(),
            action_permissions: actions.iter().map(|a| a.permission).collect(),
            export,
            secret,
            admin_flag: admin_flag.clone(),
        };
        Self {
            name: super::form::human(&info.slug),
            model: model.clone(),
            settings,
            many,
            links: Vec::new(),
            hooks: super::hooks::typed(admin, computed, actions, admin_flag),
        }
    }
}

/// Column names of typed columns.
fn names<E: ModelEntity>(columns: Vec<E::Column>) -> Vec<String> {
    columns.iter().map(|c| c.as_str().to_owned()).collect()
}

/// The form's fields: the admin's `fields`, or every column but a generated primary key;
/// without the excluded ones.
fn form_fields<E: ModelEntity, A: ModelAdmin<E>>(
    admin: &A,
    info: &ModelInfo,
    exclude: &[String],
) -> Vec<String> {
    match admin.fields() {
        Some(fields) => names::<E>(fields),
        None => E::Column::iter()
            .map(|c| c.as_str().to_owned())
            .filter(|name| {
                let column = info.column(name);
                !column.is_some_and(|c| c.primary_key && c.has_default)
            })
            .collect(),
    }
    .into_iter()
    .filter(|name| !exclude.contains(name))
    .collect()
}

/// The list's columns (the admin's, or every column but the excluded ones) and the functions
/// of its computed columns, which the columns refer to by index.
fn list_columns<E: ModelEntity, A: ModelAdmin<E>>(
    admin: &A,
    info: &ModelInfo,
    exclude: &[String],
) -> (Vec<ListColumn>, Vec<Compute<E>>) {
    let mut computed = Vec::new();
    let columns: Vec<ListColumn> = admin
        .columns()
        .into_iter()
        .map(|column| match column.0 {
            ColumnKind::Field(c) => ListColumn::Field(c.as_str().to_owned()),
            ColumnKind::Computed(title, compute) => {
                computed.push(compute);
                ListColumn::Computed {
                    title: title.to_owned(),
                    index: computed.len() - 1,
                }
            }
        })
        .collect();
    if !columns.is_empty() {
        return (columns, computed);
    }
    let every = info
        .columns
        .iter()
        .filter(|c| c.primary_key || !exclude.contains(&c.name))
        .map(|c| ListColumn::Field(c.name.clone()))
        .collect();
    (every, computed)
}

/// The admin's `choices`, as (column, [(stored text, label)]).
fn choices<E: ModelEntity, A: ModelAdmin<E>>(admin: &A) -> Vec<(String, Vec<(String, String)>)> {
    admin
        .choices()
        .into_iter()
        .map(|(column, choices)| {
            let options = choices
                .iter()
                .map(|(v, label)| (value::to_text(v), (*label).to_owned()))
                .collect();
            (column.as_str().to_owned(), options)
        })
        .collect()
}
