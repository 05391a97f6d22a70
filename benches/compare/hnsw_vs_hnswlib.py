#!/usr/bin/env python3
"""fairmatch HnswIndex vs hnswlib, builds AND queries interleaved in rounds, one thread each.

    python hnsw_vs_hnswlib.py --data DIR --rust PATH/TO/index_compare [--rounds 3]

DIR is a dataset written by `index_compare.py gen` (base.npy, queries.npy, gt.npy). Each round
builds both indexes (order alternating between rounds) and then times every ef on both,
alternating the side that goes first (each query timing runs all queries `--reps` times).
Prints one markdown table: recall and median q/s per side and ef, the median of the
per-round q/s ratios, the median build-time ratio, `uptime` before and after, and hnswlib's
compiler flags (read from the build log given with --hnswlib-build-log, e.g.
`pip install -v --no-binary hnswlib ...` output).

Two clocks are reported. Wall time (what a user waits) and CPU time of the measured process
(fairmatch: utime + stime of its subprocess from /proc; hnswlib: this process's
`time.process_time()`). On a shared, oversubscribed machine wall time mostly measures the run
queue, so the CPU-time ratio is the one to trust there; both are printed. fairmatch's
`build_hnsw` CPU time also covers the store copy and the int8 training the harness does after
the timed build (well under 1% of a build).
"""
import argparse
import os
import re
import statistics
import subprocess
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
    ap.add_argument("--reps", type=int, default=3, help="runs of all queries per timing")
    args = ap.parse_args()
    import hnswlib

    base = np.load(os.path.join(args.data, "base.npy"))
    xq = np.load(os.path.join(args.data, "queries.npy"))
    gt = np.load(os.path.join(args.data, "gt.npy"))
    n, dim = base.shape
    nq = len(xq)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    rust = Rust(args.rust, args.data)
    clk = os.sysconf("SC_CLK_TCK")

    def rust_cpu():
        f = open(f"/proc/{rust.p.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / clk

    builds = {"fm": [], "hl": []}
    cbuilds = {"fm": [], "hl": []}
    qps = {(side, ef): [] for side in ("fm", "hl") for ef in EFS}
    cqps = {(side, ef): [] for side in ("fm", "hl") for ef in EFS}
    rec = {}

    def build_hl():
        t, c = time.perf_counter(), time.process_time()
        hl = hnswlib.Index(space="ip", dim=dim)
        hl.init_index(max_elements=n, ef_construction=args.efc, M=args.m, random_seed=100)
        hl.set_num_threads(1)
        hl.add_items(base, np.arange(n), num_threads=1)
        builds["hl"].append(time.perf_counter() - t)
        cbuilds["hl"].append(time.process_time() - c)
        return hl

    def build_fm():
        c = rust_cpu()
        r = rust(f"build_hnsw {args.m} {args.efc}")
        cbuilds["fm"].append(rust_cpu() - c)
        assert r["threads"] == 1, r
        builds["fm"].append(r["secs"])

    def query_hl(hl, ef):
        hl.set_ef(ef)
        t, c = time.perf_counter(), time.process_time()
        for _ in range(args.reps):
            labs, _ = hl.knn_query(xq, k=K, num_threads=1)
        qps[("hl", ef)].append(args.reps * nq / (time.perf_counter() - t))
        cqps[("hl", ef)].append(args.reps * nq / (time.process_time() - c))
        rec[("hl", ef)] = recall(labs, gt)

    def query_fm(ef):
        c, secs = rust_cpu(), 0.0
        for _ in range(args.reps):
            r = rust(f"hnsw {ef}")
            secs += nq / r["qps"]
        qps[("fm", ef)].append(args.reps * nq / secs)
        cqps[("fm", ef)].append(args.reps * nq / max(rust_cpu() - c, 1 / clk))
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
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    def ratio(d, key_a, key_b):
        return statistics.median(a / b for a, b in zip(d[key_a], d[key_b]))

    med = statistics.median
    print(f"n={n} dim={dim} nq={nq} M={args.m} efC={args.efc} k={K}, {args.rounds} interleaved rounds, "
          f"{args.reps} runs of all queries per timing, one thread each (fairmatch RAYON_NUM_THREADS=1, "
          f"hnswlib num_threads=1); hnswlib 0.8.0 compiled with "
          f"`{hnswlib_flags(args.hnswlib_build_log)}`; GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')!r}")
    print(f"uptime before: {uptime_before}")
    print(f"uptime after:  {uptime_after}")
    print()
    print("| ef | recall fairmatch | recall hnswlib | q/s fairmatch (wall) | q/s hnswlib (wall) "
          "| ratio wall | q/s fairmatch (CPU) | q/s hnswlib (CPU) | ratio CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ef in EFS:
        print(f"| {ef} | {rec[('fm', ef)]:.3f} | {rec[('hl', ef)]:.3f} | "
              f"{med(qps[('fm', ef)]):.0f} | {med(qps[('hl', ef)]):.0f} | "
              f"{ratio(qps, ('fm', ef), ('hl', ef)):.2f}x | "
              f"{med(cqps[('fm', ef)]):.0f} | {med(cqps[('hl', ef)]):.0f} | "
              f"{ratio(cqps, ('fm', ef), ('hl', ef)):.2f}x |")
    print(f"| build s (lower is faster) | | | {med(builds['fm']):.1f} | {med(builds['hl']):.1f} "
          f"| {ratio(builds, 'fm', 'hl'):.2f}x | {med(cbuilds['fm']):.1f} | {med(cbuilds['hl']):.1f} "
          f"| {ratio(cbuilds, 'fm', 'hl'):.2f}x |")
    print()
    print("per-round q/s ratios (CPU):", {ef: [round(a / b, 2) for a, b in zip(cqps[('fm', ef)], cqps[('hl', ef)])]
                                         for ef in EFS})
    print("per-round build ratios (wall, CPU):", [round(a / b, 2) for a, b in zip(builds['fm'], builds['hl'])],
          [round(a / b, 2) for a, b in zip(cbuilds['fm'], cbuilds['hl'])])


if __name__ == "__main__":
    main()
