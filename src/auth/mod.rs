//! Authentication: password hashing (more to come: sessions, login views, guards).

pub mod password;
