//! A registered `ModelAdmin` with its entity type erased: settings as column names, hooks
//! callable on [`Record`]s, each turned back into the entity's own model before a hook sees it.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, Condition, DatabaseExecutor, DatabaseTransaction, DbErr,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, TryIntoModel, Value,
};

use super::action::Action;
use super::column::{ColumnKind, Compute};
use super::model_admin::ModelAdmin;
use crate::orm::{ErasedModel, ModelInfo, Record, WriteError, save, value};
use crate::{Context, Error, Invalid};

/// A column of the list page.
pub(crate) enum ListColumn {
    Field(String),
    Computed { title: String, index: usize },
}

/// A `ModelAdmin`'s settings, resolved to column names at registration.
pub(crate) struct Settings {
    pub(crate) columns: Vec<ListColumn>,
    pub(crate) paginate_by: u64,
    pub(crate) search_fields: Vec<String>,
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

/// Which permission hook to ask.
#[derive(Clone, Copy)]
pub(crate) enum Gate {
    View,
    Add,
    Change,
    Delete,
}

/// The hooks of a `ModelAdmin`, callable without knowing its entity.
#[async_trait(?Send)]
pub(crate) trait Hooks: Send + Sync {
    fn computed(&self, index: usize, info: &ModelInfo, record: &Record) -> String;
    /// The `ModelAdmin`'s own title for the row, if it gives one.
    fn title(&self, info: &ModelInfo, record: &Record) -> Option<String>;
    fn get_query(&self, ctx: &Context) -> Condition;
    /// Asks the permission hook `gate` about `row` (`None`: the model as a whole).
    async fn gate(
        &self,
        ctx: &Context,
        gate: Gate,
        info: &ModelInfo,
        row: Option<&Record>,
    ) -> Result<(), Error>;
    /// Inserts a row through the write pipeline, with `save_model` as its hook.
    async fn create(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError>;
    /// Changes `old` through the write pipeline, with `save_model` as its hook.
    async fn update(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        old: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError>;
    /// Deletes `rows` one by one through `ActiveModel::delete` (the entity's
    /// `before_delete`/`after_delete` run); returns how many went.
    async fn delete(
        &self,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<u64, Error>;
    /// Runs custom action number `index` on `rows`.
    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error>;
}

struct Typed<E: EntityTrait, A> {
    admin: A,
    computed: Vec<Compute<E>>,
    actions: Vec<Action<E>>,
    entity: PhantomData<fn() -> E>,
}

/// The entity's own model of a row read by the engine.
fn model_of<E>(record: &Record) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut active = <E::ActiveModel as ActiveModelTrait>::default();
    for (column, value) in E::Column::iter().zip(record.values()) {
        active.try_set(column, value.clone())?;
    }
    active.try_into_model()
}

fn record_of<E: EntityTrait>(model: &E::Model) -> Record {
    use sea_orm::ModelTrait;
    Record::new(E::Column::iter().map(|column| model.get(column)).collect())
}

/// A `DbErr::Custom` from the entity's delete hooks refuses the delete; others fail it.
fn delete_refusal(error: DbErr) -> Error {
    match error {
        DbErr::Custom(text) => Error::Invalid(Invalid::from_custom(&text)),
        other => other.into(),
    }
}

#[async_trait(?Send)]
impl<E, A> Hooks for Typed<E, A>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    A: ModelAdmin<E>,
{
    fn computed(&self, index: usize, _: &ModelInfo, record: &Record) -> String {
        match (self.computed.get(index), model_of::<E>(record)) {
            (Some(compute), Ok(model)) => compute(&model),
            _ => String::new(),
        }
    }

    fn title(&self, _: &ModelInfo, record: &Record) -> Option<String> {
        self.admin.title(&model_of::<E>(record).ok()?)
    }

    fn get_query(&self, ctx: &Context) -> Condition {
        self.admin.get_query(ctx)
    }

    async fn gate(
        &self,
        ctx: &Context,
        gate: Gate,
        _: &ModelInfo,
        row: Option<&Record>,
    ) -> Result<(), Error> {
        let model = row.map(model_of::<E>).transpose()?;
        let row = model.as_ref();
        let verdict = match gate {
            Gate::View => self.admin.has_view_permission(ctx, row).await,
            Gate::Add => self.admin.has_add_permission(ctx).await,
            Gate::Change => self.admin.has_change_permission(ctx, row).await,
            Gate::Delete => self.admin.has_delete_permission(ctx, row).await,
        };
        Ok(verdict?)
    }

    async fn create(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        let hook = async |new: &mut E::ActiveModel| self.admin.save_model(ctx, None, new).await;
        let model = save::create::<E>(info, db, values, hook).await?;
        Ok(record_of::<E>(&model))
    }

    async fn update(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        old: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        let old = model_of::<E>(old)?;
        let hook =
            async |new: &mut E::ActiveModel| self.admin.save_model(ctx, Some(&old), new).await;
        match save::update::<E>(info, db, old.clone(), values, hook).await {
            Ok(model) => Ok(record_of::<E>(&model)),
            // Deleted since the form was read.
            Err(WriteError::Db(DbErr::RecordNotUpdated)) => {
                Err(WriteError::Hook(Box::new(Error::NotFound)))
            }
            Err(error) => Err(error),
        }
    }

    async fn delete(
        &self,
        _: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<u64, Error> {
        let mut deleted = 0;
        for row in rows {
            let active = model_of::<E>(row)?.into_active_model();
            let result = active.delete(txn).await.map_err(delete_refusal)?;
            deleted += result.rows_affected;
        }
        Ok(deleted)
    }

    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        _: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error> {
        let action = self.actions.get(index).ok_or(Error::NotFound)?;
        let models = rows
            .iter()
            .map(model_of::<E>)
            .collect::<Result<Vec<_>, _>>()?;
        (action.run)(ctx, txn, models).await
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

    /// Builds the erased form of `admin` for `model`; `secret` is the password column when
    /// `E` is the user entity.
    pub(crate) fn new<E, A>(model: Arc<dyn ErasedModel>, admin: A, secret: Option<String>) -> Self
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
        A: ModelAdmin<E>,
    {
        let info = model.info();
        let names = |columns: Vec<E::Column>| -> Vec<String> {
            columns.iter().map(|c| c.as_str().to_owned()).collect()
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
        if columns.is_empty() {
            columns = info
                .columns
                .iter()
                .filter(|c| c.primary_key || !exclude.contains(&c.name))
                .map(|c| ListColumn::Field(c.name.clone()))
                .collect();
        }
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
        let export_exclude = names(admin.export_exclude());
        let export = match admin.export_fields() {
            Some(fields) => names(fields),
            None => info.columns.iter().map(|c| c.name.clone()).collect(),
        }
        .into_iter()
        .filter(|name| !export_exclude.contains(name) && !is_secret(name))
        .collect();
        let actions = admin.actions();
        let settings = Settings {
            columns,
            paginate_by: admin.paginate_by().max(1),
            search_fields,
            filter_fields,
            hops,
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
            actions: actions
                .iter()
                .map(|a| (a.name.clone(), a.title.clone()))
                .collect(),
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
                actions,
                entity: PhantomData,
            }),
        }
    }
}
