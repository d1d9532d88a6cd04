//! The client under test for the MCP conformance suite (`@modelcontextprotocol/conformance`), over
//! Streamable HTTP. The suite runs `conformance-client <url>` with the scenario in
//! `MCP_CONFORMANCE_SCENARIO` and the revision in `MCP_CONFORMANCE_PROTOCOL_VERSION` (2025-11-25 when
//! unset; 2026-07-28 speaks the stateless revision, with no `initialize`):
//!
//! ```sh
//! cargo build --example conformance-client --features http-client
//! bash ../shared/conformance/run-client.sh --command target/debug/examples/conformance-client --scenario initialize
//! ```
//!
//! Scenarios: `initialize`, `tools_call`, `elicitation-sep1034-client-defaults`, `sse-retry`,
//! `json-schema-2020-12-preservation`, `request-metadata`, `sep-2322-client-request-state`,
//! `http-standard-headers`, `http-custom-headers` (the calls named in `MCP_CONFORMANCE_CONTEXT`),
//! `http-invalid-tool-headers`, `json-schema-ref-no-deref`. Any other exits with status 2.

use mcpgen::client::Client;
use mcpgen::http::HttpTransport;
use mcpgen::rpc::{ErrorObject, JsonObject};
use mcpgen::{ProtocolVersion, hub};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;

type BoxError = Box<dyn std::error::Error>;

/// The scenarios this client plays.
const SCENARIOS: [&str; 11] = [
    "initialize",
    "tools_call",
    "elicitation-sep1034-client-defaults",
    "sse-retry",
    "json-schema-2020-12-preservation",
    "request-metadata",
    "sep-2322-client-request-state",
    "http-standard-headers",
    "http-custom-headers",
    "http-invalid-tool-headers",
    "json-schema-ref-no-deref",
];

/// The accepted form: each requested property's schema `default`, and `true` for a boolean without one
/// (a confirmation).
fn defaults(params: hub::ElicitRequestParams) -> Result<hub::ElicitResult, ErrorObject> {
    let hub::ElicitRequestParams::Form(form) = params else {
        return Ok(hub::ElicitResult {
            action: hub::ElicitResultAction::Decline,
            content: None,
            extra: JsonObject::new(),
        });
    };
    let mut content = BTreeMap::new();
    for (name, schema) in form.requested_schema.properties {
        let schema =
            serde_json::to_value(schema).map_err(|e| ErrorObject::new(ErrorObject::INTERNAL_ERROR, e.to_string()))?;
        let value = match schema.get("default") {
            Some(Value::String(s)) => hub::ElicitResultValue::String(s.clone()),
            Some(Value::Bool(b)) => hub::ElicitResultValue::Boolean(*b),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => hub::ElicitResultValue::Integer(i),
                // The schema's content values are integers (the TypeScript says number): the closest one.
                None => hub::ElicitResultValue::Integer(n.as_f64().unwrap_or_default().round() as i64),
            },
            Some(Value::Array(items)) => {
                hub::ElicitResultValue::Array(items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            }
            None if schema.get("type").and_then(Value::as_str) == Some("boolean") => {
                hub::ElicitResultValue::Boolean(true)
            }
            _ => continue,
        };
        content.insert(name, value);
    }
    Ok(hub::ElicitResult { action: hub::ElicitResultAction::Accept, content: Some(content), extra: JsonObject::new() })
}

async fn run(scenario: &str, url: &str, version: ProtocolVersion) -> Result<(), BoxError> {
    let mut builder = Client::builder("mcpgen-conformance-client", env!("CARGO_PKG_VERSION")).protocol_version(version);
    if matches!(scenario, "elicitation-sep1034-client-defaults" | "sep-2322-client-request-state") {
        builder = builder.on_elicitation(|params| async move { defaults(params) });
    }
    let client = builder.connect(HttpTransport::new(url)?).await?;
    println!("connected to {} (MCP {})", client.server().info.name, client.protocol_version());
    let outcome = scenario_calls(&client, scenario).await;
    client.close().await?;
    outcome
}

/// Prints a tool result; an error when the tool reported one.
fn show(tool: &str, result: &hub::CallToolResult) -> Result<(), BoxError> {
    for block in &result.content {
        match block {
            hub::ContentBlock::Text(text) => println!("{tool}: {}", text.text),
            other => println!("{tool}: {}", serde_json::to_string(other)?),
        }
    }
    if result.is_error == Some(true) {
        return Err(format!("tool {tool} reported an error").into());
    }
    Ok(())
}

/// Lists the tools and prints their names.
async fn list_tools(client: &Client) -> Result<Vec<hub::Tool>, BoxError> {
    let tools = client.list_all_tools().await?;
    println!("tools: {:?}", tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>());
    Ok(tools)
}

/// Arguments for a tool: `"test"` for each required string property, `0` for each required integer.
fn placeholder_arguments(tool: &hub::Tool) -> Value {
    let schema = serde_json::to_value(&tool.input_schema).unwrap_or(Value::Null);
    let mut arguments = serde_json::Map::new();
    for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let value = match schema["properties"][name]["type"].as_str() {
            Some("integer" | "number") => json!(0),
            Some("boolean") => json!(true),
            _ => json!("test"),
        };
        arguments.insert(name.to_owned(), value);
    }
    Value::Object(arguments)
}

/// The calls of the 2026-07-28 scenarios.
async fn modern_calls(client: &Client, scenario: &str) -> Result<(), BoxError> {
    match scenario {
        // The server declares no capabilities; the request goes out regardless.
        "request-metadata" => {
            let tools = client.request_raw("tools/list", None).await?;
            println!("tools/list: {tools}");
        }
        "sep-2322-client-request-state" => {
            list_tools(client).await?;
            // An unrelated call while the first one is between its rounds.
            let (echo, unrelated) = tokio::join!(
                client.call_tool("test_mrtr_echo_state", json!({})),
                client.call_tool("test_mrtr_unrelated", json!({})),
            );
            show("test_mrtr_echo_state", &echo?)?;
            show("test_mrtr_unrelated", &unrelated?)?;
            for tool in ["test_mrtr_no_state", "test_mrtr_no_result_type"] {
                show(tool, &client.call_tool(tool, json!({})).await?)?;
            }
        }
        "http-standard-headers" => {
            for tool in list_tools(client).await? {
                show(&tool.name, &client.call_tool(&tool.name, placeholder_arguments(&tool)).await?)?;
            }
            for resource in client.list_all_resources().await? {
                let read = client.read_resource(&resource.uri).await?;
                println!("{}: {} item(s)", resource.uri, read.contents.len());
            }
            for prompt in client.list_all_prompts().await? {
                let got = client.get_prompt(&prompt.name, BTreeMap::new()).await?;
                println!("{}: {} message(s)", prompt.name, got.messages.len());
            }
        }
        "http-custom-headers" => {
            list_tools(client).await?;
            let context: Value = serde_json::from_str(&std::env::var("MCP_CONFORMANCE_CONTEXT")?)?;
            for call in context["toolCalls"].as_array().ok_or("MCP_CONFORMANCE_CONTEXT has no toolCalls")? {
                let name = call["name"].as_str().ok_or("a tool call without a name")?;
                show(name, &client.call_tool(name, call["arguments"].clone()).await?)?;
            }
        }
        // Tools with invalid x-mcp-header declarations are not listed: call whatever is.
        "http-invalid-tool-headers" => {
            for tool in list_tools(client).await? {
                show(&tool.name, &client.call_tool(&tool.name, placeholder_arguments(&tool)).await?)?;
            }
        }
        // Listing must not fetch the network `$ref` of an input schema.
        "json-schema-ref-no-deref" => {
            list_tools(client).await?;
        }
        _ => return legacy_calls(client, scenario).await,
    }
    Ok(())
}

async fn scenario_calls(client: &Client, scenario: &str) -> Result<(), BoxError> {
    if client.protocol_version().is_modern() {
        return modern_calls(client, scenario).await;
    }
    legacy_calls(client, scenario).await
}

/// The calls of the scenarios of both revisions (and of 2025-11-25 only).
async fn legacy_calls(client: &Client, scenario: &str) -> Result<(), BoxError> {
    let (tool, arguments) = match scenario {
        "initialize" => return Ok(()),
        "tools_call" => {
            list_tools(client).await?;
            ("add_numbers", json!({ "a": 5, "b": 3 }))
        }
        "elicitation-sep1034-client-defaults" => ("test_client_elicitation_defaults", json!({})),
        "sse-retry" => ("test_reconnection", json!({})),
        // The tool's 2020-12 input schema, echoed back exactly as listed.
        "json-schema-2020-12-preservation" => {
            let tools = list_tools(client).await?;
            let source =
                tools.iter().find(|t| t.name == "json_schema_2020_12_tool").ok_or("no json_schema_2020_12_tool")?;
            ("json_schema_echo", json!({ "schema": source.input_schema }))
        }
        other => return Err(format!("scenario {other} is not played at MCP {}", client.protocol_version()).into()),
    };
    show(tool, &client.call_tool(tool, arguments).await?)
}

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let requested = std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").unwrap_or_else(|_| "2025-11-25".to_owned());
    let Some(version) = ProtocolVersion::parse(&requested).or_else(|| ProtocolVersion::parse_modern(&requested)) else {
        eprintln!("unsupported MCP_CONFORMANCE_PROTOCOL_VERSION {requested:?}");
        return ExitCode::from(2);
    };
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: MCP_CONFORMANCE_SCENARIO=<scenario> conformance-client <url>");
        return ExitCode::from(2);
    };
    if !SCENARIOS.contains(&scenario.as_str()) {
        eprintln!("unsupported scenario {scenario:?} (supported: {})", SCENARIOS.join(", "));
        return ExitCode::from(2);
    }
    match run(&scenario, &url, version).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
