//! `mcpgen`: a Model Context Protocol SDK whose protocol types are generated from the official,
//! versioned MCP JSON schemas.
//!
//! This facade re-exports the generated types ([`types`], one module per enabled revision) and the
//! runtime ([`runtime`]). Enable revisions with the cargo features named after them
//! (`2024-11-05` … `2026-07-28`, `draft`); the default is the newest dated revision. Whatever the
//! selection, `latest` names the newest enabled dated revision (`draft` only when it is the sole one),
//! so code written against `mcpgen::latest` follows the pin in `Cargo.toml`.

pub use mcpgen_runtime as runtime;
pub use mcpgen_types as types;
pub use mcpgen_types::rpc;

// One line per revision of `schema/versions.toml`; `build.rs` picks the cfg and fails the build, naming the
// line to add, when a newly pinned revision has none.

/// The only enabled revision, `draft` (cargo feature `draft`, with no dated revision enabled).
#[cfg(mcpgen_latest = "draft")]
pub use mcpgen_types::draft as latest;
/// The newest enabled revision (cargo feature `2024-11-05`).
#[cfg(mcpgen_latest = "v2024_11_05")]
pub use mcpgen_types::v2024_11_05 as latest;
/// The newest enabled revision (cargo feature `2025-03-26`).
#[cfg(mcpgen_latest = "v2025_03_26")]
pub use mcpgen_types::v2025_03_26 as latest;
/// The newest enabled revision (cargo feature `2025-06-18`).
#[cfg(mcpgen_latest = "v2025_06_18")]
pub use mcpgen_types::v2025_06_18 as latest;
/// The newest enabled revision (cargo feature `2025-11-25`).
#[cfg(mcpgen_latest = "v2025_11_25")]
pub use mcpgen_types::v2025_11_25 as latest;
/// The newest enabled revision (cargo feature `2026-07-28`).
#[cfg(mcpgen_latest = "v2026_07_28")]
pub use mcpgen_types::v2026_07_28 as latest;

/// The protocol version string of [`latest`] (`"2025-06-18"` when that is the newest enabled revision).
#[cfg(mcpgen_has_latest)]
pub const LATEST_PROTOCOL_VERSION: &str = latest::PROTOCOL_VERSION;
