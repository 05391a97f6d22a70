//! Logged exploration: Plackett–Luce sampling of the top m and its exact position
//! propensities.
//!
//! Plackett–Luce (Plackett 1975, Luce 1959): the ranking is built position by position; at each
//! position the next item is drawn among those not yet placed with probability proportional to
//! `exp((s_i − max s) / temperature)`. A low temperature approaches the deterministic order, a
//! high one a uniform shuffle. The probability of each item at each position (the propensity an
//! off-policy estimator divides by; Li et al. KDD'18, Oosterhuis & de Rijke SIGIR'20) is computed
//! exactly by dynamic programming over the sets of items already placed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// The most items one exploration may shuffle: [`plackett_luce_marginals`] costs `2^m · m²`
/// operations and `2^m` memory (m = 10: about 10⁵ operations, 8 KiB).
pub const MAX_EXPLORED: usize = 10;

/// The Plackett–Luce weight of each item in `remaining` (a bit set over `scores`), relative to
/// the best remaining score so that the best weighs exactly 1 and nothing overflows; a NaN score
/// weighs 0 (it is placed after every scored item).
fn weights_of(scores: &[f64], temperature: f64, remaining: u64, out: &mut [f64]) -> f64 {
    let mut best = f64::NEG_INFINITY;
    for (i, &s) in scores.iter().enumerate() {
        if remaining >> i & 1 == 1 && s > best {
            best = s;
        }
    }
    let mut total = 0.0;
    for (i, &s) in scores.iter().enumerate() {
        out[i] = if remaining >> i & 1 == 1 && !s.is_nan() && best.is_finite() {
            ((s - best) / temperature).exp()
        } else if remaining >> i & 1 == 1 && !best.is_finite() {
            // every remaining score is NaN or −∞: uniform among them
            1.0
        } else {
            0.0
        };
        total += out[i];
    }
    total
}

/// Draws one Plackett–Luce permutation of `scores` (Plackett 1975, Luce 1959): `out[k]` is the
/// index of the item placed at position `k`. At each position an item `i` not yet placed is drawn
/// with probability `exp((s_i − max s)/T) / Σ_remaining exp((s_j − max s)/T)` (max over the
/// remaining items). Deterministic for a seed (`ChaCha8Rng::seed_from_u64(seed)`), so a ranking
/// can be reproduced from its request id.
///
/// Never panics: a temperature that is not a finite number > 0 gives the deterministic order
/// (score descending, index ascending, NaN last) — the limit T → 0; validate it first with
/// [`plackett_luce_marginals`]. Any length works (the marginals are limited to [`MAX_EXPLORED`]).
pub fn plackett_luce_sample(scores: &[f64], temperature: f64, seed: u64) -> Vec<usize> {
    let m = scores.len();
    if !(temperature.is_finite() && temperature > 0.0) || m <= 1 {
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (scores[a], scores[b]);
            sb.partial_cmp(&sa)
                .unwrap_or_else(|| sa.is_nan().cmp(&sb.is_nan()))
                .then(a.cmp(&b))
        });
        return order;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    draw_permutation(scores, temperature, &mut rng)
}

/// The Plackett–Luce draw itself (weights relative to the best remaining score each step).
#[allow(clippy::needless_range_loop)] // parallel arrays indexed by item
fn draw_permutation(scores: &[f64], temperature: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let m = scores.len();
    let mut placed = vec![false; m];
    let mut out = Vec::with_capacity(m);
    let mut w = vec![0.0; m];
    for _ in 0..m {
        let mut best = f64::NEG_INFINITY;
        for i in 0..m {
            if !placed[i] && scores[i] > best {
                best = scores[i];
            }
        }
        let mut total = 0.0;
        for i in 0..m {
            w[i] = if placed[i] {
                0.0
            } else if !best.is_finite() {
                1.0
            } else if scores[i].is_nan() {
                0.0
            } else {
                ((scores[i] - best) / temperature).exp()
            };
            total += w[i];
        }
        let u = rng.random::<f64>() * total;
        let mut acc = 0.0;
        // the last item with a positive weight takes any rounding remainder
        let mut pick = usize::MAX;
        for i in 0..m {
            if w[i] > 0.0 {
                pick = i;
                acc += w[i];
                if acc > u {
                    break;
                }
            }
        }
        if pick == usize::MAX {
            // only NaN scores remain and a finite best exists elsewhere: cannot happen after
            // the branch above, but keep the draw total (place the first unplaced)
            pick = (0..m).find(|&i| !placed[i]).unwrap_or(0);
        }
        placed[pick] = true;
        out.push(pick);
    }
    out
}

/// The exact probability that Plackett–Luce sampling ([`plackett_luce_sample`]) puts item `i` at
/// position `k`, returned row-major `m × m` (`[i * m + k]`). Every row and every column sums to 1.
///
/// Dynamic programming over the set `S` of items already placed (Plackett 1975, Luce 1959):
/// `P(∅) = 1`; for `j ∉ S`, `q(j | S) = exp((s_j − max_{r∉S} s_r)/T) / Σ_{r∉S} exp((s_r − max)/T)`;
/// `P(S ∪ {j}) += P(S) · q(j | S)` and `P(i at |S|) += P(S) · q(i | S)`. Cost `2^m · m²`.
///
/// Rejects `m > MAX_EXPLORED` (`exploration.top_m`), a temperature that is not a finite
/// number > 0 (`exploration.temperature`) and a NaN or infinite score (`exploration.scores[i]`).
pub fn plackett_luce_marginals(scores: &[f64], temperature: f64) -> Result<Vec<f64>> {
    let m = scores.len();
    if m > MAX_EXPLORED {
        return Err(Error::invalid(
            "exploration.top_m",
            format!(
                "at most {MAX_EXPLORED} items can be explored with exact propensities, got {m}"
            ),
        ));
    }
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(Error::invalid(
            "exploration.temperature",
            format!("must be a finite number > 0, got {temperature}"),
        ));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::invalid(
            crate::error::indexed("exploration.scores", i),
            format!("must be a finite number, got {}", scores[i]),
        ));
    }
    let mut marg = vec![0.0; m * m];
    if m == 0 {
        return Ok(marg);
    }
    let full = (1u64 << m) - 1;
    let mut prob_set = vec![0.0f64; 1 << m];
    prob_set[0] = 1.0;
    let mut w = vec![0.0; m];
    // One set of weights relative to the overall best serves every set when even the worst
    // weight is a normal number (then no remaining sum is 0); otherwise weigh each set
    // relative to its own best remaining score (exact in the T → 0 limit, no 0/0).
    let global =
        weights_of(scores, temperature, full, &mut w) > 0.0 && w.iter().all(|x| *x >= 1e-300);
    let mut rem_w = w.clone();
    // sets in increasing numeric order: every subset of S is visited before S
    for set in 0..full {
        let p = prob_set[set as usize];
        if p == 0.0 {
            continue;
        }
        let remaining = full & !set;
        let total = if global {
            let mut total = 0.0;
            for (j, (r, x)) in rem_w.iter_mut().zip(&w).enumerate() {
                *r = if remaining >> j & 1 == 1 { *x } else { 0.0 };
                total += *r;
            }
            total
        } else {
            weights_of(scores, temperature, remaining, &mut rem_w)
        };
        let w = &rem_w;
        let k = set.count_ones() as usize;
        for j in 0..m {
            if w[j] > 0.0 {
                let q = p * w[j] / total;
                prob_set[(set | 1 << j) as usize] += q;
                marg[j * m + k] += q;
            }
        }
    }
    Ok(marg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(permutation) = Π_k q(perm[k] | perm[..k]) by the defining formula.
    fn perm_prob(scores: &[f64], t: f64, perm: &[usize]) -> f64 {
        let mut p = 1.0;
        for k in 0..perm.len() {
            let rest = &perm[k..];
            let z: f64 = rest.iter().map(|&j| (scores[j] / t).exp()).sum();
            p *= (scores[perm[k]] / t).exp() / z;
        }
        p
    }

    #[test]
    fn three_items_match_enumeration_of_all_six_permutations() {
        let scores = [0.9, 0.2, 0.5];
        let t = 0.3;
        let marg = plackett_luce_marginals(&scores, t).unwrap();
        let perms = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let mut want = [0.0; 9];
        let mut total = 0.0;
        for p in perms {
            let pp = perm_prob(&scores, t, &p);
            total += pp;
            for (k, &i) in p.iter().enumerate() {
                want[i * 3 + k] += pp;
            }
        }
        assert!((total - 1.0).abs() < 1e-12);
        for (a, b) in marg.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn rows_and_columns_sum_to_one() {
        let scores: Vec<f64> = (0..10).map(|i| ((i * 7) % 10) as f64 / 10.0).collect();
        for t in [0.01, 0.1, 1.0, 100.0] {
            let marg = plackett_luce_marginals(&scores, t).unwrap();
            for i in 0..10 {
                let row: f64 = (0..10).map(|k| marg[i * 10 + k]).sum();
                let col: f64 = (0..10).map(|k| marg[k * 10 + i]).sum();
                assert!((row - 1.0).abs() < 1e-12, "row {i} at t={t}: {row}");
                assert!((col - 1.0).abs() < 1e-12, "col {i} at t={t}: {col}");
            }
        }
        // a very low temperature is the deterministic order, without 0/0
        let marg = plackett_luce_marginals(&[0.1, 0.9, 0.5], 1e-9).unwrap();
        assert_eq!(marg[3], 1.0);
        assert_eq!(marg[2 * 3 + 1], 1.0);
        assert_eq!(marg[2], 1.0);
    }

    #[test]
    fn sample_frequencies_agree_with_marginals() {
        let scores = [0.3, 0.8, 0.1, 0.6, 0.45];
        let t = 0.25;
        let m = scores.len();
        let marg = plackett_luce_marginals(&scores, t).unwrap();
        let n = 200_000;
        let mut count = vec![0usize; m * m];
        for seed in 0..n {
            let perm = plackett_luce_sample(&scores, t, seed as u64);
            let mut seen = vec![false; m];
            for (k, &i) in perm.iter().enumerate() {
                assert!(!seen[i]);
                seen[i] = true;
                count[i * m + k] += 1;
            }
        }
        for (c, p) in count.iter().zip(&marg) {
            let f = *c as f64 / n as f64;
            // 5 standard errors of a binomial frequency
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() <= 5.0 * se + 1e-9, "freq {f} vs p {p}");
        }
        // deterministic for a seed
        assert_eq!(
            plackett_luce_sample(&scores, t, 42),
            plackett_luce_sample(&scores, t, 42)
        );
    }

    #[test]
    fn rejects_what_it_cannot_compute() {
        let e = plackett_luce_marginals(&[0.0; 11], 1.0).unwrap_err();
        assert!(e.to_string().contains("exploration.top_m"), "{e}");
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = plackett_luce_marginals(&[0.0; 3], t).unwrap_err();
            assert!(e.to_string().contains("exploration.temperature"), "{e}");
        }
        let e = plackett_luce_marginals(&[0.0, f64::NAN], 1.0).unwrap_err();
        assert!(e.to_string().contains("exploration.scores[1]"), "{e}");
        // the sampler never panics: a bad temperature is the sorted order, NaN last
        assert_eq!(
            plackett_luce_sample(&[0.1, f64::NAN, 0.9, 0.9], f64::NAN, 1),
            vec![2, 3, 0, 1]
        );
        assert_eq!(plackett_luce_sample(&[], 1.0, 1), Vec::<usize>::new());
    }
}
