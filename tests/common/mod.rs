//! Test harness: a real PostgreSQL cluster with the example database, and the real router.
//!
//! Tests of one binary share a cluster while any of them runs (it is stopped and removed when the
//! last one drops it); each test gets its own database, cloned from a template that holds the
//! example, so tests can write without seeing each other.

#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod process;
pub mod statements;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use pgway::app::App;
use pgway::config::{Config, Sources};
use pgway::embedded::{self, Cluster};
use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::sync::Mutex;
use tower::ServiceExt;

pub const SECRET: &str = "a-test-secret-that-is-at-least-32-chars";
const TEMPLATE: &str = "pgway_template";

static SHARED: Mutex<Weak<Cluster>> = Mutex::const_new(Weak::new());
static DATABASES: AtomicUsize = AtomicUsize::new(0);

async fn cluster() -> Arc<Cluster> {
    let mut shared = SHARED.lock().await;
    if let Some(cluster) = shared.upgrade() {
        return cluster;
    }
    let cluster = Arc::new(Cluster::start().expect("start a PostgreSQL cluster"));
    embedded::load_example(&cluster, TEMPLATE)
        .await
        .expect("load the example database");
    *shared = Arc::downgrade(&cluster);
    cluster
}

/// A cluster of one's own holding the example (in database `pgway_template`).
pub async fn private_cluster() -> Arc<Cluster> {
    let cluster = tokio::task::spawn_blocking(Cluster::start)
        .await
        .unwrap()
        .expect("start a PostgreSQL cluster");
    embedded::load_example(&cluster, TEMPLATE)
        .await
        .expect("load the example database");
    Arc::new(cluster)
}

/// A new database holding the example, in the shared cluster.
async fn fresh_database() -> (Arc<Cluster>, String) {
    let cluster = cluster().await;
    let database = format!(
        "test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = PgConnection::connect(&cluster.url("postgres", "postgres"))
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE DATABASE {database} TEMPLATE {TEMPLATE}"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    (cluster, database)
}

/// The test configuration: schema `api`, anonymous role `web_anon`, the test JWT secret.
fn config(cluster: &Cluster, database: &str, settings: &[(&str, &str)]) -> Config {
    let mut sources = Sources::default();
    let defaults = [
        ("db-uri", cluster.url("authenticator", database)),
        ("db-schemas", "api".to_owned()),
        ("db-anon-role", "web_anon".to_owned()),
        ("jwt-secret", SECRET.to_owned()),
        ("db-pool", "4".to_owned()),
    ];
    for (key, value) in defaults {
        sources.set(key, &value).unwrap();
    }
    for (key, value) in settings {
        sources.set(key, value).unwrap();
    }
    Config::from_sources(&sources).unwrap()
}

/// A database of its own for one test, served by pgway's router.
pub struct TestApi {
    pub app: Arc<App>,
    pub router: Router,
    pub database: String,
    cluster: Arc<Cluster>,
    /// The extra configuration keys, kept for `reopen`.
    settings: Vec<(String, String)>,
}

impl TestApi {
    /// The example database exposed as schema `api`, anonymous role `web_anon`.
    pub async fn new() -> TestApi {
        Self::with_settings(&[]).await
    }

    /// As [`TestApi::new`], with extra configuration keys.
    pub async fn with_settings(settings: &[(&str, &str)]) -> TestApi {
        let (cluster, database) = fresh_database().await;
        Self::serve(cluster, database, settings).await
    }

    /// As [`TestApi::with_settings`], in a cluster of its own, which the test may stop and start
    /// (see [`TestApi::cluster`]).
    pub async fn private(settings: &[(&str, &str)]) -> TestApi {
        let cluster = private_cluster().await;
        Self::serve(cluster, TEMPLATE.to_owned(), settings).await
    }

    /// The cluster serving this test's database.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The URI pgway connects with, for a `pgway` process.
    pub fn db_uri(&self) -> String {
        self.cluster.url("authenticator", &self.database)
    }

    /// Runs `sql` as the superuser in this test's database.
    pub async fn execute(&self, sql: &str) {
        let mut admin = self.admin().await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Why pgway refuses to start on the example database with `settings`.
    pub async fn start_error(settings: &[(&str, &str)]) -> String {
        let (cluster, database) = fresh_database().await;
        match App::start(&config(&cluster, &database, settings)).await {
            Ok(_) => panic!("pgway started with {settings:?}"),
            Err(error) => error.to_string(),
        }
    }

    /// A new pgway over this test's database, with a fresh schema cache.
    pub async fn reopen(&self) -> TestApi {
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Self::serve(self.cluster.clone(), self.database.clone(), &settings).await
    }

    async fn serve(cluster: Arc<Cluster>, database: String, settings: &[(&str, &str)]) -> TestApi {
        let app = Arc::new(
            App::start(&config(&cluster, &database, settings))
                .await
                .expect("start pgway"),
        );
        TestApi {
            router: pgway::server::router(app.clone()),
            app,
            database,
            cluster,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// This test's database after `sql` (run as the superuser), served by a new pgway that sees
    /// what it created.
    pub async fn with_sql(self, sql: &str) -> TestApi {
        let mut admin = self.admin().await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut admin)
            .await
            .unwrap();
        self.reopen().await
    }

    /// The JSON body of a GET that must answer 200.
    pub async fn ok(&self, uri: &str) -> Value {
        let response = self.get(uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.body);
        response.json()
    }

    /// A superuser connection to this test's database, to check what requests did.
    pub async fn admin(&self) -> PgConnection {
        PgConnection::connect(&self.cluster.url("postgres", &self.database))
            .await
            .unwrap()
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, &[], "").await
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_owned())).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A JWT signed with the test secret.
pub fn token(claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

pub fn bearer(claims: Value) -> String {
    format!("Bearer {}", token(claims))
}
