//! Hard constraints as named vetoes: "may this candidate be shown at all?".
//!
//! Cheap checks that run before scoring, evaluated over a compiled request
//! ([`RequestFilters`], the pair read through [`PairFacts`]), then the must-have gate
//! ([`must_have_gate`]). Each rejection names its [`Veto`], and the engine
//! reports how many candidates each veto removed. Unknown data never vetoes except where a
//! constraint is explicit about it (a location policy needs a known location; a required
//! language must be listed).

use serde::{Deserialize, Serialize};

mod request;

pub use request::{Gate, PairFacts, RequestFilters, must_have_gate};

/// Why a candidate was removed before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Veto {
    /// The freelancer is marked unavailable, has no weekly hours, or fewer than the
    /// request's `min_weekly_hours`.
    Availability,
    /// The freelancer's rate is above the request's `max_hourly_rate`.
    Rate,
    /// A language the job requires is not spoken.
    Language,
    /// The working-time overlap is below the job's `min_overlap_hours`.
    Timezone,
    /// The freelancer's location is outside (or unknown under) the job's location policy.
    Location,
    /// The must-have gate failed under a hard must-have policy.
    MustHaveSkills,
    /// The job is closed or expired.
    JobClosed,
    /// The request's attribute filter or exclusion list removed it.
    RequestFilter,
}

impl Veto {
    /// Every veto, in report order.
    pub const ALL: [Veto; 8] = [
        Veto::Availability,
        Veto::Rate,
        Veto::Language,
        Veto::Timezone,
        Veto::Location,
        Veto::MustHaveSkills,
        Veto::JobClosed,
        Veto::RequestFilter,
    ];

    /// The snake_case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Veto::Availability => "availability",
            Veto::Rate => "rate",
            Veto::Language => "language",
            Veto::Timezone => "timezone",
            Veto::Location => "location",
            Veto::MustHaveSkills => "must_have_skills",
            Veto::JobClosed => "job_closed",
            Veto::RequestFilter => "request_filter",
        }
    }
}

/// Counts of candidates removed by each veto (first veto wins per candidate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VetoCounts([u32; 8]);

impl VetoCounts {
    /// Adds one removal.
    #[inline]
    pub fn add(&mut self, v: Veto) {
        self.0[v as usize] += 1;
    }

    /// Adds every count of `o`.
    pub fn merge(&mut self, o: &VetoCounts) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a += b;
        }
    }

    /// Removals by `v`.
    pub fn get(&self, v: Veto) -> u32 {
        self.0[v as usize]
    }

    /// All removals.
    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    /// Non-zero counts by name, in report order.
    pub fn named(&self) -> Vec<(&'static str, u32)> {
        Veto::ALL
            .iter()
            .filter(|v| self.get(**v) > 0)
            .map(|v| (v.name(), self.get(*v)))
            .collect()
    }
}

/// Whether every required language (interned ids) is spoken.
#[inline]
pub fn languages_ok(required: &[u32], spoken: &[u32]) -> bool {
    required.iter().all(|l| spoken.contains(l))
}

/// Whether an (interned) location value satisfies an allow-list; `None` = unknown, which
/// fails any list.
#[inline]
pub fn location_ok(allowed: &[u32], value: Option<u32>) -> bool {
    value.is_some_and(|v| allowed.contains(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_checks() {
        let mut c = VetoCounts::default();
        c.add(Veto::Rate);
        c.add(Veto::Rate);
        c.add(Veto::Location);
        assert_eq!(c.total(), 3);
        assert_eq!(c.named(), vec![("rate", 2), ("location", 1)]);
        assert!(languages_ok(&[1], &[3, 1]));
        assert!(!languages_ok(&[1, 2], &[1]));
        assert!(location_ok(&[5], Some(5)));
        assert!(!location_ok(&[5], None));
    }
}
