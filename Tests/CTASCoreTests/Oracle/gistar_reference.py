#!/usr/bin/env python3
"""Independent reference for CTAS's Getis-Ord Gi* hot spot statistics.

Builds sample areas with the PyPI `h3` package (4.x) and computes Gi* with numpy, the
textbook way: every cell of the area enumerated, neighbourhoods from h3.grid_disk cut to
the area, binary weights with the cell itself included, mean and population standard
deviation over all cells of the area (empty cells count as 0), two-sided normal p-values
and Benjamini-Hochberg over all cells. CTAS's implementation shares none of this code
(its own H3, neighbourhood sums by scattering, analytic background for the world).

    python3 gistar_reference.py --seed 7 --out gistar-vectors.json
"""
import argparse
import json
import math
import random

import h3
import numpy as np


def gistar(area, values, k, q):
    cells = sorted(area)
    index = {c: i for i, c in enumerate(cells)}
    x = np.array([float(values.get(c, 0.0)) for c in cells])
    n = len(cells)
    mean = x.mean()
    s = math.sqrt((x * x).mean() - mean * mean)
    z = {}
    for c in cells:
        neighbors = [index[d] for d in h3.grid_disk(c, k) if d in index]
        w = len(neighbors)
        total = x[neighbors].sum()
        denominator = s * math.sqrt((n * w - w * w) / (n - 1))
        z[c] = float((total - mean * w) / denominator)
    p = {c: math.erfc(abs(v) / math.sqrt(2)) for c, v in z.items()}
    ordered = sorted(p.values())
    threshold = -1.0
    for rank, value in enumerate(ordered, start=1):
        if value <= rank * q / n:
            threshold = value
    significant = sorted(c for c in cells if p[c] <= threshold)
    return z, significant


def clustered_values(rng, cells, clusters, k):
    values = {}
    for _ in range(clusters):
        centre = rng.choice(cells)
        peak = rng.randint(20, 200)
        for ring, members in enumerate(h3.grid_ring(centre, r) for r in range(k + 2)):
            for c in members:
                values[c] = values.get(c, 0) + max(1, peak >> (2 * ring)) * rng.randint(1, 3)
    for c in rng.sample(cells, max(1, len(cells) // 12)):
        values[c] = values.get(c, 0) + rng.randint(1, 5)
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    q = 0.05
    cases = []
    for res in (0, 1):
        world = [c for base in h3.get_res0_cells() for c in h3.cell_to_children(base, res)]
        for k in (1, 2):
            values = clustered_values(rng, world, 3, k)
            values = {c: v for c, v in values.items() if c in set(world)}
            z, significant = gistar(set(world), values, k, q)
            cases.append({"resolution": res, "k": k, "area": "world", "q": q, "values": values, "z": z,
                          "significant": significant})
    # Dense, nearly uniform data over the world: empty cells can be significantly cold.
    world1 = [c for base in h3.get_res0_cells() for c in h3.cell_to_children(base, 1)]
    dense = {c: rng.randint(8, 14) for c in world1 if rng.random() > 0.08}
    for c in rng.sample(world1, 6):
        dense[c] = 60
    for c in h3.grid_disk(rng.choice(world1), 2):   # a cold hole
        dense.pop(c, None)
    z, significant = gistar(set(world1), dense, 1, q)
    cases.append({"resolution": 1, "k": 1, "area": "world", "q": q, "values": dense, "z": z, "significant": significant})
    for _ in range(6):
        res = rng.randint(3, 8)
        k = rng.choice((1, 2, 3))
        lat, lng = rng.uniform(-70, 70), rng.uniform(-180, 180)
        centre = h3.latlng_to_cell(lat, lng, res)
        area = list(h3.grid_disk(centre, rng.randint(6, 12)))
        values = {c: v for c, v in clustered_values(rng, area, rng.randint(1, 3), k).items() if c in set(area)}
        z, significant = gistar(set(area), values, k, q)
        cases.append({"resolution": res, "k": k, "area": sorted(area), "q": q, "values": values, "z": z,
                      "significant": significant})
    # A pentagon's neighbourhood inside an explicit area.
    pentagon = h3.get_pentagons(4)[3]
    area = list(h3.grid_disk(pentagon, 7))
    values = {c: v for c, v in clustered_values(rng, area, 2, 1).items() if c in set(area)}
    z, significant = gistar(set(area), values, 1, q)
    cases.append({"resolution": 4, "k": 1, "area": sorted(area), "q": q, "values": values, "z": z,
                  "significant": significant})
    with open(args.out, "w") as f:
        json.dump({"seed": args.seed, "h3": h3.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
