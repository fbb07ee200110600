//! All integration tests in one binary (one link step on a 2-core machine).

mod app;
mod cli;
mod corpus;
mod embed;
mod helpers;
mod ranking;
mod retrieval;
mod service;
mod web;
