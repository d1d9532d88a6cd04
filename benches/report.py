#!/usr/bin/env python3
"""Turns criterion's estimates (target/criterion/…/new/estimates.json) into the BENCHMARKS.md tables:
median time per row, MB/s, and the ratios to IgnoredAny (the parse-only bound) and to rmcp, all measured
in the same run. Usage: python3 benches/report.py [TARGET_DIR]  (default: $CARGO_TARGET_DIR or target)."""
import json
import os
import sys
from pathlib import Path

ROWS = ["ignored_any", "serde_json_value", "mcpgen", "mcpgen_sonic", "rmcp", "rust_mcp_schema"]
# The corpus order (benches/src/lib.rs), smallest first.
ORDER = ["initialize", "tools_call_request", "progress", "error", "tools_call_result_200b", "tools_list_result_50",
         "tools_call_result_1mib", "resources_read_blob_1mib"]


def fmt_time(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target"))
    root = target / "criterion"
    groups = {}
    for estimates in sorted(root.glob("*/*/new/estimates.json")):
        benchmark = json.loads((estimates.parent / "benchmark.json").read_text())
        group, row = benchmark["group_id"], benchmark["function_id"]
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        size = (benchmark.get("throughput") or {}).get("Bytes")
        groups.setdefault(group, {})[row] = (median, size)
    for kind in ("decode", "encode"):
        print(f"\n### {kind}\n")
        print("| message | bytes | " + " | ".join(ROWS) + " | mcpgen / IgnoredAny | mcpgen / sonic | rmcp / mcpgen | rust-mcp-schema / mcpgen |")
        print("|---|---:|" + "---:|" * (len(ROWS) + 4))
        names = [g.split("/", 1)[1] for g in groups if g.startswith(kind + "/")]
        for name in sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
            group = f"{kind}/{name}"
            rows = groups[group]
            size = next((s for _, s in rows.values() if s), 0)
            cells = []
            for row in ROWS:
                if row in rows:
                    ns = rows[row][0]
                    cells.append(f"{fmt_time(ns)} ({size / ns * 1e3:.0f} MB/s)" if size else fmt_time(ns))
                else:
                    cells.append("—")
            ratio = lambda a, b: f"{rows[a][0] / rows[b][0]:.2f}×" if a in rows and b in rows else "—"
            print(f"| {group.split('/', 1)[1]} | {size} | " + " | ".join(cells)
                  + f" | {ratio('mcpgen', 'ignored_any')} | {ratio('mcpgen', 'mcpgen_sonic')} | {ratio('rmcp', 'mcpgen')} | {ratio('rust_mcp_schema', 'mcpgen')} |")


if __name__ == "__main__":
    main()
