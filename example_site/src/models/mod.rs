//! The twitter clone's data: users, who follows whom, messages and notes. Their tables come
//! from [`crate::migrations`].

pub mod message;
pub mod note;
pub mod relationship;
pub mod user;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// The time of a write (UTC) to the microsecond, as the admin and the API store times: the
/// same value on every database, and one that the API shows and filters on as stored.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
