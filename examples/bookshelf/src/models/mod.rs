//! The bookshelf's schema: users, authors, books, reviews, tags and the book-tag pairs. The
//! rules every write obeys, whoever makes it (admin, API, a script), live here, on the
//! entities' `ActiveModelBehavior`.

pub mod author;
pub mod book;
pub mod book_tag;
pub mod review;
pub mod tag;
pub mod user;
