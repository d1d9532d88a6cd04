//! The client under test for the MCP conformance suite (`@modelcontextprotocol/conformance`), over
//! Streamable HTTP. The suite runs `conformance-client <url>` with the scenario in
//! `MCP_CONFORMANCE_SCENARIO`:
//!
//! ```sh
//! cargo build --example conformance-client --features http-client
//! bash ../shared/conformance/run-client.sh --command target/debug/examples/conformance-client --scenario initialize
//! ```
//!
//! Scenarios: `initialize`, `tools_call`, `elicitation-sep1034-client-defaults`, `sse-retry`,
//! `json-schema-2020-12-preservation`. Any other exits with status 2.

use mcpgen::client::Client;
use mcpgen::http::HttpTransport;
use mcpgen::hub;
use mcpgen::rpc::{ErrorObject, JsonObject};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;

type BoxError = Box<dyn std::error::Error>;

/// The accepted form: each requested property's schema `default`.
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
            _ => continue,
        };
        content.insert(name, value);
    }
    Ok(hub::ElicitResult { action: hub::ElicitResultAction::Accept, content: Some(content), extra: JsonObject::new() })
}

async fn run(scenario: &str, url: &str) -> Result<(), BoxError> {
    let mut builder = Client::builder("mcpgen-conformance-client", env!("CARGO_PKG_VERSION"));
    if scenario == "elicitation-sep1034-client-defaults" {
        builder = builder.on_elicitation(|params| async move { defaults(params) });
    }
    let client = builder.connect(HttpTransport::new(url)?).await?;
    println!("connected to {} (MCP {})", client.server().info.name, client.protocol_version());
    let outcome = scenario_calls(&client, scenario).await;
    client.close().await?;
    outcome
}

async fn scenario_calls(client: &Client, scenario: &str) -> Result<(), BoxError> {
    let (tool, arguments) = match scenario {
        "initialize" => return Ok(()),
        "tools_call" => {
            let tools = client.list_all_tools().await?;
            println!("tools: {:?}", tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>());
            ("add_numbers", json!({ "a": 5, "b": 3 }))
        }
        "elicitation-sep1034-client-defaults" => ("test_client_elicitation_defaults", json!({})),
        "sse-retry" => ("test_reconnection", json!({})),
        // The tool's 2020-12 input schema, echoed back exactly as listed.
        "json-schema-2020-12-preservation" => {
            let tools = client.list_all_tools().await?;
            let source =
                tools.iter().find(|t| t.name == "json_schema_2020_12_tool").ok_or("no json_schema_2020_12_tool")?;
            ("json_schema_echo", json!({ "schema": source.input_schema }))
        }
        other => unreachable!("scenario {other} was checked in main"),
    };
    let result = client.call_tool(tool, arguments).await?;
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

#[tokio::main]
async fn main() -> ExitCode {
    const SCENARIOS: [&str; 5] = [
        "initialize",
        "tools_call",
        "elicitation-sep1034-client-defaults",
        "sse-retry",
        "json-schema-2020-12-preservation",
    ];
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: MCP_CONFORMANCE_SCENARIO=<scenario> conformance-client <url>");
        return ExitCode::from(2);
    };
    if !SCENARIOS.contains(&scenario.as_str()) {
        eprintln!("unsupported scenario {scenario:?} (supported: {})", SCENARIOS.join(", "));
        return ExitCode::from(2);
    }
    match run(&scenario, &url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
