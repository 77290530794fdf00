//! What a request tells the database about itself: who calls, the request line, its headers and
//! cookies, and the extra settings (`app.settings.*`, `jwt.claims.*`) of the configuration.
//!
//! REST and GraphQL build it the same way, so functions and policies see the same settings
//! whichever API was called. Building it notes the role and the authentication's duration in the
//! request's trace (the log line and `Server-Timing`).

use std::time::Instant;

use axum::http::{HeaderMap, Method, Uri, header};
use serde_json::{Map, Value};

use crate::auth::{AuthError, Authenticator, Identity};
use crate::db::RequestSettings;
use crate::server::trace::{self, Phase};

/// Configuration of the settings every request carries.
#[derive(Debug, Clone)]
pub struct SettingsConfig {
    /// `app.settings.*` from the configuration, set on every request.
    app_settings: Map<String, Value>,
    /// The same as JSON, serialised once.
    app_settings_json: String,
    /// Also set each top-level claim as `jwt.claims.<name>`, as PostGraphile does.
    claims_as_settings: bool,
}

impl SettingsConfig {
    pub fn new(app_settings: Map<String, Value>, claims_as_settings: bool) -> SettingsConfig {
        let app_settings_json = Value::Object(app_settings.clone()).to_string();
        SettingsConfig {
            app_settings,
            app_settings_json,
            claims_as_settings,
        }
    }
}

impl Default for SettingsConfig {
    fn default() -> SettingsConfig {
        SettingsConfig::new(Map::new(), false)
    }
}

/// One request's caller and settings.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub identity: Identity,
    method: String,
    path: String,
    /// JSON of the request's headers, names lower-cased.
    headers: String,
    /// JSON of the request's cookies.
    cookies: String,
    /// JSON object of the other settings: `app.settings.*` and `jwt.claims.*`.
    extra: String,
}

impl RequestContext {
    pub async fn new(
        auth: &Authenticator,
        config: &SettingsConfig,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<RequestContext, AuthError> {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let started = Instant::now();
        let identity = auth.authenticate(authorization).await?;
        trace::timed(Phase::Jwt, started);
        trace::role(&identity.role);
        let extra = if config.claims_as_settings {
            let mut extra = config.app_settings.clone();
            extra.extend(claim_settings(&identity));
            Value::Object(extra).to_string()
        } else {
            config.app_settings_json.clone()
        };
        Ok(RequestContext {
            method: method.to_string(),
            path: uri.path().to_owned(),
            headers: headers_json(headers),
            cookies: cookies_json(headers),
            extra,
            identity,
        })
    }

    /// Adds a setting for this request's transaction (e.g. `timezone` from `Prefer`).
    pub fn set(&mut self, name: &str, value: &str) {
        let mut extra: Map<String, Value> = serde_json::from_str(&self.extra).unwrap_or_default();
        extra.insert(name.to_owned(), Value::String(value.to_owned()));
        self.extra = Value::Object(extra).to_string();
    }

    /// The settings of a transaction running with `search_path`.
    pub fn settings<'a>(&'a self, search_path: &'a str) -> RequestSettings<'a> {
        RequestSettings {
            identity: &self.identity,
            search_path,
            method: &self.method,
            path: &self.path,
            headers: &self.headers,
            cookies: &self.cookies,
            extra: &self.extra,
        }
    }
}

fn headers_json(headers: &HeaderMap) -> String {
    let mut object = Map::new();
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            object.insert(name.as_str().to_owned(), Value::String(value.to_owned()));
        }
    }
    Value::Object(object).to_string()
}

fn cookies_json(headers: &HeaderMap) -> String {
    let mut object = Map::new();
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    for pair in cookies.flat_map(|c| c.split(';')) {
        if let Some((name, value)) = pair.trim().split_once('=') {
            object.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    }
    Value::Object(object).to_string()
}

/// `jwt.claims.<name>` for each top-level claim whose name is a valid setting name part.
fn claim_settings(identity: &Identity) -> impl Iterator<Item = (String, Value)> + '_ {
    identity
        .claims
        .iter()
        .filter(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(name, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (format!("jwt.claims.{name}"), Value::String(text))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn headers_and_cookies_as_json() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Request-Id", HeaderValue::from_static("abc"));
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=two"));
        let json: Value = serde_json::from_str(&headers_json(&headers)).unwrap();
        assert_eq!(json["x-request-id"], "abc");
        let cookies: Value = serde_json::from_str(&cookies_json(&headers)).unwrap();
        assert_eq!(cookies, serde_json::json!({"a": "1", "b": "two"}));
    }

    #[test]
    fn claims_become_settings_when_their_names_are_plain() {
        let identity = Identity {
            role: "r".into(),
            claims: serde_json::from_str(r#"{"sub": "42", "n": 7, "x; drop": "no", "role": "r"}"#)
                .unwrap(),
            authenticated: true,
        };
        let settings: Map<String, Value> = claim_settings(&identity).collect();
        assert_eq!(
            Value::Object(settings),
            serde_json::json!({"jwt.claims.sub": "42", "jwt.claims.n": "7", "jwt.claims.role": "r"})
        );
    }
}
