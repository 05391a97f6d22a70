//! `fairmatch-lab`: synthetic marketplaces from ESCO/O*NET, relevance evaluation against the
//! seeds' rankers and lexical baselines, feedback-loop simulations of fairness policies, and
//! reports with plots. See benches/README.md ("The lab") for the commands and results.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fairmatch::EngineConfig;
use fairmatch_bench::lab::eval::{EvalConfig, Evaluation, evaluate};
use fairmatch_bench::lab::generate::{GenConfig, generate};
use fairmatch_bench::lab::learning::{self, LearnSimConfig, assign_clients, simulate_learning};
use fairmatch_bench::lab::market::Marketplace;
use fairmatch_bench::lab::rankers::{default_rankers, rankers_named_with};
use fairmatch_bench::lab::report::{ReportConfig, run};
use fairmatch_bench::lab::simulate::{Policy, SimConfig, simulate};
use fairmatch_bench::lab::source::skill_vector_table;
use fairmatch_bench::lab::source::{builtin_sources, load_esco};
use fairmatch_bench::lab::{EngineCache, LabError, build_engine, progress};

#[derive(Parser, Debug)]
#[command(
    name = "fairmatch-lab",
    version,
    about = "The fairmatch lab: synthetic marketplaces, relevance evaluation, fairness simulations, reports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a seeded marketplace (JSON lines the engine and the Python binding load).
    Generate(GenerateArgs),
    /// NDCG@k, recall@k, precision@k, MRR@k with bootstrap CIs for presets and baselines.
    Evaluate(EvaluateArgs),
    /// Rounds of recommendations, hires and reviews under one fairness policy.
    Simulate(SimulateArgs),
    /// Evaluation + every policy + audit + shrinkage penalty: JSON, markdown, SVG plots.
    Report(ReportArgs),
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Seed of every random draw (same seed, same bytes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Freelancers.
    #[arg(long, default_value_t = 2000)]
    freelancers: usize,
    /// Jobs.
    #[arg(long, default_value_t = 200)]
    jobs: usize,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// The shared data folder (esco/, onet/, embeddings/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// ESCO sub-folder of --data (e.g. esco-ict-slice for a small run).
    #[arg(long, default_value = "esco")]
    esco: String,
    /// Use the built-in taxonomy (no data folder needed; no embeddings). Also used, with a
    /// notice, when the --data folder does not exist.
    #[arg(long)]
    builtin: bool,
    /// Occupations to draw.
    #[arg(long, default_value_t = 300)]
    occupations: usize,
    /// ISCO major groups to draw occupations from (comma separated).
    #[arg(long, default_value = "1,2,3,4", value_delimiter = ',')]
    isco_majors: Vec<u8>,
    /// Probability that a freelancer's skill label is respelled.
    #[arg(long, default_value_t = 0.3)]
    label_noise: f64,
    /// The same for job labels.
    #[arg(long, default_value_t = 0.0)]
    job_label_noise: f64,
    /// Share of freelancers without history.
    #[arg(long, default_value_t = 0.25)]
    newcomer_share: f64,
    /// Share of freelancers in the protected group.
    #[arg(long, default_value_t = 0.3)]
    protected_share: f64,
    /// Stars subtracted from the protected group's ratings (past and simulated).
    #[arg(long, default_value_t = 0.3)]
    rater_bias: f64,
    /// Share of freelancers not available now.
    #[arg(long, default_value_t = 0.05)]
    unavailable_share: f64,
    /// Share of jobs requiring the client's non-English language.
    #[arg(long, default_value_t = 0.08)]
    required_language_share: f64,
    /// Per-component noise added to embeddings.
    #[arg(long, default_value_t = 0.02)]
    embedding_noise: f64,
}

#[derive(Args, Debug)]
struct EvalFlags {
    /// Cut-off of every metric.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Lowest relevant grade (3 same occupation, 2 same ISCO unit group, 1 same minor group).
    #[arg(long, default_value_t = 2)]
    relevant_grade: u8,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 13)]
    bootstrap_seed: u64,
    /// Rankers to compare (comma separated; default: default, megilance_v1, 8thdegree,
    /// cosine, bm25, tfidf, jaccard; extras: megilance_v1_nodiv, the ablations
    /// default_before, default_no_resolution, default_no_specificity, default_no_focus,
    /// default_no_occupation, default_weighted_mean,
    /// default_skills_only, skills_only_before; the answer-key ceilings occupation_oracle,
    /// occupation_oracle_written; the no-truth prototypes occupation_esco,
    /// occupation_esco_bm25 and the λ sweep occupation_esco_bm25_l{0.25,0.5,1,2}).
    #[arg(long, value_delimiter = ',')]
    rankers: Option<Vec<String>>,
}

impl EvaluateArgs {
    /// The base engine configuration (`--engine-config`, else the default).
    fn engine_config(&self) -> Result<EngineConfig, LabError> {
        let Some(p) = &self.engine_config else {
            return Ok(EngineConfig::default());
        };
        let text = std::fs::read_to_string(p)
            .map_err(|e| LabError::Config(format!("--engine-config {}: {e}", p.display())))?;
        let c: EngineConfig = serde_json::from_str(&text)
            .map_err(|e| LabError::Config(format!("--engine-config {}: {e}", p.display())))?;
        c.validate()?;
        Ok(c)
    }
}

impl EvalFlags {
    fn config(&self) -> EvalConfig {
        EvalConfig {
            k: self.k,
            relevant_grade: self.relevant_grade,
            resamples: self.resamples,
            seed: self.bootstrap_seed,
        }
    }
}

#[derive(Args, Debug)]
struct EvaluateArgs {
    /// A marketplace folder (from `generate`).
    #[arg(long)]
    data: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// An EngineConfig as JSON: the configuration every engine ranker starts from (the
    /// ablations take their part away from it). Default: EngineConfig::default().
    #[arg(long)]
    engine_config: Option<PathBuf>,
    #[command(flatten)]
    eval: EvalFlags,
}

#[derive(Args, Debug)]
struct SimFlags {
    /// Rounds (days).
    #[arg(long, default_value_t = 100)]
    rounds: usize,
    /// Jobs per round (0 = jobs / rounds).
    #[arg(long, default_value_t = 0)]
    jobs_per_round: usize,
    /// Results shown per job.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// FairCo gain λ.
    #[arg(long, default_value_t = 0.01)]
    fairco_lambda: f64,
    /// Exploration: largest score boost.
    #[arg(long, default_value_t = 0.05)]
    exploration_boost: f64,
    /// Exploration: freelancers with fewer impressions are eligible.
    #[arg(long, default_value_t = 10)]
    exploration_min_impressions: u64,
    /// Seed of the clients' draws.
    #[arg(long, default_value_t = 17)]
    sim_seed: u64,
}

impl SimFlags {
    fn config(&self, policy: Policy) -> SimConfig {
        SimConfig {
            policy,
            rounds: self.rounds,
            jobs_per_round: self.jobs_per_round,
            k: self.top,
            fairco_lambda: self.fairco_lambda,
            exploration_boost: self.exploration_boost,
            exploration_min_impressions: self.exploration_min_impressions,
            seed: self.sim_seed,
        }
    }
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// A marketplace folder.
    #[arg(long)]
    data: PathBuf,
    /// none | megilance_diversity | fair | det_const_sort | fairco | exploration
    #[arg(long, default_value = "none")]
    policy: String,
    /// Print JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Write the event log (the engine's Impressions / Outcome records, JSON lines) here.
    #[arg(long)]
    log: Option<PathBuf>,
    #[command(flatten)]
    sim: SimFlags,
    /// Learning from outcomes instead of a fairness policy (issue 18): logged exploration,
    /// `learn` every --learn-every rounds, learned vs default vs oracle NDCG and hires per
    /// round, off-policy estimates against the simulated values; writes learning.json,
    /// learning.md and SVG plots to --out.
    #[arg(long)]
    learn: bool,
    /// Output folder of --learn.
    #[arg(long, default_value = "lab-learning")]
    out: PathBuf,
    /// --learn: fit every this many rounds.
    #[arg(long, default_value_t = 5)]
    learn_every: usize,
    /// --learn: share of requests explored.
    #[arg(long, default_value_t = 0.3)]
    explore_share: f64,
    /// --learn: clients the jobs are assigned to.
    #[arg(long, default_value_t = 5)]
    clients: usize,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// A marketplace folder.
    #[arg(long)]
    data: PathBuf,
    /// Output folder (report.json, report.md, *.svg).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    eval: EvalFlags,
    #[command(flatten)]
    sim: SimFlags,
    /// FairCo gains to sweep besides --fairco-lambda (comma separated; empty = none).
    #[arg(long, default_value = "0.0001,0.0003,0.001", value_delimiter = ',')]
    fairco_sweep: Vec<f64>,
    /// Candidates per job for the shrinkage-penalty re-scoring.
    #[arg(long, default_value_t = 200)]
    penalty_depth: usize,
}

fn main() -> ExitCode {
    match run_cli(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fairmatch-lab: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_cli(cli: Cli) -> Result<(), LabError> {
    match cli.command {
        Command::Generate(a) => {
            let t = std::time::Instant::now();
            // No data folder at all: the built-in taxonomy, said loudly (and recorded in the
            // manifest). A data folder without the ESCO files is an error.
            let src = if a.builtin {
                builtin_sources()
            } else if !a.data.exists() {
                eprintln!(
                    "fairmatch-lab: no data folder at {} (ESCO/O*NET/embeddings, see \
                     ../shared/data/README.md): generating from the built-in taxonomy, without \
                     embeddings",
                    a.data.display()
                );
                builtin_sources()
            } else {
                load_esco(&a.data, &a.esco)?
            };
            let cfg = GenConfig {
                seed: a.seed,
                freelancers: a.freelancers,
                jobs: a.jobs,
                occupations: a.occupations,
                isco_majors: a.isco_majors,
                label_noise: a.label_noise,
                job_label_noise: a.job_label_noise,
                newcomer_share: a.newcomer_share,
                protected_share: a.protected_share,
                rater_bias: a.rater_bias,
                unavailable_share: a.unavailable_share,
                required_language_share: a.required_language_share,
                embedding_noise: a.embedding_noise,
            };
            let m = generate(&src, &cfg)?;
            m.save(&a.out)?;
            eprintln!(
                "generated {} freelancers, {} jobs over {} occupations ({} with O*NET levels) in {} ({:.1} s)",
                m.manifest.freelancers,
                m.manifest.jobs,
                m.manifest.occupations,
                m.manifest.onet_matched_occupations,
                a.out.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Evaluate(a) => {
            let m = Marketplace::load(&a.data)?;
            let taxonomy = m.taxonomy()?;
            let base = a.engine_config()?;
            let rankers = match &a.eval.rankers {
                Some(n) => rankers_named_with(&m, n, &base)?,
                None => rankers_named_with(
                    &m,
                    &default_rankers(&m)
                        .into_iter()
                        .map(|r| r.name)
                        .collect::<Vec<_>>(),
                    &base,
                )?,
            };
            let pb = progress(
                (rankers.len() * m.jobs.len()) as u64,
                "evaluate (rankers × jobs)",
            );
            let vectors = skill_vector_table(&m, &taxonomy)?;
            let mut cache = EngineCache::new(&m, taxonomy.clone(), vectors);
            let mut engine_for = |c: &EngineConfig, v: bool| cache.get(c, v);
            let ev = evaluate(&m, &rankers, &a.eval.config(), &mut engine_for, &|| {
                pb.inc(1)
            })?;
            pb.finish_and_clear();
            if a.json {
                println!("{}", serde_json::to_string_pretty(&ev)?);
            } else {
                print_evaluation(&ev);
            }
            Ok(())
        }
        Command::Simulate(a) if a.learn => {
            let cfg = LearnSimConfig {
                rounds: a.sim.rounds,
                learn_every: a.learn_every.max(1),
                explore_share: a.explore_share,
                k: a.sim.top,
                clients: a.clients.max(1),
                jobs_per_round: a.sim.jobs_per_round,
                seed: a.sim.sim_seed,
                ..LearnSimConfig::default()
            };
            let mut m = Marketplace::load(&a.data)?;
            assign_clients(&mut m, cfg.clients);
            let engine = build_engine(&m, m.taxonomy()?, learning::engine_config(&cfg))?;
            let pb = progress(cfg.rounds as u64, "simulate --learn (rounds)");
            let r = simulate_learning(&m, &engine, &cfg, &|| pb.inc(1))?;
            pb.finish_and_clear();
            learning::write_report(&r, &a.out)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", learning::summary(&r));
            }
            Ok(())
        }
        Command::Simulate(a) => {
            let policy = Policy::parse(&a.policy)?;
            let m = Marketplace::load(&a.data)?;
            let engine = build_engine(&m, m.taxonomy()?, EngineConfig::default())?;
            let cfg = a.sim.config(policy);
            let pb = progress(cfg.rounds as u64, "simulate (rounds)");
            let mut file = match &a.log {
                Some(p) => Some(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .map_err(|e| LabError::Data(format!("{}: {e}", p.display())))?,
                )),
                None => None,
            };
            let r = simulate(
                &m,
                &engine,
                &cfg,
                file.as_mut().map(|f| f as &mut dyn Write),
                &|| pb.inc(1),
            )?;
            if let Some(f) = file.as_mut() {
                f.flush()
                    .map_err(|e| LabError::Data(format!("event log: {e}")))?;
            }
            pb.finish_and_clear();
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                let l = &r.last;
                println!(
                    "policy {}: mean NDCG@{} {:.4}; after {} rounds: exposure Gini {:.4}, protected exposure {:.1} % / hires {:.1} % (population {:.1} %), newcomers exposure {:.1} % / hires {:.1} % (population {:.1} %), DI protected {:.3}, DI newcomers {:.3}, newcomers hired {} of {} (median first hire round {:?}); {} events",
                    policy.name(),
                    cfg.k,
                    r.mean_ndcg,
                    cfg.rounds,
                    l.exposure_gini,
                    100.0 * l.protected_exposure_share,
                    100.0 * l.protected_hire_share,
                    100.0 * r.protected_population_share,
                    100.0 * l.newcomer_exposure_share,
                    100.0 * l.newcomer_hire_share,
                    100.0 * r.newcomer_population_share,
                    l.protected_disparate_impact,
                    l.newcomer_disparate_impact,
                    l.newcomers_hired,
                    r.newcomers,
                    r.newcomer_first_hire_median,
                    r.events
                );
            }
            Ok(())
        }
        Command::Report(a) => {
            let m = Marketplace::load(&a.data)?;
            let cfg = ReportConfig {
                eval: a.eval.config(),
                sim: a.sim.config(Policy::None),
                fairco_sweep: a.fairco_sweep,
                penalty_depth: a.penalty_depth,
                rankers: a.eval.rankers.clone(),
            };
            let r = run(&m, &cfg, &a.out)?;
            for t in &r.targets {
                println!(
                    "{} {}: {} (goal {})",
                    if t.met { "MET " } else { "MISS" },
                    t.name,
                    t.measured,
                    t.goal
                );
            }
            println!("report written to {}", a.out.display());
            Ok(())
        }
    }
}

fn print_evaluation(ev: &Evaluation) {
    println!(
        "{} jobs (skipped {} without a relevant candidate), k = {}, relevant = grade ≥ {}, mean pool {:.0}",
        ev.jobs, ev.jobs_without_relevant, ev.config.k, ev.config.relevant_grade, ev.mean_pool
    );
    println!(
        "{:<24} {:>24} {:>24} {:>24} {:>24}",
        "ranker", "NDCG", "recall", "precision", "MRR"
    );
    let f = |e: &fairmatch_bench::lab::eval::Estimate| {
        format!("{:.4} [{:.4},{:.4}]", e.mean, e.lo, e.hi)
    };
    for r in &ev.rankers {
        println!(
            "{:<24} {:>24} {:>24} {:>24} {:>24}",
            r.name,
            f(&r.ndcg),
            f(&r.recall),
            f(&r.precision),
            f(&r.mrr)
        );
    }
    for r in ev.ratios.iter().filter(|r| r.metric == "ndcg") {
        println!("NDCG {} / {}: {}", r.a, r.b, f(&r.ratio));
    }
}
