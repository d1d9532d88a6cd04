//! The rows of the codec benchmarks, shared by `codec.rs` (time) and `instructions.rs` (callgrind counts):
//! each SDK decodes bytes into the message type it dispatches incoming messages with, and encodes it back.

use mcpgen_benches::{Sample, Sender};
use mcpgen_types::rpc::{self, AnyRequest, Message, RequestMethod};
use mcpgen_types::{v2025_11_25 as legacy, v2026_07_28 as mcp};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// The rows, in table order. `IgnoredAny` (parse only) and `serde_json::Value` are the bounds.
pub(crate) const ROWS: [Row; 6] =
    [Row::IgnoredAny, Row::SerdeJsonValue, Row::Mcpgen, Row::McpgenSonic, Row::Rmcp, Row::RustMcpSchema];

/// One row of the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Row {
    /// serde_json into `IgnoredAny`: parsing and nothing else.
    IgnoredAny,
    /// serde_json into `serde_json::Value`.
    SerdeJsonValue,
    /// mcpgen's types with the runtime's default JSON: serde_json parses, `mcpgen_runtime::json` prints.
    Mcpgen,
    /// mcpgen's types with sonic-rs (the runtime's `simd` feature).
    McpgenSonic,
    /// rmcp 3.9.
    Rmcp,
    /// rust-mcp-schema 2.0.
    RustMcpSchema,
}

impl Row {
    /// The benchmark id (and table column) of the row.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Row::IgnoredAny => "ignored_any",
            Row::SerdeJsonValue => "serde_json_value",
            Row::Mcpgen => "mcpgen",
            Row::McpgenSonic => "mcpgen_sonic",
            Row::Rmcp => "rmcp",
            Row::RustMcpSchema => "rust_mcp_schema",
        }
    }

    /// Looks a row up by its id.
    #[allow(dead_code)] // used by instructions.rs only
    pub(crate) fn from_id(id: &str) -> Option<Row> {
        ROWS.into_iter().find(|row| row.id() == id)
    }
}

/// A message as one row decoded it.
#[allow(clippy::large_enum_variant)] // not boxed: a box would add an allocation the SDKs do not make
pub(crate) enum Decoded {
    /// Parsed and dropped.
    Ignored,
    /// A JSON value.
    Value(Value),
    /// Decoded by mcpgen.
    Mcpgen(Mcp),
    /// Decoded by rmcp.
    Rmcp(Rmcp),
    /// Decoded by rust-mcp-schema.
    Rms(Rms),
}

/// mcpgen's message types. A server decodes client messages with the revision's dispatch enums; a client
/// decodes a response as the result type of the request it answers (it knows it from the id), in the same
/// pass as the envelope.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Mcp {
    /// A client message (2026-07-28).
    In(Message<mcp::ClientRequest, mcp::ClientNotification>),
    /// A client message of the legacy revision (`initialize` exists only there).
    InLegacy(Message<legacy::ClientRequest, legacy::ClientNotification>),
    /// A server message that is not a result.
    Out(Message<AnyRequest, mcp::ServerNotification, Value>),
    /// A `tools/list` response.
    Tools(Message<AnyRequest, mcp::ServerNotification, <mcp::ListTools as RequestMethod>::Result>),
    /// A `tools/call` response.
    Call(Message<AnyRequest, mcp::ServerNotification, <mcp::CallTool as RequestMethod>::Result>),
    /// A `resources/read` response.
    Read(Message<AnyRequest, mcp::ServerNotification, <mcp::ReadResource as RequestMethod>::Result>),
}

/// Decodes `sample` with `row`.
pub(crate) fn decode(row: Row, sample: &Sample) -> Result<Decoded, String> {
    let bytes = sample.bytes.as_slice();
    match row {
        Row::IgnoredAny => {
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map(|_| Decoded::Ignored).map_err(|e| e.to_string())
        }
        Row::SerdeJsonValue => serde_json::from_slice(bytes).map(Decoded::Value).map_err(|e| e.to_string()),
        Row::Mcpgen => mcpgen_serde(sample).map(Decoded::Mcpgen),
        Row::McpgenSonic => mcpgen_sonic(sample).map(Decoded::Mcpgen),
        Row::Rmcp => match sample.sender {
            Sender::Client => serde_json::from_slice(bytes).map(Rmcp::In),
            Sender::Server => serde_json::from_slice(bytes).map(Rmcp::Out),
        }
        .map(Decoded::Rmcp)
        .map_err(|e| e.to_string()),
        Row::RustMcpSchema => match sample.sender {
            Sender::Client => serde_json::from_slice(bytes).map(Rms::In),
            Sender::Server => serde_json::from_slice(bytes).map(Rms::Out),
        }
        .map(Decoded::Rms)
        .map_err(|e| e.to_string()),
    }
}

/// Encodes what `row` decoded (with sonic-rs for the sonic row, with the runtime's printer for mcpgen's).
pub(crate) fn encode(row: Row, decoded: &Decoded) -> Vec<u8> {
    let encoded = match decoded {
        Decoded::Ignored => Ok(Vec::new()),
        Decoded::Value(v) => serde_json::to_vec(v),
        Decoded::Mcpgen(m) if row == Row::McpgenSonic => return sonic_rs::to_vec(m).unwrap_or_default(),
        Decoded::Mcpgen(m) => return mcpgen_runtime::json::to_string(m).map(String::into_bytes).unwrap_or_default(),
        Decoded::Rmcp(m) => serde_json::to_vec(m),
        Decoded::Rms(m) => serde_json::to_vec(m),
    };
    encoded.unwrap_or_default()
}

/// Serializes the message a variant holds, as its SDK does.
macro_rules! serialize_inner {
    ($enum:ident { $($variant:ident),* }) => {
        impl Serialize for $enum {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $($enum::$variant(m) => m.serialize(s),)*
                }
            }
        }
    };
}
serialize_inner!(Mcp { In, InLegacy, Out, Tools, Call, Read });
serialize_inner!(Rmcp { In, Out });
serialize_inner!(Rms { In, Out });

type N = mcp::ServerNotification;
type Tools = <mcp::ListTools as RequestMethod>::Result;
type Call = <mcp::CallTool as RequestMethod>::Result;
type Read = <mcp::ReadResource as RequestMethod>::Result;

/// mcpgen with serde_json, through `rpc`'s decoders (which also classify failures as JSON-RPC errors).
fn mcpgen_serde(sample: &Sample) -> Result<Mcp, String> {
    let bytes = sample.bytes.as_slice();
    let fail = |e: rpc::DecodeError| e.to_string();
    Ok(match (sample.sender, sample.method) {
        (Sender::Client, Some("initialize")) => Mcp::InLegacy(rpc::decode_message(bytes).map_err(fail)?),
        (Sender::Client, _) => Mcp::In(rpc::decode_message(bytes).map_err(fail)?),
        (Sender::Server, Some("tools/list")) => {
            Mcp::Tools(rpc::decode_message_with_result::<AnyRequest, N, Tools>(bytes).map_err(fail)?)
        }
        (Sender::Server, Some("tools/call")) => {
            Mcp::Call(rpc::decode_message_with_result::<AnyRequest, N, Call>(bytes).map_err(fail)?)
        }
        (Sender::Server, Some("resources/read")) => {
            Mcp::Read(rpc::decode_message_with_result::<AnyRequest, N, Read>(bytes).map_err(fail)?)
        }
        (Sender::Server, _) => Mcp::Out(rpc::decode_message_with_result(bytes).map_err(fail)?),
    })
}

/// mcpgen's types with sonic-rs as the deserializer.
fn mcpgen_sonic(sample: &Sample) -> Result<Mcp, String> {
    fn de<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        sonic_rs::from_slice(bytes).map_err(|e| e.to_string())
    }
    let bytes = sample.bytes.as_slice();
    Ok(match (sample.sender, sample.method) {
        (Sender::Client, Some("initialize")) => Mcp::InLegacy(de(bytes)?),
        (Sender::Client, _) => Mcp::In(de(bytes)?),
        (Sender::Server, Some("tools/list")) => Mcp::Tools(de(bytes)?),
        (Sender::Server, Some("tools/call")) => Mcp::Call(de(bytes)?),
        (Sender::Server, Some("resources/read")) => Mcp::Read(de(bytes)?),
        (Sender::Server, _) => Mcp::Out(de(bytes)?),
    })
}

/// The message types a client (server-sent messages) or a server (client-sent ones) of rmcp decodes.
pub(crate) enum Rmcp {
    /// Sent by a client.
    In(rmcp::model::ClientJsonRpcMessage),
    /// Sent by a server.
    Out(rmcp::model::ServerJsonRpcMessage),
}

/// The same for rust-mcp-schema.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Rms {
    /// Sent by a client.
    In(rust_mcp_schema::schema_utils::ClientMessage),
    /// Sent by a server.
    Out(rust_mcp_schema::schema_utils::ServerMessage),
}

/// Whether re-encoding kept the message (as JSON values), or the first difference.
pub(crate) fn lossless(original: &[u8], encoded: &[u8]) -> String {
    let (a, b): (Value, Value) = match (serde_json::from_slice(original), serde_json::from_slice(encoded)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return "re-encoding is not JSON".into(),
    };
    match difference(&a, &b, String::new()) {
        None => "lossless".into(),
        Some(at) => format!("differs at {at}"),
    }
}

fn difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (u, v) = (x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null));
                if let Some(d) = difference(u, v, format!("{at}/{key}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| difference(u, v, format!("{at}/{i}")))
        }
        _ if a == b => None,
        _ => {
            let show = |v: &Value| v.to_string().chars().take(40).collect::<String>();
            Some(format!("{} ({} → {})", if at.is_empty() { "/" } else { &at }, show(a), show(b)))
        }
    }
}

/// Prints, for every message and SDK row, whether decode-then-encode kept the message.
pub(crate) fn report(corpus: &[Sample]) {
    eprintln!("\nround trip of each corpus message (decode, then encode):");
    for sample in corpus {
        for row in [Row::Mcpgen, Row::McpgenSonic, Row::Rmcp, Row::RustMcpSchema] {
            let outcome = decode(row, sample).map(|d| lossless(&sample.bytes, &encode(row, &d)));
            let shown = outcome.unwrap_or_else(|e| format!("decode error: {e}"));
            eprintln!("  {:<26} {:<16} {shown}", sample.name, row.id());
        }
    }
}
