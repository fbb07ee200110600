//! Handlers, one file per audience.

pub mod admin;
pub mod agent;
pub mod chat;
pub mod content;
pub mod ops;
