//! Settings, from (lowest to highest precedence) defaults, a PostgREST-style config file,
//! `PGRST_*` and `PGWAY_*` environment variables, and command-line flags.
//!
//! Keys are PostgREST's (`db-uri`, `db-schemas`, `jwt-secret`, …), so an existing PostgREST
//! configuration works unchanged. This is the only module that reads them.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine;
use sqlx::postgres::PgConnectOptions;

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
        name: "jwt-secret",
        aliases: &[],
        help: "HMAC secret (at least 32 characters) verifying JWTs",
    },
    Key {
        name: "jwt-secret-is-base64",
        aliases: &[],
        help: "Whether jwt-secret is base64-encoded [default: false]",
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
        name: "openapi-server-proxy-uri",
        aliases: &[],
        help: "Public URL of the API, for the OpenAPI document behind a proxy",
    },
    Key {
        name: "graphql-path",
        aliases: &[],
        help: "Path of the GraphQL endpoint and GraphiQL [default: /graphql]",
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
    pub jwt_secret: Option<Vec<u8>>,
    pub host: IpAddr,
    pub port: u16,
    pub openapi_server_url: Option<String>,
    pub graphql_path: String,
    pub docs_path: String,
    pub log_level: String,
}

/// PostgREST refuses shorter HMAC secrets, and so do we.
const MIN_SECRET_LENGTH: usize = 32;

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
            jwt_secret: jwt_secret(sources)?,
            host: host(sources.get("server-host").unwrap_or("!4"))?,
            port: sources.parse("server-port", 3000)?,
            openapi_server_url: sources.get("openapi-server-proxy-uri").map(str::to_owned),
            graphql_path: path(sources, "graphql-path", "/graphql")?,
            docs_path: path(sources, "docs-path", "/docs")?,
            log_level: sources.get("log-level").unwrap_or("info").to_owned(),
        })
    }
}

fn jwt_secret(sources: &Sources) -> Result<Option<Vec<u8>>, ConfigError> {
    let Some(secret) = sources.get("jwt-secret") else {
        return Ok(None);
    };
    let secret = if sources.parse("jwt-secret-is-base64", false)? {
        base64::engine::general_purpose::STANDARD
            .decode(secret)
            .map_err(|e| ConfigError::Invalid {
                key: "jwt-secret",
                reason: format!("not base64: {e}"),
            })?
    } else {
        secret.as_bytes().to_vec()
    };
    if secret.len() < MIN_SECRET_LENGTH {
        return Err(ConfigError::Invalid {
            key: "jwt-secret",
            reason: format!("must be at least {MIN_SECRET_LENGTH} characters long"),
        });
    }
    Ok(Some(secret))
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
    fn decodes_base64_secrets() {
        let mut sources = Sources::default();
        sources.env(vars(&[
            (
                "PGRST_JWT_SECRET",
                "YS1zZWNyZXQtdGhhdC1pcy1hdC1sZWFzdC0zMi1ieXRlcy1sb25n",
            ),
            ("PGRST_JWT_SECRET_IS_BASE64", "true"),
        ]));
        let config = Config::from_sources(&sources).unwrap();
        assert_eq!(
            config.jwt_secret.unwrap(),
            b"a-secret-that-is-at-least-32-bytes-long"
        );
    }
}
