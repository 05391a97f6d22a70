//! Offline relevance evaluation: every ranker of [`super::rankers`] ranks every job's pool;
//! NDCG@k (graded gains `2^g − 1`, ideal over the whole pool), recall@k, precision@k and
//! MRR@k (binary relevance: grade ≥ `relevant_grade`), each with a percentile bootstrap 95 %
//! confidence interval over jobs, and paired ratios of means (A/B) computed on the same
//! resampled jobs.

use std::collections::BTreeMap;

use fairmatch::Engine;
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::LabError;
use super::generate::stream;
use super::market::Marketplace;
use super::rankers::{RankContext, RankerKind, RankerSpec};

/// Evaluation settings.
#[derive(Debug, Clone, Serialize)]
pub struct EvalConfig {
    /// Cut-off of every metric.
    pub k: usize,
    /// Lowest grade that counts as relevant for recall, precision and MRR (grades: 3 same
    /// occupation, 2 same ISCO unit group, 1 same minor group).
    pub relevant_grade: u8,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            k: 10,
            relevant_grade: 2,
            resamples: 1000,
            seed: 13,
        }
    }
}

/// Metrics of one ranked list.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ListMetrics {
    /// NDCG@k.
    pub ndcg: f64,
    /// Recall@k.
    pub recall: f64,
    /// Precision@k.
    pub precision: f64,
    /// Reciprocal rank of the first relevant result within k (0 if none).
    pub mrr: f64,
}

/// Grade counts of a pool, for the ideal DCG and recall denominators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolGrades {
    /// Candidates per grade 0..=3.
    pub counts: [usize; 4],
}

impl PoolGrades {
    /// Relevant candidates (grade ≥ `g`).
    pub fn relevant(&self, g: u8) -> usize {
        self.counts[g as usize..].iter().sum()
    }

    /// The ideal DCG@k.
    pub fn ideal_dcg(&self, k: usize) -> f64 {
        let mut dcg = 0.0;
        let mut pos = 0;
        for g in (1..=3).rev() {
            for _ in 0..self.counts[g] {
                if pos == k {
                    return dcg;
                }
                dcg += gain(g as u8) / ((pos + 2) as f64).log2();
                pos += 1;
            }
        }
        dcg
    }
}

/// Gain of grade `g`: `2^g − 1`.
pub fn gain(g: u8) -> f64 {
    f64::from((1u32 << g) - 1)
}

/// The metrics of a list of grades (best first) against the pool's grade counts.
pub fn list_metrics(grades: &[u8], pool: &PoolGrades, k: usize, relevant_grade: u8) -> ListMetrics {
    let grades = &grades[..grades.len().min(k)];
    let dcg: f64 = grades
        .iter()
        .enumerate()
        .map(|(i, &g)| gain(g) / ((i + 2) as f64).log2())
        .sum();
    let ideal = pool.ideal_dcg(k);
    let hits = grades.iter().filter(|&&g| g >= relevant_grade).count();
    let rel = pool.relevant(relevant_grade);
    ListMetrics {
        ndcg: if ideal > 0.0 { dcg / ideal } else { 0.0 },
        recall: if rel > 0 {
            hits as f64 / rel as f64
        } else {
            0.0
        },
        precision: hits as f64 / k as f64,
        mrr: grades
            .iter()
            .position(|&g| g >= relevant_grade)
            .map_or(0.0, |p| 1.0 / (p + 1) as f64),
    }
}

/// A mean with its percentile bootstrap 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over jobs.
    pub mean: f64,
    /// 2.5th percentile of the bootstrap means.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
}

/// Percentile interval of bootstrap values.
pub fn percentile_interval(mut v: Vec<f64>) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1);
        v[i]
    };
    (at(0.025), at(0.975))
}

/// Seeded bootstrap resamples of `n` items (each a list of indices).
pub fn resamples(n: usize, count: usize, seed: u64) -> Vec<Vec<u32>> {
    (0..count)
        .map(|b| {
            let mut r = stream(seed, 100, b as u64);
            (0..n).map(|_| r.random_range(0..n as u32)).collect()
        })
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The mean of `v` and its bootstrap interval over `samples`.
pub fn estimate(v: &[f64], samples: &[Vec<u32>]) -> Estimate {
    let boots = samples
        .iter()
        .map(|s| s.iter().map(|&i| v[i as usize]).sum::<f64>() / s.len().max(1) as f64)
        .collect();
    let (lo, hi) = percentile_interval(boots);
    Estimate {
        mean: mean(v),
        lo,
        hi,
    }
}

/// The ratio of means `mean(a)/mean(b)` and its paired bootstrap interval (same resampled
/// items for both).
pub fn ratio_estimate(a: &[f64], b: &[f64], samples: &[Vec<u32>]) -> Estimate {
    let boots = samples
        .iter()
        .map(|s| {
            let sa: f64 = s.iter().map(|&i| a[i as usize]).sum();
            let sb: f64 = s.iter().map(|&i| b[i as usize]).sum();
            sa / sb
        })
        .filter(|x| x.is_finite())
        .collect();
    let (lo, hi) = percentile_interval(boots);
    Estimate {
        mean: mean(a) / mean(b),
        lo,
        hi,
    }
}

/// One ranker's result.
#[derive(Debug, Clone, Serialize)]
pub struct RankerResult {
    /// Name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// NDCG@k.
    pub ndcg: Estimate,
    /// Recall@k.
    pub recall: Estimate,
    /// Precision@k.
    pub precision: Estimate,
    /// MRR@k.
    pub mrr: Estimate,
    /// Jobs for which the ranker returned fewer than k results.
    pub short_lists: usize,
    /// Jobs for which it returned nothing.
    pub empty_lists: usize,
}

/// A paired ratio of two rankers' mean metric.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// Numerator ranker.
    pub a: String,
    /// Denominator ranker.
    pub b: String,
    /// Metric (`ndcg`, `recall`, `precision`, `mrr`).
    pub metric: String,
    /// The ratio with its paired bootstrap interval.
    pub ratio: Estimate,
}

/// The evaluation of one marketplace.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Settings.
    pub config: EvalConfig,
    /// Jobs evaluated (those with at least one relevant candidate in the pool).
    pub jobs: usize,
    /// Jobs skipped because their pool had no relevant candidate.
    pub jobs_without_relevant: usize,
    /// Mean pool size.
    pub mean_pool: f64,
    /// Mean relevant candidates per pool.
    pub mean_relevant: f64,
    /// Per ranker.
    pub rankers: Vec<RankerResult>,
    /// The best lexical baseline by mean NDCG.
    pub best_lexical: Option<String>,
    /// Paired ratios.
    pub ratios: Vec<Ratio>,
    /// Per-job metrics per ranker (name → jobs), for later analysis.
    #[serde(skip)]
    pub per_job: BTreeMap<String, Vec<ListMetrics>>,
}

impl Evaluation {
    /// A ranker's result by name.
    pub fn ranker(&self, name: &str) -> Option<&RankerResult> {
        self.rankers.iter().find(|r| r.name == name)
    }

    /// A ratio by names and metric.
    pub fn ratio(&self, a: &str, b: &str, metric: &str) -> Option<&Ratio> {
        self.ratios
            .iter()
            .find(|r| r.a == a && r.b == b && r.metric == metric)
    }
}

/// Evaluates `rankers` on `m`. `engine_for` builds (or reuses) the engine of an engine
/// ranker (its configuration, and whether it gets the skill-vector table); `progress` is told
/// about each finished (ranker, job).
pub fn evaluate(
    m: &Marketplace,
    rankers: &[RankerSpec],
    cfg: &EvalConfig,
    engine_for: &mut dyn FnMut(&fairmatch::EngineConfig, bool) -> Result<Engine, LabError>,
    progress: &(dyn Fn() + Sync),
) -> Result<Evaluation, LabError> {
    if cfg.k == 0 {
        return Err(LabError::Config("--k: must be ≥ 1".into()));
    }
    let ctx = RankContext::new(m);
    let pools: Vec<Vec<u32>> = (0..m.jobs.len())
        .into_par_iter()
        .map(|j| ctx.pool(j))
        .collect();
    let grades_of = |j: usize, list: &[u32]| -> Vec<u8> {
        list.iter().map(|&f| m.grade(j, f as usize)).collect()
    };
    let pool_grades: Vec<PoolGrades> = pools
        .par_iter()
        .enumerate()
        .map(|(j, p)| {
            let mut g = PoolGrades::default();
            for &f in p {
                g.counts[m.grade(j, f as usize) as usize] += 1;
            }
            g
        })
        .collect();
    let kept: Vec<usize> = (0..m.jobs.len())
        .filter(|&j| pool_grades[j].relevant(cfg.relevant_grade) > 0)
        .collect();
    let mut per_job: BTreeMap<String, Vec<ListMetrics>> = BTreeMap::new();
    let mut lists_info: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for spec in rankers {
        let started = std::time::Instant::now();
        let lists: Vec<Vec<u32>> = match &spec.kind {
            RankerKind::Engine {
                config,
                options,
                skill_vectors,
            } => {
                let engine = engine_for(config, *skill_vectors)?;
                kept.par_iter()
                    .map(|&j| {
                        let r = ctx.rank_engine(&engine, options, j, pools[j].len(), cfg.k);
                        progress();
                        r
                    })
                    .collect::<Result<_, _>>()?
            }
            kind => kept
                .par_iter()
                .map(|&j| {
                    let r = ctx.rank_offline(kind, j, &pools[j], cfg.k);
                    progress();
                    r
                })
                .collect(),
        };
        let metrics: Vec<ListMetrics> = kept
            .iter()
            .zip(&lists)
            .map(|(&j, l)| {
                list_metrics(&grades_of(j, l), &pool_grades[j], cfg.k, cfg.relevant_grade)
            })
            .collect();
        lists_info.insert(
            spec.name.clone(),
            (
                lists.iter().filter(|l| l.len() < cfg.k).count(),
                lists.iter().filter(|l| l.is_empty()).count(),
            ),
        );
        per_job.insert(spec.name.clone(), metrics);
        // wall-clock time goes to stderr only (outputs stay deterministic)
        eprintln!(
            "    {}: {:.1} s for {} jobs",
            spec.name,
            started.elapsed().as_secs_f64(),
            kept.len()
        );
    }
    let samples = resamples(kept.len(), cfg.resamples, cfg.seed);
    let column = |name: &str, f: fn(&ListMetrics) -> f64| -> Vec<f64> {
        per_job[name].iter().map(f).collect()
    };
    type Get = fn(&ListMetrics) -> f64;
    let metrics: [(&str, Get); 4] = [
        ("ndcg", |x| x.ndcg),
        ("recall", |x| x.recall),
        ("precision", |x| x.precision),
        ("mrr", |x| x.mrr),
    ];
    let results: Vec<RankerResult> = rankers
        .iter()
        .map(|s| {
            let e = |i: usize| estimate(&column(&s.name, metrics[i].1), &samples);
            let (short_lists, empty_lists) = lists_info[&s.name];
            RankerResult {
                name: s.name.clone(),
                description: s.description.clone(),
                ndcg: e(0),
                recall: e(1),
                precision: e(2),
                mrr: e(3),
                short_lists,
                empty_lists,
            }
        })
        .collect();
    let best_lexical = rankers
        .iter()
        .filter(|s| matches!(s.kind, RankerKind::Lexical(_)))
        .max_by(|a, b| {
            let m = |n: &str| {
                results
                    .iter()
                    .find(|r| r.name == n)
                    .map_or(0.0, |r| r.ndcg.mean)
            };
            m(&a.name).total_cmp(&m(&b.name))
        })
        .map(|s| s.name.clone());
    let mut pairs: Vec<(String, String)> = Vec::new();
    if per_job.contains_key("default") {
        for b in ["megilance_v1", "megilance_v1_nodiv", "8thdegree", "cosine"] {
            if per_job.contains_key(b) {
                pairs.push(("default".into(), b.into()));
            }
        }
        if let Some(b) = &best_lexical {
            pairs.push(("default".into(), b.clone()));
        }
    }
    // Issue 14's acceptance: the skills-only ablations against the best lexical baseline;
    // and the occupation oracle (a reference ceiling, not a scorer) against it.
    if let Some(b) = &best_lexical {
        for a in [
            "default_skills_only",
            "skills_only_skill_vectors",
            "occupation_oracle",
            "occupation_oracle_written",
            "occupation_esco",
            "occupation_esco_bm25",
        ] {
            if per_job.contains_key(a) {
                pairs.push((a.into(), b.clone()));
            }
        }
    }
    let mut ratios = Vec::new();
    for (a, b) in pairs {
        for (name, get) in metrics {
            ratios.push(Ratio {
                a: a.clone(),
                b: b.clone(),
                metric: name.into(),
                ratio: ratio_estimate(&column(&a, get), &column(&b, get), &samples),
            });
        }
    }
    let n = kept.len().max(1) as f64;
    Ok(Evaluation {
        config: cfg.clone(),
        jobs: kept.len(),
        jobs_without_relevant: m.jobs.len() - kept.len(),
        mean_pool: kept.iter().map(|&j| pools[j].len() as f64).sum::<f64>() / n,
        mean_relevant: kept
            .iter()
            .map(|&j| pool_grades[j].relevant(cfg.relevant_grade) as f64)
            .sum::<f64>()
            / n,
        rankers: results,
        best_lexical,
        ratios,
        per_job,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_known_lists() {
        let pool = PoolGrades {
            counts: [10, 0, 1, 1],
        };
        // ideal: 3 then 2 → 7/1 + 3/log2(3)
        let ideal = 7.0 + 3.0 / 3f64.log2();
        let m = list_metrics(&[0, 3, 2], &pool, 3, 2);
        let dcg = 7.0 / 3f64.log2() + 3.0 / 2.0;
        assert!((m.ndcg - dcg / ideal).abs() < 1e-12);
        assert_eq!(m.recall, 1.0);
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.mrr, 0.5);
        let perfect = list_metrics(&[3, 2, 0], &pool, 3, 2);
        assert!((perfect.ndcg - 1.0).abs() < 1e-12);
        let none = list_metrics(&[], &pool, 3, 2);
        assert_eq!((none.ndcg, none.mrr, none.precision), (0.0, 0.0, 0.0));
    }

    #[test]
    fn bootstrap_interval_covers_the_mean_and_ratios_pair() {
        let v: Vec<f64> = (0..200).map(|i| (i % 10) as f64 / 10.0).collect();
        let s = resamples(v.len(), 500, 1);
        let e = estimate(&v, &s);
        assert!(e.lo < e.mean && e.mean < e.hi, "{e:?}");
        let twice: Vec<f64> = v.iter().map(|x| 2.0 * x).collect();
        let r = ratio_estimate(&twice, &v, &s);
        // paired: every resample has the same ratio
        assert!(
            (r.mean - 2.0).abs() < 1e-12
                && (r.lo - 2.0).abs() < 1e-12
                && (r.hi - 2.0).abs() < 1e-12
        );
        assert_eq!(resamples(10, 3, 5), resamples(10, 3, 5));
    }
}
