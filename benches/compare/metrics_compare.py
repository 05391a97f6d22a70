#!/usr/bin/env python3
"""Side-by-side, interleaved comparison of fairmatch's metrics with the reference libraries.

1,000,000 rows, 4 groups, with and without weights; 2 x 500k ratings (1-5 stars and continuous).
Each round runs the Python references (fairlearn 0.15.0, a vectorised numpy version, AIF360 0.6.1
end to end from arrays, scipy) and then the Rust binary `metrics_compare` on the *same* arrays
(written once as raw little-endian files), so the machine's drift hits both sides alike. Ratios
are computed per round and the median over rounds is reported.

Usage (from the repository root; the venv is the fixture generator's):
    cargo build --release -p fairmatch-bench --bin metrics_compare
    fixtures/gen/metrics/.venv/bin/python benches/compare/metrics_compare.py [ROUNDS]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.stats as st  # noqa: E402
import fairlearn.metrics as flm  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "metrics_compare")
N = 1_000_000
K = 4


def make_data(d):
    rng = np.random.default_rng(2026)
    g = rng.integers(0, K, N).astype(np.uint32)
    base = np.array([0.3, 0.45, 0.5, 0.6])
    yt = (rng.random(N) < base[g]).astype(np.uint8)
    yp = np.where(rng.random(N) < 0.8, yt, 1 - yt).astype(np.uint8)
    w = rng.uniform(0.1, 3.0, N)
    sa = (rng.choice(5, N // 2, p=[0.05, 0.05, 0.1, 0.3, 0.5]) + 1).astype(np.float64)
    sb = (rng.choice(5, N // 2, p=[0.05, 0.05, 0.1, 0.302, 0.498]) + 1).astype(np.float64)
    ca = rng.normal(3.9, 0.8, N // 2)
    cb = rng.normal(3.898, 0.9, N // 2)
    for name, arr in [("groups.u32", g), ("y_true.u8", yt), ("y_pred.u8", yp), ("weights.f64", w),
                      ("stars_a.f64", sa), ("stars_b.f64", sb), ("cont_a.f64", ca), ("cont_b.f64", cb)]:
        arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(d, name))
    return g, yt, yp, w, sa, sb, ca, cb


def timed(f, reps=1):
    ts = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def np_counts(g, yt, yp, w):
    return np.bincount(g.astype(np.int64) * 4 + yt.astype(np.int64) * 2 + yp, weights=w, minlength=4 * K).reshape(K, 4)


def np_dpd(g, yt, yp, w):
    c = np_counts(g, yt, yp, w)
    sr = (c[:, 1] + c[:, 3]) / c.sum(1)
    return sr.max() - sr.min()


def np_eod(g, yt, yp, w):
    c = np_counts(g, yt, yp, w)
    tpr = c[:, 3] / (c[:, 2] + c[:, 3])
    fpr = c[:, 1] / (c[:, 0] + c[:, 1])
    return max(tpr.max() - tpr.min(), fpr.max() - fpr.min())


def np_masks_eod(g, yt, yp, w):
    """The straightforward vectorised numpy version: boolean masks per group."""
    w = np.ones(len(g)) if w is None else w
    tpr, fpr = [], []
    for k in range(K):
        m = g == k
        pos = m & (yt == 1)
        neg = m & (yt == 0)
        tpr.append(np.sum(w[pos] * yp[pos]) / np.sum(w[pos]))
        fpr.append(np.sum(w[neg] * yp[neg]) / np.sum(w[neg]))
    return max(max(tpr) - min(tpr), max(fpr) - min(fpr))


def np_masks_dpd(g, yt, yp, w):
    w = np.ones(len(g)) if w is None else w
    sr = []
    for k in range(K):
        m = g == k
        sr.append(np.sum(w[m] * yp[m]) / np.sum(w[m]))
    return max(sr) - min(sr)


def aif_spd(g, yt, yp, w):
    df = pd.DataFrame({"g": g.astype(float), "y": yt.astype(float)})
    dfp = pd.DataFrame({"g": g.astype(float), "y": yp.astype(float)})
    kw = dict(label_names=["y"], protected_attribute_names=["g"], favorable_label=1.0, unfavorable_label=0.0)
    d1 = BinaryLabelDataset(df=df, **kw)
    d2 = BinaryLabelDataset(df=dfp, **kw)
    if w is not None:
        d1.instance_weights = w.copy()
        d2.instance_weights = w.copy()
    cm = ClassificationMetric(d1, d2, unprivileged_groups=[{"g": 0.0}],
                              privileged_groups=[{"g": 1.0}, {"g": 2.0}, {"g": 3.0}])
    return cm.statistical_parity_difference()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if not os.path.exists(BIN):
        sys.exit(f"build first: cargo build --release -p fairmatch-bench --bin metrics_compare ({BIN})")
    with tempfile.TemporaryDirectory() as d:
        g, yt, yp, w, sa, sb, ca, cb = make_data(d)
        rows = {}  # name -> list of (ref_time, rust_time)

        def rec(name, ref_t, rust_t):
            rows.setdefault(name, []).append((ref_t, rust_t))

        par = {}
        for r in range(rounds):
            py = {}
            vals = {}
            for tag, ww in [("", None), ("_weighted", w)]:
                kw = {} if ww is None else {"sample_weight": ww}
                py[f"np_dpd{tag}"], v_np_dpd = timed(lambda: np_dpd(g, yt, yp, ww), 5)
                py[f"np_eod{tag}"], v_np_eod = timed(lambda: np_eod(g, yt, yp, ww), 5)
                py[f"npm_dpd{tag}"], v_npm_dpd = timed(lambda: np_masks_dpd(g, yt, yp, ww), 3)
                py[f"npm_eod{tag}"], v_npm_eod = timed(lambda: np_masks_eod(g, yt, yp, ww), 3)
                assert abs(v_npm_dpd - v_np_dpd) < 1e-9 and abs(v_npm_eod - v_np_eod) < 1e-9
                py[f"aif{tag}"], v_aif = timed(lambda: aif_spd(g, yt, yp, ww))
                py[f"fl_dpd{tag}"], v_fl_dpd = timed(lambda: flm.demographic_parity_difference(yt, yp, sensitive_features=g, **kw))
                py[f"fl_eod{tag}"], v_fl_eod = timed(lambda: flm.equalized_odds_difference(yt, yp, sensitive_features=g, **kw))
                assert abs(v_fl_dpd - v_np_dpd) < 1e-9 and abs(v_fl_eod - v_np_eod) < 1e-9
                vals[f"dpd{tag}"], vals[f"eod{tag}"] = v_np_dpd, v_np_eod
            py["welch"], v_w = timed(lambda: st.ttest_ind(sa, sb, equal_var=False).pvalue, 11)
            py["mwu_stars"], v_m = timed(lambda: st.mannwhitneyu(sa, sb).pvalue, 5)
            py["mwu_cont"], v_mc = timed(lambda: st.mannwhitneyu(ca, cb).pvalue, 3)
            out = json.loads(subprocess.run([BIN, d, "21"], check=True, capture_output=True, text=True).stdout)
            # same answers on both sides
            assert abs(out["value_dpd"] - vals["dpd"]) < 1e-12 and abs(out["value_eod"] - vals["eod"]) < 1e-12
            assert abs(out["value_welch_p"] - v_w) <= 1e-9 * max(v_w, 1e-300) + 1e-15, (out["value_welch_p"], v_w)
            assert abs(out["value_mwu_p"] - v_m) <= 1e-9 * max(v_m, 1e-300) + 1e-15, (out["value_mwu_p"], v_m)
            assert abs(out["value_mwu_cont_p"] - v_mc) <= 1e-9 * max(v_mc, 1e-300) + 1e-15, (out["value_mwu_cont_p"], v_mc)
            for tag in ["", "_weighted"]:
                rec(f"fairlearn demographic_parity_difference{tag}", py[f"fl_dpd{tag}"], out[f"dpd{tag}"])
                rec(f"fairlearn equalized_odds_difference{tag}", py[f"fl_eod{tag}"], out[f"eod{tag}"])
                rec(f"numpy (bincount) demographic_parity_difference{tag}", py[f"np_dpd{tag}"], out[f"dpd{tag}"])
                rec(f"numpy (bincount) equalized_odds_difference{tag}", py[f"np_eod{tag}"], out[f"eod{tag}"])
                rec(f"numpy (masks per group) demographic_parity_difference{tag}", py[f"npm_dpd{tag}"], out[f"dpd{tag}"])
                rec(f"numpy (masks per group) equalized_odds_difference{tag}", py[f"npm_eod{tag}"], out[f"eod{tag}"])
                rec(f"AIF360 end to end from arrays (SPD){tag}", py[f"aif{tag}"], out[f"aif_spd{tag}"])
                par.setdefault(f"eod{tag}", []).append((out[f"eod_par1{tag}"], out[f"eod_par{tag}"]))
            rec("scipy Welch t (2 x 500k stars)", py["welch"], out["welch"])
            rec("scipy Mann-Whitney U (2 x 500k 1-5 stars)", py["mwu_stars"], out["mwu_stars"])
            rec("scipy Mann-Whitney U (2 x 500k continuous)", py["mwu_cont"], out["mwu_continuous"])
            print(f"round {r + 1}/{rounds} done", file=sys.stderr)
        print(f"| operation (1M rows, 4 groups) | reference (median s) | fairmatch 1 thread (median s) | ratio (median of {rounds} interleaved rounds) |")
        print("|---|---:|---:|---:|")
        for name, v in rows.items():
            ref = np.median([a for a, _ in v])
            ours = np.median([b for _, b in v])
            ratio = np.median([a / b for a, b in v])
            print(f"| {name} | {ref:.4g} | {ours:.4g} | {ratio:,.0f}x |" if ratio >= 10 else f"| {name} | {ref:.4g} | {ours:.4g} | {ratio:.2f}x |")
        print()
        print("| multi-thread (rayon, all cores) | 1 thread (s) | all cores (s) | speed-up |")
        print("|---|---:|---:|---:|")
        for name, v in par.items():
            print(f"| GroupConfusion::from_arrays_par + EOD{name[3:]} | {np.median([a for a, _ in v]):.4g} | "
                  f"{np.median([b for _, b in v]):.4g} | {np.median([a / b for a, b in v]):.2f}x |")
        print(f"\ncores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
