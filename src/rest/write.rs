//! Write handlers: `POST` (insert and upsert), `PUT` (single-row upsert), `PATCH`, `DELETE`, and
//! `OPTIONS` answering what a relation can do.
//!
//! Each write is one statement in one transaction. Checks that need the statement's result
//! (`max-affected`, a singular representation) run before the transaction ends and roll it back
//! when they fail, so a rejected write leaves nothing behind.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};

use super::headers::{self, CountPreference, Preferences, ReturnPreference};
use super::media::{self, MediaType};
use super::{body, query, response};
use crate::app::App;
use crate::context::RequestContext;
use crate::db::{Access, Output, Transaction};
use crate::error::ApiError;
use crate::plan::{
    self, ConflictRequest, InsertPlan, InsertRequest, Missing, MutatePlan, MutationRequest,
    PutRequest, ReadRequest, SelectField, SelectItem,
};
use crate::schema::{Relation, RelationKind};
use crate::server::trace::{self, Phase};
use crate::sql::{self, Statement};

/// What every write handler starts from: the caller, the target and the request's intent (its
/// query string is returned beside it, for the handler to take apart).
struct Write {
    caller: RequestContext,
    api: Arc<crate::app::Api>,
    schema: crate::schema::Ident,
    relation: String,
    preferences: Preferences,
    media: MediaType,
}

impl Write {
    async fn new(
        app: &App,
        relation: String,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<(Write, query::QueryParams), ApiError> {
        let mut caller =
            RequestContext::new(&app.auth, &app.settings.request, method, uri, headers).await?;
        let api = app.api();
        let schema = headers::profile(headers, true, &api.cache.schemas)?.clone();
        let mut preferences = Preferences::from_headers(headers);
        preferences.check_strict()?;
        preferences.apply_timezone(&mut caller);
        if !app.settings.tx_end.overridable {
            preferences.tx = None;
        }
        // Only an exact count is meaningful for the rows a write changed.
        if preferences.count != Some(CountPreference::Exact) {
            preferences.count = None;
        }
        let offers = media::Offers {
            plans: false,
            geojson: api.cache.postgis,
        };
        let media = media::negotiate(headers, offers)?;
        let params = query::parse(uri.query().unwrap_or_default())?;
        trace::lap(Phase::Parse);
        let write = Write {
            caller,
            api,
            schema,
            relation,
            preferences,
            media,
        };
        Ok((write, params))
    }

    fn missing(&self) -> Missing {
        self.preferences.missing.unwrap_or_default()
    }

    fn representation(&self) -> bool {
        self.preferences.return_ == Some(ReturnPreference::Representation)
    }

    /// Runs the statement in a read-write transaction, ended as configured or preferred, after
    /// the checks the preferences and media type ask for.
    async fn run(&self, app: &App, statement: Statement) -> Result<Output, ApiError> {
        // Everything since parsing the request was planning: the body and the statement.
        trace::lap(Phase::Plan);
        let transaction = Transaction {
            access: Access::ReadWrite,
            end: self.preferences.end(app.settings.tx_end.end),
        };
        let singular = matches!(self.media, MediaType::Object { .. }) && self.representation();
        let check = response::check(self.preferences.enforced_max_affected(), singular);
        let settings = self.caller.settings(self.api.search_path(&self.schema));
        let output = app
            .db
            .execute(&settings, transaction, &statement, &check)
            .await
            .map_err(|e| e.into_api_error(self.caller.identity.authenticated));
        trace::lap(Phase::Transaction);
        output
    }
}

/// `POST /relation`: insert the body's rows, or upsert them with `Prefer: resolution`.
pub async fn create(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (mut write, mut params) = Write::new(&app, relation, &method, &uri, &headers).await?;
    let api = write.api.clone();
    let target = plan::relation(&api.cache, &write.schema, &write.relation)?;
    let rows = body::rows(&headers, body, params.columns.take())?;
    let headers_only = write.preferences.return_ == Some(ReturnPreference::HeadersOnly)
        && !target.primary_key.is_empty();
    let returning = if write.representation() {
        Some(std::mem::take(&mut params.read))
    } else if headers_only {
        Some(primary_key_read(target))
    } else {
        None
    };
    let request = InsertRequest {
        columns: rows.payload.columns,
        body: rows.payload.body,
        missing: write.missing(),
        on_conflict: write
            .preferences
            .resolution
            .map(|resolution| ConflictRequest {
                resolution,
                columns: params.on_conflict.take(),
                update: None,
            }),
        returning,
        nested: Vec::new(),
    };
    let plan = InsertPlan::build(
        &write.api.cache,
        target,
        request,
        app.settings.read_options(),
    )?;
    if plan.on_conflict.is_none() {
        write.preferences.resolution = None;
    }
    let shape = if headers_only {
        sql::Shape::Array
    } else {
        write.media.shape()
    };
    let count = write.preferences.count.is_some();
    let location = headers_only.then(|| uri.path().to_owned());
    let output = write.run(&app, sql::insert(plan, shape, count)).await?;
    response::created(&write.preferences, write.media, output, location.as_deref())
}

/// `PUT /relation?pk=eq.v`: insert or replace the one row the URL names.
pub async fn put(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (write, mut params) = Write::new(&app, relation, &method, &uri, &headers).await?;
    let api = write.api.clone();
    let target = plan::relation(&api.cache, &write.schema, &write.relation)?;
    let rows = body::rows(&headers, body, params.columns.take())?;
    let request = PutRequest {
        payload: rows.payload,
        first_row: rows.first,
        missing: write.missing(),
        read: std::mem::take(&mut params.read),
        returning: write.representation(),
    };
    let plan = InsertPlan::build_put(
        &write.api.cache,
        target,
        request,
        app.settings.read_options(),
    )?;
    let count = write.preferences.count.is_some();
    let output = write
        .run(&app, sql::insert(plan, write.media.shape(), count))
        .await?;
    response::replaced(&write.preferences, write.media, output)
}

/// `PATCH /relation?filters`: set the body's columns on the rows the filters choose.
pub async fn update(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (write, mut params) = Write::new(&app, relation, &method, &uri, &headers).await?;
    let rows = body::rows(&headers, body, params.columns.take())?;
    // Columns of `columns=` the body leaves out are reset to their defaults.
    let defaults = match write.missing() {
        Missing::Default => rows
            .payload
            .columns
            .iter()
            .filter(|column| !rows.first.contains_key(*column))
            .cloned()
            .collect(),
        Missing::Null => Vec::new(),
    };
    let mutation = MutationRequest::Update {
        payload: rows.payload,
        defaults,
    };
    mutate(&app, &write, params.read, mutation).await
}

/// `DELETE /relation?filters`.
pub async fn delete(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (write, params) = Write::new(&app, relation, &method, &uri, &headers).await?;
    mutate(&app, &write, params.read, MutationRequest::Delete).await
}

async fn mutate(
    app: &App,
    write: &Write,
    read: ReadRequest,
    mutation: MutationRequest,
) -> Result<Response, ApiError> {
    let api = write.api.clone();
    let target = plan::relation(&api.cache, &write.schema, &write.relation)?;
    let plan = MutatePlan::build(
        &write.api.cache,
        target,
        mutation,
        read,
        write.representation(),
        app.settings.read_options(),
    )?;
    let count = write.preferences.count.is_some();
    let output = write
        .run(app, sql::mutate(plan, write.media.shape(), count))
        .await?;
    response::changed(&write.preferences, write.media, output)
}

/// `OPTIONS /relation`: the methods the relation supports, whatever the caller's grants.
pub async fn options(
    State(app): State<Arc<App>>,
    Path(relation): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let api = app.api();
    let schema = headers::profile(&headers, false, &api.cache.schemas)?;
    let target = plan::relation(&api.cache, schema, &relation)?;
    let table = matches!(
        target.kind,
        RelationKind::Table | RelationKind::PartitionedTable
    );
    let methods = [
        ("OPTIONS,GET,HEAD", true),
        (",POST", target.insertable),
        (",PUT", table && !target.primary_key.is_empty()),
        (",PATCH", target.updatable),
        (",DELETE", target.deletable),
    ];
    let allow: String = methods
        .into_iter()
        .filter(|(_, allowed)| *allowed)
        .map(|(method, _)| method)
        .collect();
    Ok(([(header::ALLOW, allow)], "").into_response())
}

/// `select=` of the primary key columns, for a `Location` header.
fn primary_key_read(relation: &Relation) -> ReadRequest {
    ReadRequest {
        select: relation
            .primary_key
            .iter()
            .map(|column| {
                SelectItem::Field(SelectField {
                    field: plan::FieldPath::column(column.as_str()),
                    alias: None,
                    cast: None,
                    aggregate: None,
                })
            })
            .collect(),
        ..ReadRequest::default()
    }
}
