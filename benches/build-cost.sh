#!/usr/bin/env bash
# Build cost (issue 7): CPU time (user + sys, all processes) of clean debug builds, each in an empty
# target directory so nothing is reused:
#   1. mcpgen-types with one revision (2026-07-28, its default);
#   2. mcpgen-types with all six revisions;
#   3. what a stdio server compiles besides its own main.rs: mcpgen with the stdio transport and no legacy
#      revisions (types + runtime). An example of this workspace would also build the workspace's
#      dev-dependencies (jsonschema, insta, …), which a user's server does not.
# Dependencies must already be downloaded (`cargo fetch`). Prints a markdown table.
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
