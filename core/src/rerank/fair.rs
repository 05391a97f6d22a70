//! FA*IR (Zehlike et al., CIKM 2017, arXiv 1706.06368; research/fairness.md §1.2).
//!
//! * m-tables from the exact binomial quantile `m(i) = min{m : F(m; i, p) ≥ α}`;
//! * the exact O(k²) fail-probability DP and fairsearchcore's bisection on α
//!   ([`MTableMode::Exact`], the default), or fairsearchcore 1.0.4's fail probability that
//!   ignores an increment at position k ([`MTableMode::FscCompat`], reproduces its tables);
//! * a process-wide cache keyed by (k, p, α, mode);
//! * [`fair_top_k`] (ties go to the protected candidate) and [`is_fair`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::item::{RerankItem, top_k_per_group, validate_items};
use crate::error::{Error, Result};
use crate::ids::DocId;

/// Largest k accepted for m-tables (the adjustment is ~60 × O(k²)).
pub const FAIR_MAX_K: usize = 5000;

/// Tolerance, in units in the last place, for `F(0) = (1−p)^n ≥ α` only. scipy's
/// `binom.ppf` (boost) is inclusive (`F(m) ≥ α`, exact for m ≥ 1 on the whole fixture grid),
/// but its m = 0 shortcut compares α with P(X = 0) computed its own way: the one grid point
/// where this matters is (i = 1, p = 0.9, α = 0.1), where `1 − 0.9` is 2 ulps below α and
/// scipy still returns 0, while (i = 2, p = 0.9, α = 0.01) is 3 ulps below and returns 1.
const QUANTILE_ZERO_ULPS: u64 = 2;

/// fairsearchcore's bisection stop width (`fail_prob.EPS`).
const BISECTION_EPS: f64 = 1e-16;

/// How the fail probability used by the α adjustment is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MTableMode {
    /// Exact O(k²) DP over every position 1..=k (research/fairness.md §1.2). The default.
    #[default]
    Exact,
    /// fairsearchcore 1.0.4 as published: an increment of m exactly at position k is not
    /// counted, and a success probability of exactly 0 reports a fail probability of 0
    /// (fairness.md §1.2, quirks 2 and 3). Use it to reproduce that library's tables.
    FscCompat,
}

/// An adjusted m-table with the parameters that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustedMTable {
    /// Ranking length the table covers.
    pub k: usize,
    /// Target minimum protected proportion.
    pub p: f64,
    /// Requested overall significance (family-wise fail probability target).
    pub alpha: f64,
    /// How the fail probability was computed.
    pub mode: MTableMode,
    /// The per-prefix significance α_c the bisection settled on.
    pub adjusted_alpha: f64,
    /// `table[i-1]` = minimum number of protected candidates in the top i.
    pub table: Vec<u32>,
    /// Fail probability of `table` under `mode`.
    pub fail_probability: f64,
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 || k > FAIR_MAX_K {
        return Err(Error::invalid(
            "k",
            format!("must be in 1..={FAIR_MAX_K}, got {k}"),
        ));
    }
    Ok(())
}

fn check_p(p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid("p", format!("must be in [0, 1], got {p}")));
    }
    Ok(())
}

fn check_alpha(alpha: f64) -> Result<()> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid(
            "alpha",
            format!("must be in (0, 1), got {alpha}"),
        ));
    }
    Ok(())
}

/// Binomial pmf terms `P(X = m)` for `m = 0..=n`, `X ~ Bin(n, p)`.
///
/// Linear-space recurrence `pmf(m+1) = pmf(m)·(n−m)/(m+1)·p/(1−p)` (exact for p = ½ while
/// the coefficients fit in 53 bits); log-space when `(1−p)^n` would underflow.
fn binom_pmf_all(n: usize, p: f64, out: &mut Vec<f64>) {
    out.clear();
    if p <= 0.0 {
        out.resize(n + 1, 0.0);
        out[0] = 1.0;
        return;
    }
    if p >= 1.0 {
        out.resize(n + 1, 0.0);
        out[n] = 1.0;
        return;
    }
    let q = 1.0 - p;
    let first = q.powi(n as i32);
    if first > 1e-280 {
        let ratio = p / q;
        let mut cur = first;
        out.push(cur);
        for m in 0..n {
            cur = cur * ((n - m) as f64) / ((m + 1) as f64) * ratio;
            out.push(cur);
        }
    } else {
        let lr = p.ln() - q.ln();
        let mut l = (n as f64) * (-p).ln_1p();
        out.push(l.exp());
        for m in 0..n {
            l += ((n - m) as f64).ln() - ((m + 1) as f64).ln() + lr;
            out.push(l.exp());
        }
    }
}

/// Binomial CDF `F(m; n, p) = P(X ≤ m)`, summed from the pmf terms.
pub fn binomial_cdf(m: usize, n: usize, p: f64) -> f64 {
    let mut pmf = Vec::new();
    binom_pmf_all(n, p, &mut pmf);
    pmf.iter().take(m.min(n) + 1).sum::<f64>().min(1.0)
}

/// `min{m : F(m; n, p) ≥ α}` (clipped at 0), the inverse CDF as in scipy's `binom.ppf`.
fn binom_quantile(alpha: f64, n: usize, p: f64, pmf: &mut Vec<f64>) -> u32 {
    if alpha <= 0.0 {
        return 0;
    }
    binom_pmf_all(n, p, pmf);
    // both positive and finite here, so the bit patterns order like the values
    if pmf[0] >= alpha || alpha.to_bits() - pmf[0].to_bits() <= QUANTILE_ZERO_ULPS {
        return 0;
    }
    let mut acc = 0.0;
    for (m, t) in pmf.iter().enumerate() {
        acc += t;
        if acc >= alpha {
            return m as u32;
        }
    }
    n as u32
}

/// Exact `(F(m; n, p), P(X = m))` from the summed pmf terms.
fn cdf_pmf_exact(m: usize, n: usize, p: f64, pmf: &mut Vec<f64>) -> (f64, f64) {
    binom_pmf_all(n, p, pmf);
    (pmf[..=m].iter().sum(), pmf[m])
}

/// The m-table in O(k) amortised: m(i) is non-decreasing and grows by at most 1 per position,
/// so only `F(m(i−1); i, p)` is needed, carried by the recurrences
/// `F(m; i+1) = F(m; i) − p·P(X_i = m)`, `P(X_{i+1} = m) = P(X_i = m)·(i+1)/(i+1−m)·(1−p)` and
/// `P(X_i = m+1) = P(X_i = m)·(i−m)/(m+1)·p/(1−p)`. Whenever the carried CDF is within 1e-7
/// (relative) of α, every 32 positions, and whenever the carried pmf gets tiny, the decision
/// is taken with (and the state re-seeded from) the exact sum of [`binom_quantile`], so the
/// table is identical to computing every quantile from scratch.
fn mtable_unchecked(k: usize, p: f64, alpha: f64) -> Vec<u32> {
    let mut pmf_buf = Vec::with_capacity(k + 1);
    if p <= 0.0 || p >= 1.0 || k <= 2 {
        return (1..=k)
            .map(|i| binom_quantile(alpha, i, p, &mut pmf_buf))
            .collect();
    }
    let q = 1.0 - p;
    let mut out = Vec::with_capacity(k);
    let mut m = binom_quantile(alpha, 1, p, &mut pmf_buf) as usize;
    out.push(m as u32);
    let (mut cdf, mut pmf) = cdf_pmf_exact(m, 1, p, &mut pmf_buf);
    for i in 2..=k {
        // advance (m, i−1) → (m, i)
        let prev_n = (i - 1) as f64;
        cdf -= p * pmf;
        pmf *= (prev_n + 1.0) / (prev_n + 1.0 - m as f64) * q;
        let risky = (cdf - alpha).abs() <= 1e-7 * alpha || i % 32 == 0 || pmf < 1e-200;
        if risky {
            let exact = binom_quantile(alpha, i, p, &mut pmf_buf) as usize;
            m = exact;
            let (c, d) = cdf_pmf_exact(m, i, p, &mut pmf_buf);
            cdf = c;
            pmf = d;
        } else if cdf < alpha {
            // m + 1: F(m+1; i) = F(m; i) + P(X_i = m+1)
            pmf *= (i - m) as f64 / (m + 1) as f64 * p / q;
            m += 1;
            cdf += pmf;
            if (cdf - alpha).abs() <= 1e-7 * alpha || cdf < alpha {
                let exact = binom_quantile(alpha, i, p, &mut pmf_buf) as usize;
                m = exact;
                let (c, d) = cdf_pmf_exact(m, i, p, &mut pmf_buf);
                cdf = c;
                pmf = d;
            }
        }
        out.push(m as u32);
    }
    out
}

/// The unadjusted m-table: `m(i) = F⁻¹(α; i, p)` for `i = 1..=k` (FA*IR §4.1; fairness.md
/// §1.2). `p = 0` gives all zeros, `p = 1` gives `m(i) = i`.
///
/// Rejects k outside `1..=FAIR_MAX_K`, p outside [0, 1] and α outside (0, 1).
pub fn mtable(k: usize, p: f64, alpha: f64) -> Result<Vec<u32>> {
    check_k(k)?;
    check_p(p)?;
    check_alpha(alpha)?;
    Ok(mtable_unchecked(k, p, alpha))
}

/// Exact DP: the distribution of the protected count advances one position at a time and
/// states below `m(i)` are removed; the removed mass is the fail probability (fairness.md §1.2).
///
/// Two buffers (so the update vectorises) and a window `[m(i), mean + 13 sd + 13]`: states
/// above it carry less than 1e-36 of mass in total (Chernoff), far below the 1e-9 the
/// results are checked at, and are dropped.
fn fail_prob_dp(table: &[u32], p: f64) -> f64 {
    let k = table.len();
    let q = 1.0 - p;
    let mut cur = vec![0.0f64; k + 2];
    let mut nxt = vec![0.0f64; k + 2];
    cur[0] = 1.0;
    let (mut lo, mut hi) = (0usize, 0usize); // live states: lo..=hi
    let mut failed = 0.0;
    for i in 1..=k {
        let fi = i as f64;
        let cap = (fi * p + 13.0 * (fi * p * q).sqrt() + 13.0).ceil() as usize;
        let new_hi = (hi + 1).min(i).min(cap.max(lo));
        // nxt[c] = cur[c]·q + cur[c−1]·p for c in lo..=new_hi (cur is 0 outside lo..=hi)
        nxt[lo] = cur[lo] * q + if lo > 0 { cur[lo - 1] * p } else { 0.0 };
        {
            let (dst, a, b) = (
                &mut nxt[lo + 1..=new_hi],
                &cur[lo + 1..=new_hi],
                &cur[lo..new_hi],
            );
            for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
                *d = x * q + y * p;
            }
        }
        // clear what `cur` held beyond the new window before swapping
        for v in &mut cur[lo..=hi.max(new_hi)] {
            *v = 0.0;
        }
        std::mem::swap(&mut cur, &mut nxt);
        hi = new_hi;
        let need = (table[i - 1] as usize).min(hi + 1);
        while lo < need {
            failed += cur[lo];
            cur[lo] = 0.0;
            lo += 1;
        }
        if lo > hi {
            // everything failed
            return failed.min(1.0);
        }
    }
    failed
}

/// Fail probability of an m-table under the null of a fair Bernoulli(p) ranking: the
/// probability that some prefix i has fewer than `table[i-1]` protected candidates
/// (fairness.md §1.2). [`MTableMode::FscCompat`] ignores an increment at the last position
/// and reports 0 when the success probability is 0, as fairsearchcore 1.0.4 does.
///
/// Rejects an empty table, one longer than `FAIR_MAX_K`, one that decreases or grows by
/// more than 1 per position (not a valid m-table), and p outside [0, 1].
pub fn fail_probability(table: &[u32], p: f64, mode: MTableMode) -> Result<f64> {
    check_k(table.len()).map_err(|_| {
        Error::invalid(
            "mtable",
            format!("length must be in 1..={FAIR_MAX_K}, got {}", table.len()),
        )
    })?;
    check_p(p)?;
    let mut prev = 0u32;
    for (i, &m) in table.iter().enumerate() {
        if m < prev || m > prev + 1 || m as usize > i + 1 {
            return Err(Error::invalid(
                format!("mtable[{i}]"),
                "an m-table starts at ≤ 1 and grows by 0 or 1 per position".to_string(),
            ));
        }
        prev = m;
    }
    Ok(fail_prob_mode(table, p, mode))
}

fn fail_prob_mode(table: &[u32], p: f64, mode: MTableMode) -> f64 {
    match mode {
        MTableMode::Exact => fail_prob_dp(table, p),
        MTableMode::FscCompat => {
            // fairsearchcore's compute_aux_mtable loops positions 1..k-1 only.
            let k = table.len();
            let mut t = table.to_vec();
            t[k - 1] = if k >= 2 { t[k - 2] } else { 0 };
            let f = fail_prob_dp(&t, p);
            if 1.0 - f == 0.0 { 0.0 } else { f }
        }
    }
}

struct Boundary {
    alpha: f64,
    fail: f64,
    mass: u64,
    table: Vec<u32>,
}

fn boundary(k: usize, p: f64, alpha: f64, mode: MTableMode) -> Boundary {
    let table = mtable_unchecked(k, p, alpha);
    let fail = fail_prob_mode(&table, p, mode);
    let mass = table.iter().map(|&m| m as u64).sum();
    Boundary {
        alpha,
        fail,
        mass,
        table,
    }
}

/// fairsearchcore 1.0.4 `RecursiveNumericFailProbabilityCalculator.adjust_alpha`, step for
/// step (bisection on α ∈ [0, α], stop when the bracket tables differ by one unit of mass or
/// the bracket is ≤ 1e-16 wide, return the bracket table whose fail probability is closest to
/// α), with the fail probability of `mode`.
fn adjust(k: usize, p: f64, alpha: f64, mode: MTableMode) -> Boundary {
    let mut a_min = 0.0f64;
    let mut a_max = alpha;
    let mut a_mid = (a_min + a_max) / 2.0;
    let mut minb = boundary(k, p, a_min, mode);
    let mut maxb = boundary(k, p, a_max, mode);
    let mut midb = boundary(k, p, a_mid, mode);
    while minb.mass < maxb.mass && midb.fail != alpha {
        if midb.fail < alpha {
            a_min = a_mid;
            minb = midb;
        } else if midb.fail > alpha {
            a_max = a_mid;
            maxb = midb;
        }
        a_mid = (a_min + a_max) / 2.0;
        midb = boundary(k, p, a_mid, mode);
        let (max_mass, min_mass, mid_mass) = (maxb.mass, minb.mass, midb.mass);
        if max_mass.wrapping_sub(min_mass) == 1 || maxb.alpha - minb.alpha <= BISECTION_EPS {
            let min_diff = (minb.fail - alpha).abs();
            let max_diff = (maxb.fail - alpha).abs();
            return if min_diff <= max_diff { minb } else { maxb };
        }
        if max_mass.wrapping_sub(mid_mass) == 1 && mid_mass.wrapping_sub(min_mass) == 1 {
            let min_diff = (minb.fail - alpha).abs();
            let max_diff = (maxb.fail - alpha).abs();
            let mid_diff = (midb.fail - alpha).abs();
            if mid_diff <= max_diff && mid_diff <= min_diff {
                return midb;
            }
            return if min_diff <= mid_diff && min_diff <= max_diff {
                minb
            } else {
                maxb
            };
        }
    }
    midb
}

type CacheKey = (usize, u64, u64, MTableMode);

fn cache() -> &'static RwLock<HashMap<CacheKey, Arc<AdjustedMTable>>> {
    static CACHE: OnceLock<RwLock<HashMap<CacheKey, Arc<AdjustedMTable>>>> = OnceLock::new();
    CACHE.get_or_init(|| RwLock::new(HashMap::new()))
}

/// Entries kept in the adjusted-table cache before it is cleared (bounds memory when callers
/// vary p or α freely).
const CACHE_CAP: usize = 4096;

/// The adjusted m-table for (k, p, α) (FA*IR §4.2; fairness.md §1.2), from a process-wide,
/// thread-safe cache keyed by (k, p, α, mode); the first call for a key computes it
/// (≈ 60 × O(k²)).
///
/// Rejects k outside `1..=FAIR_MAX_K`, p outside [0, 1] and α outside (0, 1).
pub fn adjusted_mtable(
    k: usize,
    p: f64,
    alpha: f64,
    mode: MTableMode,
) -> Result<Arc<AdjustedMTable>> {
    check_k(k)?;
    check_p(p)?;
    check_alpha(alpha)?;
    let key = (k, p.to_bits(), alpha.to_bits(), mode);
    if let Some(t) = cache().read().get(&key) {
        return Ok(Arc::clone(t));
    }
    let t = Arc::new(adjusted_mtable_uncached(k, p, alpha, mode)?);
    let mut w = cache().write();
    if w.len() >= CACHE_CAP {
        w.clear();
    }
    Ok(Arc::clone(w.entry(key).or_insert(t)))
}

/// [`adjusted_mtable`] without the cache (for benchmarks and tests).
pub fn adjusted_mtable_uncached(
    k: usize,
    p: f64,
    alpha: f64,
    mode: MTableMode,
) -> Result<AdjustedMTable> {
    check_k(k)?;
    check_p(p)?;
    check_alpha(alpha)?;
    let b = adjust(k, p, alpha, mode);
    Ok(AdjustedMTable {
        k,
        p,
        alpha,
        mode,
        adjusted_alpha: b.alpha,
        table: b.table,
        fail_probability: b.fail,
    })
}

/// FA*IR's re-ranking (Algorithm 2; fairsearchcore `re_ranker.fair_top_k`): picks and
/// orders up to k items so that every prefix i holds at least `mtable[i-1]` protected ones.
///
/// Items whose `group` is in `protected` are protected. Each side is taken in canonical order
/// (score descending, then lower id). At position i: if the protected count is below
/// `mtable[i-1]` the best protected item is taken; otherwise the better head wins and
/// **ties go to the protected candidate**. **When one side runs out** the other side fills
/// the remaining positions (the result may then fail [`is_fair`]: there is nobody left to
/// satisfy the table); when both run out the result is shorter than k.
///
/// Rejects non-finite scores, duplicate ids and an m-table shorter than
/// `min(k, items.len())`.
pub fn fair_top_k(
    items: &[RerankItem],
    protected: &[u32],
    k: usize,
    mtable: &[u32],
) -> Result<Vec<DocId>> {
    validate_items(items)?;
    let ranked = top_k_per_group(items, k);
    let idx = fair_top_k_idx(&ranked, protected, k.min(items.len()), mtable)?;
    Ok(idx.iter().map(|&i| ranked[i].id).collect())
}

/// On a ranked slice: each side keeps the slice order.
pub(crate) fn fair_top_k_idx(
    items: &[RerankItem],
    protected: &[u32],
    k: usize,
    mtable: &[u32],
) -> Result<Vec<usize>> {
    let n_out = k.min(items.len());
    if mtable.len() < n_out {
        return Err(Error::invalid(
            "mtable",
            format!("has {} entries, needs at least {n_out}", mtable.len()),
        ));
    }
    let (prot, non): (Vec<usize>, Vec<usize>) =
        (0..items.len()).partition(|&i| protected.contains(&items[i].group));
    let (mut ip, mut inp, mut count) = (0usize, 0usize, 0u32);
    let mut out = Vec::with_capacity(n_out);
    for &need in mtable.iter().take(n_out) {
        let take_protected = if ip >= prot.len() {
            false
        } else if inp >= non.len() || count < need {
            true
        } else {
            items[prot[ip]].score >= items[non[inp]].score
        };
        if take_protected {
            out.push(prot[ip]);
            ip += 1;
            count += 1;
        } else {
            out.push(non[inp]);
            inp += 1;
        }
    }
    Ok(out)
}

/// Whether a ranking (given as protected flags in rank order) satisfies an m-table: every
/// prefix i ≤ min(len, table length) holds at least `mtable[i-1]` protected items
/// (fairsearchcore `check_ranking`, which additionally requires equal lengths).
pub fn is_fair(protected_flags: &[bool], mtable: &[u32]) -> bool {
    let mut count = 0u32;
    for (&f, &m) in protected_flags.iter().zip(mtable) {
        count += u32::from(f);
        if count < m {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(runs: &[(u32, usize)]) -> Vec<u32> {
        runs.iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
            .collect()
    }

    #[test]
    fn published_unadjusted_tables() {
        assert_eq!(mtable(10, 0.2, 0.15).unwrap(), expand(&[(0, 8), (1, 2)]));
        assert_eq!(
            mtable(20, 0.25, 0.1).unwrap(),
            expand(&[(0, 8), (1, 6), (2, 5), (3, 1)])
        );
        assert_eq!(
            mtable(30, 0.3, 0.05).unwrap(),
            expand(&[(0, 8), (1, 5), (2, 5), (3, 5), (4, 4), (5, 3)])
        );
    }

    #[test]
    fn quantile_ties_are_inclusive() {
        let mut pmf = Vec::new();
        assert_eq!(binom_quantile(0.25, 2, 0.5, &mut pmf), 0);
        assert_eq!(binom_quantile(0.5, 1, 0.5, &mut pmf), 0);
        assert_eq!(binom_quantile(0.0625, 4, 0.5, &mut pmf), 0);
        assert_eq!(binom_quantile(0.3125, 4, 0.5, &mut pmf), 1);
        assert_eq!(mtable(5, 0.0, 0.1).unwrap(), vec![0; 5]);
        assert_eq!(mtable(5, 1.0, 0.1).unwrap(), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn published_adjusted_tables_both_modes() {
        for mode in [MTableMode::Exact, MTableMode::FscCompat] {
            let t = adjusted_mtable(10, 0.2, 0.15, mode).unwrap();
            assert_eq!(t.table, expand(&[(0, 8), (1, 2)]));
            assert!((t.fail_probability - 0.134217728).abs() < 1e-9);
            let t = adjusted_mtable(20, 0.25, 0.1, mode).unwrap();
            assert_eq!(t.table, expand(&[(0, 8), (1, 7), (2, 5)]));
            assert!((t.fail_probability - 0.10515247355).abs() < 1e-9);
            let t = adjusted_mtable(30, 0.3, 0.05, mode).unwrap();
            assert_eq!(t.table, expand(&[(0, 10), (1, 6), (2, 5), (3, 4), (4, 5)]));
            assert!((t.fail_probability - 0.04877730797).abs() < 1e-9);
        }
        let c = adjusted_mtable(10, 0.2, 0.15, MTableMode::FscCompat).unwrap();
        assert!((c.adjusted_alpha - 0.15).abs() < 1e-12);
        let c = adjusted_mtable(20, 0.25, 0.1, MTableMode::FscCompat).unwrap();
        assert!((c.adjusted_alpha - 0.078125).abs() < 1e-12);
        let c = adjusted_mtable(30, 0.3, 0.15, MTableMode::FscCompat).unwrap();
        assert!((c.adjusted_alpha - 0.0796875).abs() < 1e-12);
        let e = adjusted_mtable(30, 0.3, 0.15, MTableMode::Exact).unwrap();
        assert!((e.adjusted_alpha - 0.075).abs() < 1e-12);
    }

    #[test]
    fn published_fail_probabilities() {
        let t = mtable(20, 0.25, 0.1).unwrap();
        let fsc = fail_probability(&t, 0.25, MTableMode::FscCompat).unwrap();
        assert!((fsc - 0.11517506930977106).abs() < 1e-9, "{fsc}");
        let ex = fail_probability(&t, 0.25, MTableMode::Exact).unwrap();
        assert!((ex - 0.14688719).abs() < 1e-8, "{ex}");
        let t = mtable(100, 0.5, 0.1).unwrap();
        let fsc = fail_probability(&t, 0.5, MTableMode::FscCompat).unwrap();
        assert!((fsc - 0.33934997).abs() < 1e-8, "{fsc}");
        let ex = fail_probability(&t, 0.5, MTableMode::Exact).unwrap();
        assert!((ex - 0.34156077).abs() < 1e-8, "{ex}");
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(mtable(0, 0.5, 0.1).is_err());
        assert!(mtable(10, 1.5, 0.1).is_err());
        assert!(mtable(10, f64::NAN, 0.1).is_err());
        assert!(mtable(10, 0.5, 0.0).is_err());
        assert!(fail_probability(&[0, 2], 0.5, MTableMode::Exact).is_err());
        assert!(fail_probability(&[], 0.5, MTableMode::Exact).is_err());
    }

    #[test]
    fn ties_go_to_protected_and_exhaustion_fills() {
        let items = [
            RerankItem::new(1, 0.9, 0),
            RerankItem::new(2, 0.9, 1),
            RerankItem::new(3, 0.5, 0),
        ];
        // no constraint: the tie at 0.9 goes to the protected item (id 2)
        assert_eq!(
            fair_top_k(&items, &[1], 3, &[0, 0, 0]).unwrap(),
            vec![2, 1, 3]
        );
        // constraint needs 2 protected by position 2: only one exists, the rest fill
        let out = fair_top_k(&items, &[1], 5, &[1, 2, 2]).unwrap();
        assert_eq!(out, vec![2, 1, 3]);
        assert!(!is_fair(&[true, false, false], &[1, 2, 2]));
        assert!(fair_top_k(&items, &[1], 3, &[0]).is_err());
    }
}
