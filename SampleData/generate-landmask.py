#!/usr/bin/env python3
"""Generates SampleData/landmask.bin, the dim land/sea backdrop of the heatmap pane.

Source: the land mask carried by the PyPI package `global-land-mask` 1.0.0 (MIT licence),
which is derived from NOAA's GLOBE 30-arc-second elevation data (a public-domain work of
the US Government; https://www.ngdc.noaa.gov/mgg/topo/globe.html). The 1/120-degree mask is
reduced to a coarser grid: a pixel is land when at least half of the source pixels it
covers are land.

    python3 -m venv /tmp/lm && /tmp/lm/bin/pip install numpy global-land-mask==1.0.0
    /tmp/lm/bin/python SampleData/generate-landmask.py [--step 4] > SampleData/landmask.bin

File format (CTAS's own): an ASCII header line
    "CTASLAND 1 <width> <height>\n"
then one record per row, north to south (row 0 starts at latitude +90, column 0 at
longitude -180, each pixel 180/height degrees tall and 360/width wide): the row's run
lengths as LEB128 varints, alternating sea, land, sea, ... starting with sea (a row that
starts with land begins with a zero-length sea run), summing to width.
"""
import argparse
import sys

import numpy as np
from global_land_mask import globe


def varint(n, out):
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", type=int, default=4, help="source pixels (1/120 degree) per output pixel")
    args = parser.parse_args()
    # The package's array is True over the ocean (its is_ocean reads it directly), rows
    # ordered by its latitude axis.
    mask = ~globe._mask
    lat = globe._lat
    if lat[0] < lat[-1]:
        mask = mask[::-1, :]  # north first
    step = args.step
    h, w = mask.shape[0] // step, mask.shape[1] // step
    blocks = mask[: h * step, : w * step].reshape(h, step, w, step).mean(axis=(1, 3)) >= 0.5
    out = bytearray(f"CTASLAND 1 {w} {h}\n".encode())
    for row in blocks:
        changes = np.flatnonzero(np.diff(row.astype(np.int8))) + 1
        edges = np.concatenate(([0], changes, [w]))
        runs = np.diff(edges).tolist()
        if row[0]:
            runs = [0] + runs
        for r in runs:
            varint(int(r), out)
    sys.stdout.buffer.write(bytes(out))


if __name__ == "__main__":
    main()
