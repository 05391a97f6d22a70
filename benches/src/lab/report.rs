//! `report`: the whole comparison on one marketplace — relevance of every ranker, the
//! policy simulations (and a FairCo λ sweep), the engine's audit of the simulated log, and
//! the shrinkage penalty — as `report.json`, `report.md` and SVG plots.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use fairmatch::engine::AuditOptions;
use fairmatch::{Engine, EngineConfig};
use serde::Serialize;

use super::eval::{Estimate, EvalConfig, Evaluation, evaluate};
use super::market::Marketplace;
use super::penalty::{Penalty, measure};
use super::rankers::{default_rankers, rankers_named};
use super::simulate::{Policy, SimConfig, SimResult, simulate};
use super::{LabError, build_engine, plot, progress};
use rayon::prelude::*;

/// What `report` runs.
#[derive(Debug, Clone, Serialize)]
pub struct ReportConfig {
    /// Relevance evaluation.
    pub eval: EvalConfig,
    /// Simulation settings (the policy is set per run).
    pub sim: SimConfig,
    /// FairCo gains to sweep (in addition to `sim.fairco_lambda`).
    pub fairco_sweep: Vec<f64>,
    /// Candidates per job for the penalty re-scoring.
    pub penalty_depth: usize,
    /// Rankers to evaluate by name (`None` = the default set).
    pub rankers: Option<Vec<String>>,
}

/// One policy's line of the comparison (values after the last round).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRow {
    /// Policy name (FairCo sweep rows: `fairco λ=…`).
    pub policy: String,
    /// Mean NDCG@k over all shown lists.
    pub ndcg: f64,
    /// `1 − ndcg / ndcg(none)`.
    pub ndcg_loss: f64,
    /// Exposure Gini over all freelancers.
    pub exposure_gini: f64,
    /// `1 − gini / gini(none)`.
    pub gini_reduction: f64,
    /// Protected share of exposure / of hires.
    pub protected_exposure_share: f64,
    /// Protected share of hires.
    pub protected_hire_share: f64,
    /// Newcomer share of exposure.
    pub newcomer_exposure_share: f64,
    /// Newcomer share of hires.
    pub newcomer_hire_share: f64,
    /// Hire rate per impression, protected / unprotected.
    pub protected_disparate_impact: f64,
    /// Hire rate per impression, newcomers / established.
    pub newcomer_disparate_impact: f64,
    /// Share of newcomers hired at least once.
    pub newcomers_hired_share: f64,
    /// Median first-hire round of hired newcomers.
    pub newcomer_first_hire_median: Option<f64>,
    /// Restricted mean first-hire round (never hired = rounds + 1).
    pub newcomer_first_hire_restricted_mean: f64,
}

/// The engine's audit of the `none` simulation, per the protected attribute.
#[derive(Debug, Clone, Serialize)]
pub struct AuditSummary {
    /// Reviews of the protected group / of the rest.
    pub reviews: (u64, u64),
    /// Mean rating gap (protected − rest).
    pub mean_gap: f64,
    /// BH-adjusted Welch p.
    pub welch_p_adjusted: f64,
    /// BH-adjusted Mann–Whitney p.
    pub mann_whitney_p_adjusted: f64,
    /// Whether both adjusted p-values are below 0.01.
    pub flagged: bool,
    /// The audit's exposure Gini (must equal the simulation's).
    pub audit_exposure_gini: f64,
    /// The whole report.
    pub report: fairmatch::engine::AuditReport,
}

/// A target of issue 13 and whether it was met.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// What.
    pub name: String,
    /// The goal.
    pub goal: String,
    /// What was measured.
    pub measured: String,
    /// Met?
    pub met: bool,
}

/// Everything `report` produces.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The marketplace's manifest.
    pub marketplace: super::market::Manifest,
    /// Settings.
    pub config: ReportConfig,
    /// Relevance.
    pub evaluation: Evaluation,
    /// Policies (after the last round).
    pub policies: Vec<PolicyRow>,
    /// FairCo λ sweep.
    pub fairco_sweep: Vec<PolicyRow>,
    /// Per-round series of each policy.
    pub simulations: Vec<SimResult>,
    /// Audit of the `none` run.
    pub audit: AuditSummary,
    /// Shrinkage penalty.
    pub penalty: Penalty,
    /// Targets.
    pub targets: Vec<Target>,
}

fn row(name: String, r: &SimResult, none: Option<&SimResult>) -> PolicyRow {
    let (n_ndcg, n_gini) = none.map_or((r.mean_ndcg, r.last.exposure_gini), |n| {
        (n.mean_ndcg, n.last.exposure_gini)
    });
    PolicyRow {
        policy: name,
        ndcg: r.mean_ndcg,
        ndcg_loss: 1.0 - r.mean_ndcg / n_ndcg,
        exposure_gini: r.last.exposure_gini,
        gini_reduction: 1.0 - r.last.exposure_gini / n_gini,
        protected_exposure_share: r.last.protected_exposure_share,
        protected_hire_share: r.last.protected_hire_share,
        newcomer_exposure_share: r.last.newcomer_exposure_share,
        newcomer_hire_share: r.last.newcomer_hire_share,
        protected_disparate_impact: r.last.protected_disparate_impact,
        newcomer_disparate_impact: r.last.newcomer_disparate_impact,
        newcomers_hired_share: r.last.newcomers_hired as f64 / r.newcomers.max(1) as f64,
        newcomer_first_hire_median: r.newcomer_first_hire_median,
        newcomer_first_hire_restricted_mean: r.newcomer_first_hire_restricted_mean,
    }
}

fn stage(what: &str, t: Instant) {
    eprintln!("  {what}: {:.1} s", t.elapsed().as_secs_f64());
}

/// Runs the report on `m`, writing into `out` (created). Returns the report.
pub fn run(m: &Marketplace, cfg: &ReportConfig, out: &Path) -> Result<Report, LabError> {
    std::fs::create_dir_all(out).map_err(|e| LabError::Data(format!("{}: {e}", out.display())))?;
    let t_all = Instant::now();
    let t = Instant::now();
    let taxonomy = m.taxonomy()?;
    let base = build_engine(m, taxonomy.clone(), EngineConfig::default())?;
    let snapshot = base.to_bytes()?;
    stage("engine built", t);

    let t = Instant::now();
    let rankers = match &cfg.rankers {
        Some(names) => rankers_named(m, names)?,
        None => default_rankers(m),
    };
    let pb = progress(
        (rankers.len() * m.jobs.len()) as u64,
        "evaluate (rankers × jobs)",
    );
    let mut cache = super::EngineCache::new(
        m,
        taxonomy.clone(),
        super::source::skill_vector_table(m, &taxonomy)?,
    );
    cache.insert(EngineConfig::default(), base.clone());
    let mut engine_for = |c: &EngineConfig, v: bool| cache.get(c, v);
    let evaluation = evaluate(m, &rankers, &cfg.eval, &mut engine_for, &|| pb.inc(1))?;
    pb.finish_and_clear();
    stage("evaluation", t);

    let t = Instant::now();
    let mut runs: Vec<(String, SimConfig)> = Policy::ALL
        .iter()
        .map(|&p| {
            (
                p.name().to_owned(),
                SimConfig {
                    policy: p,
                    ..cfg.sim.clone()
                },
            )
        })
        .collect();
    for &l in &cfg.fairco_sweep {
        runs.push((
            format!("fairco λ={l}"),
            SimConfig {
                policy: Policy::FairCo,
                fairco_lambda: l,
                ..cfg.sim.clone()
            },
        ));
    }
    let pb = progress(
        (runs.len() * cfg.sim.rounds) as u64,
        "simulate (policies × rounds)",
    );
    // independent runs, one engine copy each, in parallel (results keep the run order)
    let done: Vec<(String, SimResult, Option<AuditSummary>)> = runs
        .par_iter()
        .map(|(name, sc)| -> Result<_, LabError> {
            let engine = Engine::from_bytes(&snapshot)?;
            let r = simulate(m, &engine, sc, None, &|| pb.inc(1))?;
            let audit = (name == Policy::None.name())
                .then(|| audit_summary(&engine))
                .transpose()?;
            Ok((name.clone(), r, audit))
        })
        .collect::<Result<_, _>>()?;
    pb.finish_and_clear();
    let mut audit = None;
    let mut results: Vec<(String, SimResult)> = Vec::new();
    for (name, r, a) in done {
        audit = audit.or(a);
        results.push((name, r));
    }
    stage("simulations", t);
    let audit = audit.ok_or_else(|| LabError::Config("no `none` run to audit".into()))?;

    let t = Instant::now();
    let pb = progress(m.jobs.len() as u64, "penalty (jobs)");
    let penalty = measure(
        m,
        &base,
        cfg.sim.k,
        cfg.penalty_depth,
        cfg.eval.resamples,
        cfg.eval.seed,
        &|| pb.inc(1),
    )?;
    pb.finish_and_clear();
    stage("penalty", t);

    let none = results.iter().find(|r| r.0 == "none").map(|r| r.1.clone());
    let policies: Vec<PolicyRow> = results
        .iter()
        .take(Policy::ALL.len())
        .map(|(n, r)| row(n.clone(), r, none.as_ref()))
        .collect();
    let fairco_sweep: Vec<PolicyRow> = results
        .iter()
        .skip(Policy::ALL.len())
        .map(|(n, r)| row(n.clone(), r, none.as_ref()))
        .collect();
    let targets = targets(
        &evaluation,
        &policies,
        &fairco_sweep,
        &audit,
        &penalty,
        &cfg.sim,
    );
    let report = Report {
        marketplace: m.manifest.clone(),
        config: cfg.clone(),
        evaluation,
        policies,
        fairco_sweep,
        simulations: results.into_iter().map(|r| r.1).collect(),
        audit,
        penalty,
        targets,
    };
    write_outputs(&report, out)?;
    stage("report total", t_all);
    Ok(report)
}

fn audit_summary(engine: &Engine) -> Result<AuditSummary, LabError> {
    let report = engine.audit(&AuditOptions::new("protected"))?;
    let gap = report
        .rating_gaps
        .iter()
        .find(|g| g.group == "yes")
        .cloned();
    let (reviews, mean_gap, w, mw) = gap.map_or(((0, 0), f64::NAN, f64::NAN, f64::NAN), |g| {
        (
            g.n,
            g.mean_gap,
            g.welch_p_adjusted,
            g.mann_whitney_p_adjusted,
        )
    });
    Ok(AuditSummary {
        reviews,
        mean_gap,
        welch_p_adjusted: w,
        mann_whitney_p_adjusted: mw,
        flagged: w < 0.01 && mw < 0.01,
        audit_exposure_gini: report.exposure_gini,
        report,
    })
}

fn fmt_est(e: &Estimate) -> String {
    format!("{:.3} [{:.3}, {:.3}]", e.mean, e.lo, e.hi)
}

fn targets(
    ev: &Evaluation,
    pol: &[PolicyRow],
    sweep: &[PolicyRow],
    audit: &AuditSummary,
    pen: &Penalty,
    sim: &SimConfig,
) -> Vec<Target> {
    let mut out = Vec::new();
    for (b, goal) in [("megilance_v1", 1.2), ("8thdegree", 1.5), ("cosine", 1.5)] {
        if let Some(r) = ev.ratio("default", b, "ndcg") {
            out.push(Target {
                name: format!("default NDCG@{} vs {b}", ev.config.k),
                goal: format!("≥ {goal}×"),
                measured: format!("{}×", fmt_est(&r.ratio)),
                met: r.ratio.mean >= goal,
            });
        }
    }
    let fair = |r: &PolicyRow| r.gini_reduction >= 0.4 && r.ndcg_loss <= 0.03;
    if let Some(f) = pol.iter().find(|r| r.policy == "fairco") {
        out.push(Target {
            name: format!("FairCo (λ = {}) vs none", sim.fairco_lambda),
            goal: "exposure Gini −40 % at ≤ 3 % NDCG loss".into(),
            measured: format!(
                "Gini {:+.1} %, NDCG loss {:.1} %",
                -100.0 * f.gini_reduction,
                100.0 * f.ndcg_loss
            ),
            met: fair(f),
        });
    }
    if !sweep.is_empty() {
        let best = sweep
            .iter()
            .filter(|r| r.ndcg_loss <= 0.03)
            .max_by(|a, b| a.gini_reduction.total_cmp(&b.gini_reduction));
        out.push(Target {
            name: "FairCo, best λ of the sweep with ≤ 3 % NDCG loss".into(),
            goal: "exposure Gini −40 % at ≤ 3 % NDCG loss".into(),
            measured: best.map_or("no λ within 3 % NDCG loss".into(), |b| {
                format!(
                    "{}: Gini {:+.1} %, NDCG loss {:.1} %",
                    b.policy,
                    -100.0 * b.gini_reduction,
                    100.0 * b.ndcg_loss
                )
            }),
            met: best.is_some_and(fair),
        });
    }
    out.push(Target {
        name: "audit flags the protected group's rating gap".into(),
        goal: "BH-adjusted p < 0.01".into(),
        measured: format!(
            "gap {:+.3} stars, Welch p_adj {:.2e}, Mann–Whitney p_adj {:.2e}",
            audit.mean_gap, audit.welch_p_adjusted, audit.mann_whitney_p_adjusted
        ),
        met: audit.flagged,
    });
    out.push(Target {
        name: "shrinkage halves the rater-bias ranking penalty".into(),
        goal: "penalty(shrunk) ≤ 0.5 × penalty(raw mean)".into(),
        measured: format!(
            "penalty shrunk {} vs raw {}; ratio {}",
            fmt_est(&pen.shrunk.penalty),
            fmt_est(&pen.raw_mean.penalty),
            fmt_est(&pen.penalty_ratio)
        ),
        met: pen.penalty_ratio.mean <= 0.5,
    });
    out
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "–".into()
    }
}

/// The markdown tables of a report.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let m = &r.marketplace;
    let ev = &r.evaluation;
    let _ = writeln!(
        s,
        "# fairmatch lab report\n\nMarketplace: {} freelancers, {} jobs, {} occupations \
         (taxonomy {}; seed {}; label noise {}; newcomers {}; protected {}; rater bias {} stars).\n",
        m.freelancers,
        m.jobs,
        m.occupations,
        match &m.taxonomy {
            super::source::TaxonomySource::Builtin => "built-in".to_owned(),
            super::source::TaxonomySource::Esco { dir } => format!("ESCO, {}", dir.display()),
        },
        m.config.seed,
        m.config.label_noise,
        m.newcomers,
        m.protected,
        m.config.rater_bias
    );
    let _ = writeln!(
        s,
        "## Relevance (k = {}, relevant = grade ≥ {}, {} jobs, mean pool {:.0}, mean relevant {:.1}; 95 % bootstrap CIs, {} resamples)\n",
        ev.config.k,
        ev.config.relevant_grade,
        ev.jobs,
        ev.mean_pool,
        ev.mean_relevant,
        ev.config.resamples
    );
    let _ = writeln!(
        s,
        "| ranker | NDCG@k | recall@k | precision@k | MRR@k | short / empty lists |\n|---|---|---|---|---|---|"
    );
    for x in &ev.rankers {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} / {} |",
            x.name,
            fmt_est(&x.ndcg),
            fmt_est(&x.recall),
            fmt_est(&x.precision),
            fmt_est(&x.mrr),
            x.short_lists,
            x.empty_lists
        );
    }
    let _ = writeln!(s, "\n| paired ratio (NDCG@k) | mean [95 % CI] |\n|---|---|");
    for x in ev.ratios.iter().filter(|x| x.metric == "ndcg") {
        let _ = writeln!(s, "| {} / {} | {} |", x.a, x.b, fmt_est(&x.ratio));
    }
    let _ = writeln!(
        s,
        "\n## Policies after {} rounds ({} jobs per round, top {})\n",
        r.config.sim.rounds,
        (m.jobs / r.config.sim.rounds.max(1)).max(1),
        r.config.sim.k
    );
    let head = "| policy | NDCG@k | NDCG loss vs none | exposure Gini | Gini vs none | protected exposure / hires | newcomer exposure / hires | DI hires protected | DI hires newcomers | newcomers hired | first hire (median / restricted mean round) |\n|---|---|---|---|---|---|---|---|---|---|---|";
    let _ = writeln!(s, "{head}");
    let line = |s: &mut String, p: &PolicyRow| {
        let _ = writeln!(
            s,
            "| {} | {:.4} | {} | {:.4} | {} | {} / {} | {} / {} | {:.3} | {:.3} | {} | {} / {:.1} |",
            p.policy,
            p.ndcg,
            pct(p.ndcg_loss),
            p.exposure_gini,
            pct(-p.gini_reduction),
            pct(p.protected_exposure_share),
            pct(p.protected_hire_share),
            pct(p.newcomer_exposure_share),
            pct(p.newcomer_hire_share),
            p.protected_disparate_impact,
            p.newcomer_disparate_impact,
            pct(p.newcomers_hired_share),
            p.newcomer_first_hire_median
                .map_or("–".into(), |x| format!("{x:.0}")),
            p.newcomer_first_hire_restricted_mean
        );
    };
    for p in &r.policies {
        line(&mut s, p);
    }
    if !r.fairco_sweep.is_empty() {
        let _ = writeln!(s, "\nFairCo λ sweep:\n\n{head}");
        for p in &r.fairco_sweep {
            line(&mut s, p);
        }
    }
    let a = &r.audit;
    let _ = writeln!(
        s,
        "\n## Audit of the `none` run (attribute `protected`)\n\nReviews {} (protected) / {} (rest); mean gap {:+.3} stars; BH-adjusted Welch p = {:.3e}, Mann–Whitney p = {:.3e}; flagged at 0.01: {}. Audit exposure Gini {:.4}.\n",
        a.reviews.0,
        a.reviews.1,
        a.mean_gap,
        a.welch_p_adjusted,
        a.mann_whitney_p_adjusted,
        a.flagged,
        a.audit_exposure_gini
    );
    let p = &r.penalty;
    let _ = writeln!(
        s,
        "## Rater-bias ranking penalty: shrunk vs raw-mean reputation (top {}, {} jobs, bias {} stars)\n\n| reputation | protected top-{} exposure share, biased | unbiased | penalty | protected mean rank biased / unbiased |\n|---|---|---|---|---|",
        p.k, p.jobs, p.rater_bias, p.k
    );
    for v in [&p.shrunk, &p.raw_mean] {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} / {:.2} |",
            v.reputation,
            fmt_est(&v.protected_share_biased),
            fmt_est(&v.protected_share_unbiased),
            fmt_est(&v.penalty),
            v.protected_mean_rank_biased,
            v.protected_mean_rank_unbiased
        );
    }
    let _ = writeln!(
        s,
        "\npenalty(shrunk) / penalty(raw mean) = {} (jobs not provably exact: {}; max reputation mismatch vs engine {:.1e}).\n",
        fmt_est(&p.penalty_ratio),
        p.inexact_jobs,
        p.max_reputation_mismatch
    );
    let _ = writeln!(
        s,
        "## Targets\n\n| target | goal | measured | met |\n|---|---|---|---|"
    );
    for t in &r.targets {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            t.name,
            t.goal,
            t.measured,
            if t.met { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(
        s,
        "\nPlots: [relevance](relevance.svg), [NDCG per round](ndcg_rounds.svg), [exposure Gini](gini_rounds.svg), [protected exposure](protected_rounds.svg), [newcomer exposure](newcomer_rounds.svg), [trade-off](tradeoff.svg)."
    );
    s
}

fn write_outputs(r: &Report, out: &Path) -> Result<(), LabError> {
    let io = |p: &Path, e: std::io::Error| LabError::Data(format!("{}: {e}", p.display()));
    let json = out.join("report.json");
    let mut text = serde_json::to_string_pretty(r)?;
    text.push('\n');
    std::fs::write(&json, text).map_err(|e| io(&json, e))?;
    let md = out.join("report.md");
    std::fs::write(&md, markdown(r)).map_err(|e| io(&md, e))?;
    let ev = &r.evaluation;
    plot::bars(
        &out.join("relevance.svg"),
        &format!("NDCG@{} per ranker (95 % bootstrap CI)", ev.config.k),
        "NDCG",
        &ev.rankers
            .iter()
            .map(|x| (x.name.clone(), x.ndcg))
            .collect::<Vec<_>>(),
    )?;
    let series = |f: fn(&super::simulate::RoundStats) -> f64| -> Vec<(String, Vec<(f64, f64)>)> {
        r.simulations
            .iter()
            .take(Policy::ALL.len())
            .map(|s| {
                (
                    s.config.policy.name().to_owned(),
                    s.rounds.iter().map(|x| (x.round as f64, f(x))).collect(),
                )
            })
            .collect()
    };
    // NDCG per round is noisy (few jobs per round): plot the running mean.
    let running: Vec<(String, Vec<(f64, f64)>)> = r
        .simulations
        .iter()
        .take(Policy::ALL.len())
        .map(|s| {
            let mut acc = 0.0;
            (
                s.config.policy.name().to_owned(),
                s.rounds
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        acc += x.ndcg;
                        (x.round as f64, acc / (i + 1) as f64)
                    })
                    .collect(),
            )
        })
        .collect();
    plot::lines(
        &out.join("ndcg_rounds.svg"),
        "NDCG@10 of shown lists (running mean)",
        "round",
        "NDCG",
        &running,
    )?;
    plot::lines(
        &out.join("gini_rounds.svg"),
        "Exposure Gini over freelancers (cumulative)",
        "round",
        "Gini",
        &series(|x| x.exposure_gini),
    )?;
    plot::lines(
        &out.join("protected_rounds.svg"),
        "Protected group's share of exposure (cumulative)",
        "round",
        "share",
        &series(|x| x.protected_exposure_share),
    )?;
    plot::lines(
        &out.join("newcomer_rounds.svg"),
        "Newcomers' share of exposure (cumulative)",
        "round",
        "share",
        &series(|x| x.newcomer_exposure_share),
    )?;
    let pts: Vec<(String, f64, f64)> = r
        .policies
        .iter()
        .chain(&r.fairco_sweep)
        .map(|p| (p.policy.clone(), 100.0 * p.ndcg_loss, p.exposure_gini))
        .collect();
    plot::scatter(
        &out.join("tradeoff.svg"),
        "Exposure Gini vs NDCG loss (per policy)",
        "NDCG@10 loss vs none (%)",
        "exposure Gini",
        &pts,
    )?;
    Ok(())
}
