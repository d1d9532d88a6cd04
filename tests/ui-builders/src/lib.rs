//! Holds no code: this package exists so that trybuild compiles `cases/` against `mcpgen-types` with only the
//! `2025-06-18` and `2025-11-25` revisions (see `tests/ui.rs`).
