#!/usr/bin/env python3
"""Small databases for the reader's edge cases, written with PyPI mmdb-writer (an
independent writer): an IPv4-only tree, an IPv6 tree with IPv4 inside, every type the
writer emits (float32, int32, uint16/32/64/128, bytes, booleans, nested maps and arrays,
long and non-ASCII strings), /1, /32 and /128 networks, overlapping inserts, and an ASN
database to merge with a city one.

    write_edge_databases.py OUTDIR      # writes the .mmdb files there
"""
import os
import sys

import netaddr
from mmdb_writer import MMDBWriter, MmdbF32, MmdbI32, MmdbU16, MmdbU32, MmdbU64, MmdbU128


def city(country, name, lat, lon, radius):
    return {"country": {"iso_code": country}, "city": {"names": {"en": name}},
            "location": {"latitude": lat, "longitude": lon, "accuracy_radius": MmdbU16(radius)}}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    v4 = MMDBWriter(ip_version=4, database_type="Edge-IPv4", languages=["en"], description={"en": "IPv4 only"})
    v4.insert_network(netaddr.IPSet(["1.0.0.0/8"]), city("AU", "Brisbane", -27.4679, 153.0281, 50))
    v4.insert_network(netaddr.IPSet(["1.2.3.4/32"]), city("AU", "One Host", -33.86, 151.21, 1))
    v4.insert_network(netaddr.IPSet(["255.255.255.255/32"]), {"edge": "last address"})
    v4.insert_network(netaddr.IPSet(["0.0.0.0/32"]), {"edge": "first address"})
    v4.to_db_file(os.path.join(out, "edge-ipv4.mmdb"))

    types = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Edge-Types", languages=["en", "de"],
                       description={"en": "every type", "de": "jeder Typ"})
    types.insert_network(netaddr.IPSet(["2001:db8::/32", "10.0.0.0/8"]), {
        "f32": MmdbF32(1.25), "f64": -0.1, "i32": MmdbI32(-2147483648), "u16": MmdbU16(65535), "u32": MmdbU32(4294967295),
        "u64": MmdbU64(18446744073709551615), "u128": MmdbU128(340282366920938463463374607431768211455),
        "bytes": b"\x00\xff\x10", "yes": True, "no": False, "empty_map": {}, "empty_list": [],
        "nested": {"a": [1, [2, [3, {"b": "deep"}]]]}, "unicode": "Zürich 東京 🌍", "long": "x" * 70000,
        "latin": "ab\u00e9c",
    })
    types.insert_network(netaddr.IPSet(["8000::/1"]), {"edge": "half of everything"})
    types.insert_network(netaddr.IPSet(["2001:db8::1/128"]), city("DE", "Host", 50.1, 8.6, 5))
    types.to_db_file(os.path.join(out, "edge-types.mmdb"))

    cities = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Edge-City", languages=["en"], description={"en": "city"})
    cities.insert_network(netaddr.IPSet(["8.8.8.0/24"]), city("US", "Mountain View", 37.386, -122.0838, 1000))
    cities.insert_network(netaddr.IPSet(["2a00:1450::/32"]), city("IE", "Dublin", 53.3331, -6.2489, 100))
    cities.to_db_file(os.path.join(out, "edge-city.mmdb"))

    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Edge-ASN", languages=["en"], description={"en": "asn"})
    asn.insert_network(netaddr.IPSet(["8.8.0.0/16", "2a00:1450::/29"]),
                       {"autonomous_system_number": MmdbU32(15169), "autonomous_system_organization": "Google LLC"})
    asn.insert_network(netaddr.IPSet(["9.9.9.0/24"]), {"autonomous_system_number": MmdbU32(19281), "autonomous_system_organization": "Quad9"})
    asn.to_db_file(os.path.join(out, "edge-asn.mmdb"))


if __name__ == "__main__":
    main()
