#!/usr/bin/env bash
# Builds the end-to-end benchmark's servers (release examples) and runs benches/benches/e2e.rs.
#
#   bash benches/run-e2e.sh                 # every section
#   bash benches/run-e2e.sh stdio memory    # some of: stdio, http, inprocess, memory
#   E2E_SECONDS=5 bash benches/run-e2e.sh   # seconds per measurement (default 3)
#
# The tables are printed and written to $CARGO_TARGET_DIR/e2e.md (target/e2e.md by default).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p mcpgen --features http-server --example bench-server
cargo build --release -p mcpgen-benches --example rmcp-server --example echo-child --example axum-bound
cargo bench -p mcpgen-benches --bench e2e -- "$@"
