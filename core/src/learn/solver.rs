//! The position-based click model's likelihood and its deterministic box-constrained solver
//! (crate-private; [`crate::learn::fit`] is the public entry).
//!
//! Model (position-based model, PBM; Wang et al. WSDM'18, Joachims et al. WSDM'17):
//! `P(click | position k, x) = θ_k · σ(b + wᵀx)`, `θ_0 = 1`. Parameters `β = (b, w, θ_1..θ_{K−1})`
//! are fitted by maximum likelihood with an L2 penalty `(λ_j/2)(β_j − c_j)²` by projected Newton
//! (Bertsekas 1982) on the Fisher information (Fisher scoring: the expected negative Hessian,
//! always positive semi-definite, so every step is an ascent direction), with an Armijo
//! backtracking line search along the projection arc. Bounds: `w ≥ 0`, `θ ∈ [1e-6, 1]`.

/// Rows of one fit: features (NaN already 0), position index (clamped to K − 1), click, and the
/// slate ranges (for slate-level bootstrap weights).
pub(crate) struct Design {
    pub d: usize,
    pub k: usize,
    pub x: Vec<f32>,
    pub pos: Vec<u16>,
    pub y: Vec<u8>,
    pub slate_ends: Vec<usize>,
}

impl Design {
    pub fn n(&self) -> usize {
        self.y.len()
    }
    /// Number of parameters: b, w (d), θ_1..θ_{K−1}.
    pub fn p(&self) -> usize {
        1 + self.d + self.k - 1
    }
    pub fn n_slates(&self) -> usize {
        self.slate_ends.len()
    }
}

/// σ(z) without overflow.
#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

const P_MIN: f64 = 1e-12;
pub(crate) const THETA_MIN: f64 = 1e-6;

/// θ of position index `k` from the parameter vector (θ_0 = 1).
#[inline]
fn theta_of(beta: &[f64], d: usize, k: usize) -> f64 {
    if k == 0 { 1.0 } else { beta[d + k] }
}

/// The click probability of row `i`.
#[inline]
pub(crate) fn predict(design: &Design, beta: &[f64], i: usize) -> f64 {
    let d = design.d;
    let x = &design.x[i * d..(i + 1) * d];
    let mut z = beta[0];
    for j in 0..d {
        z += beta[1 + j] * x[j] as f64;
    }
    theta_of(beta, d, design.pos[i] as usize) * sigmoid(z)
}

/// Log-likelihood, gradient and Fisher information (P × P, row-major) at `beta`, each row
/// weighted by its slate's weight (`None` = 1).
pub(crate) struct PassOut {
    pub ll: f64,
    pub grad: Vec<f64>,
    pub fisher: Vec<f64>,
}

pub(crate) fn pass(
    design: &Design,
    beta: &[f64],
    slate_w: Option<&[f64]>,
    want_derivatives: bool,
) -> PassOut {
    pass_with(design, beta, slate_w, want_derivatives, true)
}

/// [`pass`], optionally without the log-likelihood (`ll` is then 0; saves a logarithm per row).
pub(crate) fn pass_with(
    design: &Design,
    beta: &[f64],
    slate_w: Option<&[f64]>,
    want_derivatives: bool,
    want_ll: bool,
) -> PassOut {
    let d = design.d;
    let q = d + 1; // (b, w)
    let kk = design.k;
    let np = design.p();
    let mut ll = 0.0;
    let mut g_bw = vec![0.0; q];
    let mut g_t = vec![0.0; kk];
    let mut a_bw = vec![0.0; q * q];
    let mut c_t = vec![0.0; kk * q];
    let mut d_t = vec![0.0; kk];
    let mut xt = vec![0.0; q];
    let mut start = 0;
    for (s, &end) in design.slate_ends.iter().enumerate() {
        let sw = slate_w.map_or(1.0, |w| w[s]);
        if sw == 0.0 {
            start = end;
            continue;
        }
        for i in start..end {
            let x = &design.x[i * d..(i + 1) * d];
            xt[0] = 1.0;
            let mut z = beta[0];
            for j in 0..d {
                let v = x[j] as f64;
                xt[1 + j] = v;
                z += beta[1 + j] * v;
            }
            let k = design.pos[i] as usize;
            let th = theta_of(beta, d, k);
            let sg = sigmoid(z);
            let p = (th * sg).clamp(P_MIN, 1.0 - P_MIN);
            let y = design.y[i] != 0;
            if want_ll {
                ll += sw * if y { p.ln() } else { (1.0 - p).ln() };
            }
            if !want_derivatives {
                continue;
            }
            let pq = p * (1.0 - p);
            let r = sw * ((y as u8 as f64) - p) / pq;
            let h = sw / pq;
            let dz = th * sg * (1.0 - sg); // ∂p/∂z
            let dt = sg; // ∂p/∂θ_k
            let rz = r * dz;
            let hzz = h * dz * dz;
            for (gb, xa) in g_bw.iter_mut().zip(&xt) {
                *gb += rz * xa;
            }
            for a in 0..q {
                let ha = hzz * xt[a];
                let row = &mut a_bw[a * q + a..a * q + q];
                for (cell, xb) in row.iter_mut().zip(&xt[a..]) {
                    *cell += ha * xb;
                }
            }
            g_t[k] += r * dt;
            d_t[k] += h * dt * dt;
            let hzt = h * dz * dt;
            for (cell, xa) in c_t[k * q..k * q + q].iter_mut().zip(&xt) {
                *cell += hzt * xa;
            }
        }
        start = end;
    }
    let mut grad = vec![0.0; np];
    let mut fisher = vec![0.0; np * np];
    if want_derivatives {
        grad[..q].copy_from_slice(&g_bw);
        for a in 0..q {
            for bb in a..q {
                fisher[a * np + bb] = a_bw[a * q + bb];
                fisher[bb * np + a] = a_bw[a * q + bb];
            }
        }
        for k in 1..kk {
            let v = q + k - 1;
            grad[v] = g_t[k];
            fisher[v * np + v] = d_t[k];
            for a in 0..q {
                fisher[v * np + a] = c_t[k * q + a];
                fisher[a * np + v] = c_t[k * q + a];
            }
        }
    }
    PassOut { ll, grad, fisher }
}

/// Box bounds, L2 penalties (strength and centre per parameter) and which parameters are held.
pub(crate) struct Problem<'a> {
    pub design: &'a Design,
    pub slate_w: Option<&'a [f64]>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub penalty: Vec<f64>,
    pub centre: Vec<f64>,
    pub held: Vec<bool>,
    pub max_iter: usize,
    pub tol: f64,
}

impl Problem<'_> {
    /// Standard bounds for a design: b free (±50), w ≥ 0, θ in [1e-6, 1].
    pub fn bounds(design: &Design) -> (Vec<f64>, Vec<f64>) {
        let np = design.p();
        let mut lo = vec![0.0; np];
        let mut hi = vec![1e6; np];
        lo[0] = -50.0;
        hi[0] = 50.0;
        for v in lo.iter_mut().skip(1 + design.d) {
            *v = THETA_MIN;
        }
        for v in hi.iter_mut().skip(1 + design.d) {
            *v = 1.0;
        }
        (lo, hi)
    }

    fn penalised(&self, beta: &[f64], ll: f64) -> f64 {
        let mut obj = ll;
        for ((b, lambda), c) in beta.iter().zip(&self.penalty).zip(&self.centre) {
            if *lambda > 0.0 {
                obj -= 0.5 * lambda * (b - c) * (b - c);
            }
        }
        obj
    }
}

/// Outcome of [`solve`].
pub(crate) struct Solved {
    pub beta: Vec<f64>,
}

/// Solves `A x = g` for a symmetric positive semi-definite `A` (n × n) by Cholesky, adding a
/// growing ridge until it factors; `None` if it never does (all-zero rows are held instead).
fn cholesky_solve(a: &[f64], g: &[f64], n: usize) -> Option<Vec<f64>> {
    let scale = (0..n)
        .map(|i| a[i * n + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut ridge = 0.0;
    for _ in 0..12 {
        let mut l = vec![0.0; n * n];
        let mut ok = true;
        'outer: for i in 0..n {
            for j in 0..=i {
                let mut s = a[i * n + j] + if i == j { ridge } else { 0.0 };
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    if s <= 0.0 || !s.is_finite() {
                        ok = false;
                        break 'outer;
                    }
                    l[i * n + i] = s.sqrt();
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        if ok {
            let mut y = vec![0.0; n];
            for i in 0..n {
                let mut s = g[i];
                for k in 0..i {
                    s -= l[i * n + k] * y[k];
                }
                y[i] = s / l[i * n + i];
            }
            let mut x = vec![0.0; n];
            for i in (0..n).rev() {
                let mut s = y[i];
                for k in i + 1..n {
                    s -= l[k * n + i] * x[k];
                }
                x[i] = s / l[i * n + i];
            }
            return Some(x);
        }
        ridge = if ridge == 0.0 {
            scale * 1e-12
        } else {
            ridge * 100.0
        };
    }
    None
}

/// The projected Newton direction at `beta` from a pass's derivatives: the penalised gradient,
/// the free set (not held, not at a bound the gradient pushes against) and the Newton step on
/// it (`None` when nothing is free or the system does not factor).
fn direction(
    prob: &Problem<'_>,
    beta: &[f64],
    out: &PassOut,
) -> Option<(Vec<f64>, Vec<usize>, Vec<f64>)> {
    let np = beta.len();
    let mut grad = out.grad.clone();
    let mut fisher = out.fisher.clone();
    for j in 0..np {
        if prob.penalty[j] > 0.0 {
            grad[j] -= prob.penalty[j] * (beta[j] - prob.centre[j]);
            fisher[j * np + j] += prob.penalty[j];
        }
    }
    let eps = 1e-12;
    let free: Vec<usize> = (0..np)
        .filter(|&j| {
            let pinned_low = beta[j] <= prob.lower[j] + eps && grad[j] < 0.0;
            let pinned_high = beta[j] >= prob.upper[j] - eps && grad[j] > 0.0;
            !prob.held[j] && fisher[j * np + j] > 0.0 && !pinned_low && !pinned_high
        })
        .collect();
    if free.is_empty() {
        return None;
    }
    let nf = free.len();
    let mut a = vec![0.0; nf * nf];
    let mut g = vec![0.0; nf];
    for (fi, &i) in free.iter().enumerate() {
        g[fi] = grad[i];
        for (fj, &j) in free.iter().enumerate() {
            a[fi * nf + fj] = fisher[i * np + j];
        }
    }
    let step = cholesky_solve(&a, &g, nf)?;
    Some((grad, free, step))
}

/// `steps` full projected Newton steps from `beta` without a line search: from a nearby optimum
/// (the full-data fit, for a bootstrap resample) Newton converges quadratically, so two steps
/// approximate the resample's refit closely at one pass each (the one-step bootstrap
/// approximation, Davison & Hinkley 1997 "Bootstrap Methods and their Application", taken one
/// step further).
pub(crate) fn newton_steps(prob: &Problem<'_>, mut beta: Vec<f64>, steps: usize) -> Vec<f64> {
    for _ in 0..steps {
        let out = pass_with(prob.design, &beta, prob.slate_w, true, false);
        let Some((_, free, step)) = direction(prob, &beta, &out) else {
            break;
        };
        for (fi, &i) in free.iter().enumerate() {
            beta[i] = (beta[i] + step[fi]).clamp(prob.lower[i], prob.upper[i]);
        }
    }
    beta
}

/// Projected Newton (Fisher scoring) from `beta`: maximises the penalised log-likelihood inside
/// the box; stops when the objective gains less than `tol · (1 + |obj|)` or after `max_iter`.
pub(crate) fn solve(prob: &Problem<'_>, mut beta: Vec<f64>) -> Solved {
    let np = beta.len();
    for ((b, lo), hi) in beta.iter_mut().zip(&prob.lower).zip(&prob.upper) {
        *b = b.clamp(*lo, *hi);
    }
    let mut out = pass(prob.design, &beta, prob.slate_w, true);
    let mut obj = prob.penalised(&beta, out.ll);
    let mut iterations = 0;
    while iterations < prob.max_iter {
        iterations += 1;
        let Some((grad, free, step)) = direction(prob, &beta, &out) else {
            break;
        };
        let mut t = 1.0;
        let mut accepted = false;
        // the full step is usually accepted: compute its derivatives in the same pass (one pass
        // per iteration instead of two), unless no iteration follows
        let last = iterations == prob.max_iter;
        let mut next = None;
        for attempt in 0..40 {
            let mut cand = beta.clone();
            for (fi, &i) in free.iter().enumerate() {
                cand[i] = (beta[i] + t * step[fi]).clamp(prob.lower[i], prob.upper[i]);
            }
            let with_derivatives = attempt == 0 && !last;
            let trial = pass(prob.design, &cand, prob.slate_w, with_derivatives);
            let new_obj = prob.penalised(&cand, trial.ll);
            let decrease: f64 = (0..np).map(|j| grad[j] * (cand[j] - beta[j])).sum();
            if new_obj.is_finite() && new_obj >= obj + 1e-4 * decrease {
                let gain = new_obj - obj;
                beta = cand;
                obj = new_obj;
                accepted = true;
                if gain <= prob.tol * (1.0 + obj.abs()) {
                    return Solved { beta };
                }
                if with_derivatives {
                    next = Some(trial);
                }
                break;
            }
            t *= 0.5;
        }
        if !accepted || last {
            break;
        }
        out = match next {
            Some(o) => o,
            None => pass(prob.design, &beta, prob.slate_w, true),
        };
    }
    Solved { beta }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_gradient_matches_finite_differences() {
        // 3 slates, 2 factors, 3 positions
        let design = Design {
            d: 2,
            k: 3,
            x: vec![0.1, 0.9, 0.5, 0.2, 0.8, 0.3, 0.4, 0.4, 0.7, 0.1, 0.2, 0.6],
            pos: vec![0, 1, 2, 0, 1, 2],
            y: vec![1, 0, 0, 1, 1, 0],
            slate_ends: vec![3, 6],
        };
        let beta = vec![-0.3, 0.7, 1.2, 0.6, 0.4];
        let out = pass(&design, &beta, Some(&[1.0, 2.0]), true);
        for j in 0..beta.len() {
            let h = 1e-6;
            let mut bp = beta.clone();
            bp[j] += h;
            let mut bm = beta.clone();
            bm[j] -= h;
            let fd = (pass(&design, &bp, Some(&[1.0, 2.0]), false).ll
                - pass(&design, &bm, Some(&[1.0, 2.0]), false).ll)
                / (2.0 * h);
            assert!(
                (fd - out.grad[j]).abs() < 1e-6,
                "param {j}: {fd} vs {}",
                out.grad[j]
            );
        }
        // Fisher is symmetric with a non-negative diagonal
        let np = beta.len();
        for i in 0..np {
            assert!(out.fisher[i * np + i] >= 0.0);
            for j in 0..np {
                assert_eq!(out.fisher[i * np + j], out.fisher[j * np + i]);
            }
        }
    }
}
