#!/usr/bin/env python3
"""Python side of benches/compare/rerank.py: times one reference-library case and prints one
JSON line {"case", "median_ns", "iters"}. Runs inside the fixture venvs:
fixtures/gen/rerank/.venv (fairsearchcore 1.0.4 + __hash__ shim) or .venv-reranking."""
import json
import statistics
import sys
import time


def fair_docs(n):
    from fairsearchcore.models import FairScoreDoc
    docs = []
    for i in range(n):
        score = ((i * 2654435761) % 1000003) / 1000003.0
        docs.append(FairScoreDoc(i, score, (i * 31) % 10 < 4))
    # fairsearchcore expects the input ranking sorted by score (descending)
    docs.sort(key=lambda d: (-d.score, d.id))
    return docs


def shim():
    import fairsearchcore.fail_prob as fp
    orig = fp.LegalAssignmentKey.__hash__
    fp.LegalAssignmentKey.__hash__ = lambda self: int(orig(self))


def timeit(fn, budget_s, once=False):
    fn_t = time.perf_counter()
    fn()
    one = time.perf_counter() - fn_t
    if once:
        return one, 1
    batch = max(1, int(0.005 / max(one, 1e-7)))
    samples, iters = [], 0
    start = time.perf_counter()
    while time.perf_counter() - start < budget_s or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t) / batch)
        iters += batch
    return statistics.median(samples), iters


def main():
    case = sys.argv[1]
    budget = float(sys.argv[2]) / 1000.0 if len(sys.argv) > 2 else 0.5
    if case.startswith("mtable_"):
        shim()
        from fairsearchcore.mtable_generator import MTableGenerator
        k, p = (100, 0.5) if "k100" in case else (400, 0.3)
        # a fresh generator each time: fairsearchcore's own cache lives in Fair objects
        med, iters = timeit(lambda: MTableGenerator(k, p, 0.1, True), budget, once=True)
    elif case in ("fair_rerank", "apply_fair"):
        shim()
        import fairsearchcore as fsc
        f = fsc.Fair(100, 0.5, 0.1)
        f.create_adjusted_mtable()  # cached inside f
        docs = fair_docs(1000)
        med, iters = timeit(lambda: f.re_rank(docs), budget)
    else:
        from reranking.reranker import Reranker
        n = 1000
        attrs = [(i * 17 + i // 7) % 3 for i in range(n)]
        distr = {0: 0.2, 1: 0.3, 2: 0.5}
        med, iters = timeit(lambda: Reranker(attrs, distr)(k_max=100, algorithm=case), budget)
    print(json.dumps({"case": case, "median_ns": int(med * 1e9), "iters": iters}))


if __name__ == "__main__":
    main()
