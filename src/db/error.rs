//! Database failures and how PostgREST maps them to HTTP.

use axum::http::{HeaderValue, StatusCode, header};
use sqlx::postgres::PgDatabaseError;

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("Timed out acquiring connection from connection pool.")]
    PoolTimeout,
    /// No connection could be had: the database is down, refuses pgway, or is unknown.
    #[error("Database connection error. Retrying the connection.")]
    Unreachable(String),
    /// A connection broke while in use.
    #[error("Database client error. Retrying the connection.")]
    Connection(String),
    /// An error Postgres raised, with its own fields.
    #[error("{message}")]
    Postgres {
        code: String,
        message: String,
        detail: Option<String>,
        hint: Option<String>,
    },
    #[error("{0}")]
    Internal(String),
    /// The output failed the request's check; the transaction was rolled back.
    #[error("{}", .0.message)]
    Rejected(ApiError),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut => DbError::PoolTimeout,
            sqlx::Error::Io(e) => DbError::Connection(e.to_string()),
            sqlx::Error::Tls(e) => DbError::Connection(e.to_string()),
            sqlx::Error::PoolClosed => DbError::Connection("pool closed".into()),
            sqlx::Error::Database(e) => match e.try_downcast_ref::<PgDatabaseError>() {
                Some(pg) => DbError::Postgres {
                    code: pg.code().to_owned(),
                    message: pg.message().to_owned(),
                    detail: pg.detail().map(str::to_owned),
                    hint: pg.hint().map(str::to_owned),
                },
                None => DbError::Internal(e.message().to_owned()),
            },
            other => DbError::Internal(other.to_string()),
        }
    }
}

impl DbError {
    /// A serialization failure or deadlock: Postgres rolled the transaction back, and running it
    /// again may well succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, DbError::Postgres { code, .. } if code == "40001" || code == "40P01")
    }

    /// The error of getting a connection and beginning a transaction: failures to connect are
    /// PGRST000, whatever sqlx calls them.
    pub(super) fn at_connect(error: sqlx::Error) -> DbError {
        if is_unreachable(&error) {
            return DbError::Unreachable(error.to_string());
        }
        DbError::from(error)
    }

    /// The HTTP error; `authenticated` decides 401 or 403 on insufficient privilege.
    pub fn into_api_error(self, authenticated: bool) -> ApiError {
        let message = self.to_string();
        match self {
            DbError::PoolTimeout => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "PGRST003", message),
            DbError::Unreachable(detail) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "PGRST000", message).details(detail)
            }
            DbError::Connection(detail) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "PGRST001", message).details(detail)
            }
            DbError::Rejected(error) => error,
            DbError::Internal(message) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "PGRSTX00", message)
            }
            DbError::Postgres {
                code,
                message,
                detail,
                ..
            } if code == "PGRST" => raised(&message, detail.as_deref()),
            DbError::Postgres {
                code,
                message,
                detail,
                hint,
            } => {
                let status = status_of(&code, &message, authenticated);
                let mut error = ApiError::new(status, code, message);
                error.details = detail.map(|d| Box::new(d.into()));
                error.hint = hint;
                if status == StatusCode::UNAUTHORIZED {
                    error =
                        error.header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                error
            }
        }
    }
}

/// `RAISE SQLSTATE 'PGRST'`: the function chose the whole error, as PostgREST lets it. The
/// message is the JSON body (`code`, `message`, `details`, `hint`), the detail the HTTP part
/// (`status`, `headers`); PGRST121 when either is not such JSON.
fn raised(message: &str, detail: Option<&str>) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        code: String,
        message: String,
        details: Option<serde_json::Value>,
        hint: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Http {
        status: u16,
        headers: std::collections::BTreeMap<String, String>,
    }
    let body = serde_json::from_str::<Body>(message);
    let http = serde_json::from_str::<Http>(detail.unwrap_or_default());
    let (Ok(body), Ok(http)) = (body, http) else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "PGRST121",
            "Could not parse JSON in the RAISE SQLSTATE 'PGRST' error",
        )
        .details(format!(
            "MESSAGE: {message}, DETAIL: {}",
            detail.unwrap_or_default()
        ))
        .hint("MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'. DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.");
    };
    let status = StatusCode::from_u16(http.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut error = ApiError::new(status, body.code, body.message);
    error.details = body.details.map(Box::new);
    error.hint = body.hint;
    for (name, value) in http.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            error = error.header(name, value);
        }
    }
    error
}

/// Whether `error` says the database cannot be reached (down, starting, shutting down, refusing
/// this login, or too busy for another connection), rather than that a statement failed.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            let class = code.get(..2).unwrap_or_default();
            matches!(class, "08" | "28" | "3D")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// PostgREST's SQLSTATE → HTTP status table (first match wins).
fn status_of(code: &str, message: &str, authenticated: bool) -> StatusCode {
    let class = code.get(..2).unwrap_or(code);
    let status = match (code, class) {
        ("42501", _) if authenticated => 403,
        ("42501", _) => 401,
        ("21000", _) if message.ends_with("requires a WHERE clause") => 400,
        ("21000", _) => 500,
        ("22023", _) if message.starts_with("role ") && message.ends_with("does not exist") => 401,
        ("23503" | "23505", _) => 409,
        ("25006", _) => 405,
        ("42883", _) if message.starts_with("function xmlagg(") => 406,
        ("42883" | "42P01", _) => 404,
        ("42P17" | "53400", _) => 500,
        ("57P01", _) => 503,
        ("P0001", _) => 400,
        (_, "08" | "53") => 503,
        (_, "0L" | "0P" | "28") => 403,
        (_, "09" | "25" | "2D" | "38" | "39" | "3B" | "40" | "54" | "55" | "57" | "58") => 500,
        (_, "F0" | "HV" | "XX" | "P0") => 500,
        (_, "PT") => code[2..].parse().unwrap_or(500),
        _ => 400,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::status_of;

    #[test]
    fn maps_sqlstates_like_postgrest() {
        let cases = [
            ("42501", "permission denied for table accounts", false, 401),
            ("42501", "permission denied for table accounts", true, 403),
            ("23505", "duplicate key value", true, 409),
            ("23503", "foreign key violation", true, 409),
            ("22023", "role \"nobody\" does not exist", true, 401),
            ("22023", "invalid parameter", true, 400),
            ("42P01", "relation does not exist", false, 404),
            (
                "25006",
                "cannot execute INSERT in a read-only transaction",
                false,
                405,
            ),
            ("P0001", "raised", false, 400),
            ("PT402", "payment required", false, 402),
            ("PTabc", "bad custom code", false, 500),
            ("08006", "connection failure", false, 503),
            ("22P02", "invalid input syntax for type integer", false, 400),
            ("42703", "column does not exist", false, 400),
            ("XX000", "internal", false, 500),
        ];
        for (code, message, authenticated, status) in cases {
            assert_eq!(
                status_of(code, message, authenticated).as_u16(),
                status,
                "{code}"
            );
        }
    }
}
