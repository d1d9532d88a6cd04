//! Holds no code: this package exists so that trybuild compiles `cases/` against `mcpgen` with only the
//! `2025-06-18` revision, whatever features the workspace build enables (see `tests/ui.rs`).
