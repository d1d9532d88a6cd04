//! A capability the revision does not have does not exist on its builder: 2025-06-18 has no `tasks`.
use mcpgen_types::v2025_06_18::ServerCapabilities;

fn main() {
    let _ = ServerCapabilities::builder().tasks().build();
}
