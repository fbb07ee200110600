//! Handlers, one file per audience.

pub mod agent;
pub mod chat;
pub mod content;
pub mod ops;
