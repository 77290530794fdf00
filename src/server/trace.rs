//! What a handler tells the request log and the `Server-Timing` header: the role the request
//! ran as and how long its phases took.
//!
//! The observe layer runs each request inside a task-local [`Trace`]; handlers record into it
//! through [`role`], [`timed`] and [`lap`], which do nothing outside a request (unit tests), so
//! no handler signature carries it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

tokio::task_local! {
    static TRACE: Trace;
}

/// A timed part of a request, in PostgREST's `Server-Timing` names and order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Verifying the JWT (or finding it in the cache).
    Jwt,
    /// Reading the URL, headers and body into a request.
    Parse,
    /// Checking it against the schema cache and rendering the statement.
    Plan,
    /// The database transaction, connection acquisition included.
    Transaction,
    /// Shaping the HTTP response around the body.
    Response,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Jwt => "jwt",
            Phase::Parse => "parse",
            Phase::Plan => "plan",
            Phase::Transaction => "transaction",
            Phase::Response => "response",
        }
    }
}

/// One request's record, shared by the observe layer and the request's task.
#[derive(Debug, Clone, Default)]
pub struct Trace(Arc<Mutex<Record>>);

#[derive(Debug, Default)]
struct Record {
    role: Option<String>,
    phases: Vec<(Phase, Duration)>,
    /// The end of the last recorded phase; `None` until the first.
    mark: Option<Instant>,
}

impl Record {
    fn record(&mut self, phase: Phase, took: Duration) {
        self.phases.push((phase, took));
        self.mark = Some(Instant::now());
    }
}

impl Trace {
    /// Runs `request` (a handler's future) recording into this trace.
    pub async fn run<F: Future>(&self, request: F) -> F::Output {
        TRACE.scope(self.clone(), request).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The role the request ran as, once authenticated.
    pub fn role(&self) -> Option<String> {
        self.lock().role.clone()
    }

    /// The `Server-Timing` value (durations in ms), the time since the last phase counted as
    /// `response`; `None` if no phase was recorded (the request was not timed).
    pub fn server_timing(&self) -> Option<String> {
        let mut record = self.lock();
        let since = record.mark?.elapsed();
        record.record(Phase::Response, since);
        record.phases.sort_by_key(|(phase, _)| *phase);
        let entries: Vec<String> = record
            .phases
            .iter()
            .map(|(phase, took)| format!("{};dur={:.1}", phase.name(), took.as_secs_f64() * 1000.0))
            .collect();
        Some(entries.join(", "))
    }
}

fn with(update: impl FnOnce(&mut Record)) {
    // Outside a request (unit tests) there is nothing to record into.
    let _ = TRACE.try_with(|trace| update(&mut trace.lock()));
}

/// Notes the role the request runs as.
pub fn role(role: &str) {
    with(|trace| trace.role = Some(role.to_owned()));
}

/// Records `phase` as having taken from `started` until now.
pub fn timed(phase: Phase, started: Instant) {
    with(|trace| trace.record(phase, started.elapsed()));
}

/// Records `phase` as having taken since the end of the previous phase (a no-op before the
/// first one: a request that was not authenticated is not timed).
pub fn lap(phase: Phase) {
    with(|trace| {
        if let Some(mark) = trace.mark {
            trace.record(phase, mark.elapsed());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_are_recorded_in_order_and_the_rest_is_response() {
        let trace = Trace::default();
        trace
            .run(async {
                lap(Phase::Parse);
                role("web_anon");
                timed(Phase::Jwt, Instant::now());
                lap(Phase::Parse);
                lap(Phase::Transaction);
                lap(Phase::Plan);
            })
            .await;
        assert_eq!(trace.role().as_deref(), Some("web_anon"));
        let timing = trace.server_timing().unwrap();
        let names: Vec<&str> = timing
            .split(", ")
            .map(|entry| entry.split_once(";dur=").unwrap().0)
            .collect();
        assert_eq!(
            names,
            ["jwt", "parse", "plan", "transaction", "response"],
            "{timing}"
        );
    }

    #[tokio::test]
    async fn an_untimed_request_has_no_header_and_outside_one_nothing_happens() {
        role("nobody");
        let trace = Trace::default();
        trace.run(async {}).await;
        assert_eq!(trace.role(), None);
        assert_eq!(trace.server_timing(), None);
    }
}
