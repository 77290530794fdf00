//! Prometheus metrics: requests by route kind and status, their latency, the pool, the database's
//! reachability, the schema cache and the JWT cache. `/metrics` on the admin server renders them.
//!
//! Counters and the histogram are updated as requests finish; the gauges and the JWT cache's
//! counters are read from the pool, the current API and the authenticator when rendered, so they
//! are never stale.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::app::App;

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// What a request was for, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// `/{relation}`
    Relation,
    /// `/rpc/{function}`
    Rpc,
    Graphql,
    /// `/` and `/openapi.json`
    Openapi,
    /// Swagger UI
    Docs,
}

impl RouteKind {
    fn label(self) -> &'static str {
        match self {
            RouteKind::Relation => "relation",
            RouteKind::Rpc => "rpc",
            RouteKind::Graphql => "graphql",
            RouteKind::Openapi => "openapi",
            RouteKind::Docs => "docs",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// `idle` or `in_use`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// `ok` or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReloadLabels {
    result: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// `pgway_jwt_cache_{hits,misses}_total`: the authenticator's counts as of the last render.
#[derive(Debug, Default)]
struct JwtCache {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl JwtCache {
    /// Takes the authenticator's counts; `fetch_max` keeps them monotonic if renders race.
    fn update(&self, stats: crate::auth::CacheStats) {
        self.hits.fetch_max(stats.hits, Ordering::Relaxed);
        self.misses.fetch_max(stats.misses, Ordering::Relaxed);
    }
}

impl Collector for JwtCache {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let counters = [
            (
                "jwt_cache_hits",
                "Bearer tokens found in the JWT cache (no signature check).",
                &self.hits,
            ),
            (
                "jwt_cache_misses",
                "Bearer tokens not in the JWT cache, so verified.",
                &self.misses,
            ),
        ];
        for (name, help, count) in counters {
            let counter = ConstCounter::new(count.load(Ordering::Relaxed));
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    reloads: Family<ReloadLabels, Counter>,
    pool_max: Gauge,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_waiting: Gauge,
    db_up: Gauge,
    cache_load: FloatGauge,
    cache_age: FloatGauge,
    cache_relations: Gauge,
    cache_functions: Gauge,
    jwt_cache: Arc<JwtCache>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let metrics = Metrics {
            registry: Registry::with_prefix("pgway"),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            reloads: Family::default(),
            pool_max: Gauge::default(),
            pool_connections: Family::default(),
            pool_waiting: Gauge::default(),
            db_up: Gauge::default(),
            cache_load: FloatGauge::default(),
            cache_age: FloatGauge::default(),
            cache_relations: Gauge::default(),
            cache_functions: Gauge::default(),
            jwt_cache: Arc::default(),
        };
        metrics.registered()
    }

    /// Registers every metric, handles sharing their values.
    fn registered(mut self) -> Metrics {
        let registry = &mut self.registry;
        registry.register(
            "requests",
            "HTTP requests answered, by route kind and status (499: the client went away)",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "request_duration",
            "Time to answer a request",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register(
            "schema_cache_reloads",
            "Schema cache reloads, by result",
            self.reloads.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Connections the pool may open (db-pool)",
            self.pool_max.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open pooled connections, idle or in use",
            self.pool_connections.clone(),
        );
        registry.register(
            "db_pool_waiting",
            "Requests waiting for a pooled connection",
            self.pool_waiting.clone(),
        );
        registry.register(
            "db_up",
            "Whether the database is reachable (1) or not (0)",
            self.db_up.clone(),
        );
        registry.register_with_unit(
            "schema_cache_load_duration",
            "Time the last schema cache load took, introspection and building the API",
            Unit::Seconds,
            self.cache_load.clone(),
        );
        registry.register_with_unit(
            "schema_cache_age",
            "Time since the schema cache in use was loaded",
            Unit::Seconds,
            self.cache_age.clone(),
        );
        registry.register(
            "schema_cache_relations",
            "Tables and views in the schema cache",
            self.cache_relations.clone(),
        );
        registry.register(
            "schema_cache_functions",
            "Functions in the schema cache",
            self.cache_functions.clone(),
        );
        registry.register_collector(Box::new(self.jwt_cache.clone()));
        self
    }

    /// Counts an answered request.
    pub fn request(&self, route: RouteKind, status: u16, elapsed: Duration) {
        let route = route.label();
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }

    pub fn reloaded(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads.get_or_create(&ReloadLabels { result }).inc();
    }

    /// The Prometheus text exposition of every metric, gauges read from `app` now.
    pub fn render(&self, app: &App) -> String {
        let stats = app.db.stats();
        self.pool_max.set(stats.max.into());
        self.pool_waiting.set(stats.waiting.into());
        let connections = |state| self.pool_connections.get_or_create(&PoolLabels { state });
        connections("idle").set(stats.idle.into());
        connections("in_use").set(stats.open.saturating_sub(stats.idle).into());
        self.db_up.set(app.db.is_reachable().into());
        let api = app.api();
        self.cache_load.set(api.loaded.took.as_secs_f64());
        let age = SystemTime::now()
            .duration_since(api.loaded.at)
            .unwrap_or_default();
        self.cache_age.set(age.as_secs_f64());
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.cache_relations.set(count(api.cache.relations.len()));
        self.cache_functions.set(count(api.cache.functions.len()));
        self.jwt_cache.update(app.auth.cache_stats());
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}
