#!/usr/bin/env python3
"""Counts the records of telemetry files independently of CTAS (the test's oracle).

Suricata EVE as a JSON array: its elements; EVE or Zeek NDJSON: non-blank lines; Zeek TSV:
non-blank lines not starting with '#'. gzip is read with Python's gzip module. Prints one
JSON object: path -> {"records": N, "format": ...}.
"""
import gzip
import json
import sys


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read()


def count(path):
    text = read(path)
    stripped = text.lstrip()
    if stripped.startswith("["):
        return {"records": len(json.loads(text)), "format": "json-array"}
    lines = [line for line in text.split("\n") if line.strip()]
    if stripped.startswith("#"):
        return {"records": sum(1 for line in lines if not line.startswith("#")), "format": "zeek-tsv"}
    for line in lines:
        json.loads(line)  # every line must be JSON
    return {"records": len(lines), "format": "ndjson"}


print(json.dumps({path: count(path) for path in sys.argv[1:]}))
