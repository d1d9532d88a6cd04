//! `without_*` exists only while that capability is on: nothing to remove from an empty builder.
use mcpgen_types::v2025_11_25::ClientCapabilities;

fn main() {
    let _ = ClientCapabilities::builder().without_sampling().build();
}
