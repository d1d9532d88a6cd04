#!/usr/bin/env bash
# Build cost (issue 7): CPU time (user + sys, all processes) of clean debug builds, each in an empty
# target directory so nothing is reused:
#   1. mcpgen-types with one revision (2026-07-28, its default);
#   2. mcpgen-types with all six revisions;
#   3. what a stdio server compiles besides its own main.rs: mcpgen with the stdio transport and no legacy
#      revisions (types + runtime). An example of this workspace would also build the workspace's
#      dev-dependencies (jsonschema, insta, …), which a user's server does not;
#   4. and 5. the peers in the same run, each as the only dependency of an empty crate: rmcp with its server
#      and stdio features (the ones the benchmarks use; without its default `macros`, which a `#[tool]`
#      server also compiles), and rust-mcp-schema with one revision.
# Dependencies must already be downloaded (`cargo fetch` in this workspace fetches the peers too, as
# dev-dependencies of benches/). Prints a markdown table.
#
#   bash benches/build-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d -p "${TMPDIR:-/tmp}" mcpgen-build-cost-XXXX)
trap 'rm -rf "$scratch"' EXIT

# CPU seconds (user+sys) and wall seconds of a clean build: `measure NAME cargo-args...`.
measure() {
  local name=$1
  shift
  rm -rf "$scratch/target"
  local log="$scratch/time"
  /usr/bin/time -f "%U %S %e" -o "$log" env CARGO_TARGET_DIR="$scratch/target" CARGO_INCREMENTAL=0 \
    cargo build --quiet --offline "$@"
  read -r user sys wall <"$log"
  printf '| %s | %.1f | %.1f |\n' "$name" "$(echo "$user + $sys" | bc)" "$wall"
}

echo "| clean debug build | CPU s (user+sys) | wall s |"
echo "|---|---:|---:|"
measure "mcpgen-types, one revision (2026-07-28)" -p mcpgen-types
measure "mcpgen-types, all six revisions" -p mcpgen-types \
  --features 2024-11-05,2025-03-26,2025-06-18,2025-11-25,2026-07-28,draft
measure "mcpgen with the stdio transport (types + runtime)" -p mcpgen --no-default-features --features stdio

# A peer as the only dependency of an empty crate, with this workspace's lock file so the versions match.
peer() {
  local name=$1 dependency=$2
  mkdir -p "$scratch/peer/src"
  printf '[package]\nname = "peer"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n%s\n' "$dependency" \
    >"$scratch/peer/Cargo.toml"
  : >"$scratch/peer/src/lib.rs"
  cp Cargo.lock "$scratch/peer/Cargo.lock"
  measure "$name" --manifest-path "$scratch/peer/Cargo.toml"
}
peer "rmcp 3.9, server + stdio (transport-io)" \
  'rmcp = { version = "3.9", default-features = false, features = ["server", "transport-io"] }'
peer "rust-mcp-schema 2.0, one revision (2026_07_28)" \
  'rust-mcp-schema = { version = "2.0", default-features = false, features = ["2026_07_28"] }'
