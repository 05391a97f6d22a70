"""Issue 12: no input may crash the host process, corrupt a snapshot or half-apply a write.

One test per item where the crash or the data loss was seen through Python (the rules live
in the core and are tested there too, core/tests/hardening.rs). Everything that could abort
or overflow the stack runs in a child interpreter (`run_child`), with a 512 KiB thread stack
and a 4 GiB address-space limit, so a crash fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

import fairmatch
from fairmatch import metrics, rerank

NOW = "2026-06-01T12:00:00Z"


def run_child(body: str, *, mem_gib: int = 4) -> str:
    """Runs `body` in a fresh interpreter, inside a thread with a 512 KiB stack and with the
    address space limited to `mem_gib`; returns its stdout, fails on any non-zero exit
    (abort, segfault, uncaught exception)."""
    code = textwrap.dedent(
        """
        import resource, threading, sys, traceback
        resource.setrlimit(resource.RLIMIT_AS, ({lim}, {lim}))
        threading.stack_size(512 * 1024)
        failed = []
        def main():
            try:
        {body}
            except BaseException:
                traceback.print_exc()
                failed.append(1)
        t = threading.Thread(target=main)
        t.start()
        t.join()
        sys.exit(1 if failed else 0)
        """
    ).format(lim=mem_gib << 30, body=textwrap.indent(textwrap.dedent(body), " " * 12))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"child exited with {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def freelancer(fid: str, **extra: Any) -> Dict[str, Any]:
    f: Dict[str, Any] = {"id": fid, "skills": [{"skill": "React", "level": 4}], "hourly_rate": 40.0}
    f.update(extra)
    return f


# ---- 1. recursion -------------------------------------------------------------------------


def test_item1_self_referential_and_deep_inputs_are_typed_errors() -> None:
    out = run_child(
        """
        import fairmatch
        from fairmatch import metrics, rerank
        e = fairmatch.Engine()
        e.upsert_job({"id": "j", "skills": [{"skill": "React"}]})
        e.upsert_freelancer({"id": "f", "skills": [{"skill": "React"}]})
        cyc = []; cyc.append(cyc)
        dcyc = {}; dcyc["k"] = dcyc
        deep = []
        for _ in range(900): deep = [deep]
        ddeep = {}
        for _ in range(900): ddeep = {"a": ddeep}
        cases = [
            ("freelancer.skills", lambda x: e.upsert_freelancer({"id": "a", "skills": x})),
            ("freelancers[0].skills", lambda x: e.upsert_freelancers([{"id": "a", "skills": x}])),
            ("job.skills", lambda x: e.upsert_job({"id": "a", "skills": x})),
            ("jobs[0]", lambda x: e.upsert_jobs([x])),
            ("options.filters", lambda x: e.recommend_freelancers("j", {"filters": x})),
            ("options.fairness", lambda x: e.recommend_jobs("f", {"fairness": x})),
            ("options", lambda x: e.score("j", "f", x)),
            ("impressions.freelancer_ids", lambda x: e.record_impressions({"request_id": "r", "freelancer_ids": x, "at": "2026-01-01T00:00:00Z"})),
            ("outcome", lambda x: e.record_outcome(x)),
            ("options.attribute", lambda x: e.audit({"attribute": x})),
            ("config", lambda x: fairmatch.Engine(config={"events": x})),
            ("config", lambda x: rerank.apply({"type": "chain", "steps": x}, [], 3)),
            ("items", lambda x: rerank.apply({"type": "none"}, x, 3)),
            ("ledger", lambda x: rerank.apply({"type": "none"}, [], 3, ledger={"exposure": x})),
            ("targets", lambda x: rerank.geyik_rerank([], x, 3, "det_greedy")),
            ("model", lambda x: metrics.ExposureAccumulator(2, model={"type": "custom", "weights": x})),
            ("state", lambda x: metrics.GroupConfusion.from_dict({"groups": x})),
        ]
        n = 0
        for prefix, call in cases:
            for x in (cyc, dcyc, deep, ddeep):
                try:
                    call(x)
                except fairmatch.InvalidInputError as err:
                    assert err.field.startswith(prefix), (prefix, err.field)
                    assert "itself" in str(err) or "deeper" in str(err) or "JSON" in str(err), str(err)
                    n += 1
                else:
                    raise AssertionError(f"{prefix}: accepted")
        # the JSON bulk path refuses absurd nesting too (serde_json's limit)
        try:
            e.upsert_freelancers("[" * 100000 + "]" * 100000)
        except fairmatch.InvalidInputError as err:
            assert err.field.startswith("freelancers"), err.field
            n += 1
        print("typed", n)
        """
    )
    assert "typed 69" in out


def test_item1_depth_limit_leaves_valid_inputs_alone() -> None:
    e = fairmatch.Engine()
    policy = {"type": "chain", "steps": [{"type": "det_greedy", "targets": [{"group": 0, "proportion": 0.5}]}]}
    e.upsert_job({"id": "j", "skills": [{"skill": "React"}]})
    e.upsert_freelancer(freelancer("f"))
    r = e.recommend_freelancers("j", {"fairness": {"policy": policy, "attribute": "t", "groups": ["x"]}})
    assert r["matches"][0]["id"] == "f"
    assert fairmatch.MAX_NESTING == 64


def test_item1_shared_sublists_hit_the_total_node_budget() -> None:
    """A DAG — one list placed twice in a list, 40 levels deep — passes the depth and cycle
    checks but would expand to 2^40 values: the conversion stops at MAX_INPUT_NODES with a
    typed error naming the key where the budget ran out (in a child: memory-limited)."""
    out = run_child(
        """
        import time
        import fairmatch
        assert fairmatch.MAX_INPUT_NODES == 2**24
        e = fairmatch.Engine()
        dag = ["x"]
        for _ in range(40):
            dag = [dag, dag]
        t = time.perf_counter()
        try:
            e.upsert_freelancer({"id": "f", "skills": [{"skill": "React"}], "tags": dag})
        except fairmatch.InvalidInputError as err:
            assert err.field.startswith("freelancer.tags[0][0]"), err.field
            assert "more than 16777216 values" in str(err), str(err)
        else:
            raise AssertionError("accepted")
        assert time.perf_counter() - t < 60
        # the same shape within the budget converts (and is then judged by the core)
        small = ["x"]
        for _ in range(10):
            small = [small, small]
        try:
            e.upsert_freelancer({"id": "f", "skills": [{"skill": "React"}], "tags": small})
        except fairmatch.InvalidInputError as err:
            assert "more than" not in str(err), str(err)
        print("ok")
        """,
        mem_gib=4,
    )
    assert "ok" in out


# ---- 2. huge k ----------------------------------------------------------------------------


def test_item2_hnsw_huge_k_is_clamped() -> None:
    out = run_child(
        """
        import numpy as np
        from fairmatch import HnswIndex, FlatIndex
        h = HnswIndex("m", 3)
        h.upsert_many(list(range(40)), np.random.default_rng(0).random((40, 3)).astype("float32") + 0.1)
        for k in (2**40, 10**9, 2**62, 2**64 - 1):
            hits = h.search([0.1, 0.2, 0.3], k)
            assert len(hits) == 40
            assert len(h.search_batch([[0.1, 0.2, 0.3]], k)[0]) == 40
        try:
            h.search([0.1, 0.2, 0.3], 2**64)
        except ValueError as err:
            assert err.field == "k"
        print("ok")
        """,
        mem_gib=3,
    )
    assert "ok" in out


# ---- 3. group codes -----------------------------------------------------------------------


def test_item3_group_codes_never_size_an_allocation() -> None:
    out = run_child(
        """
        import fairmatch
        from fairmatch import metrics as m
        calls = {
            "dpd": lambda g, n: m.demographic_parity_difference([1, 0], [1, 1], sensitive_features=g, n_groups=n),
            "gc": lambda g, n: m.GroupConfusion([1, 0], [1, 1], g, n_groups=n),
            "group_exposure": lambda g, n: m.group_exposure(g, n or 2),
            "awrf": lambda g, n: m.awrf(g, n or 2, 0.5),
            "attention_shares": lambda g, n: m.attention_shares(g, n or 2),
            "attribute_rank_parity": lambda g, n: m.attribute_rank_parity(g, n or 2),
            "rating_gaps": lambda g, n: m.rating_gaps([4.0, 5.0], g, n or 2),
            "exposure_per_utility": lambda g, n: m.exposure_per_utility(g, [1.0, 1.0], n or 2),
            # (these two take codes only: the n_groups case is the plain valid call)
            "expected_exposure": lambda g, n: n or m.expected_exposure([[0, 1]], [1.0, 0.0], item_groups=g),
            "bggei": lambda g, n: n or m.between_group_generalized_entropy_index([1.0, 2.0], g),
            "accumulator": lambda g, n: m.ExposureAccumulator(n or 2).add_ranking(g),
        }
        n = 0
        for name, call in calls.items():
            for g, ng in (([0, 4_000_000_000], None), ([0, 50_000_000], None), ([0, 1], 2**40)):
                try:
                    if call(g, ng) == 2**40:
                        continue
                except fairmatch.FairmatchError as err:
                    assert isinstance(err, (fairmatch.InvalidInputError, fairmatch.UnknownIdError)), (name, err)
                    n += 1
                else:
                    raise AssertionError(f"{name} {g} {ng}: accepted")
        for f in (lambda: m.GroupConfusion.empty(2**40), lambda: m.ExposureAccumulator(2**40)):
            try:
                f()
            except fairmatch.InvalidInputError as err:
                assert err.field == "n_groups"
                n += 1
        print("typed", n)
        """,
        mem_gib=3,
    )
    assert "typed 33" in out


# ---- 4. memory by id ----------------------------------------------------------------------


def test_item4_index_memory_follows_rows_not_ids() -> None:
    out = run_child(
        """
        from fairmatch import QuantizedIndex, FlatIndex, HnswIndex
        q = QuantizedIndex("m", 1)
        q.upsert(2**28, [1.0])
        q.upsert(2**32 - 1, [1.0])
        assert q.memory_bytes() < 1 << 20, q.memory_bytes()
        back = QuantizedIndex.from_bytes(q.to_bytes())
        assert [h["id"] for h in back.search([1.0], 5)] == [2**28, 2**32 - 1]
        h = HnswIndex("m", 2)
        h.upsert(2**31, [1.0, 0.0])
        assert HnswIndex.from_bytes(h.to_bytes()).memory_bytes() < 1 << 20
        print("ok")
        """,
        mem_gib=2,
    )
    assert "ok" in out


# ---- 5, 6, 14. snapshots ------------------------------------------------------------------


def test_item5_counters_never_wrap_and_snapshot_loads() -> None:
    e = fairmatch.Engine()
    full = 2**32 - 1
    e.upsert_freelancer(
        freelancer(
            "a",
            history={"contracts_total": full, "ratings_count": full, "ratings_sum": 4.0 * full, "proposals_sent": full},
        )
    )
    before = e.to_bytes()
    for kind, extra, field in [
        ("hired", {}, "freelancer.history.contracts_total"),
        ("reviewed", {"rating": 5}, "freelancer.history.ratings_count"),
        ("applied", {}, "freelancer.history.proposals_sent"),
    ]:
        with pytest.raises(fairmatch.InvalidInputError) as ei:
            e.record_outcome({"freelancer_id": "a", "kind": kind, "at": NOW, **extra})
        assert ei.value.field == field
    assert e.to_bytes() == before
    assert fairmatch.Engine.from_bytes(e.to_bytes()).to_bytes() == before


def test_item6_ledger_overflow_stays_finite_and_loads() -> None:
    cfg = {"ledger": {"position_model": {"type": "custom", "weights": [1e308, 1e308]}}}
    e = fairmatch.Engine(config=cfg)
    for fid in ("a", "b"):
        e.upsert_freelancer(freelancer(fid))
    for t in range(3):
        e.record_impressions(
            {"request_id": f"r{t}", "freelancer_ids": ["a", "b"], "scores": [1e308, 1e308], "at": NOW}
        )
    ledger = e.ledger()
    assert all(v is not None and math.isfinite(v) for v in ledger["merit"].values())
    assert all(v is not None and math.isfinite(v) for v in ledger["exposure"].values())
    b = e.to_bytes()
    assert fairmatch.Engine.from_bytes(b).to_bytes() == b


def test_item14_first_reload_is_byte_identical() -> None:
    e = fairmatch.Engine()
    ids = [f"f{i}" for i in range(30)]
    e.upsert_freelancers([freelancer(i) for i in ids])
    rng = np.random.default_rng(3)
    for t in range(40):
        e.record_impressions(
            {
                "request_id": f"r{t}",
                "freelancer_ids": ids,
                "scores": rng.random(len(ids)).tolist(),
                "at": f"2026-06-{1 + t % 28:02d}T{t % 24:02d}:17:09Z",
            }
        )
    b1 = e.to_bytes()
    assert fairmatch.Engine.from_bytes(b1).to_bytes() == b1


# ---- 7. concurrent saves ------------------------------------------------------------------


def test_item7_concurrent_saves_are_atomic(tmp_path: Path) -> None:
    engines = []
    for w in range(6):
        e = fairmatch.Engine()
        e.upsert_freelancers([freelancer(f"w{w}-{i}") for i in range(20 * (w + 1))])
        engines.append(e)
    path = tmp_path / "engine.fm"
    engines[0].save(path)
    errors: List[BaseException] = []
    stop = threading.Event()
    reads = [0]

    def writer(e: fairmatch.Engine) -> None:
        try:
            for _ in range(10):
                e.save(path)
        except BaseException as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    def reader() -> None:
        try:
            while not stop.is_set():
                n = fairmatch.Engine.load(path).freelancer_count()
                assert n in {20 * (w + 1) for w in range(6)}, n
                reads[0] += 1
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    rs = [threading.Thread(target=reader) for _ in range(3)]
    ws = [threading.Thread(target=writer, args=(e,)) for e in engines]
    for t in rs + ws:
        t.start()
    for t in ws:
        t.join()
    stop.set()
    for t in rs:
        t.join()
    assert not errors, errors
    assert reads[0] > 0
    assert sorted(os.listdir(tmp_path)) == ["engine.fm"], "no temporary left behind"


# ---- 8, 9, 11. writes ---------------------------------------------------------------------


def test_item8_rejected_upserts_store_nothing() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancer(freelancer("keep"))
    before = e.to_bytes()
    for emb, field in [
        ({"model": "m" * 300, "vector": [1.0, 0.0]}, "freelancer.embedding.model"),
        ({"model": "m", "vector": [1.0] * 65537}, "freelancer.embedding.vector"),
    ]:
        with pytest.raises(fairmatch.InvalidInputError) as ei:
            e.upsert_freelancer(freelancer("a", embedding=emb))
        assert ei.value.field == field
        assert e.freelancer_count() == 1
    with pytest.raises(fairmatch.FairmatchError):
        e.upsert_freelancers(
            [
                freelancer("a", embedding={"model": "m", "vector": [1.0, 0.0]}),
                freelancer("b", embedding={"model": "m", "vector": [1.0, 0.0, 0.0]}),
            ]
        )
    assert e.freelancer_count() == 1 and e.to_bytes() == before


def test_item9_rejected_upserts_do_not_grow_the_snapshot() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancer(freelancer("keep"))
    before = e.to_bytes()
    for i in range(2000):
        with pytest.raises(fairmatch.InvalidInputError):
            e.upsert_freelancer(
                {"id": f"x{i}", "skills": [{"skill": f"brand new {i}"}], "languages": [f"l{i}"], "hourly_rate": -1}
            )
    assert e.to_bytes() == before


def test_item11_first_vector_either_side_fixes_the_dimension() -> None:
    e = fairmatch.Engine()
    e.upsert_job({"id": "j", "embedding": {"model": "m", "vector": [1.0, 0.0, 0.0, 0.0]}})
    with pytest.raises(fairmatch.DimensionMismatchError) as ei:
        e.upsert_freelancer(freelancer("a", embedding={"model": "m", "vector": [1.0, 0.0, 0.0]}))
    assert ei.value.field == "freelancer.embedding.vector"


# ---- 10. order independence ---------------------------------------------------------------


def test_item10_exploration_does_not_depend_on_upsert_order() -> None:
    people = [freelancer(f"p{i:02d}", attributes={"tenure": "new" if i % 3 == 0 else "old"}) for i in range(20)]
    opts = {
        "k": 6,
        "now": NOW,
        "fairness": {
            "policy": {"type": "exploration", "max_boost": 0.5, "min_impressions": 3, "seed": 9},
            "attribute": "tenure",
            "groups": ["new"],
        },
    }
    results = []
    for seed in range(4):
        order = list(people)
        np.random.default_rng(seed).shuffle(order)
        e = fairmatch.Engine()
        e.upsert_freelancers(order)
        e.upsert_job({"id": "j", "skills": [{"skill": "React"}]})
        results.append(json.dumps(e.recommend_freelancers("j", opts), sort_keys=True))
    assert len(set(results)) == 1


# ---- 12. metrics --------------------------------------------------------------------------


def test_item12_overflow_safe_metrics_and_float_labels() -> None:
    assert metrics.gini([1e308, 1e308, 0.0]) == pytest.approx(1 / 3)
    y = [1, 0, 1, 0, 1]
    p = [1, 0, 1, 1, 0]
    g = [0, 0, 1, 1, 1]
    plain = metrics.demographic_parity_ratio(y, p, sensitive_features=g)
    heavy = metrics.demographic_parity_ratio(y, p, sensitive_features=g, sample_weight=[1e308] * 5)
    assert heavy == plain and not math.isnan(heavy)
    for yt, yp in [
        (np.array(y, dtype=np.float64), np.array(p, dtype=np.float64)),
        ([float(v) for v in y], [float(v) for v in p]),
        (np.array(y, dtype=np.float64), np.array(p, dtype=np.int64)),
    ]:
        assert metrics.demographic_parity_ratio(yt, yp, sensitive_features=g) == plain
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        metrics.demographic_parity_ratio([1.0, 0.5], [1, 0], sensitive_features=[0, 1])
    assert ei.value.field == "y_true[1]"


# ---- 13. error naming ---------------------------------------------------------------------


def test_item13_errors_name_the_key() -> None:
    e = fairmatch.Engine()
    e.upsert_job({"id": "j"})
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        e.recommend_freelancers("j", {"k": -1})
    assert ei.value.field == "options.k"
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        e.upsert_freelancer({"id": "a", "skills": [{"skill": "x", "level": 7}]})
    assert ei.value.field == "freelancer.skills[0].level"
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        e.upsert_freelancers([{"id": "a"}, {"id": "b", "hourly_rate": -3}])
    assert ei.value.field == "freelancers[1].hourly_rate"
    cases: List[Any] = [
        (lambda: metrics.group_exposure([0, 1], -1), "n_groups"),
        (lambda: metrics.GroupConfusion.empty(-2), "n_groups"),
        (lambda: metrics.demographic_parity_difference([1], [1], sensitive_features=[0], n_groups=-1), "n_groups"),
        (lambda: metrics.permutation_test([0, 1], lambda x: 0.0, resamples=-5), "resamples"),
        (lambda: metrics.permutation_test([0, 1], lambda x: 0.0, seed=-1), "seed"),
        (lambda: metrics.skew([0, 1], [0.5, 0.5], 0, -1), "k"),
        (lambda: rerank.apply({"type": "none"}, [], -1), "k"),
        (lambda: e.remove_freelancer("a\ud800"), "id"),
        (lambda: e.recommend_freelancers("j\udfff"), "job_id"),
        (lambda: e.upsert_freelancer({"id": "x\ud800"}), "freelancer.id"),
        (lambda: e.upsert_freelancer({"id": "x", "attributes": {"k\ud800": "v"}}), "freelancer.attributes"),
        (lambda: metrics.gini([1.0], zero_division="nan\ud800"), "zero_division"),
        (lambda: fairmatch.FlatIndex("m", -3), "dim"),
        (lambda: fairmatch.FlatIndex("m\ud800", 3), "model_id"),
    ]
    for call, field in cases:
        with pytest.raises(fairmatch.InvalidInputError) as ei:
            call()
        assert ei.value.field == field, (field, ei.value.field)


# ---- 15. bulk path ------------------------------------------------------------------------


def test_item15_bulk_json_path() -> None:
    batch = [freelancer(f"f{i}") for i in range(50)]
    a, b, c = fairmatch.Engine(), fairmatch.Engine(), fairmatch.Engine()
    a.upsert_freelancers(batch)
    b.upsert_freelancers(json.dumps(batch))
    c.upsert_freelancers(json.dumps(batch).encode())
    assert a.to_bytes() == b.to_bytes() == c.to_bytes()
    bad = batch + [{"id": "z", "skills": [{"skill": "x", "level": "high"}]}]
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        b.upsert_freelancers(json.dumps(bad))
    assert ei.value.field == "freelancers[50].skills[0].level"
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        b.upsert_freelancers("[{")
    assert ei.value.field.startswith("freelancers") and "JSON" in str(ei.value)
    assert b.to_bytes() == a.to_bytes(), "a rejected JSON batch changes nothing"
    b.upsert_jobs(json.dumps([{"id": "j", "skills": [{"skill": "React"}]}]))
    assert b.job_count() == 1


# ---- 16. seed spellings -------------------------------------------------------------------


def test_item16_seed_spellings() -> None:
    e = fairmatch.Engine()
    e.upsert_job(
        {
            "id": "j",
            "skills": [{"skill": "react\x1f", "importance": "Must"}],
            "experience_level": "senior",
            "budget": {"kind": "Hourly", "max": 80},
        }
    )
    j: Dict[str, Any] = dict(e.job("j"))
    assert j["experience_level"] == "expert" and j["budget"]["kind"] == "hourly"
    e.upsert_freelancer({"id": "a", "skills": [{"skill": "\x1cReact"}], "languages": ["EN\x1e"]})
    r: Any = e.recommend_freelancers("j", {"now": NOW})
    assert r["matches"][0]["explanation"]["skills"]["matched"][0]["held"] == "React"
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        e.upsert_job({"id": "k", "experience_level": "guru"})
    assert ei.value.field == "job.experience_level"
    assert "senior" in str(ei.value)


# ---- fuzz ---------------------------------------------------------------------------------

FUZZ = r"""
import math, random, sys
import fairmatch
from fairmatch import metrics, rerank, FlatIndex, HnswIndex, QuantizedIndex

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
ATOMS = [None, True, False, 0, 1, -1, 7, 2**31, 2**32, 2**64, -2**70, 10**400 if False else 2**300,
         0.5, -0.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), "", " ", "x", "Expert",
         "hourly", "\ud800", "a\udfffb", "\x1f", "é" * 3, b"bytes", (1, 2), object()]
VALID_F = {"id": "f1", "skills": [{"skill": "React", "level": 4, "years": 2}], "hourly_rate": 40.0,
           "languages": ["en"], "history": {"ratings_count": 2, "ratings_sum": 9.0},
           "attributes": {"tenure": "new"}, "embedding": {"model": "m", "vector": [1.0, 0.0]}}
VALID_J = {"id": "j1", "skills": [{"skill": "React", "min_level": 3}], "budget": {"kind": "hourly", "max": 50},
           "experience_level": "expert", "languages": ["en"]}
VALID_O = {"k": 5, "min_score": 0.1, "filters": {"attributes": {"tenure": ["new"]}},
           "fairness": {"policy": {"type": "chain", "steps": [{"type": "exploration", "max_boost": 0.1, "min_impressions": 3}]},
                        "attribute": "tenure", "groups": ["new"]}}

def atom():
    return rng.choice(ATOMS)

def value(depth=0):
    r = rng.random()
    if depth > 6 or r < 0.45:
        return atom()
    if r < 0.7:
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]
    d = {}
    for _ in range(rng.randint(0, 4)):
        k = rng.choice(["id", "skills", "skill", "level", "k", "type", "steps", "kind", "x", "\ud800", 3])
        d[k] = value(depth + 1)
    return d

def mutate(v, depth=0):
    # replace one random leaf (or container) of a valid-shaped value
    if isinstance(v, dict) and v and rng.random() < 0.8:
        v = dict(v)
        k = rng.choice(list(v))
        v[k] = mutate(v[k], depth + 1)
        return v
    if isinstance(v, list) and v and rng.random() < 0.8:
        v = list(v)
        i = rng.randrange(len(v))
        v[i] = mutate(v[i], depth + 1)
        return v
    return special() if rng.random() < 0.3 else value()

def special():
    r = rng.random()
    if r < 0.3:
        x = []
        x.append(x)
        return x
    if r < 0.5:
        d = {}
        d["a"] = [d]
        return d
    if r < 0.7:
        x = "leaf"
        for _ in range(rng.choice([70, 300, 2000])):
            x = [x] if rng.random() < 0.5 else {"a": x}
        return x
    if r < 0.85:
        return ["x"] * rng.choice([10, 100000])
    return "s" * rng.choice([1, 600, 3_000_000])

def arg(valid):
    r = rng.random()
    if r < 0.5:
        return mutate(valid)
    if r < 0.75:
        return special()
    return value()

e = fairmatch.Engine()
e.upsert_freelancer(VALID_F)
e.upsert_job(VALID_J)
flat = FlatIndex("m", 2)
flat.upsert(1, [1.0, 0.0])
hnsw = HnswIndex("m", 2)
hnsw.upsert(1, [1.0, 0.0])
quant = QuantizedIndex("m", 2)
quant.upsert(1, [1.0, 0.0])

METHODS = [
    ("freelancer", lambda: e.upsert_freelancer(arg(VALID_F))),
    ("freelancers", lambda: e.upsert_freelancers(arg([VALID_F, dict(VALID_F, id="f2")]))),
    ("job", lambda: e.upsert_job(arg(VALID_J))),
    ("jobs", lambda: e.upsert_jobs(arg([VALID_J]))),
    ("options", lambda: e.recommend_freelancers("j1", arg(VALID_O))),
    ("options", lambda: e.recommend_jobs("f1", arg(VALID_O))),
    ("options", lambda: e.score("j1", "f1", arg(VALID_O))),
    ("job_id", lambda: e.recommend_freelancers(arg("j1"))),
    ("id", lambda: e.remove_job(arg("zz"))),
    ("impressions", lambda: e.record_impressions(arg({"request_id": "r", "freelancer_ids": ["f1"], "scores": [0.5], "at": "2026-01-01T00:00:00Z"}))),
    ("outcome", lambda: e.record_outcome(arg({"freelancer_id": "f1", "kind": "reviewed", "rating": 4, "at": "2026-01-01T00:00:00Z"}))),
    ("options", lambda: e.audit(arg({"attribute": "tenure", "zero_division": "zero"}))),
    ("config", lambda: fairmatch.Engine(config=arg({"ledger": {"position_model": {"type": "custom", "weights": [1.0]}}}))),
    ("config", lambda: rerank.apply(arg({"type": "fair", "p": 0.5, "alpha": 0.1, "protected_groups": [1]}), [{"id": 1, "score": 0.5, "group": 1}], 3)),
    ("items", lambda: rerank.apply({"type": "none"}, arg([{"id": 1, "score": 0.5, "group": 1}]), 3)),
    ("ledger", lambda: rerank.apply({"type": "fair_co", "lambda": 0.1}, [{"id": 1, "score": 0.5, "group": 0}], 3, ledger=arg({"position_model": {"type": "log"}, "cutoff": None, "half_life": None, "epoch": 0.0, "now": None, "exposure": {}, "merit": {}}))),
    ("impressions", lambda: rerank.apply({"type": "none"}, [], 3, impressions=arg({1: 3}))),
    ("", lambda: rerank.apply({"type": "none"}, [], arg(3))),
    ("targets", lambda: rerank.geyik_rerank([{"id": 1, "score": 0.5, "group": 0}], arg([{"group": 0, "proportion": 0.5}]), 2, "det_greedy")),
    ("items", lambda: rerank.fair_top_k(arg([{"id": 1, "score": 0.5, "group": 1}]), [1], 2, [0, 1])),
    ("model", lambda: metrics.ExposureAccumulator(2, model=arg({"type": "rbp", "gamma": 0.5}))),
    ("model", lambda: metrics.group_exposure([0, 1], 2, model=arg({"type": "geometric", "p": 0.5}))),
    ("state", lambda: metrics.GroupConfusion.from_dict(arg({"groups": [{"tp": 1, "fp": 0, "tn": 0, "fn_": 0, "rows": 1}]}))),
    ("state", lambda: metrics.ExposureAccumulator.from_dict(arg({"n_groups": 1}))),
    ("state", lambda: metrics.RatingStats.from_dict(arg({"n": 2, "mean": 3.0, "m2": 1.0}))),
    ("", lambda: metrics.demographic_parity_difference(arg([1, 0]), arg([1, 1]), sensitive_features=arg([0, 1]))),
    ("", lambda: metrics.gini(arg([1.0, 2.0]))),
    ("", lambda: metrics.welch_t_test(arg([1.0, 2.0, 3.0]), arg([2.0, 3.0]))),
    ("", lambda: metrics.skew(arg([0, 1]), arg([0.5, 0.5]), arg(0), arg(2))),
    ("", lambda: metrics.expected_exposure(arg([[0, 1]]), arg([1.0, 0.0]))),
    ("", lambda: metrics.intersect_groups(arg([[0, 1], [1, 0]]), arg([2, 2]))),
    ("", lambda: metrics.encode_groups(arg(["a", "b"]))),
    ("", lambda: flat.search(arg([1.0, 0.0]), arg(1), allow=arg([1]))),
    ("", lambda: hnsw.search(arg([1.0, 0.0]), arg(2), arg(8), allow=arg([1]), model_id=arg("m"))),
    ("", lambda: quant.upsert_many(arg([2, 3]), arg([[1.0, 0.0], [0.0, 1.0]]))),
    ("", lambda: flat.upsert(arg(5), arg([0.0, 1.0]))),
]

ALLOWED = (fairmatch.FairmatchError,)
counts = {"ok": 0, "typed": 0}
bad = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3000):
    prefix, call = METHODS[i % len(METHODS)]
    try:
        call()
        counts["ok"] += 1
    except ALLOWED as err:
        counts["typed"] += 1
        field = getattr(err, "field", None)
        # an InvalidInputError names the key: conversion errors by the argument's path
        # (`options.k`), the core's own checks by its field (`fair.p`, `audit.attribute`)
        if isinstance(err, fairmatch.InvalidInputError) and not field:
            bad.append((i, prefix, field, str(err)[:200]))
    except TypeError as err:
        # wrong Python types for plain scalar arguments (float, bool): pyo3 names the argument
        notes = " ".join(getattr(err, "__notes__", []))
        if "argument" not in str(err) and "while processing" not in notes:
            bad.append((i, prefix, "TypeError", str(err)[:200]))
        counts["typed"] += 1
    except BaseException as err:
        bad.append((i, prefix, type(err).__name__, str(err)[:200]))
print(counts)
for b in bad[:20]:
    print("BAD", b)
print("bad", len(bad))
"""


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_nested_recursive_oversized_inputs_to_every_method(seed: int, tmp_path: Path) -> None:
    script = tmp_path / "fuzz.py"
    script.write_text(FUZZ)
    code = f"import runpy, sys; sys.argv = ['fuzz', '{seed}', '2500']; runpy.run_path({str(script)!r})"
    out = run_child(code)
    assert "bad 0" in out, out
    assert "'typed'" in out
