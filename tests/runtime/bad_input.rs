//! The bad-input matrix: a server driven frame by frame answers every malformed or misplaced message with
//! the exact error (or, where the spec says so, with nothing) and keeps serving the connection.

use super::support::*;
use mcpgen::rpc::ErrorObject;
use mcpgen::runtime::ProtocolVersion;
use serde_json::{Value, json};

const INVALID_PARAMS: i64 = ErrorObject::INVALID_PARAMS;

/// A request with this id, method and params.
fn request(id: impl Into<Value>, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id.into(), "method": method, "params": params})
}

#[tokio::test]
async fn malformed_messages() {
    within(async {
        let (definition, _probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        let mut invalid_utf8 = br#"{"jsonrpc": "2.0", "id": 1, "method": "p"#.to_vec();
        invalid_utf8.extend_from_slice(b"\xff\xfeing\"}\n");
        let cases: Vec<(&str, Input, Expect)> = vec![
            ("invalid JSON", "this is not json".into(), parse_error()),
            ("truncated JSON", r#"{"jsonrpc": "2.0", "id": 1, "method": "pi"#.into(), parse_error()),
            ("invalid UTF-8", Input::Bytes(invalid_utf8), parse_error()),
            ("JSON scalar", "true".into(), invalid_request(Value::Null)),
            ("JSON null", "null".into(), invalid_request(Value::Null)),
            ("JSON string", r#""ping""#.into(), invalid_request(Value::Null)),
            ("JSON number", "42".into(), invalid_request(Value::Null)),
            ("missing jsonrpc", json!({"id": 1, "method": "ping"}).into(), invalid_request(json!(1))),
            (
                "wrong jsonrpc version",
                json!({"jsonrpc": "1.0", "id": 2, "method": "ping"}).into(),
                invalid_request(json!(2)),
            ),
            ("method not a string", json!({"jsonrpc": "2.0", "id": 3, "method": 3}).into(), invalid_request(json!(3))),
            (
                "id as float",
                json!({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}).into(),
                invalid_request(Value::Null),
            ),
            (
                "id as bool",
                json!({"jsonrpc": "2.0", "id": true, "method": "ping"}).into(),
                invalid_request(Value::Null),
            ),
            (
                "id as object",
                json!({"jsonrpc": "2.0", "id": {"n": 1}, "method": "ping"}).into(),
                invalid_request(Value::Null),
            ),
            ("id null", json!({"jsonrpc": "2.0", "id": null, "method": "ping"}).into(), invalid_request(Value::Null)),
            ("neither method nor id", json!({"jsonrpc": "2.0"}).into(), invalid_request(Value::Null)),
            // By-position params are valid JSON-RPC, but no MCP method takes them.
            (
                "params as array",
                request(4, "tools/list", json!([1])).into(),
                Expect::Error(INVALID_PARAMS, json!(4), "object"),
            ),
            ("params as string", request(5, "tools/list", json!("x")).into(), invalid_request(json!(5))),
            (
                "unknown method",
                request(6, "tools/destroy", json!({})).into(),
                Expect::Error(-32601, json!(6), "tools/destroy"),
            ),
            ("string id", request("abc", "tools/destroy", json!({})).into(), Expect::Error(-32601, json!("abc"), "")),
            (
                "unknown tool",
                request(7, "tools/call", json!({"name": "nope"})).into(),
                Expect::Error(INVALID_PARAMS, json!(7), "nope"),
            ),
            (
                "tools/call without name",
                request(8, "tools/call", json!({})).into(),
                Expect::Error(INVALID_PARAMS, json!(8), "name"),
            ),
            (
                "wrong argument type (2025-11-25)",
                request(9, "tools/call", json!({"name": "add", "arguments": {"a": "two", "b": 1}})).into(),
                Expect::ToolError(json!(9), "at `a`"),
            ),
            (
                "resources/read without uri",
                request(10, "resources/read", json!({})).into(),
                Expect::Error(INVALID_PARAMS, json!(10), "uri"),
            ),
            (
                "prompts/get without a required argument",
                request(11, "prompts/get", json!({"name": "greet", "arguments": {}})).into(),
                Expect::Error(INVALID_PARAMS, json!(11), "`name`"),
            ),
            (
                "invalid log level",
                request(12, "logging/setLevel", json!({"level": "loud"})).into(),
                Expect::Error(INVALID_PARAMS, json!(12), "level"),
            ),
            (
                "invalid cursor",
                request(13, "prompts/list", json!({"cursor": 7})).into(),
                Expect::Error(INVALID_PARAMS, json!(13), "cursor"),
            ),
            (
                "batch on 2025-11-25",
                json!([request(14, "ping", json!({}))]).into(),
                Expect::Error(-32600, Value::Null, "batch"),
            ),
            ("empty batch on 2025-11-25", "[]".into(), invalid_request(Value::Null)),
            (
                "oversized frame",
                Input::Text(format!("\"{}\"", "x".repeat(2 * MAX_FRAME))),
                Expect::Error(-32600, Value::Null, "bytes"),
            ),
            ("response to an unknown id", json!({"jsonrpc": "2.0", "id": 999, "result": {}}).into(), Expect::Silence),
            (
                "error response without an id",
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "?"}}).into(),
                Expect::Silence,
            ),
            (
                "response with result and error",
                json!({"jsonrpc": "2.0", "id": 998, "result": {}, "error": {"code": 1, "message": "?"}}).into(),
                Expect::Silence,
            ),
            (
                "unknown notification",
                json!({"jsonrpc": "2.0", "method": "notifications/whatever"}).into(),
                Expect::Silence,
            ),
            (
                "cancel an unknown request",
                json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 4321}}).into(),
                Expect::Silence,
            ),
            (
                "malformed cancel",
                json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": [1]}}).into(),
                Expect::Silence,
            ),
            ("blank line", "   ".into(), Expect::Silence),
        ];
        for (case, input, expect) in cases {
            check(&mut raw, case, input, expect).await;
        }
    })
    .await;
}

#[tokio::test]
async fn tool_argument_errors_follow_the_revision() {
    within(async {
        let (definition, _probe) = server();
        for &version in ProtocolVersion::ENABLED {
            let (mut raw, _handle) = raw_server(&definition);
            raw.handshake(version).await;
            let call = request(1, "tools/call", json!({"name": "add", "arguments": {"a": "two", "b": 1}}));
            // Before 2025-11-25 a JSON-RPC error naming the field; from then on a tool error result.
            let expect = if version.tool_input_errors_are_results() {
                Expect::ToolError(json!(1), "at `a`")
            } else {
                Expect::Error(INVALID_PARAMS, json!(1), "at `a`")
            };
            check(&mut raw, version.as_str(), call, expect).await;
        }
    })
    .await;
}

#[tokio::test]
async fn lifecycle_order_is_enforced() {
    within(async {
        let (definition, _probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        // `ping` is allowed before `initialize` (`check` ends with one).
        check(&mut raw, "request before initialize", request(1, "tools/list", json!({})), invalid_request(json!(1))).await;
        check(&mut raw, "batch before initialize", json!([request(2, "ping", json!({}))]), invalid_request(Value::Null)).await;
        check(&mut raw, "initialize without params", json!({"jsonrpc": "2.0", "id": 3, "method": "initialize"}), Expect::Error(INVALID_PARAMS, json!(3), "protocolVersion")).await;
        raw.initialize(newest().as_str()).await;
        check(&mut raw, "request before initialized", request(4, "tools/list", json!({})), invalid_request(json!(4))).await;
        raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        let again = request(5, "initialize", json!({"protocolVersion": oldest().as_str(), "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}));
        check(&mut raw, "initialize twice", again, Expect::Error(-32600, json!(5), "already initialized")).await;
        check(&mut raw, "operation after the handshake", request(6, "tools/list", json!({})), Expect::Result(json!(6))).await;
    })
    .await;
}

#[tokio::test]
async fn cancelling_initialize_is_ignored() {
    within(async {
        let (definition, _probe) = server();
        // The cancellation races the answer; repeat so that losing the race would show.
        for _ in 0..20 {
            let (mut raw, _handle) = raw_server(&definition);
            let initialize = request(1, "initialize", json!({"protocolVersion": newest().as_str(), "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}));
            let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
            raw.send_text(&format!("{initialize}\n{cancel}")).await;
            let answer = raw.recv().await;
            assert_eq!(answer["id"], 1, "{answer}");
            assert_eq!(answer["result"]["protocolVersion"], newest().as_str(), "{answer}");
            raw.ping_ok().await;
        }
    })
    .await;
}

#[tokio::test]
async fn batches_on_2025_03_26() {
    within(async {
        let (definition, _probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(rev("2025-03-26")).await;
        check(&mut raw, "empty batch", "[]", Expect::Error(-32600, Value::Null, "empty")).await;
        let mixed = json!([
            request(1, "ping", json!({})),
            {"jsonrpc": "2.0", "method": "notifications/whatever"},
            request(2, "tools/list", json!({})),
            {"jsonrpc": "2.0", "id": 3, "method": 3},
            request(4, "tools/destroy", json!({})),
            {"jsonrpc": "2.0", "id": 997, "result": {}},
        ]);
        let expect = Expect::Batch(vec![(json!(1), None), (json!(2), None), (json!(3), Some(-32600)), (json!(4), Some(-32601))]);
        check(&mut raw, "one response per request", mixed, expect).await;
        let notifications = json!([{"jsonrpc": "2.0", "method": "notifications/whatever"}, {"jsonrpc": "2.0", "method": "notifications/other"}]);
        check(&mut raw, "notifications only", notifications, Expect::Silence).await;
        let scalars = json!([1, "two"]);
        check(&mut raw, "invalid elements", scalars, Expect::Batch(vec![(Value::Null, Some(-32600)), (Value::Null, Some(-32600))])).await;
        let duplicate = json!([request(5, "ping", json!({})), request(5, "ping", json!({}))]);
        let answer = check(&mut raw, "duplicate id in one batch", duplicate, Expect::Batch(vec![(json!(5), None), (json!(5), Some(-32600))])).await;
        assert_eq!(answer.and_then(|a| a.as_array().map(Vec::len)), Some(2));
    })
    .await;
}

#[tokio::test]
async fn batches_are_refused_outside_2025_03_26() {
    within(async {
        let (definition, _probe) = server();
        for &version in ProtocolVersion::ENABLED.iter().filter(|v| !v.has_batches()) {
            let (mut raw, _handle) = raw_server(&definition);
            raw.handshake(version).await;
            let batch = json!([request(1, "ping", json!({})), request(2, "tools/list", json!({}))]);
            check(&mut raw, version.as_str(), batch, Expect::Error(-32600, Value::Null, "batches")).await;
        }
    })
    .await;
}

#[tokio::test]
async fn duplicate_in_flight_id_is_refused() {
    within(async {
        let (definition, mut probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        raw.send(request("dup", "tools/call", json!({"name": "gated"}))).await;
        probe.started().await;
        let second = request("dup", "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}}));
        check(&mut raw, "duplicate in-flight id", second, Expect::Error(-32600, json!("dup"), "already in use")).await;
        probe.release();
        let answer = raw.recv().await;
        assert_eq!(answer["id"], "dup");
        assert_eq!(answer["result"]["content"][0]["text"], "released", "{answer}");
        // Once answered, the id is free again.
        check(&mut raw, "reused id", request("dup", "ping", json!({})), Expect::Result(json!("dup"))).await;
    })
    .await;
}
