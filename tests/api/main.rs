//! All integration tests in one binary (one link step on a 2-core machine).

mod app;
mod cli;
mod conversation;
mod corpus;
mod embed;
mod faults;
mod gaps;
mod helpers;
mod insights;
mod ranking;
mod reload;
mod replicas;
mod retrieval;
mod safety;
mod service;
mod waiting;
mod web;
