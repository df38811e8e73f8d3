#!/usr/bin/env bash
# Sustained batch ingest with alert latency (issue 4): builds and starts a
# real `cloudtrust serve`, then `ctpload ingest` creates MEASUREMENTS
# measurements (one objective and one webhook trigger each, notifying a
# receiver inside ctpload), pushes NDJSON batches to POST /api/v1/results
# from AGENTS agents for DURATION, and reports results/s (per 10 s window,
# overall, minimum window), batch latency, alert latency from the batch's
# 200 to the signed webhook's receipt (every alert exactly once), server RSS,
# and the bare-insert SQLite baseline measured in the same run. Figures and
# commands: docs/benchmarks.md, "Sustained ingest and alert latency".
#
#   scripts/bench-ingest.sh                          # SQLite, 1,000 measurements, 5 minutes, full speed
#   DURATION=30s scripts/bench-ingest.sh             # a short run
#   DATABASE=pg scripts/bench-ingest.sh              # a private PostgreSQL cluster (durable defaults)
#   DATABASE=postgres://user@host/db scripts/bench-ingest.sh   # or: scripts/bench-ingest.sh --database postgres://…
#   RATE=20000 FLIP=0.001 AGENTS=4 BATCH=500 scripts/bench-ingest.sh
#
# Extra `cloudtrust serve` flags go in SERVE_FLAGS (e.g. "--ingest-concurrency 4");
# CLOUDTRUST_BIN=path uses a prebuilt server instead of building ./cmd/cloudtrust.
set -euo pipefail
cd "$(dirname "$0")/.."
# `--database URL|pg` is the same as DATABASE=…
if [ "${1:-}" = --database ] && [ -n "${2:-}" ]; then DATABASE=$2; shift 2; fi
[ $# -eq 0 ] || { echo "usage: [ENV=…] $0 [--database postgres://…|pg]" >&2; exit 2; }
MEASUREMENTS=${MEASUREMENTS:-1000}
AGENTS=${AGENTS:-2}
BATCH=${BATCH:-1000}
DURATION=${DURATION:-5m}
RATE=${RATE:-0}
FLIP=${FLIP:-0.002}
BASELINE_ROWS=${BASELINE_ROWS:-1000000}
WEBHOOK_WORKERS=${WEBHOOK_WORKERS:-4}    # the server's defaults
WEBHOOK_QUEUE=${WEBHOOK_QUEUE:-1000}
work=$(mktemp -d)
pgbin= pgdata=
cleanup() {
  kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true
  wait "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true
  if [ -n "$pgdata" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    else "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true; fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${CLOUDTRUST_BIN:-}" ]; then cp "$CLOUDTRUST_BIN" "$work/cloudtrust"  # a prebuilt server binary
else go build -o "$work/cloudtrust" ./cmd/cloudtrust; fi
go build -o "$work/ctpload" ./cmd/ctpload
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
url="http://127.0.0.1:$port"
admin=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')

dbflag=(--data "$work/data")
dbname=sqlite
if [ "${DATABASE:-}" = pg ]; then
  # A private cluster with PostgreSQL's durable defaults (fsync, synchronous_commit on).
  pgbin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
  mkdir -p "$work/pg"; pgdata="$work/pg/data"; pgport=$(freeport)
  run=(); if [ "$(id -u)" = 0 ]; then chown -R postgres "$work/pg"; chmod 755 "$work"; run=(runuser -u postgres --); fi
  "${run[@]}" "$pgbin/initdb" -A trust -U postgres -D "$pgdata" -E UTF8 --locale=C >/dev/null
  "${run[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$work/pg/log" -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=100" -w start >/dev/null
  dbflag=(--database "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable")
  dbname="postgres (private cluster, durable defaults)"
elif [ -n "${DATABASE:-}" ]; then
  dbflag=(--database "$DATABASE"); dbname=postgres
fi

# shellcheck disable=SC2086
CLOUDTRUST_BOOTSTRAP_TOKEN=$admin "$work/cloudtrust" serve --addr "127.0.0.1:$port" "${dbflag[@]}" --log-level warn \
  --webhook-allow-private --webhook-workers "$WEBHOOK_WORKERS" --webhook-queue "$WEBHOOK_QUEUE" ${SERVE_FLAGS:-} \
  >"$work/server.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 100); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3)"
echo "== database: $dbname; $MEASUREMENTS measurements, $AGENTS agents × $BATCH-line batches, $DURATION, rate ${RATE/#0/full speed}, flip $FLIP"
echo "== command: MEASUREMENTS=$MEASUREMENTS AGENTS=$AGENTS BATCH=$BATCH DURATION=$DURATION RATE=$RATE FLIP=$FLIP DATABASE=${DATABASE:-} scripts/bench-ingest.sh"
status=0
"$work/ctpload" ingest --url "$url" --admin-token "$admin" --measurements "$MEASUREMENTS" --agents "$AGENTS" \
  --batch "$BATCH" --duration "$DURATION" --rate "$RATE" --flip "$FLIP" --server-pid "$(cat "$work/pid")" \
  --baseline-rows "$BASELINE_ROWS" --baseline-dir "$work" || status=$?
if [ -z "${DATABASE:-}" ]; then echo "== database size: $(du -sh "$work/data" | cut -f1)"; fi
# History maintenance during the run (logged at --log-level info, e.g. SERVE_FLAGS="--log-level info --compact-after 1s").
if grep -qE 'compacted|downsampled|pruned' "$work/server.log"; then echo "== history maintenance: $(grep -cE 'compacted|downsampled|pruned' "$work/server.log") passes, last: $(grep -E 'compacted|downsampled|pruned' "$work/server.log" | tail -1)"; fi
if grep -qiE 'error|dead' "$work/server.log"; then echo "== server log (errors):"; grep -iE 'error|dead' "$work/server.log" | head -20; fi
exit $status
