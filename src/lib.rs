//! pgway: a PostgreSQL schema served as a PostgREST-compatible REST API, a GraphQL API and
//! OpenAPI documentation, with authorization left to the database.
//!
//! A request flows one way: `rest` or `graphql` parse it into a `plan` checked against the
//! `schema` cache, `sql` renders the plan to one statement, and `db` runs it in one transaction
//! under the caller's role (from `auth`). See `docs/architecture.md`.

pub mod app;
pub mod auth;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod embedded;
pub mod error;
pub mod graphql;
pub mod metrics;
pub mod openapi;
pub mod plan;
pub mod reload;
pub mod rest;
pub mod schema;
pub mod server;
pub mod sql;
