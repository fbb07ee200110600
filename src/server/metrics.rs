//! Prometheus metrics: requests and latency per route, decisions by outcome,
//! feedback, engine latency, corpus reloads and the live corpus version, and
//! queue depth by priority (read from the database at scrape time, so every
//! replica reports the shared queue).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::AppState;
use crate::desk::Desk;
use crate::domain::Decision;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedbackLabels {
    helpful: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CorpusLabels {
    version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    priority: String,
    status: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// kefu's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    decisions: Family<DecisionLabels, Counter>,
    feedback: Family<FeedbackLabels, Counter>,
    engine: Histogram,
    embedding: Histogram,
    answer_cache: Family<CacheLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    corpus: Family<CorpusLabels, Gauge>,
    articles: Gauge,
    sla_breached: Gauge,
    agents_online: Gauge,
    queue: Family<QueueLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("kefu");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register("decisions", "Bot decisions by outcome", decisions.clone());
        let feedback = Family::<FeedbackLabels, Counter>::default();
        registry.register("feedback", "User feedback on answers", feedback.clone());
        let engine = latency_histogram();
        registry.register(
            "engine_seconds",
            "Answer engine latency per question (embedding, retrieval, ranking)",
            engine.clone(),
        );
        let embedding = latency_histogram();
        registry.register(
            "embedding_seconds",
            "Time to embed one question with the sentence model (part of engine_seconds)",
            embedding.clone(),
        );
        let answer_cache = Family::<CacheLabels, Counter>::default();
        registry.register(
            "answer_cache",
            "Questions answered from the answer cache (hit) or by the model (miss)",
            answer_cache.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "corpus_reloads",
            "Corpus reloads by result (reloaded, unchanged, rejected, busy)",
            reloads.clone(),
        );
        let corpus = Family::<CorpusLabels, Gauge>::default();
        registry.register("corpus_info", "The live corpus version (value 1)", corpus.clone());
        let articles = Gauge::default();
        registry.register("corpus_articles", "Articles in the live corpus", articles.clone());
        let queue = Family::<QueueLabels, Gauge>::default();
        registry.register("queue_depth", "Open tickets by priority and status", queue.clone());
        let sla_breached = Gauge::default();
        registry.register(
            "sla_breached_tickets",
            "Urgent tickets waiting in line longer than queue.urgent_sla_minutes",
            sla_breached.clone(),
        );
        let agents_online = Gauge::default();
        registry.register(
            "agents_online",
            "Agents online (checked in recently)",
            agents_online.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            decisions,
            feedback,
            engine,
            embedding,
            answer_cache,
            reloads,
            corpus,
            articles,
            sla_breached,
            agents_online,
            queue,
        }
    }

    /// Counts a bot decision.
    pub fn decision(&self, decision: Decision) {
        let decision = decision.as_str();
        self.decisions
            .get_or_create(&DecisionLabels {
                decision: decision.into(),
            })
            .inc();
    }

    /// Counts feedback.
    pub fn feedback(&self, helpful: bool) {
        self.feedback
            .get_or_create(&FeedbackLabels {
                helpful: helpful.to_string(),
            })
            .inc();
    }

    /// Records one engine call and the embedding within it; a cached reply
    /// counts as a cache hit only, so the latency histograms keep
    /// describing the model.
    pub fn engine(&self, took: Duration, embedding: Duration, cached: bool) {
        let result = if cached { "hit" } else { "miss" };
        self.answer_cache
            .get_or_create(&CacheLabels { result: result.into() })
            .inc();
        if !cached {
            self.engine.observe(took.as_secs_f64());
            self.embedding.observe(embedding.as_secs_f64());
        }
    }

    /// Counts a reload by its result.
    pub fn reload(&self, result: &str) {
        self.reloads
            .get_or_create(&ReloadLabels { result: result.into() })
            .inc();
    }

    /// The metrics in the text exposition format, with the live corpus and
    /// the queue read now.
    pub async fn render(&self, desk: &Desk) -> String {
        let engine = desk.engine();
        self.corpus.clear();
        self.corpus
            .get_or_create(&CorpusLabels {
                version: engine.version().into(),
            })
            .set(1);
        self.articles.set(engine.corpus().articles.len() as i64);
        match desk.store().queue_depth().await {
            Ok(depths) => {
                self.queue.clear();
                for (priority, status, n) in depths {
                    self.queue
                        .get_or_create(&QueueLabels {
                            priority: priority.as_str().into(),
                            status: status.as_str().into(),
                        })
                        .set(n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "queue depth unavailable for /metrics"),
        }
        match desk.sla_breaches().await {
            Ok(n) => {
                self.sla_breached.set(n);
            }
            Err(e) => tracing::warn!(error = %e, "SLA breaches unavailable for /metrics"),
        }
        match desk.agents_online().await {
            Ok(n) => {
                self.agents_online.set(n);
            }
            Err(e) => tracing::warn!(error = %e, "agent presence unavailable for /metrics"),
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// Middleware: counts and times every request by its route template.
pub async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let m = &app.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}
