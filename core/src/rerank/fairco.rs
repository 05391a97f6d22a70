//! FairCo, the amortised exposure controller (Morik, Singh, Hong & Joachims, SIGIR 2020;
//! research/fairness.md §1.6), with the caller-owned [`ExposureLedger`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::item::{RerankItem, canonical, validate_items};
use crate::error::{Error, Result, check_finite, check_non_negative};
use crate::ids::DocId;
use crate::position::PositionModel;
use crate::util::add_saturating;

/// Merit floor of the reference code (`max(1e-4, Σ relevance)`, Dynamic-Fairness
/// `Simulation.py`).
pub const MERIT_FLOOR: f64 = 1e-4;

/// Renormalise the ledger when the decay scale passes this (keeps stored values finite).
const RESCALE_AT: f64 = 1e150;

/// Cumulative, exponentially decayed exposure and merit per key (a group label or an
/// individual id), owned by the caller and persisted with serde.
///
/// Exposure comes from recorded impressions ([`ExposureLedger::record`]: position `j` of a
/// shown ranking adds `v_j` of the ledger's [`PositionModel`], zero past `cutoff`); merit
/// from [`ExposureLedger::record_merit`]. With a half-life `h`, a value recorded at time `t0`
/// counts `0.5^((t − t0)/h)` at time `t` (O(1) per update: values are stored in the units of
/// an epoch and rescaled rarely). Times are caller units (e.g. seconds) and must not go
/// backwards. Every stored value stays finite: sums saturate at `f64::MAX` (extreme position
/// weights or merits such as `1e308` cannot make the ledger infinite, which JSON could not
/// store), and a `null` value, what an overflowed ledger of fairmatch 0.1 wrote, reads as
/// that saturated maximum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureLedger {
    position_model: PositionModel,
    cutoff: Option<usize>,
    half_life: Option<f64>,
    epoch: f64,
    now: Option<f64>,
    #[serde(deserialize_with = "saturated_values")]
    exposure: BTreeMap<u32, f64>,
    #[serde(deserialize_with = "saturated_values")]
    merit: BTreeMap<u32, f64>,
    /// Decayed number of recorded rankings (stored in epoch units like the values).
    #[serde(default)]
    rankings: f64,
}

/// Reads a key → value map in which `null` (an infinite value written as JSON by fairmatch
/// 0.1) stands for the saturated maximum. Compact formats read the plain map.
fn saturated_values<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<u32, f64>, D::Error> {
    if !d.is_human_readable() {
        return BTreeMap::<u32, f64>::deserialize(d);
    }
    let raw = BTreeMap::<u32, Option<f64>>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::MAX)))
        .collect())
}

impl ExposureLedger {
    /// An empty ledger. `half_life = None` means no decay.
    ///
    /// Rejects an invalid position model and a half-life that is not finite and > 0.
    pub fn new(
        position_model: PositionModel,
        cutoff: Option<usize>,
        half_life: Option<f64>,
    ) -> Result<Self> {
        position_model.validate()?;
        if let Some(h) = half_life
            && !(h.is_finite() && h > 0.0)
        {
            return Err(Error::invalid(
                "half_life",
                format!("must be finite and > 0, got {h}"),
            ));
        }
        Ok(Self {
            position_model,
            cutoff,
            half_life,
            epoch: 0.0,
            now: None,
            exposure: BTreeMap::new(),
            merit: BTreeMap::new(),
            rankings: 0.0,
        })
    }

    /// Checks a ledger that came from outside (e.g. deserialised from a snapshot): valid
    /// position model, half-life finite and > 0, epoch and time finite, every stored value
    /// finite and ≥ 0. Names the offending field.
    pub fn validate(&self) -> Result<()> {
        self.position_model.validate()?;
        if let Some(h) = self.half_life
            && !(h.is_finite() && h > 0.0)
        {
            return Err(Error::invalid(
                "ledger.half_life",
                format!("must be finite and > 0, got {h}"),
            ));
        }
        check_finite("ledger.epoch", self.epoch)?;
        if let Some(now) = self.now {
            check_finite("ledger.now", now)?;
        }
        check_non_negative("ledger.rankings", self.rankings)?;
        for (name, map) in [("exposure", &self.exposure), ("merit", &self.merit)] {
            for (k, &v) in map {
                check_non_negative(&format!("ledger.{name}[{k}]"), v)?;
            }
        }
        Ok(())
    }

    /// Every key with stored exposure or merit, ascending (each once).
    pub fn keys(&self) -> Vec<u32> {
        let mut k: Vec<u32> = self
            .exposure
            .keys()
            .chain(self.merit.keys())
            .copied()
            .collect();
        k.sort_unstable();
        k.dedup();
        k
    }

    /// The position model used to turn ranks into exposure.
    pub fn position_model(&self) -> &PositionModel {
        &self.position_model
    }

    /// The time of the latest update, if any.
    pub fn now(&self) -> Option<f64> {
        self.now
    }

    /// Multiplier from stored (epoch) units to values at `now`.
    fn scale(&self) -> f64 {
        match (self.half_life, self.now) {
            (Some(h), Some(now)) => ((now - self.epoch) / h).exp2(),
            _ => 1.0,
        }
    }

    /// Moves the clock to `time` (decaying everything). Rejects non-finite or earlier times.
    pub fn advance(&mut self, time: f64) -> Result<()> {
        check_finite("time", time)?;
        match self.now {
            Some(now) if time < now => {
                return Err(Error::invalid(
                    "time",
                    format!("must not go backwards (ledger is at {now}, got {time})"),
                ));
            }
            None => self.epoch = time,
            _ => {}
        }
        self.now = Some(time);
        let s = self.scale();
        if s > RESCALE_AT {
            for v in self.exposure.values_mut().chain(self.merit.values_mut()) {
                *v /= s;
            }
            self.rankings /= s;
            self.epoch = time;
        }
        Ok(())
    }

    /// Records one shown ranking at `time`: `ranking[j-1]` (a key: group label or id) gains
    /// exposure `v_j`. For `Cascade` the no-relevance weight `gamma^(j-1)` is used.
    ///
    /// Rejects non-finite or decreasing times.
    pub fn record(&mut self, ranking: &[u32], time: f64) -> Result<()> {
        self.advance(time)?;
        let s = self.scale();
        self.rankings = add_saturating(self.rankings, s);
        let limit = self.cutoff.unwrap_or(usize::MAX);
        for (j, &key) in ranking.iter().enumerate().take(limit) {
            let w = self.position_model.weight(j + 1);
            let e = self.exposure.entry(key).or_insert(0.0);
            *e = add_saturating(*e, w * s);
        }
        Ok(())
    }

    /// Records merit (estimated relevance) at `time`: each `(key, merit)` adds `merit` to the
    /// key. FairCo compares exposure per unit of merit, so record the relevance of the
    /// candidates each request considered (all of them, shown or not).
    ///
    /// Rejects negative or non-finite merit and non-finite or decreasing times.
    pub fn record_merit(&mut self, merits: &[(u32, f64)], time: f64) -> Result<()> {
        for (i, &(_, m)) in merits.iter().enumerate() {
            if !(m.is_finite() && m >= 0.0) {
                return Err(Error::invalid(
                    format!("merits[{i}]"),
                    format!("must be finite and ≥ 0, got {m}"),
                ));
            }
        }
        self.advance(time)?;
        let s = self.scale();
        for &(key, m) in merits {
            let e = self.merit.entry(key).or_insert(0.0);
            *e = add_saturating(*e, m * s);
        }
        Ok(())
    }

    /// Decayed cumulative exposure of `key` at the ledger's current time (0 if unseen).
    pub fn exposure(&self, key: u32) -> f64 {
        self.exposure.get(&key).copied().unwrap_or(0.0) / self.scale()
    }

    /// Decayed cumulative merit of `key` at the ledger's current time (0 if unseen).
    pub fn merit(&self, key: u32) -> f64 {
        self.merit.get(&key).copied().unwrap_or(0.0) / self.scale()
    }

    /// Decayed number of rankings recorded (τ − 1 in Morik et al.'s controller).
    pub fn rankings(&self) -> f64 {
        self.rankings / self.scale()
    }

    /// [`Self::exposure_per_merit`] computed with the scale taken once by the caller.
    fn ratio_at_scale_with(&self, key: u32, scale: f64) -> f64 {
        let e = self.exposure.get(&key).copied().unwrap_or(0.0) / scale;
        let m = self.merit.get(&key).copied().unwrap_or(0.0) / scale;
        (e / m.max(MERIT_FLOOR)).min(f64::MAX)
    }

    /// A ledger over coarser keys: every key's exposure and merit added into `map(key)`
    /// (keys mapped to `None` are dropped). Same clock, decay and ranking count, so FairCo
    /// over groups can run on a ledger kept per individual (exposure and merit are additive).
    /// Each sum adds its values in ascending order, so it does not depend on the numbering of
    /// the source keys (an engine's internal ids follow the upsert order).
    pub fn aggregate(&self, map: impl Fn(u32) -> Option<u32>) -> ExposureLedger {
        let sum = |values: &BTreeMap<u32, f64>| {
            let mut parts: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
            for (k, v) in values {
                if let Some(g) = map(*k) {
                    parts.entry(g).or_default().push(*v);
                }
            }
            parts
                .into_iter()
                .map(|(g, mut vs)| {
                    vs.sort_unstable_by(f64::total_cmp);
                    (g, vs.into_iter().fold(0.0, add_saturating))
                })
                .collect()
        };
        ExposureLedger {
            exposure: sum(&self.exposure),
            merit: sum(&self.merit),
            ..self.clone_header()
        }
    }

    /// A ledger over new keys: for each `(from, to)`, key `to` holds what key `from` holds
    /// (keys not listed are dropped; each `to` at most once). Same clock, decay and ranking
    /// count. O(pairs · log keys): a request renumbering its candidates pays for them only.
    pub fn remap(&self, pairs: &[(u32, u32)]) -> ExposureLedger {
        let pick = |values: &BTreeMap<u32, f64>| {
            pairs
                .iter()
                .filter_map(|(from, to)| values.get(from).map(|v| (*to, *v)))
                .collect()
        };
        ExposureLedger {
            exposure: pick(&self.exposure),
            merit: pick(&self.merit),
            ..self.clone_header()
        }
    }

    fn clone_header(&self) -> ExposureLedger {
        ExposureLedger {
            position_model: self.position_model.clone(),
            cutoff: self.cutoff,
            half_life: self.half_life,
            epoch: self.epoch,
            now: self.now,
            exposure: BTreeMap::new(),
            merit: BTreeMap::new(),
            rankings: self.rankings,
        }
    }

    /// Exposure per unit of merit, `Exp(key) / max(1e-4, M(key))` (fairness.md §1.6).
    pub fn exposure_per_merit(&self, key: u32) -> f64 {
        self.ratio_at_scale_with(key, self.scale())
    }
}

/// Whether FairCo balances groups or individual candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FairCoUnit {
    /// Keys are [`RerankItem::group`].
    #[default]
    Group,
    /// Keys are [`RerankItem::id`] (individual amortised fairness).
    Individual,
}

/// Parameters of [`fairco`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairCoConfig {
    /// Controller gain λ (reference default `KP = 0.01`), finite and ≥ 0.
    pub lambda: f64,
    /// Groups or individuals.
    #[serde(default)]
    pub unit: FairCoUnit,
}

impl FairCoConfig {
    /// Rejects a negative or non-finite λ.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("fairco.lambda", self.lambda).map(|_| ())
    }
}

/// The ledger key of an item under `unit`.
pub(crate) fn key_of(item: &RerankItem, unit: FairCoUnit) -> u32 {
    match unit {
        FairCoUnit::Group => item.group,
        FairCoUnit::Individual => item.id,
    }
}

/// FairCo ranking (Morik et al. 2020, Eq. 11; fairness.md §1.6): sort by
/// `score + λ·err(d)` with `err(d) = (τ−1)·max_G D̂(G, G(d))`, i.e.
/// `τ·(max_G Exp(G)/M(G) − Exp(G(d))/M(G(d))) ≥ 0` where `τ` is the (decayed) number of
/// recorded rankings ([`ExposureLedger::rankings`]) and `Exp`, `M` are the ledger's decayed
/// cumulative exposure and merit, so the ratio is the average exposure per unit merit and the
/// boost grows with the accumulated disparity as in the paper. The maximum is taken over the
/// keys of the current items (a larger maximum would shift every item equally and not change
/// the order). Returns every id with its controller score, best first; ties:
/// score descending, then lower id. Deterministic given the ledger; O(n log n).
///
/// The caller shows the result and then records it in the ledger
/// ([`ExposureLedger::record`] with the keys in shown order, and
/// [`ExposureLedger::record_merit`]).
///
/// Rejects an invalid config, non-finite scores and duplicate ids.
pub fn fairco(
    items: &[RerankItem],
    ledger: &ExposureLedger,
    config: &FairCoConfig,
) -> Result<Vec<(DocId, f64)>> {
    validate_items(items)?;
    config.validate()?;
    let ranked = canonical(items);
    Ok(fairco_idx(&ranked, ledger, config)
        .into_iter()
        .map(|(i, s)| (ranked[i].id, s))
        .collect())
}

pub(crate) fn fairco_idx(
    items: &[RerankItem],
    ledger: &ExposureLedger,
    config: &FairCoConfig,
) -> Vec<(usize, f64)> {
    // one decay scale for all lookups
    let scale = ledger.scale();
    let ratio: Vec<f64> = items
        .iter()
        .map(|it| ledger.ratio_at_scale_with(key_of(it, config.unit), scale))
        .collect();
    let max = ratio.iter().copied().fold(0.0f64, f64::max);
    let tau = ledger.rankings();
    let controlled: Vec<f64> = items
        .iter()
        .zip(&ratio)
        .map(|(it, r)| (it.score + config.lambda * tau * (max - r)).min(f64::MAX))
        .collect();
    // stable: ties keep the ranked input order
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| controlled[b].total_cmp(&controlled[a]));
    order.into_iter().map(|i| (i, controlled[i])).collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn aggregate_sums_keys_into_groups() {
        let mut l = ExposureLedger::new(PositionModel::Log, None, Some(10.0)).unwrap();
        l.record(&[1, 2, 3], 0.0).unwrap();
        l.record_merit(&[(1, 1.0), (2, 0.5), (3, 0.25)], 5.0)
            .unwrap();
        let g = l.aggregate(|k| (k != 3).then_some(k % 2));
        assert!((g.exposure(1) - l.exposure(1)).abs() < 1e-15);
        assert!((g.exposure(0) - l.exposure(2)).abs() < 1e-15);
        assert!((g.merit(1) - l.merit(1)).abs() < 1e-15);
        assert_eq!(g.rankings(), l.rankings());
        assert_eq!(g.exposure(3), 0.0, "dropped key");
    }

    use super::*;

    #[test]
    fn ledger_decay_and_serde() {
        let mut l = ExposureLedger::new(PositionModel::Log, Some(2), Some(10.0)).unwrap();
        l.record(&[1, 2, 3], 0.0).unwrap();
        assert_eq!(l.exposure(1), 1.0);
        assert!((l.exposure(2) - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(l.exposure(3), 0.0); // past the cut-off
        l.advance(10.0).unwrap();
        assert!((l.exposure(1) - 0.5).abs() < 1e-12);
        l.record(&[1], 20.0).unwrap();
        assert!((l.exposure(1) - 1.25).abs() < 1e-12);
        assert!(l.record(&[1], 19.0).is_err());
        assert!(l.record_merit(&[(1, -1.0)], 30.0).is_err());
        // far future: rescaling keeps values finite and correct
        l.record(&[1], 1.0e5).unwrap();
        assert!((l.exposure(1) - 1.0).abs() < 1e-9);
        let json = serde_json::to_string(&l).unwrap();
        let back: ExposureLedger = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        back.validate().unwrap();
        let bad = json.replace("\"half_life\":10.0", "\"half_life\":-1.0");
        let bad: ExposureLedger = serde_json::from_str(&bad).unwrap();
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("ledger.half_life")
        );
        assert!(ExposureLedger::new(PositionModel::Log, None, Some(0.0)).is_err());
    }

    #[test]
    fn controller_boosts_the_under_exposed_group() {
        let mut l = ExposureLedger::new(PositionModel::Log, None, None).unwrap();
        l.record(&[0, 0, 0], 0.0).unwrap();
        l.record_merit(&[(0, 1.0), (1, 1.0)], 0.0).unwrap();
        let items = [RerankItem::new(10, 0.6, 0), RerankItem::new(11, 0.5, 1)];
        let cfg = FairCoConfig {
            lambda: 0.1,
            unit: FairCoUnit::Group,
        };
        let out = fairco(&items, &l, &cfg).unwrap();
        assert_eq!(out[0].0, 11);
        let none = fairco(&items, &l, &FairCoConfig { lambda: 0.0, ..cfg }).unwrap();
        assert_eq!(none[0].0, 10);
    }
}
