//! Settings, from (lowest to highest precedence) defaults, a PostgREST-style config file,
//! `PGRST_*` and `PGWAY_*` environment variables, and command-line flags.
//!
//! Keys are PostgREST's (`db-uri`, `db-schemas`, `jwt-secret`, …), so an existing PostgREST
//! configuration works unchanged. This is the only module that reads them.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use axum::http::HeaderName;
use base64::Engine;
use sqlx::postgres::PgConnectOptions;

use crate::auth::{KeySet, RoleClaimKey};

/// A setting pgway understands: its config-file key, older names for it, and its meaning.
pub struct Key {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "db-uri",
        aliases: &[],
        help: "PostgreSQL connection URI; libpq's PG* variables fill what it leaves out",
    },
    Key {
        name: "db-schemas",
        aliases: &["db-schema"],
        help: "Exposed schemas, comma-separated; the first is the default [default: public]",
    },
    Key {
        name: "db-anon-role",
        aliases: &[],
        help: "Role for requests without a JWT; unset disables anonymous access",
    },
    Key {
        name: "db-extra-search-path",
        aliases: &[],
        help: "Schemas appended to each request's search_path [default: public]",
    },
    Key {
        name: "db-max-rows",
        aliases: &["max-rows"],
        help: "Most rows any read returns",
    },
    Key {
        name: "db-pool",
        aliases: &[],
        help: "Connection pool size [default: 10]",
    },
    Key {
        name: "db-pool-acquisition-timeout",
        aliases: &[],
        help: "Seconds to wait for a pooled connection [default: 10]",
    },
    Key {
        name: "db-pool-max-idletime",
        aliases: &[],
        help: "Seconds an unused pooled connection stays open [default: 30]",
    },
    Key {
        name: "db-pool-max-lifetime",
        aliases: &[],
        help: "Seconds after which a pooled connection is replaced [default: 1800]",
    },
    Key {
        name: "db-channel",
        aliases: &[],
        help: "Channel LISTENed to for 'reload schema' and 'reload config' [default: pgrst]",
    },
    Key {
        name: "db-channel-enabled",
        aliases: &[],
        help: "Whether to LISTEN on db-channel [default: true]",
    },
    Key {
        name: "jwt-secret",
        aliases: &[],
        help: "HMAC secret (at least 32 characters), or a JWK or JWKS (JSON), verifying JWTs; @/path reads it from a file",
    },
    Key {
        name: "jwt-secret-is-base64",
        aliases: &[],
        help: "Whether jwt-secret is base64-encoded [default: false]",
    },
    Key {
        name: "jwt-aud",
        aliases: &[],
        help: "Audience a JWT's aud claim must name; unset accepts any",
    },
    Key {
        name: "jwt-role-claim-key",
        aliases: &["role-claim-key"],
        help: "JSONPath of the role in the JWT claims [default: $.role]",
    },
    Key {
        name: "jwt-cache-max-entries",
        aliases: &[],
        help: "Verified JWTs remembered so they skip the signature check; 0 disables [default: 1000]",
    },
    Key {
        name: "jwt-jwks-url",
        aliases: &[],
        help: "http(s) URL of a JWKS whose keys also verify JWTs, fetched at start and refreshed",
    },
    Key {
        name: "jwt-jwks-refresh-interval",
        aliases: &[],
        help: "Seconds between fetches of jwt-jwks-url [default: 300]",
    },
    Key {
        name: "server-host",
        aliases: &[],
        help: "Address to listen on; !4 or *4 for all IPv4, !6 or *6 for all IPv6 [default: !4]",
    },
    Key {
        name: "server-port",
        aliases: &[],
        help: "Port to listen on [default: 3000]",
    },
    Key {
        name: "admin-server-port",
        aliases: &[],
        help: "Port of /live, /ready, /metrics and /schema_cache; unset disables them",
    },
    Key {
        name: "admin-server-host",
        aliases: &[],
        help: "Address of the admin server [default: server-host]",
    },
    Key {
        name: "server-shutdown-grace-period",
        aliases: &[],
        help: "Seconds in-flight requests may take to finish after SIGTERM or SIGINT [default: 10]",
    },
    Key {
        name: "server-max-body-size",
        aliases: &[],
        help: "Largest request body in bytes; larger ones get 413 [default: 10485760]",
    },
    Key {
        name: "server-trace-header",
        aliases: &[],
        help: "Header carrying the request id, echoed or generated [default: X-Request-Id]",
    },
    Key {
        name: "server-timing-enabled",
        aliases: &[],
        help: "Answer a Server-Timing header with the durations of the request's phases [default: false]",
    },
    Key {
        name: "openapi-server-proxy-uri",
        aliases: &[],
        help: "Public URL of the API, prefix included, for the OpenAPI document behind a proxy [default: /]",
    },
    Key {
        name: "openapi-mode",
        aliases: &[],
        help: "follow-privileges (document what the caller's role may use), ignore-privileges or disabled [default: follow-privileges]",
    },
    Key {
        name: "graphql-path",
        aliases: &[],
        help: "Path of the GraphQL endpoint and GraphiQL [default: /graphql]",
    },
    Key {
        name: "graphql-max-depth",
        aliases: &[],
        help: "Most levels of fields a GraphQL query may nest; 0 for no limit [default: 16]",
    },
    Key {
        name: "graphql-max-complexity",
        aliases: &[],
        help: "Most fields a GraphQL query may select, fragments counted where used; 0 for no \
               limit [default: 1000]",
    },
    Key {
        name: "graphql-introspection",
        aliases: &[],
        help: "Whether GraphQL answers introspection (__schema, __type), which GraphiQL needs \
               [default: true]",
    },
    Key {
        name: "graphql-persisted-queries",
        aliases: &[],
        help: "Most queries kept for automatic persisted queries (Apollo's APQ); 0 turns them \
               off [default: 0]",
    },
    Key {
        name: "docs-path",
        aliases: &[],
        help: "Path of Swagger UI [default: /docs]",
    },
    Key {
        name: "log-level",
        aliases: &[],
        help: "error, warn, info or debug [default: info]",
    },
    Key {
        name: "db-pre-request",
        aliases: &["pre-request"],
        help: "Function (schema.name) called in every request's transaction before its statement",
    },
    Key {
        name: "jwt-claims-as-settings",
        aliases: &[],
        help: "Also set each JWT claim as jwt.claims.<name>, as PostGraphile does [default: false]",
    },
    Key {
        name: "db-aggregates-enabled",
        aliases: &[],
        help: "Allow count(), sum(), avg(), min() and max() in select [default: false]",
    },
    Key {
        name: "db-plan-enabled",
        aliases: &[],
        help: "Answer Accept: application/vnd.pgrst.plan with the statement's EXPLAIN [default: false]",
    },
    Key {
        name: "db-tx-end",
        aliases: &[],
        help: "How request transactions end: commit, commit-allow-override, rollback or \
               rollback-allow-override (the -allow-override ones honour Prefer: tx=…) [default: commit]",
    },
    Key {
        name: "server-cors-allowed-origins",
        aliases: &[],
        help: "Origins allowed by CORS, comma-separated [default: any]",
    },
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("config file line {line}: expected `key = value`")]
    FileSyntax { line: usize },
    #[error("unknown setting '{0}'")]
    UnknownKey(String),
    #[error("invalid value for {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Where each setting came from, merged: later sources override earlier ones.
#[derive(Debug, Default)]
pub struct Sources {
    values: BTreeMap<&'static str, String>,
    /// `app.settings.*`, by full name.
    app_settings: BTreeMap<String, String>,
}

impl Sources {
    /// Reads a PostgREST-style file: `key = "value"`, `key = 42`, `# comments`.
    pub fn file(&mut self, path: &Path) -> Result<&mut Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or(ConfigError::FileSyntax { line: i + 1 })?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            self.set(key.trim(), value)?;
        }
        Ok(self)
    }

    /// Picks `PGRST_DB_URI`-style variables, then `PGWAY_DB_URI`-style ones, from `vars`.
    pub fn env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> &mut Self {
        let vars: BTreeMap<String, String> = vars.into_iter().collect();
        for prefix in ["PGRST_", "PGWAY_"] {
            let app = format!("{prefix}APP_SETTINGS_");
            for (var, value) in vars.iter().filter(|(var, _)| var.starts_with(&app)) {
                let name = var[app.len()..].to_lowercase();
                self.app_settings
                    .insert(format!("app.settings.{name}"), value.clone());
            }
            for key in KEYS {
                for name in std::iter::once(&key.name).chain(key.aliases) {
                    let var = format!("{prefix}{}", name.to_uppercase().replace('-', "_"));
                    if let Some(value) = vars.get(&var) {
                        self.values.insert(key.name, value.clone());
                    }
                }
            }
        }
        self
    }

    /// Sets `key` (or one of its aliases) to `value`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, ConfigError> {
        if let Some(name) = key.strip_prefix("app.settings.").filter(|n| !n.is_empty()) {
            self.app_settings
                .insert(format!("app.settings.{name}"), value.to_owned());
            return Ok(self);
        }
        let known = KEYS
            .iter()
            .find(|k| k.name == key || k.aliases.contains(&key))
            .ok_or_else(|| ConfigError::UnknownKey(key.to_owned()))?;
        self.values.insert(known.name, value.to_owned());
        Ok(self)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn parse<T: FromStr>(&self, key: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.get(key).map_or(Ok(default), |v| {
            v.parse().map_err(|e: T::Err| ConfigError::Invalid {
                key,
                reason: e.to_string(),
            })
        })
    }
}

/// The settings, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: PgConnectOptions,
    pub schemas: Vec<String>,
    pub anon_role: Option<String>,
    pub extra_search_path: Vec<String>,
    pub max_rows: Option<u64>,
    pub pool_size: u32,
    pub pool_acquisition_timeout: Duration,
    /// `db-pool-max-idletime` and `db-pool-max-lifetime`.
    pub pool_max_idletime: Duration,
    pub pool_max_lifetime: Duration,
    /// `db-channel`, or `None` when `db-channel-enabled` is false.
    pub channel: Option<String>,
    pub jwt: JwtConfig,
    pub host: IpAddr,
    pub port: u16,
    /// Where the admin server listens, if `admin-server-port` is set.
    pub admin: Option<SocketAddr>,
    pub shutdown_grace_period: Duration,
    pub max_body_size: usize,
    pub trace_header: HeaderName,
    pub server_timing: bool,
    pub openapi_server_url: Option<String>,
    pub openapi_mode: crate::openapi::Mode,
    pub graphql_path: String,
    pub graphql_limits: GraphqlLimits,
    /// `graphql-persisted-queries`: the most queries kept by their hash; 0 when off.
    pub graphql_persisted_queries: u64,
    pub docs_path: String,
    pub log_level: String,
    /// Origins CORS allows; empty allows any.
    pub cors_allowed_origins: Vec<String>,
    pub aggregates_enabled: bool,
    pub tx_end: TxEnd,
    pub plan_enabled: bool,
    pub pre_request: Option<String>,
    /// `app.settings.*` and `jwt-claims-as-settings`.
    pub request_settings: crate::context::SettingsConfig,
}

/// What a GraphQL query may ask: `graphql-max-depth`, `graphql-max-complexity` (`None`: no
/// limit) and `graphql-introspection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphqlLimits {
    pub max_depth: Option<usize>,
    pub max_complexity: Option<usize>,
    pub introspection: bool,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            max_depth: Some(16),
            max_complexity: Some(1000),
            introspection: true,
        }
    }
}

/// `db-tx-end`: how a request's transaction ends, and whether `Prefer: tx=` may change it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxEnd {
    pub end: crate::db::End,
    pub overridable: bool,
}

impl FromStr for TxEnd {
    type Err = String;

    fn from_str(value: &str) -> Result<TxEnd, String> {
        use crate::db::End;
        let (end, overridable) = match value {
            "commit" => (End::Commit, false),
            "commit-allow-override" => (End::Commit, true),
            "rollback" => (End::Rollback, false),
            "rollback-allow-override" => (End::Rollback, true),
            other => {
                return Err(format!(
                    "'{other}' is not one of commit, commit-allow-override, rollback, rollback-allow-override"
                ));
            }
        };
        Ok(TxEnd { end, overridable })
    }
}

/// How JWTs are verified: the `jwt-*` keys.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// `jwt-secret`: an HMAC secret, a JWK or a JWKS; empty when unset.
    pub keys: KeySet,
    /// `jwt-jwks-url`: more keys, fetched at start and refreshed.
    pub jwks_url: Option<reqwest::Url>,
    pub jwks_refresh_interval: Duration,
    /// `jwt-aud`: the audience a token must name, if set.
    pub audience: Option<String>,
    pub role_claim_key: RoleClaimKey,
    /// `jwt-cache-max-entries`; 0 disables the cache.
    pub cache_max_entries: u64,
}

const DEFAULT_JWT_CACHE_MAX_ENTRIES: u64 = 1000;
/// 10 MiB: a JSON body is parsed whole in memory, which takes several times its size.
const DEFAULT_MAX_BODY_SIZE: usize = 10 * 1024 * 1024;
const DEFAULT_JWKS_REFRESH_SECONDS: u64 = 300;

impl Default for JwtConfig {
    /// No keys, and PostgREST's defaults for the rest.
    fn default() -> Self {
        JwtConfig {
            keys: KeySet::default(),
            jwks_url: None,
            jwks_refresh_interval: Duration::from_secs(DEFAULT_JWKS_REFRESH_SECONDS),
            audience: None,
            role_claim_key: RoleClaimKey::default(),
            cache_max_entries: DEFAULT_JWT_CACHE_MAX_ENTRIES,
        }
    }
}

impl JwtConfig {
    /// Whether any key can verify a token.
    pub fn is_configured(&self) -> bool {
        !self.keys.is_empty() || self.jwks_url.is_some()
    }
}

impl Config {
    pub fn from_sources(sources: &Sources) -> Result<Config, ConfigError> {
        let list = |key: &'static str, default: &str| -> Vec<String> {
            sources
                .get(key)
                .unwrap_or(default)
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let db = match sources.get("db-uri") {
            Some(uri) => uri.parse().map_err(|e: sqlx::Error| ConfigError::Invalid {
                key: "db-uri",
                reason: e.to_string(),
            })?,
            None => PgConnectOptions::new(),
        };
        let schemas = list("db-schemas", "public");
        if let Some(reserved) = schemas
            .iter()
            .find(|s| matches!(s.as_str(), "pg_catalog" | "information_schema"))
        {
            return Err(ConfigError::Invalid {
                key: "db-schemas",
                reason: format!("{reserved} cannot be exposed"),
            });
        }
        let host = host(sources.get("server-host").unwrap_or("!4"))?;
        let port = sources.parse("server-port", 3000)?;
        Ok(Config {
            db,
            schemas,
            anon_role: sources.get("db-anon-role").map(str::to_owned),
            extra_search_path: list("db-extra-search-path", "public"),
            max_rows: sources
                .get("db-max-rows")
                .map(|_| sources.parse("db-max-rows", 0))
                .transpose()?,
            pool_size: sources.parse("db-pool", 10)?,
            pool_acquisition_timeout: Duration::from_secs(
                sources.parse("db-pool-acquisition-timeout", 10)?,
            ),
            pool_max_idletime: Duration::from_secs(sources.parse("db-pool-max-idletime", 30)?),
            pool_max_lifetime: Duration::from_secs(sources.parse("db-pool-max-lifetime", 1800)?),
            channel: sources
                .parse("db-channel-enabled", true)?
                .then(|| sources.get("db-channel").unwrap_or("pgrst").to_owned()),
            jwt: jwt_config(sources)?,
            host,
            port,
            admin: admin_address(sources, host, port)?,
            shutdown_grace_period: Duration::from_secs(
                sources.parse("server-shutdown-grace-period", 10)?,
            ),
            max_body_size: sources.parse("server-max-body-size", DEFAULT_MAX_BODY_SIZE)?,
            trace_header: sources.parse(
                "server-trace-header",
                HeaderName::from_static("x-request-id"),
            )?,
            server_timing: sources.parse("server-timing-enabled", false)?,
            openapi_server_url: sources.get("openapi-server-proxy-uri").map(str::to_owned),
            openapi_mode: sources.parse("openapi-mode", crate::openapi::Mode::default())?,
            graphql_path: path(sources, "graphql-path", "/graphql")?,
            graphql_limits: graphql_limits(sources)?,
            graphql_persisted_queries: sources.parse("graphql-persisted-queries", 0)?,
            docs_path: path(sources, "docs-path", "/docs")?,
            log_level: sources.get("log-level").unwrap_or("info").to_owned(),
            cors_allowed_origins: list("server-cors-allowed-origins", ""),
            aggregates_enabled: sources.parse("db-aggregates-enabled", false)?,
            tx_end: sources.parse("db-tx-end", TxEnd::default())?,
            plan_enabled: sources.parse("db-plan-enabled", false)?,
            pre_request: sources.get("db-pre-request").map(str::to_owned),
            request_settings: crate::context::SettingsConfig::new(
                sources
                    .app_settings
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
                sources.parse("jwt-claims-as-settings", false)?,
            ),
        })
    }
}

fn graphql_limits(sources: &Sources) -> Result<GraphqlLimits, ConfigError> {
    let defaults = GraphqlLimits::default();
    let limit = |key: &'static str, default: Option<usize>| -> Result<Option<usize>, ConfigError> {
        let limit = sources.parse(key, default.unwrap_or(0))?;
        Ok((limit > 0).then_some(limit))
    };
    Ok(GraphqlLimits {
        max_depth: limit("graphql-max-depth", defaults.max_depth)?,
        max_complexity: limit("graphql-max-complexity", defaults.max_complexity)?,
        introspection: sources.parse("graphql-introspection", defaults.introspection)?,
    })
}

fn jwt_config(sources: &Sources) -> Result<JwtConfig, ConfigError> {
    let invalid = |key: &'static str| move |reason: String| ConfigError::Invalid { key, reason };
    let role_claim_key = match sources.get("jwt-role-claim-key") {
        Some(path) => RoleClaimKey::parse(path).map_err(invalid("jwt-role-claim-key"))?,
        None => RoleClaimKey::default(),
    };
    let jwks_url = sources
        .get("jwt-jwks-url")
        .map(|url| {
            url.parse::<reqwest::Url>()
                .map_err(|e| e.to_string())
                .and_then(|url| match url.scheme() {
                    "http" | "https" => Ok(url),
                    other => Err(format!("'{other}' is not http or https")),
                })
                .map_err(invalid("jwt-jwks-url"))
        })
        .transpose()?;
    let refresh = sources.parse("jwt-jwks-refresh-interval", DEFAULT_JWKS_REFRESH_SECONDS)?;
    if refresh == 0 {
        return Err(invalid("jwt-jwks-refresh-interval")(
            "must be at least 1".into(),
        ));
    }
    Ok(JwtConfig {
        keys: jwt_secret(sources)?
            .map(|secret| KeySet::from_secret(&secret).map_err(invalid("jwt-secret")))
            .transpose()?
            .unwrap_or_default(),
        jwks_url,
        jwks_refresh_interval: Duration::from_secs(refresh),
        audience: sources.get("jwt-aud").map(str::to_owned),
        role_claim_key,
        cache_max_entries: sources.parse("jwt-cache-max-entries", DEFAULT_JWT_CACHE_MAX_ENTRIES)?,
    })
}

/// `jwt-secret`'s bytes: read from the file named after `@` (less one final newline), then
/// base64-decoded if `jwt-secret-is-base64`.
fn jwt_secret(sources: &Sources) -> Result<Option<Vec<u8>>, ConfigError> {
    let Some(secret) = sources.get("jwt-secret") else {
        return Ok(None);
    };
    let invalid = |reason: String| ConfigError::Invalid {
        key: "jwt-secret",
        reason,
    };
    let secret = match secret.strip_prefix('@') {
        Some(path) => {
            let mut bytes =
                std::fs::read(path).map_err(|e| invalid(format!("cannot read {path}: {e}")))?;
            for ending in [b"\r\n".as_slice(), b"\n"] {
                if bytes.ends_with(ending) {
                    bytes.truncate(bytes.len() - ending.len());
                    break;
                }
            }
            bytes
        }
        None => secret.as_bytes().to_vec(),
    };
    if sources.parse("jwt-secret-is-base64", false)? {
        return base64::engine::general_purpose::STANDARD
            .decode(secret.trim_ascii())
            .map(Some)
            .map_err(|e| invalid(format!("not base64: {e}")));
    }
    Ok(Some(secret))
}

/// `admin-server-host` (default: the server's) and `admin-server-port`, which must differ from
/// `server-port`.
fn admin_address(
    sources: &Sources,
    server_host: IpAddr,
    server_port: u16,
) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(port) = sources
        .get("admin-server-port")
        .map(|_| sources.parse("admin-server-port", 0u16))
        .transpose()?
    else {
        return Ok(None);
    };
    if port == server_port {
        return Err(ConfigError::Invalid {
            key: "admin-server-port",
            reason: format!("must differ from server-port ({server_port})"),
        });
    }
    let host = match sources.get("admin-server-host") {
        Some(value) => host(value).map_err(|_| ConfigError::Invalid {
            key: "admin-server-host",
            reason: format!("'{value}' is not an IP address"),
        })?,
        None => server_host,
    };
    Ok(Some(SocketAddr::new(host, port)))
}

fn host(value: &str) -> Result<IpAddr, ConfigError> {
    match value {
        "!4" | "*4" | "*" => Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        "!6" | "*6" => Ok(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        other => other.parse().map_err(|_| ConfigError::Invalid {
            key: "server-host",
            reason: format!("'{other}' is not an IP address"),
        }),
    }
}

fn path(sources: &Sources, key: &'static str, default: &str) -> Result<String, ConfigError> {
    let value = sources.get(key).unwrap_or(default);
    if !value.starts_with('/') || value.len() < 2 || value[1..].contains('/') {
        return Err(ConfigError::Invalid {
            key,
            reason: format!("'{value}' must be one path segment starting with /"),
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn postgrest_names_work_and_later_sources_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgway.conf");
        std::fs::write(
            &file,
            "# PostgREST config\ndb-uri = \"postgres://a@h:5433/db\"\ndb-schema = \"api\"\nserver-port = 3001\nmax-rows = 100\n",
        )
        .unwrap();
        let mut sources = Sources::default();
        sources.file(&file).unwrap();
        sources.env(vars(&[
            ("PGRST_SERVER_PORT", "4000"),
            ("PGRST_DB_ANON_ROLE", "web_anon"),
        ]));
        sources.set("db-pool", "3").unwrap();
        let config = Config::from_sources(&sources).unwrap();
        assert_eq!(config.schemas, ["api"]);
        assert_eq!(config.port, 4000);
        assert_eq!(config.anon_role.as_deref(), Some("web_anon"));
        assert_eq!(config.max_rows, Some(100));
        assert_eq!(config.pool_size, 3);
        assert_eq!(config.db.get_port(), 5433);
        assert_eq!(config.db.get_database(), Some("db"));
        assert_eq!(config.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn rejects_bad_values_with_one_clear_line() {
        let check = |key: &str, value: &str, expected: &str| {
            let mut sources = Sources::default();
            sources.set(key, value).unwrap();
            assert_eq!(
                Config::from_sources(&sources).unwrap_err().to_string(),
                expected
            );
        };
        check(
            "jwt-secret",
            "short",
            "invalid value for jwt-secret: must be at least 32 characters long",
        );
        check(
            "server-port",
            "http",
            "invalid value for server-port: invalid digit found in string",
        );
        check(
            "db-schemas",
            "api,pg_catalog",
            "invalid value for db-schemas: pg_catalog cannot be exposed",
        );
        check(
            "openapi-mode",
            "follow",
            "invalid value for openapi-mode: 'follow' is not follow-privileges, ignore-privileges or disabled",
        );
        check(
            "graphql-path",
            "graphql",
            "invalid value for graphql-path: 'graphql' must be one path segment starting with /",
        );
        assert_eq!(
            Sources::default().set("db-url", "x").unwrap_err(),
            ConfigError::UnknownKey("db-url".into())
        );
    }

    #[test]
    fn operations_settings() {
        let config = Config::from_sources(&Sources::default()).unwrap();
        assert_eq!(config.pool_max_idletime, Duration::from_secs(30));
        assert_eq!(config.pool_max_lifetime, Duration::from_secs(1800));
        assert_eq!(config.channel.as_deref(), Some("pgrst"));
        assert_eq!(config.admin, None);
        assert_eq!(config.shutdown_grace_period, Duration::from_secs(10));
        assert_eq!(config.max_body_size, 10 * 1024 * 1024);
        assert_eq!(config.trace_header, "x-request-id");
        assert!(!config.server_timing);

        let mut sources = Sources::default();
        sources.env(vars(&[
            ("PGRST_DB_CHANNEL_ENABLED", "false"),
            ("PGRST_ADMIN_SERVER_PORT", "3001"),
            ("PGRST_SERVER_HOST", "127.0.0.1"),
            ("PGRST_DB_POOL_MAX_IDLETIME", "5"),
            ("PGWAY_SERVER_TRACE_HEADER", "Trace-Id"),
            ("PGRST_SERVER_TIMING_ENABLED", "true"),
        ]));
        let config = Config::from_sources(&sources).unwrap();
        assert_eq!(config.channel, None);
        assert_eq!(config.admin, Some("127.0.0.1:3001".parse().unwrap()));
        assert_eq!(config.pool_max_idletime, Duration::from_secs(5));
        assert_eq!(config.trace_header, "trace-id");
        assert!(config.server_timing);
        sources.set("admin-server-host", "::1").unwrap();
        let config = Config::from_sources(&sources).unwrap();
        assert_eq!(config.admin, Some("[::1]:3001".parse().unwrap()));

        let error = |pairs: &[(&str, &str)]| {
            let mut sources = Sources::default();
            for (key, value) in pairs {
                sources.set(key, value).unwrap();
            }
            Config::from_sources(&sources).unwrap_err().to_string()
        };
        assert_eq!(
            error(&[("admin-server-port", "3000")]),
            "invalid value for admin-server-port: must differ from server-port (3000)"
        );
        assert_eq!(
            error(&[
                ("admin-server-port", "3001"),
                ("admin-server-host", "nowhere")
            ]),
            "invalid value for admin-server-host: 'nowhere' is not an IP address"
        );
        assert_eq!(
            error(&[("server-trace-header", "bad header")]),
            "invalid value for server-trace-header: invalid HTTP header name"
        );
    }

    #[tokio::test]
    async fn decodes_base64_secrets() {
        let mut sources = Sources::default();
        sources.env(vars(&[
            (
                "PGRST_JWT_SECRET",
                "YS1zZWNyZXQtdGhhdC1pcy1hdC1sZWFzdC0zMi1ieXRlcy1sb25n",
            ),
            ("PGRST_JWT_SECRET_IS_BASE64", "true"),
        ]));
        let config = Config::from_sources(&sources).unwrap();
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &serde_json::json!({"role": "r"}),
            &jsonwebtoken::EncodingKey::from_secret(b"a-secret-that-is-at-least-32-bytes-long"),
        )
        .unwrap();
        let auth = crate::auth::Authenticator::new(&config.jwt, None);
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {token}")))
                .await
                .unwrap()
                .role,
            "r"
        );
    }

    #[test]
    fn graphql_limits() {
        let config = Config::from_sources(&Sources::default()).unwrap();
        assert_eq!(config.graphql_limits, GraphqlLimits::default());
        assert_eq!(
            (
                config.graphql_limits.max_depth,
                config.graphql_limits.max_complexity
            ),
            (Some(16), Some(1000))
        );
        let mut sources = Sources::default();
        sources.env(vars(&[
            ("PGRST_GRAPHQL_MAX_DEPTH", "0"),
            ("PGRST_GRAPHQL_MAX_COMPLEXITY", "50"),
            ("PGRST_GRAPHQL_INTROSPECTION", "false"),
        ]));
        assert_eq!(
            Config::from_sources(&sources).unwrap().graphql_limits,
            GraphqlLimits {
                max_depth: None,
                max_complexity: Some(50),
                introspection: false,
            }
        );
        assert_eq!(config.graphql_persisted_queries, 0);
        sources.env(vars(&[("PGRST_GRAPHQL_PERSISTED_QUERIES", "500")]));
        let config = Config::from_sources(&sources).unwrap();
        assert_eq!(config.graphql_persisted_queries, 500);
    }

    #[test]
    fn jwt_settings() {
        let config = Config::from_sources(&Sources::default()).unwrap();
        assert!(!config.jwt.is_configured());
        assert_eq!(config.jwt.cache_max_entries, 1000);
        assert_eq!(config.jwt.jwks_refresh_interval, Duration::from_secs(300));
        let dir = tempfile::tempdir().unwrap();
        let jwk = dir.path().join("key.jwk");
        std::fs::write(
            &jwk,
            r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#.to_owned() + "\n",
        )
        .unwrap();
        let mut sources = Sources::default();
        sources.env(vars(&[
            ("PGRST_JWT_SECRET", &format!("@{}", jwk.display())),
            ("PGRST_JWT_AUD", "pgway"),
            ("PGRST_ROLE_CLAIM_KEY", "$.realm_access.roles[0]"),
            ("PGRST_JWT_CACHE_MAX_ENTRIES", "0"),
            ("PGWAY_JWT_JWKS_URL", "https://id.example.com/jwks.json"),
            ("PGWAY_JWT_JWKS_REFRESH_INTERVAL", "60"),
        ]));
        let config = Config::from_sources(&sources).unwrap();
        assert!(config.jwt.is_configured());
        assert!(!config.jwt.keys.is_empty());
        assert_eq!(config.jwt.audience.as_deref(), Some("pgway"));
        assert_eq!(config.jwt.cache_max_entries, 0);
        assert_eq!(
            config.jwt.jwks_url.unwrap().as_str(),
            "https://id.example.com/jwks.json"
        );
        assert_eq!(config.jwt.jwks_refresh_interval, Duration::from_secs(60));
    }

    #[test]
    fn rejects_bad_jwt_settings_with_one_clear_line() {
        let check = |pairs: &[(&str, &str)], expected: &str| {
            let mut sources = Sources::default();
            for (key, value) in pairs {
                sources.set(key, value).unwrap();
            }
            let error = Config::from_sources(&sources).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
            assert!(!error.contains('\n'), "{error}");
        };
        check(
            &[("jwt-secret", "@/nonexistent/jwt.key")],
            "invalid value for jwt-secret: cannot read /nonexistent/jwt.key: ",
        );
        check(
            &[("jwt-secret", r#"{"kty":"RSA","n":"%%%","e":"AQAB"}"#)],
            "invalid value for jwt-secret: key #1: ",
        );
        check(
            &[("jwt-secret", "{\"kty\":")],
            "invalid value for jwt-secret: not a valid JWK or JWKS: ",
        );
        check(
            &[("jwt-secret", "c2hvcnQ="), ("jwt-secret-is-base64", "true")],
            "invalid value for jwt-secret: must be at least 32 characters long",
        );
        check(
            &[("jwt-role-claim-key", "$.roles[")],
            "invalid value for jwt-role-claim-key: '$.roles[' is not a JSONPath: ",
        );
        check(
            &[("jwt-jwks-url", "ftp://example.com/jwks")],
            "invalid value for jwt-jwks-url: 'ftp' is not http or https",
        );
        check(
            &[("jwt-jwks-url", "not a url")],
            "invalid value for jwt-jwks-url: relative URL without a base",
        );
        check(
            &[("jwt-jwks-refresh-interval", "0")],
            "invalid value for jwt-jwks-refresh-interval: must be at least 1",
        );
        check(
            &[("jwt-cache-max-entries", "-1")],
            "invalid value for jwt-cache-max-entries: invalid digit",
        );
    }
}
