#!/usr/bin/env python3
"""Independent answers for CTAS's intelligence import.

  misp FILE...   per file, the indicators of its supported attributes (composite halves
                 included), read with PyMISP: {"file": [["kind", "value"], ...]}
  stix FILE...   per file, the exact values its indicators' patterns name on addresses,
                 domains, URLs, e-mail addresses and file hashes, read with PyPI stix2 and
                 stix2-patterns: {"file": {"values": [[kind, value]...], "indicators": n}}
  decay BASE TAU DELTA SECONDS...   MISP's polynomial decay: base * (1 - (t/tau)^(1/delta))
  load-misp FILE...  loads each MISP event file with PyMISP; prints its attribute count
  load-stix FILE     parses the bundle with PyPI stix2; prints its object count by type
  md5 VALUE...       hashlib's MD5 of each value
  sco-ids FILE       derives every observable's id again with stix2; prints the count and mismatches
"""
import ipaddress
import json
import sys
from urllib.parse import urlsplit, urlunsplit

IP = ["ipv4", "ipv6"]
SUPPORTED = {
    "ip-src": [IP], "ip-dst": [IP], "ip-src|port": [IP, None], "ip-dst|port": [IP, None],
    "domain": [["domain"]], "hostname": [["domain"]], "domain|ip": [["domain"], IP], "hostname|port": [["domain"], None],
    "url": [["url"]], "email": [["email"]], "email-src": [["email"]], "email-dst": [["email"]], "email-reply-to": [["email"]],
    "md5": [["md5"]], "sha1": [["sha1"]], "sha256": [["sha256"]],
    "filename|md5": [None, ["md5"]], "filename|sha1": [None, ["sha1"]], "filename|sha256": [None, ["sha256"]],
    "vulnerability": [["cve"]],
}


def canonical(kinds, value):
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise ValueError("not one value")
    if "ipv4" in kinds or "ipv6" in kinds:
        address = ipaddress.ip_address(value)
        return ("ipv4" if address.version == 4 else "ipv6", str(address))
    kind = kinds[0]
    if kind in ("domain", "email", "md5", "sha1", "sha256"):
        return (kind, value.lower().rstrip(".") if kind == "domain" else value.lower())
    if kind == "cve":
        return (kind, value.upper())
    if kind == "url":
        parts = urlsplit(value)
        return (kind, urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)))
    raise ValueError(kind)


def misp(files):
    from pymisp import MISPEvent
    out = {}
    for path in files:
        event = MISPEvent()
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if "response" in data:
            data = data["response"][0]
        event.from_dict(**data)
        attributes = list(event.attributes)
        for obj in event.objects:
            attributes += list(obj.attributes)
        values = set()
        for attribute in attributes:
            halves = SUPPORTED.get(attribute.type)
            if halves is None:
                continue
            parts = [attribute.value] if len(halves) == 1 else attribute.value.split("|", 1)
            for part, kinds in zip(parts, halves):
                if kinds is None:
                    continue
                try:
                    values.add(canonical(kinds, part))
                except ValueError:
                    pass
        out[path] = sorted(values)
    return out


PATHS = {
    ("ipv4-addr", ("value",)): ["ipv4"], ("ipv6-addr", ("value",)): ["ipv6"], ("domain-name", ("value",)): ["domain"],
    ("url", ("value",)): ["url"], ("email-addr", ("value",)): ["email"],
    ("file", ("hashes", "MD5")): ["md5"], ("file", ("hashes", "SHA-1")): ["sha1"], ("file", ("hashes", "SHA-256")): ["sha256"],
}


def stix(files):
    import stix2
    from stix2patterns.pattern import Pattern
    out = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            bundle = stix2.parse(f.read(), allow_custom=True)
        values, indicators = set(), 0
        for obj in getattr(bundle, "objects", []):
            if obj.type != "indicator":
                continue
            indicators += 1
            comparisons = Pattern(obj.pattern).inspect().comparisons
            for object_type, entries in comparisons.items():
                for path_parts, op, value in entries:
                    key = (object_type, tuple(path_parts))
                    if key not in PATHS or op != "=":
                        continue
                    try:
                        values.add(canonical(PATHS[key], value.strip("'")))
                    except ValueError:
                        pass
        out[path] = {"values": sorted(values), "indicators": indicators}
    return out


def decay(base, tau, delta, seconds):
    scores = []
    for s in seconds:
        t = max(0.0, s) / 86400.0
        scores.append(0.0 if t >= tau else max(0.0, base * (1 - (t / tau) ** (1 / delta))))
    return scores


def main():
    mode = sys.argv[1]
    if mode == "misp":
        print(json.dumps(misp(sys.argv[2:])))
    elif mode == "stix":
        print(json.dumps(stix(sys.argv[2:])))
    elif mode == "decay":
        base, tau, delta = map(float, sys.argv[2:5])
        print(json.dumps(decay(base, tau, delta, [float(x) for x in sys.argv[5:]])))
    elif mode == "load-misp":
        from pymisp import MISPEvent
        counts = {}
        for path in sys.argv[2:]:
            event = MISPEvent()
            event.load_file(path)
            counts[path] = len(event.attributes)
        print(json.dumps(counts))
    elif mode == "load-stix":
        import stix2
        with open(sys.argv[2], encoding="utf-8") as f:
            bundle = stix2.parse(f.read(), allow_custom=False)
        types = {}
        for obj in bundle.objects:
            types[obj.type] = types.get(obj.type, 0) + 1
        print(json.dumps(types))
    elif mode == "sco-ids":
        import stix2
        with open(sys.argv[2], encoding="utf-8") as f:
            bundle = stix2.parse(f.read(), allow_custom=False)
        checked, mismatched = 0, []
        for obj in bundle.objects:
            if obj.type not in ("ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file"):
                continue
            properties = {k: v for k, v in obj.items() if k not in ("id", "type", "spec_version")}
            again = type(obj)(**properties)
            checked += 1
            if again.id != obj.id:
                mismatched.append([obj.id, again.id])
        print(json.dumps({"checked": checked, "mismatched": mismatched}))
    elif mode == "md5":
        import hashlib
        print(json.dumps([hashlib.md5(v.encode()).hexdigest() for v in sys.argv[2:]]))
    else:
        raise SystemExit("mode: misp, stix, decay, load-misp, load-stix, sco-ids or md5")


if __name__ == "__main__":
    main()
