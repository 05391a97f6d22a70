//! The re-ranking stage (DESIGN.md §1 stage 4): the request's fairness policy over the
//! selected pool, seen through request-local ids numbered in external-id order.

use super::request::RequestCtx;
use crate::error::{Error, Result};
use crate::explain::RerankMove;
use crate::ids::DocId;
use crate::learn;
use crate::rerank::{self, FairCoUnit, RerankContext, RerankItem, RerankerConfig};

impl RequestCtx<'_> {
    /// Applies the request's fairness policy (if any) to `ranked` (score order) and returns at
    /// most k `(score, id, moves)`. The exposure ledger, impression counts and hourly rates
    /// exist only for freelancers, so only a ranking of freelancers passes them to the
    /// policies.
    pub fn rerank(&self, ranked: Vec<(f64, DocId)>) -> Result<Vec<(f64, DocId, Vec<RerankMove>)>> {
        let freelancers = self.dir.ranks_freelancers();
        let k = self.opts.k;
        let Some(fo) = &self.opts.fairness else {
            return Ok(ranked
                .into_iter()
                .take(k)
                .map(|(s, d)| (s, d, Vec::new()))
                .collect());
        };
        let group_of = |d: DocId| -> u32 {
            // `d` may be any ledger key (`aggregate` below), not only a candidate
            let attrs = if freelancers {
                self.cat
                    .freelancers
                    .get(d as usize)
                    .and_then(Option::as_ref)
                    .map(|e| &e.input.attributes)
            } else {
                self.cat
                    .jobs
                    .get(d as usize)
                    .and_then(Option::as_ref)
                    .map(|e| &e.input.attributes)
            };
            attrs.map_or(fo.groups.len() as u32, |a| fo.group_of(a))
        };
        // The policies see request-local ids numbered in external-id order: their ties
        // (score, then lower id), FairCo's stable order and the order of equal candidates in
        // every step then follow external ids, whatever the upsert order.
        let mut docs: Vec<DocId> = ranked.iter().map(|&(_, d)| d).collect();
        if freelancers {
            docs.sort_by_key(|&d| self.cat.freelancer_tie(d));
        } else {
            docs.sort_by_key(|&d| self.cat.job_tie(d));
        }
        let local_of: std::collections::HashMap<DocId, DocId> = docs
            .iter()
            .enumerate()
            .map(|(l, &d)| (d, l as DocId))
            .collect();
        let doc_of = |l: DocId| docs[l as usize];
        let items: Vec<RerankItem> = ranked
            .iter()
            .map(|&(s, d)| RerankItem::new(local_of[&d], s, group_of(d)))
            .collect();
        let score_of: Vec<f64> = {
            let mut v = vec![0.0; docs.len()];
            for &(s, d) in &ranked {
                v[local_of[&d] as usize] = s;
            }
            v
        };
        // FairCo reads the engine's per-freelancer ledger, summed into this request's groups
        // when the policy balances groups, else renumbered to the local ids.
        let units = fairco_units(&fo.policy);
        if units.contains(&FairCoUnit::Group) && units.contains(&FairCoUnit::Individual) {
            return Err(Error::invalid(
                "options.fairness.policy",
                "a chain may use FairCo over groups or over individuals, not both",
            ));
        }
        let ledger = if !freelancers || units.is_empty() {
            None
        } else if units.contains(&FairCoUnit::Group) {
            Some(self.ledger.aggregate(|d| Some(group_of(d))))
        } else {
            let pairs: Vec<(u32, u32)> = local_of.iter().map(|(&d, &l)| (d, l)).collect();
            Some(self.ledger.remap(&pairs))
        };
        let impressions = |l: DocId| {
            self.events
                .freelancer(doc_of(l))
                .map_or(0, |s| s.total(None, None).impressions)
        };
        let similarity = |a: DocId, b: DocId| {
            let skills = |d: DocId| -> Vec<u32> {
                if freelancers {
                    self.cat.freelancers[d as usize]
                        .as_ref()
                        .map(|e| e.claims.iter().map(|c| c.skill).collect())
                        .unwrap_or_default()
                } else {
                    let mut v: Vec<u32> = self.cat.jobs[d as usize]
                        .as_ref()
                        .map(|e| e.reqs.iter().map(|r| r.skill).collect())
                        .unwrap_or_default();
                    v.sort_unstable();
                    v
                }
            };
            rerank::jaccard_similarity(&skills(doc_of(a)), &skills(doc_of(b)))
        };
        let rate = |l: DocId| {
            if freelancers {
                self.cat.rows[doc_of(l) as usize].rate
            } else {
                None
            }
        };
        // exploration draws by external id: a candidate's luck is its own, not its number
        let draw_key = |l: DocId| {
            let t = if freelancers {
                self.cat.freelancer_tie(doc_of(l))
            } else {
                self.cat.job_tie(doc_of(l))
            };
            stable_hash(t.ext)
        };
        let rctx = RerankContext {
            ledger: ledger.as_ref(),
            impressions: freelancers.then_some(&impressions as &dyn Fn(DocId) -> u64),
            similarity: Some(&similarity),
            hourly_rate: freelancers.then_some(&rate as &dyn Fn(DocId) -> Option<f64>),
            draw_key: Some(&draw_key),
        };
        let out = rerank::apply(&fo.policy, &items, k, &rctx)
            .map_err(|e| e.within("options.fairness"))?;
        Ok(out
            .order
            .iter()
            .zip(&out.moves)
            .map(|(&l, m)| {
                let moves = m
                    .steps
                    .iter()
                    .map(|st| RerankMove {
                        policy: serde_json::to_value(st.policy)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        from: st.from + 1,
                        to: st.to + 1,
                    })
                    .collect();
                (score_of[l as usize], doc_of(l), moves)
            })
            .collect())
    }
}

/// What logged exploration did to one ranking.
pub(crate) struct Explored {
    /// Whether the top was re-ordered.
    pub explored: bool,
    /// Per result (final order): the probability of its rank under the policy.
    pub propensities: Vec<f64>,
}

impl RequestCtx<'_> {
    /// Logged exploration (issue 18 item 1; `EngineConfig::learning.exploration`): on the
    /// policy's share of request ids, re-orders the first `min(top_m, eligible)` results by a
    /// Plackett–Luce draw over their scores (`learn::plackett_luce_sample`, seeded by the
    /// policy's seed and the request id) and returns each result's exact position probability
    /// (`learn::plackett_luce_marginals`; 1 outside the explored top). Only freelancers for a
    /// job are explored (what `record_impressions` logs). `eligible` keeps results shown only
    /// to fill a short list (below the must-have gate) out of the draw. `None` when the engine
    /// has no exploration policy.
    pub fn explore(
        &self,
        ranked: &mut [(f64, DocId, Vec<RerankMove>)],
        eligible: usize,
    ) -> Result<Option<Explored>> {
        let Some(p) = self.exploration else {
            return Ok(None);
        };
        let mut out = Explored {
            explored: false,
            propensities: vec![1.0; ranked.len()],
        };
        let m = p.top_m.min(eligible).min(ranked.len());
        let Some(rid) = self.opts.request_id.as_deref() else {
            return Ok(Some(out));
        };
        if !self.dir.ranks_freelancers() || m < 2 {
            return Ok(Some(out));
        }
        let key = crate::util::splitmix64(stable_hash(rid) ^ p.seed);
        // the request's share draw: the top 53 bits as a uniform number in [0, 1)
        if (key >> 11) as f64 / (1u64 << 53) as f64 >= p.share {
            return Ok(Some(out));
        }
        let scores: Vec<f64> = ranked[..m].iter().map(|r| r.0).collect();
        let marginals = learn::plackett_luce_marginals(&scores, p.temperature)
            .map_err(|e| e.within("learning"))?;
        let order =
            learn::plackett_luce_sample(&scores, p.temperature, crate::util::splitmix64(key));
        let before: Vec<(f64, DocId, Vec<RerankMove>)> = ranked[..m].to_vec();
        for (pos, &item) in order.iter().enumerate() {
            let mut r = before[item].clone();
            if item != pos {
                r.2.push(RerankMove {
                    policy: "exploration".to_owned(),
                    from: item + 1,
                    to: pos + 1,
                });
            }
            ranked[pos] = r;
            out.propensities[pos] = marginals[item * m + pos];
        }
        out.explored = true;
        Ok(Some(out))
    }
}

/// A fixed 64-bit hash of a string (FNV-1a, Fowler–Noll–Vo), the same on every platform and
/// run: the key of a candidate's seeded exploration draw.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The FairCo units a policy (or chain) uses.
fn fairco_units(c: &RerankerConfig) -> Vec<FairCoUnit> {
    match c {
        RerankerConfig::FairCo(f) => vec![f.unit],
        RerankerConfig::Chain { steps } => steps.iter().flat_map(fairco_units).collect(),
        _ => Vec::new(),
    }
}
