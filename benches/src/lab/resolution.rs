//! How well the engine's label resolution finds the skill a respelled label names: a sample
//! of labels respelled by the lab's noise rules ([`super::noise`]), each scored against the
//! taxonomy skill it was made from, plus hand-written real-world spellings
//! (`benches/tests/resolution.rs`).
//!
//! A respelled label does not always still name its skill. Each sample is put in one class:
//!
//! - **names another skill** — the label, without the words resolution ignores (vendors,
//!   proficiency and filler words), is exactly another skill's label or alias ("manage
//!   database" respelled "database", an ESCO skill of its own). Resolving it to that skill
//!   is right, so these are reported apart.
//! - **undecodable** — an acronym that is not an alias of its skill ("use spreadsheets
//!   software" → "USS"): no reader can tell which skill it abbreviates. Resolving one is a
//!   guess; the share of guesses that are wrong is reported.
//! - **names its skill** — everything else. The acceptance lines (issue 14): ≥ 90 % of
//!   these resolve to their skill, < 1 % to another.

use std::collections::BTreeMap;

use fairmatch::Taxonomy;
use fairmatch::skills::{
    ResolutionConfig, ResolutionKind, SkillId, is_ignorable, normalize_label, tokens,
};
use serde::Serialize;

use super::generate::stream;
use super::noise::noisy_label_traced;

/// One respelled label and the skill it was made from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// The label as respelled.
    pub label: String,
    /// The skill's label it was made from.
    pub canonical: String,
    /// The noise transformations applied, in order.
    pub kinds: Vec<&'static str>,
}

/// The class of a sample (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Still names the skill it was made from.
    NamesItsSkill,
    /// Spells another skill's label or alias exactly.
    NamesAnotherSkill,
    /// An acronym no reader could decode.
    Undecodable,
}

/// Distinct respellings of `labels` (taxonomy labels, in order) by the lab's noise rules,
/// seeded: each label is respelled `per_label` times and only changed, distinct (label,
/// canonical) pairs are kept.
pub fn noisy_sample(labels: &[String], per_label: usize, seed: u64) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, l) in labels.iter().enumerate() {
        let mut r = stream(seed, 200, i as u64);
        for _ in 0..per_label {
            let (label, kinds) = noisy_label_traced(l, &mut r);
            if label != *l && seen.insert((label.clone(), l.clone())) {
                out.push(Sample {
                    label,
                    canonical: l.clone(),
                    kinds,
                });
            }
        }
    }
    out
}

/// The words of a label resolution would look at (ignorable words removed), joined.
fn core(label: &str) -> String {
    let n = normalize_label(label);
    tokens(&n)
        .into_iter()
        .filter(|t| !is_ignorable(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The class of `s` against `t` (module docs).
pub fn classify(t: &Taxonomy, s: &Sample) -> Class {
    let want = t.resolve(&s.canonical);
    let other = |x: Option<SkillId>| x.is_some() && x != want;
    if other(t.resolve(&s.label)) || other(t.resolve(&core(&s.label))) {
        return Class::NamesAnotherSkill;
    }
    if s.kinds.contains(&"acronym") && t.resolve(&core(&s.label)) != want {
        return Class::Undecodable;
    }
    Class::NamesItsSkill
}

/// Counts of outcomes in one class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Samples.
    pub labels: usize,
    /// Resolved to the skill they were made from.
    pub right: usize,
    /// Resolved to another taxonomy skill.
    pub wrong: usize,
    /// Left unknown (an ad-hoc skill).
    pub unknown: usize,
}

impl Outcomes {
    /// `right / labels`.
    pub fn right_share(&self) -> f64 {
        self.right as f64 / self.labels.max(1) as f64
    }
    /// `wrong / labels`.
    pub fn wrong_share(&self) -> f64 {
        self.wrong as f64 / self.labels.max(1) as f64
    }
}

/// Resolution outcomes of a sample, by class and by transformation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolutionReport {
    /// By class.
    pub by_class: BTreeMap<Class, Outcomes>,
    /// Samples that name their skill, by the transformations applied (joined with `+`).
    pub by_kinds: BTreeMap<String, Outcomes>,
    /// Samples that name their skill, by how they resolved (right and wrong only).
    pub by_resolution: BTreeMap<String, Outcomes>,
    /// Every sample that names its skill and resolved to another one: (label, canonical,
    /// resolved skill, kind).
    pub wrong: Vec<(String, String, String, String)>,
}

/// Resolves every sample with `cfg` and counts (see [`ResolutionReport`]).
pub fn evaluate(t: &Taxonomy, samples: &[Sample], cfg: &ResolutionConfig) -> ResolutionReport {
    let mut rep = ResolutionReport::default();
    for s in samples {
        let class = classify(t, s);
        let want = t.resolve(&s.canonical);
        let r = t.resolve_with(&s.label, cfg);
        let outcome = |o: &mut Outcomes| {
            o.labels += 1;
            match r.skill {
                _ if r.kind == ResolutionKind::Unknown => o.unknown += 1,
                x if x == want => o.right += 1,
                _ => o.wrong += 1,
            }
        };
        outcome(rep.by_class.entry(class).or_default());
        if class == Class::NamesItsSkill {
            outcome(rep.by_kinds.entry(s.kinds.join("+")).or_default());
            if r.kind != ResolutionKind::Unknown {
                outcome(
                    rep.by_resolution
                        .entry(r.kind.name().to_owned())
                        .or_default(),
                );
            }
            if r.skill.is_some() && r.skill != want {
                rep.wrong.push((
                    s.label.clone(),
                    s.canonical.clone(),
                    r.skill
                        .and_then(|x| t.get(x))
                        .map_or_else(String::new, |n| n.label.clone()),
                    r.kind.name().to_owned(),
                ));
            }
        }
    }
    rep
}
