//! The Streamable HTTP client transport (being written).
