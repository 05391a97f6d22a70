//! Synthetic impression logs with a known truth, for the recovery and off-policy tests, the
//! learning benchmark and the lab (`simulate --learn`).
//!
//! Each request shows `slate_len` items with `n_factors` factor values uniform in [0, 1]
//! (factor `j ≥ 1` with `j % 4 == 0` is correlated with factor 0: `0.6·x_0 + 0.4·u`). The logger
//! ranks by the weighted mean `Σ w·x / Σ w` of `logger_weights` (ties by index), and on an
//! `explore_share` of requests shuffles its top `explore_top_m` by Plackett–Luce at
//! `temperature` over those scores, logging the exact marginals as propensities
//! ([`crate::learn::plackett_luce_marginals`]). The truth is a position-based click model
//! (Wang et al. WSDM'18): `P(click | k, x) = θ_k σ(b* + w*ᵀx)` with `θ_k = 1/log2(k + 2)`
//! unless given; a click is recorded as [`Outcome::Viewed`], and a click is a hire with
//! probability `hire_given_click`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::explore::{MAX_EXPLORED, plackett_luce_marginals, plackett_luce_sample};
use super::log::{ImpressionLog, LoggedItem, Outcome, SlateMeta};
use super::solver::sigmoid;
use crate::error::{Error, Result};

/// The hidden truth of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTruth {
    /// True coefficients `w*` (≥ 0).
    pub weights: Vec<f64>,
    /// True intercept `b*`.
    pub intercept: f64,
    /// True examination per position (`theta[k]` for 0-based k; positions past the end share
    /// the last).
    pub theta: Vec<f64>,
}

impl SimTruth {
    /// `θ_k = 1/log2(k + 2)` for `len` positions (the DCG discount; Järvelin & Kekäläinen 2002).
    pub fn log_curve(len: usize) -> Vec<f64> {
        (0..len).map(|k| 1.0 / ((k + 2) as f64).log2()).collect()
    }

    /// True relevance `σ(b* + w*ᵀx)` (NaN factors count as 0).
    pub fn relevance(&self, x: &[f32]) -> f64 {
        let z = self.intercept
            + self
                .weights
                .iter()
                .zip(x)
                .map(|(w, v)| if v.is_nan() { 0.0 } else { w * *v as f64 })
                .sum::<f64>();
        sigmoid(z)
    }

    /// True examination of 0-based position `k` (past the curve: its last value; an empty
    /// curve: 1).
    pub fn examination(&self, k: usize) -> f64 {
        self.theta
            .get(k.min(self.theta.len().saturating_sub(1)))
            .copied()
            .unwrap_or(1.0)
    }
}

/// Settings of [`simulate`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Requests (slates).
    pub n_slates: usize,
    /// Items shown per request.
    pub slate_len: usize,
    /// Factor names (their count is the factor count).
    pub factor_names: Vec<String>,
    /// Weights of the logging policy's weighted-mean score (e.g. the default preset's).
    pub logger_weights: Vec<f64>,
    /// The truth.
    pub truth: SimTruth,
    /// Share of requests explored, in [0, 1].
    pub explore_share: f64,
    /// Items shuffled on an explored request (≤ [`MAX_EXPLORED`]).
    pub explore_top_m: usize,
    /// Plackett–Luce temperature on the logger's scores.
    pub temperature: f64,
    /// Requests cycle through this many clients (0: no client ids).
    pub n_clients: u32,
    /// P(hire | click).
    pub hire_given_click: f64,
    /// Seed.
    pub seed: u64,
}

/// One simulated request's shown items: factor values (row-major) in shown order by the
/// deterministic logger (before exploration).
#[derive(Debug, Clone, PartialEq)]
pub struct SimRequest {
    /// `slate_len × n_factors` values, item-major.
    pub factors: Vec<f32>,
    /// Factor count.
    pub n_factors: usize,
}

impl SimRequest {
    /// Factor values of item `i`.
    pub fn item(&self, i: usize) -> &[f32] {
        &self.factors[i * self.n_factors..(i + 1) * self.n_factors]
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.factors.len() / self.n_factors
    }
    /// Whether the request has no items.
    pub fn is_empty(&self) -> bool {
        self.factors.is_empty()
    }
}

/// Weighted mean of the applicable (non-NaN) factors: the engine's preset score.
pub fn weighted_mean(weights: &[f64], x: &[f32]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (w, v) in weights.iter().zip(x) {
        if !v.is_nan() {
            num += w * *v as f64;
            den += w;
        }
    }
    if den > 0.0 { num / den } else { 0.0 }
}

/// Indices of `scores` sorted descending (ties: lower index first).
pub fn order_by(scores: &[f64]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..scores.len()).collect();
    o.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    o
}

/// Draws the items of one request (same distribution as [`simulate`]'s).
pub fn draw_request(rng: &mut impl Rng, slate_len: usize, d: usize) -> SimRequest {
    let mut factors = vec![0.0f32; slate_len * d];
    for i in 0..slate_len {
        let x0: f32 = rng.random();
        for j in 0..d {
            let u: f32 = rng.random();
            factors[i * d + j] = if j == 0 {
                x0
            } else if j % 4 == 0 {
                0.6 * x0 + 0.4 * u
            } else {
                u
            };
        }
    }
    SimRequest {
        factors,
        n_factors: d,
    }
}

/// Generates an impression log under `cfg` (see the module documentation). Returns the log
/// and, per slate, the request's items in the deterministic logger's order.
///
/// Rejects a factor list that does not match the weights, `explore_top_m > MAX_EXPLORED`, a
/// bad temperature, shares outside [0, 1] and an empty slate.
pub fn simulate(cfg: &SimConfig) -> Result<(ImpressionLog, Vec<SimRequest>)> {
    let d = cfg.factor_names.len();
    if cfg.logger_weights.len() != d || cfg.truth.weights.len() != d {
        return Err(Error::invalid(
            "simulate.weights",
            format!("logger and true weights need {d} values"),
        ));
    }
    if cfg.slate_len == 0 || cfg.slate_len > u16::MAX as usize {
        return Err(Error::invalid("simulate.slate_len", "must be in 1..=65535"));
    }
    if cfg.explore_top_m > MAX_EXPLORED {
        return Err(Error::invalid(
            "simulate.explore_top_m",
            format!("at most {MAX_EXPLORED}"),
        ));
    }
    for (f, v) in [
        ("simulate.explore_share", cfg.explore_share),
        ("simulate.hire_given_click", cfg.hire_given_click),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::invalid(f, "must be in [0, 1]"));
        }
    }
    if cfg.truth.theta.is_empty() {
        return Err(Error::invalid("simulate.truth.theta", "must not be empty"));
    }
    let mut log = ImpressionLog::with_factors(cfg.factor_names.clone())?;
    log.reserve(cfg.n_slates, cfg.n_slates.saturating_mul(cfg.slate_len));
    let mut requests = Vec::with_capacity(cfg.n_slates);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let m = cfg.explore_top_m.min(cfg.slate_len);
    for s in 0..cfg.n_slates {
        let raw = draw_request(&mut rng, cfg.slate_len, d);
        let scores: Vec<f64> = (0..cfg.slate_len)
            .map(|i| weighted_mean(&cfg.logger_weights, raw.item(i)))
            .collect();
        let order = order_by(&scores);
        // the request in logger order
        let mut factors = Vec::with_capacity(raw.factors.len());
        for &i in &order {
            factors.extend_from_slice(raw.item(i));
        }
        let req = SimRequest {
            factors,
            n_factors: d,
        };
        let explored = m >= 2 && rng.random::<f64>() < cfg.explore_share;
        // positions[i] and propensities[i] of the item at logger rank i
        let mut positions: Vec<u16> = (0..cfg.slate_len as u16).collect();
        let mut propensities = vec![1.0f32; cfg.slate_len];
        if explored {
            let top: Vec<f64> = order[..m].iter().map(|&i| scores[i]).collect();
            let marg = plackett_luce_marginals(&top, cfg.temperature)?;
            let perm = plackett_luce_sample(&top, cfg.temperature, rng.random());
            for (k, &i) in perm.iter().enumerate() {
                positions[i] = k as u16;
                propensities[i] = (marg[i * m + k] as f32).max(f32::MIN_POSITIVE);
            }
        }
        let items: Vec<LoggedItem> = (0..cfg.slate_len)
            .map(|i| LoggedItem {
                factors: req.item(i).to_vec(),
                position: positions[i],
                propensity: propensities[i],
            })
            .collect();
        let meta = SlateMeta {
            at: s as i64,
            client: (cfg.n_clients > 0).then(|| s as u32 % cfg.n_clients),
            explored,
        };
        let first = log.push_slate(meta, &items)?;
        for (i, &position) in positions.iter().enumerate() {
            let p = cfg.truth.examination(position as usize) * cfg.truth.relevance(req.item(i));
            if rng.random::<f64>() < p {
                log.set_outcome(first + i, Outcome::Viewed)?;
                if rng.random::<f64>() < cfg.hire_given_click {
                    log.set_outcome(first + i, Outcome::Hired)?;
                }
            }
        }
        requests.push(req);
    }
    log.shrink_to_fit();
    Ok((log, requests))
}

/// Expected target clicks in the top `k` when the items of `req` are shown in `order`
/// (`order[pos]` = item index), under the truth.
pub fn expected_clicks(truth: &SimTruth, req: &SimRequest, order: &[usize], k: usize) -> f64 {
    order
        .iter()
        .take(k)
        .enumerate()
        .map(|(pos, &i)| truth.examination(pos) * truth.relevance(req.item(i)))
        .sum()
}

/// NDCG@k of showing `req` in `order`, with gains = true relevance and the ideal order by true
/// relevance (Järvelin & Kekäläinen 2002; discount `1/log2(pos + 2)`).
pub fn ndcg_at(truth: &SimTruth, req: &SimRequest, order: &[usize], k: usize) -> f64 {
    let rel: Vec<f64> = (0..req.len())
        .map(|i| truth.relevance(req.item(i)))
        .collect();
    let dcg = |o: &[usize]| -> f64 {
        o.iter()
            .take(k)
            .enumerate()
            .map(|(p, &i)| rel[i] / ((p + 2) as f64).log2())
            .sum()
    };
    let ideal = dcg(&order_by(&rel));
    if ideal > 0.0 { dcg(order) / ideal } else { 1.0 }
}
