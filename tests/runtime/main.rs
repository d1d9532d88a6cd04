//! End-to-end tests of the runtime: client ↔ server over the in-process pair, a raw JSON-RPC driver for the
//! bad-input matrix, and a real child process.

mod bad_input;
mod cancellation;
mod child;
mod downgrade;
#[cfg(all(feature = "http-server", feature = "http-client"))]
mod http;
mod load;
mod methods;
mod modern;
mod modern_client;
mod negotiation;
mod robustness;
mod shutdown;
mod support;
