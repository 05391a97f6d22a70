#!/usr/bin/env python3
"""fairmatch vs hnswlib vs faiss, side by side in one run on the same vectors and queries.

    python index_compare.py gen --out DIR [--n 100000] [--nq 1000]
    python index_compare.py run --data DIR --rust PATH/TO/index_compare [--rounds 3]

`gen` builds the dataset once (recipe in benches/README.md, "Index"); `run` builds every index
once, then measures each row in rounds, alternating the reference library and fairmatch
(A B A B ...; fairmatch runs as a long-lived subprocess answering one command per line), and
prints ONE markdown table plus the target ratios (median of per-round ratios).
Everything is single-threaded (OMP_NUM_THREADS=1, RAYON_NUM_THREADS=1,
faiss.omp_set_num_threads(1), hnswlib num_threads=1).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import numpy as np

K = 10
EFS = [16, 32, 64, 128, 256]
# filtered faiss rows go one ef further so its recall can approach the int8 path's
FILTER_EFS = EFS + [512]
ALLOW_SHARES = [("0.5", 0.005), ("1", 0.01), ("2", 0.02), ("5", 0.05), ("10", 0.10),
                ("20", 0.20), ("30", 0.30)]


# ----------------------------------------------------------------------------------------------
# dataset
# ----------------------------------------------------------------------------------------------
def exact_topk(base, queries, k, allow=None):
    """Exact top-k by inner product; ties by lower id. `allow` = sorted ids or None."""
    sub = base if allow is None else base[allow]
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 100):
        sc = queries[s:s + 100] @ sub.T
        part = np.argpartition(-sc, k, axis=1)[:, :k + 1]
        for i in range(len(part)):
            cand = part[i]
            order = sorted(cand, key=lambda j: (-sc[i, j], j))[:k]
            ids = np.array(order) if allow is None else allow[np.array(order)]
            out[s + i] = ids
    return out


def gen(args):
    data = args.shared
    emb = np.load(os.path.join(data, "embeddings/esco_skills_minilm384.npy")).astype(np.float32)
    with open(os.path.join(data, "embeddings/esco_skills_ids.txt")) as f:
        uri_row = {u.strip(): i for i, u in enumerate(f)}
    occ = defaultdict(lambda: ([], []))
    with open(os.path.join(data, "esco/occupationSkillRelations.csv"), newline="") as f:
        for r in csv.DictReader(f):
            row = uri_row.get(r["skillUri"])
            if row is None:
                continue
            occ[r["occupationUri"]][0 if r["relationType"] == "essential" else 1].append(row)
    occs = sorted(o for o, (e, _) in occ.items() if len(e) >= 3)
    rng = np.random.default_rng(args.seed)
    rng.shuffle(occs)
    cut = int(len(occs) * 0.8)
    prof_occ, query_occ = occs[:cut], occs[cut:]
    dim = emb.shape[1]

    def draw(pool, n):
        out = np.empty((n, dim), dtype=np.float32)
        picks = rng.integers(0, len(pool), size=n)
        for i, p in enumerate(picks):
            ess, opt = occ[pool[p]]
            e = [s for s in ess if rng.random() < 0.7] or [ess[rng.integers(len(ess))]]
            o = [s for s in opt if rng.random() < 0.3]
            v = emb[e].sum(0) + 0.5 * (emb[o].sum(0) if o else 0.0)
            v = v / (len(e) + 0.5 * len(o))
            v = v + rng.normal(0.0, args.noise, dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    t = time.time()
    base = draw(prof_occ, args.n)
    queries = draw(query_occ, args.nq)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "base.npy"), base)
    np.save(os.path.join(args.out, "queries.npy"), queries)
    np.save(os.path.join(args.out, "gt.npy"), exact_topk(base, queries, K))
    for tag, share in ALLOW_SHARES:
        allow = np.sort(rng.choice(args.n, size=max(K, int(args.n * share)), replace=False))
        np.save(os.path.join(args.out, f"allow_{tag}.npy"), allow.astype(np.int64))
        np.save(os.path.join(args.out, f"gt_{tag}.npy"), exact_topk(base, queries, K, allow))
    print(f"dataset: {args.n} profiles from {len(prof_occ)} occupations, {args.nq} queries from "
          f"{len(query_occ)} other occupations, dim {dim}, noise sigma {args.noise}, "
          f"seed {args.seed} ({time.time() - t:.1f}s) -> {args.out}", file=sys.stderr)


# ----------------------------------------------------------------------------------------------
# run
# ----------------------------------------------------------------------------------------------
class Rust:
    def __init__(self, exe, data):
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        self.p = subprocess.Popen([exe, data], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, env=env)
        self.info = json.loads(self.p.stdout.readline())

    def __call__(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"fairmatch process died on `{cmd}`")
        return json.loads(line)

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait()


def recall(labels, gt):
    return float(np.mean([len(set(l[:K]) & set(g[:K])) / K for l, g in zip(labels, gt)]))


def main_run(args):
    import faiss
    import hnswlib

    faiss.omp_set_num_threads(1)
    d = args.data
    base = np.load(os.path.join(d, "base.npy"))
    xq = np.load(os.path.join(d, "queries.npy"))
    gt = np.load(os.path.join(d, "gt.npy"))
    n, dim = base.shape
    nq = len(xq)
    rust = Rust(args.rust, d)
    print(f"# n={n} dim={dim} nq={nq} rounds={args.rounds} fairmatch threads="
          f"{rust.info['threads']}", file=sys.stderr)
    res = defaultdict(list)   # row key -> list of {qps, recall, ...}
    info = {}

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    # ---- builds (once each, interleaved) ----
    r = rust(f"build_hnsw {args.m} {args.efc}")
    info["fm_build"] = r["secs"]
    info["fm_bytes"] = r["bytes"]
    info["fm_int8_bytes"] = r["int8_bytes"]
    if args.hnsw_rs:
        info["rs_build"] = rust(f"build_hnsw_rs {args.m} {args.efc}")["secs"]
        log(f"hnsw_rs build {info['rs_build']:.1f}s")
    log(f"fairmatch hnsw build {r['secs']:.1f}s")
    t = time.perf_counter()
    hl = hnswlib.Index(space="ip", dim=dim)
    hl.init_index(max_elements=n, ef_construction=args.efc, M=args.m, random_seed=100)
    hl.set_num_threads(1)
    hl.add_items(base, np.arange(n), num_threads=1)
    info["hl_build"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as td:
        hl.save_index(os.path.join(td, "h.bin"))
        info["hl_bytes"] = os.path.getsize(os.path.join(td, "h.bin"))
    log(f"hnswlib build {info['hl_build']:.1f}s")
    t = time.perf_counter()
    fh = faiss.IndexHNSWFlat(dim, args.m, faiss.METRIC_INNER_PRODUCT)
    fh.hnsw.efConstruction = args.efc
    fh.add(base)
    info["fh_build"] = time.perf_counter() - t
    info["fh_bytes"] = len(faiss.serialize_index(fh))
    log(f"faiss hnsw build {info['fh_build']:.1f}s")
    ff = faiss.IndexFlatIP(dim)
    ff.add(base)
    info["ff_bytes"] = len(faiss.serialize_index(ff))
    r = rust(f"build_quant {args.rerank}")
    info["fq_build"] = r["secs"]
    info["fq_scan_bytes"] = r["scan_bytes"]
    info["f32_bytes"] = r["f32_bytes"]

    allow = {tag: np.load(os.path.join(d, f"allow_{tag}.npy")) for tag, _ in ALLOW_SHARES}
    gts = {tag: np.load(os.path.join(d, f"gt_{tag}.npy")) for tag, _ in ALLOW_SHARES}
    sels = {}
    for tag, ids in allow.items():
        mask = np.zeros(n, dtype=bool)
        mask[ids] = True
        bm = np.packbits(mask, bitorder="little")
        sels[tag] = (bm, faiss.IDSelectorBitmap(n, faiss.swig_ptr(bm)))

    def timed(fn, count):
        t = time.perf_counter()
        out = fn()
        return count / (time.perf_counter() - t), out

    def py_flat_single():
        nqs = min(args.flat_queries, nq)
        qps, labs = timed(lambda: [ff.search(xq[i:i + 1], K)[1][0] for i in range(nqs)], nqs)
        return {"qps": qps, "recall": recall(labs, gt[:nqs])}

    def py_flat_batch():
        qps, (_, labs) = timed(lambda: ff.search(xq, K), nq)
        return {"qps": qps, "recall": recall(labs, gt)}

    def py_hl(ef):
        hl.set_ef(ef)
        qps, (labs, _) = timed(lambda: hl.knn_query(xq, k=K, num_threads=1), nq)
        return {"qps": qps, "recall": recall(labs, gt)}

    def py_fh(ef):
        fh.hnsw.efSearch = ef
        qps, (_, labs) = timed(lambda: fh.search(xq, K), nq)
        return {"qps": qps, "recall": recall(labs, gt)}

    def py_fh_filter(tag, ef):
        p = faiss.SearchParametersHNSW()
        p.sel = sels[tag][1]
        p.efSearch = ef
        qps, (_, labs) = timed(lambda: fh.search(xq, K, params=p), nq)
        return {"qps": qps, "recall": recall(labs, gts[tag])}

    # rows: (key, python-callable or None, rust command or None)
    plan = []
    plan.append(("flat_single", py_flat_single, f"flat_single {args.flat_queries}"))
    plan.append(("flat_batch", py_flat_batch, "flat_batch"))
    plan.append(("quant", None, f"quant {args.flat_queries}"))
    for ef in EFS:
        plan.append((f"hnsw_hl_{ef}", lambda ef=ef: py_hl(ef), f"hnsw {ef}"))
        plan.append((f"hnsw_fh_{ef}", lambda ef=ef: py_fh(ef), None))
    if args.hnsw_rs:
        for ef in EFS:
            plan.append((f"hnsw_rs_{ef}", None, f"hnsw_rs {ef}"))
    for tag in ["10", "1"]:
        for ef in FILTER_EFS:
            plan.append((f"filt{tag}_{ef}", lambda tag=tag, ef=ef: py_fh_filter(tag, ef),
                         f"hnsw_filter {tag} {ef} auto" if ef in EFS else None))
        plan.append((f"filt{tag}_int8", None, f"hnsw_filter {tag} 64 auto8"))
    # crossover: fairmatch graph walk vs exact vs int8 scan over the allowed ids
    for tag, _ in ALLOW_SHARES:
        plan.append((f"x_graph_{tag}", None, f"hnsw_filter {tag} 64 graph"))
        plan.append((f"x_exact_{tag}", None, f"hnsw_filter {tag} 64 exact"))
        plan.append((f"x_int8_{tag}", None, f"hnsw_filter {tag} 64 int8"))

    for rnd in range(args.rounds):
        for key, py, rc in plan:
            if py is not None:
                res[key + ":py"].append(py())
            if rc is not None:
                res[key + ":fm"].append(rust(rc))
        log(f"round {rnd + 1}/{args.rounds} done")
    rust.close()

    med = lambda key, f="qps": statistics.median(x[f] for x in res[key])  # noqa: E731
    rec = lambda key: res[key][0]["recall"]  # noqa: E731

    def ratio(a, b):
        return statistics.median(x["qps"] / y["qps"] for x, y in zip(res[a], res[b]))

    rows = []
    add = lambda *c: rows.append("| " + " | ".join(str(x) for x in c) + " |")  # noqa: E731
    add("system", "setting", "recall@10", "queries/s (median)", "build s", "index bytes")
    add("---", "---", "---:", "---:", "---:", "---:")
    fq = min(args.flat_queries, nq)
    add("faiss IndexFlatIP", f"single query ({fq} q)", f"{rec('flat_single:py'):.3f}",
        f"{med('flat_single:py'):.1f}", "-", f"{info['ff_bytes']:,}")
    add("fairmatch FlatIndex", f"single query ({fq} q)", f"{rec('flat_single:fm'):.3f}",
        f"{med('flat_single:fm'):.1f}", "-", f"{info['f32_bytes']:,}")
    add("faiss IndexFlatIP", f"batch of {nq}", f"{rec('flat_batch:py'):.3f}",
        f"{med('flat_batch:py'):.1f}", "-", "")
    add("fairmatch FlatIndex", f"search_batch of {nq}", f"{rec('flat_batch:fm'):.3f}",
        f"{med('flat_batch:fm'):.1f}", "-", "")
    add("fairmatch QuantizedIndex", f"int8 + rerank {args.rerank} ({fq} q)",
        f"{rec('quant:fm'):.3f}", f"{med('quant:fm'):.1f}", f"{info['fq_build']:.1f}",
        f"{info['fq_scan_bytes']:,} scan (+f32 rows)")
    for ef in EFS:
        add("hnswlib", f"M={args.m} efC={args.efc} ef={ef}", f"{rec(f'hnsw_hl_{ef}:py'):.3f}",
            f"{med(f'hnsw_hl_{ef}:py'):.0f}", f"{info['hl_build']:.1f}" if ef == EFS[0] else "",
            f"{info['hl_bytes']:,}" if ef == EFS[0] else "")
    for ef in EFS:
        add("faiss IndexHNSWFlat", f"M={args.m} efC={args.efc} ef={ef}",
            f"{rec(f'hnsw_fh_{ef}:py'):.3f}", f"{med(f'hnsw_fh_{ef}:py'):.0f}",
            f"{info['fh_build']:.1f}" if ef == EFS[0] else "",
            f"{info['fh_bytes']:,}" if ef == EFS[0] else "")
    for ef in EFS:
        add("fairmatch HnswIndex", f"M={args.m} efC={args.efc} ef={ef}",
            f"{rec(f'hnsw_hl_{ef}:fm'):.3f}", f"{med(f'hnsw_hl_{ef}:fm'):.0f}",
            f"{info['fm_build']:.1f}" if ef == EFS[0] else "",
            f"{info['fm_bytes']:,} (est.)" if ef == EFS[0] else "")
    if args.hnsw_rs:
        for ef in EFS:
            add("hnsw_rs 0.3.5 alone (baseline)", f"M={args.m} efC={args.efc} ef={ef}",
                f"{rec(f'hnsw_rs_{ef}:fm'):.3f}", f"{med(f'hnsw_rs_{ef}:fm'):.0f}",
                f"{info['rs_build']:.1f}" if ef == EFS[0] else "", "")
    for tag in ["10", "1"]:
        for ef in FILTER_EFS:
            add("faiss HNSW + IDSelectorBitmap", f"{tag}% allow-list, ef={ef}",
                f"{rec(f'filt{tag}_{ef}:py'):.3f}", f"{med(f'filt{tag}_{ef}:py'):.0f}", "", "")
        for ef in EFS:
            add("fairmatch HnswIndex (auto)", f"{tag}% allow-list, ef={ef}",
                f"{rec(f'filt{tag}_{ef}:fm'):.3f}", f"{med(f'filt{tag}_{ef}:fm'):.0f}", "", "")
        add("fairmatch HnswIndex (auto, int8_filter_share=0.25)", f"{tag}% allow-list",
            f"{rec(f'filt{tag}_int8:fm'):.3f}", f"{med(f'filt{tag}_int8:fm'):.0f}", "",
            f"+{info['fm_int8_bytes']:,} codes" if tag == "10" else "")
    for tag, _ in ALLOW_SHARES:
        add("fairmatch HnswIndex graph walk", f"{tag}% allow-list, ef=64",
            f"{rec(f'x_graph_{tag}:fm'):.3f}", f"{med(f'x_graph_{tag}:fm'):.0f}", "", "")
        add("fairmatch exact over allowed ids", f"{tag}% allow-list",
            f"{rec(f'x_exact_{tag}:fm'):.3f}", f"{med(f'x_exact_{tag}:fm'):.0f}", "", "")
        add("fairmatch int8 scan over allowed ids + rerank", f"{tag}% allow-list",
            f"{rec(f'x_int8_{tag}:fm'):.3f}", f"{med(f'x_int8_{tag}:fm'):.0f}", "", "")
    print("\n".join(rows))

    # ---- targets ----
    def first_ef(prefix, suffix, goal):
        for ef in EFS:
            if rec(f"{prefix}{ef}{suffix}") >= goal:
                return ef
        return None

    t = []
    tadd = lambda *c: t.append("| " + " | ".join(str(x) for x in c) + " |")  # noqa: E731
    tadd("target", "measured", "goal", "met")
    tadd("---", "---:", "---", "---")
    x = ratio("flat_single:fm", "flat_single:py")
    tadd("exact f32 single query vs faiss IndexFlatIP", f"{x:.2f}x", ">= 1.0x", x >= 1.0)
    x = ratio("flat_batch:fm", "flat_batch:py")
    tadd(f"exact batched ({nq}) vs faiss batched", f"{x:.2f}x", ">= 0.8x", x >= 0.8)
    x = statistics.median(a["qps"] / b["qps"] for a, b in zip(res["quant:fm"], res["flat_single:py"]))
    qr = rec("quant:fm")
    tadd("int8+rerank q/s vs faiss IndexFlatIP single", f"{x:.2f}x (recall {qr:.3f})",
         ">= 3x at recall >= 0.99", x >= 3 and qr >= 0.99)
    mem = info["fq_scan_bytes"] / info["f32_bytes"]
    tadd("int8 scan memory vs f32", f"{mem:.3f}x", "<= 0.3x", mem <= 0.3)
    def qps_at(prefix, suffix, goal, efs=EFS):
        """q/s at recall `goal`, interpolated linearly between the two efs that bracket it."""
        pts = [(rec(f"{prefix}{ef}{suffix}"), med(f"{prefix}{ef}{suffix}")) for ef in efs]
        for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
            if r0 >= goal:
                return q0
            if r0 < goal <= r1:
                return q0 + (q1 - q0) * (goal - r0) / (r1 - r0)
        return pts[0][1] if pts[0][0] >= goal else None

    ef_fm = first_ef("hnsw_hl_", ":fm", 0.95)
    ef_hl = first_ef("hnsw_hl_", ":py", 0.95)
    if ef_fm and ef_hl:
        x = statistics.median(a["qps"] / b["qps"] for a, b in
                              zip(res[f"hnsw_hl_{ef_fm}:fm"], res[f"hnsw_hl_{ef_hl}:py"]))
        a, b = qps_at("hnsw_hl_", ":fm", 0.95), qps_at("hnsw_hl_", ":py", 0.95)
        tadd("HNSW q/s at recall >= 0.95 vs hnswlib",
             f"{x:.2f}x at first ef reaching 0.95 (fm ef={ef_fm}, hnswlib ef={ef_hl}); "
             f"{a / b:.2f}x interpolated at 0.95", ">= 1.0x", x >= 1.0)
    else:
        tadd("HNSW q/s at recall >= 0.95 vs hnswlib", f"fm ef={ef_fm} hnswlib ef={ef_hl}", ">= 1.0x",
             False)
    x = info["fm_build"] / info["hl_build"]
    tadd("HNSW build time vs hnswlib (1 thread each)", f"{x:.2f}x", "<= 1.5x", x <= 1.5)
    # 10%: every fairmatch setting reaching recall 0.95 (walk at each ef, int8 path) against
    # faiss interpolated to that recall; when faiss never reaches it, against faiss at its
    # highest measured recall (faster than faiss at ours would be: a lower bound for the ratio)
    best = None
    faiss_max = max((rec(f"filt10_{ef}:py"), ef) for ef in FILTER_EFS)
    for key in [f"filt10_{ef}:fm" for ef in EFS] + ["filt10_int8:fm"]:
        r_fm = rec(key)
        if r_fm < 0.95:
            continue
        q_fm = med(key)
        q_py = qps_at("filt10_", ":py", r_fm, FILTER_EFS)
        note = f"faiss interpolated to recall {r_fm:.3f}"
        if q_py is None:
            q_py = med(f"filt10_{faiss_max[1]}:py")
            note = (f"faiss never reaches {r_fm:.3f}; vs its best, recall {faiss_max[0]:.3f} "
                    f"at ef={faiss_max[1]} (lower bound)")
        x = q_fm / q_py
        if best is None or x > best[0]:
            best = (x, key, r_fm, q_fm, q_py, note)
    if best:
        x, key, r_fm, q_fm, q_py, note = best
        tadd("10% allow-list: q/s at equal recall vs faiss HNSW+IDSelector",
             f"{x:.2f}x ({key.split(':')[0]}: recall {r_fm:.3f} at {q_fm:.0f} q/s; {note}: "
             f"{q_py:.0f} q/s)", ">= 2x at recall >= 0.95", x >= 2)
    else:
        tadd("10% allow-list recall >= 0.95", "not reached", ">= 0.95", False)
    r1 = max(rec(f"filt1_{ef}:fm") for ef in EFS)
    tadd("1% allow-list recall@10", f"{r1:.3f}", ">= 0.99", r1 >= 0.99)
    print()
    print("\n".join(t))
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"info": info, "res": res}, f)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--shared", default=os.path.join(os.path.dirname(__file__),
                                                    "../../../shared/data"))
    g.add_argument("--n", type=int, default=100_000)
    g.add_argument("--nq", type=int, default=1000)
    g.add_argument("--noise", type=float, default=0.02)
    g.add_argument("--seed", type=int, default=7)
    r = sub.add_parser("run")
    r.add_argument("--data", required=True)
    r.add_argument("--rust", required=True)
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--m", type=int, default=16)
    r.add_argument("--efc", type=int, default=200)
    r.add_argument("--rerank", type=int, default=64)
    r.add_argument("--flat-queries", type=int, default=200)
    r.add_argument("--hnsw-rs", action="store_true",
                   help="also build and time the hnsw_rs 0.3.5 crate alone (the graph fairmatch "
                        "used before its own)")
    a = ap.parse_args()
    gen(a) if a.cmd == "gen" else main_run(a)


if __name__ == "__main__":
    main()
