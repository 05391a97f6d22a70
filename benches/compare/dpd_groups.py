#!/usr/bin/env python3
"""`fairmatch.metrics.demographic_parity_difference` on 1M numpy rows with and without
`n_groups`, against numpy's `bincount` formulation (benches/compare/metrics_compare.py), in one
run: every round times the three on the same arrays, the order rotating, each the median of 9
calls; the median of the per-round ratios is reported with the load average.

Usage, in a venv with a *release* build of the extension (see python_binding.py):
    RAYON_NUM_THREADS=1 python benches/compare/dpd_groups.py [ROUNDS]    # default 15
"""
import os
import statistics
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import fairmatch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_binding import check_release  # noqa: E402

K = 4


def np_dpd(g, yt, yp, w):
    c = np.bincount(g.astype(np.int64) * 4 + yt.astype(np.int64) * 2 + yp, weights=w, minlength=4 * K).reshape(K, 4)
    sr = (c[:, 1] + c[:, 3]) / c.sum(1)
    return sr.max() - sr.min()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    path = check_release()
    n = 1_000_000
    rng = np.random.default_rng(2026)  # the arrays of metrics_compare.py / python_binding.py
    g = rng.integers(0, K, n).astype(np.uint32)
    base = np.array([0.3, 0.45, 0.5, 0.6])
    yt = (rng.random(n) < base[g]).astype(np.uint8)
    yp = np.where(rng.random(n) < 0.8, yt, 1 - yt).astype(np.uint8)
    dpd = fairmatch.metrics.demographic_parity_difference
    sides = {
        "fairmatch, n_groups inferred": lambda: dpd(yt, yp, sensitive_features=g),
        "fairmatch, n_groups=4": lambda: dpd(yt, yp, sensitive_features=g, n_groups=K),
        "numpy bincount": lambda: np_dpd(g, yt, yp, None),
    }
    vals = [f() for f in sides.values()]
    assert all(abs(v - vals[0]) <= 1e-12 for v in vals), vals
    load0 = os.getloadavg()[0]
    times = {name: [] for name in sides}
    names = list(sides)
    for r in range(rounds):
        for name in names[r % 3:] + names[:r % 3]:
            reps = []
            for _ in range(9):
                t = time.perf_counter()
                sides[name]()
                reps.append(time.perf_counter() - t)
            times[name].append(statistics.median(reps))
    load1 = os.getloadavg()[0]
    print(f"extension {path}; numpy {np.__version__}; {rounds} rounds, RAYON_NUM_THREADS="
          f"{os.environ['RAYON_NUM_THREADS']}; load average {load0:.2f} at the start, {load1:.2f} at the end")
    print()
    print("| DPD, 1M rows, 4 groups, unweighted | median ms | numpy bincount / this (median of rounds) |")
    print("|---|---:|---:|")
    for name in names:
        ratio = statistics.median(b / a for a, b in zip(times[name], times["numpy bincount"]))
        print(f"| {name} | {statistics.median(times[name]) * 1e3:.3f} | {ratio:.1f}x |")
    inferred = statistics.median(
        a / b for a, b in zip(times["fairmatch, n_groups inferred"], times["fairmatch, n_groups=4"]))
    print(f"\ninferred / given n_groups: {inferred:.2f}x (median of per-round ratios)")


if __name__ == "__main__":
    main()
