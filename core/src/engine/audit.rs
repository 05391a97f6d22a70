//! Engine audits: who gets seen, who gets hired, who gets rated down, from the recorded
//! impressions and outcomes, per value of one freelancer attribute, over a time window.
//!
//! Every number comes from the event log's time-bucketed group aggregates (the attribute
//! value a freelancer had when the event was recorded) and the metrics room:
//! selection-rate parity and disparate impact from counts (`GroupRates::from_counts`,
//! `disparate_impact_from_counts`), rating gaps with Welch's t (from sums) and Mann–Whitney U
//! (from star histograms), Benjamini–Hochberg adjusted p-values, and the Gini coefficient of
//! exposure over individual freelancers. Undefined values follow the request's
//! `ZeroDivision` policy and are listed, never silently read as "fair".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::State;
use super::events::{Counters, Series};
use crate::error::{Error, Result};
use crate::metrics::{
    Alternative, GroupRates, Method, RatingStats, ZeroDivision, benjamini_hochberg,
    disparate_impact_from_counts, gini, mann_whitney_u_counts, welch_from_stats,
};
use crate::util::TrimSpace;

/// What to audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditOptions {
    /// The freelancer attribute whose values are the groups (e.g. `tenure`).
    pub attribute: String,
    /// Window start (inclusive; by bucket start). `None` = from the beginning, including
    /// buckets folded past the retention.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Window end (exclusive; by bucket start). `None` = up to now.
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// Undefined ratios (a group never shown, never hired): NaN (default), 0, 1 or an error.
    #[serde(default)]
    pub zero_division: ZeroDivision,
    /// The reference group for disparate impact (default: the group with the highest hire
    /// rate).
    #[serde(default)]
    pub reference_group: Option<String>,
}

impl AuditOptions {
    /// Options for `attribute` over all time.
    pub fn new(attribute: impl Into<String>) -> Self {
        Self {
            attribute: attribute.into(),
            from: None,
            to: None,
            zero_division: ZeroDivision::Nan,
            reference_group: None,
        }
    }
}

/// One group's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAudit {
    /// The attribute value.
    pub group: String,
    /// Live freelancers with this value now.
    pub population: u32,
    /// Their share of all live freelancers (with any value of the attribute or none).
    pub population_share: f64,
    /// Impressions in the window.
    pub impressions: u64,
    /// Position-weighted exposure in the window (log model).
    pub exposure: f64,
    /// Share of all exposure in the window.
    pub exposure_share: f64,
    /// `exposure_share / population_share` (1 = seen in proportion).
    pub exposure_ratio: f64,
    /// The funnel in the window.
    pub funnel: Counters,
    /// applications / impressions.
    pub application_rate: f64,
    /// hires / impressions.
    pub hire_rate: f64,
    /// completions / hires.
    pub completion_rate: f64,
    /// Mean review rating (NaN without reviews).
    pub mean_rating: f64,
}

/// A rating comparison of one group against all others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingGap {
    /// The group.
    pub group: String,
    /// Reviews of the group / of the rest.
    pub n: (u64, u64),
    /// Mean rating of the group minus the rest.
    pub mean_gap: f64,
    /// Welch's t p-value (two-sided; NaN with fewer than 2 reviews on a side).
    pub welch_p: f64,
    /// Mann–Whitney U p-value on the star counts (two-sided, tie-corrected, continuity).
    pub mann_whitney_p: f64,
    /// Rank-biserial correlation (> 0: the group is rated higher).
    pub rank_biserial: f64,
    /// Benjamini–Hochberg adjusted `welch_p` (over the groups tested).
    pub welch_p_adjusted: f64,
    /// Benjamini–Hochberg adjusted `mann_whitney_p`.
    pub mann_whitney_p_adjusted: f64,
}

/// The audit of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The attribute.
    pub attribute: String,
    /// The window.
    pub from: Option<DateTime<Utc>>,
    /// The window end.
    pub to: Option<DateTime<Utc>>,
    /// One line per group (attribute values seen in events or in the catalogue), by name;
    /// freelancers without the attribute are the group `""`.
    pub groups: Vec<GroupAudit>,
    /// Hire-rate parity: max − min over groups with impressions.
    pub hire_rate_difference: f64,
    /// Hire-rate parity: min / max.
    pub hire_rate_ratio: f64,
    /// The reference group of the disparate-impact column.
    pub reference_group: Option<String>,
    /// Disparate impact of each group's hire rate against the reference group's.
    pub disparate_impact: BTreeMap<String, f64>,
    /// Rating gaps with tests and adjusted p-values.
    pub rating_gaps: Vec<RatingGap>,
    /// Gini coefficient of exposure over live freelancers (0 = equal exposure).
    pub exposure_gini: f64,
    /// Groups whose rates were undefined (e.g. never shown), with what was undefined.
    pub undefined: Vec<String>,
}

fn window(opts: &AuditOptions, bucket: i64) -> (Option<i64>, Option<i64>) {
    let align = |t: DateTime<Utc>| t.timestamp().div_euclid(bucket) * bucket;
    (
        opts.from.map(align),
        opts.to.map(|t| {
            let a = align(t);
            if a == t.timestamp() { a } else { a + bucket }
        }),
    )
}

/// Builds the report (see the module docs). Rejects an empty attribute name, `from ≥ to`,
/// and an unknown reference group; with `ZeroDivision::Error`, an undefined rate.
pub(crate) fn audit(s: &State, opts: &AuditOptions) -> Result<AuditReport> {
    if opts.attribute.trim_space().is_empty() {
        return Err(Error::invalid("audit.attribute", "must not be empty"));
    }
    if let (Some(f), Some(t)) = (opts.from, opts.to)
        && f >= t
    {
        return Err(Error::invalid("audit.from", "must be before `to`"));
    }
    let zd = opts.zero_division;
    let (from, to) = window(opts, s.events.config.bucket_seconds);
    let total =
        |series: Option<&Series>| series.map_or_else(Counters::default, |x| x.total(from, to));

    // Population now, by value ("" = no value).
    let mut population: BTreeMap<String, u32> = BTreeMap::new();
    let mut individual_exposure = Vec::new();
    for (doc, e) in s.catalog.freelancers.iter().enumerate() {
        let Some(e) = e else { continue };
        let v = e
            .input
            .attributes
            .get(&opts.attribute)
            .cloned()
            .unwrap_or_default();
        *population.entry(v).or_default() += 1;
        individual_exposure.push(total(s.events.freelancer(doc as u32)).exposure);
    }
    let live = s.catalog.live_freelancers.max(1) as f64;

    // Event aggregates by value; impressions of freelancers without the value are the total
    // minus the valued groups (the log keeps no series for "no value").
    let empty = BTreeMap::new();
    let by_value = s.events.groups.get(&opts.attribute).unwrap_or(&empty);
    let mut funnels: BTreeMap<String, Counters> = by_value
        .iter()
        .map(|(v, ser)| (v.clone(), total(Some(ser))))
        .collect();
    let mut all = Counters::default();
    for ser in s.events.freelancers.iter().flatten() {
        all.merge(&ser.total(from, to));
    }
    let mut none = all;
    for c in funnels.values() {
        none.impressions -= c.impressions.min(none.impressions);
        none.exposure -= c.exposure;
        none.viewed -= c.viewed.min(none.viewed);
        none.applied -= c.applied.min(none.applied);
        none.shortlisted -= c.shortlisted.min(none.shortlisted);
        none.hired -= c.hired.min(none.hired);
        none.completed -= c.completed.min(none.completed);
        none.reviews -= c.reviews.min(none.reviews);
        none.rating_sum -= c.rating_sum;
        none.rating_sq_sum -= c.rating_sq_sum;
        for (a, b) in none.stars.iter_mut().zip(c.stars) {
            *a -= b.min(*a);
        }
    }
    none.exposure = none.exposure.max(0.0);
    if none.impressions > 0 || none.reviews > 0 || population.contains_key("") {
        funnels.insert(String::new(), none);
    }
    for v in population.keys() {
        funnels.entry(v.clone()).or_default();
    }

    let mut undefined = Vec::new();
    let mut div = |num: f64, den: f64, what: &str, g: &str| -> Result<f64> {
        if den == 0.0 {
            undefined.push(format!("{g}: {what} (no denominator)"));
        }
        zd.divide(num, den, &format!("audit.{g}.{what}"))
    };
    let total_exposure: f64 = funnels.values().map(|c| c.exposure).sum();
    let mut groups = Vec::new();
    for (g, c) in &funnels {
        let pop = population.get(g).copied().unwrap_or(0);
        let population_share = pop as f64 / live;
        let exposure_share = if total_exposure > 0.0 {
            c.exposure / total_exposure
        } else {
            0.0
        };
        groups.push(GroupAudit {
            group: g.clone(),
            population: pop,
            population_share,
            impressions: c.impressions,
            exposure: c.exposure,
            exposure_share,
            exposure_ratio: div(exposure_share, population_share, "exposure_ratio", g)?,
            funnel: *c,
            application_rate: div(
                c.applied as f64,
                c.impressions as f64,
                "application_rate",
                g,
            )?,
            hire_rate: div(c.hired as f64, c.impressions as f64, "hire_rate", g)?,
            completion_rate: div(c.completed as f64, c.hired as f64, "completion_rate", g)?,
            mean_rating: if c.reviews > 0 {
                c.rating_sum / c.reviews as f64
            } else {
                f64::NAN
            },
        });
    }

    let hires: Vec<f64> = groups.iter().map(|g| g.funnel.hired as f64).collect();
    let shown: Vec<f64> = groups.iter().map(|g| g.impressions as f64).collect();
    let (mut hire_rate_difference, mut hire_rate_ratio) = (f64::NAN, f64::NAN);
    if !groups.is_empty() {
        let rates = GroupRates::from_counts(&hires, &shown, zd)?;
        hire_rate_difference = rates.difference(Method::BetweenGroups)?;
        hire_rate_ratio = rates.ratio(Method::BetweenGroups)?;
    }
    let reference =
        match &opts.reference_group {
            Some(r) => Some(groups.iter().position(|g| &g.group == r).ok_or_else(|| {
                Error::invalid("audit.reference_group", format!("no group `{r}`"))
            })?),
            None => groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.impressions > 0)
                .max_by(|a, b| a.1.hire_rate.total_cmp(&b.1.hire_rate).then(b.0.cmp(&a.0)))
                .map(|(i, _)| i),
        };
    let reference_group = reference.map(|r| groups[r].group.clone());
    let mut disparate_impact = BTreeMap::new();
    if let Some(r) = reference {
        for (i, g) in groups.iter().enumerate() {
            disparate_impact.insert(
                g.group.clone(),
                disparate_impact_from_counts(hires[i], shown[i], hires[r], shown[r], zd)?,
            );
        }
    }

    let stats = |c: &Counters| -> RatingStats {
        let n = c.reviews;
        if n == 0 {
            return RatingStats::default();
        }
        let mean = c.rating_sum / n as f64;
        RatingStats {
            n,
            mean,
            m2: (c.rating_sq_sum - c.rating_sum * mean).max(0.0),
        }
    };
    let mut rating_gaps = Vec::new();
    for g in groups.iter().filter(|g| g.funnel.reviews > 0) {
        let mut rest = Counters::default();
        for o in groups.iter().filter(|o| o.group != g.group) {
            rest.merge(&o.funnel);
        }
        if rest.reviews == 0 {
            continue;
        }
        let (a, b) = (stats(&g.funnel), stats(&rest));
        let welch_p =
            welch_from_stats(&a, &b, Alternative::TwoSided).map_or(f64::NAN, |t| t.p_value);
        let mw =
            mann_whitney_u_counts(&g.funnel.stars, &rest.stars, true, Alternative::TwoSided).ok();
        rating_gaps.push(RatingGap {
            group: g.group.clone(),
            n: (a.n, b.n),
            mean_gap: a.mean - b.mean,
            welch_p,
            mann_whitney_p: mw.as_ref().map_or(f64::NAN, |m| m.p_value),
            rank_biserial: mw.as_ref().map_or(f64::NAN, |m| m.rank_biserial),
            welch_p_adjusted: f64::NAN,
            mann_whitney_p_adjusted: f64::NAN,
        });
    }
    type Get = fn(&RatingGap) -> f64;
    type Set = fn(&mut RatingGap, f64);
    let columns: [(Get, Set); 2] = [
        (|r| r.welch_p, |r, v| r.welch_p_adjusted = v),
        (|r| r.mann_whitney_p, |r, v| r.mann_whitney_p_adjusted = v),
    ];
    for (get, set) in columns {
        let idx: Vec<usize> = (0..rating_gaps.len())
            .filter(|&i| get(&rating_gaps[i]).is_finite())
            .collect();
        if idx.is_empty() {
            continue;
        }
        let p: Vec<f64> = idx.iter().map(|&i| get(&rating_gaps[i])).collect();
        for (&i, adj) in idx.iter().zip(benjamini_hochberg(&p)?) {
            set(&mut rating_gaps[i], adj);
        }
    }

    let exposure_gini = if individual_exposure.is_empty() {
        f64::NAN
    } else {
        gini(&individual_exposure, false, zd)?
    };
    Ok(AuditReport {
        attribute: opts.attribute.clone(),
        from: opts.from,
        to: opts.to,
        groups,
        hire_rate_difference,
        hire_rate_ratio,
        reference_group,
        disparate_impact,
        rating_gaps,
        exposure_gini,
        undefined,
    })
}
