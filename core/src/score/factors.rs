//! The `default` preset's factor functions. Each returns a value in [0, 1]; each documents
//! its neutral value for unknown inputs, so a missing field never reads as "bad".

use chrono::{DateTime, Utc};

use crate::domain::{BudgetKind, ExperienceLevel};

/// Rate/budget fit. Hourly: 1 when `rate ≤ max`, then linear to 0 at 150 % of `max`
/// (`1 − (rate − max)/(0.5·max)`); a budget with only a minimum fits any rate. Fixed with
/// `estimated_hours`: the same rule on `rate · hours` against `max`. Neutral 0.5 when the
/// rate, the budget or (fixed) the hours are unknown. Source: fairmatch design
/// (DESIGN.md §4); the 150 % slope mirrors the seed's `1 − 0.5·over/max` at double speed.
pub fn rate_fit(
    kind: Option<BudgetKind>,
    max: Option<f64>,
    estimated_hours: Option<f64>,
    rate: Option<f64>,
) -> f64 {
    let (Some(kind), Some(rate)) = (kind, rate) else {
        return 0.5;
    };
    let Some(max) = max else {
        return if kind == BudgetKind::Hourly { 1.0 } else { 0.5 };
    };
    let cost = match kind {
        BudgetKind::Hourly => rate,
        BudgetKind::Fixed => match estimated_hours {
            Some(h) if h > 0.0 => rate * h,
            _ => return 0.5,
        },
    };
    if cost <= max {
        1.0
    } else if max <= 0.0 {
        0.0
    } else {
        (1.0 - (cost - max) / (0.5 * max)).clamp(0.0, 1.0)
    }
}

/// Experience fit. Experience `e = clamp(max(completed/20, years/8), 0, 1)`; need: entry 0,
/// intermediate 0.35, expert 0.7; fit = 1 when `e ≥ need`, else `0.4 + 0.6·e/need`. No
/// over-qualification penalty (unlike the seed). 1 when the job states no level.
pub fn experience_fit(level: Option<ExperienceLevel>, completed: u32, years: Option<f64>) -> f64 {
    experience_fit_of(level, experience(completed, years))
}

/// The freelancer's side of [`experience_fit`]: `e = clamp(max(completed/20, years/8), 0, 1)`
/// (it does not depend on the job, so the engine keeps it per compiled row).
pub fn experience(completed: u32, years: Option<f64>) -> f64 {
    (completed as f64 / 20.0)
        .max(years.unwrap_or(0.0) / 8.0)
        .clamp(0.0, 1.0)
}

/// [`experience_fit`] of a job's `level` for a freelancer of experience `e` (from
/// [`experience`]): 1 when `e ≥ need`, else `0.4 + 0.6·e/need`.
pub fn experience_fit_of(level: Option<ExperienceLevel>, e: f64) -> f64 {
    let need = match level {
        None | Some(ExperienceLevel::Entry) => return 1.0,
        Some(ExperienceLevel::Intermediate) => 0.35,
        Some(ExperienceLevel::Expert) => 0.7,
    };
    if e >= need { 1.0 } else { 0.4 + 0.6 * e / need }
}

/// Availability / capacity: `min(1, weekly_hours / job_hours)` when both are known (else 1),
/// times `1 / (1 + 0.15·active_contracts)` for current load.
pub fn availability_fit(weekly_hours: Option<f64>, job_hours: Option<f64>, active: u32) -> f64 {
    availability_fit_with_load(weekly_hours, job_hours, availability_load(active))
}

/// The freelancer's side of [`availability_fit`]: the load divisor `1 + 0.15·active_contracts`
/// (it does not depend on the job, so the engine keeps it per compiled row).
pub fn availability_load(active: u32) -> f64 {
    1.0 + 0.15 * active as f64
}

/// [`availability_fit`] with the load divisor from [`availability_load`]:
/// `min(1, weekly_hours / job_hours) / load`, clamped to [0, 1].
pub fn availability_fit_with_load(
    weekly_hours: Option<f64>,
    job_hours: Option<f64>,
    load: f64,
) -> f64 {
    let capacity = match (weekly_hours, job_hours) {
        (Some(have), Some(need)) if need > 0.0 => (have / need).min(1.0),
        _ => 1.0,
    };
    (capacity / load).clamp(0.0, 1.0)
}

/// Priors for [`reputation`]: catalogue-wide means (never a group's), and prior strengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReputationPrior {
    /// Global mean rating in stars (1–5).
    pub mean_rating: f64,
    /// Pseudo-reviews at the global mean.
    pub rating_strength: f64,
    /// Global share of finished contracts that were completed.
    pub success_rate: f64,
    /// Pseudo-contracts at the global rate.
    pub success_strength: f64,
}

impl ReputationPrior {
    /// The documented defaults: 4.0 stars and a 0.9 success rate, each worth 5 pseudo-
    /// observations (the catalogue replaces the means, never the strengths).
    pub const DEFAULT: Self = Self {
        mean_rating: 4.0,
        rating_strength: 5.0,
        success_rate: 0.9,
        success_strength: 5.0,
    };
}

impl Default for ReputationPrior {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Reputation with Bayesian shrinkage, so a newcomer reads as average, not as zero:
/// rating = `(C·m + Σ ratings)/(C + n)` (Bayesian average), success = `(completed + C₂·p) /
/// (finished + C₂)` (Beta-binomial posterior mean, finished = total − active);
/// value = `0.6·(rating − 1)/4 + 0.4·success`.
pub fn reputation(
    prior: &ReputationPrior,
    ratings_sum: f64,
    ratings_count: u32,
    completed: u32,
    finished: u32,
) -> f64 {
    let rating = (prior.rating_strength * prior.mean_rating + ratings_sum)
        / (prior.rating_strength + ratings_count as f64);
    let success = (completed as f64 + prior.success_strength * prior.success_rate)
        / (finished as f64 + prior.success_strength);
    (0.6 * (rating - 1.0) / 4.0 + 0.4 * success).clamp(0.0, 1.0)
}

/// Recency of activity in whole days `d` (floor): 1 for `d ≤ 7`, then `exp(−(d − 7)/60)`;
/// neutral 0.5 when unknown. A future timestamp counts as now.
pub fn recency(last_active: Option<DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
    let Some(t) = last_active else { return 0.5 };
    recency_days((now - t).num_seconds().max(0) / 86_400)
}

/// [`recency`] of a whole number of days.
pub fn recency_days(days: i64) -> f64 {
    if days <= 7 {
        1.0
    } else {
        (-((days - 7) as f64) / 60.0).exp()
    }
}

/// [`recency`] for many candidates at one reference time: a table of the first
/// `RecencyTable::DAYS` days, so the scan reads a number instead of computing `exp`.
#[derive(Debug, Clone)]
pub struct RecencyTable {
    now: i64,
    table: Vec<f64>,
}

impl RecencyTable {
    /// Days covered by the table (older activity is computed directly).
    pub const DAYS: usize = 1100;

    /// The table for reference time `now` (Unix seconds).
    pub fn new(now: i64) -> Self {
        Self {
            now,
            table: (0..Self::DAYS as i64).map(recency_days).collect(),
        }
    }

    /// [`recency`] of activity at Unix second `last_active`.
    #[inline]
    pub fn get(&self, last_active: Option<i64>) -> f64 {
        let Some(t) = last_active else { return 0.5 };
        let days = (self.now - t).max(0) / 86_400;
        match self.table.get(days as usize) {
            Some(v) => *v,
            None => recency_days(days),
        }
    }
}

/// Daily overlap in hours of two local working windows given their UTC offsets (minutes),
/// on a 24-hour circle.
pub fn overlap_hours(a_offset_min: i32, a: (f64, f64), b_offset_min: i32, b: (f64, f64)) -> f64 {
    let a0 = a.0 - a_offset_min as f64 / 60.0;
    let a1 = a.1 - a_offset_min as f64 / 60.0;
    let b0 = b.0 - b_offset_min as f64 / 60.0;
    let b1 = b.1 - b_offset_min as f64 / 60.0;
    let mut total = 0.0;
    for shift in [-48.0, -24.0, 0.0, 24.0, 48.0] {
        total += ((a1).min(b1 + shift) - (a0).max(b0 + shift)).max(0.0);
    }
    total.min(a.1 - a.0).min(b.1 - b.0)
}

/// Time-zone fit: `min(1, overlap / target)` with target = max(min_overlap, 4 h), capped by
/// the shorter window; neutral 0.5 when the freelancer's zone is unknown.
pub fn timezone_fit(overlap: Option<f64>, min_overlap: Option<f64>, shorter_window: f64) -> f64 {
    let Some(o) = overlap else { return 0.5 };
    let target = min_overlap.unwrap_or(0.0).max(4.0).min(shorter_window);
    if target <= 0.0 {
        1.0
    } else {
        (o / target).min(1.0)
    }
}

/// Share of preferred languages spoken (1 when the job prefers none).
pub fn language_fit(preferred: &[u32], spoken: &[u32]) -> f64 {
    if preferred.is_empty() {
        return 1.0;
    }
    let hit = preferred.iter().filter(|l| spoken.contains(l)).count();
    hit as f64 / preferred.len() as f64
}

/// Semantic similarity of two unit vectors mapped to [0, 1]: `max(0, cos)`.
pub fn semantic_fit(cosine: f64) -> f64 {
    cosine.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_experience() {
        assert_eq!(
            rate_fit(Some(BudgetKind::Hourly), Some(50.0), None, Some(40.0)),
            1.0
        );
        assert_eq!(
            rate_fit(Some(BudgetKind::Hourly), Some(50.0), None, Some(62.5)),
            0.5
        );
        assert_eq!(
            rate_fit(Some(BudgetKind::Hourly), Some(50.0), None, Some(80.0)),
            0.0
        );
        assert_eq!(
            rate_fit(
                Some(BudgetKind::Fixed),
                Some(1000.0),
                Some(10.0),
                Some(100.0)
            ),
            1.0
        );
        assert_eq!(
            rate_fit(Some(BudgetKind::Fixed), Some(1000.0), None, Some(100.0)),
            0.5
        );
        assert_eq!(rate_fit(None, None, None, Some(10.0)), 0.5);
        assert_eq!(experience_fit(Some(ExperienceLevel::Expert), 14, None), 1.0);
        assert!((experience_fit(Some(ExperienceLevel::Expert), 0, None) - 0.4).abs() < 1e-12);
    }

    #[test]
    fn newcomer_reputation_equals_an_average_veteran() {
        let p = ReputationPrior::default();
        let newcomer = reputation(&p, 0.0, 0, 0, 0);
        let veteran = reputation(&p, 4.0 * 40.0, 40, 18, 20);
        assert!((newcomer - veteran).abs() < 1e-12);
        assert!(newcomer > 0.5);
    }

    #[test]
    fn overlap_wraps_around_midnight() {
        // Berlin (UTC+1) 9–17 and New York (UTC−5) 9–17: 08–16 UTC vs 14–22 UTC → 2 h.
        assert_eq!(overlap_hours(60, (9.0, 17.0), -300, (9.0, 17.0)), 2.0);
        // Tokyo (UTC+9) 9–17 = 00–08 UTC; Sydney (UTC+11) 9–17 = 22–06 UTC → 6 h.
        assert_eq!(overlap_hours(540, (9.0, 17.0), 660, (9.0, 17.0)), 6.0);
        assert_eq!(overlap_hours(0, (9.0, 17.0), 0, (9.0, 17.0)), 8.0);
        assert_eq!(timezone_fit(Some(2.0), None, 8.0), 0.5);
    }
}
