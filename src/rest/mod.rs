//! PostgREST's HTTP interface: `/{relation}` reads and inserts.
//!
//! A handler authenticates, parses the URL and headers into a plan request, lets `plan` check it,
//! has `sql` render it and `db` run it, and shapes the HTTP response around the body Postgres
//! built. It never builds SQL itself.

mod error;
mod grammar;
mod headers;
mod media;
pub mod query;
mod response;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

pub use error::RequestError;
use headers::{CountPreference, Preferences, ReturnPreference};

use crate::app::App;
use crate::context::RequestContext;
use crate::db::Access;
use crate::error::ApiError;
use crate::plan::{self, InsertPlan, InsertRequest, ReadPlan};
use crate::sql;

/// Routes for relations; anything deeper than one segment is PGRST125.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/{relation}",
            get(read).post(create).fallback(unsupported_method),
        )
        .route("/rpc/{function}", axum::routing::any(rpc))
}

async fn read(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = RequestContext::new(&app.auth, &app.settings.request, &method, &uri, &headers)?;
    let api = app.api();
    let schema = headers::profile(&headers, false, &api.cache.schemas)?;
    let media = media::negotiate(&headers)?;
    let preferences = Preferences::from_headers(&headers);
    let mut params = query::parse(uri.query().unwrap_or_default())?;
    if let Some((offset, limit)) = headers::range(&headers)? {
        params.read.range = plan::Range { offset, limit };
    }
    let target = plan::relation(&api.cache, schema, &relation)?;
    let plan = ReadPlan::build(&api.cache, target, params.read, app.settings.read_options())?;
    let settings = caller.settings(api.search_path(schema));
    let shape = media.shape();
    let max_rows = app
        .settings
        .max_rows
        .and_then(|max| i64::try_from(max).ok());
    let output = match (preferences.count, max_rows) {
        (Some(CountPreference::Planned), _) => {
            let estimate = sql::estimate(&plan);
            let read = |_| sql::read(&plan, shape, false);
            app.db
                .run_estimated(&settings, Access::ReadOnly, estimate, read)
                .await
        }
        // Exact up to db-max-rows, the planner's estimate above.
        (Some(CountPreference::Estimated), Some(max)) => {
            let estimate = sql::estimate(&plan);
            let read = |rows| sql::read(&plan, shape, rows <= max);
            app.db
                .run_estimated(&settings, Access::ReadOnly, estimate, read)
                .await
        }
        (count, _) => {
            let statement = sql::read(&plan, shape, count.is_some());
            app.db.run(&settings, Access::ReadOnly, statement).await
        }
    }
    .map_err(|e| e.into_api_error(caller.identity.authenticated))?;
    let location = response::location(uri.path(), uri.query());
    response::read(media, plan.range.offset, output, &preferences, location)
}

async fn create(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = RequestContext::new(&app.auth, &app.settings.request, &method, &uri, &headers)?;
    let api = app.api();
    let schema = headers::profile(&headers, true, &api.cache.schemas)?;
    headers::accept_json(&headers)?;
    let preferences = Preferences::from_headers(&headers);
    let params = query::parse(uri.query().unwrap_or_default())?;
    let target = plan::relation(&api.cache, schema, &relation)?;
    let body = json_body(&headers, body)?;
    let returning = preferences.return_ == Some(ReturnPreference::Representation);
    let request = InsertRequest {
        columns: match params.columns {
            Some(columns) => columns,
            None => body_keys(&body.parsed)?,
        },
        body: body.text,
        returning: returning.then_some(params.read),
    };
    let plan = InsertPlan::build(&api.cache, target, request, app.settings.read_options())?;
    let output = app
        .db
        .run(
            &caller.settings(api.search_path(schema)),
            Access::ReadWrite,
            sql::insert(plan, sql::Shape::Array),
        )
        .await
        .map_err(|e| e.into_api_error(caller.identity.authenticated))?;
    Ok(response::created(&preferences, returning.then_some(output)))
}

async fn rpc(method: Method) -> Result<Response, ApiError> {
    Err(RequestError::NotImplemented(format!(
        "calling functions ({method} /rpc/…) is not supported yet"
    ))
    .into())
}

async fn unsupported_method(method: Method) -> Result<Response, ApiError> {
    let error = match method {
        Method::PATCH | Method::PUT | Method::DELETE | Method::OPTIONS => {
            RequestError::NotImplemented(format!("{method} on relations is not supported yet"))
        }
        other => RequestError::UnsupportedMethod(other.to_string()),
    };
    Err(error.into())
}

/// A JSON body, as sent and parsed.
struct JsonBody {
    text: String,
    parsed: Value,
}

fn json_body(headers: &HeaderMap, body: Bytes) -> Result<JsonBody, RequestError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Some(media) = content_type.map(|c| c.split(';').next().unwrap_or_default().trim())
        && !matches!(media, "application/json" | "")
    {
        return Err(RequestError::NotImplemented(format!(
            "request bodies of type {media} are not supported yet"
        )));
    }
    let invalid = || RequestError::InvalidBody("Empty or invalid json".into());
    let text = String::from_utf8(body.into()).map_err(|_| invalid())?;
    let parsed: Value = serde_json::from_str(&text).map_err(|_| invalid())?;
    Ok(JsonBody { text, parsed })
}

/// The keys shared by every object of the body (PGRST102 when they differ).
fn body_keys(body: &Value) -> Result<Vec<String>, RequestError> {
    let objects: Vec<&serde_json::Map<String, Value>> = match body {
        Value::Object(object) => vec![object],
        Value::Array(items) => items
            .iter()
            .map(Value::as_object)
            .collect::<Option<_>>()
            .ok_or_else(|| RequestError::InvalidBody("All object keys must match".into()))?,
        _ => return Err(RequestError::InvalidBody("Empty or invalid json".into())),
    };
    let Some(first) = objects.first() else {
        return Ok(Vec::new());
    };
    let keys: Vec<String> = first.keys().cloned().collect();
    let same = |o: &&serde_json::Map<String, Value>| {
        o.len() == keys.len() && keys.iter().all(|k| o.contains_key(k))
    };
    if objects.iter().all(same) {
        Ok(keys)
    } else {
        Err(RequestError::InvalidBody(
            "All object keys must match".into(),
        ))
    }
}
