//! The Streamable HTTP server (being written; the API below is final).

use crate::server::Server;
use std::time::Duration;

/// Options of an [`HttpServer`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The MCP endpoint's path (default `/mcp`).
    pub path: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions { path: "/mcp".into() }
    }
}

/// A [`Server`] served over Streamable HTTP.
#[derive(Clone)]
pub struct HttpServer {
    _server: Server,
    _idle: Duration,
}

impl HttpServer {
    /// Serves `server` with `options`.
    pub fn new(server: Server, options: HttpOptions) -> HttpServer {
        let _ = options;
        HttpServer { _server: server, _idle: Duration::ZERO }
    }

    /// The router to mount (or to serve with [`HttpServer::serve`]).
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
    }

    /// Serves on `listener` until the process ends (Ctrl-C starts a graceful shutdown).
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }
}
