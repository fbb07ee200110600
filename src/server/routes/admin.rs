//! Administration: putting a changed corpus live without a restart, and
//! the analytics behind the console's insights page.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::corpus::Lang;
use crate::desk::{DeskError, Reload};
use crate::engine::Engine;
use crate::insights::chart::{self, Chart};
use crate::insights::export::{self, Table};
use crate::insights::gaps::{self, find_gaps, Gap};
use crate::insights::Report;
use crate::server::api::{AnalyticsQuery, ApiPath, ApiQuery, GapsQuery, GapsResponse, ReportFormat};
use crate::server::auth::Admin;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::AppState;

/// Reloads the corpus from disk: builds the new index and vectors beside the
/// live ones, runs the dev-set gate and swaps atomically. Requests keep being
/// answered throughout; a corpus with problems, or one that fails the gate,
/// is rejected with every problem listed and the old one keeps serving.
#[utoipa::path(post, path = "/admin/reload", tag = "admin", security(("agent_token" = [])),
    responses(
        (status = 200, description = "The corpus now live (unchanged if nothing changed)", body = Reload),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Another reload is running", body = ErrorBody),
        (status = 422, description = "The new corpus was rejected; `problems` lists why", body = ErrorBody),
        (status = 500, body = ErrorBody)))]
pub async fn reload(State(app): State<AppState>, _admin: Admin) -> Result<Json<Reload>, ApiError> {
    Ok(Json(app.reload().await?))
}

/// Analytics over a time range: questions and what the bot did with them
/// (deflection), top topics, unanswered questions, helpfulness per article,
/// tickets and agents' reply and resolution times. `format=csv` returns one
/// `table` as CSV for spreadsheets.
#[utoipa::path(get, path = "/admin/analytics", tag = "admin", security(("agent_token" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The report (JSON), or one table of it (CSV)",
            content((Report = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn analytics(
    State(app): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> Result<Response, ApiError> {
    let report = report_in(&app, &q).await?;
    Ok(match q.format.unwrap_or_default() {
        ReportFormat::Json => Json(report).into_response(),
        ReportFormat::Csv => {
            let table = q.table.unwrap_or(Table::Daily);
            let name = format!(
                "attachment; filename=\"kefu-{}-{}.csv\"",
                table.as_str(),
                report.to.get(..10).unwrap_or("report")
            );
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, name),
                ],
                export::csv(&report, table),
            )
                .into_response()
        }
    })
}

/// One analytics chart as SVG, for the same range parameters.
#[utoipa::path(get, path = "/admin/analytics/charts/{chart}", tag = "admin", security(("agent_token" = [])),
    params(("chart" = String, Path, description = "`daily` or `topics`"), AnalyticsQuery),
    responses(
        (status = 200, description = "The chart", body = String, content_type = "image/svg+xml"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn analytics_chart(
    State(app): State<AppState>,
    _admin: Admin,
    ApiPath(which): ApiPath<Chart>,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> Result<Response, ApiError> {
    let report = report_in(&app, &q).await?;
    let svg = match which {
        Chart::Daily => chart::daily(&report.daily),
        Chart::Topics => chart::topics(&report.topics),
    };
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response())
}

/// Knowledge gaps: the questions the bot could not answer (handed off for
/// want of an article, or rated unhelpful) grouped by topic, biggest and
/// most recent first, each with the nearest article and what to do about it.
#[utoipa::path(get, path = "/admin/gaps", tag = "admin", security(("agent_token" = [])),
    params(GapsQuery),
    responses((status = 200, body = GapsResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn gaps(
    State(app): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<GapsQuery>,
) -> Result<Json<GapsResponse>, ApiError> {
    let (_, gaps) = gaps_in(&app, &q).await?;
    Ok(Json(GapsResponse { gaps }))
}

/// One gap as a draft article in the corpus format, its questions filled
/// in: save it under `corpus/articles/`, write the answer, reload.
#[utoipa::path(get, path = "/admin/gaps/{id}/draft", tag = "admin", security(("agent_token" = [])),
    params(("id" = String, Path, description = "Gap id from `GET /admin/gaps`"), GapsQuery),
    responses(
        (status = 200, description = "The draft article", body = String, content_type = "text/markdown"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such gap in this range", body = ErrorBody)))]
pub async fn gap_draft(
    State(app): State<AppState>,
    _admin: Admin,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GapsQuery>,
) -> Result<Response, ApiError> {
    let (engine, gaps) = gaps_in(&app, &q).await?;
    let Some((name, text)) = gaps::draft(&engine, gaps, &id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "gap_not_found",
            format!("no gap {id} in this range: list them with GET /admin/gaps and the same range"),
        ));
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response())
}

/// The analytics report of the query's range, titles in its language.
async fn report_in(app: &AppState, q: &AnalyticsQuery) -> Result<Report, ApiError> {
    let lang = q.lang.unwrap_or(Lang::Zh);
    Ok(Report::load(app.desk.store(), &app.desk.engine(), q.period()?, lang).await?)
}

/// The knowledge gaps in the query's range, found on the engine's workers
/// (each distinct question is embedded), and the engine they were found on.
async fn gaps_in(app: &AppState, q: &GapsQuery) -> Result<(Arc<Engine>, Vec<Gap>), ApiError> {
    let (period, options) = (q.period()?, q.options());
    let questions = app.desk.store().gap_questions(period.from, period.to).await?;
    let engine = app.desk.engine();
    let gaps = app
        .desk
        .on_engine(engine.clone(), move |engine| {
            find_gaps(engine, period, &questions, options)
        })
        .await?
        .map_err(DeskError::from)?;
    Ok((engine, gaps))
}
