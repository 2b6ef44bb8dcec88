#!/usr/bin/env bash
# The correct emulator swept from 1,000 to 1,000,000 members must show no knee, run after run:
# `capacity --fail-on-knee` against `groupcheck serve`, RUNS times (default 3). Prints each run's
# table and exit code; exits 1 when a run found a knee (exit 4) or failed.
# Usage: [DURATION=10s] [RATE=20] benches/capacity.sh [RUNS] [extra capacity arguments...]
# (DURATION is per operation and size; at 1,000,000 members the members listing needs about 15 s
# for the 50 answers a knee is judged on, as the client judges each 16 MB answer in full.)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
shift || true
bin=target/release/groupcheck
[ -x "$bin" ] || cargo build --release
port=$((20000 + RANDOM % 20000))
"$bin" serve --addr "127.0.0.1:$port" --token bench >/dev/null 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null || true' EXIT
sleep 1
failed=0
for run in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  set +e
  SINCH_API_TOKEN=bench "$bin" capacity --target "http://127.0.0.1:$port" --service-plan-id P \
    --sizes 1000,10000,100000,1000000 --rate "${RATE:-20}" --duration "${DURATION:-10s}" --fail-on-knee -q \
    --report-dir "$dir" "$@"
  code=$?
  set -e
  echo "run $run: exit $code (report $dir)"
  [ "$code" -eq 0 ] || failed=1
done
exit "$failed"
