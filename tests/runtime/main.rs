//! End-to-end tests of the runtime: client ↔ server over the in-process pair and a real child process.

mod child;
mod support;

mod smoke {
    use super::support::*;

    #[tokio::test]
    async fn initialize_and_call_a_tool() {
        within(async {
            let (client, _server) = pair(None).await;
            assert_eq!(client.protocol_version().as_str(), "2025-11-25");
            let tools = client.list_all_tools().await.unwrap();
            assert!(tools.iter().any(|t| t.name == "add"), "{tools:?}");
            let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await.unwrap();
            assert_eq!(text_of(&result), "5");
        })
        .await;
    }
}
