//! The running application: the pool, the authenticator, and the API built from the schema cache.
//!
//! [`Api`] is everything derived from one cache (GraphQL schema, OpenAPI documents, per-schema
//! search paths). It is immutable and swapped whole, so a request sees one consistent version.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::db::{Database, PoolSettings};
use crate::schema::{Cache, Ident};
use crate::sql::quote_ident;
use crate::{graphql, openapi, schema};

/// Settings the request handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_rows: Option<u64>,
    pub extra_search_path: Vec<String>,
    pub graphql_path: String,
    pub docs_path: String,
    pub openapi_server_url: String,
    pub jwt_configured: bool,
    pub cors_allowed_origins: Vec<String>,
    pub aggregates_enabled: bool,
    pub tx_end: crate::config::TxEnd,
    pub plan_enabled: bool,
    pub request: crate::context::SettingsConfig,
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
            docs_path: config.docs_path.clone(),
            openapi_server_url: config
                .openapi_server_url
                .clone()
                .unwrap_or_else(|| format!("http://{}:{}", config.host, config.port)),
            jwt_configured: config.jwt.is_configured(),
            cors_allowed_origins: config.cors_allowed_origins.clone(),
            aggregates_enabled: config.aggregates_enabled,
            tx_end: config.tx_end,
            plan_enabled: config.plan_enabled,
            request: config.request_settings.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not load the schema cache: {0}")]
    Introspection(#[from] sqlx::Error),
    #[error("could not build the OpenAPI document: {0}")]
    OpenApi(#[from] serde_json::Error),
    #[error("could not build the GraphQL schema: {0}")]
    Graphql(String),
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

/// What one schema cache serves.
pub struct Api {
    pub cache: Arc<Cache>,
    /// GraphQL over the default (first) exposed schema.
    pub graphql: async_graphql::dynamic::Schema,
    openapi: BTreeMap<Ident, String>,
    search_paths: BTreeMap<Ident, String>,
}

impl Api {
    pub fn build(cache: Cache, settings: &Settings) -> Result<Api, StartError> {
        check_paths(&cache, settings)?;
        let cache = Arc::new(cache);
        let options = openapi::Options {
            default_title: "pgway API".into(),
            server_url: settings.openapi_server_url.clone(),
            jwt_security: settings.jwt_configured,
        };
        let mut openapi = BTreeMap::new();
        let mut search_paths = BTreeMap::new();
        for schema in &cache.schemas {
            let document = openapi::document(&cache, schema, &options);
            openapi.insert(schema.clone(), document.to_json()?);
            let path = std::iter::once(schema.as_str())
                .chain(settings.extra_search_path.iter().map(String::as_str))
                .map(quote_ident)
                .collect::<Vec<_>>()
                .join(", ");
            search_paths.insert(schema.clone(), path);
        }
        let default_schema = cache.schemas.first().cloned();
        let graphql = match default_schema {
            Some(schema) => graphql::build(
                cache.clone(),
                &schema,
                graphql::Options {
                    max_rows: settings.max_rows,
                },
            )
            .map_err(|e| StartError::Graphql(e.to_string()))?,
            None => return Err(StartError::Graphql("no schema is exposed".into())),
        };
        Ok(Api {
            cache,
            graphql,
            openapi,
            search_paths,
        })
    }

    /// The OpenAPI document (JSON) of an exposed schema.
    pub fn openapi(&self, schema: &Ident) -> &str {
        self.openapi.get(schema).map_or("{}", String::as_str)
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
    api: ArcSwap<Api>,
}

impl App {
    /// Connects, loads the schema cache and builds the API.
    pub async fn start(config: &Config) -> Result<App, StartError> {
        let db = Database::with_pre_request(
            config.db.clone(),
            &PoolSettings {
                size: config.pool_size,
                acquisition_timeout: config.pool_acquisition_timeout,
            },
            config.pre_request.as_deref(),
        );
        let settings = Settings::from_config(config);
        let cache = {
            let mut conn = db.pool().acquire().await?;
            schema::load(&mut conn, &config.schemas).await?
        };
        let api = Api::build(cache, &settings)?;
        Ok(App {
            db,
            auth: Authenticator::start(&config.jwt, config.anon_role.clone()).await?,
            settings,
            api: ArcSwap::from_pointee(api),
        })
    }

    /// The current API; hold the `Arc` for the whole request.
    pub fn api(&self) -> Arc<Api> {
        self.api.load_full()
    }
}
