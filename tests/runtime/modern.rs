//! MCP 2026-07-28 requests (stateless: `_meta` instead of `initialize`), over a stdio-like connection and
//! over Streamable HTTP beside legacy sessions on the same endpoint.

use crate::support::{raw_server, server, within};
use serde_json::{Value, json};

/// A 2026-07-28 request with the required `_meta`, plus `extra` params.
pub(crate) fn modern(id: i64, method: &str, extra: Value) -> Value {
    let mut params = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "modern", "version": "1"},
    }});
    if let (Value::Object(params), Value::Object(extra)) = (&mut params, extra) {
        params.extend(extra);
    }
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn a_session_serves_2026_requests_without_initialize_and_still_takes_a_legacy_handshake() {
    within(async {
        let (server, _probe) = server();
        let (mut raw, _handle) = raw_server(&server);
        raw.send(modern(1, "server/discover", json!({}))).await;
        let discover = raw.recv().await;
        let result = &discover["result"];
        assert_eq!(result["supportedVersions"], json!(["2026-07-28"]));
        assert_eq!(result["resultType"], "complete");
        assert!(result["ttlMs"].is_u64() && result["cacheScope"].is_string());
        assert_eq!(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "test-server");
        assert!(result["capabilities"]["tools"].is_object());

        raw.send(modern(2, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 3}}))).await;
        let call = raw.recv().await;
        assert_eq!(call["result"]["content"][0]["text"], "5");
        assert_eq!(call["result"]["resultType"], "complete");
        raw.send(modern(3, "tools/list", json!({}))).await;
        let list = raw.recv().await;
        assert!(list["result"]["ttlMs"].is_u64() && list["result"]["cacheScope"] == "private");

        // The errors the spec names: missing `_meta` keys, an unknown revision, removed methods.
        raw.send(json!({"jsonrpc": "2.0", "id": 4, "method": "server/discover", "params": {}})).await;
        assert_eq!(raw.recv().await["error"]["code"], -32602);
        let mut v999 = modern(5, "tools/list", json!({}));
        v999["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
        raw.send(v999).await;
        let unsupported = raw.recv().await;
        assert_eq!(unsupported["error"]["code"], -32022);
        assert_eq!(unsupported["error"]["data"], json!({"supported": ["2026-07-28"], "requested": "v999.0.0"}));
        let mut no_caps = modern(6, "tools/list", json!({}));
        no_caps["params"]["_meta"].as_object_mut().map(|m| m.remove("io.modelcontextprotocol/clientCapabilities"));
        raw.send(no_caps).await;
        assert_eq!(raw.recv().await["error"]["code"], -32602);
        for (id, method) in [(7, "ping"), (8, "logging/setLevel"), (9, "resources/subscribe"), (10, "nope/nope")] {
            raw.send(modern(id, method, json!({}))).await;
            assert_eq!(raw.recv().await["error"]["code"], -32601, "{method}");
        }
        // A 2026 tool that asks the client for input fails cleanly instead of sending a request.
        raw.send(modern(11, "tools/call", json!({"name": "sample", "arguments": {}}))).await;
        let asked = raw.recv().await;
        assert_eq!(asked["id"], 11, "no server request went out: {asked}");

        // The same connection can still become a legacy session.
        raw.send(json!({"jsonrpc": "2.0", "id": 20, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "old", "version": "1"}
        }}))
        .await;
        assert_eq!(raw.recv().await["result"]["protocolVersion"], "2025-06-18");
    })
    .await;
}

#[cfg(all(feature = "http-server", feature = "http-client"))]
mod http {
    use super::modern;
    use crate::http::serve;
    use crate::support::{server, within};
    use hyper::{Method, StatusCode};
    use mcpgen::http::HttpOptions;
    use serde_json::json;

    /// The headers of a 2026-07-28 POST.
    fn headers<'a>(method: &'a str, name: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut headers = vec![("mcp-protocol-version", "2026-07-28"), ("mcp-method", method)];
        headers.extend(name.map(|n| ("mcp-name", n)));
        headers
    }

    #[tokio::test]
    async fn both_eras_on_one_endpoint_with_the_2026_statuses() {
        within(async {
            let served = serve(server().0, HttpOptions::default()).await;
            // A legacy session, open throughout.
            let (session, _) = served.initialize("2025-06-18").await;

            let call = modern(1, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}}));
            let reply = served.send(Method::POST, &headers("tools/call", Some("add")), Some(call.to_string())).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert!(reply.headers.get("mcp-session-id").is_none(), "2026-07-28 has no sessions");
            let result = reply.events().message().await;
            assert_eq!(result["result"]["content"][0]["text"], "3");
            assert_eq!(result["result"]["resultType"], "complete");

            // Progress arrives on the request's stream before its result.
            let progress = modern(2, "tools/call", json!({"name": "progress", "arguments": {"steps": 2}}));
            let mut progress_call = progress.clone();
            progress_call["params"]["_meta"]["progressToken"] = json!("p");
            let mut events = served
                .send(Method::POST, &headers("tools/call", Some("progress")), Some(progress_call.to_string()))
                .await
                .events();
            assert_eq!(events.message().await["method"], "notifications/progress");
            assert_eq!(events.message().await["method"], "notifications/progress");
            assert_eq!(events.message().await["result"]["resultType"], "complete");

            let cases = [
                // Header and body disagree, or a header is missing: -32020.
                (
                    headers("tools/list", None),
                    modern(3, "tools/call", json!({"name": "add"})),
                    StatusCode::BAD_REQUEST,
                    -32020,
                ),
                (
                    headers("tools/call", Some("other")),
                    modern(4, "tools/call", json!({"name": "add"})),
                    StatusCode::BAD_REQUEST,
                    -32020,
                ),
                (
                    headers("tools/call", None),
                    modern(5, "tools/call", json!({"name": "add"})),
                    StatusCode::BAD_REQUEST,
                    -32020,
                ),
                (
                    vec![("mcp-protocol-version", "2026-07-28")],
                    modern(6, "tools/list", json!({})),
                    StatusCode::BAD_REQUEST,
                    -32020,
                ),
                // Unknown and removed methods: 404 and -32601.
                (headers("ping", None), modern(7, "ping", json!({})), StatusCode::NOT_FOUND, -32601),
                (headers("initialize", None), modern(8, "initialize", json!({})), StatusCode::NOT_FOUND, -32601),
            ];
            for (headers, body, status, code) in cases {
                let reply = served.send(Method::POST, &headers, Some(body.to_string())).await;
                assert_eq!(reply.status, status, "{body}");
                let answer = reply.json().await;
                assert_eq!(answer["error"]["code"], code, "{body}");
                assert_eq!(answer["id"], body["id"]);
            }
            // An unknown revision in both places: -32022 naming what is supported.
            let mut v999 = modern(9, "server/discover", json!({}));
            v999["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
            let headers_v999 = [("mcp-protocol-version", "v999.0.0"), ("mcp-method", "server/discover")];
            let reply = served.send(Method::POST, &headers_v999, Some(v999.to_string())).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            let answer = reply.json().await;
            assert_eq!(answer["error"]["code"], -32022);
            assert_eq!(answer["error"]["data"]["supported"], json!(["2026-07-28"]));
            // A base64-encoded Mcp-Name is decoded before comparing.
            let call = modern(10, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}}));
            let encoded = headers("tools/call", Some("=?base64?YWRk?="));
            assert_eq!(served.send(Method::POST, &encoded, Some(call.to_string())).await.status, StatusCode::OK);

            // The legacy session went on meanwhile.
            let legacy =
                served.call(&session, 11, "tools/call", json!({"name": "add", "arguments": {"a": 4, "b": 4}})).await;
            assert_eq!(legacy["result"]["content"][0]["text"], "8");
            assert!(legacy["result"].get("resultType").is_none(), "2025-06-18 results have no resultType");
            assert_eq!(served.http.session_count(), 1, "2026 requests leave no session behind");
        })
        .await;
    }
}
