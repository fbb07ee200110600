//! Handlers, one file per audience.

pub mod agent;
pub mod chat;
pub mod ops;
