//! Off-policy evaluation through the engine (issue 18 item 4): candidate rankings
//! (`default`, `learned`, custom weights, a fairness policy) re-order the explored top of each
//! logged list by the factor values logged with it, and [`crate::learn::evaluate_offline`]
//! estimates what they would have earned.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::learning::learned;
use super::{Engine, FairnessOptions, RecommendOptions, State};
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::learn::{self, OffPolicyEstimate, OpeConfig};
use crate::rerank::{self, RerankContext, RerankItem};
use crate::score::{Preset, Scorer};

/// A ranking policy to evaluate offline: a preset (with custom weights) and an optional
/// fairness policy, applied to the logged items of each explored list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineCandidate {
    /// A name for the report (default: the preset's name).
    #[serde(default)]
    pub name: Option<String>,
    /// `default` or `learned` (the factors the log keeps; `megilance_v1` is rejected).
    #[serde(default)]
    pub preset: Preset,
    /// Factor weight overrides by name.
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
    /// A fairness policy re-ranking the candidate's order of each list (groups from the
    /// freelancers' current attributes; FairCo, which needs the exposure ledger, is rejected).
    #[serde(default)]
    pub fairness: Option<FairnessOptions>,
}

/// The off-policy estimates of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfflineEvaluation {
    /// The candidate's name.
    pub name: String,
    /// One estimate per estimator (IPS, SNIPS, and doubly robust when a model was learned).
    pub estimates: Vec<OffPolicyEstimate>,
}

impl Engine {
    /// Off-policy estimates ([`learn::evaluate_offline`]) of each candidate's expected
    /// outcomes in the top `config.k` per request, from the explored logged lists: each
    /// candidate re-orders the explored top of each list (the items the logger could have put
    /// at any of those positions) by the factor values logged with them (then its fairness
    /// policy, if any); `config.k` must not exceed the explored depth. Doubly robust
    /// estimates use the learned model when there is one. Rejects a `megilance_v1` candidate
    /// and FairCo policies (`candidates[i].…`), `learned` without a model, and logs without
    /// explored lists (`InsufficientLogs`).
    pub fn evaluate_offline(
        &self,
        candidates: &[OfflineCandidate],
        config: &OpeConfig,
    ) -> Result<Vec<OfflineEvaluation>> {
        let s = self.state.read();
        let l = &s.learning;
        candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = |e: Error| e.within(&format!("candidates[{i}]"));
                let rank = CandidateRanker::new(&s, c).map_err(at)?;
                // a fairness policy that fails on some list fails the whole evaluation
                let failed = parking_lot::Mutex::new(None);
                let estimates = learn::evaluate_offline(
                    &l.log,
                    |v: learn::SlateView<'_>| {
                        rank.positions(&s, &v).unwrap_or_else(|e| {
                            failed.lock().get_or_insert(e);
                            (0..v.len() as u16).collect()
                        })
                    },
                    l.model.as_ref(),
                    config,
                )?;
                if let Some(e) = failed.into_inner() {
                    return Err(at(e.within("fairness")));
                }
                Ok(OfflineEvaluation {
                    name: c.name.clone().unwrap_or_else(|| preset_name(c.preset)),
                    estimates,
                })
            })
            .collect()
    }
}

fn preset_name(p: Preset) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How one offline candidate orders the items of a logged list.
struct CandidateRanker<'c> {
    candidate: &'c OfflineCandidate,
    /// The scorer per client (`None` = global), built once.
    scorers: HashMap<Option<u32>, Box<dyn Scorer>>,
}

impl<'c> CandidateRanker<'c> {
    fn new(s: &State, c: &'c OfflineCandidate) -> Result<Self> {
        if c.preset == Preset::MegilanceV1 {
            return Err(Error::invalid(
                "preset",
                "the log keeps the `default` factors; `megilance_v1` cannot be evaluated offline",
            ));
        }
        if let Some(f) = &c.fairness {
            RecommendOptions {
                fairness: Some(f.clone()),
                ..RecommendOptions::default()
            }
            .validate_request()?;
            if uses_fairco(&f.policy) {
                return Err(Error::invalid(
                    "fairness.policy",
                    "FairCo reads the live exposure ledger; it cannot be evaluated offline",
                ));
            }
        }
        let opts = RecommendOptions {
            preset: c.preset,
            weights: c.weights.clone(),
            ..RecommendOptions::default()
        };
        let mut scorers = HashMap::new();
        scorers.insert(None, Engine::scorer_for(s, &opts, None)?);
        if c.preset == Preset::Learned {
            for &client in learned(s)?.clients.keys() {
                let w = learned(s)?.weights_for(Some(client));
                scorers.insert(Some(client), Preset::learned_scorer(w, c.weights.as_ref())?);
            }
        }
        Ok(Self {
            candidate: c,
            scorers,
        })
    }

    /// The candidate's 0-based position of each item of `v` (in the list's item order).
    fn positions(&self, s: &State, v: &learn::SlateView<'_>) -> Result<Vec<u16>> {
        let scorer = self
            .scorers
            .get(&v.meta().client)
            .or_else(|| self.scorers.get(&None))
            .expect("the global scorer is always built");
        let first = v.first_item();
        let docs = &s.learning.freelancers[first..first + v.len()];
        let scores: Vec<f64> = (0..v.len())
            .map(|i| {
                let x: Vec<Option<f64>> = v
                    .factors(i)
                    .iter()
                    .map(|&f| (!f.is_nan()).then_some(f64::from(f)))
                    .collect();
                scorer.total(&x)
            })
            .collect();
        // the candidate re-orders the explored top (the items the logger could have put at any
        // of its positions); the rest keep their places. Score order, ties by the
        // freelancer's external id (the engine's rule).
        let depth = v.explored_depth();
        let tie = |i: usize| s.catalog.freelancer_tie(docs[i]);
        let mut order: Vec<usize> = (0..v.len())
            .filter(|&i| usize::from(v.position(i)) < depth)
            .collect();
        order.sort_by(|&a, &b| {
            scores[b]
                .total_cmp(&scores[a])
                .then_with(|| tie(a).cmp(&tie(b)))
        });
        if let Some(f) = &self.candidate.fairness {
            let group = |i: usize| {
                s.catalog.freelancers[docs[i] as usize]
                    .as_ref()
                    .map_or(f.groups.len() as u32, |e| f.group_of(&e.input.attributes))
            };
            let items: Vec<RerankItem> = order
                .iter()
                .map(|&i| RerankItem::new(i as DocId, scores[i], group(i)))
                .collect();
            let out = rerank::apply(&f.policy, &items, items.len(), &RerankContext::default())?;
            let mut seen = vec![false; v.len()];
            let mut reordered: Vec<usize> = out.order.iter().map(|&l| l as usize).collect();
            for &i in &reordered {
                seen[i] = true;
            }
            // a policy that returns fewer than all keeps the rest in score order after
            reordered.extend(order.iter().copied().filter(|&i| !seen[i]));
            order = reordered;
        }
        let mut pos: Vec<u16> = v.positions().to_vec();
        for (p, &i) in order.iter().enumerate() {
            pos[i] = p as u16;
        }
        Ok(pos)
    }
}

fn uses_fairco(c: &rerank::RerankerConfig) -> bool {
    match c {
        rerank::RerankerConfig::FairCo(_) => true,
        rerank::RerankerConfig::Chain { steps } => steps.iter().any(uses_fairco),
        _ => false,
    }
}
