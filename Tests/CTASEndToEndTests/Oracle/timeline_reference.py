"""Reference timeline for `ctas timeline`: events of native NDJSON feeds counted per bucket
of event time and severity band, written independently of CTAS (plain Python, integer
microseconds from the Unix epoch, buckets aligned to the epoch).

usage: timeline_reference.py BUCKET_SECONDS SINCE_MICROS|- UNTIL_MICROS|- FEED...
Prints JSON: {"events": N, "buckets": {start_micros: [critical, high, medium, low, unrated]}}
with every bucket from the first holding events to the last (empty ones too).
"""
import json
import re
import sys

STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$")


def days_from_civil(y, m, d):
    # Howard Hinnant's days-from-civil, for proleptic Gregorian dates of any year.
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def micros(text):
    m = STAMP.match(text)
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    fraction = (m.group(7) or "")[:6].ljust(6, "0")
    total = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s
    zone = m.group(8)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        total -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return total * 1_000_000 + int(fraction)


def band(severity):
    if severity is None:
        return 4
    if severity >= 9:
        return 0
    if severity >= 7:
        return 1
    if severity >= 4:
        return 2
    return 3


def main():
    width = int(sys.argv[1]) * 1_000_000
    since = None if sys.argv[2] == "-" else int(sys.argv[2])
    until = None if sys.argv[3] == "-" else int(sys.argv[3])
    counts = {}
    total = 0
    for path in sys.argv[4:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                event = json.loads(line)
                t = micros(event["ts"])
                if since is not None and t < since:
                    continue
                if until is not None and t >= until:
                    continue
                key = t // width  # floor division, also before 1970
                counts.setdefault(key, [0, 0, 0, 0, 0])[band(event.get("severity"))] += 1
                total += 1
    out = {}
    if counts:
        for key in range(min(counts), max(counts) + 1):
            out[str(key * width)] = counts.get(key, [0, 0, 0, 0, 0])
    json.dump({"events": total, "buckets": out}, sys.stdout)


main()
