//! A command-line MCP client: spawns any stdio server, initializes, lists its tools, resources and
//! prompts, and calls a tool named on the command line.
//!
//! ```sh
//! cargo run --example client -- [--call TOOL] [--args JSON] [--revision 2025-06-18] -- COMMAND [ARG...]
//! cargo run --example client -- --call greet --args '{"name":"Ada"}' -- cargo run -q --example quickstart
//! ```

use mcpgen::client::Client;
use mcpgen::transport::ChildProcess;
use mcpgen::{ProtocolVersion, hub};
use std::process::ExitCode;

struct Args {
    call: Option<String>,
    arguments: serde_json::Value,
    revision: Option<ProtocolVersion>,
    command: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { call: None, arguments: serde_json::Value::Null, revision: None, command: Vec::new() };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--call" => args.call = Some(it.next().ok_or("--call needs a tool name")?),
            "--args" => {
                let json = it.next().ok_or("--args needs a JSON object")?;
                args.arguments = serde_json::from_str(&json).map_err(|e| format!("--args: {e}"))?;
            }
            "--revision" => {
                let rev = it.next().ok_or("--revision needs a protocol version")?;
                args.revision = Some(ProtocolVersion::parse(&rev).ok_or(format!("--revision: unsupported {rev}"))?);
            }
            "--" => {
                args.command = it.by_ref().collect();
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if args.command.is_empty() {
        return Err("usage: client [--call TOOL] [--args JSON] [--revision REV] -- COMMAND [ARG...]".into());
    }
    Ok(args)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let child = ChildProcess::command(&args.command[0], &args.command[1..])?;
    let mut builder = Client::builder("mcpgen-example-client", env!("CARGO_PKG_VERSION"));
    if let Some(revision) = args.revision {
        builder = builder.protocol_version(revision);
    }
    let client = builder.connect(child).await?;
    let server = client.server();
    println!("connected to {} {} (MCP {})", server.info.name, server.info.version, client.protocol_version());
    let caps = &server.capabilities;
    if caps.tools.is_some() {
        for tool in client.list_all_tools().await? {
            println!("tool      {:<24} {}", tool.name, tool.description.unwrap_or_default());
        }
    }
    if caps.resources.is_some() {
        for resource in client.list_all_resources().await? {
            println!("resource  {:<24} {}", resource.uri, resource.name);
        }
        for template in client.list_all_resource_templates().await? {
            println!("template  {:<24} {}", template.uri_template, template.name);
        }
    }
    if caps.prompts.is_some() {
        for prompt in client.list_all_prompts().await? {
            println!("prompt    {:<24} {}", prompt.name, prompt.description.unwrap_or_default());
        }
    }
    if let Some(name) = &args.call {
        let result = client.call_tool(name, args.arguments.clone()).await?;
        let failed = result.is_error == Some(true);
        for block in &result.content {
            match block {
                hub::ContentBlock::Text(text) => println!("{}", text.text),
                other => println!("{}", serde_json::to_string(other)?),
            }
        }
        if failed {
            client.close().await?;
            return Err(format!("tool {name} reported an error").into());
        }
    }
    client.close().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
