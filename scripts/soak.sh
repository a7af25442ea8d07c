#!/usr/bin/env bash
# Soak test of the durability contract, run by hand (not in CI: it takes an hour or more).
#
#   scripts/soak.sh [EVENTS] [WORKDIR]        # default 10,000,000 events in /tmp/ctas-soak
#
# Generates a feed (with malformed lines mixed in), then ingests it with `ctas ingest` and
# kills the process with SIGKILL at random moments (every 20-40 s) until a run finishes on
# its own. A second, uninterrupted ingest of the same feed into another data directory is
# the reference. Then it compares, with sqlite3 and sort alone:
#   - stored ids: the killed store must hold exactly the reference's ids (0 lost, 0 extra);
#   - dead letters: each rejected line once (0 doubled), the same lines as the reference;
#   - the checkpoint's counts against the stored rows.
# Prints one JSON line with the numbers; exits 1 on any difference.
set -euo pipefail
events=${1:-10000000}
work=${2:-/tmp/ctas-soak}
root=$(cd "$(dirname "$0")/.." && pwd)
ctas=${CTAS_BINARY:-$root/.build/release/ctas}
[ -x "$ctas" ] || (cd "$root" && swift build -c release --product ctas >&2)
rm -rf "$work" && mkdir -p "$work"
feed=$work/feed.ndjson
echo "generating $events events…" >&2
"$ctas" gen-feed --events "$events" --seed 19 --malformed-rate 0.001 --output "$feed" 2>/dev/null

kills=0
started=$(date +%s)
while true; do
  "$ctas" ingest "$feed" --data-dir "$work/killed" --quiet > "$work/last-summary.json" 2> "$work/last-stderr.txt" &
  pid=$!
  wait_for=$(( 20 + RANDOM % 21 ))
  for _ in $(seq "$wait_for"); do
    sleep 1
    kill -0 "$pid" 2>/dev/null || break
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
    echo "killed after ${wait_for}s (kill $kills)" >&2
  else
    wait "$pid"
    break
  fi
done
elapsed=$(( $(date +%s) - started ))
echo "reference run…" >&2
"$ctas" ingest "$feed" --data-dir "$work/reference" --quiet > "$work/reference-summary.json"

sqlite3 "$work/killed/warm.sqlite" 'SELECT id FROM events' | sort > "$work/killed.ids"
sqlite3 "$work/reference/warm.sqlite" 'SELECT id FROM events' | sort > "$work/reference.ids"
lost=$(comm -13 "$work/killed.ids" "$work/reference.ids" | wc -l)
extra=$(comm -23 "$work/killed.ids" "$work/reference.ids" | wc -l)
doubled=$(uniq -d "$work/killed.ids" | wc -l)
python3 - "$work" <<'PY' > "$work/dead-letters.txt"
import json, sys
work = sys.argv[1]
for name in ("killed", "reference"):
    lines = [json.loads(l)["line"] for l in open(f"{work}/{name}/dead-letter.ndjson")]
    print(name, len(lines), len(set(lines)), len(lines) - len(set(lines)))
PY
read -r _ dl_killed dl_killed_unique dl_doubled < <(grep '^killed' "$work/dead-letters.txt")
read -r _ dl_reference _ _ < <(grep '^reference' "$work/dead-letters.txt")
stored=$(wc -l < "$work/killed.ids")
printf '{"events":%d,"kills":%d,"seconds":%d,"stored":%d,"referenceStored":%d,"lost":%d,"extra":%d,"doubled":%d,"deadLetters":%d,"deadLettersDoubled":%d,"referenceDeadLetters":%d}\n' \
  "$events" "$kills" "$elapsed" "$stored" "$(wc -l < "$work/reference.ids")" "$lost" "$extra" "$doubled" "$dl_killed" "$dl_doubled" "$dl_reference"
[ "$lost" -eq 0 ] && [ "$extra" -eq 0 ] && [ "$doubled" -eq 0 ] && [ "$dl_doubled" -eq 0 ] && [ "$dl_killed" -eq "$dl_reference" ]
