#!/usr/bin/env bash
# The consent issue's realistic scenario, on this machine: ten senders of one
# tenant at 1,000 messages/s each, 100,000 distinct contacts with consent on
# record, every compliance rule on, the simulator posting sent/delivered/read
# webhooks that the gateway ingests and forwards to a signing-checking sink.
# Everything runs on loopback and stops by itself.
#   PER=5000 CONTACTS=100000 bash scripts/bench-realistic.sh    (RULES=off for the comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

PER=${PER:-5000}             # messages per sender
CONTACTS=${CONTACTS:-100000} # distinct contacts with consent on record
SENDERS=10
RULES=${RULES:-on}           # off: consent, window and template rules off (suppression stays)
# Rules on: every rule, quiet hours open all day so the figure does not
# depend on the hour it is taken at. Off: every rule a tenant can turn off.
policy='"policy": { "quiet_hours": { "mode": "enforce", "start": "00:00", "end": "24:00", "days": ["sun","mon","tue","wed","thu","fri","sat"] } },'
if [ "$RULES" = off ]; then policy='"policy": { "consent": "off", "window": "off", "template": "off", "content_check": "off", "frequency": { "mode": "off" }, "quiet_hours": { "mode": "off" } },'; fi
PORT=18280; SIMPORT=18281; SINKPORT=18290
KEY=wg_be0c4000be1c_benchkeybenchkeybenchkeybenchkey11
META=bench-meta-token; APPSECRET=bench-app-secret; TSECRET=bench-tenant-secret

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/wabaguard" ./cmd/wabaguard
bin="$work/wabaguard"
echo "rules $RULES; machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3); date: $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg)"

senders=""
for i in $(seq 1 $SENDERS); do
  senders+="{ \"phone_number_id\": \"1000000000001$(printf %02d "$i")\", \"waba_id\": \"200000000000001\", \"tenant_id\": \"shop\", \"throughput_mps\": 1000 },"
done
cat > "$work/cfg.json" <<JSON
{ "listen": "127.0.0.1:$PORT", "data_dir": "$work/data", "log_level": "warn",
  "graph": { "access_token": "$META", "app_secret": "$APPSECRET", "verify_token": "v" },
  "simulator": { "enabled": true, "listen": "127.0.0.1:$SIMPORT", "limits": false, "status_webhooks": true,
                 "sent_delay": "50ms", "delivered_delay": "200ms", "read_delay": "500ms" },
  "webhook_destinations": { "allow_loopback": true }, $policy
  "warmup": { "off": true },
  "portfolios": [ { "id": "300000000000001", "waba_ids": ["200000000000001"], "tier": "TIER_UNLIMITED" } ],
  "tenants": [ { "id": "shop", "api_keys": ["$KEY"], "webhook_url": "http://127.0.0.1:$SINKPORT/hook", "webhook_secret": "$TSECRET" } ],
  "senders": [ ${senders%,} ] }
JSON
"$bin" serve --config "$work/cfg.json" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" bench consent --config "$work/cfg.json" --tenant shop --recipients "$CONTACTS"

total=$((PER * SENDERS))
# sent, delivered and read for each message reach the tenant
"$bin" bench sink --listen "127.0.0.1:$SINKPORT" --secret "$TSECRET" --expect $((total * 3)) --timeout 10m >"$work/sink.out" &
sinkpid=$!; pids+=($sinkpid)
sleep 0.3
sent_total() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^wabaguard_messages_sent_total/{s+=$2} END{printf "%d", s+0}'; }
t0=$(date +%s.%N)
bp=()
for i in $(seq 1 $SENDERS); do
  "$bin" bench send --url "http://127.0.0.1:$PORT" --token "$KEY" --phone-number-id "1000000000001$(printf %02d "$i")" \
    -n "$PER" -c 8 --first-recipient $(( (i - 1) * PER % CONTACTS )) --type template --template-name hello_world --template-language en_US --recipients "$CONTACTS" \
    --progress 0 --json > "$work/send$i.json" &
  bp+=($!)
done
for p in "${bp[@]}"; do wait "$p"; done
t1=$(date +%s.%N)
for _ in $(seq 1 2400); do [ "$(sent_total)" -ge "$total" ] && break; sleep 0.05; done
t2=$(date +%s.%N)
python3 - "$work" "$SENDERS" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
reps = [json.load(open(f"{work}/send{i}.json")) for i in range(1, n + 1)]
ok = sum(r.get("successes", 0) for r in reps)
err = sum(r.get("errors", 0) for r in reps)
p99 = max(r.get("latency", {}).get("p99_ms", 0) for r in reps)
print(f"accepted: {ok} ok, {err} errors; worst sender's acceptance p99 {p99:.1f} ms")
PY
awk -v n="$total" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN{printf "accepted %d in %.2f s = %.0f/s; all sent upstream after %.2f s = %.0f messages/s end to end\n", n, b-a, n/(b-a), c-a, n/(c-a)}'
wait "$sinkpid" || true
cat "$work/sink.out"
