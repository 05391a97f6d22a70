//! Occupation profiles: which occupation a set of skills most likely belongs to, and how
//! likely a job and a freelancer are to be the same occupation.
//!
//! Skills alone compare two lists label by label; two people of one occupation often share
//! few exact labels (a job lists 8 of an occupation's 40 skills, a profile another 8). The
//! taxonomy's occupation–skill relations (ESCO `occupationSkillRelations.csv`: essential and
//! optional skills per occupation) say which skills travel together. From them:
//!
//! ```text
//! P(s | o)  = (w(o, s) + α) / (W(o) + α·V)      w = 2 essential, 1 optional, 0 otherwise
//!                                               W(o) = Σ_s w(o, s), V = taxonomy skills
//! P(o | S)  ∝ Π_{s ∈ S} P(s | o)                 naive Bayes, uniform prior, S = the distinct
//!                                               taxonomy skills of a job or freelancer
//! post(S)   = the TOP = 20 most probable occupations, renormalised
//! occ(j, f) = Σ_o P(o | j) · P(o | f) / max_o P(o | j)
//! ```
//!
//! `Σ_o P(o|j)·P(o|f)` is the probability that both are the same occupation (the multinomial
//! naive Bayes of McCallum & Nigam, AAAI-98 workshop, with additive smoothing α = 0.05 over
//! the taxonomy's skills); dividing by the job's largest posterior maps it onto [0, 1] — 1 for
//! a freelancer certainly in the job's likeliest occupation — without changing any job's
//! ranking. The engine mixes `occ` into the skill factor ([`super::FitConfig::occupation`]).
//! The form, α and the truncation were chosen on the lab's tuning marketplace (seed 2), see
//! benches/README.md "Relevance". Only occupations with at least one skill get a profile.
//! Everything here is a pure function of the profiles and a skill set, so results never
//! depend on the order of updates.

use std::collections::HashMap;

use super::esco::EscoOccupation;
use super::taxonomy::SkillId;
use crate::error::{Error, Result};

/// Additive smoothing α of `P(s | o)`.
pub const OCCUPATION_ALPHA: f64 = 0.05;
/// Weight of an essential skill in a profile (an optional skill weighs 1).
pub const ESSENTIAL_WEIGHT: f64 = 2.0;
/// Occupations kept per posterior (then renormalised).
pub const POSTERIOR_TOP: usize = 20;

/// A truncated occupation posterior: `(profile index, probability)`, ascending by index,
/// probabilities summing to 1 (empty for a skill set with no taxonomy skill; entries whose
/// probability rounds to 0 in `f32` are left out).
pub type OccupationPosterior = Box<[(u32, f32)]>;

/// The occupation profiles of a taxonomy (module docs), built from occupations with their
/// essential and optional skills.
#[derive(Debug, Clone)]
pub struct OccupationProfiles {
    occupations: Vec<EscoOccupation>,
    /// Profile index → index into `occupations` (occupations with at least one skill).
    profiled: Vec<u32>,
    /// Per profile: `ln(α / (W(o) + α·V))`, the log-probability of a skill it does not list.
    base: Vec<f64>,
    /// Per skill: `(profile, ln((w + α) / α))` for the profiles that list it.
    postings: Vec<Vec<(u32, f64)>>,
}

impl OccupationProfiles {
    /// Builds the profiles of `occupations` over a taxonomy of `vocabulary` skills.
    ///
    /// Rejects a skill id at or past `vocabulary` (`occupations[i].essential` /
    /// `.optional`), an empty label and a taxonomy without skills. An occupation that lists
    /// no skill is kept (for display) but gets no profile.
    pub fn new(occupations: Vec<EscoOccupation>, vocabulary: usize) -> Result<Self> {
        if vocabulary == 0 {
            return Err(Error::invalid(
                "occupations",
                "the taxonomy has no skills to profile occupations with",
            ));
        }
        let mut postings: Vec<Vec<(u32, f64)>> = vec![Vec::new(); vocabulary];
        let mut base = Vec::new();
        let mut profiled = Vec::new();
        let v = vocabulary as f64;
        for (i, o) in occupations.iter().enumerate() {
            if o.label.trim().is_empty() {
                return Err(Error::invalid(
                    format!("occupations[{i}].label"),
                    "empty label",
                ));
            }
            let mut w: HashMap<SkillId, f64> = HashMap::new();
            for (field, list, weight) in [
                ("optional", &o.optional, 1.0),
                ("essential", &o.essential, ESSENTIAL_WEIGHT),
            ] {
                for &s in list {
                    if s as usize >= vocabulary {
                        return Err(Error::invalid(
                            format!("occupations[{i}].{field}"),
                            format!("skill id {s} is not in the taxonomy ({vocabulary} skills)"),
                        ));
                    }
                    w.insert(s, weight);
                }
            }
            if w.is_empty() {
                continue;
            }
            let id = profiled.len() as u32;
            profiled.push(i as u32);
            let total: f64 = w.values().sum();
            base.push(OCCUPATION_ALPHA.ln() - (total + OCCUPATION_ALPHA * v).ln());
            let mut w: Vec<(SkillId, f64)> = w.into_iter().collect();
            w.sort_unstable_by_key(|x| x.0);
            for (s, x) in w {
                postings[s as usize].push((id, ((x + OCCUPATION_ALPHA) / OCCUPATION_ALPHA).ln()));
            }
        }
        Ok(Self {
            occupations,
            profiled,
            base,
            postings,
        })
    }

    /// The occupations as given (including those without a profile).
    pub fn occupations(&self) -> &[EscoOccupation] {
        &self.occupations
    }

    /// Number of profiles (occupations with at least one skill).
    pub fn len(&self) -> usize {
        self.base.len()
    }

    /// Whether no occupation has a profile.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty()
    }

    /// The occupation behind profile `p` (an index from an [`OccupationPosterior`]).
    pub fn occupation(&self, p: u32) -> Option<&EscoOccupation> {
        let i = *self.profiled.get(p as usize)?;
        self.occupations.get(i as usize)
    }

    /// The truncated posterior of a skill set (module docs). Ids at or past the vocabulary
    /// (ad-hoc skills) and repeats are ignored; no taxonomy skill → empty.
    pub fn posterior(&self, skills: impl IntoIterator<Item = SkillId>) -> OccupationPosterior {
        let mut distinct: Vec<SkillId> = skills
            .into_iter()
            .filter(|&s| (s as usize) < self.postings.len())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.is_empty() || self.base.is_empty() {
            return Box::new([]);
        }
        let n = distinct.len() as f64;
        let mut lp: Vec<f64> = self.base.iter().map(|b| b * n).collect();
        for &s in &distinct {
            for &(o, x) in &self.postings[s as usize] {
                lp[o as usize] += x;
            }
        }
        let mut v: Vec<(u32, f64)> = lp
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i as u32, l))
            .collect();
        // most probable first, ties by profile index (deterministic)
        let cmp = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if v.len() > POSTERIOR_TOP {
            v.select_nth_unstable_by(POSTERIOR_TOP, cmp);
            v.truncate(POSTERIOR_TOP);
        }
        let max = v.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = v.iter().map(|x| (x.1 - max).exp()).sum();
        // (an entry whose probability rounds to 0 in f32 carries no evidence: dropped)
        let mut out: Vec<(u32, f32)> = v
            .into_iter()
            .map(|(o, l)| (o, ((l - max).exp() / sum) as f32))
            .filter(|x| x.1 > 0.0)
            .collect();
        out.sort_unstable_by_key(|x| x.0);
        out.into_boxed_slice()
    }
}

/// `occ(j, f) = Σ_o P(o | j) · P(o | f) / max_o P(o | j)` in [0, 1] (module docs), or `None`
/// when the job's posterior is empty (the job names no taxonomy skill: no evidence either
/// way). A freelancer with an empty posterior scores 0.
pub fn occupation_similarity(job: &[(u32, f32)], freelancer: &[(u32, f32)]) -> Option<f64> {
    let max = job.iter().map(|x| x.1).fold(0f32, f32::max);
    if max <= 0.0 {
        return None;
    }
    let (mut i, mut k, mut dot) = (0, 0, 0f64);
    while i < job.len() && k < freelancer.len() {
        match job[i].0.cmp(&freelancer[k].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => k += 1,
            std::cmp::Ordering::Equal => {
                dot += f64::from(job[i].1) * f64::from(freelancer[k].1);
                i += 1;
                k += 1;
            }
        }
    }
    Some((dot / f64::from(max)).clamp(0.0, 1.0))
}

/// The profile both posteriors give the largest joint probability `P(o|j)·P(o|f)` (ties by
/// index), with its two probabilities, for explanations.
pub fn likeliest_shared(job: &[(u32, f32)], freelancer: &[(u32, f32)]) -> Option<(u32, f32, f32)> {
    let mut best: Option<(u32, f32, f32)> = None;
    for &(o, p) in job {
        if let Ok(k) = freelancer.binary_search_by_key(&o, |x| x.0) {
            let q = freelancer[k].1;
            if best.is_none_or(|(_, bp, bq)| p * q > bp * bq) {
                best = Some((o, p, q));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(label: &str, essential: &[u32], optional: &[u32]) -> EscoOccupation {
        EscoOccupation {
            uri: format!("urn:{label}"),
            label: label.into(),
            isco_group: "0000".into(),
            essential: essential.to_vec(),
            optional: optional.to_vec(),
        }
    }

    fn profiles() -> OccupationProfiles {
        // 0..4 developer skills, 5..9 nursing skills, 10 shared (communication)
        OccupationProfiles::new(
            vec![
                occ("developer", &[0, 1, 2], &[3, 4, 10]),
                occ("nurse", &[5, 6, 7], &[8, 9, 10]),
                occ("no skills", &[], &[]),
            ],
            12,
        )
        .unwrap()
    }

    #[test]
    fn posterior_is_truncated_normalised_and_sorted() {
        let p = profiles();
        assert_eq!(p.len(), 2);
        assert_eq!(p.occupation(1).unwrap().label, "nurse");
        let post = p.posterior([0, 3, 3, 99]);
        assert_eq!(post.len(), 2);
        assert!(post.windows(2).all(|w| w[0].0 < w[1].0));
        let sum: f32 = post.iter().map(|x| x.1).sum();
        assert!((sum - 1.0).abs() < 1e-6);
        assert!(
            post[0].1 > 0.99,
            "developer skills point at developer: {post:?}"
        );
        assert!(p.posterior([11]).iter().all(|x| (x.1 - 0.5).abs() < 1e-6));
        assert!(p.posterior([99]).is_empty());
        assert!(p.posterior([]).is_empty());
    }

    #[test]
    fn hand_computed_posterior() {
        // skill 10 is optional in both (w = 1) and W = 2·3 + 3 = 9 in both: a tie
        let p = profiles();
        let post = p.posterior([10]);
        assert_eq!(&*post, &[(0, 0.5), (1, 0.5)]);
        // skill 0: developer (w = 2) vs nurse (w = 0):
        // P(0|dev) = 2.05 / (9 + 0.6), P(0|nurse) = 0.05 / 9.6 → 2.05 / 2.1
        let post = p.posterior([0]);
        assert!((f64::from(post[0].1) - 2.05 / 2.1).abs() < 1e-6);
    }

    #[test]
    fn similarity_is_bounded_and_ranks_same_occupation_first() {
        let p = profiles();
        let job = p.posterior([0, 1, 2]);
        let dev = p.posterior([3, 4]);
        let nurse = p.posterior([5, 6]);
        let (a, b) = (
            occupation_similarity(&job, &dev).unwrap(),
            occupation_similarity(&job, &nurse).unwrap(),
        );
        assert!(a > 0.95 && b < 0.05 && (0.0..=1.0).contains(&b), "{a} {b}");
        assert_eq!(occupation_similarity(&job, &[]), Some(0.0));
        assert_eq!(occupation_similarity(&[], &dev), None);
        let (o, pj, pf) = likeliest_shared(&job, &dev).unwrap();
        assert_eq!(p.occupation(o).unwrap().label, "developer");
        assert!(pj > 0.9 && pf > 0.9);
    }

    #[test]
    fn rejects_out_of_range_skills() {
        let e = OccupationProfiles::new(vec![occ("x", &[5], &[])], 3).unwrap_err();
        assert!(e.to_string().contains("occupations[0].essential"), "{e}");
        assert!(OccupationProfiles::new(vec![], 0).is_err());
        assert!(OccupationProfiles::new(vec![occ(" ", &[0], &[])], 3).is_err());
    }
}
