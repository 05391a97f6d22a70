#!/usr/bin/env python3
"""fairmatch HnswIndex vs hnswlib, builds AND queries interleaved in rounds, one thread each.

    python hnsw_vs_hnswlib.py --data DIR --rust PATH/TO/index_compare [--rounds 3]

DIR is a dataset written by `index_compare.py gen` (base.npy, queries.npy, gt.npy). Each round
builds both indexes (order alternating between rounds) and then times every ef on both,
alternating the side that goes first. Prints one markdown table: recall and median q/s per
side and ef, the median of the per-round q/s ratios, the median build-time ratio, the
machine's load average before and after, and hnswlib's compiler flags (read from the build
log given with --hnswlib-build-log, e.g. `pip install -v --no-binary hnswlib ...` output).
"""
import argparse
import os
import re
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index_compare import EFS, K, Rust, recall  # noqa: E402


def hnswlib_flags(log_path):
    if not log_path or not os.path.exists(log_path):
        return "unknown (no build log given)"
    with open(log_path) as f:
        for line in f:
            if "bindings.cpp" in line and ("g++" in line or "gcc" in line or "c++" in line):
                flags = re.findall(r"(-O\d|-march=\S+|-mtune=\S+|-fopenmp|-ffast-math|-std=\S+)", line)
                return " ".join(dict.fromkeys(flags))
    return "unknown (no compile line in the log)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--rust", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--hnswlib-build-log")
    args = ap.parse_args()
    import hnswlib

    base = np.load(os.path.join(args.data, "base.npy"))
    xq = np.load(os.path.join(args.data, "queries.npy"))
    gt = np.load(os.path.join(args.data, "gt.npy"))
    n, dim = base.shape
    nq = len(xq)
    load_before = os.getloadavg()
    rust = Rust(args.rust, args.data)
    builds = {"fm": [], "hl": []}
    qps = {(side, ef): [] for side in ("fm", "hl") for ef in EFS}
    rec = {}

    def build_hl():
        t = time.perf_counter()
        hl = hnswlib.Index(space="ip", dim=dim)
        hl.init_index(max_elements=n, ef_construction=args.efc, M=args.m, random_seed=100)
        hl.set_num_threads(1)
        hl.add_items(base, np.arange(n), num_threads=1)
        builds["hl"].append(time.perf_counter() - t)
        return hl

    def build_fm():
        builds["fm"].append(rust(f"build_hnsw {args.m} {args.efc}")["secs"])

    def query_hl(hl, ef):
        hl.set_ef(ef)
        t = time.perf_counter()
        labs, _ = hl.knn_query(xq, k=K, num_threads=1)
        qps[("hl", ef)].append(nq / (time.perf_counter() - t))
        rec[("hl", ef)] = recall(labs, gt)

    def query_fm(ef):
        r = rust(f"hnsw {ef}")
        qps[("fm", ef)].append(r["qps"])
        rec[("fm", ef)] = r["recall"]

    for rnd in range(args.rounds):
        if rnd % 2 == 0:
            build_fm()
            hl = build_hl()
        else:
            hl = build_hl()
            build_fm()
        print(f"round {rnd + 1}: build fm {builds['fm'][-1]:.1f}s hnswlib {builds['hl'][-1]:.1f}s",
              file=sys.stderr, flush=True)
        for i, ef in enumerate(EFS):
            if (rnd + i) % 2 == 0:
                query_fm(ef)
                query_hl(hl, ef)
            else:
                query_hl(hl, ef)
                query_fm(ef)
        del hl
    rust.close()
    load_after = os.getloadavg()

    ratio = lambda ef: statistics.median(a / b for a, b in zip(qps[("fm", ef)], qps[("hl", ef)]))  # noqa: E731
    build_ratio = statistics.median(a / b for a, b in zip(builds["fm"], builds["hl"]))
    print(f"n={n} dim={dim} nq={nq} M={args.m} efC={args.efc} k={K}, {args.rounds} interleaved rounds, "
          f"one thread each; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
          f"hnswlib 0.8.0 compiled with `{hnswlib_flags(args.hnswlib_build_log)}`")
    print()
    print("| ef | recall fairmatch | recall hnswlib | q/s fairmatch | q/s hnswlib | ratio (median of rounds) |")
    print("|---|---|---|---|---|---|")
    for ef in EFS:
        print(f"| {ef} | {rec[('fm', ef)]:.3f} | {rec[('hl', ef)]:.3f} | "
              f"{statistics.median(qps[('fm', ef)]):.0f} | {statistics.median(qps[('hl', ef)]):.0f} | "
              f"{ratio(ef):.2f}x |")
    print(f"| build (s) | | | {statistics.median(builds['fm']):.1f} | {statistics.median(builds['hl']):.1f} "
          f"| {build_ratio:.2f}x (time, lower is faster) |")


if __name__ == "__main__":
    main()
