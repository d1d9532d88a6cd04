//! Each revision's builder builds that revision's type: 2025-06-18 capabilities are not 2025-11-25 ones.
use mcpgen_types::{v2025_06_18, v2025_11_25};

fn main() {
    let _caps: v2025_11_25::ServerCapabilities = v2025_06_18::ServerCapabilities::builder().tools().build();
}
