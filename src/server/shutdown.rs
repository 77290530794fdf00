//! The shutdown request: SIGTERM or SIGINT (Ctrl-C), seen by every server and task.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Completes its [`Shutdown::requested`] futures once shutdown is asked for.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// A shutdown requested by SIGTERM or SIGINT.
    pub fn on_signals() -> Shutdown {
        let (requested, shutdown) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            let _ = requested.send(true);
        });
        Shutdown(shutdown)
    }

    /// Completes once shutdown is requested.
    pub async fn requested(mut self) {
        // An error means the sender is gone, which only happens as the runtime ends.
        let _ = self.0.wait_for(|&requested| requested).await;
    }
}

async fn wait_for_signal() {
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for SIGTERM and SIGINT; stop pgway with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => {},
        _ = interrupt.recv() => {},
    }
}
