//! Valid configurations compile and build what they say.
use mcpgen_types::v2025_11_25::{ClientCapabilities, ServerCapabilities};

fn main() {
    let server = ServerCapabilities::builder()
        .tools()
        .tools_list_changed()
        .resources()
        .resources_subscribe()
        .tasks()
        .tasks_requests()
        .tasks_requests_tools()
        .tasks_requests_tools_call()
        .build();
    assert_eq!(server.tools.and_then(|t| t.list_changed), Some(true));
    // Removing a capability clears its whole subtree, after which it can be enabled again.
    let client = ClientCapabilities::builder_all().without_tasks().without_sampling_tools().tasks().build();
    assert!(client.tasks.is_some_and(|t| t.requests.is_none()));
    assert!(client.sampling.is_some_and(|s| s.tools.is_none() && s.context.is_some()));
}
