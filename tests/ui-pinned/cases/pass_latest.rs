//! With only the `2025-06-18` feature, `mcpgen::latest` is `v2025_06_18`.
fn main() {
    let caps: mcpgen::types::v2025_06_18::ServerCapabilities = mcpgen::latest::ServerCapabilities::builder().build();
    assert_eq!(caps, Default::default());
    assert_eq!(mcpgen::LATEST_PROTOCOL_VERSION, "2025-06-18");
}
