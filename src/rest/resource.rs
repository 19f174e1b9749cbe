//! `RestResource`: how one entity is exposed, with flask-peewee's settings and hooks.

use actix_web::http::Method;
use sea_orm::Condition;
use serde_json::{Map, Value as Json};

use crate::orm::{ModelEntity, ModelInfo};
use crate::{Context, Error, Refusal};

/// How an entity `E` is served under `/api/<table>/`. Every method has a default, so
/// `struct MessageResource; impl RestResource<message::Entity> for MessageResource {}` serves
/// every column with the defaults; override what differs, as with flask-peewee's attributes.
///
/// The hooks know the caller ([`Context`]) and see the entity's own types: rows as
/// `E::Model`, values about to be written as `E::ActiveModel`. The `async` ones are written
/// as `async fn` under [`#[actix_sea::async_trait]`](crate::async_trait) (an impl that
/// overrides none needs no attribute). A check refuses with a [`Refusal`]: 403, with its
/// reason as `detail` when it gives one.
///
/// ```
/// use actix_sea::rest::RestResource;
/// use actix_sea::{Context, Refusal};
/// use example_site::models::message;
/// use sea_orm::ActiveValue::Set;
///
/// struct MessageResource;
///
/// #[actix_sea::async_trait]
/// impl RestResource<message::Entity> for MessageResource {
///     async fn check_post(&self, _: &Context, new: &message::ActiveModel) -> Result<(), Refusal> {
///         match &new.content {
///             Set(text) if text.contains("spam") => Err(Refusal::new("no spam, please")),
///             _ => Ok(()),
///         }
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait RestResource<E: ModelEntity>: Send + Sync + 'static {
    /// The only columns returned (default: all but [`exclude`](Self::exclude)).
    fn fields(&self) -> Option<Vec<E::Column>> {
        None
    }

    /// Columns never returned, filtered or ordered on; still accepted on writes (write-only),
    /// like a user's password (default: none).
    fn exclude(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Columns ignored in request bodies (default: none; the primary key always is).
    fn readonly_fields(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// The only columns that may be filtered on (default: every returned column).
    fn filter_fields(&self) -> Option<Vec<E::Column>> {
        None
    }

    /// Rows per page; `None` puts every row on one page (default 20).
    fn paginate_by(&self) -> Option<u64> {
        Some(20)
    }

    /// The largest `limit` a client may ask for (default 100).
    fn max_paginate_by(&self) -> u64 {
        100
    }

    /// Whether lists count every matching row (default `true`). Turn it off for huge tables:
    /// `page_count` and `object_count` become `null` and `next` comes from one extra row.
    fn exact_count(&self) -> bool {
        true
    }

    /// Foreign keys returned as the nested object instead of its id (default: none). The
    /// nested object is shaped by the resource registered for the referenced table.
    fn include_resources(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Foreign keys whose nested objects are written, not only read as references (default:
    /// none). A nested object without a primary key creates a row, one with a primary key and
    /// other values changes that row; either way the row goes through the resource registered
    /// for the referenced table, with its authentication, `check_post`/`check_put`, owner rule
    /// and `before_save`, and everything is saved in one transaction. Each listed column must
    /// be a foreign key to a registered resource ([`RestApiBuilder::build`] checks).
    ///
    /// [`RestApiBuilder::build`]: super::RestApiBuilder::build
    fn nested_writes(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// The methods served (default: GET, POST, PUT, PATCH, DELETE).
    fn allowed_methods(&self) -> Vec<Method> {
        vec![
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ]
    }

    /// Whether writes to a row (PUT, PATCH, POST to the row, DELETE) must carry `If-Match`
    /// with the row's `ETag` (or `*`); one without gets 428 (default `false`: writes without
    /// it are accepted, writes with it are checked either way).
    fn require_if_match(&self) -> bool {
        false
    }

    /// The column that names a row's owner. When set (flask-peewee's
    /// `RestrictOwnerResource`), creates stamp it with the caller and only the owner may
    /// change or delete a row (default: none).
    fn owner_field(&self) -> Option<E::Column> {
        None
    }

    /// Restricts every list, detail, edit and delete to the rows matching this condition
    /// (default: all rows).
    fn get_query(&self, _ctx: &Context) -> Condition {
        Condition::all()
    }

    /// May the caller read this row? `None` for a list (default: yes).
    async fn check_get(&self, _ctx: &Context, _row: Option<&E::Model>) -> Result<(), Refusal> {
        Ok(())
    }

    /// May the caller create a row with these values (default: yes)? Runs after
    /// [`before_save`](Self::before_save), on the values about to be inserted.
    async fn check_post(&self, _ctx: &Context, _new: &E::ActiveModel) -> Result<(), Refusal> {
        Ok(())
    }

    /// May the caller change this row (default: yes)? Runs after the owner rule.
    async fn check_put(&self, _ctx: &Context, _row: &E::Model) -> Result<(), Refusal> {
        Ok(())
    }

    /// May the caller delete this row (default: yes)? Runs after the owner rule.
    async fn check_delete(&self, _ctx: &Context, _row: &E::Model) -> Result<(), Refusal> {
        Ok(())
    }

    /// Adjusts or checks the values about to be written, before the entity's own
    /// `ActiveModelBehavior::before_save` (default: nothing). `old` is the stored row on an
    /// update, `None` on a create. An error refuses the write: [`Error::Invalid`] gives 400
    /// naming the field.
    async fn before_save(
        &self,
        _ctx: &Context,
        _old: Option<&E::Model>,
        _new: &mut E::ActiveModel,
    ) -> Result<(), Error> {
        Ok(())
    }

    /// Adjusts an outgoing object (default: unchanged).
    fn prepare_data(
        &self,
        _ctx: &Context,
        _row: &E::Model,
        data: Map<String, Json>,
    ) -> Map<String, Json> {
        data
    }
}

/// The settings of a resource that do not depend on the request, read once at registration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) fields: Vec<String>,
    pub(crate) exclude: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) filter_fields: Option<Vec<String>>,
    pub(crate) paginate_by: Option<u64>,
    pub(crate) max_paginate_by: u64,
    pub(crate) exact_count: bool,
    pub(crate) include: Vec<String>,
    pub(crate) nested_writes: Vec<String>,
    pub(crate) allowed_methods: Vec<Method>,
    pub(crate) owner_field: Option<String>,
    pub(crate) require_if_match: bool,
}

impl Settings {
    pub(crate) fn read<E: ModelEntity, R: RestResource<E>>(resource: &R, info: &ModelInfo) -> Self {
        use sea_orm::IdenStatic;
        let names = |columns: Vec<E::Column>| {
            columns
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        let exclude = names(resource.exclude());
        let fields = match resource.fields() {
            Some(columns) => names(columns),
            None => info.columns.iter().map(|c| c.name.clone()).collect(),
        };
        Self {
            fields: fields
                .into_iter()
                .filter(|f| !exclude.contains(f))
                .collect(),
            exclude,
            readonly: names(resource.readonly_fields()),
            filter_fields: resource.filter_fields().map(names),
            paginate_by: resource.paginate_by(),
            max_paginate_by: resource.max_paginate_by(),
            exact_count: resource.exact_count(),
            include: names(resource.include_resources()),
            nested_writes: names(resource.nested_writes()),
            allowed_methods: resource.allowed_methods(),
            owner_field: resource.owner_field().map(|c| c.as_str().to_owned()),
            require_if_match: resource.require_if_match(),
        }
    }

    /// Whether the column is returned in objects.
    pub(crate) fn shows(&self, column: &str) -> bool {
        self.fields.iter().any(|f| f == column)
    }
}
