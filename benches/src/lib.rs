//! The corpus of the codec benchmarks: MCP 2026-07-28 messages of the sizes that matter, built in code so
//! that nothing large is checked in and every run measures the same bytes.

use serde_json::{Value, json};

/// Who sends a message: it decides which message type a peer decodes it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// Client to server (requests, client notifications).
    Client,
    /// Server to client (results, server notifications, errors).
    Server,
}

/// One corpus message.
#[derive(Clone, Debug)]
pub struct Sample {
    /// A short name for the benchmark id.
    pub name: &'static str,
    /// Who sends it.
    pub sender: Sender,
    /// The method it is or answers (`None` for an error response).
    pub method: Option<&'static str>,
    /// The message as sent.
    pub bytes: Vec<u8>,
}

/// `text` of `len` bytes: readable, varied, and without characters JSON must escape.
pub fn filler(len: usize) -> String {
    const WORDS: [&str; 8] = ["model ", "context ", "protocol ", "tool ", "result ", "stream ", "server ", "client "];
    let mut text = String::with_capacity(len + 16);
    let mut i = 0usize;
    while text.len() < len {
        text.push_str(WORDS[i % WORDS.len()]);
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    text.truncate(len);
    text
}

/// Standard base64 of `len` bytes of a fixed pseudo-random sequence (for the blob sample).
pub fn blob(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = String::with_capacity(len.div_ceil(3) * 4);
    for _ in 0..len.div_ceil(3) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for shift in [18u32, 12, 6, 0] {
            out.push(char::from(ALPHABET[((state >> shift) & 63) as usize]));
        }
    }
    out
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// A tool with a 10-property input schema.
fn tool(i: usize) -> Value {
    let mut properties = serde_json::Map::new();
    for p in 0..10 {
        let kind = ["string", "integer", "boolean", "number"][p % 4];
        properties.insert(
            format!("param_{p}"),
            json!({"type": kind, "description": format!("Parameter {p} of tool {i}: {}", filler(24))}),
        );
    }
    json!({
        "name": format!("tool_{i:02}"),
        "title": format!("Tool {i}"),
        "description": filler(120),
        "inputSchema": {"type": "object", "properties": properties, "required": ["param_0", "param_1"]},
        "annotations": {"readOnlyHint": i.is_multiple_of(2)},
    })
}

/// The corpus, smallest first.
pub fn corpus() -> Vec<Sample> {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "progressToken": 7,
    });
    // 2026-07-28 has no handshake: `initialize` is the legacy revision's (2025-11-25), as a client sends it.
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"roots": {"listChanged": true}, "sampling": {}, "elicitation": {"form": {}}},
        "clientInfo": {"name": "bench-client", "title": "Benchmark client", "version": "1.0.0"}}});
    let call = json!({"jsonrpc": "2.0", "id": 12, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}, "_meta": meta}});
    let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
        "params": {"progressToken": 7, "progress": 50, "total": 100, "message": "half way"}});
    let error = json!({"jsonrpc": "2.0", "id": 12, "error": {"code": -32602, "message": "unknown tool: nope"}});
    let small = json!({"jsonrpc": "2.0", "id": 12, "result": {
        "content": [{"type": "text", "text": filler(200)}], "isError": false, "resultType": "complete"}});
    let tools: Vec<Value> = (0..50).map(tool).collect();
    let list = json!({"jsonrpc": "2.0", "id": 3, "result": {
        "tools": tools, "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}});
    let big = json!({"jsonrpc": "2.0", "id": 13, "result": {
        "content": [{"type": "text", "text": filler(1 << 20)}], "resultType": "complete"}});
    let read = json!({"jsonrpc": "2.0", "id": 14, "result": {
        "contents": [{"uri": "file:///data.bin", "mimeType": "application/octet-stream", "blob": blob(768 * 1024)}],
        "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}});
    vec![
        Sample { name: "initialize", sender: Sender::Client, method: Some("initialize"), bytes: bytes(&initialize) },
        Sample { name: "tools_call_request", sender: Sender::Client, method: Some("tools/call"), bytes: bytes(&call) },
        Sample {
            name: "progress",
            sender: Sender::Server,
            method: Some("notifications/progress"),
            bytes: bytes(&progress),
        },
        Sample { name: "error", sender: Sender::Server, method: None, bytes: bytes(&error) },
        Sample {
            name: "tools_call_result_200b",
            sender: Sender::Server,
            method: Some("tools/call"),
            bytes: bytes(&small),
        },
        Sample {
            name: "tools_list_result_50",
            sender: Sender::Server,
            method: Some("tools/list"),
            bytes: bytes(&list),
        },
        Sample {
            name: "tools_call_result_1mib",
            sender: Sender::Server,
            method: Some("tools/call"),
            bytes: bytes(&big),
        },
        Sample {
            name: "resources_read_blob_1mib",
            sender: Sender::Server,
            method: Some("resources/read"),
            bytes: bytes(&read),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_has_the_sizes_the_issue_names() {
        let corpus = corpus();
        let size = |name: &str| corpus.iter().find(|s| s.name == name).map(|s| s.bytes.len()).unwrap_or_default();
        // 2026-07-28 requests carry their `_meta` (revision, capabilities), hence more than the legacy 134 B.
        assert!((100..300).contains(&size("tools_call_request")), "{}", size("tools_call_request"));
        assert!((60_000..100_000).contains(&size("tools_list_result_50")), "{}", size("tools_list_result_50"));
        assert!(size("tools_call_result_1mib") > 1 << 20);
        assert!(size("resources_read_blob_1mib") > 1 << 20);
        for sample in &corpus {
            let value: Value = serde_json::from_slice(&sample.bytes).expect("valid JSON");
            assert_eq!(value["jsonrpc"], "2.0", "{}", sample.name);
        }
    }
}
