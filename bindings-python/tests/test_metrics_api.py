"""The rest of fairmatch.metrics: accumulators (merge of parts equals one pass, dict and
pickle round trips), Welch from summary statistics, rating gaps, seeded permutation tests,
and the small helpers."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest

import fairmatch
from fairmatch import metrics as m

from conftest import close, load, num
from test_golden_metrics import MODELS



def test_every_core_metric_is_exported() -> None:
    names = {
        "GroupConfusion", "PrivilegedComparison", "ExposureAccumulator", "RatingStats",
        "welch_from_stats", "rating_gaps", "permutation_test", "permutation_test_two_sample",
        "combine", "encode_groups", "decode_intersection", "intersect_groups",
    }
    assert names <= set(dir(m))


def test_exposure_accumulator_matches_golden_single_ranking() -> None:
    f = load("metrics", "ranking")
    checked = 0
    for case in f["cases"]:
        for key, want in case["expected"].items():
            kind, _, model = key.partition("/")
            if kind not in ("group_exposure", "exposure_share") or model not in MODELS:
                continue
            acc = m.ExposureAccumulator(case["n_groups"], MODELS[model])
            acc.add_ranking(np.asarray(case["ranking"], dtype=np.uint32))
            got = acc.group_exposure() if kind == "group_exposure" else acc.exposure_share()
            assert all(close(a, num(b), 1e-12) for a, b in zip(got, want)), (case["name"], key, got, want)
            checked += 1
    assert checked >= 4


def test_exposure_accumulator_merge_dict_pickle() -> None:
    rng = np.random.default_rng(4)
    rankings = [rng.integers(0, 3, 12).astype(np.uint32) for _ in range(40)]
    rels = [rng.random(12) for _ in range(40)]
    whole = m.ExposureAccumulator(3, {"type": "rbp", "gamma": 0.8}, 10)
    parts = [m.ExposureAccumulator(3, {"type": "rbp", "gamma": 0.8}, 10) for _ in range(4)]
    for i, (r, rel) in enumerate(zip(rankings, rels)):
        whole.add_ranking(r, rel)
        parts[i % 4].add_ranking(r.tolist(), rel.tolist())
    merged = m.ExposureAccumulator(3, {"type": "rbp", "gamma": 0.8}, 10)
    for p in parts:
        merged.merge(p)
    assert merged.rankings == whole.rankings == 40 and merged.items == whole.items
    assert merged.n_groups == 3
    np.testing.assert_allclose(merged.total_exposure, whole.total_exposure, rtol=1e-12)
    np.testing.assert_allclose(merged.exposure_per_utility(), whole.exposure_per_utility(), rtol=1e-12)
    np.testing.assert_allclose(merged.group_exposure([5, 5, 5]), whole.group_exposure([5, 5, 5]), rtol=1e-12)
    assert sum(whole.exposure_share()) == pytest.approx(1.0)
    for copy in (pickle.loads(pickle.dumps(whole)), m.ExposureAccumulator.from_dict(whole.to_dict())):
        assert copy == whole and copy.to_dict() == whole.to_dict()
    doubled = m.ExposureAccumulator.from_dict(whole.to_dict())
    doubled.merge(doubled)
    assert doubled.rankings == 80
    with pytest.raises(fairmatch.InvalidInputError):
        whole.merge(m.ExposureAccumulator(3))
    with pytest.raises(fairmatch.UnknownIdError):
        whole.add_ranking([0, 3])
    with pytest.raises(fairmatch.InvalidInputError):
        whole.add_ranking([0, 1], [0.5])
    with pytest.raises(fairmatch.InvalidInputError):
        whole.add_ranking([])
    for key, value, named in [("items", whole.items[:2], "`items`"), ("utility", [0.0] * 4, "`utility`"),
                              ("model", {"type": "rbp", "gamma": 7.0}, "gamma")]:
        bad = whole.to_dict()
        bad[key] = value
        with pytest.raises(fairmatch.InvalidInputError) as e:
            m.ExposureAccumulator.from_dict(bad)
        assert e.value.field == "state" and named in str(e.value), (key, e.value)
    with pytest.raises(fairmatch.InvalidInputError):
        m.ExposureAccumulator(2, {"type": "rbp", "gamma": 7.0})
    assert m.ExposureAccumulator(2).exposure_share("zero") == [0.0, 0.0]
    with pytest.raises(fairmatch.UndefinedMetricError):
        m.ExposureAccumulator(2).exposure_share("error")


def test_rating_stats_merge_and_welch_from_stats_golden() -> None:
    f = load("metrics", "rating")
    for case in f["cases"]:
        a, b = np.asarray(case["a"]), np.asarray(case["b"])
        sa, sb = m.RatingStats.of(a), m.RatingStats.of(b)
        # merge of parts equals one pass; add() one by one equals of()
        parts = m.RatingStats()
        for chunk in np.array_split(a, 3):
            parts.merge(m.RatingStats.of(chunk))
        one = m.RatingStats()
        for x in a:
            one.add(float(x))
        for s in (parts, one):
            assert s.n == sa.n and close(s.mean, sa.mean, 1e-12) and close(s.variance, sa.variance, 1e-12)
        assert sa.variance == pytest.approx(float(np.var(a, ddof=1)), rel=1e-12)
        for key, want in case["expected"].items():
            kind, _, rest = key.partition("/")
            if kind != "welch":
                continue
            alt = rest.replace("-", "_")
            if len(a) < 2 or len(b) < 2:
                with pytest.raises(fairmatch.InvalidInputError):
                    m.welch_from_stats(sa, sb, alt)
                continue
            t = m.welch_from_stats(sa, sb, alt)
            assert close(t["statistic"], num(want["statistic"]), 1e-10), (case["name"], key)
            assert close(t["df"], num(want["df"]), 1e-10), (case["name"], key)
            assert close(t["p_value"], num(want["p_value"]), 1e-9), (case["name"], key)
    s = m.RatingStats.of([4.0, 5.0, 3.0])
    for copy in (pickle.loads(pickle.dumps(s)), m.RatingStats.from_dict(s.to_dict())):
        assert copy == s
    assert s.to_dict() == {"n": 3, "mean": 4.0, "m2": 2.0} and s.m2 == 2.0
    s.merge(s)
    assert s.n == 6
    empty = m.RatingStats()
    assert empty.n == 0 and math.isnan(empty.variance)
    assert pickle.loads(pickle.dumps(empty)) == empty
    with pytest.raises(fairmatch.InvalidInputError):
        empty.add(float("nan"))
    with pytest.raises(fairmatch.InvalidInputError):
        m.RatingStats.of([1.0, float("inf")])
    with pytest.raises(fairmatch.InvalidInputError):
        m.welch_from_stats(empty, s)
    with pytest.raises(fairmatch.InvalidInputError):
        m.welch_from_stats(s, s, "sideways")


def test_rating_gaps_against_numpy() -> None:
    rng = np.random.default_rng(8)
    ratings = rng.integers(1, 6, 300).astype(np.float64)
    groups = rng.integers(0, 3, 300).astype(np.uint32)
    out = m.rating_gaps(ratings, groups, 4, reference=1, top=5.0)
    assert [r["group"] for r in out] == [0, 1, 2, 3]
    ref = ratings[groups == 1]
    for g, row in enumerate(out[:3]):
        x = ratings[groups == g]
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert row["share_below_top"] == pytest.approx((x < 5).mean(), rel=1e-12)
        assert row["mean_gap"] == pytest.approx(x.mean() - ref.mean(), abs=1e-12)
    assert out[3]["n"] == 0 and out[3]["mean"] is None  # empty group: NaN → None in dicts
    with pytest.raises(fairmatch.UnknownIdError):
        m.rating_gaps(ratings, groups, 3, reference=3)
    with pytest.raises(fairmatch.UnknownIdError):
        m.rating_gaps(ratings, groups, 2)
    with pytest.raises(fairmatch.InvalidInputError):
        m.rating_gaps(ratings[:10], groups, 3)


def test_permutation_tests_are_seeded_and_consistent() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(4.3, 1, 40), rng.normal(3.8, 1, 30)
    r1 = m.permutation_test_two_sample(a, b, resamples=999, seed=7)
    r2 = m.permutation_test_two_sample(a, b, resamples=999, seed=7)
    assert r1 == r2 and r1["resamples"] == 999
    assert r1["statistic"] == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert 0 < r1["p_value"] <= 1
    # a Python statistic sees numpy arrays; the same shuffles give the same p-value
    r3 = m.permutation_test_two_sample(a, b, lambda x, y: float(x.mean() - y.mean()), resamples=999, seed=7)
    assert r3["p_value"] == r1["p_value"]
    # the label form over the pooled sample is the same test
    pooled = np.concatenate([a, b])
    labels = np.array([0] * len(a) + [1] * len(b), dtype=np.uint32)
    r4 = m.permutation_test(
        labels, lambda l: float(pooled[l == 0].mean() - pooled[l == 1].mean()), resamples=999, seed=7
    )
    assert r4["p_value"] == r1["p_value"]
    other_seed = m.permutation_test_two_sample(a, b, resamples=999, seed=8)
    assert other_seed["statistic"] == r1["statistic"]
    assert abs(other_seed["p_value"] - r1["p_value"]) < 0.1  # Monte Carlo error only
    greater = m.permutation_test_two_sample(a, b, resamples=999, seed=7, alternative="greater")
    assert greater["p_value"] <= r1["p_value"]

    def boom(x: Any) -> float:
        raise ZeroDivisionError("from the statistic")

    with pytest.raises(ZeroDivisionError, match="from the statistic"):
        m.permutation_test(labels, boom, resamples=10)
    with pytest.raises(fairmatch.InvalidInputError):
        m.permutation_test(labels, lambda l: 1.0, resamples=0)
    with pytest.raises(fairmatch.InvalidInputError):
        m.permutation_test([], lambda l: 1.0)
    with pytest.raises(fairmatch.InvalidInputError):
        m.permutation_test(labels, lambda l: float("nan"), resamples=10)
    with pytest.raises(fairmatch.InvalidInputError):
        m.permutation_test_two_sample([], b)


def test_group_confusion_merge_dict_pickle() -> None:
    rng = np.random.default_rng(6)
    n = 5000
    yt, yp = rng.integers(0, 2, n).astype(bool), rng.integers(0, 2, n).astype(bool)
    g = rng.integers(0, 4, n).astype(np.uint32)
    whole = m.GroupConfusion(yt, yp, g)
    merged = m.GroupConfusion.empty()
    for idx in np.array_split(np.arange(n), 7):
        merged.merge(m.GroupConfusion(yt[idx], yp[idx], g[idx], n_groups=4))
    assert merged == whole and merged.groups() == whole.groups()
    assert merged.report() == whole.report()
    ov = whole.overall()
    assert ov["rows"] == n and ov["tp"] == float(np.sum(yt & yp))
    for copy in (pickle.loads(pickle.dumps(whole)), m.GroupConfusion.from_dict(whole.to_dict())):
        assert copy == whole
        assert copy.demographic_parity_difference() == whole.demographic_parity_difference()
    # string labels merge per label, whatever order each part met them in (the core's rule)
    a = m.GroupConfusion([1, 0], [1, 1], ["x", "y"])
    b = m.GroupConfusion([1, 0, 1], [0, 1, 1], ["x", "y", "z"])
    a.merge(b)
    assert a.labels == ["x", "y", "z"] and a.n_groups == 3
    assert pickle.loads(pickle.dumps(a)).labels == ["x", "y", "z"]
    c = m.GroupConfusion([1, 0], [1, 0], ["w", "y"])
    a.merge(c)
    one_pass = m.GroupConfusion([1, 0, 1, 0, 1, 1, 0], [1, 1, 0, 1, 1, 1, 0], ["x", "y", "x", "y", "z", "w", "y"])
    assert a.labels == one_pass.labels == ["x", "y", "z", "w"]
    assert a == one_pass and a.groups() == one_pass.groups()
    # integer codes cannot be matched to labels: typed error, nothing changes (either side)
    before = a.to_dict()
    codes = m.GroupConfusion([1, 0], [1, 1], [0, 1])
    with pytest.raises(fairmatch.InvalidInputError) as e:
        a.merge(codes)
    assert e.value.field == "other"
    assert a.to_dict() == before and a.labels == ["x", "y", "z", "w"]
    with pytest.raises(fairmatch.InvalidInputError):
        codes.merge(a)
    assert codes.labels is None and codes.n_groups == 2
    # ...unless one side has no rows: an empty start takes the other's coding
    start = m.GroupConfusion.empty()
    start.merge(a)
    assert start == a and start.labels == a.labels
    a.merge(m.GroupConfusion.empty(9))
    assert a.to_dict() == before
    # stored labels are validated by the core
    with pytest.raises(fairmatch.InvalidInputError):
        m.GroupConfusion.from_dict({**before, "labels": ["x", "x", "z", "w"]})
    with pytest.raises(fairmatch.InvalidInputError):
        m.GroupConfusion.from_dict({**before, "labels": ["a", "b", "c", "d", "e"]})
    with pytest.raises(fairmatch.InvalidInputError):
        m.GroupConfusion.from_dict({"groups": [{"tp": -1.0, "fp": 0.0, "tn": 0.0, "fn_": 0.0, "rows": 1}]})
    with pytest.raises(fairmatch.InvalidInputError):
        m.GroupConfusion.from_dict({"groups": [], "bogus": 1})


def test_privileged_comparison_rates() -> None:
    yt = [1, 0, 1, 1, 0, 0, 1, 0]
    yp = [1, 1, 0, 1, 0, 1, 1, 0]
    g = [0, 0, 0, 0, 1, 1, 1, 1]
    pc = m.GroupConfusion(yt, yp, g).compare([1], [0])
    assert pc.difference("selection") == pc.statistical_parity_difference()
    assert pc.ratio("selection") == pc.disparate_impact()
    assert pc.difference("tpr") == pc.equal_opportunity_difference()
    for rate in ("base_rate", "fpr", "tnr", "fnr", "accuracy"):
        assert isinstance(pc.difference(rate), float)
    assert pc.unprivileged["rows"] == 4 and pc.privileged["rows"] == 4
    assert pc.to_dict()["zero_division"] == "nan"
    with pytest.raises(fairmatch.InvalidInputError):
        pc.difference("precision")


def test_small_helpers() -> None:
    assert m.combine([0.2, 0.5, float("nan")], "max_min_diff") == pytest.approx(0.3)
    assert m.combine([0.2, 0.4], "min_max_ratio") == pytest.approx(0.5)
    assert math.isnan(m.combine([float("nan")], "l2"))
    with pytest.raises(fairmatch.UndefinedMetricError):
        m.combine([], "l2", "error")
    with pytest.raises(fairmatch.InvalidInputError):
        m.combine([1.0], "median")
    assert m.encode_groups(["b", "a", "b"]) == ([0, 1, 0], ["b", "a"])
    with pytest.raises(fairmatch.InvalidInputError):
        m.encode_groups(["a", ""])
    codes = m.intersect_groups([[0, 1, 2], [1, 0, 1]], [3, 2])
    assert [m.decode_intersection(c, [3, 2]) for c in codes] == [[0, 1], [1, 0], [2, 1]]
