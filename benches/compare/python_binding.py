#!/usr/bin/env python3
"""Python binding overhead, side by side in one run (issue 6 acceptance).

1. recommend: top-20 with explanations over 10k synthetic freelancers, 200 jobs: the catalogue
   of the criterion bench benches/benches/recommend.rs, built and saved by the Rust binary
   `recommend_overhead build`. The Rust side (`recommend_overhead serve`, a child process on
   the same snapshot) and the Python side (`fairmatch.Engine.load` of that snapshot) take
   turns, one pass over the 200 jobs per side per round, the order alternating (ABBA) so the
   machine's drift hits both alike. Reported: median ms per call of each side over the rounds
   and the median of the per-round overheads (Python / Rust - 1). Rust is timed two ways:
   exactly as criterion (inside a one-thread rayon pool) and called directly; both sides run
   with RAYON_NUM_THREADS=1 (the criterion bench is single-threaded). A third Rust figure
   adds `serde_json::to_value` of the result, the first half of the binding's conversion.
2. demographic_parity_difference on 1M numpy rows (4 groups; unweighted and weighted):
   fairmatch.metrics vs fairlearn.metrics on the same arrays, interleaved per round; the
   median of the per-round speed ratios (fairlearn time / fairmatch time; fairmatch's time
   per round is the median of 7 calls). 5 rounds on one rayon thread (fairlearn is
   single-threaded); a second process repeats it (3 rounds) with two threads.

Usage, from the repository root, in a venv with a *release* build of the extension:
    python3 -m venv .venv-bench && . .venv-bench/bin/activate
    pip install maturin==1.16.0 numpy==2.4.6 fairlearn==0.15.0 pandas==3.1.1 \
        scikit-learn==1.9.1 scipy==1.17.1
    maturin develop --release --manifest-path bindings-python/Cargo.toml --target-dir target/maturin
    cargo build --release -p fairmatch-bench --bin recommend_overhead
    python benches/compare/python_binding.py [ROUNDS]    # recommend rounds, default 31
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

import fairmatch  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "recommend_overhead")


def median(xs):
    return statistics.median(xs)


def check_release():
    """Refuses a debug extension: the numbers would be meaningless."""
    path = fairmatch._native.__file__
    with open(path, "rb") as f:
        data = f.read()
    # maturin develop without --release builds the dev profile; its library keeps the
    # debug-assertion panic strings of the standard library's overflow checks
    if b"attempt to add with overflow" in data:
        sys.exit(f"{path} looks like a debug build: use maturin develop --release")
    return path


# ------------------------------------------------------------------------------------------
# 1. recommend
# ------------------------------------------------------------------------------------------
def recommend(rounds):
    if not os.path.exists(BIN):
        sys.exit(f"missing {BIN}: cargo build --release -p fairmatch-bench --bin recommend_overhead")
    tmp = tempfile.mkdtemp(prefix="fm-overhead-")
    subprocess.run([BIN, "build", tmp, "10000"], check=True)
    with open(os.path.join(tmp, "calls.json")) as f:
        calls = json.load(f)
    full = calls["options"]
    # what a Python caller writes; the rest of the options are the defaults
    opts = {"k": 20, "explain": True, "now": full["now"]}
    assert full["k"] == 20 and full["explain"] is True
    ids = calls["job_ids"]

    rust = subprocess.Popen([BIN, "serve", tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, RAYON_NUM_THREADS="1"))
    engine = fairmatch.Engine.load(os.path.join(tmp, "engine.fm"))

    def py_pass():
        s = 0.0
        t0 = time.perf_counter()
        for j in ids:
            r = engine.recommend_freelancers(j, opts)
            s += r["matches"][0]["score"]
        dt = (time.perf_counter() - t0) / len(ids)
        return dt * 1e3, s

    def rust_pass():
        rust.stdin.write("round\n")
        rust.stdin.flush()
        return json.loads(rust.stdout.readline())

    py_pass()  # warm-up (the Rust child warms up on start)
    rows = []
    for i in range(rounds):
        if i % 2 == 0:
            r = rust_pass()
            p, s = py_pass()
        else:
            p, s = py_pass()
            r = rust_pass()
        assert r["threads"] == 1
        assert abs(s - r["checksum"]) <= 1e-9 * abs(s), (s, r["checksum"])  # same results
        rows.append((r["criterion_ms"], r["direct_ms"], p, r["to_value_ms"]))
    rust.stdin.write("quit\n")
    rust.stdin.close()
    rust.wait()
    crit = median([x[0] for x in rows])
    direct = median([x[1] for x in rows])
    py = median([x[2] for x in rows])
    tv = median([x[3] for x in rows])
    ov_crit = median([x[2] / x[0] - 1 for x in rows]) * 100
    ov_direct = median([x[2] / x[1] - 1 for x in rows]) * 100
    print(f"\nrecommend top-20 with explanations, 10,000 freelancers, 200 jobs, 1 thread, {rounds} rounds")
    print("| side | median ms / call |")
    print("|---|---:|")
    print(f"| Rust, as criterion (pool.install) | {crit:.3f} |")
    print(f"| Rust, direct call | {direct:.3f} |")
    print(f"| Rust, direct call + `serde_json::to_value` of the result | {tv:.3f} |")
    print(f"| Python `Engine.recommend_freelancers` | {py:.3f} |")
    print(f"overhead vs criterion-style Rust: {ov_crit:+.1f} % (median of per-round ratios)")
    print(f"overhead vs direct Rust: {ov_direct:+.1f} % (median of per-round ratios)")
    return {"rust_criterion_ms": crit, "rust_direct_ms": direct, "rust_to_value_ms": tv, "python_ms": py,
            "overhead_vs_criterion_pct": ov_crit, "overhead_vs_direct_pct": ov_direct}


# ------------------------------------------------------------------------------------------
# 2. demographic parity difference, 1M rows
# ------------------------------------------------------------------------------------------
def dpd(rounds):
    import fairlearn.metrics as flm

    n, k = 1_000_000, 4
    rng = np.random.default_rng(2026)  # as benches/compare/metrics_compare.py
    g = rng.integers(0, k, n).astype(np.uint32)
    base = np.array([0.3, 0.45, 0.5, 0.6])
    yt = (rng.random(n) < base[g]).astype(np.uint8)
    yp = np.where(rng.random(n) < 0.8, yt, 1 - yt).astype(np.uint8)
    w = rng.uniform(0.1, 3.0, n)
    out = {}
    for label, sw in (("unweighted", None), ("weighted", w)):
        ratios, t_fl, t_fm = [], [], []
        ref = flm.demographic_parity_difference(yt, yp, sensitive_features=g, sample_weight=sw)
        ours = fairmatch.metrics.demographic_parity_difference(yt, yp, sensitive_features=g, sample_weight=sw)
        assert abs(ours - ref) <= 1e-12 * abs(ref), (ours, ref)
        for _ in range(rounds):
            t0 = time.perf_counter()
            flm.demographic_parity_difference(yt, yp, sensitive_features=g, sample_weight=sw)
            a = time.perf_counter() - t0
            reps = []
            for _ in range(7):
                t0 = time.perf_counter()
                fairmatch.metrics.demographic_parity_difference(yt, yp, sensitive_features=g, sample_weight=sw)
                reps.append(time.perf_counter() - t0)
            b = median(reps)
            t_fl.append(a)
            t_fm.append(b)
            ratios.append(a / b)
        out[label] = {"fairlearn_ms": median(t_fl) * 1e3, "fairmatch_ms": median(t_fm) * 1e3,
                      "ratio": median(ratios)}
    th = os.environ["RAYON_NUM_THREADS"]
    print(f"\ndemographic_parity_difference, 1,000,000 rows, 4 groups, {rounds} rounds, "
          f"fairmatch on {th} rayon thread(s)")
    print("| input | fairlearn 0.15.0 ms | fairmatch ms | ratio (median of rounds) |")
    print("|---|---:|---:|---:|")
    for label, r in out.items():
        print(f"| {label} | {r['fairlearn_ms']:.1f} | {r['fairmatch_ms']:.3f} | {r['ratio']:.0f}x |")
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(args[0]) if args else 31
    if "--dpd-only" in sys.argv:
        dpd(3)
        return
    path = check_release()
    print(f"extension: {path}")
    print(f"fairmatch {fairmatch.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    recommend(rounds)
    dpd(5)  # fairlearn takes 5-10 s per weighted call here
    # the same DPD comparison with two rayon threads (fresh process: the pool size is fixed
    # at first use)
    subprocess.run([sys.executable, __file__, str(rounds), "--dpd-only"], check=True,
                   env=dict(os.environ, RAYON_NUM_THREADS="2"))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
