//! A sub-capability can be enabled once: `resources_subscribe()` exists only while it is off.
use mcpgen_types::v2025_11_25::ServerCapabilities;

fn main() {
    let _ = ServerCapabilities::builder().resources().resources_subscribe().resources_subscribe().build();
}
