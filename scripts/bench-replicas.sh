#!/usr/bin/env bash
# One run, side by side: the same send load against one gateway on SQLite,
# then one, two and three replicas on one PostgreSQL. The upstream is a
# standalone simulator with limits off (it answers at once), so the figures
# are the gateway's own. Loopback only; every process stops by itself.
#   N=30000 C=64 bash scripts/bench-replicas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

N=${N:-30000}; C=${C:-64}
PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
SIMPORT=18181; BASEPORT=18180
KEY=wg_be0c4000be0c_benchkeybenchkeybenchkeybenchkey01
META=bench-meta-token
SENDERS=(110000000000001 110000000000002 110000000000003 110000000000004 110000000000005 110000000000006)
WABA=210000000000001
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

work=$(mktemp -d)
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT

go build -o "$work/wabaguard" ./cmd/wabaguard
bin="$work/wabaguard"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3); $(date -u +%FT%TZ)"

numbers=""; senders_json=""
for s in "${SENDERS[@]}"; do
  numbers+="${numbers:+,}$s:$WABA:+55 11 4000-${s: -4}"
  senders_json+="${senders_json:+,}{\"phone_number_id\":\"$s\",\"waba_id\":\"$WABA\",\"tenant_id\":\"bench\",\"throughput_mps\":1000000}"
done
ids=$(IFS=,; echo "${SENDERS[*]}")

"$bin" sim --listen "127.0.0.1:$SIMPORT" --limits=false --tokens "$META" --numbers "$numbers" >"$work/sim.out" 2>&1 &
simpid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$SIMPORT/sim/stats" >/dev/null 2>&1 && break; sleep 0.1; done

accepted() { curl -fs "http://127.0.0.1:$SIMPORT/sim/stats" | python3 -c 'import json,sys; print(sum(n["accepted"] for n in json.load(sys.stdin)["numbers"].values()))'; }
now() { date +%s.%N; }

run() { # name database replicas
  local name=$1 db=$2 k=$3 urls="" dbline=""
  if [ -n "$db" ]; then dbline="\"database\": \"$db\","; fi
  for r in $(seq 1 "$k"); do
    local port=$((BASEPORT + 10 * r))
    cat > "$work/$name-$r.json" <<JSON
{ "listen": "127.0.0.1:$port", "data_dir": "$work/$name-data", "log_level": "warn", $dbline
  "secret_key": "$SECRET", "replica_id": "$name-r$r",
  "graph": { "base_url": "http://127.0.0.1:$SIMPORT", "access_token": "$META", "app_secret": "s", "verify_token": "v" },
  "simulator": { "enabled": false },
  "tenants": [ { "id": "bench", "api_keys": ["$KEY"] } ],
  "policy": { "consent": "off", "window": "off" },
  "senders": [ $senders_json ] }
JSON
    "$bin" serve --config "$work/$name-$r.json" >"$work/$name-$r.out" 2>"$work/$name-$r.err" &
    pids+=($!)
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    urls+="${urls:+,}http://127.0.0.1:$port"
  done
  sleep 4 # let the replicas share out the sender leases
  local before t0 t1 got
  before=$(accepted); t0=$(now)
  "$bin" bench send --url "$urls" --token "$KEY" --phone-number-id "$ids" -n "$N" -c "$C" --json >"$work/$name.json"
  for _ in $(seq 1 1200); do [ $(( $(accepted) - before )) -ge "$N" ] && break; sleep 0.05; done
  t1=$(now); got=$(( $(accepted) - before ))
  python3 - "$work/$name.json" "$name" "$got" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name, got, t0, t1 = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
lat = r["latency"]
print(f"| {name:<16} | {r['throughput_rps']:>10.0f} | {lat['p50_ms']:>7} | {lat['p99_ms']:>7} | {got/(t1-t0):>12.0f} | {r['errors']:>6} |")
PY
  stop_all_gateways
}
stop_all_gateways() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }

newschema() { local s="bench_$1_$$"; psql "$PG" -qc "CREATE SCHEMA $s" >/dev/null; echo "${PG}&search_path=$s"; }

echo
echo "N=$N requests at concurrency $C over ${#SENDERS[@]} senders, round robin over the replicas"
echo "| setup            | accept r/s | p50 ms  | p99 ms  | end-to-end/s | errors |"
echo "| ---------------- | ---------- | ------- | ------- | ------------ | ------ |"
run sqlite-1 "" 1
run postgres-1 "$(newschema p1)" 1
run postgres-2 "$(newschema p2)" 2
run postgres-3 "$(newschema p3)" 3
kill "$simpid" 2>/dev/null || true
