//! `/rpc/{function}`: PostgREST's functions as RPC.
//!
//! GET and HEAD pass the arguments in the query string, POST in the body (a JSON object, a form,
//! CSV, or a raw `text/plain`, `text/xml` or `application/octet-stream` body for a function of one
//! parameter of that type). The other query parameters shape the result as a read's do. GET and
//! HEAD run read-only, as does a POST to a STABLE or IMMUTABLE function; OPTIONS answers which
//! methods the function allows; other methods are PGRST101.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::headers::{self, CountPreference, Preferences};
use super::media::{self, MediaType};
use super::{RequestError, body, query, response};
use crate::app::App;
use crate::context::RequestContext;
use crate::db::{Access, Output, RequestSettings, Transaction};
use crate::error::ApiError;
use crate::plan::{self, ArgumentsRequest, CallPlan, CallRequest, RawBody};
use crate::schema::Volatility;
use crate::server::trace::{self, Phase};
use crate::sql::{self, Statement};

/// GET, HEAD and POST: calls the function and answers its result.
pub(super) async fn call(
    State(app): State<Arc<App>>,
    Path(function): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut caller =
        RequestContext::new(&app.auth, &app.settings.request, &method, &uri, &headers).await?;
    let api = app.api();
    let read_only = method != Method::POST;
    let schema = headers::profile(&headers, !read_only, &api.cache.schemas)?;
    let offers = media::Offers {
        plans: false,
        geojson: api.cache.postgis,
    };
    let media = media::negotiate(&headers, offers)?;
    let preferences = preferences(&app, &headers, &mut caller)?;
    let request = request(function, read_only, &uri, &headers, body)?;
    trace::lap(Phase::Parse);
    let plan = CallPlan::build(&api.cache, schema, request, app.settings.read_options())?;
    trace::lap(Phase::Plan);
    let set_of = plan.result.as_ref().is_some_and(|r| r.set_of);
    if preferences.enforced_max_affected().is_some() && !set_of {
        return Err(RequestError::MaxAffectedNotSet.into());
    }
    // GET and HEAD never write; a POST writes only through a VOLATILE function.
    let access = match plan.volatility {
        Volatility::Volatile if !read_only => Access::ReadWrite,
        _ => Access::ReadOnly,
    };
    let offset = plan.result.as_ref().map_or(0, |r| r.read.range.offset);
    let void = plan.result.is_none();
    let output = Call {
        app: &app,
        settings: caller.settings(api.search_path(schema)),
        authenticated: caller.identity.authenticated,
        access,
        media,
        preferences: &preferences,
    }
    .run(plan)
    .await?;
    trace::lap(Phase::Transaction);
    response::call(media, offset, output, &preferences, void)
}

/// OPTIONS: the methods the function allows (a VOLATILE one: no GET), found as a GET finds it.
pub(super) async fn options(
    State(app): State<Arc<App>>,
    Path(function): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let api = app.api();
    let schema = headers::profile(&headers, false, &api.cache.schemas)?;
    let request = request(function, true, &uri, &headers, Bytes::new())?;
    let plan = CallPlan::build(&api.cache, schema, request, app.settings.read_options())?;
    let allow = match plan.volatility {
        Volatility::Volatile => "OPTIONS,POST",
        Volatility::Stable | Volatility::Immutable => "OPTIONS,GET,HEAD,POST",
    };
    Ok(([(header::ALLOW, allow)], "").into_response())
}

/// Any other method: PGRST101.
pub(super) async fn other_method(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "PGRST101",
        format!("Cannot use the {method} method on RPC"),
    )
}

/// The preferences a call honours: not `return=` nor the upsert ones, and `tx=` only where
/// `db-tx-end` lets it override.
fn preferences(
    app: &App,
    headers: &HeaderMap,
    caller: &mut RequestContext,
) -> Result<Preferences, RequestError> {
    let mut preferences = Preferences::from_headers(headers);
    preferences.check_strict()?;
    preferences.apply_timezone(caller);
    preferences.return_ = None;
    preferences.resolution = None;
    preferences.missing = None;
    if !app.settings.tx_end.overridable {
        preferences.tx = None;
    }
    Ok(preferences)
}

/// The call a request asks for: its arguments from the query string (`read_only`: GET, HEAD and
/// OPTIONS) or the body, and the read of the result from the rest of the query string.
fn request(
    function: String,
    read_only: bool,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<CallRequest, RequestError> {
    let raw_query = uri.query().unwrap_or_default();
    let (arguments, mut params) = if read_only {
        let (arguments, params) = query::parse_call(raw_query)?;
        (ArgumentsRequest::Text(arguments), params)
    } else {
        let params = query::parse(raw_query)?;
        (arguments(headers, body, params.columns.clone())?, params)
    };
    // As PostgREST, a Range header counts for GET (and HEAD) only.
    if read_only && let Some((offset, limit)) = headers::range(headers)? {
        params.read.range = plan::Range { offset, limit };
    }
    Ok(CallRequest {
        function,
        arguments,
        read: params.read,
    })
}

/// How one call runs.
struct Call<'a> {
    app: &'a App,
    settings: RequestSettings<'a>,
    /// Whether the caller signed in, which decides the status of permission errors.
    authenticated: bool,
    access: Access,
    media: MediaType,
    preferences: &'a Preferences,
}

impl Call<'_> {
    /// Runs the call, counting the result's rows as asked; with a planner's count, in a
    /// transaction of its own, else ended as configured or preferred after the checks.
    async fn run(&self, plan: CallPlan) -> Result<Output, ApiError> {
        let settings = &self.settings;
        let shape = self.media.shape();
        let db = &self.app.db;
        let max_rows = self
            .app
            .settings
            .max_rows
            .and_then(|max| i64::try_from(max).ok());
        let count = self.preferences.count;
        let estimate = match count {
            Some(CountPreference::Planned | CountPreference::Estimated) => {
                sql::call_estimate(&plan)
            }
            _ => None,
        };
        let output = match (count, max_rows, estimate) {
            (Some(CountPreference::Planned), _, Some(estimate)) => {
                let statement = |_| sql::call(plan, shape, false);
                db.run_estimated(settings, self.access, estimate, statement)
                    .await
            }
            // Exact up to db-max-rows, the planner's estimate above.
            (Some(CountPreference::Estimated), Some(max), Some(estimate)) => {
                let statement = |rows| sql::call(plan, shape, rows <= max);
                db.run_estimated(settings, self.access, estimate, statement)
                    .await
            }
            (count, _, _) => {
                let statement = sql::call(plan, shape, count.is_some());
                return self.checked(&statement).await;
            }
        };
        output.map_err(|e| e.into_api_error(self.authenticated))
    }

    /// Runs the statement, rolling back a result that is not one object when one was asked for,
    /// or more rows than `max-affected`, as PostgREST checks a call.
    async fn checked(&self, statement: &Statement) -> Result<Output, ApiError> {
        let transaction = Transaction {
            access: self.access,
            end: self.preferences.end(self.app.settings.tx_end.end),
        };
        let singular = matches!(self.media, MediaType::Object { .. });
        let check = response::check(self.preferences.enforced_max_affected(), singular);
        self.app
            .db
            .execute(&self.settings, transaction, statement, &check)
            .await
            .map_err(|e| e.into_api_error(self.authenticated))
    }
}

/// The arguments a POST's body carries, by its `Content-Type` (JSON when absent).
fn arguments(
    headers: &HeaderMap,
    body: Bytes,
    columns: Option<Vec<String>>,
) -> Result<ArgumentsRequest, RequestError> {
    let content_type = headers::content_type(headers).unwrap_or_default();
    let text = |body: Bytes| {
        String::from_utf8(body.into())
            .map_err(|_| RequestError::InvalidBody("The body is not valid UTF-8".into()))
    };
    match content_type.as_str() {
        "" | "application/json" => json_arguments(text(body)?, columns),
        "application/x-www-form-urlencoded" => {
            Ok(ArgumentsRequest::Text(query::form(&text(body)?)))
        }
        // As PostgREST: the first row's fields are the arguments.
        "text/csv" => {
            let rows = body::rows(headers, body, columns)?;
            Ok(ArgumentsRequest::Json {
                body: Value::Object(rows.first).to_string(),
                keys: rows.payload.columns,
            })
        }
        "text/plain" => Ok(ArgumentsRequest::Raw(RawBody::Text(text(body)?))),
        "text/xml" => Ok(ArgumentsRequest::Raw(RawBody::Xml(text(body)?))),
        "application/octet-stream" => Ok(ArgumentsRequest::Raw(RawBody::Bytes(body.into()))),
        other => Err(RequestError::InvalidBody(format!(
            "Content-Type not acceptable: {other}"
        ))),
    }
}

/// A JSON body: an empty one is `{}`; the argument names are `?columns=`, else the keys of the
/// object (or of the array's objects, which must all have the same keys).
fn json_arguments(
    body: String,
    columns: Option<Vec<String>>,
) -> Result<ArgumentsRequest, RequestError> {
    let body = if body.is_empty() {
        "{}".to_owned()
    } else {
        body
    };
    let parsed: Value = serde_json::from_str(&body)
        .map_err(|_| RequestError::InvalidBody("Empty or invalid json".into()))?;
    let keys = match (columns, &parsed) {
        (Some(columns), _) => columns,
        (None, Value::Object(object)) => object.keys().cloned().collect(),
        (None, Value::Array(items)) => same_keys(items)?,
        (None, _) => Vec::new(),
    };
    Ok(ArgumentsRequest::Json { body, keys })
}

/// The keys of an array's objects, which must all have the same (PGRST102 otherwise); none when
/// it holds no objects.
fn same_keys(items: &[Value]) -> Result<Vec<String>, RequestError> {
    let Some(Value::Object(first)) = items.first() else {
        return Ok(Vec::new());
    };
    let same = |item: &Value| {
        item.as_object()
            .is_some_and(|o| o.len() == first.len() && first.keys().all(|k| o.contains_key(k)))
    };
    if items.iter().all(same) {
        Ok(first.keys().cloned().collect())
    } else {
        Err(RequestError::InvalidBody(
            "All object keys must match".into(),
        ))
    }
}
