//! The vetoes of one request, evaluated over a compiled request: the request's own filters
//! compiled once ([`RequestFilters`]), the pair's facts read through [`PairFacts`] (the
//! engine answers from its compiled rows without copying them).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Veto, location_ok};
use crate::domain::{Direction, MustHavePolicy};
use crate::ids::DocId;
use crate::util::BitSet;

/// A request's own filters, compiled once per request.
#[derive(Debug, Clone)]
pub struct RequestFilters<'a> {
    /// Freelancers with a higher hourly rate are vetoed (`rate`); unknown rates pass.
    pub max_hourly_rate: Option<f64>,
    /// Freelancers with fewer weekly hours are vetoed (`availability`); unknown hours pass.
    pub min_weekly_hours: Option<f64>,
    /// Attribute name → allowed values, on the ranked side (`request_filter`).
    pub attributes: &'a BTreeMap<String, Vec<String>>,
    /// Internal ids of the ranked side never to return (`request_filter`).
    pub excluded: BitSet,
    /// The request time (job expiry).
    pub now: DateTime<Utc>,
}

/// What the vetoes read about one (job, freelancer) pair.
pub trait PairFacts {
    /// The job is marked open.
    fn job_open(&self) -> bool;
    /// When the job expires.
    fn job_expires_at(&self) -> Option<DateTime<Utc>>;
    /// The job's attributes.
    fn job_attributes(&self) -> &BTreeMap<String, String>;
    /// The freelancer's attributes (`None` = it has none).
    fn freelancer_attributes(&self) -> Option<&BTreeMap<String, String>>;
    /// The freelancer is marked available.
    fn available(&self) -> bool;
    /// The freelancer's weekly hours, if known.
    fn weekly_hours(&self) -> Option<f64>;
    /// The freelancer's hourly rate, if known.
    fn rate(&self) -> Option<f64>;
    /// The languages the job requires (interned ids).
    fn required_languages(&self) -> &[u32];
    /// Whether the freelancer speaks every language of `ids`.
    fn speaks_all(&self, ids: &[u32]) -> bool;
    /// The job's location policy: allowed countries and regions (interned; both empty =
    /// anywhere).
    fn allowed_places(&self) -> (&[u32], &[u32]);
    /// The freelancer's country and region (interned), if known.
    fn place(&self) -> (Option<u32>, Option<u32>);
    /// The job's minimum daily working-time overlap, if it sets one.
    fn min_overlap_hours(&self) -> Option<f64>;
    /// The pair's daily working-time overlap at the request time (`None` = a zone unknown).
    fn overlap_hours(&self) -> Option<f64>;
}

impl RequestFilters<'_> {
    /// The request's exclusion list (on the ranked side), then [`Self::veto`]: the first
    /// reason `candidate` (the ranked row) is removed, if any.
    #[inline]
    pub fn screen(&self, dir: Direction, candidate: DocId, pair: &impl PairFacts) -> Option<Veto> {
        if self.excluded.contains(candidate) {
            return Some(Veto::RequestFilter);
        }
        self.veto(dir, pair)
    }

    /// The first veto that removes the pair (before the must-have gate), if any, in report
    /// order. Ranking jobs for a freelancer, its own availability and rate do not veto (it is
    /// asking); a closed or expired job does.
    pub fn veto(&self, dir: Direction, p: &impl PairFacts) -> Option<Veto> {
        match dir {
            Direction::JobsForFreelancer => {
                if !p.job_open() || p.job_expires_at().is_some_and(|e| e <= self.now) {
                    return Some(Veto::JobClosed);
                }
                if !self.attributes.is_empty() && !self.attributes_ok(p.job_attributes()) {
                    return Some(Veto::RequestFilter);
                }
            }
            Direction::FreelancersForJob => {
                if !self.attributes.is_empty()
                    && !p
                        .freelancer_attributes()
                        .is_some_and(|a| self.attributes_ok(a))
                {
                    return Some(Veto::RequestFilter);
                }
                let hours = p.weekly_hours();
                if !p.available()
                    || hours == Some(0.0)
                    || self
                        .min_weekly_hours
                        .is_some_and(|m| hours.is_some_and(|h| h < m))
                {
                    return Some(Veto::Availability);
                }
                if self
                    .max_hourly_rate
                    .is_some_and(|m| p.rate().is_some_and(|r| r > m))
                {
                    return Some(Veto::Rate);
                }
            }
        }
        let langs = p.required_languages();
        if !langs.is_empty() && !p.speaks_all(langs) {
            return Some(Veto::Language);
        }
        let (countries, regions) = p.allowed_places();
        if !countries.is_empty() || !regions.is_empty() {
            let (country, region) = p.place();
            if !location_ok(countries, country) && !location_ok(regions, region) {
                return Some(Veto::Location);
            }
        }
        if let Some(min) = p.min_overlap_hours()
            && p.overlap_hours().is_some_and(|o| o < min)
        {
            return Some(Veto::Timezone);
        }
        None
    }

    /// Whether `attrs` has an allowed value for every filtered attribute.
    fn attributes_ok(&self, attrs: &BTreeMap<String, String>) -> bool {
        self.attributes
            .iter()
            .all(|(k, allowed)| attrs.get(k).is_some_and(|v| allowed.contains(v)))
    }
}

/// What a job's must-have gate does with one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Passes (or the job has no gate).
    Pass,
    /// Removed (`must_have_skills`): policies `hard` and `hard_allow_implied`.
    Veto,
    /// Kept below every candidate that passes, to fill a short list (`relax_when_short`).
    Below,
}

/// The must-have gate of `policy` over a skill fit's shares: `hard_gate_share` (must-haves
/// met by the same skill) and `gate_share` (met by any match, implied ones included). A
/// share below 1 fails the gate.
pub fn must_have_gate(policy: MustHavePolicy, hard_gate_share: f64, gate_share: f64) -> Gate {
    let (failed, relax) = match policy {
        MustHavePolicy::Soft => (false, false),
        MustHavePolicy::Hard => (hard_gate_share < 1.0, false),
        MustHavePolicy::HardAllowImplied => (gate_share < 1.0, false),
        MustHavePolicy::RelaxWhenShort => (hard_gate_share < 1.0, true),
    };
    match (failed, relax) {
        (false, _) => Gate::Pass,
        (true, false) => Gate::Veto,
        (true, true) => Gate::Below,
    }
}
