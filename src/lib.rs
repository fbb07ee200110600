//! kefu (客服): a self-hosted FAQ answer engine and help desk.
//!
//! The data path, one module per stage: [`corpus`] (articles on disk) →
//! [`text`] (normalization and segmentation) → [`index`] (tantivy BM25) →
//! [`embed`] (the sentence model) → [`rank`] (hybrid ranking) → [`answer`]
//! (confidence and decision) → [`handoff`] (triage, priority, privacy) →
//! [`conversation`] (the bot's turn: small talk, follow-ups, hand-offs) →
//! [`desk`] (conversations and the human queue, kept in [`store`]) →
//! [`server`] (HTTP). [`engine`] loads the answering stages as one value,
//! [`config`] holds the settings, [`eval`] measures quality offline and
//! [`cli`] is the command line. [`chain`] finds and checks the blockchain
//! addresses and transaction ids in a message.
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod answer;
pub mod chain;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod corpus;
pub mod desk;
pub mod domain;
pub mod embed;
pub mod engine;
pub mod eval;
pub mod handoff;
pub mod index;
pub mod insights;
pub mod rank;
pub mod server;
pub mod store;
pub mod text;
