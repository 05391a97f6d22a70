//! Metrics and the distance kernels every index of this room shares.
//!
//! # Score convention
//! Results carry a **score where higher is better**, whatever the metric:
//! - [`Metric::Cosine`]: cosine similarity in `[-1, 1]` (vectors are stored and queried
//!   L2-normalised, so it is the dot product);
//! - [`Metric::InnerProduct`]: the dot product `q · x`;
//! - [`Metric::SquaredL2`]: the **negated** squared Euclidean distance `-‖q − x‖²` (so `0` is a
//!   perfect match and more negative is worse).
//!
//! # Kernels
//! All f32 kernels accumulate in 8 independent lanes (`LANES`) over chunks of 8 components,
//! reduce the lanes in one fixed tree, then add the tail (`dim % 8`) in order. Every search path
//! (single query, batched, filtered, HNSW re-scoring, int8 re-ranking) uses exactly this
//! arithmetic per (query, row) pair, so the same pair always gets a bit-identical score and
//! results agree across paths. On x86-64 with AVX2 + FMA (detected once at run time) the loops are
//! compiled with those features and each lane update is one fused multiply-add; elsewhere the
//! portable build computes `a * b + acc`. The multi-row forms (`R` rows and `Q` queries at once)
//! keep `R·Q` accumulators in registers so one load of a query chunk feeds several rows — the
//! register-blocking idea of GotoBLAS (Goto & van de Geijn, "Anatomy of high-performance matrix
//! multiplication", ACM TOMS 34(3), 2008), applied to a dot-product scan.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How two vectors are compared. Parse with [`FromStr`] so every binding accepts the same
/// spellings: `"cosine"`, `"ip"` / `"inner_product"` / `"dot"`, `"l2"` / `"squared_l2"`
/// (case-insensitive, surrounding whitespace ignored). Anything else is
/// [`Error::InvalidInput`] on field `metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Cosine similarity. Vectors are L2-normalised on ingest and on query; a zero vector is
    /// rejected. Score = cosine in `[-1, 1]`.
    Cosine,
    /// Inner (dot) product on the vectors as given. Score = `q · x`.
    InnerProduct,
    /// Squared Euclidean distance. Score = `-‖q − x‖²` (higher is better).
    SquaredL2,
}

impl Metric {
    /// The canonical spelling (`"cosine"`, `"inner_product"`, `"squared_l2"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::InnerProduct => "inner_product",
            Metric::SquaredL2 => "squared_l2",
        }
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            Metric::Cosine => 0,
            Metric::InnerProduct => 1,
            Metric::SquaredL2 => 2,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Metric::Cosine),
            1 => Some(Metric::InnerProduct),
            2 => Some(Metric::SquaredL2),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn is_l2(self) -> bool {
        matches!(self, Metric::SquaredL2)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = Error;

    /// Parses `"cosine"`, `"ip"`, `"inner_product"`, `"dot"`, `"l2"`, `"squared_l2"`
    /// (case-insensitive); rejects anything else with [`Error::InvalidInput`] on `metric`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cosine" | "cos" => Ok(Metric::Cosine),
            "ip" | "inner_product" | "dot" => Ok(Metric::InnerProduct),
            "l2" | "squared_l2" => Ok(Metric::SquaredL2),
            _ => Err(Error::invalid(
                "metric",
                format!(
                    "unknown metric `{s}`; expected one of cosine, ip, inner_product, l2, squared_l2"
                ),
            )),
        }
    }
}

/// Number of f32 lanes each accumulator holds (one AVX2 register).
pub(crate) const LANES: usize = 8;

#[inline(always)]
fn fmadd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// One lane update: `acc += q·x` (dot) or `acc += (q − x)²` (squared L2).
#[inline(always)]
fn step<const FMA: bool, const L2: bool>(q: f32, x: f32, acc: f32) -> f32 {
    if L2 {
        let d = q - x;
        fmadd::<FMA>(d, d, acc)
    } else {
        fmadd::<FMA>(q, x, acc)
    }
}

#[inline(always)]
fn reduce(a: &[f32; LANES]) -> f32 {
    ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}

/// `Q` queries against `R` rows (each of length `q[0].len()`): raw dot products or squared
/// distances, `out[j][r]`. Callers guarantee equal lengths.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // index loops over fixed-size register blocks
pub(crate) fn block<const FMA: bool, const L2: bool, const Q: usize, const R: usize>(
    q: [&[f32]; Q],
    x: [&[f32]; R],
) -> [[f32; R]; Q] {
    let n = q[0].len();
    let main = n / LANES * LANES;
    let mut acc = [[[0f32; LANES]; R]; Q];
    let mut i = 0;
    while i < main {
        let mut xc = [[0f32; LANES]; R];
        for r in 0..R {
            xc[r].copy_from_slice(&x[r][i..i + LANES]);
        }
        for j in 0..Q {
            let qc: &[f32] = &q[j][i..i + LANES];
            for r in 0..R {
                for l in 0..LANES {
                    acc[j][r][l] = step::<FMA, L2>(qc[l], xc[r][l], acc[j][r][l]);
                }
            }
        }
        i += LANES;
    }
    let mut out = [[0f32; R]; Q];
    for j in 0..Q {
        for r in 0..R {
            let mut s = reduce(&acc[j][r]);
            for t in main..n {
                s = step::<FMA, L2>(q[j][t], x[r][t], s);
            }
            out[j][r] = s;
        }
    }
    out
}

/// Whether the AVX2 + FMA kernels can run here (detected once, cached by std).
#[inline]
pub(crate) fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn raw_pair_fma<const L2: bool>(q: &[f32], x: &[f32]) -> f32 {
    block::<true, L2, 1, 1>([q], [x])[0][0]
}

/// Raw kernel value for one pair: the dot product, or the squared L2 distance when `l2`.
/// `q` and `x` must have the same length (checked by the callers' validation).
#[inline]
pub(crate) fn raw_pair(l2: bool, q: &[f32], x: &[f32]) -> f32 {
    debug_assert_eq!(q.len(), x.len());
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: the CPU supports avx2 and fma (checked just above).
        return unsafe {
            if l2 {
                raw_pair_fma::<true>(q, x)
            } else {
                raw_pair_fma::<false>(q, x)
            }
        };
    }
    if l2 {
        block::<false, true, 1, 1>([q], [x])[0][0]
    } else {
        block::<false, false, 1, 1>([q], [x])[0][0]
    }
}

/// Turns a raw kernel value into a result score (higher is better).
#[inline(always)]
pub(crate) fn to_score(l2: bool, raw: f32) -> f32 {
    if l2 { -raw } else { raw }
}

/// The result score of one (query, row) pair under `metric` (vectors already prepared).
#[inline]
pub(crate) fn score_pair(metric: Metric, q: &[f32], x: &[f32]) -> f32 {
    to_score(metric.is_l2(), raw_pair(metric.is_l2(), q, x))
}

/// Euclidean norm in f64 (used for normalisation and validation, not on hot paths).
pub(crate) fn norm_f64(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

/// Integer dot product of two int8 code rows (exact; i32 cannot overflow for dim < 2^17).
#[inline(always)]
pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (s, m) in [
            ("cosine", Metric::Cosine),
            (" COSINE ", Metric::Cosine),
            ("ip", Metric::InnerProduct),
            ("inner_product", Metric::InnerProduct),
            ("dot", Metric::InnerProduct),
            ("l2", Metric::SquaredL2),
            ("squared_l2", Metric::SquaredL2),
        ] {
            assert_eq!(s.parse::<Metric>().unwrap(), m);
        }
        let e = "euclid".parse::<Metric>().unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("metric"));
        for m in [Metric::Cosine, Metric::InnerProduct, Metric::SquaredL2] {
            assert_eq!(m.as_str().parse::<Metric>().unwrap(), m);
            assert_eq!(Metric::from_code(m.code()), Some(m));
        }
    }

    #[test]
    fn kernels_match_f64_reference() {
        for dim in [1usize, 7, 8, 9, 16, 33, 384] {
            let a: Vec<f32> = (0..dim)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
                .collect();
            let b: Vec<f32> = (0..dim)
                .map(|i| ((i * 13 % 7) as f32 - 3.0) / 2.0)
                .collect();
            let dot: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            let l2: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
                .sum();
            assert!((f64::from(raw_pair(false, &a, &b)) - dot).abs() < 1e-3 * (1.0 + dot.abs()));
            assert!((f64::from(raw_pair(true, &a, &b)) - l2).abs() < 1e-3 * (1.0 + l2));
            // the blocked form gives bit-identical values per pair
            let blk = block::<false, false, 2, 3>([&a, &b], [&b, &a, &a]);
            assert_eq!(blk[0][0], block::<false, false, 1, 1>([&a], [&b])[0][0]);
            assert_eq!(blk[1][1], block::<false, false, 1, 1>([&b], [&a])[0][0]);
        }
        let a = [1i8, -2, 3, 127, -128];
        let b = [5i8, 6, -7, 127, -128];
        assert_eq!(dot_i8(&a, &b), 5 - 12 - 21 + 127 * 127 + 128 * 128);
    }
}
