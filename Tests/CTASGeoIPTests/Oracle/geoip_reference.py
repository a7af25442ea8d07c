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
           IEEE double's bits); with --source, the networks of the MaxMind source-data file
           too, expected as that file writes them.
"""
import argparse
import ipaddress
import json
import random
import struct
import sys

import maxminddb


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
            for network, record in reader:
                first = str(network.network_address)
                out.write(f"tree\t{first}\t{network.prefixlen}\t{canon(record)}\n")
            if args.source:
                with open(args.source, encoding="utf-8") as f:
                    entries = json.load(f)
                for entry in entries:
                    for cidr, record in entry.items():
                        net = ipaddress.ip_network(cidr, strict=False)
                        out.write(f"source\t{net.network_address}\t{net.prefixlen}\t{canon(record)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
