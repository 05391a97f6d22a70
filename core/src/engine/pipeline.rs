//! The one path every request takes (DESIGN.md §1): filter → score → select → explain.
//! Candidates are scanned in internal-id order; ties break by score, then **external id**
//! (top-k selection, the re-ranking stage and its seeded exploration draws all see candidates
//! by external id), so equal inputs give equal outputs whatever the upsert order. The one
//! exception is the megilance_v1 preset's own ranking, which reproduces the seed: score,
//! then catalogue (first upsert) order (research/megilance_v1.md "Ranking").

use std::collections::BTreeMap;

use chrono::{DateTime, Offset, TimeZone, Utc};

use super::catalog::{Catalog, FreelancerEntry, JobEntry, ScanRow, Tie};
use super::events::EventLog;
use super::options::{Match, RecommendOptions, Recommendations};
use super::{RetrievalConfig, State};
use crate::domain::MustHavePolicy;
use crate::error::{Error, Result};
use crate::explain::RerankMove;
use crate::explain::{
    Explanation, FactorScore, LabelResolution, MissingSkill, SkillExplanation,
    SkillMatchExplanation,
};
use crate::filter::{Veto, VetoCounts, location_ok};
use crate::ids::DocId;
use crate::index::{HnswIndex, Query};
use crate::rerank::{self, ExposureLedger, FairCoUnit, RerankContext, RerankItem, RerankerConfig};
use crate::score::factors::{self, ReputationPrior};
use crate::score::megilance::{self, MegilanceFreelancer, MegilanceJob, MegilanceScore};
use crate::score::{DEFAULT_FACTORS, Preset};
use crate::skills::{
    AnchorSide, Expansion, ExtraLinks, FitConfig, FitScratch, MatchKind, Resolution,
    ResolutionConfig, SimilarityConfig, SkillFit, SkillId, Specificity, SpecificityConfig,
    explain_fit_with, fit_with_held_expansion, fit_with_needed_expansion, pair_similarity_with,
};
use crate::util::{BitSet, TopK};
use rayon::prelude::*;

/// Engine-wide scoring parameters (part of the snapshot).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// Skill similarity.
    pub similarity: SimilarityConfig,
    /// Skill factor.
    pub fit: FitConfig,
    /// How free-text skill labels resolve to taxonomy skills.
    pub resolution: ResolutionConfig,
    /// Requirement weights by the specificity of their skill in the live catalogue.
    pub specificity: SpecificityConfig,
}

impl ScoringConfig {
    /// Checks every part.
    pub fn validate(&self) -> Result<()> {
        self.similarity.validate()?;
        self.fit.validate()?;
        self.resolution.validate()?;
        self.specificity.validate()
    }

    /// `self` under the relevance rules snapshots of format 1 were written under (before
    /// issue 14): labels resolve by exact and alias keys only (aliases at similarity 1), no
    /// specificity weighting, no focus term. A format-1 snapshot loads with these, so it
    /// answers as it did.
    pub fn into_format_v1(self) -> Self {
        Self {
            resolution: ResolutionConfig::exact_only(),
            specificity: SpecificityConfig {
                enabled: false,
                ..SpecificityConfig::default()
            },
            fit: FitConfig {
                focus: 0.0,
                ..self.fit
            },
            ..self
        }
    }
}

/// Everything a request computes once.
pub(crate) struct RequestCtx<'a> {
    pub cat: &'a Catalog,
    pub events: &'a EventLog,
    pub ledger: &'a ExposureLedger,
    pub vectors: Option<&'a HnswIndex>,
    pub skill_vectors: Option<&'a super::skill_vectors::SkillVectors>,
    pub retrieval: &'a RetrievalConfig,
    pub cfg: &'a ScoringConfig,
    pub opts: &'a RecommendOptions,
    pub weights: Vec<f64>,
    pub now: DateTime<Utc>,
    pub recency: factors::RecencyTable,
    pub zone_offsets: Vec<i32>,
    pub prior: ReputationPrior,
    pub excluded: BitSet,
    /// Specificity weights of every skill for this state of the catalogue.
    pub spec: Specificity,
}

impl<'a> RequestCtx<'a> {
    pub fn new(
        state: &'a State,
        opts: &'a RecommendOptions,
        weights: Vec<f64>,
        excluded_side_is_freelancers: bool,
    ) -> Self {
        let (cat, cfg) = (&state.catalog, &state.config.scoring);
        let now = opts.now();
        let zone_offsets = cat
            .zone_tz
            .iter()
            .map(|tz| {
                tz.offset_from_utc_datetime(&now.naive_utc())
                    .fix()
                    .local_minus_utc()
                    / 60
            })
            .collect();
        let ids = if excluded_side_is_freelancers {
            &cat.freelancer_ids
        } else {
            &cat.job_ids
        };
        let excluded = BitSet::from_ids(opts.filters.exclude_ids.iter().filter_map(|x| ids.get(x)));
        Self {
            cat,
            events: &state.events,
            ledger: &state.ledger,
            vectors: state.vectors.as_ref(),
            skill_vectors: state.skill_vectors.as_ref(),
            retrieval: &state.config.retrieval,
            cfg,
            opts,
            weights,
            now,
            recency: factors::RecencyTable::new(now.timestamp()),
            zone_offsets,
            prior: cat.stats.prior(),
            excluded,
            spec: Specificity::from_counts(
                &cat.holders,
                cat.live_freelancers as u64,
                &cfg.specificity,
            ),
        }
    }

    /// The similarity table of one side of the request (a job's requirements or a
    /// freelancer's skills), with the catalogue's edges beyond the taxonomy.
    pub fn expansion(&self, anchors: impl Iterator<Item = SkillId>, side: AnchorSide) -> Expansion {
        let anchors: Vec<SkillId> = anchors.collect();
        Expansion::with_links(
            &self.cat.taxonomy,
            &self.cfg.similarity,
            &anchors,
            side,
            self.cat.n_skills(),
            self,
        )
    }

    fn attributes_ok(&self, attrs: &BTreeMap<String, String>) -> bool {
        self.opts
            .filters
            .attributes
            .iter()
            .all(|(k, allowed)| attrs.get(k).is_some_and(|v| allowed.contains(v)))
    }

    fn overlap(&self, j: &JobEntry, f: &ScanRow) -> Option<f64> {
        let (jz, fz) = (j.zone?, f.zone?);
        Some(factors::overlap_hours(
            self.zone_offsets[jz as usize],
            j.hours,
            self.zone_offsets[fz as usize],
            f.hours,
        ))
    }

    fn entry(&self, doc: usize) -> &FreelancerEntry {
        self.cat.freelancers[doc]
            .as_ref()
            .expect("a live row has an entry")
    }

    /// The request's exclusion list (`filters.exclude_ids`, on the side being ranked), then
    /// [`Self::veto`]: the first reason the candidate is removed, if any. `candidate` is the
    /// ranked row (a freelancer doc, or a job doc when `for_jobs`), `fdoc` the freelancer.
    pub fn screen(
        &self,
        candidate: usize,
        j: &JobEntry,
        fdoc: usize,
        for_jobs: bool,
    ) -> Option<Veto> {
        if self.excluded.contains(candidate as DocId) {
            return Some(Veto::RequestFilter);
        }
        self.veto(j, fdoc, for_jobs)
    }

    /// The first veto that removes freelancer `doc` for `j` (before the skill gate), if any.
    /// `for_jobs` = the freelancer is asking for jobs (its own availability does not veto).
    pub fn veto(&self, j: &JobEntry, doc: usize, for_jobs: bool) -> Option<Veto> {
        let f = &self.cat.rows[doc];
        let filters = &self.opts.filters;
        if for_jobs {
            if !j.input.open || j.input.expires_at.is_some_and(|e| e <= self.now) {
                return Some(Veto::JobClosed);
            }
            if !filters.attributes.is_empty() && !self.attributes_ok(&j.input.attributes) {
                return Some(Veto::RequestFilter);
            }
        } else {
            if !filters.attributes.is_empty()
                && (!f.has_attributes || !self.attributes_ok(&self.entry(doc).input.attributes))
            {
                return Some(Veto::RequestFilter);
            }
            if !f.available
                || f.weekly_hours == Some(0.0)
                || filters
                    .min_weekly_hours
                    .is_some_and(|m| f.weekly_hours.is_some_and(|h| h < m))
            {
                return Some(Veto::Availability);
            }
            if filters
                .max_hourly_rate
                .is_some_and(|m| f.rate.is_some_and(|r| r > m))
            {
                return Some(Veto::Rate);
            }
        }
        if !j.required_langs.is_empty()
            && !f.speaks_all(&j.required_langs, || self.entry(doc).langs.clone())
        {
            return Some(Veto::Language);
        }
        if (!j.countries.is_empty() || !j.regions.is_empty())
            && !location_ok(&j.countries, f.country)
            && !location_ok(&j.regions, f.region)
        {
            return Some(Veto::Location);
        }
        if let Some(min) = j.input.timezone.as_ref().and_then(|t| t.min_overlap_hours)
            && self.overlap(j, f).is_some_and(|o| o < min)
        {
            return Some(Veto::Timezone);
        }
        None
    }

    /// What the job's must-have gate does with this fit.
    pub fn gate(&self, j: &JobEntry, fit: &SkillFit) -> Gate {
        let (failed, relax) = match j.input.must_haves {
            MustHavePolicy::Soft => (false, false),
            MustHavePolicy::Hard => (fit.hard_gate_share < 1.0, false),
            MustHavePolicy::HardAllowImplied => (fit.gate_share < 1.0, false),
            MustHavePolicy::RelaxWhenShort => (fit.hard_gate_share < 1.0, true),
        };
        match (failed, relax) {
            (false, _) => Gate::Pass,
            (true, false) => Gate::Veto,
            (true, true) => Gate::Below,
        }
    }

    /// The `default` preset's factor values (`None` = not applicable) in DEFAULT_FACTORS order,
    /// for freelancer `doc`.
    pub fn default_factors(&self, j: &JobEntry, doc: usize, fit: &SkillFit) -> [Option<f64>; 9] {
        let f = &self.cat.rows[doc];
        let budget = j.input.budget.as_ref();
        let shorter = (j.hours.1 - j.hours.0).min(f.hours.1 - f.hours.0);
        let tz = match j.zone {
            None => 1.0,
            Some(_) => factors::timezone_fit(
                self.overlap(j, f),
                j.input.timezone.as_ref().and_then(|t| t.min_overlap_hours),
                shorter,
            ),
        };
        let language = if j.preferred_langs.is_empty() {
            1.0
        } else {
            let hit = j
                .preferred_langs
                .iter()
                .filter(|&&l| f.speaks_all(&[l], || self.entry(doc).langs.clone()))
                .count();
            hit as f64 / j.preferred_langs.len() as f64
        };
        [
            Some(fit.score),
            Some(factors::rate_fit(
                budget.map(|b| b.kind),
                budget.and_then(|b| b.max),
                budget.and_then(|b| b.estimated_hours),
                f.rate,
            )),
            Some(factors::experience_fit(
                j.input.experience_level,
                f.completed,
                f.experience_years,
            )),
            Some(factors::availability_fit(
                f.weekly_hours,
                j.input.hours_per_week,
                f.active,
            )),
            Some(factors::reputation(
                &self.prior,
                f.ratings_sum,
                f.ratings_count,
                f.completed,
                f.total.saturating_sub(f.active),
            )),
            Some(self.recency.get(f.last_active)),
            Some(tz),
            Some(language),
            if f.has_embedding && j.input.embedding.is_some() {
                semantic(j, self.entry(doc))
            } else {
                None
            },
        ]
    }

    /// The retrieval stage: `None` = scan everything (small catalogue, or retrieval off),
    /// else the sorted candidate ids: freelancers holding a skill of the expansion ∪ the
    /// nearest freelancer embeddings to the job's.
    pub fn retrieve(&self, job: &JobEntry, exp: &Expansion) -> Result<Option<Vec<DocId>>> {
        if self.cat.live_freelancers < self.retrieval.min_catalog {
            return Ok(None);
        }
        let mut set = BitSet::with_capacity(self.cat.rows.len());
        for skill in exp.skills() {
            for &d in self
                .cat
                .postings
                .get(skill as usize)
                .map_or(&[][..], Vec::as_slice)
            {
                if self.cat.rows[d as usize].live {
                    set.insert(d);
                }
            }
        }
        let m = self.retrieval.vector_neighbours;
        if m > 0
            && let (Some(v), Some(e)) = (self.vectors, job.input.embedding.as_ref())
            && !v.is_empty()
            && e.model == v.store().model_id()
            && e.vector.len() == v.store().dim()
        {
            let ef = m.clamp(64, crate::index::MAX_EF);
            for h in v.search(&Query::new(&e.model, &e.vector), m, Some(ef), None)? {
                set.insert(h.id);
            }
        }
        Ok(Some(set.iter().collect()))
    }

    /// How many candidates to keep before re-ranking (k without a fairness policy).
    pub fn pool(&self) -> usize {
        self.opts
            .fairness
            .as_ref()
            .map_or(self.opts.k, |f| f.pool_for(self.opts.k))
    }

    /// Applies the request's fairness policy (if any) to `ranked` (score order) and returns at
    /// most k `(score, id, moves)`. `freelancers` = the candidates are freelancers (the
    /// exposure ledger and impression counts exist only for them).
    pub fn rerank(
        &self,
        ranked: Vec<(f64, DocId)>,
        freelancers: bool,
    ) -> Result<Vec<(f64, DocId, Vec<RerankMove>)>> {
        let k = self.opts.k;
        let Some(fo) = &self.opts.fairness else {
            return Ok(ranked
                .into_iter()
                .take(k)
                .map(|(s, d)| (s, d, Vec::new()))
                .collect());
        };
        let group_of = |d: DocId| -> u32 {
            // `d` may be any ledger key (`aggregate` below), not only a candidate
            let attrs = if freelancers {
                self.cat
                    .freelancers
                    .get(d as usize)
                    .and_then(Option::as_ref)
                    .map(|e| &e.input.attributes)
            } else {
                self.cat
                    .jobs
                    .get(d as usize)
                    .and_then(Option::as_ref)
                    .map(|e| &e.input.attributes)
            };
            attrs.map_or(fo.groups.len() as u32, |a| fo.group_of(a))
        };
        // The policies see request-local ids numbered in external-id order: their ties
        // (score, then lower id), FairCo's stable order and the order of equal candidates in
        // every step then follow external ids, whatever the upsert order.
        let mut docs: Vec<DocId> = ranked.iter().map(|&(_, d)| d).collect();
        if freelancers {
            docs.sort_by_key(|&d| self.cat.freelancer_tie(d));
        } else {
            docs.sort_by_key(|&d| self.cat.job_tie(d));
        }
        let local_of: std::collections::HashMap<DocId, DocId> = docs
            .iter()
            .enumerate()
            .map(|(l, &d)| (d, l as DocId))
            .collect();
        let doc_of = |l: DocId| docs[l as usize];
        let items: Vec<RerankItem> = ranked
            .iter()
            .map(|&(s, d)| RerankItem::new(local_of[&d], s, group_of(d)))
            .collect();
        let score_of: Vec<f64> = {
            let mut v = vec![0.0; docs.len()];
            for &(s, d) in &ranked {
                v[local_of[&d] as usize] = s;
            }
            v
        };
        // FairCo reads the engine's per-freelancer ledger, summed into this request's groups
        // when the policy balances groups, else renumbered to the local ids.
        let units = fairco_units(&fo.policy);
        if units.contains(&FairCoUnit::Group) && units.contains(&FairCoUnit::Individual) {
            return Err(Error::invalid(
                "options.fairness.policy",
                "a chain may use FairCo over groups or over individuals, not both",
            ));
        }
        let ledger = if !freelancers || units.is_empty() {
            None
        } else if units.contains(&FairCoUnit::Group) {
            Some(self.ledger.aggregate(|d| Some(group_of(d))))
        } else {
            let pairs: Vec<(u32, u32)> = local_of.iter().map(|(&d, &l)| (d, l)).collect();
            Some(self.ledger.remap(&pairs))
        };
        let impressions = |l: DocId| {
            self.events
                .freelancer(doc_of(l))
                .map_or(0, |s| s.total(None, None).impressions)
        };
        let similarity = |a: DocId, b: DocId| {
            let skills = |d: DocId| -> Vec<u32> {
                if freelancers {
                    self.cat.freelancers[d as usize]
                        .as_ref()
                        .map(|e| e.claims.iter().map(|c| c.skill).collect())
                        .unwrap_or_default()
                } else {
                    let mut v: Vec<u32> = self.cat.jobs[d as usize]
                        .as_ref()
                        .map(|e| e.reqs.iter().map(|r| r.skill).collect())
                        .unwrap_or_default();
                    v.sort_unstable();
                    v
                }
            };
            rerank::jaccard_similarity(&skills(doc_of(a)), &skills(doc_of(b)))
        };
        let rate = |l: DocId| {
            if freelancers {
                self.cat.rows[doc_of(l) as usize].rate
            } else {
                None
            }
        };
        // exploration draws by external id: a candidate's luck is its own, not its number
        let draw_key = |l: DocId| {
            let t = if freelancers {
                self.cat.freelancer_tie(doc_of(l))
            } else {
                self.cat.job_tie(doc_of(l))
            };
            stable_hash(t.ext)
        };
        let rctx = RerankContext {
            ledger: ledger.as_ref(),
            impressions: freelancers.then_some(&impressions as &dyn Fn(DocId) -> u64),
            similarity: Some(&similarity),
            hourly_rate: freelancers.then_some(&rate as &dyn Fn(DocId) -> Option<f64>),
            draw_key: Some(&draw_key),
        };
        let out = rerank::apply(&fo.policy, &items, k, &rctx)
            .map_err(|e| e.within("options.fairness"))?;
        Ok(out
            .order
            .iter()
            .zip(&out.moves)
            .map(|(&l, m)| {
                let moves = m
                    .steps
                    .iter()
                    .map(|st| RerankMove {
                        policy: serde_json::to_value(st.policy)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        from: st.from + 1,
                        to: st.to + 1,
                    })
                    .collect();
                (score_of[l as usize], doc_of(l), moves)
            })
            .collect())
    }

    /// An upper bound of the default-preset total of a candidate with skill factor `skill`
    /// (every other factor at 1, with or without the semantic factor), nudged up by 1e-12 so
    /// rounding can never make it smaller than a reachable total.
    pub fn upper_bound(&self, skill: f64) -> f64 {
        let w = &self.weights;
        let rest: f64 = w[1..8].iter().sum();
        let base = w[0] + rest;
        let with_sem = base + w[8];
        let a = if base > 0.0 {
            (w[0] * skill + rest) / base
        } else {
            0.0
        };
        let b = if with_sem > 0.0 {
            (w[0] * skill + rest + w[8]) / with_sem
        } else {
            0.0
        };
        a.max(b) + 1e-12
    }

    /// Weighted total over the applicable factors, in [0, 1].
    pub fn total(&self, values: &[Option<f64>]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for (v, w) in values.iter().zip(&self.weights) {
            if let Some(v) = v {
                num += w * v;
                den += w;
            }
        }
        if den > 0.0 {
            (num / den).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    pub fn factor_list(&self, names: &[(&str, f64)], values: &[Option<f64>]) -> Vec<FactorScore> {
        let den: f64 = values
            .iter()
            .zip(&self.weights)
            .filter(|(v, _)| v.is_some())
            .map(|(_, w)| w)
            .sum();
        names
            .iter()
            .zip(values)
            .zip(&self.weights)
            .filter_map(|(((name, _), v), w)| {
                v.map(|v| {
                    let weight = if den > 0.0 { w / den } else { 0.0 };
                    FactorScore {
                        name: (*name).to_owned(),
                        value: v,
                        weight,
                        contribution: v * weight,
                    }
                })
            })
            .collect()
    }

    pub fn megilance(&self, j: &JobEntry, f: &FreelancerEntry) -> MegilanceScore {
        let b = j.input.budget.as_ref();
        let h = &f.history;
        let w: [f64; 8] = std::array::from_fn(|i| self.weights[i]);
        megilance::score(
            &MegilanceJob {
                skills: &j.raw_labels,
                budget_kind: b.map(|b| b.kind),
                budget_min: b.and_then(|b| b.min),
                budget_max: b.and_then(|b| b.max),
                experience_level: j.input.experience_level,
            },
            &MegilanceFreelancer {
                skills: &f.raw_labels,
                hourly_rate: f.input.hourly_rate,
                contracts_completed: h.contracts_completed,
                contracts_total: h.contracts_total,
                active_contracts: h.active_contracts,
                ratings_sum: h.ratings_sum,
                ratings_count: h.ratings_count,
                proposals_sent: h.proposals_sent,
                proposals_accepted: h.proposals_accepted,
                last_proposal_at: h.last_proposal_at,
                last_contract_at: h.last_contract_at,
            },
            self.now,
            &w,
        )
    }

    pub fn megilance_match(&self, id: String, s: &MegilanceScore, reasons: bool) -> Match {
        let factors = megilance::MEGILANCE_FACTORS
            .iter()
            .zip(&s.factors)
            .zip(&self.weights)
            .map(|(((name, _), v), w)| {
                let value = megilance::py_round(*v, 3);
                FactorScore {
                    name: (*name).to_owned(),
                    value,
                    weight: *w,
                    contribution: value * w,
                }
            })
            .collect();
        Match {
            id,
            rank: 0,
            score: s.reported,
            factors,
            label: Some(s.label.to_owned()),
            reasons: reasons.then(|| megilance::why_good_fit(s)),
            below_gate: false,
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
        let values = self.default_factors(j, fdoc, fit);
        Match {
            id,
            rank,
            score: self.total(&values),
            factors: self.factor_list(&DEFAULT_FACTORS, &values),
            label: None,
            reasons: None,
            below_gate: false,
            explanation: self.opts.explain.then(|| Explanation {
                moves,
                ..self.explain_default(j, self.entry(fdoc), fit, &values)
            }),
        }
    }

    /// The answer, with the veto counts by name.
    fn finish(
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
        let list = self.factor_list(&DEFAULT_FACTORS, values);
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
        Explanation {
            skills: Some(sx),
            notes,
            moves: Vec::new(),
            megilance: None,
        }
    }
}

/// Explanations call a required skill rare when at most this share of the catalogue holds
/// it…
const RARE_SHARE: f64 = 0.05;
/// … and common when at least this share does.
const COMMON_SHARE: f64 = 0.5;

/// The engine's edges beyond the taxonomy: spelling links between ad-hoc skills, and
/// embedding neighbours from the skill-vector table.
impl ExtraLinks for RequestCtx<'_> {
    fn links(&self, skill: SkillId) -> Vec<(SkillId, f32, MatchKind)> {
        let t = self.cat.taxonomy.len() as SkillId;
        if skill >= t {
            return self
                .cat
                .adhoc_links
                .links(skill - t)
                .iter()
                .map(|&(o, sim)| (t + o, sim, MatchKind::Spelling))
                .collect();
        }
        let Some(v) = self.skill_vectors else {
            return Vec::new();
        };
        let scale = self.cfg.similarity.embedding;
        if scale <= 0.0 {
            return Vec::new();
        }
        v.neighbours(skill, &self.cfg.similarity)
            .iter()
            .map(|&(o, cos)| (o, (scale * f64::from(cos)) as f32, MatchKind::Embedding))
            .collect()
    }
}

/// A resolution as the explanation shows it.
pub(crate) fn label_resolution(r: &Resolution) -> LabelResolution {
    LabelResolution {
        kind: r.kind.name().to_owned(),
        similarity: r.similarity,
        matched: r.matched.clone(),
    }
}

fn semantic(j: &JobEntry, f: &FreelancerEntry) -> Option<f64> {
    let (a, b) = (j.input.embedding.as_ref()?, f.input.embedding.as_ref()?);
    if a.model != b.model || a.vector.len() != b.vector.len() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.vector.iter().zip(&b.vector) {
        dot += *x as f64 * *y as f64;
        na += *x as f64 * *x as f64;
        nb += *y as f64 * *y as f64;
    }
    if na == 0.0 || nb == 0.0 {
        return None;
    }
    Some(factors::semantic_fit(dot / (na.sqrt() * nb.sqrt())))
}

/// A fixed 64-bit hash of a string (FNV-1a, Fowler–Noll–Vo), the same on every platform and
/// run: the key of a candidate's seeded exploration draw.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The FairCo units a policy (or chain) uses.
fn fairco_units(c: &RerankerConfig) -> Vec<FairCoUnit> {
    match c {
        RerankerConfig::FairCo(f) => vec![f.unit],
        RerankerConfig::Chain { steps } => steps.iter().flat_map(fairco_units).collect(),
        _ => Vec::new(),
    }
}

/// The kept candidates of a top-k in result order, as `(score, doc)`.
fn by_doc(top: TopK<f64, Tie<'_>>) -> Vec<(f64, DocId)> {
    top.into_sorted_vec()
        .into_iter()
        .map(|(s, t)| (s, t.doc))
        .collect()
}

/// Catalogues at least this large are scanned in parallel chunks (when rayon has threads).
const PARALLEL_MIN: usize = 8192;

/// What a job's must-have gate does with one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Passes (or no gate).
    Pass,
    /// Removed (`must_have_skills`).
    Veto,
    /// Kept below every candidate that passes (`relax_when_short`).
    Below,
}

/// What one scan of a chunk of candidates collects.
struct ScanAcc<'a> {
    top: TopK<f64, Tie<'a>>,
    /// The best candidates below the gate (`relax_when_short`), to fill a short list.
    below_gate: TopK<f64, Tie<'a>>,
    vetoes: VetoCounts,
    candidates: u32,
    scored: u32,
    below: u32,
    gate_failed: u32,
}

impl<'a> ScanAcc<'a> {
    fn new(k: usize, fill: usize) -> Self {
        Self {
            top: TopK::new(k),
            below_gate: TopK::new(fill),
            vetoes: VetoCounts::default(),
            candidates: 0,
            scored: 0,
            below: 0,
            gate_failed: 0,
        }
    }

    fn merge(mut self, o: ScanAcc<'a>) -> ScanAcc<'a> {
        self.top.merge(o.top);
        self.below_gate.merge(o.below_gate);
        self.vetoes.merge(&o.vetoes);
        self.candidates += o.candidates;
        self.scored += o.scored;
        self.below += o.below;
        self.gate_failed += o.gate_failed;
        self
    }
}

/// Ranks freelancers for one job.
pub(crate) fn recommend_freelancers(
    ctx: &RequestCtx<'_>,
    job: &JobEntry,
) -> Result<Recommendations> {
    let cat = ctx.cat;
    let mut vetoes = VetoCounts::default();
    let mut retrieved_count: Option<u32> = None;
    let (mut candidates, mut scored, mut below) = (0u32, 0u32, 0u32);
    let mut gate_failed = 0u32;
    let mut matches = Vec::new();
    match ctx.opts.preset {
        Preset::Default => {
            let exp = ctx.expansion(job.reqs.iter().map(|r| r.skill), AnchorSide::Needed);
            let mut scratch = FitScratch::default();
            // One scan per chunk of the catalogue (rayon); each chunk keeps its own top-k and
            // counts, merged afterwards. The result is the same for any split and any number
            // of threads because the top-k order (score, then id) is total.
            let relax = job.input.must_haves == MustHavePolicy::RelaxWhenShort;
            let fill = if relax { ctx.opts.k } else { 0 };
            let scan = |docs: &mut dyn Iterator<Item = usize>| {
                let mut acc = ScanAcc::new(ctx.pool(), fill);
                let mut scratch = FitScratch::default();
                for doc in docs {
                    let row = &cat.rows[doc];
                    if !row.live {
                        continue;
                    }
                    acc.candidates += 1;
                    if let Some(v) = ctx.screen(doc, job, doc, false) {
                        acc.vetoes.add(v);
                        continue;
                    }
                    let fit = fit_with_needed_expansion(
                        &cat.taxonomy,
                        &exp,
                        &job.reqs,
                        cat.claims_of(row),
                        &ctx.cfg.fit,
                        &ctx.spec,
                        &mut scratch,
                    );
                    let gate = ctx.gate(job, &fit);
                    if gate == Gate::Veto {
                        acc.vetoes.add(Veto::MustHaveSkills);
                        acc.gate_failed += 1;
                        continue;
                    }
                    acc.scored += 1;
                    acc.gate_failed += u32::from(gate == Gate::Below);
                    let top = if gate == Gate::Below {
                        &mut acc.below_gate
                    } else {
                        &mut acc.top
                    };
                    // Skip the other factors when even perfect values could not reach the
                    // top k (nor, with a min_score, decide the below-min count).
                    if let Some(th) = top.threshold() {
                        let ub = ctx.upper_bound(fit.score);
                        let min = ctx.opts.min_score;
                        if ub < th && (min <= 0.0 || ub < min) {
                            if ub < min {
                                acc.below += 1;
                            }
                            continue;
                        }
                    }
                    let total = ctx.total(&ctx.default_factors(job, doc, &fit));
                    if total < ctx.opts.min_score {
                        acc.below += 1;
                        continue;
                    }
                    // the tie key (the external id) only for a candidate that can enter
                    if top.threshold().is_none_or(|th| total >= th) {
                        top.push(total, cat.freelancer_tie(doc as DocId));
                    }
                }
                acc
            };
            let n = cat.freelancers.len();
            let retrieved = ctx.retrieve(job, &exp)?;
            let acc = if let Some(list) = &retrieved {
                scan(&mut list.iter().map(|&d| d as usize))
            } else if n >= PARALLEL_MIN && rayon::current_num_threads() > 1 {
                let chunk = n.div_ceil(rayon::current_num_threads() * 4).max(1024);
                (0..n.div_ceil(chunk))
                    .into_par_iter()
                    .map(|c| scan(&mut (c * chunk..((c + 1) * chunk).min(n))))
                    .reduce(|| ScanAcc::new(ctx.pool(), fill), ScanAcc::merge)
            } else {
                scan(&mut (0..n))
            };
            retrieved_count = retrieved.map(|l| l.len() as u32);
            let top = acc.top;
            vetoes = acc.vetoes;
            (candidates, scored, below) = (acc.candidates, acc.scored, acc.below);
            gate_failed = acc.gate_failed;
            let mut ranked = ctx.rerank(by_doc(top), true)?;
            let passed = ranked.len();
            // relax_when_short: the best below the gate fill a short list, after all others.
            ranked.extend(
                by_doc(acc.below_gate)
                    .into_iter()
                    .take(ctx.opts.k.saturating_sub(passed))
                    .map(|(s, d)| (s, d, Vec::new())),
            );
            for (rank, (total, doc, moves)) in ranked.into_iter().enumerate() {
                let Some(f) = cat.freelancers[doc as usize].as_ref() else {
                    continue;
                };
                let fit = fit_with_needed_expansion(
                    &cat.taxonomy,
                    &exp,
                    &job.reqs,
                    &f.claims,
                    &ctx.cfg.fit,
                    &ctx.spec,
                    &mut scratch,
                );
                let mut m =
                    ctx.default_match(job, doc as usize, &fit, f.input.id.clone(), rank + 1, moves);
                debug_assert_eq!(m.score, total, "the scan and the explained result agree");
                m.below_gate = rank >= passed;
                matches.push(m);
            }
        }
        Preset::MegilanceV1 => {
            // The seed scores every active freelancer, keeps reported ≥ min_score and sorts
            // by reported score, ties in catalogue order (ascending internal id): the one
            // ranking whose ties follow the upsert order, as the seed's followed its table.
            let mut all: Vec<(f64, DocId)> = Vec::new();
            for (doc, f) in cat.freelancers.iter().enumerate() {
                let Some(f) = f else { continue };
                candidates += 1;
                if let Some(v) = ctx.screen(doc, job, doc, false) {
                    vetoes.add(v);
                    continue;
                }
                scored += 1;
                let s = ctx.megilance(job, f);
                if s.reported < ctx.opts.min_score {
                    below += 1;
                    continue;
                }
                all.push((s.reported, doc as DocId));
            }
            all.sort_by(|a, b| crate::util::cmp_score_desc_id_asc(*a, *b));
            let k = ctx.opts.k;
            let ranked: Vec<(f64, DocId, Vec<RerankMove>)> = if ctx.opts.fairness.is_some() {
                // A fairness policy replaces the seed's diversity step (chain `price_tier` to keep it).
                all.truncate(ctx.pool());
                ctx.rerank(all, true)?
            } else if ctx.opts.diversity.unwrap_or(true) && all.len() > k {
                // The seed's price-tier step (megilance_v1.md "Ranking").
                let with_rates: Vec<(DocId, f64, Option<f64>)> = all
                    .iter()
                    .map(|&(sc, d)| (d, sc, cat.rows[d as usize].rate))
                    .collect();
                let score_of: std::collections::HashMap<DocId, f64> =
                    all.iter().map(|&(sc, d)| (d, sc)).collect();
                rerank::price_tier_diversity(&with_rates, k)
                    .into_iter()
                    .map(|d| (score_of[&d], d, Vec::new()))
                    .collect()
            } else {
                all.truncate(k);
                all.into_iter().map(|(sc, d)| (sc, d, Vec::new())).collect()
            };
            for (rank, (_, doc, moves)) in ranked.into_iter().enumerate() {
                let Some(f) = cat.freelancers[doc as usize].as_ref() else {
                    continue;
                };
                let s = ctx.megilance(job, f);
                let mut m = ctx.megilance_match(f.input.id.clone(), &s, false);
                m.rank = rank + 1;
                if let Some(x) = m.explanation.as_mut() {
                    x.moves = moves;
                }
                matches.push(m);
            }
        }
    }
    Ok(ctx.finish(
        matches,
        (candidates, scored, below, gate_failed),
        vetoes,
        retrieved_count,
    ))
}

/// Ranks open jobs for one freelancer.
pub(crate) fn recommend_jobs(ctx: &RequestCtx<'_>, fdoc: usize) -> Result<Recommendations> {
    let f = ctx.entry(fdoc);
    let cat = ctx.cat;
    let mut vetoes = VetoCounts::default();
    let (mut candidates, mut scored, mut below) = (0u32, 0u32, 0u32);
    let mut matches = Vec::new();
    let exp = ctx.expansion(f.claims.iter().map(|c| c.skill), AnchorSide::Held);
    let mut scratch = FitScratch::default();
    let mut top: TopK<f64, Tie<'_>> = TopK::new(ctx.pool());
    // jobs below their own relax_when_short gate, to fill a short list
    let mut below_gate: TopK<f64, Tie<'_>> = TopK::new(ctx.opts.k);
    let mut gate_failed = 0u32;
    for (doc, j) in cat.jobs.iter().enumerate() {
        let Some(j) = j else { continue };
        candidates += 1;
        if let Some(v) = ctx.screen(doc, j, fdoc, true) {
            vetoes.add(v);
            continue;
        }
        let mut gate = Gate::Pass;
        let total = match ctx.opts.preset {
            Preset::Default => {
                let fit = fit_with_held_expansion(
                    &cat.taxonomy,
                    &exp,
                    &j.reqs,
                    &f.claims,
                    &ctx.cfg.fit,
                    &ctx.spec,
                    &mut scratch,
                );
                gate = ctx.gate(j, &fit);
                if gate == Gate::Veto {
                    vetoes.add(Veto::MustHaveSkills);
                    gate_failed += 1;
                    continue;
                }
                ctx.total(&ctx.default_factors(j, fdoc, &fit))
            }
            Preset::MegilanceV1 => ctx.megilance(j, f).reported,
        };
        scored += 1;
        if total < ctx.opts.min_score {
            below += 1;
            continue;
        }
        if gate == Gate::Below {
            gate_failed += 1;
            if below_gate.threshold().is_none_or(|th| total >= th) {
                below_gate.push(total, cat.job_tie(doc as DocId));
            }
            continue;
        }
        if top.threshold().is_none_or(|th| total >= th) {
            let tie = match ctx.opts.preset {
                Preset::Default => cat.job_tie(doc as DocId),
                // the seed's catalogue order
                Preset::MegilanceV1 => Tie {
                    ext: "",
                    doc: doc as DocId,
                },
            };
            top.push(total, tie);
        }
    }
    let mut ranked = ctx.rerank(by_doc(top), false)?;
    let passed = ranked.len();
    ranked.extend(
        by_doc(below_gate)
            .into_iter()
            .take(ctx.opts.k.saturating_sub(passed))
            .map(|(s, d)| (s, d, Vec::new())),
    );
    for (rank, (total, doc, moves)) in ranked.into_iter().enumerate() {
        let Some(j) = cat.jobs[doc as usize].as_ref() else {
            continue;
        };
        let mut m = match ctx.opts.preset {
            Preset::Default => {
                let fit = fit_with_held_expansion(
                    &cat.taxonomy,
                    &exp,
                    &j.reqs,
                    &f.claims,
                    &ctx.cfg.fit,
                    &ctx.spec,
                    &mut scratch,
                );
                let mut m =
                    ctx.default_match(j, fdoc, &fit, j.input.id.clone(), rank + 1, Vec::new());
                m.score = total;
                m
            }
            Preset::MegilanceV1 => {
                let s = ctx.megilance(j, f);
                let mut m = ctx.megilance_match(j.input.id.clone(), &s, true);
                m.rank = rank + 1;
                m
            }
        };
        if let Some(x) = m.explanation.as_mut() {
            x.moves = moves;
        }
        m.below_gate = rank >= passed;
        matches.push(m);
    }
    Ok(ctx.finish(
        matches,
        (candidates, scored, below, gate_failed),
        vetoes,
        None,
    ))
}
