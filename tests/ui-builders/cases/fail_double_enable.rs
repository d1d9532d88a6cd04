//! A capability can be enabled once: `tools()` exists only while `tools` is off.
use mcpgen_types::v2025_11_25::ServerCapabilities;

fn main() {
    let _ = ServerCapabilities::builder().tools().tools().build();
}
