//! The running application: the pool, the authenticator, and the API built from the schema cache.
//!
//! [`Api`] is everything derived from one cache (GraphQL schema, OpenAPI documents, per-schema
//! search paths). It is immutable and swapped whole, so a request sees one consistent version;
//! a reload builds the next one off to the side (introspection on a connection of its own, the
//! build on a blocking thread) and requests never wait for it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::db::{Database, PoolSettings, Recycling, RoleSettings, load_role_settings};
use crate::metrics::Metrics;
use crate::reload::Backoff;
use crate::schema::{Cache, Ident};
use crate::sql::quote_ident;
use crate::{graphql, openapi, schema};

/// Settings the request handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_rows: Option<u64>,
    pub extra_search_path: Vec<String>,
    pub graphql_path: String,
    pub graphql_limits: crate::config::GraphqlLimits,
    pub docs_path: String,
    pub openapi_server_url: String,
    pub openapi_mode: openapi::Mode,
    pub jwt_configured: bool,
    pub cors_allowed_origins: Vec<String>,
    pub aggregates_enabled: bool,
    pub tx_end: crate::config::TxEnd,
    pub plan_enabled: bool,
    pub request: crate::context::SettingsConfig,
    /// `server-max-body-size`, in bytes.
    pub max_body_size: usize,
    /// `server-trace-header`: the request id's header.
    pub trace_header: axum::http::HeaderName,
    /// `server-timing-enabled`: answer a `Server-Timing` header.
    pub server_timing: bool,
}

impl Settings {
    pub fn read_options(&self) -> crate::plan::ReadOptions {
        crate::plan::ReadOptions {
            max_rows: self.max_rows,
            aggregates: self.aggregates_enabled,
        }
    }

    pub fn from_config(config: &Config) -> Settings {
        Settings {
            max_rows: config.max_rows,
            extra_search_path: config.extra_search_path.clone(),
            graphql_path: config.graphql_path.clone(),
            graphql_limits: config.graphql_limits,
            docs_path: config.docs_path.clone(),
            // Relative to the document's own URL, so it is right whatever host serves it.
            openapi_server_url: config
                .openapi_server_url
                .clone()
                .unwrap_or_else(|| "/".to_owned()),
            openapi_mode: config.openapi_mode,
            jwt_configured: config.jwt.is_configured(),
            cors_allowed_origins: config.cors_allowed_origins.clone(),
            aggregates_enabled: config.aggregates_enabled,
            tx_end: config.tx_end,
            plan_enabled: config.plan_enabled,
            request: config.request_settings.clone(),
            max_body_size: config.max_body_size,
            trace_header: config.trace_header.clone(),
            server_timing: config.server_timing,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not load the schema cache: {0}")]
    Introspection(#[from] sqlx::Error),
    #[error("could not build the OpenAPI document: {0}")]
    OpenApi(#[from] openapi::OpenApiError),
    #[error("could not build the GraphQL schema: {0}")]
    Graphql(String),
    #[error("building the API failed: {0}")]
    Build(String),
    #[error(transparent)]
    Jwks(#[from] crate::auth::JwksError),
    #[error(
        "the exposed relation '{relation}' has the same path as {what}; set {key} to another path"
    )]
    PathClash {
        relation: String,
        what: &'static str,
        key: &'static str,
    },
}

impl StartError {
    /// Whether the database could not be reached, so that trying again later may succeed.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StartError::Introspection(e) if crate::db::is_unreachable(e))
    }
}

/// What one schema cache serves.
pub struct Api {
    pub cache: Arc<Cache>,
    /// GraphQL over the default (first) exposed schema.
    pub graphql: async_graphql::dynamic::Schema,
    openapi: openapi::Documents,
    search_paths: BTreeMap<Ident, String>,
    pub loaded: Loaded,
}

/// When the cache was loaded, and how long introspecting and building took.
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    pub at: SystemTime,
    pub took: Duration,
}

impl Api {
    pub fn build(cache: Cache, settings: &Settings) -> Result<Api, StartError> {
        check_paths(&cache, settings)?;
        let started = Instant::now();
        let cache = Arc::new(cache);
        let options = openapi::Options {
            default_title: "pgway API".into(),
            server_url: settings.openapi_server_url.clone(),
            jwt_security: settings.jwt_configured,
        };
        let openapi = openapi::Documents::build(cache.clone(), options)?;
        let mut search_paths = BTreeMap::new();
        for schema in &cache.schemas {
            let path = std::iter::once(schema.as_str())
                .chain(settings.extra_search_path.iter().map(String::as_str))
                .map(quote_ident)
                .collect::<Vec<_>>()
                .join(", ");
            search_paths.insert(schema.clone(), path);
        }
        let documented = started.elapsed();
        let default_schema = cache.schemas.first().cloned();
        let graphql = match default_schema {
            Some(schema) => graphql::build(
                cache.clone(),
                &schema,
                graphql::Options {
                    max_rows: settings.max_rows,
                    limits: settings.graphql_limits,
                    aggregates: settings.aggregates_enabled,
                },
            )
            .map_err(|e| StartError::Graphql(e.to_string()))?,
            None => return Err(StartError::Graphql("no schema is exposed".into())),
        };
        tracing::debug!(
            "built the OpenAPI documents in {} ms, the GraphQL schema in {} ms",
            documented.as_millis(),
            (started.elapsed() - documented).as_millis()
        );
        Ok(Api {
            cache,
            graphql,
            openapi,
            search_paths,
            loaded: Loaded {
                at: SystemTime::now(),
                took: Duration::ZERO,
            },
        })
    }

    /// The whole OpenAPI document (JSON) of an exposed schema.
    pub fn openapi(&self, schema: &Ident) -> Arc<str> {
        self.openapi.everything(schema)
    }

    /// The OpenAPI document of what a role may use in `schema`, given its privileges as
    /// `openapi::privileges_statement` answered.
    pub fn openapi_granted(
        &self,
        schema: &Ident,
        privileges: String,
    ) -> Result<Arc<str>, openapi::OpenApiError> {
        self.openapi.granted(schema, privileges)
    }

    /// The `search_path` requests to `schema` run with: it, then the extra search path.
    pub fn search_path(&self, schema: &Ident) -> &str {
        self.search_paths.get(schema).map_or("", String::as_str)
    }
}

/// The UI and document paths must not hide an exposed relation.
fn check_paths(cache: &Cache, settings: &Settings) -> Result<(), StartError> {
    let reserved = [
        (
            &settings.graphql_path[1..],
            "the GraphQL endpoint",
            "graphql-path",
        ),
        (&settings.docs_path[1..], "Swagger UI", "docs-path"),
        ("openapi.json", "the OpenAPI document", "openapi.json"),
    ];
    for relation in cache.relations.values() {
        for (path, what, key) in reserved {
            if relation.name.name.as_str() == path {
                return Err(StartError::PathClash {
                    relation: relation.name.to_string(),
                    what,
                    key,
                });
            }
        }
    }
    Ok(())
}

/// Shared state of every handler.
pub struct App {
    pub db: Database,
    pub auth: Authenticator,
    pub settings: Settings,
    pub metrics: Metrics,
    /// The GraphQL queries clients persisted by their hash; kept across schema reloads, as the
    /// texts stay the same.
    pub persisted_queries: graphql::PersistedQueries,
    /// Set once the shutdown grace period is over: requests still running are cut short.
    cut: tokio::sync::watch::Sender<bool>,
    api: ArcSwap<Api>,
    /// What the next reload builds from; `reload config` may change it.
    source: Mutex<Source>,
}

/// The settings a schema reload reads.
#[derive(Debug, Clone)]
struct Source {
    schemas: Vec<String>,
    settings: Settings,
}

impl App {
    /// Connects, loads the schema cache and builds the API.
    pub async fn start(config: &Config) -> Result<App, StartError> {
        let db = Database::open(
            config.db.clone(),
            &PoolSettings {
                size: config.pool_size,
                acquisition_timeout: config.pool_acquisition_timeout,
            },
            &Recycling {
                max_idletime: config.pool_max_idletime,
                max_lifetime: config.pool_max_lifetime,
            },
            config.pre_request.as_deref(),
        );
        let source = Source {
            schemas: config.schemas.clone(),
            settings: Settings::from_config(config),
        };
        let (api, roles) = load(&db, &source).await?;
        db.set_role_settings(roles);
        Ok(App {
            db,
            auth: Authenticator::start(&config.jwt, config.anon_role.clone()).await?,
            settings: source.settings.clone(),
            metrics: Metrics::new(),
            persisted_queries: graphql::PersistedQueries::new(config.graphql_persisted_queries),
            cut: tokio::sync::watch::Sender::new(false),
            api: ArcSwap::from_pointee(api),
            source: Mutex::new(source),
        })
    }

    /// As [`App::start`], waiting for the database while it cannot be reached.
    pub async fn start_when_reachable(config: &Config) -> Result<App, StartError> {
        let mut backoff = Backoff::default();
        loop {
            match App::start(config).await {
                Err(error) if error.is_unreachable() => {
                    let wait = backoff.next_wait();
                    tracing::warn!("{error}; retrying in {:.1} s", wait.as_secs_f64());
                    tokio::time::sleep(wait).await;
                }
                started => return started,
            }
        }
    }

    /// The current API; hold the `Arc` for the whole request.
    pub fn api(&self) -> Arc<Api> {
        self.api.load_full()
    }

    /// Ends the requests still running (the shutdown grace period is over): they answer 503 and
    /// their statements are cancelled.
    pub fn cut_requests(&self) {
        self.cut.send_replace(true);
    }

    /// Completes once [`App::cut_requests`] is called.
    pub async fn requests_cut(&self) {
        let mut cut = self.cut.subscribe();
        // The sender lives as long as `self`.
        let _ = cut.wait_for(|&cut| cut).await;
    }

    /// Whether requests can be served: the cache is loaded (it is, once the app exists) and the
    /// database is reachable.
    pub fn is_ready(&self) -> bool {
        self.db.is_reachable()
    }

    /// Loads the schema cache again and swaps the new API in; the current one keeps serving
    /// meanwhile, and stays if loading fails. Pooled connections are replaced, since their
    /// prepared statements may predate the DDL that prompted the reload.
    pub async fn reload_schema(&self) -> Result<(), StartError> {
        self.db.recycle();
        let source = self
            .source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let loaded = load(&self.db, &source).await;
        self.metrics.reloaded(loaded.is_ok());
        let (api, roles) = loaded?;
        self.db.set_role_settings(roles);
        self.api.store(Arc::new(api));
        self.db.recycle();
        Ok(())
    }

    /// Takes the settings of `config` that apply without a restart (`db-schemas`,
    /// `db-extra-search-path`, `openapi-server-proxy-uri`) for the next schema reload.
    pub fn reconfigure(&self, config: &Config) {
        let fresh = Settings::from_config(config);
        let mut source = self.source.lock().unwrap_or_else(PoisonError::into_inner);
        source.schemas = config.schemas.clone();
        source.settings.extra_search_path = fresh.extra_search_path;
        source.settings.openapi_server_url = fresh.openapi_server_url;
    }
}

/// Introspects (the schema and the roles' settings) on a connection of its own (the pool may be
/// busy, or hold connections that died with a restart), then builds the API on a blocking thread.
async fn load(db: &Database, source: &Source) -> Result<(Api, RoleSettings), StartError> {
    let started = Instant::now();
    let (cache, roles) = {
        let mut conn = db.connect_standalone().await?;
        let cache = schema::load(&mut conn, &source.schemas).await?;
        let roles = load_role_settings(&mut conn).await?;
        // Everything is read; a failure to say goodbye does not matter.
        let _ = sqlx::Connection::close(conn).await;
        (cache, roles)
    };
    let introspected = started.elapsed();
    let settings = source.settings.clone();
    let mut api = tokio::task::spawn_blocking(move || Api::build(cache, &settings))
        .await
        .map_err(|e| StartError::Build(e.to_string()))??;
    api.loaded.took = started.elapsed();
    tracing::info!(
        "schema cache loaded: {} relations, {} functions from {} in {} ms ({} ms introspecting)",
        api.cache.relations.len(),
        api.cache.functions.len(),
        source.schemas.join(", "),
        api.loaded.took.as_millis(),
        introspected.as_millis(),
    );
    Ok((api, roles))
}
