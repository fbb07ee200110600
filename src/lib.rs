//! kefu (客服): a self-hosted FAQ answer engine for help centers.
//!
//! The data path, one module per stage: [`corpus`] (articles on disk) →
//! [`text`] (normalization and segmentation) → [`index`] (tantivy BM25) →
//! [`eval`] (offline quality numbers). [`cli`] is the command-line front end.
#![warn(missing_docs)]

pub mod answer;
pub mod cli;
pub mod corpus;
pub mod embed;
pub mod eval;
pub mod index;
pub mod rank;
pub mod text;
