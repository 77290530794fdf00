//! The documents of one schema cache, as JSON: each exposed schema's whole document, built
//! up front, and the documents of what roles may use, built on first demand and kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;

use super::{Options, Privileges, Scope, document};
use crate::error::ApiError;
use crate::schema::{Cache, Ident};

/// Bytes of documents (and their keys) kept per schema cache: a deployment has a handful of
/// distinct privilege sets, but a large schema's document can take megabytes.
const KEPT_BYTES: u64 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("Root endpoint metadata is disabled")]
    Disabled,
    #[error("cannot read the role's privileges: {0}")]
    Privileges(serde_json::Error),
    #[error("cannot serialise the OpenAPI document: {0}")]
    Serialise(serde_json::Error),
}

impl From<OpenApiError> for ApiError {
    fn from(error: OpenApiError) -> ApiError {
        let message = error.to_string();
        match error {
            OpenApiError::Disabled => ApiError::new(StatusCode::NOT_FOUND, "PGRST126", message),
            OpenApiError::Privileges(_) | OpenApiError::Serialise(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "PGRSTX00", message)
            }
        }
    }
}

pub struct Documents {
    cache: Arc<Cache>,
    options: Options,
    everything: BTreeMap<Ident, Arc<str>>,
    /// By schema and the privileges' JSON text as Postgres wrote it.
    granted: moka::sync::Cache<(Ident, String), Arc<str>>,
}

impl Documents {
    /// Builds the whole document of every exposed schema.
    pub fn build(cache: Arc<Cache>, options: Options) -> Result<Documents, OpenApiError> {
        let everything = cache
            .schemas
            .iter()
            .map(|schema| {
                let json = document(&cache, schema, &options, Scope::Everything).to_json();
                Ok((
                    schema.clone(),
                    Arc::from(json.map_err(OpenApiError::Serialise)?),
                ))
            })
            .collect::<Result<_, OpenApiError>>()?;
        Ok(Documents {
            cache,
            options,
            everything,
            granted: moka::sync::Cache::builder()
                .weigher(|(_, privileges): &(Ident, String), json: &Arc<str>| {
                    u32::try_from(privileges.len() + json.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(KEPT_BYTES)
                .build(),
        })
    }

    /// The whole document of `schema` (`ignore-privileges`).
    pub fn everything(&self, schema: &Ident) -> Arc<str> {
        self.everything
            .get(schema)
            .cloned()
            .unwrap_or_else(|| Arc::from("{}"))
    }

    /// The document of what a role may use in `schema`, given its privileges as the JSON text
    /// that `privileges_statement` returned.
    pub fn granted(&self, schema: &Ident, privileges: String) -> Result<Arc<str>, OpenApiError> {
        let key = (schema.clone(), privileges);
        if let Some(json) = self.granted.get(&key) {
            return Ok(json);
        }
        let parsed: Privileges = serde_json::from_str(&key.1).map_err(OpenApiError::Privileges)?;
        let scope = Scope::Granted(&parsed);
        let json = document(&self.cache, schema, &self.options, scope)
            .to_json()
            .map_err(OpenApiError::Serialise)?;
        let json: Arc<str> = Arc::from(json);
        self.granted.insert(key, json.clone());
        Ok(json)
    }
}
