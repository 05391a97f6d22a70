//! Rating-bias statistics: per-group descriptive gaps, Welch's t-test, Mann–Whitney U (tie
//! and continuity corrections; discrete ratings are *counted*, not sorted), Brunner–Munzel,
//! rank-biserial effect size, Benjamini–Hochberg, Bayesian average and a seeded permutation
//! test for any gap statistic. research/fairness.md §3; scipy 1.17 semantics
//! (`ttest_ind(equal_var=False)`, `mannwhitneyu(method="asymptotic")`, `brunnermunzel`,
//! `false_discovery_control(method="bh")`). Distributions come from `statrs`.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::policy::{check_all_finite, check_len, overflow_scale_to};
use crate::error::{Error, Result, check_finite, check_non_negative};

/// Which alternative hypothesis a test reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    /// a and b differ (default).
    #[default]
    TwoSided,
    /// a is larger.
    Greater,
    /// a is smaller.
    Less,
}

fn check_sample(field: &str, x: &[f64], min: usize) -> Result<()> {
    check_len_at_least(field, x, min)?;
    check_all_finite(field, x)
}

fn check_len_at_least(field: &str, x: &[f64], min: usize) -> Result<()> {
    if x.len() < min {
        return Err(Error::invalid(
            field,
            format!("needs at least {min} values, got {}", x.len()),
        ));
    }
    Ok(())
}

/// Mergeable one-pass mean/variance accumulator (Chan et al. parallel update).
/// Deserialising validates (see [`RatingStats::from_parts`]); a `null` mean or `m2` (how
/// JSON writes the NaN mean of an empty accumulator) reads as 0 when `n = 0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RatingState")]
pub struct RatingStats {
    /// Number of ratings.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

/// The largest rating magnitude [`RatingStats`] accepts: its variance, and the variance's
/// square in [`welch_from_stats`], must stay finite for any number of ratings it may merge
/// (ratings are star counts; [`welch_t_test`] on raw slices rescales and takes any finite
/// value).
pub const MAX_RATING: f64 = 1e50;

/// Finite and within ±[`MAX_RATING`].
fn rating_ok(x: f64) -> bool {
    x.is_finite() && x.abs() <= MAX_RATING
}

/// The serde form of [`RatingStats`] before validation.
#[derive(Deserialize)]
struct RatingState {
    n: u64,
    mean: Option<f64>,
    m2: Option<f64>,
}

impl TryFrom<RatingState> for RatingStats {
    type Error = Error;
    fn try_from(s: RatingState) -> Result<Self> {
        let missing = |f: &str| Error::invalid(f, "must be a number when n > 0");
        if s.n == 0 {
            return RatingStats::from_parts(0, s.mean.unwrap_or(0.0), s.m2.unwrap_or(0.0));
        }
        RatingStats::from_parts(
            s.n,
            s.mean.ok_or_else(|| missing("mean"))?,
            s.m2.ok_or_else(|| missing("m2"))?,
        )
    }
}

impl RatingStats {
    /// Stored state (what deserialising calls). With `n = 0` the mean and `m2` are ignored
    /// (an empty accumulator); otherwise rejects a mean outside ±[`MAX_RATING`] or
    /// non-finite (field `mean`) and an `m2` that is negative or non-finite (field `m2`).
    pub fn from_parts(n: u64, mean: f64, m2: f64) -> Result<Self> {
        if n == 0 {
            return Ok(RatingStats::default());
        }
        if !rating_ok(mean) {
            return Err(Error::invalid(
                "mean",
                format!("must be finite and within ±{MAX_RATING:e}, got {mean}"),
            ));
        }
        if !(m2.is_finite() && m2 >= 0.0) {
            return Err(Error::invalid(
                "m2",
                format!("must be finite and ≥ 0, got {m2}"),
            ));
        }
        Ok(RatingStats { n, mean, m2 })
    }

    /// Adds one rating (must be finite).
    pub fn add(&mut self, x: f64) -> Result<()> {
        if !rating_ok(x) {
            return Err(Error::invalid(
                "rating",
                format!("must be finite and within ±{MAX_RATING:e}, got {x}"),
            ));
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        Ok(())
    }

    /// Summarises a slice (rejects non-finite values and magnitudes above [`MAX_RATING`]).
    pub fn of(x: &[f64]) -> Result<Self> {
        if let Some(i) = x.iter().position(|&v| !rating_ok(v)) {
            return Err(Error::invalid(
                format!("ratings[{i}]"),
                format!("must be finite and within ±{MAX_RATING:e}, got {}", x[i]),
            ));
        }
        let (n, mean, m2) = moments_checked("ratings", x)?;
        Ok(RatingStats {
            n: n as u64,
            mean,
            m2,
        })
    }

    /// Adds another accumulator (Chan's formula).
    pub fn merge(&mut self, o: &RatingStats) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = (self.n + o.n) as f64;
        let d = o.mean - self.mean;
        self.mean += d * o.n as f64 / n;
        self.m2 += o.m2 + d * d * self.n as f64 * o.n as f64 / n;
        self.n += o.n;
    }

    /// Sample variance (ddof = 1); NaN when n < 2.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }
}

/// [`moments`] that also rejects non-finite values without a separate pass: a NaN or an
/// infinity makes the shifted sums non-finite, and only then is the slice scanned to name the
/// offending index (finite data whose squares overflow passes, as with a separate check).
fn moments_checked(field: &str, x: &[f64]) -> Result<(usize, f64, f64)> {
    let (n, mean, m2) = moments(x);
    if !(mean.is_finite() && m2.is_finite()) {
        check_all_finite(field, x)?;
    }
    Ok((n, mean, m2))
}

/// n, mean and Σ(x − mean)² in one vectorisable pass, shifted by a pilot mean so the
/// one-pass form keeps full precision for rating-like data.
fn moments(x: &[f64]) -> (usize, f64, f64) {
    let n = x.len();
    if n == 0 {
        return (0, f64::NAN, f64::NAN);
    }
    let pilot_n = n.min(1024);
    let k = x[..pilot_n].iter().sum::<f64>() / pilot_n as f64;
    let mut s = [0f64; 8];
    let mut q = [0f64; 8];
    let chunks = x.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            let d = c[l] - k;
            s[l] += d;
            q[l] += d * d;
        }
    }
    let (mut ss, mut qq) = (s.iter().sum::<f64>(), q.iter().sum::<f64>());
    for &v in rem {
        let d = v - k;
        ss += d;
        qq += d * d;
    }
    let nf = n as f64;
    let mean = k + ss / nf;
    let m2 = (qq - ss * ss / nf).max(0.0);
    (n, mean, m2)
}

/// Result of [`welch_t_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TTest {
    /// t statistic (mean_a − mean_b) / se.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// p-value for the alternative.
    pub p_value: f64,
    /// mean_a − mean_b.
    pub mean_difference: f64,
}

/// Welch's unequal-variance t-test (scipy `ttest_ind(a, b, equal_var=False)`):
/// t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂), ν by Welch–Satterthwaite, p from Student t (statrs).
/// Rejects fewer than 2 values per sample and non-finite values. Both variances 0: t = ±inf
/// and p = 0 when the means differ, t = p = NaN when they are equal.
pub fn welch_t_test(a: &[f64], b: &[f64], alternative: Alternative) -> Result<TTest> {
    check_len_at_least("a", a, 2)?;
    check_len_at_least("b", b, 2)?;
    // Both samples are scaled by one power of two when the variances' squares (in ν) could
    // overflow: t, ν and p do not depend on the scale; the mean difference is scaled back.
    let max = a.iter().chain(b).fold(0f64, |m, x| m.max(x.abs()));
    let s = overflow_scale_to(max, a.len().max(b.len()), 240);
    let scale = |x: &[f64]| -> Vec<f64> { x.iter().map(|v| v * s).collect() };
    let (sa, sb);
    let (a, b) = if s == 1.0 {
        (a, b)
    } else {
        (sa, sb) = (scale(a), scale(b));
        (&sa[..], &sb[..])
    };
    let (n1, m1, q1) = moments_checked("a", a)?;
    let (n2, m2, q2) = moments_checked("b", b)?;
    let mut t = welch_from_moments(
        n1 as f64,
        m1,
        q1 / (n1 - 1) as f64,
        n2 as f64,
        m2,
        q2 / (n2 - 1) as f64,
        alternative,
    );
    t.mean_difference /= s;
    Ok(t)
}

/// Welch's t-test from summary statistics (n, mean, sample variance) — e.g. from merged
/// [`RatingStats`] of distributed workers.
pub fn welch_from_stats(
    a: &RatingStats,
    b: &RatingStats,
    alternative: Alternative,
) -> Result<TTest> {
    if a.n < 2 || b.n < 2 {
        return Err(Error::invalid(
            "stats.n",
            "Welch needs at least 2 ratings per group",
        ));
    }
    Ok(welch_from_moments(
        a.n as f64,
        a.mean,
        a.variance(),
        b.n as f64,
        b.mean,
        b.variance(),
        alternative,
    ))
}

fn welch_from_moments(
    n1: f64,
    m1: f64,
    v1: f64,
    n2: f64,
    m2: f64,
    v2: f64,
    alternative: Alternative,
) -> TTest {
    let (e1, e2) = (v1 / n1, v2 / n2);
    let se2 = e1 + e2;
    let diff = m1 - m2;
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (e1 * e1 / (n1 - 1.0) + e2 * e2 / (n2 - 1.0));
    let p = if t.is_nan() {
        f64::NAN
    } else if t.is_infinite() {
        match alternative {
            Alternative::TwoSided => 0.0,
            Alternative::Greater => (t < 0.0) as u8 as f64,
            Alternative::Less => (t > 0.0) as u8 as f64,
        }
    } else {
        match StudentsT::new(0.0, 1.0, df) {
            Ok(d) => match alternative {
                Alternative::TwoSided => (2.0 * d.cdf(-t.abs())).min(1.0),
                Alternative::Greater => d.cdf(-t),
                Alternative::Less => d.cdf(t),
            },
            Err(_) => f64::NAN,
        }
    };
    TTest {
        statistic: t,
        df,
        p_value: p,
        mean_difference: diff,
    }
}

/// Tie structure of two samples: per distinct value (ascending) the counts in a and b.
struct Ties {
    cells: Vec<(u64, u64)>,
    n1: u64,
    n2: u64,
}

/// One vectorisable pass: (min, max, every value a whole number, some value non-finite).
/// Whole-number test: (x + 2^52) − 2^52 == x, exact for |x| < 2^51 (the caller also bounds
/// the range), avoiding a libm `trunc` call on baseline x86-64.
fn scan(x: &[f64]) -> (f64, f64, bool, bool) {
    const M: f64 = 4_503_599_627_370_496.0; // 2^52
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut frac = [false; 4];
    let mut bad = [false; 4];
    let chunks = x.chunks_exact(4);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            let v = c[l];
            lo[l] = if v < lo[l] { v } else { lo[l] };
            hi[l] = if v > hi[l] { v } else { hi[l] };
            frac[l] |= (v.abs() + M) - M != v.abs();
            bad[l] |= !v.is_finite();
        }
    }
    for &v in rem {
        lo[0] = if v < lo[0] { v } else { lo[0] };
        hi[0] = if v > hi[0] { v } else { hi[0] };
        frac[0] |= (v.abs() + M) - M != v.abs();
        bad[0] |= !v.is_finite();
    }
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        !frac.iter().any(|&f| f),
        bad.iter().any(|&b| b),
    )
}

/// Histogram of whole numbers in `lo..lo + width` with four interleaved lanes.
fn histogram(x: &[f64], lo: f64, width: usize) -> Vec<u64> {
    let mut h = vec![[0u64; 4]; width];
    let chunks = x.chunks_exact(4);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            h[(c[l] - lo) as usize][l] += 1;
        }
    }
    for &v in rem {
        h[(v - lo) as usize][0] += 1;
    }
    h.iter().map(|r| r.iter().sum()).collect()
}

/// Validates two samples (non-empty, finite; `min` values each) and builds their tie
/// structure: whole-number ratings in a range ≤ 65 536 wide are counted, other data sorted.
fn ties_checked(a: &[f64], b: &[f64], min: usize) -> Result<Ties> {
    for (f, x) in [("a", a), ("b", b)] {
        if x.len() < min {
            return Err(Error::invalid(
                f,
                format!("needs at least {min} values, got {}", x.len()),
            ));
        }
    }
    let (lo_a, hi_a, whole_a, bad_a) = scan(a);
    let (lo_b, hi_b, whole_b, bad_b) = scan(b);
    if bad_a || bad_b {
        check_all_finite("a", a)?;
        check_all_finite("b", b)?;
    }
    let (lo, hi) = (lo_a.min(lo_b), hi_a.max(hi_b));
    const LIMIT: f64 = 2_147_483_648.0;
    if whole_a && whole_b && hi - lo <= 65_535.0 && lo > -LIMIT && hi < LIMIT {
        let width = (hi - lo) as usize + 1;
        let (ca, cb) = (histogram(a, lo, width), histogram(b, lo, width));
        return Ok(Ties {
            cells: ca.into_iter().zip(cb).filter(|(x, y)| x + y > 0).collect(),
            n1: a.len() as u64,
            n2: b.len() as u64,
        });
    }
    Ok(ties_by_sorting(a, b))
}

#[inline]
fn key(x: f64) -> u64 {
    let b = (x + 0.0).to_bits(); // -0.0 → +0.0
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

fn radix_sort(v: &mut Vec<u64>) {
    let mut buf = vec![0u64; v.len()];
    for pass in 0..4 {
        let shift = pass * 16;
        let mut counts = vec![0usize; 1 << 16];
        for &x in v.iter() {
            counts[((x >> shift) & 0xFFFF) as usize] += 1;
        }
        if counts.contains(&v.len()) {
            continue;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let t = *c;
            *c = sum;
            sum += t;
        }
        for &x in v.iter() {
            let d = ((x >> shift) & 0xFFFF) as usize;
            buf[counts[d]] = x;
            counts[d] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
}

fn sorted_keys(x: &[f64]) -> Vec<u64> {
    let mut k: Vec<u64> = x.iter().map(|&v| key(v)).collect();
    if k.len() > 4096 {
        radix_sort(&mut k);
    } else {
        k.sort_unstable();
    }
    k
}

fn ties_by_sorting(a: &[f64], b: &[f64]) -> Ties {
    let (sa, sb) = (sorted_keys(a), sorted_keys(b));
    let mut cells = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < sa.len() || j < sb.len() {
        let v = match (sa.get(i), sb.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => unreachable!(),
        };
        let i0 = i;
        while i < sa.len() && sa[i] == v {
            i += 1;
        }
        let j0 = j;
        while j < sb.len() && sb[j] == v {
            j += 1;
        }
        cells.push(((i - i0) as u64, (j - j0) as u64));
    }
    Ties {
        cells,
        n1: a.len() as u64,
        n2: b.len() as u64,
    }
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// U₁ = R₁ − n₁(n₁+1)/2 (the statistic scipy reports for `x = a`).
    pub u1: f64,
    /// z score (with the continuity correction when requested).
    pub z: f64,
    /// Asymptotic p-value with tie correction.
    pub p_value: f64,
    /// Rank-biserial correlation 2U₁/(n₁n₂) − 1 (= Cliff's δ): > 0 when a tends to be larger.
    pub rank_biserial: f64,
}

fn mwu_from_ties(t: &Ties, continuity: bool, alternative: Alternative) -> MannWhitney {
    let (n1, n2) = (t.n1 as f64, t.n2 as f64);
    let n = n1 + n2;
    let mut below = 0f64;
    let mut r1 = 0f64;
    let mut tie = 0f64;
    for &(ca, cb) in &t.cells {
        let c = (ca + cb) as f64;
        r1 += ca as f64 * (below + (c + 1.0) / 2.0);
        tie += c * c * c - c;
        below += c;
    }
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let mu = n1 * n2 / 2.0;
    let s = (n1 * n2 / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0)))).sqrt();
    let cc = if continuity { 0.5 } else { 0.0 };
    let norm = Normal::new(0.0, 1.0).expect("standard normal");
    let (z, p) = match alternative {
        Alternative::TwoSided => {
            let u = u1.max(n1 * n2 - u1);
            let z = (u - mu - cc) / s;
            (z, (2.0 * norm.sf(z)).clamp(0.0, 1.0))
        }
        Alternative::Greater => {
            let z = (u1 - mu - cc) / s;
            (z, norm.sf(z))
        }
        Alternative::Less => {
            let u2 = n1 * n2 - u1;
            let z = (u2 - mu - cc) / s;
            (z, norm.sf(z))
        }
    };
    MannWhitney {
        u1,
        z,
        p_value: if s > 0.0 { p } else { f64::NAN },
        rank_biserial: 2.0 * u1 / (n1 * n2) - 1.0,
    }
}

/// Mann–Whitney U test, asymptotic normal approximation with tie correction
/// (variance (n₁n₂/12)[(n+1) − Σ(t³−t)/(n(n−1))]) and optional ±0.5 continuity correction;
/// equals scipy `mannwhitneyu(a, b, use_continuity, alternative, method="asymptotic")`.
/// Whole-number ratings (e.g. 1–5 stars) are counted in O(n); other data is radix-sorted.
/// Rejects empty samples and non-finite values; all values tied → p = NaN.
pub fn mann_whitney_u(
    a: &[f64],
    b: &[f64],
    continuity: bool,
    alternative: Alternative,
) -> Result<MannWhitney> {
    Ok(mwu_from_ties(
        &ties_checked(a, b, 1)?,
        continuity,
        alternative,
    ))
}

/// Mann–Whitney U from star histograms: `counts_a[k]`, `counts_b[k]` = number of ratings
/// with the k-th smallest value (e.g. 1..5 stars). Mergeable input for distributed audits.
pub fn mann_whitney_u_counts(
    counts_a: &[u64],
    counts_b: &[u64],
    continuity: bool,
    alternative: Alternative,
) -> Result<MannWhitney> {
    check_len("counts_b", counts_b.len(), counts_a.len())?;
    let t = Ties {
        cells: counts_a
            .iter()
            .zip(counts_b)
            .map(|(&x, &y)| (x, y))
            .filter(|(x, y)| x + y > 0)
            .collect(),
        n1: counts_a.iter().sum(),
        n2: counts_b.iter().sum(),
    };
    if t.n1 == 0 || t.n2 == 0 {
        return Err(Error::invalid(
            if t.n1 == 0 { "counts_a" } else { "counts_b" },
            "empty sample",
        ));
    }
    Ok(mwu_from_ties(&t, continuity, alternative))
}

/// Rank-biserial correlation 2U₁/(n₁n₂) − 1 (Cliff's δ) of a vs b.
pub fn rank_biserial(a: &[f64], b: &[f64]) -> Result<f64> {
    Ok(mann_whitney_u(a, b, false, Alternative::TwoSided)?.rank_biserial)
}

/// Result of [`brunner_munzel`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BrunnerMunzel {
    /// W statistic (scipy sign convention: negative when a tends to be larger).
    pub statistic: f64,
    /// Degrees of freedom of the t approximation.
    pub df: f64,
    /// p-value (t distribution).
    pub p_value: f64,
}

/// Brunner–Munzel test with the t approximation (scipy `brunnermunzel(a, b,
/// distribution="t")`), from the tie structure (counted for whole-number ratings).
/// Rejects samples with fewer than 2 values and non-finite values. Zero rank variance in
/// both samples gives NaN (scipy warns and returns NaN/inf).
pub fn brunner_munzel(a: &[f64], b: &[f64], alternative: Alternative) -> Result<BrunnerMunzel> {
    let t = ties_checked(a, b, 2)?;
    let (nx, ny) = (t.n1 as f64, t.n2 as f64);
    let (mut below, mut bx, mut by) = (0f64, 0f64, 0f64);
    // per cell: combined midrank, within-x midrank, within-y midrank
    let mut rows = Vec::with_capacity(t.cells.len());
    let (mut srcx, mut srcy) = (0f64, 0f64);
    for &(ca, cb) in &t.cells {
        let (ca, cb) = (ca as f64, cb as f64);
        let rc = below + (ca + cb + 1.0) / 2.0;
        let rx = bx + (ca + 1.0) / 2.0;
        let ry = by + (cb + 1.0) / 2.0;
        srcx += ca * rc;
        srcy += cb * rc;
        rows.push((ca, cb, rc, rx, ry));
        below += ca + cb;
        bx += ca;
        by += cb;
    }
    let (mrcx, mrcy) = (srcx / nx, srcy / ny);
    let (mrx, mry) = ((nx + 1.0) / 2.0, (ny + 1.0) / 2.0);
    let (mut sx, mut sy) = (0f64, 0f64);
    for &(ca, cb, rc, rx, ry) in &rows {
        let dx = rc - rx - mrcx + mrx;
        let dy = rc - ry - mrcy + mry;
        sx += ca * dx * dx;
        sy += cb * dy * dy;
    }
    sx /= nx - 1.0;
    sy /= ny - 1.0;
    let w = nx * ny * (mrcy - mrcx) / ((nx + ny) * (nx * sx + ny * sy).sqrt());
    let df = (nx * sx + ny * sy).powi(2)
        / ((nx * sx).powi(2) / (nx - 1.0) + (ny * sy).powi(2) / (ny - 1.0));
    let p = match StudentsT::new(0.0, 1.0, df) {
        Ok(d) if w.is_finite() => match alternative {
            Alternative::TwoSided => (2.0 * d.cdf(-w.abs())).min(1.0),
            // scipy: "greater" means a stochastically greater → W negative.
            Alternative::Greater => d.cdf(w),
            Alternative::Less => d.cdf(-w),
        },
        _ => f64::NAN,
    };
    Ok(BrunnerMunzel {
        statistic: w,
        df,
        p_value: p,
    })
}

/// Benjamini–Hochberg adjusted p-values (scipy `false_discovery_control(p, method="bh")`):
/// p_(i)·m/i made monotone from the largest down, clipped to 1, in the input order.
/// Rejects empty input and p outside [0, 1] (NaN included).
pub fn benjamini_hochberg(p: &[f64]) -> Result<Vec<f64>> {
    if p.is_empty() {
        return Err(Error::invalid("p_values", "empty input"));
    }
    for (i, x) in p.iter().enumerate() {
        if !(0.0..=1.0).contains(x) {
            return Err(Error::invalid(
                format!("p_values[{i}]"),
                format!("must be in [0, 1], got {x}"),
            ));
        }
    }
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running = 1.0f64;
    for r in (0..m).rev() {
        let i = order[r];
        let v = p[i] * m as f64 / (r + 1) as f64;
        running = running.min(v);
        out[i] = running.min(1.0);
    }
    Ok(out)
}

/// Bayesian (shrunk) average r̃ = (C·m + Σr)/(C + n) (research/fairness.md §3.5): `sum` of
/// n ratings shrunk toward `prior_mean` with prior strength `prior_strength` = C ≥ 0.
/// Rejects non-finite inputs, C < 0, and C + n = 0.
pub fn bayesian_average(sum: f64, n: u64, prior_mean: f64, prior_strength: f64) -> Result<f64> {
    check_finite("sum", sum)?;
    check_finite("prior_mean", prior_mean)?;
    check_non_negative("prior_strength", prior_strength)?;
    let den = prior_strength + n as f64;
    if den == 0.0 {
        return Err(Error::invalid("prior_strength", "C + n must be > 0"));
    }
    Ok((prior_strength * prior_mean + sum) / den)
}

/// Result of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationTest {
    /// The statistic on the observed labels.
    pub statistic: f64,
    /// (1 + #{resampled statistics at least as extreme}) / (1 + resamples).
    pub p_value: f64,
    /// Number of resamples.
    pub resamples: usize,
}

/// Seeded label-shuffling permutation test for any statistic of a labelling (e.g. a rating
/// gap, or a ranking metric where `labels` are the group codes by position). The statistic
/// is called with the observed labels, then with `resamples` shuffles (ChaCha8 seeded with
/// `seed`: identical inputs give identical p-values everywhere). Two-sided compares |T|.
/// Rejects empty labels and `resamples` = 0; a NaN observed statistic is an error.
pub fn permutation_test<F>(
    labels: &[u32],
    resamples: usize,
    seed: u64,
    alternative: Alternative,
    mut statistic: F,
) -> Result<PermutationTest>
where
    F: FnMut(&[u32]) -> f64,
{
    if labels.is_empty() {
        return Err(Error::invalid("labels", "empty input"));
    }
    if resamples == 0 {
        return Err(Error::invalid("resamples", "must be ≥ 1"));
    }
    let obs = statistic(labels);
    if obs.is_nan() {
        return Err(Error::invalid("statistic", "the observed statistic is NaN"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut perm = labels.to_vec();
    let tol = 1e-12 * obs.abs().max(1.0);
    let mut hits = 0usize;
    for _ in 0..resamples {
        perm.shuffle(&mut rng);
        let t = statistic(&perm);
        let extreme = match alternative {
            Alternative::TwoSided => t.abs() >= obs.abs() - tol,
            Alternative::Greater => t >= obs - tol,
            Alternative::Less => t <= obs + tol,
        };
        hits += extreme as usize;
    }
    Ok(PermutationTest {
        statistic: obs,
        p_value: (1 + hits) as f64 / (1 + resamples) as f64,
        resamples,
    })
}

/// The number of resamples of a permutation test when the caller names none (the p-value's
/// resolution is 1/10,000).
pub const DEFAULT_RESAMPLES: usize = 9999;

/// The seed of a permutation test when the caller names none.
pub const DEFAULT_PERMUTATION_SEED: u64 = 0;

/// `mean(a) − mean(b)`: the default statistic of [`permutation_test_two_sample`] (NaN for an
/// empty sample). Each mean sums values scaled by `1/len` first, so finite inputs give a
/// finite mean.
pub fn difference_in_means(a: &[f64], b: &[f64]) -> f64 {
    let mean = |x: &[f64]| {
        if x.is_empty() {
            return f64::NAN;
        }
        let inv = 1.0 / x.len() as f64;
        x.iter().map(|v| v * inv).sum::<f64>()
    };
    mean(a) - mean(b)
}

/// Permutation test of a two-sample gap statistic `gap(a, b)` (e.g. difference in means):
/// pools a and b, shuffles the sample membership. See [`permutation_test`].
pub fn permutation_test_two_sample<F>(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
    alternative: Alternative,
    mut gap: F,
) -> Result<PermutationTest>
where
    F: FnMut(&[f64], &[f64]) -> f64,
{
    check_sample("a", a, 1)?;
    check_sample("b", b, 1)?;
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let labels: Vec<u32> = (0..pooled.len()).map(|i| (i >= a.len()) as u32).collect();
    let mut xa = Vec::with_capacity(a.len());
    let mut xb = Vec::with_capacity(b.len());
    permutation_test(&labels, resamples, seed, alternative, |l| {
        xa.clear();
        xb.clear();
        for (v, &g) in pooled.iter().zip(l) {
            if g == 0 { xa.push(*v) } else { xb.push(*v) }
        }
        gap(&xa, &xb)
    })
}

/// One group's line in [`rating_gaps`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingGap {
    /// Group code.
    pub group: u32,
    /// Number of ratings.
    pub n: u64,
    /// Mean rating (NaN if none).
    pub mean: f64,
    /// Sample standard deviation (NaN if n < 2).
    pub sd: f64,
    /// Share of ratings strictly below `top` (ratings are J-shaped: "< 5 stars").
    pub share_below_top: f64,
    /// mean − mean of the reference group.
    pub mean_gap: f64,
    /// share_below_top − that of the reference group.
    pub share_below_top_gap: f64,
}

/// Per-group descriptive rating gaps against `reference` (research/fairness.md §3.1).
/// Groups without ratings are reported with n = 0 and NaN values. Rejects a length
/// mismatch, non-finite ratings and unknown groups.
pub fn rating_gaps(
    ratings: &[f64],
    groups: &[u32],
    n_groups: usize,
    reference: u32,
    top: f64,
) -> Result<Vec<RatingGap>> {
    check_len("groups", groups.len(), ratings.len())?;
    check_all_finite("ratings", ratings)?;
    super::policy::check_n_groups("n_groups", n_groups)?;
    if reference as usize >= n_groups {
        return Err(Error::unknown(
            crate::error::EntityKind::Group,
            reference.to_string(),
        ));
    }
    let mut stats = vec![RatingStats::default(); n_groups];
    let mut below = vec![0u64; n_groups];
    for (i, (&r, &g)) in ratings.iter().zip(groups).enumerate() {
        let s = stats.get_mut(g as usize).ok_or_else(|| {
            Error::unknown(
                crate::error::EntityKind::Group,
                format!("{g} at groups[{i}] (of {n_groups})"),
            )
        })?;
        s.add(r)?;
        below[g as usize] += (r < top) as u64;
    }
    let share = |g: usize| {
        if stats[g].n == 0 {
            f64::NAN
        } else {
            below[g] as f64 / stats[g].n as f64
        }
    };
    let mean = |g: usize| {
        if stats[g].n == 0 {
            f64::NAN
        } else {
            stats[g].mean
        }
    };
    let r = reference as usize;
    Ok((0..n_groups)
        .map(|g| RatingGap {
            group: g as u32,
            n: stats[g].n,
            mean: mean(g),
            sd: stats[g].variance().sqrt(),
            share_below_top: share(g),
            mean_gap: mean(g) - mean(r),
            share_below_top_gap: share(g) - share(r),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    /// The finite check folded into the moments pass still names the first bad value, for a
    /// NaN or an infinity inside or after the pilot window, and lets huge finite values pass.
    #[test]
    fn welch_names_the_first_non_finite_rating() {
        let ok: Vec<f64> = (0..3000).map(|i| f64::from(i % 5 + 1)).collect();
        for (pos, bad) in [
            (0, f64::NAN),
            (10, f64::INFINITY),
            (2500, f64::NEG_INFINITY),
        ] {
            let mut b = ok.clone();
            b[pos] = bad;
            b[pos + 7] = f64::NAN;
            let e = super::welch_t_test(&ok, &b, super::Alternative::TwoSided).unwrap_err();
            assert!(e.to_string().contains(&format!("b[{pos}]")), "{e}");
            let e = super::RatingStats::of(&b).unwrap_err();
            assert!(e.to_string().contains(&format!("ratings[{pos}]")), "{e}");
        }
        let huge = [1e300, -1e300, 1e300];
        assert!(super::welch_t_test(&ok, &huge, super::Alternative::TwoSided).is_ok());
    }

    use super::*;

    // research/fairness.md §3 golden values (scipy 1.17.1).
    const A: [f64; 12] = [5., 5., 4., 5., 3., 4., 5., 5., 4., 5., 2., 5.];
    const B: [f64; 10] = [4., 3., 5., 4., 3., 4., 2., 4., 5., 3.];

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn golden_values() {
        let t = welch_t_test(&A, &B, Alternative::TwoSided).unwrap();
        close(t.statistic, 1.5324212, 5e-8);
        close(t.df, 19.5331991, 5e-8);
        close(t.p_value, 0.1414554, 5e-8);
        let m = mann_whitney_u(&A, &B, true, Alternative::TwoSided).unwrap();
        assert_eq!(m.u1, 84.0);
        close(m.p_value, 0.1013259, 5e-8);
        close(m.rank_biserial, 0.4, 1e-15);
        let m = mann_whitney_u(&A, &B, false, Alternative::TwoSided).unwrap();
        close(m.p_value, 0.0942643, 5e-8);
        let bm = brunner_munzel(&A, &B, Alternative::TwoSided).unwrap();
        close(bm.statistic, -1.7850021, 5e-8);
        close(bm.p_value, 0.0894499, 5e-8);
        let bh = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.20]).unwrap();
        for (x, y) in bh.iter().zip([0.04, 0.0533333, 0.0533333, 0.2]) {
            close(*x, y, 5e-8);
        }
        let m: f64 = (A.iter().sum::<f64>() + B.iter().sum::<f64>()) / 22.0;
        close(m, 4.0454545, 5e-8);
        close(
            bayesian_average(A.iter().sum(), 12, m, 5.0).unwrap(),
            4.2486631,
            5e-8,
        );
        close(
            bayesian_average(B.iter().sum(), 10, m, 5.0).unwrap(),
            3.8151515,
            5e-8,
        );
    }

    #[test]
    fn counting_equals_sorting() {
        let a: Vec<f64> = A.iter().map(|x| x + 0.25).collect();
        let b: Vec<f64> = B.iter().map(|x| x + 0.25).collect();
        let m1 = mann_whitney_u(&A, &B, true, Alternative::TwoSided).unwrap();
        let m2 = mann_whitney_u(&a, &b, true, Alternative::TwoSided).unwrap();
        assert_eq!(m1, m2);
        let h = mann_whitney_u_counts(
            &[0, 1, 1, 3, 7],
            &[0, 1, 3, 4, 2],
            true,
            Alternative::TwoSided,
        )
        .unwrap();
        assert_eq!(h, m1);
        let b1 = brunner_munzel(&A, &B, Alternative::TwoSided).unwrap();
        let b2 = brunner_munzel(&a, &b, Alternative::TwoSided).unwrap();
        assert_eq!(b1, b2);
    }

    #[test]
    fn stats_merge_and_errors() {
        let mut s = RatingStats::of(&A[..5]).unwrap();
        s.merge(&RatingStats::of(&A[5..]).unwrap());
        let all = RatingStats::of(&A).unwrap();
        close(s.mean, all.mean, 1e-14);
        close(s.m2, all.m2, 1e-12);
        let w =
            welch_from_stats(&all, &RatingStats::of(&B).unwrap(), Alternative::TwoSided).unwrap();
        close(w.statistic, 1.5324212, 5e-8);
        assert!(welch_t_test(&[1.0], &B, Alternative::TwoSided).is_err());
        assert!(mann_whitney_u(&[f64::NAN], &B, true, Alternative::TwoSided).is_err());
        assert!(benjamini_hochberg(&[0.5, 1.5]).is_err());
        assert!(bayesian_average(1.0, 0, 3.0, 0.0).is_err());
    }

    #[test]
    fn permutation_is_seeded() {
        let gap = |a: &[f64], b: &[f64]| {
            a.iter().sum::<f64>() / a.len() as f64 - b.iter().sum::<f64>() / b.len() as f64
        };
        let p1 = permutation_test_two_sample(&A, &B, 2000, 7, Alternative::TwoSided, gap).unwrap();
        let p2 = permutation_test_two_sample(&A, &B, 2000, 7, Alternative::TwoSided, gap).unwrap();
        assert_eq!(p1, p2);
        // close to the Welch p-value (0.14) in magnitude
        assert!(p1.p_value > 0.08 && p1.p_value < 0.25, "{}", p1.p_value);
        close(p1.statistic, 52.0 / 12.0 - 3.7, 1e-12);
    }
}
