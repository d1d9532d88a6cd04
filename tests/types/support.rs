//! The revision table the tests iterate over, and where the schema files are.

use std::path::PathBuf;

use mcpgen_types::rpc::{self, Dispatch, Message};
use serde_json::Value;

/// Decoded message, for assertions: kind, method, whether the method is known, and the re-encoding.
pub(crate) struct Decoded {
    pub kind: &'static str,
    pub method: String,
    pub known: bool,
    pub json: Value,
}

type Roundtrip = fn(&str, Value) -> Option<Result<Value, String>>;
type DecodeUnion = fn(&str, Value) -> Option<Result<(&'static str, Value), String>>;
pub(crate) type DecodeMessage = fn(&[u8]) -> Result<Decoded, rpc::DecodeError>;

/// One generated revision module, seen through the functions the tests need.
pub(crate) struct Rev {
    pub name: &'static str,
    pub roundtrip: Roundtrip,
    pub roundtrip_result: Roundtrip,
    pub decode_union: DecodeUnion,
    pub methods: &'static [(&'static str, &'static str)],
    pub unions: &'static [(&'static str, &'static [&'static str])],
    pub definitions: &'static [&'static str],
    /// Decodes a message a client sends.
    pub from_client: DecodeMessage,
    /// Decodes a message a server sends.
    pub from_server: DecodeMessage,
}

pub(crate) fn decode<R: Dispatch + serde::Serialize, N: Dispatch + serde::Serialize>(
    bytes: &[u8],
) -> Result<Decoded, rpc::DecodeError> {
    let message = rpc::decode_message::<R, N>(bytes)?;
    let json = serde_json::to_value(&message).expect("a decoded message encodes");
    let (kind, method, known) = match &message {
        Message::Request(r) => ("request", r.body.method().to_owned(), R::knows(r.body.method())),
        Message::Notification(n) => ("notification", n.body.method().to_owned(), N::knows(n.body.method())),
        Message::Response(_) => ("response", String::new(), true),
        Message::Error(_) => ("error", String::new(), true),
        _ => ("other", String::new(), false),
    };
    Ok(Decoded { kind, method, known, json })
}

macro_rules! rev {
    ($name:literal, $m:ident) => {{
        use mcpgen_types::$m as m;
        Rev {
            name: $name,
            roundtrip: m::by_name::roundtrip,
            roundtrip_result: m::by_name::roundtrip_result,
            decode_union: m::by_name::decode_union,
            methods: m::by_name::METHODS,
            unions: m::by_name::UNIONS,
            definitions: m::by_name::DEFINITIONS,
            from_client: |b| client_decode::<m::ClientMessage>(b),
            from_server: |b| client_decode::<m::ServerMessage>(b),
        }
    }};
}

/// Decodes with the request and notification sets of a message alias.
fn client_decode<M: MessageSets>(bytes: &[u8]) -> Result<Decoded, rpc::DecodeError> {
    M::decode(bytes)
}

pub(crate) trait MessageSets {
    fn decode(bytes: &[u8]) -> Result<Decoded, rpc::DecodeError>;
}

impl<R: Dispatch + serde::Serialize, N: Dispatch + serde::Serialize> MessageSets for Message<R, N> {
    fn decode(bytes: &[u8]) -> Result<Decoded, rpc::DecodeError> {
        decode::<R, N>(bytes)
    }
}

/// Every revision enabled in this build.
pub(crate) fn revisions() -> Vec<Rev> {
    vec![
        #[cfg(feature = "2024-11-05")]
        rev!("2024-11-05", v2024_11_05),
        #[cfg(feature = "2025-03-26")]
        rev!("2025-03-26", v2025_03_26),
        #[cfg(feature = "2025-06-18")]
        rev!("2025-06-18", v2025_06_18),
        #[cfg(feature = "2025-11-25")]
        rev!("2025-11-25", v2025_11_25),
        #[cfg(feature = "2026-07-28")]
        rev!("2026-07-28", v2026_07_28),
        #[cfg(feature = "draft")]
        rev!("draft", draft),
    ]
}

pub(crate) fn revision(name: &str) -> Option<Rev> {
    revisions().into_iter().find(|r| r.name == name)
}

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder with the upstream schema files, or `None` (with a note) where there is none and
/// `MCP_REQUIRE_SCHEMAS` is unset.
pub(crate) fn schema_dir() -> Option<PathBuf> {
    let dir = mcpgen_codegen::schema_dir(&root());
    if dir.join("2026-07-28/schema.json").is_file() {
        return Some(dir);
    }
    let required = std::env::var("MCP_REQUIRE_SCHEMAS").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(!required, "MCP_REQUIRE_SCHEMAS is set but {} has no schema files", dir.display());
    eprintln!("skipped: no schema files in {} (set MCP_SCHEMA_DIR)", dir.display());
    None
}

/// Reads a JSON file.
pub(crate) fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
