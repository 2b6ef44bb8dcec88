//! The embedded emulator: the [`crate::model`] served over HTTP with axum.
//!
//! It is the default target of every command and a local stand-in for the real service
//! (`groupcheck serve`). What it answers, beyond the model:
//!
//! * Bearer auth: 401 when the token is missing or wrong (any non-empty token when none is set).
//! * Groups scoped per service plan id: a group of plan A is 404 under plan B.
//! * 201 on create, 200 on the others, delete 200 with an empty body.
//! * 404 for an unknown id or path, 405 for a wrong method, 415 for a body without
//!   `Content-Type: application/json`, 413 for a body over the size limit, 400 and 403 from the
//!   model; every error with a `{"code", "text"}` JSON body.
//!
//! Beyond the API: `POST /emulator/v1/{service_plan_id}/mo`, a simulated inbound SMS that applies
//! `auto_update` keywords ([`mo`]).
//!
//! The HTTP layer lives in [`routes`]; this file starts and stops the server. Defects to inject
//! are in [`faults`] (faults and deviations); choices the documents leave open, taken the other
//! way, in [`liberties`].

mod fault;
pub mod faults;
mod http;
pub mod liberties;
mod liberty;
mod mo;
mod routes;
mod state;

pub use faults::Fault;
pub use liberties::Liberty;
pub use state::EmulatorConfig;

use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Start on `addr` (use `127.0.0.1:0` for an ephemeral port) in the current tokio runtime.
    pub async fn start(config: EmulatorConfig, addr: SocketAddr) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = routes::router(config);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
        });
        Ok(Emulator {
            addr,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    /// Start on an ephemeral loopback port.
    pub async fn start_local(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Self::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, finish in-flight requests, and wait for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }

    /// Run until the server fails or the process ends (for `groupcheck serve`).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
