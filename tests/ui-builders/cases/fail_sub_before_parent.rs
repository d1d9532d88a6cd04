//! A sub-capability setter exists only once its parent is enabled: `tools_list_changed()` needs `tools()`.
use mcpgen_types::v2025_11_25::ServerCapabilities;

fn main() {
    let _ = ServerCapabilities::builder().tools_list_changed().build();
}
