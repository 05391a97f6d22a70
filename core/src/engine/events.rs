//! The event log: impressions and outcomes kept as time-bucketed aggregates per freelancer
//! and per group (attribute = value), plus an optional bounded window of raw events.
//!
//! Memory is bounded by entities × buckets, not by events: each (freelancer, bucket) pair
//! with activity costs one [`Counters`] (128 bytes with its key); buckets older than the
//! retention are folded into one "before" total per freelancer/group. The raw window costs
//! `size_of::<RawEvent>()` = 40 bytes per event, so 1,000,000 events in the window take
//! 40 MB; the aggregates for 1,000,000 events spread over 10,000 freelancers and 30 daily
//! buckets take at most 300,000 × 128 B ≈ 38 MB (and never more than one entry per event).

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::OutcomeKind;
use crate::error::{Error, Result, check_non_negative};
use crate::ids::DocId;
use crate::position::PositionModel;
use crate::util::add_saturating;

/// How events are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventConfig {
    /// Width of a time bucket in seconds (default 86,400 = one day; ≥ 60).
    pub bucket_seconds: i64,
    /// Buckets kept per freelancer/group before older ones fold into a total (default 400).
    pub retention_buckets: usize,
    /// Raw events kept in a ring buffer (default 0 = aggregates only; ≤ 10,000,000).
    pub raw_window: usize,
}

impl Default for EventConfig {
    fn default() -> Self {
        Self {
            bucket_seconds: 86_400,
            retention_buckets: 400,
            raw_window: 0,
        }
    }
}

impl EventConfig {
    /// Rejects a bucket under a minute, zero retention and a raw window over 10 million.
    pub fn validate(&self) -> Result<()> {
        if self.bucket_seconds < 60 {
            return Err(Error::invalid("events.bucket_seconds", "must be ≥ 60"));
        }
        if self.retention_buckets == 0 {
            return Err(Error::invalid("events.retention_buckets", "must be ≥ 1"));
        }
        if self.raw_window > 10_000_000 {
            return Err(Error::invalid("events.raw_window", "must be ≤ 10000000"));
        }
        Ok(())
    }
}

/// Aggregated counts of one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Times shown.
    pub impressions: u64,
    /// Σ position weights of those impressions (log model, DESIGN.md §5).
    pub exposure: f64,
    /// Outcomes by kind.
    pub viewed: u64,
    /// Applications.
    pub applied: u64,
    /// Shortlists.
    pub shortlisted: u64,
    /// Hires.
    pub hired: u64,
    /// Completions.
    pub completed: u64,
    /// Reviews and their rating sum.
    pub reviews: u64,
    /// Σ review ratings.
    pub rating_sum: f64,
    /// Σ squared review ratings (for variances: Welch's t).
    pub rating_sq_sum: f64,
    /// Reviews by star (rating rounded to the nearest whole star, 1–5): Mann–Whitney on
    /// counts.
    pub stars: [u64; 5],
}

impl Counters {
    /// Adds `o` into `self`. Counts saturate at `u64::MAX` and sums at `f64::MAX` (a loaded
    /// log may already hold extreme values; adding to them never wraps or overflows).
    pub fn merge(&mut self, o: &Counters) {
        let n = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        let x = |a: &mut f64, b: f64| *a = add_saturating(*a, b);
        n(&mut self.impressions, o.impressions);
        x(&mut self.exposure, o.exposure);
        n(&mut self.viewed, o.viewed);
        n(&mut self.applied, o.applied);
        n(&mut self.shortlisted, o.shortlisted);
        n(&mut self.hired, o.hired);
        n(&mut self.completed, o.completed);
        n(&mut self.reviews, o.reviews);
        x(&mut self.rating_sum, o.rating_sum);
        x(&mut self.rating_sq_sum, o.rating_sq_sum);
        for (a, b) in self.stars.iter_mut().zip(o.stars) {
            n(a, b);
        }
    }

    /// The counts of one outcome.
    fn of_outcome(kind: OutcomeKind, rating: Option<f64>) -> Counters {
        let mut c = Counters::default();
        match kind {
            OutcomeKind::Viewed => c.viewed = 1,
            OutcomeKind::Applied => c.applied = 1,
            OutcomeKind::Shortlisted => c.shortlisted = 1,
            OutcomeKind::Hired => c.hired = 1,
            OutcomeKind::Completed => c.completed = 1,
            OutcomeKind::Reviewed => {
                let r = rating.unwrap_or(0.0);
                c.reviews = 1;
                c.rating_sum = r;
                c.rating_sq_sum = r * r;
                let star = (r.round() as i64).clamp(1, 5) as usize;
                c.stars[star - 1] = 1;
            }
        }
        c
    }

    /// Checks counts read from outside (a snapshot): every sum finite and ≥ 0.
    fn validate(&self, field: &str) -> Result<()> {
        for (name, v) in [
            ("exposure", self.exposure),
            ("rating_sum", self.rating_sum),
            ("rating_sq_sum", self.rating_sq_sum),
        ] {
            check_non_negative(&format!("{field}.{name}"), v)?;
        }
        Ok(())
    }
}

/// Buckets of one freelancer or group, oldest first, plus the folded total of older ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Counts older than the retained buckets.
    pub before: Counters,
    /// (bucket start as Unix seconds, counts), ascending.
    pub buckets: Vec<(i64, Counters)>,
}

impl Series {
    fn bucket_mut(&mut self, start: i64, retention: usize) -> &mut Counters {
        let pos = match self.buckets.binary_search_by_key(&start, |b| b.0) {
            Ok(p) => p,
            Err(p) => {
                self.buckets.insert(p, (start, Counters::default()));
                p
            }
        };
        if self.buckets.len() > retention {
            let drop = self.buckets.len() - retention;
            let old: Vec<_> = self.buckets.drain(..drop).collect();
            for (_, c) in &old {
                self.before.merge(c);
            }
            if pos < drop {
                // An event older than the retained window lands in the folded total.
                return &mut self.before;
            }
            return &mut self.buckets[pos - drop].1;
        }
        &mut self.buckets[pos].1
    }

    /// Sum of the counts with bucket start in `[from, to)` (`None` = unbounded; the folded
    /// total counts only when `from` is `None`).
    pub fn total(&self, from: Option<i64>, to: Option<i64>) -> Counters {
        let mut c = if from.is_none() {
            self.before
        } else {
            Counters::default()
        };
        for (t, b) in &self.buckets {
            if from.is_none_or(|f| *t >= f) && to.is_none_or(|e| *t < e) {
                c.merge(b);
            }
        }
        c
    }
}

/// A raw event in the optional window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RawEvent {
    /// Unix seconds.
    pub at: i64,
    /// Freelancer (internal id).
    pub freelancer: DocId,
    /// Job (internal id), if any.
    pub job: Option<DocId>,
    /// `None` for an impression, else the outcome kind.
    pub outcome: Option<OutcomeKind>,
    /// Position for impressions, 0 otherwise.
    pub position: u32,
    /// Rating for reviews.
    pub rating: Option<f32>,
}

/// The log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLog {
    /// Configuration.
    pub config: EventConfig,
    /// Per freelancer (internal id), `None` until the first event.
    pub freelancers: Vec<Option<Series>>,
    /// Per group: attribute name → value → series.
    pub groups: BTreeMap<String, BTreeMap<String, Series>>,
    /// The raw window (oldest first).
    pub raw: VecDeque<RawEvent>,
    /// Events recorded in total.
    pub events: u64,
}

impl EventLog {
    /// An empty log.
    pub fn new(config: EventConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    fn bucket_start(&self, at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(self.config.bucket_seconds) * self.config.bucket_seconds
    }

    fn series(&mut self, f: DocId) -> &mut Series {
        let i = f as usize;
        if i >= self.freelancers.len() {
            self.freelancers.resize_with(i + 1, || None);
        }
        self.freelancers[i].get_or_insert_with(Series::default)
    }

    fn push_raw(&mut self, e: RawEvent) {
        self.events = self.events.saturating_add(1);
        if self.config.raw_window == 0 {
            return;
        }
        if self.raw.len() == self.config.raw_window {
            self.raw.pop_front();
        }
        self.raw.push_back(e);
    }

    /// Records one impression of `f` at 1-based `position`.
    pub fn impression(
        &mut self,
        f: DocId,
        job: Option<DocId>,
        position: u32,
        at: DateTime<Utc>,
        attributes: &BTreeMap<String, String>,
    ) {
        let start = self.bucket_start(at);
        let retention = self.config.retention_buckets;
        let one = Counters {
            impressions: 1,
            exposure: PositionModel::Log.weight(position as usize),
            ..Counters::default()
        };
        let apply = |c: &mut Counters| c.merge(&one);
        apply(self.series(f).bucket_mut(start, retention));
        for (k, v) in attributes {
            let s = self
                .groups
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default();
            apply(s.bucket_mut(start, retention));
        }
        self.push_raw(RawEvent {
            at: at.timestamp(),
            freelancer: f,
            job,
            outcome: None,
            position,
            rating: None,
        });
    }

    /// Records one outcome of `f`.
    pub fn outcome(
        &mut self,
        f: DocId,
        job: Option<DocId>,
        kind: OutcomeKind,
        rating: Option<f64>,
        at: DateTime<Utc>,
        attributes: &BTreeMap<String, String>,
    ) {
        let start = self.bucket_start(at);
        let retention = self.config.retention_buckets;
        let one = Counters::of_outcome(kind, rating);
        self.series(f).bucket_mut(start, retention).merge(&one);
        for (k, v) in attributes {
            self.groups
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .bucket_mut(start, retention)
                .merge(&one);
        }
        self.push_raw(RawEvent {
            at: at.timestamp(),
            freelancer: f,
            job,
            outcome: Some(kind),
            position: 0,
            rating: rating.map(|r| r as f32),
        });
    }

    /// Checks a log read from outside (a snapshot) before it is used: a valid configuration,
    /// at most `freelancers` per-freelancer series, buckets strictly ascending and within the
    /// retention, finite non-negative sums, a raw window no longer than configured and naming
    /// known freelancers only. Errors name the offending part (`events.…`).
    pub fn validate(&self, freelancers: usize) -> Result<()> {
        self.config.validate()?;
        if self.freelancers.len() > freelancers {
            return Err(Error::invalid(
                "events.freelancers",
                format!(
                    "{} series for {freelancers} freelancer ids",
                    self.freelancers.len()
                ),
            ));
        }
        let series = |field: String, s: &Series| -> Result<()> {
            s.before.validate(&format!("{field}.before"))?;
            if s.buckets.len() > self.config.retention_buckets {
                return Err(Error::invalid(field, "more buckets than the retention"));
            }
            if s.buckets.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(Error::invalid(field, "buckets are not strictly ascending"));
            }
            for (t, c) in &s.buckets {
                c.validate(&format!("{field}.buckets[{t}]"))?;
            }
            Ok(())
        };
        for (i, s) in self.freelancers.iter().enumerate() {
            if let Some(s) = s {
                series(format!("events.freelancers[{i}]"), s)?;
            }
        }
        for (k, values) in &self.groups {
            for (v, s) in values {
                series(format!("events.groups.{k}.{v}"), s)?;
            }
        }
        if self.raw.len() > self.config.raw_window {
            return Err(Error::invalid(
                "events.raw",
                "more raw events than the window",
            ));
        }
        if let Some(i) = self.raw.iter().position(|e| {
            e.freelancer as usize >= freelancers || e.rating.is_some_and(|r| !r.is_finite())
        }) {
            return Err(Error::invalid(
                format!("events.raw[{i}]"),
                "unknown freelancer or non-finite rating",
            ));
        }
        Ok(())
    }

    /// The series of freelancer `f`, if it has events.
    pub fn freelancer(&self, f: DocId) -> Option<&Series> {
        self.freelancers.get(f as usize).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(day * 86_400 + 3600, 0).unwrap()
    }

    #[test]
    fn buckets_fold_past_retention_and_memory_is_stated() {
        let mut log = EventLog::new(EventConfig {
            retention_buckets: 3,
            raw_window: 2,
            ..EventConfig::default()
        });
        let mut attrs = BTreeMap::new();
        attrs.insert("tenure".to_owned(), "newcomer".to_owned());
        for day in 0..5 {
            log.impression(7, None, 1, t(day), &attrs);
        }
        log.outcome(7, None, OutcomeKind::Reviewed, Some(4.0), t(4), &attrs);
        let s = log.freelancer(7).unwrap();
        assert_eq!(s.buckets.len(), 3);
        assert_eq!(s.before.impressions, 2);
        assert_eq!(s.total(None, None).impressions, 5);
        assert_eq!(s.total(Some(4 * 86_400), None).reviews, 1);
        assert_eq!(
            log.groups["tenure"]["newcomer"]
                .total(None, None)
                .impressions,
            5
        );
        assert_eq!(log.raw.len(), 2);
        assert_eq!(log.events, 6);
        assert_eq!(std::mem::size_of::<RawEvent>(), 40);
        assert_eq!(std::mem::size_of::<(i64, Counters)>(), 128);
        // An event older than the window folds into `before`.
        log.impression(7, None, 1, t(-10), &attrs);
        assert_eq!(log.freelancer(7).unwrap().before.impressions, 3);
    }
}
