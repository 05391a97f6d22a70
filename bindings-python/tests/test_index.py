"""Vector collections: FlatIndex equals a brute-force numpy reference, HNSW recall, filtered
search, save/load, and a typed error (or an empty result) for every bad input."""

from __future__ import annotations

import pickle
import threading
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np
import pytest

import fairmatch
from fairmatch import FlatIndex, HnswIndex, QuantizedIndex

if TYPE_CHECKING:
    from fairmatch._types import Hit

MODEL = "test-model"


def data(n: int = 600, dim: int = 16, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def clustered(n: int = 3000, dim: int = 32, clusters: int = 30, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)) * 3
    x = centres[rng.integers(0, clusters, n)] + rng.standard_normal((n, dim)) * 0.5
    return x.astype(np.float32)


def reference(
    x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int, metric: str, allow: Optional[Sequence[int]] = None
) -> list[tuple[int, float]]:
    """Brute force in float64: score all, sort by (score desc, id asc), take k."""
    x64, q64 = x.astype(np.float64), q.astype(np.float64)
    if metric == "cosine":
        x64 = x64 / np.linalg.norm(x64, axis=1, keepdims=True)
        q64 = q64 / np.linalg.norm(q64)
        s = x64 @ q64
    elif metric == "ip":
        s = x64 @ q64
    else:
        s = -((x64 - q64) ** 2).sum(axis=1)
    rows = [(int(i), float(v)) for i, v in zip(ids, s) if allow is None or int(i) in set(allow)]
    rows.sort(key=lambda t: (-t[1], t[0]))
    return rows[:k]


def assert_same(got: list[Hit], ranked: list[tuple[int, float]], k: int, tol: float = 1e-4) -> None:
    """`got` is the top `k` of `ranked` (every row's reference score, best first): each hit's
    score is its own row's reference score, ids are distinct, and the id at each position is
    the reference's or a row whose reference score ties it within rounding."""
    want = ranked[:k]
    score_of = dict(ranked)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= tol * max(1.0, abs(b))

    assert len(got) == len(want)
    assert len({g["id"] for g in got}) == len(got), got
    for pos, (g, (i, s)) in enumerate(zip(got, want)):
        assert g["id"] in score_of, (pos, g)
        assert close(g["score"], score_of[g["id"]]), (pos, g, score_of[g["id"]])
        if g["id"] != i:
            assert close(score_of[g["id"]], s), (pos, g, i, s)


def test_assert_same_can_fail() -> None:
    ranked = [(1, 0.9), (2, 0.5), (3, 0.5 - 1e-7), (4, 0.1)]
    assert_same([{"id": 1, "score": 0.9}, {"id": 3, "score": 0.5}], ranked, 2)  # near-tie
    with pytest.raises(AssertionError):  # right scores, wrong id
        assert_same([{"id": 1, "score": 0.9}, {"id": 4, "score": 0.5}], ranked, 2)
    with pytest.raises(AssertionError):  # duplicate id
        assert_same([{"id": 1, "score": 0.9}, {"id": 1, "score": 0.9}], ranked, 2)


@pytest.mark.parametrize("metric", ["cosine", "ip", "l2"])
def test_flat_equals_numpy_brute_force(metric: str) -> None:
    x = data()
    ids = np.arange(1000, 1000 + len(x), dtype=np.uint32)
    ix = FlatIndex(MODEL, x.shape[1], metric)
    ix.upsert_many(ids, x)
    assert len(ix) == len(x) and 1000 in ix and 5 not in ix
    qs = data(20, seed=9)
    for q in qs:
        got = ix.search(q, 10)
        assert_same(got, reference(x, ids, q, len(x), metric), 10)
        assert all(type(h["id"]) is int and type(h["score"]) is float for h in got)
    batch = ix.search_batch(qs, 10)
    assert batch == [ix.search(q, 10) for q in qs]


def test_ties_break_by_lower_id_and_inputs_convert() -> None:
    ix = FlatIndex(MODEL, 3, "cosine")
    ix.upsert(9, [1.0, 0.0, 0.0])
    ix.upsert(4, np.array([2.0, 0.0, 0.0]))  # same direction: same cosine
    ix.upsert(7, (0.0, 1.0, 0.0))
    got = ix.search([1.0, 0.0, 0.0], 3)
    assert [h["id"] for h in got] == [4, 9, 7]
    assert got[0]["score"] == pytest.approx(1.0)
    # strided, Fortran-order, float64 and list inputs give the same results as contiguous float32
    x = data(50, 8)
    a, b, c, d = (FlatIndex(MODEL, 8, "l2") for _ in range(4))
    a.upsert_many(np.arange(50), x)
    b.upsert_many(list(range(50)), np.asfortranarray(x))
    c.upsert_many(np.arange(50, dtype=np.int64), x.astype(np.float64))
    wide = np.zeros((50, 16), dtype=np.float32)
    wide[:, ::2] = x
    d.upsert_many(np.arange(50), wide[:, ::2])
    q = x[3]
    assert a.search(q, 5) == b.search(q, 5) == c.search(q, 5) == d.search(q, 5)
    e = FlatIndex(MODEL, 8, "l2")
    e.upsert_many(range(50), x.tolist())
    assert e.search(q.tolist(), 5) == a.search(q, 5)


def test_remove_and_replace() -> None:
    ix = FlatIndex(MODEL, 2, "ip")
    ix.upsert_many([0, 1, 2], np.eye(3, 2, dtype=np.float32) + 0.5)
    assert ix.remove(1) is True and ix.remove(1) is False and len(ix) == 2
    assert 1 not in [h["id"] for h in ix.search([0.0, 1.0], 3)]
    ix.upsert(0, [0.0, 9.0])
    assert ix.search([0.0, 1.0], 1)[0]["id"] == 0


def recall(got: list[list[Hit]], want: list[list[Hit]]) -> float:
    hit = sum(len({h["id"] for h in g} & {h["id"] for h in w}) for g, w in zip(got, want))
    return hit / sum(len(w) for w in want)


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_hnsw_recall_and_filters(metric: str) -> None:
    x = clustered()
    ids = np.arange(len(x), dtype=np.uint32)
    flat = FlatIndex(MODEL, x.shape[1], metric)
    flat.upsert_many(ids, x)
    h = HnswIndex(MODEL, x.shape[1], metric)
    h.upsert_many(ids, x)
    assert len(h) == len(x) and h.config()["m"] == 16
    qs = clustered(100, seed=7)
    want = flat.search_batch(qs, 10)
    # tight clusters: ~100 near-ties per cluster (median gap 10th/11th under cosine ≈ 1e-3)
    assert recall(h.search_batch(qs, 10), want) >= 0.85  # default ef_search = 64
    got = h.search_batch(qs, 10, 128)
    assert recall(got, want) >= 0.95
    assert got == [h.search(q, 10, 128) for q in qs]
    # incremental upserts after the bulk build
    h.upsert_many(ids[:100] + 10_000, x[:100])
    assert len(h) == len(x) + 100
    # filtered: only allowed ids, in any order and with duplicates
    rng = np.random.default_rng(3)
    for share in (0.3, 0.01):
        allow = rng.choice(len(x), int(len(x) * share), replace=False)
        allowed = set(allow.tolist())
        fw = flat.search_batch(qs[:30], 10, allow=allow)
        fh = h.search_batch(qs[:30], 10, 128, allow=list(allow) + list(allow[:5]))
        for r in fh:
            assert {hit["id"] for hit in r} <= allowed
        assert recall(fh, fw) >= 0.95


def test_hnsw_int8_filter_share() -> None:
    """Allow-lists up to `int8_filter_share` go to the int8 scan + exact re-rank: only allowed
    ids, near-exact recall, exact scores; survives pickling; bad shares are typed errors."""
    x = clustered(3000, 32)
    ids = np.arange(3000, dtype=np.uint32)
    flat = FlatIndex(MODEL, 32, "cosine")
    flat.upsert_many(ids, x)
    h = HnswIndex(MODEL, 32, "cosine", int8_filter_share=0.3, parallel_build=False)
    h.upsert_many(ids, x)
    assert h.config()["int8_filter_share"] == pytest.approx(0.3)
    qs = clustered(40, 32, seed=9)
    allow = np.arange(1, 3000, 5)
    want = flat.search_batch(qs, 10, allow=allow)
    got = h.search_batch(qs, 10, allow=allow)
    assert all(hit["id"] % 5 == 1 for r in got for hit in r)
    assert recall(got, want) >= 0.99
    back = pickle.loads(pickle.dumps(h))
    assert back.search_batch(qs, 10, allow=allow) == got
    with pytest.raises(fairmatch.InvalidInputError, match="int8_filter_share"):
        h.set_int8_filter_share(1.5)
    h.set_int8_filter_share(0.0)
    assert h.config()["int8_filter_share"] == 0.0
    assert {hit["id"] for r in h.search_batch(qs, 10, 128, allow=allow) for hit in r} <= set(
        allow.tolist())


def test_hnsw_defaults_come_from_the_core() -> None:
    import ast
    import pathlib

    d = HnswIndex.default_config()
    assert HnswIndex(MODEL, 4).config() == d
    assert HnswIndex(MODEL, 4, m=8).config() == {**d, "m": 8}
    assert FlatIndex(MODEL, 4).metric == "cosine"
    # the stub documents the same defaults
    stub = pathlib.Path(fairmatch.__file__).with_name("_native.pyi")
    tree = ast.parse(stub.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "HnswIndex")
    new = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__new__")
    documented = {a.arg: ast.literal_eval(v) for a, v in zip(new.args.kwonlyargs, new.args.kw_defaults) if v is not None}
    assert documented == pytest.approx(d)


def test_hnsw_seed() -> None:
    """Serial builds are a function of the seed; a bad seed is a typed error naming it."""
    x = clustered(600, 16)

    def build(seed: int) -> bytes:
        h = HnswIndex(MODEL, 16, "cosine", parallel_build=False, seed=seed)
        h.upsert_many(np.arange(600), x)
        assert h.config()["seed"] == seed
        return h.to_bytes()

    assert build(7) == build(7)
    assert build(7) != build(8)
    assert HnswIndex(MODEL, 16).config()["seed"] == 0x5EED
    for bad in (-1, 2**64):
        with pytest.raises(fairmatch.InvalidInputError, match="hnsw.seed"):
            HnswIndex(MODEL, 16, seed=bad)


def test_quantized_recall_and_filter() -> None:
    x = clustered(2000, 32)
    flat = FlatIndex(MODEL, 32, "cosine")
    flat.upsert_many(np.arange(2000), x)
    qx = QuantizedIndex(MODEL, 32, "cosine")
    qx.upsert_many(np.arange(2000), x)
    assert qx.rerank_candidates == 64 and len(qx.scales()) == 32 and qx.scan_bytes() > 0
    qs = clustered(50, 32, seed=5)
    assert recall(qx.search_batch(qs, 10), flat.search_batch(qs, 10)) >= 0.95
    allow = np.arange(0, 2000, 7)
    for r in qx.search_batch(qs, 10, allow=allow):
        assert all(h["id"] % 7 == 0 for h in r)


@pytest.mark.parametrize("cls", ["flat", "hnsw", "quant"])
def test_save_load_identical(cls: str) -> None:
    x = clustered(800, 16)
    ix: Any
    if cls == "flat":
        ix = FlatIndex(MODEL, 16, "l2")
    elif cls == "hnsw":
        ix = HnswIndex(MODEL, 16, "cosine", parallel_build=False, ef_search=80)
    else:
        ix = QuantizedIndex(MODEL, 16, "cosine", rerank_candidates=32)
    ix.upsert_many(np.arange(800), x)
    qs = clustered(20, 16, seed=11)
    before = ix.search_batch(qs, 10)
    for other in (type(ix).from_bytes(ix.to_bytes()), pickle.loads(pickle.dumps(ix))):
        assert type(other) is type(ix) and len(other) == 800
        assert other.search_batch(qs, 10) == before
        assert repr(other) == repr(ix)
    if cls == "hnsw":
        assert pickle.loads(pickle.dumps(ix)).config()["ef_search"] == 80
    if cls == "quant":
        assert pickle.loads(pickle.dumps(ix)).rerank_candidates == 32
    with pytest.raises(fairmatch.SnapshotError):
        type(ix).from_bytes(ix.to_bytes()[:-3])
    with pytest.raises(fairmatch.SnapshotError):
        type(ix).from_bytes(b"garbage")


@pytest.mark.parametrize("cls", [FlatIndex, HnswIndex, QuantizedIndex])
def test_bad_input_is_typed(cls: Any) -> None:
    ix = cls(MODEL, 3, "cosine")
    assert ix.search([1.0, 0.0, 0.0], 5) == []  # empty index
    ix.upsert_many([1, 2, 3], np.eye(3, dtype=np.float32))
    with pytest.raises(fairmatch.DimensionMismatchError) as e:
        ix.upsert(4, [1.0, 2.0])
    assert e.value.field == "vector" and e.value.expected == 3 and e.value.got == 2
    with pytest.raises(fairmatch.InvalidInputError) as e2:
        ix.upsert(4, [1.0, float("nan"), 0.0])
    assert e2.value.field == "vector[1]"
    with pytest.raises(fairmatch.InvalidInputError, match="zero vector"):
        ix.upsert(4, [0.0, 0.0, 0.0])
    with pytest.raises(fairmatch.InvalidInputError) as e3:
        ix.upsert(-1, [1.0, 0.0, 0.0])
    assert e3.value.field == "id"
    with pytest.raises(fairmatch.InvalidInputError):
        ix.search([1.0, np.inf, 0.0], 1)
    with pytest.raises(fairmatch.DimensionMismatchError):
        ix.search([1.0, 0.0], 1)
    with pytest.raises(fairmatch.InvalidInputError) as e4:
        ix.search([1.0, 0.0, 0.0], 0)
    assert e4.value.field == "k"
    with pytest.raises(fairmatch.InvalidInputError):
        ix.search([1.0, 0.0, 0.0], -2)
    with pytest.raises(fairmatch.UnknownIdError) as e5:
        ix.search([1.0, 0.0, 0.0], 1, model_id="other-model")
    assert e5.value.kind == "model"
    with pytest.raises(fairmatch.InvalidInputError):
        ix.search(np.ones((2, 3), dtype=np.float32), 1)
    with pytest.raises(fairmatch.InvalidInputError):
        ix.search_batch(np.ones(3, dtype=np.float32), 1)
    with pytest.raises(fairmatch.InvalidInputError):
        ix.search([1.0, 0.0, 0.0], 1, allow=[-1])
    assert ix.search([1.0, 0.0, 0.0], 5, allow=[]) == []
    assert ix.search([1.0, 0.0, 0.0], 5, allow=[99, 100]) == []
    assert [h["id"] for h in ix.search([1.0, 0.0, 0.0], 5, allow=[3, 1])] == [1, 3]
    assert len(ix.search([1.0, 0.0, 0.0], 10**6)) == 3
    # upsert_many is all or none and names the row
    with pytest.raises(fairmatch.InvalidInputError) as e6:
        ix.upsert_many([7, 8, 9], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, float("inf"), 1.0]])
    assert e6.value.field == "vectors[2][1]"
    assert len(ix) == 3 and 7 not in ix
    with pytest.raises(fairmatch.DimensionMismatchError) as e7:
        ix.upsert_many([7, 8], np.ones((2, 4), dtype=np.float32))
    assert e7.value.field == "vectors[0]"
    with pytest.raises(fairmatch.InvalidInputError):
        ix.upsert_many([7, 8, 9], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(fairmatch.InvalidInputError):
        ix.upsert_many([7], np.ones(3, dtype=np.float32))
    with pytest.raises(fairmatch.InvalidInputError):
        ix.upsert_many([7], [["a", "b", "c"]])
    assert len(ix) == 3
    with pytest.raises(fairmatch.InvalidInputError) as e8:
        cls(MODEL, 3, "manhattan")
    assert e8.value.field == "metric"
    for dim in (0, -3):
        with pytest.raises(fairmatch.InvalidInputError):
            cls(MODEL, dim)
    with pytest.raises(fairmatch.InvalidInputError):
        cls(" ", 3)


def test_hnsw_specific_errors() -> None:
    with pytest.raises(fairmatch.InvalidInputError) as e:
        HnswIndex(MODEL, 3, "ip")
    assert e.value.field == "metric"
    with pytest.raises(fairmatch.InvalidInputError) as e2:
        HnswIndex(MODEL, 3, m=1000)
    assert e2.value.field == "hnsw.m"
    with pytest.raises(fairmatch.InvalidInputError):
        HnswIndex(MODEL, 3, ef_search=-1)
    h = HnswIndex(MODEL, 3)
    h.upsert_many([0, 1], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with pytest.raises(fairmatch.InvalidInputError) as e3:
        # k is clamped to the 2 live rows first; ef = 1 is still below it
        h.search([1.0, 0.0, 0.0], 5, ef=1)
    assert e3.value.field == "ef"
    with pytest.raises(fairmatch.InvalidInputError):
        h.set_ef_search(0)
    assert h.config()["ef_search"] == 64
    h.set_ef_search(100)
    h.set_exact_fallback_share(1.0)
    with pytest.raises(fairmatch.InvalidInputError):
        h.set_exact_fallback_share(2.0)
    h.upsert_many(range(2, 12), np.random.default_rng(0).random((10, 3)) + 0.1)
    assert h.remove(0) and h.tombstone_share() > 0  # 1 stale of 12: below the rebuild share
    h.rebuild()
    assert h.tombstone_share() == 0 and len(h) == 11
    with pytest.raises(fairmatch.InvalidInputError):
        QuantizedIndex(MODEL, 3, rerank_candidates=0)


def test_concurrent_search_and_upsert() -> None:
    x = clustered(1000, 16)
    h = HnswIndex(MODEL, 16)
    h.upsert_many(np.arange(1000), x)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(20):
                h.search(x[(t * 20 + i) % 1000], 5)
                if t == 0:
                    h.upsert(5000 + i, x[i])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(h) == 1020


def test_engine_accepts_embeddings_and_retrieval_config() -> None:
    rng = np.random.default_rng(0)
    e = fairmatch.Engine(config={"retrieval": {"min_catalog": 0, "vector_neighbours": 5}})
    assert e.config()["retrieval"] == {"min_catalog": 0, "vector_neighbours": 5}
    for i in range(20):
        e.upsert_freelancer(
            {
                "id": f"f{i}",
                "skills": [{"skill": "python", "level": 3}],
                "embedding": {"model": MODEL, "vector": rng.standard_normal(8).astype(np.float32)},
            }
        )
    e.upsert_job(
        {
            "id": "j",
            "skills": [{"skill": "python"}],
            "embedding": {"model": MODEL, "vector": rng.standard_normal(8).tolist()},
        }
    )
    emb = e.freelancer("f0")["embedding"]
    assert emb is not None and emb["model"] == MODEL and len(emb["vector"]) == 8
    r = e.recommend_freelancers("j", {"k": 5, "explain": False})
    assert len(r["matches"]) == 5
    assert any(f["name"] == "semantic" for f in r["matches"][0]["factors"])
    with pytest.raises(fairmatch.InvalidInputError) as err:
        e.upsert_freelancer({"id": "bad", "embedding": {"model": MODEL, "vector": [1.0, float("nan")]}})
    assert "embedding" in err.value.field
    with pytest.raises(fairmatch.InvalidInputError):
        fairmatch.Engine(config={"retrieval": {"min_catalog": 0, "vector_neighbours": 10**9}})
