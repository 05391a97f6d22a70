//! A request compiled once: the catalogue state it reads, its filters (vetoes evaluated by
//! `filter/`), its scorer, its reference time and what depends on it (time-zone offsets,
//! recency table, reputation prior, specificity weights), and the pair view the vetoes and
//! the factor assembly read.

use std::collections::BTreeMap;

use chrono::{DateTime, Offset, TimeZone, Utc};

use super::catalog::{Catalog, FreelancerEntry, JobEntry, ScanRow};
use super::config::ExplorationPolicy;
use super::events::EventLog;
use super::options::RecommendOptions;
use super::{RetrievalConfig, ScoringConfig, State};
use crate::domain::Direction;
use crate::error::Result;
use crate::filter::{Gate, PairFacts, RequestFilters, must_have_gate};
use crate::ids::DocId;
use crate::index::{HnswIndex, Query};
use crate::rerank::ExposureLedger;
use crate::score::factors::{self, ReputationPrior};
use crate::score::{FactorSet, Scorer};
use crate::skills::{AnchorSide, Expansion, ExtraLinks, MatchKind, SkillFit, SkillId, Specificity};
use crate::util::BitSet;

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
    /// The preset's (or the caller's) scorer.
    pub scorer: &'a dyn Scorer,
    /// Which side is ranked.
    pub dir: Direction,
    pub now: DateTime<Utc>,
    pub recency: factors::RecencyTable,
    pub zone_offsets: Vec<i32>,
    pub prior: ReputationPrior,
    /// The request's own filters, compiled (the exclusion list on the ranked side).
    pub filters: RequestFilters<'a>,
    /// Specificity weights of every skill for this state of the catalogue.
    pub spec: Specificity,
    /// The engine's logged exploration policy, if any.
    pub exploration: Option<&'a ExplorationPolicy>,
}

impl<'a> RequestCtx<'a> {
    pub fn new(
        state: &'a State,
        opts: &'a RecommendOptions,
        scorer: &'a dyn Scorer,
        dir: Direction,
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
        let ids = match dir {
            Direction::FreelancersForJob => &cat.freelancer_ids,
            Direction::JobsForFreelancer => &cat.job_ids,
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
            scorer,
            dir,
            now,
            recency: factors::RecencyTable::new(now.timestamp()),
            zone_offsets,
            prior: cat.stats.prior(),
            filters: RequestFilters {
                max_hourly_rate: opts.filters.max_hourly_rate,
                min_weekly_hours: opts.filters.min_weekly_hours,
                attributes: &opts.filters.attributes,
                excluded,
                now,
            },
            spec: Specificity::from_counts(
                &cat.holders,
                cat.live_freelancers as u64,
                &cfg.specificity,
            ),
            exploration: state.config.learning.exploration.as_ref(),
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

    /// The pair (job `j`, freelancer `fdoc`) as the vetoes and factors read it.
    #[inline]
    pub fn pair<'p>(&'p self, j: &'p JobEntry, fdoc: usize) -> PairView<'p> {
        PairView {
            ctx: self,
            j,
            fdoc,
            f: &self.cat.rows[fdoc],
        }
    }

    /// The stored freelancer `doc` (live).
    pub fn entry(&self, doc: usize) -> &'a FreelancerEntry {
        self.cat.freelancers[doc]
            .as_ref()
            .expect("a live row has an entry")
    }

    /// What the job's must-have gate does with this fit.
    pub fn gate(&self, j: &JobEntry, fit: &SkillFit) -> Gate {
        must_have_gate(j.input.must_haves, fit.hard_gate_share, fit.gate_share)
    }

    /// The retrieval stage: `None` = scan every candidate, else the sorted candidate ids:
    /// freelancers holding a skill of the expansion ∪ freelancers whose occupation posterior
    /// shares an occupation with the job's (when the taxonomy has occupation profiles) ∪ the
    /// nearest freelancer embeddings to the job's.
    ///
    /// Where it applies: ranking freelancers with the default factors (any weights) in a
    /// catalogue of at least `retrieval.min_catalog`, for a job that lists skills, when it
    /// finds at least as many candidates as the list needs (`pool`; else the scan runs). A
    /// candidate it leaves out has no skill overlap, no occupation in common (occupation
    /// evidence 0) and no near embedding, so its skill factor is the shared no-overlap value
    /// (0; under the relevance-gated composition its total is 0 too, below every candidate
    /// with any skill evidence).
    /// Not for megilance_v1: the seed ranks every active freelancer and one without skill
    /// overlap can still reach its top k on the other seven factors (70 % of the weight),
    /// so leaving it out would break the reproduction. Not for jobs: there is no inverted
    /// index over job requirements, and open jobs are scanned in full.
    pub fn retrieve(&self, job: &JobEntry, exp: &Expansion) -> Result<Option<Vec<DocId>>> {
        if self.dir != Direction::FreelancersForJob
            || self.scorer.factor_set() != FactorSet::Default
            || self.cat.live_freelancers < self.retrieval.min_catalog
            || job.reqs.is_empty()
        {
            return Ok(None);
        }
        let mut set = BitSet::with_capacity(self.cat.rows.len());
        // the live freelancers of one posting list (skill or occupation)
        let mut add = |postings: &[Vec<DocId>], key: u32| {
            for &d in postings.get(key as usize).map_or(&[][..], Vec::as_slice) {
                if self.cat.rows[d as usize].live {
                    set.insert(d);
                }
            }
        };
        for skill in exp.skills() {
            add(&self.cat.postings, skill);
        }
        if self.cfg.fit.occupation > 0.0 {
            for &(o, _) in job.occupation.iter() {
                add(&self.cat.occ_postings, o);
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
        if set.len() < self.pool() {
            // fewer candidates than the list needs: the scan fills it as it always would
            return Ok(None);
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
}

/// One (job, freelancer) pair of a request, read from the compiled rows.
pub(crate) struct PairView<'p> {
    pub ctx: &'p RequestCtx<'p>,
    pub j: &'p JobEntry,
    pub fdoc: usize,
    pub f: &'p ScanRow,
}

impl PairView<'_> {
    /// The daily working-time overlap at the request time (`None` = a zone unknown).
    pub fn overlap(&self) -> Option<f64> {
        let (jz, fz) = (self.j.zone?, self.f.zone?);
        Some(factors::overlap_hours(
            self.ctx.zone_offsets[jz as usize],
            self.j.hours,
            self.ctx.zone_offsets[fz as usize],
            self.f.hours,
        ))
    }

    /// Whether the freelancer speaks every language of `ids`.
    #[inline]
    pub fn speaks(&self, ids: &[u32]) -> bool {
        self.f
            .speaks_all(ids, || self.ctx.entry(self.fdoc).langs.clone())
    }
}

impl PairFacts for PairView<'_> {
    fn job_open(&self) -> bool {
        self.j.input.open
    }
    fn job_expires_at(&self) -> Option<DateTime<Utc>> {
        self.j.input.expires_at
    }
    fn job_attributes(&self) -> &BTreeMap<String, String> {
        &self.j.input.attributes
    }
    fn freelancer_attributes(&self) -> Option<&BTreeMap<String, String>> {
        self.f
            .has_attributes
            .then(|| &self.ctx.entry(self.fdoc).input.attributes)
    }
    fn available(&self) -> bool {
        self.f.available
    }
    fn weekly_hours(&self) -> Option<f64> {
        self.f.weekly_hours
    }
    fn rate(&self) -> Option<f64> {
        self.f.rate
    }
    fn required_languages(&self) -> &[u32] {
        &self.j.required_langs
    }
    fn speaks_all(&self, ids: &[u32]) -> bool {
        self.speaks(ids)
    }
    fn allowed_places(&self) -> (&[u32], &[u32]) {
        (&self.j.countries, &self.j.regions)
    }
    fn place(&self) -> (Option<u32>, Option<u32>) {
        (self.f.country, self.f.region)
    }
    fn min_overlap_hours(&self) -> Option<f64> {
        self.j
            .input
            .timezone
            .as_ref()
            .and_then(|t| t.min_overlap_hours)
    }
    fn overlap_hours(&self) -> Option<f64> {
        self.overlap()
    }
}

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
