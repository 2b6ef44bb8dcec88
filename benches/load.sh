#!/usr/bin/env bash
# Benchmark of `groupcheck load` and `groupcheck capacity` (not a test: it prints figures measured
# in one run, it asserts nothing). Prints three figures:
#
#  (a) requests/s of `groupcheck load` (closed model, every answer validated) over requests/s of
#      oha, the same number of connections on the same emulator endpoint (GET one group): goal >= 0.8
#  (b) requests/s with every answer validated over requests/s with none validated: goal >= 0.9.
#      On that endpoint every answer is the same group, unchanged, and a session passes a byte-
#      identical answer to the same request again without parsing it (src/load/validate.rs), so
#      (b') gives the same ratio for the lifecycle flow, where no two answers are alike: the cost
#      of judging every answer in full.
#  (c) capacity: update p50 at 1,000,000 members over update p50 at 1,000 members against the
#      emulator (goal: flat, no knee), and the knee found against `serve --fault quadratic-update`
#
# The load generator and the emulator share the machine's cores, and so does anything else that
# runs: (a) and (b) alternate their runs over ROUNDS rounds and print each round's ratio and the
# median. Settings: ROUNDS (3), SECS (8, per run), CONNS (10), RATE (50, capacity), CAP_SECS (3).
#
# Needs python3 (to read summary.json) and oha (`cargo install oha`, tried when missing).
# Usage: benches/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-8}
CONNS=${CONNS:-10}
RATE=${RATE:-50}
CAP_SECS=${CAP_SECS:-3}
TOKEN=bench-token
OUT=$(mktemp -d /tmp/groupcheck-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cargo build --release --quiet
GC=target/release/groupcheck
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v oha >/dev/null 2>&1; then
  echo "oha not found: cargo install oha --locked (several minutes on two cores)" >&2
  cargo install oha --locked --quiet
fi

# Start `groupcheck serve` on an ephemeral port; sets SERVED to its base URL.
serve() {
  local log="$OUT/serve-$RANDOM.log"
  "$GC" serve --addr 127.0.0.1:0 --token "$TOKEN" --quiet "$@" >/dev/null 2>"$log" &
  PIDS+=($!)
  for _ in $(seq 100); do
    if grep -q 'listening on' "$log"; then
      SERVED=$(sed -n 's/.*listening on \([0-9.:]*\).*/http:\/\/\1/p' "$log" | head -1)
      return
    fi
    sleep 0.05
  done
  echo "serve did not start: $(cat "$log")" >&2
  exit 1
}

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }

echo "== (a) and (b): one group retrieved over and over, $CONNS connections, ${SECS}s a run, $ROUNDS rounds"
serve
URL=$SERVED
ID=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"name":"bench","members":["+46700000001"]}' "$URL/xms/v1/bench/groups" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
load_rps() { # $1: validate sample, $2: flow (retrieve)
  local dir="$OUT/load-$RANDOM"
  SINCH_API_TOKEN=$TOKEN "$GC" load --target "$URL" --service-plan-id bench --flow "scenarios/load/${2:-retrieve}.yaml" \
    --users "$CONNS" --duration "${SECS}s" --validate-sample "$1" --quiet --report-dir "$dir" >/dev/null 2>&1
  json "$dir/summary.json" "d['totals']['rps']"
}
A=(); B=(); B2=()
for round in $(seq "$ROUNDS"); do
  oha_rps=$(oha --no-tui -z "${SECS}s" -c "$CONNS" -H "Authorization: Bearer $TOKEN" "$URL/xms/v1/bench/groups/$ID" \
    | sed -n 's/.*Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p')
  all=$(load_rps 1)
  none=$(load_rps 0)
  lc_all=$(load_rps 1 lifecycle)
  lc_none=$(load_rps 0 lifecycle)
  a=$(python3 -c "print(f'{$all/$oha_rps:.3f}')")
  b=$(python3 -c "print(f'{$all/$none:.3f}')")
  b2=$(python3 -c "print(f'{$lc_all/$lc_none:.3f}')")
  A+=("$a"); B+=("$b"); B2+=("$b2")
  printf 'round %s: oha %.0f/s, load validating all %.0f/s, none %.0f/s; lifecycle all %.0f/s, none %.0f/s -> (a) %s (b) %s (b'"'"') %s\n' \
    "$round" "$oha_rps" "$all" "$none" "$lc_all" "$lc_none" "$a" "$b" "$b2"
done

echo "== (c): capacity, $RATE requests/s for ${CAP_SECS}s at each size"
capacity() { # $1: base URL, $2: sizes, $3: report dir
  SINCH_API_TOKEN=$TOKEN "$GC" capacity --target "$1" --service-plan-id cap --sizes "$2" --rate "$RATE" \
    --duration "${CAP_SECS}s" --quiet --report-dir "$3" >"$3.txt" 2>&1
}
serve
FAITHFUL=$SERVED
capacity "$FAITHFUL" 1000,10000,100000,1000000 "$OUT/capacity"
serve --fault quadratic-update
QUADRATIC=$SERVED
capacity "$QUADRATIC" 100,1000,10000,100000,1000000 "$OUT/capacity-quadratic"
p50() { json "$1/summary.json" "[p['p50_ms'] for p in d['points'] if p['operation']=='update' and p['size']==$2][0]"; }
knee() { json "$1/summary.json" "next((k['knee']['size'] if k['knee'] else 'none') for k in d['knees'] if k['operation']=='update')"; }
small=$(p50 "$OUT/capacity" 1000)
large=$(p50 "$OUT/capacity" 1000000)

echo
echo "(a) load (all answers validated) / oha requests per second: $(median "${A[@]}")  (rounds: ${A[*]}; goal >= 0.8)"
echo "(b) all validated / none validated requests per second:     $(median "${B[@]}")  (rounds: ${B[*]}; goal >= 0.9)"
echo "(b') the same, lifecycle flow (no two answers alike):         $(median "${B2[@]}")  (rounds: ${B2[*]})"
printf '(c) update p50 at 1,000,000 / at 1,000 members (emulator): %.2f  (%.3f ms / %.3f ms; knee: %s)\n' \
  "$(python3 -c "print($large/$small)")" "$large" "$small" "$(knee "$OUT/capacity")"
echo "    quadratic-update fault: knee of update at $(knee "$OUT/capacity-quadratic") members"
echo "capacity tables: $OUT/capacity.txt, $OUT/capacity-quadratic.txt (reports and charts beside them)"
