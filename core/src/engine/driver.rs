//! The one request driver (DESIGN.md §1) for both directions and every scorer:
//! filter → retrieve → score → select → rerank → explain → respond.
//!
//! Candidates are scanned in internal-id order (in parallel chunks on large catalogues);
//! ties break by score, then **external id** (top-k selection, the re-ranking stage and its
//! seeded exploration draws all see candidates by external id), so equal inputs give equal
//! outputs whatever the upsert order. The one exception is a scorer with
//! [`Ties::CatalogueOrder`] (megilance_v1, which reproduces the seed: score, then catalogue
//! order; research/megilance_v1.md "Ranking").
//!
//! Every scorer gets the same machinery: the vetoes, the parallel chunked scan, top-k
//! selection and pruning (a candidate whose [`Scorer::upper_bound`] over the factors known
//! so far cannot reach the current top k is not finished), re-ranking and explanations for
//! the k results only. Retrieval applies where [`RequestCtx::retrieve`] says it is valid.

use rayon::prelude::*;

use super::catalog::{JobEntry, Tie};
use super::options::{Match, PairScore, Recommendations};
use super::request::RequestCtx;
use crate::domain::Direction;
use crate::error::Result;
use crate::explain::RerankMove;
use crate::filter::{Gate, Veto, VetoCounts};
use crate::ids::DocId;
use crate::rerank;
use crate::score::megilance::SkillRounding;
use crate::score::{FactorSet, Ties};
use crate::skills::{
    AnchorSide, Expansion, FitScratch, SkillFit, fit_with_held_expansion,
    fit_with_needed_expansion, occupation_similarity,
};
use crate::util::TopK;

/// Catalogues at least this large are scanned in parallel chunks (when rayon has threads).
const PARALLEL_MIN: usize = 8192;

/// Price tiers of the megilance_v1 diversity step ([`rerank::price_tier`]).
const TIERS: usize = 4;

/// What a request ranks for: a job (freelancers ranked) or a freelancer (jobs ranked).
#[derive(Clone, Copy)]
pub(crate) enum Anchor<'a> {
    Job(&'a JobEntry),
    Freelancer(usize),
}

/// The candidates of one request, whichever side they are.
struct Candidates<'c, 'a> {
    ctx: &'c RequestCtx<'a>,
    anchor: Anchor<'a>,
    /// The anchor side's similarity table (default factors only).
    exp: Option<Expansion>,
}

impl<'c, 'a> Candidates<'c, 'a> {
    /// The freelancers of job `j` under the default factors: the job's needed-side expansion
    /// built once (what one pair's score and the impression log's factor values share).
    fn for_job(ctx: &'c RequestCtx<'a>, j: &'a JobEntry) -> Self {
        Self {
            ctx,
            anchor: Anchor::Job(j),
            exp: Some(ctx.expansion(j.reqs.iter().map(|r| r.skill), AnchorSide::Needed)),
        }
    }

    /// Slots to scan (live or not).
    fn slots(&self) -> usize {
        match self.anchor {
            Anchor::Job(_) => self.ctx.cat.rows.len(),
            Anchor::Freelancer(_) => self.ctx.cat.jobs.len(),
        }
    }

    /// The pair of candidate `doc` as `(job, freelancer doc)`, if it is live.
    #[inline]
    fn pair_of(&self, doc: usize) -> Option<(&'a JobEntry, usize)> {
        match self.anchor {
            Anchor::Job(j) => self.ctx.cat.rows[doc].live.then_some((j, doc)),
            Anchor::Freelancer(f) => self.ctx.cat.jobs[doc].as_ref().map(|j| (j, f)),
        }
    }

    /// The external id of candidate `doc`.
    fn id(&self, doc: usize) -> Option<String> {
        match self.anchor {
            Anchor::Job(_) => self.ctx.cat.freelancers[doc]
                .as_ref()
                .map(|e| e.input.id.clone()),
            Anchor::Freelancer(_) => self.ctx.cat.jobs[doc].as_ref().map(|e| e.input.id.clone()),
        }
    }

    /// The tie-break key of candidate `doc` under the scorer's rule.
    #[inline]
    fn tie(&self, doc: usize) -> Tie<'a> {
        let d = doc as DocId;
        match (self.ctx.scorer.ties(), self.anchor) {
            (Ties::CatalogueOrder, _) => Tie { ext: "", doc: d },
            (Ties::ExternalId, Anchor::Job(_)) => self.ctx.cat.freelancer_tie(d),
            (Ties::ExternalId, Anchor::Freelancer(_)) => self.ctx.cat.job_tie(d),
        }
    }

    /// The skill fit of the pair, from the anchor side's expansion, with the occupation
    /// evidence mixed in when the taxonomy has occupation profiles.
    fn fit(&self, j: &JobEntry, fdoc: usize, scratch: &mut FitScratch) -> SkillFit {
        let (ctx, cat) = (self.ctx, self.ctx.cat);
        let exp = self
            .exp
            .as_ref()
            .expect("the default factors have an expansion");
        let fit = match self.anchor {
            Anchor::Job(_) => fit_with_needed_expansion(
                &cat.taxonomy,
                exp,
                &j.reqs,
                cat.claims_of(&cat.rows[fdoc]),
                &ctx.cfg.fit,
                &ctx.spec,
                scratch,
            ),
            Anchor::Freelancer(_) => fit_with_held_expansion(
                &cat.taxonomy,
                exp,
                &j.reqs,
                &ctx.entry(fdoc).claims,
                &ctx.cfg.fit,
                &ctx.spec,
                scratch,
            ),
        };
        if j.occupation.is_empty() || ctx.cfg.fit.occupation == 0.0 {
            return fit;
        }
        let occ = occupation_similarity(&j.occupation, &ctx.entry(fdoc).occupation);
        fit.with_occupation(occ, &ctx.cfg.fit)
    }
}

/// Where a scanned candidate competes.
#[derive(Clone, Copy)]
enum Heap {
    /// The main selection (price tier `t` under the megilance_v1 diversity step, else 0).
    Main(usize),
    /// The best below the must-have gate (`relax_when_short`), to fill a short list.
    BelowGate,
}

/// What one scan of a chunk of candidates collects.
struct ScanAcc<'a> {
    /// One top-k, or one per price tier (the diversity step needs each tier's best).
    main: Vec<TopK<f64, Tie<'a>>>,
    below_gate: TopK<f64, Tie<'a>>,
    vetoes: VetoCounts,
    candidates: u32,
    scored: u32,
    below: u32,
    gate_failed: u32,
}

impl<'a> ScanAcc<'a> {
    fn new(sel: &Selection) -> Self {
        Self {
            main: (0..sel.heaps).map(|_| TopK::new(sel.size)).collect(),
            below_gate: TopK::new(sel.fill),
            vetoes: VetoCounts::default(),
            candidates: 0,
            scored: 0,
            below: 0,
            gate_failed: 0,
        }
    }

    fn heap(&mut self, h: Heap) -> &mut TopK<f64, Tie<'a>> {
        match h {
            Heap::Main(t) => &mut self.main[t],
            Heap::BelowGate => &mut self.below_gate,
        }
    }

    fn merge(mut self, o: ScanAcc<'a>) -> ScanAcc<'a> {
        for (a, b) in self.main.iter_mut().zip(o.main) {
            a.merge(b);
        }
        self.below_gate.merge(o.below_gate);
        self.vetoes.merge(&o.vetoes);
        self.candidates += o.candidates;
        self.scored += o.scored;
        self.below += o.below;
        self.gate_failed += o.gate_failed;
        self
    }
}

/// The select stage's shape: how many heaps of which size.
struct Selection {
    heaps: usize,
    size: usize,
    fill: usize,
    /// The megilance_v1 price-tier step follows (heaps = one per tier).
    price_tier: bool,
}

impl Selection {
    /// A fairness policy gets its pool (the policy chooses k from it). Without one, the
    /// megilance_v1 price-tier step needs, per tier, the best k + 1: the step keeps the
    /// first ⌊0.6k⌋ of the ranking and fills the rest round-robin from each tier's best in
    /// ranked order, never taking more than k from one tier; and the union of the tiers'
    /// best k + 1 holds the best k + 1 overall, so "more than k candidates" (when the step
    /// applies at all) is decided the same as over everyone.
    fn of(ctx: &RequestCtx<'_>) -> Self {
        let k = ctx.opts.k;
        let price_tier = ctx.scorer.price_tier_step()
            && ctx.dir.ranks_freelancers()
            && ctx.opts.fairness.is_none()
            && ctx.opts.diversity.unwrap_or(true);
        if price_tier {
            Self {
                heaps: TIERS,
                size: k + 1,
                fill: k,
                price_tier,
            }
        } else {
            Self {
                heaps: 1,
                size: ctx.pool(),
                fill: k,
                price_tier,
            }
        }
    }
}

/// Ranks the candidates of one request.
pub(crate) fn recommend(ctx: &RequestCtx<'_>, anchor: Anchor<'_>) -> Result<Recommendations> {
    let cat = ctx.cat;
    let set = ctx.scorer.factor_set();
    let exp = (set == FactorSet::Default).then(|| match anchor {
        Anchor::Job(j) => ctx.expansion(j.reqs.iter().map(|r| r.skill), AnchorSide::Needed),
        Anchor::Freelancer(f) => ctx.expansion(
            ctx.entry(f).claims.iter().map(|c| c.skill),
            AnchorSide::Held,
        ),
    });
    let cands = Candidates { ctx, anchor, exp };
    let sel = Selection::of(ctx);
    let min = ctx.opts.min_score;
    // One scan per chunk of the candidates (rayon); each chunk keeps its own top-k and
    // counts, merged afterwards. The result is the same for any split and any number of
    // threads because the top-k order (score, then tie key) is total.
    let scan = |docs: &mut dyn Iterator<Item = usize>| {
        let mut acc = ScanAcc::new(&sel);
        let mut scratch = FitScratch::default();
        let mut rounding = SkillRounding::default();
        for doc in docs {
            let Some((j, fdoc)) = cands.pair_of(doc) else {
                continue;
            };
            acc.candidates += 1;
            let pair = ctx.pair(j, fdoc);
            if let Some(v) = ctx.filters.screen(ctx.dir, doc as DocId, &pair) {
                acc.vetoes.add(v);
                continue;
            }
            let main = Heap::Main(if sel.price_tier {
                rerank::price_tier(pair.f.rate) as usize
            } else {
                0
            });
            // score: the factors known first, a bound, then the rest (when it can still
            // enter the top k, or decide the below-min count)
            let (heap, total) = match set {
                FactorSet::Default => {
                    let fit = cands.fit(j, fdoc, &mut scratch);
                    let gate = ctx.gate(j, &fit);
                    if gate == Gate::Veto {
                        acc.vetoes.add(Veto::MustHaveSkills);
                        acc.gate_failed += 1;
                        continue;
                    }
                    acc.scored += 1;
                    let heap = if gate == Gate::Below {
                        acc.gate_failed += 1;
                        Heap::BelowGate
                    } else {
                        main
                    };
                    let mut known = [None; 9];
                    known[0] = Some(fit.score);
                    if pruned(&mut acc, heap, ctx.scorer.upper_bound(&known), min) {
                        continue;
                    }
                    // then the cheap factors (job-independent parts cached in the row)
                    let mut values = pair.cheap_default_values();
                    values[0] = Some(fit.score);
                    if pruned(&mut acc, heap, ctx.scorer.upper_bound(&values), min) {
                        continue;
                    }
                    pair.complete_default_values(&mut values, &fit);
                    (heap, ctx.scorer.total(&values))
                }
                FactorSet::Megilance => {
                    acc.scored += 1;
                    let mut values = pair.megilance_without_skill();
                    if pruned(&mut acc, main, ctx.scorer.upper_bound(&values), min) {
                        continue;
                    }
                    values[0] = Some(pair.megilance_skill(&mut rounding));
                    (main, ctx.scorer.total(&values))
                }
            };
            if total < min {
                acc.below += 1;
                continue;
            }
            // the tie key (the external id) only for a candidate that can enter
            let top = acc.heap(heap);
            if top.threshold().is_none_or(|th| total >= th) {
                top.push(total, cands.tie(doc));
            }
        }
        acc
    };
    let n = cands.slots();
    // retrieve
    let retrieved = match (anchor, cands.exp.as_ref()) {
        (Anchor::Job(j), Some(exp)) => ctx.retrieve(j, exp)?,
        _ => None,
    };
    let acc = if let Some(list) = &retrieved {
        // The retrieved ids are sorted but sparse: each chunk asks for a candidate's row a
        // few candidates ahead, and for its claims once the row is in cache, so the skill fit
        // does not wait for memory on every candidate (measured: p50 −25 % at 100k).
        let cat = ctx.cat;
        let scan_ids = |ids: &[DocId]| {
            scan(&mut ids.iter().enumerate().map(|(i, &d)| {
                if let Some(&n) = ids.get(i + 8) {
                    prefetch(cat.rows.get(n as usize));
                }
                if let Some(row) = ids.get(i + 4).and_then(|&n| cat.rows.get(n as usize)) {
                    prefetch(cat.arena.get(row.claims_start as usize));
                }
                d as usize
            }))
        };
        if list.len() >= PARALLEL_MIN && rayon::current_num_threads() > 1 {
            let chunk = list
                .len()
                .div_ceil(rayon::current_num_threads() * 4)
                .max(1024);
            list.par_chunks(chunk)
                .map(scan_ids)
                .reduce(|| ScanAcc::new(&sel), ScanAcc::merge)
        } else {
            scan_ids(list)
        }
    } else if n >= PARALLEL_MIN && rayon::current_num_threads() > 1 {
        let chunk = n.div_ceil(rayon::current_num_threads() * 4).max(1024);
        (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|c| scan(&mut (c * chunk..((c + 1) * chunk).min(n))))
            .reduce(|| ScanAcc::new(&sel), ScanAcc::merge)
    } else {
        scan(&mut (0..n))
    };
    // select + rerank
    let k = ctx.opts.k;
    let mut ranked: Vec<(f64, DocId, Vec<RerankMove>)> = if sel.price_tier {
        let mut all: Vec<(f64, Tie<'_>)> = acc
            .main
            .into_iter()
            .flat_map(TopK::into_sorted_vec)
            .collect();
        all.sort_by(|a, b| crate::util::cmp_score_desc_id_asc(*a, *b));
        if all.len() > k {
            // the seed's price-tier step (megilance_v1.md "Ranking")
            let with_rates: Vec<(DocId, f64, Option<f64>)> = all
                .iter()
                .map(|&(s, t)| (t.doc, s, cat.rows[t.doc as usize].rate))
                .collect();
            let score_of: std::collections::HashMap<DocId, f64> =
                all.iter().map(|&(s, t)| (t.doc, s)).collect();
            rerank::price_tier_diversity(&with_rates, k)
                .into_iter()
                .map(|d| (score_of[&d], d, Vec::new()))
                .collect()
        } else {
            all.into_iter()
                .map(|(s, t)| (s, t.doc, Vec::new()))
                .collect()
        }
    } else {
        let main = acc.main.into_iter().next().expect("one heap");
        ctx.rerank(by_doc(main))?
    };
    // relax_when_short: the best below the gate fill a short list, after all others
    let passed = ranked.len();
    ranked.extend(
        by_doc(acc.below_gate)
            .into_iter()
            .take(k.saturating_sub(passed))
            .map(|(s, d)| (s, d, Vec::new())),
    );
    // logged exploration (issue 18): the top re-ordered by a seeded draw, with propensities
    let explored = ctx.explore(&mut ranked, passed)?;
    // explain (the k results only)
    let mut scratch = FitScratch::default();
    let mut matches = Vec::with_capacity(ranked.len());
    for (rank, (total, doc, moves)) in ranked.into_iter().enumerate() {
        let (Some((j, fdoc)), Some(id)) = (cands.pair_of(doc as usize), cands.id(doc as usize))
        else {
            continue;
        };
        let mut m = match set {
            FactorSet::Default => {
                let fit = cands.fit(j, fdoc, &mut scratch);
                ctx.default_match(j, fdoc, &fit, id, rank + 1, moves)
            }
            FactorSet::Megilance => {
                let s = ctx.pair(j, fdoc).megilance();
                let reasons = ctx.dir == Direction::JobsForFreelancer;
                let mut m = ctx.megilance_match(id, &s, reasons);
                m.rank = rank + 1;
                if let Some(x) = m.explanation.as_mut() {
                    x.moves = moves;
                }
                m
            }
        };
        debug_assert_eq!(m.score, total, "the scan and the explained result agree");
        m.below_gate = rank >= passed;
        m.propensity = explored.as_ref().map(|e| e.propensities[rank]);
        matches.push(m);
    }
    // respond
    let mut out = ctx.finish(
        matches,
        (acc.candidates, acc.scored, acc.below, acc.gate_failed),
        acc.vetoes,
        retrieved.map(|l| l.len() as u32),
    );
    out.explored = explored.is_some_and(|e| e.explored);
    Ok(out)
}

/// Whether a candidate whose total is at most `ub` is skipped: it cannot reach the heap's
/// top k, nor decide the below-min count (counted here when `ub` is below `min`).
#[inline]
fn pruned(acc: &mut ScanAcc<'_>, heap: Heap, ub: f64, min: f64) -> bool {
    let Some(th) = acc.heap(heap).threshold() else {
        return false;
    };
    if ub < th && (min <= 0.0 || ub < min) {
        if ub < min {
            acc.below += 1;
        }
        return true;
    }
    false
}

/// The kept candidates of a top-k in result order, as `(score, doc)`.
fn by_doc(top: TopK<f64, Tie<'_>>) -> Vec<(f64, DocId)> {
    top.into_sorted_vec()
        .into_iter()
        .map(|(s, t)| (s, t.doc))
        .collect()
}

/// One (job, freelancer) pair scored as the job's ranking would score it, with the vetoes
/// that would remove the freelancer from that ranking (the request's exclusion list aside).
pub(crate) fn score_pair(ctx: &RequestCtx<'_>, j: &JobEntry, fdoc: usize) -> PairScore {
    let pair = ctx.pair(j, fdoc);
    let mut vetoes: Vec<String> = ctx
        .filters
        .veto(ctx.dir, &pair)
        .map(|v| v.name().to_owned())
        .into_iter()
        .collect();
    let id = ctx.entry(fdoc).input.id.clone();
    let result: Match = match ctx.scorer.factor_set() {
        FactorSet::Default => {
            let fit = Candidates::for_job(ctx, j).fit(j, fdoc, &mut FitScratch::default());
            let gate = ctx.gate(j, &fit);
            if gate == Gate::Veto {
                vetoes.push(Veto::MustHaveSkills.name().to_owned());
            }
            let mut m = ctx.default_match(j, fdoc, &fit, id, 1, Vec::new());
            m.below_gate = gate == Gate::Below;
            m
        }
        FactorSet::Megilance => {
            let mut m = ctx.megilance_match(id, &pair.megilance(), false);
            m.rank = 1;
            m
        }
    };
    PairScore { result, vetoes }
}

/// The `default` factor values of job `j` paired with each freelancer of `fdocs` (the values
/// the learned preset weighs; `None` = not applicable), the job's expansion built once.
pub(crate) fn default_values(
    ctx: &RequestCtx<'_>,
    j: &JobEntry,
    fdocs: &[usize],
) -> Vec<[Option<f64>; 9]> {
    let cands = Candidates::for_job(ctx, j);
    let mut scratch = FitScratch::default();
    fdocs
        .iter()
        .map(|&f| {
            ctx.pair(j, f)
                .default_values(&cands.fit(j, f, &mut scratch))
        })
        .collect()
}

/// Asks the CPU to bring `x` into cache (a hint: no effect on results; nothing on other
/// architectures).
#[inline(always)]
fn prefetch<T>(x: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = x {
        // SAFETY: a prefetch never faults and reads nothing the program sees; `x` is a valid
        // reference anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast::<i8>(),
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
