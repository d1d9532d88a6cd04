//! Quick start: a stdio MCP server with two typed tools. Try it with
//! `cargo run --example client -- --call add --args '{"a":2,"b":3}' -- cargo run -q --example quickstart`.

use mcpgen::server::{Server, Tool, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;

/// Arguments of `add`; the doc comments become the input schema's descriptions.
#[derive(Deserialize, JsonSchema)]
struct Add {
    /// The first addend.
    a: f64,
    /// The second addend.
    b: f64,
}

/// Arguments of `greet`.
#[derive(Deserialize, JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

#[tokio::main]
async fn main() -> Result<(), mcpgen::Error> {
    let add =
        Tool::new("add", "Adds two numbers", |x: Add, _| async move { Ok::<_, ToolError>(format!("{}", x.a + x.b)) });
    let greet =
        Tool::new(
            "greet",
            "Greets someone",
            |x: Greet, _| async move { Ok::<_, ToolError>(format!("Hello, {}!", x.name)) },
        );
    Server::builder("quickstart", "0.1.0").tool(add).tool(greet).build().serve_stdio().await
}
