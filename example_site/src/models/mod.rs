//! The twitter clone's data: users, who follows whom, messages and notes. Their tables come
//! from [`crate::migrations`].

pub mod message;
pub mod note;
pub mod relationship;
pub mod user;
