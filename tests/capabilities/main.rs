//! The generated capability builders: the exact JSON that `build()` gives for representative
//! configurations on several revisions (insta snapshots in `snapshots/`), and `mcpgen::latest`.
//!
//! What must not compile is proven by the trybuild cases in `tests/ui-builders` and `tests/ui-pinned`.

use serde::Serialize;

/// Snapshots the JSON of built capabilities and checks that it decodes back to the same value.
#[allow(dead_code, reason = "unused when no revision feature enables a test")]
fn check<T>(name: &str, caps: &T)
where
    T: Serialize + for<'de> serde::Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string_pretty(caps).expect("capabilities encode");
    let back: T = serde_json::from_str(&json).expect("built capabilities decode");
    assert_eq!(&back, caps, "{name}: round trip changed the value");
    insta::assert_snapshot!(name, json);
}

/// An object for `experimental` and `extensions` entries.
#[allow(dead_code, reason = "unused when no revision feature enables a test")]
fn object(json: serde_json::Value) -> mcpgen::rpc::JsonObject {
    match json {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[cfg(feature = "2024-11-05")]
#[test]
fn v2024_11_05() {
    use mcpgen::types::v2024_11_05::{ClientCapabilities, ServerCapabilities};
    let server = ServerCapabilities::builder()
        .logging()
        .prompts()
        .resources()
        .resources_subscribe()
        .tools()
        .tools_list_changed()
        .experimental("acme/search", object(serde_json::json!({"fuzzy": true})))
        .build();
    check("2024_11_05_server", &server);
    check("2024_11_05_client_all", &ClientCapabilities::builder_all().build());
}

#[cfg(feature = "2025-06-18")]
#[test]
fn v2025_06_18() {
    use mcpgen::types::v2025_06_18::ClientCapabilities;
    // `elicitation` is a presence leaf in this revision; `roots.listChanged` a flag.
    check("2025_06_18_client_all", &ClientCapabilities::builder_all().build());
    check("2025_06_18_client_narrowed", &ClientCapabilities::builder_all().without_roots_list_changed().build());
}

#[cfg(feature = "2025-11-25")]
#[test]
fn v2025_11_25() {
    use mcpgen::types::v2025_11_25::{ClientCapabilities, ServerCapabilities};
    check("2025_11_25_server_empty", &ServerCapabilities::builder().build());
    let server = ServerCapabilities::builder()
        .completions()
        .logging()
        .prompts()
        .prompts_list_changed()
        .resources()
        .resources_list_changed()
        .resources_subscribe()
        .tasks()
        .tasks_cancel()
        .tasks_list()
        .tasks_requests()
        .tasks_requests_tools()
        .tasks_requests_tools_call()
        .tools()
        .tools_list_changed()
        .build();
    check("2025_11_25_server_all", &server);
    check("2025_11_25_client_all", &ClientCapabilities::builder_all().build());
    let narrowed = ClientCapabilities::builder_all()
        .without_tasks_requests()
        .without_elicitation_url()
        .without_sampling_context()
        .without_roots()
        .build();
    check("2025_11_25_client_narrowed", &narrowed);
    // Opt-in from empty reaches the same value as narrowing the all-on builder.
    let opt_in = ClientCapabilities::builder()
        .elicitation()
        .elicitation_form()
        .sampling()
        .sampling_tools()
        .tasks()
        .tasks_cancel()
        .tasks_list()
        .build();
    assert_eq!(opt_in, narrowed);
    // Removing a subtree and enabling its root again leaves it empty.
    let again = ClientCapabilities::builder_all().without_tasks().tasks().build();
    check("2025_11_25_client_tasks_again", &again);
}

/// The examples of README's "Capability builders" section give the JSON shown there.
#[cfg(feature = "2025-11-25")]
#[test]
fn readme_examples() {
    use mcpgen::types::v2025_11_25::{ClientCapabilities, ServerCapabilities};
    let server = ServerCapabilities::builder().tools().tools_list_changed().resources().resources_subscribe().build();
    let server = serde_json::to_string(&server).expect("encodes");
    assert_eq!(server, r#"{"resources":{"subscribe":true},"tools":{"listChanged":true}}"#);
    let client = ClientCapabilities::builder_all().without_tasks().without_elicitation_url().build();
    let client = serde_json::to_string(&client).expect("encodes");
    assert_eq!(
        client,
        r#"{"elicitation":{"form":{}},"roots":{"listChanged":true},"sampling":{"context":{},"tools":{}}}"#
    );
}

#[cfg(feature = "2026-07-28")]
#[test]
fn v2026_07_28() {
    use mcpgen::types::v2026_07_28::{ClientCapabilities, ServerCapabilities};
    let server = ServerCapabilities::builder()
        .tools()
        .tools_list_changed()
        .resources()
        .extension("io.modelcontextprotocol/tasks", object(serde_json::json!({})))
        .extension("com.example/search", object(serde_json::json!({"version": 2})))
        .build();
    check("2026_07_28_server", &server);
    // No `tasks` and no `roots.listChanged` in this revision: builder_all has exactly what the schema has.
    check("2026_07_28_client_all", &ClientCapabilities::builder_all().build());
    let client = ClientCapabilities::builder().sampling().elicitation().elicitation_url().build();
    check("2026_07_28_client", &client);
}

/// `mcpgen::latest` is the newest enabled dated revision.
#[cfg(any(
    feature = "2024-11-05",
    feature = "2025-03-26",
    feature = "2025-06-18",
    feature = "2025-11-25",
    feature = "2026-07-28",
    feature = "draft"
))]
#[test]
fn latest_is_the_newest_enabled_revision() {
    let newest = [
        (cfg!(feature = "2026-07-28"), "2026-07-28"),
        (cfg!(feature = "2025-11-25"), "2025-11-25"),
        (cfg!(feature = "2025-06-18"), "2025-06-18"),
        (cfg!(feature = "2025-03-26"), "2025-03-26"),
        (cfg!(feature = "2024-11-05"), "2024-11-05"),
    ]
    .into_iter()
    .find_map(|(on, version)| on.then_some(version))
    .unwrap_or("draft");
    assert_eq!(mcpgen::LATEST_PROTOCOL_VERSION, newest);
    assert_eq!(mcpgen::latest::PROTOCOL_VERSION, newest);
}
