//! Fitting the position-based click model on an [`ImpressionLog`]: the `learned` ranking
//! weights, the examination curve, a time-based hold-out report against the calibrated default
//! preset, bootstrap intervals, and per-client weights.
//!
//! Model (PBM; Wang et al. WSDM'18 §3, Joachims et al. WSDM'17): `P(click | position k, x) =
//! θ_k · σ(b + wᵀx)` with `θ_0 = 1`, `w ≥ 0`, `θ_k ∈ (0, 1]`, NaN factors counted as 0, fitted by
//! maximum likelihood with an L2 penalty on `w` (projected Fisher scoring, see `solver.rs`).
//! Without position variation θ and w are confounded (research/learning.md §1), so the fit
//! refuses logs with no explored slate. Per-client weights follow GLMix (Zhang et al. KDD'16):
//! an offset on `(b, w)` per client, L2-shrunk toward the global fit, `θ` shared.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::log::{ImpressionLog, Outcome};
use super::solver::{Design, Problem, THETA_MIN, newton_steps, pass, predict, solve};
use crate::error::{Error, Result, indexed};

/// Which outcome counts as the "click" of the click model. Outcomes form a funnel (view →
/// proposal → shortlist → hire): a deeper outcome implies the shallower ones, so a target counts
/// an item whose outcome bits include the target's flag or any deeper one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Any outcome (viewed, proposed, shortlisted or hired).
    #[default]
    Viewed,
    /// Proposed, shortlisted or hired.
    Proposed,
    /// Hired.
    Hired,
}

impl Target {
    /// The outcome bits that count for this target (the target's flag and every deeper one).
    pub fn mask(self) -> u8 {
        let bit = match self {
            Target::Viewed => Outcome::Viewed.bit(),
            Target::Proposed => Outcome::Proposed.bit(),
            Target::Hired => Outcome::Hired.bit(),
        };
        super::log::OUTCOME_BITS & !(bit - 1)
    }

    /// Whether outcome bits `bits` count as a click for this target.
    pub fn hit(self, bits: u8) -> bool {
        bits & self.mask() != 0
    }
}

/// Settings of [`fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitConfig {
    /// The outcome modelled as the click.
    pub target: Target,
    /// Share of slates held out, the latest by [`super::SlateMeta::at`] (ties: push order), in
    /// [0, 0.9]; 0 gives an empty hold-out report. Default 0.2.
    pub holdout_share: f64,
    /// Bootstrap resamples of slates for the weight intervals; 0 skips them (empty
    /// `weight_intervals`). Default 100.
    pub bootstrap_rounds: usize,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// L2 penalty `(l2/2)·‖w‖²` on the factor coefficients (not on b or θ); ≥ 0. Default 1.
    pub l2: f64,
    /// Refuse below this many target outcomes in the log. Default 100.
    pub min_outcomes: usize,
    /// θ per position up to this many positions; later positions share the last θ. In
    /// 1..=1024. Default 20.
    pub max_positions: usize,
    /// Weights of the preset to compare against on the hold-out (e.g. the default preset's, in
    /// the log's factor order): its score `Σ w·x / Σ w` over the applicable factors is
    /// calibrated on the same training slates with the same PBM (θ per position, σ(a + c·s)).
    pub baseline_weights: Option<Vec<f64>>,
    /// Per-client weights only for clients with at least this many target outcomes. Default 50.
    pub client_min_outcomes: usize,
    /// L2 strength `(λ/2)·‖(b_c, w_c) − (b, w)‖²` pulling a client toward the global fit; ≥ 0.
    /// Default 10.
    pub client_prior: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            target: Target::Viewed,
            holdout_share: 0.2,
            bootstrap_rounds: 100,
            seed: 0,
            l2: 1.0,
            min_outcomes: 100,
            max_positions: 20,
            baseline_weights: None,
            client_min_outcomes: 50,
            client_prior: 10.0,
        }
    }
}

/// One calibration bin of the hold-out: items grouped by predicted probability (deciles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Mean predicted click probability in the bin.
    pub mean_predicted: f64,
    /// Observed click rate in the bin.
    pub observed_rate: f64,
    /// Items in the bin.
    pub count: usize,
}

/// Click prediction on the held-out (latest) slates, of the model fitted on the earlier ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// Held-out slates.
    pub n_slates: usize,
    /// Held-out items.
    pub n_items: usize,
    /// Target outcomes among them.
    pub n_outcomes: usize,
    /// Mean log loss `−[y ln p + (1−y) ln(1−p)]` of the learned PBM (`None` with no hold-out).
    pub log_loss: Option<f64>,
    /// The same for the calibrated baseline preset (`None` without `baseline_weights`).
    pub baseline_log_loss: Option<f64>,
    /// Calibration of the learned model (10 equal-count bins of predicted probability).
    pub calibration: Vec<CalibrationBin>,
    /// Calibration of the baseline.
    pub baseline_calibration: Vec<CalibrationBin>,
}

/// The result of [`fit`]: ranking weights (a `learned` preset), the relevance model and its
/// examination curve, the hold-out report and per-client weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LearnedModelData")]
pub struct LearnedModel {
    /// The factors, in the log's order.
    pub factor_names: Vec<String>,
    /// Ranking weights: `coefficients / Σ coefficients` (non-negative, summing to 1).
    pub weights: Vec<f64>,
    /// Bootstrap 95 % percentile interval of each normalised weight (empty if no bootstrap).
    pub weight_intervals: Vec<(f64, f64)>,
    /// `w` of the relevance model `σ(intercept + Σ coefficients·x)` (each ≥ 0).
    pub coefficients: Vec<f64>,
    /// `b` of the relevance model.
    pub intercept: f64,
    /// Examination per position index, `θ[0] = 1` (positions past the end share the last).
    pub theta: Vec<f64>,
    /// Hold-out comparison.
    pub holdout: HoldoutReport,
    /// Normalised weights per client (GLMix-style offsets shrunk toward the global weights),
    /// for clients with at least `client_min_outcomes` target outcomes.
    pub clients: BTreeMap<u32, Vec<f64>>,
    /// The outcome modelled.
    pub target: Target,
    /// Slates, items and target outcomes in the log.
    pub n_slates: usize,
    /// Items in the log.
    pub n_items: usize,
    /// Target outcomes in the log.
    pub n_outcomes: usize,
}

#[derive(Deserialize)]
struct LearnedModelData {
    factor_names: Vec<String>,
    weights: Vec<f64>,
    weight_intervals: Vec<(f64, f64)>,
    coefficients: Vec<f64>,
    intercept: f64,
    theta: Vec<f64>,
    holdout: HoldoutReport,
    clients: BTreeMap<u32, Vec<f64>>,
    target: Target,
    n_slates: usize,
    n_items: usize,
    n_outcomes: usize,
}

fn check_weight_vector(field: &str, w: &[f64], d: usize) -> Result<()> {
    if w.len() != d {
        return Err(Error::DimensionMismatch {
            field: field.to_owned(),
            expected: d,
            got: w.len(),
        });
    }
    if let Some(i) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(Error::invalid(indexed(field, i), "must be finite and ≥ 0"));
    }
    Ok(())
}

impl TryFrom<LearnedModelData> for LearnedModel {
    type Error = Error;
    fn try_from(m: LearnedModelData) -> Result<Self> {
        let d = m.factor_names.len();
        check_weight_vector("learned.weights", &m.weights, d)?;
        check_weight_vector("learned.coefficients", &m.coefficients, d)?;
        if !m.weight_intervals.is_empty() && m.weight_intervals.len() != d {
            return Err(Error::invalid(
                "learned.weight_intervals",
                format!(
                    "expected 0 or {d} intervals, got {}",
                    m.weight_intervals.len()
                ),
            ));
        }
        if !m.intercept.is_finite() {
            return Err(Error::invalid("learned.intercept", "must be finite"));
        }
        if m.theta.is_empty() {
            return Err(Error::invalid("learned.theta", "must not be empty"));
        }
        if let Some(i) = m.theta.iter().position(|t| !(*t > 0.0 && *t <= 1.0)) {
            return Err(Error::invalid(
                indexed("learned.theta", i),
                "must be in (0, 1]",
            ));
        }
        for (c, w) in &m.clients {
            check_weight_vector(&format!("learned.clients.{c}"), w, d)?;
        }
        Ok(LearnedModel {
            factor_names: m.factor_names,
            weights: m.weights,
            weight_intervals: m.weight_intervals,
            coefficients: m.coefficients,
            intercept: m.intercept,
            theta: m.theta,
            holdout: m.holdout,
            clients: m.clients,
            target: m.target,
            n_slates: m.n_slates,
            n_items: m.n_items,
            n_outcomes: m.n_outcomes,
        })
    }
}

impl LearnedModel {
    /// The weights to rank with for `client`: its own if it had enough outcomes, else the
    /// global ones (cold start).
    pub fn weights_for(&self, client: Option<u32>) -> &[f64] {
        client
            .and_then(|c| self.clients.get(&c))
            .map_or(&self.weights[..], |w| &w[..])
    }

    /// Relevance `σ(intercept + Σ coefficients_j · x_j)` of one item (NaN factors count as 0;
    /// extra or missing factors are ignored / count as 0).
    pub fn relevance(&self, factors: &[f32]) -> f64 {
        let z = self.intercept
            + self
                .coefficients
                .iter()
                .zip(factors)
                .map(|(w, x)| if x.is_nan() { 0.0 } else { w * *x as f64 })
                .sum::<f64>();
        super::solver::sigmoid(z)
    }

    /// Examination θ of 0-based position `k` (positions past the fitted curve share its last
    /// value; an empty curve, which [`fit`] never returns, examines everything: 1).
    pub fn examination(&self, k: usize) -> f64 {
        self.theta
            .get(k.min(self.theta.len().saturating_sub(1)))
            .copied()
            .unwrap_or(1.0)
    }
}

/// Validates `cfg` against a log with `d` factors.
fn check_config(cfg: &FitConfig, d: usize) -> Result<()> {
    if !(cfg.holdout_share.is_finite() && (0.0..=0.9).contains(&cfg.holdout_share)) {
        return Err(Error::invalid(
            "fit.holdout_share",
            format!("must be in [0, 0.9], got {}", cfg.holdout_share),
        ));
    }
    crate::error::check_non_negative("fit.l2", cfg.l2)?;
    crate::error::check_non_negative("fit.client_prior", cfg.client_prior)?;
    if !(1..=1024).contains(&cfg.max_positions) {
        return Err(Error::invalid(
            "fit.max_positions",
            format!("must be in 1..=1024, got {}", cfg.max_positions),
        ));
    }
    if let Some(w) = &cfg.baseline_weights {
        check_weight_vector("fit.baseline_weights", w, d)?;
        if w.iter().sum::<f64>() <= 0.0 {
            return Err(Error::invalid("fit.baseline_weights", "must not all be 0"));
        }
    }
    Ok(())
}

/// Builds a design over `slates` (indices into the log) with features from `feat`.
fn design_of(
    log: &ImpressionLog,
    slates: &[usize],
    d: usize,
    k: usize,
    target: Target,
    feat: &dyn Fn(&[f32], &mut [f32]),
) -> Design {
    let n: usize = slates
        .iter()
        .map(|&s| log.slate(s).map_or(0, |v| v.len()))
        .sum();
    let mut x = vec![0.0f32; n * d];
    let mut pos = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut slate_ends = Vec::with_capacity(slates.len());
    let mut row = 0;
    for &s in slates {
        let Some(v) = log.slate(s) else { continue };
        for i in 0..v.len() {
            feat(v.factors(i), &mut x[row * d..(row + 1) * d]);
            pos.push((v.position(i) as usize).min(k - 1) as u16);
            y.push(target.hit(v.outcome(i)) as u8);
            row += 1;
        }
        slate_ends.push(row);
    }
    Design {
        d,
        k,
        x,
        pos,
        y,
        slate_ends,
    }
}

fn raw_features(f: &[f32], out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(f) {
        *o = if v.is_nan() { 0.0 } else { *v };
    }
}

/// A start point: θ_k from the click rate per position relative to position 0, b from the
/// click rate at position 0, w = 0.
fn initial_beta(design: &Design) -> Vec<f64> {
    let mut clicks = vec![0.0; design.k];
    let mut shown = vec![0.0; design.k];
    for i in 0..design.n() {
        let k = design.pos[i] as usize;
        shown[k] += 1.0;
        clicks[k] += design.y[i] as f64;
    }
    let ctr = |k: usize| {
        if shown[k] > 0.0 {
            clicks[k] / shown[k]
        } else {
            0.0
        }
    };
    let c0 = ctr(0).clamp(1e-3, 0.999);
    let mut beta = vec![0.0; design.p()];
    beta[0] = (c0 / (1.0 - c0)).ln();
    for k in 1..design.k {
        beta[design.d + k] = (ctr(k) / c0).clamp(0.01, 1.0);
    }
    beta
}

fn problem<'a>(design: &'a Design, l2: f64, slate_w: Option<&'a [f64]>) -> Problem<'a> {
    let (lower, upper) = Problem::bounds(design);
    let np = design.p();
    let mut penalty = vec![0.0; np];
    for v in penalty.iter_mut().skip(1).take(design.d) {
        *v = l2;
    }
    // a θ of a position that no row holds is held at its start
    let mut present = vec![false; design.k];
    for &k in &design.pos {
        present[k as usize] = true;
    }
    let mut held = vec![false; np];
    for k in 1..design.k {
        held[design.d + k] = !present[k];
    }
    Problem {
        design,
        slate_w,
        lower,
        upper,
        penalty,
        centre: vec![0.0; np],
        held,
        max_iter: 100,
        tol: 1e-12,
    }
}

fn normalise(w: &[f64]) -> Option<Vec<f64>> {
    let s: f64 = w.iter().sum();
    (s > 0.0 && s.is_finite()).then(|| w.iter().map(|x| x / s).collect())
}

/// Mean log loss and decile calibration of `design` under `beta`.
fn evaluate(design: &Design, beta: &[f64]) -> (Option<f64>, Vec<CalibrationBin>) {
    let n = design.n();
    if n == 0 {
        return (None, Vec::new());
    }
    let ll = pass(design, beta, None, false).ll;
    let mut pred: Vec<(f64, u8)> = (0..n)
        .map(|i| (predict(design, beta, i), design.y[i]))
        .collect();
    pred.sort_by(|a, b| a.0.total_cmp(&b.0));
    let bins = 10.min(n);
    let calibration = (0..bins)
        .map(|b| {
            let (lo, hi) = (b * n / bins, (b + 1) * n / bins);
            let part = &pred[lo..hi];
            let c = part.len() as f64;
            CalibrationBin {
                mean_predicted: part.iter().map(|p| p.0).sum::<f64>() / c,
                observed_rate: part.iter().map(|p| p.1 as f64).sum::<f64>() / c,
                count: part.len(),
            }
        })
        .collect();
    (Some(-ll / n as f64), calibration)
}

/// Percentile of sorted `xs` at `q` in [0, 1] with linear interpolation (numpy's default).
pub(crate) fn percentile(xs: &[f64], q: f64) -> f64 {
    let n = xs.len();
    if n == 1 {
        return xs[0];
    }
    let h = q * (n - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

/// Fits the position-based click model on `log` (see the module documentation for the model).
///
/// Steps: (1) refuse without position variation or with too few outcomes; (2) fit on the
/// earliest `1 − holdout_share` of the slates and report log loss and calibration on the rest,
/// against the baseline preset calibrated the same way; (3) refit on every slate (warm start):
/// these are the returned coefficients, θ and weights; (4) bootstrap slates (`bootstrap_rounds`
/// resamples with replacement, seeded; each resample's fit is two projected Newton steps from
/// the full-data fit, see `solver::newton_steps`) for percentile intervals of the normalised
/// weights; (5) per-client offsets.
///
/// Errors: `InvalidInput` for a bad config (`fit.…`); [`Error::InsufficientLogs`] when no slate
/// was explored with a propensity < 1 ("no position variation"), when the log holds fewer than
/// `min_outcomes` target outcomes ("too few outcomes"), or when no factor gets a positive
/// weight.
pub fn fit(log: &ImpressionLog, cfg: &FitConfig) -> Result<LearnedModel> {
    let d = log.factor_names().len();
    check_config(cfg, d)?;
    let n_slates = log.n_slates();
    let explored_flagged = log.slates().filter(|s| s.meta().explored).count();
    let varied = |s: &super::log::SlateView<'_>| {
        s.meta().explored && s.propensities().iter().any(|p| *p < 1.0)
    };
    if explored_flagged == 0 {
        return Err(Error::insufficient_logs(
            "no position variation: no slate was explored, so position effects and factor \
             weights cannot be told apart (enable exploration on a share of traffic)",
        ));
    }
    if !log.slates().any(|s| varied(&s)) {
        return Err(Error::insufficient_logs(
            "no position variation: every explored slate has propensities all 1",
        ));
    }
    let n_outcomes = log
        .slates()
        .map(|s| s.outcomes().iter().filter(|o| cfg.target.hit(**o)).count())
        .sum::<usize>();
    if n_outcomes < cfg.min_outcomes {
        return Err(Error::insufficient_logs(format!(
            "too few outcomes ({n_outcomes} < {}) for target {:?}",
            cfg.min_outcomes, cfg.target
        )));
    }
    let max_pos = log
        .slates()
        .flat_map(|s| s.positions().iter().copied().max())
        .max()
        .unwrap_or(0) as usize;
    let k = cfg.max_positions.min(max_pos + 1);

    // time order (stable: push order breaks ties)
    let mut order: Vec<usize> = (0..n_slates).collect();
    order.sort_by_key(|&s| log.slate(s).map_or(0, |v| v.meta().at));
    let n_hold = ((n_slates as f64) * cfg.holdout_share).round() as usize;
    let n_train = n_slates - n_hold.min(n_slates);
    let (train_idx, hold_idx) = order.split_at(n_train);
    if !train_idx
        .iter()
        .any(|&s| log.slate(s).is_some_and(|v| varied(&v)))
    {
        return Err(Error::insufficient_logs(
            "no position variation in the training slates (every explored slate is in the \
             hold-out; lower holdout_share)",
        ));
    }

    // (2) hold-out fit and report
    let train = design_of(log, train_idx, d, k, cfg.target, &raw_features);
    let hold = design_of(log, hold_idx, d, k, cfg.target, &raw_features);
    let train_fit = solve(&problem(&train, cfg.l2, None), initial_beta(&train));
    let (log_loss, calibration) = evaluate(&hold, &train_fit.beta);
    let mut holdout = HoldoutReport {
        n_slates: hold_idx.len(),
        n_items: hold.n(),
        n_outcomes: hold.y.iter().map(|y| *y as usize).sum(),
        log_loss,
        calibration,
        ..HoldoutReport::default()
    };
    if let Some(bw) = &cfg.baseline_weights {
        let feat = |f: &[f32], out: &mut [f32]| {
            let (mut num, mut den) = (0.0, 0.0);
            for (w, x) in bw.iter().zip(f) {
                if !x.is_nan() {
                    num += w * *x as f64;
                    den += w;
                }
            }
            out[0] = if den > 0.0 { (num / den) as f32 } else { 0.0 };
        };
        let btrain = design_of(log, train_idx, 1, k, cfg.target, &feat);
        let bhold = design_of(log, hold_idx, 1, k, cfg.target, &feat);
        let bfit = solve(&problem(&btrain, 0.0, None), initial_beta(&btrain));
        let (bl, bc) = evaluate(&bhold, &bfit.beta);
        holdout.baseline_log_loss = bl;
        holdout.baseline_calibration = bc;
    }

    // (3) the model on every slate
    let all = if n_hold == 0 {
        train
    } else {
        design_of(log, &order, d, k, cfg.target, &raw_features)
    };
    let full = solve(&problem(&all, cfg.l2, None), train_fit.beta.clone());
    let beta = full.beta;
    let coefficients = beta[1..=d].to_vec();
    let weights = normalise(&coefficients).ok_or_else(|| {
        Error::insufficient_logs(
            "no factor has a positive weight: the outcomes do not increase with any factor",
        )
    })?;
    let mut theta = vec![1.0];
    theta.extend(beta[d + 1..].iter().map(|t| t.max(THETA_MIN)));

    // (4) bootstrap over slates
    let weight_intervals = if cfg.bootstrap_rounds == 0 {
        Vec::new()
    } else {
        let ns = all.n_slates();
        let samples: Vec<Vec<f64>> = (0..cfg.bootstrap_rounds)
            .into_par_iter()
            .map(|r| {
                let mut rng = ChaCha8Rng::seed_from_u64(
                    cfg.seed ^ (r as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let mut counts = vec![0.0f64; ns];
                for _ in 0..ns {
                    counts[rng.random_range(0..ns)] += 1.0;
                }
                let prob = problem(&all, cfg.l2, Some(&counts));
                let b = newton_steps(&prob, beta.clone(), 2);
                normalise(&b[1..=d]).unwrap_or_else(|| vec![0.0; d])
            })
            .collect();
        (0..d)
            .map(|j| {
                let mut xs: Vec<f64> = samples.iter().map(|s| s[j]).collect();
                xs.sort_by(f64::total_cmp);
                (percentile(&xs, 0.025), percentile(&xs, 0.975))
            })
            .collect()
    };

    // (5) per-client offsets (GLMix-style: θ shared, (b, w) pulled toward the global fit)
    let mut by_client: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for s in log.slates() {
        if let Some(c) = s.meta().client {
            by_client.entry(c).or_default().push(s.index());
        }
    }
    let clients: BTreeMap<u32, Vec<f64>> = by_client
        .into_par_iter()
        .filter_map(|(c, slates)| {
            let cd = design_of(log, &slates, d, k, cfg.target, &raw_features);
            let hits = cd.y.iter().map(|y| *y as usize).sum::<usize>();
            if hits < cfg.client_min_outcomes.max(1) {
                return None;
            }
            let mut prob = problem(&cd, 0.0, None);
            prob.penalty[..=d].fill(cfg.client_prior);
            prob.centre[..=d].copy_from_slice(&beta[..=d]);
            for h in prob.held.iter_mut().skip(d + 1) {
                *h = true;
            }
            let b = solve(&prob, beta.clone()).beta;
            normalise(&b[1..=d]).map(|w| (c, w))
        })
        .collect();

    Ok(LearnedModel {
        factor_names: log.factor_names().to_vec(),
        weights,
        weight_intervals,
        coefficients,
        intercept: beta[0],
        theta,
        holdout,
        clients,
        target: cfg.target,
        n_slates,
        n_items: log.n_items(),
        n_outcomes,
    })
}
