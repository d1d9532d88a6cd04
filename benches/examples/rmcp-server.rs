//! The rmcp 3.9 server of the end-to-end and memory benchmarks (issue 7, `benches/benches/e2e.rs`): the
//! same tools as mcpgen's `bench-server`, `add` (`{a, b}` numbers, answers
//! the sum as text) and `wait` (answers after two seconds).
//!
//! ```text
//! cargo run --release -p mcpgen-benches --example rmcp-server -- MODE [PORT]
//! ```
//!
//! `MODE` is one of
//! - `stdio`: rmcp's `transport::stdio()` (tokio's stdin and stdout, which hop through the blocking pool);
//! - `stdio-pipes`: rmcp's `transport::stdio_pipes()` (the pipes on tokio's reactor, when both are FIFOs);
//! - `http-stateless`: Streamable HTTP without sessions, one JSON body per response
//!   (`legacy_session_mode: false`, `json_response: true`);
//! - `http-stateful`: Streamable HTTP with sessions, responses on SSE streams (rmcp's defaults).
//!
//! The HTTP modes bind `127.0.0.1:PORT` (default 0, any free port), print the endpoint
//! (`http://127.0.0.1:PORT/mcp`) as the first line of stdout and serve `POST /mcp`.
//!
//! The handler implements `ServerHandler` by hand (no tool router), rmcp's most direct path.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde::Deserialize;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// How long `wait` holds its request.
const WAIT: Duration = Duration::from_secs(2);

/// Arguments of `add`.
#[derive(Deserialize)]
struct Add {
    a: f64,
    b: f64,
}

/// The benchmark server: the two tools, listed once.
#[derive(Clone)]
struct Bench {
    tools: Arc<Vec<Tool>>,
}

impl Bench {
    fn new() -> Bench {
        let number = |what: &str| serde_json::json!({"type": "number", "description": what});
        let mut add = JsonObject::new();
        add.insert("type".into(), "object".into());
        add.insert(
            "properties".into(),
            serde_json::json!({"a": number("The first addend."), "b": number("The second addend.")}),
        );
        add.insert("required".into(), serde_json::json!(["a", "b"]));
        let mut none = JsonObject::new();
        none.insert("type".into(), "object".into());
        let tools =
            vec![Tool::new("add", "Adds two numbers", add), Tool::new("wait", "Answers after two seconds", none)];
        Bench { tools: Arc::new(tools) }
    }
}

impl ServerHandler for Bench {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("rmcp-bench-server", env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match &*request.name {
            "add" => {
                let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
                let x: Add = serde_json::from_value(arguments)
                    .map_err(|e| ErrorData::invalid_params(format!("add: {e}"), None))?;
                Ok(CallToolResult::success(vec![ContentBlock::text(format!("{}", x.a + x.b))]).into())
            }
            "wait" => {
                tokio::time::sleep(WAIT).await;
                Ok(CallToolResult::success(vec![ContentBlock::text("done")]).into())
            }
            other => Err(ErrorData::invalid_params(format!("unknown tool {other:?}"), None)),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let port: u16 = match args.next() {
        Some(port) => port.parse().map_err(|e| format!("bad port {port:?}: {e}"))?,
        None => 0,
    };
    match mode.as_str() {
        "stdio" => {
            Bench::new().serve(rmcp::transport::stdio()).await?.waiting().await?;
        }
        "stdio-pipes" => {
            Bench::new().serve(rmcp::transport::stdio_pipes()).await?.waiting().await?;
        }
        "http-stateless" | "http-stateful" => {
            let stateful = mode == "http-stateful";
            let config =
                StreamableHttpServerConfig::default().with_legacy_session_mode(stateful).with_json_response(!stateful);
            let bench = Bench::new();
            let service =
                StreamableHttpService::new(move || Ok(bench.clone()), Arc::new(LocalSessionManager::default()), config);
            let router = axum::Router::new().route_service("/mcp", service);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            {
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "http://{}/mcp", listener.local_addr()?)?;
                stdout.flush()?;
            }
            axum::serve(listener, router).await?;
        }
        other => {
            return Err(format!(
                "unknown mode {other:?}: expected stdio, stdio-pipes, http-stateless or http-stateful"
            )
            .into());
        }
    }
    Ok(())
}
