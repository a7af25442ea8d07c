#!/usr/bin/env python3
"""The CTAS testbed: CTAS's ingest pipeline written plainly in Python.

Reads a native NDJSON feed and does what `ctas ingest` does to it, stage by stage, the
straightforward way: validate each line by the native format's rules (README "The native
feed format"), extract indicators with refanging (regular expressions over the refanged
text), place events in H3 cells (PyPI `h3`), link events that share a value (union-find,
with the same warninglist and over-correlation limit), find Getis-Ord Gi* hot spots at one
resolution, and store the events in SQLite with a unique id and a time index.

It shares no code with CTAS. Facts come from the repository as data: the warninglist
(SampleData/warninglist.txt, the text CTAS builds in) and the top-level domains (the names
listed in Sources/CTASCore/Indicators/TopLevelDomains.swift, from the Public Suffix List);
the running-text rules (file-like names, code receivers, version words) use the same word
lists, since the answers are to be equal.

`ctas bench testbed FEED` runs it beside `ctas ingest` on the same feed and compares the
answers it writes (`--out`): accepted and rejected lines, indicators per event, events per
cell, correlation components and hot spots, with each stage's seconds.

    .venv/bin/python testbed/ctas_testbed.py FEED --out answers.json [--db testbed.sqlite]
"""
import argparse
import ipaddress
import json
import math
import os
import re
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone

import h3

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINE = 1 << 20

# Field limits (bytes) of the native format.
LIMITS = {"id": 256, "type": 128, "source": 256, "entity": 256, "description": 65_536, "flow": 128}

PRIORITY = {}
for words, level in (("critical crit emergency blocker highest p1 1", "critical"),
                     ("high urgent major important p2 2", "high"),
                     ("medium med normal moderate default average p3 3", "medium"),
                     ("low minor trivial lowest informational info p4 p5 4 5", "low")):
    for w in words.split():
        PRIORITY[w] = level


class Reject(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


# ---------------------------------------------------------------------------------------
# Stage 1: parse and validate

def no_duplicates(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise Reject("duplicate_key:" + k)
        seen.add(k)
    return dict(pairs)


def bad_constant(name):
    raise Reject("invalid_json")


RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$")


def parse_time(text):
    """RFC 3339 to microseconds since the epoch (offset optional: UTC)."""
    m = RFC3339.match(text)
    if not m:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = m.group(7)
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = m.group(8)
    offset = 0
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60
        if int(digits[:2]) > 23 or int(digits[2:]) > 59:
            raise ValueError(text)
        if zone[0] == "-":
            offset = -offset
    if second == 60:
        raise ValueError(text)
    moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    return int(moment.timestamp()) * 1_000_000 + micros - offset * 1_000_000


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate(line):
    """One line to an event dict, or Reject with a reason key."""
    if b"\x00" in line:
        raise Reject("nul_byte")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject("invalid_utf8")
    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.strip(" \t\r")
    if not stripped.startswith("{"):
        raise Reject("invalid_json")
    try:
        obj = json.loads(stripped, object_pairs_hook=no_duplicates, parse_constant=bad_constant)
    except Reject:
        raise
    except RecursionError:
        raise Reject("too_deep")
    except json.JSONDecodeError as e:
        # Cut off: the text ends inside a value (a string left open, or nothing after a key or comma).
        cut = e.pos >= len(stripped) or e.msg.startswith("Unterminated string")
        raise Reject("truncated_json" if cut else "invalid_json")
    if not isinstance(obj, dict):
        raise Reject("invalid_json")
    event = {}
    for name in ("id", "ts", "type"):
        value = obj.get(name)
        if value is None:
            raise Reject("missing_field:" + name)
        if not isinstance(value, str):
            raise Reject("wrong_type:" + name)
        if value == "":
            raise Reject("empty_field:" + name)
    for name, limit in LIMITS.items():
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise Reject("wrong_type:" + name)
            if len(value.encode("utf-8")) > limit:
                raise Reject("too_long:" + name)
    try:
        event["ts"] = parse_time(obj["ts"])
    except (ValueError, OverflowError):
        raise Reject("bad_timestamp:ts")
    event["id"] = obj["id"]
    event["type"] = obj["type"]
    severity = obj.get("severity")
    if severity is not None:
        if not is_number(severity) or (isinstance(severity, float) and not severity.is_integer()):
            raise Reject("wrong_type:severity")
        if not 1 <= severity <= 10:
            raise Reject("out_of_range:severity")
        event["severity"] = int(severity)
    lat, lon = obj.get("lat"), obj.get("lon")
    if (lat is None) != (lon is None):
        raise Reject("missing_field:" + ("lon" if lon is None else "lat"))
    if lat is not None:
        if not is_number(lat):
            raise Reject("wrong_type:lat")
        if not is_number(lon):
            raise Reject("wrong_type:lon")
        if not -90 <= lat <= 90:
            raise Reject("out_of_range:lat")
        if not -180 <= lon <= 180:
            raise Reject("out_of_range:lon")
        event["lat"], event["lon"] = float(lat), float(lon)
    for name in ("indicators", "tags"):
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Reject("wrong_type:" + name)
        if any(v == "" for v in value):
            raise Reject("empty_field:" + name)
        event[name] = value
    for name in ("source", "entity", "description"):
        if obj.get(name) is not None:
            event[name] = obj[name]
    priority = obj.get("priority")
    if priority is not None and not isinstance(priority, (str, int)):
        raise Reject("wrong_type:priority")
    event["priority"] = PRIORITY.get(str(priority).lower()) if priority is not None else None
    return event


def read_feed(path):
    """Accepted events in order, rejected (line, key), duplicates and blank lines."""
    events, rejected, seen = [], [], set()
    duplicates = blank = 0
    with open(path, "rb") as f:
        number = 0
        for raw in f:
            number += 1
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if len(line) > MAX_LINE:
                rejected.append((number, "line_too_long"))
                continue
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line.strip(b" \t"):
                blank += 1
                continue
            try:
                event = validate(line)
            except Reject as r:
                rejected.append((number, r.key))
                continue
            if event["id"] in seen:
                duplicates += 1
                continue
            seen.add(event["id"])
            events.append(event)
    return events, rejected, duplicates, blank


# ---------------------------------------------------------------------------------------
# Stage 2: indicators, with refanging

def load_tlds():
    text = open(os.path.join(REPO, "Sources/CTASCore/Indicators/TopLevelDomains.swift"), encoding="utf-8").read()
    body = text[text.index("["):]
    return set(re.findall(r'"([a-z0-9-]+)"', body))


TLDS = load_tlds()

MARKERS = [("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
           ("[://]", "://"), ("[:]", ":"), ("[/]", "/"), ("[@]", "@"), ("(@)", "@"), ("[at]", "@"), ("(at)", "@"),
           ("\\.", ".")]
MARKER_RE = re.compile("|".join(re.escape(m) for m, _ in MARKERS), re.IGNORECASE)
MARKER_MAP = {m: r for m, r in MARKERS}
SCHEMES = {"hxxp": "http", "hxtp": "http", "htxp": "http", "h__p": "http", "hxxps": "https", "hxtps": "https",
           "htxps": "https", "h__ps": "https", "fxp": "ftp", "fxps": "ftps"}

LABEL = r"(?:[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)"
DOMAIN = rf"(?:{LABEL}\.)+[a-z][a-z0-9-]*[a-z0-9]"
URL_RE = re.compile(r"([a-z0-9+.\-_]*?)([a-z][a-z0-9+.\-_]{1,15})://(\[[0-9a-f:.]+\][^\s\"<>\[\]{}|\\^`]*|[^\s\"<>\[\]{}|\\^`]+)", re.IGNORECASE)  # an IPv6 literal host in brackets
EMAIL_RE = re.compile(rf"(?<![a-z0-9._+-])([a-z0-9][a-z0-9._+-]{{0,63}})@({DOMAIN})(?![a-z0-9-])", re.IGNORECASE)
IPV4_RE = re.compile(r"(?<![0-9a-z_.-])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:/(\d{1,2}))?(?![0-9a-z_-]|\.[0-9a-z_-])", re.IGNORECASE)
IPV6_RE = re.compile(r"(?<![0-9a-z_.:-])((?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4})(?![0-9a-z_:-])", re.IGNORECASE)


# A name starts a word (a `.`, `-` or `_` before it counts when no letter or digit precedes that).
# In running text a name right after `\`, `%` or `$` is a path or a variable, not a host.
def domain_pattern(after):
    return re.compile(rf"(?:(?<![a-z0-9._@/{after}-])|(?<=[^a-z0-9._/{after}@-][._-])|(?<=^[._-]))({DOMAIN})"
                      r"(?:(/[^\s\"<>\[\]{}|\\^`,;()!$'*]*))?(?![a-z0-9_@-]|\.[a-z0-9])", re.IGNORECASE)  # a path, its query and fragment; , ; ( ) ! $ ' * end it


DOMAIN_RE = domain_pattern(r"\\%$")
LISTED_DOMAIN_RE = domain_pattern("")
PATH_SEPARATORS = "\\%$"
HASH_RE = re.compile(r"(?<![a-z0-9])([0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![a-z0-9])", re.IGNORECASE)
CVE_RE = re.compile(r"(?<![a-z0-9])CVE-(\d{4}-\d{4,7})(?![a-z0-9])", re.IGNORECASE)
VERSION_WORDS = {"v", "ver", "version", "versions", "release", "build", "firmware", "fw", "oid", "section",
                 "chapter", "rev", "revision", "patch", "kb", "sp", "vers"}
# Running text: names that read as file names or code rather than hosts (CTAS's documented
# rules: a capital after the first letter; reverse-DNS identifiers; a code receiver such as
# `document.write`; a top-level domain that is also a file extension, with two labels or a
# file-like name).
FILE_EXTENSION_TLDS = set("zip mov py sh rs pl pm so ps md app one pub cab run mk am ac in cat ink ml ai cc bz do cr "
                          "tf sc docs data new pro mo gd gs ws mobi st tk ls ms".split())
FILE_EXTENSIONS = set("exe dll scr pdf doc docx docm xls xlsx xlsm ppt pptx rtf txt js vbs jse hta bat cmd ps1 lnk "
                      "iso img jar apk msi tar gz jpg jpeg png gif htm html php bin dat tmp log cfg ini rar 7z".split())
CODE_RECEIVERS = {"document", "window", "this", "self", "navigator", "console", "process", "math", "json"}
REVERSE_DNS = {"com", "org", "net", "edu", "gov", "mil"}


def looks_like_non_host(name):
    labels = name.split(".")
    if any(c.isupper() for c in name[1:]):
        return True
    first = labels[0].lower()
    if (len(labels) >= 3 and first in REVERSE_DNS) or first in CODE_RECEIVERS:
        return True
    if labels[-1].lower() not in FILE_EXTENSION_TLDS:
        return False
    if len(labels) == 2 or labels[-2].lower() in FILE_EXTENSIONS:
        return True
    return any(x[:1].isdigit() or re.search(r"-\d$", x) or "_" in x for x in labels)


def refang(text):
    """The text with defang markers read back, and where (offsets in the result) a marker stood."""
    out, marks, last = [], [], 0
    length = 0
    for m in MARKER_RE.finditer(text):
        out.append(text[last:m.start()])
        length += m.start() - last
        replacement = MARKER_MAP[m.group(0).lower()]
        marks.append(length)
        out.append(replacement)
        length += len(replacement)
        last = m.end()
    out.append(text[last:])
    text = "".join(out)
    text = re.sub(r"\b(hxxps?|hxtps?|htxps?|h__ps?|fxps?)(?=://)", lambda m: SCHEMES[m.group(1).lower()], text,
                  flags=re.IGNORECASE)
    return text, marks


def valid_domain(name):
    labels = name.lower().split(".")
    return len(labels) >= 2 and labels[-1] in TLDS and len(name) <= 253 and all(0 < len(x) <= 63 for x in labels)


def ipv4(text):
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        return None
    if any(len(p) > 1 and p[0] == "0" for p in parts) or any(int(p) > 255 for p in parts):
        return None
    return ".".join(str(int(p)) for p in parts)


def scan(text, listed):
    """Indicators in `text` as (kind, value) in the order found."""
    found = []
    text, marks = refang(text)

    def defanged(start, end):
        # Written defanged on purpose: an indicator, whatever it looks like.
        return any(start <= k < end for k in marks)

    taken = []  # spans already read as part of a URL or e-mail address

    def free(start, end):
        return all(end <= a or start >= b for a, b in taken)

    for m in URL_RE.finditer(text):
        scheme, rest = m.group(2).lower(), m.group(3)
        rest = rest.rstrip(".,;:!?'*+")
        while rest.endswith(")") and rest.count("(") < rest.count(")"):
            rest = rest[:-1].rstrip(".,;:!?'*+")
        end = m.start(3) + len(rest)
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        userinfo, _, hostport = authority.rpartition("@")
        host, _, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
        if port and (not port.isdigit() or len(port) > 5 or int(port) > 65535):
            continue
        kind, value = None, None
        if hostport.startswith("["):
            inner = hostport[1:hostport.find("]")]
            try:
                kind, value = "ipv6", ipaddress.IPv6Address(inner).compressed
            except ValueError:
                continue
            host = hostport[:hostport.find("]") + 1]
        elif ipv4(host):
            kind, value = "ipv4", ipv4(host)
        elif valid_domain(host):
            kind, value = "domain", host.lower()
        if kind is None:
            continue
        taken.append((m.start(2), end))
        tail = rest[len(userinfo) + (1 if userinfo else 0) + len(host):]
        url = scheme + "://" + (userinfo + "@" if userinfo else "") + (f"[{value}]" if kind == "ipv6" else value) + tail
        found.append(("url", url))
        found.append((kind, value))
    for m in EMAIL_RE.finditer(text):
        if free(m.start(), m.end()) and valid_domain(m.group(2)):
            taken.append((m.start(), m.end()))
            found.append(("email", m.group(0).lower()))
    for m in HASH_RE.finditer(text):
        if free(m.start(), m.end()):
            kind = {32: "md5", 40: "sha1", 64: "sha256"}[len(m.group(1))]
            found.append((kind, m.group(1).lower()))
    for m in CVE_RE.finditer(text):
        found.append(("cve", "CVE-" + m.group(1)))
    for m in IPV4_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        value = ipv4(m.group(1))
        if value is None:
            continue
        network = m.group(2) is not None and int(m.group(2)) <= 32  # a.b.c.d/nn is a network, never a version
        if not listed and not network and not defanged(m.start(), m.end()):
            octets = [int(x) for x in value.split(".")]
            if value in ("0.0.0.0", "255.255.255.255") or (octets[2] == 0 and octets[3] == 0):
                continue
            if all(o < 10 for o in octets) and 0 in octets:
                continue
            before = text[:m.start()].rstrip(" \t")
            word = re.search(r"([A-Za-z]{1,12})$", before)
            if (word and word.group(1).lower() in VERSION_WORDS) or before.endswith("§"):
                continue
        if m.group(2) is not None and int(m.group(2)) <= 32:
            value += "/" + str(int(m.group(2)))
        found.append(("ipv4", value))
        taken.append((m.start(), m.end()))
    for m in IPV6_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        candidate = m.group(1)
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if not listed and not defanged(m.start(), m.end()) and "::" not in candidate and not re.search(r"[0-9a-f]{3}", candidate, re.IGNORECASE):
            continue
        if not listed and not defanged(m.start(), m.end()) and "::" in candidate and int(address) == 0:
            continue
        found.append(("ipv6", address.compressed))
        taken.append((m.start(), m.end()))
    for m in (LISTED_DOMAIN_RE if listed else DOMAIN_RE).finditer(text):
        if not free(m.start(1), m.end(1)):
            continue
        name, path = m.group(1), m.group(2) or ""
        while path and not path[-1].isalnum():
            path = path[:-1]
        if not valid_domain(name):
            continue
        if not listed and not defanged(m.start(1), m.end(1)) and (
                looks_like_non_host(name) or (m.start(1) > 0 and text[m.start(1) - 1] in PATH_SEPARATORS)):
            continue
        if len(path) > 1:
            found.append(("url", "http://" + name.lower() + path))  # written without a scheme: the http URL
        found.append(("domain", name.lower()))
    return found


def indicators_of(event):
    out = []
    for value in event.get("indicators", ()):
        found = scan(value, listed=True)
        if not found:
            trimmed = value.strip(" \t\r\n")
            if trimmed and len(trimmed.encode("utf-8")) <= 4096:
                found = [("other", trimmed)]
        for f in found:
            if f not in out:
                out.append(f)
    if event.get("description"):
        for f in scan(event["description"], listed=False):
            if f not in out:
                out.append(f)
    return out


# ---------------------------------------------------------------------------------------
# Stage 4: correlation (the warninglist and the over-correlation limit)

class Warninglist:
    def __init__(self, path):
        self.exact, self.networks, self.suffixes, self.patterns = set(), [], [], []
        for raw in open(path, encoding="utf-8"):
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("["):
                continue
            entry = line.lower()
            if "/" in entry:
                try:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            if entry.startswith("*.") and "*" not in entry[2:]:
                self.suffixes.append(entry[2:])
            elif "*" in entry:
                self.patterns.append(re.compile("^" + ".*".join(re.escape(p) for p in entry.split("*")) + "$"))
            else:
                try:
                    self.exact.add(ipaddress.ip_address(entry).compressed)
                except ValueError:
                    self.exact.add(entry)

    def host_of(self, kind, value):
        if kind == "url":
            rest = value.split("://", 1)[-1]
            host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
            if host.startswith("["):
                return host[1:host.find("]")]
            return host.split(":")[0]
        if kind == "email":
            return value.rpartition("@")[2]
        return value

    def listed(self, kind, value):
        value = value.lower()
        if value in self.exact or any(p.match(value) for p in self.patterns):
            return True
        host = self.host_of(kind, value)
        if host in self.exact:
            return True
        try:
            address = ipaddress.ip_address(host.split("/")[0])
            return any(address in n for n in self.networks)
        except ValueError:
            pass
        return any(host == s or host.endswith("." + s) for s in self.suffixes)


def components(events, indicators, warninglist, threshold):
    """Groups of two or more events linked through shared values (union-find)."""
    holders = defaultdict(list)
    for i, found in enumerate(indicators):
        for f in found:
            holders[f].append(i)
    parent = list(range(len(events)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    linking = 0
    for value, members in holders.items():
        if len(members) < 2 or len(members) > threshold or warninglist.listed(*value):
            continue
        linking += 1
        first = root(members[0])
        for j in members[1:]:
            r = root(j)
            if r != first:
                parent[r] = first
    groups = defaultdict(list)
    for i in range(len(events)):
        groups[root(i)].append(events[i]["id"])
    return sorted((sorted(g) for g in groups.values() if len(g) >= 2), key=lambda g: (-len(g), g[0])), linking


# ---------------------------------------------------------------------------------------
# Stage 5: Getis-Ord Gi* hot spots over the whole world at one resolution

def hotspots(counts, resolution, k, fdr):
    """Significant hot cells (z > 0, Benjamini-Hochberg at `fdr` over every cell of the world)."""
    n = h3.get_num_cells(resolution)
    total = float(sum(counts.values()))
    squares = float(sum(v * v for v in counts.values()))
    mean = total / n
    s = math.sqrt(max(0.0, squares / n - mean * mean))
    if s == 0:
        return []
    candidates = set()
    for c in counts:
        candidates.update(h3.grid_disk(c, k))
    scores = []
    for c in candidates:
        disk = h3.grid_disk(c, k)
        w = len(disk)
        neighbourhood = sum(counts.get(d, 0) for d in disk)
        z = (neighbourhood - mean * w) / (s * math.sqrt((n * w - w * w) / (n - 1)))
        scores.append((math.erfc(abs(z) / math.sqrt(2)), z, c))
    scores.sort()
    threshold = -1.0
    for rank, (p, _, _) in enumerate(scores, start=1):
        if p <= rank * fdr / n:
            threshold = p
    return sorted(({"cell": c, "z": z, "p": p} for p, z, c in scores if p <= threshold and z > 0), key=lambda h: -h["z"])


# ---------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("feed")
    parser.add_argument("--out", required=True, help="answers and timings (JSON)")
    parser.add_argument("--db", help="SQLite file to store events in (default: beside --out)")
    parser.add_argument("--resolution", type=int, default=5, help="H3 resolution of cells and hot spots")
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--fdr", type=float, default=0.05)
    parser.add_argument("--threshold", type=int, default=20, help="over-correlation limit (events per value)")
    parser.add_argument("--warninglist", default=os.path.join(REPO, "SampleData/warninglist.txt"))
    args = parser.parse_args()
    timings = {}
    started = time.perf_counter()

    t = time.perf_counter()
    events, rejected, duplicates, blank = read_feed(args.feed)
    timings["parse"] = time.perf_counter() - t

    t = time.perf_counter()
    indicators = [indicators_of(e) for e in events]
    timings["extract"] = time.perf_counter() - t

    t = time.perf_counter()
    counts = defaultdict(int)
    for e in events:
        if "lat" in e:
            # CTAS's cell of an event at any resolution: the parent of its resolution-15 cell
            # (H3's cells are not nested exactly, so near an edge this can differ from the
            # resolution's own cell of the point).
            counts[h3.cell_to_parent(h3.latlng_to_cell(e["lat"], e["lon"], 15), args.resolution)] += 1
    timings["cells"] = time.perf_counter() - t

    t = time.perf_counter()
    groups, linking = components(events, indicators, Warninglist(args.warninglist), args.threshold)
    timings["correlate"] = time.perf_counter() - t

    t = time.perf_counter()
    hot = hotspots(counts, args.resolution, args.k, args.fdr)
    timings["hotspots"] = time.perf_counter() - t

    t = time.perf_counter()
    db_path = args.db or args.out + ".sqlite"
    if os.path.exists(db_path):
        os.remove(db_path)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, type TEXT, "
               "severity INTEGER, lat REAL, lon REAL, source TEXT, entity TEXT, description TEXT, indicators TEXT)")
    db.execute("CREATE INDEX events_ts ON events(ts)")
    with db:
        db.executemany("INSERT OR IGNORE INTO events(id, ts, type, severity, lat, lon, source, entity, description, indicators) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((e["id"], e["ts"], e["type"], e.get("severity"), e.get("lat"), e.get("lon"), e.get("source"),
                         e.get("entity"), e.get("description"), json.dumps([v for _, v in found]))
                        for e, found in zip(events, indicators)))
    db.close()
    timings["store"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started

    answers = {
        "events": len(events), "rejected": [[n, key] for n, key in rejected], "duplicates": duplicates, "blank": blank,
        "accepted": [e["id"] for e in events],
        "indicators": {e["id"]: [[k, v] for k, v in found] for e, found in zip(events, indicators) if found},
        "resolution": args.resolution, "cells": counts, "components": groups, "linkingValues": linking,
        "hotspots": hot, "seconds": timings,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(answers, f)
    print(json.dumps({"events": len(events), "rejected": len(rejected), "seconds": round(timings["total"], 3)}), file=sys.stderr)


if __name__ == "__main__":
    main()
