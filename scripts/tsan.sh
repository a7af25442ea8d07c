#!/usr/bin/env bash
# ThreadSanitizer run of the engine's concurrent paths, run by hand before resolving
# concurrency work (the build takes ~5 minutes):
#   ingest, a headless replay stopped by SIGTERM mid-run, graph neighbour queries, hot spots,
#   and the console app loop (the demo in tmux: keys, pauses, pane switches, quit).
# Prints each step's race count; exits 1 when ThreadSanitizer reported anything.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --sanitize=thread --scratch-path .build-tsan --product ctas >&2 || exit 2
ctas=$root/.build-tsan/debug/ctas
work=$(mktemp -d /tmp/ctas-tsan-XXXXXX)
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1"
total=0
step() {
  local name=$1 log=$work/$1.tsan
  local races
  races=$(grep -c 'WARNING: ThreadSanitizer' "$log" 2>/dev/null || true)
  races=${races:-0}
  echo "$name: $races race report(s)"
  [ "$races" -gt 0 ] && grep -A14 'WARNING: ThreadSanitizer' "$log" | head -40
  total=$((total + races))
}
"$ctas" gen-feed --events 200000 --seed 5 --plant 20 --output "$work/feed.ndjson" 2>/dev/null
"$ctas" ingest "$work/feed.ndjson" --data-dir "$work/d" --quiet >/dev/null 2>"$work/ingest.tsan"; step ingest
"$ctas" replay "$work/feed.ndjson" --headless --speed 2000 --data-dir "$work/r" >/dev/null 2>"$work/replay.tsan" &
pid=$!; sleep 8; kill -TERM $pid; wait $pid; step replay-with-stop
: >"$work/graph.tsan"
for value in 185.220.101.4 "$(sqlite3 "$work/d/warm.sqlite" 'select id from events limit 1 offset 777')"; do
  "$ctas" graph neighbors "$value" --hops 2 --data-dir "$work/d" >/dev/null 2>>"$work/graph.tsan" || true
done
"$ctas" hotspots --res 4 --data-dir "$work/d" >/dev/null 2>>"$work/graph.tsan"; step graph-and-hotspots
if command -v tmux >/dev/null; then
  sock=ctas-tsan-$$
  tmux -L "$sock" new-session -d -x 200 -y 60 "env TSAN_OPTIONS='$TSAN_OPTIONS log_path=$work/console' XDG_DATA_HOME=$work/xdg $ctas console --feed $work/feed.ndjson --speed 200 --data-dir $work/c"
  sleep 15
  for keys in Tab Tab j j Enter Escape p p z z "]" "]" "?" Escape; do tmux -L "$sock" send-keys "$keys"; sleep 0.5; done
  sleep 5; tmux -L "$sock" send-keys q; sleep 10
  tmux -L "$sock" kill-server 2>/dev/null || true
  cat "$work"/console.* > "$work/console.tsan" 2>/dev/null || : >"$work/console.tsan"
  step console-loop
else
  echo "console-loop: skipped (no tmux)"
fi
echo "total: $total race report(s); logs in $work"
[ "$total" -eq 0 ]
