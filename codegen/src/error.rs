//! The generator's error type: every failure names the input it concerns.

use std::path::PathBuf;

/// A generator failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The manifest `schema/versions.toml` is malformed.
    #[error("{path}: invalid manifest: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A schema file is missing.
    #[error(
        "schema file {path} for revision {revision} is missing (set MCP_SCHEMA_DIR or run `cargo xtask schema fetch`)"
    )]
    MissingSchema {
        /// The revision.
        revision: String,
        /// The expected path.
        path: PathBuf,
    },
    /// A schema file's sha256 differs from the manifest.
    #[error("schema file {path} has sha256 {actual}, but schema/versions.toml pins {expected} for revision {revision}")]
    HashMismatch {
        /// The revision.
        revision: String,
        /// The file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// A schema file is not valid JSON or has no definitions.
    #[error("{path}: {message}")]
    BadSchema {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// One or more schema constructs the generator does not support.
    #[error("unsupported schema constructs:\n{}", .0.join("\n"))]
    Unsupported(Vec<String>),
    /// Generated tokens did not parse as Rust (a generator bug).
    #[error("generated {path} does not parse: {message}")]
    Render {
        /// The output file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}
