//! The catalog: freelancers and jobs as supplied, compiled into the compact form the
//! request driver scans (resolved skills, interned languages / places / zones), plus catalogue-wide
//! reputation statistics kept in exact integer arithmetic (so results never depend on the
//! order of updates).

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub(crate) use super::rows::{ScanRow, SeedRow};
use super::rows::{row_of, seed_row_of};
use crate::domain::{Freelancer, History, Job};
use crate::error::{EntityKind, Error, Result};
use crate::ids::{DocId, Interner};
use crate::score::factors::ReputationPrior;
use crate::score::megilance::{SeedLabel, SeedSkills, SeedSkillsView, SeedVocabulary};
use crate::skills::{
    AdhocLinks, Claim, OccupationPosterior, Requirement, Resolution, ResolutionConfig, Taxonomy,
};

/// A freelancer compiled for scanning.
#[derive(Debug, Clone)]
pub(crate) struct FreelancerEntry {
    /// As supplied, with `history` replaced by the effective history.
    pub input: Freelancer,
    /// Effective history (supplied base + recorded outcomes).
    pub history: History,
    /// Merged skills, sorted by id.
    pub claims: Vec<Claim>,
    /// Display label of each claim.
    pub claim_labels: Vec<String>,
    /// How each claim's label resolved (parallel to `claims`).
    pub claim_resolutions: Vec<Arc<Resolution>>,
    /// Raw skill labels as supplied (the megilance_v1 preset reads these).
    pub raw_labels: Vec<String>,
    /// `raw_labels` compiled for the megilance_v1 skill factor (derived, never saved).
    pub seed_skills: SeedSkills,
    pub zone: Option<u32>,
    pub hours: (f64, f64),
    pub langs: Vec<u32>,
    pub country: Option<u32>,
    pub region: Option<u32>,
    /// Occupation posterior of the claims (empty without taxonomy occupation profiles).
    pub occupation: OccupationPosterior,
}

/// A job compiled for scanning.
#[derive(Debug, Clone)]
pub(crate) struct JobEntry {
    pub input: Job,
    pub reqs: Vec<Requirement>,
    pub req_labels: Vec<String>,
    /// How each requirement's label resolved (parallel to `reqs`).
    pub req_resolutions: Vec<Arc<Resolution>>,
    pub raw_labels: Vec<String>,
    /// `raw_labels` compiled for the megilance_v1 skill factor (derived, never saved).
    pub seed_skills: SeedSkills,
    pub zone: Option<u32>,
    pub hours: (f64, f64),
    pub required_langs: Vec<u32>,
    pub preferred_langs: Vec<u32>,
    pub countries: Vec<u32>,
    pub regions: Vec<u32>,
    /// Occupation posterior of the requirements (empty without occupation profiles).
    pub occupation: OccupationPosterior,
}

/// Catalogue-wide sums for the reputation prior (exact integers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GlobalStats {
    /// Σ ratings in micro-stars.
    pub rating_micro: i128,
    pub rating_count: u64,
    pub completed: u64,
    pub finished: u64,
}

fn micro(x: f64) -> i128 {
    (x * 1e6).round() as i128
}

impl GlobalStats {
    fn apply(&mut self, h: &History, sign: i64) {
        self.rating_micro += sign as i128 * micro(h.ratings_sum);
        self.rating_count = (self.rating_count as i64 + sign * h.ratings_count as i64) as u64;
        self.completed = (self.completed as i64 + sign * h.contracts_completed as i64) as u64;
        let finished = h.contracts_total.saturating_sub(h.active_contracts);
        self.finished = (self.finished as i64 + sign * finished as i64) as u64;
    }

    /// The shrinkage prior: catalogue means, or the documented defaults (4.0 stars, 0.9)
    /// while the catalogue has no reviews / no finished contracts.
    pub fn prior(&self) -> ReputationPrior {
        let d = ReputationPrior::default();
        ReputationPrior {
            mean_rating: if self.rating_count > 0 {
                self.rating_micro as f64 / 1e6 / self.rating_count as f64
            } else {
                d.mean_rating
            },
            success_rate: if self.finished > 0 {
                (self.completed as f64 / self.finished as f64).min(1.0)
            } else {
                d.success_rate
            },
            ..d
        }
    }
}

/// Appends `doc` to posting list `key`, growing the lists as needed.
fn post(postings: &mut Vec<Vec<DocId>>, key: u32, doc: DocId) {
    let k = key as usize;
    if k >= postings.len() {
        postings.resize_with(k + 1, Vec::new);
    }
    postings[k].push(doc);
}

/// Resolutions remembered per normalised label before the memo is cleared (it is a pure
/// function of the taxonomy and the rules, so clearing only costs time).
pub(super) const RESOLUTION_MEMO: usize = 1 << 20;

/// Freelancers, jobs and the interners they share.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub taxonomy: Arc<Taxonomy>,
    /// How labels resolve (engine configuration).
    pub resolution: ResolutionConfig,
    /// Normalised label → its resolution against the taxonomy (a memo).
    pub(super) resolutions: HashMap<String, Arc<Resolution>>,
    /// Ad-hoc skills: normalised labels, in order of first use.
    pub adhoc: Interner,
    /// Links between ad-hoc labels that look alike (parallel to `adhoc`).
    pub adhoc_links: AdhocLinks,
    /// The megilance_v1 seed's normalised labels (derived, rebuilt by compiling on load).
    pub seed_vocabulary: SeedVocabulary,
    pub langs: Interner,
    pub places: Interner,
    pub zones: Interner,
    pub zone_tz: Vec<Tz>,
    pub freelancer_ids: Interner,
    pub job_ids: Interner,
    pub freelancers: Vec<Option<FreelancerEntry>>,
    /// Hot rows, parallel to `freelancers`.
    pub rows: Vec<ScanRow>,
    /// The megilance_v1 rows, parallel to `freelancers` (derived).
    pub seed_rows: Vec<SeedRow>,
    /// All live freelancers' compiled seed labels, back to back (seed rows point into it).
    pub seed_arena: Vec<SeedLabel>,
    /// Labels in `seed_arena` that belong to replaced or removed freelancers.
    pub seed_garbage: usize,
    /// All live freelancers' claims, back to back (rows point into it).
    pub arena: Vec<Claim>,
    /// Claims in `arena` that belong to replaced or removed freelancers.
    pub arena_garbage: usize,
    /// Skill id → freelancers that claimed it (may list removed or changed freelancers, and
    /// one freelancer twice after a replace: readers check `rows` and dedupe; rebuilt with
    /// the arena).
    pub postings: Vec<Vec<DocId>>,
    /// Occupation profile → freelancers whose truncated posterior lists it (empty without
    /// occupation profiles; like `postings`, may list stale entries; rebuilt with the arena).
    pub occ_postings: Vec<Vec<DocId>>,
    pub jobs: Vec<Option<JobEntry>>,
    /// Skill id → live freelancers holding it (exact counts; specificity reads them).
    pub holders: Vec<u32>,
    pub stats: GlobalStats,
    pub live_freelancers: usize,
    pub live_jobs: usize,
}

/// The tie-break key of a ranked candidate (DESIGN.md §1): equal scores go to the lower
/// external id, which is unique among the live entities of one side, so a ranking never
/// depends on the order entities were upserted. (`doc` only orders the empty `ext` of the
/// megilance_v1 preset, which reproduces the seed's catalogue order.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tie<'a> {
    pub ext: &'a str,
    pub doc: DocId,
}

/// By `ext`, then `doc` (lexicographic, as a derived order would be), without a string
/// comparison when both `ext` are empty (megilance_v1's ties, which are frequent: its scores
/// are rounded to 3 dp).
impl Ord for Tie<'_> {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let ext = if self.ext.is_empty() && other.ext.is_empty() {
            std::cmp::Ordering::Equal
        } else {
            self.ext.cmp(other.ext)
        };
        ext.then(self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Tie<'_> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The sizes of the catalogue's interners at one moment (see [`Catalog::mark`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InternMark {
    adhoc: usize,
    langs: usize,
    places: usize,
    zones: usize,
}

impl Catalog {
    /// The interners' sizes now. Compiling an entity may intern new labels (ad-hoc skills,
    /// languages, places, zones); a write that is then rejected calls [`Catalog::rollback`]
    /// so that it leaves no trace (the ad-hoc labels are part of the snapshot).
    pub fn mark(&self) -> InternMark {
        InternMark {
            adhoc: self.adhoc.len(),
            langs: self.langs.len(),
            places: self.places.len(),
            zones: self.zones.len(),
        }
    }

    /// Forgets every label interned since `m` (nothing stored refers to them yet).
    pub fn rollback(&mut self, m: InternMark) {
        self.adhoc.truncate(m.adhoc);
        self.adhoc_links.truncate(m.adhoc);
        self.langs.truncate(m.langs);
        self.places.truncate(m.places);
        self.zones.truncate(m.zones);
        self.zone_tz.truncate(m.zones);
    }

    pub fn new(taxonomy: Arc<Taxonomy>, resolution: ResolutionConfig) -> Self {
        Self {
            taxonomy,
            resolution,
            resolutions: HashMap::new(),
            adhoc: Interner::new(),
            adhoc_links: AdhocLinks::new(),
            seed_vocabulary: SeedVocabulary::default(),
            langs: Interner::new(),
            places: Interner::new(),
            zones: Interner::new(),
            zone_tz: Vec::new(),
            freelancer_ids: Interner::new(),
            job_ids: Interner::new(),
            freelancers: Vec::new(),
            rows: Vec::new(),
            seed_rows: Vec::new(),
            seed_arena: Vec::new(),
            seed_garbage: 0,
            arena: Vec::new(),
            arena_garbage: 0,
            postings: Vec::new(),
            occ_postings: Vec::new(),
            jobs: Vec::new(),
            holders: Vec::new(),
            stats: GlobalStats::default(),
            live_freelancers: 0,
            live_jobs: 0,
        }
    }

    /// Total size of the skill id space (taxonomy + ad-hoc skills).
    pub fn n_skills(&self) -> usize {
        self.taxonomy.len() + self.adhoc.len()
    }

    /// Makes room for at least `freelancers` and `jobs` slots (empty ones are removed
    /// entities; a loaded snapshot keeps the slots it was saved with).
    pub fn ensure_slots(&mut self, freelancers: usize, jobs: usize) {
        if freelancers > self.freelancers.len() {
            self.freelancers.resize_with(freelancers, || None);
            self.rows.resize(freelancers, ScanRow::DEAD);
            self.seed_rows.resize(freelancers, SeedRow::default());
        }
        if jobs > self.jobs.len() {
            self.jobs.resize_with(jobs, || None);
        }
    }

    /// Inserts or replaces a compiled freelancer.
    pub fn put_freelancer(&mut self, entry: FreelancerEntry) -> Result<DocId> {
        let id = self
            .freelancer_ids
            .intern("freelancer.id", &entry.input.id)?;
        let slot = id as usize;
        self.ensure_slots(slot + 1, 0);
        if let Some(old) = self.freelancers[slot].take() {
            self.stats.apply(&old.history, -1);
            self.seed_garbage += old.seed_skills.labels().len();
            self.arena_garbage += old.claims.len();
            self.count_holders(&old.claims, false);
        } else {
            self.live_freelancers += 1;
        }
        self.stats.apply(&entry.history, 1);
        self.count_holders(&entry.claims, true);
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(&entry.claims);
        for c in &entry.claims {
            post(&mut self.postings, c.skill, id);
        }
        for &(o, _) in entry.occupation.iter() {
            post(&mut self.occ_postings, o, id);
        }
        self.rows[slot] = row_of(&entry, start);
        let seed_start = self.seed_arena.len() as u32;
        self.seed_arena
            .extend_from_slice(entry.seed_skills.labels());
        self.seed_rows[slot] = seed_row_of(&entry, seed_start);
        self.freelancers[slot] = Some(entry);
        self.maybe_compact();
        Ok(id)
    }

    /// Adds (or takes away) one holder for every skill of `claims` (distinct ids).
    fn count_holders(&mut self, claims: &[Claim], add: bool) {
        for c in claims {
            let s = c.skill as usize;
            if s >= self.holders.len() {
                self.holders.resize(s + 1, 0);
            }
            if add {
                self.holders[s] += 1;
            } else {
                self.holders[s] -= 1;
            }
        }
    }

    /// Rebuilds the claim arena (and the seed label arena) when more than half of it is
    /// garbage.
    fn maybe_compact(&mut self) {
        if self.seed_garbage > 4096 && self.seed_garbage * 2 > self.seed_arena.len() {
            let mut arena = Vec::with_capacity(self.seed_arena.len() - self.seed_garbage);
            for (row, e) in self.seed_rows.iter_mut().zip(&self.freelancers) {
                if let Some(e) = e {
                    row.labels_start = arena.len() as u32;
                    arena.extend_from_slice(e.seed_skills.labels());
                }
            }
            self.seed_arena = arena;
            self.seed_garbage = 0;
        }
        if self.arena_garbage <= 4096 || self.arena_garbage * 2 <= self.arena.len() {
            return;
        }
        let mut arena = Vec::with_capacity(self.arena.len() - self.arena_garbage);
        let mut postings: Vec<Vec<DocId>> = vec![Vec::new(); self.postings.len()];
        let mut occ_postings: Vec<Vec<DocId>> = vec![Vec::new(); self.occ_postings.len()];
        for (doc, (row, e)) in self.rows.iter_mut().zip(&self.freelancers).enumerate() {
            if let Some(e) = e {
                row.claims_start = arena.len() as u32;
                arena.extend_from_slice(&e.claims);
                for c in &e.claims {
                    postings[c.skill as usize].push(doc as DocId);
                }
                for &(o, _) in e.occupation.iter() {
                    occ_postings[o as usize].push(doc as DocId);
                }
            }
        }
        self.arena = arena;
        self.postings = postings;
        self.occ_postings = occ_postings;
        self.arena_garbage = 0;
    }

    /// The compiled seed skills of the freelancer in `row`.
    #[inline]
    pub fn seed_skills_of(&self, row: &SeedRow) -> SeedSkillsView<'_> {
        let start = row.labels_start as usize;
        SeedSkillsView::new(
            &self.seed_arena[start..start + row.labels_len as usize],
            row.summary,
        )
    }

    /// The claims of the freelancer in `row`.
    #[inline]
    pub fn claims_of(&self, row: &ScanRow) -> &[Claim] {
        &self.arena[row.claims_start as usize..(row.claims_start + row.claims_len) as usize]
    }

    /// Inserts or replaces a compiled job.
    pub fn put_job(&mut self, entry: JobEntry) -> Result<DocId> {
        let id = self.job_ids.intern("job.id", &entry.input.id)?;
        let slot = id as usize;
        self.ensure_slots(0, slot + 1);
        if self.jobs[slot].is_none() {
            self.live_jobs += 1;
        }
        self.jobs[slot] = Some(entry);
        Ok(id)
    }

    /// The tie-break key of live freelancer `doc` (its external id).
    pub fn freelancer_tie(&self, doc: DocId) -> Tie<'_> {
        let ext = self.freelancers[doc as usize]
            .as_ref()
            .map_or("", |e| e.input.id.as_str());
        Tie { ext, doc }
    }

    /// The tie-break key of live job `doc` (its external id).
    pub fn job_tie(&self, doc: DocId) -> Tie<'_> {
        let ext = self.jobs[doc as usize]
            .as_ref()
            .map_or("", |e| e.input.id.as_str());
        Tie { ext, doc }
    }

    pub fn freelancer_doc(&self, id: &str) -> Result<DocId> {
        self.freelancer_ids
            .get(id)
            .filter(|&d| {
                self.freelancers
                    .get(d as usize)
                    .is_some_and(Option::is_some)
            })
            .ok_or_else(|| Error::unknown(EntityKind::Freelancer, id))
    }

    pub fn job_doc(&self, id: &str) -> Result<DocId> {
        self.job_ids
            .get(id)
            .filter(|&d| self.jobs.get(d as usize).is_some_and(Option::is_some))
            .ok_or_else(|| Error::unknown(EntityKind::Job, id))
    }

    pub fn remove_freelancer(&mut self, id: &str) -> Result<()> {
        let d = self.freelancer_doc(id)? as usize;
        if let Some(old) = self.freelancers[d].take() {
            self.stats.apply(&old.history, -1);
            self.count_holders(&old.claims, false);
            self.live_freelancers -= 1;
            self.arena_garbage += old.claims.len();
            self.seed_garbage += old.seed_skills.labels().len();
            self.rows[d] = ScanRow::DEAD;
            self.seed_rows[d] = SeedRow::default();
            self.maybe_compact();
        }
        Ok(())
    }

    pub fn remove_job(&mut self, id: &str) -> Result<()> {
        let d = self.job_doc(id)? as usize;
        if self.jobs[d].take().is_some() {
            self.live_jobs -= 1;
        }
        Ok(())
    }

    /// Replaces a freelancer's effective history (stats follow).
    pub fn set_history(&mut self, doc: DocId, h: History) {
        if let Some(e) = self
            .freelancers
            .get_mut(doc as usize)
            .and_then(Option::as_mut)
        {
            self.stats.apply(&e.history, -1);
            self.stats.apply(&h, 1);
            e.input.history = Some(h.clone());
            e.history = h;
            let start = self.rows[doc as usize].claims_start;
            self.rows[doc as usize] = row_of(e, start);
            let seed_start = self.seed_rows[doc as usize].labels_start;
            self.seed_rows[doc as usize] = seed_row_of(e, seed_start);
        }
    }
}
