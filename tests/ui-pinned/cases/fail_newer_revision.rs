//! With only the `2025-06-18` feature, the 2025-11-25 module and its items (`Task`) do not exist.
use mcpgen::types::v2025_11_25::Task;

fn main() {
    let _ = std::mem::size_of::<Task>();
}
