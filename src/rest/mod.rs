//! PostgREST's HTTP interface: `/{relation}` reads and writes, and `/rpc/{function}` calls.
//!
//! A handler authenticates, parses the URL and headers into a plan request, lets `plan` check it,
//! has `sql` render it and `db` run it, and shapes the HTTP response around the body Postgres
//! built. It never builds SQL itself.

mod body;
mod error;
mod grammar;
mod headers;
mod json_keys;
mod media;
pub mod query;
mod response;
mod rpc;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use error::RequestError;
use headers::{CountPreference, Preferences};
use media::Accepted;

use crate::app::App;
use crate::context::RequestContext;
use crate::db::Access;
use crate::error::ApiError;
use crate::plan::{self, ReadPlan};
use crate::server::trace::{self, Phase};
use crate::sql;

/// Routes for relations; anything deeper than one segment is PGRST125.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/{relation}",
            get(read)
                .post(write::create)
                .put(write::put)
                .patch(write::update)
                .delete(write::delete)
                .options(write::options)
                .fallback(unsupported_method),
        )
        .route(
            "/rpc/{function}",
            get(rpc::call)
                .post(rpc::call)
                .options(rpc::options)
                .fallback(rpc::other_method),
        )
}

async fn read(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut caller =
        RequestContext::new(&app.auth, &app.settings.request, &method, &uri, &headers).await?;
    let api = app.api();
    let schema = headers::profile(&headers, false, &api.cache.schemas)?;
    let offers = media::Offers {
        plans: app.settings.plan_enabled,
        geojson: api.cache.postgis,
    };
    let accepted = media::accepted(&headers, offers)?;
    let preferences = Preferences::from_headers(&headers);
    preferences.check_strict()?;
    preferences.apply_timezone(&mut caller);
    let mut params = query::parse(uri.query().unwrap_or_default())?;
    if let Some((offset, limit)) = headers::range(&headers)? {
        params.read.range = plan::Range { offset, limit };
    }
    trace::lap(Phase::Parse);
    let target = plan::relation(&api.cache, schema, &relation)?;
    let plan = ReadPlan::build(&api.cache, target, params.read, app.settings.read_options())?;
    trace::lap(Phase::Plan);
    let settings = caller.settings(api.search_path(schema));
    let media = match accepted {
        Accepted::Rows(media) => media,
        Accepted::Plan(plan_media) => {
            let statement = sql::read(
                &plan,
                plan_media.target.shape(),
                preferences.count.is_some(),
            );
            let explain = sql::explain(statement, plan_media.explain);
            let body = app
                .db
                .explain(&settings, &explain, plan_media.explain.text)
                .await
                .map_err(|e| e.into_api_error(caller.identity.authenticated))?;
            return Ok(([(header::CONTENT_TYPE, plan_media.content_type())], body).into_response());
        }
    };
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
    trace::lap(Phase::Transaction);
    let location = response::location(uri.path(), uri.query());
    response::read(media, plan.range.offset, output, &preferences, location)
}

async fn unsupported_method(method: Method) -> Result<Response, ApiError> {
    Err(RequestError::UnsupportedMethod(method.to_string()).into())
}
