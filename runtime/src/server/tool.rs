//! Typed tools without macros: the arguments type gives the `inputSchema`, an optional output type the
//! `outputSchema`, and the handler is any async function or closure.
//!
//! Handlers run up to their first `.await` that waits on the connection's own task (most tools finish
//! there, and are answered without a task of their own); only then do they go on in a task of their
//! own. A handler that computes for long or blocks before it first waits holds up the connection's
//! other messages meanwhile: put such work in `tokio::task::spawn_blocking` and await it. For the same
//! reason, never wait synchronously for the connection itself (`block_in_place` around a request to the
//! client): the connection cannot answer while it waits for you.

use super::Context;
use crate::engine::BoxFuture;
use crate::revision::hub;
use mcpgen_types::rpc::{ErrorObject, JsonObject, from_value_with_path};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// A tool: its listing (`hub::Tool`) and its handler.
#[derive(Clone)]
pub struct Tool {
    pub(crate) def: hub::Tool,
    /// The schemas in JSON Schema draft-07, for revisions before 2025-11-25 (which made 2020-12 the
    /// default dialect); `None` for tools whose schemas were given by hand.
    pub(crate) draft07: Option<(hub::ToolInputSchema, Option<hub::ToolOutputSchema>)>,
    pub(crate) handler: ToolFn,
    /// The `inputSchema` as JSON when it declares `x-mcp-header` arguments (2026-07-28 HTTP mirrors them
    /// into `Mcp-Param-*` headers, which the server checks); set when the tool is registered.
    pub(crate) mirrored: Option<Arc<Value>>,
}

pub(crate) type ToolFn =
    Arc<dyn Fn(Option<JsonObject>, Context) -> BoxFuture<Result<hub::CallToolResult, ToolFailure>> + Send + Sync>;

/// Why a tool call did not produce a result.
pub(crate) enum ToolFailure {
    /// The arguments do not fit the tool's input type; the message names the field.
    InvalidArguments(String),
    /// A protocol-level error to answer with.
    Rpc(ErrorObject),
}

/// A failure inside a tool, reported to the model as a result with `isError: true` (not as a JSON-RPC
/// error), as the spec asks for tool execution errors. Any error type converts into it with `?`.
#[derive(Debug)]
pub struct ToolError {
    message: String,
}

impl ToolError {
    /// A tool error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ToolError { message: message.into() }
    }

    /// The message shown to the model.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: std::error::Error> From<E> for ToolError {
    fn from(e: E) -> Self {
        ToolError::new(e.to_string())
    }
}

/// What a tool handler may return: converted to a `CallToolResult`.
pub trait IntoToolResult {
    /// The result.
    fn into_tool_result(self) -> hub::CallToolResult;
}

impl IntoToolResult for hub::CallToolResult {
    fn into_tool_result(self) -> hub::CallToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> hub::CallToolResult {
        hub::CallToolResult { content: vec![text(self)], ..Default::default() }
    }
}

impl IntoToolResult for &str {
    fn into_tool_result(self) -> hub::CallToolResult {
        self.to_owned().into_tool_result()
    }
}

impl IntoToolResult for Vec<hub::ContentBlock> {
    fn into_tool_result(self) -> hub::CallToolResult {
        hub::CallToolResult { content: self, ..Default::default() }
    }
}

/// A text content block.
pub fn text(text: impl Into<String>) -> hub::ContentBlock {
    hub::ContentBlock::Text(hub::TextContent { text: text.into(), ..Default::default() })
}

/// The contents of a text resource (`resources/read`), with its MIME type.
pub fn text_resource(
    uri: impl Into<String>,
    mime_type: impl Into<String>,
    text: impl Into<String>,
) -> hub::ReadResourceResultContentsItem {
    hub::ReadResourceResultContentsItem::TextResourceContents(hub::TextResourceContents {
        uri: uri.into(),
        mime_type: Some(mime_type.into()),
        text: text.into(),
        ..Default::default()
    })
}

/// A prompt result of messages (`prompts/get`), each a role and its text.
pub fn prompt_messages<'a>(messages: impl IntoIterator<Item = (hub::Role, &'a str)>) -> hub::GetPromptResult {
    let messages = messages
        .into_iter()
        .map(|(role, body)| hub::PromptMessage { role, content: text(body), extra: Default::default() })
        .collect();
    hub::GetPromptResult { messages, ..Default::default() }
}

impl Tool {
    /// A tool whose arguments are `A` (its JSON schema becomes `inputSchema`; calls with arguments that do
    /// not deserialize into `A` are refused with an error naming the field) and whose handler returns
    /// anything [`IntoToolResult`].
    ///
    /// # Panics
    /// If `A`'s schema is not an object schema (`A` must be a struct or a map), since MCP requires
    /// `inputSchema` to have `type: "object"`; this is a programming error found at startup.
    pub fn new<A, R, F, Fut>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Tool
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        R: IntoToolResult + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
    {
        let name = name.into();
        let input_schema = input_schema_for::<A>(&name, Dialect::Draft2020);
        let draft07 = input_schema_for::<A>(&name, Dialect::Draft07);
        let handler = Arc::new(handler);
        let call: ToolFn = Arc::new(move |arguments, cx| {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let args = decode_args::<A>(arguments)?;
                Ok(match handler(args, cx).await {
                    Ok(result) => result.into_tool_result(),
                    Err(e) => error_result(e.message),
                })
            })
        });
        let def = hub::Tool { name, description: Some(description.into()), input_schema, ..Default::default() };
        Tool { def, draft07: Some((draft07, None)), handler: call, mirrored: None }
    }

    /// A tool with structured output `O`: its schema becomes `outputSchema`, the value is sent as
    /// `structuredContent` and, for clients that only read `content`, as a JSON text block.
    ///
    /// # Panics
    /// As [`Tool::new`]; also if `O`'s schema is not an object schema (MCP revisions before 2026 require
    /// `outputSchema.type` to be `"object"`).
    pub fn structured<A, O, F, Fut>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Tool
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        O: Serialize + JsonSchema + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        let name = name.into();
        let output_schema = output_schema_for::<O>(&name, Dialect::Draft2020);
        let output_draft07 = output_schema_for::<O>(&name, Dialect::Draft07);
        let mut tool = Tool::new::<A, hub::CallToolResult, _, _>(name, description, {
            let handler = Arc::new(handler);
            move |args: A, cx: Context| {
                let handler = Arc::clone(&handler);
                async move {
                    let output = handler(args, cx).await?;
                    let value = serde_json::to_value(&output)
                        .map_err(|e| ToolError::new(format!("output does not encode: {e}")))?;
                    Ok(hub::CallToolResult {
                        content: vec![text(value.to_string())],
                        structured_content: Some(value),
                        ..Default::default()
                    })
                }
            }
        });
        tool.def.output_schema = Some(output_schema);
        if let Some((_, output)) = &mut tool.draft07 {
            *output = Some(output_draft07);
        }
        tool
    }

    /// A tool taking no arguments (`inputSchema` is `{"type": "object", "additionalProperties": false}`).
    pub fn no_args<R, F, Fut>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Tool
    where
        R: IntoToolResult + 'static,
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let mut tool = Tool::new::<NoArgs, R, _, _>(name, description, move |_: NoArgs, cx| handler(cx));
        let mut extra = JsonObject::new();
        extra.insert("additionalProperties".into(), Value::Bool(false));
        tool.def.input_schema = hub::ToolInputSchema { extra, ..Default::default() };
        tool.draft07 = None;
        tool
    }

    /// A tool from a full listing and an untyped handler (arguments as a JSON object, result as
    /// `CallToolResult`; an `Err` becomes a JSON-RPC error).
    pub fn raw<F, Fut>(def: hub::Tool, handler: F) -> Tool
    where
        F: Fn(Option<JsonObject>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::CallToolResult, ErrorObject>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let call: ToolFn = Arc::new(move |arguments, cx| {
            let handler = Arc::clone(&handler);
            Box::pin(async move { handler(arguments, cx).await.map_err(ToolFailure::Rpc) })
        });
        Tool { def, draft07: None, handler: call, mirrored: None }
    }

    /// Sets the display title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.def.title = Some(title.into());
        self
    }

    /// Sets the behaviour hints.
    pub fn annotations(mut self, annotations: hub::ToolAnnotations) -> Self {
        self.def.annotations = Some(annotations);
        self
    }

    /// Sets the icons.
    pub fn icons(mut self, icons: Vec<hub::Icon>) -> Self {
        self.def.icons = Some(icons);
        self
    }

    /// The listing.
    pub fn definition(&self) -> &hub::Tool {
        &self.def
    }
}

/// Arguments of a tool that takes none. The advertised schema forbids properties; a client that sends
/// some anyway is not refused (they are ignored).
#[derive(serde::Deserialize)]
struct NoArgs {}

impl JsonSchema for NoArgs {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NoArgs".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object"})
    }
}

fn decode_args<A: DeserializeOwned>(arguments: Option<JsonObject>) -> Result<A, ToolFailure> {
    let value = Value::Object(arguments.unwrap_or_default());
    from_value_with_path::<A>(&value).map_err(|e| ToolFailure::InvalidArguments(e.replacen("params", "arguments", 1)))
}

/// A result reporting a tool failure to the model.
pub(crate) fn error_result(message: String) -> hub::CallToolResult {
    hub::CallToolResult { content: vec![text(message)], is_error: Some(true), ..Default::default() }
}

/// The JSON Schema dialect of a generated schema.
#[derive(Clone, Copy)]
enum Dialect {
    Draft2020,
    Draft07,
}

impl Tool {
    /// The listing as sent on a session of `version`: before 2025-11-25, generated schemas in draft-07.
    pub(crate) fn listing(&self, version: crate::ProtocolVersion) -> hub::Tool {
        let mut def = self.def.clone();
        if version.as_str() < "2025-11-25"
            && let Some((input, output)) = &self.draft07
        {
            def.input_schema = input.clone();
            if output.is_some() {
                def.output_schema = output.clone();
            }
        }
        def
    }
}

fn output_schema_for<O: JsonSchema>(tool: &str, dialect: Dialect) -> hub::ToolOutputSchema {
    match serde_json::from_value(Value::Object(schema_for::<O>(tool, "output", dialect))) {
        Ok(schema) => schema,
        Err(e) => panic!("tool `{tool}`: the output schema does not fit `outputSchema`: {e}"),
    }
}

fn input_schema_for<A: JsonSchema>(tool: &str, dialect: Dialect) -> hub::ToolInputSchema {
    let schema = schema_for::<A>(tool, "arguments", dialect);
    match serde_json::from_value(Value::Object(schema)) {
        Ok(schema) => schema,
        Err(e) => panic!("tool `{tool}`: the arguments schema does not fit `inputSchema`: {e}"),
    }
}

/// The JSON Schema of `T` in `dialect`, which must describe an object.
fn schema_for<T: JsonSchema>(tool: &str, what: &str, dialect: Dialect) -> JsonObject {
    let settings = match dialect {
        Dialect::Draft2020 => schemars::generate::SchemaSettings::draft2020_12(),
        Dialect::Draft07 => schemars::generate::SchemaSettings::draft07(),
    };
    let generator = settings.into_generator();
    let schema = generator.into_root_schema_for::<T>();
    match schema.to_value() {
        Value::Object(mut object) if object.get("type").and_then(Value::as_str) == Some("object") => {
            // The root `title` schemars writes is the Rust type's name, not something to show a model.
            object.remove("title");
            object
        }
        other => panic!("tool `{tool}`: the {what} type must have an object schema (a struct or a map), found {other}"),
    }
}
