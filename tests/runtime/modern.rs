//! MCP 2026-07-28 requests (stateless: `_meta` instead of `initialize`), over a stdio-like connection and
//! over Streamable HTTP beside legacy sessions on the same endpoint.

use crate::support::{raw_server, server, server_with, text_of, within};
use mcpgen::hub;
use mcpgen::runtime::server::{Context, Tool, ToolError};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// [`modern`] with the client's capabilities for this request.
fn modern_with(id: i64, method: &str, extra: Value, capabilities: Value) -> Value {
    let mut request = modern(id, method, extra);
    request["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = capabilities;
    request
}

/// Asks the user for one string field through `cx`.
async fn ask(cx: &Context, message: &str, field: &str) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {field: {"type": "string"}}, "required": [field]});
    let params = serde_json::from_value(json!({"message": message, "requestedSchema": schema}))?;
    let answer = serde_json::to_value(cx.elicit(params).await?)?;
    Ok(answer["content"][field].as_str().unwrap_or("?").to_owned())
}

/// `interview`: asks a name (key `name`), then a colour (unnamed: `input-1`), written once for both eras. Each
/// run counts in `runs`; the ticket is made by the first run and remembered across rounds.
fn interview(runs: Arc<AtomicU64>) -> Tool {
    Tool::no_args("interview", "Asks the user's name, then a colour", move |cx: Context| {
        let runs = Arc::clone(&runs);
        async move {
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            let ticket: u64 = cx.remember("ticket", || run * 100)?;
            let name = ask(&cx.input("name"), "Your name?", "name").await?;
            let colour = ask(&cx, "Your colour?", "colour").await?;
            Ok::<_, ToolError>(format!("{name} likes {colour} (ticket {ticket})"))
        }
    })
}

/// An accepted form answering `field` with `value`.
fn accepted(field: &str, value: &str) -> Value {
    json!({"action": "accept", "content": {field: value}})
}

#[tokio::test]
async fn input_requests_take_rounds_carry_answers_in_a_sealed_state_and_refuse_tampering() {
    within(async {
        let runs = Arc::new(AtomicU64::new(0));
        let (server, _probe) = server_with(|b| b.tool(interview(Arc::clone(&runs))));
        let (mut raw, _handle) = raw_server(&server);
        let caps = json!({"elicitation": {}});
        let call = |id, extra: Value| {
            let mut params = json!({"name": "interview", "arguments": {}});
            if let (Value::Object(params), Value::Object(extra)) = (&mut params, extra) {
                params.extend(extra);
            }
            modern_with(id, "tools/call", params, caps.clone())
        };

        // Round 1: the first ask becomes the only input request; the handler stops there.
        raw.send(call(1, json!({}))).await;
        let first = raw.recv().await["result"].clone();
        assert_eq!(first["resultType"], "input_required", "{first}");
        let requests = first["inputRequests"].as_object().expect("inputRequests");
        assert_eq!(requests.keys().collect::<Vec<_>>(), ["name"]);
        assert_eq!(requests["name"]["method"], "elicitation/create");
        assert_eq!(requests["name"]["params"]["message"], "Your name?");
        let state1 = first["requestState"].as_str().expect("a requestState").to_owned();
        assert!(first.get("ttlMs").is_none() && first.get("content").is_none());

        // Round 2: the name is answered; the second ask (unnamed) is next, with a new state.
        raw.send(call(2, json!({"inputResponses": {"name": accepted("name", "Ada")}, "requestState": state1}))).await;
        let second = raw.recv().await["result"].clone();
        assert_eq!(second["resultType"], "input_required", "{second}");
        assert_eq!(second["inputRequests"].as_object().expect("requests").keys().collect::<Vec<_>>(), ["input-1"]);
        let state2 = second["requestState"].as_str().expect("a requestState").to_owned();
        assert_ne!(state1, state2);

        // Answers under the wrong key: asked again, not an error.
        raw.send(call(3, json!({"inputResponses": {"wrong": accepted("colour", "red")}, "requestState": state2})))
            .await;
        let again = raw.recv().await["result"].clone();
        assert!(again["inputRequests"]["input-1"].is_object(), "{again}");

        // A tampered state, a state of another call, and a foreign one are refused.
        let mut tampered = state2.clone();
        tampered.insert(3, if tampered.as_bytes()[3] == b'A' { 'B' } else { 'A' });
        tampered.remove(4);
        let arguments_changed = json!({"arguments": {"x": 1}, "inputResponses": {"input-1": accepted("colour", "red")}});
        for (id, extra) in [
            (4, json!({"inputResponses": {"input-1": accepted("colour", "red")}, "requestState": tampered})),
            (5, json!({"inputResponses": {"input-1": accepted("colour", "red")}, "requestState": format!("{state2}-TAMPERED")})),
            (6, {
                let mut extra = arguments_changed.clone();
                extra["requestState"] = json!(state2);
                extra
            }),
            (7, json!({"requestState": "not a state"})),
        ] {
            raw.send(call(id, extra)).await;
            let refused = raw.recv().await;
            assert_eq!(refused["error"]["code"], -32602, "{refused}");
            assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("requestState")), "{refused}");
        }

        // An answer that is not an ElicitResult is an error naming its key.
        raw.send(call(10, json!({"inputResponses": {"name": 42}}))).await;
        let invalid = raw.recv().await;
        assert_eq!(invalid["error"]["code"], -32602, "{invalid}");
        assert!(invalid["error"]["message"].as_str().is_some_and(|m| m.contains("inputResponses.name")), "{invalid}");

        // Round 3: the colour is answered; the state brought the name back, and the ticket of the first run.
        // A response cannot replace an answer the state already carries (Mallory does not become the name).
        let responses = json!({"input-1": accepted("colour", "blue"), "name": accepted("name", "Mallory")});
        raw.send(call(8, json!({"inputResponses": responses, "requestState": state2}))).await;
        let done = raw.recv().await["result"].clone();
        assert_eq!(done["resultType"], "complete", "{done}");
        assert_eq!(done["content"][0]["text"], "Ada likes blue (ticket 100)");
        assert!(runs.load(Ordering::SeqCst) >= 4, "the handler ran again in every round");

        // Without the elicitation capability nothing is asked: -32021 naming it.
        raw.send(modern_with(9, "tools/call", json!({"name": "interview", "arguments": {}}), json!({}))).await;
        let missing = raw.recv().await;
        assert_eq!(missing["error"]["code"], -32021, "{missing}");
        assert_eq!(missing["error"]["data"]["requiredCapabilities"], json!({"elicitation": {}}));
    })
    .await;
}

#[tokio::test]
async fn asks_made_together_are_one_round_and_only_declared_capabilities_are_asked() {
    within(async {
        let together = Tool::no_args("together", "Asks the user and the roots at once", |cx: Context| async move {
            let (user, roots) = (cx.input("user"), cx.input("roots"));
            let (name, roots) = tokio::join!(ask(&user, "Name?", "name"), roots.list_roots());
            Ok::<_, ToolError>(format!("{} with {} roots", name?, roots?.roots.len()))
        });
        let careful = Tool::no_args("careful", "Elicits if it may, else lists roots", |cx: Context| async move {
            if cx.client_capabilities().elicitation.is_some() {
                return ask(&cx, "Name?", "name").await;
            }
            Ok(format!("{} roots", cx.list_roots().await?.roots.len()))
        });
        let twice = Tool::no_args("twice", "Asks twice through one keyed context", |cx: Context| async move {
            let keyed = cx.input("k");
            let amount = ask(&keyed, "Amount?", "v").await?;
            let confirm = ask(&keyed, "Sure?", "v").await?;
            Ok::<_, ToolError>(format!("{amount} {confirm}"))
        });
        let (server, _probe) = server_with(|b| b.tool(together).tool(careful).tool(twice));
        let (mut raw, _handle) = raw_server(&server);
        let both = json!({"elicitation": {}, "roots": {}});
        raw.send(modern_with(1, "tools/call", json!({"name": "together", "arguments": {}}), both.clone())).await;
        let round = raw.recv().await["result"].clone();
        let keys: Vec<&String> = round["inputRequests"].as_object().expect("requests").keys().collect();
        assert_eq!(keys, ["roots", "user"]);
        assert_eq!(round["inputRequests"]["roots"]["method"], "roots/list");
        let answers = json!({
            "user": accepted("name", "Ada"),
            "roots": {"roots": [{"uri": "file:///a"}, {"uri": "file:///b"}]},
            "unknown": {"ignored": true},
        });
        let retry = json!({"name": "together", "arguments": {}, "inputResponses": answers, "requestState": round["requestState"]});
        raw.send(modern_with(2, "tools/call", retry, both)).await;
        assert_eq!(raw.recv().await["result"]["content"][0]["text"], "Ada with 2 roots");

        // A client that declared only roots is never asked to elicit.
        raw.send(modern_with(3, "tools/call", json!({"name": "careful", "arguments": {}}), json!({"roots": {}}))).await;
        let round = raw.recv().await["result"].clone();
        let methods: Vec<&Value> = round["inputRequests"].as_object().expect("requests").values().map(|r| &r["method"]).collect();
        assert_eq!(methods, [&json!("roots/list")]);
        // A second ask under the same key is a question of its own (`k-2`), not the first one's answer.
        let elicit = json!({"elicitation": {}});
        raw.send(modern_with(5, "tools/call", json!({"name": "twice", "arguments": {}}), elicit.clone())).await;
        let round = raw.recv().await["result"].clone();
        assert!(round["inputRequests"]["k"].is_object(), "{round}");
        let retry = json!({"name": "twice", "arguments": {}, "inputResponses": {"k": accepted("v", "500")}, "requestState": round["requestState"]});
        raw.send(modern_with(6, "tools/call", retry, elicit.clone())).await;
        let round = raw.recv().await["result"].clone();
        assert_eq!(round["inputRequests"]["k-2"]["params"]["message"], "Sure?", "{round}");
        let retry = json!({"name": "twice", "arguments": {}, "inputResponses": {"k-2": accepted("v", "yes")}, "requestState": round["requestState"]});
        raw.send(modern_with(7, "tools/call", retry, elicit)).await;
        assert_eq!(raw.recv().await["result"]["content"][0]["text"], "500 yes");
        // List results never ask.
        raw.send(modern_with(4, "tools/list", json!({}), json!({"roots": {}}))).await;
        assert_eq!(raw.recv().await["result"]["resultType"], "complete");
    })
    .await;
}

#[tokio::test]
async fn one_handler_serves_a_2025_06_18_client_by_requests_and_a_2026_client_by_rounds() {
    within(async {
        let runs = Arc::new(AtomicU64::new(0));
        let (server, _probe) = server_with(|b| b.tool(interview(Arc::clone(&runs))));
        // The legacy client answers real elicitation requests.
        let legacy = interviewee(Some(crate::support::rev("2025-06-18")));
        let (c, s) = mcpgen::runtime::transport::in_process();
        let _legacy_handle = server.serve(s);
        let legacy = legacy.connect(c).await.expect("legacy handshake");
        // The 2026 client, on a connection of its own to the same server.
        let (mut raw, _handle) = raw_server(&server);
        let caps = json!({"elicitation": {}});
        raw.send(modern_with(1, "tools/call", json!({"name": "interview", "arguments": {}}), caps.clone())).await;
        let round1 = raw.recv().await["result"].clone();

        let result = legacy.call_tool("interview", json!({})).await.expect("legacy call");
        assert_eq!(text_of(&result), format!("Grace likes green (ticket {})", runs.load(Ordering::SeqCst) * 100));

        let retry = |id, responses: Value, state: &Value| {
            let params =
                json!({"name": "interview", "arguments": {}, "inputResponses": responses, "requestState": state});
            modern_with(id, "tools/call", params, caps.clone())
        };
        raw.send(retry(2, json!({"name": accepted("name", "Ada")}), &round1["requestState"])).await;
        let round2 = raw.recv().await["result"].clone();
        raw.send(retry(3, json!({"input-1": accepted("colour", "blue")}), &round2["requestState"])).await;
        assert_eq!(raw.recv().await["result"]["content"][0]["text"], "Ada likes blue (ticket 100)");
    })
    .await;
}

/// A client declaring elicitation that answers `interview` (name Grace, colour green), pinned to `version`
/// or probing when `None`.
fn interviewee(version: Option<mcpgen::ProtocolVersion>) -> mcpgen::client::ClientBuilder {
    let builder = mcpgen::client::Client::builder("interviewee", "1")
        .capabilities(serde_json::from_value(json!({"elicitation": {}})).expect("capabilities"))
        .on_elicitation(|params| async move {
            let message = serde_json::to_value(&params).expect("params")["message"].clone();
            let (field, value) = if message == "Your name?" { ("name", "Grace") } else { ("colour", "green") };
            let content = BTreeMap::from([(field.to_owned(), hub::ElicitResultValue::String(value.into()))]);
            Ok(hub::ElicitResult {
                action: hub::ElicitResultAction::Accept,
                content: Some(content),
                extra: Default::default(),
            })
        });
    match version {
        Some(version) => builder.protocol_version(version),
        None => builder,
    }
}

#[tokio::test]
async fn the_client_answers_the_servers_asks_in_both_eras_with_the_same_code_on_both_sides() {
    within(async {
        for (pinned, expected) in [(None, "2026-07-28"), (Some(crate::support::rev("2025-06-18")), "2025-06-18")] {
            let (server, _probe) = server_with(|b| b.tool(interview(Arc::new(AtomicU64::new(0)))));
            let (c, s) = mcpgen::runtime::transport::in_process();
            let _served = server.serve(s);
            let client = interviewee(pinned).connect(c).await.expect("connect");
            assert_eq!(client.protocol_version().as_str(), expected);
            let result = client.call_tool("interview", json!({})).await.expect("interview");
            assert_eq!(text_of(&result), "Grace likes green (ticket 100)", "{expected}");
        }
    })
    .await;
}

#[tokio::test]
async fn listen_streams_are_acknowledged_first_and_get_only_what_they_asked_for() {
    within(async {
        let (server, _probe) = server();
        let (mut raw, handle) = raw_server(&server);
        raw.send(modern(1, "subscriptions/listen", json!({"notifications": {"toolsListChanged": true}}))).await;
        let ack = raw.recv().await;
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        assert_eq!(ack["params"]["notifications"], json!({"toolsListChanged": true}));
        assert_eq!(ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], 1);
        let filter =
            json!({"promptsListChanged": true, "resourceSubscriptions": ["mem://readme"], "elicitations": true});
        raw.send(modern(2, "subscriptions/listen", json!({"notifications": filter}))).await;
        let ack = raw.recv().await;
        assert_eq!(
            ack["params"]["notifications"],
            json!({"promptsListChanged": true, "resourceSubscriptions": ["mem://readme"]})
        );
        assert_eq!(ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], 2);

        server.resource_updated("mem://license");
        server.tools_changed();
        server.resource_updated("mem://readme");
        server.prompts_changed();
        server.resources_changed();
        let mut seen = Vec::new();
        for _ in 0..3 {
            let note = raw.recv().await;
            let id = note["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"].clone();
            seen.push((id, note["method"].as_str().unwrap_or_default().to_owned(), note["params"].get("uri").cloned()));
        }
        assert_eq!(
            seen,
            [
                (json!(1), "notifications/tools/list_changed".to_owned(), None),
                (json!(2), "notifications/resources/updated".to_owned(), Some(json!("mem://readme"))),
                (json!(2), "notifications/prompts/list_changed".to_owned(), None),
            ]
        );
        // Cancelling a listen ends it without an answer; the other one keeps listening.
        raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})).await;
        raw.send(modern(3, "tools/list", json!({}))).await;
        assert_eq!(raw.recv().await["id"], 3, "nothing for the cancelled listen");
        // The connection's handle reaches the listen streams too (this connection has no legacy session).
        handle.tools_changed().await.expect("tools_changed");
        handle.prompts_changed().await.expect("prompts_changed");
        let note = raw.recv().await;
        assert_eq!(note["method"], "notifications/prompts/list_changed", "{note}");
    })
    .await;
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
        // A 2026 tool that asks for a capability the client did not declare sends no request.
        raw.send(modern(11, "tools/call", json!({"name": "sample", "arguments": {}}))).await;
        let asked = raw.recv().await;
        assert_eq!(asked["id"], 11, "no server request went out: {asked}");

        // 2026-07-28 names an unknown resource with -32602 (legacy: -32002).
        raw.send(modern(12, "resources/read", json!({"uri": "mem://nope"}))).await;
        assert_eq!(raw.recv().await["error"]["code"], -32602);

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
    use super::{accepted, interview, modern, modern_with};
    use crate::http::{EventJson, serve};
    use crate::support::{server, server_with, within};
    use hyper::{Method, StatusCode};
    use mcpgen::http::HttpOptions;
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

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

    #[tokio::test]
    async fn input_rounds_missing_capabilities_and_listen_streams_over_http_and_shutdown_ends_the_streams() {
        within(async {
            let (server, _probe) = server_with(|b| b.tool(interview(Arc::new(AtomicU64::new(0)))));
            let served = serve(server, HttpOptions::default()).await;
            let call_headers = headers("tools/call", Some("interview"));
            let post = |body: serde_json::Value| served.send(Method::POST, &call_headers, Some(body.to_string()));

            // A handler that fails on an undeclared capability: 400 and -32021, as plain JSON.
            let reply = post(modern(1, "tools/call", json!({"name": "interview", "arguments": {}}))).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            assert_eq!(reply.content_type(), "application/json");
            let answer = reply.json().await;
            assert_eq!(answer["id"], 1);
            assert_eq!(answer["error"]["code"], -32021);
            assert_eq!(answer["error"]["data"]["requiredCapabilities"], json!({"elicitation": {}}));

            // Three rounds, each a POST of its own with a new id.
            let caps = json!({"elicitation": {}});
            let mut params = json!({"name": "interview", "arguments": {}});
            let mut answers = [accepted("name", "Ada"), accepted("colour", "blue")].into_iter();
            let mut id = 2;
            let done = loop {
                let reply = post(modern_with(id, "tools/call", params.clone(), caps.clone())).await;
                assert_eq!(reply.status, StatusCode::OK);
                let event = reply.events().next().await.expect("an event");
                assert_eq!(event.id, None, "2026-07-28 streams cannot be resumed, so they carry no event ids");
                let result = event.json()["result"].clone();
                if result["resultType"] == "complete" {
                    break result;
                }
                assert_eq!(result["resultType"], "input_required", "{result}");
                let key = result["inputRequests"].as_object().and_then(|r| r.keys().next().cloned()).expect("a key");
                params["inputResponses"] = json!({key: answers.next().expect("two rounds")});
                params["requestState"] = result["requestState"].clone();
                id += 1;
            };
            // Run 1 was the refused call; run 2 made the ticket, and the later rounds kept it.
            assert_eq!(done["content"][0]["text"], "Ada likes blue (ticket 200)");
            assert_eq!(id, 4, "two input rounds, then the answer");

            // A listen stream: acknowledged first, then the change, tagged with its id.
            let listen = modern(9, "subscriptions/listen", json!({"notifications": {"toolsListChanged": true}}));
            let reply =
                served.send(Method::POST, &headers("subscriptions/listen", None), Some(listen.to_string())).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.content_type(), "text/event-stream");
            let mut events = reply.events();
            assert_eq!(events.message().await["method"], "notifications/subscriptions/acknowledged");
            served.http.tools_changed().await;
            let change = events.message().await;
            assert_eq!(change["method"], "notifications/tools/list_changed");
            assert_eq!(change["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], 9);

            // Shutdown ends the stream with a complete answer.
            served.http.shutdown().await;
            let end = events.message().await;
            assert_eq!(end["id"], 9);
            assert_eq!(end["result"]["resultType"], "complete");
            assert_eq!(end["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"], 9);
            assert!(events.next().await.is_none(), "the stream ends");
        })
        .await;
    }

    #[tokio::test]
    async fn mirrored_arguments_must_match_their_mcp_param_headers() {
        within(async {
            let schema = json!({"type": "object", "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "count": {"type": "integer", "x-mcp-header": "Count"},
                "note": {"type": "string"},
            }});
            let def = serde_json::from_value(json!({"name": "mirror", "inputSchema": schema})).expect("a tool");
            let tool = mcpgen::runtime::server::Tool::raw(def, |_, _| async move {
                Ok(mcpgen::hub::CallToolResult {
                    content: vec![mcpgen::runtime::server::text("ok")],
                    ..Default::default()
                })
            });
            let (server, _probe) = server_with(|b| b.tool(tool));
            let served = serve(server, HttpOptions::default()).await;
            let call = |id: i64, arguments: serde_json::Value| {
                modern(id, "tools/call", json!({"name": "mirror", "arguments": arguments})).to_string()
            };
            let base = headers("tools/call", Some("mirror"));
            let with = |extra: &[(&'static str, &'static str)]| {
                let mut all = base.clone();
                all.extend_from_slice(extra);
                all
            };
            type Case<'a> = (Vec<(&'a str, &'a str)>, serde_json::Value, StatusCode);
            let cases: Vec<Case> = vec![
                (
                    with(&[("mcp-param-region", "eu west"), ("mcp-param-count", "3")]),
                    json!({"region": "eu west", "count": 3}),
                    StatusCode::OK,
                ),
                // Encoded, and an integer written as a float.
                (
                    with(&[("Mcp-Param-Region", "=?base64?w6lsw6k=?="), ("mcp-param-count", "3.0")]),
                    json!({"region": "\u{e9}l\u{e9}", "count": 3}),
                    StatusCode::OK,
                ),
                // Absent arguments send no header.
                (with(&[]), json!({"note": "x"}), StatusCode::OK),
                (with(&[("mcp-param-count", "3")]), json!({"region": "eu", "count": 3}), StatusCode::BAD_REQUEST),
                (
                    with(&[("mcp-param-region", "us"), ("mcp-param-count", "3")]),
                    json!({"region": "eu", "count": 3}),
                    StatusCode::BAD_REQUEST,
                ),
                (
                    with(&[("mcp-param-region", "=?base64?ZXU?="), ("mcp-param-count", "3")]),
                    json!({"region": "eu", "count": 3}),
                    StatusCode::BAD_REQUEST,
                ),
                (with(&[("mcp-param-region", "eu")]), json!({}), StatusCode::BAD_REQUEST),
            ];
            for (id, (headers, arguments, status)) in cases.into_iter().enumerate() {
                let reply = served.send(Method::POST, &headers, Some(call(id as i64, arguments.clone()))).await;
                assert_eq!(reply.status, status, "{arguments} with {headers:?}");
                if status == StatusCode::BAD_REQUEST {
                    assert_eq!(reply.json().await["error"]["code"], -32020, "{arguments}");
                }
            }
        })
        .await;
    }

    #[tokio::test]
    async fn the_client_probes_over_http_and_answers_input_rounds() {
        within(async {
            let (server, _probe) = server_with(|b| b.tool(interview(Arc::new(AtomicU64::new(0)))));
            let served = serve(server, HttpOptions::default()).await;
            let transport = mcpgen::http::HttpTransport::new(&served.url).expect("an http URL");
            let client = super::interviewee(None).connect(transport).await.expect("connect");
            assert_eq!(client.protocol_version().as_str(), "2026-07-28");
            let result = client.call_tool("interview", json!({})).await.expect("interview");
            assert_eq!(crate::support::text_of(&result), "Grace likes green (ticket 100)");
            assert_eq!(served.http.session_count(), 0, "no session was made");
        })
        .await;
    }

    #[tokio::test]
    async fn closing_the_stream_cancels_a_2026_request_and_shutdown_ends_one_after_the_drain() {
        within(async {
            let drain = mcpgen::runtime::ConnectionOptions {
                drain: std::time::Duration::from_millis(200),
                ..Default::default()
            };
            let (server, mut probe) = server_with(|b| b.connection_options(drain));
            let served = serve(server, HttpOptions::default()).await;
            let slow = |id: i64| {
                modern(id, "tools/call", json!({"name": "slow", "arguments": {"millis": 60_000}})).to_string()
            };
            let reply = served.send(Method::POST, &headers("tools/call", Some("slow")), Some(slow(1))).await;
            let started = probe.started().await;
            drop(reply);
            let cancelled = tokio::time::timeout(std::time::Duration::from_secs(2), probe.cancelled()).await;
            assert_eq!(cancelled.expect("cancelled at once, not after the drain"), started);

            let reply = served.send(Method::POST, &headers("tools/call", Some("slow")), Some(slow(2))).await;
            let mut events = reply.events();
            probe.started().await;
            served.http.shutdown().await;
            let ended = tokio::time::timeout(std::time::Duration::from_secs(3), async {
                while let Some(event) = events.next().await {
                    assert!(event.data.is_empty() || !event.data.contains("\"result\""), "no answer: {}", event.data);
                }
            })
            .await;
            assert!(ended.is_ok(), "shutdown ended the request's stream after the drain");
            probe.cancelled().await;
        })
        .await;
    }
}
