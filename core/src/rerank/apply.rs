//! The one entry point the engine calls: a tagged policy config, a context with the
//! caller-owned state, and an outcome that explains which policy moved each result.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::diversity::{check_lambda, mmr_idx, price_tier_idx, round_robin_idx};
use super::explore::{ExplorationConfig, explore_idx};
use super::fair::{MTableMode, adjusted_mtable, fair_top_k_idx};
use super::fairco::{ExposureLedger, FairCoConfig, fairco_idx};
use super::geyik::{GeyikAlgorithm, GroupTarget, geyik_idx, validate_targets};
use super::item::{RerankItem, canonical, validate_items};
use crate::error::{Error, Result};
use crate::ids::DocId;

/// Parameters of the FA*IR policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairConfig {
    /// Target minimum proportion of protected candidates, in [0, 1].
    pub p: f64,
    /// Overall significance α, in (0, 1) (e.g. 0.1).
    pub alpha: f64,
    /// Fail-probability mode of the α adjustment (default: exact).
    #[serde(default)]
    pub mode: MTableMode,
    /// Group labels that count as protected (at least one).
    pub protected_groups: Vec<u32>,
}

/// Parameters of Geyik et al.'s policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeyikConfig {
    /// Target proportion per group (sum ≤ 1; groups not listed have target 0).
    pub targets: Vec<GroupTarget>,
}

/// Parameters of maximal marginal relevance (needs [`RerankContext::similarity`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmrConfig {
    /// Weight of relevance against novelty, in [0, 1] (1 = plain score order).
    pub lambda: f64,
}

/// Parameters of attribute round-robin over [`RerankItem::group`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoundRobinConfig {
    /// How many of the best items stay in place before the round-robin starts.
    #[serde(default)]
    pub keep_head: usize,
}

/// A re-ranking policy, selected by config (`{"type": "fair", "p": 0.5, ...}`); a `chain`
/// runs its steps in order, each on the previous step's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RerankerConfig {
    /// No re-ranking: score order, top k.
    None,
    /// FA*IR with the cached adjusted m-table.
    Fair(FairConfig),
    /// Geyik et al. DetGreedy.
    DetGreedy(GeyikConfig),
    /// Geyik et al. DetCons.
    DetCons(GeyikConfig),
    /// Geyik et al. DetRelaxed.
    DetRelaxed(GeyikConfig),
    /// Geyik et al. DetConstSort (strict).
    DetConstSort(GeyikConfig),
    /// FairCo amortised exposure controller (needs [`RerankContext::ledger`]).
    FairCo(FairCoConfig),
    /// Maximal marginal relevance (needs [`RerankContext::similarity`]).
    Mmr(MmrConfig),
    /// Attribute round-robin over the group label.
    RoundRobin(RoundRobinConfig),
    /// The megilance_v1 price-tier step with `limit = k` (needs
    /// [`RerankContext::hourly_rate`]).
    PriceTier,
    /// Cold-start exploration (needs [`RerankContext::impressions`]).
    Exploration(ExplorationConfig),
    /// Several policies in order (e.g. exploration, then FA*IR). Chains may not nest.
    Chain {
        /// The steps, run first to last.
        steps: Vec<RerankerConfig>,
    },
}

/// The name of a policy, as reported in a [`StepMove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// [`RerankerConfig::None`].
    None,
    /// FA*IR.
    Fair,
    /// DetGreedy.
    DetGreedy,
    /// DetCons.
    DetCons,
    /// DetRelaxed.
    DetRelaxed,
    /// DetConstSort.
    DetConstSort,
    /// FairCo.
    FairCo,
    /// MMR.
    Mmr,
    /// Attribute round-robin.
    RoundRobin,
    /// megilance_v1 price tiers.
    PriceTier,
    /// Cold-start exploration.
    Exploration,
}

impl RerankerConfig {
    /// Checks every parameter (recursively for a chain), naming the field.
    pub fn validate(&self) -> Result<()> {
        match self {
            RerankerConfig::None | RerankerConfig::PriceTier => Ok(()),
            RerankerConfig::Fair(c) => {
                if c.protected_groups.is_empty() {
                    return Err(Error::invalid(
                        "fair.protected_groups",
                        "needs at least one group",
                    ));
                }
                if !(0.0..=1.0).contains(&c.p) {
                    return Err(Error::invalid(
                        "fair.p",
                        format!("must be in [0, 1], got {}", c.p),
                    ));
                }
                if !(c.alpha > 0.0 && c.alpha < 1.0) {
                    return Err(Error::invalid(
                        "fair.alpha",
                        format!("must be in (0, 1), got {}", c.alpha),
                    ));
                }
                Ok(())
            }
            RerankerConfig::DetGreedy(c)
            | RerankerConfig::DetCons(c)
            | RerankerConfig::DetRelaxed(c)
            | RerankerConfig::DetConstSort(c) => validate_targets(&c.targets),
            RerankerConfig::FairCo(c) => c.validate(),
            RerankerConfig::Mmr(c) => check_lambda(c.lambda).map_err(|_| {
                Error::invalid("mmr.lambda", format!("must be in [0, 1], got {}", c.lambda))
            }),
            RerankerConfig::RoundRobin(_) => Ok(()),
            RerankerConfig::Exploration(c) => c.validate(),
            RerankerConfig::Chain { steps } => {
                for (i, s) in steps.iter().enumerate() {
                    if matches!(s, RerankerConfig::Chain { .. }) {
                        return Err(Error::invalid(
                            format!("chain.steps[{i}]"),
                            "chains may not nest",
                        ));
                    }
                    s.validate()?;
                }
                Ok(())
            }
        }
    }

    fn kind(&self) -> PolicyKind {
        match self {
            RerankerConfig::None | RerankerConfig::Chain { .. } => PolicyKind::None,
            RerankerConfig::Fair(_) => PolicyKind::Fair,
            RerankerConfig::DetGreedy(_) => PolicyKind::DetGreedy,
            RerankerConfig::DetCons(_) => PolicyKind::DetCons,
            RerankerConfig::DetRelaxed(_) => PolicyKind::DetRelaxed,
            RerankerConfig::DetConstSort(_) => PolicyKind::DetConstSort,
            RerankerConfig::FairCo(_) => PolicyKind::FairCo,
            RerankerConfig::Mmr(_) => PolicyKind::Mmr,
            RerankerConfig::RoundRobin(_) => PolicyKind::RoundRobin,
            RerankerConfig::PriceTier => PolicyKind::PriceTier,
            RerankerConfig::Exploration(_) => PolicyKind::Exploration,
        }
    }
}

/// What the policies may need besides the items: caller-owned state and lookups.
#[derive(Default, Clone, Copy)]
pub struct RerankContext<'a> {
    /// Exposure ledger for FairCo.
    pub ledger: Option<&'a ExposureLedger>,
    /// Impressions so far per id, for exploration.
    pub impressions: Option<&'a dyn Fn(DocId) -> u64>,
    /// Similarity of two ids, for MMR.
    pub similarity: Option<&'a dyn Fn(DocId, DocId) -> f64>,
    /// Hourly rate per id, for the price-tier step.
    pub hourly_rate: Option<&'a dyn Fn(DocId) -> Option<f64>>,
    /// A stable key per id for seeded draws (exploration): `None` draws by the id itself. The
    /// engine passes a hash of the external id, so a candidate's draw does not depend on the
    /// numbering of one request.
    pub draw_key: Option<&'a dyn Fn(DocId) -> u64>,
}

impl fmt::Debug for RerankContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RerankContext")
            .field("ledger", &self.ledger)
            .field("impressions", &self.impressions.is_some())
            .field("similarity", &self.similarity.is_some())
            .field("hourly_rate", &self.hourly_rate.is_some())
            .field("draw_key", &self.draw_key.is_some())
            .finish()
    }
}

/// The lookups of a [`RerankContext`] as owned maps by item id, for callers that hold data
/// rather than closures (the Python and Node `rerank.apply`): an id missing from a map has 0
/// impressions, no hourly rate, and similarity 0; two ids with vectors have their cosine
/// similarity ([`super::cosine_similarity`]).
#[derive(Debug, Clone, Default)]
pub struct RerankLookups {
    /// Exposure ledger for FairCo.
    pub ledger: Option<ExposureLedger>,
    /// Impressions so far per id (exploration).
    pub impressions: std::collections::HashMap<DocId, u64>,
    /// Hourly rate per id (price-tier step).
    pub hourly_rates: std::collections::HashMap<DocId, f64>,
    /// A vector per id (MMR similarity).
    pub vectors: std::collections::HashMap<DocId, Vec<f32>>,
}

impl RerankLookups {
    /// [`apply`] with these lookups as its context (draws keyed by the ids themselves).
    pub fn apply(
        &self,
        config: &RerankerConfig,
        items: &[RerankItem],
        k: usize,
    ) -> Result<RerankOutcome> {
        let imp = |d: DocId| self.impressions.get(&d).copied().unwrap_or(0);
        let rate = |d: DocId| self.hourly_rates.get(&d).copied();
        let sim = |a: DocId, b: DocId| match (self.vectors.get(&a), self.vectors.get(&b)) {
            (Some(x), Some(y)) => super::cosine_similarity(x, y),
            _ => 0.0,
        };
        let ctx = RerankContext {
            ledger: self.ledger.as_ref(),
            impressions: Some(&imp),
            similarity: Some(&sim),
            hourly_rate: Some(&rate),
            draw_key: None,
        };
        apply(config, items, k, &ctx)
    }
}

/// One step's effect on one item (0-based positions before and after that step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMove {
    /// The policy of the step.
    pub policy: PolicyKind,
    /// Position in the step's input.
    pub from: usize,
    /// Position in the step's output.
    pub to: usize,
}

impl StepMove {
    /// Places gained (positive = moved up).
    pub fn places(&self) -> i64 {
        self.from as i64 - self.to as i64
    }
}

/// The explanation of one returned item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMove {
    /// The item.
    pub id: DocId,
    /// 0-based position in score order (score descending, then lower id) before any policy.
    pub original_rank: usize,
    /// 0-based position in the final order.
    pub final_rank: usize,
    /// The steps that changed its position, in chain order.
    pub steps: Vec<StepMove>,
}

impl ItemMove {
    /// The step that moved the item most (by absolute places; the earlier step on ties) and
    /// its places gained, or `None` if no step moved it.
    pub fn moved_by(&self) -> Option<(PolicyKind, i64)> {
        let mut best: Option<&StepMove> = None;
        for s in &self.steps {
            if best.is_none_or(|b| s.places().abs() > b.places().abs()) {
                best = Some(s);
            }
        }
        best.map(|s| (s.policy, s.places()))
    }
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankOutcome {
    /// The returned ids, best first (at most k).
    pub order: Vec<DocId>,
    /// One explanation per returned id, aligned with `order`.
    pub moves: Vec<ItemMove>,
}

/// Runs the policy (or chain) `config` over `items` and returns the top `k` in the new order
/// with, per item, which policy moved it and by how many places.
///
/// The input order is score descending, then lower id. Each step receives the previous
/// step's output **in order** (in-group order and "earlier" ties follow that order) and
/// scores: exploration and FairCo replace each item's score by their boosted/controller
/// score for the following steps; the others keep scores. Selecting policies (FA*IR, the
/// Geyik family, MMR, round-robin, price tier) pass on only their top k; reordering ones
/// (exploration, FairCo) pass on everything. The final order is cut to k.
///
/// Rejects an invalid config, non-finite scores, duplicate ids, and a policy whose context
/// input is missing (`context.ledger`, `context.impressions`, `context.similarity`,
/// `context.hourly_rate`).
pub fn apply(
    config: &RerankerConfig,
    items: &[RerankItem],
    k: usize,
    ctx: &RerankContext<'_>,
) -> Result<RerankOutcome> {
    config.validate()?;
    validate_items(items)?;
    let steps: Vec<&RerankerConfig> = match config {
        RerankerConfig::Chain { steps } => steps.iter().collect(),
        c => vec![c],
    };
    let mut current = canonical(items);
    // per item of `current`: (original rank, step moves)
    let mut trace: Vec<(usize, Vec<StepMove>)> =
        (0..current.len()).map(|r| (r, Vec::new())).collect();
    for step in steps {
        let (idx, scores) = run_step(step, &current, k, ctx)?;
        let kind = step.kind();
        let mut next = Vec::with_capacity(idx.len());
        let mut next_trace = Vec::with_capacity(idx.len());
        for (to, &from) in idx.iter().enumerate() {
            let mut it = current[from];
            if let Some(s) = &scores {
                it.score = s[to];
            }
            next.push(it);
            let (orig, mut moves) = std::mem::take(&mut trace[from]);
            if from != to {
                moves.push(StepMove {
                    policy: kind,
                    from,
                    to,
                });
            }
            next_trace.push((orig, moves));
        }
        current = next;
        trace = next_trace;
    }
    current.truncate(k);
    trace.truncate(k);
    let order: Vec<DocId> = current.iter().map(|it| it.id).collect();
    let moves = trace
        .into_iter()
        .zip(&order)
        .enumerate()
        .map(|(final_rank, ((original_rank, steps), &id))| ItemMove {
            id,
            original_rank,
            final_rank,
            steps,
        })
        .collect();
    Ok(RerankOutcome { order, moves })
}

fn missing(field: &str, policy: &str) -> Error {
    Error::invalid(
        format!("context.{field}"),
        format!("required by the `{policy}` policy"),
    )
}

/// Runs one policy on a ranked slice; returns the chosen positions and, for score-changing
/// policies, the new score of each chosen position.
fn run_step(
    step: &RerankerConfig,
    items: &[RerankItem],
    k: usize,
    ctx: &RerankContext<'_>,
) -> Result<(Vec<usize>, Option<Vec<f64>>)> {
    let n = items.len();
    let geyik = |c: &GeyikConfig, a| (geyik_idx(items, &c.targets, k, a), None);
    Ok(match step {
        RerankerConfig::None | RerankerConfig::Chain { .. } => ((0..n.min(k)).collect(), None),
        RerankerConfig::Fair(c) => {
            let kk = k.min(n);
            if kk == 0 {
                (Vec::new(), None)
            } else {
                let t = adjusted_mtable(kk, c.p, c.alpha, c.mode)?;
                (
                    fair_top_k_idx(items, &c.protected_groups, kk, &t.table)?,
                    None,
                )
            }
        }
        RerankerConfig::DetGreedy(c) => geyik(c, GeyikAlgorithm::DetGreedy),
        RerankerConfig::DetCons(c) => geyik(c, GeyikAlgorithm::DetCons),
        RerankerConfig::DetRelaxed(c) => geyik(c, GeyikAlgorithm::DetRelaxed),
        RerankerConfig::DetConstSort(c) => geyik(c, GeyikAlgorithm::DetConstSort),
        RerankerConfig::FairCo(c) => {
            let ledger = ctx.ledger.ok_or_else(|| missing("ledger", "fair_co"))?;
            let (idx, s) = fairco_idx(items, ledger, c).into_iter().unzip();
            (idx, Some(s))
        }
        RerankerConfig::Mmr(c) => {
            let sim = ctx.similarity.ok_or_else(|| missing("similarity", "mmr"))?;
            (mmr_idx(items, k, c.lambda, sim), None)
        }
        RerankerConfig::RoundRobin(c) => (round_robin_idx(items, k, c.keep_head), None),
        RerankerConfig::PriceTier => {
            let rate = ctx
                .hourly_rate
                .ok_or_else(|| missing("hourly_rate", "price_tier"))?;
            (
                price_tier_idx(items.iter().map(|it| rate(it.id)), n, k),
                None,
            )
        }
        RerankerConfig::Exploration(c) => {
            let imps = ctx
                .impressions
                .ok_or_else(|| missing("impressions", "exploration"))?;
            let (idx, s) = explore_idx(items, imps, ctx.draw_key, c)
                .into_iter()
                .unzip();
            (idx, Some(s))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_validates() {
        let json = r#"{"type":"chain","steps":[
            {"type":"exploration","max_boost":0.05,"min_impressions":20,"seed":3},
            {"type":"fair","p":0.5,"alpha":0.1,"protected_groups":[1]}]}"#;
        let c: RerankerConfig = serde_json::from_str(json).unwrap();
        c.validate().unwrap();
        let back: RerankerConfig =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let bad: RerankerConfig =
            serde_json::from_str(r#"{"type":"fair","p":2,"alpha":0.1,"protected_groups":[1]}"#)
                .unwrap();
        let e = bad.validate().unwrap_err();
        assert!(e.to_string().contains("fair.p"), "{e}");
        let g: RerankerConfig = serde_json::from_str(
            r#"{"type":"det_const_sort","targets":[{"group":0,"proportion":0.5}]}"#,
        )
        .unwrap();
        g.validate().unwrap();
    }

    #[test]
    fn explains_moves_and_requires_context() {
        // 6 non-protected items above 4 protected ones
        let items: Vec<RerankItem> = (0..10)
            .map(|i| RerankItem::new(i, 1.0 - 0.05 * i as f64, u32::from(i >= 6)))
            .collect();
        let cfg = RerankerConfig::Fair(FairConfig {
            p: 0.5,
            alpha: 0.1,
            mode: MTableMode::Exact,
            protected_groups: vec![1],
        });
        let out = apply(&cfg, &items, 6, &RerankContext::default()).unwrap();
        assert_eq!(out.order.len(), 6);
        let promoted = out.moves.iter().find(|m| m.id == 6).unwrap();
        let (policy, places) = promoted.moved_by().unwrap();
        assert_eq!(policy, PolicyKind::Fair);
        assert_eq!(
            places,
            promoted.original_rank as i64 - promoted.final_rank as i64
        );
        let fc = RerankerConfig::FairCo(FairCoConfig {
            lambda: 0.1,
            unit: Default::default(),
        });
        let e = apply(&fc, &items, 5, &RerankContext::default()).unwrap_err();
        assert!(e.to_string().contains("context.ledger"));
        // a chain: exploration then FA*IR
        let chain = RerankerConfig::Chain {
            steps: vec![
                RerankerConfig::Exploration(ExplorationConfig {
                    max_boost: 0.3,
                    min_impressions: 5,
                    max_promotion: Some(2),
                    seed: 1,
                }),
                cfg,
            ],
        };
        let imps = |id: DocId| u64::from(!id.is_multiple_of(3)) * 10;
        let ctx = RerankContext {
            impressions: Some(&imps),
            ..Default::default()
        };
        let a = apply(&chain, &items, 6, &ctx).unwrap();
        let b = apply(&chain, &items, 6, &ctx).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.order.len(), 6);
    }

    #[test]
    fn chain_explanations_follow_each_step() {
        // ids 0..5 non-protected (scores 1.0 .. 0.6), ids 5..10 protected (0.5 .. 0.1)
        let items: Vec<RerankItem> = (0..10)
            .map(|i| RerankItem::new(i, 1.0 - 0.1 * f64::from(i), u32::from(i >= 5)))
            .collect();
        // step 1: DetConstSort with 50/50 targets; step 2: keep the best 2, round-robin rest
        let chain = RerankerConfig::Chain {
            steps: vec![
                RerankerConfig::DetConstSort(GeyikConfig {
                    targets: vec![
                        GroupTarget {
                            group: 0,
                            proportion: 0.5,
                        },
                        GroupTarget {
                            group: 1,
                            proportion: 0.5,
                        },
                    ],
                }),
                RerankerConfig::RoundRobin(RoundRobinConfig { keep_head: 2 }),
            ],
        };
        let out = apply(&chain, &items, 4, &RerankContext::default()).unwrap();
        // DetConstSort (strict): [0, 5, 1, 6]; round-robin keeps [0, 5] and then groups
        // in first-appearance order of the rest: 1 (group 0), 6 (group 1)
        assert_eq!(out.order, vec![0, 5, 1, 6]);
        let m5 = &out.moves[1];
        assert_eq!((m5.id, m5.original_rank, m5.final_rank), (5, 5, 1));
        assert_eq!(
            m5.steps,
            vec![StepMove {
                policy: PolicyKind::DetConstSort,
                from: 5,
                to: 1
            }]
        );
        assert_eq!(m5.moved_by(), Some((PolicyKind::DetConstSort, 4)));
        let m0 = &out.moves[0];
        assert!(m0.steps.is_empty() && m0.moved_by().is_none());
        // nested chains are rejected
        let nested = RerankerConfig::Chain { steps: vec![chain] };
        assert!(
            nested
                .validate()
                .unwrap_err()
                .to_string()
                .contains("chain.steps[0]")
        );
    }
}
