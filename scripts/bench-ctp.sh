#!/usr/bin/env bash
# Load benchmarks of the CTP server (issue 2), all on loopback, on SQLite by
# default or PostgreSQL with DATABASE=postgres://…. Prints JSON reports; the
# figures and the commands are recorded in docs/benchmarks.md.
#
#   scripts/bench-ctp.sh            # full run: seed 10,000 assets / 100,000 measurements
#   ASSETS=1000 MEASUREMENTS=5000 scripts/bench-ctp.sh   # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
ASSETS=${ASSETS:-10000}
MEASUREMENTS=${MEASUREMENTS:-100000}
DURATION=${DURATION:-5s}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/cloudtrust" ./cmd/cloudtrust
go build -o "$work/ctpload" ./cmd/ctpload
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
admin=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
dbflag=(--data "$work/data")
[ -n "${DATABASE:-}" ] && dbflag=(--database "$DATABASE")

start_server() {
  CLOUDTRUST_BOOTSTRAP_TOKEN=$admin "$work/cloudtrust" serve --addr "127.0.0.1:$port" "${dbflag[@]}" --log-level warn \
    >"$work/server.log" 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 1 100); do curl -fs "$url/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$work/server.log"; return 1
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$(cat "$work/pid")/status"; }

echo "== machine: $(nproc) cores, $(go version)"
start_server
echo "== seed: $ASSETS assets, $MEASUREMENTS measurements"
"$work/ctpload" seed --url "$url" --admin-token "$admin" --assets "$ASSETS" --measurements "$MEASUREMENTS" --keep 64 >"$work/seed.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("seeded in %.1fs" % d["seconds"])' "$work/seed.json"
cust=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["customerToken"])' "$work/seed.json")
agent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agentToken"])' "$work/seed.json")
view=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serviceView"])' "$work/seed.json")
ms=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["measurements"]))' "$work/seed.json")
m0=${ms%%,*}

echo "== write: PUT /measurements/{id}?x=result (durable), 64 measurements, concurrency 16"
"$work/ctpload" write --url "$url" --token "$agent" --measurements "$ms" --duration "${WRITE_DURATION:-10s}" --concurrency 16

echo "== read: GET /measurements/{id} vs bare net/http baseline"
"$work/ctpload" read --url "$url" --token "$cust" --path "/api/1.0/measurements/$m0" --duration "$DURATION" --rounds 3 --rate 2000 --rate-duration 10s

echo "== page: GET /serviceViews/{id}/assets?page=P&items=100 over $ASSETS assets"
"$work/ctpload" page --url "$url" --token "$cust" --view "$view" --items 100 --total "$ASSETS" --samples 500

echo "== idle memory: restart the server on the same data, wait 10 s"
kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
start_server
curl -fs -H "Authorization: Bearer $cust" "$url/api/1.0/measurements/$m0" >/dev/null
sleep 10
echo "{\"idleRssMB\": $(rss_mb), \"measurements\": $MEASUREMENTS}"
if [ -z "${DATABASE:-}" ]; then du -sh "$work/data"; fi
