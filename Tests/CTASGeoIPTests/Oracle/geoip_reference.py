#!/usr/bin/env python3
"""Reference answers for CTAS's MaxMind DB reader, from PyPI maxminddb (the C extension).

Modes:
  locate   --db A [--db B] --seed N --count N --out FILE
           random IPv4 and IPv6 addresses (IPv6 mostly inside 2000::/3, where data is) and,
           per address, what GeoLocator must answer, one tab-separated line each:
           ip, found, country, city (hex of UTF-8), lat, lon (hex of the IEEE double),
           accuracyKm, asn, org (hex), network. Empty cells are absent values.
  records  --db A --out FILE [--source JSON]
           every network of the database with its whole record in a canonical text form
           (maps sorted by key bytes, strings and bytes in hex, numbers as integers or the
           IEEE double's bits); with --source, the first address of every network of the
           MaxMind source-data file too, with the reference reader's record there — after
           checking that record equals the source file's (numbers to 1e-6; JSON cannot say
           double from integer), exiting 2 when one does not.
"""
import argparse
import ipaddress
import json
import random
import struct
import sys

import maxminddb


PROBES = ["1.1.1.1", "1.1.1.3", "1.1.1.32", "2.2.3.1", "81.2.69.160", "89.160.20.112", "0.0.0.0", "255.255.255.255",
          "::", "::1.1.1.1", "::1:ffff:ffff", "::2:0:59", "2001:218::1", "2001:480:1::1", "2a02:cf40::1", "ffff::1"]


def hexs(s):
    return "" if s is None else s.encode("utf-8").hex()


def dbl(v):
    return "" if v is None else struct.pack(">d", float(v)).hex()


def canon(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "d" + struct.pack(">d", v).hex()
    if isinstance(v, str):
        return "s" + v.encode("utf-8").hex()
    if isinstance(v, (bytes, bytearray)):
        return "b" + bytes(v).hex()
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=lambda k: k.encode("utf-8"))
        return "{" + ",".join("s" + k.encode("utf-8").hex() + ":" + canon(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


def loosely_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(loosely_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(loosely_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (bytes, bytearray)) and isinstance(b, str):
        return bytes(a).hex() == b.lower().removeprefix("0x") or bytes(a) == b.encode()
    return a == b


def get(d, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def random_address(rng):
    kind = rng.random()
    if kind < 0.55:
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    if kind < 0.97:
        high = 0x2000 | rng.getrandbits(13)      # 2000::/3
        return str(ipaddress.IPv6Address((high << 112) | rng.getrandbits(112)))
    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def locate(readers, ip):
    """What GeoLocator answers: each field from the first database that has it."""
    found = False
    country = city = lat = lon = acc = asn = org = network = None
    for index, reader in enumerate(readers):
        record, prefix = reader.get_with_prefix_len(ip)
        if index == 0:
            network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
        if record is None:
            continue
        found = True
        if country is None:
            country = get(record, "country", "iso_code")
        if country is None:
            country = get(record, "registered_country", "iso_code")
        if city is None:
            city = get(record, "city", "names", "en")
        if lat is None:
            la, lo = get(record, "location", "latitude"), get(record, "location", "longitude")
            if la is not None and lo is not None:
                lat, lon = la, lo
                a = get(record, "location", "accuracy_radius")
                if a is not None and 0 <= a < 100000:
                    acc = int(a)
        if asn is None:
            n = get(record, "autonomous_system_number")
            if n is not None and 0 <= n <= 0xFFFFFFFF:
                asn = int(n)
        if org is None:
            org = get(record, "autonomous_system_organization")
    cells = [ip, "1" if found else "0", country or "", hexs(city), dbl(lat), dbl(lon),
             "" if acc is None else str(acc), "" if asn is None else str(asn), hexs(org), network or ""]
    return "\t".join(cells)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["locate", "records"])
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--source")
    args = parser.parse_args()
    readers = [maxminddb.open_database(p, maxminddb.MODE_MMAP_EXT) for p in args.db]
    with open(args.out, "w", encoding="utf-8") as out:
        if args.mode == "locate":
            rng = random.Random(args.seed)
            for _ in range(args.count):
                out.write(locate(readers, random_address(rng)) + "\n")
        else:
            reader = readers[0]
            try:
                for network, record in reader:
                    first = str(network.network_address)
                    out.write(f"tree\t{first}\t{network.prefixlen}\t{canon(record)}\n")
            except ValueError as error:
                # The reference's own iteration fails on a tree without an IPv4 subtree
                # (a negative prefix); the probes below still compare it.
                print(f"iteration stopped: {error}", file=sys.stderr)
            for probe in PROBES:
                if reader.metadata().ip_version == 4 and ":" in probe:
                    continue
                record, prefix = reader.get_with_prefix_len(probe)
                out.write(f"probe\t{probe}\t{prefix}\t{'-' if record is None else canon(record)}\n")
            if args.source:
                with open(args.source, encoding="utf-8") as f:
                    entries = json.load(f)
                differ = 0
                networks = [ipaddress.ip_network(c, strict=False) for e in entries for c in e]
                for entry in entries:
                    for cidr, expected in entry.items():
                        net = ipaddress.ip_network(cidr, strict=False)
                        # Overlapping networks in the source: which record the first address
                        # ends up with depends on the writer's insertion order; skip them.
                        if sum(1 for n in networks if n.version == net.version and n.overlaps(net)) > 1:
                            continue
                        first = str(net.network_address)
                        if reader.metadata().ip_version == 4 and net.version == 6:
                            continue
                        record = reader.get(first)
                        if record is None or not loosely_equal(record, expected):
                            differ += 1
                            print(f"{cidr}: the reference reader's record differs from the source data", file=sys.stderr)
                            continue
                        out.write(f"source\t{first}\t{net.prefixlen}\t{canon(record)}\n")
                if differ:
                    return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
