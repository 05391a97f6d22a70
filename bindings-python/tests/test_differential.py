"""Differential tests against the real reference libraries on random seeded inputs:
fairlearn 0.15.0, AIF360 0.6.1, fairsearchcore 1.0.4 and scipy (versions pinned in ci.sh,
as in the fixture generators fixtures/gen/{metrics,rerank}). Tolerances are the Rust
fixture tests': 1e-12 relative for closed forms, 1e-9 for p-values and probabilities;
tables and rankings exactly.

ci.sh installs the libraries and sets FAIRMATCH_REQUIRE_REFERENCE=1, which turns a missing
library into a failure; elsewhere the tests skip without it.

Where a reference is known to be wrong (research/fairness.md §4.3), the test checks the
correct behaviour and says so next to the check.
"""

from __future__ import annotations

import importlib
import math
import os
import time
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pytest

from fairmatch import metrics as m
from fairmatch import rerank

from conftest import close

SEEDS = range(20)
REQUIRE = os.environ.get("FAIRMATCH_REQUIRE_REFERENCE") == "1"


def reference(module: str) -> Any:
    """Imports a reference library module: skips the test when it is absent, except under
    FAIRMATCH_REQUIRE_REFERENCE=1 (ci.sh), where the ImportError fails it."""
    if REQUIRE:
        return importlib.import_module(module)
    return pytest.importorskip(module)


Arr = Any  # numpy.ndarray


# --------------------------------------------------------------------------------------------
# fairlearn
# --------------------------------------------------------------------------------------------


def test_fairlearn_group_metrics_random() -> None:
    fm = reference("fairlearn.metrics")
    # fairlearn costs ~40 ms a call: 6 seeds x 8 metrics, each seed one method, weights
    # every other seed (all four combinations covered)
    for seed in range(6):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(50, 2000))
        k = int(rng.integers(2, 6))
        y = rng.integers(0, 2, n)
        p = rng.integers(0, 2, n)
        g = rng.integers(0, k, n)
        g[:k] = np.arange(k)  # every group present
        w = rng.random(n) if seed % 2 else None
        for method in (("between_groups", "to_overall")[seed // 2 % 2],):
            for name in ("demographic_parity_difference", "demographic_parity_ratio",
                         "equal_opportunity_difference", "equal_opportunity_ratio"):
                # fairlearn zero-fills undefined rates: our zero_division="zero"
                ours = getattr(m, name)(y, p, sensitive_features=g, sample_weight=w, method=method,
                                        zero_division="zero")
                ref = getattr(fm, name)(y, p, sensitive_features=g, sample_weight=w, method=method)
                assert close(ours, float(ref), 1e-12), (seed, method, name, ours, ref)
            for agg in ("worst_case", "mean"):
                for name in ("equalized_odds_difference", "equalized_odds_ratio"):
                    ours = getattr(m, name)(y, p, sensitive_features=g, sample_weight=w, method=method,
                                            agg=agg, zero_division="zero")
                    ref = getattr(fm, name)(y, p, sensitive_features=g, sample_weight=w, method=method,
                                            agg=agg)
                    assert close(ours, float(ref), 1e-12), (seed, method, agg, name, ours, ref)


def test_fairlearn_policy_on_edge_inputs() -> None:
    """zero_division="fairlearn" returns fairlearn's own numbers where the other policies
    cannot: tiny groups without positives or negatives, all-zero predictions (NaN ratios),
    a NaN TPR part in worst-case equalized odds."""
    fm = reference("fairlearn.metrics")
    rng = np.random.default_rng(11)
    seen_nan = 0
    for _ in range(12):
        k = int(rng.integers(1, 4))
        n = int(rng.integers(max(k, 2), 3 * k + 3))
        g = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
        y = (rng.random(n) < rng.choice([0.0, 0.5, 1.0])).astype(int)
        p = (rng.random(n) < rng.choice([0.0, 0.5, 1.0])).astype(int)
        for method in ("between_groups", "to_overall"):
            for name, extra in [("demographic_parity_ratio", {}), ("equal_opportunity_ratio", {}),
                                ("equalized_odds_ratio", {"agg": "worst_case"}),
                                ("equalized_odds_difference", {"agg": "worst_case"})]:
                ours = getattr(m, name)(y, p, sensitive_features=g, method=method, zero_division="fairlearn",
                                        **extra)
                ref = float(getattr(fm, name)(y, p, sensitive_features=g, method=method, **extra))
                seen_nan += math.isnan(ref)
                assert close(ours, ref, 1e-12), (g, y, p, method, name, ours, ref)
    assert seen_nan > 0  # the inputs reached fairlearn's NaN cases


# --------------------------------------------------------------------------------------------
# AIF360
# --------------------------------------------------------------------------------------------

PAIR_METRICS = ("statistical_parity_difference", "disparate_impact", "average_odds_difference",
                "average_abs_odds_difference", "equal_opportunity_difference",
                "equalized_odds_difference")


def aif_datasets(g: Arr, yt: Arr, yp: Arr, w: Optional[Arr]) -> Tuple[Any, Any]:
    """Two AIF360 BinaryLabelDatasets (truth, predictions) over one attribute "g", built
    like fixtures/gen/metrics/gen.py does."""
    pd = reference("pandas")
    ds = reference("aif360.datasets")
    kw: Dict[str, Any] = dict(label_names=["y"], protected_attribute_names=["g"],
                              favorable_label=1.0, unfavorable_label=0.0)
    out = []
    for labels in (yt, yp):
        d = ds.BinaryLabelDataset(df=pd.DataFrame({"g": g.astype(float), "y": labels.astype(float)}), **kw)
        if w is not None:
            d.instance_weights = w.astype(float).copy()
        out.append(d)
    return out[0], out[1]


def conditions(groups: Sequence[int]) -> List[Dict[str, float]]:
    return [{"g": float(x)} for x in groups]


def random_case(seed: int) -> Tuple[Arr, Arr, Arr, int, List[int], List[int]]:
    """Groups 0..k-1 (all present, each with both labels), labels, predictions and a random
    split of the groups into unprivileged and privileged (together: every group)."""
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.integers(2, 5))
    n = int(rng.integers(80, 600))
    g = rng.integers(0, k, n)
    g[: 2 * k] = np.repeat(np.arange(k), 2)
    yt = rng.integers(0, 2, n)
    yt[: 2 * k] = np.tile([0, 1], k)
    yp = np.where(rng.random(n) < 0.7, yt, 1 - yt)
    perm = [int(x) for x in rng.permutation(k)]
    cut = int(rng.integers(1, k))
    return g, yt, yp, k, sorted(perm[:cut]), sorted(perm[cut:])


def test_aif360_pair_metrics_random() -> None:
    """ClassificationMetric / BinaryLabelDatasetMetric pair metrics (unprivileged vs
    privileged), weighted and unweighted: AIF360 honours instance weights here."""
    am = reference("aif360.metrics")
    for seed in SEEDS:
        g, yt, yp, k, unpriv, priv = random_case(seed)
        w = np.random.default_rng(seed).uniform(0.1, 3.0, len(g)) if seed % 2 else None
        d_true, d_pred = aif_datasets(g, yt, yp, w)
        cm = am.ClassificationMetric(d_true, d_pred, unprivileged_groups=conditions(unpriv),
                                     privileged_groups=conditions(priv))
        pc = m.GroupConfusion(yt, yp, g.astype(np.uint32), sample_weight=w, n_groups=k).compare(unpriv, priv, "nan")
        for name in PAIR_METRICS:
            ours, ref = getattr(pc, name)(), float(getattr(cm, name)())
            assert close(ours, ref, 1e-12), (seed, name, ours, ref)
        # dataset metrics on the labels alone: base rates
        dm = am.BinaryLabelDatasetMetric(d_true, unprivileged_groups=conditions(unpriv),
                                         privileged_groups=conditions(priv))
        lc = m.GroupConfusion(yt, yt, g, sample_weight=w, n_groups=k).compare(unpriv, priv, "nan")
        assert close(lc.statistical_parity_difference(), float(dm.statistical_parity_difference()), 1e-12)
        assert close(lc.disparate_impact(), float(dm.disparate_impact()), 1e-12)
        ww = np.ones(len(g)) if w is None else w
        u, p = np.isin(g, unpriv), np.isin(g, priv)
        di = m.disparate_impact_from_counts(float(ww[u & (yt == 1)].sum()), float(ww[u].sum()),
                                            float(ww[p & (yt == 1)].sum()), float(ww[p].sum()))
        assert close(di, float(dm.disparate_impact()), 1e-12), seed


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")
def test_aif360_inequality_indices_random() -> None:
    """GEI (alpha 0..3), Theil, CV and the between-group indices against ClassificationMetric.

    Known AIF360 0.6.1 defects (research/fairness.md §4.3(5)), checked the correct way:
    * GE(alpha = 0) divides by mean(b) once more than the definition: our "speicher"
      convention (the definition) must equal AIF360's value times mean(b), and our "aif360"
      convention must reproduce AIF360's value as published;
    * AIF360 ignores instance weights in GEI: with integer weights we compare our weighted
      index with AIF360 on the rows repeated weight times (what a weight means).
    """
    am = reference("aif360.metrics")
    for seed in SEEDS:
        g, yt, yp, k, unpriv, priv = random_case(seed)
        weighted = seed % 2 == 1
        w = np.random.default_rng(seed).integers(1, 4, len(g)) if weighted else None
        if w is None:
            gg, tt, pp = g, yt, yp
        else:  # AIF360 sees the expanded rows, we see the weights
            gg, tt, pp = np.repeat(g, w), np.repeat(yt, w), np.repeat(yp, w)
        d_true, d_pred = aif_datasets(gg, tt, pp, None)
        cm = am.ClassificationMetric(d_true, d_pred, unprivileged_groups=conditions(unpriv),
                                     privileged_groups=conditions(priv))
        wf = None if w is None else w.astype(np.float64)
        c = m.GroupConfusion(yt, yp, g.astype(np.uint32), sample_weight=wf, n_groups=k)
        b = (1 + pp - tt).astype(float)
        mu = float(b.mean())
        for a in (1, 2, 3):
            ref = float(cm.generalized_entropy_index(alpha=a))
            assert close(c.generalized_entropy_index(float(a)), ref, 1e-12), (seed, a)
            assert close(c.generalized_entropy_index(float(a), "aif360"), ref, 1e-12), (seed, a)
            ref_bg = float(cm.between_all_groups_generalized_entropy_index(alpha=a))
            assert close(c.between_group_generalized_entropy_index(float(a)), ref_bg, 1e-12), (seed, a)
        ref0 = float(cm.generalized_entropy_index(alpha=0))  # +inf whenever some b == 0
        assert close(c.generalized_entropy_index(0.0, "aif360"), ref0, 1e-12), seed
        assert close(c.generalized_entropy_index(0.0, "speicher"), ref0 * mu, 1e-12), seed
        ref0_bg = float(cm.between_all_groups_generalized_entropy_index(alpha=0))
        assert close(c.between_group_generalized_entropy_index(0.0, "aif360"), ref0_bg, 1e-12), seed
        assert close(c.between_group_generalized_entropy_index(0.0, "speicher"), ref0_bg * mu, 1e-12), seed
        assert close(c.theil_index(), float(cm.theil_index()), 1e-12), seed
        assert close(c.coefficient_of_variation(), float(cm.coefficient_of_variation()), 1e-12), seed
        assert close(c.between_group_theil_index(), float(cm.between_all_groups_theil_index()), 1e-12), seed
        # AIF360's between_group_* pools privileged vs unprivileged (together: every row here)
        two = np.isin(g, priv).astype(np.uint32)
        for a in (1, 2):
            ref = float(cm.between_group_generalized_entropy_index(alpha=a))
            ours = m.between_group_generalized_entropy_index((1 + yp - yt).astype(float), two, wf, float(a))
            assert close(ours, ref, 1e-12), (seed, a, ours, ref)
        assert close(m.generalized_entropy_index(b, None, 2.0), float(cm.generalized_entropy_index(alpha=2)), 1e-12)


# --------------------------------------------------------------------------------------------
# fairsearchcore (FA*IR)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fsc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """fairsearchcore with the run-time __hash__ shim of fixtures/gen/rerank/gen.py
    (research/fairness.md §4.3(1): LegalAssignmentKey.__hash__ returns a numpy integer, a
    TypeError on current numpy; upstream issue #3). Undone after the test."""
    lib = reference("fairsearchcore")
    fp = reference("fairsearchcore.fail_prob")
    orig = fp.LegalAssignmentKey.__hash__
    monkeypatch.setattr(fp.LegalAssignmentKey, "__hash__", lambda self: int(orig(self)))
    warnings.filterwarnings("ignore", module="fairsearchcore")
    return lib


def exact_fail_probability(table: Sequence[int], p: float) -> float:
    """Brute force over all 2^k protected/non-protected sequences (k <= 14): the probability
    that a Bernoulli(p) ranking violates the table at some prefix, last position included."""
    k = len(table)
    bits = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
    ones = bits.sum(axis=1)
    prob = p**ones * (1 - p) ** (k - ones)
    fails = (np.cumsum(bits, axis=1) < np.asarray(table)[None, :]).any(axis=1)
    return float(prob[fails].sum())


# (k, p, alpha) of the adjusted tables; fairsearchcore's bisection costs 0.1-0.3 s each here
# (p = 0.5 with alpha = 0.1 runs it to the 1e-16 bracket: 2 s, avoided)
FSC_PARAMS = [(10, 0.3, 0.1), (12, 0.45, 0.1), (14, 0.25, 0.05), (11, 0.6, 0.15), (20, 0.3, 0.1),
              (12, 0.5, 0.15)]
_ADJUSTED: Dict[Tuple[int, float, float], Any] = {}


def fsc_adjusted(k: int, p: float, a: float) -> Tuple[List[int], float, float]:
    """fairsearchcore's adjust_alpha (table, alpha, fail probability), computed once per run;
    call only with the fsc fixture active (the shim)."""
    if (k, p, a) not in _ADJUSTED:
        fp = reference("fairsearchcore.fail_prob")
        _ADJUSTED[(k, p, a)] = fp.RecursiveNumericFailProbabilityCalculator(k, p, a).adjust_alpha()
    pair = _ADJUSTED[(k, p, a)]
    return [int(x) for x in pair.mtable["m"].tolist()], float(pair.alpha), float(pair.fail_prob)


def test_fairsearchcore_mtables_random(fsc: Any) -> None:
    mg = reference("fairsearchcore.mtable_generator")
    binom = reference("scipy.stats").binom
    rng = np.random.default_rng(7)
    for _ in range(12):  # unadjusted tables through fairsearchcore itself (pandas rows: small k)
        k, p, a = int(rng.integers(10, 41)), float(rng.uniform(0.02, 0.98)), float(rng.uniform(0.01, 0.15))
        assert rerank.mtable(k, p, a) == [int(x) for x in fsc.Fair(k, p, a).create_unadjusted_mtable()], (k, p, a)
    for _ in range(40):  # and through the scipy call it makes (binom.ppf), up to k = 400
        k, p, a = int(rng.integers(10, 401)), float(rng.uniform(0.02, 0.98)), float(rng.uniform(0.01, 0.15))
        want = [int(max(x, 0)) for x in binom.ppf(a, np.arange(1, k + 1), p)]
        assert rerank.mtable(k, p, a) == want, (k, p, a)
    assert mg.MTableGenerator(10, 0.5, 0.1, False).mtable_as_list() == rerank.mtable(10, 0.5, 0.1)
    for k, p, a in FSC_PARAMS:  # adjusted tables: fairsearchcore's bisection, as published
        table, alpha, fail = fsc_adjusted(k, p, a)
        ours = rerank.adjusted_mtable(k, p, a, "fsc_compat")
        assert ours["table"] == table, (k, p, a)
        assert close(ours["adjusted_alpha"], alpha, 1e-12), (k, p, a)
        assert abs(ours["fail_probability"] - fail) < 1e-9, (k, p, a)
    for _ in range(8):  # fail probabilities of random unadjusted tables
        k, p, a = int(rng.integers(10, 15)), float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.01, 0.15))
        table = rerank.mtable(k, p, a)
        ref = float(fsc.Fair(k, p, a).compute_fail_probability(table))
        assert abs(rerank.fail_probability(table, p, "fsc_compat") - ref) < 1e-9, (k, p, a)
        # fairsearchcore's calculation ignores the last position (fairness.md §4.3(2)):
        # the exact mode is checked against brute force instead.
        assert abs(rerank.fail_probability(table, p, "exact") - exact_fail_probability(table, p)) < 1e-9
    for k, p, a in FSC_PARAMS[:3]:  # exact adjusted tables: fail probability is what they say
        ex = rerank.adjusted_mtable(k, p, a, "exact")
        assert abs(ex["fail_probability"] - exact_fail_probability(ex["table"], p)) < 1e-9
        assert ex["table"] == rerank.mtable(k, p, ex["adjusted_alpha"])


def test_fairsearchcore_fair_top_k_random(fsc: Any) -> None:
    rr = reference("fairsearchcore.re_ranker")
    fair = reference("fairsearchcore.fair")
    doc = reference("fairsearchcore.models").FairScoreDoc
    rng = np.random.default_rng(17)
    adjusted = {(k, p, a): fsc_adjusted(k, p, a)[0] for (k, p, a) in FSC_PARAMS}
    for (k, p, a), adj in adjusted.items():
        assert adj == rerank.adjusted_mtable(k, p, a, "fsc_compat")["table"]
    for case in range(60):
        k, p, a = FSC_PARAMS[case % len(FSC_PARAMS)]
        n = int(rng.integers(k // 2, 3 * k))
        q = float(rng.uniform(0.05, 0.7))
        # one decimal: many cross-group score ties; canonical order (score desc, id asc)
        rows = sorted(((i, round(float(rng.uniform(0, 1)), 1), bool(rng.random() < q)) for i in range(n)),
                      key=lambda d: (-d[1], d[0]))
        items = [{"id": i, "score": s, "group": int(pr)} for (i, s, pr) in rows]
        docs = [doc(i, s, pr) for (i, s, pr) in rows]
        for table in (adjusted[(k, p, a)], rerank.mtable(k, p, a)):
            out = rr.fair_top_k(k, [d for d in docs if d.is_protected], [d for d in docs if not d.is_protected], table)
            if isinstance(out, tuple):  # exhausted candidates: (result, []) (fairness.md §4.3(2))
                out = out[0]
            want = [d.id for d in out]
            got = rerank.fair_top_k(items, [1], k, table)
            assert got == want, (case, k, p, a)
            if len(got) == k:
                flags = [bool(items_by_id(items)[i]["group"]) for i in got]
                assert rerank.is_fair(flags, table) == bool(fair.check_ranking(out, table))
        flags = [bool(x) for x in rng.random(k) < rng.uniform(0.1, 0.9)]
        table = adjusted[(k, p, a)]
        ranking = [doc(i, 1.0, fl) for i, fl in enumerate(flags)]
        assert rerank.is_fair(flags, table) == bool(fair.check_ranking(ranking, table)), case


def items_by_id(items: Sequence[Dict[str, Any]]) -> Dict[int, Dict[str, Any]]:
    return {int(it["id"]): it for it in items}


# --------------------------------------------------------------------------------------------
# scipy
# --------------------------------------------------------------------------------------------


def samples(rng: Any, stars: bool) -> Tuple[Arr, Arr]:
    n1, n2 = int(rng.integers(10, 300)), int(rng.integers(10, 300))
    if stars:  # 1-5 stars: heavy ties
        return (rng.integers(1, 6, n1).astype(float), rng.choice(5, n2, p=[0.1, 0.1, 0.2, 0.3, 0.3]) + 1.0)
    return rng.normal(3.9, 0.8, n1), rng.normal(3.7, 1.1, n2)


def test_scipy_rating_tests_random() -> None:
    st = reference("scipy.stats")
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        a, b = samples(rng, stars=seed % 4 != 3)
        for alt in ("two-sided", "greater", "less"):
            ours_alt = alt.replace("-", "_")
            t = m.welch_t_test(a, b, ours_alt)
            ref = st.ttest_ind(a, b, equal_var=False, alternative=alt)
            assert close(t["statistic"], float(ref.statistic), 1e-12), (seed, alt)
            assert close(t["df"], float(ref.df), 1e-12), (seed, alt)
            assert close(t["p_value"], float(ref.pvalue), 1e-9), (seed, alt)
            for cc in (True, False):
                mw = m.mann_whitney_u(a, b, cc, ours_alt)
                mref = st.mannwhitneyu(a, b, use_continuity=cc, alternative=alt, method="asymptotic")
                assert mw["u1"] == float(mref.statistic), (seed, alt, cc)
                assert close(mw["p_value"], float(mref.pvalue), 1e-9), (seed, alt, cc)
            bm = m.brunner_munzel(a, b, ours_alt)
            bref = st.brunnermunzel(a, b, alternative=alt)
            assert close(bm["statistic"], float(bref.statistic), 1e-12), (seed, alt)
            assert close(bm["p_value"], float(bref.pvalue), 1e-9), (seed, alt)
        u = float(st.mannwhitneyu(a, b, method="asymptotic").statistic)
        assert close(m.rank_biserial(a, b), 2 * u / (len(a) * len(b)) - 1, 1e-12), seed
        ps = rng.random(int(rng.integers(1, 60)))
        if seed % 3 == 0:
            ps[: len(ps) // 2] = ps[0]  # tied p-values
        assert np.allclose(m.benjamini_hochberg(ps), st.false_discovery_control(ps, method="bh"),
                           rtol=1e-12, atol=0)


def test_scipy_mann_whitney_from_star_counts() -> None:
    """The histogram form (counts of 1..5 stars) equals scipy on the expanded samples."""
    st = reference("scipy.stats")
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        ca = [int(x) for x in rng.integers(0, 40, 5)]
        cb = [int(x) for x in rng.integers(0, 40, 5)]
        ca[4] += 1
        cb[0] += 1
        a = np.repeat(np.arange(1.0, 6.0), ca)
        b = np.repeat(np.arange(1.0, 6.0), cb)
        for alt in ("two-sided", "greater", "less"):
            mw = m.mann_whitney_u_counts(ca, cb, True, alt.replace("-", "_"))
            ref = st.mannwhitneyu(a, b, use_continuity=True, alternative=alt, method="asymptotic")
            assert mw["u1"] == float(ref.statistic), (seed, alt)
            assert close(mw["p_value"], float(ref.pvalue), 1e-9), (seed, alt)


# --------------------------------------------------------------------------------------------
# speed (the real measurement is benches/compare/python_binding.py with a release build)
# --------------------------------------------------------------------------------------------


def test_demographic_parity_speed_vs_fairlearn() -> None:
    """A floor on the speed ratio over 200k rows (fairlearn takes seconds on 1M): asserts
    only >= 30x so a loaded CI machine does not flake. The acceptance figure (1M rows,
    >= 300x, release build, interleaved rounds) is benches/compare/python_binding.py."""
    fm = reference("fairlearn.metrics")
    rng = np.random.default_rng(0)
    n = 200_000
    y = rng.integers(0, 2, n).astype(np.uint8)
    p = rng.integers(0, 2, n).astype(np.uint8)
    g = rng.integers(0, 4, n).astype(np.uint32)
    t0 = time.perf_counter()
    ref = fm.demographic_parity_difference(y, p, sensitive_features=g)
    t_ref = time.perf_counter() - t0
    ours_t = []
    ours = math.nan
    for _ in range(5):
        t0 = time.perf_counter()
        ours = m.demographic_parity_difference(y, p, sensitive_features=g)
        ours_t.append(time.perf_counter() - t0)
    best = min(ours_t)
    print(f"\nDP 200k rows: fairlearn {t_ref:.3f}s, fairmatch {best * 1e3:.2f}ms, ratio {t_ref / best:.0f}x")
    assert close(ours, float(ref), 1e-12)
    assert t_ref / best >= 30
