//! The explain and respond stages: a result's factors, total and (when asked) its
//! explanation, built for the k results only; the answer with its counts.

use super::catalog::{FreelancerEntry, JobEntry};
use super::options::{Match, Recommendations};
use super::request::RequestCtx;
use crate::explain::{
    Explanation, FactorScore, LabelResolution, MissingSkill, OccupationEvidence, RerankMove,
    SkillExplanation, SkillMatchExplanation,
};
use crate::filter::VetoCounts;
use crate::score::megilance::{self, MegilanceScore};
use crate::skills::{
    Resolution, SkillFit, explain_fit_with, likeliest_shared, pair_similarity_with,
};

impl RequestCtx<'_> {
    /// A megilance_v1 result from the seed's score `s` (`reasons`: the seed's `why_good_fit`
    /// text, which it gives for jobs).
    pub fn megilance_match(&self, id: String, s: &MegilanceScore, reasons: bool) -> Match {
        let values = s.factors.map(Some);
        let factors = self.scorer.factor_list(&values);
        Match {
            id,
            rank: 0,
            score: s.reported,
            factors,
            label: Some(s.label.to_owned()),
            reasons: reasons.then(|| megilance::why_good_fit(s)),
            below_gate: false,
            propensity: None,
            explanation: self.opts.explain.then(|| Explanation {
                megilance: serde_json::to_value(&s.skills).ok(),
                ..Explanation::default()
            }),
        }
    }

    /// A default-preset result for (job `j`, freelancer `fdoc`) with skill fit `fit`: factors,
    /// total and (when asked) the explanation with the re-ranking `moves`.
    pub fn default_match(
        &self,
        j: &JobEntry,
        fdoc: usize,
        fit: &SkillFit,
        id: String,
        rank: usize,
        moves: Vec<RerankMove>,
    ) -> Match {
        let values = self.pair(j, fdoc).default_values(fit);
        Match {
            id,
            rank,
            score: self.scorer.total(&values),
            factors: self.scorer.factor_list(&values),
            label: None,
            reasons: None,
            below_gate: false,
            propensity: None,
            explanation: self.opts.explain.then(|| Explanation {
                moves,
                ..self.explain_default(j, self.entry(fdoc), fit, &values)
            }),
        }
    }

    /// The answer, with the veto counts by name.
    pub fn finish(
        &self,
        matches: Vec<Match>,
        counts: (u32, u32, u32, u32),
        vetoes: VetoCounts,
        retrieved: Option<u32>,
    ) -> Recommendations {
        Recommendations {
            matches,
            candidates: counts.0,
            scored: counts.1,
            below_min_score: counts.2,
            below_gate: counts.3,
            vetoed: vetoes
                .named()
                .into_iter()
                .map(|(n, c)| (n.to_owned(), c))
                .collect(),
            preset: self.opts.preset,
            retrieved,
            explored: false,
        }
    }

    /// The full explanation of a default-preset match.
    pub fn explain_default(
        &self,
        j: &JobEntry,
        f: &FreelancerEntry,
        fit: &SkillFit,
        values: &[Option<f64>],
    ) -> Explanation {
        let cat = self.cat;
        let matches = explain_fit_with(
            &cat.taxonomy,
            &self.cfg.similarity,
            self,
            &j.reqs,
            &f.claims,
            &self.cfg.fit,
        );
        let mut sx = SkillExplanation {
            cov_must: fit.cov_must,
            fit_must: fit.fit_must,
            cov_nice: fit.cov_nice,
            gate_share: fit.gate_share,
            coverage: fit.coverage,
            focus: fit.focus,
            occupation: fit.occupation.map(|o| self.occupation_evidence(j, f, o)),
            ..SkillExplanation::default()
        };
        for m in &matches {
            let r = &j.reqs[m.requirement];
            let required = j.req_labels[m.requirement].clone();
            match (m.held, m.kind) {
                (Some(h), Some(kind)) => {
                    let ci = f.claims.iter().position(|c| c.skill == h);
                    let e = SkillMatchExplanation {
                        required,
                        held: ci.map_or_else(|| cat.skill_label(h), |i| f.claim_labels[i].clone()),
                        kind: kind.name().to_owned(),
                        similarity: if m.value > 0.0 {
                            pair_similarity_with(
                                &cat.taxonomy,
                                &self.cfg.similarity,
                                self,
                                r.skill,
                                h,
                            )
                            .map_or(0.0, |p| p.0)
                        } else {
                            0.0
                        },
                        level_needed: r.min_level,
                        level_held: ci.and_then(|i| f.claims[i].level),
                        value: m.value,
                        must: r.must,
                        path: m.path.iter().map(|s| cat.skill_label(*s)).collect(),
                        specificity: self.spec.get(r.skill),
                        held_resolution: ci.map_or_else(
                            || label_resolution(&Resolution::unknown_label()),
                            |i| label_resolution(&f.claim_resolutions[i]),
                        ),
                        required_resolution: label_resolution(&j.req_resolutions[m.requirement]),
                    };
                    if kind.is_same_skill() {
                        sx.matched.push(e);
                    } else {
                        sx.implied.push(e);
                    }
                }
                _ => sx.missing.push(MissingSkill {
                    required,
                    must: r.must,
                    specificity: self.spec.get(r.skill),
                    resolution: label_resolution(&j.req_resolutions[m.requirement]),
                }),
            }
        }
        let mut notes = Vec::new();
        let n_must = j.reqs.iter().filter(|r| r.must).count();
        if n_must > 0 {
            let exact_must = sx.matched.iter().filter(|m| m.must).count();
            let implied_must = sx.implied.iter().filter(|m| m.must).count();
            notes.push(format!(
                "skills {:.2}: {exact_must} of {n_must} must-haves matched exactly, {implied_must} implied",
                fit.score
            ));
        }
        if self.cfg.specificity.enabled {
            // "rare skill: weight 4.5" for the requirements specificity moves most: held by at
            // most RARE_SHARE of the catalogue, or by at least COMMON_SHARE.
            let n = self.cat.live_freelancers as u64;
            let k = self.cfg.specificity.saturation;
            // (thresholds rounded as the weights are stored: f32)
            let at = |x: f64| {
                f64::from(crate::skills::specificity_weight((x * n as f64) as u64, n, k) as f32)
            };
            let (rare, common) = (at(RARE_SHARE), at(COMMON_SHARE));
            let mut marked: Vec<(f64, String)> = j
                .reqs
                .iter()
                .zip(&j.req_labels)
                .map(|(r, l)| (self.spec.get(r.skill), l.clone()))
                .filter(|(w, _)| *w >= rare || *w <= common)
                .collect();
            marked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for (w, l) in marked {
                let how = if w >= rare { "rare" } else { "common" };
                notes.push(format!("{l}: {how} skill: weight {w:.1}"));
            }
        }
        if self.cfg.fit.focus > 0.0 && !j.reqs.is_empty() {
            notes.push(format!(
                "focus {:.2}: share of the freelancer's skills (weighted by specificity) that serve this job",
                fit.focus
            ));
        }
        if let Some(o) = &sx.occupation {
            notes.push(match &o.likeliest {
                Some(l) => format!(
                    "occupation {:.2} (weight {:.2} of skills): both most likely {l} (job {:.0} %, freelancer {:.0} %)",
                    o.similarity,
                    o.weight,
                    100.0 * o.job_probability,
                    100.0 * o.freelancer_probability
                ),
                None => format!(
                    "occupation {:.2} (weight {:.2} of skills): no likely occupation in common",
                    o.similarity, o.weight
                ),
            });
        }
        let list = self.scorer.factor_list(values);
        let mut strongest: Vec<&FactorScore> = list.iter().filter(|f| f.name != "skills").collect();
        strongest.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then(a.name.cmp(&b.name))
        });
        for fs in strongest.iter().take(2) {
            notes.push(format!(
                "{} {:.2} (weight {:.2})",
                fs.name, fs.value, fs.weight
            ));
        }
        if let Some(r) = self.scorer.relevance(values) {
            notes.push(format!(
                "relevance {r:.2}: rate, experience, availability, reputation, recency, time zone and language count in proportion to it"
            ));
        }
        Explanation {
            skills: Some(sx),
            notes,
            moves: Vec::new(),
            megilance: None,
        }
    }

    /// The occupation evidence of a pair whose skill fit mixed in `similarity`.
    fn occupation_evidence(
        &self,
        j: &JobEntry,
        f: &FreelancerEntry,
        similarity: f64,
    ) -> OccupationEvidence {
        let shared = likeliest_shared(&j.occupation, &f.occupation);
        let occ = shared.and_then(|(o, _, _)| {
            self.cat
                .taxonomy
                .occupations()
                .and_then(|p| p.occupation(o))
        });
        OccupationEvidence {
            similarity,
            weight: self.cfg.fit.occupation,
            likeliest: occ.map(|o| o.label.clone()),
            uri: occ.map(|o| o.uri.clone()),
            job_probability: shared.map_or(0.0, |s| f64::from(s.1)),
            freelancer_probability: shared.map_or(0.0, |s| f64::from(s.2)),
        }
    }
}

/// Explanations call a required skill rare when at most this share of the catalogue holds
/// it…
const RARE_SHARE: f64 = 0.05;
/// … and common when at least this share does.
const COMMON_SHARE: f64 = 0.5;

/// A resolution as the explanation shows it.
pub(crate) fn label_resolution(r: &Resolution) -> LabelResolution {
    LabelResolution {
        kind: r.kind.name().to_owned(),
        similarity: r.similarity,
        matched: r.matched.clone(),
    }
}
