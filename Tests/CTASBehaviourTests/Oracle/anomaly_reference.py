"""Reference answers for CTAS's anomaly statistics, computed independently with NumPy and SciPy.

  tquantile IN OUT   IN: JSON [[df, upper], ...]; OUT: JSON [t, ...] with P(T > t) = upper
                     (scipy.stats.t.isf).
  esd IN OUT         IN: JSON {"alpha", "fraction", "floor", "series": [{"first_hour", "counts"}]};
                     OUT: JSON [{"period", "residuals", "expected", "outliers": [[index, z, critical]]}]
                     The seasonal hybrid ESD as CTAS documents it: Anscombe transform
                     2*sqrt(x + 3/8), the median of each phase (hour of week with >= 504 hours,
                     else hour of day; phase 0 at 1970-01-01T00Z), residual = value - phase
                     median, then Rosner's generalized ESD (1983) with the median and the MAD
                     (x 1.4826, never below the floor) recomputed after each removal. Written
                     from the papers, not from CTAS's Swift.
"""
import json
import sys

import numpy as np
from scipy import stats

MAD_TO_SIGMA = 1.482602218505602


def tquantile(pairs):
    return [float(stats.t.isf(upper, df)) for df, upper in pairs]


def decompose(first_hour, counts):
    x = np.asarray(counts, dtype=float)
    n = len(x)
    if n < 72:
        return None
    period = 168 if n >= 504 else 24
    y = 2.0 * np.sqrt(np.maximum(x, 0) + 0.375)
    phases = (first_hour + np.arange(n)) % period
    medians = np.zeros(period)
    for p in range(period):
        sel = y[phases == p]
        medians[p] = np.median(sel) if len(sel) else 0.0
    seasonal = medians[phases]
    expected = np.maximum(0.0, seasonal * seasonal / 4.0 - 0.375)
    return period, y - seasonal, expected


def rosner_lambda(n, i, alpha):
    p = alpha / (2.0 * (n - i + 1))
    t = stats.t.isf(p, n - i - 1)
    return (n - i) * t / np.sqrt((n - i - 1 + t * t) * (n - i + 1))


def hybrid_esd(values, alpha, fraction, floor):
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 4:
        return []
    r = max(1, min(n - 3, int(np.floor(n * fraction))))
    alive = np.ones(n, dtype=bool)
    removed = []
    accepted = 0
    for i in range(1, r + 1):
        rest = x[alive]
        med = np.median(rest)
        scale = max(np.median(np.abs(rest - med)) * MAD_TO_SIGMA, floor)
        idx = np.nonzero(alive)[0]
        low_gap = med - rest.min()
        high_gap = rest.max() - med
        if high_gap >= low_gap:
            j = idx[rest == rest.max()].max()      # of equal highs, the latest
            stat = high_gap / scale
        else:
            j = idx[rest == rest.min()].min()      # of equal lows, the earliest
            stat = low_gap / scale
        removed.append(int(j))
        alive[j] = False
        if stat > rosner_lambda(n, i, alpha):
            accepted = i
    if accepted == 0:
        return []
    outliers = removed[:accepted]
    keep = np.ones(n, dtype=bool)
    keep[outliers] = False
    center = np.median(x[keep])
    spread = max(np.median(np.abs(x[keep] - center)) * MAD_TO_SIGMA, floor)
    critical = rosner_lambda(n, accepted, alpha)
    return [[j, float((x[j] - center) / spread), float(critical)] for j in outliers]


def main():
    command, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src) as f:
        data = json.load(f)
    if command == "tquantile":
        out = tquantile(data)
    elif command == "esd":
        out = []
        for s in data["series"]:
            d = decompose(s["first_hour"], s["counts"])
            if d is None:
                out.append(None)
                continue
            period, residuals, expected = d
            out.append({"period": period, "residuals": residuals.tolist(), "expected": expected.tolist(),
                        "outliers": hybrid_esd(residuals, data["alpha"], data["fraction"], data["floor"])})
    else:
        sys.exit(f"unknown command {command}")
    with open(dst, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
