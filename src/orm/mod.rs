//! Entity reflection and the query grammar, shared by the admin and the REST API.
//! Nothing here knows about HTTP.

mod binding;
pub(crate) mod cascade;
mod conflict;
mod count;
mod error;
mod kept;
mod keyset;
mod limits;
pub(crate) mod lock;
mod lookup;
mod model;
mod op;
mod page;
mod pattern;
mod query;
mod record;
mod registry;
pub(crate) mod save;
mod statement;
pub(crate) mod token;
mod turn;
pub mod value;
mod values;

pub use binding::{Binding, ModelEntity};
pub(crate) use binding::{active_of, model_of};
pub(crate) use conflict::resolve;
pub use count::{Count, count_upto};
pub use error::QueryError;
pub(crate) use keyset::after as keyset_after;
pub use keyset::orderable;
pub(crate) use limits::check_fits;
pub use limits::{Limits, check_input};
pub(crate) use lookup::by_unique_key;
pub(crate) use model::column_expr;
pub use model::{ColumnInfo, FieldKind, ModelInfo};
pub use op::Op;
pub use page::{Join, Page, Window};
pub use query::{FieldPolicy, Grammar, Query, RESERVED_PARAMS, page_number, page_size};
pub use record::Record;
pub use registry::Registry;
pub use save::WriteError;
pub use value::ValueError;
pub(crate) use values::{Values, fetch as fetch_values};
