//! A registered `ModelAdmin` with its entity type erased: settings as column names, hooks
//! callable on [`Record`]s.

use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::{Condition, EntityTrait, IdenStatic, Iterable};

use super::model_admin::{Action, Column, ModelAdmin, Row};
use crate::orm::{Changes, ErasedModel, ModelInfo, Record, value};

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
    pub(crate) filter_fields: Vec<String>,
    pub(crate) form_fields: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) fieldsets: Vec<(String, Vec<String>)>,
    pub(crate) lookups: Vec<String>,
    pub(crate) choices: Vec<(String, Vec<(String, String)>)>,
    pub(crate) actions: Vec<Action>,
    pub(crate) export: Vec<String>,
    /// The password-hash column when this is the user model: never shown, never exported.
    pub(crate) secret: Option<String>,
}

impl Settings {
    pub(crate) fn is_readonly(&self, column: &str) -> bool {
        self.readonly.iter().any(|c| c == column)
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

/// The hooks of a `ModelAdmin`, callable without knowing its entity.
pub(crate) trait Hooks: Send + Sync {
    fn computed(&self, index: usize, info: &ModelInfo, record: &Record) -> String;
    fn title(&self, info: &ModelInfo, record: &Record, secret: Option<&str>) -> String;
    fn get_query(&self) -> Condition;
    fn save_model(&self, changes: &mut Changes, adding: bool) -> Result<(), String>;
}

type Computed<E> = fn(&Row<'_, E>) -> String;

struct Typed<E: EntityTrait, A> {
    admin: A,
    computed: Vec<Computed<E>>,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait, A: ModelAdmin<E>> Hooks for Typed<E, A> {
    fn computed(&self, index: usize, info: &ModelInfo, record: &Record) -> String {
        self.computed
            .get(index)
            .map(|compute| compute(&Row::new(info, record, None)))
            .unwrap_or_default()
    }

    fn title(&self, info: &ModelInfo, record: &Record, secret: Option<&str>) -> String {
        self.admin.title(&Row::new(info, record, secret))
    }

    fn get_query(&self) -> Condition {
        self.admin.get_query()
    }

    fn save_model(&self, changes: &mut Changes, adding: bool) -> Result<(), String> {
        self.admin.save_model(changes, adding)
    }
}

/// One model of the admin.
pub(crate) struct AdminModel {
    pub(crate) model: Arc<dyn ErasedModel>,
    pub(crate) settings: Settings,
    pub(crate) hooks: Box<dyn Hooks>,
    /// "Message", for headings.
    pub(crate) name: String,
}

impl AdminModel {
    pub(crate) fn info(&self) -> &ModelInfo {
        self.model.info()
    }

    pub(crate) fn slug(&self) -> &str {
        &self.model.info().slug
    }

    pub(crate) fn title(&self, record: &Record) -> String {
        self.hooks
            .title(self.info(), record, self.settings.secret.as_deref())
    }

    pub(crate) fn pk_text(&self, record: &Record) -> String {
        value::to_text(record.pk(self.info()))
    }

    /// Builds the erased form of `admin` for `model`; `secret` is the password column when
    /// `E` is the user entity.
    pub(crate) fn new<E: EntityTrait, A: ModelAdmin<E>>(
        model: Arc<dyn ErasedModel>,
        admin: A,
        secret: Option<String>,
    ) -> Self {
        let info = model.info();
        let names = |columns: Vec<E::Column>| -> Vec<String> {
            columns.iter().map(|c| c.as_str().to_owned()).collect()
        };
        let strings = |paths: Vec<&'static str>| -> Vec<String> {
            paths.into_iter().map(str::to_owned).collect()
        };
        let exclude = names(admin.exclude());
        let is_secret = |name: &str| secret.as_deref() == Some(name);
        let form_fields: Vec<String> = match admin.fields() {
            Some(fields) => names(fields),
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
        .collect();
        let mut computed = Vec::new();
        let mut columns: Vec<ListColumn> = admin
            .columns()
            .into_iter()
            .map(|column| match column {
                Column::Field(c) => ListColumn::Field(c.as_str().to_owned()),
                Column::Computed(title, compute) => {
                    computed.push(compute);
                    ListColumn::Computed {
                        title: title.to_owned(),
                        index: computed.len() - 1,
                    }
                }
            })
            .collect();
        if columns.is_empty() {
            columns = info
                .columns
                .iter()
                .filter(|c| c.primary_key || !exclude.contains(&c.name))
                .map(|c| ListColumn::Field(c.name.clone()))
                .collect();
        }
        columns.retain(|c| !matches!(c, ListColumn::Field(name) if is_secret(name)));
        let mut filter_fields = strings(admin.filter_fields());
        if filter_fields.is_empty() {
            filter_fields = columns
                .iter()
                .filter_map(|c| match c {
                    ListColumn::Field(name) => Some(name.clone()),
                    ListColumn::Computed { .. } => None,
                })
                .collect();
        }
        let export_exclude = names(admin.export_exclude());
        let export = match admin.export_fields() {
            Some(fields) => names(fields),
            None => info.columns.iter().map(|c| c.name.clone()).collect(),
        }
        .into_iter()
        .filter(|name| !export_exclude.contains(name) && !is_secret(name))
        .collect();
        let settings = Settings {
            columns,
            paginate_by: admin.paginate_by().max(1),
            count_limit: admin.count_limit(),
            search_fields: strings(admin.search_fields()),
            filter_fields,
            form_fields,
            readonly: names(admin.readonly_fields()),
            fieldsets: admin
                .fieldsets()
                .into_iter()
                .map(|(legend, columns)| (legend.to_owned(), names(columns)))
                .collect(),
            lookups: names(admin.foreign_key_lookups()),
            choices: admin
                .choices()
                .into_iter()
                .map(|(column, choices)| {
                    let options = choices
                        .iter()
                        .map(|(v, label)| (value::to_text(v), (*label).to_owned()))
                        .collect();
                    (column.as_str().to_owned(), options)
                })
                .collect(),
            actions: admin.actions(),
            export,
            secret: secret.clone(),
        };
        Self {
            name: super::form::human(&info.slug),
            model: model.clone(),
            settings,
            hooks: Box::new(Typed {
                admin,
                computed,
                entity: PhantomData,
            }),
        }
    }
}
