//! `pgway demo`: the example database in a throwaway cluster, served with no setup.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use crate::config::{Config, Sources};
use crate::embedded::{self, Cluster};

/// The demo's JWT secret: public on purpose, the demo is not for real data.
pub const SECRET: &str = "pgway-demo-secret-not-for-production-use";
const DATABASE: &str = "pgway_demo";
const TOKEN_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Cluster(#[from] embedded::EmbeddedError),
    #[error("cannot start the cluster: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// A running demo database; dropping it stops and removes the cluster.
pub struct Demo {
    pub cluster: Cluster,
    pub config: Config,
}

impl Demo {
    pub async fn start(port: u16) -> Result<Demo, DemoError> {
        let cluster = tokio::task::spawn_blocking(Cluster::start).await??;
        embedded::load_example(&cluster, DATABASE).await?;
        let mut sources = Sources::default();
        sources
            .set("db-uri", &cluster.url("authenticator", DATABASE))?
            .set("db-schemas", "api")?
            .set("db-anon-role", "web_anon")?
            .set("jwt-secret", SECRET)?
            // The demo shows everything, aggregates included (off by default, as in PostgREST).
            .set("db-aggregates-enabled", "true")?
            .set("server-port", &port.to_string())?;
        let mut config = Config::from_sources(&sources)?;
        config.host = IpAddr::V4(Ipv4Addr::LOCALHOST);
        Ok(Demo { cluster, config })
    }

    /// What to tell the person who started the demo.
    pub fn banner(&self) -> String {
        let base = format!("http://{}:{}", self.config.host, self.config.port);
        format!(
            "pgway demo: the example database (schema api) in a throwaway PostgreSQL on port {pg}\n\
             \n  REST        {base}/people?age=gte.18&student=is.true\
             \n  GraphQL     {base}{graphql}   (GraphiQL in a browser)\
             \n  OpenAPI     {base}/openapi.json\
             \n  Swagger UI  {base}{docs}\
             \n\nA JWT for the manager role mgr_alice (valid 24 hours):\n\n  {token}\n\
             \nTry:\n  curl '{base}/accounts' -H 'Authorization: Bearer {token}'\n\
             \nCtrl-C stops pgway and removes the cluster.",
            pg = self.cluster.port(),
            graphql = self.config.graphql_path,
            docs = self.config.docs_path,
            token = token("mgr_alice"),
        )
    }
}

/// A demo JWT for `role`.
pub fn token(role: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = json!({"role": role, "exp": now + TOKEN_LIFETIME_SECONDS});
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap_or_default()
}
