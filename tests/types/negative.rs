//! Malformed input gets the JSON-RPC error the spec names, and the error says what was wrong.

use mcpgen_types::rpc::{self, ErrorObject, Message};
use mcpgen_types::v2025_11_25 as v;

type ServerSide = Message<v::ClientRequest, v::ClientNotification>;

/// Decodes `input` as a message a client sends and returns the decode error.
fn error_of(input: &str) -> rpc::DecodeError {
    match rpc::decode_message::<v::ClientRequest, v::ClientNotification>(input.as_bytes()) {
        Ok(m) => panic!("{input} decoded: {m:?}"),
        Err(e) => e,
    }
}

fn check(input: &str, code: i64, id: Option<rpc::RequestId>, mentions: &[&str]) {
    let err = error_of(input);
    assert_eq!(err.code, code, "{input}: {err}");
    assert_eq!(err.id, id, "{input}: {err}");
    for m in mentions {
        assert!(err.message.contains(m), "{input}: error `{}` should mention {m}", err.message);
    }
}

#[test]
fn unknown_method_is_its_own_outcome_with_raw_params() {
    let input = r#"{"jsonrpc":"2.0","id":4,"method":"tools/frobnicate","params":{"x":[1,2.5]}}"#;
    let message: ServerSide = rpc::decode_message(input.as_bytes()).expect("unknown methods decode");
    let Message::Request(request) = message else { panic!("not a request") };
    let v::ClientRequest::Unknown(unknown) = request.body else { panic!("not Unknown: {:?}", request.body) };
    assert_eq!(unknown.method, "tools/frobnicate");
    assert_eq!(unknown.params, Some(serde_json::json!({"x": [1, 2.5]})));
    assert_eq!(request.id, rpc::RequestId::Number(4));
}

#[test]
fn a_request_method_sent_as_notification_is_unknown_there() {
    // `tools/call` is not a client notification: without an id it is an unknown notification.
    let input = r#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}}"#;
    let message: ServerSide = rpc::decode_message(input.as_bytes()).expect("decodes");
    assert!(matches!(message, Message::Notification(n) if matches!(n.body, v::ClientNotification::Unknown(_))));
}

#[test]
fn wrong_const_is_an_error_naming_the_field() {
    check(
        r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
        ErrorObject::INVALID_REQUEST,
        Some(1.into()),
        &["`jsonrpc`", "\"2.0\""],
    );
    let err = serde_json::from_str::<v::TextContent>(r#"{"type":"image","text":"hi"}"#).expect_err("wrong const");
    assert!(err.to_string().contains("field `type` must be \"text\""), "{err}");
    let err = serde_json::from_str::<v::CallToolRequest>(
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"a"}}"#,
    )
    .expect_err("wrong method const");
    assert!(err.to_string().contains("field `method` must be \"tools/call\""), "{err}");
}

#[test]
fn missing_required_field_is_invalid_params_naming_it() {
    check(
        r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"arguments":{}}}"#,
        ErrorObject::INVALID_PARAMS,
        Some("a".into()),
        &["tools/call", "missing field `name`"],
    );
    check(
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call"}"#,
        ErrorObject::INVALID_PARAMS,
        Some(2.into()),
        &["params"],
    );
}

#[test]
fn wrong_param_type_is_invalid_params_with_the_path() {
    check(
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}"#,
        ErrorObject::INVALID_PARAMS,
        Some(3.into()),
        &["`params.name`", "invalid type"],
    );
    check(
        r#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"a:b","_meta":{"progressToken":true}}}"#,
        ErrorObject::INVALID_PARAMS,
        Some(3.into()),
        &["`params._meta.progressToken`"],
    );
    // Params before method (buffered path) and id after params.
    check(
        r#"{"params":{"name":[]},"method":"tools/call","jsonrpc":"2.0","id":9}"#,
        ErrorObject::INVALID_PARAMS,
        Some(9.into()),
        &["`params.name`"],
    );
}

#[test]
fn invalid_json_is_a_parse_error_with_null_id() {
    check(r#"{"jsonrpc":"2.0","id":1,"method":"#, ErrorObject::PARSE_ERROR, None, &["parse error"]);
    check("not json", ErrorObject::PARSE_ERROR, None, &[]);
    // Not UTF-8, even inside a member no one reads (the frame is checked whole before it is parsed).
    for bytes in [&b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\"}"[..], b"[\"\xc3\"]"] {
        let err = rpc::decode_frame::<v::ClientRequest, v::ClientNotification>(bytes).expect_err("refused");
        assert_eq!((err.code, err.id.clone()), (ErrorObject::PARSE_ERROR, None), "{err}");
        assert!(err.message.contains("not UTF-8"), "{err}");
    }
}

#[test]
fn invalid_message_shapes_are_invalid_requests() {
    check(r#"{"jsonrpc":"2.0","id":1}"#, ErrorObject::INVALID_REQUEST, Some(1.into()), &["none of"]);
    check(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, ErrorObject::INVALID_REQUEST, None, &["null"]);
    check(r#"{"id":1,"method":"ping"}"#, ErrorObject::INVALID_REQUEST, Some(1.into()), &["jsonrpc"]);
    check(r#"[1,2]"#, ErrorObject::INVALID_REQUEST, None, &[]);
    check(r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#, ErrorObject::INVALID_REQUEST, None, &["duplicate"]);
}

#[test]
fn decode_error_becomes_an_error_response() {
    let err = error_of(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}"#);
    let response = serde_json::to_value(err.to_response()).expect("encodes");
    assert_eq!(response["id"], 7);
    assert_eq!(response["error"]["code"], -32602);
    assert_eq!(response["jsonrpc"], "2.0");
}

#[test]
fn batches_are_representable_in_2025_03_26() {
    use mcpgen_types::v2025_03_26 as old;
    let input = br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]"#;
    let frame = rpc::decode_frame::<old::ClientRequest, old::ClientNotification>(input).expect("batch decodes");
    let rpc::Frame::Batch(items) = &frame else { panic!("not a batch") };
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[0], Message::Request(r) if matches!(r.body, old::ClientRequest::Ping(_))));
    let back = serde_json::to_vec(&frame).expect("encodes");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&back).unwrap(),
        serde_json::from_slice::<serde_json::Value>(input).unwrap()
    );
    let empty = rpc::decode_frame::<old::ClientRequest, old::ClientNotification>(b"[]").expect_err("empty batch");
    assert_eq!(empty.code, ErrorObject::INVALID_REQUEST);
}

#[test]
fn lossless_presence_objects_meta_and_numbers() {
    let caps: v::ClientCapabilities = serde_json::from_str(r#"{"roots":{},"sampling":{},"x-ext":1}"#).unwrap();
    assert_eq!(serde_json::to_string(&caps).unwrap(), r#"{"roots":{},"sampling":{},"x-ext":1}"#);
    let input = r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"_meta":{"com.example/x":[1]},"progress":50,"progressToken":"t","total":100.5}}"#;
    let n: rpc::Notification<v::ServerNotification> = serde_json::from_str(input).unwrap();
    assert_eq!(serde_json::to_string(&n).unwrap(), input);
}

#[test]
fn building_messages_needs_no_protocol_strings() {
    let params = v::CallToolRequestParams { name: "add".into(), ..Default::default() };
    let request = rpc::Request { id: 1.into(), body: v::ClientRequest::CallTool(params) };
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}}"#
    );
    let text = v::TextContent { text: "hi".into(), ..Default::default() };
    assert_eq!(serde_json::to_string(&text).unwrap(), r#"{"text":"hi","type":"text"}"#);
}

/// The generated one-pass struct decoders (`rpc::struct_codec!`) keep serde's rules: undeclared members
/// go to `extra` and come back out, a member given twice or a required one missing is an error naming it,
/// `null` in an optional member is `None`, and strings with escapes decode like borrowed ones.
#[test]
fn struct_decoders_keep_unknown_members_and_name_bad_ones() {
    use mcpgen_types::v2026_07_28 as m;
    let tool: m::Tool = serde_json::from_str(
        r#"{"name":"a\"b","x-vendor":{"n":[1,2]},"description":null,"inputSchema":{"type":"object"},"title":"T"}"#,
    )
    .expect("decodes");
    assert_eq!(tool.name, "a\"b");
    assert_eq!(tool.description, None);
    assert_eq!(tool.title.as_deref(), Some("T"));
    assert_eq!(tool.extra.get("x-vendor"), Some(&serde_json::json!({"n": [1, 2]})));
    let back = serde_json::to_value(&tool).expect("encodes");
    assert_eq!(back["x-vendor"], serde_json::json!({"n": [1, 2]}));

    let twice = serde_json::from_str::<m::Tool>(r#"{"name":"a","name":"b","inputSchema":{"type":"object"}}"#);
    assert!(twice.unwrap_err().to_string().contains("duplicate field `name`"));
    let missing = serde_json::from_str::<m::Tool>(r#"{"inputSchema":{"type":"object"}}"#);
    assert!(missing.unwrap_err().to_string().contains("missing field `name`"));
    let not_object = serde_json::from_str::<m::Tool>(r#"["name"]"#);
    assert!(not_object.unwrap_err().to_string().contains("struct Tool"));
    // The same decoders read `Value`s (what the runtime hands handlers).
    let from_value: m::Tool =
        serde_json::from_value(serde_json::json!({"name": "v", "inputSchema": {"type": "object"}, "k": 1}))
            .expect("decodes from a value");
    assert_eq!((from_value.name.as_str(), from_value.extra.get("k")), ("v", Some(&serde_json::json!(1))));
}

/// The generated `Serialize` impls (`rpc::struct_codec!`, no serde derive) write declared members in
/// schema order, leave out absent optional ones, write `null` for a nullable required member, and put
/// undeclared members last (in the `extra` map's key order).
#[test]
fn struct_encoders_write_members_in_order_null_where_nullable_and_extra_last() {
    let input =
        r#"{"createdAt":"c","lastUpdatedAt":"l","status":"working","taskId":"t","ttl":null,"a-first":2,"z-last":1}"#;
    let task: v::GetTaskResult = serde_json::from_str(input).expect("decodes");
    assert_eq!(task.ttl, None);
    assert_eq!(serde_json::to_string(&task).unwrap(), input);
    let set = v::GetTaskResult { ttl: Some(60), poll_interval: Some(5), ..task };
    let out = serde_json::to_string(&set).unwrap();
    assert!(
        out.contains(r#""pollInterval":5,"status""#) && out.contains(r#""ttl":60,"a-first":2,"z-last":1}"#),
        "{out}"
    );
    // An `extra` entry named like a declared member is not written a second time: the field wins.
    let mut clash = set.clone();
    clash.extra.insert("status".into(), serde_json::json!("cancelled"));
    let out = serde_json::to_string(&clash).unwrap();
    assert_eq!(out.matches(r#""status""#).count(), 1, "{out}");
    assert!(out.contains(r#""status":"working""#), "{out}");
    // Missing entirely, the nullable member reads as `None` and is written back as `null`.
    let missing: v::GetTaskResult =
        serde_json::from_str(r#"{"createdAt":"c","lastUpdatedAt":"l","status":"working","taskId":"t"}"#).unwrap();
    assert!(serde_json::to_string(&missing).unwrap().ends_with(r#""taskId":"t","ttl":null}"#));

    let error = rpc::ErrorResponse::new(None, ErrorObject::new(-32700, "parse error"));
    assert_eq!(
        serde_json::to_string(&error).unwrap(),
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}"#
    );
    let back: rpc::ErrorResponse =
        serde_json::from_str(r#"{"error":{"message":"m","code":1,"data":[1],"other":true},"jsonrpc":"2.0","id":7}"#)
            .expect("an error response decodes whatever the member order; unknown members are skipped");
    assert_eq!((back.id, back.error.code, back.error.data), (Some(7.into()), 1, Some(serde_json::json!([1]))));
}

/// Generated string enums (`rpc::string_enum!`) read and write their wire strings, name the accepted
/// ones when given anything else, and give the wire string without serde.
#[test]
fn string_enums_use_wire_strings_and_name_the_accepted_ones() {
    use mcpgen_types::v2026_07_28 as m;
    let level: m::LoggingLevel = serde_json::from_str(r#""warning""#).expect("decodes");
    assert_eq!(level, m::LoggingLevel::Warning);
    assert_eq!((level.as_str(), level.to_string()), ("warning", "warning".to_owned()));
    assert_eq!(serde_json::to_string(&m::Role::Assistant).unwrap(), r#""assistant""#);
    assert_eq!(m::Role::ALL, ["assistant", "user"]);
    let err = serde_json::from_str::<m::LoggingLevel>(r#""loud""#).unwrap_err().to_string();
    assert!(err.contains("unknown variant `loud`") && err.contains("`emergency`"), "{err}");
    let err = serde_json::from_value::<m::Role>(serde_json::json!(1)).unwrap_err().to_string();
    assert!(err.contains("`Role` string"), "{err}");
    // An escaped string is read like a borrowed one.
    assert_eq!(serde_json::from_str::<m::Role>(r#""\u0075ser""#).unwrap(), m::Role::User);
}
