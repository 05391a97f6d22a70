//! How well a set of held skills covers a set of needed skills.
//!
//! Formulas (research/marketplace.md §2.3, DESIGN.md §4), for requirements `r` with weight
//! `w_r` and needed level `L_r`, held skills `f` with level `ℓ_f` (levels on the 1–5 scale),
//! and `spec(s)` the specificity weight of skill `s` ([`super::Specificity`]; 1 when off):
//!
//! ```text
//! m_r      = max_f sim(r, f) · ρ_r · ρ_f · min(1, ℓ_f / L_r)^γ   ρ = label resolution similarity
//! W_r      = w_r · spec(r)                                         (1 when r states no level)
//! Cov_must = Σ_must W_r m_r / Σ_must W_r
//! Fit_must = exp(Σ_must W_r ln max(m_r, ε) / Σ_must W_r)     (weighted geometric mean)
//! Cov_nice = Σ_nice W_r m_r / Σ_nice W_r
//! must     = (Cov_must + Fit_must) / 2
//! coverage = a·must + (1−a)·Cov_nice   (both kinds present; a = must_share_of_skill)
//!          = must | Cov_nice            (only one kind present)
//! focus    = Σ_f spec(f) · serve_f / Σ_f spec(f),   serve_f = max_r sim(r, f) · ρ_r · ρ_f
//! skill    = (1 − φ)·coverage + φ·focus             (φ = focus)
//!          = neutral_no_requirements                (a job that lists no skill)
//! skill'   = (1 − β)·skill + β·occ(j, f)            (β = occupation; only when the taxonomy
//!                                                    has occupation profiles and the job
//!                                                    names one of its skills: super::occupation)
//! gate     = |{r ∈ must : m_r ≥ τ}| / |must|   (1 when there is no must-have)
//! ```
//!
//! Coverage asks how much of the job the freelancer covers; focus asks how much of the
//! freelancer the job uses (the specificity-weighted share of their skills that serve some
//! requirement) — the half that cosine-style measures reward and one-sided coverage misses.
//! The form and φ were chosen on the lab's marketplaces (benches/README.md "Relevance").
//! Every term is non-decreasing in every `m_r`; adding a skill that serves the job never
//! lowers the score, one that does not lowers only the focus term. A hard must-have gate
//! counts only same-skill matches unless the job opts in to implied ones (`hard_gate_share`
//! vs `gate_share`).

use serde::{Deserialize, Serialize};

use super::similarity::{
    Expansion, ExpansionEntry, ExtraLinks, MatchKind, NoLinks, SimilarityConfig,
};
use super::specificity::Specificity;
use super::taxonomy::{Relation, SkillId, Taxonomy};
use crate::error::{Error, Result};

/// Parameters of the skill factor. Defaults are documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitConfig {
    /// Exponent γ on the level ratio. Default 1.
    pub gamma: f64,
    /// Floor ε inside the geometric mean. Default 0.01.
    pub epsilon: f64,
    /// Threshold τ for a must-have to count as covered by the gate. Default 0.35 (Tabiya).
    pub tau: f64,
    /// Share `a` of the skill factor that comes from must-haves when a job has both kinds.
    /// Default 0.75.
    pub must_share_of_skill: f64,
    /// Level assumed for a held skill stated without one (1–5 scale). Default 3.
    pub default_level: f64,
    /// Skill factor of a job that lists no skills. Default 0.5 (neutral).
    pub neutral_no_requirements: f64,
    /// Share φ of the skill factor that comes from the focus term (module docs); 0 turns it
    /// off. Default 0.3.
    pub focus: f64,
    /// Share β of the skill factor that comes from occupation evidence
    /// ([`super::occupation_similarity`]) when the taxonomy has occupation profiles (an ESCO
    /// import); 0 turns it off, and it has no effect on a taxonomy without profiles (the
    /// built-in one). Default 0.5, chosen on the lab (benches/README.md "Relevance").
    pub occupation: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            gamma: 1.0,
            epsilon: 0.01,
            tau: 0.35,
            must_share_of_skill: 0.75,
            default_level: 3.0,
            neutral_no_requirements: 0.5,
            focus: 0.3,
            occupation: 0.5,
        }
    }
}

impl FitConfig {
    /// Checks ranges: γ in (0, 10], ε in (0, 1), τ, a and the neutral value in [0, 1],
    /// default level in [1, 5].
    pub fn validate(&self) -> Result<()> {
        let check = |field: &str, v: f64, lo: f64, hi: f64, open_lo: bool| {
            let ok = v.is_finite() && v <= hi && if open_lo { v > lo } else { v >= lo };
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    format!(
                        "must be in {}{lo}, {hi}], got {v}",
                        if open_lo { "(" } else { "[" }
                    ),
                ))
            }
        };
        check("fit.gamma", self.gamma, 0.0, 10.0, true)?;
        check("fit.epsilon", self.epsilon, 0.0, 0.999, true)?;
        check("fit.tau", self.tau, 0.0, 1.0, false)?;
        check(
            "fit.must_share_of_skill",
            self.must_share_of_skill,
            0.0,
            1.0,
            false,
        )?;
        check("fit.default_level", self.default_level, 1.0, 5.0, false)?;
        check(
            "fit.neutral_no_requirements",
            self.neutral_no_requirements,
            0.0,
            1.0,
            false,
        )?;
        check("fit.focus", self.focus, 0.0, 1.0, false)?;
        check("fit.occupation", self.occupation, 0.0, 1.0, false)
    }
}

/// A needed skill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// The skill.
    pub skill: SkillId,
    /// Needed level (1–5), if any.
    pub min_level: Option<f64>,
    /// Relative weight (> 0).
    pub weight: f64,
    /// Must-have (true) or nice-to-have (false).
    pub must: bool,
    /// How sure the job's label names this skill (1 = exactly; see
    /// [`super::Resolution::similarity`]); multiplies every match of the requirement.
    pub label_similarity: f32,
}

impl Requirement {
    /// A requirement whose label named the skill exactly.
    pub fn new(skill: SkillId, min_level: Option<f64>, weight: f64, must: bool) -> Self {
        Self {
            skill,
            min_level,
            weight,
            must,
            label_similarity: 1.0,
        }
    }
}

/// A held skill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The skill.
    pub skill: SkillId,
    /// Stated level (1–5), if any.
    pub level: Option<f64>,
    /// How sure the freelancer's label names this skill (1 = exactly); multiplies every
    /// match of the claim.
    pub label_similarity: f32,
}

impl Claim {
    /// A claim whose label named the skill exactly.
    pub fn new(skill: SkillId, level: Option<f64>) -> Self {
        Self {
            skill,
            level,
            label_similarity: 1.0,
        }
    }
}

/// The match value of a held skill for a requirement: skill similarity × both labels'
/// resolution similarities × level fit (one expression, so scans and explanations agree to
/// the bit).
#[inline]
fn match_value(cfg: &FitConfig, sim: f32, c: &Claim, r: &Requirement) -> f64 {
    sim as f64
        * f64::from(c.label_similarity)
        * f64::from(r.label_similarity)
        * level_fit(cfg, c.level, r.min_level)
}

/// The numbers of a skill fit.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SkillFit {
    /// The skill factor in [0, 1].
    pub score: f64,
    /// Weighted mean coverage of must-haves (1 when none).
    pub cov_must: f64,
    /// Weighted geometric mean of must-haves (1 when none).
    pub fit_must: f64,
    /// Weighted mean coverage of nice-to-haves (0 when none).
    pub cov_nice: f64,
    /// Share of must-haves with `m_r ≥ τ` by any match (1 when none).
    pub gate_share: f64,
    /// Share of must-haves with an exact match at `m_r ≥ τ` (1 when none).
    pub hard_gate_share: f64,
    /// The coverage part (before the focus term).
    pub coverage: f64,
    /// The focus term: the specificity-weighted share of the freelancer's skills that serve
    /// the job (0 for a freelancer without skills).
    pub focus: f64,
    /// The occupation evidence `occ(j, f)` mixed into `score`, if any
    /// ([`SkillFit::with_occupation`]).
    pub occupation: Option<f64>,
}

impl SkillFit {
    /// Mixes occupation evidence into the skill factor: `score = (1 − β)·score + β·occ`
    /// (module docs; β = `cfg.occupation`). `None` (no profiles, or a job without a taxonomy
    /// skill) and β = 0 leave the fit unchanged. Gates are untouched: occupation evidence
    /// never stands in for a must-have.
    #[inline]
    pub fn with_occupation(mut self, occ: Option<f64>, cfg: &FitConfig) -> Self {
        if let Some(o) = occ.filter(|_| cfg.occupation > 0.0) {
            self.occupation = Some(o);
            self.score = ((1.0 - cfg.occupation) * self.score + cfg.occupation * o).clamp(0.0, 1.0);
        }
        self
    }
}

#[inline]
fn level_fit(cfg: &FitConfig, have: Option<f64>, need: Option<f64>) -> f64 {
    match need {
        None => 1.0,
        Some(need) => {
            let have = have.unwrap_or(cfg.default_level);
            let r = (have / need).min(1.0);
            if cfg.gamma == 1.0 {
                r
            } else {
                r.powf(cfg.gamma)
            }
        }
    }
}

/// Reusable buffers for [`fit_with_needed_expansion`] / [`fit_with_held_expansion`].
#[derive(Debug, Clone, Default)]
pub struct FitScratch {
    m: Vec<f64>,
    exact: Vec<f64>,
    serve: Vec<f64>,
    /// The fit of a candidate matching nothing, for the requirement list at (address, len).
    zero: Option<((usize, usize), SkillFit)>,
    pow: PowMemo,
}

/// `v.powf(w)` remembered by the bits of `(v, w)`: the geometric mean of must-haves raises
/// per-requirement match values, which take few distinct values within a request (levels
/// and similarities are discrete), to request-constant weights. A direct-mapped cache (a
/// slot keeps the last pair that hashed to it), so the result is `powf`'s own, to the bit.
#[derive(Debug, Clone, Default)]
pub(crate) struct PowMemo {
    slots: Vec<(u64, u64, f64)>,
}

impl PowMemo {
    const SLOTS: usize = 256;

    #[inline]
    fn pow(&mut self, v: f64, w: f64) -> f64 {
        if self.slots.is_empty() {
            // (NaN keys: no real pair has these bits, so every slot starts empty)
            self.slots = vec![(f64::NAN.to_bits(), f64::NAN.to_bits(), 0.0); Self::SLOTS];
        }
        let (vb, wb) = (v.to_bits(), w.to_bits());
        let h = (vb ^ wb.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &mut self.slots[(h >> 56) as usize];
        if slot.0 == vb && slot.1 == wb {
            return slot.2;
        }
        let r = v.powf(w);
        *slot = (vb, wb, r);
        r
    }
}

impl FitScratch {
    /// [`aggregate`] of the per-requirement values in this scratch.
    fn aggregate(
        &mut self,
        reqs: &[Requirement],
        focus: f64,
        cfg: &FitConfig,
        spec: &Specificity,
    ) -> SkillFit {
        aggregate(reqs, &self.m, &self.exact, focus, cfg, spec, &mut self.pow)
    }

    fn reset(&mut self, n: usize) {
        self.m.clear();
        self.m.resize(n, 0.0);
        self.exact.clear();
        self.exact.resize(n, 0.0);
    }
}

/// Skill fit when the expansion was built from the requirements (`AnchorSide::Needed`):
/// the hot path of "freelancers for a job".
pub fn fit_with_needed_expansion(
    taxonomy: &Taxonomy,
    exp: &Expansion,
    reqs: &[Requirement],
    claims: &[Claim],
    cfg: &FitConfig,
    spec: &Specificity,
    scratch: &mut FitScratch,
) -> SkillFit {
    scratch.reset(reqs.len());
    let mut any = false;
    let (mut served, mut mass) = (0.0f64, 0.0f64);
    for c in claims {
        let mut serve = 0.0f64;
        let mut update = |e: &ExpansionEntry, s: &mut FitScratch| {
            let r = &reqs[e.anchor as usize];
            let v = match_value(cfg, e.sim, c, r);
            let i = e.anchor as usize;
            if v > s.m[i] {
                s.m[i] = v;
            }
            if e.kind.is_same_skill() && v > s.exact[i] {
                s.exact[i] = v;
            }
            serve = serve.max(serve_value(e.sim, c, r));
        };
        for e in exp.lookup(c.skill) {
            any = true;
            update(e, scratch);
        }
        for e in exp.lookup_category(taxonomy, c.skill) {
            any = true;
            update(e, scratch);
        }
        if cfg.focus > 0.0 {
            let w = spec.get(c.skill);
            served += w * serve;
            mass += w;
        }
    }
    if !any {
        // Most candidates share nothing with a job: their fit is one number per request.
        let key = (reqs.as_ptr() as usize, reqs.len());
        if let Some((k, fit)) = scratch.zero
            && k == key
        {
            return fit;
        }
        let fit = scratch.aggregate(reqs, 0.0, cfg, spec);
        scratch.zero = Some((key, fit));
        return fit;
    }
    let focus = if mass > 0.0 { served / mass } else { 0.0 };
    scratch.aggregate(reqs, focus, cfg, spec)
}

/// Skill fit when the expansion was built from the held skills (`AnchorSide::Held`): the hot
/// path of "jobs for a freelancer". Gives the same numbers as [`fit_with_needed_expansion`].
pub fn fit_with_held_expansion(
    taxonomy: &Taxonomy,
    exp: &Expansion,
    reqs: &[Requirement],
    claims: &[Claim],
    cfg: &FitConfig,
    spec: &Specificity,
    scratch: &mut FitScratch,
) -> SkillFit {
    scratch.reset(reqs.len());
    scratch.serve.clear();
    scratch.serve.resize(claims.len(), 0.0);
    for (i, r) in reqs.iter().enumerate() {
        let mut best = 0.0f64;
        let mut exact = 0.0f64;
        for e in exp
            .lookup(r.skill)
            .iter()
            .chain(exp.lookup_category(taxonomy, r.skill))
        {
            let c = &claims[e.anchor as usize];
            let v = match_value(cfg, e.sim, c, r);
            best = best.max(v);
            if e.kind.is_same_skill() {
                exact = exact.max(v);
            }
            let sv = &mut scratch.serve[e.anchor as usize];
            *sv = sv.max(serve_value(e.sim, c, r));
        }
        scratch.m[i] = best;
        scratch.exact[i] = exact;
    }
    let focus = if cfg.focus > 0.0 {
        let (mut served, mut mass) = (0.0f64, 0.0f64);
        for (c, &serve) in claims.iter().zip(&scratch.serve) {
            let w = spec.get(c.skill);
            served += w * serve;
            mass += w;
        }
        if mass > 0.0 { served / mass } else { 0.0 }
    } else {
        0.0
    };
    scratch.aggregate(reqs, focus, cfg, spec)
}

/// How much a held skill serves a requirement through one edge: similarity × both labels'
/// resolution similarities (no level: focus is about what the skills are, not how deep).
#[inline]
fn serve_value(sim: f32, c: &Claim, r: &Requirement) -> f64 {
    sim as f64 * f64::from(c.label_similarity) * f64::from(r.label_similarity)
}

/// Coverage, gate and the skill factor from the per-requirement values (module docs).
pub(crate) fn aggregate(
    reqs: &[Requirement],
    m: &[f64],
    exact: &[f64],
    focus: f64,
    cfg: &FitConfig,
    spec: &Specificity,
    pow: &mut PowMemo,
) -> SkillFit {
    let (mut wm, mut wm_m, mut wn, mut wn_m) = (0.0, 0.0, 0.0, 0.0);
    let (mut n_must, mut gate, mut hard_gate) = (0usize, 0usize, 0usize);
    // Σ W ln max(m, ε) is computed as ln Π max(m, ε)^W: one logarithm per candidate instead
    // of one per requirement (the product cannot underflow for ≤ 100 unit-weight
    // must-haves at ε ≥ 0.01; beyond that the sum of logarithms is used).
    let (mut prod, mut use_prod) = (1.0f64, reqs.len() <= 100);
    for (i, r) in reqs.iter().enumerate() {
        let w = r.weight * spec.get(r.skill);
        if r.must {
            let v = m[i].max(cfg.epsilon);
            wm += w;
            wm_m += w * m[i];
            if use_prod {
                prod *= if w == 1.0 { v } else { pow.pow(v, w) };
                // (NaN cannot occur: every factor is finite and > 0.)
                if prod <= 1e-250 {
                    use_prod = false;
                }
            }
            n_must += 1;
            gate += usize::from(m[i] >= cfg.tau);
            hard_gate += usize::from(exact[i] >= cfg.tau);
        } else {
            wn += w;
            wn_m += w * m[i];
        }
    }
    let (cov_must, fit_must) = if n_must > 0 {
        let ln_total = if use_prod {
            prod.ln()
        } else {
            reqs.iter()
                .zip(m)
                .filter(|(r, _)| r.must)
                .map(|(r, v)| r.weight * spec.get(r.skill) * v.max(cfg.epsilon).ln())
                .sum()
        };
        (wm_m / wm, (ln_total / wm).exp())
    } else {
        (1.0, 1.0)
    };
    let cov_nice = if wn > 0.0 { wn_m / wn } else { 0.0 };
    let must_part = (cov_must + fit_must) / 2.0;
    let coverage = match (n_must > 0, wn > 0.0) {
        (true, true) => {
            cfg.must_share_of_skill * must_part + (1.0 - cfg.must_share_of_skill) * cov_nice
        }
        (true, false) => must_part,
        (false, true) => cov_nice,
        (false, false) => cfg.neutral_no_requirements,
    };
    let score = if n_must == 0 && wn <= 0.0 {
        coverage
    } else if cfg.focus > 0.0 {
        (1.0 - cfg.focus) * coverage + cfg.focus * focus
    } else {
        coverage
    };
    let share = |k: usize| {
        if n_must > 0 {
            k as f64 / n_must as f64
        } else {
            1.0
        }
    };
    SkillFit {
        score: score.clamp(0.0, 1.0),
        cov_must,
        fit_must,
        cov_nice,
        gate_share: share(gate),
        hard_gate_share: share(hard_gate),
        coverage,
        focus,
        occupation: None,
    }
}

/// The best held skill for one requirement, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementMatch {
    /// Index of the requirement in the job's list.
    pub requirement: usize,
    /// `m_r` in [0, 1].
    pub value: f64,
    /// The held skill that gave `m_r` (`None` when nothing matched).
    pub held: Option<SkillId>,
    /// How it matched.
    pub kind: Option<MatchKind>,
    /// Path from the held skill to the needed one (every kind but exact: the taxonomy path
    /// for implied and related matches, the two skills for the others).
    pub path: Vec<SkillId>,
}

/// Similarity of a needed and a held skill, straight from the taxonomy (same numbers as an
/// [`Expansion`]; used on the k explained results only).
pub fn pair_similarity(
    taxonomy: &Taxonomy,
    cfg: &SimilarityConfig,
    needed: SkillId,
    held: SkillId,
) -> Option<(f64, MatchKind)> {
    pair_similarity_with(taxonomy, cfg, &NoLinks, needed, held)
}

/// [`pair_similarity`] with edges beyond the taxonomy (same numbers as
/// [`Expansion::with_links`]).
pub fn pair_similarity_with(
    taxonomy: &Taxonomy,
    cfg: &SimilarityConfig,
    extra: &dyn ExtraLinks,
    needed: SkillId,
    held: SkillId,
) -> Option<(f64, MatchKind)> {
    if needed == held {
        return Some((1.0, MatchKind::Exact));
    }
    let mut best: Option<(f64, MatchKind)> = None;
    for nb in taxonomy.neighbourhood(needed, cfg.max_hops) {
        if nb.skill != held {
            continue;
        }
        let (sim, kind) = match nb.relation {
            Relation::Descendant => (
                cfg.specific_covers_general.powi(nb.hops as i32),
                MatchKind::Implied,
            ),
            Relation::Ancestor => (
                cfg.general_covers_specific.powi(nb.hops as i32),
                MatchKind::Implied,
            ),
            Relation::Related => (cfg.related, MatchKind::Related),
        };
        // Mirror the f32 storage of the expansion so both paths give identical numbers.
        let sim = sim as f32 as f64;
        if sim > 0.0 && best.is_none_or(|(b, _)| sim > b) {
            best = Some((sim, kind));
        }
    }
    // After the taxonomy's edges, as the expansion orders them (a tie keeps the taxonomy's).
    for (s, sim, kind) in extra.links(needed) {
        if s == held && best.is_none_or(|(b, _)| f64::from(sim) > b) {
            best = Some((f64::from(sim), kind));
        }
    }
    if best.is_none()
        && cfg.same_category > 0.0
        && let (Some(a), Some(b)) = (
            taxonomy.category_index(needed),
            taxonomy.category_index(held),
        )
        && a == b
    {
        best = Some((cfg.same_category as f32 as f64, MatchKind::Category));
    }
    best
}

/// The focus term straight from the taxonomy (same number as the scans; explanations and
/// tests): the specificity-weighted share of `claims` that serve some requirement.
pub fn focus_with(
    taxonomy: &Taxonomy,
    sim: &SimilarityConfig,
    extra: &dyn ExtraLinks,
    reqs: &[Requirement],
    claims: &[Claim],
    spec: &Specificity,
) -> f64 {
    let (mut served, mut mass) = (0.0f64, 0.0f64);
    for c in claims {
        let serve = reqs
            .iter()
            .filter_map(|r| {
                pair_similarity_with(taxonomy, sim, extra, r.skill, c.skill)
                    .map(|(s, _)| serve_value(s as f32, c, r))
            })
            .fold(0.0f64, f64::max);
        let w = spec.get(c.skill);
        served += w * serve;
        mass += w;
    }
    if mass > 0.0 { served / mass } else { 0.0 }
}

/// Per-requirement best matches with paths (explanations for the k results only).
pub fn explain_fit(
    taxonomy: &Taxonomy,
    sim: &SimilarityConfig,
    reqs: &[Requirement],
    claims: &[Claim],
    cfg: &FitConfig,
) -> Vec<RequirementMatch> {
    explain_fit_with(taxonomy, sim, &NoLinks, reqs, claims, cfg)
}

/// [`explain_fit`] with edges beyond the taxonomy.
pub fn explain_fit_with(
    taxonomy: &Taxonomy,
    sim: &SimilarityConfig,
    extra: &dyn ExtraLinks,
    reqs: &[Requirement],
    claims: &[Claim],
    cfg: &FitConfig,
) -> Vec<RequirementMatch> {
    reqs.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut best = RequirementMatch {
                requirement: i,
                value: 0.0,
                held: None,
                kind: None,
                path: Vec::new(),
            };
            for c in claims {
                if let Some((s, kind)) =
                    pair_similarity_with(taxonomy, sim, extra, r.skill, c.skill)
                {
                    let v = match_value(cfg, s as f32, c, r);
                    if v > best.value {
                        best.value = v;
                        best.held = Some(c.skill);
                        best.kind = Some(kind);
                    }
                }
            }
            if let (Some(h), Some(kind)) = (best.held, best.kind)
                && kind != MatchKind::Exact
            {
                best.path = taxonomy
                    .path(h, r.skill, sim.max_hops)
                    .unwrap_or_else(|| vec![h, r.skill]);
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::similarity::AnchorSide;
    use crate::skills::taxonomy::TaxonomyBuilder;

    fn tax() -> Taxonomy {
        let mut b = TaxonomyBuilder::new("t");
        let js = b.add_skill("JavaScript", None, &[]).unwrap();
        let react = b.add_skill("React", None, &[]).unwrap();
        b.add_skill("Python", None, &[]).unwrap();
        b.add_skill("SQL", None, &[]).unwrap();
        b.add_parent(react, js).unwrap();
        b.build().unwrap()
    }

    fn req(skill: SkillId, level: Option<f64>, must: bool) -> Requirement {
        Requirement::new(skill, level, 1.0, must)
    }

    fn both_paths_with(
        t: &Taxonomy,
        reqs: &[Requirement],
        claims: &[Claim],
        cfg: &FitConfig,
        spec: &Specificity,
    ) -> SkillFit {
        let sim = SimilarityConfig::default();
        let anchors: Vec<_> = reqs.iter().map(|r| r.skill).collect();
        let e = Expansion::new(t, &sim, &anchors, AnchorSide::Needed, t.len());
        let mut s = FitScratch::default();
        let a = fit_with_needed_expansion(t, &e, reqs, claims, cfg, spec, &mut s);
        let held: Vec<_> = claims.iter().map(|c| c.skill).collect();
        let e = Expansion::new(t, &sim, &held, AnchorSide::Held, t.len());
        let b = fit_with_held_expansion(t, &e, reqs, claims, cfg, spec, &mut s);
        assert_eq!(a, b, "both expansion sides agree");
        let ex = explain_fit(t, &sim, reqs, claims, cfg);
        let mut m = vec![0.0; reqs.len()];
        for x in &ex {
            m[x.requirement] = x.value;
        }
        let focus = focus_with(t, &sim, &NoLinks, reqs, claims, spec);
        let from_explain = aggregate(reqs, &m, &m, focus, cfg, spec, &mut PowMemo::default());
        assert_eq!(
            from_explain.score, a.score,
            "explanations show the scored numbers"
        );
        a
    }

    fn both_paths(t: &Taxonomy, reqs: &[Requirement], claims: &[Claim]) -> SkillFit {
        let cfg = FitConfig {
            focus: 0.0,
            ..FitConfig::default()
        };
        both_paths_with(t, reqs, claims, &cfg, &Specificity::uniform())
    }

    #[test]
    fn formulas_by_hand() {
        let t = tax();
        // Needs JavaScript (L4, must) and SQL (must); has React at level 2: m_js = 0.8 * 0.5.
        let reqs = [req(0, Some(4.0), true), req(3, None, true)];
        let claims = [Claim::new(1, Some(2.0))];
        let f = both_paths(&t, &reqs, &claims);
        let m_js = 0.8f32 as f64 * 0.5;
        assert!((f.cov_must - m_js / 2.0).abs() < 1e-12);
        let geo = ((m_js.ln() + 0.01f64.ln()) / 2.0).exp();
        assert!((f.fit_must - geo).abs() < 1e-12);
        assert!((f.score - (m_js / 2.0 + geo) / 2.0).abs() < 1e-12);
        assert_eq!(f.gate_share, 0.5);
        assert_eq!(
            f.hard_gate_share, 0.0,
            "implied matches never pass a hard gate"
        );
        let ex = explain_fit(
            &t,
            &SimilarityConfig::default(),
            &reqs,
            &claims,
            &FitConfig::default(),
        );
        assert_eq!(ex[0].path, vec![1, 0]);
        assert_eq!(ex[1].held, None);
    }

    #[test]
    fn specificity_weights_requirements_and_focus_rewards_a_focused_profile() {
        let t = tax();
        // JavaScript (id 0) is common, SQL (id 3) rare: a SQL match counts more.
        let spec = Specificity::from_counts(&[90, 0, 50, 2], 100, &Default::default());
        let reqs = [req(0, None, true), req(3, None, true)];
        let cfg = FitConfig {
            focus: 0.0,
            ..FitConfig::default()
        };
        let js = both_paths_with(&t, &reqs, &[Claim::new(0, None)], &cfg, &spec);
        let sql = both_paths_with(&t, &reqs, &[Claim::new(3, None)], &cfg, &spec);
        assert!(sql.cov_must > 0.5 && js.cov_must < 0.5, "{sql:?} {js:?}");
        let w = |s| spec.get(s);
        assert!((sql.cov_must - w(3) / (w(0) + w(3))).abs() < 1e-12);
        // Focus: the same match in a profile full of unrelated skills focuses less.
        let cfg = FitConfig::default();
        let narrow = both_paths_with(&t, &reqs, &[Claim::new(3, None)], &cfg, &spec);
        let wide = both_paths_with(
            &t,
            &reqs,
            &[Claim::new(3, None), Claim::new(2, None)],
            &cfg,
            &spec,
        );
        assert_eq!(narrow.focus, 1.0);
        assert!((wide.focus - w(3) / (w(3) + w(2))).abs() < 1e-12);
        assert_eq!(narrow.coverage, wide.coverage);
        assert!(narrow.score > wide.score);
        let phi = cfg.focus;
        assert!((wide.score - ((1.0 - phi) * wide.coverage + phi * wide.focus)).abs() < 1e-12);
    }

    #[test]
    fn no_requirements_is_neutral_and_nice_only_is_mean() {
        let t = tax();
        assert_eq!(both_paths(&t, &[], &[]).score, 0.5);
        let f = both_paths(
            &t,
            &[req(2, None, false), req(3, None, false)],
            &[Claim::new(2, None)],
        );
        assert_eq!(f.score, 0.5);
        assert_eq!(f.gate_share, 1.0);
    }
}
