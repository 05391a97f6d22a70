#!/usr/bin/env python3
"""Side-by-side re-ranking benchmark: fairmatch vs fairsearchcore 1.0.4 and yuanlonghao's
`reranking`, interleaved A B A B ... in one run; prints one table of median times and the
median of the per-round ratios.

    python3 benches/compare/rerank.py [--rounds N] [--quick]

Needs the fixture venvs (fixtures/gen/rerank/run.sh creates them) and builds the Rust side
with `cargo build --release -p fairmatch-bench --bin rerank_compare`. Reference times for the
adjusted m-table are taken once per round (fairsearchcore needs seconds to a minute).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GEN = os.path.join(ROOT, "fixtures", "gen", "rerank")
FSC_PY = os.path.join(GEN, ".venv", "bin", "python")
RR_PY = os.path.join(GEN, ".venv-reranking", "bin", "python")
REF = os.path.join(ROOT, "benches", "compare", "rerank_ref.py")
BIN = os.path.join(ROOT, "target", "release", "rerank_compare")

# (label, rust case, python interpreter, python case, rounds override)
CASES = [
    ("adjusted m-table k=100 p=0.5 a=0.1 (exact)", "mtable_k100", FSC_PY, "mtable_k100", None),
    ("adjusted m-table k=100 p=0.5 a=0.1 (fsc_compat)", "mtable_k100_fsc", FSC_PY, "mtable_k100", None),
    ("adjusted m-table k=400 p=0.3 a=0.1 (exact)", "mtable_k400", FSC_PY, "mtable_k400", 1),
    ("adjusted m-table k=400 p=0.3 a=0.1 (fsc_compat)", "mtable_k400_fsc", FSC_PY, "mtable_k400", 1),
    ("FA*IR re-rank 1000 -> 100, table cached (fair_top_k)", "fair_rerank", FSC_PY, "fair_rerank", None),
    ("FA*IR re-rank 1000 -> 100, table cached (apply)", "apply_fair", FSC_PY, "fair_rerank", None),
    ("DetGreedy 1000 -> 100, 3 groups", "det_greedy", RR_PY, "det_greedy", None),
    ("DetCons 1000 -> 100, 3 groups", "det_cons", RR_PY, "det_cons", None),
    ("DetRelaxed 1000 -> 100, 3 groups", "det_relaxed", RR_PY, "det_relaxed", None),
    ("DetConstSort 1000 -> 100, 3 groups", "det_const_sort", RR_PY, "det_const_sort", None),
]


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ns"]


def fmt(ns):
    if ns >= 1e9:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f µs" % (ns / 1e3)
    return "%d ns" % ns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget-ms", type=int, default=400)
    ap.add_argument("--skip-k400", action="store_true", help="skip the 46 s reference case")
    args = ap.parse_args()
    for py in (FSC_PY, RR_PY):
        if not os.path.exists(py):
            sys.exit("missing %s: run fixtures/gen/rerank/run.sh first" % py)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "fairmatch-bench", "--bin",
                    "rerank_compare"], check=True, cwd=ROOT)
    rows = []
    fsc_k400_done = {}
    for (label, rcase, py, pcase, rounds) in CASES:
        if args.skip_k400 and "k400" in rcase:
            continue
        n = rounds or args.rounds
        rs, ps, ratios = [], [], []
        for r in range(n):
            # A B A B ...: Rust then the reference, each measured in its own process
            a = run([BIN, rcase, str(args.budget_ms)])
            if pcase == "mtable_k400" and pcase in fsc_k400_done:
                b = fsc_k400_done[pcase]  # fairsearchcore's 46 s case is timed once
            else:
                b = run([py, REF, pcase, str(args.budget_ms)])
                if pcase == "mtable_k400":
                    fsc_k400_done[pcase] = b
            rs.append(a)
            ps.append(b)
            ratios.append(b / a)
            print("  %-52s round %d: fairmatch %s, reference %s, ratio %.2fx"
                  % (label, r + 1, fmt(a), fmt(b), b / a), file=sys.stderr, flush=True)
        rows.append((label, statistics.median(rs), statistics.median(ps), statistics.median(ratios), n))
    print()
    print("| case | fairmatch (median) | reference (median) | median ratio | rounds |")
    print("|---|---|---|---|---|")
    for (label, a, b, ratio, n) in rows:
        r = ("%.0fx" if ratio >= 100 else "%.2fx") % ratio
        print("| %s | %s | %s | %s | %d |" % (label, fmt(a), fmt(b), r, n))


if __name__ == "__main__":
    main()
