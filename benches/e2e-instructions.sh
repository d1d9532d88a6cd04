#!/usr/bin/env bash
# Instructions a server executes per `tools/call` of `add`, counted with callgrind, which load on the
# machine cannot disturb (unlike the timings of run-e2e.sh). Each server is run twice, for N1 and N2
# calls; the difference divided by N2 - N1 is the cost of one call, start-up and shutdown cancelled out.
#
#   bash benches/e2e-instructions.sh          # needs valgrind and python3
#
# stdio: the mcpgen bench server and rmcp's stdio_pipes() server read the calls from a pipe.
# HTTP: the mcpgen bench server (--http, stateless JSON), rmcp's http-stateless server and the bare axum
# handler, driven over one keep-alive connection by a small Python client.
# MCPGEN_BASELINE=path/to/an/earlier/bench-server adds its rows, to compare a change in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build -q --release -p mcpgen --features http-server --example bench-server
cargo build -q --release -p mcpgen-benches --example rmcp-server --example axum-bound
ex="$target/release/examples"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
N1=200
N2=2200

# The stdio input: initialize, initialized, then N tools/call lines.
python3 - "$work" "$N1" "$N2" <<'EOF'
import json, sys
work, counts = sys.argv[1], [int(n) for n in sys.argv[2:]]
for n in counts:
    with open(f"{work}/calls-{n}.jsonl", "w") as f:
        f.write(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "count", "version": "1"}}}) + "\n")
        f.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        for i in range(1, n + 1):
            f.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                "params": {"name": "add", "arguments": {"a": i, "b": 2}}}) + "\n")
EOF

cat > "$work/drive.py" <<'EOF'
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
connection = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-11-25"}
for i in range(n):
    body = json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                       "params": {"name": "add", "arguments": {"a": i, "b": 2}}})
    connection.request("POST", "/mcp", body, headers)
    reply = connection.getresponse()
    data = reply.read()
    assert reply.status == 200, (reply.status, data)
EOF

# Instructions of one callgrind run (the "Collected" total).
collected() { grep -o 'Collected : [0-9]*' "$1" | grep -o '[0-9]*$'; }

stdio() { # name, binary, args...
    local name=$1; shift
    local counts=()
    for n in $N1 $N2; do
        # Pipes on both ends, as a client that started the server gives it.
        cat "$work/calls-$n.jsonl" | valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2> "$work/err" | cat > /dev/null
        counts+=("$(collected "$work/err")")
    done
    echo "| stdio | $name | $(( (counts[1] - counts[0]) / (N2 - N1) )) |"
}

http() { # name, binary, args...
    local name=$1; shift
    local counts=()
    for n in $N1 $N2; do
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" > "$work/url" 2> "$work/err" &
        local pid=$!
        for _ in $(seq 1 300); do grep -q http "$work/url" 2>/dev/null && break; sleep 0.2; done
        local port
        port=$(sed -E 's#http://127.0.0.1:([0-9]+)/mcp#\1#' "$work/url" | head -1)
        python3 "$work/drive.py" "$port" "$n"
        kill -INT "$pid"
        sleep 2
        kill "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        counts+=("$(collected "$work/err")")
    done
    echo "| HTTP | $name | $(( (counts[1] - counts[0]) / (N2 - N1) )) |"
}

echo "| transport | server | instructions per call |"
echo "|---|---|---:|"
stdio "mcpgen" "$ex/bench-server"
if [ -n "${MCPGEN_BASELINE:-}" ]; then stdio "mcpgen (baseline)" "$MCPGEN_BASELINE"; fi
stdio "rmcp \`stdio_pipes()\`" "$ex/rmcp-server" stdio-pipes
http "bare axum handler (bound)" "$ex/axum-bound"
http "mcpgen (stateless, JSON)" "$ex/bench-server" --http
if [ -n "${MCPGEN_BASELINE:-}" ]; then http "mcpgen (baseline)" "$MCPGEN_BASELINE" --http; fi
http "rmcp (stateless, JSON)" "$ex/rmcp-server" http-stateless
