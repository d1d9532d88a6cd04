//! The server the official MCP conformance suite tests (`@modelcontextprotocol/conformance`, requirement
//! sets 2025-11-25 and 2026-07-28): its fixture tools, resources, prompts and completion, served over Streamable HTTP.
//!
//! ```text
//! cargo run --example conformance-server --features http [-- ADDRESS]   # ADDRESS defaults to 127.0.0.1:0
//! ```
//!
//! The first line on stdout is the endpoint (`http://127.0.0.1:PORT/mcp`, the address actually bound).
//! Run the suite against it from this directory with
//!
//! ```text
//! bash ../shared/conformance/run-server.sh --url URL --requirements 2025-11-25
//! ```
//!
//! and `--requirements 2026-07-28` (the stateless protocol: the diagnostic tools and the input-required
//! fixtures are at the end of [`server`]).
//!
//! `test_reconnection` (SSE resumption, not scored at 2025-11-25) is not provided.

use mcpgen::http::{HttpOptions, HttpServer};
use mcpgen::hub;
use mcpgen::rpc::{ErrorObject, JsonObject};
use mcpgen::server::{
    Context, Prompt, Resource, ResourceTemplate, Server, ServerBuilder, Tool, ToolError, prompt_messages, text,
    text_resource,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::io::Write;
use std::time::Duration;

/// A 1×1 red PNG (RGBA).
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A WAV file: PCM, mono, 8 kHz, 16-bit, four silent samples.
const WAV: &str = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQgAAAAAAAAAAAAAAA==";
/// The `logger` of the log messages sent by `test_tool_with_logging`.
const LOGGER: &str = "conformance-server";
/// The pause between the notifications of `test_tool_with_progress` and `test_tool_with_logging`.
const STEP: Duration = Duration::from_millis(50);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let server = server()?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "http://{}/mcp", listener.local_addr()?)?;
        stdout.flush()?;
    }
    HttpServer::new(server, HttpOptions::default()).serve(listener).await?;
    Ok(())
}

/// The server definition: every fixture of the 2025-11-25 server scenarios.
fn server() -> Result<Server, serde_json::Error> {
    let builder = Server::builder("mcpgen-conformance-server", env!("CARGO_PKG_VERSION"))
        .title("mcpgen conformance server")
        .tool(Tool::no_args("test_simple_text", "Tests simple text content response", |_| async {
            Ok::<_, ToolError>("This is a simple text response for testing.")
        }))
        .tool(Tool::no_args("test_image_content", "Tests image content response", |_| async {
            Ok::<_, ToolError>(vec![image()])
        }))
        .tool(Tool::no_args("test_audio_content", "Tests audio content response", |_| async {
            Ok::<_, ToolError>(vec![hub::ContentBlock::Audio(hub::AudioContent {
                data: WAV.into(),
                mime_type: "audio/wav".into(),
                ..Default::default()
            })])
        }))
        .tool(Tool::no_args("test_embedded_resource", "Tests embedded resource content response", |_| async {
            Ok::<_, ToolError>(vec![embedded("test://embedded-resource", "This is an embedded resource content.")])
        }))
        .tool(Tool::no_args(
            "test_multiple_content_types",
            "Tests response with multiple content types (text, image, resource)",
            |_| async {
                let json = embedded_text(
                    "test://mixed-content-resource",
                    "application/json",
                    r#"{"test":"data","value":123}"#,
                );
                Ok::<_, ToolError>(vec![text("Multiple content types test:"), image(), json])
            },
        ))
        .tool(Tool::no_args("test_error_handling", "Tests error response handling", |_| async {
            Err::<String, _>(ToolError::new("This tool intentionally returns an error for testing"))
        }))
        .tool(Tool::no_args("test_tool_with_progress", "Tests tool that reports progress notifications", progress))
        .tool(Tool::no_args("test_tool_with_logging", "Tests tool that emits log messages during execution", logging))
        .tool(Tool::new("test_sampling", "Tests server-initiated sampling (LLM completion request)", sampling))
        .tool(Tool::new("test_elicitation", "Tests server-initiated elicitation (user input request)", elicitation))
        .tool(Tool::no_args(
            "test_elicitation_sep1034_defaults",
            "Tests elicitation with default values per SEP-1034",
            |cx| elicit(cx, sep1034_defaults()),
        ))
        .tool(Tool::no_args(
            "test_elicitation_sep1330_enums",
            "Tests elicitation with enum schema improvements per SEP-1330",
            |cx| elicit(cx, sep1330_enums()),
        ))
        .tool(Tool::raw(decode(json_schema_2020_12_tool())?, |args, _| async move {
            let args = Value::Object(args.unwrap_or_default());
            Ok(hub::CallToolResult {
                content: vec![text(format!("JSON Schema 2020-12 tool called with: {args}"))],
                ..Default::default()
            })
        }))
        .resource(
            Resource::new("test://static-text", "static-text", |uri, _| async move {
                Ok(vec![text_resource(uri, "text/plain", "This is the content of the static text resource.")])
            })
            .title("Static Text Resource")
            .description("A static text resource for testing")
            .mime_type("text/plain"),
        )
        .resource(
            Resource::new("test://static-binary", "static-binary", |uri, _| async move {
                Ok(vec![hub::ReadResourceResultContentsItem::BlobResourceContents(hub::BlobResourceContents {
                    uri,
                    mime_type: Some("image/png".into()),
                    blob: PNG.into(),
                    ..Default::default()
                })])
            })
            .title("Static Binary Resource")
            .description("A static binary resource (image) for testing")
            .mime_type("image/png"),
        )
        .resource_template(
            ResourceTemplate::new("test://template/{id}/data", "template", |uri, vars, _| async move {
                let id = vars.get("id").map_or("", String::as_str);
                let quoted = |s: &str| serde_json::to_string(s).map_err(|e| ErrorObject::new(-32603, e.to_string()));
                let data = format!(
                    r#"{{"id":{},"templateTest":true,"data":{}}}"#,
                    quoted(id)?,
                    quoted(&format!("Data for ID: {id}"))?
                );
                Ok(vec![text_resource(uri, "application/json", data)])
            })
            .title("Resource Template")
            .description("A resource template with parameter substitution")
            .mime_type("application/json"),
        )
        .resource(
            Resource::new("test://watched-resource", "watched-resource", |uri, _| async move {
                Ok(vec![text_resource(uri, "text/plain", "Watched resource content")])
            })
            .title("Watched Resource")
            .description("A resource clients may subscribe to")
            .mime_type("text/plain"),
        )
        .prompt(
            Prompt::new("test_simple_prompt", |_, _| async {
                Ok(prompt_messages([(hub::Role::User, "This is a simple prompt for testing.")]))
            })
            .title("Simple Test Prompt")
            .description("A simple prompt without arguments"),
        )
        .prompt(
            Prompt::new("test_prompt_with_arguments", |args, _| async move {
                let arg = |name: &str| args.get(name).cloned().unwrap_or_default();
                let body = format!("Prompt with arguments: arg1='{}', arg2='{}'", arg("arg1"), arg("arg2"));
                Ok(prompt_messages([(hub::Role::User, body.as_str())]))
            })
            .title("Prompt With Arguments")
            .description("A prompt with required arguments")
            .argument("arg1", "First test argument", true)
            .argument("arg2", "Second test argument", true),
        )
        .prompt(
            Prompt::new("test_prompt_with_embedded_resource", |args, _| async move {
                let uri = args.get("resourceUri").cloned().unwrap_or_default();
                let resource = embedded_text(uri, "text/plain", "Embedded resource content for testing.");
                Ok(user_messages([resource, text("Please process the embedded resource above.")]))
            })
            .title("Prompt With Embedded Resource")
            .description("A prompt that includes an embedded resource")
            .argument("resourceUri", "URI of the resource to embed", true),
        )
        .prompt(
            Prompt::new("test_prompt_with_image", |_, _| async {
                Ok(user_messages([image(), text("Please analyze the image above.")]))
            })
            .title("Prompt With Image")
            .description("A prompt that includes image content"),
        )
        .completion(|params: hub::CompleteRequestParams, _| async move { Ok(complete(&params)) });
    Ok(modern_fixtures(builder).build())
}

/// The fixtures of the 2026-07-28 scenarios: diagnostic tools of `server-stateless`, and the tools and the
/// prompt of the `input-required-result-*` scenarios. They ask for input through the same `Context` calls
/// as the legacy fixtures; for a 2026-07-28 client the runtime turns the asks into input requests.
fn modern_fixtures(builder: ServerBuilder) -> ServerBuilder {
    builder
        .tool(Tool::no_args(
            "test_missing_capability",
            "Needs the client's sampling capability (-32021 without it)",
            |cx| async move { Ok::<_, ToolError>(format!("sampled: {}", ask_model(&cx, "Say hello").await?)) },
        ))
        .tool(Tool::no_args(
            "test_streaming_elicitation",
            "Asks the user for input (2026-07-28: as an input request, never a request on the stream)",
            |cx| async move {
                let name = ask_name(&cx.input("user_name"), "What is your name?", "name").await?;
                Ok::<_, ToolError>(format!("Hello, {name}!"))
            },
        ))
        .tool(Tool::no_args(
            "test_logging_tool",
            "Logs three messages (sent only when the request names a log level)",
            logging,
        ))
        .tool(Tool::no_args("test_trigger_tool_change", "Announces a tool list change", |cx| async move {
            cx.tools_changed().await?;
            Ok::<_, ToolError>("tools/list_changed sent")
        }))
        .tool(Tool::no_args("test_trigger_prompt_change", "Announces a prompt list change", |cx| async move {
            cx.server().prompts_changed();
            Ok::<_, ToolError>("prompts/list_changed sent")
        }))
        .tool(Tool::no_args("test_input_required_result_elicitation", "Asks the user's name", |cx| async move {
            let name = ask_name(&cx.input("user_name"), "What is your name?", "name").await?;
            Ok::<_, ToolError>(format!("Hello, {name}!"))
        }))
        .tool(Tool::no_args("test_input_required_result_sampling", "Asks the model a question", |cx| async move {
            let answer = ask_model(&cx.input("capital_question"), "What is the capital of France?").await?;
            Ok::<_, ToolError>(format!("LLM response: {answer}"))
        }))
        .tool(Tool::no_args("test_input_required_result_list_roots", "Asks for the client's roots", |cx| async move {
            let roots = cx.input("client_roots").list_roots().await?;
            let uris: Vec<&str> = roots.roots.iter().map(|r| r.uri.as_str()).collect();
            Ok::<_, ToolError>(format!("Client roots: {}", uris.join(", ")))
        }))
        .tool(Tool::no_args(
            "test_input_required_result_request_state",
            "Asks for a confirmation; the answer comes back with the request state",
            |cx| async move {
                let answer = ask(&cx.input("confirm"), "Please confirm", "ok", "boolean").await?;
                Ok::<_, ToolError>(format!("state-ok: confirmed = {answer}"))
            },
        ))
        .tool(Tool::no_args(
            "test_input_required_result_multiple_inputs",
            "Asks for a name, a greeting and the roots in one round",
            |cx| async move {
                let (user, model, client) = (cx.input("user_name"), cx.input("greeting"), cx.input("client_roots"));
                let (name, greeting, roots) = tokio::join!(
                    ask_name(&user, "What is your name?", "name"),
                    ask_model(&model, "Generate a greeting"),
                    client.list_roots(),
                );
                let roots = roots?.roots.len();
                Ok::<_, ToolError>(format!("{} {}! ({roots} roots)", greeting?, name?))
            },
        ))
        .tool(Tool::no_args("test_input_required_result_multi_round", "Asks two questions in turn", |cx| async move {
            let name = ask_name(&cx.input("step1"), "Step 1: What is your name?", "name").await?;
            let color = ask_name(&cx.input("step2"), "Step 2: What is your favorite color?", "color").await?;
            Ok::<_, ToolError>(format!("{name} likes {color}"))
        }))
        .tool(Tool::no_args(
            "test_input_required_result_tampered_state",
            "Asks for a confirmation (a tampered request state is refused)",
            |cx| async move {
                let answer = ask(&cx.input("confirm"), "Please confirm", "ok", "boolean").await?;
                Ok::<_, ToolError>(format!("confirmed = {answer}"))
            },
        ))
        .tool(Tool::no_args(
            "test_input_required_result_capabilities",
            "Asks only for what the client declared: the user when it can elicit, else its model",
            |cx| async move {
                if cx.client_capabilities().elicitation.is_some() {
                    let name = ask_name(&cx.input("user_name"), "What is your name?", "name").await?;
                    return Ok::<_, ToolError>(format!("Hello, {name}!"));
                }
                Ok(format!("LLM response: {}", ask_model(&cx.input("question"), "What is your name?").await?))
            },
        ))
        .tool(Tool::raw(mirrored_tool(), |args, _| async move {
            let region = args.as_ref().and_then(|a| a.get("region")).cloned().unwrap_or_default();
            Ok(hub::CallToolResult { content: vec![text(format!("region: {region}"))], ..Default::default() })
        }))
        .prompt(
            Prompt::new("test_input_required_result_prompt", |_, cx| async move {
                let context = ask_name(&cx.input("user_context"), "What context should the prompt use?", "context")
                    .await
                    .map_err(|e| ErrorObject::new(ErrorObject::INTERNAL_ERROR, e.message().to_owned()))?;
                Ok(prompt_messages([(hub::Role::User, format!("Use this context: {context}").as_str())]))
            })
            .description("A prompt that asks the user for its context first"),
        )
}

/// `test_mirrored_header`: an argument mirrored into the `Mcp-Param-Region` header (2026-07-28), which the
/// server checks against the body.
fn mirrored_tool() -> hub::Tool {
    let schema = json!({
        "type": "object",
        "properties": {"region": {"type": "string", "description": "Where to run", "x-mcp-header": "Region"}},
        "required": ["region"],
    });
    hub::Tool {
        name: "test_mirrored_header".into(),
        description: Some("Echoes an argument that 2026-07-28 clients mirror into Mcp-Param-Region".into()),
        input_schema: serde_json::from_value(schema).unwrap_or_default(),
        ..Default::default()
    }
}

/// Asks the user for one string (`field`) and returns it.
async fn ask_name(cx: &Context, message: &str, field: &str) -> Result<String, ToolError> {
    let answer = ask(cx, message, field, "string").await?;
    Ok(answer.as_str().map_or_else(|| answer.to_string(), str::to_owned))
}

/// Asks the user for one value of a JSON Schema `kind`; a declined form is an error.
async fn ask(cx: &Context, message: &str, field: &str, kind: &str) -> Result<Value, ToolError> {
    let schema = json!({"type": "object", "properties": {field: {"type": kind}}, "required": [field]});
    let answer = cx.elicit(decode(json!({"message": message, "requestedSchema": schema}))?).await?;
    let answer = serde_json::to_value(answer)?;
    if answer["action"] != "accept" {
        return Err(ToolError::new(format!("the user did not answer ({})", answer["action"])));
    }
    Ok(answer["content"][field].clone())
}

/// Asks the client's model `question` (100 tokens at most) and returns the text of its answer.
async fn ask_model(cx: &Context, question: &str) -> Result<String, ToolError> {
    let params = decode(json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": question}}],
        "maxTokens": 100,
    }))?;
    let result = cx.create_message(params).await?;
    let blocks = match result.content {
        hub::CreateMessageResultContent::Single(block) => vec![block],
        hub::CreateMessageResultContent::Multiple(blocks) => blocks,
        _ => Vec::new(),
    };
    Ok(blocks
        .iter()
        .filter_map(|block| match block {
            hub::SamplingMessageContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect())
}

#[derive(Deserialize, JsonSchema)]
struct SamplingArgs {
    /// The prompt to send to the LLM.
    prompt: String,
}

#[derive(Deserialize, JsonSchema)]
struct ElicitationArgs {
    /// The message to show the user.
    message: String,
}

/// `test_tool_with_progress`: progress 0, 50 and 100 of 100, 50 ms apart, on the request's progress token.
async fn progress(cx: Context) -> Result<String, ToolError> {
    for (step, value) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if step > 0 {
            tokio::time::sleep(STEP).await;
        }
        cx.progress(value, Some(100.0), Some(&format!("Completed step {value} of 100"))).await?;
    }
    Ok("Progress test completed".into())
}

/// `test_tool_with_logging`: three `info` log messages, 50 ms apart.
async fn logging(cx: Context) -> Result<String, ToolError> {
    let messages = ["Tool execution started", "Tool processing data", "Tool execution completed"];
    for (step, message) in messages.into_iter().enumerate() {
        if step > 0 {
            tokio::time::sleep(STEP).await;
        }
        cx.log(hub::LoggingLevel::Info, Some(LOGGER), json!(message)).await?;
    }
    Ok("Tool with logging executed successfully".into())
}

/// `test_sampling`: asks the client's model to answer `prompt` and returns its text.
async fn sampling(args: SamplingArgs, cx: Context) -> Result<String, ToolError> {
    Ok(format!("LLM response: {}", ask_model(&cx, &args.prompt).await?))
}

/// `test_elicitation`: asks the user for a username and an email.
async fn elicitation(args: ElicitationArgs, cx: Context) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "User's response"},
            "email": {"type": "string", "description": "User's email address"},
        },
        "required": ["username", "email"],
    });
    elicit(cx, json!({"mode": "form", "message": args.message, "requestedSchema": schema})).await
}

/// Sends `elicitation/create` with `params` and describes the answer.
async fn elicit(cx: Context, params: Value) -> Result<String, ToolError> {
    let answer = serde_json::to_value(cx.elicit(decode(params)?).await?)?;
    let action = answer["action"].as_str().unwrap_or_default();
    let content = answer.get("content").cloned().unwrap_or_else(|| json!({}));
    Ok(format!("Elicitation completed: action={action}, content={content}"))
}

/// SEP-1034: a default for every primitive type.
fn sep1034_defaults() -> Value {
    json!({
        "mode": "form",
        "message": "Please review and update the form fields with defaults",
        "requestedSchema": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "User name", "default": "John Doe"},
                "age": {"type": "integer", "description": "User age", "default": 30},
                "score": {"type": "number", "description": "User score", "default": 95.5},
                "status": {
                    "type": "string",
                    "description": "User status",
                    "enum": ["active", "inactive", "pending"],
                    "default": "active",
                },
                "verified": {"type": "boolean", "description": "Verification status", "default": true},
            },
        },
    })
}

/// SEP-1330: the five enum shapes (untitled and titled single-select, legacy `enumNames`, untitled and
/// titled multi-select).
fn sep1330_enums() -> Value {
    let titled = |title: &str| {
        (1..=3)
            .zip(["First", "Second", "Third"])
            .map(|(n, ordinal)| json!({"const": format!("value{n}"), "title": format!("{ordinal} {title}")}))
            .collect::<Vec<_>>()
    };
    let options = ["option1", "option2", "option3"];
    json!({
        "mode": "form",
        "message": "Please select options from the enum fields",
        "requestedSchema": {
            "type": "object",
            "properties": {
                "untitledSingle": {"type": "string", "description": "Select one option", "enum": options},
                "titledSingle": {
                    "type": "string",
                    "description": "Select one option with titles",
                    "oneOf": titled("Option"),
                },
                "legacyEnum": {
                    "type": "string",
                    "description": "Select one option (legacy)",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"],
                },
                "untitledMulti": {
                    "type": "array",
                    "description": "Select multiple options",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {"type": "string", "enum": options},
                },
                "titledMulti": {
                    "type": "array",
                    "description": "Select multiple options with titles",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {"anyOf": titled("Choice")},
                },
            },
        },
    })
}

/// The listing of `json_schema_2020_12_tool`, whose input schema must reach the client verbatim.
fn json_schema_2020_12_tool() -> Value {
    json!({
        "name": "json_schema_2020_12_tool",
        "description": "Tool with JSON Schema 2020-12 features",
        "inputSchema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                },
            },
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"},
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false,
        },
    })
}

/// `completion/complete`: suggestions for the arguments of `test_prompt_with_arguments`, none otherwise.
fn complete(params: &hub::CompleteRequestParams) -> hub::CompleteResult {
    let candidates: &[&str] = match &params.r#ref {
        hub::CompleteRequestParamsRef::RefPrompt(p) if p.name == "test_prompt_with_arguments" => {
            match params.argument.name.as_str() {
                "arg1" => &["testValue1", "test-one"],
                "arg2" => &["testValue2", "test-two"],
                _ => &[],
            }
        }
        _ => &[],
    };
    let values: Vec<String> =
        candidates.iter().filter(|c| c.starts_with(&params.argument.value)).map(|c| (*c).to_owned()).collect();
    hub::CompleteResult {
        completion: hub::CompleteResultCompletion {
            total: i64::try_from(values.len()).ok(),
            has_more: Some(false),
            values,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The test image as content.
fn image() -> hub::ContentBlock {
    hub::ContentBlock::Image(hub::ImageContent {
        data: PNG.into(),
        mime_type: "image/png".into(),
        ..Default::default()
    })
}

/// An embedded plain-text resource.
fn embedded(uri: &str, body: &str) -> hub::ContentBlock {
    embedded_text(uri, "text/plain", body)
}

/// An embedded text resource.
fn embedded_text(uri: impl Into<String>, mime_type: &str, body: &str) -> hub::ContentBlock {
    hub::ContentBlock::Resource(hub::EmbeddedResource {
        resource: hub::EmbeddedResourceResource::TextResourceContents(hub::TextResourceContents {
            uri: uri.into(),
            mime_type: Some(mime_type.into()),
            text: body.into(),
            ..Default::default()
        }),
        r#type: Default::default(),
        annotations: None,
        meta: None,
        extra: JsonObject::new(),
    })
}

/// A prompt result of user messages, one per content block.
fn user_messages(content: impl IntoIterator<Item = hub::ContentBlock>) -> hub::GetPromptResult {
    let messages = content
        .into_iter()
        .map(|content| hub::PromptMessage { role: hub::Role::User, content, extra: JsonObject::new() })
        .collect();
    hub::GetPromptResult { messages, ..Default::default() }
}

/// Decodes a protocol value written as JSON.
fn decode<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(value)
}
