//! The generated types against the upstream examples, our own per-method fixtures, and malformed input.

mod adapters;
mod examples;
mod fixtures;
mod json;
mod negative;
mod support;
