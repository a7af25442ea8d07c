#!/usr/bin/env python3
"""Test vectors for CTAS's Swift H3, computed by the reference library (PyPI h3 4.5.x).

    python3 generate_vectors.py --seed 1234 --scale 1 --out vectors.jsonl

One JSON object per line, each with a "kind". Points that lie within ~1e-9 degrees of a
cell boundary get an "accept" list: every cell the oracle returns for the point nudged by
1e-9 degrees in each direction (the exact point may fall either way in floating point).
The Swift tests (Tests/H3Tests) read the committed file, and also a fresh file generated
with a new random seed on every CI run (the CTAS_H3_VECTORS environment variable).
"""
import argparse
import json
import math
import random

import h3
import numpy

NUDGE = 1e-9
# The mean Earth radius the reference library uses, in km.
EARTH_RADIUS_KM = 6371.007180918475


def loop_area_km2(boundary):
    """The area of the spherical polygon through the reference's boundary vertices, in km²,
    computed in extended precision (numpy.longdouble): the sum of the triangles from the
    vertices' mean to each edge (Van Oosterom and Strackee's formula, with the edge vectors
    taken relative to the mean so small cells keep their digits). Near a pole the reference's
    own area formula works on longitudes and loses up to 1e-4 of a fine cell's area
    (measured); this one does not, so the tests compare with both."""
    ld = numpy.longdouble

    def vec(p):
        la, ln = numpy.radians(ld(p[0])), numpy.radians(ld(p[1]))
        return numpy.array([numpy.cos(la) * numpy.cos(ln), numpy.cos(la) * numpy.sin(ln), numpy.sin(la)], dtype=ld)

    points = [vec(p) for p in boundary]
    mean = sum(points)
    mean = mean / numpy.sqrt(numpy.dot(mean, mean))
    total = ld(0)
    for i, a in enumerate(points):
        b = points[(i + 1) % len(points)]
        numerator = numpy.dot(mean, numpy.cross(a - mean, b - mean))
        denominator = 1 + numpy.dot(mean, a) + numpy.dot(a, b) + numpy.dot(b, mean)
        total += 2 * numpy.arctan2(numerator, denominator)
    return float(abs(total) * ld(EARTH_RADIUS_KM) ** 2)


def unit(lat, lng):
    la, ln = math.radians(lat), math.radians(lng)
    return (math.cos(la) * math.cos(ln), math.cos(la) * math.sin(ln), math.sin(la))


def latlng(v):
    x, y, z = v
    n = math.sqrt(x * x + y * y + z * z)
    return math.degrees(math.asin(max(-1.0, min(1.0, z / n)))), math.degrees(math.atan2(y, x))


def slerp(a, b, t):
    dot = max(-1.0, min(1.0, sum(p * q for p, q in zip(a, b))))
    omega = math.acos(dot)
    s = math.sin(omega)
    return tuple((math.sin((1 - t) * omega) * p + math.sin(t * omega) * q) / s for p, q in zip(a, b))


def cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def normalize(v):
    n = math.sqrt(sum(c * c for c in v))
    return tuple(c / n for c in v)


class Out:
    def __init__(self, path):
        self.f = open(path, "w")
        self.count = 0

    def emit(self, obj):
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.count += 1


def cell_vector(out, lat, lng, res, note):
    cell = h3.latlng_to_cell(lat, lng, res)
    accept = {cell}
    for dlat in (-NUDGE, 0.0, NUDGE):
        for dlng in (-NUDGE, 0.0, NUDGE):
            try:
                accept.add(h3.latlng_to_cell(lat + dlat, lng + dlng, res))
            except Exception:
                pass
    obj = {"kind": "cell", "lat": lat, "lng": lng, "res": res, "cell": cell, "note": note}
    if len(accept) > 1:
        obj["accept"] = sorted(accept)
    out.emit(obj)
    return cell


def describe_cell(out, cell, disks=(1,), note=""):
    lat, lng = h3.cell_to_latlng(cell)
    out.emit({"kind": "center", "cell": cell, "lat": lat, "lng": lng})
    boundary = h3.cell_to_boundary(cell)
    out.emit({"kind": "boundary", "cell": cell, "boundary": [list(p) for p in boundary]})
    out.emit({"kind": "info", "cell": cell, "res": h3.get_resolution(cell), "base": h3.get_base_cell_number(cell),
              "pentagon": h3.is_pentagon(cell), "faces": sorted(h3.get_icosahedron_faces(cell)),
              "areaKm2": h3.cell_area(cell, unit="km^2"), "boundaryAreaKm2": loop_area_km2(boundary)})
    for k in disks:
        rings = [sorted(h3.grid_ring(cell, d)) for d in range(k + 1)]
        out.emit({"kind": "disk", "cell": cell, "k": k, "rings": rings, "note": note})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the number of random vectors")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Out(args.out)
    n = lambda base: max(1, int(base * args.scale))
    out.emit({"kind": "meta", "h3": h3.__version__, "seed": args.seed, "scale": args.scale})

    def random_point():
        # Uniform on the sphere.
        z = rng.uniform(-1, 1)
        return math.degrees(math.asin(z)), rng.uniform(-180, 180)

    # Random points at every resolution; some of their cells described fully.
    for res in range(16):
        for i in range(n(120)):
            lat, lng = random_point()
            cell = cell_vector(out, lat, lng, res, "random")
            if i < n(6):
                describe_cell(out, cell, disks=(1, 2) if i < 2 else (1,), note="random")
                parent_res = rng.randint(0, res)
                out.emit({"kind": "parent", "cell": cell, "res": parent_res, "parent": h3.cell_to_parent(cell, parent_res)})
                child_res = min(15, res + rng.randint(0, 2))
                out.emit({"kind": "centerChild", "cell": cell, "res": child_res, "child": h3.cell_to_center_child(cell, child_res)})
                if res <= 13:
                    out.emit({"kind": "children", "cell": cell, "res": res + 1, "children": sorted(h3.cell_to_children(cell, res + 1))})

    # Poles, the antimeridian, longitudes outside ±180, latitudes past the poles.
    specials = [(90, 0), (-90, 0), (90, 123.4), (-90, -77), (89.9999999, 45), (-89.9999999, -135),
                (0, 180), (0, -180), (45, 180), (-45, -180), (12.5, 179.9999999), (-12.5, -179.9999999),
                (10, 190), (10, -190), (-33, 540), (60, -720.5), (5, 359.99), (0, 0), (0, 90), (0, -90),
                (95, 10), (-100, 20), (180, 0)]
    for lat, lng in specials:
        for res in range(16):
            cell_vector(out, lat, lng, res, "special")

    # The icosahedron: vertices are the res-0 pentagon centres; its 30 edges join the
    # nearest pairs. Points on each edge and just off it, at several resolutions.
    vertices = [unit(*h3.cell_to_latlng(p)) for p in h3.get_pentagons(0)]
    edges = []
    for i in range(12):
        for j in range(i + 1, 12):
            d = math.acos(max(-1.0, min(1.0, sum(a * b for a, b in zip(vertices[i], vertices[j])))))
            edges.append((d, i, j))
    edges.sort()
    edges = edges[:30]
    for _, i, j in edges:
        a, b = vertices[i], vertices[j]
        normal = normalize(cross(a, b))
        for t in (0.1, 0.3, 0.5, 0.7, 0.9):
            p = slerp(a, b, t)
            for offset in (0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6):
                q = normalize(tuple(pc + offset * nc for pc, nc in zip(p, normal)))
                lat, lng = latlng(q)
                res = rng.choice(range(16))
                cell_vector(out, lat, lng, res, f"face_edge {offset}")
    assert len(edges) == 30

    # All 12 pentagons at every resolution, points around them, their neighbourhoods.
    for res in range(16):
        for p in h3.get_pentagons(res):
            describe_cell(out, p, disks=(1, 2) if res <= 14 else (1,), note="pentagon")
            plat, plng = h3.cell_to_latlng(p)
            for _ in range(n(4)):
                r = 10 ** rng.uniform(-6, 1)  # degrees
                a = rng.uniform(0, 2 * math.pi)
                cell_vector(out, plat + r * math.cos(a), plng + r * math.sin(a), res, "near_pentagon")
            if res <= 13:
                out.emit({"kind": "children", "cell": p, "res": res + 1, "children": sorted(h3.cell_to_children(p, res + 1))})
            ring = h3.grid_ring(p, 1)
            for q in ring[:2]:
                out.emit({"kind": "neighbors", "a": p, "b": q, "neighbors": True})
                try:
                    out.emit({"kind": "distance", "a": p, "b": q, "distance": h3.grid_distance(p, q)})
                except Exception:
                    pass

    # Every base cell: described, with children.
    for cell in h3.get_res0_cells():
        describe_cell(out, cell, disks=(1, 2), note="base_cell")
        out.emit({"kind": "children", "cell": cell, "res": 1, "children": sorted(h3.cell_to_children(cell, 1))})

    # Exact vertices and edge midpoints of random cells (points exactly on boundaries).
    for _ in range(n(150)):
        res = rng.randint(0, 15)
        lat, lng = random_point()
        cell = h3.latlng_to_cell(lat, lng, res)
        boundary = h3.cell_to_boundary(cell)
        k = rng.randrange(len(boundary))
        vlat, vlng = boundary[k]
        cell_vector(out, vlat, vlng, res, "vertex")
        wlat, wlng = boundary[(k + 1) % len(boundary)]
        mlat, mlng = latlng(normalize(tuple(x + y for x, y in zip(unit(vlat, vlng), unit(wlat, wlng)))))
        cell_vector(out, mlat, mlng, res, "edge_midpoint")

    # Neighbours, distances and edge lengths of nearby cells.
    for _ in range(n(120)):
        res = rng.randint(0, 15)
        lat, lng = random_point()
        a = h3.latlng_to_cell(lat, lng, res)
        k = rng.randint(1, 4)
        b = rng.choice(list(h3.grid_disk(a, k)))
        out.emit({"kind": "neighbors", "a": a, "b": b, "neighbors": h3.are_neighbor_cells(a, b)})
        try:
            out.emit({"kind": "distance", "a": a, "b": b, "distance": h3.grid_distance(a, b)})
        except Exception as e:
            out.emit({"kind": "distance", "a": a, "b": b, "error": type(e).__name__})
        c = rng.choice(h3.grid_ring(a, 1))
        edge = h3.cells_to_directed_edge(a, c)
        out.emit({"kind": "edge", "a": a, "b": c, "km": h3.edge_length(edge, unit="km")})
        lat2, lng2 = random_point()
        out.emit({"kind": "gcd", "a": [lat, lng], "b": [lat2, lng2],
                  "km": h3.great_circle_distance((lat, lng), (lat2, lng2), unit="km")})

    # Invalid indexes. The module's API takes cells as hex strings: given an int, is_valid_cell
    # answers False even for a valid cell (random bits that form one were mislabelled).
    def is_valid(value):
        return h3.is_valid_cell(format(value, "x"))

    valid = h3.latlng_to_cell(40.0, -73.0, 9)
    v = h3.str_to_int(valid)
    pent = h3.str_to_int(h3.get_pentagons(5)[3])
    bad = {
        "mode 0": v & ~(0xF << 59),
        "mode 2 (directed edge)": (v & ~(0xF << 59)) | (2 << 59),
        "high bit": v | (1 << 63),
        "reserved bits": v | (1 << 56),
        "base cell 122": (v & ~(0x7F << 45)) | (122 << 45),
        "base cell 127": (v & ~(0x7F << 45)) | (127 << 45),
        "unused digit not 7": v & ~(7 << 0),
        "digit 7 within resolution": v | (7 << (3 * (15 - 4))),
        "deleted pentagon subsequence": (pent & ~(7 << (3 * (15 - 1)))) | (1 << (3 * (15 - 1))),
        "zero": 0,
        "all ones": 0xFFFFFFFFFFFFFFFF,
    }
    for label, value in bad.items():
        out.emit({"kind": "invalid", "h": format(value, "x"), "valid": is_valid(value), "note": label})
    for _ in range(n(200)):
        value = rng.getrandbits(64)
        out.emit({"kind": "invalid", "h": format(value, "x"), "valid": is_valid(value), "note": "random bits"})
    # Near the poles a vertex's latitude comes out of an arcsine that rounds worse and worse:
    # edges and areas of fine cells there, 0.01° to 3° from a pole (the test's tolerance
    # follows that conditioning; there the reference's own area formula is off too, so the
    # areas are compared with the area of its boundary as well).
    for _ in range(n(40)):
        res = rng.randint(12, 15)
        colatitude = 10 ** rng.uniform(-2, 0.5)
        lat = rng.choice((1, -1)) * (90 - colatitude)
        a = h3.latlng_to_cell(lat, rng.uniform(-180, 180), res)
        describe_cell(out, a, note="near a pole")
        c = rng.choice(h3.grid_ring(a, 1))
        out.emit({"kind": "edge", "a": a, "b": c, "km": h3.edge_length(h3.cells_to_directed_edge(a, c), unit="km")})
    print(f"{out.count} vectors written to {args.out} (seed {args.seed})")


if __name__ == "__main__":
    main()
