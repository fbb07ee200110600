//! Analytics and knowledge-gap queries and their responses.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::corpus::Lang;
use crate::domain::now_millis;
use crate::insights::export::Table;
use crate::insights::gaps::{Gap, GapOptions};
use crate::insights::Period;
use crate::server::error::ApiError;

/// The range and form of `GET /admin/analytics`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// The span up to now: `7d`, `24h`, `30d`. Default: the week before
    /// `to`, or before now.
    #[param(example = "7d")]
    pub since: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC) or Unix milliseconds; not with `since`.
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, UTC), or Unix milliseconds
    /// (excluded); not with `since`.
    #[param(example = "2026-11-07")]
    pub to: Option<String>,
    /// Article titles in `zh` (default) or `en`.
    #[param(value_type = Option<String>, example = "en")]
    pub lang: Option<Lang>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    pub format: Option<ReportFormat>,
    /// For CSV, which table: `daily` (default), `topics`, `unanswered`,
    /// `articles`, `tickets`, `agents`, `cases` (one row per ticket) or
    /// `satisfaction` (users' ratings of agents per day).
    #[param(value_type = Option<String>)]
    pub table: Option<Table>,
}

/// How to deliver a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// The whole report.
    #[default]
    Json,
    /// One table.
    Csv,
}

impl AnalyticsQuery {
    /// The time range asked for.
    pub fn period(&self) -> Result<Period, ApiError> {
        let now = now_millis();
        match (&self.since, &self.from, &self.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_range",
                "give either since or from/to, not both",
            )),
            (Some(span), None, None) => Ok(Period::last(span, now)?),
            (None, from, to) => Ok(Period::between(from.as_deref(), to.as_deref(), now)?),
        }
    }
}

/// The range of `GET /admin/gaps`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GapsQuery {
    /// The span up to now (`7d`, `24h`); default `7d`.
    #[param(example = "7d")]
    pub since: Option<String>,
    /// Leave out groups asked fewer times than this (default 2; 1 keeps
    /// single questions).
    pub min_asked: Option<u64>,
}

impl GapsQuery {
    /// The time range asked for.
    pub fn period(&self) -> Result<Period, ApiError> {
        Ok(Period::last(self.since.as_deref().unwrap_or("7d"), now_millis())?)
    }

    /// Clustering options.
    pub fn options(&self) -> GapOptions {
        GapOptions {
            min_asked: self.min_asked.unwrap_or(2).max(1),
            ..GapOptions::default()
        }
    }
}

/// Knowledge gaps, most pressing first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapsResponse {
    /// The groups.
    pub gaps: Vec<Gap>,
}
