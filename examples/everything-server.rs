//! A stdio MCP server using every server feature of the runtime: typed and structured tools, progress,
//! cancellation, logging, sampling, elicitation and roots requests to the client, fixed and templated
//! resources with subscriptions, prompts with arguments, completion, and run-time tool changes.
//!
//! `cargo run --example client -- -- cargo run -q --example everything-server`

use mcpgen::hub;
use mcpgen::server::{
    Context, Prompt, Resource, ResourceTemplate, Server, Tool, ToolError, prompt_messages, text_resource,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Deserialize, JsonSchema)]
struct Add {
    /// The first addend.
    a: f64,
    /// The second addend.
    b: f64,
}

#[derive(Deserialize, JsonSchema)]
struct City {
    /// The city to report on.
    city: String,
}

/// Structured output of `weather`.
#[derive(Serialize, JsonSchema)]
struct Weather {
    city: String,
    celsius: f64,
    conditions: String,
}

#[derive(Deserialize, JsonSchema)]
struct Count {
    /// How many steps to count (each takes 100 ms and reports progress).
    steps: u32,
}

#[derive(Deserialize, JsonSchema)]
struct Question {
    /// What to ask.
    question: String,
}

#[derive(Deserialize, JsonSchema)]
struct Note {
    /// The note to change.
    id: String,
    /// Its new text.
    text: String,
}

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ToolError> {
    serde_json::from_value(value).map_err(ToolError::from)
}

async fn count(args: Count, cx: Context) -> Result<String, ToolError> {
    for step in 1..=args.steps {
        tokio::select! {
            () = cx.cancellation().cancelled() => return Err(ToolError::new("cancelled")),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        cx.progress(f64::from(step), Some(f64::from(args.steps)), Some(&format!("step {step}"))).await?;
    }
    Ok(format!("counted to {}", args.steps))
}

async fn ask_model(args: Question, cx: Context) -> Result<String, ToolError> {
    let params = decode(json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": args.question}}],
        "maxTokens": 200,
    }))?;
    let answer = cx.create_message(params).await?;
    Ok(serde_json::to_string(&answer.content)?)
}

async fn ask_user(args: Question, cx: Context) -> Result<String, ToolError> {
    let params = decode(json!({
        "message": args.question,
        "requestedSchema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
    }))?;
    let reply = cx.elicit(params).await?;
    Ok(serde_json::to_string(&reply)?)
}

async fn roots(cx: Context) -> Result<String, ToolError> {
    let roots = cx.list_roots().await?;
    Ok(roots.roots.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>().join("\n"))
}

fn notes() -> &'static std::sync::Mutex<BTreeMap<String, String>> {
    static NOTES: std::sync::OnceLock<std::sync::Mutex<BTreeMap<String, String>>> = std::sync::OnceLock::new();
    NOTES.get_or_init(|| std::sync::Mutex::new(BTreeMap::from([("1".to_owned(), "first note".to_owned())])))
}

async fn edit_note(args: Note, cx: Context) -> Result<String, ToolError> {
    notes().lock().map_err(|_| ToolError::new("notes are unavailable"))?.insert(args.id.clone(), args.text);
    let uri = format!("notes://{}", args.id);
    let notified = cx.resource_updated(&uri).await?;
    Ok(format!("saved {uri} (subscribers notified: {notified})"))
}

#[tokio::main]
async fn main() -> Result<(), mcpgen::Error> {
    let server =
        Server::builder("everything-server", env!("CARGO_PKG_VERSION"))
            .title("Everything server")
            .instructions("A demonstration of every feature of the mcpgen runtime.")
            .tool(
                Tool::new("add", "Adds two numbers", |x: Add, _| async move {
                    Ok::<_, ToolError>(format!("{}", x.a + x.b))
                })
                .title("Add"),
            )
            .tool(Tool::structured("weather", "Current weather (made up)", |x: City, _| async move {
                Ok(Weather { city: x.city, celsius: 21.5, conditions: "sunny".into() })
            }))
            .tool(Tool::new("count", "Counts slowly, reporting progress; cancellable", count))
            .tool(Tool::new("ask_model", "Asks the client's model (sampling)", ask_model))
            .tool(Tool::new("ask_user", "Asks the client's user (elicitation)", ask_user))
            .tool(Tool::no_args("roots", "Lists the client's roots", roots))
            .tool(Tool::new("edit_note", "Changes a note and notifies subscribers", edit_note))
            .tool(Tool::no_args("log", "Sends one log message at each level", |cx: Context| async move {
                for level in [
                    hub::LoggingLevel::Debug,
                    hub::LoggingLevel::Info,
                    hub::LoggingLevel::Warning,
                    hub::LoggingLevel::Error,
                ] {
                    cx.log(level, Some("everything"), json!({"level": format!("{level:?}")})).await?;
                }
                Ok::<_, ToolError>("logged")
            }))
            .resource(
                Resource::new("notes://readme", "readme", |uri, _| async move {
                    Ok(vec![text_resource(uri, "text/plain", "Notes live at notes://{id}.")])
                })
                .mime_type("text/plain")
                .description("How to use this server"),
            )
            .resource_template(
                ResourceTemplate::new("notes://{id}", "note", |uri, vars, _| async move {
                    let id = vars.get("id").cloned().unwrap_or_default();
                    let text = notes().lock().ok().and_then(|n| n.get(&id).cloned());
                    match text {
                        Some(text) => Ok(vec![text_resource(uri, "text/plain", text)]),
                        None => Err(mcpgen::rpc::ErrorObject::new(-32002, format!("no note {id}"))),
                    }
                })
                .mime_type("text/plain"),
            )
            .prompt(
                Prompt::new("summarize", |args, _| async move {
                    let topic = args.get("topic").cloned().unwrap_or_default();
                    let style = args.get("style").cloned().unwrap_or_else(|| "brief".into());
                    Ok(prompt_messages([(hub::Role::User, format!("Summarize {topic} ({style}).").as_str())]))
                })
                .description("Summarize a topic")
                .argument("topic", "What to summarize", true)
                .argument("style", "brief or detailed", false),
            )
            .completion(|params: hub::CompleteRequestParams, _| async move {
                let options = ["brief", "detailed", "bullet points"];
                let prefix = params.argument.value.to_lowercase();
                let values: Vec<String> =
                    options.iter().filter(|o| o.starts_with(&prefix)).map(|o| (*o).to_owned()).collect();
                Ok(hub::CompleteResult {
                    completion: hub::CompleteResultCompletion {
                        total: Some(values.len() as i64),
                        values,
                        ..Default::default()
                    },
                    ..Default::default()
                })
            })
            .build();
    server.serve_stdio().await
}
