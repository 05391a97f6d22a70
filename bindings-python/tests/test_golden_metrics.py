"""fixtures/golden/metrics/*.json through the Python API (same tolerances as
core/tests/metrics_golden.rs: 1e-12 relative for closed forms, 1e-9 for p-values).

Covered: classification.json (every case, every zero_division mode, every aggregate key,
the AIF360 pair metrics, GEI/Theil/CV, intersections, AIF360 test vectors), edge_cases.json
(all modes), ranking.json (every key of every case, expected exposure, Gini), rating.json
(every key, Benjamini-Hochberg).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fairmatch
from fairmatch import metrics as m

from conftest import check, close, load, num

MODES = ["nan", "zero", "one", "error"]


def confusion(case: Any, numpy: bool) -> m.GroupConfusion:
    g, t, p, w = case["groups"], case["y_true"], case["y_pred"], case["weights"]
    if numpy:  # zero-copy dtypes
        g = np.asarray(g, dtype=np.uint32)
        t = np.asarray(t, dtype=np.uint8)
        p = np.asarray(p, dtype=bool)  # differing dtypes are accepted too
        w = None if w is None else np.asarray(w, dtype=np.float64)
    return m.GroupConfusion(t, p, g, sample_weight=w, n_groups=case["n_groups"])


def aggregate(c: m.GroupConfusion, key: str, z: str) -> Any:
    name, method = key.split("/")
    for suffix, agg in (("_worst_case", "worst_case"), ("_mean", "mean")):
        if name.endswith(suffix):
            return lambda: getattr(c, name[: -len(suffix)])(method=method, agg=agg, zero_division=z)
    return lambda: getattr(c, name)(method=method, zero_division=z)


def run_classification(cases: list[Any]) -> int:
    n = 0
    for case in cases:
        for numpy in (False, True):
            c = confusion(case, numpy)
            for z in MODES:
                for key, want in case["expected"][z].items():
                    check(f"{case['name']} {z} {key}", aggregate(c, key, z), want)
                    n += 1
            if isinstance(case["expected_pair"], str):
                with pytest.raises(fairmatch.FairmatchError):
                    c.compare(case["unprivileged"], case["privileged"], "nan")
                continue
            for z in MODES:
                pc = c.compare(case["unprivileged"], case["privileged"], z)
                for key, want in case["expected_pair"][z].items():
                    check(f"{case['name']} {z} pair {key}", getattr(pc, key), want)
                    n += 1
    return n


def test_classification_matches_fairlearn_and_aif360() -> None:
    cases = load("metrics", "classification")["cases"]
    assert len(cases) >= 20
    assert run_classification(cases) > 2000
    for case in (c for c in cases if "attributes" in c):
        assert m.intersect_groups(case["attributes"], case["cardinalities"]) == case["groups"]


def test_free_functions_equal_confusion_methods() -> None:
    for case in load("metrics", "classification")["cases"]:
        for z in MODES:
            for key, want in case["expected"][z].items():
                name, method = key.split("/")
                agg = "worst_case"
                for suffix, a in (("_worst_case", "worst_case"), ("_mean", "mean")):
                    if name.endswith(suffix):
                        name, agg = name[: -len(suffix)], a
                fn = getattr(m, name)
                check(
                    f"{case['name']} {z} {key}",
                    lambda: fn(
                        case["y_true"],
                        case["y_pred"],
                        sensitive_features=case["groups"],
                        sample_weight=case["weights"],
                        method=method,
                        agg=agg,
                        zero_division=z,
                        n_groups=case["n_groups"],
                    ),
                    want,
                )


def test_aif360_gei_and_theil() -> None:
    f = load("metrics", "classification")
    for case in f["cases"]:
        c = confusion(case, True)
        aif = case["reference"]["aif360_classic"]
        pc = c.compare(case["unprivileged"], case["privileged"], "nan")
        check("eod", pc.equalized_odds_difference, aif["equalized_odds_difference"])
        g = case["expected_gei"]
        for a in (0, 1, 2, 3):
            check("gei", lambda: c.generalized_entropy_index(float(a), "speicher"), g[f"generalized_entropy_index/{a}"])
            check(
                "bg gei",
                lambda: c.between_group_generalized_entropy_index(float(a), "speicher"),
                g[f"between_group_generalized_entropy_index/{a}"],
            )
        check("gei aif", lambda: c.generalized_entropy_index(0.0, "aif360"), g["generalized_entropy_index_aif360/0"])
        if case["weights"] is None:
            check("theil", c.theil_index, aif["theil_index"])
            check("cv", c.coefficient_of_variation, aif["coefficient_of_variation"])
            check("bg theil", c.between_group_theil_index, aif["between_all_groups_theil_index"])
    for v in f["aif360_test_vectors"]:
        c = m.GroupConfusion(v["y_true"], v["y_pred"], v["groups"])
        calls = {
            "generalized_entropy_index_2": lambda: c.generalized_entropy_index(2.0),
            "theil_index": c.theil_index,
            "between_all_groups_gei_2": lambda: c.between_group_generalized_entropy_index(2.0),
            "between_group_gei_2": lambda: c.between_group_generalized_entropy_index(2.0),
        }
        for key, fn in calls.items():
            if key in v:
                check(f"{v['name']} {key}", fn, v[key])


def test_edge_cases_every_zero_division_mode() -> None:
    cases = load("metrics", "edge_cases")["cases"]
    assert run_classification(cases) > 50


MODELS: dict[str, dict[str, Any]] = {
    "log": {"type": "log"},
    "clipped_log": {"type": "clipped_log"},
    "rbp": {"type": "rbp", "gamma": 0.5},
    "geometric": {"type": "geometric", "p": 0.5},
}


def test_ranking_metrics() -> None:
    f = load("metrics", "ranking")
    n = 0
    for case in f["cases"]:
        r, k, rel = case["ranking"], case["n_groups"], case["relevance"]
        for key, want in case["expected"].items():
            parts = key.split("/")
            ctx = f"{case['name']} {key}"
            tgt: list[float] = case["targets"].get(parts[1], []) if len(parts) > 1 else []
            kind = parts[0]
            if kind == "ndkl":
                check(ctx, lambda: m.ndkl(r, tgt), want)
            elif kind == "skew":
                for g, w in enumerate(want):
                    check(ctx, lambda: m.skew(r, tgt, g, int(parts[2])), w)
            elif kind in ("min_skew", "max_skew"):
                check(ctx, lambda: getattr(m, kind)(r, tgt, int(parts[2])), want)
            elif kind == "infeasible":
                inf = m.infeasible(r, tgt, parts[2] == "exclude_last")
                assert [inf["index"], inf["count"]] == want, ctx
            elif kind == "frt_ndkl_quirk":
                got = m.ndkl(r, case["targets"]["list"])
                assert close(got, num(want), 1e-4) or abs(got - num(want)) < 1e-6, ctx
            elif kind == "group_exposure":
                _, v = m.group_exposure(r, k, MODELS[parts[1]], combiner="l2")
                assert all(close(a, b, 1e-12) for a, b in zip(v, want)), ctx
            elif kind == "exposure_share":
                v = m.attention_shares(r, k, MODELS[parts[1]])
                assert all(close(a, b, 1e-12) for a, b in zip(v, want)), ctx
            elif kind == "exp":
                check(ctx, lambda: m.group_exposure(r, k, combiner=parts[1])[0], want)
            elif kind == "expu":
                check(ctx, lambda: m.exposure_per_utility(r, rel, k, combiner=parts[1])[0], want)
            elif kind == "awrf":
                check(ctx, lambda: m.awrf(r, k, 0.5, combiner=parts[1])[0], want)
            elif kind == "arp":
                check(ctx, lambda: m.attribute_rank_parity(r, k, combiner=parts[1])[0], want)
            elif kind == "arp_per_group":
                _, v = m.attribute_rank_parity(r, k, combiner="l2")
                assert all(close(a, b, 1e-12) for a, b in zip(v, want)), ctx
            elif kind == "ys":
                prot = [g == 1 for g in r]
                check(ctx, lambda: m.yang_stoyanovich(prot, parts[1], 10, "code", parts[2] == "normalized"), want)
            else:
                raise AssertionError(f"unchecked key {kind}")
            n += 1
    assert n > 300, n
    rbp = MODELS["rbp"]
    for case in f["expected_exposure"]:
        for groups, want in ((None, case["expected"]), (case["item_groups"], case["expected_groups"])):
            e = m.expected_exposure(case["rankings"], case["relevance"], rbp, groups)
            for key in ("ee_l", "ee_d", "ee_r"):
                assert close(e[key], num(want[key]), 1e-12), (e, want)
    for case in f["gini"]:
        check("gini", lambda: m.gini(np.asarray(case["values"])), case["gini"])
        check("gini n", lambda: m.gini(case["values"], normalized=True), case["gini_normalized"])


def test_rating_tests_match_scipy() -> None:
    f = load("metrics", "rating")
    for case in f["cases"]:
        a, b = np.asarray(case["a"]), case["b"]
        for key, want in case["expected"].items():
            parts = key.split("/")
            ctx = f"{case['name']} {key}"
            alt = parts[1].replace("-", "_") if len(parts) > 1 else "two_sided"
            if parts[0] == "welch":
                t = m.welch_t_test(a, b, alt)
                assert close(t["statistic"], num(want["statistic"]), 1e-12), ctx
                assert close(t["df"], num(want["df"]), 1e-12), ctx
                assert close(t["p_value"], num(want["p_value"]), 1e-9), ctx
            elif parts[0] == "mwu":
                u = m.mann_whitney_u(a, b, parts[2] == "cc", alt)
                assert u["u1"] == num(want["u1"]), ctx
                assert close(u["p_value"], num(want["p_value"]), 1e-9), ctx
            elif parts[0] == "brunner_munzel":
                t = m.brunner_munzel(a, b, alt)
                assert close(t["statistic"], num(want["statistic"]), 1e-12), ctx
                assert close(t["p_value"], num(want["p_value"]), 1e-9), ctx
            elif parts[0] == "rank_biserial":
                assert close(m.rank_biserial(a, b), num(want), 1e-12), ctx
            elif parts[0] == "bayesian_average":
                pm, c = num(want["prior_mean"]), num(want["C"])
                assert close(m.bayesian_average(float(sum(a)), len(a), pm, c), num(want["a"]), 1e-12)
                assert close(m.bayesian_average(float(sum(b)), len(b), pm, c), num(want["b"]), 1e-12)
            else:
                raise AssertionError(f"unchecked {key}")
    for case in f["benjamini_hochberg"]:
        got = m.benjamini_hochberg(case["p"])
        assert all(close(x, y, 1e-12) for x, y in zip(got, case["adjusted"]))
