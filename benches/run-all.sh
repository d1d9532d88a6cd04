#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one command, its tables collected in $CARGO_TARGET_DIR/benchmarks.md:
# the codec (criterion, with the report), its callgrind instruction counts, end to end and memory, and the
# build cost. Needs valgrind for the counts. About 20 minutes on 2 cores once the dependencies are fetched.
#
#   bash benches/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
out="$target/benchmarks.md"
cargo bench -p mcpgen-benches --bench codec -- --warm-up-time 0.7 --measurement-time 2 --noplot
{
  echo "# Codec (criterion medians)"
  python3 benches/report.py "$target"
} >"$out"
cargo bench -p mcpgen-benches --bench instructions >>"$out"
bash benches/run-e2e.sh
cat "$target/e2e.md" >>"$out"
{
  echo
  echo "# End to end, instructions per call (callgrind)"
  echo
  bash benches/e2e-instructions.sh
} >>"$out"
{
  echo
  echo "# Build cost"
  echo
  bash benches/build-cost.sh
} >>"$out"
echo "written to $out"
