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
use crate::util::TrimSpace;

/// How two vectors are compared. Parse with [`FromStr`] so every binding accepts the same
/// spellings: `"cosine"`, `"ip"` / `"inner_product"` / `"dot"`, `"l2"` / `"squared_l2"`
/// (case-insensitive, surrounding whitespace ignored). Anything else is
/// [`Error::InvalidInput`] on field `metric`.
/// The default is [`Metric::Cosine`] (what sentence-embedding models are trained for).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Cosine similarity. Vectors are L2-normalised on ingest and on query; a zero vector is
    /// rejected. Score = cosine in `[-1, 1]`.
    #[default]
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
        match s.trim_space().to_ascii_lowercase().as_str() {
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
/// distances, `out[j][r]`. Callers guarantee equal lengths. With `FMA` this must only be called
/// from code compiled with (or after detecting) AVX2 + FMA: it uses the explicit AVX2 kernel.
#[inline(always)]
pub(crate) fn block<const FMA: bool, const L2: bool, const Q: usize, const R: usize>(
    q: [&[f32]; Q],
    x: [&[f32]; R],
) -> [[f32; R]; Q] {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: with FMA = true every caller runs only after `has_fma()` returned true.
        return unsafe { avx::block::<L2, Q, R>(q, x) };
    }
    block_portable::<FMA, L2, Q, R>(q, x)
}

/// The portable form of [`block`] (same lane layout and reduction order).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // index loops over fixed-size register blocks
fn block_portable<const FMA: bool, const L2: bool, const Q: usize, const R: usize>(
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

/// Explicit AVX2 + FMA kernels. Lane `l` of each accumulator holds exactly what
/// `block_portable::<true, ..>` keeps in `acc[..][..][l]`, and the horizontal sum follows the
/// same tree, so both give bit-identical results.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx {
    use std::arch::x86_64::*;

    use super::LANES;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        // ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7))
        let lo = _mm256_castps256_ps128(v);
        let hi = _mm256_extractf128_ps::<1>(v);
        let s = _mm_add_ps(lo, hi); // s0=a0+a4, s1=a1+a5, s2=a2+a6, s3=a3+a7
        let t = _mm_add_ps(s, _mm_movehl_ps(s, s)); // t0=s0+s2, t1=s1+s3
        _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)))
    }

    /// See [`super::block`].
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn block<const L2: bool, const Q: usize, const R: usize>(
        q: [&[f32]; Q],
        x: [&[f32]; R],
    ) -> [[f32; R]; Q] {
        let n = q[0].len();
        for j in 0..Q {
            assert_eq!(q[j].len(), n);
        }
        for r in 0..R {
            assert_eq!(x[r].len(), n);
        }
        let main = n / LANES * LANES;
        let mut acc = [[_mm256_setzero_ps(); R]; Q];
        let mut i = 0;
        while i < main {
            let mut xv = [_mm256_setzero_ps(); R];
            for r in 0..R {
                // SAFETY: i + 8 <= main <= n = x[r].len() (asserted above).
                xv[r] = unsafe { _mm256_loadu_ps(x[r].as_ptr().add(i)) };
            }
            for j in 0..Q {
                // SAFETY: as above, q[j].len() = n.
                let qv = unsafe { _mm256_loadu_ps(q[j].as_ptr().add(i)) };
                for r in 0..R {
                    acc[j][r] = if L2 {
                        let d = _mm256_sub_ps(qv, xv[r]);
                        _mm256_fmadd_ps(d, d, acc[j][r])
                    } else {
                        _mm256_fmadd_ps(qv, xv[r], acc[j][r])
                    };
                }
            }
            i += LANES;
        }
        let mut out = [[0f32; R]; Q];
        for j in 0..Q {
            for r in 0..R {
                let mut s = hsum(acc[j][r]);
                for t in main..n {
                    s = if L2 {
                        let d = q[j][t] - x[r][t];
                        d.mul_add(d, s)
                    } else {
                        q[j][t].mul_add(x[r][t], s)
                    };
                }
                out[j][r] = s;
            }
        }
        out
    }

    /// Fast graph-walk distance for one pair with four independent accumulators (not the
    /// canonical per-pair arithmetic: used only to steer the HNSW walk, never as a score).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn pair_fast<const L2: bool>(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        while i + 32 <= n {
            for u in 0..4 {
                // SAFETY: i + 8u + 8 <= i + 32 <= n.
                let (av, bv) = unsafe {
                    (
                        _mm256_loadu_ps(a.as_ptr().add(i + 8 * u)),
                        _mm256_loadu_ps(b.as_ptr().add(i + 8 * u)),
                    )
                };
                acc[u] = if L2 {
                    let d = _mm256_sub_ps(av, bv);
                    _mm256_fmadd_ps(d, d, acc[u])
                } else {
                    _mm256_fmadd_ps(av, bv, acc[u])
                };
            }
            i += 32;
        }
        while i + 8 <= n {
            // SAFETY: i + 8 <= n.
            let (av, bv) = unsafe {
                (
                    _mm256_loadu_ps(a.as_ptr().add(i)),
                    _mm256_loadu_ps(b.as_ptr().add(i)),
                )
            };
            acc[0] = if L2 {
                let d = _mm256_sub_ps(av, bv);
                _mm256_fmadd_ps(d, d, acc[0])
            } else {
                _mm256_fmadd_ps(av, bv, acc[0])
            };
            i += 8;
        }
        let v = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let mut s = hsum(v);
        while i < n {
            s = if L2 {
                let d = a[i] - b[i];
                d.mul_add(d, s)
            } else {
                a[i].mul_add(b[i], s)
            };
            i += 1;
        }
        s
    }

    /// Integer dot product of int8 rows (exact): sign-extend 16 codes to i16, multiply-add
    /// pairs into i32 (`vpmaddwd`), two accumulators.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
        let n = a.len().min(b.len());
        let mut acc0 = _mm256_setzero_si256();
        let mut acc1 = _mm256_setzero_si256();
        let mut i = 0;
        while i + 32 <= n {
            // SAFETY: i + 32 <= n for both slices.
            let (a0, b0, a1, b1) = unsafe {
                (
                    _mm_loadu_si128(a.as_ptr().add(i).cast()),
                    _mm_loadu_si128(b.as_ptr().add(i).cast()),
                    _mm_loadu_si128(a.as_ptr().add(i + 16).cast()),
                    _mm_loadu_si128(b.as_ptr().add(i + 16).cast()),
                )
            };
            acc0 = _mm256_add_epi32(
                acc0,
                _mm256_madd_epi16(_mm256_cvtepi8_epi16(a0), _mm256_cvtepi8_epi16(b0)),
            );
            acc1 = _mm256_add_epi32(
                acc1,
                _mm256_madd_epi16(_mm256_cvtepi8_epi16(a1), _mm256_cvtepi8_epi16(b1)),
            );
            i += 32;
        }
        let v = _mm256_add_epi32(acc0, acc1);
        let lo = _mm256_castsi256_si128(v);
        let hi = _mm256_extracti128_si256::<1>(v);
        let s = _mm_add_epi32(lo, hi);
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        let mut total = _mm_cvtsi128_si32(s);
        while i < n {
            total += i32::from(a[i]) * i32::from(b[i]);
            i += 1;
        }
        total
    }
}

/// AVX-512 kernels for steering the HNSW walk (never a result score: results are re-scored
/// with [`block`]). 16 lanes per register, the `dim % 16` tail read with a masked load (masked-out
/// lanes read as 0 and add nothing, and a masked load never touches memory past the mask), so
/// there is no scalar tail.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    /// `acc + a·b`, or `acc + (a − b)²` when `L2`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn step<const L2: bool>(a: __m512, b: __m512, acc: __m512) -> __m512 {
        if L2 {
            let d = _mm512_sub_ps(a, b);
            _mm512_fmadd_ps(d, d, acc)
        } else {
            _mm512_fmadd_ps(a, b, acc)
        }
    }

    /// The first `n - i` (< 16) components from `p + i` in the low lanes, zeros above.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn tail(p: &[f32], i: usize) -> __m512 {
        debug_assert!(p.len() - i < 16);
        let mask: __mmask16 = ((1u32 << (p.len() - i)) - 1) as u16;
        // SAFETY: lanes set in `mask` address p[i..p.len()], inside the slice; AVX-512 masked
        // loads do not access (or fault on) masked-out lanes.
        unsafe { _mm512_maskz_loadu_ps(mask, p.as_ptr().add(i)) }
    }

    /// Walk distance for one pair: four accumulators over 64-component steps.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn pair<const L2: bool>(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len();
        assert_eq!(b.len(), n);
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        while i + 64 <= n {
            for u in 0..4 {
                // SAFETY: i + 16u + 16 <= i + 64 <= n = a.len() = b.len().
                let (av, bv) = unsafe {
                    (
                        _mm512_loadu_ps(pa.add(i + 16 * u)),
                        _mm512_loadu_ps(pb.add(i + 16 * u)),
                    )
                };
                acc[u] = step::<L2>(av, bv, acc[u]);
            }
            i += 64;
        }
        let mut u = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n for both slices.
            let (av, bv) = unsafe { (_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i))) };
            acc[u] = step::<L2>(av, bv, acc[u]);
            u = (u + 1) % 4;
            i += 16;
        }
        if i < n {
            acc[u] = step::<L2>(tail(a, i), tail(b, i), acc[u]);
        }
        let v = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
        _mm512_reduce_add_ps(v)
    }

    /// Walk distances from `q` to four rows (four independent row streams, one accumulator
    /// each). Every row must have `q.len()` components.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn four<const L2: bool>(q: &[f32], x: [&[f32]; 4]) -> [f32; 4] {
        let n = q.len();
        for r in 0..4 {
            assert_eq!(x[r].len(), n);
        }
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n = q.len() = x[r].len() (asserted above).
            let qv = unsafe { _mm512_loadu_ps(q.as_ptr().add(i)) };
            for r in 0..4 {
                // SAFETY: as above.
                let xv = unsafe { _mm512_loadu_ps(x[r].as_ptr().add(i)) };
                acc[r] = step::<L2>(qv, xv, acc[r]);
            }
            i += 16;
        }
        if i < n {
            let qv = tail(q, i);
            for r in 0..4 {
                acc[r] = step::<L2>(qv, tail(x[r], i), acc[r]);
            }
        }
        acc.map(|a| _mm512_reduce_add_ps(a))
    }
}

/// Asks the CPU to start loading every cache line of `s` into L1 (a hint: no effect on any
/// result; a no-op off x86-64). The one home of the prefetch intrinsic for this room.
#[inline(always)]
pub(crate) fn prefetch_lines<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = s.as_ptr().cast::<u8>();
        let bytes = std::mem::size_of_val(s);
        let mut off = 0;
        while off < bytes {
            // SAFETY: off < bytes, so the address is inside `s`; prefetching has no other
            // effect.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    p.add(off).cast(),
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
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

/// Whether the AVX-512 walk kernels ([`avx512`]) can run here (detected once, cached by std;
/// implies [`has_fma`]).
#[inline]
pub(crate) fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        has_fma() && std::is_x86_feature_detected!("avx512f")
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

/// Raw value for steering a graph walk (fast, four accumulators; may differ from
/// [`raw_pair`] in the last bits). Never used as a result score.
#[inline]
pub(crate) fn raw_pair_fast(l2: bool, q: &[f32], x: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: the CPU supports avx2 and fma (checked just above).
        return unsafe {
            if l2 {
                avx::pair_fast::<true>(q, x)
            } else {
                avx::pair_fast::<false>(q, x)
            }
        };
    }
    raw_pair(l2, q, x)
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
pub(crate) fn dot_i8_portable(a: &[i8], b: &[i8]) -> i32 {
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

    /// Two deterministic test vectors of `dim` components with small, mixed-sign values
    /// (`div` sets whether they are exact in binary: 3.0 / 2.0 or not: 3.3 / 2.1).
    fn pair_of(dim: usize, div: (f32, f32)) -> (Vec<f32>, Vec<f32>) {
        let a = (0..dim)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / div.0)
            .collect();
        let b = (0..dim)
            .map(|i| ((i * 13 % 7) as f32 - 3.0) / div.1)
            .collect();
        (a, b)
    }

    #[test]
    fn kernels_match_f64_reference() {
        for dim in [1usize, 7, 8, 9, 16, 33, 384] {
            let (a, b) = pair_of(dim, (3.0, 2.0));
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
        #[cfg(target_arch = "x86_64")]
        if has_fma() {
            for dim in [1usize, 8, 9, 31, 33, 384, 390] {
                let (a, b) = pair_of(dim, (3.3, 2.1));
                // SAFETY: avx2 + fma detected.
                let (x, y) = unsafe {
                    (
                        avx::block::<false, 2, 1>([&a, &b], [&b]),
                        avx::block::<true, 1, 1>([&a], [&b]),
                    )
                };
                assert_eq!(
                    x[0][0],
                    block_portable::<true, false, 1, 1>([&a], [&b])[0][0]
                );
                assert_eq!(
                    x[1][0],
                    block_portable::<true, false, 1, 1>([&b], [&b])[0][0]
                );
                assert_eq!(
                    y[0][0],
                    block_portable::<true, true, 1, 1>([&a], [&b])[0][0]
                );
                let fast = raw_pair_fast(false, &a, &b);
                assert!((fast - x[0][0]).abs() < 1e-3 * (1.0 + fast.abs()));
                let ai: Vec<i8> = (0..dim).map(|i| (i * 37 % 255) as u8 as i8).collect();
                let bi: Vec<i8> = (0..dim).map(|i| (i * 91 % 253) as u8 as i8).collect();
                // SAFETY: avx2 detected.
                assert_eq!(unsafe { avx::dot_i8(&ai, &bi) }, dot_i8_portable(&ai, &bi));
            }
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // every tail length of the masked load (dim % 16 = 0..15), dims below one
            // register, one 64-component step and more
            for dim in (1usize..=70).chain([127, 128, 129, 383, 384, 385]) {
                let (a, b) = pair_of(dim, (3.3, 2.1));
                let c: Vec<f32> = b.iter().rev().copied().collect();
                let refs = |l2: bool, x: &[f32]| -> f64 {
                    a.iter()
                        .zip(x)
                        .map(|(p, q)| {
                            let (p, q) = (f64::from(*p), f64::from(*q));
                            if l2 { (p - q) * (p - q) } else { p * q }
                        })
                        .sum()
                };
                let close = |got: f32, want: f64| {
                    (f64::from(got) - want).abs() <= 1e-4 * (1.0 + want.abs())
                };
                // SAFETY: avx512f + avx2 + fma detected.
                let (pd, pl, fd, fl) = unsafe {
                    (
                        avx512::pair::<false>(&a, &b),
                        avx512::pair::<true>(&a, &b),
                        avx512::four::<false>(&a, [&b, &c, &a, &b]),
                        avx512::four::<true>(&a, [&b, &c, &a, &b]),
                    )
                };
                assert!(close(pd, refs(false, &b)), "dim {dim}: {pd}");
                assert!(close(pl, refs(true, &b)), "dim {dim}: {pl}");
                for (r, x) in [&b, &c, &a, &b].into_iter().enumerate() {
                    assert!(close(fd[r], refs(false, x)), "dim {dim} row {r}");
                    assert!(close(fl[r], refs(true, x)), "dim {dim} row {r}");
                }
                assert_eq!(fl[2], 0.0);
                // a row that ends exactly at the end of its allocation: the masked tail must
                // not read past it (Miri / a guard page would catch an over-read)
                let tight: Box<[f32]> = b.clone().into_boxed_slice();
                // SAFETY: as above.
                assert_eq!(unsafe { avx512::pair::<false>(&a, &tight) }, pd);
            }
        }
        let a = [1i8, -2, 3, 127, -128];
        let b = [5i8, 6, -7, 127, -128];
        assert_eq!(dot_i8_portable(&a, &b), 5 - 12 - 21 + 127 * 127 + 128 * 128);
    }
}
