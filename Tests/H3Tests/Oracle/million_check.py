#!/usr/bin/env python3
"""Compares `ctas h3 latLngToCell --batch` with the reference library on N uniform random
points across all resolutions; reports mismatches outside accept sets (a point within ~1e-9
degrees of a boundary may match any cell the oracle gives for a nudged copy of it).

    python3 million_check.py --ctas .build/release/ctas --points 1000000 --seed 1
"""
import argparse
import json
import math
import random
import subprocess
import sys
import time

import h3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctas", required=True)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    points = []
    for _ in range(args.points):
        z = rng.uniform(-1, 1)
        points.append((math.degrees(math.asin(z)), rng.uniform(-180, 180), rng.randint(0, 15)))
    payload = "".join(json.dumps({"lat": lat, "lng": lng, "res": res}) + "\n" for lat, lng, res in points).encode()
    started = time.time()
    result = subprocess.run([args.ctas, "h3", "latLngToCell", "--batch"], input=payload, capture_output=True, check=True)
    swift_seconds = time.time() - started
    lines = result.stdout.decode().splitlines()
    assert len(lines) == len(points), f"{len(lines)} answers for {len(points)} points"
    exact = nudged = mismatched = 0
    examples = []
    for (lat, lng, res), line in zip(points, lines):
        got = json.loads(line).get("cell")
        want = h3.latlng_to_cell(lat, lng, res)
        if got == want:
            exact += 1
            continue
        accept = {h3.latlng_to_cell(lat + a, lng + b, res) for a in (-1e-9, 0, 1e-9) for b in (-1e-9, 0, 1e-9)}
        if got in accept:
            nudged += 1
        else:
            mismatched += 1
            if len(examples) < 10:
                examples.append((lat, lng, res, got, want))
    print(json.dumps({"points": len(points), "exact": exact, "withinAcceptSets": nudged, "mismatches": mismatched,
                      "batchSeconds": round(swift_seconds, 2), "examples": examples}))
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
